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
(``_PgConstEvaluator``: interval arithmetic with month clamping, DATE_TRUNC with
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

import calendar
import datetime as dt
import decimal
import hashlib
import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable

from momq import settings
from momq.errors import ConfigError, UnknownDatabase
from momq.schema.cache import invalidate

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


def _is_clock(node) -> bool:
    from sqlglot import exp

    if isinstance(node, (exp.CurrentDate, exp.CurrentTimestamp, exp.CurrentTime)):
        return True
    return isinstance(node, exp.Anonymous) and node.name.upper() in {"NOW", "LOCALTIMESTAMP"}


@lru_cache(maxsize=1)
def _script_dialect():
    """PostgreSQL as sqlglot reads it, except that TO_CHAR stays a plain function call:
    sqlglot would rewrite its format into strftime codes and lose what PostgreSQL
    does with the scripts' odd formats."""
    from sqlglot.dialects.postgres import Postgres

    class ScriptPostgres(Postgres):
        class Parser(Postgres.Parser):
            FUNCTIONS = {k: v for k, v in Postgres.Parser.FUNCTIONS.items() if k != "TO_CHAR"}

    return ScriptPostgres


@lru_cache(maxsize=None)
def load_script(db: str) -> Script:
    """Parse ``<db>.sql`` once (PostgreSQL dialect)."""
    import sqlglot
    from sqlglot import exp

    path = defog_dir() / db / f"{db}.sql"
    text = path.read_text()
    statements = [s for s in sqlglot.parse(text, read=_script_dialect()) if s is not None]
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
                    if isinstance(constraint.kind, exp.DefaultColumnConstraint) and _is_clock(constraint.kind.this):
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


# PostgreSQL --------------------------------------------------------------------
def _pg_statements(script: Script, ref: dt.datetime) -> list[str]:
    """The script as PostgreSQL SQL, clock calls replaced by the reference time."""
    from sqlglot import exp

    stamp = f"{ref.isoformat(sep=' ')}{_utc_offset(ref)}"

    def literal(node):
        if isinstance(node, exp.CurrentDate):
            return exp.cast(exp.Literal.string(ref.date().isoformat()), "DATE")
        if _is_clock(node):
            return exp.cast(exp.Literal.string(stamp), "TIMESTAMPTZ")
        return node

    out = []
    for statement in script.statements:
        if isinstance(statement, exp.Insert):
            statement = _with_clock_defaults(statement, script, lambda _t: literal(exp.CurrentTimestamp()))
            statement = statement.transform(literal)
        out.append(statement.sql(_script_dialect(), comments=False))
    return out


def _pg_admin(settings_: dict | None):
    import psycopg

    from momq.engines.postgres import server_conninfo

    info, _where = server_conninfo("postgres", settings_ if settings_ is not None
                                   else settings.engine_settings("postgres"), admin=True)
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


def build_postgres(db_names: Iterable[str] | None = None, progress: Progress | None = None, *,
                   settings_: dict | None = None, force: bool = False) -> dict[str, str]:
    """Load the defog databases into PostgreSQL (the configured server or the embedded
    one). Returns ``{db: "loaded" | "skipped"}``."""
    names = _check_names(db_names)
    ref = reference_time()
    info, admin = _pg_admin(settings_)
    embedded = not (settings_ if settings_ is not None else settings.engine_settings("postgres")).get("url")
    outcome: dict[str, str] = {}
    with admin:
        admin.execute(f"CREATE TABLE IF NOT EXISTS {_META_TABLE_PG} (db text PRIMARY KEY, digest text, "
                      "reference text, counts jsonb, loaded_at timestamptz DEFAULT now())")
        for db in names:
            script = load_script(db)
            total = len(script.statements)
            marker = admin.execute(f"SELECT digest, reference, counts FROM {_META_TABLE_PG} WHERE db = %s",
                                   (db,)).fetchone()
            if (not force and marker and marker[0] == script.digest and marker[1] == ref.isoformat()
                    and _pg_counts(info, db, script) == script.row_counts):
                outcome[db] = "skipped"
                if progress:
                    progress(db, total, total)
                continue
            admin.execute(f"DELETE FROM {_META_TABLE_PG} WHERE db = %s", (db,))
            admin.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{db}" ENCODING \'UTF8\' TEMPLATE template0')
            _pg_load(info, db, script, ref, progress, embedded)
            admin.execute(f"INSERT INTO {_META_TABLE_PG} (db, digest, reference, counts) VALUES (%s, %s, %s, %s)",
                          (db, script.digest, ref.isoformat(), json.dumps(script.row_counts)))
            invalidate("postgres", db)
            outcome[db] = "loaded"
    return outcome


def _pg_load(info: dict, db: str, script: Script, ref: dt.datetime, progress: Progress | None,
             embedded: bool) -> None:
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
                if value.is_string and not is_text and kind.this not in exp.DataType.TEXT_TYPES \
                        and _is_number(value.this):
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
    evaluator = _PgConstEvaluator(ref)
    rows = []
    for row in statement.expression.expressions:
        rows.append(tuple(_coerce(evaluator.value(value), kind) for value, kind in zip(row.expressions, types)))
    sql = (f"INSERT INTO `{info.name}` ({', '.join(f'`{c}`' for c in columns)}) "
           f"VALUES ({', '.join(['%s'] * len(columns))})")
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
    if kind in {"TIMESTAMP", "DATETIME", "TIMESTAMPTZ"} and isinstance(value, dt.date) \
            and not isinstance(value, dt.datetime):
        return dt.datetime.combine(value, dt.time())
    return value


def _mysql_admin(settings_: dict | None, database: str | None = None):
    import pymysql

    from momq.engines.mysql import server_conninfo

    info, _where = server_conninfo(database, settings_ if settings_ is not None
                                   else settings.engine_settings("mysql"), admin=True)
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


def build_mysql(db_names: Iterable[str] | None = None, progress: Progress | None = None, *,
                settings_: dict | None = None, force: bool = False) -> dict[str, str]:
    """Load the defog databases into MySQL 8 / MariaDB (the configured server or the
    embedded MariaDB). Returns ``{db: "loaded" | "skipped"}``."""
    from momq.engines.servers.mariadb import READER

    names = _check_names(db_names)
    ref = reference_time()
    embedded = not (settings_ if settings_ is not None else settings.engine_settings("mysql")).get("url")
    _info, conn = _mysql_admin(settings_)
    outcome: dict[str, str] = {}
    try:
        with conn.cursor() as cur:
            cur.execute(f"CREATE DATABASE IF NOT EXISTS `{_META_DB_MYSQL}`")
            cur.execute(f"CREATE TABLE IF NOT EXISTS `{_META_DB_MYSQL}`.defog_loads (db VARCHAR(64) PRIMARY KEY, "
                        "digest VARCHAR(64), reference VARCHAR(32), counts TEXT, "
                        "loaded_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP)")
            # the session must store what the script says, whatever the server's defaults
            cur.execute(f"SET SESSION time_zone = '{_utc_offset(ref)}'")
            cur.execute("SET SESSION sql_mode = 'ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,"
                        "NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION'")
            cur.execute("SET SESSION foreign_key_checks = 0")
            for db in names:
                script = load_script(db)
                total = len(script.statements)
                cur.execute(f"SELECT digest, reference, counts FROM `{_META_DB_MYSQL}`.defog_loads WHERE db = %s",
                            (db,))
                marker = cur.fetchone()
                if (not force and marker and marker[0] == script.digest and marker[1] == ref.isoformat()
                        and _mysql_counts(cur, db, script) == script.row_counts):
                    outcome[db] = "skipped"
                    if progress:
                        progress(db, total, total)
                    continue
                cur.execute(f"DELETE FROM `{_META_DB_MYSQL}`.defog_loads WHERE db = %s", (db,))
                cur.execute(f"DROP DATABASE IF EXISTS `{db}`")
                cur.execute(f"CREATE DATABASE `{db}` CHARACTER SET utf8mb4")
                cur.execute(f"USE `{db}`")
                _mysql_load(conn, cur, script, ref, progress)
                if embedded:
                    cur.execute(f"GRANT SELECT, SHOW VIEW ON `{db}`.* TO '{READER}'@'127.0.0.1'")
                cur.execute(f"INSERT INTO `{_META_DB_MYSQL}`.defog_loads (db, digest, reference, counts) "
                            "VALUES (%s, %s, %s, %s)",
                            (db, script.digest, ref.isoformat(), json.dumps(script.row_counts)))
                invalidate("mysql", db)
                outcome[db] = "loaded"
    finally:
        conn.close()
    return outcome


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


# PostgreSQL constant expressions -----------------------------------------------------
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December"]
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


@dataclass(frozen=True)
class _Interval:
    months: int = 0
    days: int = 0
    seconds: float = 0.0

    def scaled(self, sign: int) -> "_Interval":
        return _Interval(sign * self.months, sign * self.days, sign * self.seconds)


_UNITS = {
    "YEAR": (12, 0, 0), "MONTH": (1, 0, 0), "WEEK": (0, 7, 0), "DAY": (0, 1, 0), "HOUR": (0, 0, 3600),
    "MINUTE": (0, 0, 60), "MIN": (0, 0, 60), "SECOND": (0, 0, 1), "SEC": (0, 0, 1),
}


def _parse_interval(text: str) -> _Interval:
    """``'5 days'``, ``'1 year 2 months'``, ``'15 min'`` (PostgreSQL's input syntax)."""
    parts = text.replace(",", " ").split()
    months = days = 0
    seconds = 0.0
    if len(parts) % 2:
        raise ValueError(f"unsupported interval {text!r}")
    for amount, unit in zip(parts[::2], parts[1::2]):
        unit = unit.upper().rstrip("S") if unit.upper() not in {"S"} else "SECOND"
        if unit not in _UNITS:
            raise ValueError(f"unsupported interval unit in {text!r}")
        m, d, s = _UNITS[unit]
        value = decimal.Decimal(amount)
        if value != int(value) and (m or d):
            raise ValueError(f"fractional month/day intervals are not supported: {text!r}")
        months += int(value) * m
        days += int(value) * d
        seconds += float(value) * s
    return _Interval(months, days, seconds)


def _add_months(value: dt.datetime, months: int) -> dt.datetime:
    """PostgreSQL's month arithmetic: the day is clamped to the month's last day."""
    total = value.year * 12 + value.month - 1 + months
    year, month = divmod(total, 12)
    day = min(value.day, calendar.monthrange(year, month + 1)[1])
    return value.replace(year=year, month=month + 1, day=day)


def _as_datetime(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time())
    raise ValueError(f"not a date/time value: {value!r}")


def _shift(value: Any, interval: _Interval) -> dt.datetime:
    """``timestamp + interval``: months first, then days, then the time part."""
    out = _add_months(_as_datetime(value), interval.months)
    return out + dt.timedelta(days=interval.days, seconds=interval.seconds)


_CASED_PATTERNS: list[tuple[str, Callable[[dt.datetime], str]]] = [
    # their case changes the output, so they match exactly
    ("FMMonth", lambda v: _MONTHS[v.month - 1]),
    ("MONTH", lambda v: _MONTHS[v.month - 1].upper().ljust(9)),
    ("Month", lambda v: _MONTHS[v.month - 1].ljust(9)),
    ("month", lambda v: _MONTHS[v.month - 1].lower().ljust(9)),
    ("DAY", lambda v: _DAYS[v.weekday()].upper().ljust(9)),
    ("Day", lambda v: _DAYS[v.weekday()].ljust(9)),
    ("day", lambda v: _DAYS[v.weekday()].lower().ljust(9)),
    ("MON", lambda v: _MONTHS[v.month - 1][:3].upper()),
    ("Mon", lambda v: _MONTHS[v.month - 1][:3]),
    ("mon", lambda v: _MONTHS[v.month - 1][:3].lower()),
]
_PATTERNS: list[tuple[str, Callable[[dt.datetime], str]]] = [
    # matched case-insensitively, longest first
    ("YYYY", lambda v: f"{v.year:04d}"),
    ("HH24", lambda v: f"{v.hour:02d}"),
    ("HH12", lambda v: f"{(v.hour % 12) or 12:02d}"),
    ("YYY", lambda v: f"{v.year % 1000:03d}"),
    ("YY", lambda v: f"{v.year % 100:02d}"),
    ("MM", lambda v: f"{v.month:02d}"),
    ("MI", lambda v: f"{v.minute:02d}"),
    ("SS", lambda v: f"{v.second:02d}"),
    ("DD", lambda v: f"{v.day:02d}"),
    ("HH", lambda v: f"{(v.hour % 12) or 12:02d}"),
    ("Y", lambda v: str(v.year % 10)),
    ("D", lambda v: str(v.isoweekday() % 7 + 1)),  # day of the week, Sunday = 1
    ("I", lambda v: str(v.isocalendar()[0] % 10)),  # last digit of the ISO year
]


def _to_char(value: Any, fmt: str) -> str:
    """The subset of PostgreSQL's TO_CHAR template patterns the defog scripts use (and
    close neighbours); other characters are copied as they are, as PostgreSQL does.
    The scripts hold MySQL-style formats (``'%Y%m%d %H:%i:%s'``) that PostgreSQL reads
    its own way (``%Y`` -> ``%`` + last digit of the year, ``%d`` -> day of the week,
    ``%i`` -> last digit of the ISO year): reproduced here."""
    value = _as_datetime(value)
    out, i = [], 0
    while i < len(fmt):
        for pattern, render in _CASED_PATTERNS:
            if fmt.startswith(pattern, i):
                break
        else:
            for pattern, render in _PATTERNS:
                if fmt[i:i + len(pattern)].upper() == pattern:
                    break
            else:
                out.append(fmt[i])
                i += 1
                continue
        out.append(render(value))
        i += len(pattern)
    return "".join(out)


class _PgConstEvaluator:
    """Evaluates the constant expressions of the defog INSERTs with PostgreSQL's rules,
    given the reference time. Raises ValueError on anything it does not know, so a new
    construct in a script fails loudly instead of loading a wrong value."""

    def __init__(self, ref: dt.datetime):
        self.ref = ref

    def value(self, node) -> Any:
        from sqlglot import exp

        if isinstance(node, exp.Null):
            return None
        if isinstance(node, exp.Boolean):
            return bool(node.this)
        if isinstance(node, exp.Literal):
            if node.is_string:
                return node.this
            text = node.this
            return int(text) if text.lstrip("-").isdigit() else decimal.Decimal(text)
        if isinstance(node, exp.Neg):
            return -self.value(node.this)
        if isinstance(node, exp.Paren):
            return self.value(node.this)
        if isinstance(node, exp.CurrentDate):
            return self.ref.date()
        if _is_clock(node):
            return self.ref
        if isinstance(node, exp.Interval):
            unit = node.args.get("unit")
            text = node.this.name if isinstance(node.this, exp.Literal) else node.this.sql()
            return _parse_interval(f"{text} {unit.name}" if unit is not None else text)
        if isinstance(node, (exp.Add, exp.Sub)):
            left, right = self.value(node.this), self.value(node.expression)
            sign = 1 if isinstance(node, exp.Add) else -1
            if isinstance(right, _Interval):
                return _shift(left, right.scaled(sign))
            if isinstance(left, _Interval):
                return _shift(right, left) if sign == 1 else None
            return left + sign * right
        if isinstance(node, exp.Mul):
            return self.value(node.this) * self.value(node.expression)
        if isinstance(node, exp.Div):
            return decimal.Decimal(self.value(node.this)) / decimal.Decimal(self.value(node.expression))
        if isinstance(node, exp.TimestampTrunc) or isinstance(node, exp.DateTrunc):
            unit = node.args.get("unit")
            return self._trunc(unit.name.upper() if unit is not None else "DAY", self.value(node.this))
        if isinstance(node, exp.Extract):
            part = node.this.name.upper()
            value = _as_datetime(self.value(node.expression))
            if part == "EPOCH":
                aware = value.astimezone()  # the load session's time zone is the local one
                return decimal.Decimal(int(aware.timestamp())) + decimal.Decimal(value.microsecond) / 1_000_000
            return {"YEAR": value.year, "MONTH": value.month, "DAY": value.day, "HOUR": value.hour,
                    "MINUTE": value.minute, "DOW": value.isoweekday() % 7}[part]
        if isinstance(node, exp.Anonymous) and node.name.upper() == "TO_CHAR" and len(node.expressions) == 2:
            return _to_char(self.value(node.expressions[0]), self.value(node.expressions[1]))
        if isinstance(node, exp.Cast) and isinstance(node.this, exp.Literal):
            target = node.to.this.name
            text = self.value(node.this)
            if target == "DATE":
                return dt.date.fromisoformat(str(text))
            if target.startswith("TIMESTAMP") or target == "DATETIME":
                return dt.datetime.fromisoformat(str(text)).replace(tzinfo=None)
            return text
        raise ValueError(f"cannot evaluate {node.sql(_script_dialect())!r} for MySQL")

    @staticmethod
    def _trunc(unit: str, value: Any) -> dt.datetime:
        value = _as_datetime(value)
        if unit == "YEAR":
            return value.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
        if unit == "QUARTER":
            return value.replace(month=(value.month - 1) // 3 * 3 + 1, day=1, hour=0, minute=0, second=0,
                                 microsecond=0)
        if unit == "MONTH":
            return value.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        if unit == "WEEK":  # ISO weeks start on Monday
            day = value - dt.timedelta(days=value.weekday())
            return day.replace(hour=0, minute=0, second=0, microsecond=0)
        if unit == "DAY":
            return value.replace(hour=0, minute=0, second=0, microsecond=0)
        if unit == "HOUR":
            return value.replace(minute=0, second=0, microsecond=0)
        raise ValueError(f"unsupported DATE_TRUNC unit {unit}")
