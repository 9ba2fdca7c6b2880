"""In-memory storage of nGQL graph spaces, with snapshot persistence.

A :class:`Space` holds its schema (tags, edge types, indexes), its vertices (VID ->
tag -> properties) and its edges twice: by source (``out``) and by destination
(``inn``), each ``vid -> edge type -> {(other vid, rank): properties}``, so a GO step in
either direction is a dict lookup per vertex. Both maps share the property dicts.

``Catalog`` is all the spaces of one database. ``save`` pickles it to a temporary file
beside the target, fsyncs it and renames it over the target in one step, so a crash in
the middle of a save leaves the previous snapshot intact.
"""

from __future__ import annotations

import datetime as _dt
import os
import pickle
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from momq.ngql.errors import NgqlExecutionError, NgqlSemanticError
from momq.ngql.values import NULL, Edge, is_null

SNAPSHOT_VERSION = 1

INT_TYPES = {"INT64": 64, "INT32": 32, "INT16": 16, "INT8": 8, "TIMESTAMP": 64}


@dataclass
class PropSchema:
    name: str
    type: str
    nullable: bool = True
    default: Any = None  # None = no default; otherwise an engine value
    has_default: bool = False
    fixed_len: int | None = None

    def type_text(self) -> str:
        t = self.type.lower()
        if t == "fixed_string":
            return f"fixed_string({self.fixed_len})"
        if t == "int64":
            return "int64"
        return t


@dataclass
class Schema:
    """A tag or an edge type."""

    kind: str  # TAG / EDGE
    name: str
    props: list[PropSchema] = field(default_factory=list)

    def prop(self, name: str) -> PropSchema | None:
        for p in self.props:
            if p.name == name:
                return p
        return None

    @property
    def prop_names(self) -> list[str]:
        return [p.name for p in self.props]


@dataclass
class Index:
    kind: str  # TAG / EDGE
    name: str
    schema: str
    fields: list[str]


