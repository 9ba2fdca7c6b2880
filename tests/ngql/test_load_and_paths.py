"""Bulk loading (INSERT fast path, bulk API), shortest paths, and a few conformance
fixes of the embedded nGQL engine, checked against the general code paths."""

import random

import pytest

from momq.ngql import NgqlDatabase, NgqlExecutionError, NgqlSemanticError, NgqlSyntaxError, parse
from momq.ngql import ast as A
from momq.ngql.fastinsert import try_parse_insert
from momq.ngql.values import NULL

SCHEMA = """
CREATE SPACE s(vid_type=FIXED_STRING(16));
USE s;
CREATE TAG person(name string, age int, score double, ok bool);
CREATE EDGE knows(weight int);
CREATE TAG INDEX person_index ON person();
"""


def fresh() -> NgqlDatabase:
    db = NgqlDatabase()
    db.load_script(SCHEMA)
    return db


def dump(db: NgqlDatabase):
    sp = db.catalog.spaces["s"]
    return sp.vertices, {k: {t: dict(b) for t, b in v.items()} for k, v in sp.out.items()}, sp.edge_count


# ------------------------------------------------------------------ INSERT fast path

FAST = [
    'INSERT VERTEX person(name, age, score, ok) VALUES "a":("Ann", 30, 1.5, true), "b":(\'B\\"x\', -4, -2., FALSE)',
    'INSERT VERTEX IF NOT EXISTS person(age, name) VALUES "c":(7, "C\\u53d1");',
    'INSERT VERTEX person VALUES "d":("Dee", 1, 0.5, NULL)',
    'INSERT EDGE knows(weight) VALUES "a"->"b":(1), "b" -> "a" @ 3 : ( -2 ), "a"->"c"@-1:(NULL)',
    "INSERT EDGE knows VALUES 'a'->'d':(5)",
]

SLOW_SHAPES = [
    'INSERT VERTEX person(name, age) VALUES "a":("A", 1 + 1)',  # an expression
    'INSERT VERTEX person(name, age) VALUES "a":("A", 010)',  # octal literal
    'INSERT VERTEX person(name, age) VALUES "a":("A", 0x10)',  # hex literal
    'INSERT VERTEX person(name, age) VALUES hash("a"):("A", 1)',  # a function as vid
    'INSERT VERTEX person(name, age) VALUES "a":("A", 1); YIELD 1',  # two statements
    'INSERT VERTEX person(name, age) VALUES "a":("A", 1) # comment',  # a comment
    'INSERT VERTEX person(name, age) VALUES "a":("A", 99999999999999999999)',  # out of range
    'INSERT VERTEX person(name, age) VALUES "a":("A", 1),',  # a syntax error
]


@pytest.mark.parametrize("query", FAST)
def test_fast_path_builds_the_same_statement_as_the_parser(query):
    from momq.ngql.parser import Parser

    fast = try_parse_insert(query)
    assert fast is not None and fast.literal
    slow = Parser(query).parse_all()
    assert type(fast) is type(slow)
    if isinstance(slow, A.InsertVertexStmt):
        assert fast.tags == slow.tags and fast.if_not_exists == slow.if_not_exists
        assert [(v, vals) for v, vals in fast.rows] == [(v.value, [x.value for x in vals]) for v, vals in slow.rows]
    else:
        assert fast.edge == slow.edge and fast.props == slow.props
        assert [r[:3] for r in fast.rows] == [
            (s.value, d.value, r.value if r is not None else 0)
            if not isinstance(r, A.Unary)
            else (s.value, d.value, -r.operand.value)
            for s, d, r, _ in slow.rows
        ]


@pytest.mark.parametrize("query", SLOW_SHAPES)
def test_other_shapes_go_to_the_full_parser(query):
    assert try_parse_insert(query) is None


def test_fast_and_full_paths_load_the_same_data():
    from momq.ngql.dataset import QueryContext
    from momq.ngql.executor import Executor
    from momq.ngql.parser import Parser

    a, b = fresh(), fresh()
    for q in FAST[:1] + FAST[2:]:
        a.session("s").execute(q)
        # the same statement through the full parser
        sess = b.session("s")
        Executor(QueryContext(b.catalog, sess, None, False)).run(Parser(q).parse_all())
    assert dump(a) == dump(b)


