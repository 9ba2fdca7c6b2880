"""momq's normalised result values.

Every engine returns rows of plain Python values: ``None``, ``bool``, ``int``,
``float``, ``decimal.Decimal``, ``str``, ``bytes``, ``datetime``/``date``/``time``/
``timedelta``, ``list`` and ``dict``, plus the three graph values below. Graph values
are compared by content (labels, type, properties, endpoints), never by engine
internal ids, so the same graph loaded into two engines gives equal results.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


def _freeze(value: Any) -> Any:
    """A hashable, order-independent form of a value (used for hashing and comparison)."""
    if isinstance(value, dict):
        return ("map", tuple(sorted((k, _freeze(v)) for k, v in value.items())))
    if isinstance(value, (list, tuple)):
        return ("list", tuple(_freeze(v) for v in value))
    return value


@dataclass(frozen=True)
class Node:
    """A vertex: its id when the engine exposes a meaningful one (nGQL VIDs), its labels
    (Cypher labels or nGQL tags) and its properties. For nGQL, properties of each tag are
    stored under ``tag.prop`` keys only when two tags share a property name; otherwise
    plain names are used."""

    labels: tuple[str, ...]
    properties: dict[str, Any] = field(default_factory=dict)
    id: Any = None

    def key(self) -> Any:
        return ("node", self.id, tuple(sorted(self.labels)), _freeze(self.properties))

    def __hash__(self) -> int:
        return hash(self.key())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Node) and self.key() == other.key()


@dataclass(frozen=True)
class Relationship:
    """An edge: its type, its endpoints (ids, or the endpoint Nodes' keys when the engine
    has no meaningful ids), its rank (nGQL; 0 elsewhere) and its properties."""

    type: str
    start: Any
    end: Any
    properties: dict[str, Any] = field(default_factory=dict)
    rank: int = 0

    def key(self) -> Any:
        return ("rel", self.type, _freeze(self.start), _freeze(self.end), self.rank, _freeze(self.properties))

    def __hash__(self) -> int:
        return hash(self.key())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Relationship) and self.key() == other.key()


@dataclass(frozen=True)
class Path:
    """A path: alternating nodes and relationships, ``len(nodes) == len(relationships) + 1``."""

    nodes: tuple[Node, ...]
    relationships: tuple[Relationship, ...]

    def key(self) -> Any:
        return ("path", tuple(n.key() for n in self.nodes), tuple(r.key() for r in self.relationships))

    def __hash__(self) -> int:
        return hash(self.key())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Path) and self.key() == other.key()


GraphValue = Node | Relationship | Path


def cell_text(value: Any) -> str:
    """A value as words for text measures and prompts: a node as its labels and
    properties, a relationship as its type and properties, a path as its nodes,
    ``null`` for None, floats to six significant digits."""
    if value is None:
        return "null"
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, Node):
        props = " ".join(f"{k} {cell_text(v)}" for k, v in sorted(value.properties.items()))
        return f"{' '.join(value.labels)} {props}".strip()
    if isinstance(value, Relationship):
        props = " ".join(f"{k} {cell_text(v)}" for k, v in sorted(value.properties.items()))
        return f"{value.type} {props}".strip()
    if isinstance(value, Path):
        return " ".join(cell_text(n) for n in value.nodes)
    if isinstance(value, (list, tuple)):
        return " ".join(cell_text(v) for v in value)
    if isinstance(value, dict):
        return " ".join(f"{k} {cell_text(v)}" for k, v in sorted(value.items()))
    return str(value)
