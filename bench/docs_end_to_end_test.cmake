# End-to-end test of docs_bench at tiny scale: it must start Rookery and PostgreSQL, insert, read
# back every GET (a missing document fails the run), stop both servers, remove their temporary
# directories, and write a report with every measure for both. Figures are not checked: tests
# assert behaviour, not speed.
#   cmake -DBENCH=<docs_bench> -DWORK_DIR=<scratch dir> -P docs_end_to_end_test.cmake
cmake_minimum_required(VERSION 3.25)
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")

set(report "${WORK_DIR}/report.md")
execute_process(COMMAND "${BENCH}" --docs 3000 --batch 500 --get-requests 2000 --connections 4
    --runs 2 --dir "${WORK_DIR}/data" --out "${report}"
  RESULT_VARIABLE rc OUTPUT_VARIABLE stdout ERROR_VARIABLE stderr)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "docs_bench failed (${rc}):\n${stderr}")
endif()
file(READ "${report}" text)

foreach(expected
    "## Document server vs PostgreSQL"
    "| measure | Rookery | PostgreSQL | Rookery / PostgreSQL | target | status |"
    "| insert: docs/s ↑ |"
    "| GET, 1 connection: req/s ↑ |"
    "| GET, 4 connections: req/s ↑ |"
    "| GET, 1 connection: p99 µs ↓ |"
    "| bytes on disk after the load (allocated) ↓ |"
    "- Load average (1, 5, 15 min): "
    "- Machine: "
    "- Command: `"
    "| Rookery | 2 |"
    "| PostgreSQL 15 | 2 |")
  string(FIND "${text}" "${expected}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "report lacks '${expected}':\n${text}")
  endif()
endforeach()
# Both systems ran, so every measure has both figures and a ratio.
string(FIND "${text}" "n/a" at)
if(NOT at EQUAL -1)
  message(FATAL_ERROR "report has a missing figure (n/a):\n${text}")
endif()
# Each document is about 1 KiB and every GET returned one.
string(REGEX MATCH "\\| bytes received per GET \\| ([0-9]+)" m "${text}")
if(NOT m OR CMAKE_MATCH_1 LESS 1000)
  message(FATAL_ERROR "GETs returned less than a document each:\n${text}")
endif()
# The servers' temporary directories are removed afterwards.
file(GLOB leftovers "${WORK_DIR}/data/*")
if(leftovers)
  message(FATAL_ERROR "temporary directories left behind: ${leftovers}")
endif()
message(STATUS "docs_bench report OK")
