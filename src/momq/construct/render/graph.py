"""The template renderer shared by the two graph dialects: one ``MATCH`` pattern from
the start node (``a``) over the relation to the focus node (``b``), conditions in
``WHERE``, ``RETURN DISTINCT`` for lists and ``WITH DISTINCT <focus>`` before an
aggregate (a focus node reached over several edges counts once). ``cypher`` and
``ngql`` differ in property access (``b.title`` / ``b.player.name``), equality
(``=`` / ``==``) and string quotes.
"""

from __future__ import annotations

import decimal
from typing import Any

from momq.construct.render.base import Renderer, aggregate_parts
from momq.construct.spec import QuerySpec, literal_value
from momq.construct.view import SchemaView


class GraphRenderer(Renderer):
    equals = "="
    quote = "'"

    def prop(self, var: str, label: str, name: str) -> str:
        raise NotImplementedError

    def edge_prop(self, var: str, name: str) -> str:
        return f"{var}.{name}"

    def literal(self, value: Any) -> str:
        value = literal_value(value)
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, float, decimal.Decimal)):
            return str(value)
        text = str(value).replace("\\", "\\\\").replace(self.quote, "\\" + self.quote)
        return f"{self.quote}{text}{self.quote}"

    def _op(self, op: str) -> str:
        return self.equals if op == "=" else op

    def values_query(
        self, view: SchemaView, entity: str, prop: str, *, relation: str | None = None, limit: int = 200
    ) -> str:
        if relation is not None:
            rel = view.relation(relation)
            ref = self.edge_prop("e", prop)
            pattern = f"(a:{rel.source})-[e:{rel.name}]->(b:{rel.target})"
        else:
            ref = self.prop("v", entity, prop)
            pattern = f"(v:{entity})"
        return f"MATCH {pattern} WHERE {ref} IS NOT NULL RETURN DISTINCT {ref} AS value ORDER BY value LIMIT {limit}"

    def render(self, spec: QuerySpec, view: SchemaView) -> str:
        focus_var = "b" if spec.hop else "a"
        pattern = f"(a:{spec.start})"
        if spec.hop:
            rel = view.relation(spec.hop.relation)
            if spec.hop.forward:
                pattern += f"-[r:{rel.name}]->(b:{rel.target})"
            else:
                pattern += f"<-[r:{rel.name}]-(b:{rel.source})"
        where = []
        if spec.anchor is not None:
            key = view.entity(spec.start).key
            where.append(f"{self.prop('a', spec.start, key)} {self.equals} {self.literal(spec.anchor)}")
        for c in spec.conditions:
            ref = self.edge_prop("r", c.prop) if c.on == "edge" else self.prop(focus_var, spec.focus, c.prop)
            where.append(f"{ref} {self._op(c.op)} {self.literal(c.value)}")
        query = f"MATCH {pattern}" + (f" WHERE {' AND '.join(where)}" if where else "")
        if not spec.aggregate:
            items = ", ".join(f"{self.prop(focus_var, spec.focus, o)} AS {self.alias(o)}" for o in spec.outputs)
            return f"{query} RETURN DISTINCT {items}"
        func, prop = aggregate_parts(spec.aggregate)
        if func == "count":
            return f"{query} WITH DISTINCT {focus_var} RETURN count({focus_var}) AS n"
        ref = self.prop(focus_var, spec.focus, prop)
        return f"{query} WITH DISTINCT {focus_var} RETURN {func}({ref}) AS {func}_{self.alias(prop)}"


__all__ = ["GraphRenderer"]
