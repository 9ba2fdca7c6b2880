"""nGQL engines: momq's embedded engine (default) or a NebulaGraph server.

Embedded: each demo space is a snapshot file under ``momq.settings.home()/ngql/``
built by ``momq db build`` (``momq.databases.ngql_demo``); ``connect(space)`` opens it
and runs queries in a read-only session of ``momq.ngql``. The database name is the
space name.

Server: ``settings["address"] = "host:port"`` of a graphd; queries go through
``nebula3-python`` after the same parser-based allow-list check (the server has no
read-only transaction), with ``USE <space>`` first.
"""

from __future__ import annotations

import time
from functools import lru_cache
from pathlib import Path
from typing import Any

from momq import settings as momq_settings
from momq.engines.base import DEFAULT_MAX_ROWS, DEFAULT_TIMEOUT_S, Engine, Result, check_limits
from momq.errors import (
    ConfigError,
    EngineUnavailable,
    ExecutionError,
    QuerySyntaxError,
    QueryTimeout,
    ReadOnlyViolation,
    SchemaError,
    UnknownDatabase,
)


def snapshot_dir() -> Path:
    path = momq_settings.home() / "ngql"
    path.mkdir(parents=True, exist_ok=True)
    return path


def snapshot_path(space: str) -> Path:
    return snapshot_dir() / f"{space}.ngqldb"


def available_spaces() -> list[str]:
    return sorted(p.stem for p in snapshot_dir().glob("*.ngqldb"))


def build_budget() -> dict[str, int]:
    """What one query may build (``[limits]`` ``max_values`` / ``max_chars``; the
    engine's defaults otherwise: :mod:`momq.ngql.budget`)."""
    from momq import settings
    from momq.ngql.budget import DEFAULT_MAX_CHARS, DEFAULT_MAX_VALUES

    values, chars = settings.build_budget(DEFAULT_MAX_VALUES, DEFAULT_MAX_CHARS)
    return {"max_values": values, "max_chars": chars}


@lru_cache(maxsize=8)
def _open_snapshot(path: str, mtime: float) -> Any:
    """Open (and cache, keyed by modification time) an embedded snapshot."""
    from momq.ngql import NgqlDatabase

    return NgqlDatabase.open(path)


class EmbeddedNgqlEngine(Engine):
    """A read-only session on one space of momq's embedded nGQL engine."""

    name = "ngql"
    dialect = "ngql"

    def __init__(self, space: str, database: Any, build_stamp: str = ""):
        self.database = space
        #: changes when the snapshot is rebuilt (``momq.schema.cache`` keys schemas by it)
        self.build_stamp = build_stamp
        self._session = database.session(space=space, read_only=True)

    def execute(self, query: str, timeout_s: float = DEFAULT_TIMEOUT_S, max_rows: int = DEFAULT_MAX_ROWS) -> Result:
        # the embedded engine's errors already are momq's classes (``momq.ngql.errors``)
        timeout_s, max_rows = check_limits(timeout_s, max_rows)
        started = time.perf_counter()
        try:
            rs = self._session.execute(query, timeout_s=timeout_s, max_rows=max_rows, **build_budget())
            rows = rs.to_momq_rows()
        except RecursionError as exc:
            raise ExecutionError("ExecutionError: query too deeply nested", engine="ngql", query=query) from exc
        except MemoryError as exc:
            raise ExecutionError(
                "ExecutionError: the query needs more memory than there is", engine="ngql", query=query
            ) from exc
        return Result(
            list(rs.columns),
            rows,
            truncated=bool(rs.truncated),
            elapsed_s=time.perf_counter() - started,
            ordered=bool(rs.ordered),
            engine="ngql",
        )


