"""Attacks on the SQL sandbox change nothing.

Every attack runs on the real engines, through the default read-only login *and*
through the administrator login (so the allow-list and the rolled-back read-only
transaction are tested without the reader's missing privileges behind them). Before
and after each attack a checksum of the database's state is taken as an administrator:
every table's data, sequences / AUTO_INCREMENT counters, large objects, advisory and
named locks, whether another session is still alive, the role's stored settings, and
the attacked session's own settings (and MySQL user variables), read through the
attacked engine itself, so a change that outlives its query is caught.

Some attacks are also sent past the vetting (``engine._run`` as administrator): the
per-query transaction must undo on its own what they do inside it.
"""

from __future__ import annotations

import hashlib
import math

import pytest

from momq.dialects.sql_vet import vet_query
from momq.errors import ConfigError, QueryError, QueryTimeout, ReadOnlyViolation
from tests.engines.sql_fixtures import admin_url

DB = "car_dealership"

COMMON = [
    # plain writes and DDL
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
    "CREATE TABLE cars_copy AS SELECT * FROM cars",
    "CREATE TABLE evil (x INT)",
    "CREATE VIEW v AS SELECT 1",
    "GRANT ALL ON cars TO PUBLIC",
    "REVOKE SELECT ON cars FROM PUBLIC",
    "CREATE INDEX i ON cars (make)",
    # several statements, transactions
    "SELECT 1; DROP TABLE cars",
    "SELECT 1;DROP TABLE cars;",
    "SELECT 1; -- comment\n DELETE FROM cars",
    "COMMIT; DROP TABLE cars",
    "BEGIN; DELETE FROM cars; COMMIT",
    "(SELECT 1); DROP TABLE cars",
    "SELECT 'a;b'; DROP TABLE cars",
    "ROLLBACK",
    "COMMIT",
    "START TRANSACTION",
    "SAVEPOINT s",
    "SELECT 1; SELECT 2",
    # writes hidden inside a query
    "SELECT * FROM cars FOR UPDATE",
    "SELECT * FROM cars FOR SHARE",
    "WITH x AS (SELECT 1) DELETE FROM cars",
    "WITH x AS (SELECT 1) UPDATE cars SET cost = 0",
    "SELECT * INTO cars_copy FROM cars",
    # procedures and session commands
    "CALL some_procedure()",
    "SET autocommit = 0",
    "PREPARE p FROM 'DELETE FROM cars'",
    "EXECUTE p",
    "DEALLOCATE PREPARE p",
    "ANALYZE TABLE cars",
    "SHOW TABLES",
    "EXPLAIN SELECT 1",
    "DO 1",
]

