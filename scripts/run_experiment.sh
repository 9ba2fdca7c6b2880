#!/usr/bin/env bash
# MoMQ vs vanilla LoRA at CPU scale (docs/results.md, "MoMQ vs LoRA on CPU"). The exact
# command sequence behind those tables:
#
#   1. train the pairs recipes/experiment-$SCALE/{lora,momq}-$SETTING-$SCALE.yaml for every
#      SETTING in $SETTINGS, all side by side, one torch thread each (same seed in a pair:
#      same subsample of the benchmark's train-$SETTING split). SCALE is small (96
#      examples, default), medium (1,400 examples) or paper (2,000 examples x 2 epochs);
#      SETTINGS is "full" (default), "mysql-high" or both;
#   2. draw a seeded test subsample (PER_DIALECT examples per dialect from each *-test split)
#      into <MOMQ_HOME>/experiment-$SCALE/bench/, with the schema text each dialect's training
#      records carry (Spider-like "table(col type, ...)" for SQL, text2cypher's schema text
#      for Cypher, none for nGQL: the nGQL training records have none either);
#   3. greedy generation (max 96 new tokens) with the base model, the LoRA and the MoMQ
#      adapters, through momq.llm.generate (the same prompt builder as training);
#   4. `momq eval` of each prediction file on the four subsampled splits (EX, EXEC).
#
# Usage: [SCALE=small|medium|paper] [SETTINGS="full mysql-high"] scripts/run_experiment.sh
#        [all|train|subsample|predict|predict-base|predict-tuned|eval|table|routing]   (default all)
# Needs: `momq bench build` done (MOMQ_BENCH defaults to <MOMQ_HOME>/bench) and the engines
# (`momq engines up`; `momq eval` starts what it needs). Every step logs under
# <MOMQ_HOME>/experiment-$SCALE/logs/ and is idempotent enough to rerun: training resumes
# from its checkpoints, generation skips prediction files that already exist.
set -euo pipefail

cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
MOMQ=${MOMQ:-.venv/bin/momq}
MOMQ_HOME_DIR=$($PY -c 'from momq import settings; print(settings.home())')
export MOMQ_BENCH=${MOMQ_BENCH:-$MOMQ_HOME_DIR/bench}
SCALE=${SCALE:-small}
EXP=${EXP_DIR:-$MOMQ_HOME_DIR/experiment-$SCALE}  # EXP_DIR: another folder for another test subsample
LOGS=$EXP/logs
# test examples per dialect; prompts longer than MAX_PROMPT_TOKENS are cut in the middle as
# in training (the small scale ran with whole prompts)
case $SCALE in
    small) PER_DIALECT=${PER_DIALECT:-15}; MAX_PROMPT_TOKENS=${MAX_PROMPT_TOKENS:-} ;;
    medium) PER_DIALECT=${PER_DIALECT:-40}; MAX_PROMPT_TOKENS=${MAX_PROMPT_TOKENS:-256} ;;  # max_length 320
    paper) PER_DIALECT=${PER_DIALECT:-40}; MAX_PROMPT_TOKENS=${MAX_PROMPT_TOKENS:-416} ;;  # max_length 512
    *) echo "SCALE must be small, medium or paper" >&2; exit 2 ;;
esac
# the benchmark's training settings: full (all dialects), mysql-high (MySQL high-resource)
read -r -a SETTINGS <<< "${SETTINGS:-${SETTING:-full}}"
# the methods trained and evaluated: "lora momq" (default), or one of them (e.g. to generate
# with the LoRA adapters while the MoMQ runs still train)
read -r -a METHODS <<< "${METHODS:-lora momq}"
MAX_NEW_TOKENS=${MAX_NEW_TOKENS:-96}
SPLITS=(postgres-test mysql-test cypher-test ngql-test)
mkdir -p "$LOGS" "$EXP/bench" "$EXP/pred" "$EXP/eval"

timed() {  # timed NAME CMD...: run CMD, log to $LOGS/NAME.log, append the wall time to $LOGS/times.tsv
    local name=$1; shift
    local start; start=$(date +%s)
    "$@" > "$LOGS/$name.log" 2>&1
    printf '%s\t%s\n' "$name" "$(( $(date +%s) - start ))" >> "$LOGS/times.tsv"
}

train() {  # every run side by side, one torch thread each (the machine is shared)
    local setting method
    for setting in "${SETTINGS[@]}"; do
        for method in "${METHODS[@]}"; do
            timed "train-$method-$setting" "$MOMQ" train \
                --recipe "recipes/experiment-$SCALE/$method-$setting-$SCALE.yaml" &
        done
    done
    wait
}

