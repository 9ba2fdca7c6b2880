"""``momq ask``, ``momq chat`` and ``momq predict``: questions in, queries and results out.

- ``ask``: one question on one database; prints the query, how it was obtained
  (pipeline, model, repairs, each attempt's outcome) and the result table.
- ``chat``: a multi-turn REPL (MTGQL's DA pipeline) whose session is saved after every
  turn and can be resumed with ``--session FILE``.
- ``predict``: runs a pipeline over a benchmark split and writes the predictions file
  ``momq eval`` scores (``{"id", "query"}`` per line, plus status and repairs), with a
  progress bar; an interrupted run resumes where it stopped (:mod:`momq.pipelines.batch`).

The verbs only turn their options into objects: the pipelines' one run frame
(:class:`momq.pipelines.frame.Pipeline`) answers every question.

Mounted by ``momq.cli`` through :func:`register`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional

import typer
from rich.markup import escape

from momq.cli.common import console, err_console, fail_on_error, print_result

PIPELINE_HELP = "direct, icl (direct + few-shot examples), r3, rse or multiturn."
MODEL_HELP = (
    "Model spec: qwen2.5-coder-1.5b (default), qwen2.5-coder-0.5b, smollm2 (see `momq models`), a model "
    "dir or .gguf, MODEL+ADAPTER or an adapter dir, openai:MODEL@URL, scripted:ANSWER."
)


def _model(spec: str | None, dialect: str | None = None) -> Any:
    from momq.llm import load_model_spec

    return load_model_spec(spec, dialect=dialect)


def _config(max_new_tokens: int) -> Any:
    from momq.llm.base import GenerationConfig

    return GenerationConfig(max_new_tokens=max_new_tokens)


def _selector(dialect: str, train: str | None) -> Any:
    """Few-shot examples for the ``icl`` pipeline: the named split, else ``<dialect>-train``."""
    from momq.eval.bench import available_splits, load_split
    from momq.prompts.fewshot import FewShotSelector

    name = train or f"{dialect}-train"
    if Path(name).is_file():
        from momq.data.records import read_examples

        return FewShotSelector(read_examples(name), cache_key=Path(name).stem)
    if name not in available_splits():
        err_console.print(f"[yellow]no training split {name!r} for few-shot examples; answering without them[/yellow]")
        return None
    return FewShotSelector(load_split(name), cache_key=name)


RANKER_HELP = (
    "r3/rse: model spec of R3's ranker model (e.g. a `momq train` ranker adapter); default: the heuristic ranker."
)


def _check_options(name: str, ranker_model: str | None) -> None:
    from momq.errors import ConfigError

    if ranker_model and name not in ("r3", "rse"):
        raise ConfigError("--ranker-model applies to --pipeline r3 or rse")


def _pipeline(
    name: str,
    model: Any,
    dialect: str,
    *,
    language: str,
    max_repairs: int,
    max_new_tokens: int,
    train: str | None = None,
    ranker_model: str | None = None,
) -> Any:
    """The pipeline the verbs' options describe (:func:`momq.pipelines.make_pipeline`)."""
    from momq.pipelines import make_pipeline

    _check_options(name, ranker_model)
    options: dict[str, Any] = {"language": language, "max_repairs": max_repairs, "config": _config(max_new_tokens)}
    if name == "icl":
        options["shots"] = _selector(dialect, train)
    if ranker_model:
        options["ranker_model"] = _model(ranker_model)
    return make_pipeline(name, model, **options)


