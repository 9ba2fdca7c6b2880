"""The PostgreSQL engine (psycopg 3).

Sandbox, per query:

1. the dialect's ``vet`` (``momq.dialects.sql_vet``): one statement made only of allowed
   constructs and functions, or nothing is sent;
2. the statement runs in its own read-only transaction, rolled back right after it,
   under a time limit, in one round trip (``momq.engines.pg_pipeline``)::

       BEGIN READ ONLY
       SET LOCAL statement_timeout = <limit>      -- when not the session's (the default)
       SELECT * FROM (<query>) AS momq_query LIMIT <max_rows + 1>
       ROLLBACK
       SELECT pg_advisory_unlock_all()            -- when the login may take such locks

   libpq's pipeline mode sends them in one write and reads their answers in one go, so
   a query costs one round trip, like the bare driver, and between queries the session
   is idle outside any transaction. The query goes through the extended protocol, which
   refuses a second statement whatever the text holds; a text run again is prepared
   once, as psycopg's cursors do, and BEGIN and ROLLBACK are prepared when the
   connection opens. The read-only transaction refuses every write; the
   ROLLBACK undoes what a function may still do inside one (large objects,
   ``set_config``, ``SET``: the time limit lives and dies with the transaction), and
   session-level advisory locks, which outlive it, are released (a login without
   EXECUTE on the four functions that take them, like the embedded reader, cannot hold
   one, and is spared the unlock): nothing a query does to the session survives it. The
   server stops after ``max_rows + 1`` rows, so client memory stays bounded whatever the
   query returns (the subquery keeps its rows' order: PostgreSQL does not flatten a
   subquery with ORDER BY or LIMIT). The cost against the bare driver is in
   ``benchmarks/README.md``;
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

import select
from typing import Any, Callable

from momq.engines.base import DEFAULT_TIMEOUT_S
from momq.engines.pg_pipeline import Controls, PreparedStatements, run_query
from momq.engines.sql_common import ErrorCodes, SqlEngine, embedded_conninfo, error_class, plain_rows, redact
from momq.errors import (
    EngineUnavailable,
    ExecutionError,
    QueryError,
    QuerySyntaxError,
    QueryTimeout,
    ReadOnlyViolation,
    SchemaError,
    UnknownDatabase,
)

HINT = (
    "start the embedded server with `momq engines up`, or point MOMQ_POSTGRES_URL / "
    "[engines.postgres] url at a running PostgreSQL"
)

#: SQLSTATEs of momq's error classes (the others: ``ExecutionError``); 22P02 is a syntax
#: error only when the message says so, 0A000 a refused write only when it says read-only
ERROR_CODES: ErrorCodes = (
    (QuerySyntaxError, {"42601", "42000", "22P02"}),
    (SchemaError, {"42P01", "42703", "3F000", "42704", "3D000"}),
    (QueryTimeout, {"57014"}),
    (ReadOnlyViolation, {"25006", "42501", "0A000"}),
)


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
    if (state == "22P02" and "syntax" not in message) or (state == "0A000" and "read-only" not in message):
        cls: type[QueryError] = ExecutionError  # an invalid value's text; a feature not supported
    else:
        cls = error_class(state, ERROR_CODES)
    if position is not None:
        message = f"{message} (at character {position + 1})"
    return cls(message, engine=engine, query=query, position=position)


#: what the query is sent inside: the server stops after ``max_rows + 1`` rows (the
#: line breaks keep a trailing ``--`` comment from swallowing the end)
_WRAP_START = b"SELECT * FROM (\n"
_WRAP_END = b"\n) AS momq_query LIMIT %d"


#: the types (OIDs) that psycopg's binary loaders (and ``_register_float4_loader``) turn
#: into plain scalars only (``momq.values``): bool, bytea, name, int8, int2, int4, text,
#: oid, float4, float8, bpchar, varchar, date, time, timestamp, timestamptz, interval,
#: timetz, numeric. A result of these columns only needs no check value by value.
_SCALAR_OIDS = frozenset(
    {16, 17, 19, 20, 21, 23, 25, 26, 700, 701, 1042, 1043, 1082, 1083, 1114, 1184, 1186, 1266, 1700}
)

#: the functions that take session-level advisory locks (the only locks that outlive a
#: ROLLBACK); a login that may execute none of them never holds one
_SESSION_LOCK_FUNCTIONS = (
    "pg_advisory_lock",
    "pg_advisory_lock_shared",
    "pg_try_advisory_lock",
    "pg_try_advisory_lock_shared",
)
#: the session's time limit, set once at connect time (ms); a query with another limit
#: sets its own with SET LOCAL inside its transaction
_SESSION_TIMEOUT_MS = int(DEFAULT_TIMEOUT_S * 1000)


class PostgresEngine(SqlEngine):
    """One open connection to one PostgreSQL database, read-only."""

    name = "postgres"
    dialect = "postgres"

    def __init__(
        self, database: str, conninfo: dict[str, Any], where: str, resolve: Callable[[], tuple[dict, str]] | None = None
    ):
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
            raise EngineUnavailable(
                f"PostgreSQL at {self._where} is not reachable ({text.strip()}); {HINT}", engine=self.name
            ) from exc
        _register_float4_loader(conn)
        # session-level advisory locks survive a ROLLBACK: release them after each query
        # when the login may take them (the embedded reader may not; the allow-list
        # refuses the lock functions anyway)
        may_lock, may_unlock = conn.execute(
            b"SELECT coalesce(bool_or(has_function_privilege(p.oid, 'EXECUTE')), false), "
            b"has_function_privilege('pg_advisory_unlock_all()', 'EXECUTE') "
            b"FROM pg_proc p WHERE p.pronamespace = 'pg_catalog'::regnamespace AND p.proname = ANY(%s)",
            (list(_SESSION_LOCK_FUNCTIONS),),
        ).fetchone()
        conn.execute(b"SET statement_timeout = %d" % _SESSION_TIMEOUT_MS)
        self._conn = conn
        self._pgconn = conn.pgconn
        self._encoding = conn.info.encoding
        self._loader = psycopg.adapt.Transformer(conn)
        self._poller = select.poll()
        self._poller.register(conn.pgconn.socket, select.POLLIN)
        self._statements = PreparedStatements()
        # what ends a query's transaction: ROLLBACK, then the release of the session's
        # advisory locks (which outlive a ROLLBACK) when the login may take them
        end = (b"ROLLBACK", b"SELECT pg_advisory_unlock_all()") if may_lock and may_unlock else (b"ROLLBACK",)
        self._controls = Controls(conn.pgconn, end, self._encoding)

    def _run(self, text: str, original: str, timeout_s: float, max_rows: int):
        import psycopg

        conn = self._ready_connection()
        timeout_ms = max(1, int(timeout_s * 1000))
        wrapped = _WRAP_START + text.encode() + _WRAP_END % (max_rows + 1)
        try:
            result = run_query(
                self._pgconn,
                self._poller,
                self._statements,
                self._controls,
                wrapped,
                set_local=None
                if timeout_ms == _SESSION_TIMEOUT_MS
                else b"SET LOCAL statement_timeout = %d" % timeout_ms,
                threshold=conn.prepare_threshold,
                encoding=self._encoding,
            )
            fields = range(result.nfields)
            columns = [result.fname(i).decode() for i in fields]
            scalar = all(result.ftype(i) in _SCALAR_OIDS for i in fields)
            loader = self._loader
            loader.set_pgresult(result, set_loaders=True, format=1)  # binary
            rows = loader.load_rows(0, result.ntuples, tuple)  # may fail: a date past year 9999
        except psycopg.Error as exc:
            if _connection_lost(exc, conn):
                self._reset()
                raise EngineUnavailable(
                    f"PostgreSQL at {self._where} went away ({str(exc).strip()}); the next query reconnects; {HINT}",
                    engine=self.name,
                ) from exc
            if self._pgconn.pipeline_status or self._pgconn.transaction_status:
                self._reset()  # not back to idle outside a transaction: never reuse it
            error = classify(exc, original)
            if error.position is not None and error.position >= len(_WRAP_START):
                # a position in the wrapped statement: move it onto the query as given
                error.position += max(0, original.find(text)) - len(_WRAP_START)
                error.message = error.message.rsplit(" (at character", 1)[0] + f" (at character {error.position + 1})"
                error.args = (error.message,)
            raise error from exc
        except BaseException:
            self._reset()  # interrupted with answers unread: the connection cannot be reused
            raise
        truncated = len(rows) > max_rows
        return columns, plain_rows(rows[:max_rows] if truncated else rows, scalar), truncated

    def _ready_connection(self) -> Any:
        """The connection, opened again when it is gone."""
        if self._conn is None or self._conn.closed or self._conn.broken:
            self._reset()
            self._connect()
        return self._conn

    def _server_syntax_error(self, query: str) -> Exception | None:
        """PostgreSQL's error for ``query`` from a Parse message alone (the extended
        protocol's first step: parse analysis, nothing planned or run)."""
        import psycopg
        from psycopg import pq

        try:
            conn = self._ready_connection()
        except EngineUnavailable:
            return None
        try:
            result = conn.pgconn.prepare(b"", query.strip().rstrip(";").encode())
        except (psycopg.Error, UnicodeEncodeError):
            return None
        if result.status != pq.ExecStatus.FATAL_ERROR:
            return None
        error = psycopg.errors.error_from_result(result, encoding=conn.info.encoding)
        return classify(error, query)

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
    return conn.closed or conn.broken or state.startswith("08") or state in {"57P01", "57P02", "57P03"}


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
            rows = conn.execute(
                "SELECT datname FROM pg_database WHERE NOT datistemplate AND datname <> 'postgres'"
            ).fetchall()
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

    return embedded_conninfo(PostgresServer(), "postgres", HINT, database, admin=admin)


