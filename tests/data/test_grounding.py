"""Grounded fine-tuning records: the schema and values inference shows, for every dialect."""

from __future__ import annotations

import pytest

from momq.data import loaders
from momq.data.grounding import Grounder, gold_literals, training_records
from momq.data.records import Example
from momq.schema.model import Schema
from momq.schema.render import render

NEO4J_TEXT = """Node properties:
- **Person**
  - `name`: STRING Example: "Julie Sweet"
  - `born`: INTEGER Min: 1929, Max: 1996
- **Movie**
  - `title`: STRING Available options: ['The Matrix', 'Top Gun']
Relationship properties:
- **ACTED_IN**
  - `roles: LIST` Min Size: 1, Max Size: 6
The relationships:
(:Person)-[:ACTED_IN]->(:Movie)
(:Person)-[:FOLLOWS]->(:Person)
"""


def test_neo4j_schema_text_is_parsed_with_directions_types_and_samples():
    schema = loaders.parse_neo4j_schema_text(NEO4J_TEXT, "movies")
    assert [n.name for n in schema.nodes] == ["Person", "Movie"]
    person = schema.node("Person")
    assert [(c.name, c.type, c.samples) for c in person.properties] == [
        ("name", "STRING", ["Julie Sweet"]),
        ("born", "INTEGER", []),
    ]
    assert person.properties[1].description == "Min: 1929, Max: 1996"
    assert schema.node("Movie").properties[0].samples == ["The Matrix", "Top Gun"]
    acted = schema.edge("ACTED_IN")
    assert acted.endpoints == [("Person", "Movie")] and acted.properties[0].type == "LIST"
    assert schema.edge("FOLLOWS").endpoints == [("Person", "Person")]
    text = render(schema, "text", samples=2)
    assert "(Person)-[:ACTED_IN]->(Movie)" in text and "'Julie Sweet'" in text


def test_every_text2cypher_schema_parses():
    for database in loaders.text2cypher_schemas():
        schema = loaders.text2cypher_schema(database)
        assert schema.nodes and all(e.endpoints for e in schema.edges), database


def test_spider_schema_has_keys_and_types():
    schema = loaders.spider_schema("perpetrator")
    people = schema.table("people")
    assert people.primary_key == ["People_ID"] and people.column("Name").type == "text"
    fk = schema.table("perpetrator").foreign_keys[0]
    assert (fk.columns, fk.ref_table, fk.ref_columns) == (["People_ID"], "people", ["People_ID"])
    assert loaders.spider_schema("no such database") is None


def test_compact_schema_dicts_read_back_the_same():
    from momq.data.grounding import compact

    for schema in (loaders.spider_schema("perpetrator"), loaders.text2cypher_schema("companies")):
        small = compact(schema.to_dict())
        assert Schema.from_dict(small) == schema and len(str(small)) < 0.7 * len(str(schema.to_dict()))


def test_gold_literals_are_the_values_the_question_mentions():
    query = "SELECT name FROM singer WHERE country = 'France' AND name LIKE '%Joe%' AND x = 'absent'"
    assert gold_literals(query, "Which singers named joe are from France?") == [
        {"value": "France", "where": ""},
        {"value": "Joe", "where": ""},
    ]
    assert (
        gold_literals('MATCH (p:Person {name: "Tom Hanks"}) RETURN p', "Who is Tom Hanks?")[0]["value"] == "Tom Hanks"
    )


def test_spider_and_text2cypher_records_carry_their_schema():
    spider = Example(
        "s1",
        "mysql",
        "perpetrator",
        "How many people live in Paris?",
        "SELECT count(*) FROM people WHERE `Home Town` = 'Paris'",
        source="spider/train_spider.json",
    )
    cypher = Example(
        "c1",
        "cypher",
        "movies",
        "Who acted in The Matrix?",
        "MATCH (p:Person)-[:ACTED_IN]->(m:Movie {title: 'The Matrix'}) RETURN p.name",
        source="text2cypher/text2cypher_gpt4turbo.csv",
    )
    first, second = training_records([spider, cypher])
    assert Schema.from_dict(first["schema"]).table("people") is not None
    assert first["values"] == [{"value": "Paris", "where": ""}]
    assert first["grounding"] == {"schema": "spider tables.json", "values": "gold literals"}
    graph = Schema.from_dict(second["schema"])
    assert ("Person", "Movie") in graph.edge("ACTED_IN").endpoints
    assert second["grounding"]["schema"] == "text2cypher schema text"


@pytest.fixture(scope="module")
def ngql_grounder():
    from momq.databases import ngql_demo

    ngql_demo.build(["basketballplayer"])
    grounder = Grounder()
    yield grounder
    grounder.close()


def test_ngql_records_get_their_space_schema_and_aligned_values(ngql_grounder):
    example = Example(
        "n1",
        "ngql",
        "basketballplayer",
        "Which team does Tim Duncan serve?",
        'GO FROM "player100" OVER serve YIELD dst(edge)',
        source="ngql-gen/basketballplayer",
    )
    record = ngql_grounder.record(example)
    schema = Schema.from_dict(record["schema"])
    assert schema.vid_type and schema.edge("serve").endpoints == [("player", "team")]
    assert any(c.samples for n in schema.nodes for c in n.properties)  # sample values, as inference
    duncan = next(v for v in record["values"] if v["value"] == "Tim Duncan")
    assert duncan["where"].startswith("player.name") and "player100" in duncan["where"]  # the vertex id too
    assert record["grounding"] == {"schema": "engine", "values": "engine"}


def test_training_prompt_of_a_grounded_record_is_the_inference_prompt(ngql_grounder):
    """One builder: the trainer's prompt of a record is the chat rendering of the direct
    pipeline's prompt for the same question on the same database, plus the answer prefix."""
    from momq.llm.base import chat_text
    from momq.pipelines.direct import PromptSettings, grounded_prompt
    from momq.train.prompts import example_prompt

    example = Example(
        "n2",
        "ngql",
        "basketballplayer",
        "Who does Tony Parker follow?",
        'GO FROM "player101" OVER follow YIELD dst(edge)',
        source="ngql-gen/basketballplayer",
    )
    record = ngql_grounder.record(example)
    target = ngql_grounder.target(example)
    matches = target.values().lookup(example.question)
    settings = PromptSettings(schema_budget=200, samples=2)
    inference = grounded_prompt(example.question, "ngql", target.schema, matches, budget_tokens=200)
    text = example_prompt(record, None, settings)
    assert text == chat_text([*inference, {"role": "assistant", "content": "```ngql\n"}])
    assert "(player)-[:follow]->(player)" in text and '"Tony Parker"' in text
