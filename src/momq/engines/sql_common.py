"""What the PostgreSQL and MySQL engines share: vetting a query before it is sent,
turning driver values into plain Python values, and the ``execute`` skeleton.

Vetting (the dialect's ``vet``, ``momq.dialects.sql_vet``: one statement, built only
from allowed constructs and functions) is the first of three read-only layers; the engines
add a read-only transaction with a statement time limit, and the embedded servers run
queries as a login that holds SELECT grants and no EXECUTE on functions with effects.
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
import time
import uuid
from typing import Any, Callable, Collection, Sequence

from momq.dialects import get_dialect
from momq.dialects.sql_vet import UncheckedSyntax
from momq.engines.base import DEFAULT_MAX_ROWS, DEFAULT_TIMEOUT_S, Engine, Result, check_limits
from momq.errors import ExecutionError, QueryError

__all__ = [
    "ErrorCodes",
    "SqlEngine",
    "embedded_conninfo",
    "error_class",
    "plain_rows",
    "plain_value",
    "redact",
    "take",
]

#: a server's error codes (MySQL error numbers, PostgreSQL SQLSTATEs) of each momq error
#: class, checked in order
ErrorCodes = Sequence[tuple[type[QueryError], Collection[Any]]]


def error_class(code: Any, codes: ErrorCodes) -> type[QueryError]:
    """The momq error class of a server error ``code``: the first class whose codes hold
    it, else :class:`~momq.errors.ExecutionError`."""
    return next((cls for cls, known in codes if code in known), ExecutionError)


# values ----------------------------------------------------------------------
_PLAIN_TYPES = frozenset(
    {type(None), bool, int, float, str, bytes, decimal.Decimal, dt.datetime, dt.date, dt.time, dt.timedelta, list, dict}
)


def plain_value(value: Any) -> Any:
    """A driver value as one of momq's plain Python values (``momq.values``)."""
    if type(value) in _PLAIN_TYPES:
        if isinstance(value, list):
            return [plain_value(v) for v in value]
        if isinstance(value, dict):
            return {k: plain_value(v) for k, v in value.items()}
        return value
    if isinstance(value, (memoryview, bytearray)):
        return bytes(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, tuple):
        return [plain_value(v) for v in value]
    if isinstance(value, set):
        return sorted(plain_value(v) for v in value)
    if isinstance(value, (bool, int, float, str, decimal.Decimal, dt.date, dt.time, dt.timedelta)):
        return value  # a subclass of a plain type
    return str(value)  # ranges, network addresses and other exotic types


_SCALAR_TYPES = _PLAIN_TYPES - {list, dict}


def plain_rows(rows: Sequence[Sequence[Any]], scalar: bool = False) -> list[tuple[Any, ...]]:
    """Rows as tuples of plain values. ``scalar``: the columns' types say that every
    value already is a plain scalar or None (no copy, no check); otherwise the common
    case, where every value is one, costs one pass over the values and no copy (the
    drivers give tuples)."""
    if scalar or {type(v) for row in rows for v in row} <= _SCALAR_TYPES:
        return rows if isinstance(rows, list) else list(rows)
    return [tuple(plain_value(v) for v in row) for row in rows]


# engine skeleton -------------------------------------------------------------
class SqlEngine(Engine):
    """``execute`` for both SQL engines: check the limits, vet, run in the sandbox, time,
    wrap the rows. Subclasses implement ``_connect()`` and ``_run(text, original,
    timeout_s, max_rows) -> (columns, rows, truncated)``, translating their driver's
    exceptions there."""

    def __init__(self, database: str, conninfo: dict[str, Any], where: str):
        self.database = database
        self._conninfo = conninfo
        self._where = where  # the server, for messages (password redacted)
        self._conn: Any = None
        self._vet = get_dialect(self.dialect).vet
        self._connect()

    def _connect(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def execute(self, query: str, timeout_s: float = DEFAULT_TIMEOUT_S, max_rows: int = DEFAULT_MAX_ROWS) -> Result:
        timeout_s, max_rows = check_limits(timeout_s, max_rows)
        try:
            vetted = self._vet(query, self.name)
        except UncheckedSyntax as exc:
            raise self._server_syntax_error(query) or exc from None
        start = time.perf_counter()
        columns, rows, truncated = self._run(vetted.text, query, timeout_s, max_rows)
        elapsed = time.perf_counter() - start
        return Result(
            columns=columns, rows=rows, truncated=truncated, elapsed_s=elapsed, ordered=vetted.ordered, engine=self.name
        )

    def _run(
        self, text: str, original: str, timeout_s: float, max_rows: int
    ) -> tuple[list[str], list[tuple], bool]:  # pragma: no cover - abstract
        raise NotImplementedError

    def _server_syntax_error(self, query: str) -> Exception | None:
        """The server's own error for a query the sandbox cannot parse, found by asking
        the server to parse (never to run) it; None when the server parses it too or
        cannot be asked."""
        return None


def take(fetchmany: Callable[[int], Sequence], max_rows: int) -> tuple[list[tuple], bool]:
    """Fetch at most ``max_rows`` rows, reading one more to know whether there were more."""
    rows = fetchmany(max_rows + 1)
    truncated = len(rows) > max_rows
    return plain_rows(rows[:max_rows] if truncated else rows), truncated


def redact(url: str) -> str:
    """``scheme://user:***@host:port`` for messages (never print a password)."""
    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)


def embedded_conninfo(server: Any, engine: str, hint: str, database: str | None, *, admin: bool) -> tuple[dict, str]:
    """Connection keywords of the embedded ``server`` (started on demand for ``engine``;
    the reader login unless ``admin``) and a printable location."""
    server.start_for(engine, hint)
    return server.conninfo(database, reader=not admin), f"embedded 127.0.0.1:{server.port}"
