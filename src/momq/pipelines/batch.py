"""Batch prediction: a pipeline over a benchmark split, written as the predictions file
``momq eval`` scores (``momq predict``).

- **groups**: a dialogue's turns (``meta['dialogue']``, in turn order) are answered in
  one :class:`~momq.pipelines.session.Session`, so the multi-turn pipeline keeps its
  context and a baseline sees the dialogue so far; a single question is a group of one;
- **order**: one database after another (its prompt prefix, the system text and the
  schema, stays in the model's cache), each database opened once;
- **resumable**: the output is JSON lines, one per question (``id``, ``query``,
  ``status``, ``repairs``, ``pipeline``, ``reason`` when there is one, ``seconds``); a
  group already in the file is skipped, and a group is written whole, so an interrupted
  run never leaves half a dialogue;
- **progress**: ``progress(label, done, total)`` after every question.

    plan = plan_batch(examples, path)
    counts = predict(plan, lambda dialect: make_pipeline("direct", model), name="direct")
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

from momq.pipelines.context import Target
from momq.pipelines.session import Session

#: ``progress(label, done, total)``
Progress = Callable[[str, int, int], None]


def dialogue_groups(examples: Sequence[Any]) -> list[list[Any]]:
    """Examples grouped into dialogues (by ``meta['dialogue']``, in turn order); single
    questions are groups of one."""
    groups: dict[str, list] = {}
    for e in examples:
        key = str(e.meta.get("dialogue", "")) or f"\x00{e.id}"
        groups.setdefault(key, []).append(e)
    for items in groups.values():
        items.sort(key=lambda e: int(e.meta.get("turn", 0)))
    return list(groups.values())


def predictions_path(split: str, pipeline: str, model_spec: str) -> Path:
    """The default predictions file: ``<momq home>/predictions/<split>.<pipeline>.<model>.jsonl``."""
    from momq import settings

    model_tag = re.sub(r"[^\w.-]+", "_", model_spec)[-60:]
    return settings.home() / "predictions" / f"{split}.{pipeline}.{model_tag}.jsonl"


def predicted_ids(path: Path) -> set[str]:
    """The ids a predictions file already holds (unreadable lines are skipped)."""
    done: set[str] = set()
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                done.add(str(json.loads(line)["id"]))
            except (json.JSONDecodeError, KeyError, TypeError):
                continue
    return done


@dataclass
class BatchPlan:
    """What a run will answer: every group, and those not yet in ``path``."""

    path: Path
    groups: list[list[Any]]
    todo: list[list[Any]]

    @property
    def questions(self) -> int:
        return sum(len(g) for g in self.groups)

    @property
    def done_groups(self) -> int:
        return len(self.groups) - len(self.todo)


def plan_batch(examples: Sequence[Any], path: Path, limit: int | None = None) -> BatchPlan:
    """The groups of ``examples`` (the first ``limit`` of them), those already predicted
    in ``path`` left out, the rest ordered by database."""
    groups = dialogue_groups(examples)
    if limit is not None:
        groups = groups[:limit]
    done = predicted_ids(path)
    todo = [g for g in groups if not all(e.id in done for e in g)]
    # one database after another: its prompt prefix (system text + schema) stays cached
    todo.sort(key=lambda g: (g[0].dialect, g[0].database))
    return BatchPlan(path, groups, todo)


def open_target(dialect: str, database: str, *, execute: bool = True, timeout_s: float = 30.0) -> Target:
    """The database's target; without ``execute`` a dry run's (the schema still comes
    from the engine, candidates are only validated)."""
    if execute:
        return Target.open(dialect, database, timeout_s=timeout_s)
    from momq.engines import open_engine
    from momq.schema.cache import cached_schema

    with open_engine(dialect, database) as engine:
        return Target(dialect, database, cached_schema(engine))


def predict(
    plan: BatchPlan,
    pipeline_for: Callable[[str], Any],
    *,
    name: str,
    execute: bool = True,
    timeout_s: float = 30.0,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Answer the plan's groups and append them to ``plan.path``; returns the count of
    each status. ``pipeline_for(dialect)`` builds the pipeline of a dialect (once);
    ``name`` labels progress and the records of questions that could not be asked."""
    from momq.errors import MomqError

    plan.path.parent.mkdir(parents=True, exist_ok=True)
    pipelines: dict[str, Any] = {}
    targets: dict[tuple[str, str], Target] = {}
    counts: dict[str, int] = {}
    total = sum(len(g) for g in plan.todo)
    finished = 0
    label = f"predict {name}"
    if progress:
        progress(label, 0, total)
    try:
        with open(plan.path, "a", encoding="utf-8") as handle:
            for group in plan.todo:
                session = Session(group[0].dialect, group[0].database) if group[0].meta.get("dialogue") else None
                records = []
                for example in group:
                    started = time.perf_counter()
                    try:
                        key = (example.dialect, example.database)
                        if key not in targets:
                            targets[key] = open_target(*key, execute=execute, timeout_s=timeout_s)
                        if example.dialect not in pipelines:
                            pipelines[example.dialect] = pipeline_for(example.dialect)
                        answer = pipelines[example.dialect].run(
                            example.question, targets[key], session=session, example_id=example.id
                        )
                        record = {
                            "id": example.id,
                            "query": answer.query,
                            "status": answer.status,
                            "repairs": answer.repairs,
                            "pipeline": answer.pipeline,
                        }
                        if answer.reason:
                            record["reason"] = answer.reason[:300]
                    except MomqError as exc:
                        record = {
                            "id": example.id,
                            "query": "",
                            "status": "failed",
                            "reason": str(exc)[:300],
                            "pipeline": name,
                        }
                    record["seconds"] = round(time.perf_counter() - started, 2)
                    counts[record["status"]] = counts.get(record["status"], 0) + 1
                    records.append(record)
                    finished += 1
                    if progress:
                        progress(label, finished, total)
                # a dialogue is written whole, so a resumed run never holds half of one
                for record in records:
                    handle.write(json.dumps(record, ensure_ascii=False) + "\n")
                handle.flush()
    finally:
        for target in targets.values():
            target.close()
    return counts
