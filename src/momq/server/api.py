"""momq's own API routes (``/api/...``, ``/healthz``, ``/readyz``).

=========================================  ==============================================
``GET  /api/databases``                    the demo databases and their dialects
``GET  /api/dialects``                     the registered dialects
``GET  /api/databases/{db}/schema``        a schema as ``ddl``, ``text`` or ``code``
``POST /api/query``                        run a (possibly hand-edited) query read-only
``POST /api/ask``                          a question -> query, attempts, repairs, result
``POST /api/ask/stream``                   the same, as server-sent events while it works
``POST /api/sessions``                     start a multi-turn session (kept on disk)
``GET  /api/sessions`` / ``{id}``          list sessions / read one (resumes after restarts)
``POST /api/sessions/{id}/turns``          ask the next question of a session
``POST /api/sessions/{id}/turns/stream``   the same, as server-sent events
=========================================  ==============================================

Blocking work runs on the service's bounded queues (:mod:`momq.server.service`); a route
waits for it at most until the request's time limit (504 after that).
"""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import Future
from typing import Any, AsyncIterator, Callable, Optional

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from momq.server import models as m
from momq.server.progress import sse
from momq.server.queue import RequestTimeout
from momq.server.security import log, status_of
from momq.server.service import Service

ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": m.ErrorOut} for code in (400, 401, 404, 413, 422, 502, 503, 504)
}
SSE_DOC: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"text/event-stream": {"schema": {"type": "string"}}},
        "description": "Events: schema, candidate, repaired, executed, then answer (or error).",
    }
}


async def wait(future: Future, deadline: float) -> Any:
    """The job's result, or RequestTimeout once the deadline passes (the job is told to
    stop at its next model call or execution)."""
    try:
        return await asyncio.wait_for(asyncio.wrap_future(future), max(0.0, deadline - time.monotonic()))
    except asyncio.TimeoutError as exc:
        future.cancel()
        raise RequestTimeout("the request ran past its time limit") from exc


def stream(start: Callable[[Any], Future], deadline: float) -> StreamingResponse:
    """Run ``start(emit)`` and stream its events, then ``answer`` (or ``error``)."""
    loop = asyncio.get_running_loop()
    events: asyncio.Queue = asyncio.Queue()

    def emit(name: str, data: dict[str, Any]) -> None:
        loop.call_soon_threadsafe(events.put_nowait, (name, data))

    future = start(emit)  # QueueFull / unknown names raise here, before the stream opens

    async def body() -> AsyncIterator[str]:
        done = asyncio.ensure_future(wait(future, deadline))
        while True:
            getter = asyncio.ensure_future(events.get())
            finished, _ = await asyncio.wait({getter, done}, return_when=asyncio.FIRST_COMPLETED)
            if getter in finished:
                yield sse(*getter.result())
                continue
            getter.cancel()
            while not events.empty():
                yield sse(*events.get_nowait())
            error = done.exception()
            if error is None:
                yield sse("answer", done.result())
            elif status_of(error) == 500:
                log.error("unexpected error", exc_info=error)
                yield sse("error", {"error": "InternalError", "message": "internal error (logged)", "status": 500})
            else:
                yield sse("error", {"error": type(error).__name__, "message": str(error), "status": status_of(error)})
            return

    return StreamingResponse(
        body(), media_type="text/event-stream", headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    )


