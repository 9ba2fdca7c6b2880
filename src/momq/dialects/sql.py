"""What the two SQL dialects share: sqlglot does the parsing for validation,
read-only checks and normalisation; subclasses only declare their sqlglot dialect."""

from __future__ import annotations

from typing import Any, ClassVar

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.optimizer.normalize_identifiers import normalize_identifiers

from momq.dialects.base import Dialect, Explain, Keyword, Validation, is_text_type
from momq.dialects.sql_vet import VettedQuery, vet_query
from momq.errors import QueryError

SQL_KEYWORDS = (
    Keyword("SELECT", "crud", "SELECT name FROM singer"),
    Keyword("INSERT", "crud", "INSERT INTO singer (name) VALUES ('Ann')", "write: refused by the sandbox"),
    Keyword("UPDATE", "crud", "UPDATE singer SET age = 30 WHERE id = 1", "write: refused by the sandbox"),
    Keyword("DELETE", "crud", "DELETE FROM singer WHERE id = 1", "write: refused by the sandbox"),
    Keyword("FROM", "clause", "SELECT * FROM singer"),
    Keyword("JOIN", "clause", "SELECT s.name FROM singer s JOIN concert c ON c.singer_id = s.id"),
    Keyword("WHERE", "clause", "SELECT name FROM singer WHERE age > 30"),
    Keyword("GROUP BY", "clause", "SELECT country, COUNT(*) FROM singer GROUP BY country"),
    Keyword("HAVING", "clause", "SELECT country FROM singer GROUP BY country HAVING COUNT(*) > 2"),
    Keyword("ORDER BY", "clause", "SELECT name FROM singer ORDER BY age DESC"),
    Keyword("LIMIT", "clause", "SELECT name FROM singer ORDER BY age DESC LIMIT 3"),
    Keyword("DISTINCT", "clause", "SELECT DISTINCT country FROM singer"),
    Keyword("UNION", "clause", "SELECT name FROM singer UNION SELECT name FROM actor"),
    Keyword("WITH", "clause", "WITH old AS (SELECT * FROM singer WHERE age > 60) SELECT COUNT(*) FROM old"),
    Keyword("IN", "clause", "SELECT name FROM singer WHERE id IN (SELECT singer_id FROM concert)"),
    Keyword("CASE", "clause", "SELECT CASE WHEN age > 30 THEN 'old' ELSE 'young' END FROM singer"),
    Keyword("COUNT", "function", "SELECT COUNT(*) FROM singer"),
    Keyword("AVG", "function", "SELECT AVG(age) FROM singer"),
)


