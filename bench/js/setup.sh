#!/usr/bin/env bash
# Installs bench_tokenizer's compiled reference (npm "tiktoken", pinned by package-lock.json) into
# bench/js/node_modules, which git ignores. Needs node >= 18 and npm (Debian 12: apt-get install
# nodejs npm, or NodeSource's node 20) and the npm registry once; nothing is fetched when the
# benchmark runs. Not part of scripts/setup.sh: no test depends on it.
set -euo pipefail
cd "$(dirname "$0")"
command -v npm > /dev/null || { echo "bench/js/setup.sh: npm not found (apt-get install npm)" >&2; exit 1; }
npm ci --ignore-scripts --no-audit --no-fund
