"""Write attempts against the SQL sandbox leave the data unchanged.

Every attack runs on both engines, through the default read-only login *and* through
the administrator login (so the vetting and the read-only transaction are tested
without the SELECT-only account behind them), the latter in both transaction modes
(session-level read-only and explicit per-query transactions). The checksum of every table (and of
PostgreSQL's sequences / MySQL's AUTO_INCREMENT counters) is taken before and after.
"""

from __future__ import annotations

import hashlib

import pytest

from momq.engines.sql_common import vet_query
from momq.errors import QueryError, QueryTimeout, ReadOnlyViolation

DB = "car_dealership"

COMMON = [
    "DROP TABLE cars",
    "drop table cars",
    "/* harmless */ DROP TABLE cars",
    "-- comment\nDELETE FROM cars",
    "DeLeTe FROM cars",
    "UPDATE cars SET cost = 0",
    "INSERT INTO cars (make) VALUES ('x')",
    "ALTER TABLE cars ADD COLUMN x INT",
    "TRUNCATE cars",
    "TRUNCATE TABLE cars",
    "SELECT 1; DROP TABLE cars",
    "SELECT 1;DROP TABLE cars;",
    "SELECT 1; -- comment\n DELETE FROM cars",
    "COMMIT; DROP TABLE cars",
    "BEGIN; DELETE FROM cars; COMMIT",
    "CREATE TABLE cars_copy AS SELECT * FROM cars",
    "CREATE TABLE evil (x INT)",
    "CREATE VIEW v AS SELECT 1",
    "GRANT ALL ON cars TO PUBLIC",
    "SELECT * FROM cars FOR UPDATE",
    "WITH x AS (SELECT 1) DELETE FROM cars",
    "WITH x AS (SELECT 1) UPDATE cars SET cost = 0",
    "(SELECT 1); DROP TABLE cars",
    "SELECT 'a;b'; DROP TABLE cars",
]
POSTGRES = COMMON + [
    "WITH d AS (DELETE FROM cars RETURNING *) SELECT * FROM d",
    "WITH u AS (UPDATE cars SET cost = 0 RETURNING id) SELECT COUNT(*) FROM u",
    "WITH i AS (INSERT INTO cars (make) VALUES ('x') RETURNING id) SELECT * FROM i",
    "SELECT * INTO cars_copy FROM cars",
    "SET statement_timeout = 0",
    "SET default_transaction_read_only = off",
    "LOCK TABLE cars",
    "COPY cars TO '/tmp/momq_cars.csv'",
    "COPY cars FROM '/tmp/momq_cars.csv'",
    "CALL some_procedure()",
    "DO $$ BEGIN DELETE FROM cars; END $$",
    "EXPLAIN ANALYZE DELETE FROM cars",
    "PREPARE p AS DELETE FROM cars",
    "VACUUM FULL cars",
    "SELECT nextval('cars_id_seq')",
    "SELECT setval('cars_id_seq', 1000)",
    "SELECT lo_import('/etc/hostname')",
    "SELECT lo_export(1, '/tmp/momq_lo')",
    "SELECT pg_read_file('/etc/hostname')",
    "SELECT set_config('default_transaction_read_only', 'off', false)",
]
MYSQL = COMMON + [
    "REPLACE INTO cars (id, make) VALUES (1, 'x')",
    "RENAME TABLE cars TO cars2",
    "SELECT * FROM cars INTO OUTFILE '/tmp/momq_cars.txt'",
    "SELECT * INTO @x FROM cars LIMIT 1",
    "SELECT 1 /*! ; DROP TABLE cars */",
    "SELECT 1 /*!50000 INTO OUTFILE '/tmp/momq_x' */",
    "SELECT 1 --x INTO OUTFILE '/tmp/momq_y'",
    "SET SESSION sql_mode = ''",
    "SET autocommit = 0",
    "LOCK TABLES cars WRITE",
    "CALL some_procedure()",
    "DO SLEEP(0)",
    "HANDLER cars OPEN",
    "LOAD DATA INFILE '/tmp/x' INTO TABLE cars",
    "CREATE FUNCTION f() RETURNS INT RETURN 1",
    "SELECT * FROM cars LOCK IN SHARE MODE",
    "INSERT INTO cars SELECT * FROM cars",
    "SELECT LOAD_FILE('/etc/hostname')",
    "SELECT GET_LOCK('momq', 1)",
]


@pytest.mark.parametrize("query", sorted(set(POSTGRES)))
def test_vetting_refuses_postgres_writes(query):
    """Without any server: the first layer alone refuses every attack but the
    side-effecting functions, which the read-only transaction stops."""
    if "nextval" in query or "setval" in query:
        vet_query(query, "postgres")
        return
    with pytest.raises(QueryError):
        vet_query(query, "postgres")


@pytest.mark.parametrize("query", sorted(set(MYSQL)))
def test_vetting_refuses_mysql_writes(query):
    with pytest.raises(QueryError):
        vet_query(query, "mysql")


def test_vetting_follows_nested_comments_like_postgres():
    # PostgreSQL nests block comments: all of this is one comment after SELECT 1
    assert vet_query("SELECT 1 /* a /* b */ ; DROP TABLE cars */", "postgres").text.startswith("SELECT 1")


def test_vetting_accepts_reads_with_write_words_in_strings_and_comments():
    for dialect in ("postgres", "mysql"):
        vetted = vet_query("SELECT 'DROP TABLE x; DELETE' AS t /* UPDATE */ FROM cars ORDER BY 1;", dialect)
        assert vetted.text == "SELECT 'DROP TABLE x; DELETE' AS t /* UPDATE */ FROM cars ORDER BY 1"
        assert vetted.ordered
        assert vet_query("SELECT REPLACE(make, 'a', 'b') FROM cars", dialect).text
        assert vet_query(" ; SELECT 1 ;; ", dialect).text == "SELECT 1"