subsample() {
    $PY - "$MOMQ_BENCH" "$EXP/bench" "$PER_DIALECT" <<'EOF'
"""Seeded subsample of each test split, plus the schema text used in the prompts."""
import json, random, sys
from pathlib import Path

from momq import settings
from momq.data import loaders

bench, out, per = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])


def defog_schema(db: str) -> str:
    """Spider-like compact schema text ("table(col type, ...)") from the defog JSON."""
    meta = json.loads((settings.data_dir() / "sql" / "defog" / db / f"{db}.json").read_text())
    return "\n".join(f"{table}({', '.join(c['column_name'] + ' ' + c['data_type'] for c in cols)})"
                     for table, cols in meta["table_metadata"].items())


cypher = loaders.text2cypher_schemas()
schemas = {}
for split in ("postgres-test", "mysql-test", "cypher-test", "ngql-test"):
    rows = [json.loads(line) for line in (bench / f"{split}.jsonl").read_text().splitlines() if line.strip()]
    rows = random.Random(0).sample(rows, min(per, len(rows)))
    (out / f"{split}.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    for r in rows:
        if r["dialect"] in ("postgres", "mysql"):
            schemas[r["id"]] = defog_schema(r["database"])
        elif r["dialect"] == "cypher":
            schemas[r["id"]] = cypher.get(r["database"])
    print(split, len(rows))
(out / "schemas.json").write_text(json.dumps(schemas, ensure_ascii=False))
EOF
}

predict_one() {  # predict_one NAME MODEL(empty = base model)
    local name=$1 model=$2
    [ -s "$EXP/pred/$name.jsonl" ] && return 0
    timed "predict-$name" $PY - "$EXP/bench" "$EXP/pred/$name.jsonl" "$MAX_NEW_TOKENS" "$model" \
        "$MAX_PROMPT_TOKENS" <<'EOF'
"""Greedy generation for every subsampled test example; writes {"id", "query"} JSONL."""
import json, os, sys, time
from pathlib import Path

import torch

torch.set_num_threads(int(os.environ.get("THREADS", "1")))  # the machine is shared: one thread each

from momq.llm.generate import load_for_inference
from momq.train.inference import generate_queries

bench, out, max_new, model = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]), sys.argv[4] or None
max_prompt = int(sys.argv[5]) if sys.argv[5] else None
schemas = json.loads((bench / "schemas.json").read_text())
examples = []
for split in ("postgres-test", "mysql-test", "cypher-test", "ngql-test"):
    for line in (bench / f"{split}.jsonl").read_text().splitlines():
        if line.strip():
            ex = json.loads(line)
            if schemas.get(ex["id"]):
                ex["schema"] = schemas[ex["id"]]
            examples.append(ex)
tuned, tokenizer = load_for_inference(model)
start = time.perf_counter()
with torch.inference_mode():
    gens = generate_queries(tuned, tokenizer, examples, max_new_tokens=max_new, batch_size=8,
                            max_prompt_tokens=max_prompt)
tokens = sum(g.new_tokens for g in gens)
tmp = out.with_suffix(".tmp")
tmp.write_text("".join(json.dumps({"id": ex["id"], "query": g.query, "text": g.text}, ensure_ascii=False) + "\n"
                       for ex, g in zip(examples, gens)))
tmp.rename(out)
print(f"{len(gens)} generations, {tokens} new tokens in {time.perf_counter() - start:.1f} s")
EOF
}

predict_tuned() {  # the adapters side by side, one thread each
    local setting method
    for setting in "${SETTINGS[@]}"; do
        for method in "${METHODS[@]}"; do
            predict_one "$method-$setting" "$MOMQ_HOME_DIR/runs/$method-$setting-$SCALE/adapter" &
        done
    done
    wait
}

predict() {  # the base model beside the two adapters
    predict_one base "" &
    predict_tuned
    wait
}

evaluate() {
    local name args=()
    for split in "${SPLITS[@]}"; do args+=(--bench "$split"); done
    # sanity check: every subsampled gold runs and scores 100 against itself
    timed eval-gold "$MOMQ" eval "${args[@]}" --bench-root "$EXP/bench" --gold-as-prediction \
        --out "$EXP/eval/gold" --no-charts --no-resume
    local names=(base) setting method
    for setting in "${SETTINGS[@]}"; do
        for method in "${METHODS[@]}"; do names+=("$method-$setting"); done
    done
    for name in "${names[@]}"; do
        [ -s "$EXP/pred/$name.jsonl" ] || continue
        timed "eval-$name" "$MOMQ" eval "${args[@]}" --bench-root "$EXP/bench" \
            --predictions "$EXP/pred/$name.jsonl" --out "$EXP/eval/$name" --no-charts --timeout 30 --no-resume
    done
}

