#!/usr/bin/env bash
# Installs the chat-template reference renderer (npm "@huggingface/jinja", pinned by
# package-lock.json) into tests/js-chat/node_modules, which git ignores. Needs node >= 18 and npm
# and the npm registry once. Only for regenerating tests/golden/chat_templates; no test runs node.
set -euo pipefail
cd "$(dirname "$0")"
command -v npm > /dev/null || { echo "tests/js-chat/setup.sh: npm not found (apt-get install npm)" >&2; exit 1; }
npm ci --ignore-scripts --no-audit --no-fund
