#!/usr/bin/env bash
# The first README command: installs, builds, runs the whole loop of the demo (SFT, simulated
# labelers, reward model, DPO, PPO, GRPO and the summary table; docs/demo.md) and opens the project
# in the GUI on its Training tab with every run's curves; its Label tab holds fresh prompts to rank. Without a display it says so and stops
# after the headless part: the same project, summarised.
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
  exec ./build/app/prefstudio "$demo_dir/demo.sqlite" --labeler "${USER:-labeler}" \
    --view training --runs all
fi
echo "demo: no display (DISPLAY is unset), so the GUI was not opened. The project is ready:"
echo "  ./build/app/prefstudio $demo_dir/demo.sqlite --view training --runs all   # with a display"
echo "  xvfb-run -a ./build/app/prefstudio $demo_dir/demo.sqlite --view training  # or under Xvfb"
