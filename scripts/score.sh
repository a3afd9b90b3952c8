#!/usr/bin/env bash
# Score the extractor: scripts/score.sh [seed|dev|all] [--details]
# Ingests the seed reports (data/reports) and/or the development set in
# ../shared/dev into a scratch store and runs ../shared/eval/score.py.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
shared=$(cd "$here/../shared" && pwd)
which=${1:-seed}; shift || true
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
case "$which" in
  seed) src=("$here/data/reports"); gold=("$shared/gold");;
  dev)  src=("$shared/dev/reports"); gold=("$shared/dev/gold");;
  all)  src=("$here/data/reports" "$shared/dev/reports"); gold=("$shared/gold" "$shared/dev/gold");;
  *) echo "usage: $0 [seed|dev|all] [--details]" >&2; exit 2;;
esac
fazhi-kg ingest --store "$tmp/store" "${src[@]}" >"$tmp/log" 2>&1 || { cat "$tmp/log" >&2; }
fazhi-kg export --store "$tmp/store" --format nquads -o "$tmp/g.nq"
python3 "$shared/eval/score.py" "$tmp/g.nq" "${gold[@]}" "$@"
