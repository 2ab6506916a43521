#!/usr/bin/env bash
# GRPO and RLOO on the letter-sorting demo with its verifiable rule, measured on real samples: the
# demo's quick SFT model, 1,200 more demo prompts split 75/25 by prompt, each algorithm from the
# SFT model with reward {"function": "demo_sort"} on the training side, evaluated by `eval policy`
# against the SFT model on the validation side's prompts, 4 samples each (true demo_score and
# sequence KL). Usage: bench/rl_demo.sh [WORKDIR] [STEPS]   (build first: bash scripts/build.sh)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cli=$root/build/app/prefstudio-cli
work=${1:-$(mktemp -d)}
steps=${2:-40}
mkdir -p "$work" && cd "$work"
export OMP_WAIT_POLICY=PASSIVE

"$cli" demo d --quick --stage sft --prompts 64 --seed 1 > demo.txt 2> /dev/null
/usr/bin/python3 - > more_prompts.jsonl <<'PY'
import json, random
rng = random.Random(11)
for _ in range(1200):
    letters = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(4, 10)))
    print(json.dumps({"prompt": "Sort: %s\n" % letters}))
PY
"$cli" import d/demo.sqlite more_prompts.jsonl --quiet
"$cli" split d/demo.sqlite --validation-fraction 0.25 --seed 5 > /dev/null

evaluate() {  # model -> one JSON line
  "$cli" eval policy d/demo.sqlite --model "$1" --reference d/models/sft/final --prompts 1000 \
    --samples 4 --max-new-tokens 16 --seed 9 --json
}
echo "model true_score true_score_std samples kl train_seconds"
evaluate d/models/sft/final | /usr/bin/python3 -c 'import json,sys; e=json.load(sys.stdin); print("sft %.4f %.4f %d %.3f -" % (e["true_score"], e["true_score_std"], e["samples"], e["kl"]))'
for algorithm in grpo rloo; do
  cat > $algorithm.json <<JSON
{"$algorithm": {"policy_dir": "d/models/sft/final", "output_dir": "$algorithm",
  "reward": {"function": "demo_sort"}, "steps": $steps, "rollout_prompts": 16,
  "samples_per_prompt": 4, "max_new_tokens": 16, "minibatch_size": 16, "missing_eos_penalty": 1.0,
  "eval_every": 0, "eval_prompts": 0, "threads": 2, "optimizer": {"lr": 0.0001}}}
JSON
  "$cli" train $algorithm d/demo.sqlite --config $algorithm.json > $algorithm.txt
  seconds=$(tail -n 1 $algorithm.txt | /usr/bin/python3 -c 'import json,sys; print(round(json.load(sys.stdin)["seconds"], 1))')
  evaluate $algorithm/final | /usr/bin/python3 -c 'import json,sys; e=json.load(sys.stdin); print("%s %.4f %.4f %d %.3f %s" % (sys.argv[1], e["true_score"], e["true_score_std"], e["samples"], e["kl"], sys.argv[2]))' "$algorithm" "$seconds"
done
echo "work folder: $work"
