"""The Cypher engine: read-only queries over Bolt with the official ``neo4j`` driver.

Where it runs
    ``settings`` (``momq.settings.engine_settings("cypher")``) may name a real server
    (``url`` such as ``bolt://host:7687`` or ``neo4j://...``, ``user``, ``password``, and
    optionally ``database``: a fixed database name, or a template such as
    ``"{database}"``). Without a ``url`` momq uses its embedded ArcadeDB server
    (``momq.engines.servers.arcadedb``), started on demand, one ArcadeDB database per
    demo graph.

Read-only sandbox, in layers (any one of them refuses a write):

1. a check on the query's *tokens* (strings, comments and backticked names stripped):
   updating clauses (CREATE, MERGE, SET, DELETE, DETACH DELETE, REMOVE, FOREACH, INSERT,
   LOAD CSV, DROP, admin commands, ``USE``) and ``CALL`` of any procedure outside a
   small read-only allow-list are refused before the query reaches the server
   (``momq.dialects.cypher.check_read_only``: the dialect's own check, one write list,
   on the tokens of ``momq.dialects.cypher_lexer``, which ends ``//`` comments where
   the engines do). Keywords are found wherever they are: lower case, after comments,
   inside ``CALL {}`` subqueries or FOREACH, after WITH;
2. on servers that report query types in EXPLAIN (Neo4j: ``r``/``rw``/``w``/``s``) only
   queries of type ``r`` run; ArcadeDB reports ``w`` for every query, so there this
   layer is off and layer 1 decides;
3. on a configured server every query runs in an explicit transaction with READ access
   mode that is always rolled back, never committed;
4. on the embedded server momq logs in as ``momq_reader``, whose ArcadeDB group may only
   read records: ArcadeDB refuses creates, deletes and schema changes when the
   statement runs and property updates when it commits. There queries run in
   auto-commit transactions (READ mode, which ArcadeDB ignores): BEGIN/ROLLBACK would
   cost a round trip per query (about +25% on the movies golds), and the account
   already makes every commit of a write fail.

Timeouts
    Neo4j receives the limit as the transaction timeout. ArcadeDB ignores it, so the
    limit is also enforced client-side: a watchdog thread cuts the Bolt socket of a
    query that runs past its deadline, and the engine then *restarts the embedded
    server* (the only way to stop the runaway query there; other clients reconnect on
    their next query, to the new port). The server also has a backstop command
    timeout (see the server module).

Values
    Rows hold plain Python values (``momq.values``). Nodes become
    ``Node(labels, properties)`` without an id (ArcadeDB record ids and Neo4j element ids
    depend on load order). A relationship's ``start``/``end`` are the *keys* of its
    endpoint nodes (``Node.key()``: labels and properties), so the same graph loaded
    twice, or into two engines, gives equal values. When a relationship's endpoints are
    not themselves in the result, the engine fetches them by element id with a second
    read query. Temporal values become ``datetime`` objects; a duration becomes a
    ``timedelta`` when it has no months, else its ISO-8601 text; a point becomes a dict.

Errors
    Driver errors become ``QuerySyntaxError`` (with a 0-based ``position`` when the
    server gives one), ``ExecutionError``, ``QueryTimeout``, ``ReadOnlyViolation`` or
    ``EngineUnavailable`` (with the hint ``momq engines up``). Unknown labels, types and
    properties are not errors in Cypher (the query returns nothing): Neo4j's warnings
    about them go to ``Result.notes``; ``SchemaError`` is not raised by this engine.
"""

from __future__ import annotations

import datetime as _dt
import itertools
import logging
import re
import socket
import threading
import time
from typing import Any, Callable

import neo4j
from neo4j import exceptions as neo_exc

from momq.dialects.cypher import check_read_only
from momq.dialects.cypher_lexer import tokenize
from momq.engines.base import DEFAULT_MAX_ROWS, DEFAULT_TIMEOUT_S, Engine, Result, check_limits
from momq.errors import (
    ConfigError,
    EngineUnavailable,
    ExecutionError,
    QueryError,
    QuerySyntaxError,
    QueryTimeout,
    ReadOnlyViolation,
    UnknownDatabase,
)
from momq.values import Node, Path, Relationship

HINT = "start the embedded engines with `momq engines up`"

