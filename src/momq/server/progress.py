"""Progress of long work, as server-sent events.

The pipelines know nothing of the server: progress is observed from the outside by
wrapping the two things a pipeline calls. :class:`ObservedModel` reports every answer of
the model (``candidate`` for the first query, ``repaired`` for one written after a
failed execution), :class:`ObservedEngine` every execution (``executed`` with its
outcome). The API adds ``schema`` (schema loaded), ``answer`` (the final answer) and
``error``. Each event is ``{"event": NAME, "data": {...}}``; :func:`sse` writes it in
the ``text/event-stream`` format.

Both wrappers also enforce the request's deadline: a model call or an execution that
would start after it raises :class:`~momq.server.queue.RequestTimeout`, and executions
get at most the time that is left.
"""

from __future__ import annotations

import json
import time
from typing import Any, Callable, Sequence

from momq.llm.base import GenerationConfig, LanguageModel, Prompt
from momq.server.queue import RequestTimeout

Emit = Callable[[str, dict[str, Any]], None]


class Watch:
    """The progress of one request: its deadline, its listener, what happened last."""

    def __init__(self, emit: Emit | None, deadline: float | None, dialect: Any = None):
        self.emit = emit or (lambda name, data: None)
        self.deadline = deadline
        self.dialect = dialect
        self.failed_last = False
        self.candidates = 0

    def left(self) -> float | None:
        if self.deadline is None:
            return None
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise RequestTimeout("the request ran past its time limit")
        return left


class ObservedModel(LanguageModel):
    def __init__(self, inner: LanguageModel, watch: Watch):
        super().__init__()
        self.inner, self.watch = inner, watch
        self.backend = inner.backend
        self.supports_prefix = inner.supports_prefix
        self.adapter = getattr(inner, "adapter", None)

    @property
    def name(self) -> str:
        return self.inner.name

    def _generate(self, prompts: Sequence[Prompt], config: GenerationConfig) -> list[str]:
        self.watch.left()
        answers = self.inner.generate(prompts, config)
        for answer in answers:
            query = self.watch.dialect.extract(answer) if self.watch.dialect is not None else answer
            self.watch.candidates += 1
            name = "repaired" if self.watch.failed_last else "candidate"
            self.watch.emit(name, {"n": self.watch.candidates, "query": query[:4000]})
        return answers


class ObservedEngine:
    """An engine whose executions are reported and bounded by the deadline; every other
    attribute is the engine's own."""

    def __init__(self, inner: Any, watch: Watch):
        self._inner, self._watch = inner, watch

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def execute(self, query: str, timeout_s: float = 30.0, max_rows: int = 1000) -> Any:
        from momq.pipelines.repair import classify

        left = self._watch.left()
        if left is not None:
            timeout_s = max(0.1, min(timeout_s, left))
        try:
            result = self._inner.execute(query, timeout_s=timeout_s, max_rows=max_rows)
        except Exception as exc:
            self._watch.failed_last = True
            self._watch.emit("executed", {"outcome": classify(exc), "message": str(exc)[:500]})
            raise
        self._watch.failed_last = not result.rows
        self._watch.emit(
            "executed",
            {
                "outcome": "ok" if result.rows else "empty_result",
                "rows": len(result.rows),
                "elapsed_ms": round(result.elapsed_s * 1000, 2),
            },
        )
        return result


def sse(event: str, data: Any) -> str:
    """One server-sent event."""
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False, default=str)}\n\n"
