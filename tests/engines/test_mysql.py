"""The MySQL engine on the embedded MariaDB: results, error classes, limits,
introspection, and the defog load compared with PostgreSQL table by table. The first
tests need no server: they check the translation of the defog scripts."""

from __future__ import annotations

import csv
import decimal

import pytest

from momq.errors import (
    EngineUnavailable,
    QuerySyntaxError,
    QueryTimeout,
    ReadOnlyViolation,
    SchemaError,
    UnknownDatabase,
)
from tests.engines.sql_fixtures import comparable, first_gold


def test_defog_scripts_parse():
    from momq.databases import defog

    names = defog.list_defog()
    assert len(names) == 11
    scripts = [defog.load_script(name) for name in names]
    assert sum(len(s.tables) for s in scripts) == 110
    assert all(sum(s.row_counts.values()) > 0 for s in scripts)
    assert defog.descriptions("broker")  # column descriptions from broker.json


def test_mysql_ddl_fixes():
    from sqlglot import exp

    from momq.databases import defog

    def create(db, table):
        script = defog.load_script(db)
        statement = next(
            s
            for s in script.statements
            if isinstance(s, exp.Create) and s.kind == "TABLE" and s.this.this.name.lower() == table
        )
        return defog._mysql_create(statement, script)

    cars = create("car_dealership", "cars")
    assert "AUTO_INCREMENT" in cars and "SERIAL" not in cars
    assert "DECIMAL(30, 10)" in create("advising", "student")  # plain numeric gets a scale
    notifications = create("ewallet", "notifications")
    assert "consumer_div" not in notifications and "user_id BIGINT" in notifications
    assert "category TEXT DEFAULT ('') NOT NULL" in create("advising", "program_course")  # MySQL 8 form


def test_postgres_constant_semantics():
    """The evaluator reproduces values measured on PostgreSQL 15."""
    import datetime as dt

    import sqlglot

    from momq.databases.pg_constants import PgConstEvaluator, script_dialect, to_char

    ref = dt.datetime(2026, 11, 22, 2, 20, 41)
    assert to_char(dt.datetime(2026, 11, 14, 2, 20, 41), "YYYYMM%D HH24:%i:%s") == "202611%7 02:%6:%s"
    assert to_char(dt.datetime(2026, 11, 14, 2, 20, 41), "%Y%m%d %H:%i:%s") == "%6%m%7 %H:%6:%s"
    assert to_char(dt.date(2025, 8, 22), "Month") == "August   "
    evaluator = PgConstEvaluator(ref)

    def value(sql):
        return evaluator.value(sqlglot.parse_one(f"SELECT {sql}", read=script_dialect()).expressions[0])

    assert value("DATE_TRUNC('WEEK', CURRENT_DATE) - INTERVAL '1 WEEK'") == dt.datetime(2026, 11, 9)
    assert value("CURRENT_TIMESTAMP - INTERVAL '2 DAYS' + INTERVAL '15 MIN'") == dt.datetime(2026, 11, 20, 2, 35, 41)
    assert value("DATE '2026-03-31' - INTERVAL '1 month'") == dt.datetime(2026, 2, 28)
    assert value("EXTRACT(YEAR FROM CURRENT_DATE) - 2") == 2024


@pytest.mark.integration
def test_rows_and_flags(mysql_engine):
    engine = mysql_engine()
    result = engine.execute("SELECT id, cost FROM cars ORDER BY id LIMIT 2")
    assert result.columns == ["id", "cost"] and result.ordered and result.engine == "mysql"
    assert isinstance(result.rows[0][1], decimal.Decimal)
    assert not engine.execute("SELECT * FROM (SELECT id FROM cars ORDER BY id) x").ordered
    truncated = engine.execute("SELECT id FROM cars", max_rows=2)
    assert truncated.truncated and len(truncated) == 2


@pytest.mark.integration
def test_every_column_type_loads_as_plain_scalars(mysql_engine):
    """PyMySQL's converters give plain scalars only, so the engine checks no value one
    by one: integers, decimals, floats, dates, times, binary strings, JSON, BIT, NULL."""
    from momq.engines.sql_common import _SCALAR_TYPES

    query = (
        "SELECT 1, 12345678901, 1.5, 1e0, CAST(1.5 AS FLOAT), CAST('2020-01-02' AS DATE), "
        "CAST('2020-01-02 03:04' AS DATETIME), CAST('01:02' AS TIME), CAST('a' AS BINARY), JSON_OBJECT('a', 1), "
        "b'101', NULL, 'text', YEAR('2020-01-02'), (SELECT make FROM cars LIMIT 1), NOW()"
    )
    row = mysql_engine()._run(query, query, 30.0, 10)[1][0]  # past vetting: every type as it comes
    assert len(row) == 16 and all(type(value) in _SCALAR_TYPES for value in row)