_MAYBE_ORDER = re.compile(r"\bORDER\b", re.IGNORECASE)

# --------------------------------------------------------------------------------------
# ORDER BY at the outermost RETURN


_OPAQUE = re.compile(r"""'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|`(?:[^`]|``)*`|//[^\r\n\u0085\u2028\u2029]*|/\*.*?\*/""",
                     re.DOTALL)
_GROUP = re.compile(r"\([^()\[\]{}]*\)|\[[^()\[\]{}]*\]|\{[^()\[\]{}]*\}")
_LAST_RETURN = re.compile(r"(?is).*\bRETURN\b(.*)")
_ORDER_BY = re.compile(r"\bORDER\s+BY\b", re.IGNORECASE)
_UNION = re.compile(r"\bUNION\b", re.IGNORECASE)


def outermost_ordered(query: str) -> bool:
    """True when the last top-level RETURN of ``query`` has an ORDER BY (and the query is
    no UNION, whose last ORDER BY sorts one branch only).

    Runs on every result, so the common case avoids the tokenizer: strings, comments
    and backticked names are blanked out and bracketed groups removed with regular
    expressions, then the text after the last RETURN is searched for ORDER BY. Queries
    with a UNION or unbalanced quotes take the token path (:func:`_ordered_by_tokens`)."""
    if not _MAYBE_ORDER.search(query):
        return False
    text = _OPAQUE.sub(" _ ", query)
    if "'" in text or '"' in text or "`" in text or "/*" in text or _UNION.search(text):
        return _ordered_by_tokens(query)
    previous = None
    while previous != text:
        previous, text = text, _GROUP.sub(" _ ", text)
    match = _LAST_RETURN.match(text)
    return bool(match and _ORDER_BY.search(match.group(1)))


def _ordered_by_tokens(query: str) -> bool:
    """:func:`outermost_ordered` on the query's tokens (the reference implementation)."""
    tokens = tokenize(query)
    depth = 0
    last_return = -1
    ordered = False
    for i, tok in enumerate(tokens):
        if tok.kind == "punct":
            if tok.text in "([{":
                depth += 1
            elif tok.text in ")]}":
                depth -= 1
            continue
        if depth != 0 or tok.kind != "word":
            continue
        prev = tokens[i - 1].text if i else ""
        if prev in (".", ":", "$"):
            continue
        if tok.upper == "UNION":
            return False
        if tok.upper == "RETURN":
            last_return, ordered = i, False
        elif tok.upper in ("WITH", "MATCH", "UNWIND", "CALL"):
            if last_return >= 0:
                ordered = False
        elif tok.upper == "ORDER" and last_return >= 0 and i + 1 < len(tokens) and tokens[i + 1].upper == "BY":
            ordered = True
    return last_return >= 0 and ordered


# --------------------------------------------------------------------------------------
# values


#: values the driver already returns as momq values (exact types: bool is listed apart)
_SCALARS = frozenset({type(None), bool, int, float, str, bytes})


