# carbonstat: thin wrapper around CMake so the README's two commands work on a
# fresh Debian 12 machine.
#   make demo    install build deps, build, run carbonstat on built-in defaults
#   make check   install test deps, run the whole suite (unit, CLI golden, fuzz
#                replay; sanitizer build; valgrind; short fuzz runs; datagen check)
BUILD      ?= build
BUILD_ASAN ?= build-asan
BUILD_FUZZ ?= build-fuzz
JOBS       ?= $(shell nproc)
FUZZ_SECONDS ?= 10
PREFIX     ?= /usr/local

.PHONY: all deps test-deps build demo agent-demo check test asan valgrind fuzz-smoke datagen datagen-check \
        bench bench-smoke install format clean

all: build

deps:
	scripts/deps.sh build

test-deps:
	scripts/deps.sh test

build:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=$(PREFIX)
	cmake --build $(BUILD) -j$(JOBS)

demo: deps build
	scripts/demo.sh $(BUILD)/carbonstat

# The agent with a real Prometheus scraping it (installs prometheus if missing).
agent-demo: deps build
	scripts/deps.sh agent-demo
	scripts/agent-demo.sh $(BUILD)/carbonstat

test: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

asan:
	cmake -S . -B $(BUILD_ASAN) -DCMAKE_BUILD_TYPE=Debug -DCS_SANITIZE=ON
	cmake --build $(BUILD_ASAN) -j$(JOBS)
	cd $(BUILD_ASAN) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j$(JOBS)

valgrind: build
	scripts/valgrind.sh $(BUILD)

fuzz-smoke:
	CC=clang cmake -S . -B $(BUILD_FUZZ) -DCMAKE_BUILD_TYPE=Debug -DCS_FUZZ=ON -DCS_BUILD_TESTS=ON
	cmake --build $(BUILD_FUZZ) -j$(JOBS)
	scripts/fuzz-smoke.sh $(BUILD_FUZZ) $(FUZZ_SECONDS)

datagen:
	python3 tools/datagen/gen_tables.py

datagen-check:
	@if [ -d ../shared/datasets ]; then python3 tools/datagen/gen_tables.py --check; \
	 else echo "datagen-check: ../shared/datasets not found, skipped"; fi

bench: build
	scripts/bench.sh $(BUILD)

bench-smoke: build
	scripts/bench.sh $(BUILD) --smoke

check: test-deps test asan valgrind fuzz-smoke bench-smoke datagen-check
	@echo "check: all suites passed"

install: build
	cmake --install $(BUILD)

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) $(BUILD_FUZZ)
