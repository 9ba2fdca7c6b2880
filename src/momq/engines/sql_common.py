"""What the PostgreSQL and MySQL engines share: vetting a query before it is sent,
turning driver values into plain Python values, and the ``execute`` skeleton.

Vetting (``vet_query``) is the first of three read-only layers; the engines add a
read-only transaction with a statement time limit, and the embedded servers run
queries as a login that only holds SELECT grants. Vetting works on sqlglot's tokens
rather than on a full parse: the tokenizer understands comments, quoting and string
literals of each dialect (so ``'a; DROP'`` is a string, ``/* DROP */`` a comment), it
never rejects SQL that sqlglot's parser does not know, and it costs a fraction of a
parse (about 0.1 ms for a sql-eval gold), which matters for the overhead budget.

Policy, in order:

1. A query is one statement. Trailing semicolons are dropped; a second statement is
   refused (``ReadOnlyViolation`` when any statement writes, ``ExecutionError``
   otherwise) and nothing is sent. The drivers enforce the same at the protocol level
   (PostgreSQL: extended protocol; PyMySQL: no multi-statement flag).
2. The statement must start with SELECT, WITH, VALUES, TABLE or ``(``.
3. No token anywhere may be a write or session keyword: INSERT, UPDATE, DELETE, MERGE,
   INTO (``SELECT ... INTO``, ``INTO OUTFILE``), CREATE, DROP, ALTER, TRUNCATE,
   GRANT, REVOKE, SET, COPY, LOCK, CALL, COMMIT, ROLLBACK and the like. This also
   catches ``WITH d AS (DELETE ...) SELECT`` and ``SELECT ... FOR UPDATE``. Functions
   whose effects escape a read-only transaction when the login is privileged
   (``lo_import``/``lo_export``, ``pg_read_file``, ``set_config``,
   ``pg_terminate_backend``, MySQL's ``LOAD_FILE``, ``GET_LOCK`` ...) are refused too;
   those that only write inside the transaction (``nextval``) are left to the engine.
4. MySQL only: executable comments (``/*! ... */``, ``/*M! ... */``) and ``--``
   not followed by a space are refused, because the server runs or reads what the
   tokenizer takes for a comment.

``ordered`` is true when an ORDER BY sits at parenthesis depth 0 of the statement, the
outermost level (ORDER BY inside a subquery, a CTE, a window or an aggregate does not
fix the order of the result).
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
import time
import uuid
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Sequence

# imported at module level, not lazily: the evaluation runner vets queries from several
# threads, and concurrent first imports of sqlglot's dialect modules race
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import TokenError

from momq.engines.base import DEFAULT_MAX_ROWS, DEFAULT_TIMEOUT_S, Engine, Result
from momq.errors import ExecutionError, QuerySyntaxError, ReadOnlyViolation

_ALLOWED_FIRST = {"SELECT", "WITH", "VALUES", "TABLE", "L_PAREN"}

#: token types that never appear in a read-only query. Statement-level commands (SHOW,
#: LOCK, CALL, SET, EXPLAIN ...) are refused by the first-token rule; what is listed here
#: is what can hide *inside* a SELECT or WITH: data-modifying CTEs, SELECT ... INTO,
#: INTO OUTFILE, FOR UPDATE, and sqlglot's catch-all COMMAND.
_FORBIDDEN = {
    "INSERT", "UPDATE", "DELETE", "MERGE", "INTO", "CREATE", "DROP", "ALTER", "TRUNCATE", "GRANT",
    "REVOKE", "SET", "COPY", "LOCK", "CALL", "COMMIT", "ROLLBACK", "COMMAND",
}
#: functions with effects outside the transaction (files, large objects, other
#: sessions, settings) that a read-only transaction does not stop for a privileged login
_FORBIDDEN_FUNCTIONS = {
    "postgres": {"lo_import", "lo_export", "lo_unlink", "lo_create", "lo_creat", "lo_put", "lo_from_bytea",
                 "lo_truncate", "pg_read_file", "pg_read_binary_file", "pg_ls_dir", "pg_stat_file",
                 "pg_file_write", "pg_terminate_backend", "pg_cancel_backend", "pg_reload_conf",
                 "pg_rotate_logfile", "pg_promote", "pg_switch_wal", "set_config", "dblink", "dblink_exec",
                 "pg_advisory_lock", "pg_advisory_xact_lock", "pg_notify"},
    "mysql": {"load_file", "get_lock", "release_lock", "release_all_locks", "sys_exec", "sys_eval"},
}
#: engine dialect -> sqlglot dialect
_SQLGLOT_DIALECT = {"postgres": "postgres", "mysql": "mysql"}


@dataclass(frozen=True)
class VettedQuery:
    """A query that passed vetting: ``text`` is what is sent (one statement, no
    trailing semicolon); ``ordered`` says whether the outermost level has ORDER BY."""

    text: str
    ordered: bool


def _tokens(query: str, dialect: str, engine: str):
    try:
        return Dialect.get_or_raise(_SQLGLOT_DIALECT[dialect]).tokenize(query)
    except TokenError as exc:
        raise QuerySyntaxError(f"cannot tokenize the query: {exc}", engine=engine, query=query) from exc


def _split(tokens) -> list[list]:
    statements, current = [], []
    for token in tokens:
        if token.token_type.name == "SEMICOLON":
            if current:
                statements.append(current)
            current = []
        else:
            current.append(token)
    if current:
        statements.append(current)
    return statements


def _forbidden(statement, dialect: str) -> str | None:
    """The first write or session keyword (or effectful function) of a statement, or None."""
    first = statement[0].token_type.name
    if first not in _ALLOWED_FIRST:
        return statement[0].text
    functions = _FORBIDDEN_FUNCTIONS.get(dialect, set())
    for index, token in enumerate(statement):
        kind = token.token_type.name
        if kind in _FORBIDDEN:
            return token.text
        if (token.text.lower() in functions and index + 1 < len(statement)
                and statement[index + 1].token_type.name == "L_PAREN"):
            return token.text
    return None


_MYSQL_HIDDEN = re.compile(r"/\*M?!|--(?![ \t\r\n]|$)")


def _mysql_hidden_code(query: str, tokens) -> bool:
    """True when the text between tokens (comments, whitespace) holds something MySQL
    executes or parses although sqlglot's tokenizer skipped it as a comment."""
    position = 0
    for token in tokens:
        if _MYSQL_HIDDEN.search(query, position, token.start):
            return True
        position = token.end + 1
    return bool(_MYSQL_HIDDEN.search(query, position))


