"""What the HTTP routes do, without HTTP: the blocking work of a request.

:class:`Service` holds what requests share (the database pool, the model registry, the
two bounded queues, the session store) and runs each piece of work on the right queue:
model work (``ask``, a session turn, a chat completion) on the model queue, plain
queries on the query queue. Its methods return futures; the routes await them under the
request's time limit.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import hashlib
import math
import threading
import time
from concurrent.futures import Future
from typing import Any

from momq.errors import QueryError, ReadOnlyViolation
from momq.llm.base import GenerationConfig
from momq.server.config import ServerConfig
from momq.server.databases import DatabasePool
from momq.server.progress import Emit, ObservedEngine, ObservedModel, Watch
from momq.server.queue import BoundedQueue, ModelRegistry
from momq.server.sessions import SessionStore
from momq.values import Node, Path, Relationship

#: pipelines that look values up in the database (their value index is loaded first)
VALUE_PIPELINES = ("r3", "multiturn")


class Service:
    def __init__(
        self,
        config: ServerConfig,
        *,
        pool: DatabasePool | None = None,
        registry: ModelRegistry | None = None,
        sessions: SessionStore | None = None,
    ):
        self.config = config
        self.pool = pool or DatabasePool()
        self.models = registry or ModelRegistry(config.allowed_models)
        self.sessions = sessions or SessionStore()
        self.model_queue = BoundedQueue("model", config.model_workers, config.queue_size)
        self.query_queue = BoundedQueue("query", config.query_workers, config.query_queue_size)
        self._shots: dict[str, Any] = {}
        self._shots_lock = threading.Lock()

    def deadline(self) -> float:
        return time.monotonic() + self.config.request_timeout_s

    def close(self) -> None:
        self.model_queue.close()
        self.query_queue.close()
        self.pool.close()
        self.models.close()

    # ------------------------------------------------------------------ query
    def query(self, database: str, dialect: str | None, query: str, max_rows: int | None, deadline: float) -> Future:
        chosen = self.pool.resolve(database, dialect)
        rows = min(max_rows or self.config.max_rows, self.config.max_rows)

        def job() -> dict[str, Any]:
            base = {"database": database, "dialect": chosen, "query": query}
            timeout = max(0.1, min(self.config.query_timeout_s, deadline - time.monotonic()))
            try:
                with self.pool.engine(chosen, database) as engine:
                    result = engine.execute(query, timeout_s=timeout, max_rows=rows)
            except QueryError as exc:
                status = "refused" if isinstance(exc, ReadOnlyViolation) else "failed"
                return {**base, "status": status, "error": exc.kind, "message": exc.message}
            return {**base, "status": "ok" if result.rows else "empty", "result": result_out(result, rows)}

        return self.query_queue.submit(job, deadline=deadline)

    # -------------------------------------------------------------------- ask
    def ask(self, request: Any, deadline: float, emit: Emit | None = None) -> Future:
        """Answer one question with a pipeline (a one-turn conversation for ``multiturn``)."""
        chosen = self.pool.resolve(request.database, request.dialect)
        spec = self.models.resolve(request.model)

        def job() -> dict[str, Any]:
            watch, pipeline = self._prepare(
                spec, chosen, request.pipeline, request.language, request.max_repairs, emit, deadline
            )
            rows = min(request.max_rows or self.config.max_rows, self.config.max_rows)
            with self._target(chosen, request.database, request.pipeline, rows, watch) as target:
                answer = pipeline.run(request.question, target)
            return answer_out(answer, rows)

        return self.model_queue.submit(job, deadline=deadline)

    # --------------------------------------------------------------- sessions
    def turn(
        self, session_id: str, question: str, model: str | None, deadline: float, emit: Emit | None = None
    ) -> Future:
        """Post one turn to a stored session (MTGQL's multi-turn pipeline) and save it."""
        self.sessions.load(session_id)  # an unknown session fails before it is queued
        spec = self.models.resolve(model)

        def job() -> dict[str, Any]:
            with self.sessions.lock(session_id):
                current = self.sessions.load(session_id)
                watch, pipeline = self._prepare(spec, current.dialect, "multiturn", current.language, 2, emit, deadline)
                rows = self.config.max_rows
                with self._target(current.dialect, current.database, "multiturn", rows, watch) as target:
                    answer = pipeline.run(question, target, session=current)
                self.sessions.save(current)
            return {**answer_out(answer, rows), "session": current.id}

        return self.model_queue.submit(job, deadline=deadline)

    # ------------------------------------------------------ chat completions
    def complete(
        self,
        spec: str | None,
        messages: list[dict[str, str]],
        config: GenerationConfig,
        dialect: str | None,
        deadline: float,
    ) -> tuple[str, Future]:
        """A plain model call (the OpenAI-compatible endpoint): ``(spec, future of text)``."""
        chosen = self.models.resolve(spec)
        if dialect is not None:
            from momq.dialects import get_dialect

            dialect = get_dialect(dialect).name

        def job() -> str:
            model = self.models.get(chosen, dialect)
            return model.generate([messages], config)[0]

        return chosen, self.model_queue.submit(job, deadline=deadline)

    # ---------------------------------------------------------------- helpers
    def _prepare(
        self, spec: str, dialect: str, name: str, language: str, max_repairs: int, emit: Emit | None, deadline: float
    ) -> tuple[Watch, Any]:
        from momq.dialects import get_dialect
        from momq.pipelines import make_pipeline

        watch = Watch(emit, deadline, get_dialect(dialect))
        model = ObservedModel(self.models.get(spec, dialect), watch)
        options: dict[str, Any] = {
            "language": language,
            "max_repairs": max_repairs,
            "config": GenerationConfig(max_new_tokens=self.config.max_new_tokens),
        }
        if name == "icl":
            options["shots"] = self._few_shots(dialect)
        return watch, make_pipeline(name, model, **options)

    def _target(self, dialect: str, database: str, pipeline: str, rows: int, watch: Watch) -> Any:
        from contextlib import contextmanager

        @contextmanager
        def opened() -> Any:
            with self.pool.target(
                dialect,
                database,
                timeout_s=self.config.query_timeout_s,
                max_rows=rows,
                wrap=lambda engine: ObservedEngine(engine, watch),
                values=pipeline in VALUE_PIPELINES,
            ) as target:
                watch.emit(
                    "schema", {"database": database, "dialect": dialect, "elements": len(target.schema.element_names())}
                )
                yield target

        return opened()

    def _few_shots(self, dialect: str) -> Any:
        """Few-shot examples for ``icl``: the benchmark's ``<dialect>-train`` split, or none."""
        with self._shots_lock:
            if dialect not in self._shots:
                from momq.eval.bench import available_splits, load_split
                from momq.prompts.fewshot import FewShotSelector

                name = f"{dialect}-train"
                self._shots[dialect] = (
                    FewShotSelector(load_split(name), cache_key=name) if name in available_splits() else None
                )
            return self._shots[dialect]


# ------------------------------------------------------------- serialisation
def answer_out(answer: Any, rows: int) -> dict[str, Any]:
    return {
        "question": answer.question,
        "database": answer.database,
        "dialect": answer.dialect,
        "pipeline": answer.pipeline,
        "model": answer.model,
        "query": answer.query,
        "status": answer.status,
        "reason": answer.reason,
        "repairs": answer.repairs,
        "attempts": [
            {
                "round": a.round,
                "stage": a.stage,
                "query": a.query,
                "outcome": a.outcome,
                "message": a.message[:2000],
                "rows": a.rows,
            }
            for a in answer.attempts
        ],
        "notes": list(answer.notes),
        "steps": plain(answer.steps),
        "result": result_out(answer.result, rows) if answer.result is not None else None,
    }


def result_out(result: Any, rows: int) -> dict[str, Any]:
    kept = result.rows[:rows]
    return {
        "columns": list(result.columns),
        "rows": [[plain(v) for v in row] for row in kept],
        "row_count": len(kept),
        "truncated": bool(result.truncated or len(result.rows) > rows),
        "elapsed_ms": round(result.elapsed_s * 1000, 3),
    }


def node_ref(key_or_id: Any) -> str:
    """A stable reference to a node from its id or, when it has none, its content key
    (how ``momq.values`` names a relationship's endpoints)."""
    if isinstance(key_or_id, tuple) and key_or_id and key_or_id[0] == "node":
        if key_or_id[1] is not None:
            return f"id:{key_or_id[1]}"
        return "k:" + hashlib.sha1(repr(key_or_id).encode()).hexdigest()[:16]
    return f"id:{key_or_id}"


def plain(value: Any) -> Any:
    """A JSON value for an engine value: graph values become ``{"kind": ...}`` objects."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, decimal.Decimal):
        return float(value) if value.is_finite() else str(value)
    if isinstance(value, Node):
        return {
            "kind": "node",
            "ref": node_ref(value.key()),
            "id": plain(value.id),
            "labels": list(value.labels),
            "properties": plain(value.properties),
        }
    if isinstance(value, Relationship):
        return {
            "kind": "relationship",
            "type": value.type,
            "start": node_ref(value.start),
            "end": node_ref(value.end),
            "rank": value.rank,
            "properties": plain(value.properties),
        }
    if isinstance(value, Path):
        return {
            "kind": "path",
            "nodes": [plain(n) for n in value.nodes],
            "relationships": [plain(r) for r in value.relationships],
        }
    if isinstance(value, (list, tuple, set, frozenset)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return str(value)
