"""What a Cypher query names (momq.dialects.cypher_names): the labels, relationship
types and property keys Neo4j checks for its unknown-name notifications, read from the
pattern syntax."""

from __future__ import annotations

from momq.dialects import get_dialect
from momq.dialects.cypher_names import references


def steps(query):
    refs = references(query)
    return [
        (refs.labels_of(refs.nodes[r.left]), r.types, refs.labels_of(refs.nodes[r.right]), r.direction)
        for r in refs.relationships
    ]


def test_labels_types_and_bindings_of_a_pattern():
    refs = references("MATCH (d:Director)-[r:DIRECTED]->(m:Movie) RETURN d.name, r.role")
    assert refs.labels == ["Director", "Movie"] and refs.types == ["DIRECTED"]
    assert refs.bindings == {"d": ["Director"], "r": ["DIRECTED"], "m": ["Movie"]}
    assert refs.properties == [("d", "name"), ("r", "role")]


def test_relationship_steps_keep_their_direction_and_node_labels():
    assert steps("MATCH (m:Movie {title: 'X'})<-[:ACTED_IN]-(a:Actor) RETURN a") == [
        (["Movie"], ["ACTED_IN"], ["Actor"], "<-")
    ]
    assert steps("MATCH (a:Person)-[:ACTED_IN]->(m)<-[:DIRECTED]-(d) RETURN m") == [
        (["Person"], ["ACTED_IN"], [], "->"),
        ([], ["DIRECTED"], [], "<-"),
    ]
    assert steps("MATCH (a)-[:KNOWS]-(b) RETURN a") == [([], ["KNOWS"], [], "-")]


def test_a_variable_bound_in_one_clause_keeps_its_labels_in_another():
    assert steps("MATCH (p:Person) WITH p MATCH (p)-[:ACTED_IN]->(m:Movie) RETURN m") == [
        (["Person"], ["ACTED_IN"], ["Movie"], "->")
    ]


def test_map_keys_of_patterns_are_property_keys_other_maps_are_not():
    refs = references("MATCH (p:Person {born: 1965})-[:REVIEWED {summary: 'ok'}]->(:Movie) RETURN {x: p.name}")
    assert ("p", "born") in refs.properties and ("p", "name") in refs.properties
    assert refs.owner_keys == [(["REVIEWED"], "summary")]
    assert all(key != "x" for _, key in refs.properties)


def test_chains_functions_and_projections_are_not_property_keys():
    refs = references("MATCH (m:Movie) WHERE m.released.year > 1 RETURN apoc.coll.sum([1]), m {.title}, date().year")
    assert refs.properties == [("m", "released")]


def test_label_predicates_in_where_and_label_expressions():
    refs = references("MATCH (n)-[:ACTED_IN|DIRECTED]->(m) WHERE n:Person RETURN n")
    assert refs.types == ["ACTED_IN", "DIRECTED"] and refs.labels == ["Person"] and refs.bindings["n"] == ["Person"]


def test_subquery_patterns_and_backquoted_names():
    refs = references("MATCH (p:`Person`) WHERE NOT EXISTS { MATCH (p)-[:`ACTED IN`]->(:Movie) } RETURN p")
    assert refs.labels == ["Person", "Movie"] and refs.types == ["ACTED IN"]


def test_strings_and_comments_name_nothing():
    refs = references("MATCH (m:Movie) // (x:Fake)\nWHERE m.title = '(y:Other)-[:T]->()' RETURN m")
    assert refs.labels == ["Movie"] and refs.types == []


def test_the_dialect_answers_for_its_queries():
    assert get_dialect("cypher").references("MATCH (a:A) RETURN a").labels == ["A"]