POSTGRES = COMMON + [
    # SQL given as text: run by the function, out of the vetting's sight
    "SELECT query_to_xml('select lo_from_bytea(0, ''x'')', true, false, '')",
    "SELECT query_to_xml('select set_config(''statement_timeout'', ''0'', false)', true, false, '')",
    "SELECT query_to_xml('select nextval(''cars_id_seq'')', true, false, '')",
    "SELECT query_to_xmlschema('select 1', true, false, '')",
    "SELECT query_to_xml_and_xmlschema('select 1', true, false, '')",
    "SELECT table_to_xml('cars', true, false, '')",
    "SELECT schema_to_xml('public', true, false, '')",
    "SELECT database_to_xml(true, false, '')",
    "SELECT cursor_to_xml('c', 1, true, false, '')",
    "SELECT * FROM ts_stat('select to_tsvector(lo_from_bytea(0, ''x'')::text)')",
    "SELECT ts_rewrite('a'::tsquery, 'select ''a''::tsquery, ''b''::tsquery')",
    "SELECT * FROM dblink('dbname=car_dealership', 'delete from cars') AS t(x int)",
    "SELECT dblink_exec('delete from cars')",
    # settings
    "SELECT set_config('statement_timeout', '0', false)",
    "SELECT set_config('default_transaction_read_only', 'off', false)",
    "SELECT set_config('search_path', 'nowhere', false)",
    "SELECT pg_catalog.set_config('a.b', 'c', false)",
    "SELECT \"set_config\"('a.b', 'c', false)",
    "SELECT \"pg_catalog\".\"set_config\"('a.b', 'c', false)",
    "SELECT * FROM set_config('a.b', 'c', false)",
    "SELECT (SELECT set_config('a.b', 'c', false))",
    "SELECT CASE WHEN true THEN set_config('a.b', 'c', false) END",
    "SELECT ARRAY[set_config('a.b', 'c', false)]",
    "VALUES (set_config('a.b', 'c', false))",
    "SELECT 1 FROM cars WHERE set_config('a.b', 'c', false) IS NOT NULL",
    "SELECT id FROM cars ORDER BY set_config('a.b', id::text, false)",
    "SELECT current_setting('statement_timeout')",
    "SET statement_timeout = 0",
    "SET default_transaction_read_only = off",
    "SET LOCAL statement_timeout = 0",
    "RESET ALL",
    "DISCARD ALL",
    "SET ROLE postgres",
    "SET SESSION AUTHORIZATION postgres",
    "ALTER ROLE momq_reader SET statement_timeout = 0",
    "ALTER SYSTEM SET fsync = on",
    # locks
    "SELECT pg_advisory_lock(1)",
    "SELECT pg_try_advisory_lock(1)",
    "SELECT pg_advisory_lock_shared(1)",
    "SELECT pg_try_advisory_lock_shared(1)",
    "SELECT pg_advisory_xact_lock(1)",
    "SELECT pg_try_advisory_xact_lock(1)",
    "SELECT pg_catalog.pg_try_advisory_lock(42)",
    "SELECT count(*) FROM cars WHERE pg_try_advisory_lock(id)",
    "LOCK TABLE cars",
    "SELECT * FROM cars FOR NO KEY UPDATE",
    "TABLE cars FOR UPDATE",
    # large objects
    "SELECT lo_from_bytea(0, 'x')",
    "SELECT lo_creat(-1)",
    "SELECT lo_create(0)",
    "SELECT lo_import('/etc/hostname')",
    "SELECT lo_export(1, '/tmp/momq_lo')",
    "SELECT lo_unlink(1)",
    "SELECT lo_put(1, 0, 'x')",
    "SELECT * FROM lo_from_bytea(0, 'x')",
    "SELECT lo_get(1)",
    # sequences
    "SELECT nextval('cars_id_seq')",
    "SELECT setval('cars_id_seq', 1000)",
    "SELECT currval('cars_id_seq')",
    "SELECT lastval()",
    "SELECT nextval('cars_id_seq'::regclass)",
    "SELECT id FROM cars WHERE id > nextval('cars_id_seq')",
    "WITH s AS (SELECT nextval('cars_id_seq') AS v) SELECT v FROM s",
    "SELECT count(*) FILTER (WHERE nextval('cars_id_seq') > 0) FROM cars",
    "SELECT * FROM generate_series(1, nextval('cars_id_seq'))",
    "SELECT sum(nextval('cars_id_seq')) OVER () FROM cars",
    # other sessions, the server, files
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity",
    "SELECT pg_cancel_backend(1)",
    "SELECT pg_reload_conf()",
    "SELECT pg_rotate_logfile()",
    "SELECT pg_notify('c', 'x')",
    "SELECT pg_read_file('/etc/hostname')",
    "SELECT pg_read_binary_file('PG_VERSION')",
    "SELECT * FROM pg_ls_dir('.')",
    "SELECT pg_stat_file('PG_VERSION')",
    "SELECT txid_current()",
    "SELECT pg_current_xact_id()",
    "LISTEN c",
    "NOTIFY c",
    "LOAD 'plpgsql'",
    "CHECKPOINT",
    "VACUUM FULL cars",
    "CLUSTER cars",
    "REINDEX TABLE cars",
    "COMMENT ON TABLE cars IS 'x'",
    "COPY cars TO '/tmp/momq_cars.csv'",
    "COPY cars FROM '/tmp/momq_cars.csv'",
    "COPY (SELECT 1) TO PROGRAM 'touch /tmp/momq_pwned'",
    "DO $$ BEGIN DELETE FROM cars; END $$",
    "EXPLAIN ANALYZE DELETE FROM cars",
    "PREPARE p AS DELETE FROM cars",
    "DECLARE c CURSOR FOR SELECT 1",
    "CREATE TEMP TABLE t AS SELECT 1",
    "CREATE FUNCTION f() RETURNS int AS 'select 1' LANGUAGE sql",
    "WITH d AS (DELETE FROM cars RETURNING *) SELECT * FROM d",
    "WITH u AS (UPDATE cars SET cost = 0 RETURNING id) SELECT COUNT(*) FROM u",
    "WITH i AS (INSERT INTO cars (make) VALUES ('x') RETURNING id) SELECT * FROM i",
    # quoting and comment tricks around a forbidden call
    "SELECT $$x$$, set_config('a.b', 'c', false)",
    "SELECT $t$ ' $t$, set_config('a.b', 'c', false)",
    "SELECT E'\\'', set_config('a.b', 'c', false) --'",
    "SELECT 'x'' -- ', set_config('a.b', 'c', false)",
    "SELECT 1 -- comment\n, set_config('a.b', 'c', false)",
    "SELECT 1 /* a */ , set_config('a.b', 'c', false)",
    "SELECT U&'\\0041', set_config('a.b', 'c', false)",
    "SELECT\tset_config('a.b', 'c', false)",
    "SELECT\rset_config('a.b', 'c', false)",
    "SELECT set_config\n('a.b', 'c', false)",
    "SELECT public.f()",
    "SELECT x.y.set_config('a', 'b', false)",
]

