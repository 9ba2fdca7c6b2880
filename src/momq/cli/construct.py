"""``momq construct ...``: build multi-turn sets from a database and R3's data tools.

Mounted by ``momq.cli`` through ``register(app)``. The verbs are thin: the work is in
``momq.construct``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from momq.cli.common import console, fail_on_error, progress_bar

construct_app = typer.Typer(
    no_args_is_help=True, help="Build multi-turn datasets from a database (MTGQL) and R3's data tools."
)


def _default_out() -> Path:
    from momq import settings

    return settings.home() / "construct"


@construct_app.command("build")
@fail_on_error
def build_cmd(
    db: str = typer.Option(..., "--db", help="Database name (see `momq db list`)."),
    dialect: Optional[str] = typer.Option(None, "--dialect", "-d", help="mysql, postgres, cypher or ngql."),
    dialogues: int = typer.Option(10, help="Dialogues wanted (before filtering)."),
    seed: int = typer.Option(0, help="Seed of every random choice."),
    out: Optional[Path] = typer.Option(None, help="Output folder; default <momq home>/construct."),
    name: Optional[str] = typer.Option(None, help="Set name; default construct-<dialect>-<db>."),
    model: Optional[str] = typer.Option(
        None,
        "--model",
        "-m",
        help="Model spec for questions, queries and reverse generation; "
        "default: the deterministic template generators.",
    ),
    pipeline: str = typer.Option("direct", "--pipeline", "-p", help="Query pipeline with --model."),
    semantic_check: bool = typer.Option(True, help="With --model: reverse generation + MiniLM check."),
    similarity_threshold: float = typer.Option(0.5, help="Minimum MiniLM cosine of the semantic check."),
    plan_check: bool = typer.Option(
        True, help="With --model: a generated query must return the planned turn's answer."
    ),
    filter_: bool = typer.Option(True, "--filter/--no-filter", help="Run the dataset filter."),
    max_same: int = typer.Option(3, help="Dialogues kept per masked-query sequence."),
    embedding_threshold: float = typer.Option(
        0.6, help="Drop a dialogue above this question cosine (negative: skip the embedding pass)."
    ),
    timeout: float = typer.Option(30.0, help="Per-query time limit in seconds."),
) -> None:
    """Build a multi-turn set on one database and write it in the benchmark's format."""
    import time

    from momq.construct.build import BuildOptions, construct
    from momq.construct.output import write_dataset
    from momq.databases import resolve_dialect
    from momq.schema.render import render

    chosen = resolve_dialect(db, dialect)
    out = out or _default_out()
    name = name or f"construct-{chosen}-{db}"
    options = BuildOptions(
        dialogues=dialogues,
        seed=seed,
        timeout_s=timeout,
        filter=filter_,
        max_same_masked=max_same,
        embedding_threshold=None if embedding_threshold < 0 else embedding_threshold,
    )
    loaded = None
    if model:
        from momq.llm import load_model_spec

        loaded = load_model_spec(model, dialect=chosen)
    started = time.perf_counter()
    with progress_bar() as progress:
        result = construct(
            chosen,
            db,
            options=options,
            model=loaded,
            pipeline=pipeline,
            semantic_check=semantic_check,
            similarity_threshold=similarity_threshold,
            plan_check=plan_check,
            progress=progress,
        )
    result.timings["total_s"] = round(time.perf_counter() - started, 2)
    stats = write_dataset(
        out,
        name,
        result.dialogues,
        result.rejected,
        schema_text={db: render(result.schema, "text")},
        extra={
            "generated": result.generated,
            "timings": result.timings,
            "generator": model or "template",
            "seed": seed,
        },
    )
    console.print(
        f"{name}: {stats['dialogues']} dialogues, {stats['turns']} turns "
        f"(avg {stats['avg_rounds']} rounds); generated {result.generated}, dropped "
        f"{stats['dropped']}; {result.timings['total_s']} s",
        highlight=False,
    )
    for reason, count in stats["dropped_by_reason"].items():
        console.print(f"  dropped {count}: {reason}", highlight=False)
    console.print(
        f"files under {out}; score the gold with: momq eval --bench-root {out} --bench {name} --gold-as-prediction",
        highlight=False,
    )


@construct_app.command("stats")
@fail_on_error
def stats_cmd(dialogues: Path = typer.Argument(..., help="A dialogues JSONL file.")) -> None:
    """Print the statistics table (MTGQL's Table 3 shape) of a dialogues file."""
    from momq.construct.output import statistics, statistics_markdown
    from momq.data.records import read_dialogues

    console.print(statistics_markdown(statistics(read_dialogues(dialogues)), dialogues.stem), markup=False)


