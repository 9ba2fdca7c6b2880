"""Spec of the nGQL dialect: validation and read-only checks go through momq's nGQL
parser (the one the embedded engine executes with)."""

from tests.dialects.spec import PLAYERS, Validator


class TestNGQL(Validator):
    dialect_name = "ngql"

    def test_extract(self):
        self.extracts(
            '```ngql\nGO FROM "player100" OVER follow YIELD dst(edge)\n```\nThis finds friends.',
            'GO FROM "player100" OVER follow YIELD dst(edge)',
        )
        self.extracts(
            "nGQL: MATCH (v:player) RETURN v.player.name LIMIT 3<|im_end|>",
            "MATCH (v:player) RETURN v.player.name LIMIT 3",
        )
        self.extracts(
            'GO FROM "a" OVER follow YIELD dst(edge) AS id | GO FROM $-.id OVER serve YIELD dst(edge);',
            'GO FROM "a" OVER follow YIELD dst(edge) AS id | GO FROM $-.id OVER serve YIELD dst(edge)',
        )
        # a sequence whose later statement uses an earlier variable stays whole
        self.extracts(
            '$a = GO FROM "a" OVER follow YIELD dst(edge) AS id; GO FROM $a.id OVER serve YIELD dst(edge)',
            '$a = GO FROM "a" OVER follow YIELD dst(edge) AS id; GO FROM $a.id OVER serve YIELD dst(edge)',
        )
        self.extracts(
            'FETCH PROP ON player "p1" YIELD vertex AS v; SHOW TAGS', 'FETCH PROP ON player "p1" YIELD vertex AS v'
        )

    def test_read_only(self):
        self.read_only('GO FROM "player100" OVER follow YIELD dst(edge)')
        self.read_only('LOOKUP ON player WHERE player.name == "DELETE" YIELD id(vertex)')
        self.read_only("MATCH (v:player) RETURN v")
        self.read_only('FIND SHORTEST PATH FROM "a" TO "b" OVER * YIELD path AS p')
        self.read_only("SHOW TAGS")
        self.writes('INSERT VERTEX player(name, age) VALUES "x":("x", 1)')
        self.writes('UPDATE VERTEX ON player "p1" SET age = 1')
        self.writes('UPSERT VERTEX ON player "p1" SET age = 1')
        self.writes('DELETE VERTEX "p1"')
        self.writes("DROP TAG player")
        self.writes('GO FROM "a" OVER follow YIELD dst(edge) AS id | DELETE VERTEX $-.id')
        self.writes("YIELD 1; DROP SPACE nba")
        self.writes("GO FROM")  # does not parse: not read-only

    def test_refusal_names_the_statement_that_writes(self):
        ngql = self.dialect
        assert ngql.refusal('GO FROM "a" OVER follow YIELD dst(edge)') is None
        assert ngql.refusal('GO FROM "a" OVER follow YIELD dst(edge) AS id | DELETE VERTEX $-.id').startswith(
            "`DELETE VERTEX ...` is not a read statement"
        )
        assert ngql.refusal("YIELD 1; DROP SPACE nba").startswith("`DROP SPACE ...`")
        assert ngql.refusal("GO FROM").startswith("it does not parse")

    def test_normalize(self):
        self.same(
            'go from "player100" over follow yield dst(edge) as friend',
            "GO FROM 'player100' OVER follow YIELD dst(edge) AS f # comment",
        )
        self.same(
            "MATCH (v:player) WHERE v.player.age > 30 RETURN v.player.name AS n",
            "match (x:player) where x.player.age > 30 return x.player.name as name",
        )
        self.differ('GO FROM "player100" OVER follow YIELD dst(edge)', 'GO FROM "player100" OVER serve YIELD dst(edge)')

    def test_validate(self):
        self.valid('GO 2 STEPS FROM "player100" OVER follow YIELD dst(edge)')
        self.valid("MATCH (v:player)-[e:follow*1..2]->(w) RETURN count(*)")
        self.invalid('GO FROM "player100" OVER follow YIELD dst(edge) AS a,', position=52)  # the comma
        self.invalid('FETCH PROP ON player "unterminated')
        self.invalid("SELECT * FROM player")
        self.invalid("")

    def test_owned_details(self):
        self.quotes("player", "`player`")
        # a property is read through its tag, and each value comes with its vertex id
        self.collects(
            PLAYERS,
            "player.name",
            "MATCH (v:`player`) WHERE v.`player`.`name` IS NOT NULL RETURN DISTINCT v.`player`.`name`, id(v) LIMIT 100",
        )
        self.collects(PLAYERS, "vid:player", "MATCH (v:`player`) RETURN DISTINCT id(v) LIMIT 100")
        self.prompts_as("nGQL", "ngql")
        self.introspects_with("momq.schema.introspect_ngql")


def test_start_vertices_are_the_id_literals_a_traversal_starts_or_ends_at():
    from momq.dialects import get_dialect

    d = get_dialect("ngql")
    assert d.start_vertices('GO FROM "Jazz" OVER serve REVERSELY YIELD src(edge) AS id') == ["Jazz"]
    assert d.start_vertices('FETCH PROP ON player "a", "b" YIELD vertex AS v') == ["a", "b"]
    assert d.start_vertices('FIND SHORTEST PATH FROM "x" TO "y" OVER * YIELD path AS p') == ["x", "y"]
    assert d.start_vertices('MATCH (v) WHERE id(v) IN ["p1", "p2"] RETURN v') == ["p1", "p2"]
    # values compared with properties are not vertex ids
    assert d.start_vertices('LOOKUP ON player WHERE player.name == "Tim" YIELD id(vertex)') == []
    assert d.start_vertices('GO FROM "p1" OVER follow WHERE $$.player.name == "From" YIELD 1') == ["p1"]
