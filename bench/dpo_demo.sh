#!/usr/bin/env bash
# DPO on the letter-sorting demo, measured on real samples: the demo's quick SFT model, 1,200 more
# demo prompts with K = 4 of its own completions each, ranked by two simulated labelers
# (tests/cli/simulate_rankings.py: Plackett-Luce over the true demo_score, beta 30), the project
# split 75/25 by prompt, DPO (beta 0.3, lr 1e-4, 4 epochs) at each beta given, evaluated by
# `eval policy` against the SFT model on the validation side's 300+ prompts, 4 samples each (true
# demo_score and sequence KL).
# Usage: bench/dpo_demo.sh [WORKDIR] [BETA ...]   (build first: bash scripts/build.sh)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cli=$root/build/app/prefstudio-cli
work=${1:-$(mktemp -d)}
shift || true
betas=("$@")
[ ${#betas[@]} -gt 0 ] || betas=(0.3 1.0)
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
"$cli" generate d/demo.sqlite --model d/models/sft/final -k 4 --max-new-tokens 16 --seed 3 \
  > /dev/null 2>&1
/usr/bin/python3 "$root/tests/cli/simulate_rankings.py" d/demo.sqlite sim.jsonl simulated-a:30 simulated-b:30
"$cli" import d/demo.sqlite sim.jsonl --quiet
"$cli" split d/demo.sqlite --validation-fraction 0.25 --seed 5 > /dev/null

evaluate() {  # model -> one JSON line
  "$cli" eval policy d/demo.sqlite --model "$1" --reference d/models/sft/final --prompts 1000 \
    --samples 4 --max-new-tokens 16 --seed 9 --json
}
echo "model beta true_score true_score_std samples kl train_seconds"
sft=$(evaluate d/models/sft/final)
echo "$sft" | /usr/bin/python3 -c 'import json,sys; e=json.load(sys.stdin); print("sft - %.4f %.4f %d %.3f -" % (e["true_score"], e["true_score_std"], e["samples"], e["kl"]))'
for beta in "${betas[@]}"; do
  cat > dpo-$beta.json <<JSON
{"dpo": {"policy_dir": "d/models/sft/final", "output_dir": "dpo-$beta", "beta": $beta,
         "epochs": 4, "batch_prompts": 8, "max_length": 48, "eval_every": 0, "eval_prompts": 0,
         "threads": 2, "optimizer": {"lr": 0.0001}}}
JSON
  "$cli" train dpo d/demo.sqlite --config dpo-$beta.json > dpo-$beta.txt
  seconds=$(tail -n 1 dpo-$beta.txt | /usr/bin/python3 -c 'import json,sys; print(round(json.load(sys.stdin)["seconds"], 1))')
  evaluate dpo-$beta/final | /usr/bin/python3 -c 'import json,sys; e=json.load(sys.stdin); print("dpo %s %.4f %.4f %d %.3f %s" % (sys.argv[1], e["true_score"], e["true_score_std"], e["samples"], e["kl"], sys.argv[2]))' "$beta" "$seconds"
done
echo "work folder: $work"
