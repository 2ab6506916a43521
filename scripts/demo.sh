#!/usr/bin/env bash
# The first README command: installs, builds, creates the demo project (prompts, a small model
# fine-tuned for a few minutes, K = 4 sampled completions per prompt) and opens it in the GUI.
# Without a display it says so and runs the headless equivalent: the same project, summarised.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
demo_dir=${PREFSTUDIO_DEMO_DIR:-demo}
if [ ! -f "$demo_dir/demo.sqlite" ]; then
  ./build/app/prefstudio-cli demo "$demo_dir" "$@"
fi
./build/app/prefstudio-cli stats "$demo_dir/demo.sqlite" --json
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ -x build/app/prefstudio ]; then
  exec ./build/app/prefstudio "$demo_dir/demo.sqlite" --labeler "${USER:-labeler}"
fi
echo "demo: no display (DISPLAY is unset), so the GUI was not opened. The project is ready:"
echo "  ./build/app/prefstudio $demo_dir/demo.sqlite --labeler NAME   # on a machine with a display"
echo "  xvfb-run -a ./build/app/prefstudio $demo_dir/demo.sqlite      # or under Xvfb"