class _Normaliser:
    """Turns driver values into momq values; relationships whose endpoint nodes were not
    in the result are collected in ``missing`` (element ids) and resolved by the engine."""

    def __init__(self, fetched: dict[str, Node] | None = None):
        self.fetched = fetched or {}
        self.missing: set[str] = set()

    def properties(self, element: Any) -> dict[str, Any]:
        props = dict(element.items())
        for key, value in props.items():
            if type(value) not in _SCALARS:
                props[key] = self.value(value)
        return props

    def node(self, node: neo4j.graph.Node) -> Node:
        return Node(tuple(sorted(node.labels)), self.properties(node))

    def row(self, values: list[Any]) -> tuple[Any, ...]:
        for value in values:
            if type(value) not in _SCALARS:
                return tuple([self.value(v) for v in values])
        return tuple(values)  # the common case: nothing to convert

    def endpoint_key(self, node: neo4j.graph.Node | None) -> Any:
        if node is None:
            return None
        if not node.labels and len(node) == 0:  # a stub: the driver saw only its id
            found = self.fetched.get(node.element_id)
            if found is not None:
                return found.key()
            self.missing.add(node.element_id)
        return self.node(node).key()

    def relationship(self, rel: neo4j.graph.Relationship) -> Relationship:
        return Relationship(rel.type, self.endpoint_key(rel.start_node), self.endpoint_key(rel.end_node),
                            self.properties(rel))

    def value(self, value: Any) -> Any:
        if type(value) in _SCALARS:
            return value
        if isinstance(value, list):
            return [self.value(v) for v in value]
        if isinstance(value, dict):
            return {k: self.value(v) for k, v in value.items()}
        if isinstance(value, neo4j.graph.Node):
            return self.node(value)
        if isinstance(value, neo4j.graph.Relationship):
            return self.relationship(value)
        if isinstance(value, neo4j.graph.Path):
            return Path(tuple(self.node(n) for n in value.nodes),
                        tuple(self.relationship(r) for r in value.relationships))
        if isinstance(value, neo4j.time.Duration):
            if value.months == 0:
                return _dt.timedelta(days=value.days, seconds=value.seconds,
                                     microseconds=value.nanoseconds // 1000)
            return value.iso_format()
        if isinstance(value, (neo4j.time.Date, neo4j.time.DateTime, neo4j.time.Time)):
            return value.to_native()
        if isinstance(value, neo4j.spatial.Point):
            keys = ("x", "y", "z")[: len(value)]
            return {"srid": value.srid, **dict(zip(keys, value))}
        return value


# --------------------------------------------------------------------------------------
# errors

_ARCADE_POS = re.compile(r"line (\d+):(\d+)")
_NEO4J_POS = re.compile(r"\(offset: (\d+)\)")
_NEO4J_LINE_COL = re.compile(r"line (\d+), column (\d+)")


def _position(query: str, message: str) -> int | None:
    """The 0-based offset of a syntax error in ``query``, from either server's message."""
    match = _NEO4J_POS.search(message)
    if match:
        return int(match.group(1))
    match = _NEO4J_LINE_COL.search(message)
    base_col = 1
    if not match:
        match = _ARCADE_POS.search(message)  # ANTLR: line is 1-based, column 0-based
        base_col = 0
    if not match:
        return None
    line, col = int(match.group(1)), int(match.group(2)) - base_col
    lines = query.split("\n")
    if line < 1 or line > len(lines):
        return None
    return min(sum(len(l) + 1 for l in lines[: line - 1]) + max(col, 0), len(query))


def _message(exc: Exception) -> str:
    return getattr(exc, "message", None) or str(exc)


_RUNTIME_SEMANTIC = re.compile(r"exceed|maximum|too (many|large)|out of range", re.I)
_SYNTAXISH = re.compile(r"unknown (procedure|function)|not defined|undefined|syntax|"
                        r"invalid input|mismatched input|no viable alternative|extraneous input",
                        re.I)


def translate_error(exc: Exception, query: str, engine: str = "cypher") -> Exception:
    """The momq error for a driver exception raised by ``query``."""
    code = getattr(exc, "code", None) or ""
    message = _message(exc)
    kw = {"engine": engine, "query": query}
    if isinstance(exc, (neo_exc.ServiceUnavailable, neo_exc.SessionExpired, OSError)):
        return EngineUnavailable(f"Cypher server unreachable: {message}; {HINT}", engine=engine)
    if isinstance(exc, neo_exc.AuthError) or code.startswith("Neo.ClientError.Security.Unauthorized"):
        return EngineUnavailable(f"Cypher server refused the credentials: {message} "
                                 "(check MOMQ_CYPHER_USER/MOMQ_CYPHER_PASSWORD)", engine=engine)
    if code in ("Neo.ClientError.Security.Forbidden", "Neo.ClientError.Statement.AccessMode") \
            or "read access mode" in message.lower():
        return ReadOnlyViolation(f"refused by the server (read-only): {message}", **kw)
    if "TransactionTimedOut" in code or "Timeout" in code.split(".")[-1] or "timed out" in message.lower():
        return QueryTimeout(f"query timed out on the server: {message}", **kw)
    if code == "Neo.ClientError.Database.DatabaseNotFound" or "database not found" in message.lower():
        return ConfigError(f"Cypher database not found: {message}")
    if code.endswith("SyntaxError") or isinstance(exc, neo_exc.CypherSyntaxError):
        return QuerySyntaxError(message, position=_position(query, message), **kw)
    if code.endswith("SemanticError"):
        if _RUNTIME_SEMANTIC.search(message):
            return ExecutionError(message, **kw)
        return QuerySyntaxError(message, position=_position(query, message), **kw)
    if _SYNTAXISH.search(message) and not code.endswith(("ArithmeticError", "TypeError")):
        return QuerySyntaxError(message, position=_position(query, message), **kw)
    return ExecutionError(message or type(exc).__name__, **kw)


def _notes(summary: Any) -> list[str]:
    """The server's warnings (unknown labels, properties...) as short lines."""
    notes = []
    for status in getattr(summary, "gql_status_objects", None) or []:
        if getattr(status, "is_notification", False) and str(status.severity).upper().endswith("WARNING"):
            notes.append(f"{status.gql_status}: {status.status_description}".strip())
    return notes


# --------------------------------------------------------------------------------------
# client-side timeouts


class _Watchdog:
    """One daemon thread per process that fires callbacks of armed deadlines. Arming and
    disarming are single dictionary operations (atomic under the GIL), so a query that
    finishes in time pays almost nothing; the thread polls every 50 ms."""

    POLL_S = 0.05

    def __init__(self) -> None:
        self._armed: dict[int, tuple[float, Callable[[], None]]] = {}
        self._tokens = itertools.count(1)
        self._start_lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def arm(self, timeout_s: float, callback: Callable[[], None]) -> int:
        token = next(self._tokens)
        self._armed[token] = (time.monotonic() + timeout_s, callback)
        if self._thread is None:
            with self._start_lock:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name="momq-cypher-watchdog",
                                                    daemon=True)
                    self._thread.start()
        return token

    def disarm(self, token: int) -> None:
        self._armed.pop(token, None)

    def _run(self) -> None:
        while True:
            time.sleep(self.POLL_S)
            now = time.monotonic()
            for token, (deadline, callback) in list(self._armed.items()):
                if now >= deadline and self._armed.pop(token, None) is not None:
                    try:
                        callback()
                    except Exception:  # noqa: BLE001 - a failing callback must not stop the thread
                        pass


