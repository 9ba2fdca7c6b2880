"""The MySQL engine (PyMySQL): MySQL 8 by URL, or momq's embedded MariaDB.

Sandbox, per query:

1. the dialect's ``vet`` (``momq.dialects.sql_vet``): one statement made only of allowed
   constructs and functions, or nothing is sent. This layer matters most here, because
   MySQL commits DDL implicitly even inside a read-only transaction, and because the
   session's state (user variables, session variables, named locks) is not
   transactional: a ROLLBACK would not undo it, so what could change it (``@x :=``,
   ``SET``, ``GET_LOCK``, ``LAST_INSERT_ID(expr)`` ...) is refused before it runs;
2. every statement runs in a read-only transaction under a server-side time limit:
   ``max_statement_time`` (MariaDB, seconds) or ``max_execution_time`` (MySQL 8,
   milliseconds), set per session and only when the limit changes; the flavour is
   read from ``VERSION()`` at connect time. Default mode (``transaction =
   "session"``): ``SET SESSION TRANSACTION READ ONLY`` once at connect, autocommit, so
   each statement is its own read-only transaction (error 1792 on any write); one
   round trip per query like the bare driver. ``transaction = "explicit"``
   (``[engines.mysql] transaction``) wraps each statement in ``START TRANSACTION READ
   ONLY`` ... ``ROLLBACK`` instead: two more round trips, and no safer, since a
   read-only statement has nothing to roll back and session state is not
   transactional (``benchmarks/README.md``). PyMySQL never sets the multi-statement
   flag, so the server refuses a second statement;
3. rows are read unbuffered (``SSCursor``): at most ``max_rows + 1`` reach the client;
   when there are more, the connection is dropped (the server stops sending) and the
   next query opens a new one;
4. a client-side socket read timeout (limit + 5 s) as the last resort: the connection
   is dropped and re-opened on the next query;
5. on the embedded server, the login is ``momq_reader``: SELECT grants only.

Errors: a query's own failure is a ``QueryError``; a connection lost before the time
limit is ``EngineUnavailable`` (the server died), and the next query reconnects
(restarting the embedded server).

``connect(database, settings)``: ``settings["url"]`` (``mysql://user:pw@host:port``) or,
when empty, the embedded MariaDB server, started on demand.
"""

from __future__ import annotations

import re
import time
from typing import Any, Callable
from urllib.parse import unquote, urlparse

from momq.engines.sql_common import ErrorCodes, SqlEngine, embedded_conninfo, error_class, plain_rows, redact
from momq.errors import (
    EngineUnavailable,
    QueryError,
    QuerySyntaxError,
    QueryTimeout,
    ReadOnlyViolation,
    SchemaError,
    UnknownDatabase,
)

HINT = (
    "start the embedded server with `momq engines up`, or point MOMQ_MYSQL_URL / "
    "[engines.mysql] url at a running MySQL 8"
)

#: MySQL/MariaDB error numbers of momq's error classes (the others: ``ExecutionError``)
ERROR_CODES: ErrorCodes = (
    (QuerySyntaxError, {1064, 1149}),
    (SchemaError, {1146, 1054, 1049, 1109, 1051}),
    (QueryTimeout, {3024, 1969, 1317, 1028}),
    (ReadOnlyViolation, {1792, 1142, 1143, 1227, 1044, 1370, 1290, 1045}),
)
_LOST = {2006, 2013, 2055}
_CLIENT_SLACK_S = 5.0
_NEAR = re.compile(r"near '(.*)' at line (\d+)", re.S)


def _position(message: str, query: str) -> int | None:
    """0-based offset of the text MySQL quotes in "near '...' at line N"."""
    match = _NEAR.search(message)
    if not match:
        return None
    near = match.group(1)
    if not near:
        return len(query)  # near '' = at the end of the input
    # MySQL quotes up to 80 characters of the remaining text
    index = query.find(near[:80])
    return index if index >= 0 else None


def classify(exc: Exception, query: str, engine: str = "mysql") -> QueryError:
    """A PyMySQL error as a momq error class (error-code based)."""
    args = getattr(exc, "args", ())
    code = args[0] if args and isinstance(args[0], int) else None
    message = str(args[1]) if len(args) > 1 else str(exc)
    cls = error_class(code, ERROR_CODES)
    position = _position(message, query) if cls is QuerySyntaxError else None
    if code is not None:
        message = f"({code}) {message}"
    return cls(message, engine=engine, query=query, position=position)


