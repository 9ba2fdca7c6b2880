"""The schema model and its three renderers."""

import pytest

from momq.errors import ConfigError
from momq.schema import Column, EdgeType, ForeignKey, NodeType, Schema, Table
from momq.schema.render import python_type, render


@pytest.fixture
def shop() -> Schema:
    return Schema(
        "shop",
        "relational",
        tables=[
            Table(
                "customer",
                [
                    Column("id", "INTEGER", False),
                    Column("name", "TEXT", description="full name", samples=["Ann", "Bob"]),
                ],
                ["id"],
            ),
            Table(
                "orders",
                [Column("id", "INTEGER", False), Column("customer_id", "INTEGER"), Column("total", "NUMERIC(10,2)")],
                ["id"],
                [ForeignKey(["customer_id"], "customer", ["id"])],
            ),
            Table("audit", [Column("at", "TIMESTAMP")]),
        ],
    )


@pytest.fixture
def nba() -> Schema:
    return Schema(
        "nba",
        "graph",
        vid_type="FIXED_STRING(32)",
        nodes=[
            NodeType("player", [Column("name", "string"), Column("age", "int")]),
            NodeType("team", [Column("name", "string")]),
        ],
        edges=[
            EdgeType("serve", [Column("start_year", "int")], [("player", "team")]),
            EdgeType("follow", [Column("degree", "int")], [("player", "player")]),
        ],
    )


def test_ddl(shop):
    ddl = render(shop, "ddl", samples=1)
    assert "CREATE TABLE orders (" in ddl
    assert "FOREIGN KEY (customer_id) REFERENCES customer(id)" in ddl
    assert "name TEXT, -- full name; e.g. 'Ann'" in ddl
    assert ddl.count("CREATE TABLE") == 3


def test_text(shop, nba):
    assert "Table customer: id (INTEGER), name (TEXT, full name); primary key: id" in render(shop, "text")
    assert "Edge serve: start_year (int); (player)-[:serve]->(team)" in render(nba, "text")


def test_code_is_python_with_typed_init(shop, nba):
    for schema in (shop, nba):
        code = render(schema, "code")
        namespace = {
            "Table": object,
            "Tag": object,
            "Node": object,
            "Edge": object,
            "datetime": object,
            "date": object,
            "time": object,
        }
        exec(code, namespace)  # the code-structured schema is valid Python
    code = render(nba, "code")
    assert "class player(Tag):" in code
    assert "def __init__(self, name: str, age: int):" in code
    assert '"""Edge from player to team."""' in code
    assert "def __init__(self, id: int, customer_id: int, total: float):" in render(shop, "code")


def test_ngql_ddl_and_cypher_patterns(nba):
    assert "CREATE TAG player(\n  name string,\n  age int\n);" in render(nba, "ddl")
    cypher = Schema(
        "movies",
        "graph",
        nodes=[NodeType("Person", [Column("name", "STRING")])],
        edges=[EdgeType("ACTED_IN", [], [("Person", "Movie")])],
    )
    assert "(:Person)-[:ACTED_IN]->(:Movie)" in render(cypher, "ddl")


def test_unknown_format(shop):
    with pytest.raises(ConfigError, match="known formats: ddl, text, code"):
        render(shop, "yaml")


def test_subschema(shop, nba):
    sub = shop.subschema(["ORDERS"])
    assert [t.name for t in sub.tables] == ["orders"]
    assert sub.tables[0].foreign_keys == []  # the referenced table was dropped
    assert [t.name for t in shop.subschema(["orders"], keep_neighbours=True).tables] == ["customer", "orders"]
    assert nba.subschema(["serve"], keep_neighbours=True).element_names() == ["player", "team", "serve"]
    assert nba.subschema(["nothing"]).element_names() == []


def test_graph_subschema_keeps_the_edges_that_connect_the_named_node_types(nba):
    def names(*wanted):
        return nba.subschema(list(wanted), keep_neighbours=True).element_names()

    # "the teams Tony Parker played for": player and team named; serve is between them
    # (and follow, from player to player)
    assert names("player", "team") == ["player", "team", "serve", "follow"]
    # one node type alone keeps the edge types touching it
    assert names("team") == ["player", "team", "serve"]
    assert set(names("player")) == {"player", "team", "follow", "serve"}
    # an edge type named: only its endpoints are added, no other edge
    assert names("player", "follow") == ["player", "follow"]
    # without keep_neighbours the selection is exact
    assert nba.subschema(["player", "team"]).element_names() == ["player", "team"]


def test_json_round_trip(shop, nba):
    for schema in (shop, nba):
        assert Schema.from_dict(schema.to_dict()) == schema


@pytest.mark.parametrize(
    "db_type,py",
    [
        ("INTEGER", "int"),
        ("double precision", "float"),
        ("varchar(20)", "str"),
        ("timestamp without time zone", "datetime"),
        ("date", "date"),
        ("boolean", "bool"),
        ("FIXED_STRING(32)", "str"),
    ],
)
def test_python_types(db_type, py):
    assert python_type(db_type) == py


def test_table_subschema_keeps_the_link_tables_of_undeclared_joins():
    from momq.schema.model import Column, Schema, Table

    def table(name, *columns):
        return Table(name, [Column(c, "bigint") for c in columns])

    # sql-eval's academic declares no keys: writes(aid, pid) links author and publication
    academic = Schema(
        "academic",
        "relational",
        tables=[
            table("author", "aid", "name", "oid"),
            table("publication", "pid", "title", "citation_num"),
            table("writes", "aid", "pid"),
            table("organization", "oid", "name"),
            table("journal", "jid", "name"),
        ],
    )

    def names(*wanted):
        return [t.name for t in academic.subschema(list(wanted), keep_neighbours=True).tables]

    assert names("author", "publication") == ["author", "publication", "writes"]
    # one shared column is a neighbour, not a link between two kept tables
    assert names("author") == ["author"]
    # `name` is in more than half the tables: it joins nothing
    assert names("organization", "journal") == ["organization", "journal"]
