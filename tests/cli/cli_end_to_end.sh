#!/usr/bin/env bash
# prefstudio-cli end to end, as a user runs it: real project files, a real model, real training.
# Each step checks what the command printed or what the project holds afterwards.
set -euo pipefail
cli=$1
resources=$2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$(dirname "${BASH_SOURCE[0]}")/test_lib.sh"

echo "== init, import rankings, stats"
"$cli" init p.sqlite
cat > rankings.jsonl <<'JSONL'
{"prompt": "Name a fruit.", "completions": ["apple", "rock", "pear"], "ranking": [0, 2, 1], "labeler": "ana"}
{"prompt": "Name a fruit.", "completions": ["apple", "rock", "pear"], "ranks": [0, 1, 0], "labeler": "ben"}
{"prompt": "Say hi.", "completions": ["hi", "bye", "hello", "no"], "ranks": [0, 2, 0, 3], "labeler": "ana"}
JSONL
"$cli" import p.sqlite rankings.jsonl --quiet
[ "$(count p.sqlite 'SELECT COUNT(*) FROM completions')" = 7 ] || fail "7 completions expected"
stats=$("$cli" stats p.sqlite --json)
echo "$stats" | grep -q '"labelers": *2' || fail "stats: $stats"

echo "== export, import into a new project, export again: identical"
"$cli" export p.sqlite --format pairs --split all -o pairs1.jsonl
# ana: 3 + (4*3/2 - 1 tie) = 8 pairs; ben: 3 - 1 tie = 2 pairs
[ "$(wc -l < pairs1.jsonl)" = 10 ] || fail "10 pairs expected, got $(wc -l < pairs1.jsonl)"
"$cli" init q.sqlite
"$cli" import q.sqlite pairs1.jsonl --quiet
"$cli" export q.sqlite --format pairs --split all -o pairs2.jsonl
cmp pairs1.jsonl pairs2.jsonl || fail "pairs round trip differs"
"$cli" export p.sqlite --format rankings --split all -o r1.jsonl
"$cli" init r.sqlite && "$cli" import r.sqlite r1.jsonl --quiet
"$cli" export r.sqlite --format rankings --split all -o r2.jsonl
cmp r1.jsonl r2.jsonl || fail "rankings round trip differs"

echo "== a bad line refuses the whole file and names it"
before=$(sqlite3 p.sqlite .dump | md5sum)
printf '{"prompt": "ok one"}\n{"prompt": ""}\n' > bad.jsonl
if "$cli" import p.sqlite bad.jsonl 2> err.txt; then fail "bad import exited 0"; fi
grep -q "bad.jsonl:2" err.txt || fail "message does not name bad.jsonl:2: $(cat err.txt)"
[ "$(sqlite3 p.sqlite .dump | md5sum)" = "$before" ] || fail "bad import changed the project"

echo "== tokenizer, model init, logprobs"
"$cli" tokenize --model "$resources/gpt2-tokenizer" --text "Hello world" | grep -q "15496 995" \
  || fail "GPT-2 ids of 'Hello world'"
cat > tiny.json <<'JSON'
{"model_type": "gpt2", "vocab_size": 257, "n_positions": 64, "n_embd": 32, "n_layer": 2,
 "n_head": 4, "tokenizer": "byte", "seed": 7}
JSON
"$cli" model init --config tiny.json --out m
for f in config.json model.safetensors prefstudio.json; do [ -f "m/$f" ] || fail "m/$f missing"; done
lp=$("$cli" logprobs --model m --prompt "Sort: cba" --completion "abc" --json)
echo "$lp" | grep -q '"completion_tokens":3' || fail "logprobs: $lp"

echo "== demo --stage sft: SFT learns, completions are sampled"
"$cli" demo d --quick --stage sft --prompts 16 > demo.txt
cat demo.txt
[ -f d/models/sft/final/model.safetensors ] || fail "no SFT checkpoint"
[ "$(count d/demo.sqlite "SELECT COUNT(*) FROM runs WHERE kind='sft' AND status='finished'")" = 1 ] \
  || fail "no finished sft run"
[ "$(count d/demo.sqlite "SELECT COUNT(DISTINCT name) FROM run_metrics")" -ge 3 ] || fail "metrics"
[ "$(count d/demo.sqlite 'SELECT COUNT(*) FROM completions')" -ge 32 ] || fail "completions"
[ "$(count d/demo.sqlite "SELECT COUNT(*) FROM project_settings WHERE key = 'guidelines'")" = 1 ] \
  || fail "the demo's labeling guidelines"
