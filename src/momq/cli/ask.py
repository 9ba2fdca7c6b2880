"""``momq ask``, ``momq chat`` and ``momq predict``: questions in, queries and results out.

- ``ask``: one question on one database; prints the query, how it was obtained
  (pipeline, model, repairs, each attempt's outcome) and the result table.
- ``chat``: a multi-turn REPL (MTGQL's DA pipeline) whose session is saved after every
  turn and can be resumed with ``--session FILE``.
- ``predict``: runs a pipeline over a benchmark split and writes the predictions file
  ``momq eval`` scores (``{"id", "query"}`` per line, plus status and repairs), with a
  progress bar; an interrupted run resumes where it stopped.

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
MODEL_HELP = ("Model spec: qwen2.5-coder-1.5b (default), qwen2.5-coder-0.5b, smollm2 (see `momq models`), a model "
              "dir or .gguf, MODEL+ADAPTER or an adapter dir, openai:MODEL@URL, scripted:ANSWER.")


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


RANKER_HELP = ("r3/rse: model spec of R3's ranker model (e.g. a `momq train` ranker adapter); "
               "default: the heuristic ranker.")


def _pipeline(name: str, model: Any, dialect: str, *, language: str, max_repairs: int, max_new_tokens: int,
              train: str | None = None, ranker_model: str | None = None) -> Any:
    from momq.errors import ConfigError
    from momq.pipelines import make_pipeline

    options: dict[str, Any] = {"language": language, "max_repairs": max_repairs, "config": _config(max_new_tokens)}
    if name == "icl":
        options["shots"] = _selector(dialect, train)
    if ranker_model:
        if name not in ("r3", "rse"):
            raise ConfigError("--ranker-model applies to --pipeline r3 or rse")
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
        console.print(f"[dim]  {attempt.stage} {attempt.round}: {attempt.outcome}{detail}[/dim]", markup=True,
                      highlight=False)
    for key in ("standalone", "rewritten"):
        if answer.steps.get(key) and answer.steps[key] != answer.question:
            console.print(f"[dim]  {key} question: {answer.steps[key]}[/dim]", highlight=False)
    if answer.steps.get("values"):
        shown = ", ".join(f"{v['value']!r} ({v['where']})" for v in answer.steps["values"][:5])
        console.print(f"[dim]  aligned values: {shown}[/dim]", highlight=False)
    console.print(f"status: [{status_colour}]{answer.status}[/{status_colour}]"
                  + (f" ({answer.reason})" if answer.reason else ""), highlight=False)
    if answer.result is not None:
        from momq.engines.base import Result

        result = answer.result
        print_result(Result(result.columns, result.rows[:rows], truncated=result.truncated or len(result.rows) > rows,
                            elapsed_s=result.elapsed_s), title=f"{answer.database} ({answer.dialect})")


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

    check_question(question)  # an empty question fails before anything is loaded
    chosen = resolve_dialect(db, dialect)
    with Target.open(chosen, db, timeout_s=timeout, max_rows=max_rows) as target:
        llm = _model(model, chosen)
        runner = _pipeline(pipeline, llm, chosen, language=language, max_repairs=min(2, max(0, max_repairs)),
                           max_new_tokens=max_new_tokens, train=train, ranker_model=ranker_model)
        if pipeline == "multiturn":  # a one-turn conversation; `momq chat` keeps longer ones
            from momq.pipelines.multiturn import Session

            answer = runner.ask(Session(chosen, db, language=language), question, target)
        else:
            answer = runner.run(question, target)
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
    check: bool = typer.Option(True, "--check/--no-check",
                               help="Ask the model whether each result answers the question (MTGQL's alignment "
                                    "check; cheap heuristic checks run first either way)."),
    max_new_tokens: int = typer.Option(192),
    timeout: float = typer.Option(30.0),
) -> None:
    """A multi-turn conversation on a database; type :quit to leave, :history to review."""
    import sys

    from momq import settings
    from momq.databases import resolve_dialect
    from momq.errors import ConfigError
    from momq.pipelines import Target
    from momq.pipelines.multiturn import MultiTurnPipeline, Session

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
        runner = MultiTurnPipeline(_model(model, chosen), check_with_model=check, language=language,
                                   config=_config(max_new_tokens))
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
                answer = runner.ask(state, line, target)
            except ConfigError as exc:
                err_console.print(f"[red]{escape(str(exc))}[/red]", highlight=False)
                continue
            show_answer(answer)
            state.save(path)
    state.save(path)
    console.print(f"session saved: {path} (resume with --session {path})", highlight=False)


def _predict_groups(examples: list) -> list[list]:
    """Examples grouped into dialogues (by ``meta['dialogue']``, in turn order); single
    questions are groups of one."""
    groups: dict[str, list] = {}
    for e in examples:
        key = str(e.meta.get("dialogue", "")) or f"\x00{e.id}"
        groups.setdefault(key, []).append(e)
    for items in groups.values():
        items.sort(key=lambda e: int(e.meta.get("turn", 0)))
    return list(groups.values())


@fail_on_error
def predict(
    bench: str = typer.Option(..., "--bench", "-b", help="Split name (see `momq bench build`) or a JSONL file."),
    pipeline: str = typer.Option("direct", "--pipeline", "-p", help=PIPELINE_HELP),
    model: Optional[str] = typer.Option(None, "--model", "-m", help=MODEL_HELP),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Predictions file; default <momq home>/predictions/"
                                                                  "<split>.<pipeline>.<model>.jsonl"),
    limit: Optional[int] = typer.Option(None, help="Only the first N examples (or dialogues)."),
    language: str = typer.Option("en", "--language"),
    max_repairs: int = typer.Option(2),
    max_new_tokens: int = typer.Option(192),
    timeout: float = typer.Option(30.0),
    train: Optional[str] = typer.Option(None, help="Few-shot split for --pipeline icl (default <dialect>-train)."),
    ranker_model: Optional[str] = typer.Option(None, "--ranker-model", help=RANKER_HELP),
    execute: bool = typer.Option(True, help="Run candidates on the engines (repair needs it); "
                                            "--no-execute only validates them."),
) -> None:
    """Write a predictions file for `momq eval` (resumes an interrupted run)."""
    import re
    import time

    from momq import settings
    from momq.cli.common import progress_bar
    from momq.data.records import read_examples
    from momq.errors import ConfigError, MomqError
    from momq.eval.bench import load_split
    from momq.llm import DEFAULT_MODEL_SPEC
    from momq.pipelines import Target
    from momq.pipelines.multiturn import MultiTurnPipeline, Session, record_turn
    from momq.schema.introspect import introspect

    examples = read_examples(bench) if Path(bench).is_file() else load_split(bench)
    split = Path(bench).stem if Path(bench).is_file() else bench
    groups = _predict_groups(examples)
    if limit is not None:
        groups = groups[:limit]
    model_tag = re.sub(r"[^\w.-]+", "_", (model or DEFAULT_MODEL_SPEC))[-60:]
    path = out or settings.home() / "predictions" / f"{split}.{pipeline}.{model_tag}.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    done: set[str] = set()
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                done.add(str(json.loads(line)["id"]))
            except (json.JSONDecodeError, KeyError, TypeError):
                continue
    todo = [g for g in groups if not all(e.id in done for e in g)]
    # one database after another: its prompt prefix (system text + schema) stays cached
    todo.sort(key=lambda g: (g[0].dialect, g[0].database))
    console.print(f"{split}: {sum(len(g) for g in groups)} questions, {len(groups) - len(todo)} groups already "
                  f"predicted in {path}", highlight=False)
    llms: dict[str, Any] = {}
    runners: dict[str, Any] = {}
    targets: dict[tuple[str, str], Target] = {}

    def target_for(dialect: str, database: str) -> Target:
        key = (dialect, database)
        if key not in targets:
            if execute:
                targets[key] = Target.open(dialect, database, timeout_s=timeout)
            else:  # dry run: the schema still comes from the engine
                from momq.engines import open_engine

                with open_engine(dialect, database) as engine:
                    targets[key] = Target(dialect, database, introspect(engine))
        return targets[key]

    def runner_for(dialect: str) -> Any:
        if dialect not in runners:
            llms.setdefault(dialect, _model(model, dialect))
            if pipeline == "multiturn":
                runners[dialect] = MultiTurnPipeline(llms[dialect], language=language, max_repairs=max_repairs,
                                                     config=_config(max_new_tokens))
            else:
                runners[dialect] = _pipeline(pipeline, llms[dialect], dialect, language=language,
                                             max_repairs=max_repairs, max_new_tokens=max_new_tokens, train=train,
                                             ranker_model=ranker_model)
        return runners[dialect]

    counts: dict[str, int] = {}
    try:
        with progress_bar() as progress, open(path, "a", encoding="utf-8") as handle:
            total = sum(len(g) for g in todo)
            finished = 0
            progress(f"predict {pipeline}", 0, total)
            for group in todo:
                lines = []
                # a dialogue: the DA pipeline keeps its session; a baseline sees the dialogue so far
                in_dialogue = bool(group[0].meta.get("dialogue"))
                session = Session(group[0].dialect, group[0].database) if pipeline == "multiturn" or in_dialogue \
                    else None
                for example in group:
                    started = time.perf_counter()
                    try:
                        target = target_for(example.dialect, example.database)
                        runner = runner_for(example.dialect)
                        if pipeline == "multiturn":
                            answer = runner.ask(session, example.question, target)
                        elif session is not None:
                            answer = runner.run(example.question, target, example_id=example.id,
                                                history=session.history_text())
                            record_turn(session, example.question, example.question, answer, target.schema)
                        else:
                            answer = runner.run(example.question, target, example_id=example.id)
                        record = {"id": example.id, "query": answer.query, "status": answer.status,
                                  "repairs": answer.repairs, "pipeline": answer.pipeline}
                        if answer.reason:
                            record["reason"] = answer.reason[:300]
                    except (ConfigError, MomqError) as exc:
                        record = {"id": example.id, "query": "", "status": "failed", "reason": str(exc)[:300],
                                  "pipeline": pipeline}
                    record["seconds"] = round(time.perf_counter() - started, 2)
                    counts[record["status"]] = counts.get(record["status"], 0) + 1
                    lines.append(record)
                    finished += 1
                    progress(f"predict {pipeline}", finished, total)
                # a dialogue is written whole, so a resumed run never holds half of one
                for record in lines:
                    handle.write(json.dumps(record, ensure_ascii=False) + "\n")
                handle.flush()
    finally:
        for target in targets.values():
            target.close()
    summary = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    console.print(f"predictions: {path}  ({summary or 'nothing new'})", highlight=False)
    console.print(f"score with: momq eval --bench {bench} --predictions {path}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``ask``, ``chat`` and ``predict`` to the main app."""
    app.command("ask")(ask)
    app.command("chat")(chat)
    app.command("predict")(predict)