@construct_app.command("filter")
@fail_on_error
def filter_cmd(
    dialogues: Path = typer.Argument(..., help="A dialogues JSONL file."),
    out: Path = typer.Option(..., "--out", "-o", help="Kept dialogues (JSONL); drops go to OUT.rejected.jsonl."),
    max_same: int = typer.Option(3),
    embedding_threshold: float = typer.Option(0.6),
) -> None:
    """Deduplicate dialogues (masked queries, question embeddings), recording every drop."""
    from momq.construct.filters import filter_dialogues
    from momq.data.records import read_dialogues, write_jsonl

    result = filter_dialogues(
        read_dialogues(dialogues), max_same=max_same, threshold=None if embedding_threshold < 0 else embedding_threshold
    )
    write_jsonl(out, result.kept)
    write_jsonl(out.with_suffix(".rejected.jsonl"), result.dropped)
    console.print(f"kept {len(result.kept)}, dropped {len(result.dropped)}", highlight=False)


@construct_app.command("sample")
@fail_on_error
def sample_cmd(
    source: Path = typer.Argument(..., help="Examples or dialogues JSONL."),
    k: int = typer.Option(..., "-k", help="How many to keep."),
    out: Path = typer.Option(..., "--out", "-o"),
) -> None:
    """Keep K diverse records: K-Center Greedy over their question embeddings (R3)."""
    from momq.construct.filters import dialogue_text
    from momq.construct.r3data import diverse_sample
    from momq.data.records import read_jsonl, write_jsonl

    records = read_jsonl(source)
    text = (
        (lambda r: dialogue_text(_dialogue(r)))
        if records and "turns" in records[0]
        else (lambda r: r.get("question", ""))
    )
    write_jsonl(out, diverse_sample(records, k, text))
    console.print(f"kept {min(k, len(records))} of {len(records)}", highlight=False)


def _dialogue(record: dict):
    from momq.data.records import Dialogue

    return Dialogue.from_dict(record)


@construct_app.command("split")
@fail_on_error
def split_cmd(
    source: Path = typer.Argument(..., help="Examples or dialogues JSONL."),
    out: Path = typer.Option(..., "--out", "-o", help="Folder for train.jsonl and test.jsonl."),
    by: str = typer.Option("database", help="Schema key: database, or opening (the dialogue's first entity type)."),
    seed: int = typer.Option(0),
) -> None:
    """Split 4:1 so that no schema is on both sides (R3's unseen-schema split)."""
    from momq.construct.r3data import unseen_schema_split
    from momq.data.records import read_jsonl, write_jsonl

    if by == "database":

        def key(r: dict) -> str:
            return f"{r.get('dialect')}/{r.get('database')}"
    elif by == "opening":

        def key(r: dict) -> str:
            return f"{r.get('database')}/{(r.get('meta') or {}).get('opening_type', '')}"
    else:
        from momq.errors import ConfigError

        raise ConfigError(f"--by must be database or opening, not {by!r}")
    train, test = unseen_schema_split(read_jsonl(source), key, seed=seed)
    write_jsonl(out / "train.jsonl", train)
    write_jsonl(out / "test.jsonl", test)
    console.print(f"train {len(train)}, test {len(test)}", highlight=False)


@construct_app.command("gql2nl")
@fail_on_error
def gql2nl_cmd(
    source: Path = typer.Argument(..., help="JSONL with a 'query' per line."),
    db: str = typer.Option(..., "--db"),
    dialect: Optional[str] = typer.Option(None, "--dialect", "-d"),
    model: Optional[str] = typer.Option(None, "--model", "-m", help="Model spec (default: the default model)."),
    out: Path = typer.Option(..., "--out", "-o"),
) -> None:
    """Write a question for every query (R3's query-to-question generation)."""
    from momq.construct.r3data import Gql2Nl
    from momq.data.records import read_jsonl, write_jsonl
    from momq.databases import resolve_dialect
    from momq.engines import open_engine
    from momq.llm import load_model_spec
    from momq.schema.introspect import introspect
    from momq.schema.render import render

    chosen = resolve_dialect(db, dialect)
    records = read_jsonl(source)
    with open_engine(chosen, db) as engine:
        schema_text = render(introspect(engine), "text")
    tool = Gql2Nl(load_model_spec(model, dialect=chosen), chosen, schema_text)
    questions = tool.questions([r["query"] for r in records])
    write_jsonl(out, [{**r, "question": q, "dialect": chosen, "database": db} for r, q in zip(records, questions)])
    console.print(f"{len(records)} questions written to {out}", highlight=False)


@construct_app.command("ratings")
@fail_on_error
def ratings_cmd(sheet: Path = typer.Argument(..., help="A filled rating sheet (CSV).")) -> None:
    """Summarise a filled human-rating sheet (mean 1-5 per criterion)."""
    from momq.construct.output import read_ratings

    console.print_json(json.dumps(read_ratings(sheet)))


def register(app: typer.Typer) -> None:
    app.add_typer(construct_app, name="construct")


__all__ = ["construct_app", "register"]