def connect(database: str, settings: dict[str, Any]) -> PostgresEngine:
    """A read-only engine on ``database`` (see module docstring)."""
    info, where = server_conninfo(database, settings)
    return PostgresEngine(database, info, where, resolve=lambda: server_conninfo(database, settings))


#: predefined roles that reach outside the database (files, programs, other sessions)
_RISKY_ROLES = (
    "pg_read_server_files",
    "pg_write_server_files",
    "pg_execute_server_program",
    "pg_signal_backend",
    "pg_read_all_settings",
    "pg_write_all_data",
)


def check_login(database: str, settings: dict[str, Any]) -> list[tuple[str, bool, str]]:
    """What the configured login can do on ``database``, as ``(check, ok, detail)``
    rows: a login fit for momq is no superuser, holds no write, sequence, CREATE or
    TEMPORARY privilege, no risky predefined role, and no EXECUTE on the functions the
    embedded server revokes (``momq.engines.servers.postgres.REVOKED_FUNCTIONS``)."""
    import psycopg

    info, where = server_conninfo(database, settings)
    try:
        conn = psycopg.connect(**info, autocommit=True, connect_timeout=10)
    except psycopg.OperationalError as exc:
        raise EngineUnavailable(
            f"PostgreSQL at {where} is not reachable ({str(exc).strip()}); {HINT}", engine="postgres"
        ) from exc

    def one(sql: str, *params: Any) -> Any:
        return conn.execute(sql, params or None).fetchone()[0]

    def listed(sql: str, *params: Any) -> list[str]:
        return [row[0] for row in conn.execute(sql, params or None).fetchall()]

    with conn:
        try:
            return _login_report(database, where, one, listed)
        except psycopg.Error as exc:
            raise classify(exc, "(privilege check)") from exc


