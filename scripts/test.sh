#!/usr/bin/env bash
# The second README command: installs, builds and runs every test except those labelled slow.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
cd build
ctest --output-on-failure -LE slow -j "$(nproc)" --timeout 900