def test_fast_path_keeps_the_errors():
    db = fresh()
    s = db.session("s")
    with pytest.raises(NgqlExecutionError, match="data type does not meet"):
        s.execute('INSERT VERTEX person(name, age) VALUES "a":("A", "not a number")')
    with pytest.raises(NgqlSemanticError, match="Column count doesn't match"):
        s.execute('INSERT VERTEX person(name, age) VALUES "a":("A")')
    with pytest.raises(NgqlSemanticError, match="Unknown column `nope'"):
        s.execute('INSERT VERTEX person(name, nope) VALUES "a":("A", 1)')
    with pytest.raises(NgqlExecutionError, match="VID must be"):
        s.execute('INSERT EDGE knows(weight) VALUES "a-very-long-vertex-id"->"b":(1)')
    with pytest.raises(NgqlSyntaxError, match="Out of range"):
        s.execute('INSERT VERTEX person(name, age) VALUES "a":("A", 99999999999999999999)')
    # a bad row anywhere leaves the space unchanged
    with pytest.raises(NgqlExecutionError):
        s.execute('INSERT VERTEX person(name, age) VALUES "a":("A", 1), "b":("B", "x")')
    assert db.catalog.spaces["s"].vertices == {}


def test_insert_without_property_list_uses_all_properties_in_order():
    db = fresh()
    db.session("s").execute('INSERT VERTEX person VALUES "x":("X", 3, 1.0, true)')
    assert db.catalog.spaces["s"].vertices["x"]["person"] == {"name": "X", "age": 3, "score": 1.0, "ok": True}


def test_read_only_session_still_refuses_fast_path_inserts():
    db = fresh()
    from momq.ngql import NgqlReadOnlyError

    with pytest.raises(NgqlReadOnlyError):
        db.session("s", read_only=True).execute('INSERT VERTEX person(name) VALUES "a":("A")')


# ------------------------------------------------------------------ bulk API


def test_bulk_api_matches_insert_text():
    a, b = fresh(), fresh()
    a.session("s").execute('INSERT VERTEX person(name, age) VALUES "a":("Ann", 30), "b":("Bob", NULL)')
    a.session("s").execute('INSERT EDGE knows(weight) VALUES "a"->"b"@2:(7)')
    assert b.bulk_insert_vertices("s", "person", [("a", ("Ann", 30)), ("b", ("Bob", None))], props=["name", "age"]) == 2
    assert b.bulk_insert_edges("s", "knows", [("a", "b", 2, (7,))]) == 1
    assert dump(a) == dump(b)
    assert b.catalog.spaces["s"].vertices["b"]["person"]["age"] is NULL


def test_bulk_api_checks_rows_before_writing():
    db = fresh()
    with pytest.raises(NgqlExecutionError):
        db.bulk_insert_vertices("s", "person", [("a", ("A", 1)), ("b", ("B", "x"))], props=["name", "age"])
    assert db.catalog.spaces["s"].vertices == {}
    with pytest.raises(NgqlSemanticError):
        db.bulk_insert_edges("s", "nothing", [])
    with pytest.raises(NgqlExecutionError, match="SpaceNotFound"):
        db.bulk_insert_vertices("nope", "person", [])


# ------------------------------------------------------------------ shortest paths


