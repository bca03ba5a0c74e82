# End-to-end test of jsindex_bench at tiny scale: it must load both systems, build the JavaScript
# map/reduce index and PostgreSQL's materialized view, check that both give the expected groups
# (after the build and after the changes), time the changes, remove its temporary directories and
# write a report with every figure. Figures are not checked: tests assert behaviour, not speed.
#   cmake -DBENCH=<jsindex_bench> -DWORK_DIR=<scratch dir> -P jsindex_end_to_end_test.cmake
cmake_minimum_required(VERSION 3.25)
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")

set(report "${WORK_DIR}/report.md")
execute_process(COMMAND "${BENCH}" --docs 3000 --companies 30 --changes 20 --pg-changes 2
    --pg-refreshes 1 --dir "${WORK_DIR}/data" --out "${report}"
  RESULT_VARIABLE rc OUTPUT_VARIABLE stdout ERROR_VARIABLE stderr)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "jsindex_bench failed (${rc}):\n${stderr}")
endif()
file(READ "${report}" text)

foreach(expected
    "## JavaScript map/reduce index vs PostgreSQL"
    "| Rookery | index build, etag 0 to non-stale"
    "REFRESH MATERIALIZED VIEW (median of 1)"
    "- Target: build ≥ 250,000 docs/s: "
    "≥ 1.0x PostgreSQL's REFRESH: "
    "- Change latency (Rookery, 20 single-order changes"
    "- PostgreSQL reflects a change only by a REFRESH: "
    "- Command: `")
  string(FIND "${text}" "${expected}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "report lacks '${expected}':\n${text}")
  endif()
endforeach()
file(GLOB leftovers "${WORK_DIR}/data/*")
if(leftovers)
  message(FATAL_ERROR "temporary directories left behind: ${leftovers}")
endif()
message(STATUS "jsindex_bench report OK")
