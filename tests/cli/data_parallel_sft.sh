#!/usr/bin/env bash
# `train sft --nproc 2` against one process with the same config: the same final weights (within
# 1e-5: only the order of floating-point sums differs), the same metrics (but for the loop's dist/
# ones), and one runs row, one stdout: rank 1 writes nothing to the project and prints nothing.
set -euo pipefail
cli=$1
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/test_lib.sh"
source "$here/sft_fixture.sh"
make_sft_fixture

sft_config one.json one 12
sft_config two.json two 12
"$cli" train sft p.sqlite --config one.json > one.txt
"$cli" train sft p.sqlite --config two.json --nproc 2 --dist-timeout 20 > two.txt 2> two.err \
  || { cat two.err; fail "train sft --nproc 2 failed"; }

echo "== final weights"
python3 "$here/compare_weights.py" one/final two/final --init init --tolerance 1e-5 \
  || fail "two processes end with other weights than one"
python3 - <<'PY' || fail "summaries differ: $(tail -n 1 one.txt) / $(tail -n 1 two.txt)"
import json
one, two = (json.loads(open(f).read().splitlines()[-1]) for f in ("one.txt", "two.txt"))
assert two["status"] == "finished" and two["steps"] == one["steps"] == 12, (one, two)
for key in ("loss_train", "loss_val"):
    assert abs(one[key] - two[key]) < 1e-5, (key, one[key], two[key])
print("loss_train", one["loss_train"], two["loss_train"], "loss_val", one["loss_val"], two["loss_val"])
PY

echo "== one runs row, the same metrics, one stdout"
[ "$(count p.sqlite 'SELECT COUNT(*) FROM runs')" = 2 ] \
  || fail "runs rows: $(count p.sqlite 'SELECT id, name, status FROM runs')"
[ "$(count p.sqlite "SELECT status FROM runs WHERE name = 'two'")" = finished ] || fail "status"
# The same (name, step) rows, but for the loop's dist/ metrics, which only a group logs.
metrics() { echo "SELECT run_metrics.name, step FROM run_metrics JOIN runs ON runs.id = run_id
                  WHERE runs.name = '$1' AND run_metrics.name NOT LIKE 'dist/%'"; }
[ "$(count p.sqlite "SELECT COUNT(*) FROM ($(metrics one))")" -gt 0 ] \
  && [ "$(count p.sqlite "SELECT COUNT(*) FROM ($(metrics one))")" = \
       "$(count p.sqlite "SELECT COUNT(*) FROM ($(metrics two))")" ] \
  && [ -z "$(count p.sqlite "$(metrics one) EXCEPT $(metrics two)")" ] \
  || fail "metrics differ: $(count p.sqlite "$(metrics one) EXCEPT $(metrics two)")"
checkpoints() { count p.sqlite "SELECT COUNT(*) FROM checkpoints JOIN runs ON runs.id = run_id WHERE runs.name = '$1'"; }
[ "$(checkpoints one)" = "$(checkpoints two)" ] || fail "checkpoints: $(checkpoints one) / $(checkpoints two)"
[ "$(wc -l < one.txt)" = "$(wc -l < two.txt)" ] \
  || fail "stdout: $(wc -l < one.txt) lines from one process, $(wc -l < two.txt) from two"
! grep -q 'rank' two.err || fail "a rank reported an error: $(cat two.err)"
echo "data-parallel sft: passed"
