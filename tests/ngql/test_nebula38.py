"""NebulaGraph 3.8 constructs beyond the test kit, one group per construct, written from
the 3.8 documentation's examples and the semantics of its source (validators,
executors, ``Value`` operators, ``FunctionManager``)."""

import datetime as dt

import pytest

from momq.ngql import NgqlDatabase, NgqlSemanticError, NgqlSyntaxError
from momq.ngql.values import BAD_DATA, Duration, Vertex, is_null
from momq.settings import shared_dir

SMALL = """
CREATE SPACE g(vid_type=FIXED_STRING(32));
USE g;
CREATE TAG player(name string, age int);
CREATE TAG coach(team string);
CREATE EDGE like(w int, note string);
INSERT VERTEX player(name, age) VALUES "a":("Ann", 30), "b":("Bob", 40);
INSERT VERTEX coach(team) VALUES "a":("Reds");
INSERT EDGE like(w, note) VALUES "a"->"b":(1, "x"), "a"->"ghost":(2, "y"), "b"->"a":(3, "z");
"""


@pytest.fixture(scope="module")
def nba():
    shared = shared_dir(required=False)
    path = shared / "data" / "ngql" / "graphs" / "basketballplayer.ngql" if shared else None
    if path is None or not path.exists():
        pytest.skip("shared basketballplayer graph is not available")
    db = NgqlDatabase()
    db.load_script(path.read_text())
    return db.session("basketballplayer", read_only=True)


@pytest.fixture(scope="module")
def small():
    db = NgqlDatabase()
    db.load_script(SMALL)
    return db.session("g", read_only=True)


def rows(session, query):
    return session.execute(query).rows


# ------------------------------------------------------------------ YIELD ... FROM $a INNER JOIN $b


def test_inner_join_documentation_example(nba):
    rs = nba.execute(
        "$a = LOOKUP ON player WHERE player.name == 'Tony Parker' YIELD id(vertex) as dst, vertex AS v; "
        "$b = GO FROM 'player101', 'player125' OVER follow YIELD id($^) as src, id($$) as vid, edge AS e2; "
        "YIELD $b.vid AS vid, $a.v AS v, $b.e2 AS e2 FROM $a INNER JOIN $b ON $a.dst == $b.src"
    )
    assert rs.columns == ["vid", "v", "e2"]
    assert sorted(r[0] for r in rs.rows) == ["player100", "player102", "player125"]
    assert all(isinstance(r[1], Vertex) and r[1].vid == "player101" for r in rs.rows)
    assert all(r[2].src == "player101" for r in rs.rows)


@pytest.mark.parametrize(
    "query, message",
    [
        (
            "$a = YIELD 1 AS x; $b = YIELD 1 AS y; YIELD $a.x FROM $a LEFT JOIN $b ON $a.x == $b.y",
            "only support inner join.",
        ),
        ("$a = YIELD 1 AS x; $b = YIELD 1 AS y; YIELD $a.x FROM $a JOIN $b", "only support inner join."),
        ("$a = YIELD 1 AS x; YIELD $a.x FROM $a INNER JOIN $a ON $a.x == $a.x", "do not support self-join."),
        (
            "$a = YIELD 1 AS x; $b = YIELD 1 AS y; YIELD $a.x FROM $a INNER JOIN $b ON $b.y == $a.x",
            "`a' should be consistent with join condition variable `$b.y'.",
        ),
        (
            "$a = YIELD 1 AS x, 2 AS z; $b = YIELD 1 AS y, 3 AS z; YIELD $a.x FROM $a INNER JOIN $b ON $a.x == $b.y",
            "column name `z' of $a and column name `z' of $b are the same",
        ),
        ("$a = YIELD 1 AS x; YIELD $a.x FROM $a INNER JOIN $c ON $a.x == $c.y", "variable: `c' not exist"),
    ],
)
def test_join_semantic_checks(nba, query, message):
    with pytest.raises(NgqlSemanticError, match=message.replace("$", r"\$").replace(".", r"\.")):
        nba.execute(query)


