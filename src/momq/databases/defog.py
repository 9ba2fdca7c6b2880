"""The eleven defog demo databases (sql-eval), loaded into PostgreSQL and MySQL/MariaDB.

Source: ``data_dir()/sql/defog/<db>/<db>.sql`` (PostgreSQL DDL + INSERT scripts) and
``<db>.json`` (column descriptions). Each defog database becomes one database on each
engine, with the same name.

**One clock for both engines.** Several tables hold values relative to the load time
(``CURRENT_DATE - INTERVAL '5 days'``, ``NOW()``, ``TO_CHAR(NOW() - ..., ...)``). Loading
each engine at its own moment would make the engines disagree by the seconds between
the loads, so every clock call is replaced by one *reference time*: the moment of the
first load of the day, kept in ``<home>/defog/clock.json`` and reused by every load
that day. Both engines therefore hold identical rows, and a new day means a new
reference and a reload (the dates stay relative to "today", which the sql-eval golds
assume). Columns whose DEFAULT is a clock and that an INSERT leaves out get the
reference time explicitly, for the same reason.

**PostgreSQL** runs the script as written (through sqlglot, which only swaps the clock
calls for literals): PostgreSQL's own semantics define the data.

**MySQL/MariaDB** gets the DDL translated by sqlglot with the fixes measured in
``shared/README.md``: schema prefixes (``public.``, ``consumer_div.``) stripped;
``SERIAL`` -> ``INT AUTO_INCREMENT`` (MySQL's SERIAL is BIGINT UNSIGNED and breaks INT
foreign keys); a ``numeric`` without precision -> ``DECIMAL(30,10)`` (MySQL would make
it DECIMAL(10,0) and round silently); ``DEFAULT CAST('0' AS ...)`` -> a plain literal
default (parenthesised for TEXT, which MySQL 8 requires). The INSERT values are *not*
translated: sqlglot renders ``TO_CHAR``, ``DATE_TRUNC('week')`` and ``INTERVAL '15 MIN'``
wrongly or not at all. Since every non-literal value in the scripts is a function of the
clock only, momq evaluates those expressions itself with PostgreSQL's rules
(:mod:`momq.databases.pg_constants`: interval arithmetic with month clamping, DATE_TRUNC with
Monday weeks, EXTRACT, TO_CHAR patterns) and sends plain parameters. The tests check the
result: all 110 tables equal, row for row, on both engines.

**Idempotent.** A load is skipped when the marker (PostgreSQL: table
``momq_defog_loads`` in the ``postgres`` database; MySQL: ``momq_meta.defog_loads``)
records the same script digest and reference time and the live row counts equal the
script's. Otherwise the database is dropped and rebuilt.

**Progress.** ``progress(db, done, total)`` is called after each statement of a
database's script (``total`` = its number of statements), and once with
``done == total`` when a database is skipped.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable

from momq import settings
from momq.databases import generation
from momq.databases.pg_constants import PgConstEvaluator, is_clock, script_dialect
from momq.errors import ConfigError, UnknownDatabase

Progress = Callable[[str, int, int], None]

_META_TABLE_PG = "momq_defog_loads"
_META_DB_MYSQL = "momq_meta"


# sources ---------------------------------------------------------------------
def defog_dir() -> Path:
    return settings.data_dir() / "sql" / "defog"


def list_defog() -> list[str]:
    """Names of the defog databases found in the shared data (eleven)."""
    root = defog_dir()
    if not root.is_dir():
        raise ConfigError(f"no defog databases in {root}")
    return sorted(p.name for p in root.iterdir() if (p / f"{p.name}.sql").is_file())


def _check_names(db_names: Iterable[str] | None) -> list[str]:
    known = list_defog()
    if db_names is None:
        return known
    names = list(db_names)
    for name in names:
        if name not in known:
            raise UnknownDatabase(name, known)
    return names


def descriptions(db: str) -> dict[str, dict[str, str]]:
    """``{table: {column: description}}`` from ``<db>.json`` (names lower-cased; empty
    descriptions left out)."""
    path = defog_dir() / db / f"{db}.json"
    if not path.is_file():
        return {}
    data = json.loads(path.read_text())
    out: dict[str, dict[str, str]] = {}
    for table, columns in data.get("table_metadata", {}).items():
        table_key = table.split(".")[-1].lower()
        for column in columns:
            text = (column.get("column_description") or "").strip()
            if text:
                out.setdefault(table_key, {})[column["column_name"].lower()] = text
    return out


# reference clock -----------------------------------------------------------------
def reference_time(now: dt.datetime | None = None) -> dt.datetime:
    """The day's reference time for clock calls in the scripts (naive local time,
    whole seconds): the first one asked for today, kept in ``<home>/defog/clock.json``."""
    path = settings.home() / "defog" / "clock.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    now = (now or dt.datetime.now()).replace(microsecond=0)
    try:
        stored = dt.datetime.fromisoformat(json.loads(path.read_text())["reference"])
        if stored.date() == now.date():
            return stored
    except (OSError, ValueError, KeyError):
        pass
    path.write_text(json.dumps({"reference": now.isoformat()}))
    return now


def _utc_offset(ref: dt.datetime) -> str:
    offset = ref.astimezone().utcoffset() or dt.timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


# parsing ---------------------------------------------------------------------
@dataclass
class TableInfo:
    name: str  # without schema
    schema: str | None
    columns: list[str] = field(default_factory=list)
    types: dict[str, str] = field(default_factory=dict)  # column -> sqlglot type name (upper)
    clock_defaults: list[str] = field(default_factory=list)  # columns whose DEFAULT is a clock call


@dataclass
class Script:
    db: str
    statements: list[Any]  # sqlglot expressions
    tables: dict[str, TableInfo]  # lower-case name -> info
    row_counts: dict[str, int]  # lower-case table name -> rows inserted by the script
    digest: str


@lru_cache(maxsize=None)
def load_script(db: str) -> Script:
    """Parse ``<db>.sql`` once (PostgreSQL dialect)."""
    import sqlglot
    from sqlglot import exp

    path = defog_dir() / db / f"{db}.sql"
    text = path.read_text()
    statements = [s for s in sqlglot.parse(text, read=script_dialect()) if s is not None]
    tables: dict[str, TableInfo] = {}
    counts: dict[str, int] = {}
    for statement in statements:
        if isinstance(statement, exp.Create) and statement.kind == "TABLE":
            table = statement.this.this if isinstance(statement.this, exp.Schema) else statement.this
            info = TableInfo(table.name, table.db or None)
            for column in statement.find_all(exp.ColumnDef):
                info.columns.append(column.name)
                kind = column.args.get("kind")
                info.types[column.name.lower()] = kind.this.name if kind is not None else "TEXT"
                for constraint in column.args.get("constraints") or []:
                    if isinstance(constraint.kind, exp.DefaultColumnConstraint) and is_clock(constraint.kind.this):
                        info.clock_defaults.append(column.name)
            tables[info.name.lower()] = info
            counts[info.name.lower()] = 0
        elif isinstance(statement, exp.Insert):
            target = statement.this.this if isinstance(statement.this, exp.Schema) else statement.this
            values = statement.expression
            counts[target.name.lower()] = counts.get(target.name.lower(), 0) + len(values.expressions)
    return Script(db, statements, tables, counts, hashlib.sha256(text.encode()).hexdigest()[:16])


def _with_clock_defaults(statement, script: Script, clock_literal: Callable[[str], Any]):
    """An INSERT that leaves out a clock-defaulted column gets the reference time for it."""
    from sqlglot import exp

    target = statement.this.this
    info = script.tables.get(target.name.lower())
    named = [c.name.lower() for c in statement.this.expressions]
    missing = [c for c in (info.clock_defaults if info else []) if c.lower() not in named]
    if not missing:
        return statement
    statement = statement.copy()
    for column in missing:
        statement.this.append("expressions", exp.to_identifier(column))
        for row in statement.expression.expressions:
            row.append("expressions", clock_literal(info.types.get(column.lower(), "TIMESTAMP")))
    return statement


# loading, either engine --------------------------------------------------------------
def _skip_or_rebuild(
    names: list[str],
    ref: dt.datetime,
    marker: Callable[[str], Any],
    counts: Callable[[str, Script], dict[str, int] | None],
    rebuild: Callable[[str, Script], None],
    progress: Progress | None,
    force: bool,
) -> dict[str, str]:
    """Each database is skipped when its load marker (``marker(db)``: ``(digest,
    reference)`` or None) records the script's digest and the day's reference time and
    its live row counts equal the script's (unless ``force``), else rebuilt. Returns
    ``{db: "loaded" | "skipped"}``."""
    outcome: dict[str, str] = {}
    for db in names:
        script = load_script(db)
        total = len(script.statements)
        found = marker(db)
        if (
            not force
            and found
            and found[0] == script.digest
            and found[1] == ref.isoformat()
            and counts(db, script) == script.row_counts
        ):
            outcome[db] = "skipped"
            if progress:
                progress(db, total, total)
            continue
        rebuild(db, script)
        outcome[db] = "loaded"
    return outcome


# PostgreSQL --------------------------------------------------------------------
def _pg_statements(script: Script, ref: dt.datetime) -> list[str]:
    """The script as PostgreSQL SQL, clock calls replaced by the reference time."""
    from sqlglot import exp

    stamp = f"{ref.isoformat(sep=' ')}{_utc_offset(ref)}"

    def literal(node):
        if isinstance(node, exp.CurrentDate):
            return exp.cast(exp.Literal.string(ref.date().isoformat()), "DATE")
        if is_clock(node):
            return exp.cast(exp.Literal.string(stamp), "TIMESTAMPTZ")
        return node

    out = []
    for statement in script.statements:
        if isinstance(statement, exp.Insert):
            statement = _with_clock_defaults(statement, script, lambda _t: literal(exp.CurrentTimestamp()))
            statement = statement.transform(literal)
        out.append(statement.sql(script_dialect(), comments=False))
    return out


def _pg_admin(settings_: dict | None):
    import psycopg

    from momq.engines.postgres import server_conninfo

    info, _where = server_conninfo(
        "postgres", settings_ if settings_ is not None else settings.engine_settings("postgres"), admin=True
    )
    return info, psycopg.connect(**info, autocommit=True, connect_timeout=10)


def _pg_counts(info: dict, db: str, script: Script) -> dict[str, int] | None:
    import psycopg

    try:
        with psycopg.connect(**{**info, "dbname": db}, autocommit=True, connect_timeout=10) as conn:
            counts = {}
            for key, table in script.tables.items():
                qualified = f'"{table.schema}"."{key}"' if table.schema else f'"{key}"'
                counts[key] = conn.execute(f"SELECT COUNT(*) FROM {qualified}").fetchone()[0]
            return counts
    except psycopg.Error:
        return None


def build_postgres(
    db_names: Iterable[str] | None = None,
    progress: Progress | None = None,
    *,
    settings_: dict | None = None,
    force: bool = False,
) -> dict[str, str]:
    """Load the defog databases into PostgreSQL (the configured server or the embedded
    one). Returns ``{db: "loaded" | "skipped"}``."""
    names = _check_names(db_names)
    ref = reference_time()
    info, admin = _pg_admin(settings_)
    embedded = not (settings_ if settings_ is not None else settings.engine_settings("postgres")).get("url")
    with admin:
        admin.execute(
            f"CREATE TABLE IF NOT EXISTS {_META_TABLE_PG} (db text PRIMARY KEY, digest text, "
            "reference text, counts jsonb, loaded_at timestamptz DEFAULT now())"
        )

        def marker(db: str) -> Any:
            return admin.execute(f"SELECT digest, reference FROM {_META_TABLE_PG} WHERE db = %s", (db,)).fetchone()

        def rebuild(db: str, script: Script) -> None:
            admin.execute(f"DELETE FROM {_META_TABLE_PG} WHERE db = %s", (db,))
            admin.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
            admin.execute(f"CREATE DATABASE \"{db}\" ENCODING 'UTF8' TEMPLATE template0")
            _pg_load(info, db, script, ref, progress, embedded)
            admin.execute(
                f"INSERT INTO {_META_TABLE_PG} (db, digest, reference, counts) VALUES (%s, %s, %s, %s)",
                (db, script.digest, ref.isoformat(), json.dumps(script.row_counts)),
            )
            generation.renew("postgres", db)

        return _skip_or_rebuild(
            names, ref, marker, lambda db, script: _pg_counts(info, db, script), rebuild, progress, force
        )


def _pg_load(info: dict, db: str, script: Script, ref: dt.datetime, progress: Progress | None, embedded: bool) -> None:
    import psycopg

    from momq.engines.servers.postgres import READER, harden

    statements = _pg_statements(script, ref)
    with psycopg.connect(**{**info, "dbname": db}, connect_timeout=10) as conn:
        conn.execute(f"SET TIME ZONE INTERVAL '{_utc_offset(ref)}' HOUR TO MINUTE")
        for done, sql in enumerate(statements, 1):
            conn.execute(sql.encode())
            if progress:
                progress(db, done, len(statements))
        if embedded:
            schemas = sorted({t.schema or "public" for t in script.tables.values()})
            conn.execute(f'GRANT CONNECT ON DATABASE "{db}" TO {READER}')
            conn.execute(f'REVOKE CREATE, TEMPORARY ON DATABASE "{db}" FROM PUBLIC')
            for schema in schemas:
                conn.execute(f'GRANT USAGE ON SCHEMA "{schema}" TO {READER}')
                conn.execute(f'GRANT SELECT ON ALL TABLES IN SCHEMA "{schema}" TO {READER}')
        conn.commit()
        if embedded:
            conn.autocommit = True
            harden(conn)
            conn.autocommit = False
        conn.execute("ANALYZE")  # fresh statistics: plans (and timings) as on a settled database
        conn.commit()


# MySQL -------------------------------------------------------------------------
def _mysql_create(statement, script: Script) -> str:
    """CREATE TABLE translated for MySQL 8 / MariaDB (see module docstring)."""
    from sqlglot import exp

    statement = statement.copy()
    for table in statement.find_all(exp.Table):
        table.set("db", None)
        table.set("catalog", None)
    for column in statement.find_all(exp.ColumnDef):
        kind = column.args.get("kind")
        if kind is None:
            continue
        if kind.this == exp.DataType.Type.SERIAL:
            column.set("kind", exp.DataType.build("INT"))
            column.append("constraints", exp.ColumnConstraint(kind=exp.AutoIncrementColumnConstraint()))
        elif kind.this == exp.DataType.Type.BIGSERIAL:
            column.set("kind", exp.DataType.build("BIGINT"))
            column.append("constraints", exp.ColumnConstraint(kind=exp.AutoIncrementColumnConstraint()))
        elif kind.this == exp.DataType.Type.DECIMAL and not kind.expressions:
            column.set("kind", exp.DataType.build("DECIMAL(30, 10)"))
        referenced = _referenced_type(column, script)
        if referenced and referenced != kind.this.name:
            # InnoDB wants a foreign key and its target of the same type (PostgreSQL
            # accepts INT -> BIGINT): widen the referencing column
            column.set("kind", exp.DataType.build("INT" if referenced == "SERIAL" else referenced))
        is_text = kind.this == exp.DataType.Type.TEXT
        for constraint in column.args.get("constraints") or []:
            default = constraint.kind
            if not isinstance(default, exp.DefaultColumnConstraint):
                continue
            value = default.this
            if isinstance(value, exp.Cast) and isinstance(value.this, exp.Literal):
                # DEFAULT '0'::bigint -> DEFAULT 0 (MySQL 8 wants expression defaults in
                # parentheses; a literal needs none)
                value = value.this
                if (
                    value.is_string
                    and not is_text
                    and kind.this not in exp.DataType.TEXT_TYPES
                    and _is_number(value.this)
                ):
                    value = exp.Literal.number(value.this)
            if is_text and isinstance(value, exp.Literal):
                value = exp.Paren(this=value)  # MySQL 8: TEXT defaults must be expressions
            default.set("this", value)
    return statement.sql("mysql", comments=False)


def _referenced_type(column, script: Script) -> str | None:
    """Type name of the column a REFERENCES constraint on ``column`` points to."""
    from sqlglot import exp

    for constraint in column.args.get("constraints") or []:
        reference = constraint.kind if isinstance(constraint.kind, exp.Reference) else None
        if reference is None or not isinstance(reference.this, exp.Schema):
            continue
        target = script.tables.get(reference.this.this.name.lower())
        columns = reference.this.expressions
        if target and columns:
            return target.types.get(columns[0].name.lower())
    return None


def _is_number(text: str) -> bool:
    try:
        decimal.Decimal(text)
        return True
    except decimal.InvalidOperation:
        return False


def _mysql_insert(statement, script: Script, ref: dt.datetime) -> tuple[str, list[tuple]]:
    """An INSERT as one parameterised statement and its rows of evaluated values."""
    from sqlglot import exp

    statement = _with_clock_defaults(statement, script, lambda _t: exp.CurrentTimestamp())
    target = statement.this.this
    info = script.tables[target.name.lower()]
    columns = [c.name for c in statement.this.expressions]
    types = [info.types.get(c.lower(), "TEXT") for c in columns]
    evaluator = PgConstEvaluator(ref)
    rows = []
    for row in statement.expression.expressions:
        rows.append(tuple(_coerce(evaluator.value(value), kind) for value, kind in zip(row.expressions, types)))
    sql = (
        f"INSERT INTO `{info.name}` ({', '.join(f'`{c}`' for c in columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )
    return sql, rows


_INT_TYPES = {"INT", "BIGINT", "SMALLINT", "TINYINT", "MEDIUMINT", "SERIAL", "BIGSERIAL", "SMALLSERIAL"}


def _coerce(value: Any, kind: str) -> Any:
    """A computed value as PostgreSQL would store it in a column of type ``kind``."""
    if value is None:
        return None
    if kind in _INT_TYPES and isinstance(value, (decimal.Decimal, float)):
        return int(decimal.Decimal(value).to_integral_value(rounding=decimal.ROUND_HALF_UP))
    if kind == "DATE" and isinstance(value, dt.datetime):
        return value.date()
    if (
        kind in {"TIMESTAMP", "DATETIME", "TIMESTAMPTZ"}
        and isinstance(value, dt.date)
        and not isinstance(value, dt.datetime)
    ):
        return dt.datetime.combine(value, dt.time())
    return value


def _mysql_admin(settings_: dict | None, database: str | None = None):
    import pymysql

    from momq.engines.mysql import server_conninfo

    info, _where = server_conninfo(
        database, settings_ if settings_ is not None else settings.engine_settings("mysql"), admin=True
    )
    return info, pymysql.connect(**info, autocommit=True, charset="utf8mb4", connect_timeout=10)


def _mysql_counts(cur, db: str, script: Script) -> dict[str, int] | None:
    import pymysql

    counts = {}
    try:
        for key, table in script.tables.items():
            cur.execute(f"SELECT COUNT(*) FROM `{db}`.`{table.name}`")
            counts[key] = cur.fetchone()[0]
    except pymysql.err.MySQLError:
        return None
    return counts


def build_mysql(
    db_names: Iterable[str] | None = None,
    progress: Progress | None = None,
    *,
    settings_: dict | None = None,
    force: bool = False,
) -> dict[str, str]:
    """Load the defog databases into MySQL 8 / MariaDB (the configured server or the
    embedded MariaDB). Returns ``{db: "loaded" | "skipped"}``."""
    from momq.engines.servers.mariadb import READER

    names = _check_names(db_names)
    ref = reference_time()
    embedded = not (settings_ if settings_ is not None else settings.engine_settings("mysql")).get("url")
    _info, conn = _mysql_admin(settings_)
    try:
        with conn.cursor() as cur:
            cur.execute(f"CREATE DATABASE IF NOT EXISTS `{_META_DB_MYSQL}`")
            cur.execute(
                f"CREATE TABLE IF NOT EXISTS `{_META_DB_MYSQL}`.defog_loads (db VARCHAR(64) PRIMARY KEY, "
                "digest VARCHAR(64), reference VARCHAR(32), counts TEXT, "
                "loaded_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP)"
            )
            # the session must store what the script says, whatever the server's defaults
            cur.execute(f"SET SESSION time_zone = '{_utc_offset(ref)}'")
            cur.execute(
                "SET SESSION sql_mode = 'ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,"
                "NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION'"
            )
            cur.execute("SET SESSION foreign_key_checks = 0")

            def marker(db: str) -> Any:
                cur.execute(f"SELECT digest, reference FROM `{_META_DB_MYSQL}`.defog_loads WHERE db = %s", (db,))
                return cur.fetchone()

            def rebuild(db: str, script: Script) -> None:
                cur.execute(f"DELETE FROM `{_META_DB_MYSQL}`.defog_loads WHERE db = %s", (db,))
                cur.execute(f"DROP DATABASE IF EXISTS `{db}`")
                cur.execute(f"CREATE DATABASE `{db}` CHARACTER SET utf8mb4")
                cur.execute(f"USE `{db}`")
                _mysql_load(conn, cur, script, ref, progress)
                if embedded:
                    cur.execute(f"GRANT SELECT, SHOW VIEW ON `{db}`.* TO '{READER}'@'127.0.0.1'")
                cur.execute(
                    f"INSERT INTO `{_META_DB_MYSQL}`.defog_loads (db, digest, reference, counts) "
                    "VALUES (%s, %s, %s, %s)",
                    (db, script.digest, ref.isoformat(), json.dumps(script.row_counts)),
                )
                generation.renew("mysql", db)

            return _skip_or_rebuild(
                names, ref, marker, lambda db, script: _mysql_counts(cur, db, script), rebuild, progress, force
            )
    finally:
        conn.close()


def _mysql_load(conn, cur, script: Script, ref: dt.datetime, progress: Progress | None) -> None:
    from sqlglot import exp

    total = len(script.statements)
    conn.begin()
    for done, statement in enumerate(script.statements, 1):
        if isinstance(statement, exp.Create) and statement.kind == "TABLE":
            cur.execute(_mysql_create(statement, script))
        elif isinstance(statement, exp.Insert):
            sql, rows = _mysql_insert(statement, script, ref)
            cur.executemany(sql, rows)
        # CREATE SCHEMA and other statements have no MySQL counterpart: schemas are stripped
        if progress:
            progress(script.db, done, total)
    conn.commit()
