"""Rows of the embedded nGQL engine are streamed and cut at ``max_rows``: a query whose
full result would run into millions of rows returns its first rows, flagged truncated,
under a memory budget that refuses the whole result; operators that need all their input
(ORDER BY, grouping, aggregates) still give exact results. Real engine, no doubles."""

from __future__ import annotations

import pytest

from momq.ngql import NgqlDatabase, NgqlExecutionError

N = 30  # vertices of the complete graph: 870 edges, about 20 M paths of four edges


@pytest.fixture(scope="module")
def session():
    db = NgqlDatabase()
    lines = [
        "CREATE SPACE g(vid_type=INT64);",
        "USE g;",
        "CREATE TAG n(i int);",
        "CREATE EDGE e(w int);",
        "CREATE TAG INDEX n_i ON n(i);",
        "CREATE EDGE INDEX e_w ON e(w);",
    ]
    lines.append("INSERT VERTEX n(i) VALUES " + ", ".join(f"{i}:({i})" for i in range(N)) + ";")
    values = ", ".join(f"{i}->{j}:({i * 100 + j})" for i in range(N) for j in range(N) if i != j)
    lines.append(f"INSERT EDGE e(w) VALUES {values};")
    db.load_script("\n".join(lines))
    return db.session("g", read_only=True)


# a budget far below the full results below, far above their first rows
SMALL_BUDGET = 100_000

HUGE = [
    # about 20 M paths (each edge once per path)
    "MATCH (a:n)-->(b)-->(c)-->(d)-->(e) RETURN id(a) AS a, id(e) AS e",
    # 9 M rows of two nested UNWINDs
    "UNWIND range(1, 3000) AS a UNWIND range(1, 3000) AS b RETURN a, b",
    # 29 rows for each of 5,000 start rows, then a filter and a projection
    "UNWIND range(1, 5000) AS x | YIELD $-.x % 30 AS v | GO FROM $-.v OVER e YIELD dst(edge) AS d, $-.v AS v"
    " | YIELD $-.d + $-.v AS s WHERE $-.d >= 0",
    # 1 to 3 steps from every vertex: 30 x 870 rows a step
    "LOOKUP ON n YIELD id(vertex) AS id | GO 1 TO 3 STEPS FROM $-.id OVER e YIELD src(edge) AS s, dst(edge) AS d",
    # a LIMIT bigger than the cut still stops reading
    "MATCH (a:n)-->(b)-->(c)-->(d) RETURN id(d) AS d LIMIT 1000000",
]


@pytest.mark.parametrize("query", HUGE)
def test_a_huge_result_is_cut_at_max_rows_within_a_small_budget(session, query):
    rs = session.execute(query, timeout_s=60, max_rows=10, max_values=SMALL_BUDGET)
    assert len(rs.rows) == 10 and rs.truncated
    assert rs.rows == session.execute(query, timeout_s=60, max_rows=10).rows  # the budget changes nothing
    with pytest.raises(NgqlExecutionError, match="Memory budget exceeded"):
        session.execute(query, timeout_s=60, max_values=SMALL_BUDGET)