def test_join_refuses_aggregates_at_parse_time(nba):
    with pytest.raises(NgqlSyntaxError, match="Invalid use of aggregating function in yield clause"):
        nba.execute("$a = YIELD 1 AS x; $b = YIELD 1 AS y; YIELD count($a.x) FROM $a INNER JOIN $b ON $a.x == $b.y")


# ------------------------------------------------------------------ UNWIND as a pipe stage


def test_unwind_sentence_in_a_pipe(nba):
    rs = nba.execute("YIELD [1, 2, 3] AS a | UNWIND $-.a AS b | YIELD $-.b * 10 AS c")
    assert rs.columns == ["c"] and rs.rows == [[10], [20], [30]]


def test_unwind_subgraph_edges(nba):
    rs = nba.execute(
        'GET SUBGRAPH 1 STEPS FROM "player101" OUT follow YIELD edges AS es '
        "| UNWIND $-.es AS e | YIELD src($-.e) AS s, dst($-.e) AS d"
    )
    assert ["player101", "player100"] in rs.rows
    assert all(r[0] in ("player101", "player100", "player102", "player125") for r in rs.rows)


def test_unwind_keeps_only_its_alias_and_skips_null(nba):
    rs = nba.execute("YIELD [1, NULL] AS a, 5 AS k, NULL AS n | UNWIND $-.a AS x")
    assert rs.columns == ["x"] and len(rs.rows) == 2
    assert rows(nba, "YIELD NULL AS n | UNWIND $-.n AS x") == []
    assert rows(nba, "YIELD 7 AS n | UNWIND $-.n AS x") == [[7]]


def test_unwind_semantic_checks(nba):
    with pytest.raises(NgqlSemanticError, match="Not support"):
        nba.execute("$v = YIELD [1] AS l; UNWIND $v.l AS x")
    with pytest.raises(NgqlSemanticError, match="not exist prop `b'"):
        nba.execute("YIELD [1] AS a | UNWIND $-.b AS x")


def test_unwind_followed_by_return_is_still_cypher(nba):
    assert rows(nba, "UNWIND [1, 2] AS x RETURN x * 2 AS y") == [[2], [4]]


# ------------------------------------------------------------------ FIND SINGLE SHORTEST PATH


def test_find_single_shortest_path_one_per_pair(nba):
    q = 'FIND {} PATH FROM "player100" TO "player125", "team204" OVER * BIDIRECT YIELD path AS p'
    every = rows(nba, q.format("SHORTEST"))
    single = rows(nba, q.format("SINGLE SHORTEST"))
    assert len(every) > len(single) == 2
    assert {p[0].nodes()[-1].vid for p in single} == {"player125", "team204"}
    assert all(len(p[0]) == 1 for p in single)


# ------------------------------------------------------------------ shortestPath with an open end


def test_shortest_path_end_fixed_only_by_where(nba):
    rs = nba.execute("MATCH p = shortestPath((a)-[e:follow*..2]->(b)) WHERE id(a) == 'player100' RETURN p")
    ends = [r[0].nodes()[-1].vid for r in rs.rows]
    assert len(ends) == len(set(ends)) and "player101" in ends and "player100" not in ends
    assert all(1 <= len(r[0]) <= 2 for r in rs.rows)


def test_shortest_path_start_fixed_only_by_where(nba):
    rs = nba.execute("MATCH p = shortestPath((a)-[e:follow*..1]->(b)) WHERE id(b) == 'player100' RETURN id(a) AS a")
    followers = rows(nba, 'GO FROM "player100" OVER follow REVERSELY YIELD src(edge) AS s')
    assert sorted(r[0] for r in rs.rows) == sorted(r[0] for r in followers)


