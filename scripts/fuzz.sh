#!/usr/bin/env bash
# Runs every fuzzer of fuzz/ for SECONDS each (default 300), one after the other, from its
# committed seed corpus plus what earlier runs found (build-asan/fuzz/work/<target>/corpus), and
# prints each one's execs, execs/s, coverage and findings. A crash leaves its input in
# build-asan/fuzz/work/<target>/artifacts/ and makes the script fail. Builds build-asan/ first
# (scripts/sanitize.sh configures it the same way). Usage: scripts/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-300}
shift || true
CC=clang CXX=clang++ cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug \
  -DPREFSTUDIO_GUI=OFF -DPREFSTUDIO_BENCH=OFF -DPREFSTUDIO_FUZZ=ON > /dev/null
cmake --build build-asan -j "$(nproc)" --target prefstudio_fuzzers
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=($(cd fuzz && ls fuzz_*.cpp | sed 's/\.cpp$//'))
fi
failed=0
printf '%-26s %12s %9s %7s %7s  %s\n' target execs execs/s cov ft result
for target in "${targets[@]}"; do
  work="build-asan/fuzz/work/$target"
  mkdir -p "$work/corpus" "$work/artifacts"
  log="$work/last-run.log"
  if build-asan/fuzz/"$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$work/artifacts/" \
      "$work/corpus" "fuzz/corpus/$target" > "$log" 2>&1; then
    result=ok
  else
    result="CRASH: $(grep -m1 -o 'Test unit written to .*' "$log" || tail -1 "$log")"
    failed=1
  fi
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || echo 0)
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || echo 0)
  printf '%-26s %12s %9s %7s %7s  %s\n' "$target" "$execs" "$rate" "$cov" "$ft" "$result"
done
exit $failed
