"""The PostgreSQL engine (psycopg 3).

Sandbox:

1. ``vet_query`` (``momq.engines.sql_common``): one read-only statement or nothing;
   SET, ``set_config`` and the other ways to change session settings are refused;
2. every statement runs in a read-only transaction under ``statement_timeout``.
   Default mode (``transaction = "session"``): the connection is opened with
   ``SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY`` in autocommit, so each
   statement is its own read-only transaction, which PostgreSQL ends (rolls back on
   error, has nothing to commit otherwise); the time limit is a session setting
   changed only when the limit changes. One round trip per query, like the bare
   driver: the sql-eval golds take about 0.1 ms each on the demo data, so the three
   round trips of an explicit ``BEGIN READ ONLY`` / ``SET LOCAL`` / ``ROLLBACK``
   would more than double their cost. ``transaction = "explicit"`` (setting
   ``transaction`` of ``[engines.postgres]``, or the constructor) does exactly that
   instead, for servers where the session defaults cannot be trusted.
   Either way PostgreSQL rejects every write, including side-effecting functions
   (``nextval``) and data-modifying CTEs;
3. the statement goes through the extended query protocol (``binary=True``), which
   refuses a second statement whatever the text holds;
4. on the embedded server, the login is ``momq_reader``: CONNECT and SELECT grants
   only, and ``default_transaction_read_only`` set on the role.

``connect(database, settings)``: ``settings["url"]`` (``postgresql://user:pw@host:port``,
the database name in the URL is replaced by ``database``) or, when empty, the embedded
server, started on demand.
"""

from __future__ import annotations

from typing import Any

from momq.engines.sql_common import SqlEngine, redact, take
from momq.errors import (EngineUnavailable, ExecutionError, QueryError, QuerySyntaxError, QueryTimeout,
                         ReadOnlyViolation, SchemaError, UnknownDatabase)

HINT = ("start the embedded server with `momq engines up`, or point MOMQ_POSTGRES_URL / "
        "[engines.postgres] url at a running PostgreSQL")

_SYNTAX = {"42601", "42000", "22P02"}
_SCHEMA = {"42P01", "42703", "3F000", "42704", "3D000"}
_READ_ONLY = {"25006", "42501", "0A000"}
_TIMEOUT = {"57014"}


def classify(exc: Exception, query: str, engine: str = "postgres") -> QueryError:
    """A psycopg error as a momq error class (SQLSTATE based)."""
    state = getattr(exc, "sqlstate", None) or ""
    diag = getattr(exc, "diag", None)
    message = (getattr(diag, "message_primary", None) or str(exc)).strip()
    position = None
    if diag is not None and diag.statement_position:
        try:
            position = int(diag.statement_position) - 1  # PostgreSQL counts from 1
        except ValueError:
            position = None
    if state == "22P02" and "syntax" not in message:
        cls: type[QueryError] = ExecutionError  # invalid text representation of a value
    elif state in _SYNTAX:
        cls = QuerySyntaxError
    elif state in _SCHEMA:
        cls = SchemaError
    elif state in _TIMEOUT:
        cls = QueryTimeout
    elif state in _READ_ONLY and (state != "0A000" or "read-only" in message):
        cls = ReadOnlyViolation
    else:
        cls = ExecutionError
    if position is not None:
        message = f"{message} (at character {position + 1})"
    return cls(message, engine=engine, query=query, position=position)