def test_shortest_path_back_to_its_start(nba):
    """Both ends on one vertex: the shortest cycle through it, no edge used twice; none
    when zero steps are allowed (the pair's path would be empty)."""
    rs = nba.execute(
        "MATCH (a:player{name:'Tim Duncan'}) MATCH p = shortestPath((a)-[:follow*..2]->(b)) "
        "WHERE id(b) == 'player100' RETURN p"
    )
    assert len(rs.rows) == 1 and len(rs.rows[0][0]) == 2
    assert rs.rows[0][0].nodes()[0].vid == rs.rows[0][0].nodes()[-1].vid == "player100"
    every = rows(
        nba,
        "MATCH (a:player{name:'Tim Duncan'}) MATCH p = allShortestPaths((a)-[:follow*..2]->(b)) "
        "WHERE id(b) == 'player100' RETURN p",
    )
    assert len(every) >= 2
    assert (
        rows(
            nba,
            "MATCH (a:player{name:'Tim Duncan'}) MATCH p = shortestPath((a)-[:follow*0..2]->(b)) "
            "WHERE id(b) == 'player100' RETURN p",
        )
        == []
    )
    # an undirected cycle may not walk back along the edge it came by
    assert (
        rows(
            nba,
            "MATCH (a:player{name:'Tim Duncan'}) MATCH p = shortestPath((a)-[:serve*..2]-(b)) "
            "WHERE id(b) == 'player100' RETURN p",
        )
        == []
    )


def test_shortest_path_needs_one_bound_end(nba):
    with pytest.raises(NgqlSemanticError, match="bound or fixed by id"):
        nba.execute("MATCH p = shortestPath((a)-[e*..2]->(b)) RETURN p")


# ------------------------------------------------------------------ date/time arithmetic and duration()


@pytest.mark.parametrize(
    "expr, want",
    [
        ('date("2020-01-31") - 3', dt.date(2020, 1, 28)),
        ('date("2020-02-27") + 3', dt.date(2020, 3, 1)),
        ('3 + date("2020-12-30")', dt.date(2021, 1, 2)),
        ('date("2020-03-01") - date("2020-01-01")', 60),
        # Date::addDuration does not clamp the day to the new month first
        ('date("2020-01-31") + duration({months: 1})', dt.date(2020, 3, 2)),
        ('date("2020-03-31") - duration({months: 1})', dt.date(2020, 3, 2)),
        ('date("2021-01-01") - duration({days: 1})', dt.date(2020, 12, 31)),
        ('date("2020-05-05") + duration({years: 1, hours: 30})', dt.date(2021, 5, 6)),
        ('datetime("2020-12-31T23:59:59") + duration({seconds: 2})', dt.datetime(2021, 1, 1, 0, 0, 1)),
        ('datetime("2020-03-01T00:00:00") - duration({milliseconds: 1})', dt.datetime(2020, 2, 29, 23, 59, 59, 999000)),
        ('time("23:00:00") + duration({hours: 2, minutes: 5})', dt.time(1, 5)),
        ("duration({days: 1}) + duration({months: 2})", Duration(2, 86400, 0)),
        ("duration({weeks: 1, milliseconds: 1500})", Duration(0, 7 * 86400 + 1, 500000)),
    ],
)
def test_temporal_arithmetic(nba, expr, want):
    assert rows(nba, f"YIELD {expr} AS v") == [[want]]


def test_duration_bad_input(nba):
    assert rows(nba, "YIELD duration({fortnights: 1}) AS v")[0][0] is BAD_DATA
    with pytest.raises(NgqlSemanticError, match="Type error"):
        nba.execute('YIELD duration("P1D")')
    with pytest.raises(NgqlSemanticError, match="can not apply `-'"):
        nba.execute('YIELD time("10:00:00") - 1')


def test_temporal_arithmetic_on_properties(nba):
    rs = nba.execute('GO FROM "player100" OVER serve YIELD date({year: properties(edge).start_year}) + 31 AS d')
    assert rs.rows == [[dt.date(1997, 2, 1)]]


# ------------------------------------------------------------------ functions