@pytest.mark.integration
def test_mysql8_sql_mode(mysql_engine):
    engine = mysql_engine()
    mode = engine.execute("SELECT @@sql_mode").rows[0][0]
    assert "ONLY_FULL_GROUP_BY" in mode and "STRICT_TRANS_TABLES" in mode
    with pytest.raises(Exception) as info:  # ONLY_FULL_GROUP_BY refuses a bare column
        engine.execute("SELECT make, COUNT(*) FROM cars GROUP BY model")
    assert "GROUP BY" in str(info.value)


@pytest.mark.integration
def test_table_names_are_case_insensitive(mysql_engine):
    assert mysql_engine("broker").execute("SELECT COUNT(*) FROM sbCustomer").rows[0][0] > 0


@pytest.mark.integration
def test_syntax_error_has_position(mysql_engine):
    with pytest.raises(QuerySyntaxError) as info:
        mysql_engine().execute("SELECT id FROM cars WHERE id = = 2")
    assert info.value.position == len("SELECT id FROM cars WHERE id = ")


@pytest.mark.integration
def test_unknown_table_and_column(mysql_engine):
    engine = mysql_engine()
    with pytest.raises(SchemaError):
        engine.execute("SELECT * FROM no_such_table")
    with pytest.raises(SchemaError):
        engine.execute("SELECT no_such_column FROM cars")


@pytest.mark.integration
def test_timeout_then_usable(mysql_engine):
    engine = mysql_engine()
    with pytest.raises(QueryTimeout):
        engine.execute("SELECT SLEEP(5)", timeout_s=0.5)
    assert engine.execute("SELECT 3").rows == [(3,)]


@pytest.mark.integration
def test_write_is_refused(mysql_engine):
    with pytest.raises(ReadOnlyViolation):
        mysql_engine().execute("DROP TABLE cars")


@pytest.mark.integration
def test_unreachable_server_names_the_fix():
    from momq.engines import mysql
    from momq.engines.servers.base import free_port

    with pytest.raises(EngineUnavailable) as info:
        mysql.connect("car_dealership", {"url": f"mysql://u:secret@127.0.0.1:{free_port()}"})
    assert "momq engines up" in str(info.value) and "secret" not in str(info.value)


@pytest.mark.integration
def test_unknown_database(defog_mysql):
    from momq.engines import open_engine

    with pytest.raises(UnknownDatabase):
        open_engine("mysql", "no_such_db")


@pytest.mark.integration
def test_introspection(mysql_engine):
    from momq.schema.introspect_sql import introspect

    schema = introspect(mysql_engine("ewallet"))
    assert len(schema.tables) == 9
    notifications = schema.table("notifications")
    assert notifications.primary_key == ["id"]
    assert [(fk.columns, fk.ref_table, fk.ref_columns) for fk in notifications.foreign_keys] == [
        (["user_id"], "users", ["uid"])
    ]
    assert notifications.column("status").samples
    assert notifications.column("status").description.startswith("possible values")


@pytest.mark.integration
def test_defog_tables_match_postgres(defog_postgres, defog_mysql, pg_engine, mysql_engine):
    """All 110 defog tables hold the same rows on both engines (booleans as 0/1,
    numbers compared as floats to 6 digits)."""
    from momq.databases import defog

    calls = []
    assert set(defog.build_mysql(["yelp"], progress=lambda *a: calls.append(a)).values()) == {"skipped"}
    assert calls and calls[-1][1] == calls[-1][2]  # (db, done, total): done == total when skipped
    checked, mismatched = 0, []
    for db in defog.list_defog():
        script = defog.load_script(db)
        pg, my = pg_engine(db), mysql_engine(db)
        for table in script.tables.values():
            qualified = f"{table.schema}.{table.name}" if table.schema else table.name
            a = pg.execute(f"SELECT * FROM {qualified}", max_rows=1_000_000)
            b = my.execute(f"SELECT * FROM {table.name}", max_rows=1_000_000)
            rows_a = sorted((tuple(comparable(v) for v in row) for row in a.rows), key=repr)
            rows_b = sorted((tuple(comparable(v) for v in row) for row in b.rows), key=repr)
            checked += 1
            if rows_a != rows_b or [c.lower() for c in a.columns] != [c.lower() for c in b.columns]:
                mismatched.append(f"{db}.{table.name}")
    assert checked == 110
    assert mismatched == []


@pytest.mark.integration
def test_mariadb_golds_run(mysql_engine):
    """Nearly every sql-eval MySQL gold (patched for MariaDB) runs on the loaded databases."""
    from momq import settings

    path = settings.data_dir() / "sql" / "sql-eval" / "questions_gen_mysql_mariadb.csv"
    engines, failures = {}, []
    for row in csv.DictReader(path.open()):
        if row["db_name"] not in engines:
            engines[row["db_name"]] = mysql_engine(row["db_name"])
        try:
            engines[row["db_name"]].execute(first_gold(row["query"]), timeout_s=30)
        except Exception as exc:  # noqa: BLE001 - collected for the message
            failures.append((row["query"][:80], repr(exc)[:120]))
    assert len(failures) <= 3, failures