MYSQL = COMMON + [
    "REPLACE INTO cars (id, make) VALUES (1, 'x')",
    "RENAME TABLE cars TO cars2",
    "SELECT * FROM cars INTO OUTFILE '/tmp/momq_cars.txt'",
    "SELECT * INTO @x FROM cars LIMIT 1",
    "SELECT 1 INTO @x",
    "SELECT 1 /*! ; DROP TABLE cars */",
    "SELECT 1 /*!50000 INTO OUTFILE '/tmp/momq_x' */",
    "SELECT 1 /*M! , GET_LOCK('momq', 1) */",
    "SELECT 1 --x INTO OUTFILE '/tmp/momq_y'",
    "SELECT 1 # comment\n; DROP TABLE cars",
    # session state that a ROLLBACK would not undo
    "SELECT @x := 1",
    "SELECT @momq := COUNT(*) FROM cars",
    "SELECT @x",
    "SET @x = 1",
    "SET SESSION sql_mode = ''",
    "SET max_statement_time = 0",
    "SET NAMES latin1",
    "SET SESSION TRANSACTION READ WRITE",
    "SET GLOBAL general_log = 1",
    "SET PASSWORD = PASSWORD('x')",
    "SELECT LAST_INSERT_ID(5)",
    "SELECT FOUND_ROWS()",
    "SELECT ROW_COUNT()",
    "USE mysql",
    # named locks
    "SELECT GET_LOCK('momq', 1)",
    "SELECT RELEASE_LOCK('momq')",
    "SELECT IS_FREE_LOCK('momq')",
    "SELECT IS_USED_LOCK('momq')",
    "SELECT RELEASE_ALL_LOCKS()",
    "SELECT `get_lock`('momq', 1)",
    "SELECT id FROM cars WHERE GET_LOCK('momq', 0)",
    "SELECT (SELECT GET_LOCK('momq', 0))",
    "SELECT 1 UNION SELECT GET_LOCK('momq', 0)",
    "LOCK TABLES cars WRITE",
    "LOCK TABLES cars READ",
    "UNLOCK TABLES",
    "SELECT * FROM cars LOCK IN SHARE MODE",
    "SELECT * FROM cars FOR UPDATE NOWAIT",
    # files, server, stored code
    "SELECT LOAD_FILE('/etc/hostname')",
    "SELECT 1 UNION SELECT LOAD_FILE('/etc/passwd')",
    "LOAD DATA INFILE '/tmp/x' INTO TABLE cars",
    "SELECT BENCHMARK(1000000000, MD5('a'))",
    "SELECT MASTER_POS_WAIT('x', 1)",
    "SELECT NAME_CONST('a', 1)",
    "SELECT EXTRACTVALUE('<a/>', '/a')",
    "SELECT UPDATEXML('<a/>', '/a', '<b/>')",
    "SELECT sys.ps_thread_id(1)",
    "SELECT car_dealership.f()",
    "SELECT VALUES(make) FROM cars",
    "DO SLEEP(0)",
    "HANDLER cars OPEN",
    "KILL 1",
    "SHUTDOWN",
    "FLUSH TABLES",
    "INSTALL PLUGIN x SONAME 'x.so'",
    "XA START 'x'",
    "OPTIMIZE TABLE cars",
    "REPAIR TABLE cars",
    "CREATE FUNCTION f() RETURNS INT RETURN 1",
    "INSERT INTO cars SELECT * FROM cars",
    "SELECT\rGET_LOCK('momq', 0)",
    "SELECT GET_LOCK\n('momq', 0)",
]

