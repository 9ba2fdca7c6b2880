"""``momq bench build`` and ``momq eval``: build the benchmark, score predictions.

Mounted by ``momq.cli`` through ``register(app)``. The verbs are thin: the work is in
``momq.eval.bench`` (builder), ``momq.eval.runner`` (execution) and
``momq.eval.report`` (files).
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Optional

import typer

from momq.cli.common import console, err_console, fail_on_error, progress_bar

bench_app = typer.Typer(no_args_is_help=True, help="The multi-dialect benchmark (MoMQ's shape).")


@bench_app.command("build")
@fail_on_error
def bench_build(
    out: Optional[Path] = typer.Option(None, help="Folder for the splits; default: <momq home>/bench."),
    dialect: Optional[list[str]] = typer.Option(None, "--dialect", "-d", help="Only these dialects (repeatable)."),
    seed: int = typer.Option(0, help="Seed for sampling (nGQL generator, imbalance settings)."),
    execute: bool = typer.Option(True, help="Execute every test gold (needs the engines)."),
    timeout: float = typer.Option(30.0, help="Per-query time limit in seconds."),
) -> None:
    """Assemble the benchmark splits and the data card."""
    from momq.eval.bench import bench_dir, build_benchmark

    with progress_bar() as progress:
        card = build_benchmark(
            out,
            dialects=dialect or ("postgres", "mysql", "cypher", "ngql"),
            seed=seed,
            execute=execute,
            timeout_s=timeout,
            progress=progress,
        )
    for name, split in card["splits"].items():
        console.print(f"{name:22} {split['examples']:6d} examples  {split['dropped']:5d} dropped")
    console.print(f"data card: {(out or bench_dir()) / 'CARD.md'}")


@bench_app.command("training")
@fail_on_error
def bench_training(
    bench_root: Optional[Path] = typer.Option(None, help="Where the built splits are; default <momq home>/bench."),
    split: Optional[list[str]] = typer.Option(None, "--split", help="Training splits (default: all)."),
) -> None:
    """Rewrite the grounded fine-tuning records (training/*.jsonl) from the built splits."""
    from momq.eval.bench import write_training_records

    with progress_bar() as progress:
        counts = write_training_records(bench_root, split, progress=progress)
    for name, count in counts.items():
        console.print(f"{name:22} {count:6d} records", highlight=False)


@bench_app.command("sample")
@fail_on_error
def bench_sample(
    out: Path = typer.Option(..., help="Folder for the subsampled splits."),
    size: int = typer.Option(100, help="Questions per split (whole dialogues for dialogue splits)."),
    seed: int = typer.Option(0, help="Sampling seed."),
    split: Optional[list[str]] = typer.Option(None, "--split", help="Splits (default: every built test split)."),
    bench_root: Optional[Path] = typer.Option(None, help="Where the built splits are; default <momq home>/bench."),
) -> None:
    """Write seeded subsamples of test splits, the same for every pipeline and model."""
    from momq.eval.bench import TEST_SPLITS, available_splits, write_subsamples

    built = set(available_splits(bench_root))
    chosen = list(split or [s for s in TEST_SPLITS if s in built])
    for name, count in write_subsamples(chosen, size, out, seed, bench_root).items():
        console.print(f"{name:22} {count:4d} examples -> {out / (name + '.jsonl')}", highlight=False)


@fail_on_error
def eval_cmd(
    bench: Optional[list[str]] = typer.Option(
        None, "--bench", "-b", help="Split(s) to score (see `momq bench build`)."
    ),
    predictions: Optional[Path] = typer.Option(
        None, "--predictions", "-p", help="JSONL of {id, query} (or {id, turns})."
    ),
    gold_as_prediction: bool = typer.Option(
        False, "--gold-as-prediction", help="Score each gold as its own prediction (CI check)."
    ),
    all_test_splits: bool = typer.Option(False, "--all-test-splits", help="Every built test split."),
    out: Optional[Path] = typer.Option(None, help="Report folder; default: <momq home>/eval/<name>."),
    bench_root: Optional[Path] = typer.Option(None, help="Where the splits are; default <momq home>/bench."),
    timeout: float = typer.Option(30.0, help="Per-query time limit in seconds."),
    similarity: bool = typer.Option(False, help="Also R3's CA/EA/IEA (local all-MiniLM-L6-v2)."),
    allow_missing: bool = typer.Option(False, help="Score missing predictions as wrong instead of failing."),
    charts: bool = typer.Option(True, help="Write PNG bar charts."),
    resume: bool = typer.Option(True, help="Reuse outcomes of an interrupted run in the same folder."),
) -> None:
    """Score predictions on benchmark split(s): EX, EXEC, EM, SA (+ CA, EA, IEA), reports."""
    from momq import settings
    from momq.errors import ConfigError
    from momq.eval.bench import TEST_SPLITS, available_splits, load_split
    from momq.eval.metrics import report
    from momq.eval.report import write_reports
    from momq.eval.runner import RunOptions, evaluate, gold_predictions, load_predictions

    splits = list(bench or [])
    if all_test_splits:
        built = set(available_splits(bench_root))
        splits += [s for s in TEST_SPLITS if s in built and s not in splits]
    if not splits:
        raise ConfigError("name a split with --bench SPLIT or use --all-test-splits")
    if gold_as_prediction == (predictions is not None):
        raise ConfigError("give exactly one of --predictions FILE and --gold-as-prediction")
    examples_by_split = {s: load_split(s, bench_root) for s in splits}
    all_examples = [e for exs in examples_by_split.values() for e in exs]
    if gold_as_prediction:
        preds = gold_predictions(all_examples)
        name = "gold-as-prediction"
    else:
        preds = load_predictions(predictions, all_examples, allow_missing=allow_missing)
        name = predictions.stem
    options = RunOptions(timeout_s=timeout, similarity=similarity)
    # one run over every split: the runner works on the dialects in parallel
    base = out or settings.home() / "eval" / (splits[0] if len(splits) == 1 else "multi") / name
    journal = base / "journal.jsonl"
    # gold results are cached beside the journal, for resuming this run only: a global
    # cache would outlive a database rebuild or an engine upgrade
    cache = base / "gold-cache"
    if not resume:
        journal.unlink(missing_ok=True)
        for old in cache.glob("*.sqlite"):
            old.unlink()
    with progress_bar() as progress:
        run = evaluate(
            all_examples,
            preds,
            options=options,
            cache_dir=cache,
            journal_path=journal,
            progress=lambda done, total: progress("eval", done, total),
        )
    by_id = {o.id: o for o in run.outcomes}
    failed_checks = []
    for split, examples in examples_by_split.items():
        outcomes = [by_id[e.id] for e in examples]
        doc = report(outcomes)
        doc["run"] = {
            "split": split,
            "predictions": name,
            "examples": len(examples),
            "wall_s_all_splits": round(run.wall_s, 2),
            "engine_s_all_splits": round(run.raw_exec_s, 2),
            "resumed": run.resumed,
            "date": _dt.date.today().isoformat(),
        }
        folder = base / split if len(splits) > 1 else base
        files = write_reports(folder, doc, outcomes, title=f"{split}: {name}", with_charts=charts)
        overall = doc["overall"]
        line = "  ".join(
            f"{k} {overall[k]:.2f}" for k in ("EX", "EXEC", "SA", "EM", "CA", "EA", "IEA") if overall.get(k) is not None
        )
        console.print(
            f"[bold]{split}[/bold] n={overall['n']}  {line}  errors {overall['errors']}  "
            f"timeouts {overall['timeouts']}  gold failures {len(doc['gold_failures'])}"
        )
        console.print(f"  report: {files['report']}")
        if gold_as_prediction:
            problems = [f"{k}={overall[k]}" for k in ("EX", "EXEC", "SA", "EM") if overall.get(k) not in (100.0, None)]
            if doc["gold_failures"]:
                problems.append(f"{len(doc['gold_failures'])} gold failures")
            if overall["n"] == 0:
                problems.append("no examples")
            if problems:
                failed_checks.append(f"{split}: " + ", ".join(problems))
    console.print(f"{len(all_examples)} examples in {run.wall_s:.1f} s ({run.resumed} reused from an interrupted run)")
    if failed_checks:
        err_console.print("[red]gold-as-prediction check failed[/red]: " + "; ".join(failed_checks))
        raise typer.Exit(1)


def _outcomes(path: Path) -> list[dict]:
    """The outcome records of an eval report folder (every ``outcomes.jsonl`` under it)
    or of one outcomes file."""
    import json

    from momq.errors import ConfigError

    files = [path] if path.is_file() else sorted(path.rglob("outcomes.jsonl"))
    if not files:
        raise ConfigError(f"no outcomes.jsonl under {path} (write one with `momq eval ... --out {path}`)")
    return [json.loads(line) for f in files for line in f.read_text().splitlines() if line.strip()]


@fail_on_error
def compare_cmd(
    a: Path = typer.Argument(..., help="Eval report folder (or outcomes.jsonl) of system A."),
    b: Path = typer.Argument(..., help="Eval report folder (or outcomes.jsonl) of system B."),
    metric: str = typer.Option("ex", help="ex | ex_source (the source benchmark's rule) | exec"),
    by: str = typer.Option("dialect", help="Outcome field to group by (dialect, database, category, language)."),
) -> None:
    """Paired comparison of two scored runs on their shared questions: accuracies, the
    discordant counts and the exact McNemar p-value, per group and overall."""
    from momq.eval.stats import compare_runs

    tables = compare_runs(_outcomes(a), _outcomes(b), metric, by)
    console.print(f"A = {a}\nB = {b}\nmetric {metric}; b = right only in A, c = right only in B", highlight=False)
    console.print("| group | n | A | B | both | b | c | neither | exact McNemar p |")
    console.print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for group in sorted(tables, key=lambda g: (g == "all", g)):
        t = tables[group]
        console.print(
            f"| {group} | {t.n} | {t.acc_a:.1f} | {t.acc_b:.1f} | {t.both} | {t.only_a} | {t.only_b} "
            f"| {t.neither} | {t.p_value:.3g} |",
            highlight=False,
        )
    if tables["all"].n == 0:
        err_console.print("[yellow]the two runs share no scored question[/yellow]")


def register(app: typer.Typer) -> None:
    """Mount ``bench`` (with ``build``), ``eval`` and ``compare`` on the main app."""
    app.add_typer(bench_app, name="bench")
    app.command("eval")(eval_cmd)
    app.command("compare")(compare_cmd)
