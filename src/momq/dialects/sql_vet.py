"""The SQL read-only check: one statement, built only from allowed constructs and
functions. The dialects (``SqlDialect.is_read_only``) and the engines (before a query is
sent) use this one check.

A query passes when:

1. it is one statement (trailing semicolons are dropped; a second statement is refused:
   ``ReadOnlyViolation`` when any statement holds a write keyword, ``ExecutionError``
   otherwise); it starts with SELECT, WITH, VALUES, TABLE or ``(``;
2. no token is a write or session keyword (INSERT, UPDATE, DELETE, INTO, SET, COPY,
   LOCK, CALL ...): a fast first layer with a clear message, found by sqlglot's
   tokenizer (so ``'a; DROP'`` is a string and ``/* DROP */`` a comment). MySQL only:
   executable comments (``/*! ... */``, ``/*M! ... */``) and ``--`` not followed by a
   space are refused, because the server runs or reads what the tokenizer takes for a
   comment;
3. sqlglot parses it, and every node of the parse tree is **allowed**: a construct of
   :data:`CONSTRUCTS` (or of the dialect's ``extra_constructs``), or a call of a function
   of the dialect's ``functions`` list (``momq.dialects.postgres`` /
   ``momq.dialects.mysql``: aggregates, window, math, string, date/time, JSON, array
   functions that only compute a value), or of a function the configuration adds
   (``allow_functions`` in ``[engines.postgres]`` / ``[engines.mysql]``). Anything else
   (an unknown function, a procedure, a schema-qualified call outside the dialect's
   built-in schema, a user variable assignment, a session variable, ``NEXT VALUE FOR``,
   ``FOR UPDATE`` ...) is refused as ``ReadOnlyViolation`` naming it. Text sqlglot cannot
   parse is refused as ``QuerySyntaxError``: what the check does not understand does
   not run.

sqlglot turns many calls into typed nodes (``strpos(a, b)`` becomes ``StrPosition``);
such a node is allowed when a name of the list builds it in this dialect
(:func:`function_classes`), so the lists hold names as users write them.

``ordered`` is true when an ORDER BY sits at parenthesis depth 0 of the statement, the
outermost level (ORDER BY inside a subquery, a CTE, a window or an aggregate does not
fix the order of the result).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlglot import exp

# imported at module level, not lazily: the evaluation runner vets queries from several
# threads, and concurrent first imports of sqlglot's dialect modules race
from sqlglot.dialects.dialect import Dialect as SqlglotDialect
from sqlglot.errors import SqlglotError, TokenError

from momq.errors import ExecutionError, QuerySyntaxError, ReadOnlyViolation

#: the most tokens a query may have: parsing time grows with it, and no question needs
#: more (a sql-eval gold has under 500; a long string literal is one token)
MAX_TOKENS = 20_000
#: the most characters a query may have (checked before tokenizing, which costs more)
MAX_CHARS = 200_000

_ALLOWED_FIRST = {"SELECT", "WITH", "VALUES", "TABLE", "L_PAREN"}

#: token types that never appear in a read-only query: what can hide inside a SELECT or
#: WITH (data-modifying CTEs, SELECT ... INTO, INTO OUTFILE, FOR UPDATE, sqlglot's
#: catch-all COMMAND). A first layer with a clear message; the allow-list decides.
_FORBIDDEN_TOKENS = {
    "INSERT",
    "UPDATE",
    "DELETE",
    "MERGE",
    "INTO",
    "CREATE",
    "DROP",
    "ALTER",
    "TRUNCATE",
    "GRANT",
    "REVOKE",
    "SET",
    "COPY",
    "LOCK",
    "CALL",
    "COMMIT",
    "ROLLBACK",
    "COMMAND",
}

#: the constructs (sqlglot expression classes other than function calls) a read-only
#: query may use, in every SQL dialect
CONSTRUCTS: frozenset[type] = frozenset(
    {
        # statements and clauses
        exp.Select,
        exp.Union,
        exp.Intersect,
        exp.Except,
        exp.With,
        exp.CTE,
        exp.Subquery,
        exp.Values,
        exp.From,
        exp.Join,
        exp.Where,
        exp.Group,
        exp.Having,
        exp.Order,
        exp.Ordered,
        exp.Limit,
        exp.Offset,
        exp.Fetch,
        exp.LimitOptions,
        exp.Distinct,
        exp.Qualify,
        exp.Lateral,
        exp.Unnest,
        exp.Rollup,
        exp.Cube,
        exp.GroupingSets,
        exp.Window,
        exp.WindowSpec,
        exp.Filter,
        exp.WithinGroup,
        exp.Table,
        exp.TableAlias,
        exp.Alias,
        exp.Aliases,
        exp.Column,
        exp.Identifier,
        exp.Star,
        exp.Dot,
        exp.Paren,
        exp.Tuple,
        # values
        exp.Literal,
        exp.Null,
        exp.Boolean,
        exp.DataType,
        exp.DataTypeParam,
        exp.Interval,
        exp.Var,
        exp.Bracket,
        exp.Array,
        exp.Slice,
        exp.Collate,
        exp.Cast,
        exp.TryCast,
        exp.Case,
        exp.If,
        exp.ColumnDef,
        # predicates and operators
        exp.And,
        exp.Or,
        exp.Xor,
        exp.Not,
        exp.Neg,
        exp.Add,
        exp.Sub,
        exp.Mul,
        exp.Div,
        exp.Mod,
        exp.IntDiv,
        exp.Pow,
        exp.EQ,
        exp.NEQ,
        exp.GT,
        exp.GTE,
        exp.LT,
        exp.LTE,
        exp.NullSafeEQ,
        exp.NullSafeNEQ,
        exp.Is,
        exp.In,
        exp.Between,
        exp.Exists,
        exp.Any,
        exp.All,
        exp.Like,
        exp.ILike,
        exp.SimilarTo,
        exp.RegexpLike,
        exp.RegexpILike,
        exp.Glob,
        exp.DPipe,
        exp.Escape,
        exp.BitwiseAnd,
        exp.BitwiseOr,
        exp.BitwiseXor,
        exp.BitwiseNot,
        exp.BitwiseLeftShift,
        exp.BitwiseRightShift,
        exp.ArrayContainsAll,
        exp.ArrayContainedBy,
        exp.ArrayOverlaps,
        exp.JSONExtract,
        exp.JSONExtractScalar,
        exp.JSONBExtract,
        exp.JSONBExtractScalar,
        exp.JSONBContains,
        exp.JSONPath,
        exp.JSONPathKey,
        exp.JSONPathRoot,
        exp.JSONPathSubscript,
        exp.JSONPathWildcard,
        exp.JSONPathSlice,
        exp.JSONPathFilter,
        exp.JSONPathRecursive,
        exp.JSONPathSelector,
        exp.JSONPathUnion,
        exp.JSONPathScript,
    }
)


class UncheckedSyntax(QuerySyntaxError):
    """sqlglot cannot parse the query, so the sandbox cannot check it and it does not
    run. An engine may replace it with its server's own syntax error (found without
    running anything), which says more to a user or a repairing model."""


def _parse_message(exc: SqlglotError) -> str:
    errors = getattr(exc, "errors", None) or [{}]
    first = errors[0]
    near = (first.get("highlight") or "").strip()
    description = first.get("description") or str(exc).splitlines()[0]
    return (
        f"syntax error{f' at or near {near!r}' if near else ''} ({description}); the sandbox runs only "
        f"what it can parse"
    )


def _parse_position(exc: SqlglotError, query: str) -> int | None:
    errors = getattr(exc, "errors", None) or [{}]
    line, col = errors[0].get("line"), errors[0].get("col")
    if not line or col is None:
        return None
    lines = query.splitlines(keepends=True)
    return min(len(query), sum(len(text) for text in lines[: line - 1]) + max(col - 1, 0))


@dataclass(frozen=True)
class VettedQuery:
    """A query that passed vetting: ``text`` is what is sent (one statement, no
    trailing semicolon); ``ordered`` says whether the outermost level has ORDER BY."""

    text: str
    ordered: bool


# ----------------------------------------------------------------------- allow-lists
def _dialect(name: str):
    from momq.dialects import get_dialect  # lazy: the dialect modules import this one

    return get_dialect(name)


def _sqlglot(name: str) -> SqlglotDialect:
    """sqlglot's dialect for momq's dialect ``name`` (``SqlDialect.sqlglot_dialect``)."""
    return SqlglotDialect.get_or_raise(_dialect(name).sqlglot_dialect)


@lru_cache(maxsize=None)
def allowed_functions(dialect: str) -> frozenset[str]:
    """The function names (lower case; ``schema.name`` for qualified ones) a query of
    ``dialect`` may call: the dialect's list and ``allow_functions`` of its engine's
    configuration table."""
    from momq import settings

    extra = settings.engine_settings(dialect).get("allow_functions") or []
    if isinstance(extra, str):
        extra = extra.replace(",", " ").split()
    return frozenset(_dialect(dialect).functions) | frozenset(str(name).lower() for name in extra)


@lru_cache(maxsize=None)
def function_classes(dialect: str) -> frozenset[type]:
    """The typed sqlglot function classes that an allowed name builds in ``dialect``:
    ``strpos`` builds ``StrPosition`` in PostgreSQL, ``ifnull`` builds ``Coalesce`` in
    MySQL. Found by calling sqlglot's builder of each name (no parsing) and, for the
    few names with their own syntax (CAST, EXTRACT, TRIM ...), by parsing a call."""
    engine = _sqlglot(dialect)
    parser = engine.parser_class
    classes: set[type] = set()
    for name in allowed_functions(dialect):
        builder = parser.FUNCTIONS.get(name.upper())
        built = _build(builder, engine) if builder is not None else []
        if not built:  # a name with its own syntax, or a builder that wants typed arguments
            built = _probe(name, engine)
        classes.update(type(n) for tree in built for n in tree.walk() if isinstance(n, exp.Func))
    classes.discard(exp.Anonymous)  # an unknown name stays checked by its name
    return frozenset(classes)


def _build(builder: Any, engine: Any) -> list[exp.Expression]:
    """What sqlglot's builder of a name makes of 0 to 4 arguments (it may build other
    classes for other argument counts: ``to_timestamp(x)`` and ``to_timestamp(x, f)``)."""
    built = []
    for count in range(5):
        args = [exp.column(f"x{i}") for i in range(count)]
        for call in (lambda: builder(args), lambda: builder(args, engine)):  # noqa: B023
            try:
                result = call()
            except Exception:  # noqa: BLE001 - a builder that wants other arguments
                continue
            if isinstance(result, exp.Expression):
                built.append(result)
                break
    return built


_PROBES = (
    "SELECT {}",
    "SELECT {}()",
    "SELECT {}(x)",
    "SELECT {}(x, y)",
    "SELECT {}(x, y, z)",
    "SELECT {}(x AS INT)",
    "SELECT {}(x FROM y)",
    "SELECT {}(x IN y)",
    "SELECT {}(x, INTERVAL 1 DAY)",
)


def _probe(name: str, engine: Any) -> list[exp.Expression]:
    """The parse trees of small calls of ``name`` (for names with their own syntax)."""
    trees = []
    for probe in _PROBES:
        try:
            trees.append(engine.parse(probe.format(name))[0])
        except Exception:  # noqa: BLE001 - sqlglot may fail in any way on a wrong probe
            continue
    return trees


def _function_name(node: exp.Func) -> str:
    """The name a function node was called by, lower case, ``schema.name`` when the
    call is qualified (``pg_catalog.set_config(...)``)."""
    name = (node.name if isinstance(node, exp.Anonymous) else node.sql_name()).lower()
    parent = node.parent
    if isinstance(parent, exp.Dot) and parent.expression is node:
        qualifier = ".".join(part.name.lower() for part in parent.this.find_all(exp.Identifier))
        return f"{qualifier}.{name}" if qualifier else name
    return name


def refusal(tree: exp.Expr, dialect: str) -> str | None:
    """Why ``tree`` is not allowed (``function lo_import``), or None when every node is."""
    spec = _dialect(dialect)
    constructs = CONSTRUCTS | spec.extra_constructs
    names = allowed_functions(dialect)
    for node in tree.walk():
        kind = type(node)
        if kind in constructs:
            continue
        if isinstance(node, exp.Anonymous):
            name = _function_name(node)
            schema, _, bare = name.rpartition(".")
            if name in names or (schema in spec.builtin_schemas and bare in names):
                continue
            return f"function {name}"
        if isinstance(node, exp.Func):
            if kind in function_classes(dialect):
                parent = node.parent
                if isinstance(parent, exp.Dot) and parent.expression is node:
                    qualified = _function_name(node)
                    if qualified.rpartition(".")[0] not in spec.builtin_schemas:
                        return f"function {qualified}"
                continue
            return f"function {_function_name(node)}"
        return f"construct {kind.__name__}" + _excerpt(node, dialect)
    return None


def _excerpt(node: exp.Expr, dialect: str) -> str:
    """`` (the node's SQL)``, shortened, for a message; empty when it cannot be written."""
    try:
        return f" ({node.sql(dialect=dialect)[:60]})"
    except Exception:  # noqa: BLE001 - a message must not fail
        return ""


# ------------------------------------------------------------------------- vetting
def _tokens(query: str, dialect: str, engine: str):
    try:
        return _sqlglot(dialect).tokenize(query)
    except TokenError as exc:
        raise QuerySyntaxError(f"cannot tokenize the query: {exc}", engine=engine, query=query) from exc


def _split(tokens) -> list[list]:
    statements: list[list] = []
    current: list = []
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


def _forbidden(statement) -> str | None:
    """The first write or session keyword of a statement, or None."""
    if statement[0].token_type.name not in _ALLOWED_FIRST:
        return statement[0].text
    return next((token.text for token in statement if token.token_type.name in _FORBIDDEN_TOKENS), None)


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
    """Check that ``query`` is one read-only statement of ``dialect`` (see the module
    docstring) and return what to send. Raises ReadOnlyViolation, ExecutionError or
    QuerySyntaxError. Cached: a gold or a repeated candidate is vetted once."""
    engine = engine or dialect
    if not isinstance(query, str):
        raise QuerySyntaxError(f"a query is text, not {type(query).__name__}", engine=engine)
    try:
        query.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise QuerySyntaxError(
            f"the query is not valid UTF-8 text (at character {exc.start + 1})",
            engine=engine,
            query=query.encode("utf-8", "replace").decode(),
            position=exc.start,
        ) from None
    if "\x00" in query:
        raise QuerySyntaxError(
            "the query holds a NUL character", engine=engine, query=query, position=query.index("\x00")
        )
    if len(query) > MAX_CHARS:
        raise QuerySyntaxError(
            f"the query is too long to check: {len(query):,} characters, the sandbox checks at most {MAX_CHARS:,}",
            engine=engine,
            query=query[:1000],
        )
    tokens = _tokens(query, dialect, engine)
    if len(tokens) > MAX_TOKENS:
        raise QuerySyntaxError(
            f"the query is too long to check: {len(tokens):,} tokens, the sandbox checks at most {MAX_TOKENS:,}",
            engine=engine,
            query=query[:1000],
        )
    statements = _split(tokens)
    if not statements:
        raise QuerySyntaxError("empty query", engine=engine, query=query)
    if _dialect(dialect).executable_comments and _mysql_hidden_code(query, tokens):
        raise ReadOnlyViolation(
            "MySQL executable comments (/*! */) and '--' without a following space are refused",
            engine=engine,
            query=query,
        )
    first = statements[0][0]
    if first.token_type.name in {"VAR", "IDENTIFIER", "NUMBER", "STRING"}:
        raise QuerySyntaxError(
            f"{first.text!r} does not start a statement", engine=engine, query=query, position=first.start
        )
    bad = [word for word in (_forbidden(s) for s in statements) if word]
    if bad:
        raise ReadOnlyViolation(
            f"only read-only SELECT queries run here; refused {bad[0].upper()!r}", engine=engine, query=query
        )
    if len(statements) > 1:
        raise ExecutionError(
            f"one statement per query: got {len(statements)} statements separated by ';'", engine=engine, query=query
        )
    statement = statements[0]
    try:
        trees = _sqlglot(dialect).parser().parse(statement, query)
    except SqlglotError as exc:
        raise UncheckedSyntax(
            _parse_message(exc), engine=engine, query=query, position=_parse_position(exc, query)
        ) from exc
    except RecursionError:
        raise QuerySyntaxError("the query is nested too deeply to check", engine=engine, query=query) from None
    for tree in trees:
        if tree is None:
            continue
        reason = refusal(tree, dialect)
        if reason:
            raise ReadOnlyViolation(
                f"refused {reason}: not on momq's read-only allow-list for {dialect} "
                f"(see the README, 'The read-only sandbox')",
                engine=engine,
                query=query,
            )
    # send the text up to the first semicolon (or all of it), leading comments included:
    # optimizer hints such as /*+ MAX_EXECUTION_TIME(...) */ ride on them
    begin = max(
        (t.end + 1 for t in tokens if t.token_type.name == "SEMICOLON" and t.start < statement[0].start), default=0
    )
    semicolon = next((t for t in tokens if t.token_type.name == "SEMICOLON" and t.start > statement[0].start), None)
    text = query[begin : semicolon.start if semicolon else len(query)].strip()
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