class Space:
    def __init__(self, name: str, vid_type: str = "FIXED_STRING", vid_len: int = 8, options: dict | None = None):
        self.name = name
        self.vid_type = vid_type
        self.vid_len = vid_len
        self.options = options or {}
        self.tags: dict[str, Schema] = {}
        self.edges: dict[str, Schema] = {}
        self.indexes: dict[str, Index] = {}
        self.vertices: dict[Any, dict[str, dict[str, Any]]] = {}
        self.out: dict[Any, dict[str, dict[tuple, dict]]] = {}
        self.inn: dict[Any, dict[str, dict[tuple, dict]]] = {}
        self.tag_members: dict[str, dict[Any, None]] = {}
        self.edge_count = 0
        self._eq_index: dict[tuple[str, str], dict[Any, list]] = {}  # built on demand, dropped on writes

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_eq_index"] = {}
        return state

    def __setstate__(self, state):
        state.setdefault("_eq_index", {})
        self.__dict__.update(state)

    def lookup_equal(self, tag: str, prop: str, value: Any) -> list:
        """VIDs whose ``tag.prop == value``, through a hash index built on first use."""
        key = (tag, prop)
        idx = self._eq_index.get(key)
        if idx is None:
            idx = {}
            for vid in self.tag_members.get(tag, {}):
                v = self.vertices[vid][tag].get(prop)
                if isinstance(v, (int, str)) and not isinstance(v, bool):
                    idx.setdefault(v, []).append(vid)
            self._eq_index[key] = idx
        return list(idx.get(value, ()))

    # ---------------------------------------------------------------- schema
    @property
    def vid_is_int(self) -> bool:
        return self.vid_type == "INT64"

    def vid_type_text(self) -> str:
        return "INT64" if self.vid_is_int else f"FIXED_STRING({self.vid_len})"

    def tag(self, name: str) -> Schema:
        s = self.tags.get(name)
        if s is None:
            raise NgqlSemanticError(f"No schema found for `{name}'")
        return s

    def edge(self, name: str) -> Schema:
        s = self.edges.get(name)
        if s is None:
            raise NgqlSemanticError(f"{name} not found in space [{self.name}].")
        return s

    def edge_types(self, over: list[str]) -> list[str]:
        """The edge types a traversal goes over: ``over`` (each must exist) or, when it
        is empty (``OVER *``), every edge type of the space."""
        for name in over:
            self.edge(name)
        return over or list(self.edges)

    def has_index(self, kind: str, schema: str) -> bool:
        return any(i.kind == kind and i.schema == schema for i in self.indexes.values())

    # ---------------------------------------------------------------- values
    def check_vid(self, vid: Any) -> Any:
        if self.vid_is_int:
            if isinstance(vid, bool) or not isinstance(vid, int):
                raise NgqlSemanticError("Wrong vid type: expected INT64")
            return vid
        if not isinstance(vid, str):
            raise NgqlSemanticError(f"Wrong vid type: expected FIXED_STRING({self.vid_len})")
        if len(vid.encode()) > self.vid_len:
            raise NgqlExecutionError(
                "Storage Error: The VID must be a 64-bit integer or a string fitting space vertex id length limit."
            )
        return vid

    def coerce(self, prop: PropSchema, value: Any) -> Any:
        """Check ``value`` against the property type (as INSERT does); ints widen to floats."""
        if is_null(value) or value is None:
            if not prop.nullable:
                raise NgqlExecutionError("Storage Error: The not null field cannot be null.")
            return NULL
        t = prop.type
        ok = False
        if t in INT_TYPES:
            ok = isinstance(value, int) and not isinstance(value, bool)
            if t == "TIMESTAMP" and isinstance(value, _dt.datetime):
                return int(value.replace(tzinfo=_dt.timezone.utc).timestamp())
        elif t in ("FLOAT", "DOUBLE"):
            if isinstance(value, int) and not isinstance(value, bool):
                return float(value)
            ok = isinstance(value, float)
        elif t in ("STRING", "FIXED_STRING"):
            ok = isinstance(value, str)
            if ok and t == "FIXED_STRING" and prop.fixed_len is not None:
                value = value.encode()[: prop.fixed_len].decode(errors="ignore")
        elif t == "BOOL":
            ok = isinstance(value, bool)
        elif t == "DATE":
            ok = isinstance(value, _dt.date) and not isinstance(value, _dt.datetime)
        elif t == "DATETIME":
            ok = isinstance(value, _dt.datetime)
        elif t == "TIME":
            ok = isinstance(value, _dt.time)
        else:
            ok = True
        if not ok:
            raise NgqlExecutionError(
                "Storage Error: The data type does not meet the requirements. Use the correct type of data."
            )
        return value

    def build_props(self, schema: Schema, names: list[str], values: list[Any]) -> dict[str, Any]:
        if len(names) != len(values):
            raise NgqlSemanticError("Column count doesn't match value count.")
        given = dict(zip(names, values))
        for n in names:
            if schema.prop(n) is None:
                raise NgqlSemanticError(f"Unknown column `{n}' in schema")
        out = {}
        for p in schema.props:
            if p.name in given:
                out[p.name] = self.coerce(p, given[p.name])
            elif p.has_default:
                out[p.name] = self.coerce(p, p.default)
            elif p.nullable:
                out[p.name] = NULL
            else:
                raise NgqlExecutionError("Storage Error: The not null field doesn't have a default value.")
        return out

    def prop_builder(self, schema: Schema, names: list[str]):
        """A function ``values -> props`` equal to ``build_props(schema, names, values)``
        (same checks, same errors, same order) with the per-statement work done once:
        bulk loads call it for every row."""
        unknown = next((n for n in names if schema.prop(n) is None), None)
        given = {n: i for i, n in enumerate(names)}  # the last of repeated names wins, as in a dict
        width = len(names)
        coerce = self.coerce
        plan = []  # (name, index or None, checker or constant, has constant)
        for p in schema.props:
            if p.name in given:
                plan.append((p.name, given[p.name], _fast_check(p, coerce)))
            else:
                plan.append((p.name, None, p))

        def build(values: list[Any]) -> dict[str, Any]:
            if len(values) != width:
                raise NgqlSemanticError("Column count doesn't match value count.")
            if unknown is not None:
                raise NgqlSemanticError(f"Unknown column `{unknown}' in schema")
            out = {}
            for name, idx, how in plan:
                if idx is not None:
                    out[name] = how(values[idx])
                elif how.has_default:
                    out[name] = coerce(how, how.default)
                elif how.nullable:
                    out[name] = NULL
                else:
                    raise NgqlExecutionError("Storage Error: The not null field doesn't have a default value.")
            return out

        return build

    def insert_vertices(self, tags: list[tuple[Schema, list[str]]], rows, if_not_exists: bool = False) -> int:
        """INSERT VERTEX of many rows: ``rows`` yields ``(vid, values)`` where values
        hold the properties of every tag in ``tags`` one after the other. All rows are
        checked before any is written (a bad row changes nothing)."""
        builders = [(schema.name, len(names), self.prop_builder(schema, names)) for schema, names in tags]
        total = sum(w for _, w, _ in builders)
        check_vid = self.check_vid
        pending = []
        append = pending.append
        single = len(builders) == 1
        for vid, vals in rows:
            vid = check_vid(vid)
            if len(vals) != total:
                raise NgqlSemanticError("Column count doesn't match value count.")
            if single:
                name, _, build = builders[0]
                append((vid, name, build(vals)))
                continue
            i = 0
            for name, width, build in builders:
                append((vid, name, build(vals[i : i + width])))
                i += width
        insert = self.insert_vertex
        for vid, tag, props in pending:
            insert(vid, tag, props, if_not_exists)
        return len(pending)

    def insert_edges(self, schema: Schema, names: list[str], rows, if_not_exists: bool = False) -> int:
        """INSERT EDGE of many rows: ``rows`` yields ``(src, dst, rank, values)``; all rows
        are checked before any is written."""
        build = self.prop_builder(schema, names)
        check_vid = self.check_vid
        pending = []
        append = pending.append
        for src, dst, rank, vals in rows:
            append((check_vid(src), check_vid(dst), 0 if rank is None else rank, build(vals)))
        insert = self.insert_edge
        etype = schema.name
        for src, dst, rank, props in pending:
            insert(src, dst, etype, rank, props, if_not_exists)
        return len(pending)

    # ---------------------------------------------------------------- writes
    def insert_vertex(self, vid: Any, tag: str, props: dict[str, Any], if_not_exists: bool = False) -> None:
        tags = self.vertices.get(vid)
        if tags is None:
            tags = self.vertices[vid] = {}
        elif if_not_exists and tag in tags:
            return
        if self._eq_index:
            self._eq_index.clear()
        tags[tag] = props
        self.tag_members.setdefault(tag, {})[vid] = None

    def insert_edge(
        self, src: Any, dst: Any, etype: str, rank: int, props: dict[str, Any], if_not_exists: bool = False
    ) -> None:
        by_type = self.out.get(src)
        if by_type is None:
            by_type = self.out[src] = {}
        bucket = by_type.get(etype)
        if bucket is None:
            bucket = by_type[etype] = {}
        key = (dst, rank)
        if key in bucket:
            if if_not_exists:
                return
        else:
            self.edge_count += 1
        bucket[key] = props
        by_type = self.inn.get(dst)
        if by_type is None:
            by_type = self.inn[dst] = {}
        bucket = by_type.get(etype)
        if bucket is None:
            bucket = by_type[etype] = {}
        bucket[(src, rank)] = props

    def delete_edge(self, src: Any, dst: Any, etype: str, rank: int) -> None:
        bucket = self.out.get(src, {}).get(etype)
        if bucket is not None and bucket.pop((dst, rank), None) is not None:
            self.edge_count -= 1
        bucket = self.inn.get(dst, {}).get(etype)
        if bucket is not None:
            bucket.pop((src, rank), None)

    def delete_vertex(self, vid: Any, with_edge: bool = True) -> None:
        self._eq_index.clear()
        tags = self.vertices.pop(vid, None)
        if tags:
            for t in tags:
                self.tag_members.get(t, {}).pop(vid, None)
        if with_edge:
            for etype, bucket in list(self.out.get(vid, {}).items()):
                for dst, rank in list(bucket):
                    self.delete_edge(vid, dst, etype, rank)
            for etype, bucket in list(self.inn.get(vid, {}).items()):
                for src, rank in list(bucket):
                    self.delete_edge(src, vid, etype, rank)

    def delete_tag(self, vid: Any, tag: str) -> None:
        self._eq_index.clear()
        tags = self.vertices.get(vid)
        if tags and tag in tags:
            del tags[tag]
            self.tag_members.get(tag, {}).pop(vid, None)

    def drop_tag_data(self, tag: str) -> None:
        """Forget every vertex's properties of a dropped tag; a vertex left without tags
        no longer exists (NebulaGraph keeps no vertex key of its own), its edges stay."""
        self._eq_index.clear()
        for vid in self.tag_members.pop(tag, {}):
            tags = self.vertices.get(vid)
            if tags is not None:
                tags.pop(tag, None)
                if not tags:
                    del self.vertices[vid]

    # ---------------------------------------------------------------- reads
    def out_edges(self, vid: Any, etypes: list[str] | None):
        """Yield ``(etype, dst, rank, props)`` of edges leaving ``vid``."""
        return _adjacent(self.out, vid, etypes)

    def in_edges(self, vid: Any, etypes: list[str] | None):
        """Yield ``(etype, src, rank, props)`` of edges entering ``vid``."""
        return _adjacent(self.inn, vid, etypes)

    def neighbours(self, vid: Any, direction: str, etypes: list[str] | None):
        """Yield ``(edge, reversed, other end)`` for the edges of ``vid`` in ``direction``
        (``out``, ``in`` or ``both``); ``reversed`` is true for an edge walked against its
        direction. With ``both``, a self-loop is yielded once."""
        if direction in ("out", "both"):
            for etype, other, rank, props in self.out_edges(vid, etypes):
                yield Edge(vid, other, etype, rank, props), False, other
        if direction in ("in", "both"):
            for etype, other, rank, props in self.in_edges(vid, etypes):
                if direction == "both" and other == vid:
                    continue  # a self-loop was already seen as an out-edge
                yield Edge(other, vid, etype, rank, props), True, other

    def edge_props(self, src: Any, dst: Any, etype: str, rank: int) -> dict | None:
        return self.out.get(src, {}).get(etype, {}).get((dst, rank))


