"""Loaders for the public data sets in ``momq.settings.data_dir()``.

Each loader returns ``(examples, rejected)``: the records that became
:class:`~momq.data.records.Example` objects and, for every record that did not, a
:class:`~momq.data.records.Rejected` with the reason. Nothing is dropped silently.

Sources (see ``shared/README.md``):

- **sql-eval** (defog, Apache-2.0): ``questions_gen_postgres.csv`` /
  ``questions_gen_mysql.csv`` / ``questions_gen_mysql_mariadb.csv`` (and the
  ``instruct_basic_*`` sets). The ``query`` field may hold several statements separated
  by ``;`` (each one an acceptable gold) and a column choice ``{a, b}`` with an optional
  ``GROUP BY {}``; :func:`expand_sql_eval_gold` expands them into plain queries.
- **Spider 1.0** (CC BY-SA 4.0): ``train_spider.json`` / ``dev.json``, SQLite SQL
  transpiled to PostgreSQL or MySQL with sqlglot; what does not parse or transpile is
  rejected.
- **text2cypher** (Neo4j, CC0): ``text2cypher_gpt4turbo.csv``. Its ``syntax_error``,
  ``returns_results`` and ``timeout`` columns are shifted against the queries (shared
  README), so they are kept only as metadata and never used to filter.
"""

from __future__ import annotations

import csv
import itertools
import json
import re
from pathlib import Path
from typing import Iterable

from momq import settings
from momq.data.records import Example, Rejected
from momq.schema.model import Column, EdgeType, ForeignKey, NodeType, Schema, Table

SQL_EVAL_FILES = {
    "postgres": "questions_gen_postgres.csv",
    "mysql": "questions_gen_mysql_mariadb.csv",  # patched to run on MariaDB (shared README)
    "mysql-original": "questions_gen_mysql.csv",
}
INSTRUCT_BASIC_FILES = {"postgres": "instruct_basic_postgres.csv", "mysql": "instruct_basic_mysql.csv"}

_CHOICE = re.compile(r"\{([^{}]*,[^{}]*)\}")
_GROUP_BY_SLOT = re.compile(r"GROUP\s+BY\s+\{\s*\}", re.IGNORECASE)


def _split_statements(text: str) -> list[str]:
    from momq.dialects.base import split_outside_quotes

    return [s.strip() for s in split_outside_quotes(text, ";") if s.strip()]


def expand_sql_eval_gold(query: str) -> list[str]:
    """All plain gold queries written by one sql-eval ``query`` field.

    sql-eval's convention (defog ``sql-eval``, function ``get_all_minimal_queries``):
    statements separated by ``;`` are
    alternatives; inside a statement, ``{a, b}`` in the select list means any non-empty
    subset of the listed columns is acceptable (in the listed order), and ``GROUP BY {}``
    groups by the chosen columns. Duplicates are removed, order kept. Raises
    ``ValueError`` on a ``{}`` slot with no column choice to fill it.
    """
    expanded: list[str] = []
    for statement in _split_statements(query):
        match = _CHOICE.search(statement)
        if match is None:
            if _GROUP_BY_SLOT.search(statement):
                raise ValueError("GROUP BY {} without a {a, b} column choice")
            expanded.append(statement)
            continue
        options = [o.strip() for o in match.group(1).split(",") if o.strip()]
        for size in range(1, len(options) + 1):
            for chosen in itertools.combinations(options, size):
                columns = ", ".join(chosen)
                head, tail = statement[: match.start()], statement[match.end() :]
                tail = _GROUP_BY_SLOT.sub(lambda _m: f"GROUP BY {columns}", tail)  # noqa: B023
                text = head + columns + tail
                if _CHOICE.search(text) or "{}" in text:
                    raise ValueError("more than one {a, b} column choice in a statement")
                expanded.append(text)
    return list(dict.fromkeys(expanded))