class PostgresEngine(SqlEngine):
    """One open connection to one PostgreSQL database, read-only."""

    name = "postgres"
    dialect = "postgres"

    def _connect(self) -> None:
        import psycopg

        try:
            conn = psycopg.connect(**self._conninfo, autocommit=True, connect_timeout=10)
        except psycopg.OperationalError as exc:
            text = str(exc)
            if "does not exist" in text and "database" in text:
                raise UnknownDatabase(self.database, _known_databases(self._conninfo)) from exc
            raise EngineUnavailable(f"PostgreSQL at {self._where} is not reachable ({text.strip()}); {HINT}",
                                    engine=self.name) from exc
        _register_float4_loader(conn)
        # psycopg's default stays: a text run 5 times becomes a server-side prepared
        # statement (at most 100 per connection), as with the bare driver
        if self.transaction == "session":
            conn.execute(b"SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
        self._conn = conn
        self._cursor = psycopg.RawCursor(conn)
        self._timeout_ms: int | None = None

    def _run(self, text: str, original: str, timeout_s: float, max_rows: int):
        import psycopg

        if self._conn is None or self._conn.closed:
            self._connect()
        conn, cur = self._conn, self._cursor
        timeout_ms = max(1, int(timeout_s * 1000))
        try:
            if self.transaction == "explicit":
                # our own two statements: the simple protocol runs both in one round trip
                conn.execute(f"BEGIN READ ONLY; SET LOCAL statement_timeout = {timeout_ms}".encode())
            elif timeout_ms != self._timeout_ms:
                conn.execute(f"SET statement_timeout = {timeout_ms}".encode())
                self._timeout_ms = timeout_ms
            try:
                # binary=True forces the extended protocol: exactly one statement, and
                # '%' in the text is never taken for a placeholder
                cur.execute(text, binary=True)
                pgresult = cur.pgresult
                if pgresult is not None and pgresult.nfields:
                    # names straight from the result: cursor.description builds objects
                    columns = [pgresult.fname(i).decode() for i in range(pgresult.nfields)]
                    rows, truncated = take(cur.fetchmany, max_rows)
                else:
                    columns, rows, truncated = [], [], False
            finally:
                if self.transaction == "explicit" and not conn.closed and not conn.broken:
                    conn.execute(b"ROLLBACK")
        except psycopg.OperationalError as exc:
            if getattr(exc, "sqlstate", None) in _TIMEOUT:
                raise classify(exc, original) from exc
            self._reset()
            raise EngineUnavailable(f"PostgreSQL at {self._where} went away ({str(exc).strip()}); {HINT}",
                                    engine=self.name) from exc
        except psycopg.Error as exc:
            raise classify(exc, original) from exc
        return columns, rows, truncated

    def _reset(self) -> None:
        try:
            if self._conn is not None:
                self._conn.close()
        finally:
            self._conn = None

    def close(self) -> None:
        self._reset()


def _register_float4_loader(conn) -> None:
    """Binary ``real`` values as the shortest decimal that round-trips through float4
    (3.7, not 3.700000047683716), as the text protocol and MySQL return them."""
    import struct

    from psycopg.adapt import Loader
    from psycopg.pq import Format

    class Float4BinaryLoader(Loader):
        format = Format.BINARY

        def load(self, data) -> float:
            raw = bytes(data)
            value = struct.unpack("!f", raw)[0]
            for digits in range(6, 10):
                candidate = float(f"{value:.{digits}g}")
                if struct.pack("!f", candidate) == raw:
                    return candidate
            return value

    conn.adapters.register_loader("float4", Float4BinaryLoader)


def _known_databases(conninfo: dict[str, Any]) -> list[str]:
    import psycopg

    try:
        with psycopg.connect(**{**conninfo, "dbname": "postgres"}, autocommit=True, connect_timeout=5) as conn:
            rows = conn.execute("SELECT datname FROM pg_database WHERE NOT datistemplate "
                                "AND datname <> 'postgres'").fetchall()
        return [r[0] for r in rows]
    except psycopg.Error:
        return []


def server_conninfo(database: str, settings: dict[str, Any], *, admin: bool = False) -> tuple[dict, str]:
    """Connection keywords and a printable location for ``database``: from
    ``settings["url"]`` or the embedded server (started on demand; the reader login
    unless ``admin``)."""
    url = settings.get("url")
    if url:
        from psycopg.conninfo import conninfo_to_dict

        info = conninfo_to_dict(url)
        info["dbname"] = database
        return info, redact(url)
    from momq.engines.servers.postgres import PostgresServer

    server = PostgresServer()
    server.start_for("postgres", HINT)
    return server.conninfo(database, reader=not admin), f"embedded 127.0.0.1:{server.port}"


def connect(database: str, settings: dict[str, Any]) -> PostgresEngine:
    """A read-only engine on ``database`` (see module docstring)."""
    info, where = server_conninfo(database, settings)
    return PostgresEngine(database, info, where, transaction=settings.get("transaction", "session"))
