"""Open engines, schemas and value indexes shared by the server's requests.

Opening an engine costs a connection (and, for the embedded engines, maybe a server
start), introspecting a schema costs several queries: the :class:`DatabasePool` keeps
idle engines per ``(dialect, database)`` and leases each to one request at a time (an
engine connection is not shared between threads), and takes each schema from
:mod:`momq.schema.cache` (introspected once, kept until the database is rebuilt).
Every query still goes through ``Engine.execute``: the read-only sandbox is the
engine's, never the server's.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Any, Callable, Iterator

from momq.errors import QueryError
from momq.pipelines import Target

MAX_IDLE_PER_DATABASE = 8


class DatabasePool:
    def __init__(self, opener: Callable[[str, str], Any] | None = None):
        self._opener = opener
        self._idle: dict[tuple[str, str], list[Any]] = {}
        self._values: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()
        self._schema_locks: dict[tuple[str, str], threading.Lock] = {}

    @staticmethod
    def resolve(database: str, dialect: str | None) -> str:
        """The canonical dialect (UnknownDatabase / ConfigError for bad names)."""
        from momq.databases import resolve_dialect

        return resolve_dialect(database, dialect)

    def _open(self, dialect: str, database: str) -> Any:
        if self._opener is not None:
            return self._opener(dialect, database)
        from momq.engines import open_engine

        return open_engine(dialect, database)

    @contextmanager
    def engine(self, dialect: str, database: str) -> Iterator[Any]:
        """Lease an open engine; it returns to the pool after its work (also after a
        failed query), or is closed when anything else went wrong."""
        key = (dialect, database)
        with self._lock:
            idle = self._idle.get(key, [])
            engine = idle.pop() if idle else None
        if engine is None:
            engine = self._open(dialect, database)
        try:
            yield engine
        except QueryError:
            self._give_back(key, engine)  # a failed query leaves the engine usable
            raise
        except BaseException:
            engine.close()  # the connection may be in a bad state: do not reuse it
            raise
        self._give_back(key, engine)

    def _give_back(self, key: tuple[str, str], engine: Any) -> None:
        with self._lock:
            idle = self._idle.setdefault(key, [])
            if len(idle) < MAX_IDLE_PER_DATABASE:
                idle.append(engine)
                engine = None
        if engine is not None:
            engine.close()

    def schema(self, dialect: str, database: str, engine: Any = None) -> Any:
        """The database's schema (:func:`momq.schema.cache.cached_schema`; one request
        introspects it, the others wait for it)."""
        from momq.schema.cache import cached_schema

        key = (dialect, database)
        with self._lock:
            lock = self._schema_locks.setdefault(key, threading.Lock())
        with lock:
            if engine is not None:
                return cached_schema(engine)
            with self.engine(dialect, database) as leased:
                return cached_schema(leased)

    @contextmanager
    def target(
        self,
        dialect: str,
        database: str,
        *,
        timeout_s: float,
        max_rows: int,
        wrap: Callable[[Any], Any] | None = None,
        values: bool = False,
    ) -> Iterator[Target]:
        """A pipeline :class:`Target` on a leased engine. ``wrap`` may decorate the engine
        (e.g. to report progress); ``values``: load the value index first, on the bare
        engine (built once, then kept)."""
        key = (dialect, database)
        with self.engine(dialect, database) as engine:
            schema = self.schema(dialect, database, engine)
            target = Target(dialect, database, schema, engine, timeout_s, max_rows, value_index=self._values.get(key))
            if values and target.value_index is None:
                target.values()
                self._values[key] = target.value_index
            if wrap is not None:
                target.engine = wrap(engine)
            yield target

    def close(self) -> None:
        with self._lock:
            engines = [e for idle in self._idle.values() for e in idle]
            self._idle.clear()
        for engine in engines:
            try:
                engine.close()
            except Exception:  # noqa: BLE001 - closing at shutdown is best effort
                pass
