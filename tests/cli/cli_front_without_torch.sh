#!/usr/bin/env bash
# prefstudio-cli's store-only commands never load LibTorch: the front links no torch, c10 or gomp
# library, and the dynamic loader's own log (LD_DEBUG=libs) shows none loaded while --help, init,
# import, stats, split, export and merge run, while an engine command does load them. The front
# hands an engine command over with the whole command line, sets OMP_WAIT_POLICY=PASSIVE unless the
# user chose a policy, keeps the exit code and names the engine when it cannot start it.
# Timing is not checked here (a shared machine is too noisy): bench/bench_cli_startup measures it.
set -euo pipefail
cli=$1
source "$(dirname "${BASH_SOURCE[0]}")/test_lib.sh"
torch_libraries='lib(torch|c10|gomp)[^/ ]*\.so'

echo "== the front links no LibTorch library"
needed=$(readelf -d "$cli" | grep NEEDED)
echo "$needed" | grep -q 'libsqlite3' || fail "readelf shows no NEEDED entries: $needed"
if echo "$needed" | grep -Eq "$torch_libraries"; then fail "prefstudio-cli needs torch: $needed"; fi

# Runs the command under the loader's log; fails if any torch library was loaded.
without_torch() {
  LD_DEBUG=libs LD_DEBUG_OUTPUT="$work/ld" "$cli" "$@" > out.txt 2> err.txt \
    || fail "prefstudio-cli $* exited non-zero: $(cat err.txt)"
  grep -q 'calling init' "$work"/ld.* || fail "LD_DEBUG wrote no log for $*"
  if grep -Eh "$torch_libraries" "$work"/ld.* | grep -q .; then
    fail "prefstudio-cli $* loaded torch: $(grep -Eh "$torch_libraries" "$work"/ld.* | head -3)"
  fi
  rm -f "$work"/ld.*
}

echo "== store-only commands load no torch"
without_torch --help
grep -q 'train sft PROJECT' out.txt || fail "--help does not list the engine's train sft"
grep -q 'logprobs --model DIR' out.txt || fail "--help does not list the engine's logprobs"
grep -q 'stats PROJECT' out.txt || fail "--help does not list stats"
without_torch init p.sqlite
printf '%s\n' \
  '{"prompt": "Name a fruit.", "completions": ["apple", "rock"], "ranking": [0, 1], "labeler": "ana"}' \
  > rankings.jsonl
without_torch import p.sqlite rankings.jsonl --quiet
without_torch stats p.sqlite --json
grep -q '"labelers": *1' out.txt || fail "stats: $(cat out.txt)"
without_torch split p.sqlite
without_torch export p.sqlite --format pairs --split all -o pairs.jsonl
[ "$(wc -l < pairs.jsonl)" = 1 ] || fail "one pair expected"
without_torch init q.sqlite
without_torch merge q.sqlite p.sqlite

echo "== an engine command loads torch (the check above can see it)"
LD_DEBUG=libs LD_DEBUG_OUTPUT="$work/ld" "$cli" config defaults sft > out.txt 2> err.txt \
  || fail "config defaults sft: $(cat err.txt)"
grep -Eh "$torch_libraries" "$work"/ld.* | grep -q . || fail "config defaults sft loaded no torch"
rm -f "$work"/ld.*
grep -q '"kind": "sft"' out.txt || fail "config defaults sft printed: $(cat out.txt)"

echo "== the engine gets the whole command line, the passive OpenMP policy and keeps the exit code"
cat > fake-engine <<'SH'
#!/bin/sh
echo "policy=${OMP_WAIT_POLICY:-unset} args=$*"
exit 7
SH
chmod +x fake-engine
status=0
env -u OMP_WAIT_POLICY PREFSTUDIO_ENGINE="$work/fake-engine" "$cli" train sft p.sqlite --config x.json \
  > out.txt || status=$?
[ "$status" = 7 ] || fail "the engine's exit code 7 came back as $status"
[ "$(cat out.txt)" = "policy=PASSIVE args=train sft p.sqlite --config x.json" ] \
  || fail "the engine was started as: $(cat out.txt)"
OMP_WAIT_POLICY=ACTIVE PREFSTUDIO_ENGINE="$work/fake-engine" "$cli" logprobs --json > out.txt || true
[ "$(cat out.txt)" = "policy=ACTIVE args=logprobs --json" ] || fail "user's policy: $(cat out.txt)"

echo "== a missing engine is named"
status=0
PREFSTUDIO_ENGINE="$work/no-such-engine" "$cli" model init --config c.json --out m 2> err.txt \
  || status=$?
[ "$status" = 1 ] || fail "a missing engine exited $status"
grep -q "prefstudio-cli model init: error: cannot start $work/no-such-engine: No such file" err.txt \
  || fail "the message does not name the engine: $(cat err.txt)"
echo "ok"