def _read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def load_sql_eval(
    dialect: str, *, variant: str = "questions_gen", data_dir: Path | None = None
) -> tuple[list[Example], list[Rejected]]:
    """sql-eval questions as Examples (ids ``sqleval-<dialect>-<row>``; row numbers are
    0-based and shared by the PostgreSQL and MySQL files, so the same question has the
    same number in both). ``dialect``: ``postgres``, ``mysql`` (the MariaDB-patched
    file) or ``mysql-original``. ``variant``: ``questions_gen`` or ``instruct_basic``."""
    base = (data_dir or settings.data_dir()) / "sql" / "sql-eval"
    files = SQL_EVAL_FILES if variant == "questions_gen" else INSTRUCT_BASIC_FILES
    if dialect not in files:
        raise ValueError(f"no sql-eval {variant} file for {dialect!r}; known: {', '.join(files)}")
    path = base / files[dialect]
    target = "mysql" if dialect.startswith("mysql") else dialect
    prefix = "sqleval" if variant == "questions_gen" else "sqleval-basic"
    source = f"sql-eval/{path.name}"
    examples, rejected = [], []
    for row_number, row in enumerate(_read_csv(path)):
        question, query, db = (
            (row.get("question") or "").strip(),
            row.get("query") or "",
            (row.get("db_name") or "").strip(),
        )
        if not question or not query.strip() or not db:
            rejected.append(Rejected(row, "empty question, query or db_name", source))
            continue
        try:
            golds = expand_sql_eval_gold(query)
        except ValueError as exc:
            rejected.append(Rejected(row, f"cannot expand gold: {exc}", source))
            continue
        if not golds:
            rejected.append(Rejected(row, "gold holds no statement", source))
            continue
        meta = {"row": row_number, "raw_query": query}
        if row.get("instructions"):
            meta["instructions"] = row["instructions"]
        examples.append(
            Example(
                id=f"{prefix}-{target}-{row_number:03d}",
                dialect=target,
                database=db,
                question=question,
                query=golds[0],
                alternatives=golds[1:],
                category=row.get("query_category", ""),
                language="en",
                source=source,
                meta=meta,
            )
        )
    return examples, rejected


def transpile_sqlite(query: str, dialect: str) -> str:
    """Spider's SQLite query in ``dialect`` (``postgres`` or ``mysql``) via sqlglot; the
    output must parse again in the target dialect. Raises ``ValueError`` otherwise."""
    import sqlglot
    from sqlglot.errors import ErrorLevel, SqlglotError

    target = {"postgres": "postgres", "mysql": "mysql"}[dialect]
    try:
        statements = sqlglot.transpile(query, read="sqlite", write=target, unsupported_level=ErrorLevel.RAISE)
    except SqlglotError as exc:
        raise ValueError(f"sqlglot cannot transpile: {str(exc).splitlines()[0][:200]}") from exc
    if len(statements) != 1:
        raise ValueError(f"{len(statements)} statements after transpiling")
    try:
        sqlglot.parse_one(statements[0], read=target)
    except SqlglotError as exc:
        raise ValueError(f"transpiled query does not parse in {target}: {str(exc).splitlines()[0][:200]}") from exc
    return statements[0]


def load_spider(split: str, dialect: str, *, data_dir: Path | None = None) -> tuple[list[Example], list[Rejected]]:
    """Spider ``train`` (train_spider.json) or ``dev`` questions, transpiled from SQLite to
    ``dialect`` (``postgres``/``mysql``). Ids ``spider-<dialect>-<split>-<index>``; the original
    query is kept in ``meta['sqlite']``. Spider's databases are not shipped, so these
    golds are not executed (training data only)."""
    base = (data_dir or settings.data_dir()) / "sql" / "spider"
    name = {"train": "train_spider.json", "dev": "dev.json"}[split]
    source = f"spider/{name}"
    with open(base / name, encoding="utf-8") as handle:
        records = json.load(handle)
    examples, rejected = [], []
    for index, record in enumerate(records):
        question = (record.get("question") or "").strip()
        query = (record.get("query") or "").strip()
        db = record.get("db_id") or ""
        if not question or not query or not db:
            rejected.append(Rejected(record, "empty question, query or db_id", source))
            continue
        try:
            converted = transpile_sqlite(query, dialect)
        except ValueError as exc:
            rejected.append(Rejected({"index": index, "db_id": db, "query": query}, str(exc), source))
            continue
        examples.append(
            Example(
                id=f"spider-{dialect}-{split}-{index:04d}",
                dialect=dialect,
                database=db,
                question=question,
                query=converted,
                language="en",
                source=source,
                meta={"sqlite": query},
            )
        )
    return examples, rejected


