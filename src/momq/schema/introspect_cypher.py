"""Schema of a live Cypher database (labels, relationship types, typed properties,
endpoints, sample values), for prompts and value alignment.

ArcadeDB has no ``db.schema.nodeTypeProperties``-style procedures (its
``db.schema.visualization`` lists names without properties), and Neo4j's property
types need APOC or a recent server; so properties come from *sampling* on every
server: up to ``sample_size`` nodes per label and relationships per type, typed in
Python with Neo4j's type names (``STRING``, ``INTEGER``, ``FLOAT``, ``BOOLEAN``,
``LIST``, ``DATE``, ``DATE_TIME``...). A property missing from some sampled element is
nullable. Every query goes through the engine's read-only ``execute``.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

from momq.dialects import get_dialect
from momq.schema.model import Column, EdgeType, NodeType, Schema

#: at most this many distinct sample values are kept per string property
MAX_SAMPLES = 10
#: longer strings are not kept as samples (descriptions, binary dumps)
MAX_SAMPLE_CHARS = 100


def type_name(value: Any) -> str:
    """Neo4j's name for the type of a (normalised) property value."""
    if isinstance(value, bool):
        return "BOOLEAN"
    if isinstance(value, int):
        return "INTEGER"
    if isinstance(value, float):
        return "FLOAT"
    if isinstance(value, str):
        return "STRING"
    if isinstance(value, list):
        return "LIST"
    if isinstance(value, dict):
        return "MAP"
    if isinstance(value, _dt.datetime):
        return "DATE_TIME" if value.tzinfo else "LOCAL_DATE_TIME"
    if isinstance(value, _dt.date):
        return "DATE"
    if isinstance(value, _dt.time):
        return "TIME" if value.tzinfo else "LOCAL_TIME"
    if isinstance(value, _dt.timedelta):
        return "DURATION"
    return type(value).__name__.upper()


def _columns(elements: list[dict[str, Any]]) -> list[Column]:
    """Typed properties of sampled property maps (sorted by name)."""
    seen: dict[str, dict[str, Any]] = {}
    for props in elements:
        for key, value in props.items():
            if value is None:
                continue
            info = seen.setdefault(key, {"types": {}, "count": 0, "samples": []})
            info["count"] += 1
            kind = type_name(value)
            info["types"][kind] = info["types"].get(kind, 0) + 1
            if (
                kind == "STRING"
                and len(info["samples"]) < MAX_SAMPLES
                and value
                and len(value) <= MAX_SAMPLE_CHARS
                and value not in info["samples"]
            ):
                info["samples"].append(value)
    columns = []
    for key in sorted(seen):
        info = seen[key]
        kind = max(info["types"], key=info["types"].get)  # the most frequent type
        columns.append(Column(name=key, type=kind, nullable=info["count"] < len(elements), samples=info["samples"]))
    return columns


def introspect(engine: Any, *, sample_size: int = 1000, timeout_s: float = 60.0) -> Schema:
    """The graph schema of the database ``engine`` is connected to."""
    labels = sorted(r[0] for r in engine.execute("CALL db.labels()", timeout_s=timeout_s).rows)
    types = sorted(r[0] for r in engine.execute("CALL db.relationshipTypes()", timeout_s=timeout_s).rows)
    quote = get_dialect(engine.dialect).quote
    nodes = []
    for label in labels:
        rows = engine.execute(
            f"MATCH (n:{quote(label)}) RETURN properties(n) LIMIT {int(sample_size)}",
            timeout_s=timeout_s,
            max_rows=sample_size,
        ).rows
        nodes.append(NodeType(name=label, properties=_columns([r[0] or {} for r in rows])))
    edges = []
    for rtype in types:
        rows = engine.execute(
            f"MATCH (a)-[r:{quote(rtype)}]->(b) RETURN labels(a), labels(b), properties(r) LIMIT {int(sample_size)}",
            timeout_s=timeout_s,
            max_rows=sample_size,
        ).rows
        endpoints: list[tuple[str, str]] = []
        for src_labels, dst_labels, _props in rows:
            for src in sorted(src_labels or []):
                for dst in sorted(dst_labels or []):
                    if (src, dst) not in endpoints:
                        endpoints.append((src, dst))
        edges.append(EdgeType(name=rtype, properties=_columns([r[2] or {} for r in rows]), endpoints=sorted(endpoints)))
    return Schema(database=engine.database, family="graph", nodes=nodes, edges=edges)
