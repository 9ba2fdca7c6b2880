"""The embedded nGQL engine's memory budget and in-loop deadline: runaway queries stop
with a clear ExecutionError (or a timeout) instead of exhausting memory or running on,
and queries under the budget still work. Real engine, no doubles."""

from __future__ import annotations

import time

import pytest

from momq.errors import ExecutionError, QueryTimeout
from momq.ngql import NgqlDatabase, NgqlExecutionError, NgqlTimeout
from momq.ngql.budget import DEFAULT_MAX_CHARS, DEFAULT_MAX_VALUES

LIMIT_S = 5.0
# generous: the point is that a runaway query returns, not how fast
SLACK_S = 10.0


@pytest.fixture(scope="module")
def session():
    db = NgqlDatabase()
    lines = ["CREATE SPACE g(vid_type=INT64);", "USE g;", "CREATE TAG n(i int);", "CREATE EDGE e();"]
    lines.append("INSERT VERTEX n(i) VALUES " + ", ".join(f"{i}:({i})" for i in range(30)) + ";")
    values = ", ".join(f"{i}->{j}:()" for i in range(30) for j in range(30) if i != j)
    lines.append(f"INSERT EDGE e() VALUES {values};")
    db.load_script("\n".join(lines))
    return db.session("g", read_only=True)


def refused(session, query: str, **kw) -> Exception:
    """Run a runaway query under LIMIT_S; return the error it stopped with."""
    start = time.monotonic()
    with pytest.raises((NgqlExecutionError, NgqlTimeout)) as info:
        session.execute(query, timeout_s=LIMIT_S, **kw)
    assert time.monotonic() - start < LIMIT_S + SLACK_S
    return info.value


def assert_budget_error(exc: Exception) -> None:
    assert isinstance(exc, NgqlExecutionError) and isinstance(exc, ExecutionError)
    assert "Memory budget exceeded" in str(exc)


@pytest.mark.parametrize(
    "query",
    [
        "YIELD size(range(1, 200000000))",
        "YIELD range(1, 300000000)[0]",
        "UNWIND range(1, 20000000) AS a RETURN count(a)",
        "YIELD size([x IN range(1, 6000000) WHERE x > 0 | x] + [x IN range(1, 6000000) | x])",
    ],
)
def test_runaway_lists_hit_the_value_budget(session, query):
    exc = refused(session, query)
    assert_budget_error(exc)
    assert f"{DEFAULT_MAX_VALUES:,} values" in str(exc)


@pytest.mark.parametrize(
    "query",
    [
        "YIELD size(lpad('x', 1000000000, 'y'))",
        "YIELD size(rpad('x', 200000000, 'y'))",
        "YIELD size(reduce(s = '', x IN range(1, 1000000) | s + 'xxxxxxxxxx'))",
        "YIELD size(replace(lpad('x', 10000000, 'y'), 'y', 'yyyyyyyyyyyyyyyyyy'))",
    ],
)
def test_runaway_strings_hit_the_character_budget(session, query):
    exc = refused(session, query)
    assert_budget_error(exc)
    assert f"{DEFAULT_MAX_CHARS:,} characters" in str(exc)


def test_runaway_streamed_rows_are_stopped(session):
    # 10^10 rows streamed into count(*): nothing is kept, the values counted while they
    # are built (at most 10 M) or the deadline stop it, whichever comes first
    exc = refused(session, "UNWIND range(1, 100000) AS a UNWIND range(1, 100000) AS b RETURN count(*)")
    assert isinstance(exc, (NgqlExecutionError, QueryTimeout))


def test_runaway_pattern_match_is_stopped(session):
    # 29^6 paths over the complete graph of 30 vertices: the budget or the deadline stops it
    exc = refused(session, "MATCH (a)-[*1..6]->(b) RETURN count(*)")
    assert isinstance(exc, (NgqlExecutionError, QueryTimeout))


def test_budget_is_a_parameter(session):
    query = "UNWIND range(1, 5000) AS x RETURN count(x)"
    assert_budget_error(refused(session, query, max_values=1000))
    assert session.execute(query, max_values=None).rows == [[5000]]
    assert_budget_error(refused(session, "YIELD lpad('a', 2000, 'b')", max_chars=1000))
    # the budget counts what the whole query builds, rows of every operator included
    assert_budget_error(refused(session, "MATCH (v:n) RETURN v.n.i", max_values=20))
    assert len(session.execute("MATCH (v:n) RETURN v.n.i", max_values=None).rows) == 30


def test_queries_under_the_budget_still_work(session):
    assert session.execute("YIELD size(range(1, 9000000)) AS n", timeout_s=60).rows == [[9_000_000]]
    assert session.execute("YIELD size(lpad('x', 50000000, 'y')) AS n", timeout_s=60).rows == [[50_000_000]]
    assert session.execute(
        "UNWIND range(1, 1000) AS a UNWIND range(1, 1000) AS b RETURN count(*)", timeout_s=60
    ).rows == [[1_000_000]]
    assert session.execute("GO 3 STEPS FROM 0 OVER e YIELD dst(edge) AS d | YIELD count(*)", timeout_s=60).rows == [
        [870]
    ]


def test_the_budget_starts_afresh_for_each_query(session):
    for _ in range(3):
        assert session.execute("YIELD size(range(1, 6000000))", timeout_s=60).rows == [[6_000_000]]


def test_budget_comes_from_the_limits_settings(monkeypatch):
    """``MOMQ_MAX_VALUES`` / ``[limits] max_values`` reach the engine behind ``open_engine``;
    a bad value is a clear ConfigError."""
    from momq import settings
    from momq.databases import ngql_demo
    from momq.engines import open_engine
    from momq.errors import ConfigError

    ngql_demo.build(["basketballplayer"])
    try:
        with open_engine("ngql", "basketballplayer") as engine:
            assert engine.execute("YIELD size(range(1, 50000)) AS n").rows == [(50000,)]
            monkeypatch.setenv("MOMQ_MAX_VALUES", "1000")
            settings.reload()  # the limits are read once per process
            with pytest.raises(ExecutionError, match="budget"):
                engine.execute("YIELD size(range(1, 50000)) AS n")
            monkeypatch.setenv("MOMQ_MAX_VALUES", "-3")
            settings.reload()
            with pytest.raises(ConfigError, match="max_values"):
                engine.execute("YIELD 1")
    finally:
        monkeypatch.delenv("MOMQ_MAX_VALUES", raising=False)
        settings.reload()
