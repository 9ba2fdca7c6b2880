"""Values of the embedded nGQL engine and their NebulaGraph text forms.

Scalars are plain Python objects (``bool``, ``int`` in the signed 64-bit range,
``float``, ``str``, ``list``, ``dict`` for maps, ``frozenset`` for sets,
``datetime.date/time/datetime``). NebulaGraph's two "no value" kinds are singletons of
their own: ``NULL`` (with NebulaGraph's null kinds such as ``BAD_TYPE`` or
``UNKNOWN_PROP``, all printing as ``NULL`` in test tables) and ``EMPTY`` (a property of
a tag the vertex does not have, in GO). Graph values are :class:`Vertex`, :class:`Edge`
and :class:`Path`; ``to_momq`` turns any value into momq's normalised result values.
"""

from __future__ import annotations

import datetime as _dt
import math
from typing import Any

from momq import values as mv


class NullValue:
    __slots__ = ("kind",)

    def __init__(self, kind: str = "__NULL__"):
        self.kind = kind

    def __repr__(self) -> str:
        return "NULL" if self.kind == "__NULL__" else self.kind

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NullValue)

    def __hash__(self) -> int:
        return 0x5EED

    def __bool__(self) -> bool:
        return False


class EmptyValue:
    __slots__ = ()

    def __repr__(self) -> str:
        return "EMPTY"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, EmptyValue)

    def __hash__(self) -> int:
        return 0xE3

    def __bool__(self) -> bool:
        return False


NULL = NullValue()
BAD_TYPE = NullValue("BAD_TYPE")
UNKNOWN_PROP = NullValue("UNKNOWN_PROP")
DIV_BY_ZERO = NullValue("DIV_BY_ZERO")
OVERFLOW = NullValue("OVERFLOW")
BAD_DATA = NullValue("BAD_DATA")
NAN = NullValue("NaN")
OUT_OF_RANGE = NullValue("OUT_OF_RANGE")
EMPTY = EmptyValue()


def is_null(v: Any) -> bool:
    return v.__class__ is NullValue


def is_empty(v: Any) -> bool:
    return v.__class__ is EmptyValue


class Vertex:
    """A vertex: its VID and, per tag, a dict of property values."""

    __slots__ = ("vid", "tags")

    def __init__(self, vid: Any, tags: dict[str, dict[str, Any]] | None = None):
        self.vid = vid
        self.tags = tags if tags is not None else {}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Vertex) and self.vid == other.vid and type(self.vid) is type(other.vid)

    def __hash__(self) -> int:
        return hash(("V", self.vid))

    def __repr__(self) -> str:
        return to_text(self)

    def properties(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for props in self.tags.values():
            out.update(props)
        return out


class Edge:
    """A directed edge in its stored direction (``src`` -> ``dst``)."""

    __slots__ = ("src", "dst", "type", "rank", "props")

    def __init__(self, src: Any, dst: Any, etype: str, rank: int, props: dict[str, Any] | None):
        self.src, self.dst, self.type, self.rank = src, dst, etype, rank
        self.props = props if props is not None else {}

    def key(self) -> tuple:
        return (self.src, self.type, self.rank, self.dst)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Edge) and self.key() == other.key()

    def __hash__(self) -> int:
        return hash(("E",) + self.key())

    def __repr__(self) -> str:
        return to_text(self)


class Path:
    """A start vertex and steps ``(edge, reversed, vertex)``; ``reversed`` is true when
    the step walked the edge against its stored direction."""

    __slots__ = ("src", "steps")

    def __init__(self, src: Vertex, steps: list[tuple[Edge, bool, Vertex]] | None = None):
        self.src = src
        self.steps = steps if steps is not None else []

    def nodes(self) -> list[Vertex]:
        return [self.src] + [s[2] for s in self.steps]

    def edges(self) -> list[Edge]:
        return [s[0] for s in self.steps]

    def key(self) -> tuple:
        return (self.src.vid,) + tuple((s[0].key(), s[1]) for s in self.steps)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Path) and self.key() == other.key()

    def __hash__(self) -> int:
        return hash(("P",) + self.key())

    def __len__(self) -> int:
        return len(self.steps)

    def __repr__(self) -> str:
        return to_text(self)