def spider_schema(db_id: str, *, data_dir: Path | None = None) -> Schema | None:
    """A Spider database's :class:`~momq.schema.model.Schema` from ``tables.json``: tables,
    typed columns, primary and foreign keys (the original, case-preserved names). Spider's
    SQLite files are not shipped, so it has no sample values."""
    tables = _spider_tables(str(data_dir or settings.data_dir()))
    entry = tables.get(db_id)
    if entry is None:
        return None
    names = entry["table_names_original"]
    cols = entry["column_names_original"]
    out = [Table(name) for name in names]
    for (table, column), ctype in zip(cols, entry["column_types"]):
        if table >= 0:
            out[table].columns.append(Column(column, ctype))
    for key in entry.get("primary_keys", []):
        for index in key if isinstance(key, list) else [key]:  # a composite key is a list
            table, column = cols[index]
            out[table].primary_key.append(column)
    for left, right in entry.get("foreign_keys", []):
        (lt, lc), (rt, rc) = cols[left], cols[right]
        out[lt].foreign_keys.append(ForeignKey([lc], names[rt], [rc]))
    return Schema(database=db_id, family="relational", tables=out)


_SPIDER_TABLES: dict[str, dict] = {}


def _spider_tables(data_dir: str) -> dict:
    if data_dir not in _SPIDER_TABLES:
        with open(Path(data_dir) / "sql" / "spider" / "tables.json", encoding="utf-8") as handle:
            _SPIDER_TABLES[data_dir] = {t["db_id"]: t for t in json.load(handle)}
    return _SPIDER_TABLES[data_dir]


_LIMIT = re.compile(r"\bLIMIT\b", re.IGNORECASE)
_ORDER = re.compile(r"\bORDER\s+BY\b", re.IGNORECASE)
_CLAUSE = re.compile(r"\b(WITH|RETURN|UNION)\b", re.IGNORECASE)


def cypher_order_dependence(query: str) -> str | None:
    """Why a Cypher query's rows are not well defined, or ``None``.

    Static rules for the two forms the shared README measured: a LIMIT (or SKIP) without
    an ORDER BY in the same projection clause, and a LIMIT inside a WITH (its cut is
    applied before later clauses, so even with ORDER BY ties there change later rows).
    Ties at a final ``ORDER BY ... LIMIT`` cut need data and are checked at build time.
    """
    text = re.sub(r"\b(STARTS|ENDS)\s+WITH\b", "STRINGOP", _strip_strings(query), flags=re.IGNORECASE)
    parts = _CLAUSE.split(text)
    # parts = [before, KEYWORD, body, KEYWORD, body, ...]
    for i in range(1, len(parts) - 1, 2):
        keyword, body = parts[i].upper(), parts[i + 1]
        has_cut = bool(_LIMIT.search(body) or re.search(r"\bSKIP\b", body, re.IGNORECASE))
        if not has_cut:
            continue
        if not _ORDER.search(body):
            return f"LIMIT/SKIP without ORDER BY in {keyword}"
        if keyword == "WITH":
            return "LIMIT inside WITH"
    return None


def _strip_strings(text: str) -> str:
    return re.sub(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"", "''", text)


def load_text2cypher(
    *, databases: Iterable[str] | None = None, data_dir: Path | None = None
) -> tuple[list[Example], list[Rejected]]:
    """text2cypher question/Cypher pairs (ids ``t2c-<row>``, 0-based CSV rows), optionally
    only for ``databases``. Records naming schema elements the database lacks
    (``false_schema`` set by the data set's authors, a column that is not shifted) are
    rejected with that reason. The shifted flag columns are kept in ``meta`` only."""
    path = (data_dir or settings.data_dir()) / "cypher" / "text2cypher" / "text2cypher_gpt4turbo.csv"
    wanted = set(databases) if databases is not None else None
    source = "text2cypher/text2cypher_gpt4turbo.csv"
    examples, rejected = [], []
    for row_number, row in enumerate(_read_csv(path)):
        db = (row.get("database") or "").strip()
        if wanted is not None and db not in wanted:
            continue
        question, query = (row.get("question") or "").strip(), (row.get("cypher") or "").strip()
        if not question or not query or not db:
            rejected.append(Rejected(row, "empty question, cypher or database", source))
            continue
        if (row.get("false_schema") or "").strip():
            rejected.append(
                Rejected({"row": row_number, **row}, f"uses schema the database lacks: {row['false_schema']}", source)
            )
            continue
        examples.append(
            Example(
                id=f"t2c-{row_number:04d}",
                dialect="cypher",
                database=db,
                question=question,
                query=query,
                category=row.get("type", ""),
                language="en",
                source=source,
                meta={
                    "row": row_number,
                    "flags_shifted": {k: row.get(k) for k in ("syntax_error", "timeout", "returns_results")},
                },
            )
        )
    return examples, rejected


