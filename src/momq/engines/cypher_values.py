"""Values of the Cypher engine: the ``neo4j`` driver's values as momq's plain values
(:mod:`momq.values`).

Nodes become ``Node(labels, properties)`` without an id (ArcadeDB record ids and Neo4j
element ids depend on load order). A relationship's ``start``/``end`` are the *keys* of
its endpoint nodes (``Node.key()``), so the same graph loaded twice, or into two engines,
gives equal values; endpoints that are not themselves in the result are collected in
``Normaliser.missing`` for the engine to fetch. Temporal values become ``datetime``
objects; a duration becomes a ``timedelta`` when it has no months, else its ISO-8601
text; a point becomes a dict.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

import neo4j

from momq.values import Node, Path, Relationship

#: values the driver already returns as momq values (exact types: bool is listed apart)
_SCALARS = frozenset({type(None), bool, int, float, str, bytes})


class Normaliser:
    """Turns driver values into momq values; relationships whose endpoint nodes were not
    in the result are collected in ``missing`` (element ids) and resolved by the engine."""

    def __init__(self, fetched: dict[str, Node] | None = None):
        self.fetched = fetched or {}
        self.missing: set[str] = set()

    def properties(self, element: Any) -> dict[str, Any]:
        props = dict(element.items())
        for key, value in props.items():
            if type(value) not in _SCALARS:
                props[key] = self.value(value)
        return props

    def node(self, node: neo4j.graph.Node) -> Node:
        return Node(tuple(sorted(node.labels)), self.properties(node))

    def row(self, values: list[Any]) -> tuple[Any, ...]:
        for value in values:
            if type(value) not in _SCALARS:
                return tuple([self.value(v) for v in values])
        return tuple(values)  # the common case: nothing to convert

    def endpoint_key(self, node: neo4j.graph.Node | None) -> Any:
        if node is None:
            return None
        if not node.labels and len(node) == 0:  # a stub: the driver saw only its id
            found = self.fetched.get(node.element_id)
            if found is not None:
                return found.key()
            self.missing.add(node.element_id)
        return self.node(node).key()

    def relationship(self, rel: neo4j.graph.Relationship) -> Relationship:
        return Relationship(
            rel.type, self.endpoint_key(rel.start_node), self.endpoint_key(rel.end_node), self.properties(rel)
        )

    def value(self, value: Any) -> Any:
        if type(value) in _SCALARS:
            return value
        if isinstance(value, list):
            return [self.value(v) for v in value]
        if isinstance(value, dict):
            return {k: self.value(v) for k, v in value.items()}
        if isinstance(value, neo4j.graph.Node):
            return self.node(value)
        if isinstance(value, neo4j.graph.Relationship):
            return self.relationship(value)
        if isinstance(value, neo4j.graph.Path):
            return Path(
                tuple(self.node(n) for n in value.nodes), tuple(self.relationship(r) for r in value.relationships)
            )
        if isinstance(value, neo4j.time.Duration):
            if value.months == 0:
                return _dt.timedelta(days=value.days, seconds=value.seconds, microseconds=value.nanoseconds // 1000)
            return value.iso_format()
        if isinstance(value, (neo4j.time.Date, neo4j.time.DateTime, neo4j.time.Time)):
            return value.to_native()
        if isinstance(value, neo4j.spatial.Point):
            keys = ("x", "y", "z")[: len(value)]
            return {"srid": value.srid, **dict(zip(keys, value))}
        return value
