"""Where a name lives in a schema (momq.schema.lookup): the unknown names read out of
each engine's wording, and the hints given for them."""

from __future__ import annotations

import pytest

from momq.schema.lookup import holders, schema_hint, unknown_names
from tests.schemas import graph_schema, sql_schema


@pytest.mark.parametrize(
    "message, names",
    [
        ("(1054) Unknown column 'c.citation_num' in 'SELECT'", [("column", "citation_num")]),  # MariaDB
        ("(1054) Unknown column 'T1.meal_code' in 'ON'", [("column", "meal_code")]),
        ('column "aid" does not exist (at character 34)', [("column", "aid")]),  # PostgreSQL
        ("column t1.first_name does not exist (at character 33)", [("column", "first_name")]),
        ('relation "clients" does not exist', [("table", "clients")]),
        ("(1146) Table 'broker.sbcustomers' doesn't exist", [("table", "sbcustomers")]),
        ("Invalid label identifiers: serve", [("variable", "serve")]),  # NebulaGraph
        ("Variable `follow` not defined (line 1, column 30)", [("variable", "follow")]),  # Neo4j
        ("division by zero", []),
        ("operator does not exist: bigint = text", []),
    ],
)
def test_unknown_names_in_engine_messages(message, names):
    assert unknown_names(message) == names


def test_a_column_of_other_tables_is_located():
    schema = sql_schema()
    assert holders(schema, "ID") == ["customer", "orders", "product"]
    assert schema_hint(schema, "column o.city does not exist") == "`city` is a column of: customer."


def test_a_name_nowhere_gets_the_closest_qualified_names():
    hint = schema_hint(sql_schema(), "(1054) Unknown column 'totl' in 'field list'")
    assert hint.startswith("No column `totl` exists in the schema; similar: ")
    assert "orders.total" in hint


def test_graph_schemas_speak_of_properties_and_types():
    schema = graph_schema()
    assert schema_hint(schema, "Unknown property start_yr") == (
        "No property `start_yr` exists in the schema; similar: serve.start_year."
    )
    assert schema_hint(schema, "property age not found") == "`age` is a property of: player."


def test_nothing_to_say_gives_an_empty_hint():
    assert schema_hint(sql_schema(), "division by zero") == ""
    assert schema_hint(None, "column x does not exist") == ""
    # a table the schema has (another database's qualifier) is not reported
    assert schema_hint(sql_schema(), "Table 'other.customer' doesn't exist") == ""


def test_a_type_used_as_a_variable_is_named_as_the_type():
    schema = graph_schema()
    assert schema_hint(schema, "Invalid label identifiers: serve") == (
        "`serve` is an edge type of the schema, not a variable of this query."
    )
    assert schema_hint(schema, "Variable `player` not defined") == (
        "`player` is a tag of the schema, not a variable of this query."
    )
    assert schema_hint(schema, "Variable `x` not defined") == ""  # not a schema name: nothing to add


def _movies():
    from momq.schema.model import Column, EdgeType, NodeType, Schema

    return Schema(
        database="movies",
        family="graph",
        nodes=[
            NodeType("Person", [Column("name", "STRING"), Column("born", "INTEGER")]),
            NodeType("Movie", [Column("title", "STRING"), Column("released", "INTEGER"), Column("votes", "INTEGER")]),
        ],
        edges=[
            EdgeType("ACTED_IN", [Column("roles", "LIST")], [("Person", "Movie")]),
            EdgeType("REVIEWED", [Column("summary", "STRING"), Column("rating", "INTEGER")], [("Person", "Movie")]),
        ],
    )


def notes(query):
    from momq.dialects.cypher_names import references
    from momq.schema.lookup import query_notes

    return query_notes(_movies(), references(query)).splitlines()


def test_names_not_in_the_database_are_named_with_what_it_has():
    # Neo4j's UnknownLabelWarning / UnknownRelationshipTypeWarning / UnknownPropertyKeyWarning
    assert notes("MATCH (a:Actor)-[:ACTED_IN]->(m:Movie) RETURN a.name") == [
        "No label `Actor` in the database; it has: Person, Movie."
    ]
    assert notes("MATCH (p:Person)-[:ACTS_IN]->(m:Movie) RETURN m") == [
        "No relationship type `ACTS_IN` in the database; similar: ACTED_IN."
    ]
    assert notes("MATCH (m:Movie) WHERE m.release_year > 2000 RETURN m") == [
        "No property `release_year` in the database; similar: Movie.released."
    ]


def test_a_property_of_another_type_is_located():
    assert notes("MATCH (p:Person)-[:REVIEWED]->(m:Movie {summary: 'fun'}) RETURN p") == [
        "`summary` is not a property of Movie; it is a property of: REVIEWED."
    ]


def test_a_relationship_against_its_direction_is_turned_round():
    assert notes("MATCH (m:Movie)-[:ACTED_IN]->(p:Person) RETURN p.name") == [
        "`ACTED_IN` points the other way: (:Person)-[:ACTED_IN]->(:Movie)."
    ]
    assert notes("MATCH (m:Movie)<-[:ACTED_IN]-(p:Person) RETURN p.name") == []
    assert notes("MATCH (m:Movie)-[:ACTED_IN]-(p:Person) RETURN p.name") == []  # undirected


def test_a_query_naming_only_what_the_schema_has_gets_no_note():
    assert notes("MATCH (p:Person {name: 'Tom'})-[r:REVIEWED]->(m) WHERE r.rating > 50 RETURN m.title, m.votes") == []