class MysqlEngine(SqlEngine):
    """One open connection to one MySQL/MariaDB database, read-only."""

    name = "mysql"
    dialect = "mysql"

    #: "mariadb" or "mysql", read from VERSION() at connect time
    flavour: str = "mysql"
    #: the client's socket read timeout of the open connection (a last-resort bound)
    _read_timeout: float = 0.0

    def __init__(
        self,
        database: str,
        conninfo: dict[str, Any],
        where: str,
        *,
        transaction: str = "session",
        resolve: Callable[[], tuple[dict, str]] | None = None,
    ):
        if transaction not in {"session", "explicit"}:
            raise ValueError(f"transaction must be 'session' or 'explicit', not {transaction!r}")
        self.transaction = transaction
        # fresh connection settings when the connection is opened again (the embedded
        # server may have been restarted)
        self._resolve = resolve
        self._opened = False
        super().__init__(database, conninfo, where)

    def _connect(self, read_timeout: float = 60.0) -> None:
        import pymysql
        from pymysql.cursors import SSCursor

        self._close()
        if self._resolve is not None and self._opened:
            self._conninfo, self._where = self._resolve()
        self._opened = True
        try:
            conn = pymysql.connect(
                **self._conninfo,
                connect_timeout=10,
                read_timeout=read_timeout,
                write_timeout=read_timeout,
                autocommit=True,
                charset="utf8mb4",
                local_infile=False,
            )
        except pymysql.err.OperationalError as exc:
            code = exc.args[0] if exc.args else None
            if code in {1049, 1044} and self.database not in _known_databases(self._conninfo):
                raise UnknownDatabase(self.database, _known_databases(self._conninfo)) from exc
            raise EngineUnavailable(
                f"MySQL at {self._where} is not reachable ({exc}); {HINT}", engine=self.name
            ) from exc
        with conn.cursor() as cur:
            cur.execute("SELECT VERSION()")
            version = cur.fetchone()[0]
            if self.transaction == "session":
                cur.execute("SET SESSION TRANSACTION READ ONLY")
        self.flavour = "mariadb" if "mariadb" in version.lower() else "mysql"
        self.server_version = version
        self._conn = conn
        self._unbuffered = SSCursor  # the cursor class, imported once (not per query)
        self._read_timeout = read_timeout
        self._timeout_ms: int | None = None

    def _prepare_session(self, timeout_s: float) -> None:
        """Set the session's time limit when it changes, and open the explicit read-only
        transaction in that mode (a round trip each; none in the default mode with an
        unchanged limit)."""
        timeout_ms = max(1, int(timeout_s * 1000))
        explicit = self.transaction == "explicit"
        if timeout_ms == self._timeout_ms and not explicit:
            return
        with self._conn.cursor() as cur:
            if timeout_ms != self._timeout_ms:
                if self.flavour == "mariadb":
                    cur.execute(f"SET SESSION max_statement_time = {timeout_ms / 1000:.3f}")
                else:
                    cur.execute(f"SET SESSION max_execution_time = {timeout_ms}")
                self._timeout_ms = timeout_ms
            if explicit:
                cur.execute("START TRANSACTION READ ONLY")

    def _run(self, text: str, original: str, timeout_s: float, max_rows: int):
        import pymysql

        if self._conn is None or not self._conn.open or self._read_timeout < timeout_s + _CLIENT_SLACK_S:
            self._connect(max(60.0, timeout_s + _CLIENT_SLACK_S))
        conn = self._conn
        started = time.perf_counter()
        truncated = False
        try:
            self._prepare_session(timeout_s)
            cur = self._unbuffered(conn)
            try:
                started = time.perf_counter()
                cur.execute(text)
                description = cur.description
                columns = [d[0] for d in description] if description else []
                rows = list(cur.fetchmany(max_rows + 1)) if description else []
                if time.perf_counter() - started >= timeout_s:
                    # a few functions (SLEEP, BENCHMARK) return a value instead of an
                    # error when the server interrupts them at the time limit
                    raise QueryTimeout(f"the query ran past its {timeout_s:g}s limit", engine=self.name, query=original)
                truncated = len(rows) > max_rows
            finally:
                if truncated:
                    _abandon(cur)
                    self._close()  # unread rows: drop the connection rather than read them
                else:
                    cur.close()
                    if self.transaction == "explicit" and conn.open:
                        conn.rollback()
        except pymysql.err.OperationalError as exc:
            code = exc.args[0] if exc.args else None
            if code in _LOST or not conn.open:
                self._close()
                elapsed = time.perf_counter() - started
                if elapsed >= timeout_s:
                    raise QueryTimeout(
                        f"no answer within {timeout_s:g}s (client-side limit): {exc}", engine=self.name, query=original
                    ) from exc
                raise EngineUnavailable(
                    f"MySQL at {self._where} went away after {elapsed:.2f}s ({exc}); the next query reconnects; {HINT}",
                    engine=self.name,
                ) from exc
            self._recover(conn)
            raise classify(exc, original) from exc
        except pymysql.err.MySQLError as exc:
            self._recover(conn)
            raise classify(exc, original) from exc
        except QueryTimeout:
            self._recover(conn)
            raise
        # PyMySQL's converters give plain scalars only: int, float, Decimal, str, bytes,
        # datetime, date, timedelta (str for an invalid date); other types come as str or bytes
        return columns, plain_rows(rows[:max_rows] if truncated else rows, scalar=True), truncated

    def _server_syntax_error(self, query: str) -> Exception | None:
        """MySQL's error for ``query`` from ``PREPARE`` (the server parses the text and
        runs nothing), or None."""
        import pymysql

        if self._conn is None or not self._conn.open:
            return None
        try:
            with self._conn.cursor() as cur:
                cur.execute("PREPARE momq_check FROM %s", (query.strip().rstrip(";"),))
                cur.execute("DEALLOCATE PREPARE momq_check")
        except pymysql.err.MySQLError as exc:
            return classify(exc, query)
        return None

    def _recover(self, conn) -> None:
        """After a failed query: end the explicit transaction, or drop the connection
        when it is not usable any more."""
        if conn is not self._conn:
            return
        try:
            if self.transaction == "explicit" and conn.open:
                conn.rollback()
        except pymysql_errors():
            self._close()

    def _close(self) -> None:
        conn, self._conn = getattr(self, "_conn", None), None
        if conn is not None:
            try:
                conn.close()
            except Exception:  # noqa: BLE001 - closing a broken socket may fail any way
                pass

    def close(self) -> None:
        self._close()