class NebulaEngine(Engine):
    """A NebulaGraph server through ``nebula3-python``."""

    name = "ngql"
    dialect = "ngql"

    def __init__(self, space: str, address: str, user: str = "root", password: str = "nebula"):
        try:
            from nebula3.Config import Config
            from nebula3.gclient.net import ConnectionPool
        except ImportError as exc:
            raise EngineUnavailable(
                "nebula3-python is not installed: pip install 'momq[nebula]'", engine="ngql"
            ) from exc
        host, _, port = address.rpartition(":")
        self.database = space
        self._pool = ConnectionPool()
        try:
            ok = self._pool.init([(host or "127.0.0.1", int(port))], Config())
        except Exception as exc:  # the client raises its own exception types
            raise EngineUnavailable(f"NebulaGraph at {address} is unreachable: {exc}", engine="ngql") from exc
        if not ok:
            raise EngineUnavailable(f"NebulaGraph at {address} is unreachable", engine="ngql")
        self._session = self._pool.get_session(user, password)

    def execute(self, query: str, timeout_s: float = DEFAULT_TIMEOUT_S, max_rows: int = DEFAULT_MAX_ROWS) -> Result:
        from momq.dialects.ngql import read_only_refusal
        from momq.ngql import parse
        from momq.ngql.engine import outer_ordered

        timeout_s, max_rows = check_limits(timeout_s, max_rows)
        stmt = parse(query)  # a syntax error is reported with its position, as the embedded engine does
        refusal = read_only_refusal(stmt, query)
        if refusal is not None:
            raise ReadOnlyViolation(f"only read statements may run: {refusal}", engine="ngql", query=query)
        started = time.perf_counter()
        rs = self._session.execute(f"USE {self.database}; {query}")
        elapsed = time.perf_counter() - started
        if not rs.is_succeeded():
            # graphd's error codes: -1004 syntax, -1009 semantic (the validator), else execution
            message, code = rs.error_msg(), rs.error_code()
            if code == -1004 or "SyntaxError" in message:
                raise QuerySyntaxError(message, engine="ngql", query=query)
            if code == -1009:
                raise SchemaError(message, engine="ngql", query=query)
            raise ExecutionError(message, engine="ngql", query=query)
        if elapsed > timeout_s:
            raise QueryTimeout(f"query took {elapsed:.1f}s > {timeout_s}s", engine="ngql", query=query)
        columns = rs.keys()
        rows = [tuple(_nebula_value(v) for v in rs.row_values(i)) for i in range(min(rs.row_size(), max_rows))]
        return Result(
            columns,
            rows,
            truncated=rs.row_size() > max_rows,
            elapsed_s=elapsed,
            ordered=outer_ordered(stmt),
            engine="ngql",
        )

    def close(self) -> None:
        self._session.release()
        self._pool.close()


def _nebula_value(value: Any) -> Any:
    """nebula3's ValueWrapper -> momq's normalised values, through the embedded engine's
    values so that a server and the embedded engine give the same rows."""
    from momq.ngql.graphd import from_thrift
    from momq.ngql.values import to_momq

    return to_momq(from_thrift(value.get_value()))


def connect(database: str, settings: dict) -> Engine:
    """The configured NebulaGraph server, or the embedded snapshot of space ``database``."""
    if settings.get("address"):
        return NebulaEngine(
            database, settings["address"], settings.get("user", "root"), settings.get("password", "nebula")
        )
    path = snapshot_path(database)
    if not path.exists():
        known = available_spaces()
        if not known:
            raise EngineUnavailable("the embedded nGQL spaces are not built yet: run `momq db build`", engine="ngql")
        raise UnknownDatabase(database, known)
    stat = path.stat()
    try:
        snapshot = _open_snapshot(str(path), stat.st_mtime)
    except Exception as exc:  # noqa: BLE001 - a corrupt pickle can fail in any way
        raise ConfigError(
            f"the nGQL snapshot {path} cannot be read ({type(exc).__name__}: {exc}); rebuild it "
            f"with `momq db build {database}`"
        ) from exc
    return EmbeddedNgqlEngine(database, snapshot, f"{stat.st_mtime_ns}:{stat.st_size}")