@lru_cache(maxsize=4096)
def vet_query(query: str, dialect: str, engine: str = "") -> VettedQuery:
    """Check that ``query`` is one read-only statement (see module docstring) and
    return what to send. Raises ReadOnlyViolation, ExecutionError or QuerySyntaxError.
    Cached: a gold or a repeated candidate is vetted once."""
    engine = engine or dialect
    tokens = _tokens(query, dialect, engine)
    statements = _split(tokens)
    if not statements:
        raise QuerySyntaxError("empty query", engine=engine, query=query)
    if dialect == "mysql" and _mysql_hidden_code(query, tokens):
        raise ReadOnlyViolation("MySQL executable comments (/*! */) and '--' without a following space "
                                "are refused", engine=engine, query=query)
    first = statements[0][0]
    if first.token_type.name in {"VAR", "IDENTIFIER", "NUMBER", "STRING"}:
        raise QuerySyntaxError(f"{first.text!r} does not start a statement", engine=engine, query=query,
                               position=first.start)
    bad = [word for word in (_forbidden(s, dialect) for s in statements) if word]
    if bad:
        raise ReadOnlyViolation(f"only read-only SELECT queries run here; refused {bad[0].upper()!r}",
                                engine=engine, query=query, position=None)
    if len(statements) > 1:
        raise ExecutionError(f"one statement per query: got {len(statements)} statements separated by ';'",
                             engine=engine, query=query)
    statement = statements[0]
    # send the text up to the first semicolon (or all of it), leading comments included:
    # optimizer hints such as /*+ MAX_EXECUTION_TIME(...) */ ride on them
    begin = max((t.end + 1 for t in tokens if t.token_type.name == "SEMICOLON" and t.start < statement[0].start),
                default=0)
    semicolon = next((t for t in tokens if t.token_type.name == "SEMICOLON" and t.start > statement[0].start), None)
    text = query[begin:semicolon.start if semicolon else len(query)].strip()
    depth, ordered = 0, False
    for token in statement:
        kind = token.token_type.name
        if kind == "L_PAREN":
            depth += 1
        elif kind == "R_PAREN":
            depth -= 1
        elif kind == "ORDER_BY" and depth == 0:
            ordered = True
        elif kind in {"UNION", "EXCEPT", "INTERSECT"} and depth == 0:
            ordered = False  # an ORDER BY before a set operation orders one branch only
    return VettedQuery(text, ordered)