before=$(grep -o '"score_before":[0-9.e-]*' demo.txt | cut -d: -f2)
after=$(grep -o '"score_after":[0-9.e-]*' demo.txt | cut -d: -f2)
awk -v b="$before" -v a="$after" 'BEGIN { exit !(a > b + 0.3) }' \
  || fail "SFT did not learn the demo task: score $before -> $after"

echo "== reward model on simulated rankings of the demo's samples: train, eval, score"
python3 "$here/simulate_rankings.py" d/demo.sqlite sim.jsonl sim-sharp:12 sim-noisy:4
"$cli" import d/demo.sqlite sim.jsonl --quiet
"$cli" split d/demo.sqlite --validation-fraction 0.25 --seed 3 | grep -q '"validation_fraction":0.25' \
  || fail "split settings"
cat > reward.json <<'JSON'
{"reward": {"model_dir": "d/models/sft/final", "output_dir": "rm", "epochs": 10,
            "batch_prompts": 8, "max_length": 48, "eval_every": 5, "threads": 2,
            "optimizer": {"lr": 0.001}}}
JSON
"$cli" train reward d/demo.sqlite --config reward.json > reward.txt
tail -n 1 reward.txt | grep -q '"status":"finished"' || fail "reward run: $(tail -n 1 reward.txt)"
[ "$(count d/demo.sqlite "SELECT status FROM runs WHERE kind='reward'")" = finished ] \
  || fail "no finished reward run"
[ "$(count d/demo.sqlite "SELECT COUNT(*) FROM run_evaluations WHERE kind='reward_calibration'")" -ge 2 ] \
  || fail "calibration evaluations not stored"
grep -q GPT2ForSequenceClassification rm/final/config.json || fail "HF reward layout"
"$cli" eval reward d/demo.sqlite --model rm/final --split train --json > eval.json
acc=$(python3 -c 'import json,sys; print(json.load(open("eval.json"))["accuracy"])')
awk -v a="$acc" 'BEGIN { exit !(a > 0.6) }' || fail "reward accuracy on its training pairs: $acc"
grep -q '"agreement_ceiling"' eval.json || fail "no agreement ceiling"
"$cli" score d/demo.sqlite --model rm/final --suggest > score.txt
[ "$(count d/demo.sqlite 'SELECT COUNT(*) FROM completion_scores')" = \
  "$(count d/demo.sqlite 'SELECT COUNT(*) FROM completions')" ] || fail "not every completion scored"
"$cli" eval policy d/demo.sqlite --model d/models/sft/final --reward-model rm/final --prompts 8 \
  --samples 2 --max-new-tokens 16 --json > policy.json
python3 - <<'PY' || fail "eval policy: $(cat policy.json)"
import json
p = json.load(open("policy.json"))
assert p["prompts"] >= 1 and p["samples"] == 2 * p["prompts"], p
assert p["kl"] == 0.0, p                                 # the SFT model against itself
assert p["reward"] is not None and 0.0 <= p["true_score"] <= 1.0, p
PY
"$cli" init empty.sqlite
sed 's|"output_dir": "rm"|"output_dir": "rm-empty"|' reward.json > reward-empty.json
if "$cli" train reward empty.sqlite --config reward-empty.json 2> err.txt; then
  fail "train reward on a project without rankings exited 0"; fi
grep -q "no ranked prompt" err.txt || fail "message: $(cat err.txt)"
[ ! -e rm-empty ] && [ "$(count empty.sqlite 'SELECT COUNT(*) FROM runs')" = 0 ] \
  || fail "a refused reward run wrote something"
if "$cli" score d/demo.sqlite --model d/models/sft/final 2> err.txt; then
  fail "score with a model without a head exited 0"; fi
if "$cli" eval reward d/demo.sqlite --model d/models/sft/final 2> err.txt; then
  fail "eval with a model without a head exited 0"; fi
grep -q "no reward head" err.txt || fail "message: $(cat err.txt)"

echo "== DPO on the same rankings: reference log-probs cached, KL and true score evaluated"
cat > dpo.json <<'JSON'
{"dpo": {"policy_dir": "d/models/sft/final", "output_dir": "dpo", "epochs": 2,
         "batch_prompts": 8, "max_length": 48, "eval_every": 8, "eval_prompts": 8,
         "max_new_tokens": 16, "reward_model_dir": "rm/final", "threads": 2,
         "optimizer": {"lr": 0.0001}}}
