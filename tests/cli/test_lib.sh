# Sourced by the CLI test scripts: a scratch folder, entered and removed on exit; fail and count.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
count() { sqlite3 "$1" "$2"; }
