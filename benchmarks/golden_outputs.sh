#!/bin/bash
# Golden outputs: the same commands on real data (../shared/data) under two kotext trees,
# stdout and exit status compared byte for byte (stderr too, minus timings).
#   benchmarks/golden_outputs.sh OLD_TREE NEW_TREE     e.g. /tmp/kmain .
# OLD_TREE: a checkout (or `git archive main | tar -x -C DIR`) with kotext/, models/, pipelines/.
set -u
OLD=$(realpath "$1"); NEW=$(realpath "$2"); PY=${PYTHON:-$PWD/.venv/bin/python}  # not realpath: the venv is the link
DATA=${KOTEXT_DATA:-$(realpath ../shared/data)}
W=$(mktemp -d); cd "$W"
head -301 "$DATA/nsmc-reviews/sentiment_train.tsv" > train300.tsv
{ sed -n 1p "$DATA/nsmc-reviews/sentiment_train.tsv"; sed -n 302,401p "$DATA/nsmc-reviews/sentiment_train.tsv"; } > eval100.tsv
"$PY" - "$DATA" <<'PYEOF'
import csv, json, sys
rows = list(csv.reader(open("eval100.tsv", encoding="utf-8"), delimiter="\t"))[:30]
with open("cp949.csv", "w", encoding="cp949", errors="replace", newline="") as f:
    csv.writer(f).writerows(rows)
with open("fail.csv", "w", encoding="utf-8", newline="") as f:
    csv.writer(f).writerows([["id", "document"], ["1", "좋은 영화"], ["2", ""], ["3", "나쁜 영화"]])
a = json.load(open(f"{sys.argv[1]}/sci-news-sum-kr/01.json", encoding="utf-8"))
open("article.txt", "w", encoding="utf-8").write(" ".join(a["sentences"]))
PYEOF
L="--text-column document --label-column label --label-map 0=negative,1=positive"
go() {  # go TREE OUTDIR
  local O=$2; mkdir -p "$O"
  k() { local n=$1; shift; PYTHONPATH=$T "$PY" -m kotext "$@" > "$O/$n.out" 2> "$O/$n.err"
        echo "rc=$?" >> "$O/$n.out"; }
  T=$1
  k classify classify eval100.tsv --text-column document --format jsonl
  k tokenize tokenize eval100.tsv --text-column document --format jsonl
  k clean clean eval100.tsv --text-column document --format jsonl
  k summarize summarize article.txt
  k keywords keywords article.txt
  k evaluate evaluate sentiment-ko eval100.tsv $L
  k explain explain "배우 연기는 좋았는데 스토리가 지루했다"
  k run run sentiment eval100.tsv --text-column document --format jsonl
  k cp949 classify cp949.csv --text-column document --format jsonl
  k failing classify fail.csv --text-column document --format jsonl
  k train train classifier --train train300.tsv $L --bits 16 -o "$O/m"
  k trained classify eval100.tsv --text-column document --model "$O/m" --format jsonl
  k train_gru train classifier --method gru --train train300.tsv $L --epochs 1 --hidden 8 -o "$O/g"
  k gru classify eval100.tsv --text-column document --model "$O/g" --format jsonl
  k bad_lr train classifier --method gru --train train300.tsv $L --lr -1 -o "$O/x"
}
go "$OLD" old; go "$NEW" new
grep -q "^rc=0$" old/classify.out || { echo "the old tree cannot classify:"; tail -3 old/classify.err; exit 2; }
bad=0
for f in old/*.out; do b=$(basename "$f"); cmp -s "$f" "new/$b" || { echo "DIFF stdout $b"; bad=1; }; done
for f in old/*.err; do b=$(basename "$f")
  diff <(sed -E 's/[0-9.]+ s\b|[0-9]+ docs\/s|old\/|new\///g' "$f") \
       <(sed -E 's/[0-9.]+ s\b|[0-9]+ docs\/s|old\/|new\///g' "new/$b") > /dev/null \
    || { echo "differs stderr $b:"; diff "$f" "new/$b" | head -4; }; done
[ $bad = 0 ] && echo "stdout and exit status identical for $(ls old/*.out | wc -l) commands ($W)"
exit $bad