class SqlDialect(Dialect):
    family = "relational"
    #: the sqlglot dialect name
    sqlglot_dialect: ClassVar[str] = ""
    #: whether identifiers keep their case when quoted (PostgreSQL ``"A"`` differs from
    #: ``a``); when false, every identifier is folded to lower case (MySQL column names)
    quoted_case_sensitive: ClassVar[bool] = True
    #: whether the server runs code inside comments (MySQL's ``/*! ... */``), so the
    #: sandbox refuses such comments
    executable_comments: ClassVar[bool] = False
    start_keywords = (
        "SELECT",
        "WITH",
        "(",
        "INSERT",
        "UPDATE",
        "DELETE",
        "DROP",
        "ALTER",
        "CREATE",
        "TRUNCATE",
        "SHOW",
        "EXPLAIN",
        "VALUES",
        "TABLE",
    )
    fence_tags: ClassVar[tuple[str, ...]] = ("sql",)
    prefixes: ClassVar[tuple[str, ...]] = ("SQL",)
    skeleton = SQL_KEYWORDS
    #: the sandbox's allow-list (``momq.dialects.sql_vet``): function names a read-only
    #: query may call, the schemas of built-in functions (a call qualified by another
    #: schema is refused), and constructs beyond ``sql_vet.CONSTRUCTS``
    functions: ClassVar[frozenset[str]] = frozenset()
    builtin_schemas: ClassVar[frozenset[str]] = frozenset()
    extra_constructs: ClassVar[frozenset[type]] = frozenset()

    introspection = "momq.schema.introspect_sql"

    def quote_table(self, name: str) -> str:
        """A table name, ``schema.table`` included, as quoted identifiers."""
        return ".".join(self.quote(part) for part in name.split("."))

    def value_queries(self, schema: Any, per_column: int) -> list[tuple[str, str]]:
        """One ``SELECT DISTINCT`` per text column."""
        q = self.quote
        return [
            (
                f"{table.name}.{col.name}",
                f"SELECT DISTINCT {q(col.name)} FROM {self.quote_table(table.name)} "
                f"WHERE {q(col.name)} IS NOT NULL LIMIT {per_column}",
            )
            for table in schema.tables
            for col in table.columns
            if is_text_type(col.type)
        ]

    def parse(self, query: str) -> list[exp.Expression]:
        """sqlglot's parse of every statement (raises SqlglotError)."""
        return [e for e in sqlglot.parse(query, read=self.sqlglot_dialect) if isinstance(e, exp.Expression)]

    def validate(self, query: str, explain: Explain | None = None) -> Validation:
        """Parse with sqlglot; an empty query is invalid. Parsing is lenient about
        names (it knows no schema): unknown tables are found by executing."""
        if not query.strip():
            return Validation(False, "empty query", 0, "sqlglot")
        try:
            statements = self.parse(query)
        except SqlglotError as exc:
            errors = getattr(exc, "errors", None) or [{}]
            line, col = errors[0].get("line"), errors[0].get("col")
            return Validation(False, str(exc).splitlines()[0], _offset(query, line, col), "sqlglot")
        if not statements:
            return Validation(False, "no statement", 0, "sqlglot")
        for statement in statements:
            if isinstance(statement, exp.Command):
                return Validation(False, f"not understood as SQL: {statement.sql()[:80]}", 0, "sqlglot")
        return Validation(True, method="sqlglot")

    def vet(self, query: str, engine: str = "") -> VettedQuery:
        """The sandbox's check (``momq.dialects.sql_vet``): one statement made only of
        allowed constructs and functions; raises a ``QueryError`` naming what it refuses."""
        return vet_query(query, self.name, engine or self.name)

    def is_read_only(self, query: str) -> bool:
        """True when the sandbox would run ``query``: one statement made only of allowed
        read-only constructs and functions (``momq.dialects.sql_vet``). Unparseable text
        is not read-only."""
        return self.refusal(query) is None

    def refusal(self, query: str) -> str | None:
        """The sandbox check's own message (the write keyword, the function or construct
        not on the allow-list, a second statement), or None when the query would run."""
        try:
            self.vet(query)
        except QueryError as exc:
            return exc.message
        return None

    def normalize(self, query: str) -> str:
        """sqlglot normal form: unquoted identifiers lower-cased, keywords upper-cased,
        canonical spacing; falls back to whitespace/case folding when sqlglot fails."""
        try:
            statements = self.parse(query)
        except SqlglotError:
            return " ".join(query.replace(";", " ").split()).lower()
        out = []
        for statement in statements:
            if not self.quoted_case_sensitive:
                for ident in statement.find_all(exp.Identifier):
                    ident.set("quoted", False)
                    ident.set("this", ident.name.lower())
            out.append(normalize_identifiers(statement, dialect=self.sqlglot_dialect).sql(dialect=self.sqlglot_dialect))
        return "; ".join(out)


def _offset(query: str, line: int | None, col: int | None) -> int | None:
    """0-based offset of 1-based (line, col) in ``query``."""
    if not line or col is None:
        return None
    lines = query.splitlines(keepends=True)
    return sum(len(l) for l in lines[: line - 1]) + max(col - 1, 0)
