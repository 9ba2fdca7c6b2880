"""Template queries in Cypher (Neo4j, ArcadeDB): ``n.prop``, ``=``, single quotes."""

from momq.construct.render.graph import GraphRenderer


class CypherRenderer(GraphRenderer):
    dialect = "cypher"
    equals = "="
    quote = "'"

    def prop(self, var: str, label: str, name: str) -> str:
        return f"{var}.{name}"


RENDERER = CypherRenderer()