SMALL = [
    "GO FROM 1 OVER e YIELD dst(edge) AS d",
    "GO 1 TO 2 STEPS FROM 1, 2 OVER e BIDIRECT YIELD src(edge) AS s, dst(edge) AS d, e.w AS w",
    "GO 2 STEPS FROM 1 OVER e WHERE e.w % 3 == 0 YIELD DISTINCT dst(edge) AS d",
    "GO FROM 1 OVER e YIELD dst(edge) AS d | GO FROM $-.d OVER e YIELD $-.d AS a, dst(edge) AS b",
    "GO FROM 1 OVER e YIELD dst(edge) AS d | YIELD $-.d * 2 AS x WHERE $-.d > 5 | LIMIT 2, 7",
    "FETCH PROP ON n 3, 1, 2, 1, 9, 8, 7, 99 YIELD n.i AS i",
    "GO FROM 1 OVER e YIELD dst(edge) AS d | FETCH PROP ON n $-.d YIELD n.i AS i",
    "FETCH PROP ON e 1->2, 2->3, 3->4, 1->2, 4->5, 5->6, 6->7, 7->8, 8->9 YIELD e.w AS w",
    "LOOKUP ON n WHERE n.i > 10 YIELD n.i AS i",
    "LOOKUP ON e YIELD e.w AS w",
    "MATCH (a:n)-[e]->(b) WHERE a.n.i < 5 RETURN id(a), e.w, id(b)",
    "MATCH (a:n)-->(b), (c:n) WHERE id(c) < 3 RETURN id(a) AS a, id(b) AS b, id(c) AS c SKIP 20 LIMIT 40",
    "MATCH (a:n)-->(b) WITH a, b WHERE id(b) < 9 RETURN DISTINCT id(b) AS b",
    "UNWIND range(1, 50) AS x WITH x AS y WHERE y % 2 == 0 UNWIND [y, -y] AS z RETURN z",
    "UNWIND [3, 1, 2, 1, 5, 3, 8, 9, 8, 7] AS x | YIELD DISTINCT $-.x AS x",
    "GO FROM 1 OVER e YIELD dst(edge) AS d UNION ALL GO FROM 2 OVER e YIELD dst(edge) AS d",
    "GO FROM 1 OVER e YIELD dst(edge) AS d UNION GO FROM 2 OVER e YIELD dst(edge) AS d",
    "$a = GO FROM 1 OVER e YIELD dst(edge) AS d; GO FROM $a.d OVER e YIELD $a.d AS s, dst(edge) AS d",
    "YIELD 1 AS x; GO FROM 3 OVER e YIELD dst(edge) AS d",
]


@pytest.mark.parametrize("query", SMALL)
def test_the_cut_keeps_the_first_rows_of_the_full_result(session, query):
    full = session.execute(query).rows
    assert len(full) > 5
    for cut in (1, 5, len(full) - 1, len(full), len(full) + 1):
        rs = session.execute(query, max_rows=cut)
        assert rs.rows == full[:cut]
        assert rs.truncated == (len(full) > cut)


def test_order_by_and_aggregates_still_read_everything(session):
    # ORDER BY sorts every row before the cut: the top rows, not the first ones produced
    rs = session.execute("MATCH (v:n) RETURN v.n.i AS i ORDER BY i DESC", max_rows=3)
    assert rs.rows == [[29], [28], [27]] and rs.truncated
    rs = session.execute("GO FROM 0 OVER e YIELD e.w AS w | ORDER BY $-.w DESC | LIMIT 2", max_rows=1)
    assert rs.rows == [[29]] and rs.truncated
    # grouping counts every row of a streamed million
    rs = session.execute(
        "UNWIND range(1, 1000) AS a UNWIND range(1, 1000) AS b RETURN count(*) AS n, sum(a * b) AS s",
        timeout_s=60,
        max_rows=1,
    )
    assert rs.rows == [[1_000_000, 500_500**2]] and not rs.truncated
    rs = session.execute("MATCH (a:n)-->(b) RETURN id(a) AS a, count(*) AS n ORDER BY a", max_rows=4)
    assert rs.rows == [[0, N - 1], [1, N - 1], [2, N - 1], [3, N - 1]] and rs.truncated
    rs = session.execute(
        "GO 2 STEPS FROM 0 OVER e YIELD src(edge) AS s | GROUP BY $-.s YIELD $-.s AS s, count(*) AS n | ORDER BY $-.s",
        max_rows=2,
    )
    assert rs.rows == [[1, N - 1], [2, N - 1]] and rs.truncated  # the sources of the second step


def test_a_statement_before_the_last_still_runs_to_its_end(session):
    # the first statement's rows are not returned, but its failure still is
    with pytest.raises(NgqlExecutionError, match="Memory budget exceeded"):
        session.execute(
            "UNWIND range(1, 3000) AS a UNWIND range(1, 3000) AS b RETURN a; YIELD 1 AS x",
            max_rows=1,
            max_values=SMALL_BUDGET,
        )
