"""The Cypher engine: lexer-level checks (no server) and integration tests against the
embedded ArcadeDB server with the movies and northwind graphs."""

from __future__ import annotations

import collections
import datetime as dt

import pytest

from momq.dialects.cypher import outermost_ordered, write_reason
from momq.dialects.cypher_lexer import split_statements, tokenize
from momq.engines.base import Engine
from momq.engines.cypher import CypherEngine, connect
from momq.engines.cypher_errors import translate_error
from momq.engines.servers.base import free_port
from momq.errors import (
    ConfigError,
    EngineUnavailable,
    ExecutionError,
    QuerySyntaxError,
    QueryTimeout,
    ReadOnlyViolation,
)
from momq.values import Node, Path, Relationship

# ---------------------------------------------------------------------------------------
# no server


def test_tokenize_strips_strings_comments_and_backticks():
    tokens = tokenize("MATCH (n) // CREATE\nWHERE n.x = 'DELETE' /* SET */ RETURN `MERGE`")
    words = [t.upper for t in tokens if t.kind == "word"]
    assert words == ["MATCH", "N", "WHERE", "N", "X", "RETURN"]
    assert [t.kind for t in tokens if t.kind in ("string", "name")] == ["string", "name"]


@pytest.mark.parametrize(
    "query",
    [
        "MATCH (n:Person) RETURN n.name",
        "MATCH (n) WHERE n.name = 'CREATE (x)' RETURN n",
        "MATCH (n) // DELETE n\nRETURN n",
        "MATCH (n) /* SET n.x = 1 */ RETURN n",
        "MATCH (n) RETURN n.set AS s, n.create",
        "RETURN {create: 1, delete: 2} AS m",
        "MATCH (n:`SET`) RETURN n AS `delete`",
        "MATCH (n) RETURN n.x AS merge",
        "CALL db.labels()",
        "CALL db.schema.visualization()",
        "MATCH (n) CALL { WITH n RETURN count(*) AS c } RETURN n, c",
        "MATCH (n) RETURN n;",
    ],
)
def test_read_queries_pass_the_token_check(query):
    assert write_reason(query) is None


@pytest.mark.parametrize(
    "query",
    [
        "CREATE (n:X)",
        "create (n:X)",
        "MATCH (n) SET n.x = 1",
        "MATCH (n) DETACH DELETE n",
        "MATCH (n) REMOVE n.name",
        "MERGE (n:X {a: 1})",
        "MATCH (n) WITH n CREATE (m:Copy)",
        "MATCH (n) CALL { WITH n DELETE n } RETURN 1",
        "MATCH (n) FOREACH (x IN [1] | SET n.y = x)",
        "LOAD CSV FROM 'file:///x' AS row RETURN row",
        "CALL apoc.create.node(['X'], {})",
        "CALL dbms.security.createUser('a', 'b')",
        "RETURN apoc.cypher.runFirstColumnSingle('CREATE (n) RETURN n', {})",
        "CREATE INDEX FOR (n:X) ON (n.a)",
        "DROP INDEX x",
        "MATCH (n) RETURN n; MATCH (m) DELETE m",
        "MATCH (n)/**/DELETE/**/n",
        "USE system MATCH (n) RETURN n",
        "INSERT (n:X)",
    ],
)
def test_writes_are_found_by_the_token_check(query):
    assert write_reason(query) is not None


@pytest.mark.parametrize(
    "query,ordered",
    [
        ("MATCH (n) RETURN n ORDER BY n.name", True),
        ("MATCH (n) RETURN n ORDER BY n.name LIMIT 3", True),
        ("MATCH (n) WITH n ORDER BY n.name RETURN n", False),
        ("MATCH (n) RETURN n", False),
        ("MATCH (n) CALL { WITH n RETURN n AS m ORDER BY m.x } RETURN m", False),
        ("MATCH (n) RETURN n.order AS order", False),
        ("MATCH (n) RETURN n ORDER BY n.x UNION MATCH (n) RETURN n ORDER BY n.x", False),
        ("MATCH (n) RETURN n // ORDER BY n.x", False),
    ],
)
def test_outermost_order_by(query, ordered):
    assert outermost_ordered(query) is ordered


def test_split_statements_respects_strings_and_comments():
    script = "CREATE (a {t: 'x;y'}); // c;\nCREATE (b);\n"
    assert split_statements(script) == ["CREATE (a {t: 'x;y'})", "// c;\nCREATE (b)"]


