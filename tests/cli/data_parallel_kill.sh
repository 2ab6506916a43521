#!/usr/bin/env bash
# `train sft --nproc 2` when a rank dies: rank 1 is killed (SIGKILL) after the first checkpoint; the
# launcher stops rank 0 and exits non-zero naming rank 1, the run is marked failed, and the last
# checkpoint on disk is whole: a 2-process run resumed from it ends with the weights of an
# uninterrupted 2-process run (within 1e-5; a 1-process run is no reference over this many steps:
# rounding differences of 1e-6 grow to 1e-3 in 300 steps, on biases whose exact gradient is zero
# and whose Adam update is then all noise, e.g. attention's key bias). Then SIGTERM to the launcher (the GUI's Stop): every rank stops
# after the same step, rank 0 writes the final checkpoint, and the run is "stopped", exit code 0.
set -euo pipefail
cli=$1
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/test_lib.sh"
source "$here/sft_fixture.sh"
make_sft_fixture
steps=300  # far more than the test needs before its signal, so the run is still going then
every='"checkpoint_every": 10, "log_every": 10, "eval_every": 0'

# wait_for PATH PID: until PATH exists; fails if PID (the launcher) ends first or after 60 s.
wait_for() {
  for _ in $(seq 1200); do
    [ -e "$1" ] && return 0
    kill -0 "$2" 2> /dev/null || fail "the run ended before $1 was written"
    sleep 0.05
  done
  fail "no $1 after 60 s"
}

# rank_pid LAUNCHER RANK: the launcher's child that runs RANK (read from its environment).
rank_pid() {
  for pid in $(pgrep -P "$1"); do
    tr '\0' '\n' < "/proc/$pid/environ" 2> /dev/null | grep -qx "RANK=$2" && echo "$pid"
  done
}

# ended_within SECONDS PID: waits for PID (a child of this shell); its exit code in $status.
ended_within() {
  for _ in $(seq $(($1 * 20))); do
    kill -0 "$2" 2> /dev/null || { status=0; wait "$2" || status=$?; return 0; }
    sleep 0.05
  done
  kill -KILL "$2"
  fail "the launcher did not end within $1 s"
}

echo "== uninterrupted, two processes"
sft_config whole.json whole $steps "$every"
"$cli" train sft p.sqlite --config whole.json --nproc 2 --dist-timeout 20 > whole.txt

echo "== two processes, rank 1 killed after the first checkpoint"
sft_config dp.json dp $steps "$every"
"$cli" train sft p.sqlite --config dp.json --nproc 2 --dist-timeout 20 > dp.txt 2> dp.err &
launcher=$!
wait_for dp/step-000010/optimizer.pt $launcher
rank1=$(rank_pid $launcher 1)
[ -n "$rank1" ] || fail "no child of the launcher with RANK=1"
kill -KILL "$rank1"
ended_within 30 $launcher
cat dp.err
[ "$status" != 0 ] || fail "the launcher exited 0 after rank 1 was killed"
grep -q "rank 1 of 2 (pid $rank1) was killed by signal 9" dp.err || fail "the message does not name rank 1"
[ "$(count p.sqlite "SELECT status FROM runs WHERE name = 'dp'")" = failed ] \
  || fail "the killed run is not marked failed"
[ -z "$(pgrep -P $launcher || true)" ] || fail "a rank outlived the launcher"

last=$(ls -d dp/step-* | sort | tail -n 1)
echo "last checkpoint: $last"
sft_config resume.json resumed $steps "$every, \"resume_from\": \"$last\""
"$cli" train sft p.sqlite --config resume.json --nproc 2 --dist-timeout 20 > resumed.txt \
  || fail "resuming from $last failed"
grep -q '"status":"finished"' resumed.txt || fail "resumed run: $(tail -n 1 resumed.txt)"
python3 "$here/compare_weights.py" whole/final resumed/final --init init --tolerance 1e-5 \
  || fail "killed and resumed on two processes, the run ends elsewhere than uninterrupted"

echo "== SIGTERM to the launcher: every rank stops after the same step, final checkpoint"
sft_config stop.json stop $steps "$every"
"$cli" train sft p.sqlite --config stop.json --nproc 2 --dist-timeout 20 > stop.txt 2> stop.err &
launcher=$!
wait_for stop/step-000010/optimizer.pt $launcher
kill -TERM $launcher
ended_within 30 $launcher
[ "$status" = 0 ] || { cat stop.err; fail "a stopped run exited $status"; }
tail -n 1 stop.txt | grep -q '"status":"stopped"' || fail "stopped run: $(tail -n 1 stop.txt)"
[ -f stop/final/model.safetensors ] || fail "no final checkpoint after the stop"
[ "$(count p.sqlite "SELECT status FROM runs WHERE name = 'stop'")" = stopped ] \
  || fail "the run is not marked stopped"
echo "data-parallel kill and stop: passed"
