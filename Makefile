# Rookery's two commands (README):
#   make run    build and start the server on http://127.0.0.1:8080 with data in ./data
#   make test   build and pass every test
# Each does every step on a fresh Debian 12 machine: packages, CMake configure, build.

BUILD_DIR  ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS       ?= $(shell nproc)
ARGS       ?=
CMAKE_EXTRA ?=

.PHONY: all deps configure build run test asan format-check ci clean

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

test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) --timeout 900

# Unit tests under AddressSanitizer and UndefinedBehaviorSanitizer (CI runs this too).
asan:
	@$(MAKE) --no-print-directory build BUILD_DIR=build-asan BUILD_TYPE=Debug \
	  CMAKE_EXTRA="-DROOKERY_SANITIZE=ON"
	cd build-asan && ctest -L unit --output-on-failure -j $(JOBS) --timeout 900

format-check:
	@scripts/check-format

ci:
	.ci/run

clean:
	rm -rf build build-asan build.configure.log build-asan.configure.log