_WATCHDOG = _Watchdog()


class _QuietCut(logging.Filter):
    """Drops the driver's error log lines about a connection momq cut on purpose (a
    timeout) in the threads listed in ``threads``."""

    def __init__(self) -> None:
        super().__init__()
        self.threads: set[int] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        return threading.get_ident() not in self.threads


_QUIET = _QuietCut()
for _name in ("neo4j", "neo4j.io", "neo4j.pool", "neo4j.session"):
    logging.getLogger(_name).addFilter(_QUIET)


def _cut_connection(session: neo4j.Session) -> None:
    """Shut the raw socket of ``session``'s connection down, so a thread blocked reading
    from it gets an error at once. Uses driver internals; does nothing if they moved."""
    connection = getattr(session, "_connection", None)
    bolt_socket = getattr(connection, "socket", None)
    raw = getattr(bolt_socket, "_socket", None)
    if isinstance(raw, socket.socket):
        try:
            raw.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


# --------------------------------------------------------------------------------------
# engine


class CypherEngine(Engine):
    """A read-only connection to one Cypher database (see the module docstring)."""

    name = "cypher"
    dialect = "cypher"

    def __init__(self, database: str, *, url: str | None = None, auth: tuple[str, str] | None = None,
                 server_database: str | None = None, embedded: Any = None):
        self.database = database
        self.server_database = server_database or database
        self._url = url
        self._auth = auth
        self._embedded = embedded  # ArcadedbServer or None
        self._driver: neo4j.Driver | None = None
        self._explain_guard: bool | None = None
        self._connect()

    # connection ------------------------------------------------------------------------
    @property
    def embedded(self) -> bool:
        return self._embedded is not None

    @property
    def backend(self) -> str:
        return "arcadedb" if self.embedded else "bolt"

    def _connect(self) -> None:
        if self.embedded:
            self._url = self._embedded.bolt_url()
            self._auth = self._embedded.credentials()
        try:
            self._driver = neo4j.GraphDatabase.driver(self._url, auth=self._auth,
                                                      connection_timeout=10, max_connection_pool_size=8)
            self._driver.verify_connectivity()
        except Exception as exc:  # noqa: BLE001 - classified below
            self._driver = None
            err = translate_error(exc, "")
            if isinstance(err, EngineUnavailable):
                raise EngineUnavailable(f"cannot reach the Cypher server at {self._url}: {_message(exc)}; "
                                        f"{HINT}", engine="cypher") from exc
            raise err from exc

    def _reconnect(self, restart: bool = False) -> None:
        """Drop the driver and connect again; for the embedded server, start it (again)."""
        self._close_driver()
        if self.embedded:
            if restart:
                self._embedded.restart()
            else:
                self._embedded.start()
        self._connect()

    def _close_driver(self) -> None:
        if self._driver is not None:
            try:
                self._driver.close()
            except Exception:  # noqa: BLE001 - best effort on a broken connection
                pass
            self._driver = None

    def close(self) -> None:
        self._close_driver()

    @property
    def driver(self) -> neo4j.Driver:
        if self._driver is None:
            self._reconnect()
        assert self._driver is not None
        return self._driver

    def _uses_explain_guard(self) -> bool:
        """Whether the server reports meaningful query types in EXPLAIN (Neo4j does;
        ArcadeDB says ``w`` for everything)."""
        if self._explain_guard is None:
            try:
                with self.driver.session(database=self.server_database,
                                         default_access_mode=neo4j.READ_ACCESS) as session:
                    summary = session.run("EXPLAIN RETURN 1").consume()
                self._explain_guard = summary.query_type == "r"
            except neo_exc.Neo4jError:
                self._explain_guard = False
        return self._explain_guard

    # queries -------------------------------------------------------------------------
    def execute(self, query: str, timeout_s: float = DEFAULT_TIMEOUT_S,
                max_rows: int = DEFAULT_MAX_ROWS) -> Result:
        timeout_s, max_rows = check_limits(timeout_s, max_rows)
        check_read_only(query)
        try:
            return self._execute(query, timeout_s, max_rows)
        except EngineUnavailable:
            if not self.embedded:
                raise
        # the embedded server went away or moved (another process restarted it): once more
        self._reconnect()
        return self._execute(query, timeout_s, max_rows)

    def _execute(self, query: str, timeout_s: float, max_rows: int) -> Result:
        started = time.perf_counter()
        timed_out: list[bool] = []  # set by the watchdog (a list: cheaper than an Event)
        session = self.driver.session(database=self.server_database,
                                      default_access_mode=neo4j.READ_ACCESS,
                                      fetch_size=min(max_rows + 1, 1000))
        caller = threading.get_ident()

        def on_timeout() -> None:
            timed_out.append(True)
            _QUIET.threads.add(caller)
            _cut_connection(session)

        limited = bool(timeout_s and timeout_s > 0)
        token = _WATCHDOG.arm(timeout_s, on_timeout) if limited else None
        tx = None
        try:
            if self.embedded:
                # auto-commit: momq_reader's commit of any write is refused by ArcadeDB;
                # one round trip fewer than BEGIN ... ROLLBACK (see the module docstring)
                runner: Any = session
            else:
                runner = tx = session.begin_transaction(timeout=timeout_s if limited else None)
                if self._uses_explain_guard():
                    kind = tx.run("EXPLAIN " + query).consume().query_type
                    if kind != "r":
                        raise ReadOnlyViolation(f"refused: EXPLAIN reports query type {kind!r}, "
                                                "not read-only", engine=self.name, query=query)
            result = runner.run(query)
            columns = list(result.keys())
            raw: list[list[Any]] = []
            truncated = False
            for record in result:
                if len(raw) >= max_rows:
                    truncated = True
                    break
                raw.append(record.values())
            # ArcadeDB sends no warnings; reading a Neo4j summary costs a few microseconds
            notes = [] if truncated or self.embedded else _notes(result.consume())
            rows = self._normalise(raw)
        except QueryError:
            raise
        except Exception as exc:  # noqa: BLE001 - classified below
            if timed_out:
                self._after_timeout()
                raise QueryTimeout(f"query ran longer than {timeout_s:g}s and was cancelled"
                                   + ("; the embedded ArcadeDB server was restarted" if self.embedded else ""),
                                   engine=self.name, query=query) from exc
            err = translate_error(exc, query, self.name)
            if isinstance(err, EngineUnavailable):
                self._close_driver()
            raise err from exc
        finally:
            if token is not None:
                _WATCHDOG.disarm(token)
            if tx is not None:
                try:
                    tx.rollback()  # never commit: read-only by construction
                except Exception:  # noqa: BLE001 - the connection may be cut already
                    pass
            try:
                session.close()
            except Exception:  # noqa: BLE001
                pass
            if timed_out:
                _QUIET.threads.discard(caller)
        return Result(columns=columns, rows=rows, truncated=truncated,
                      elapsed_s=time.perf_counter() - started, ordered=outermost_ordered(query),
                      engine=f"{self.name}:{self.backend}", notes=notes)

    def _after_timeout(self) -> None:
        """After a client-side timeout: the server may still run the query. The embedded
        ArcadeDB is restarted (it cannot cancel queries); a real server was told the
        transaction timeout and ends it itself, so only the connection is renewed."""
        self._close_driver()
        if self.embedded:
            self._embedded.restart()
        self._connect()

    def _normalise(self, raw: list[list[Any]]) -> list[tuple[Any, ...]]:
        normaliser = _Normaliser()
        rows = [normaliser.row(row) for row in raw]
        if not normaliser.missing:
            return rows
        # relationships whose endpoint nodes were not returned: fetch the nodes, redo
        fetched: dict[str, Node] = {}
        first = _Normaliser()
        with self.driver.session(database=self.server_database,
                                 default_access_mode=neo4j.READ_ACCESS) as session:
            records = session.run("MATCH (n) WHERE elementId(n) IN $ids RETURN elementId(n) AS id, n",
                                  ids=sorted(normaliser.missing))
            for record in records:
                fetched[record["id"]] = first.node(record["n"])
        normaliser = _Normaliser(fetched)
        return [normaliser.row(row) for row in raw]

    # validation ------------------------------------------------------------------------
    def explain(self, query: str) -> None:
        """Raise ``QuerySyntaxError`` when the server cannot compile ``query`` (EXPLAIN:
        nothing runs). Other failures are raised as their own classes."""
        body = query.strip().rstrip(";")
        tokens = tokenize(body)
        if tokens and tokens[0].upper in ("EXPLAIN", "PROFILE"):
            body = body[tokens[1].pos:] if len(tokens) > 1 else ""
        try:
            with self.driver.session(database=self.server_database,
                                     default_access_mode=neo4j.READ_ACCESS) as session:
                tx = session.begin_transaction()
                try:
                    tx.run("EXPLAIN " + body).consume()
                finally:
                    tx.rollback()
        except Exception as exc:  # noqa: BLE001 - classified below
            # Neo4j counts positions in the whole statement, ArcadeDB in the part after EXPLAIN
            prefix = "" if self.embedded else "EXPLAIN "
            err = translate_error(exc, prefix + body, self.name)
            if isinstance(err, QueryError):
                err.query = body
                if err.position is not None:
                    err.position = max(0, err.position - len(prefix))
            if isinstance(err, EngineUnavailable):
                self._close_driver()
            raise err from exc


