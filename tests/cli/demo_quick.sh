#!/usr/bin/env bash
# `prefstudio-cli demo DIR --quick`, the whole InstructGPT loop in its small size, as the README's
# first command runs it in its full size: every stage finishes; the reward model beats chance on
# held-out pairs; DPO and GRPO raise the held-out demo_score above the SFT model's by more than
# twice the standard error of the (paired) difference, on at least 100 held-out prompts; the
# figures are stored in the project; fresh prompts wait for a person; a stage reruns on its own.
# With a second argument, a `model init` spec (tests/cli/llama_demo_model.json), the same loop runs
# on that architecture, and every final checkpoint must be written as Hugging Face lays it out.
set -euo pipefail
cli=$1
spec=${2:-}
source "$(dirname "${BASH_SOURCE[0]}")/test_lib.sh"
export OMP_WAIT_POLICY=PASSIVE

"$cli" demo d --quick ${spec:+--model "$spec"} > demo.txt 2> demo.err || { cat demo.err >&2; fail "demo --quick exited non-zero"; }
tr '\r' '\n' < demo.err | grep -v '^generate\|^sft: step' | tail -n 20

for kind in sft reward dpo ppo grpo demo; do
  [ "$(count d/demo.sqlite "SELECT COUNT(*) FROM runs WHERE kind='$kind' AND status='finished'")" = 1 ] \
    || fail "no finished $kind run"
done
for stage in reward dpo ppo grpo; do
  [ -f "d/configs/$stage.json" ] || fail "no config for $stage"; done

python3 - demo.txt <<'PY' || fail "the loop did not learn as it must"
import json, math, sys
out = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
reward = out["reward"]
se = math.sqrt(0.25 / reward["pairs_val"])
assert reward["accuracy_val"] > 0.5 + 2 * se, ("reward model at chance", reward["accuracy_val"], se)
summary = out["summary"]
assert summary["prompts"] >= 100, summary["prompts"]
rows = {row["stage"]: row for row in summary["rows"]}
assert set(rows) == {"sft", "dpo", "ppo", "grpo"}, rows.keys()
for stage in ("dpo", "grpo"):
    row = rows[stage]
    assert row["gain"] > 2 * row["gain_se"], (stage, row)
    assert row["kl"] < 30, (stage, row)
for stage, row in rows.items():
    print(f'{stage}: true score {row["true_score"]:.3f}, gain {row["gain"] if row["gain"] is not None else 0:+.3f} '
          f'(se {row["gain_se"] or 0:.4f}), KL {row["kl"]:.3f}')
PY

# The same figures in the project; simulated labelers named as such; fresh prompts unranked.
[ "$(count d/demo.sqlite "SELECT COUNT(*) FROM run_evaluations WHERE kind='demo_summary'")" = 1 ] \
  || fail "the summary is not stored"
[ "$(count d/demo.sqlite "SELECT COUNT(*) FROM labelers WHERE name LIKE 'simulated-%'")" = 4 ] \
  || fail "four simulated labelers expected"
[ "$(count d/demo.sqlite "SELECT COUNT(*) FROM prompts WHERE id NOT IN (SELECT prompt_id FROM rankings)")" -ge 8 ] \
  || fail "no fresh prompts left for a person to rank"

# A stage on its own, from the config the demo wrote.
"$cli" demo d --stage summary > summary.txt 2> /dev/null || fail "demo --stage summary"
[ "$(count d/demo.sqlite "SELECT COUNT(*) FROM run_evaluations WHERE kind='demo_summary'")" = 2 ] \
  || fail "the rerun summary is not stored"

[ -z "$spec" ] && exit 0
python3 - "$spec" d/models <<'PY' || fail "the checkpoints are not in the spec's architecture"
import json, os, sys
spec = json.load(open(sys.argv[1]))
family = {"llama": "Llama", "qwen2": "Qwen2"}[spec["model_type"]]
for stage in ("sft", "reward", "dpo", "ppo", "grpo"):
    folder = f"{sys.argv[2]}/{stage}/final"
    if not os.path.exists(f"{folder}/config.json"):
        folder += "/policy"  # PPO keeps its critic beside the policy
    config = json.load(open(f"{folder}/config.json"))
    head = "ForSequenceClassification" if stage == "reward" else "ForCausalLM"
    assert config["architectures"] == [family + head], (stage, config["architectures"])
    assert config["model_type"] == spec["model_type"], (stage, config["model_type"])
    assert config["num_key_value_heads"] == spec["num_key_value_heads"], stage
    header = open(f"{folder}/model.safetensors", "rb").read(200000)
    names = json.loads(header[8:8 + int.from_bytes(header[:8], "little")])
    assert "model.layers.0.self_attn.k_proj.weight" in names, (stage, sorted(names)[:5])
    assert ("score.weight" in names) == (stage == "reward"), stage
print("checkpoints:", family, "for every stage; the reward model's head is score.weight")
PY