def _abandon(cursor) -> None:
    """Mark an unbuffered result as finished without reading the rest of it (PyMySQL
    would read every remaining row when the cursor or the result is collected)."""
    result = getattr(cursor, "_result", None)
    if result is not None and hasattr(result, "unbuffered_active"):
        result.unbuffered_active = False
    cursor._result = None


def pymysql_errors() -> tuple[type[Exception], ...]:
    import pymysql

    return (pymysql.err.MySQLError, OSError)


def _known_databases(conninfo: dict[str, Any]) -> list[str]:
    import pymysql

    info = {k: v for k, v in conninfo.items() if k != "database"}
    try:
        conn = pymysql.connect(**info, connect_timeout=5)
        with conn.cursor() as cur:
            cur.execute("SHOW DATABASES")
            names = [r[0] for r in cur.fetchall()]
        conn.close()
    except pymysql.err.MySQLError:
        return []
    return [n for n in names if n not in {"information_schema", "mysql", "performance_schema", "sys"}]


def parse_url(url: str) -> dict[str, Any]:
    """``mysql://user:pw@host:port[/db]`` as PyMySQL keywords (without the database)."""
    parts = urlparse(url)
    if parts.scheme not in {"mysql", "mariadb", "mysql+pymysql"}:
        raise EngineUnavailable(f"not a MySQL URL: {redact(url)}", engine="mysql")
    info: dict[str, Any] = {"host": parts.hostname or "127.0.0.1", "port": parts.port or 3306}
    if parts.username:
        info["user"] = unquote(parts.username)
    if parts.password:
        info["password"] = unquote(parts.password)
    return info


def server_conninfo(database: str | None, settings: dict[str, Any], *, admin: bool = False) -> tuple[dict, str]:
    """Connection keywords and a printable location: from ``settings["url"]`` or the
    embedded MariaDB (started on demand; the reader login unless ``admin``)."""
    url = settings.get("url")
    if url:
        info = parse_url(url)
        if database:
            info["database"] = database
        return info, redact(url)
    from momq.engines.servers.mariadb import MariadbServer

    return embedded_conninfo(MariadbServer(), "mysql", HINT, database, admin=admin)


def connect(database: str, settings: dict[str, Any]) -> MysqlEngine:
    """A read-only engine on ``database`` (see module docstring)."""
    info, where = server_conninfo(database, settings)
    return MysqlEngine(
        database,
        info,
        where,
        transaction=settings.get("transaction", "session"),
        resolve=lambda: server_conninfo(database, settings),
    )


#: privileges a read-only login may hold
_READ_PRIVILEGES = {"SELECT", "SHOW VIEW", "USAGE"}


def check_login(database: str | None, settings: dict[str, Any]) -> list[tuple[str, bool, str]]:
    """What the configured login can do, as ``(check, ok, detail)`` rows: a login fit
    for momq holds SELECT (and SHOW VIEW) only, and no global privilege (FILE, SUPER,
    PROCESS ...)."""
    import pymysql

    info, where = server_conninfo(database, settings)
    try:
        conn = pymysql.connect(**info, connect_timeout=10)
    except pymysql.err.MySQLError as exc:
        raise EngineUnavailable(f"MySQL at {where} is not reachable ({exc}); {HINT}", engine="mysql") from exc
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT CURRENT_USER(), VERSION()")
            user, version = cur.fetchone()
            cur.execute("SHOW GRANTS")
            grants = [re.sub(r"(IDENTIFIED BY PASSWORD )'[^']*'", r"\1***", row[0]) for row in cur.fetchall()]
    finally:
        conn.close()
    extra, global_ = set(), set()
    for grant in grants:
        match = re.match(r"GRANT (.+?) ON (\S+) TO", grant)
        if not match:
            continue
        privileges = {p.strip().upper() for p in re.sub(r"\([^)]*\)", "", match.group(1)).split(",")}
        unexpected = privileges - _READ_PRIVILEGES
        (global_ if match.group(2) == "*.*" else extra).update(unexpected)
        if match.group(2) == "*.*" and "SELECT" in privileges:
            global_.add("SELECT on every database")
    return [
        ("login", True, f"{user} on {where} ({version})"),
        ("no global privilege", not global_, ", ".join(sorted(global_))),
        ("only SELECT / SHOW VIEW on databases", not extra, ", ".join(sorted(extra))),
        ("grants", True, "; ".join(grants)[:300]),
    ]
