#!/usr/bin/env bash
# The sanitizer pass: configures build-asan/ with clang, AddressSanitizer, UBSan and libFuzzer
# (PREFSTUDIO_FUZZ=ON, cmake/PrefstudioSanitize.cmake), builds every test that needs no LibTorch
# (label torchfree: all of db, core's tokenizers and config parsers) and the fuzzers, and runs the
# tests plus a short run of each fuzzer (label fuzz). Any sanitizer report fails the test.
#   --all  also builds and runs every core test that links LibTorch (slow: torch's headers compile
#          for minutes; LibTorch itself is not instrumented) and the slow tests. docs/hardening.md.
# Extra arguments after the options go to cmake. Runs from CI (scripts/test.sh) without --all.
set -euo pipefail
cd "$(dirname "$0")/.."
all=0
if [ "${1:-}" = "--all" ]; then all=1; shift; fi
CC=clang CXX=clang++ cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug \
  -DPREFSTUDIO_GUI=OFF -DPREFSTUDIO_BENCH=OFF -DPREFSTUDIO_FUZZ=ON "$@" > build-asan.log 2>&1 || {
  cat build-asan.log; exit 1; }
rm -f build-asan.log
jobs=$(nproc)
cd build-asan
if [ $all = 1 ]; then
  # Every core and db test; the CLI's end-to-end scripts need the whole product and stay out.
  cmake --build . -j "$jobs"
  ctest --output-on-failure -L '^(core|db|fuzz)$' -j "$jobs" --timeout 3600
else
  cmake --build . -j "$jobs" --target prefstudio_torch_free_tests prefstudio_fuzzers
  ctest --output-on-failure -L '^(torchfree|fuzz)$' -LE slow -j "$jobs" --timeout 900
fi
