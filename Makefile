# Rookery's two commands (README):
#   make run    build and start the server on http://127.0.0.1:8080 with data in ./data
#   make test   build and pass every test
# Each does every step on a fresh Debian 12 machine: packages, CMake configure, build.
#
#   make fuzz-smoke      build the libFuzzer targets (clang, ASan+UBSan, build-fuzz/) and run the
#                        RQL parser fuzzer 60 s and the JSON one 30 s (CI runs this too)
#   make bench-storage   Rookery's storage engine beside LMDB and RocksDB (bench/), report in
#                        build-bench/storage-report.md; options through BENCH_ARGS, e.g.
#                        make bench-storage BENCH_ARGS="--keys 100000 --runs 1"
#   make bench-docs      the document server (`rookery serve`, HTTP) beside PostgreSQL 15 (libpq),
#                        both started by the benchmark on loopback; report in
#                        build-bench/docs-report.md; e.g. BENCH_ARGS="--docs 100000 --runs 3"
#   make bench-jsindex   a JavaScript map/reduce index built on one indexing thread beside
#                        PostgreSQL 15's REFRESH MATERIALIZED VIEW, and one change's latency
#                        (bench/jsindex_bench.cc); report in build-bench/jsindex-report.md
#   make bench-query     RQL queries and automatic indexes beside PostgreSQL 15's expression
#                        indexes (bench/), report in build-bench/query-report.md;
#                        e.g. BENCH_ARGS="--docs 100000"

BUILD_DIR  ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS       ?= $(shell nproc)
ARGS       ?=
CMAKE_EXTRA ?=

BENCH_BUILD_DIR ?= build-bench
BENCH_ARGS ?=

.PHONY: all deps configure build run test client-deps asan fuzz-smoke format-check ci clean \
  bench-storage bench-docs bench-query bench-jsindex bench-configure

all: build

deps:
	@scripts/install-deps

configure: deps
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_EXTRA) > $(BUILD_DIR).configure.log 2>&1 \
	  || (cat $(BUILD_DIR).configure.log; exit 1)

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

run: build
	./$(BUILD_DIR)/rookery serve $(ARGS)

test: build client-deps
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) --timeout 900

# node_modules of the RavenDB client tests (tests/client): `npm ci` when missing or older than
# package-lock.json (npm writes node_modules/.package-lock.json on every install).
CLIENT_DIR := tests/client
client-deps:
	@if [ ! -f $(CLIENT_DIR)/node_modules/.package-lock.json ] || \
	    [ $(CLIENT_DIR)/package-lock.json -nt $(CLIENT_DIR)/node_modules/.package-lock.json ]; then \
	  echo "npm ci in $(CLIENT_DIR)"; \
	  (cd $(CLIENT_DIR) && npm ci --no-audit --no-fund --loglevel=error); \
	fi

# Unit tests under AddressSanitizer and UndefinedBehaviorSanitizer (CI runs this too).
asan:
	@$(MAKE) --no-print-directory build BUILD_DIR=build-asan BUILD_TYPE=Debug \
	  CMAKE_EXTRA="-DROOKERY_SANITIZE=ON"
	cd build-asan && ctest -L unit --output-on-failure -j $(JOBS) --timeout 900

# A separate Release build with bench/ on (LMDB, RocksDB, PostgreSQL and libpq are needed only
# here). bench-storage drives the storage layer in process; bench-docs also builds the server,
# which it starts as a child process. Each builds only its own target.
bench-configure:
	@scripts/install-deps bench
	@cmake -S . -B $(BENCH_BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release -DROOKERY_BUILD_BENCH=ON \
	  -DROOKERY_BUILD_SERVER=ON $(CMAKE_EXTRA) > $(BENCH_BUILD_DIR).configure.log 2>&1 \
	  || (cat $(BENCH_BUILD_DIR).configure.log; exit 1)

bench-storage: bench-configure
	@cmake --build $(BENCH_BUILD_DIR) -j $(JOBS) --target storage_bench
	ROOKERY_BENCH_INVOKED_AS='make bench-storage BENCH_ARGS="$(BENCH_ARGS)"' \
	  ./$(BENCH_BUILD_DIR)/bench/storage_bench --out $(BENCH_BUILD_DIR)/storage-report.md $(BENCH_ARGS)

# The fuzz targets of tests/fuzz, briefly (scripts/fuzz-smoke; RQL_SECONDS / JSON_SECONDS override).
fuzz-smoke:
	@scripts/fuzz-smoke

bench-docs: bench-configure
	@cmake --build $(BENCH_BUILD_DIR) -j $(JOBS) --target docs_bench
	ROOKERY_BENCH_INVOKED_AS='make bench-docs BENCH_ARGS="$(BENCH_ARGS)"' \
	  ./$(BENCH_BUILD_DIR)/bench/docs_bench --out $(BENCH_BUILD_DIR)/docs-report.md $(BENCH_ARGS)

bench-query: bench-configure
	@cmake --build $(BENCH_BUILD_DIR) -j $(JOBS) --target query_bench
	ROOKERY_BENCH_INVOKED_AS='make bench-query BENCH_ARGS="$(BENCH_ARGS)"' \
	  ./$(BENCH_BUILD_DIR)/bench/query_bench --out $(BENCH_BUILD_DIR)/query-report.md $(BENCH_ARGS)

bench-jsindex: bench-configure
	@cmake --build $(BENCH_BUILD_DIR) -j $(JOBS) --target jsindex_bench
	ROOKERY_BENCH_INVOKED_AS='make bench-jsindex BENCH_ARGS="$(BENCH_ARGS)"' \
	  ./$(BENCH_BUILD_DIR)/bench/jsindex_bench --out $(BENCH_BUILD_DIR)/jsindex-report.md $(BENCH_ARGS)

format-check:
	@scripts/check-format

ci:
	.ci/run

clean:
	rm -rf build build-asan build.configure.log build-asan.configure.log build-fuzz build-fuzz.configure.log \
	  $(BENCH_BUILD_DIR) $(BENCH_BUILD_DIR).configure.log