def show_answer(answer: Any, *, rows: int = 20) -> None:
    """Print the query, how it was obtained and the result (or the reason)."""
    status_colour = {"ok": "green", "empty": "yellow", "failed": "red", "refused": "red"}.get(answer.status, "white")
    for note in answer.notes:
        console.print(f"[yellow]note[/yellow]: {note}", highlight=False)
    if answer.query:
        console.print(f"[bold]{answer.dialect}[/bold] query:", highlight=False)
        console.print(answer.query, markup=False, highlight=False)
    how = f"pipeline {answer.pipeline}, model {answer.model}, {answer.repairs} repair(s)"
    console.print(f"[dim]{how}[/dim]", highlight=False)
    for attempt in answer.attempts:
        detail = f": {attempt.message[:160]}" if attempt.message and attempt.outcome != "ok" else ""
        console.print(
            f"[dim]  {attempt.stage} {attempt.round}: {attempt.outcome}{detail}[/dim]", markup=True, highlight=False
        )
    for key in ("standalone", "rewritten"):
        if answer.steps.get(key) and answer.steps[key] != answer.question:
            console.print(f"[dim]  {key} question: {answer.steps[key]}[/dim]", highlight=False)
    if answer.steps.get("values"):
        shown = ", ".join(f"{v['value']!r} ({v['where']})" for v in answer.steps["values"][:5])
        console.print(f"[dim]  aligned values: {shown}[/dim]", highlight=False)
    console.print(
        f"status: [{status_colour}]{answer.status}[/{status_colour}]"
        + (f" ({answer.reason})" if answer.reason else ""),
        highlight=False,
    )
    if answer.result is not None:
        from momq.engines.base import Result

        result = answer.result
        print_result(
            Result(
                result.columns,
                result.rows[:rows],
                truncated=result.truncated or len(result.rows) > rows,
                elapsed_s=result.elapsed_s,
            ),
            title=f"{answer.database} ({answer.dialect})",
        )