# --------------------------------------------------------------------------------------
# module API


def explain(engine: CypherEngine, query: str) -> None:
    """Validate ``query`` on ``engine`` without running it; raise ``QuerySyntaxError``
    when it does not compile."""
    engine.explain(query)


def embedded_server():
    """The embedded ArcadeDB server object (not started)."""
    from momq.engines.servers.arcadedb import ArcadedbServer

    return ArcadedbServer()


def connect(database: str, settings: dict[str, Any] | None = None) -> CypherEngine:
    """A read-only engine on ``database``: the server in ``settings`` (``url``, ``user``,
    ``password``, ``database``), or the embedded ArcadeDB, started if needed."""
    settings = settings or {}
    if settings.get("url"):
        user = settings.get("user") or "neo4j"
        auth = (user, settings.get("password") or "")
        target = str(settings.get("database") or database).replace("{database}", database)
        return CypherEngine(database, url=settings["url"], auth=auth, server_database=target)
    server = embedded_server()
    server.start_for("cypher", HINT)
    if database not in server.databases():
        from momq.databases import CYPHER_GRAPHS

        if database in CYPHER_GRAPHS:
            raise ConfigError(f"the Cypher graph {database!r} is not built yet: run `momq db build {database}`")
        raise UnknownDatabase(database, sorted(set(server.databases()) | set(CYPHER_GRAPHS)))
    return CypherEngine(database, embedded=server)
