"""Do MoMQ's dialect routers specialise? A short MoMQ run, then the routing of gold queries.

Trains a MoMQ recipe for ``--steps`` optimiser steps on a small seeded subset
(``--per-dialect`` examples of each dialect, ``--batch`` examples a step), then feeds
held-out records of the same training files (``--eval-per-dialect`` of each dialect, none
of them trained on) through the adapter with their gold query teacher-forced, in the
grounded training prompt. Per dialect it reports, over every MoMQ layer and every query
token, the mean dialect-router weight on the query's own group and the share of
(token, layer) pairs whose top group is that dialect; chance is 1/M for both. The numbers
also go to ``<run>/routing_check.json``.

    MOMQ_BENCH=<momq home>/bench python scripts/routing_check.py recipes/qwen-0.5b/momq-full.yaml \\
        --steps 40 [--set train.router_lr_scale=10] [--name routing-check-lr10]

Training resumes from the run's checkpoints like any ``momq train`` run.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from pathlib import Path


def routing_report(adapter: Path, records: list[dict], settings) -> dict:
    import torch

    from momq.llm.generate import load_for_inference
    from momq.train.routing import record_query_routing

    tuned, tokenizer = load_for_inference(adapter, merge=False)
    weight, top, count = defaultdict(float), defaultdict(float), defaultdict(int)
    per_layer: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for rec in records:
        out = record_query_routing(
            tuned,
            tokenizer,
            rec["question"],
            rec["dialect"],
            schema=rec.get("schema"),
            values=rec.get("values") or (),
            query=rec["query"],
            settings=settings,
        )
        own = out["dialects"].index(rec["dialect"])
        for layer, data in out["layers"].items():
            probs = torch.tensor(data["dialect"])  # (tokens, M)
            weight[rec["dialect"]] += probs[:, own].sum().item()
            top[rec["dialect"]] += (probs.argmax(-1) == own).sum().item()
            count[rec["dialect"]] += probs.shape[0]
            per_layer[int(layer)][0] += probs[:, own].sum().item()
            per_layer[int(layer)][1] += probs.shape[0]
    groups = len(tuned.momq_config.dialects)
    return {
        "chance": round(1.0 / groups, 3),
        "dialects": {
            d: {
                "own_weight": round(weight[d] / count[d], 3),
                "top_share": round(top[d] / count[d], 3),
                "tokens_x_layers": count[d],
            }
            for d in count
        },
        "own_weight_by_layer": {k: round(v[0] / max(v[1], 1), 3) for k, v in sorted(per_layer.items())},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("recipe", type=Path, help="a MoMQ recipe (its data, model and method config are used)")
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--batch", type=int, default=2, help="examples a step (one micro-batch)")
    parser.add_argument("--per-dialect", type=int, default=40, help="training examples of each dialect")
    parser.add_argument("--eval-per-dialect", type=int, default=6, help="held-out records of each dialect")
    parser.add_argument("--max-length", type=int, default=384)
    parser.add_argument("--schema-budget", type=int, default=192)
    parser.add_argument("--name", default=None, help="run name (default: <recipe name>-routing-check)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], help="recipe override key=value")
    args = parser.parse_args()

    import random

    from momq.train.data import read_jsonl, subsample
    from momq.train.recipe import load_recipe
    from momq.train.trainer import train_recipe

    base = load_recipe(args.recipe)
    dialects = ["mysql", "postgres", "cypher", "ngql"]
    overrides = [
        f"name={args.name or base.name + '-routing-check'}",
        "data.per_dialect={" + ", ".join(f"{d}: {args.per_dialect}" for d in dialects) + "}",
        "data.max_examples=null",
        f"data.max_length={args.max_length}",
        f"data.schema_budget={args.schema_budget}",
        f"train.max_steps={args.steps}",
        f"train.batch_size={args.batch}",
        "train.grad_accum=1",
        "train.warmup_ratio=0.05",
        f"train.checkpoint_every={max(1, args.steps // 4)}",
        *args.overrides,
    ]
    recipe = load_recipe(args.recipe, overrides)
    started = time.perf_counter()
    summary = train_recipe(recipe)
    train_s = time.perf_counter() - started
    examples = [ex for path in recipe.data.train for ex in read_jsonl(recipe.resolve(path))]
    trained = {ex["id"] for ex in subsample(examples, recipe.data.per_dialect, None, recipe.seed)}
    rng = random.Random(recipe.seed + 1)
    held = []
    for dialect in dialects:
        pool = [ex for ex in examples if ex["dialect"] == dialect and ex["id"] not in trained]
        held += rng.sample(pool, min(args.eval_per_dialect, len(pool)))
    report = routing_report(Path(summary["adapter"]), held, recipe.prompt_settings())
    report.update(
        {
            "recipe": str(args.recipe),
            "overrides": overrides,
            "steps": summary["steps"],
            "train_seconds": round(train_s, 1),
            "last": summary["last"],
        }
    )
    out = Path(summary["output"]) / "routing_check.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    print(
        "; ".join(
            f"{d}: own {v['own_weight']:.3f}, top {100 * v['top_share']:.1f} %" for d, v in report["dialects"].items()
        )
        + f" (chance {report['chance']})"
    )


if __name__ == "__main__":
    main()
