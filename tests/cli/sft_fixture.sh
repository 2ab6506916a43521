# Sourced after test_lib.sh by the data-parallel CLI tests ($cli set): a project, a tiny byte-level
# model (n_embd 16, one layer) and 200 letter-sorting demonstrations of unequal length, so that a
# global batch splits into shards with different token counts.
make_sft_fixture() {
  "$cli" init p.sqlite > /dev/null
  cat > tiny.json <<'JSON'
{"model_type": "gpt2", "vocab_size": 257, "n_positions": 32, "n_embd": 16, "n_layer": 1,
 "n_head": 2, "tokenizer": "byte", "seed": 7}
JSON
  "$cli" model init --config tiny.json --out init > /dev/null
  python3 - <<'PY'
import json, random
rng = random.Random(5)
with open("sft.jsonl", "w") as f:
    for _ in range(200):
        letters = "".join(rng.sample("abcdefghij", rng.randint(2, 6)))
        f.write(json.dumps({"prompt": f"Sort: {letters}\n", "response": "".join(sorted(letters))}) + "\n")
PY
}

# sft_config FILE OUTPUT_DIR STEPS [MORE]: a config of 7-row global batches (4 + 3 rows on two
# ranks), gradient accumulation, a validation split and one thread a rank; MORE adds keys, e.g.
# '"resume_from": "dp/step-000040"'.
sft_config() {
  cat > "$1" <<JSON
{"sft": {"model_dir": "init", "output_dir": "$2", "data_path": "sft.jsonl", "steps": $3,
         "batch_size": 7, "grad_accum": 2, "max_length": 24, "warmup_steps": 2, "log_every": 3,
         "eval_every": 6, "validation_fraction": 0.1, "threads": 1, "optimizer": {"lr": 0.003}
         ${4:+, $4}}}
JSON
}
