"""Errors of the Cypher engine: the ``neo4j`` driver's exceptions (from Neo4j or
ArcadeDB) as momq's error classes.

``QuerySyntaxError`` (with a 0-based ``position`` when the server gives one, in either
server's format), ``ExecutionError``, ``QueryTimeout``, ``ReadOnlyViolation``,
``ConfigError`` (unknown database) or ``EngineUnavailable`` (with the hint ``momq engines
up``). Unknown labels, types and properties are not errors in Cypher.
"""

from __future__ import annotations

import re

from neo4j import exceptions as neo_exc

from momq.errors import (
    ConfigError,
    EngineUnavailable,
    ExecutionError,
    QuerySyntaxError,
    QueryTimeout,
    ReadOnlyViolation,
)

HINT = "start the embedded engines with `momq engines up`"

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


def message_of(exc: Exception) -> str:
    return getattr(exc, "message", None) or str(exc)


_RUNTIME_SEMANTIC = re.compile(r"exceed|maximum|too (many|large)|out of range", re.I)
_SYNTAXISH = re.compile(
    r"unknown (procedure|function)|not defined|undefined|syntax|"
    r"invalid input|mismatched input|no viable alternative|extraneous input",
    re.I,
)


def translate_error(exc: Exception, query: str, engine: str = "cypher") -> Exception:
    """The momq error for a driver exception raised by ``query``."""
    code = getattr(exc, "code", None) or ""
    message = message_of(exc)
    kw = {"engine": engine, "query": query}
    if isinstance(exc, (neo_exc.ServiceUnavailable, neo_exc.SessionExpired, OSError)):
        return EngineUnavailable(f"Cypher server unreachable: {message}; {HINT}", engine=engine)
    if isinstance(exc, neo_exc.AuthError) or code.startswith("Neo.ClientError.Security.Unauthorized"):
        return EngineUnavailable(
            f"Cypher server refused the credentials: {message} (check MOMQ_CYPHER_USER/MOMQ_CYPHER_PASSWORD)",
            engine=engine,
        )
    if (
        code in ("Neo.ClientError.Security.Forbidden", "Neo.ClientError.Statement.AccessMode")
        or "read access mode" in message.lower()
    ):
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