def test_none_direct_dst(nba):
    rs = nba.execute(
        'GO FROM "player100" OVER follow REVERSELY YIELD none_direct_dst(edge) AS d, '
        "none_direct_dst([edge]) AS l, none_direct_dst($$) AS v | LIMIT 1"
    )
    assert rs.rows == [["player100", "player100", rs.rows[0][2]]] and rs.rows[0][2] != "player100"
    with pytest.raises(NgqlSemanticError, match=r"Type error `none_direct_dst\(\[\]\)'"):
        nba.execute("YIELD none_direct_dst([])")


def test_constant_calls_are_folded_and_checked(nba):
    with pytest.raises(NgqlSemanticError, match=r"Type error `abs\(\"a\"\)'"):
        nba.execute('YIELD abs("a")')
    assert rows(nba, "YIELD abs(-2) AS v") == [[2]]


# ------------------------------------------------------------------ semantic checks


def test_variable_assigned_twice_is_refused_before_running(nba):
    with pytest.raises(NgqlSemanticError, match="Variable `a' already exists"):
        nba.execute("$a = YIELD 1 AS x; $a = YIELD 2 AS x; YIELD $a.x")


def test_pipe_reads_only_yielded_columns(nba):
    with pytest.raises(NgqlSemanticError, match="not exist prop `e'"):
        nba.execute('GO FROM "player100" OVER follow YIELD dst(edge) AS d | GO FROM $-.e OVER follow')


def test_in_needs_a_list(nba):
    with pytest.raises(NgqlSemanticError, match="expected LIST"):
        nba.execute("YIELD 1 IN 2")


# ------------------------------------------------------------------ result differences


def test_fetch_repeated_id_returns_a_row_each(small):
    assert rows(small, 'FETCH PROP ON player "a", "a", "b" YIELD player.name AS n') == [["Ann"], ["Ann"], ["Bob"]]


def test_fetch_vertex_has_only_the_fetched_tags(small):
    v = rows(small, 'FETCH PROP ON player "a" YIELD vertex AS v')[0][0]
    assert set(v.tags) == {"player"}
    assert rows(small, 'FETCH PROP ON player "a" YIELD properties(vertex) AS p') == [[{"name": "Ann", "age": 30}]]
    both = rows(small, 'FETCH PROP ON * "a" YIELD vertex AS v')[0][0]
    assert set(both.tags) == {"player", "coach"}


def test_subgraph_edge_filter_keeps_the_filtered_properties(small):
    edges = rows(small, 'GET SUBGRAPH 1 STEPS FROM "a" OUT like WHERE like.w > 1 YIELD edges AS e')[0][0]
    assert [(e.dst, e.props) for e in edges] == [("ghost", {"w": 2})]
    edges = rows(small, 'GET SUBGRAPH 1 STEPS FROM "a" OUT like YIELD edges AS e')[0][0]
    assert all(e.props == {} for e in edges)


def test_match_keeps_edges_to_missing_vertices(small):
    rs = small.execute(
        'MATCH (x:player)-[e:like]->(y) WHERE id(x) == "a" RETURN id(y) AS y, y.player.name AS n, e.w AS w'
    )
    got = sorted(rs.rows, key=lambda r: r[0])
    assert got[0] == ["b", "Bob", 1]
    assert got[1][0] == "ghost" and is_null(got[1][1]) and got[1][2] == 2
    # a label on the missing end still filters it out
    assert rows(small, 'MATCH (x)-[e:like]->(y:player) WHERE id(x) == "a" RETURN id(y)') == [["b"]]


# ------------------------------------------------------------------ pattern expressions in comprehensions


def test_pattern_in_list_comprehension_where(nba):
    rs = nba.execute(
        'MATCH (v:player{name:"Tim Duncan"})-[:follow]->(f) WITH v, collect(f) AS fs '
        "RETURN [t IN fs WHERE (t)-[:follow]->(v) | t.player.name] AS back"
    )
    assert sorted(rs.rows[0][0]) == ["Manu Ginobili", "Tony Parker"]


