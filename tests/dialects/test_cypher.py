"""Spec of the Cypher dialect (validation here is structural; the engine's EXPLAIN is
exercised by the Cypher engine tests)."""

from tests.dialects.spec import PLAYERS, Validator


class TestCypher(Validator):
    dialect_name = "cypher"

    def test_extract(self):
        self.extracts(
            "Cypher: MATCH (n:Person) RETURN n.name\n\nThis query finds people.", "MATCH (n:Person) RETURN n.name"
        )
        self.extracts(
            "```cypher\nMATCH (m:Movie)\nWHERE m.released > 2000\nRETURN m.title;\n```",
            "MATCH (m:Movie)\nWHERE m.released > 2000\nRETURN m.title",
        )
        self.extracts("MATCH (n) RETURN count(n)<|im_end|>", "MATCH (n) RETURN count(n)")
        self.extracts("MATCH (n) RETURN n; MATCH (m) RETURN m", "MATCH (n) RETURN n")

    def test_read_only(self):
        self.read_only("MATCH (n:Person) WHERE n.name = 'CREATE' RETURN n")
        self.read_only("MATCH (n) WHERE n.set = 1 RETURN n.delete")
        self.read_only("MATCH (n:`Create`) RETURN n // DELETE me")
        self.read_only("CALL db.labels()")
        self.writes("CREATE (n:Person {name: 'x'})")
        self.writes("match (n) detach delete n")
        self.writes("MATCH (n) SET n.age = 1")
        self.writes("MERGE (n:Person {name: 'x'})")
        self.writes("MATCH (n) REMOVE n.age")
        self.writes("MATCH (n) WITH n CALL { WITH n DELETE n } RETURN 1")
        self.writes("MATCH (n) FOREACH (x IN [1] | SET n.a = x)")
        self.writes("LOAD CSV FROM 'file:///x' AS row RETURN row")
        self.writes("CALL apoc.create.node(['X'], {})")

    def test_normalize(self):
        self.same(
            "match (p:Person)-[r:ACTED_IN]->(m) where p.name = 'Tom' return m.title as t",
            'MATCH (x:Person)-[rel:ACTED_IN]->(movie) WHERE x.name = "Tom" RETURN movie.title AS title',
        )
        self.same("MATCH (n) RETURN COUNT(n)", "MATCH (n)\nRETURN count(n) // counts")
        self.differ("MATCH (n:Person) RETURN n", "MATCH (n:Movie) RETURN n")
        self.differ("MATCH (n) RETURN n.Name", "MATCH (n) RETURN n.name")

    def test_validate(self):
        self.valid("MATCH (n) RETURN n")
        self.invalid("MATCH (n RETURN n")
        self.invalid("SELECT * FROM t", position=0)
        self.invalid("")

    def test_owned_details(self):
        self.quotes("Person", "`Person`")
        self.collects(
            PLAYERS, "player.name", "MATCH (v:`player`) WHERE v.`name` IS NOT NULL RETURN DISTINCT v.`name` LIMIT 100"
        )
        self.collects(
            PLAYERS,
            "serve.role",
            "MATCH ()-[e:`serve`]->() WHERE e.`role` IS NOT NULL RETURN DISTINCT e.`role` LIMIT 100",
        )
        self.assertNotIn("vid:player", dict(self.dialect.value_queries(PLAYERS, 100)))
        self.prompts_as("Cypher", "cypher")
        self.introspects_with("momq.schema.introspect_cypher")