# values ----------------------------------------------------------------------
_PLAIN_TYPES = frozenset({type(None), bool, int, float, str, bytes, decimal.Decimal, dt.datetime, dt.date,
                          dt.time, dt.timedelta, list, dict})


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


def plain_rows(rows: Sequence[Sequence[Any]]) -> list[tuple[Any, ...]]:
    """Rows as tuples of plain values. The common case, where every value already is a
    plain scalar, is one pass over the values and no copy (the drivers give tuples)."""
    if {type(v) for row in rows for v in row} <= _SCALAR_TYPES:
        return rows if isinstance(rows, list) else list(rows)
    return [tuple(plain_value(v) for v in row) for row in rows]


# engine skeleton -------------------------------------------------------------
class SqlEngine(Engine):
    """``execute`` for both SQL engines: vet, run in the sandbox, time, wrap the rows.
    Subclasses implement ``_run(text, timeout_s, max_rows) -> (columns, rows, truncated)``
    and translate their driver's exceptions there, and ``_connect()``.

    ``transaction`` is ``session`` (the session is read-only and every statement is its
    own read-only transaction: one round trip) or ``explicit`` (``BEGIN READ ONLY`` ...
    ``ROLLBACK`` around each query: three round trips)."""

    def __init__(self, database: str, conninfo: dict[str, Any], where: str, *, transaction: str = "session"):
        if transaction not in {"session", "explicit"}:
            raise ValueError(f"transaction must be 'session' or 'explicit', not {transaction!r}")
        self.database = database
        self.transaction = transaction
        self._conninfo = conninfo
        self._where = where  # the server, for messages (password redacted)
        self._conn: Any = None
        self._connect()

    def _connect(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def execute(self, query: str, timeout_s: float = DEFAULT_TIMEOUT_S,
                max_rows: int = DEFAULT_MAX_ROWS) -> Result:
        vetted = vet_query(query, self.dialect, self.name)
        start = time.perf_counter()
        columns, rows, truncated = self._run(vetted.text, query, float(timeout_s), int(max_rows))
        elapsed = time.perf_counter() - start
        return Result(columns=columns, rows=rows, truncated=truncated, elapsed_s=elapsed,
                      ordered=vetted.ordered, engine=self.name)

    def _run(self, text: str, original: str, timeout_s: float,
             max_rows: int) -> tuple[list[str], list[tuple], bool]:  # pragma: no cover - abstract
        raise NotImplementedError


def take(fetchmany: Callable[[int], Sequence], max_rows: int) -> tuple[list[tuple], bool]:
    """Fetch at most ``max_rows`` rows, reading one more to know whether there were more."""
    rows = fetchmany(max_rows + 1)
    truncated = len(rows) > max_rows
    return plain_rows(rows[:max_rows] if truncated else rows), truncated


def redact(url: str) -> str:
    """``scheme://user:***@host:port`` for messages (never print a password)."""
    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)
