# End-to-end test of query_bench at tiny scale: it must start Rookery and PostgreSQL, load, build
# the indexes, pass its full result checks (right documents, right order, exact TotalResults),
# run every query pass, stop both servers, remove their temporary directories, and write a report
# with every figure for both. Figures are not checked: tests assert behaviour, not speed.
#   cmake -DBENCH=<query_bench> -DWORK_DIR=<scratch dir> -P query_end_to_end_test.cmake
cmake_minimum_required(VERSION 3.25)
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")

set(report "${WORK_DIR}/report.md")
execute_process(COMMAND "${BENCH}" --docs 3003 --batch 500 --eq-queries 300 --range-queries 200
    --connections 3 --dir "${WORK_DIR}/data" --out "${report}"
  RESULT_VARIABLE rc OUTPUT_VARIABLE stdout ERROR_VARIABLE stderr)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "query_bench failed (${rc}):\n${stderr}")
endif()
file(READ "${report}" text)

foreach(expected
    "## Queries vs PostgreSQL"
    "| Rookery | Auto/Docs/ByCategory: "
    "| Rookery | Auto/Docs/ByCategoryAndScore "
    "| PostgreSQL 15 | CREATE INDEX docs_category "
    "| PostgreSQL 15 | CREATE INDEX docs_score "
    "Target: automatic index build ≥ 250,000 docs/s: "
    "| equality, 1 connection | queries/s |"
    "| equality, 3 connections | queries/s |"
    "| range + sort, 1 connection | queries/s |"
    "| range + sort, 3 connections | queries/s |"
    "- Load average (1, 5, 15 min): "
    "- Machine: "
    "- Command: `")
  string(FIND "${text}" "${expected}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "report lacks '${expected}':\n${text}")
  endif()
endforeach()
string(FIND "${text}" "n/a" at)
if(NOT at EQUAL -1)
  message(FATAL_ERROR "report has a missing figure (n/a):\n${text}")
endif()
file(GLOB leftovers "${WORK_DIR}/data/*")
if(leftovers)
  message(FATAL_ERROR "temporary directories left behind: ${leftovers}")
endif()
message(STATUS "query_bench report OK")
