"""Bounded work queues in front of the models and the engines, and the shared models.

A :class:`BoundedQueue` runs blocking jobs (a pipeline, a model call, a query) on a
fixed number of worker threads and holds at most ``capacity`` more waiting: a job that
finds the queue full is refused at once with :class:`QueueFull` (the API answers 503
with ``Retry-After``), so a burst never makes a request hang. A job that waited past its
deadline is dropped before it starts.

:class:`ModelRegistry` loads each allowed model spec once and shares it between
requests; every call into a model goes through its own lock, so one loaded model is
used by one thread at a time even when several workers run pipelines.
"""

from __future__ import annotations

import re
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Callable, Sequence

from momq.errors import ConfigError, MomqError
from momq.llm.base import GenerationConfig, LanguageModel, Prompt

_NAMED = re.compile(r"^([A-Za-z0-9_.-]+)=(.+)$", re.S)


class QueueFull(MomqError):
    """Every worker is busy and the waiting room is full: retry later."""


class RequestTimeout(MomqError):
    """The request ran past its time limit."""


class BoundedQueue:
    def __init__(self, name: str, workers: int, capacity: int):
        self.name = name
        self.workers = workers
        self.capacity = capacity
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"momq-{name}")
        self._lock = threading.Lock()
        self._pending = 0  # running + waiting

    @property
    def pending(self) -> int:
        return self._pending

    def submit(self, job: Callable[..., Any], *args: Any, deadline: float | None = None) -> Future:
        """Run ``job(*args)`` on a worker; raise QueueFull at once when full."""
        with self._lock:
            if self._pending >= self.workers + self.capacity:
                raise QueueFull(
                    f"the {self.name} queue is full ({self.workers} running, {self.capacity} waiting); retry later"
                )
            self._pending += 1

        def run() -> Any:
            if deadline is not None and time.monotonic() > deadline:
                raise RequestTimeout(f"the request waited past its time limit in the {self.name} queue")
            return job(*args)

        try:
            future = self._pool.submit(run)
        except RuntimeError:  # shut down
            with self._lock:
                self._pending -= 1
            raise QueueFull(f"the {self.name} queue is closed")  # noqa: B904
        future.add_done_callback(self._done)
        return future

    def _done(self, _: Future) -> None:
        with self._lock:
            self._pending -= 1

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


class LockedModel(LanguageModel):
    """A shared model seen through its lock (see module docstring)."""

    def __init__(self, inner: LanguageModel, lock: threading.Lock):
        super().__init__()
        self.inner = inner
        self.lock = lock
        self.backend = inner.backend
        self.supports_prefix = inner.supports_prefix
        self.adapter = getattr(inner, "adapter", None)  # the direct pipeline picks its prompt style by it

    @property
    def name(self) -> str:
        return self.inner.name

    def _generate(self, prompts: Sequence[Prompt], config: GenerationConfig) -> list[str]:
        with self.lock:
            return self.inner.generate(prompts, config)


class ModelRegistry:
    """The allowed models, each loaded once on first use (see module docstring).

    An entry is a model spec, served under its own text, or ``NAME=SPEC``, served as
    NAME (a short id for clients, and a spec such as a path or an ``@`` that stays
    private to the server)."""

    def __init__(self, allowed: Sequence[str], loader: Callable[..., LanguageModel] | None = None):
        self.specs: dict[str, str] = {}
        for entry in allowed:
            named = _NAMED.match(entry)
            name, spec = (named.group(1), named.group(2)) if named else (entry, entry)
            self.specs.setdefault(name, spec)
        self._loader = loader
        self._models: dict[tuple[str, str], tuple[LanguageModel, threading.Lock]] = {}
        self._lock = threading.Lock()

    @property
    def allowed(self) -> list[str]:
        return list(self.specs)

    @property
    def default(self) -> str:
        return self.allowed[0]

    def resolve(self, name: str | None) -> str:
        """The served model for a request's model field (None = the default); only
        allowed names pass (a network caller must not name files or URLs at will)."""
        name = (name or "").strip() or self.default
        if name not in self.specs:
            raise ConfigError(f"model {name!r} is not served here; served models: {', '.join(self.allowed)}")
        return name

    def get(self, name: str | None, dialect: str | None = None) -> LanguageModel:
        """The shared model behind its lock (``dialect`` reaches adapters that route by
        dialect)."""
        name = self.resolve(name)
        key = (name, dialect or "")
        with self._lock:
            if key not in self._models:
                loader = self._loader
                if loader is None:
                    from momq.llm import load_model_spec as loader
                self._models[key] = (loader(self.specs[name], dialect=dialect), threading.Lock())
            model, lock = self._models[key]
        return LockedModel(model, lock)

    def loaded(self) -> list[str]:
        with self._lock:
            return sorted({spec for spec, _ in self._models})

    def close(self) -> None:
        with self._lock:
            for model, _ in self._models.values():
                model.close()
            self._models.clear()
