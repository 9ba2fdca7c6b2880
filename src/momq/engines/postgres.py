"""The PostgreSQL engine (psycopg 3).

Sandbox, per query:

1. ``vet_query`` (``momq.dialects.sql_vet``): one statement made only of allowed
   constructs and functions, or nothing is sent;
2. the statement runs in its own transaction, always rolled back::

       BEGIN READ ONLY
       SET LOCAL statement_timeout = <limit>      -- and cursor_tuple_fraction = 1
       DECLARE momq_rows NO SCROLL CURSOR FOR <query>
       FETCH FORWARD <max_rows + 1> FROM momq_rows
       ROLLBACK

   sent as one pipeline (libpq pipeline mode: one network round trip, like the bare
   driver). The read-only transaction refuses every write; the ROLLBACK undoes what a
   function may still do inside one (large objects, ``set_config``, ``SET``), and the
   time limit lives and dies with the transaction, so nothing a query does to the
   session survives it. Rows come from a server-side cursor: at most ``max_rows + 1``
   reach the client, whatever the query returns (``cursor_tuple_fraction = 1`` keeps the
   plan a plain query would get). Every statement goes through the extended protocol,
   which refuses a second statement whatever the text holds;
3. on the embedded server, the login is ``momq_reader``: CONNECT and SELECT grants
   only, ``default_transaction_read_only`` set on the role, and no EXECUTE on the
   functions with effects outside a transaction (revoked from PUBLIC, see
   ``momq.engines.servers.postgres``).

Errors: a query's own failure is a ``QueryError`` (SQLSTATE based); only a connection
that is gone is ``EngineUnavailable``, and the next query opens a new one (restarting
the embedded server when it died).

``connect(database, settings)``: ``settings["url"]`` (``postgresql://user:pw@host:port``,
the database name in the URL is replaced by ``database``) or, when empty, the embedded
server, started on demand.
"""

from __future__ import annotations

from typing import Any, Callable

from momq.engines.sql_common import SqlEngine, plain_rows, redact
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

    def __init__(self, database: str, conninfo: dict[str, Any], where: str,
                 resolve: Callable[[], tuple[dict, str]] | None = None):
        # ``resolve`` gives fresh connection settings (the embedded server may have been
        # restarted, on another port) when the connection has to be opened again
        self._resolve = resolve
        super().__init__(database, conninfo, where)

    def _connect(self) -> None:
        import psycopg

        if self._resolve is not None and getattr(self, "_opened", False):
            self._conninfo, self._where = self._resolve()
        self._opened = True
        try:
            conn = psycopg.connect(**self._conninfo, autocommit=True, connect_timeout=10)
        except psycopg.OperationalError as exc:
            text = str(exc)
            if "does not exist" in text and "database" in text:
                raise UnknownDatabase(self.database, _known_databases(self._conninfo)) from exc
            raise EngineUnavailable(f"PostgreSQL at {self._where} is not reachable ({text.strip()}); {HINT}",
                                    engine=self.name) from exc
        _register_float4_loader(conn)
        self._conn = conn
        self._control = psycopg.RawCursor(conn)
        self._declare = psycopg.RawCursor(conn)
        self._fetch = psycopg.RawCursor(conn)

    def _run(self, text: str, original: str, timeout_s: float, max_rows: int):
        import psycopg

        if self._conn is None or self._conn.closed or self._conn.broken:
            self._reset()
            self._connect()
        conn = self._conn
        timeout_ms = max(1, int(timeout_s * 1000))
        try:
            try:
                with conn.pipeline():
                    control = self._control
                    control.execute(b"BEGIN READ ONLY", prepare=False)
                    control.execute(f"SET LOCAL statement_timeout = {timeout_ms}".encode(), prepare=False)
                    control.execute(b"SET LOCAL cursor_tuple_fraction = 1", prepare=False)
                    # our own cursor name; the query text goes through the extended
                    # protocol, which refuses a second statement
                    self._declare.execute(b"DECLARE momq_rows NO SCROLL CURSOR FOR " + text.encode(),
                                          prepare=False)
                    self._fetch.execute(f"FETCH FORWARD {max_rows + 1} FROM momq_rows".encode(), binary=True,
                                        prepare=False)
                    control.execute(b"ROLLBACK", prepare=False)
            finally:
                if not conn.closed and not conn.broken and conn.info.transaction_status != 0:
                    conn.execute(b"ROLLBACK")  # the pipeline stopped at an error
            pgresult = self._fetch.pgresult
            columns = [pgresult.fname(i).decode() for i in range(pgresult.nfields)] if pgresult else []
            rows = self._fetch.fetchall() if columns else []
        except psycopg.Error as exc:
            if _connection_lost(exc, conn):
                self._reset()
                raise EngineUnavailable(f"PostgreSQL at {self._where} went away ({str(exc).strip()}); the next "
                                        f"query reconnects; {HINT}", engine=self.name) from exc
            raise classify(exc, original) from exc
        truncated = len(rows) > max_rows
        return columns, plain_rows(rows[:max_rows] if truncated else rows), truncated

    def _reset(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except Exception:  # noqa: BLE001 - closing a broken connection may fail any way
                pass

    def close(self) -> None:
        self._reset()


def _connection_lost(exc: Exception, conn: Any) -> bool:
    """True when ``exc`` means the server or the connection is gone (not the query's
    own failure): the connection is broken or closed, or SQLSTATE class 08
    (connection exception) or 57P01-57P03 (the server shuts down or cannot answer)."""
    state = getattr(exc, "sqlstate", None) or ""
    return (conn.closed or conn.broken or state.startswith("08")
            or state in {"57P01", "57P02", "57P03"})


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
    return PostgresEngine(database, info, where, resolve=lambda: server_conninfo(database, settings))