# integration ------------------------------------------------------------------
def _pg_checksum(server_info: dict) -> str:
    import psycopg

    digest = hashlib.sha256()
    with psycopg.connect(**{**server_info, "dbname": DB}, autocommit=True) as conn:
        tables = conn.execute("SELECT schemaname, tablename FROM pg_tables WHERE schemaname NOT IN "
                              "('pg_catalog', 'information_schema') ORDER BY 1, 2").fetchall()
        for schema, table in tables:
            rows = conn.execute(f'SELECT md5(COALESCE(string_agg(t::text, \'|\' ORDER BY t::text), \'\')) '
                                f'FROM "{schema}"."{table}" t').fetchone()
            digest.update(f"{schema}.{table}:{rows[0]};".encode())
        for row in conn.execute("SELECT sequencename, last_value FROM pg_sequences ORDER BY 1").fetchall():
            digest.update(repr(row).encode())
    return digest.hexdigest()


def _mysql_checksum(server_info: dict) -> str:
    import pymysql

    digest = hashlib.sha256()
    conn = pymysql.connect(**{**server_info, "database": DB})
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT TABLE_NAME, AUTO_INCREMENT FROM information_schema.TABLES "
                        "WHERE TABLE_SCHEMA = %s ORDER BY 1", (DB,))
            tables = cur.fetchall()
            for table, auto_increment in tables:
                cur.execute(f"CHECKSUM TABLE `{table}`")
                digest.update(f"{table}:{auto_increment}:{cur.fetchone()[1]};".encode())
    finally:
        conn.close()
    return digest.hexdigest()


@pytest.fixture(scope="module")
def pg_engines(defog_postgres):
    """(engine through the reader login, engine through the superuser, admin conninfo)."""
    from momq import settings
    from momq.engines import postgres

    if settings.engine_settings("postgres").get("url"):
        pytest.skip("attack suite runs on the embedded server (it needs both logins)")
    info, _ = postgres.server_conninfo(DB, {}, admin=True)
    url = f"postgresql://{info['user']}:{info['password']}@{info['host']}:{info['port']}"
    engines = (postgres.connect(DB, {}), postgres.connect(DB, {"url": url}),
               postgres.connect(DB, {"url": url, "transaction": "explicit"}))
    yield (*engines, info)
    for engine in engines:
        engine.close()


@pytest.fixture(scope="module")
def mysql_engines(defog_mysql):
    from momq import settings
    from momq.engines import mysql

    if settings.engine_settings("mysql").get("url"):
        pytest.skip("attack suite runs on the embedded server (it needs both logins)")
    info, _ = mysql.server_conninfo(None, {}, admin=True)
    url = f"mysql://{info['user']}:{info['password']}@{info['host']}:{info['port']}"
    engines = (mysql.connect(DB, {}), mysql.connect(DB, {"url": url}),
               mysql.connect(DB, {"url": url, "transaction": "explicit"}))
    yield (*engines, info)
    for engine in engines:
        engine.close()


@pytest.mark.integration
def test_postgres_attacks_change_nothing(pg_engines):
    *engines, info = pg_engines
    before = _pg_checksum(info)
    for engine in engines:
        for query in POSTGRES:
            with pytest.raises(QueryError):
                engine.execute(query, timeout_s=5)
        # flipping the session's read-only default is refused, and nextval is stopped
        # by the read-only transaction, not by vetting
        with pytest.raises(ReadOnlyViolation):
            engine.execute("SELECT set_config('default_transaction_read_only', 'off', false)")
        with pytest.raises(ReadOnlyViolation):
            engine.execute("SELECT nextval('cars_id_seq')")
        with pytest.raises(QueryTimeout):
            engine.execute("SELECT pg_sleep(10)", timeout_s=0.3)
    assert _pg_checksum(info) == before


@pytest.mark.integration
def test_mysql_attacks_change_nothing(mysql_engines):
    *engines, info = mysql_engines
    before = _mysql_checksum(info)
    for engine in engines:
        for query in MYSQL:
            with pytest.raises(QueryError):
                engine.execute(query, timeout_s=5)
        with pytest.raises(QueryTimeout):
            engine.execute("SELECT SLEEP(10)", timeout_s=0.3)
        assert engine.execute("SELECT COUNT(*) FROM cars").rows[0][0] > 0
    assert _mysql_checksum(info) == before


@pytest.mark.integration
def test_engine_level_guard_without_vetting(pg_engines, mysql_engines):
    """What vetting would refuse, the read-only transaction refuses on its own: the
    engines' ``_run`` (no vetting) with the administrator login."""
    *_, pg_admin_session, pg_admin_explicit, pg_info = pg_engines
    *_, my_admin_session, my_admin_explicit, my_info = mysql_engines
    pg_before, my_before = _pg_checksum(pg_info), _mysql_checksum(my_info)
    for engine in (pg_admin_session, pg_admin_explicit):
        for query in ("DELETE FROM cars", "UPDATE cars SET cost = 0", "INSERT INTO cars (make) VALUES ('x')",
                      "WITH d AS (DELETE FROM cars RETURNING *) SELECT * FROM d", "DROP TABLE cars"):
            with pytest.raises(ReadOnlyViolation):
                engine._run(query, query, 5.0, 10)
    for engine in (my_admin_session, my_admin_explicit):
        for query in ("DELETE FROM cars", "UPDATE cars SET cost = 0", "INSERT INTO cars (make) VALUES ('x')"):
            with pytest.raises(ReadOnlyViolation):
                engine._run(query, query, 5.0, 10)
    assert _pg_checksum(pg_info) == pg_before and _mysql_checksum(my_info) == my_before
