#!/usr/bin/env bash
# The whole loop (SFT, labels, reward, DPO, PPO, GRPO, summary) on a tiny random Qwen2 whose
# tokenizer has a chat template (the SmolLM2 fixture: ChatML with a default system prompt): every
# stage runs with the template around its prompts, the project keeps the user's text only, and
# `tokenize --prompt` shows the ids the stages used. Runs end to end; the learning itself is
# checked on the byte-level models (demo_quick.sh), whose task fits their tokenizer.
set -euo pipefail
cli=$1
spec=$2
source "$(dirname "${BASH_SOURCE[0]}")/test_lib.sh"
export OMP_WAIT_POLICY=PASSIVE

"$cli" demo d --quick --prompts 40 --model "$spec" > demo.txt 2> demo.err \
  || { cat demo.err >&2; fail "demo on the chat model exited non-zero"; }
for kind in sft reward dpo ppo grpo demo; do
  [ "$(count d/demo.sqlite "SELECT COUNT(*) FROM runs WHERE kind='$kind' AND status='finished'")" = 1 ] \
    || fail "no finished $kind run"
done

# The template is in the checkpoint and used for prompts: <|im_start|>system ... <|im_start|>assistant\n.
"$cli" tokenize --model d/models/grpo/final --text "sort: dcba" --prompt --json > prompt.json
"$cli" tokenize --model d/models/grpo/final --text "sort: dcba" --json > plain.json
python3 - prompt.json plain.json <<'PY' || fail "prompts are not templated"
import json, sys
prompt, plain = (json.load(open(p)) for p in sys.argv[1:3])
assert prompt["chat_template"], prompt
# Five special tokens (decoded to nothing): <|im_start|> ... <|im_end|> twice, then <|im_start|>.
specials = [i for i, t in zip(prompt["ids"], prompt["tokens"]) if t == ""]
assert len(specials) == 5 and specials[0] == specials[2] == specials[4] != specials[1], specials
# Special tokens decode to nothing: what is left is the template's text around the user's.
text = "".join(prompt["tokens"])
assert text == ("system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face\n"
                "user\nsort: dcba\nassistant\n"), repr(text)
tail = plain["ids"]
assert any(prompt["ids"][i:i + len(tail)] == tail for i in range(len(prompt["ids"]))), "user text missing"
print(f'prompt "sort: dcba": {plain["count"]} ids as text, {prompt["count"]} as a chat prompt')
PY

# The project holds what the user wrote and what the model answered, never the template.
[ "$(count d/demo.sqlite "SELECT COUNT(*) FROM prompts WHERE text LIKE '%<|im_start|>%' OR text LIKE '%You are a helpful%'")" = 0 ] \
  || fail "a stored prompt carries the template"
[ "$(count d/demo.sqlite "SELECT COUNT(*) FROM completions WHERE text LIKE '%<|im_start|>%'")" = 0 ] \
  || fail "a stored completion carries the template"
grep -q '"model_type":"qwen2"\|"model_type": "qwen2"' d/models/reward/final/config.json \
  || fail "the reward model is not a Qwen2"
grep -q 'Qwen2ForSequenceClassification' d/models/reward/final/config.json \
  || fail "the reward model is not saved as Qwen2ForSequenceClassification"
