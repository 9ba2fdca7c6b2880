"""Unit tests of the embedded nGQL engine: parsing errors, values, persistence,
read-only sessions, bad input, and loading the demo graphs."""

import os

import pytest

from momq import values as mv
from momq.ngql import (
    NgqlDatabase,
    NgqlError,
    NgqlReadOnlyError,
    NgqlSemanticError,
    NgqlSyntaxError,
    NgqlTimeout,
    is_read_only,
    parse,
)
from momq.ngql.values import NULL, Edge, Path, Vertex, to_text
from momq.settings import shared_dir

SCRIPT = """
CREATE SPACE g(vid_type=FIXED_STRING(32));
USE g;
CREATE TAG player(name string, age int);
CREATE TAG team(name string);
CREATE EDGE like(likeness int);
CREATE EDGE serve(start_year int, end_year int);
CREATE TAG INDEX player_name ON player(name(20));
INSERT VERTEX player(name, age) VALUES "a":("Ann", 30), "b":("Bob", 40), "c":("Cid", 50);
INSERT VERTEX team(name) VALUES "t":("Team");
INSERT EDGE like(likeness) VALUES "a"->"b":(90), "b"->"c":(80), "c"->"a":(70);
INSERT EDGE serve(start_year, end_year) VALUES "a"->"t":(2000, 2010);
"""


@pytest.fixture()
def db():
    d = NgqlDatabase()
    d.load_script(SCRIPT)
    return d


def rows(db, q, space="g"):
    return db.session(space).execute(q).rows


# ------------------------------------------------------------------ parsing


def test_syntax_error_has_position_and_near_text():
    with pytest.raises(NgqlSyntaxError) as info:
        parse('$a = GO FROM "a" OVER like YIELD like._dst AS id;\n| GO FROM $-.id OVER like')
    assert info.value.position == 50
    assert info.value.message == "syntax error near `| GO FRO'"
    assert isinstance(info.value, NgqlError)


def test_unterminated_string_is_a_syntax_error():
    with pytest.raises(NgqlSyntaxError) as info:
        parse('YIELD "abc')
    assert info.value.position == 6


def test_out_of_range_integer():
    with pytest.raises(NgqlSyntaxError, match="Out of range"):
        parse("YIELD 9223372036854775809")
    parse("YIELD -9223372036854775808")


def test_is_read_only_on_ast():
    assert is_read_only(parse('GO FROM "a" OVER like YIELD like._dst | YIELD count(*)'))
    assert is_read_only(parse("MATCH (v) RETURN v"))
    assert not is_read_only(parse('YIELD 1; INSERT VERTEX player(name, age) VALUES "x":("X", 1)'))
    assert not is_read_only(parse("DROP SPACE g"))


# ------------------------------------------------------------------ values


def test_text_forms():
    v = Vertex("Tim Duncan", {"player": {"name": "Tim Duncan", "age": 42}})
    assert to_text(v) == '("Tim Duncan" :player{age: 42, name: "Tim Duncan"})'
    e = Edge("a", "b", "like", 0, {"likeness": 95})
    assert to_text(e) == '[:like "a"->"b" @0 {likeness: 95}]'
    p = Path(Vertex("a"), [(Edge("a", "b", "like", 0, {}), False, Vertex("b"))])
    assert to_text(p) == '<("a")-[:like@0 {}]->("b")>'
    assert to_text([1, 2.5, "x", NULL, True]) == '[1, 2.5, "x", NULL, true]'
    assert to_text({"a": 1}) == "{a: 1}"


def test_to_momq_values(db):
    rs = db.session("g").execute('MATCH p=(a:player)-[e:like]->(b) WHERE id(a) == "a" RETURN a, e, p')
    a, e, p = rs.to_momq_rows()[0]
    assert a == mv.Node(("player",), {"name": "Ann", "age": 30}, "a")
    assert e == mv.Relationship("like", "a", "b", {"likeness": 90}, 0)
    assert isinstance(p, mv.Path) and len(p.relationships) == 1


# ------------------------------------------------------------------ queries


def test_go_fetch_lookup_match(db):
    assert rows(db, 'GO FROM "a" OVER like YIELD like._dst, $$.player.name') == [["b", "Bob"]]
    assert rows(db, 'GO 2 STEPS FROM "a" OVER like YIELD dst(edge)') == [["c"]]
    assert rows(db, 'GO FROM "b" OVER like REVERSELY YIELD src(edge) AS s') == [["a"]]
    assert rows(db, 'FETCH PROP ON player "c" YIELD player.age') == [[50]]
    assert rows(db, 'LOOKUP ON player WHERE player.name == "Bob" YIELD id(vertex) AS id') == [["b"]]
    got = rows(db, "MATCH (v:player)-[:like]->(w) WHERE v.player.age > 35 RETURN w.player.name AS n ORDER BY n")
    assert got == [["Ann"], ["Cid"]]
    assert rows(db, 'FIND SHORTEST PATH FROM "a" TO "c" OVER like YIELD path AS p')[0][0].nodes()[-1].vid == "c"


def test_ordered_flag(db):
    s = db.session("g")
    assert s.execute("MATCH (v:player) RETURN v.player.age AS a ORDER BY a").ordered
    assert not s.execute("MATCH (v:player) RETURN v.player.age AS a").ordered


