"""A real engine that lists the queries it was asked to run (used by the pipeline and
evaluation tests: a refused query must never reach the database, a cached gold must not
run again)."""

from __future__ import annotations

from typing import Any

from momq.engines.base import DEFAULT_MAX_ROWS, DEFAULT_TIMEOUT_S, Result


class Recorder:
    """``engine`` with every query it runs appended to ``executed`` (``log`` when given,
    so that several engines can share one list). Closing the recorder closes the engine."""

    def __init__(self, engine: Any, log: list[str] | None = None):
        self.engine = engine
        self.executed: list[str] = [] if log is None else log

    def __getattr__(self, name: str) -> Any:
        return getattr(self.engine, name)

    def execute(self, query: str, timeout_s: float = DEFAULT_TIMEOUT_S, max_rows: int = DEFAULT_MAX_ROWS) -> Result:
        self.executed.append(query)
        return self.engine.execute(query, timeout_s=timeout_s, max_rows=max_rows)

    def __enter__(self) -> "Recorder":
        return self

    def __exit__(self, *exc: object) -> None:
        self.engine.close()