class Duration:
    __slots__ = ("seconds", "microseconds", "months")

    def __init__(self, months: int = 0, seconds: int = 0, microseconds: int = 0):
        self.months, self.seconds, self.microseconds = months, seconds, microseconds

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Duration) and (self.months, self.seconds, self.microseconds) == (
            other.months,
            other.seconds,
            other.microseconds,
        )

    def __hash__(self) -> int:
        return hash((self.months, self.seconds, self.microseconds))


# ------------------------------------------------------------------ type names


def type_name(v: Any) -> str:
    """NebulaGraph's type name of a value (as in error messages)."""
    if v is None or is_null(v):
        return "NULL"
    if is_empty(v):
        return "__EMPTY__"
    if isinstance(v, bool):
        return "BOOL"
    if isinstance(v, int):
        return "INT"
    if isinstance(v, float):
        return "FLOAT"
    if isinstance(v, str):
        return "STRING"
    if isinstance(v, _dt.datetime):
        return "DATETIME"
    if isinstance(v, _dt.date):
        return "DATE"
    if isinstance(v, _dt.time):
        return "TIME"
    if isinstance(v, Vertex):
        return "VERTEX"
    if isinstance(v, Edge):
        return "EDGE"
    if isinstance(v, Path):
        return "PATH"
    if isinstance(v, list):
        return "LIST"
    if isinstance(v, dict):
        return "MAP"
    if isinstance(v, frozenset):
        return "SET"
    if isinstance(v, Duration):
        return "DURATION"
    return type(v).__name__.upper()


# ------------------------------------------------------------------ text forms


def _float_text(f: float) -> str:
    if math.isnan(f):
        return "NaN"
    if math.isinf(f):
        return "inf" if f > 0 else "-inf"
    if f == int(f) and abs(f) < 1e15:
        return f"{f:.1f}"
    r = repr(f)
    return r


def _str_text(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _props_text(props: dict[str, Any]) -> str:
    return "{" + ", ".join(f"{k}: {to_text(props[k])}" for k in sorted(props)) + "}"


def vertex_text(v: Vertex, with_props: bool = True) -> str:
    out = to_text(v.vid)
    if with_props:
        for tag in sorted(v.tags):
            out += f" :{tag}{_props_text(v.tags[tag])}"
    return f"({out})"


def edge_text(e: Edge) -> str:
    return f"[:{e.type} {to_text(e.src)}->{to_text(e.dst)} @{e.rank} {_props_text(e.props)}]"


def to_text(v: Any) -> str:
    """NebulaGraph's text form of a value (strings quoted), as the test kit writes it."""
    if v is None or is_null(v):
        return "NULL"
    if is_empty(v):
        return "__EMPTY__"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return _float_text(v)
    if isinstance(v, str):
        return _str_text(v)
    if isinstance(v, list):
        return "[" + ", ".join(to_text(x) for x in v) + "]"
    if isinstance(v, frozenset):
        return "{" + ", ".join(sorted(to_text(x) for x in v)) + "}"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {to_text(v[k])}" for k in sorted(v)) + "}"
    if isinstance(v, Vertex):
        return vertex_text(v)
    if isinstance(v, Edge):
        return edge_text(v)
    if isinstance(v, Path):
        out = vertex_text(v.src)
        for e, rev, nxt in v.steps:
            body = f"[:{e.type}@{e.rank} {_props_text(e.props)}]"
            out += (f"<-{body}-" if rev else f"-{body}->") + vertex_text(nxt)
        return f"<{out}>"
    if isinstance(v, _dt.datetime):
        return v.strftime("%Y-%m-%dT%H:%M:%S.%f")
    if isinstance(v, _dt.date):
        return v.strftime("%Y-%m-%d")
    if isinstance(v, _dt.time):
        return v.strftime("%H:%M:%S.%f")
    if isinstance(v, Duration):
        return f"P{v.months}MT{v.seconds}.{v.microseconds:06d}S"
    return str(v)