JSON
"$cli" train dpo d/demo.sqlite --config dpo.json > dpo.txt
summary=$(tail -n 1 dpo.txt)
echo "$summary"
python3 - "$summary" <<'PY' || fail "dpo summary: $summary"
import json, sys
s = json.loads(sys.argv[1])
assert s["status"] == "finished" and s["steps"] >= 2, s
assert s["reference_computed"] > 0 and s["reference_cached"] == 0, s
assert s["eval/kl"] is not None and s["eval/reward"] is not None, s
assert 0.0 <= s["eval/true_score"] <= 1.0, s
PY
grep -q '"kind": *"policy"' dpo/final/prefstudio.json || fail "DPO checkpoint kind"
[ "$(count d/demo.sqlite "SELECT COUNT(*) FROM run_evaluations WHERE kind='policy'")" -ge 2 ] \
  || fail "policy evaluations not stored"
# Each evaluation samples every validation prompt once (the demo holds 4 of them here).
[ "$(count d/demo.sqlite "SELECT COUNT(*) FROM run_samples WHERE kl IS NOT NULL AND reward IS NOT NULL")" = \
  "$(count d/demo.sqlite "SELECT SUM(json_extract(report, '$.samples')) FROM run_evaluations WHERE kind='policy'")" ] \
  || fail "evaluation samples not stored"
[ "$(count d/demo.sqlite "SELECT COUNT(DISTINCT name) FROM run_metrics WHERE name LIKE 'rewards/%'")" = 4 ] \
  || fail "TRL's metric names"
computed=$(echo "$summary" | python3 -c 'import json,sys; print(json.load(sys.stdin)["reference_computed"])')
sed 's|"output_dir": "dpo"|"output_dir": "dpo2", "steps": 2, "eval_every": 0, "eval_prompts": 0|' \
  dpo.json > dpo2.json
"$cli" train dpo d/demo.sqlite --config dpo2.json > dpo2.txt
tail -n 1 dpo2.txt | grep -q "\"reference_cached\":$computed,\"reference_computed\":0" \
  || fail "second DPO run did not read the cache: $(tail -n 1 dpo2.txt)"
grep -q "the reference was not loaded" dpo2.txt || fail "no cache event"

echo "== GRPO with the demo's rule and RLOO against the reward model: a short run each"
cat > grpo.json <<'JSON'
{"grpo": {"policy_dir": "d/models/sft/final", "output_dir": "grpo", "reward": {"function": "demo_sort"},
          "steps": 2, "rollout_prompts": 4, "samples_per_prompt": 4, "max_new_tokens": 16,
          "minibatch_size": 8, "eval_every": 1, "eval_prompts": 4, "threads": 2,
          "optimizer": {"lr": 0.0001}}}
JSON
"$cli" train grpo d/demo.sqlite --config grpo.json > grpo.txt
tail -n 1 grpo.txt | python3 -c '
import json, sys
s = json.load(sys.stdin)
assert s["status"] == "finished" and s["rollouts"] == 2 and s["updates"] == 4, s
assert 0.0 <= s["objective/scores"] <= 1.0 and s["eval/true_score"] is not None, s' \
  || fail "grpo summary: $(tail -n 1 grpo.txt)"
grep -q '"objective/kl"' grpo.txt || fail "no objective/kl metric"
sed -e 's|"grpo"|"rloo"|g' -e 's|{"function": "demo_sort"}|{"model": "rm/final"}|' grpo.json > rloo.json
"$cli" train rloo d/demo.sqlite --config rloo.json > rloo.txt
tail -n 1 rloo.txt | grep -q '"status":"finished"' || fail "rloo: $(tail -n 1 rloo.txt)"
tail -n 1 rloo.txt | grep -q '"eval/reward":-\?[0-9]' || fail "rloo eval reward: $(tail -n 1 rloo.txt)"
[ "$(count d/demo.sqlite "SELECT COUNT(*) FROM runs WHERE kind IN ('grpo', 'rloo') AND status='finished'")" = 2 ] \
  || fail "grpo and rloo runs not finished in the project"

