"""The PostgreSQL engine on the embedded server: results, error classes, limits,
introspection."""

from __future__ import annotations

import csv
import datetime as dt
import decimal

import pytest

from momq.errors import (
    EngineUnavailable,
    ExecutionError,
    QuerySyntaxError,
    QueryTimeout,
    ReadOnlyViolation,
    SchemaError,
    UnknownDatabase,
)
from tests.engines.sql_fixtures import first_gold

pytestmark = pytest.mark.integration


def test_rows_are_plain_python_values(pg_engine):
    result = pg_engine().execute(
        "SELECT cars.id, cost, sale_date, make FROM cars JOIN sales ON sales.car_id = cars.id ORDER BY sales.id LIMIT 2"
    )
    assert result.columns == ["id", "cost", "sale_date", "make"]
    assert len(result) == 2 and result.ordered and not result.truncated and result.engine == "postgres"
    row = result.rows[0]
    assert isinstance(row, tuple) and isinstance(row[1], decimal.Decimal) and isinstance(row[2], dt.date)


def test_columns_of_scalar_types_load_as_plain_scalars(pg_engine):
    """The column types whose values the engine does not check one by one
    (``_SCALAR_OIDS``) load as plain scalars; other types (json, arrays, uuid) are made
    plain value by value."""
    from momq.engines.postgres import _SCALAR_OIDS
    from momq.engines.sql_common import _SCALAR_TYPES

    engine = pg_engine()
    columns = (
        "true, '\\x00ff'::bytea, 'n'::name, 1::int8, 1::int2, 1::int4, 't'::text, 1::oid, 3.7::float4, "
        "1.5::float8, 'c'::char(3), 'v'::varchar, date '2020-01-02', time '01:02', timestamp '2020-01-02 03:04', "
        "timestamptz '2020-01-02 03:04+00', interval '1 month 2 days', '01:02+03'::timetz, 1.5::numeric"
    )
    described = engine._conn.cursor(binary=True).execute(f"SELECT {columns}").description
    assert {column.type_code for column in described} == set(_SCALAR_OIDS)
    row = engine._run(f"SELECT {columns}", "", 30.0, 10)[1][0]  # past vetting, which refuses ::oid
    assert all(type(value) in _SCALAR_TYPES for value in row)
    assert row[8] == 3.7 and row[1] == b"\x00\xff"
    rows = engine.execute(
        "SELECT '{\"a\": [1]}'::jsonb, ARRAY[1, 2], 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid"
    ).rows
    assert rows == [({"a": [1]}, [1, 2], "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")]


def test_ordered_only_for_an_outermost_order_by(pg_engine):
    engine = pg_engine()
    assert not engine.execute("SELECT * FROM (SELECT id FROM cars ORDER BY id) x").ordered
    assert not engine.execute("SELECT id, ROW_NUMBER() OVER (ORDER BY id) FROM cars").ordered
    assert engine.execute("WITH x AS (SELECT id FROM cars) SELECT id FROM x ORDER BY id DESC;").ordered


def test_truncation_fetches_one_more_row(pg_engine):
    engine = pg_engine()
    total = engine.execute("SELECT COUNT(*) FROM cars").rows[0][0]
    assert engine.execute("SELECT id FROM cars", max_rows=total).truncated is False
    result = engine.execute("SELECT id FROM cars", max_rows=3)
    assert result.truncated and len(result) == 3


def test_syntax_error_has_position(pg_engine):
    with pytest.raises(QuerySyntaxError) as info:
        pg_engine().execute("SELECT id FROM cars WHERE")
    assert info.value.position == len("SELECT id FROM cars WHERE")
    assert info.value.engine == "postgres"


def test_unknown_table_and_column_are_schema_errors(pg_engine):
    engine = pg_engine()
    with pytest.raises(SchemaError):
        engine.execute("SELECT * FROM no_such_table")
    with pytest.raises(SchemaError) as info:
        engine.execute("SELECT no_such_column FROM cars")
    assert info.value.position == 7


def test_runtime_error_and_the_connection_survives(pg_engine):
    engine = pg_engine()
    with pytest.raises(ExecutionError):
        engine.execute("SELECT 1 / 0")
    assert engine.execute("SELECT 1").rows == [(1,)]


def test_timeout(pg_engine):
    engine = pg_engine()
    with pytest.raises(QueryTimeout):
        engine.execute("SELECT pg_sleep(5)", timeout_s=0.5)
    assert engine.execute("SELECT 2").rows == [(2,)]


def test_not_a_statement_is_a_syntax_error(pg_engine):
    with pytest.raises(QuerySyntaxError):
        pg_engine().execute("SELEC 1")


def test_write_is_refused(pg_engine):
    with pytest.raises(ReadOnlyViolation):
        pg_engine().execute("DELETE FROM cars")


def test_unreachable_server_names_the_fix():
    from momq.engines import postgres
    from momq.engines.servers.base import free_port

    with pytest.raises(EngineUnavailable) as info:
        postgres.connect("car_dealership", {"url": f"postgresql://u:secret@127.0.0.1:{free_port()}"})
    assert "momq engines up" in str(info.value) and "secret" not in str(info.value)


def test_unknown_database(defog_postgres):
    from momq.engines import open_engine

    with pytest.raises(UnknownDatabase) as info:
        open_engine("postgres", "no_such_db")
    assert "car_dealership" in info.value.known