def _random_graph(n=60, m=150, seed=3):
    rnd = random.Random(seed)
    db = NgqlDatabase()
    db.load_script("CREATE SPACE r(vid_type=INT64); USE r; CREATE TAG n(); CREATE EDGE e(); CREATE EDGE f();")
    db.bulk_insert_vertices("r", "n", [(i, ()) for i in range(n)])
    db.bulk_insert_edges("r", "e", [(rnd.randrange(n), rnd.randrange(n), 0, ()) for _ in range(m)])
    db.bulk_insert_edges("r", "f", [(rnd.randrange(n), rnd.randrange(n), 0, ()) for _ in range(m // 3)])
    return db


def _all_shortest(db, s, d, direction, upto):
    """Reference: every path found by a plain forward BFS, shortest only."""
    sp = db.catalog.spaces["r"]
    level = [[(s, ())]]
    for _ in range(upto):
        nxt = []
        for vid, chain in level[-1]:
            if direction in ("out", "both"):
                for et, other, _rank, _ in sp.out_edges(vid, None):
                    nxt.append((other, chain + ((vid, et, other, False),)))
            if direction in ("in", "both"):
                for et, other, _rank, _ in sp.in_edges(vid, None):
                    if direction == "both" and other == vid:
                        continue
                    nxt.append((other, chain + ((other, et, vid, True),)))
        hits = {c for v, c in nxt if v == d}
        if hits:
            return hits
        seen = {v for lvl in level for v, _ in lvl}
        level.append([(v, c) for v, c in nxt if v not in seen])
    return set()


@pytest.mark.parametrize("direction", ["", "REVERSELY", "BIDIRECT"])
def test_bidirectional_shortest_path_finds_every_shortest_path(direction):
    db = _random_graph()
    sess = db.session("r")
    how = {"": "out", "REVERSELY": "in", "BIDIRECT": "both"}[direction]
    for s, d in [(0, 1), (2, 3), (5, 40), (11, 59), (20, 21)]:
        rs = sess.execute(f"FIND SHORTEST PATH FROM {s} TO {d} OVER * {direction} UPTO 6 STEPS YIELD path AS p")
        got = set()
        for (p,) in rs.rows:
            chain = []
            prev = p.src.vid
            for e, rev, nxt in p.steps:
                chain.append((e.src, e.type, e.dst, rev))
                assert (e.dst if not rev else e.src) == nxt.vid and (e.src if not rev else e.dst) == prev
                prev = nxt.vid
            got.add(tuple(chain))
        assert got == _all_shortest(db, s, d, how, 6), (s, d)


def test_shortest_path_to_itself_is_the_shortest_cycle():
    db = NgqlDatabase()
    db.load_script(
        "CREATE SPACE g(vid_type=FIXED_STRING(8)); USE g; CREATE EDGE e();"
        'INSERT EDGE e() VALUES "a"->"b":(), "b"->"a":(), "a"->"c":(), "c"->"d":(), "d"->"a":();'
    )
    rs = db.session("g").execute('FIND SHORTEST PATH FROM "a" TO "a" OVER e YIELD path AS p')
    assert [[v.vid for v in p.nodes()] for (p,) in rs.rows] == [["a", "b", "a"]]
    # an edge is not walked twice: a-b-a over one edge both ways is no cycle
    db.load_script('USE g; DELETE EDGE e "b"->"a";')
    rs = db.session("g").execute('FIND SHORTEST PATH FROM "a" TO "a" OVER e BIDIRECT YIELD path AS p')
    assert sorted(len(p.steps) for (p,) in rs.rows) == [3, 3]


# ------------------------------------------------------------------ conformance fixes


def test_offset_limit_pipe_and_input_star():
    db = fresh()
    s = db.session("s")
    s.execute('INSERT VERTEX person(name, age) VALUES "a":("A", 1), "b":("B", 2), "c":("C", 3)')
    rs = s.execute("LOOKUP ON person YIELD person.name AS n, person.age AS a | ORDER BY $-.a | OFFSET 1 LIMIT 1")
    assert rs.rows == [["B", 2]]
    rs = s.execute("LOOKUP ON person YIELD person.name AS n, person.age AS a | YIELD $-.* WHERE $-.a > 2")
    assert rs.columns == ["$-.n", "$-.a"] and rs.rows == [["C", 3]]


def test_go_steps_walk_each_start_separately():
    db = NgqlDatabase()
    db.load_script(
        "CREATE SPACE g(vid_type=FIXED_STRING(8)); USE g; CREATE EDGE e();"
        'INSERT EDGE e() VALUES "a"->"b":(), "a"->"c":(), "b"->"d":(), "c"->"d":(), "d"->"x":();'
    )
    s = db.session("g")
    # d is reached twice from a at step 2 but walked once
    assert s.execute('GO 3 STEPS FROM "a" OVER e YIELD dst(edge) AS d').rows == [["x"]]
    # piped input rows are separate starts
    rows = s.execute('(YIELD "a" AS v UNION ALL YIELD "a" AS v) | GO 3 STEPS FROM $-.v OVER e YIELD dst(edge)').rows
    assert rows == [["x"], ["x"]]


def test_lexer_level_errors_and_operator_precedence():
    with pytest.raises(NgqlSyntaxError, match="near `--'"):
        parse("RETURN 1--1 AS sub")
    with pytest.raises(NgqlSyntaxError, match="near `]-'"):
        parse("RETURN [2,3 ]-[3] AS sub")
    parse("RETURN [2,3 ] - [3] AS sub")
    parse("MATCH (a)--(b)-->(c)<--(d) RETURN a")
    stmt = parse("YIELD NOT false OR false AND false XOR false")
    assert stmt.columns[0].expr.text() == "((!(false) OR (false AND false)) XOR false)"


def test_unknown_edge_message_names_the_space(tmp_path):
    db = NgqlDatabase()
    db.load_script(
        "CREATE SPACE basketballplayer(vid_type=FIXED_STRING(16)); USE basketballplayer;CREATE EDGE follow(degree int);"
    )
    s = db.session("basketballplayer", read_only=True)
    with pytest.raises(NgqlSemanticError) as info:
        s.execute('GO FROM "player100" OVER nothing YIELD dst(edge)')
    assert info.value.message == "nothing not found in space [basketballplayer]."
