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
