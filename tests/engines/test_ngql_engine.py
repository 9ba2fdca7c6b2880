"""The nGQL engine behind momq's one engine interface (embedded engine), its read-only
sandbox (attack suite with checksums before and after) and error classes."""

from __future__ import annotations

import hashlib

import pytest

from momq.engines import open_engine
from momq.errors import QuerySyntaxError, QueryTimeout, ReadOnlyViolation, SchemaError, UnknownDatabase
from momq.values import Node, Relationship


@pytest.fixture(scope="module")
def engine():
    from momq.databases import ngql_demo

    ngql_demo.build(["basketballplayer", "nba"])
    with open_engine("ngql", "basketballplayer") as eng:
        yield eng


def checksum(engine) -> str:
    """Every vertex and edge with all properties, order-independent."""
    rows = engine.execute("MATCH (v) RETURN v", max_rows=10**6).rows
    rows += engine.execute("MATCH ()-[e]->() RETURN e", max_rows=10**6).rows
    return hashlib.sha256("\n".join(sorted(repr(r) for r in rows)).encode()).hexdigest()


def test_go_returns_plain_values(engine):
    result = engine.execute('GO FROM "player100" OVER follow YIELD dst(edge) AS friend, properties(edge).degree AS d')
    assert result.columns == ["friend", "d"]
    assert sorted(result.rows) == [("player101", 95), ("player125", 95)]
    assert not result.truncated


def test_graph_values_normalised(engine):
    ((node,),) = engine.execute('FETCH PROP ON player "player100" YIELD vertex AS v').rows
    assert node == Node(("player",), {"name": "Tim Duncan", "age": 42}, "player100")
    ((edge,),) = engine.execute('GO FROM "player100" OVER serve YIELD edge AS e').rows
    assert isinstance(edge, Relationship)
    assert (edge.type, edge.start, edge.end, edge.rank) == ("serve", "player100", "team204", 0)


def test_truncation_flag(engine):
    result = engine.execute("MATCH (v:player) RETURN v.player.name", max_rows=5)
    assert len(result.rows) == 5 and result.truncated


def test_ordered_flag(engine):
    assert engine.execute("MATCH (v:player) RETURN v.player.age AS a ORDER BY a").ordered
    assert not engine.execute("MATCH (v:player) RETURN v.player.age AS a").ordered


def test_errors_are_classified(engine):
    with pytest.raises(QuerySyntaxError) as info:
        engine.execute('GO FROM "player100" OVER follow YIELD dst(edge) AS friend,')
    assert info.value.position is not None
    with pytest.raises(QuerySyntaxError):
        engine.execute('FETCH PROP ON player "player100')  # unterminated string
    with pytest.raises(SchemaError):
        engine.execute('GO FROM "player100" OVER nothing YIELD dst(edge)')


def test_timeout_is_honoured(engine):
    with pytest.raises(QueryTimeout):
        engine.execute("MATCH p = (v)-[*1..12]-(w) RETURN count(p)", timeout_s=0.5)


def test_unknown_space():
    with pytest.raises(UnknownDatabase, match="known databases: basketballplayer"):
        open_engine("ngql", "no_such_space")


ATTACKS = [
    'INSERT VERTEX player(name, age) VALUES "evil":("Evil", 1)',
    'INSERT EDGE follow(degree) VALUES "player100"->"player101":(1)',
    'UPDATE VERTEX ON player "player100" SET age = 1',
    'UPSERT VERTEX ON player "player100" SET age = 1',
    'UPDATE EDGE ON follow "player100"->"player101" SET degree = 1',
    'DELETE VERTEX "player100"',
    'DELETE EDGE follow "player100"->"player101"',
    "DROP TAG player",
    "DROP SPACE basketballplayer",
    "CREATE TAG evil(name string)",
    'delete vertex "player100" with edge',
    'GO FROM "player100" OVER follow YIELD dst(edge) AS id | DELETE VERTEX $-.id',
    '$a = GO FROM "player100" OVER follow YIELD dst(edge) AS id; DELETE VERTEX $a.id',
    "YIELD 1; DROP TAG player",
]


@pytest.mark.parametrize("attack", ATTACKS)
def test_writes_are_refused_and_data_unchanged(engine, attack):
    before = checksum(engine)
    with pytest.raises(ReadOnlyViolation):
        engine.execute(attack)
    assert checksum(engine) == before
