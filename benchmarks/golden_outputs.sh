#!/bin/bash
# Golden outputs under two kotext trees, compared byte for byte (stdout, stderr, exit code
# and the files each command writes): tests/golden/make.py, the one list of cases and the
# small data they run on, records them under OLD_TREE's kotext, then checks NEW_TREE's.
#   benchmarks/golden_outputs.sh OLD_TREE [NEW_TREE]     e.g. /tmp/kmain .
# OLD_TREE: a checkout with kotext/, models/, pipelines/ (git worktree add --detach DIR main).
set -u
OLD=$(realpath "$1"); NEW=$(realpath "${2:-.}")
PY=${PYTHON:-$PWD/.venv/bin/python}  # not realpath: the venv is the link
for T in "$OLD" "$NEW"; do  # the kotext that runs is the tree's, not an installed one
  got=$(cd / && PYTHONPATH=$T "$PY" -c 'import kotext; print(kotext.__file__)')
  [ "$got" = "$T/kotext/__init__.py" ] || { echo "PYTHONPATH=$T imports $got"; exit 2; }
done
W=$(mktemp -d)
PYTHONPATH=$OLD "$PY" "$NEW/tests/golden/make.py" --dir "$W" || exit 2
if PYTHONPATH=$NEW "$PY" "$NEW/tests/golden/make.py" --dir "$W" --check; then
  echo "identical for $(ls "$W"/*.out | wc -l) commands ($W)"
else
  echo "the cases above differ: compare $W/NAME.out with a run of NEW_TREE (make.py --dir)"
  exit 1
fi
