#!/usr/bin/env bash
# Bad data-parallel input is refused before anything is written, naming the variable or option;
# --nproc 1 is a plain run.
set -euo pipefail
cli=$1
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/test_lib.sh"
source "$here/sft_fixture.sh"
make_sft_fixture
sft_config c.json out 4

# refused CODE PATTERN COMMAND...: COMMAND exits with CODE and its stderr matches PATTERN.
refused() {
  local code=$1 pattern=$2
  shift 2
  local status=0
  "$@" > out.txt 2> err.txt || status=$?
  [ "$status" = "$code" ] || fail "$* exited $status, not $code: $(cat err.txt)"
  grep -q -- "$pattern" err.txt || fail "$*: the message does not name $pattern: $(cat err.txt)"
  [ ! -s out.txt ] || fail "$* printed on stdout: $(cat out.txt)"
  echo "refused: $(head -n 1 err.txt)"
}

refused 1 "RANK is not set" env WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=29511 \
  "$cli" train sft p.sqlite --config c.json
refused 1 "WORLD_SIZE='two'" env WORLD_SIZE=two RANK=0 MASTER_ADDR=127.0.0.1 MASTER_PORT=29511 \
  "$cli" train sft p.sqlite --config c.json
refused 2 "--nproc" "$cli" train sft p.sqlite --config c.json --nproc 0
refused 2 "--nproc" "$cli" train reward p.sqlite --config c.json --nproc=two
refused 2 "WORLD_SIZE=2" env WORLD_SIZE=2 "$cli" train sft p.sqlite --config c.json --nproc 2
refused 2 "--dist-timeout" "$cli" train sft p.sqlite --config c.json --dist-timeout 0
refused 2 "WORLD_SIZE is 2" env WORLD_SIZE=2 "$cli" demo demo-dir --quick
[ ! -e demo-dir ] || fail "a refused demo wrote its folder"
[ "$(count p.sqlite 'SELECT COUNT(*) FROM runs')" = 0 ] && [ ! -e out ] \
  || fail "a refused command wrote something"

# --nproc 1 is a plain run.
"$cli" train sft p.sqlite --config c.json --nproc 1 > one.txt
tail -n 1 one.txt | grep -q '"status":"finished"' || fail "--nproc 1: $(tail -n 1 one.txt)"
[ "$(count p.sqlite 'SELECT COUNT(*) FROM runs')" = 1 ] || fail "--nproc 1 wrote other than one run"
echo "data-parallel errors: passed"