#: attacks also sent past the vetting as administrator: the rolled-back read-only
#: transaction alone must undo them
POSTGRES_PAST_VETTING = [
    "SELECT query_to_xml('select lo_from_bytea(0, ''x'')', true, false, '')",
    "SELECT lo_from_bytea(0, 'x')",
    "SELECT set_config('statement_timeout', '0', false)",
    "SELECT set_config('search_path', 'nowhere', false)",
    "SELECT set_config('default_transaction_read_only', 'off', false)",
    "SELECT pg_try_advisory_lock(1)",
    "SELECT pg_advisory_lock_shared(2)",
    "SELECT nextval('cars_id_seq')",
    "DELETE FROM cars",
    "UPDATE cars SET cost = 0",
    "INSERT INTO cars (make) VALUES ('x')",
    "WITH d AS (DELETE FROM cars RETURNING *) SELECT * FROM d",
    "DROP TABLE cars",
]
MYSQL_PAST_VETTING = ["DELETE FROM cars", "UPDATE cars SET cost = 0", "INSERT INTO cars (make) VALUES ('x')"]

BAD_TIMEOUTS = [0, -1, float("nan"), float("inf"), float("-inf"), "abc", None, 10**7]
BAD_ROW_CAPS = [0, -1, 2.5, 10**12, "x", None, True]


def test_there_are_enough_attacks():
    assert len(set(POSTGRES)) + len(set(MYSQL)) >= 250


@pytest.mark.parametrize("query", sorted(set(POSTGRES)))
def test_vetting_refuses_postgres_attacks(query):
    """Without any server: the allow-list alone refuses every attack."""
    with pytest.raises(QueryError):
        vet_query(query, "postgres")


@pytest.mark.parametrize("query", sorted(set(MYSQL)))
def test_vetting_refuses_mysql_attacks(query):
    with pytest.raises(QueryError):
        vet_query(query, "mysql")


def test_refusals_name_what_is_refused():
    with pytest.raises(ReadOnlyViolation, match="query_to_xml"):
        vet_query("SELECT query_to_xml('select 1', true, false, '')", "postgres")
    with pytest.raises(ReadOnlyViolation, match="pg_catalog.set_config"):
        vet_query("SELECT pg_catalog.set_config('a.b', 'c', false)", "postgres")
    with pytest.raises(ReadOnlyViolation, match="get_lock"):
        vet_query("SELECT GET_LOCK('momq', 1)", "mysql")
    with pytest.raises(ReadOnlyViolation, match="PropertyEQ"):
        vet_query("SELECT @x := 1", "mysql")


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
        assert vet_query("SELECT 'set_config(1)', 'GET_LOCK(1)' FROM cars", dialect).text


def test_allow_list_is_extensible_by_configuration(tmp_path, monkeypatch):
    from momq import settings
    from momq.dialects import sql_vet

    config = tmp_path / "config.toml"
    config.write_text('[engines.postgres]\nallow_functions = ["my_udf", "util.score"]\n')
    monkeypatch.setenv("MOMQ_CONFIG", str(config))
    for cached in (settings._config_file, sql_vet.allowed_functions, sql_vet.function_classes, vet_query):
        cached.cache_clear()
    try:
        assert vet_query("SELECT my_udf(1), util.score(2)", "postgres").text
        with pytest.raises(ReadOnlyViolation, match="other.score"):
            vet_query("SELECT other.score(2)", "postgres")
    finally:
        monkeypatch.delenv("MOMQ_CONFIG")
        for cached in (settings._config_file, sql_vet.allowed_functions, sql_vet.function_classes, vet_query):
            cached.cache_clear()


