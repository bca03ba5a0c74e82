# End-to-end test of storage_bench at tiny scale: it must run every compiled-in engine through
# every workload (with --verify, so every value read back is checked) and write a report naming
# each engine and each workload. Figures are not checked: tests assert behaviour, not speed.
#   cmake -DBENCH=<storage_bench> -DWORK_DIR=<scratch dir> -P end_to_end_test.cmake
cmake_minimum_required(VERSION 3.25)
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")

execute_process(COMMAND "${BENCH}" --list-engines
  OUTPUT_VARIABLE engine_ids RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "storage_bench --list-engines failed (${rc})")
endif()
string(STRIP "${engine_ids}" engine_ids)
string(REPLACE "\n" ";" engine_ids "${engine_ids}")
list(LENGTH engine_ids count)
if(count LESS 2)
  message(FATAL_ERROR "expected at least LMDB and RocksDB compiled in, got: ${engine_ids}")
endif()

set(report "${WORK_DIR}/report.md")
execute_process(COMMAND "${BENCH}" --keys 2000 --runs 2 --reads 3000 --commits 20 --batch 100
    --verify --dir "${WORK_DIR}/data" --out "${report}"
  RESULT_VARIABLE rc OUTPUT_VARIABLE stdout ERROR_VARIABLE stderr)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "storage_bench failed (${rc}):\n${stderr}")
endif()
file(READ "${report}" text)

set(names_lmdb "LMDB")
set(names_rocksdb "RocksDB")
set(names_rookery "Rookery")
foreach(id IN LISTS engine_ids)
  if(NOT DEFINED names_${id})
    message(FATAL_ERROR "unknown engine id '${id}' from --list-engines")
  endif()
  string(FIND "${text}" "| ${names_${id}} |" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "report has no column for ${names_${id}}:\n${text}")
  endif()
endforeach()

foreach(heading
    "### Load, random key order: 2,000 keys"
    "### Load, sequential key order: 2,000 keys"
    "### Random point reads after load-random: 3,000 Gets per pass"
    "### Durable single-put commits: 20 transactions"
    "### Full ordered scan of 2,000 keys"
    "| throughput, keys/s ↑ |"
    "| uniform, 2 threads: reads/s ↑ |"
    "| latency p99.9, µs ↓ |"
    "| device floor: raw 4 KiB overwrite + fdatasync just before, p50 µs ↓ |"
    "| bytes on disk, settled (allocated) ↓ |"
    "- Machine: "
    "- Load average (1, 5, 15 min): "
    "- Command: `")
  string(FIND "${text}" "${heading}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "report lacks '${heading}':\n${text}")
  endif()
endforeach()
# Rookery, when compiled in, is compared with each peer; otherwise every engine with every other.
if("rookery" IN_LIST engine_ids)
  string(FIND "${text}" "Rookery / LMDB" at1)
  string(FIND "${text}" "Rookery / RocksDB" at2)
else()
  string(FIND "${text}" "LMDB / RocksDB" at1)
  string(FIND "${text}" "RocksDB / LMDB" at2)
endif()
if(at1 EQUAL -1 OR at2 EQUAL -1)
  message(FATAL_ERROR "report lacks the ratio columns:\n${text}")
endif()
# No figure may be missing for an engine that ran.
string(FIND "${text}" "n/a" at)
if(NOT at EQUAL -1)
  message(FATAL_ERROR "report has a missing figure (n/a):\n${text}")
endif()
# The fresh per-run directories are removed afterwards.
file(GLOB leftovers "${WORK_DIR}/data/*")
if(leftovers)
  message(FATAL_ERROR "run directories left behind: ${leftovers}")
endif()
message(STATUS "report OK for engines: ${engine_ids}")
