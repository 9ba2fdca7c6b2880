"""A dialect-neutral description of one turn's query, which the template generator
renders in each dialect (``momq.construct.render``) and verbalises as a question
(``momq.construct.questions``).

A :class:`QuerySpec` starts at an entity type, optionally at one named entity (the
*anchor*, matched on the type's key), optionally follows one relation to the *focus*
type, keeps the focus entities that meet the conditions and returns some of their
properties, or one aggregate over the distinct focus entities.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any


@dataclass(frozen=True)
class Condition:
    prop: str
    op: str  # one of > >= < <= =
    value: Any
    #: "focus": a property of the focus entity; "edge": of the followed relation (graph)
    on: str = "focus"
    temporal: bool = False


@dataclass(frozen=True)
class Hop:
    relation: str  # Relation.id
    forward: bool  # from the relation's source to its target


@dataclass(frozen=True)
class QuerySpec:
    start: str
    anchor: Any = None
    hop: Hop | None = None
    focus: str = ""
    conditions: tuple[Condition, ...] = ()
    outputs: tuple[str, ...] = ()
    #: None (list the outputs), "count", or "avg:PROP" / "max:PROP" / "min:PROP"
    aggregate: str | None = None

    def with_(self, **changes: Any) -> "QuerySpec":
        return replace(self, **changes)

    @property
    def temporal(self) -> Condition | None:
        return next((c for c in self.conditions if c.temporal), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "anchor": self.anchor,
            "hop": None if self.hop is None else {"relation": self.hop.relation, "forward": self.hop.forward},
            "focus": self.focus,
            "outputs": list(self.outputs),
            "aggregate": self.aggregate,
            "conditions": [
                {"prop": c.prop, "op": c.op, "value": c.value, "on": c.on, "temporal": c.temporal}
                for c in self.conditions
            ],
        }


OPS = (">", ">=", "<", "<=", "=")


def literal_value(value: Any) -> Any:
    """Dates and times as ISO text (every engine compares a date column with it)."""
    if hasattr(value, "isoformat") and not isinstance(value, (int, float, str)):
        return value.isoformat()[:10] if type(value).__name__ == "date" else value.isoformat(sep=" ")
    return value


__all__ = ["Condition", "Hop", "QuerySpec", "OPS", "literal_value"]
