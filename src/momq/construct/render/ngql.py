"""Template queries in nGQL (NebulaGraph's MATCH): a vertex property is read through its
tag (``b.player.name``), an edge property directly (``r.start_year``); equality is
``==``; strings are double-quoted."""

from momq.construct.render.graph import GraphRenderer


class NgqlRenderer(GraphRenderer):
    dialect = "ngql"
    equals = "=="
    quote = '"'

    def prop(self, var: str, label: str, name: str) -> str:
        return f"{var}.{label}.{name}"


RENDERER = NgqlRenderer()