class _FakeError(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code, self.message = code, message


def test_error_translation():
    arcade = translate_error(
        _FakeError("Neo.ClientError.Statement.SyntaxError", "Syntax error at line 2:3 - no viable alternative"),
        "MATCH (n)\nRETfoo n",
    )
    assert isinstance(arcade, QuerySyntaxError) and arcade.position == 13
    neo = translate_error(
        _FakeError("Neo.ClientError.Statement.SyntaxError", "Invalid input (line 1, column 7 (offset: 6))"),
        "MATCH RETURN",
    )
    assert isinstance(neo, QuerySyntaxError) and neo.position == 6
    assert isinstance(
        translate_error(_FakeError("Neo.ClientError.Statement.ArithmeticError", "/ by zero"), "RETURN 1/0"),
        ExecutionError,
    )
    assert isinstance(translate_error(_FakeError("Neo.ClientError.Security.Forbidden", "no"), "x"), ReadOnlyViolation)
    assert isinstance(
        translate_error(_FakeError("Neo.ClientError.Transaction.TransactionTimedOut", "too long"), "x"), QueryTimeout
    )
    assert isinstance(
        translate_error(_FakeError("Neo.ClientError.Statement.SemanticError", "Variable `m` not defined"), "x"),
        QuerySyntaxError,
    )


def test_unreachable_server_raises_engine_unavailable_with_hint():
    with pytest.raises(EngineUnavailable) as info:
        connect("movies", {"url": f"bolt://127.0.0.1:{free_port()}", "user": "u", "password": "p"})
    assert "momq engines up" in str(info.value)


# ---------------------------------------------------------------------------------------
# integration: the embedded ArcadeDB server


@pytest.mark.integration
def test_graphs_have_the_expected_sizes(cypher_graphs):
    assert cypher_graphs == {"movies": (171, 253), "northwind": (1035, 3139)}
    from momq.databases import neo4j_demo

    calls = []
    assert neo4j_demo.build(["movies"], progress=lambda *a: calls.append(a)) == {"movies": (171, 253)}
    assert calls == [("movies", 1, 1)]  # already built: skipped
    listed = {g["name"]: g for g in neo4j_demo.list_graphs()}
    assert listed["northwind"]["built"] and listed["movies"]["nodes"] == 171


@pytest.mark.integration
def test_engine_is_an_engine(movies_engine):
    assert isinstance(movies_engine, Engine)
    assert movies_engine.name == "cypher" and movies_engine.database == "movies"


@pytest.mark.integration
def test_simple_queries(movies_engine, northwind_engine):
    result = movies_engine.execute("MATCH (m:Movie) RETURN count(m) AS movies")
    assert result.columns == ["movies"] and result.rows == [(38,)]
    assert not result.ordered and not result.truncated
    result = movies_engine.execute(
        "MATCH (p:Person)-[:ACTED_IN]->(m:Movie {title: 'The Matrix'}) "
        "RETURN p.name AS name, p.born AS born ORDER BY name"
    )
    assert result.ordered
    assert result.rows[0] == ("Carrie-Anne Moss", 1967)
    assert [r[0] for r in result.rows] == sorted(r[0] for r in result.rows)
    result = northwind_engine.execute(
        "MATCH (p:Product)-[:PART_OF]->(c:Category {categoryName: 'Beverages'}) "
        "RETURN p.productName, p.unitPrice, p.discontinued ORDER BY p.unitPrice DESC LIMIT 1"
    )
    assert result.rows == [("Côte de Blaye", 263.5, False)]
    result = northwind_engine.execute("MATCH (:Order)-[r:ORDERS]->(:Product) RETURN sum(r.quantity)")
    assert result.rows[0][0] > 0


@pytest.mark.integration
def test_truncation(movies_engine):
    result = movies_engine.execute("MATCH (p:Person) RETURN p.name", max_rows=10)
    assert result.truncated and len(result.rows) == 10
    result = movies_engine.execute("MATCH (p:Person) RETURN p.name", max_rows=133)
    assert not result.truncated and len(result.rows) == 133


@pytest.mark.integration
def test_graph_values_are_normalised(movies_engine):
    result = movies_engine.execute(
        "MATCH p = (a:Person {name: 'Keanu Reeves'})-[r:ACTED_IN]->(m:Movie {title: 'The Matrix'}) RETURN a, r, m, p"
    )
    node, rel, movie, path = result.rows[0]
    assert node == Node(("Person",), {"name": "Keanu Reeves", "born": 1964})
    assert node.id is None
    assert isinstance(rel, Relationship) and rel.type == "ACTED_IN"
    assert rel.properties == {"roles": ["Neo"]}
    assert rel.start == node.key() and rel.end == movie.key()
    assert isinstance(path, Path) and path.nodes == (node, movie) and path.relationships == (rel,)
    # a relationship returned without its endpoints: they are fetched
    alone = movies_engine.execute(
        "MATCH (:Person {name: 'Keanu Reeves'})-[r:ACTED_IN]->(:Movie {title: 'The Matrix'}) RETURN r"
    )
    assert alone.rows[0][0] == rel


@pytest.mark.integration
def test_identical_graphs_compare_equal(movies_engine, cypher_scratch):
    query = "MATCH (a)-[r]->(b) RETURN a, r, b"
    one = movies_engine.execute(query, max_rows=1000)
    two = cypher_scratch.execute(query, max_rows=1000)
    assert len(one.rows) == 253
    assert collections.Counter(one.rows) == collections.Counter(two.rows)


@pytest.mark.integration
def test_temporal_and_other_values(movies_engine):
    row = movies_engine.execute(
        "RETURN date('2020-01-02') AS d, duration('P1DT2H') AS du, [1, 'a', null] AS l, {k: 1.5} AS m, true AS b"
    ).rows[0]
    assert row == (dt.date(2020, 1, 2), dt.timedelta(days=1, hours=2), [1, "a", None], {"k": 1.5}, True)


@pytest.mark.integration
def test_errors_are_classified(movies_engine):
    with pytest.raises(QuerySyntaxError) as info:
        movies_engine.execute("MATCH (n RETURN n")
    assert info.value.position == 9 and info.value.engine == "cypher"
    with pytest.raises(QuerySyntaxError):
        movies_engine.execute("MATCH (n:Person) RETURN m")
    with pytest.raises(ExecutionError):
        movies_engine.execute("RETURN 1 / 0")
    with pytest.raises(ReadOnlyViolation):
        movies_engine.execute("MATCH (n:Person) SET n.x = 1")
    # unknown labels are not errors in Cypher: the query returns nothing
    assert movies_engine.execute("MATCH (n:NoSuchLabel) RETURN n").rows == []


@pytest.mark.integration
def test_explain_validates_without_running(movies_engine):
    movies_engine.explain("MATCH (n:Person) RETURN n.name")
    movies_engine.explain("EXPLAIN MATCH (n:Person) RETURN n.name")
    with pytest.raises(QuerySyntaxError) as info:
        movies_engine.explain("MATCH (n RETURN n")
    assert info.value.position == 9


@pytest.mark.integration
def test_unknown_database(arcadedb_server):
    with pytest.raises(ConfigError):
        connect("no_such_graph_here")


@pytest.mark.integration
def test_introspection(movies_engine, northwind_engine):
    from momq.schema.introspect_cypher import introspect

    schema = introspect(movies_engine)
    assert schema.family == "graph" and schema.database == "movies"
    assert [n.name for n in schema.nodes] == ["Movie", "Person"]
    person = schema.node("Person")
    props = {c.name: c for c in person.properties}
    assert props["name"].type == "STRING" and props["born"].type == "INTEGER"
    assert "Keanu Reeves" in props["name"].samples
    acted = schema.edge("ACTED_IN")
    assert acted.endpoints == [("Person", "Movie")]
    assert [c.name for c in acted.properties] == ["roles"]
    schema = introspect(northwind_engine)
    assert {e.name for e in schema.edges} == {"ORDERS", "PART_OF", "PURCHASED", "SUPPLIES"}
    assert schema.edge("ORDERS").endpoints == [("Order", "Product")]
    product = {c.name: c.type for c in schema.node("Product").properties}
    assert product["unitPrice"] == "FLOAT" and product["discontinued"] == "BOOLEAN"


@pytest.mark.integration
@pytest.mark.slow
def test_runaway_query_times_out_and_server_recovers(cypher_scratch):
    runaway = "MATCH (a), (b), (c), (d) WHERE a.name + b.name + c.name + d.name = 'x' RETURN count(*)"
    with pytest.raises(QueryTimeout):
        cypher_scratch.execute(runaway, timeout_s=1.5)
    assert cypher_scratch.execute("MATCH (n) RETURN count(n)").rows == [(171,)]


@pytest.mark.integration
def test_engine_survives_a_server_restart(arcadedb_server, cypher_graphs):
    engine = CypherEngine("movies", embedded=arcadedb_server)
    try:
        arcadedb_server.restart()
        assert engine.execute("MATCH (m:Movie) RETURN count(m)").rows == [(38,)]
    finally:
        engine.close()