def _adjacent(index: dict, vid: Any, etypes: list[str] | None):
    """``(etype, other end, rank, props)`` of ``vid``'s edges in one adjacency index."""
    by_type = index.get(vid)
    if not by_type:
        return
    for etype in etypes if etypes is not None else list(by_type):
        bucket = by_type.get(etype)
        if bucket:
            # NebulaGraph keeps a vertex's edges of one type ordered by (rank, other end)
            items = sorted(bucket.items(), key=_rank_then_vid) if len(bucket) > 1 else bucket.items()
            for (other, rank), props in items:
                yield etype, other, rank, props


def _fast_check(prop: PropSchema, coerce):
    """``coerce(prop, v)`` with the common case (a value of the column's own type)
    answered without the general checks."""
    t = prop.type
    if t in INT_TYPES and t != "TIMESTAMP":
        return lambda v: v if v.__class__ is int else coerce(prop, v)
    if t == "STRING":
        return lambda v: v if v.__class__ is str else coerce(prop, v)
    if t in ("FLOAT", "DOUBLE"):
        return lambda v: v if v.__class__ is float else coerce(prop, v)
    if t == "BOOL":
        return lambda v: v if v.__class__ is bool else coerce(prop, v)
    return lambda v: coerce(prop, v)


def _rank_then_vid(item):
    (vid, rank), _ = item
    return rank, vid


class Catalog:
    """All the spaces of one database."""

    def __init__(self) -> None:
        self.spaces: dict[str, Space] = {}

    def space(self, name: str) -> Space:
        s = self.spaces.get(name)
        if s is None:
            raise NgqlExecutionError(f"SpaceNotFound: SpaceName `{name}`")
        return s

    # ---------------------------------------------------------------- persistence
    def save(self, path: str | os.PathLike) -> None:
        """Write a snapshot atomically: temp file, fsync, rename over ``path``."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                pickle.dump({"version": SNAPSHOT_VERSION, "spaces": self.spaces}, fh, protocol=pickle.HIGHEST_PROTOCOL)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
        try:  # make the rename itself durable
            dfd = os.open(target.parent, os.O_RDONLY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)
        except OSError:
            pass

    @classmethod
    def load(cls, path: str | os.PathLike) -> "Catalog":
        with open(path, "rb") as fh:
            data = pickle.load(fh)
        if not isinstance(data, dict) or data.get("version") != SNAPSHOT_VERSION:
            raise NgqlExecutionError(f"{path}: not an nGQL snapshot of version {SNAPSHOT_VERSION}")
        cat = cls()
        cat.spaces = data["spaces"]
        return cat