def router(service: Service) -> APIRouter:
    api = APIRouter()

    @api.get("/healthz", response_model=m.Health, tags=["health"])
    def health() -> dict[str, Any]:
        """The process is up."""
        from importlib.metadata import PackageNotFoundError, version

        try:
            found = version("momq")
        except PackageNotFoundError:
            found = "unknown"
        return {"status": "ok", "version": found}

    @api.get("/readyz", response_model=m.Readiness, tags=["health"])
    def ready() -> dict[str, Any]:
        """Ready to take work: the model queue has room."""
        queues = {
            "model_pending": service.model_queue.pending,
            "model_capacity": service.model_queue.workers + service.model_queue.capacity,
            "query_pending": service.query_queue.pending,
            "query_capacity": service.query_queue.workers + service.query_queue.capacity,
        }
        return {
            "ready": queues["model_pending"] < queues["model_capacity"],
            "models": service.models.allowed,
            "loaded_models": service.models.loaded(),
            "queue": queues,
        }

    @api.get("/api/databases", response_model=list[m.DatabaseInfo], tags=["databases"])
    def databases() -> list[dict[str, Any]]:
        """The demo databases and the dialects each can be queried in (default first)."""
        from momq.databases import catalog

        return [
            {"name": d.name, "dialects": list(d.dialects), "default_dialect": d.default_dialect, "source": d.source}
            for d in catalog()
        ]

    @api.get("/api/dialects", response_model=list[m.DialectInfo], tags=["databases"])
    def dialects() -> list[dict[str, Any]]:
        from momq.dialects import dialect_names, get_dialect

        return [{"name": n, "label": get_dialect(n).label, "family": get_dialect(n).family} for n in dialect_names()]

    @api.get("/api/databases/{database}/schema", response_model=m.SchemaOut, responses=ERRORS, tags=["databases"])
    async def schema(
        database: str,
        dialect: Optional[str] = Query(None, max_length=32),
        format: m.SchemaFormat = "ddl",
        samples: int = Query(0, ge=0, le=5),
    ) -> dict[str, Any]:
        """A database's schema, introspected from its live engine, in one of momq's formats."""
        from momq.schema.render import render

        chosen = service.pool.resolve(database, dialect)
        deadline = service.deadline()
        found = await wait(
            service.query_queue.submit(service.pool.schema, chosen, database, deadline=deadline), deadline
        )
        return {
            "database": database,
            "dialect": chosen,
            "format": format,
            "family": found.family,
            "elements": found.element_names(),
            "text": render(found, format, samples=samples),
        }

    @api.post("/api/query", response_model=m.QueryOut, responses=ERRORS, tags=["queries"])
    async def query(body: m.QueryIn) -> dict[str, Any]:
        """Run a query through the engine's read-only sandbox (time- and row-bounded)."""
        deadline = service.deadline()
        return await wait(service.query(body.database, body.dialect, body.query, body.max_rows, deadline), deadline)

    @api.post("/api/ask", response_model=m.AnswerOut, responses=ERRORS, tags=["questions"])
    async def ask(body: m.AskIn) -> dict[str, Any]:
        """Ask a question: the query, how it was obtained (attempts, repairs, status) and its result."""
        deadline = service.deadline()
        return await wait(service.ask(body, deadline), deadline)

    @api.post("/api/ask/stream", responses={**ERRORS, **SSE_DOC}, tags=["questions"])
    async def ask_stream(body: m.AskIn) -> StreamingResponse:
        """``/api/ask`` as server-sent events: schema, candidate, executed, repaired ... answer."""
        deadline = service.deadline()
        return stream(lambda emit: service.ask(body, deadline, emit), deadline)

    @api.post("/api/sessions", response_model=m.SessionOut, status_code=201, responses=ERRORS, tags=["sessions"])
    def create_session(body: m.SessionIn) -> dict[str, Any]:
        """Start a multi-turn conversation on a database (MTGQL's pipeline); kept on disk."""
        chosen = service.pool.resolve(body.database, body.dialect)
        return session_out(service.sessions.create(chosen, body.database, body.language))

    @api.get("/api/sessions", response_model=list[m.SessionOut], tags=["sessions"])
    def list_sessions(limit: int = Query(50, ge=1, le=500)) -> list[dict[str, Any]]:
        """The latest sessions, most recent first."""
        return [session_out(s) for s in service.sessions.list(limit)]

    @api.get("/api/sessions/{session_id}", response_model=m.SessionOut, responses=ERRORS, tags=["sessions"])
    def get_session(session_id: str) -> dict[str, Any]:
        """A session and its turns (also after a restart of the server)."""
        return session_out(service.sessions.load(session_id))

    @api.post("/api/sessions/{session_id}/turns", response_model=m.AnswerOut, responses=ERRORS, tags=["sessions"])
    async def post_turn(session_id: str, body: m.TurnIn) -> dict[str, Any]:
        """Ask the session's next question (earlier turns give the context)."""
        deadline = service.deadline()
        return await wait(service.turn(session_id, body.question, body.model, deadline), deadline)

    @api.post("/api/sessions/{session_id}/turns/stream", responses={**ERRORS, **SSE_DOC}, tags=["sessions"])
    async def post_turn_stream(session_id: str, body: m.TurnIn) -> StreamingResponse:
        """A session turn as server-sent events."""
        deadline = service.deadline()
        return stream(lambda emit: service.turn(session_id, body.question, body.model, deadline, emit), deadline)

    return api


def session_out(session: Any) -> dict[str, Any]:
    return {
        "id": session.id,
        "database": session.database,
        "dialect": session.dialect,
        "language": session.language,
        "turns": [
            {
                "question": t.question,
                "standalone": t.standalone,
                "query": t.query,
                "status": t.status,
                "reason": t.reason,
                "columns": t.columns,
                "preview": t.preview,
                "row_count": t.row_count,
            }
            for t in session.turns
        ],
    }