def test_schema_lives_in_ewallet(pg_engine):
    rows = pg_engine("ewallet").execute("SELECT COUNT(*) FROM consumer_div.users").rows
    assert rows[0][0] > 0


def test_introspection(pg_engine):
    from momq.schema.introspect_sql import introspect

    schema = introspect(pg_engine("car_dealership"))
    assert {t.name for t in schema.tables} == {
        "cars",
        "customers",
        "inventory_snapshots",
        "payments_made",
        "payments_received",
        "sales",
        "salespersons",
    }
    sales = schema.table("sales")
    assert sales.primary_key == ["id"]
    assert {(fk.columns[0], fk.ref_table) for fk in sales.foreign_keys} == {
        ("car_id", "cars"),
        ("salesperson_id", "salespersons"),
        ("customer_id", "customers"),
    }
    cars = schema.table("cars")
    assert cars.column("make").samples and not cars.column("id").nullable
    assert cars.column("vin_number").description  # from car_dealership.json
    ewallet = introspect(pg_engine("ewallet"), samples=False)
    users = ewallet.table("consumer_div.users")
    assert users is not None and users.primary_key == ["uid"]


def test_postgres_golds_run(pg_engine, defog_postgres):
    """Nearly every sql-eval PostgreSQL gold runs on the loaded databases."""
    from momq import settings

    path = settings.data_dir() / "sql" / "sql-eval" / "questions_gen_postgres.csv"
    engines = {}
    failures = []
    for row in csv.DictReader(path.open()):
        if row["db_name"] not in engines:
            engines[row["db_name"]] = pg_engine(row["db_name"])
        engine = engines[row["db_name"]]
        try:
            engine.execute(first_gold(row["query"]), timeout_s=30)
        except Exception as exc:  # noqa: BLE001 - collected for the message
            failures.append((row["query"][:80], repr(exc)[:120]))
    assert len(failures) <= 3, failures


def test_each_query_has_its_own_read_only_transaction_and_time_limit(pg_engine, pg_admin):
    """The time limit lives in the query's transaction (SET LOCAL when it is not the
    session's default) and the session is idle outside any transaction between queries."""
    engine = pg_engine()
    _, admin = pg_admin

    def past_vetting(query: str, timeout_s: float = 30.0) -> list[tuple]:
        return engine._run(query, query, timeout_s, 10)[1]  # the allow-list refuses these functions

    setting = "SELECT current_setting('transaction_read_only'), current_setting('statement_timeout')"
    assert past_vetting(setting) == [("on", "30s")]
    assert past_vetting(setting, timeout_s=7) == [("on", "7s")]
    assert past_vetting(setting) == [("on", "30s")]
    with pytest.raises(QueryTimeout):
        engine.execute("SELECT pg_sleep(5)", timeout_s=0.3)
    assert engine.execute("SELECT 1 FROM pg_sleep(0.5)", timeout_s=5).rows == [(1,)]
    pid = past_vetting("SELECT pg_backend_pid()")[0][0]
    state = admin.execute("SELECT state, backend_xid FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone()
    assert state == ("idle", None)


def test_a_repeated_query_is_prepared_once_and_dropped_when_its_plan_breaks(pg_engine, pg_admin):
    from momq.engines.pg_pipeline import PreparedStatements

    engine = pg_engine()
    _, admin = pg_admin
    admin.execute("DROP TABLE IF EXISTS momq_prepared_probe")
    admin.execute("CREATE TABLE momq_prepared_probe (a int)")
    admin.execute("INSERT INTO momq_prepared_probe VALUES (1)")
    admin.execute("GRANT SELECT ON momq_prepared_probe TO PUBLIC")
    try:
        engine._statements = PreparedStatements(size=2)
        engine._conn.prepare_threshold = 2
        # the queries' statements (the transaction's BEGIN and end statements aside)
        mine = "SELECT count(*) FROM pg_prepared_statements WHERE name ~ '^momq_[0-9]+$'"
        for _ in range(3):
            assert engine.execute("SELECT * FROM momq_prepared_probe").rows == [(1,)]
        # the table changes its columns under the prepared plan: that run fails, the
        # statement is dropped, and the next run prepares the text again
        admin.execute("ALTER TABLE momq_prepared_probe ADD COLUMN b int DEFAULT 2")
        with pytest.raises(ExecutionError, match="cached plan"):
            engine.execute("SELECT * FROM momq_prepared_probe")
        for _ in range(3):
            assert engine.execute("SELECT * FROM momq_prepared_probe").rows == [(1, 2)]
        # at most two prepared statements are kept, the least recently used deallocated
        for n in range(5):
            for _ in range(3):
                assert engine.execute(f"SELECT {n} AS n").rows == [(n,)]
        assert engine.execute(mine).rows == [(2,)]
    finally:
        admin.execute("DROP TABLE momq_prepared_probe")


def test_a_lost_control_statement_runs_nothing_and_the_next_query_reconnects(pg_engine):
    """The transaction's BEGIN is prepared once per connection; should it be gone, the
    query is not run outside a transaction: the connection is dropped and the next
    query opens a fresh one."""
    engine = pg_engine()
    engine._pgconn.exec_(b"DEALLOCATE momq_begin")  # what no vetted query can do
    with pytest.raises(EngineUnavailable, match="could not start"):
        engine.execute("SELECT 1 AS one")
    assert engine.execute("SELECT 1 AS one").rows == [(1,)]
    setting = "SELECT current_setting('transaction_read_only')"
    assert engine._run(setting, setting, 30.0, 10)[1] == [("on",)]