def _login_report(database: str, where: str, one: Callable, listed: Callable) -> list[tuple[str, bool, str]]:
    from momq.engines.servers.postgres import REVOKED_FUNCTIONS

    user = one("SELECT current_user")
    report = [
        ("login", True, f"{user} on {where}, database {database}"),
        ("not a superuser", not one("SELECT rolsuper FROM pg_roles WHERE rolname = current_user"), ""),
        (
            "read-only by default",
            one("SHOW default_transaction_read_only") == "on",
            "default_transaction_read_only (momq opens read-only transactions either way)",
        ),
    ]
    writes = listed(
        "SELECT c.oid::regclass::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND n.nspname NOT IN ('pg_catalog', "
        "'information_schema') AND has_table_privilege(c.oid, "
        "'INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER') ORDER BY 1"
    )
    report.append(("no write privilege on tables", not writes, ", ".join(writes[:10])))
    sequences = listed(
        "SELECT c.oid::regclass::text FROM pg_class c WHERE CASE WHEN c.relkind = 'S' "
        "THEN has_sequence_privilege(c.oid, 'USAGE, UPDATE, SELECT') END ORDER BY 1"
    )
    report.append(("no sequence privilege", not sequences, ", ".join(sequences[:10])))
    schemas = listed("SELECT nspname FROM pg_namespace WHERE has_schema_privilege(oid, 'CREATE') ORDER BY 1")
    report.append(("no CREATE on schemas", not schemas, ", ".join(schemas)))
    database_privileges = [
        p for p in ("CREATE", "TEMPORARY") if one("SELECT has_database_privilege(current_database(), %s)", p)
    ]
    report.append(("no CREATE or TEMPORARY on the database", not database_privileges, ", ".join(database_privileges)))
    roles = [
        r
        for r in _RISKY_ROLES
        if one(
            "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = %s) AND pg_has_role(current_user, %s, 'USAGE')", r, r
        )
    ]
    report.append(("no risky predefined role", not roles, ", ".join(roles)))
    functions = listed(
        "SELECT DISTINCT p.proname FROM pg_proc p WHERE p.proname = ANY(%s) "
        "AND has_function_privilege(p.oid, 'EXECUTE') ORDER BY 1",
        list(REVOKED_FUNCTIONS),
    )
    report.append(("no EXECUTE on functions with effects", not functions, ", ".join(functions)))
    return report