# state checksums ------------------------------------------------------------------
def _digest(*parts) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def pg_state(admin, engine) -> dict[str, str]:
    """The database's state as seen by the administrator connection ``admin``, and the
    attacked engine's own session settings."""
    tables = admin.execute(
        "SELECT schemaname, tablename FROM pg_tables WHERE schemaname NOT IN "
        "('pg_catalog', 'information_schema') ORDER BY 1, 2"
    ).fetchall()
    data = [
        admin.execute(
            f"SELECT md5(COALESCE(string_agg(t::text, '|' ORDER BY t::text), '')) FROM \"{schema}\".\"{table}\" t"
        ).fetchone()[0]
        for schema, table in tables
    ]
    return {
        "data": _digest(tables, data),
        "sequences": _digest(admin.execute("SELECT sequencename, last_value FROM pg_sequences ORDER BY 1").fetchall()),
        "large objects": _digest(
            admin.execute("SELECT loid, pageno, md5(data) FROM pg_largeobject ORDER BY 1, 2").fetchall()
        ),
        "locks": _digest(admin.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'").fetchone()),
        "sessions": _digest(admin.execute("SELECT 1").fetchone()),  # the admin session is still alive
        "role settings": _digest(
            admin.execute("SELECT setrole, setdatabase, setconfig FROM pg_db_role_setting ORDER BY 1, 2").fetchall()
        ),
        "session settings": _digest(
            engine.execute("SELECT name, setting FROM pg_settings ORDER BY name", max_rows=10_000).rows
        ),
    }


def mysql_state(admin, engine) -> dict[str, str]:
    with admin.cursor() as cur:
        cur.execute(
            "SELECT TABLE_NAME, AUTO_INCREMENT FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s ORDER BY 1", (DB,)
        )
        tables = cur.fetchall()
        sums = []
        for table, _ in tables:
            cur.execute(f"CHECKSUM TABLE `{DB}`.`{table}`")
            sums.append(cur.fetchone()[1])
        cur.execute("SELECT IS_USED_LOCK('momq'), IS_USED_LOCK('a'), @@global.general_log, @@global.read_only")
        server = cur.fetchone()
    session = engine.execute(
        "SELECT @@sql_mode, @@max_statement_time, @@autocommit, @@tx_read_only, "
        "@@character_set_client, @@time_zone, @@session.tx_isolation"
    ).rows
    if engine._conn is not None:
        # user variables: read past the vetting (which refuses to read them at all)
        session += engine._run("SELECT @x, @momq", "", 5.0, 1)[1]
    return {"data": _digest(tables, sums), "locks and globals": _digest(server), "session": _digest(session)}


# engines --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def pg_engines(pg_admin):
    """({login: engine} for the reader and the superuser, a superuser connection)."""
    from momq.engines import postgres

    info, admin = pg_admin
    engines = {"reader": postgres.connect(DB, {}), "admin": postgres.connect(DB, {"url": admin_url("postgres", info)})}
    yield engines, admin
    for engine in engines.values():
        engine.close()


@pytest.fixture(scope="module")
def mysql_engines(mysql_admin):
    from momq.engines import mysql

    info, admin = mysql_admin
    url = admin_url("mysql", info)
    engines = {
        "reader": mysql.connect(DB, {}),
        "admin": mysql.connect(DB, {"url": url}),
        "admin, explicit transactions": mysql.connect(DB, {"url": url, "transaction": "explicit"}),
    }
    yield engines, admin
    for engine in engines.values():
        engine.close()


@pytest.mark.integration
@pytest.mark.parametrize("login", ["reader", "admin"])
@pytest.mark.parametrize("query", sorted(set(POSTGRES)))
def test_postgres_attack_changes_nothing(pg_engines, login, query):
    engines, admin = pg_engines
    engine = engines[login]
    before = pg_state(admin, engine)
    with pytest.raises(QueryError):
        engine.execute(query, timeout_s=5)
    assert pg_state(admin, engine) == before


@pytest.mark.integration
@pytest.mark.parametrize("query", POSTGRES_PAST_VETTING)
def test_postgres_transaction_undoes_what_passes_the_vetting(pg_engines, query):
    """As superuser and without vetting, the per-query read-only transaction (rolled
    back, advisory locks released) leaves no trace: no large object, no setting, no
    lock, no sequence step, no write."""
    engines, admin = pg_engines
    engine = engines["admin"]
    before = pg_state(admin, engine)
    try:
        engine._run(query, query, 5.0, 10)
    except QueryError:
        pass  # refused by the read-only transaction: fine too
    assert pg_state(admin, engine) == before
    with pytest.raises(QueryTimeout):  # the time limit still holds
        engine.execute("SELECT pg_sleep(5)", timeout_s=0.2)


@pytest.mark.integration
@pytest.mark.parametrize("login", ["reader", "admin", "admin, explicit transactions"])
@pytest.mark.parametrize("query", sorted(set(MYSQL)))
def test_mysql_attack_changes_nothing(mysql_engines, login, query):
    engines, admin = mysql_engines
    engine = engines[login]
    before = mysql_state(admin, engine)
    with pytest.raises(QueryError):
        engine.execute(query, timeout_s=5)
    assert mysql_state(admin, engine) == before


@pytest.mark.integration
@pytest.mark.parametrize("query", MYSQL_PAST_VETTING)
def test_mysql_read_only_transaction_refuses_writes_past_the_vetting(mysql_engines, query):
    engines, admin = mysql_engines
    for login in ("admin", "admin, explicit transactions"):
        engine = engines[login]
        before = mysql_state(admin, engine)
        with pytest.raises(ReadOnlyViolation):
            engine._run(query, query, 5.0, 10)
        assert mysql_state(admin, engine) == before


# runaway queries, unbounded results, invalid limits ---------------------------------
@pytest.mark.integration
def test_runaway_and_unbounded_queries_are_cut(pg_engines, mysql_engines):
    pg, my = pg_engines[0]["reader"], mysql_engines[0]["reader"]
    for engine, sleep in ((pg, "SELECT pg_sleep(10)"), (my, "SELECT SLEEP(10)")):
        with pytest.raises(QueryTimeout):
            engine.execute(sleep, timeout_s=0.3)
    with pytest.raises(QueryTimeout):
        pg.execute("SELECT count(*) FROM generate_series(1, 10000000000)", timeout_s=0.5)
    # a server-side cursor: six rows of an endless recursion come back at once
    endless = "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT n FROM r"
    result = pg.execute(endless, timeout_s=5, max_rows=5)
    assert result.rows == [(i,) for i in range(1, 6)] and result.truncated
    result = pg.execute("SELECT * FROM generate_series(1, 20000000)", timeout_s=10, max_rows=3)
    assert len(result) == 3 and result.truncated
    big = ("SELECT a.id FROM cars a, cars b, cars c, cars d, cars e", 5)
    result = my.execute(big[0], timeout_s=10, max_rows=big[1])
    assert len(result) == 5 and result.truncated
    assert my.execute("SELECT COUNT(*) FROM cars").rows[0][0] > 0  # reconnected after the cut


@pytest.mark.integration
@pytest.mark.parametrize("timeout", BAD_TIMEOUTS, ids=repr)
def test_invalid_time_limits_are_refused(pg_engines, mysql_engines, timeout):
    for engine in (pg_engines[0]["reader"], mysql_engines[0]["reader"]):
        with pytest.raises(ConfigError):
            engine.execute("SELECT 1", timeout_s=timeout)


@pytest.mark.integration
@pytest.mark.parametrize("rows", BAD_ROW_CAPS, ids=repr)
def test_invalid_row_caps_are_refused(pg_engines, mysql_engines, rows):
    for engine in (pg_engines[0]["reader"], mysql_engines[0]["reader"]):
        with pytest.raises(ConfigError):
            engine.execute("SELECT 1", max_rows=rows)


def test_limits_are_checked_without_a_server():
    from momq.engines.base import check_limits

    assert check_limits(1, 5) == (1.0, 5)
    assert check_limits("2.5", 5.0) == (2.5, 5)
    for timeout in BAD_TIMEOUTS:
        with pytest.raises(ConfigError):
            check_limits(timeout, 5)
    assert not any(isinstance(t, float) and math.isfinite(t) and 0 < t < 3600 for t in BAD_TIMEOUTS)


@pytest.mark.integration
def test_the_checksums_see_changes(pg_engines, mysql_engines):
    """The state checksums are not blind: an administrator's large object, advisory
    lock and session setting, and a MySQL named lock, each change them."""
    engines, admin = pg_engines
    engine = engines["admin"]
    before = pg_state(admin, engine)
    oid = admin.execute("SELECT lo_from_bytea(0, 'x')").fetchone()[0]
    assert pg_state(admin, engine)["large objects"] != before["large objects"]
    admin.execute("SELECT lo_unlink(%s)", (oid,))
    admin.execute("SELECT pg_advisory_lock(77)")
    assert pg_state(admin, engine)["locks"] != before["locks"]
    admin.execute("SELECT pg_advisory_unlock_all()")
    engine._conn.execute("SET search_path = nowhere")  # between queries: the session itself
    assert pg_state(admin, engine)["session settings"] != before["session settings"]
    engine._conn.execute("RESET search_path")
    assert pg_state(admin, engine) == before
    engines, admin = mysql_engines
    engine = engines["reader"]
    before = mysql_state(admin, engine)
    with admin.cursor() as cur:
        cur.execute("SELECT GET_LOCK('momq', 1)")
        assert mysql_state(admin, engine)["locks and globals"] != before["locks and globals"]
        cur.execute("SELECT RELEASE_LOCK('momq')")
    assert mysql_state(admin, engine) == before