def test_max_rows_truncates(db):
    rs = db.session("g").execute("MATCH (v:player) RETURN v", max_rows=2)
    assert len(rs.rows) == 2 and rs.truncated


# ------------------------------------------------------------------ bad input


def test_bad_input_errors(db):
    s = db.session("g")
    with pytest.raises(NgqlSemanticError, match="not found in space"):
        s.execute('GO FROM "a" OVER nosuch YIELD 1')
    with pytest.raises(NgqlSemanticError, match="not found the property"):
        s.execute('GO FROM "a" OVER like YIELD like.nosuch')
    with pytest.raises(NgqlSemanticError, match="cannot be represented as an integer"):
        s.execute("YIELD 9223372036854775807 + 1")
    with pytest.raises(NgqlSemanticError, match="Unknown tag"):
        s.execute("MATCH (v:nosuch) RETURN v")
    with pytest.raises(NgqlSemanticError, match="Space was not chosen"):
        db.session().execute('GO FROM "a" OVER like YIELD like._dst')
    with pytest.raises(NgqlSyntaxError):
        s.execute('GO -1 STEPS FROM "a" OVER like YIELD 1')


def test_timeout_is_honoured():
    d = NgqlDatabase()
    lines = ["CREATE SPACE big(vid_type=INT64);", "USE big;", "CREATE EDGE e();"]
    values = ", ".join(f"{i}->{j}:()" for i in range(30) for j in range(30) if i != j)
    lines.append(f"INSERT EDGE e() VALUES {values};")
    d.load_script("\n".join(lines))
    with pytest.raises(NgqlTimeout):
        d.session("big").execute("FIND ALL PATH FROM 0 TO 1 OVER e UPTO 50 STEPS YIELD path AS p", timeout_s=0.3)
    # frontiers are de-duplicated: fifty steps over the complete graph end with the edges
    # out of its 30 vertices (29^50 walks otherwise) ...
    go = "GO {} STEPS FROM 0 OVER e YIELD dst(edge) | YIELD count(*)"
    assert d.session("big").execute(go.format(50), timeout_s=60).rows == [[870]]
    # ... and an absurd step count hits the time limit instead of hanging
    with pytest.raises(NgqlTimeout):
        d.session("big").execute(go.format(100_000), timeout_s=2)


def test_errors_never_leak_python_exceptions(db):
    s = db.session("g")
    for q in [
        'YIELD "abc',
        "MATCH (v:player) RETURN v.player.name + [1] AS x, abs('x') AS y",
        "YIELD 1/0",
        'YIELD [1,2]["a"]',
        'FETCH PROP ON nosuch "a" YIELD vertex',
        "USE nosuch",
        "YIELD $var",
        "LOOKUP ON team YIELD id(vertex)",
        "GO FROM 1 OVER like YIELD 1",
    ]:
        try:
            s.execute(q)
        except NgqlError:
            pass


# ------------------------------------------------------------------ read-only


def test_read_only_session_refuses_writes(db):
    s = db.session("g", read_only=True)
    for q in [
        'INSERT VERTEX player(name, age) VALUES "z":("Zed", 1)',
        'DELETE VERTEX "a"',
        'UPDATE VERTEX ON player "a" SET age = 1',
        "DROP SPACE g",
        "CREATE TAG x(a int)",
        'YIELD 1 AS x; INSERT VERTEX player(name, age) VALUES "z":("Zed", 1)',
        'GO FROM "a" OVER like YIELD like._dst AS id | DELETE VERTEX $-.id',
    ]:
        with pytest.raises(NgqlReadOnlyError):
            s.execute(q)
    assert rows(db, 'FETCH PROP ON player "a" YIELD player.age') == [[30]]
    assert "z" not in db.catalog.spaces["g"].vertices


# ------------------------------------------------------------------ persistence


def test_save_and_reopen(db, tmp_path):
    path = tmp_path / "db.snapshot"
    db.save(path)
    again = NgqlDatabase.open(path)
    assert rows(again, 'GO FROM "a" OVER like YIELD like.likeness') == [[90]]


def test_interrupted_save_keeps_previous_snapshot(db, tmp_path, monkeypatch):
    path = tmp_path / "db.snapshot"
    db.save(path)
    db.session("g").execute('INSERT VERTEX player(name, age) VALUES "new":("New", 1)')

    def crash(*args, **kwargs):
        raise OSError("simulated crash during rename")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        db.save(path)
    monkeypatch.undo()
    again = NgqlDatabase.open(path)
    assert "new" not in again.catalog.spaces["g"].vertices
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


# ------------------------------------------------------------------ demo graphs


@pytest.mark.parametrize(
    "name,space,n_vertices", [("basketballplayer.ngql", "basketballplayer", 50), ("nba.ngql", "nba", 50)]
)
def test_demo_graphs_load(name, space, n_vertices):
    shared = shared_dir(required=False)
    if shared is None:
        pytest.skip("shared data not available")
    d = NgqlDatabase()
    sess = d.load_script((shared / "data" / "ngql" / "graphs" / name).read_text())
    assert sess.space == space
    assert len(d.catalog.spaces[space].vertices) >= n_vertices
    assert d.catalog.spaces[space].edge_count > 50