table() {  # the markdown table of docs/results.md from the eval outputs
    local names=(base) setting method
    for setting in "${SETTINGS[@]}"; do
        for method in "${METHODS[@]}"; do names+=("$method-$setting"); done
    done
    $PY - "$EXP/eval" "${names[@]}" <<'EOF'
"""One row per model: EX and EXEC per dialect and overall, with counts."""
import json, sys
from pathlib import Path

root, names = Path(sys.argv[1]), sys.argv[2:]
splits = ("postgres-test", "mysql-test", "cypher-test", "ngql-test")
head = ["model"] + [f"{s.split('-')[0]} {m}" for s in splits + ("all",) for m in ("EX", "EXEC")]
print("| " + " | ".join(head) + " |\n|" + "---|" * len(head))
for name in names:
    if not (root / name).is_dir():
        continue
    cells, total = [name], {"n": 0, "EX": 0, "EXEC": 0}
    for split in splits:
        m = json.loads((root / name / split / "metrics.json").read_text())["overall"]
        for key in ("EX", "EXEC"):
            hits = round(m[key] * m["n"] / 100)
            total[key] += hits
            cells.append(f"{m[key]:.1f} ({hits}/{m['n']})")
        total["n"] += m["n"]
    cells += [f"{100 * total[k] / total['n']:.1f} ({total[k]}/{total['n']})" for k in ("EX", "EXEC")]
    print("| " + " | ".join(cells) + " |")
EOF
}

routing() {  # how well MoMQ's dialect routers recognise the dialect of gold query tokens
    local setting
    for setting in "${SETTINGS[@]}"; do
        THREADS=2 $PY - "$EXP/bench" "$MOMQ_HOME_DIR/runs/momq-$setting-$SCALE/adapter" <<'EOF'
"""Teacher-forced gold queries of the test subsample through a MoMQ adapter: per dialect, the
mean dialect-router weight on the query's own dialect group and the share of (token, layer)
pairs whose top group is that dialect (1/M = chance), over every MoMQ layer."""
import json, os, sys
from collections import defaultdict
from pathlib import Path

import torch

torch.set_num_threads(int(os.environ.get("THREADS", "1")))
from momq.llm.generate import load_for_inference
from momq.train.routing import record_query_routing

bench, adapter = Path(sys.argv[1]), sys.argv[2]
tuned, tokenizer = load_for_inference(adapter, merge=False)
schemas = json.loads((bench / "schemas.json").read_text())
weight, top, count = defaultdict(float), defaultdict(float), defaultdict(int)
for split in ("postgres-test", "mysql-test", "cypher-test", "ngql-test"):
    for line in (bench / f"{split}.jsonl").read_text().splitlines():
        ex = json.loads(line)
        rec = record_query_routing(tuned, tokenizer, ex["question"], ex["dialect"], schema=schemas.get(ex["id"]),
                                   query=ex["query"])
        own = rec["dialects"].index(ex["dialect"])
        for layer in rec["layers"].values():
            probs = torch.tensor(layer["dialect"])  # (tokens, M)
            weight[ex["dialect"]] += probs[:, own].sum().item()
            top[ex["dialect"]] += (probs.argmax(-1) == own).sum().item()
            count[ex["dialect"]] += probs.shape[0]
print(f"{Path(adapter).parent.name}: " + "; ".join(
    f"{d} weight {weight[d] / count[d]:.3f} top {100 * top[d] / count[d]:.1f} %" for d in count))
EOF
    done
}

main() {  # one function read whole before it runs: editing this file mid-run is then safe
    case "${1:-all}" in
        all) train; subsample; predict; evaluate; table ;;
        train) train ;;
        subsample) subsample ;;
        predict) predict ;;
        predict-base) predict_one base "" ;;  # needs no training: can run beside `train`
        predict-tuned) predict_tuned ;;  # the two adapters, once `train` is done
        eval) evaluate ;;
        table) table ;;  # print the results table (markdown)
        routing) routing ;;  # MoMQ's dialect-router weights on gold query tokens
        *) echo "usage: $0 [all|train|subsample|predict|predict-base|predict-tuned|eval|table|routing]" >&2; exit 2 ;;
    esac
}

main "$@"
exit $?
