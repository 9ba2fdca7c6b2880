#!/usr/bin/env bash
# Accuracy of the pipelines with one model on seeded subsamples of every test split:
# `momq bench sample` (the same questions for every pipeline), `momq predict`, `momq eval`.
# Results and wall times go under $OUT (default <momq home>/pipelines-<model>/).
#
#   scripts/eval_pipelines.sh                       # default model, direct icl r3 + multiturn
#   MODEL=qwen2.5-coder-0.5b PIPELINES="direct" SIZE=30 scripts/eval_pipelines.sh
#   scripts/eval_pipelines.sh table                 # print the table of what has run
#   PIPELINES=r3 TAG=ranker PREDICT_ARGS="--ranker-model DIR" scripts/eval_pipelines.sh
#                                                   # extra predict options; files named r3-ranker
#
# Predictions resume where they stopped, so the script can be interrupted and rerun.
set -euo pipefail
cd "$(dirname "$0")/.."
MOMQ=${MOMQ:-.venv/bin/momq}
PY=${PY:-.venv/bin/python}
MODEL=${MODEL:-qwen2.5-coder-1.5b}
SIZE=${SIZE:-100}
SEED=${SEED:-0}
PIPELINES=${PIPELINES-"direct icl r3"}  # an empty value runs none
SPLITS=${SPLITS-"postgres-test mysql-test cypher-test ngql-test"}
DIALOGUES=${DIALOGUES-"ngql-dialogues-test"}  # DIALOGUES="": no multiturn run
MAX_NEW_TOKENS=${MAX_NEW_TOKENS:-160}
TAG=${TAG:-}                  # suffix of the result names when PREDICT_ARGS changes a pipeline
PREDICT_ARGS=${PREDICT_ARGS:-}  # extra `momq predict` options (word-split)
HOME_DIR=$($PY -c 'from momq import settings; print(settings.home())')
OUT=${OUT:-$HOME_DIR/pipelines-$MODEL}
SAMPLE=$OUT/sample-$SIZE-$SEED
mkdir -p "$OUT/pred" "$OUT/eval" "$OUT/logs"

timed() {  # timed NAME CMD...: run, log, record the wall time
    local name=$1; shift
    local start=$(date +%s)
    "$@" > "$OUT/logs/$name.log" 2>&1
    echo "$name $(( $(date +%s) - start ))" >> "$OUT/logs/wall_times.txt"
}

run_one() {  # run_one PIPELINE SPLIT
    local p=$1 s=$2
    local name=$p${TAG:+-$TAG}
    local pred="$OUT/pred/$s.$name.jsonl"
    # shellcheck disable=SC2086  # PREDICT_ARGS is a list of options
    timed "predict-$s-$name" "$MOMQ" predict --bench "$SAMPLE/$s.jsonl" --pipeline "$p" --model "$MODEL" \
        --max-new-tokens "$MAX_NEW_TOKENS" --out "$pred" $PREDICT_ARGS
    timed "eval-$s-$name" "$MOMQ" eval --bench "$s" --bench-root "$SAMPLE" --predictions "$pred" \
        --out "$OUT/eval/$s.$name" --no-charts --allow-missing
}

table() {
    $PY - "$OUT" <<'PYEOF'
import json, sys
from pathlib import Path
out = Path(sys.argv[1])
print("| pipeline | split | n | EX | EX (source rule) | EXEC | s / question |")
print("|---|---|---:|---:|---:|---:|---:|")
for report in sorted((out / "eval").glob("*/metrics.json")):
    split, pipeline = report.parent.name.rsplit(".", 1)
    o = json.loads(report.read_text())["overall"]
    preds = [json.loads(l) for l in (out / "pred" / f"{split}.{pipeline}.jsonl").read_text().splitlines() if l.strip()]
    secs = sorted(p.get("seconds", 0) for p in preds)
    mean = sum(secs) / len(secs) if secs else 0
    extra = f" (AEX {o['AEX']})" if o.get("AEX") is not None else ""
    print(f"| {pipeline} | {split} | {o['n']} | {o['EX']}{extra} | {o.get('EX_source')} | {o['EXEC']} | {mean:.1f} |")
PYEOF
}

if [ "${1:-all}" = table ]; then table; exit 0; fi
[ -d "$SAMPLE" ] || "$MOMQ" bench sample --out "$SAMPLE" --size "$SIZE" --seed "$SEED" \
    $(for s in $SPLITS $DIALOGUES; do printf -- '--split %s ' "$s"; done)
for p in $PIPELINES; do
    for s in $SPLITS; do run_one "$p" "$s"; done
done
for s in $DIALOGUES; do run_one multiturn "$s"; done
table