def test_pattern_in_list_comprehension_mapping_and_predicate(nba):
    rs = nba.execute(
        'MATCH (v:player{name:"Tim Duncan"})-[:follow]->(f) WITH v, collect(f) AS fs '
        "RETURN [t IN fs | size((t)-[:follow]->(v))] AS n, any(t IN fs WHERE (t)-[:serve]->(:team)) AS a"
    )
    assert rs.rows == [[[1, 1], True]]


def test_pattern_still_cannot_introduce_variables(nba):
    with pytest.raises(NgqlSemanticError, match="not allowed to introduce new variables"):
        nba.execute("MATCH (v:player) RETURN [t IN [1] WHERE (v)-->(u)] AS x")


# ------------------------------------------------------------------ error classes


@pytest.mark.parametrize(
    "query, family, message",
    [
        # the validators' type deduction asks the schema manager, whose "not found" statuses
        # are execution errors
        ('GO FROM "player100" OVER follow YIELD nosuch.x', "ExecutionError", "EdgeNotFound: EdgeName `nosuch`"),
        ('FETCH PROP ON player "player100" YIELD nosuch.name', "ExecutionError", "TagNotFound: TagName `nosuch`"),
        ('FETCH PROP ON nosuch "a"->"b" YIELD edge AS e', "ExecutionError", "EdgeNotFound: EdgeName `nosuch`"),
        ("LOOKUP ON nosuch YIELD id(vertex)", "ExecutionError", "Schema not exist: nosuch"),
        ("LOOKUP ON player YIELD team.name", "SemanticError", "Schema name error: team"),
        ("YIELD $$.nosuch.x", "ExecutionError", "TagNotFound: TagName `nosuch`"),
        (
            'GO FROM "player100" OVER nosuch YIELD dst(edge)',
            "SemanticError",
            "nosuch not found in space [basketballplayer].",
        ),
    ],
)
def test_error_families(nba, query, family, message):
    from momq.ngql import NgqlError

    with pytest.raises(NgqlError) as info:
        nba.execute(query)
    assert info.value.family == family and info.value.message == message


# ------------------------------------------------------------------ MATCH variable checks


@pytest.mark.parametrize(
    "query, message",
    [
        # an edge is bound once per MATCH clause
        ("MATCH (v:player)-[e:follow]->(n), (n)-[e]->(m) RETURN v", "`e': Redefined alias"),
        # a later MATCH binds an earlier variable again only with the same type
        (
            "MATCH (v:player)-[e:follow*1..2]->(n) MATCH (n)-[e]->(m) RETURN v",
            "e binding to different type: Edge vs EdgeList",
        ),
        (
            "MATCH (v:player)-[e:follow]->(n) MATCH (n)-[e*2]->(m) RETURN v",
            "e binding to different type: EdgeList vs Edge",
        ),
        # a pattern expression cannot join on a list of edges
        (
            "MATCH (v:player)-[e:follow*2]->(n) WHERE (n)-[e*2]->() RETURN v",
            "Unsupported type of variable 'e` used in multiple patterns: list of edges.",
        ),
        (
            "MATCH (v:player)-[e:follow]->(n) WHERE (n)-[e*1..2]->() RETURN v",
            "`e' is defined with type Edge, but referenced with type EdgeList",
        ),
        # UNWIND may not shadow a variable
        ("MATCH (v:player) UNWIND [1] AS v RETURN v", "Variable `v` already declared"),
    ],
)
def test_match_variable_checks(nba, query, message):
    with pytest.raises(NgqlSemanticError) as info:
        nba.execute(query)
    assert info.value.message == message


def test_match_rebinds_with_the_same_type(nba):
    rs = nba.execute('MATCH (v:player{name:"Tim Duncan"})-[e:follow]->(n) MATCH (n)<-[e]-(x) RETURN id(x) AS x')
    assert sorted(r[0] for r in rs.rows) == ["player100", "player100"]


