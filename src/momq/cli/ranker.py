"""``momq ranker``: R3's ranker data and measurement.

- ``momq ranker data --bench ngql-train --out DIR``: ranker examples derived from the
  split's gold queries (:mod:`momq.train.ranker_data`), written as ``DIR/train.jsonl``
  and a seeded held-out ``DIR/heldout.jsonl``; train a ranker model on the first with
  ``momq train --recipe recipes/ranker-*.yaml``.
- ``momq ranker eval --data DIR/heldout.jsonl [--ranker-model SPEC]``: keyword and
  element precision / recall of the heuristic ranker, or of a ranker model, against the
  gold rankings.

Schemas come from momq's engines (``Target.open``): databases momq cannot open are
skipped and named.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional

import typer

from momq.cli.common import console, fail_on_error, progress_bar

app = typer.Typer(help="R3's ranker: training data from gold queries, precision / recall.", no_args_is_help=True)


def _schema_for(dialect: str, database: str) -> Any:
    from momq.pipelines import Target

    with Target.open(dialect, database) as target:
        return target.schema


def build_data(
    bench: str, out: Path, holdout: float = 0.2, seed: int = 0, limit: Optional[int] = None
) -> dict[str, Any]:
    """Write ``out/train.jsonl`` and ``out/heldout.jsonl``; return counts and notes."""
    from momq.data.records import read_examples, write_jsonl
    from momq.eval.bench import load_split
    from momq.train.ranker_data import ranker_records, split_holdout

    examples = read_examples(bench) if Path(bench).is_file() else load_split(bench)
    if limit is not None:
        examples = examples[:limit]
    records, notes = ranker_records(examples, _schema_for)
    train, held = split_holdout(records, holdout, seed)
    for name, rows in (("train", train), ("heldout", held)):
        write_jsonl(out / f"{name}.jsonl", rows)
    return {
        "examples": len(examples),
        "records": len(records),
        "train": len(train),
        "heldout": len(held),
        "out": str(out),
        "notes": notes,
    }


def evaluate(data: Path, ranker_model: Optional[str] = None, limit: Optional[int] = None) -> dict[str, Any]:
    """Score the heuristic ranker (or ``ranker_model``) on a ranker JSONL file."""
    from momq.data.records import read_jsonl
    from momq.pipelines import Target
    from momq.pipelines.ranker import Ranker
    from momq.train.ranker_data import parse_gold, score_rankings

    records = read_jsonl(data)
    if limit is not None:
        records = records[:limit]
    model = None
    if ranker_model:
        from momq.llm import load_model_spec

        model = load_model_spec(ranker_model)
    ranker = Ranker(model)
    targets: dict[tuple[str, str], Any] = {}
    predicted, gold = [], []
    try:
        with progress_bar() as progress:
            for i, record in enumerate(records):
                key = (record["dialect"], record["database"])
                if key not in targets:
                    targets[key] = Target.open(*key)
                predicted.append(ranker.rank(record["question"], targets[key]))
                gold.append(parse_gold(record))
                progress("rank", i + 1, len(records))
    finally:
        for target in targets.values():
            target.close()
    scores = score_rankings(predicted, gold)
    scores["ranker"] = ranker_model or "heuristic"
    scores["data"] = str(data)
    return scores


@app.command("data")
@fail_on_error
def data_cmd(
    bench: str = typer.Option(..., "--bench", "-b", help="training split name or JSONL file"),
    out: Path = typer.Option(..., "--out", "-o", help="folder for train.jsonl and heldout.jsonl"),
    holdout: float = typer.Option(0.2, help="share of the records held out for measurement"),
    seed: int = typer.Option(0),
    limit: Optional[int] = typer.Option(None, help="only the first N examples"),
) -> None:
    """Ranker examples from a split's gold queries (keywords, elements, values)."""
    console.print_json(json.dumps(build_data(bench, out, holdout, seed, limit), ensure_ascii=False))


@app.command("eval")
@fail_on_error
def eval_cmd(
    data: Path = typer.Option(..., "--data", "-d", help="ranker JSONL (e.g. heldout.jsonl)"),
    ranker_model: Optional[str] = typer.Option(
        None, "--ranker-model", help="model spec of a ranker model; default: the heuristic"
    ),
    limit: Optional[int] = typer.Option(None, help="only the first N records"),
) -> None:
    """Keyword and element precision / recall of a ranker against the gold rankings."""
    console.print_json(json.dumps(evaluate(data, ranker_model, limit)))
