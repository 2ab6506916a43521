#!/usr/bin/env bash
# A byte-level model can emit any byte, so an untrained one at a high temperature writes broken
# UTF-8 (cut and stray multi-byte sequences) most of the time. `generate` must store only valid
# UTF-8: every reader of the TEXT column, and the import's own validation, assume it.
set -euo pipefail
cli=$1
source "$(dirname "${BASH_SOURCE[0]}")/test_lib.sh"

cat > byte.json <<'JSON'
{"model_type": "gpt2", "vocab_size": 257, "n_positions": 64, "n_embd": 32, "n_layer": 2,
 "n_head": 4, "tokenizer": "byte", "seed": 11}
JSON
"$cli" model init --config byte.json --out m > /dev/null
"$cli" init p.sqlite
python3 - <<'PY'
import json
prompts = ["Sort: dcba", "Trier : éèà", "排序：丙乙甲", "Sortiere: ßüö", "Ordena: ñá",
           "Sort: 🙂🙃", "Сортируй: вба", "Sort: zyx"]
with open("prompts.jsonl", "w", encoding="utf-8") as f:
    for p in prompts:
        f.write(json.dumps({"prompt": p}, ensure_ascii=False) + "\n")
PY
"$cli" import p.sqlite prompts.jsonl --quiet
"$cli" generate p.sqlite --model m -k 16 --max-new-tokens 24 --temperature 2.5 --seed 3 \
  2> generate.log || { cat generate.log; fail "generate failed"; }

python3 - <<'PY' || fail "a stored completion is not valid UTF-8 (see above)"
import sqlite3
db = sqlite3.connect("p.sqlite")
db.text_factory = bytes
rows = db.execute("SELECT id, text FROM completions").fetchall()
assert len(rows) == 8 * 16, f"{len(rows)} completions, 128 expected"
bad, repaired = [], 0
for cid, raw in rows:
    try:
        text = raw.decode("utf-8", errors="strict")
    except UnicodeDecodeError as e:
        bad.append((cid, raw[max(0, e.start - 4):e.end + 4]))
        continue
    repaired += "\ufffd" in text
for cid, where in bad[:5]:
    print(f"completion {cid}: invalid UTF-8 near {where!r}")
assert not bad, f"{len(bad)} of {len(rows)} completions are not valid UTF-8"
# The test means something only if the model did write broken sequences that had to be repaired.
assert repaired >= 16, f"only {repaired} completions needed repair: the model is not hostile enough"
print(f"{len(rows)} completions valid UTF-8, {repaired} of them repaired")
PY
# The import's own validation, which refuses invalid UTF-8, takes them back into a new project.
python3 - <<'PY2'
import json, sqlite3
db = sqlite3.connect("p.sqlite")
by_prompt = {}
for prompt, completion in db.execute(
        "SELECT p.text, c.text FROM completions c JOIN prompts p ON p.id = c.prompt_id"):
    by_prompt.setdefault(prompt, []).append(completion)
with open("c.jsonl", "w", encoding="utf-8") as f:
    for prompt, completions in by_prompt.items():
        f.write(json.dumps({"prompt": prompt, "completions": completions}, ensure_ascii=False) + "\n")
PY2
"$cli" init q.sqlite
"$cli" import q.sqlite c.jsonl --quiet || fail "the sampled text does not import back"
[ "$(sqlite3 q.sqlite 'SELECT COUNT(*) FROM completions')" = 128 ] || fail "128 completions expected"
echo "generate utf-8: passed"