# ------------------------------------------------------------------ grammar of pipes, syntax errors


@pytest.mark.parametrize(
    "query, near",
    [
        # a MATCH query is a sentence of its own: it neither feeds a pipe nor follows one
        ("MATCH (v:player) RETURN v | LIMIT 1", "| LIMIT "),
        ("YIELD 1 AS a | MATCH (v) RETURN v", "MATCH"),
        # after a pipe UNWIND is the nGQL sentence, which takes no further clause
        ("YIELD [1] AS a | UNWIND $-.a AS x WITH x RETURN x", "WITH"),
        # a token longer than one character is named whole, else eight characters from it
        ("GO FROM", "FROM"),
        ("YIELD 1 AS a | | YIELD 2", "| YIELD "),
    ],
)
def test_pipe_grammar(nba, query, near):
    with pytest.raises(NgqlSyntaxError) as info:
        nba.execute(query)
    assert info.value.message == f"syntax error near `{near}'"


def test_return_after_a_pipe_is_a_yield(nba):
    rs = nba.execute('GO FROM "player100" OVER follow YIELD dst(edge) AS d | RETURN DISTINCT $-.d AS x')
    assert sorted(r[0] for r in rs.rows) == ["player101", "player125"]


# ------------------------------------------------------------------ more result details


def test_subgraph_vertices_carry_their_tags(small):
    v = rows(small, 'GET SUBGRAPH 1 STEPS FROM "a" OUT like YIELD vertices AS v')[0][0][0]
    assert v.tags == {"player": {}, "coach": {}}


def test_find_path_filter_sees_only_the_edge(nba):
    with pytest.raises(NgqlSemanticError, match=r"Not support `\(follow.degree>\$-.d\)' in where sentence."):
        nba.execute(
            'YIELD 90 AS d | FIND ALL PATH FROM "player100" TO "player101" OVER follow '
            "WHERE follow.degree > $-.d YIELD path AS p"
        )


def test_match_property_maps_only_fold_constants(nba):
    with pytest.raises(NgqlSemanticError) as info:
        nba.execute('MATCH (v:player{age: "24"-1}) RETURN v')
    assert info.value.message == 'Type error `("24"-1)\''

    with pytest.raises(NgqlSemanticError, match="can not apply `-'"):
        nba.execute('YIELD "24" - 1')


def test_drop_tag_forgets_its_data():
    db = NgqlDatabase()
    db.load_script(SMALL)
    s = db.session("g")
    s.execute("DROP TAG coach")
    assert rows(s, 'MATCH (v) WHERE id(v) == "a" RETURN labels(v) AS l') == [[["player"]]]
    s.execute("DROP TAG player")
    assert rows(s, 'MATCH (v) WHERE id(v) IN ["a", "b"] RETURN v') == []
    assert len(rows(s, 'GO FROM "a" OVER like YIELD dst(edge) AS d')) == 2


def test_a_list_is_an_implicit_boolean_in_match_filters(nba):
    q = "MATCH p = (v:player{name:'Tim Duncan'})-[:follow]->(f) WHERE COND RETURN count(*) AS n"
    assert rows(nba, q.replace("COND", "[e IN relationships(p) WHERE (v)-[e]->()]")) == [[2]]
    assert rows(nba, q.replace("COND", "[e IN relationships(p) WHERE false]")) == [[0]]
    assert rows(nba, "MATCH (v:player{name:'Tim Duncan'}) WITH v, [1] AS l WHERE l RETURN count(*) AS n") == [[1]]


def test_limit_after_shortest_path(nba):
    q = 'FIND SHORTEST PATH FROM "player100", "player101" TO "player125", "team204" OVER * BIDIRECT YIELD path AS p'
    every = rows(nba, q)
    assert len(rows(nba, q + " | LIMIT 2")) == 2
    assert rows(nba, q + " | LIMIT 0") == []
    assert rows(nba, q + " | LIMIT 1, 2") == every[1:3]
