#!/usr/bin/env bash
# MoMQ vs LoRA vs full fine-tuning on Qwen2.5-Coder-0.5B (issue 15; docs/results.md,
# "MoMQ on Qwen2.5-Coder-0.5B"). Stages, each resumable:
#
#   train    `momq train` of recipes/qwen-0.5b/<method>-<setting>.yaml (resumes from the
#            newest checkpoint, so a stopped run continues where it was)
#   sample   the seeded test subsample (`momq bench sample`; seed 0 and 100 questions a
#            split give the same questions as scripts/eval_pipelines.sh)
#   predict  `momq predict` (direct pipeline, the adapter's own training prompt) with the
#            untuned base and every trained run; LoRA adapters run on llama.cpp (exported
#            to GGUF on first use), MoMQ and full fine-tuning on transformers; resumes per
#            question
#   eval     `momq eval` of every prediction file (EX, EXEC per dialect)
#   compare  `momq compare` (paired, exact McNemar) of LoRA vs MoMQ per setting, and of
#            the base vs each run
#   table    EX / EXEC per split of every model scored so far
#
# Usage: [SETTINGS="full mysql-high cypher-high"] [METHODS="lora momq full"] [SIZE=100]
#        scripts/qwen05_experiment.sh [all|train|sample|predict|eval|compare|table]
# Needs `momq bench build` + `momq bench training` (MOMQ_BENCH, default <home>/bench).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
MOMQ=${MOMQ:-.venv/bin/momq}
HOME_DIR=$($PY -c 'from momq import settings; print(settings.home())')
export MOMQ_BENCH=${MOMQ_BENCH:-$HOME_DIR/bench}
read -r -a SETTINGS <<< "${SETTINGS:-full mysql-high cypher-high}"
read -r -a METHODS <<< "${METHODS:-lora momq full}"
SIZE=${SIZE:-100}
SEED=${SEED:-0}
BASE=${BASE:-qwen2.5-coder-0.5b}
MAX_NEW_TOKENS=${MAX_NEW_TOKENS:-160}
EXP=${EXP:-$HOME_DIR/qwen05-experiment}
SAMPLE=$EXP/sample-$SIZE-$SEED
SPLITS=(postgres-test mysql-test cypher-test ngql-test)
mkdir -p "$EXP/pred" "$EXP/eval" "$EXP/logs"

timed() {  # timed NAME CMD...: run, log, record the wall time
    local name=$1; shift
    local start; start=$(date +%s)
    "$@" > "$EXP/logs/$name.log" 2>&1
    printf '%s\t%s\n' "$name" "$(( $(date +%s) - start ))" >> "$EXP/logs/times.tsv"
}

runs() {  # the run names of the chosen settings and methods
    local s m
    for s in "${SETTINGS[@]}"; do for m in "${METHODS[@]}"; do echo "qwen05-$m-$s"; done; done
}

train() {
    local s m
    for s in "${SETTINGS[@]}"; do
        for m in "${METHODS[@]}"; do
            timed "train-$m-$s" "$MOMQ" train --recipe "recipes/qwen-0.5b/$m-$s.yaml"
        done
    done
}

sample() {
    [ -d "$SAMPLE" ] || "$MOMQ" bench sample --out "$SAMPLE" --size "$SIZE" --seed "$SEED" \
        $(for s in "${SPLITS[@]}"; do printf -- '--split %s ' "$s"; done)
}

predict_one() {  # predict_one NAME MODEL_SPEC
    local name=$1 spec=$2 split
    mkdir -p "$EXP/pred/$name"
    for split in "${SPLITS[@]}"; do
        timed "predict-$name-$split" "$MOMQ" predict --bench "$SAMPLE/$split.jsonl" --pipeline direct \
            --model "$spec" --max-new-tokens "$MAX_NEW_TOKENS" --out "$EXP/pred/$name/$split.jsonl"
    done
}

predict() {
    sample
    predict_one base "$BASE"
    local run adapter
    for run in $(runs); do
        adapter=$HOME_DIR/runs/$run/adapter
        if [ ! -d "$adapter" ]; then echo "skip $run: not trained yet" >&2; continue; fi
        case $run in
            qwen05-lora-*) predict_one "$run" "llamacpp:$adapter" ;;  # exported to GGUF on first use
            *) predict_one "$run" "$adapter" ;;
        esac
    done
}

evaluate() {
    local name split
    for name in base $(runs); do
        for split in "${SPLITS[@]}"; do
            [ -f "$EXP/pred/$name/$split.jsonl" ] || continue
            timed "eval-$name-$split" "$MOMQ" eval --bench "$split" --bench-root "$SAMPLE" \
                --predictions "$EXP/pred/$name/$split.jsonl" --out "$EXP/eval/$name/$split" --no-charts --allow-missing
        done
    done
}

compare() {
    local s run
    for s in "${SETTINGS[@]}"; do
        if [ -d "$EXP/eval/qwen05-lora-$s" ] && [ -d "$EXP/eval/qwen05-momq-$s" ]; then
            "$MOMQ" compare "$EXP/eval/qwen05-lora-$s" "$EXP/eval/qwen05-momq-$s"
        fi
    done
    for run in $(runs); do
        [ -d "$EXP/eval/$run" ] && "$MOMQ" compare "$EXP/eval/base" "$EXP/eval/$run"
    done
    return 0
}

table() {
    $PY - "$EXP" <<'PYEOF'
import json, sys
from pathlib import Path
exp = Path(sys.argv[1])
splits = ["postgres-test", "mysql-test", "cypher-test", "ngql-test"]
print("| model | " + " | ".join(f"{s} EX / EXEC" for s in splits) + " | average EX |")
print("|---|" + "---:|" * (len(splits) + 1))
for model in sorted(p.name for p in (exp / "eval").iterdir() if p.is_dir()):
    cells, ex = [], []
    for s in splits:
        path = exp / "eval" / model / s / "metrics.json"
        if not path.is_file():
            cells.append("–")
            continue
        o = json.loads(path.read_text())["overall"]
        cells.append(f"{o['EX']:.1f} / {o['EXEC']:.1f}")
        ex.append(o["EX"])
    avg = f"{sum(ex) / len(ex):.1f}" if len(ex) == len(splits) else "–"
    print(f"| {model} | " + " | ".join(cells) + f" | {avg} |")
PYEOF
}

case ${1:-all} in
    train) train ;;
    sample) sample ;;
    predict) predict ;;
    eval) evaluate ;;
    compare) compare ;;
    table) table ;;
    all) train; predict; evaluate; compare; table ;;
    *) echo "usage: $0 [all|train|sample|predict|eval|compare|table]" >&2; exit 2 ;;
esac
