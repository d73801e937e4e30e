# carbonstat: thin wrapper around CMake so the README's two commands work on a
# fresh Debian 12 machine.
#   make demo    install build deps, build (no tests: cmocka not needed), run
#                carbonstat on built-in defaults
#   make check   install test deps, run the whole suite (format, layers, unit,
#                CLI golden + recompute, real components; sanitizer build;
#                valgrind and short fuzz runs in parallel; benchmarks smoke;
#                datagen check) and print each stage's wall time (scripts/check.sh)
BUILD      ?= build
BUILD_ASAN ?= build-asan
BUILD_FUZZ ?= build-fuzz
JOBS       ?= $(shell nproc)
FUZZ_SECONDS ?= 10
# fuzz targets at once: each runs FUZZ_SECONDS of wall time, so two at once
# halve the smoke's wall time (26 targets today) at some executions each
FUZZ_JOBS  ?= 2
VALGRIND_JOBS ?= 1
PREFIX     ?= /usr/local
export BUILD BUILD_ASAN BUILD_FUZZ JOBS FUZZ_SECONDS FUZZ_JOBS VALGRIND_JOBS

CMAKE_BUILD = cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=$(PREFIX)

.PHONY: all deps test-deps build build-tests demo agent-demo check test asan valgrind fuzz-smoke datagen \
        datagen-check bench bench-smoke install format format-check layers clean

all: build

deps:
	scripts/deps.sh build

test-deps:
	scripts/deps.sh test

# The program, its library and the examples; no tests (no cmocka needed).
build:
	$(CMAKE_BUILD) -DCS_BUILD_TESTS=OFF
	cmake --build $(BUILD) -j$(JOBS)

# The same tree with the tests: configure fails, naming the package, without cmocka.
build-tests:
	$(CMAKE_BUILD) -DCS_BUILD_TESTS=ON
	cmake --build $(BUILD) -j$(JOBS)

demo: deps build
	scripts/demo.sh $(BUILD)/carbonstat

# The agent with a real Prometheus scraping it (installs prometheus if missing).
agent-demo:
	scripts/deps.sh agent-demo
	$(MAKE) build
	scripts/agent-demo.sh $(BUILD)/carbonstat

check:
	scripts/check.sh

test: build-tests
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

# Sanitizer stage: unit tests, fuzz-corpus replays, CLI and agent tests under
# ASan+UBSan; the "real" label (third-party programs against the agent, see
# tests/CMakeLists.txt) runs in `make test` only.
asan:
	cmake -S . -B $(BUILD_ASAN) -DCMAKE_BUILD_TYPE=Debug -DCS_SANITIZE=ON -DCS_BUILD_BENCH=OFF
	cmake --build $(BUILD_ASAN) -j$(JOBS)
	cd $(BUILD_ASAN) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j$(JOBS) -LE real

valgrind: build-tests
	scripts/valgrind.sh $(BUILD) $(VALGRIND_JOBS)

# libFuzzer targets only (no tests, no benchmarks in this tree).
fuzz-smoke:
	CC=clang cmake -S . -B $(BUILD_FUZZ) -DCMAKE_BUILD_TYPE=Debug -DCS_FUZZ=ON -DCS_BUILD_TESTS=OFF \
	  -DCS_BUILD_BENCH=OFF
	cmake --build $(BUILD_FUZZ) -j$(JOBS)
	scripts/fuzz-smoke.sh $(BUILD_FUZZ) $(FUZZ_SECONDS) $(FUZZ_JOBS)

datagen:
	python3 tools/datagen/gen_tables.py

# Skipped (said so) without ../shared/datasets, failed if CS_REQUIRE names datasets.
datagen-check:
	@if [ -d ../shared/datasets ]; then python3 tools/datagen/gen_tables.py --check; \
	 elif echo ",$${CS_REQUIRE:-}," | grep -Eq ',(datasets|all),'; then \
	   echo "datagen-check: ../shared/datasets not found (CS_REQUIRE requires 'datasets')"; exit 1; \
	 else echo "datagen-check: SKIP: ../shared/datasets not found (capability 'datasets')"; fi

bench: build
	scripts/bench.sh $(BUILD)

bench-smoke: build
	scripts/bench.sh $(BUILD) --smoke

install: build
	cmake --install $(BUILD)

# The C sources clang-format checks (the generated tables are left as written).
FORMAT_FILES = $$(git ls-files '*.c' '*.h' | grep -v '^src/data/gen_')

format:
	clang-format -i $(FORMAT_FILES)

format-check:
	@clang-format --dry-run -Werror $(FORMAT_FILES) || \
	 { echo "format-check: run 'make format' (clang-format -i) and commit the result"; exit 1; }

layers:
	python3 scripts/check-layers.py

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) $(BUILD_FUZZ) check-logs
