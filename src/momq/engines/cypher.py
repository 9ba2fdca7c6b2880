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
    limit is also enforced client-side: a watchdog thread
    (:mod:`momq.engines.cypher_timeouts`) cuts the Bolt socket of a query that runs
    past its deadline, and the engine then *restarts the embedded
    server* (the only way to stop the runaway query there; other clients reconnect on
    their next query, to the new port). The server also has a backstop command
    timeout (see the server module).

Values
    Rows hold plain Python values (``momq.values``), converted by
    :mod:`momq.engines.cypher_values` (nodes without ids, relationships by their
    endpoints' keys). When a relationship's endpoints are not themselves in the result,
    the engine fetches them by element id with a second read query.

Errors
    Driver errors become momq's error classes (:mod:`momq.engines.cypher_errors`).
    Unknown labels, types and properties are not errors in Cypher (the query returns
    nothing): Neo4j's warnings about them go to ``Result.notes``; ``SchemaError`` is not
    raised by this engine.

``ordered``
    A result is ordered when the query's outermost RETURN has an ORDER BY (the
    dialect's :func:`momq.dialects.cypher.outermost_ordered`).
"""

from __future__ import annotations

import threading
import time
from typing import Any

import neo4j
from neo4j import exceptions as neo_exc

from momq.dialects.cypher import check_read_only, outermost_ordered
from momq.dialects.cypher_lexer import tokenize
from momq.engines.base import DEFAULT_MAX_ROWS, DEFAULT_TIMEOUT_S, Engine, Result, check_limits
from momq.engines.cypher_errors import HINT, message_of, translate_error
from momq.engines.cypher_timeouts import QUIET, WATCHDOG, cut_connection
from momq.engines.cypher_values import Normaliser
from momq.errors import EngineUnavailable, QueryError, QueryTimeout, ReadOnlyViolation, UnknownDatabase
from momq.values import Node


def _notes(summary: Any) -> list[str]:
    """The server's warnings (unknown labels, properties...) as short lines."""
    notes = []
    for status in getattr(summary, "gql_status_objects", None) or []:
        if getattr(status, "is_notification", False) and str(status.severity).upper().endswith("WARNING"):
            notes.append(f"{status.gql_status}: {status.status_description}".strip())
    return notes


# --------------------------------------------------------------------------------------
# engine


class CypherEngine(Engine):
    """A read-only connection to one Cypher database (see the module docstring)."""

    name = "cypher"
    dialect = "cypher"

    def __init__(
        self,
        database: str,
        *,
        url: str | None = None,
        auth: tuple[str, str] | None = None,
        server_database: str | None = None,
        embedded: Any = None,
    ):
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
            self._driver = neo4j.GraphDatabase.driver(
                self._url, auth=self._auth, connection_timeout=10, max_connection_pool_size=8
            )
            self._driver.verify_connectivity()
        except Exception as exc:  # noqa: BLE001 - classified below
            self._driver = None
            err = translate_error(exc, "")
            if isinstance(err, EngineUnavailable):
                raise EngineUnavailable(
                    f"cannot reach the Cypher server at {self._url}: {message_of(exc)}; {HINT}", engine="cypher"
                ) from exc
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
                with self.driver.session(
                    database=self.server_database, default_access_mode=neo4j.READ_ACCESS
                ) as session:
                    summary = session.run("EXPLAIN RETURN 1").consume()
                self._explain_guard = summary.query_type == "r"
            except neo_exc.Neo4jError:
                self._explain_guard = False
        return self._explain_guard

    # queries -------------------------------------------------------------------------
    def execute(self, query: str, timeout_s: float = DEFAULT_TIMEOUT_S, max_rows: int = DEFAULT_MAX_ROWS) -> Result:
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
        session = self.driver.session(
            database=self.server_database, default_access_mode=neo4j.READ_ACCESS, fetch_size=min(max_rows + 1, 1000)
        )
        caller = threading.get_ident()

        def on_timeout() -> None:
            timed_out.append(True)
            QUIET.threads.add(caller)
            cut_connection(session)

        limited = bool(timeout_s and timeout_s > 0)
        token = WATCHDOG.arm(timeout_s, on_timeout) if limited else None
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
                        raise ReadOnlyViolation(
                            f"refused: EXPLAIN reports query type {kind!r}, not read-only",
                            engine=self.name,
                            query=query,
                        )
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
                raise QueryTimeout(
                    f"query ran longer than {timeout_s:g}s and was cancelled"
                    + ("; the embedded ArcadeDB server was restarted" if self.embedded else ""),
                    engine=self.name,
                    query=query,
                ) from exc
            err = translate_error(exc, query, self.name)
            if isinstance(err, EngineUnavailable):
                self._close_driver()
            raise err from exc
        finally:
            if token is not None:
                WATCHDOG.disarm(token)
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
                QUIET.threads.discard(caller)
        return Result(
            columns=columns,
            rows=rows,
            truncated=truncated,
            elapsed_s=time.perf_counter() - started,
            ordered=outermost_ordered(query),
            engine=f"{self.name}:{self.backend}",
            notes=notes,
        )

    def _after_timeout(self) -> None:
        """After a client-side timeout: the server may still run the query. The embedded
        ArcadeDB is restarted (it cannot cancel queries); a real server was told the
        transaction timeout and ends it itself, so only the connection is renewed."""
        self._close_driver()
        if self.embedded:
            self._embedded.restart()
        self._connect()

    def _normalise(self, raw: list[list[Any]]) -> list[tuple[Any, ...]]:
        normaliser = Normaliser()
        rows = [normaliser.row(row) for row in raw]
        if not normaliser.missing:
            return rows
        # relationships whose endpoint nodes were not returned: fetch the nodes, redo
        fetched: dict[str, Node] = {}
        first = Normaliser()
        with self.driver.session(database=self.server_database, default_access_mode=neo4j.READ_ACCESS) as session:
            records = session.run(
                "MATCH (n) WHERE elementId(n) IN $ids RETURN elementId(n) AS id, n", ids=sorted(normaliser.missing)
            )
            for record in records:
                fetched[record["id"]] = first.node(record["n"])
        normaliser = Normaliser(fetched)
        return [normaliser.row(row) for row in raw]

    # validation ------------------------------------------------------------------------
    def explain(self, query: str) -> None:
        """Raise ``QuerySyntaxError`` when the server cannot compile ``query`` (EXPLAIN:
        nothing runs). Other failures are raised as their own classes."""
        body = query.strip().rstrip(";")
        tokens = tokenize(body)
        if tokens and tokens[0].upper in ("EXPLAIN", "PROFILE"):
            body = body[tokens[1].pos :] if len(tokens) > 1 else ""
        try:
            with self.driver.session(database=self.server_database, default_access_mode=neo4j.READ_ACCESS) as session:
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
        raise UnknownDatabase(
            database, server.databases(), hint=f"a demo graph is loaded with `momq db build {database}`"
        )
    return CypherEngine(database, embedded=server)
