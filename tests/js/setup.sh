#!/usr/bin/env bash
# Installs the tokenizer reference (npm "@huggingface/tokenizers", pure JavaScript, pinned by
# package-lock.json) into tests/js/node_modules, which git ignores. Needs node >= 18 and npm and
# the npm registry once. Only needed to regenerate tests/golden/hf_tokenizers/*golden.json; the
# tests read the committed files, so this is not part of scripts/setup.sh.
set -euo pipefail
cd "$(dirname "$0")"
command -v npm > /dev/null || { echo "tests/js/setup.sh: npm not found (apt-get install npm)" >&2; exit 1; }
npm ci --ignore-scripts --no-audit --no-fund