echo "== PPO against the reward model: critic from it, adaptive KL, PPO-ptx, checkpoint and resume"
cat > ppo.json <<'JSON'
{"ppo": {"policy_dir": "d/models/sft/final", "output_dir": "ppo", "reward": {"model": "rm/final"},
         "steps": 2, "rollout_prompts": 8, "max_new_tokens": 16, "ppo_epochs": 2,
         "minibatch_size": 4, "kl_target": 1.0, "ptx_coefficient": 0.1, "ptx_data": "project",
         "checkpoint_every": 1, "eval_every": 0, "eval_prompts": 4, "threads": 2,
         "optimizer": {"lr": 0.0001}, "value_optimizer": {"lr": 0.001}}}
JSON
"$cli" train ppo d/demo.sqlite --config ppo.json > ppo.txt
tail -n 1 ppo.txt | python3 -c '
import json, sys
s = json.load(sys.stdin)
assert s["status"] == "finished" and s["rollouts"] == 2 and s["updates"] == 8, s' \
  || fail "ppo summary: $(tail -n 1 ppo.txt)"
for metric in loss/value loss/ptx val/explained_variance grad_norm/value objective/kl_coef; do
  grep -q "\"$metric\"" ppo.txt || fail "ppo: no $metric metric"; done
for file in policy/model.safetensors value/model.safetensors optimizer.pt optimizer-value.pt rl_state.json; do
  [ -f "ppo/step-000004/$file" ] || fail "ppo checkpoint lacks $file"; done
grep -q '"kind": "value"' ppo/final/value/prefstudio.json || fail "the critic is not kind value"
"$cli" logprobs --model ppo/final --prompt "Sort: cba" --completion "abc" --json > /dev/null \
  || fail "an RL checkpoint folder does not load as its policy"
sed -e 's|"output_dir": "ppo"|"output_dir": "ppo-resumed", "resume_from": "ppo/step-000004"|' \
  ppo.json > ppo-resume.json
"$cli" train ppo d/demo.sqlite --config ppo-resume.json > ppo-resume.txt
cmp ppo/final/policy/model.safetensors ppo-resumed/final/policy/model.safetensors \
  || fail "a resumed PPO run ends elsewhere than the uninterrupted one"
cmp ppo/final/value/model.safetensors ppo-resumed/final/value/model.safetensors \
  || fail "a resumed PPO run's critic ends elsewhere"

echo "== logprobs --input: many completions in one process, a bad line named"
cat > lp.jsonl <<'JSONL'
{"prompt": "Sort: cba", "completion": "abc"}
{"prompt": "Sort: cba", "completion": "abc", "ended": true}

{"prompt": "", "completion": "x"}
JSONL
"$cli" logprobs --model m --input lp.jsonl --json > lp.txt
[ "$(wc -l < lp.txt)" = 3 ] || fail "three lines in, three out: $(cat lp.txt)"
one=$("$cli" logprobs --model m --prompt "Sort: cba" --completion "abc" --ended --json)
python3 - "$one" <<'PY' || fail "batched and single logprobs differ"
import json, sys
single = json.loads(sys.argv[1])
batched = [json.loads(line) for line in open("lp.txt")]
assert batched[1]["eos_counted"] and not batched[0]["eos_counted"], batched
assert abs(batched[1]["logprob"] - single["logprob"]) < 1e-4, (batched[1], single)
assert batched[2]["prompt_tokens"] == 1, batched[2]
PY
printf '{"prompt": "a", "completion": "b"}\n{"prompt": "a"}\n' > lp-bad.jsonl
if "$cli" logprobs --model m --input lp-bad.jsonl --json > lp-bad.txt 2> err.txt; then
  fail "a bad logprobs line exited 0"; fi
grep -q "lp-bad.jsonl:2" err.txt || fail "message does not name lp-bad.jsonl:2: $(cat err.txt)"
[ ! -s lp-bad.txt ] || fail "a refused input printed scores"

echo "== generate is deterministic in its seed"
"$cli" init g1.sqlite && "$cli" init g2.sqlite
printf '{"prompt": "Sort: dcba\\n"}\n{"prompt": "Sort: zyx\\n"}\n' > prompts.jsonl
for g in g1 g2; do
  "$cli" import $g.sqlite prompts.jsonl --quiet
  "$cli" generate $g.sqlite --model d/models/sft/final -k 2 --max-new-tokens 8 --temperature 1.5 \
    --seed 5 2> /dev/null
done
a=$(sqlite3 g1.sqlite 'SELECT text FROM completions ORDER BY id')
b=$(sqlite3 g2.sqlite 'SELECT text FROM completions ORDER BY id')
[ -n "$a" ] && [ "$a" = "$b" ] || fail "same seed, different completions"
echo "cli end to end: all steps passed"