@fail_on_error
def ask(
    question: str = typer.Argument(..., help="The question, in English or Chinese."),
    db: str = typer.Option(..., "--db", help="Database name (see `momq db list`)."),
    dialect: Optional[str] = typer.Option(None, "--dialect", "-d", help="mysql, postgres, cypher or ngql."),
    pipeline: str = typer.Option("direct", "--pipeline", "-p", help=PIPELINE_HELP),
    model: Optional[str] = typer.Option(None, "--model", "-m", help=MODEL_HELP),
    language: str = typer.Option("en", "--language", help="Prompt language: en or zh."),
    max_repairs: int = typer.Option(2, help="Repair rounds after a failed candidate (0-2)."),
    max_new_tokens: int = typer.Option(192, help="Generation budget per model call."),
    timeout: float = typer.Option(30.0, help="Per-query time limit in seconds."),
    max_rows: int = typer.Option(1000, help="Row cap of the result."),
    train: Optional[str] = typer.Option(None, help="Few-shot split or JSONL for --pipeline icl."),
    ranker_model: Optional[str] = typer.Option(None, "--ranker-model", help=RANKER_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print the answer as JSON."),
) -> None:
    """Ask QUESTION on a database: prints the query, how it was obtained and the result."""
    from momq.databases import resolve_dialect
    from momq.pipelines import Target, check_question

    verdict = check_question(question)  # an empty question fails before anything is loaded
    chosen = resolve_dialect(db, dialect)
    with Target.open(chosen, db, timeout_s=timeout, max_rows=max_rows) as target:
        runner = _pipeline(
            pipeline,
            _model(model, chosen),
            chosen,
            language=language,
            max_repairs=min(2, max(0, max_repairs)),
            max_new_tokens=max_new_tokens,
            train=train,
            ranker_model=ranker_model,
        )
        answer = runner.run(verdict, target)
    if as_json:
        console.print_json(json.dumps(answer.to_dict(), default=str, ensure_ascii=False))
    else:
        show_answer(answer)
    if answer.status not in ("ok", "empty"):
        raise typer.Exit(1)


@fail_on_error
def chat(
    db: str = typer.Option(..., "--db", help="Database name."),
    dialect: Optional[str] = typer.Option(None, "--dialect", "-d"),
    model: Optional[str] = typer.Option(None, "--model", "-m", help=MODEL_HELP),
    session: Optional[Path] = typer.Option(None, "--session", help="Session file to resume and keep (JSON)."),
    language: str = typer.Option("en", "--language"),
    check: bool = typer.Option(
        True,
        "--check/--no-check",
        help="Ask the model whether each result answers the question (MTGQL's alignment "
        "check; cheap heuristic checks run first either way).",
    ),
    max_new_tokens: int = typer.Option(192),
    timeout: float = typer.Option(30.0),
) -> None:
    """A multi-turn conversation on a database; type :quit to leave, :history to review."""
    import sys

    from momq import settings
    from momq.databases import resolve_dialect
    from momq.errors import ConfigError
    from momq.pipelines import Session, Target
    from momq.pipelines.multiturn import MultiTurnPipeline

    chosen = resolve_dialect(db, dialect)
    if session is not None and session.is_file():
        state = Session.load(session)
        if (state.dialect, state.database) != (chosen, db):
            raise ConfigError(f"{session} is a session on {state.database} ({state.dialect}), not {db} ({chosen})")
        console.print(f"resumed session {state.id} ({len(state.turns)} turns)")
    else:
        state = Session(chosen, db, language=language)
    path = session or settings.home() / "sessions" / f"{state.id}.json"
    with Target.open(chosen, db, timeout_s=timeout) as target:
        runner = MultiTurnPipeline(
            _model(model, chosen), check_with_model=check, language=language, config=_config(max_new_tokens)
        )
        interactive = sys.stdin.isatty()
        while True:
            try:
                line = input(f"{db}> ") if interactive else sys.stdin.readline()
            except EOFError:
                break
            if not interactive and line == "":
                break
            line = line.strip()
            if not line:
                continue
            if line in (":quit", ":q", ":exit"):
                break
            if line == ":history":
                for i, turn in enumerate(state.turns, start=1):
                    console.print(f"{i}. {turn.question}\n   {turn.query or '(' + turn.status + ')'}", markup=False)
                continue
            try:
                answer = runner.run(line, target, session=state)
            except ConfigError as exc:
                err_console.print(f"[red]{escape(str(exc))}[/red]", highlight=False)
                continue
            show_answer(answer)
            state.save(path)
    state.save(path)
    console.print(f"session saved: {path} (resume with --session {path})", highlight=False)


@fail_on_error
def predict(
    bench: str = typer.Option(..., "--bench", "-b", help="Split name (see `momq bench build`) or a JSONL file."),
    pipeline: str = typer.Option("direct", "--pipeline", "-p", help=PIPELINE_HELP),
    model: Optional[str] = typer.Option(None, "--model", "-m", help=MODEL_HELP),
    out: Optional[Path] = typer.Option(
        None, "--out", "-o", help="Predictions file; default <momq home>/predictions/<split>.<pipeline>.<model>.jsonl"
    ),
    limit: Optional[int] = typer.Option(None, help="Only the first N examples (or dialogues)."),
    language: str = typer.Option("en", "--language"),
    max_repairs: int = typer.Option(2),
    max_new_tokens: int = typer.Option(192),
    timeout: float = typer.Option(30.0),
    train: Optional[str] = typer.Option(None, help="Few-shot split for --pipeline icl (default <dialect>-train)."),
    ranker_model: Optional[str] = typer.Option(None, "--ranker-model", help=RANKER_HELP),
    execute: bool = typer.Option(
        True, help="Run candidates on the engines (repair needs it); --no-execute only validates them."
    ),
) -> None:
    """Write a predictions file for `momq eval` (resumes an interrupted run)."""
    from momq.cli.common import progress_bar
    from momq.data.records import read_examples
    from momq.eval.bench import load_split
    from momq.llm import DEFAULT_MODEL_SPEC
    from momq.pipelines.batch import plan_batch, predictions_path
    from momq.pipelines.batch import predict as predict_batch

    _check_options(pipeline, ranker_model)
    is_file = Path(bench).is_file()
    examples = read_examples(bench) if is_file else load_split(bench)
    split = Path(bench).stem if is_file else bench
    path = out or predictions_path(split, pipeline, model or DEFAULT_MODEL_SPEC)
    plan = plan_batch(examples, path, limit)
    console.print(
        f"{split}: {plan.questions} questions, {plan.done_groups} groups already predicted in {path}", highlight=False
    )

    def pipeline_for(dialect: str) -> Any:
        return _pipeline(
            pipeline,
            _model(model, dialect),
            dialect,
            language=language,
            max_repairs=max_repairs,
            max_new_tokens=max_new_tokens,
            train=train,
            ranker_model=ranker_model,
        )

    with progress_bar() as progress:
        counts = predict_batch(plan, pipeline_for, name=pipeline, execute=execute, timeout_s=timeout, progress=progress)
    summary = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    console.print(f"predictions: {path}  ({summary or 'nothing new'})", highlight=False)
    console.print(f"score with: momq eval --bench {bench} --predictions {path}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``ask``, ``chat`` and ``predict`` to the main app."""
    app.command("ask")(ask)
    app.command("chat")(chat)
    app.command("predict")(predict)
