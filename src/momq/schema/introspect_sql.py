"""Schemas of live PostgreSQL and MySQL/MariaDB databases.

``introspect(engine)`` reads tables, columns (type, nullability, default), primary and
foreign keys from the catalogs, through the engine's own read-only ``execute``, so it
works with the reader login and with any configured server:

- PostgreSQL: ``pg_catalog`` rather than ``information_schema``, because
  ``information_schema.table_constraints`` hides the constraints of tables the user
  only has SELECT on. Tables outside ``public`` are named ``schema.table`` (defog's
  ewallet lives in ``consumer_div``), as queries must name them.
- MySQL: ``information_schema`` of the current database.

It then adds a few sample values per text column (one query per table) and, for the
defog databases, the column descriptions of ``<db>.json`` (``merge_descriptions``).
"""

from __future__ import annotations

from typing import Any

from momq.dialects import get_dialect
from momq.engines.base import Engine
from momq.schema.model import Column, ForeignKey, Schema, Table

SAMPLES_PER_COLUMN = 3
_SAMPLE_ROWS = 50
_TEXT_TYPES = ("char", "text", "varchar", "character", "enum")

_PG_COLUMNS = """
SELECT n.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod), NOT a.attnotnull,
       pg_get_expr(d.adbin, d.adrelid)
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
  AND n.nspname NOT LIKE 'pg_temp%' AND has_table_privilege(c.oid, 'SELECT')
ORDER BY n.nspname, c.relname, a.attnum
"""

_PG_KEYS = """
SELECT n.nspname, c.relname, con.contype,
       ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
             JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum ORDER BY k.ord),
       rn.nspname, rc.relname,
       ARRAY(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, ord)
             JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum ORDER BY k.ord)
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_class rc ON rc.oid = con.confrelid
LEFT JOIN pg_namespace rn ON rn.oid = rc.relnamespace
WHERE con.contype IN ('p', 'f') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
ORDER BY n.nspname, c.relname, con.conname
"""

_MYSQL_COLUMNS = """
SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE = 'YES', COLUMN_DEFAULT
FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()
ORDER BY TABLE_NAME, ORDINAL_POSITION
"""

_MYSQL_KEYS = """
SELECT k.TABLE_SCHEMA, k.TABLE_NAME, CASE WHEN k.CONSTRAINT_NAME = 'PRIMARY' THEN 'p' ELSE 'f' END,
       k.COLUMN_NAME, k.REFERENCED_TABLE_SCHEMA, k.REFERENCED_TABLE_NAME, k.REFERENCED_COLUMN_NAME,
       k.CONSTRAINT_NAME
FROM information_schema.KEY_COLUMN_USAGE k
WHERE k.TABLE_SCHEMA = DATABASE() AND (k.CONSTRAINT_NAME = 'PRIMARY' OR k.REFERENCED_TABLE_NAME IS NOT NULL)
ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION
"""


def _table_name(schema: str, table: str, dialect: str) -> str:
    if dialect == "postgres" and schema != "public":
        return f"{schema}.{table}"
    return table


def introspect(
    engine: Engine, *, samples: bool = True, descriptions: dict | None = None, timeout_s: float = 60.0
) -> Schema:
    """The schema of the engine's database (see module docstring). ``descriptions``:
    ``{table: {column: text}}``; by default the defog JSON when the database is a defog one."""
    dialect = engine.dialect
    if dialect not in {"postgres", "mysql"}:
        raise ValueError(f"introspect_sql handles postgres and mysql engines, not {dialect}")
    columns_sql, keys_sql = (_PG_COLUMNS, _PG_KEYS) if dialect == "postgres" else (_MYSQL_COLUMNS, _MYSQL_KEYS)
    tables: dict[str, Table] = {}
    for schema, table, column, type_, nullable, default in engine.execute(
        columns_sql, timeout_s=timeout_s, max_rows=1_000_000
    ).rows:
        name = _table_name(schema, table, dialect)
        entry = tables.setdefault(name, Table(name))
        entry.columns.append(Column(column, str(type_), bool(nullable), default=default))
    fks: dict[tuple[str, str], ForeignKey] = {}
    for row in engine.execute(keys_sql, timeout_s=timeout_s, max_rows=1_000_000).rows:
        schema, table, kind, cols, ref_schema, ref_table, ref_cols = row[:7]
        name = _table_name(schema, table, dialect)
        if name not in tables:
            continue
        cols = list(cols) if isinstance(cols, list) else [cols]
        ref_cols = list(ref_cols) if isinstance(ref_cols, list) else [ref_cols]
        if kind == "p":
            tables[name].primary_key.extend(cols)
        elif dialect == "mysql":  # one row per column: group by constraint name
            key = (name, row[7])
            if key not in fks:
                fks[key] = ForeignKey([], _table_name(ref_schema, ref_table, dialect), [])
                tables[name].foreign_keys.append(fks[key])
            fks[key].columns.extend(cols)
            fks[key].ref_columns.extend(ref_cols)
        else:
            tables[name].foreign_keys.append(ForeignKey(cols, _table_name(ref_schema, ref_table, dialect), ref_cols))
    result = Schema(database=engine.database, family="relational", tables=list(tables.values()))
    if samples:
        add_samples(engine, result, timeout_s=timeout_s)
    if descriptions is None:
        descriptions = _defog_descriptions(engine.database)
    if descriptions:
        merge_descriptions(result, descriptions)
    return result


def add_samples(engine: Engine, schema: Schema, per_column: int = SAMPLES_PER_COLUMN, timeout_s: float = 60.0) -> None:
    """A few distinct non-null values of each text column, from the first rows of its
    table (one query per table keeps this cheap on wide schemas)."""
    dialect = get_dialect(engine.dialect)
    for table in schema.tables:
        text_columns = [c for c in table.columns if c.type.lower().startswith(_TEXT_TYPES)]
        if not text_columns:
            continue
        select = ", ".join(dialect.quote_table(c.name) for c in text_columns)
        query = f"SELECT {select} FROM {dialect.quote_table(table.name)}"
        try:
            rows = engine.execute(query, timeout_s=timeout_s, max_rows=_SAMPLE_ROWS).rows
        except Exception:  # noqa: BLE001 - samples are a nicety; a failing table keeps none
            continue
        for index, column in enumerate(text_columns):
            seen: list[Any] = []
            for row in rows:
                value = row[index]
                if value is not None and value != "" and value not in seen:
                    seen.append(value)
                    if len(seen) >= per_column:
                        break
            column.samples = seen


def merge_descriptions(schema: Schema, descriptions: dict[str, dict[str, str]]) -> Schema:
    """Copy ``{table: {column: text}}`` descriptions onto the schema's columns (names
    matched case-insensitively; a schema prefix on either side is ignored). Returns
    the same schema. A ``""`` key in a table's dict describes the table itself."""
    lookup = {t.split(".")[-1].lower(): {c.lower(): d for c, d in cols.items()} for t, cols in descriptions.items()}
    for table in schema.tables:
        described = lookup.get(table.name.split(".")[-1].lower())
        if not described:
            continue
        if described.get(""):
            table.description = described[""]
        for column in table.columns:
            text = described.get(column.name.lower())
            if text:
                column.description = text
    return schema


def _defog_descriptions(database: str) -> dict:
    try:
        from momq.databases import defog

        if database in defog.list_defog():
            return defog.descriptions(database)
    except Exception:  # noqa: BLE001 - no shared data here: no descriptions
        pass
    return {}
