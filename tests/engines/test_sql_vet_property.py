"""Property: nothing the SQL vetting accepts writes.

Hypothesis builds random token sequences from an alphabet rich in write keywords,
functions with effects, quoting and comment tricks and line endings. Whatever the
vetting (``momq.dialects.sql_vet.vet_query``) accepts is then run *as administrator on a
read-write connection*, with no other layer of the sandbox: no read-only transaction,
no reader login. In PostgreSQL the statement runs inside a transaction that must not
have been given a transaction id (PostgreSQL assigns one at the first write), and the
data, sequences, large objects, advisory locks and the session's settings must be as
before; in MySQL the tables' checksums, named locks and session variables.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from momq.dialects.sql_vet import vet_query
from momq.errors import QueryError

pytestmark = pytest.mark.integration

COMMON = [
    "SELECT",
    "SELECT",
    "SELECT",
    "FROM",
    "cars",
    "cars",
    "sales",
    "WHERE",
    "id",
    "make",
    "*",
    "1",
    "0",
    "'a'",
    "'x''y'",
    "(",
    ")",
    "(",
    ")",
    ",",
    ",",
    "=",
    "+",
    "AS",
    "t",
    "AND",
    "OR",
    "NOT",
    "ORDER BY",
    "GROUP BY",
    "LIMIT",
    "UNION",
    "WITH",
    "count(*)",
    "max(id)",
    "lower(make)",
    ";",
    "--",
    "-- ",
    "/*",
    "*/",
    "\n",
    "\r",
    "\r\n",
    "\u2028",
    "\t",
    "'",
    '"',
    "`",
    "\\",
    "DELETE",
    "UPDATE",
    "INSERT",
    "INTO",
    "SET",
    "DROP",
    "CREATE",
    "TABLE",
    "VALUES",
    "FOR UPDATE",
    "LOCK",
    "CALL",
    "CASE WHEN",
    "THEN",
    "ELSE",
    "END",
    "IN",
    "EXISTS",
]
POSTGRES = COMMON + [
    "set_config('search_path', 'x', false)",
    "set_config",
    "nextval('cars_id_seq')",
    "nextval",
    "setval",
    "lo_from_bytea(0, 'x')",
    "query_to_xml('select 1', true, false, '')",
    "pg_advisory_lock(1)",
    "pg_try_advisory_lock(1)",
    "pg_catalog.",
    '"set_config"',
    "$$",
    "$t$",
    "E'\\''",
    "U&'",
    "::text",
    "::regclass",
    "RETURNING",
    "TABLE cars",
    "generate_series(1, 3)",
    "pg_sleep(0)",
    "lastval()",
]
MYSQL = COMMON + [
    "GET_LOCK('momq', 0)",
    "get_lock",
    "RELEASE_LOCK('momq')",
    "@x",
    ":=",
    "@x := 1",
    "LAST_INSERT_ID(5)",
    "LOAD_FILE('/etc/hostname')",
    "/*!",
    "/*M!",
    "#",
    "OUTFILE '/tmp/momq_p'",
    "IFNULL(make, 'a')",
    "DATE_FORMAT(NOW(), '%Y')",
    "SLEEP(0)",
    "@@sql_mode",
    "BENCHMARK(1, 1)",
]


SAFE_ITEMS = [
    "id",
    "make",
    "count(*)",
    "max(id)",
    "lower(make)",
    "1",
    "'a'",
    "id + 1",
    "coalesce(make, 'x')",
    "(SELECT 1)",
    "CASE WHEN id > 1 THEN 'a' ELSE 'b' END",
]


def queries(alphabet: list[str]):
    """Random token sequences, and random SELECTs whose items, condition and tail mix
    safe expressions with the alphabet's tokens (so that many are accepted)."""
    tokens = st.lists(st.sampled_from(alphabet), min_size=0, max_size=14).map(" ".join)
    raw = st.tuples(st.sampled_from(["SELECT ", "WITH ", "", "(SELECT "]), tokens).map("".join)
    item = st.one_of(st.sampled_from(SAFE_ITEMS), st.sampled_from(alphabet))
    shaped = st.builds(
        lambda items, where, tail: f"SELECT {', '.join(items)} FROM cars{where}{tail}",
        st.lists(item, min_size=1, max_size=3),
        st.one_of(st.just(""), item.map(lambda e: f" WHERE {e} IS NOT NULL")),
        st.one_of(st.just(""), tokens.map(lambda t: " " + t)),
    )
    return st.one_of(raw, shaped)


def accepted(query: str, dialect: str) -> str | None:
    try:
        text = vet_query(query, dialect).text
    except QueryError:
        event("refused")
        return None
    event("accepted")
    return text


def _pg_state(conn) -> tuple:
    return (
        conn.execute("SELECT sequencename, last_value FROM pg_sequences ORDER BY 1").fetchall(),
        conn.execute("SELECT count(*) FROM pg_largeobject_metadata").fetchone(),
        conn.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'").fetchone(),
        conn.execute("SELECT name, setting FROM pg_settings ORDER BY name").fetchall(),
        conn.execute("SELECT count(*), sum(id) FROM cars").fetchone(),
    )


_PROPERTY = settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))


@_PROPERTY
@given(query=queries(POSTGRES))
def test_nothing_the_postgres_vetting_accepts_writes(pg_admin, query):
    text = accepted(query, "postgres")
    if text is None:
        return
    import psycopg

    _, conn = pg_admin
    before = _pg_state(conn)
    conn.execute("BEGIN")
    try:
        conn.execute("SET LOCAL statement_timeout = 2000")
        try:
            conn.execute(text.encode(), prepare=False)
        except psycopg.Error:
            conn.execute("ROLLBACK")
            conn.execute("BEGIN")
        assert conn.execute("SELECT pg_current_xact_id_if_assigned()").fetchone()[0] is None, text
    finally:
        conn.execute("ROLLBACK")
    assert _pg_state(conn) == before, text


def _mysql_state(conn) -> tuple:
    with conn.cursor() as cur:
        cur.execute("CHECKSUM TABLE cars, sales")
        sums = cur.fetchall()
        cur.execute("SELECT IS_USED_LOCK('momq'), @x, @@sql_mode, @@autocommit, LAST_INSERT_ID()")
        return sums, cur.fetchone()


@_PROPERTY
@given(query=queries(MYSQL))
def test_nothing_the_mysql_vetting_accepts_writes(mysql_admin, query):
    text = accepted(query, "mysql")
    if text is None:
        return
    import pymysql

    _, conn = mysql_admin
    before = _mysql_state(conn)
    with conn.cursor() as cur:
        cur.execute("SET SESSION max_statement_time = 2")
        try:
            cur.execute(text.replace("%", "%%"))
            cur.fetchall()
        except pymysql.err.MySQLError:
            pass
        cur.execute("SET SESSION max_statement_time = 0")
    assert _mysql_state(conn) == before, text
