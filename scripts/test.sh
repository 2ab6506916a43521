#!/usr/bin/env bash
# The second README command: installs, builds and runs every test except those labelled slow, then
# the sanitizer pass (scripts/sanitize.sh: the torch-free tests under ASan and UBSan, and a short
# run of each fuzzer; docs/hardening.md).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
cd build
ctest --output-on-failure -LE slow -j "$(nproc)" --timeout 900
cd ..
bash scripts/sanitize.sh