def display(v: Any) -> str:
    """Console form: like ``to_text`` but top-level strings unquoted and NULL as __NULL__."""
    if isinstance(v, str):
        return v
    if is_null(v):
        return "__NULL__"
    return to_text(v)


# ------------------------------------------------------------------ ordering

_TYPE_RANK = {
    "__EMPTY__": 1,
    "BOOL": 2,
    "INT": 3,
    "FLOAT": 3,
    "STRING": 5,
    "DATE": 6,
    "TIME": 7,
    "DATETIME": 8,
    "VERTEX": 9,
    "EDGE": 10,
    "PATH": 11,
    "LIST": 12,
    "MAP": 13,
    "SET": 14,
    "DURATION": 16,
    "NULL": 99,
}


def sort_key(v: Any) -> tuple:
    """A key that orders values as NebulaGraph does (by type, then value; NULL last)."""
    t = type_name(v)
    rank = _TYPE_RANK.get(t, 50)
    if t in ("NULL", "__EMPTY__"):
        return (rank, 0)
    if t == "VERTEX":
        return (rank, sort_key(v.vid))
    if t == "EDGE":
        return (rank, sort_key(v.src), v.type, v.rank, sort_key(v.dst))
    if t == "PATH":
        return (rank, tuple(sort_key(x.vid) for x in v.nodes()))
    if t == "LIST":
        return (rank, tuple(sort_key(x) for x in v))
    if t == "MAP":
        return (rank, tuple((k, sort_key(v[k])) for k in sorted(v)))
    if t == "SET":
        return (rank, tuple(sorted(sort_key(x) for x in v)))
    if t == "DURATION":
        return (rank, (v.months, v.seconds, v.microseconds))
    if t == "FLOAT" and math.isnan(v):
        return (rank, math.inf)
    return (rank, v)


def hashable(v: Any) -> Any:
    """A hashable stand-in for any value (lists and maps included) for DISTINCT and GROUP BY."""
    if isinstance(v, list):
        return ("L",) + tuple(hashable(x) for x in v)
    if isinstance(v, dict):
        return ("M",) + tuple(sorted((k, hashable(x)) for k, x in v.items()))
    if isinstance(v, bool):
        return ("B", v)
    if isinstance(v, float) and v == int(v) if isinstance(v, float) and math.isfinite(v) else False:
        return v
    return v


# ------------------------------------------------------------------ momq conversion


def vertex_to_node(v: Vertex) -> mv.Node:
    names: dict[str, int] = {}
    for props in v.tags.values():
        for k in props:
            names[k] = names.get(k, 0) + 1
    flat: dict[str, Any] = {}
    for tag, props in v.tags.items():
        for k, x in props.items():
            flat[f"{tag}.{k}" if names[k] > 1 else k] = to_momq(x)
    return mv.Node(tuple(sorted(v.tags)), flat, v.vid)


def edge_to_rel(e: Edge) -> mv.Relationship:
    return mv.Relationship(e.type, e.src, e.dst, {k: to_momq(x) for k, x in e.props.items()}, e.rank)


def to_momq(v: Any) -> Any:
    """momq's normalised form of an engine value (NULL and EMPTY become None)."""
    if v is None or is_null(v) or is_empty(v):
        return None
    if isinstance(v, Vertex):
        return vertex_to_node(v)
    if isinstance(v, Edge):
        return edge_to_rel(v)
    if isinstance(v, Path):
        return mv.Path(tuple(vertex_to_node(n) for n in v.nodes()), tuple(edge_to_rel(e) for e in v.edges()))
    if isinstance(v, list):
        return [to_momq(x) for x in v]
    if isinstance(v, frozenset):
        return [to_momq(x) for x in sorted(v, key=sort_key)]
    if isinstance(v, dict):
        return {k: to_momq(x) for k, x in v.items()}
    if isinstance(v, Duration):
        return _dt.timedelta(seconds=v.seconds, microseconds=v.microseconds) if not v.months else to_text(v)
    return v