def text2cypher_schemas(*, data_dir: Path | None = None) -> dict[str, str]:
    """Schema text of each text2cypher database (Neo4j's ``Node properties: ...`` form)."""
    path = (data_dir or settings.data_dir()) / "cypher" / "text2cypher" / "text2cypher_schemas.csv"
    return {row["database"]: row["schema"] for row in _read_csv(path)}


def text2cypher_schema(database: str, *, data_dir: Path | None = None) -> Schema | None:
    """A text2cypher database's :class:`~momq.schema.model.Schema` (labels, relationship
    types with their directions, typed properties, the example values as samples)."""
    text = text2cypher_schemas(data_dir=data_dir).get(database)
    return parse_neo4j_schema_text(text, database) if text else None


_SECTION = re.compile(r"^(Node properties|Relationship properties|The relationships):\s*$")
_ELEMENT = re.compile(r"^-\s+\*\*(.+?)\*\*\s*$")
#: ``- `name`: STRING Example: "x"`` (nodes) or ``- `name: STRING` Example: "x"`` (relationships)
_PROPERTY = re.compile(r"^-\s+`([^`:]+?)(?::\s*([A-Z_]+))?`(?::\s*([A-Z_]+))?\s*(.*)$")
_PATTERN = re.compile(r"^\(:(\w+)\)-\[:(\w+)\]->\(:(\w+)\)$")


def _property(match: re.Match) -> Column:
    name, type_a, type_b, rest = match.groups()
    column = Column(name.strip(), (type_a or type_b or "ANY").strip())
    if rest.startswith("Example:"):
        column.samples = [rest[len("Example:") :].strip().strip('"')]
    elif rest.startswith("Available options:"):
        column.samples = re.findall(r"'((?:[^'\\]|\\.)*)'", rest)[:3]
    elif rest:
        column.description = re.sub(r"\s+", " ", rest)
    return column


def parse_neo4j_schema_text(text: str, database: str) -> Schema:
    """Parse the schema text Neo4j's tooling writes (text2cypher's ``schema`` column):
    ``Node properties:`` / ``Relationship properties:`` blocks of ``- **Name**`` with
    ``- `prop`: TYPE Example: ...`` lines, then ``The relationships:`` with one
    ``(:A)-[:REL]->(:B)`` pattern a line. Lines of another shape are skipped."""
    nodes: dict[str, NodeType] = {}
    edges: dict[str, EdgeType] = {}
    section, current = "", None
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        head = _SECTION.match(line)
        if head:
            section, current = head.group(1), None
            continue
        element = _ELEMENT.match(line)
        if element and section == "Node properties":
            current = nodes.setdefault(element.group(1), NodeType(element.group(1)))
        elif element and section == "Relationship properties":
            current = edges.setdefault(element.group(1), EdgeType(element.group(1)))
        elif section == "The relationships":
            pattern = _PATTERN.match(line)
            if pattern:
                src, rel, dst = pattern.groups()
                edge = edges.setdefault(rel, EdgeType(rel))
                nodes.setdefault(src, NodeType(src))
                nodes.setdefault(dst, NodeType(dst))
                if (src, dst) not in edge.endpoints:
                    edge.endpoints.append((src, dst))
        elif current is not None and _PROPERTY.match(line):
            props = current.properties
            props.append(_property(_PROPERTY.match(line)))
    return Schema(database=database, family="graph", nodes=list(nodes.values()), edges=list(edges.values()))


__all__ = [
    "expand_sql_eval_gold",
    "load_sql_eval",
    "load_spider",
    "transpile_sqlite",
    "spider_schema",
    "load_text2cypher",
    "text2cypher_schemas",
    "text2cypher_schema",
    "parse_neo4j_schema_text",
    "cypher_order_dependence",
    "SQL_EVAL_FILES",
]
