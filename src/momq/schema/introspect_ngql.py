"""nGQL schema introspection through read-only statements only: ``SHOW TAGS``,
``SHOW EDGES``, ``DESCRIBE TAG|EDGE`` for the typed properties, and a sample of edges
for the (source tag, destination tag) endpoints and sample values."""

from __future__ import annotations

from momq.dialects import get_dialect
from momq.engines.base import Engine
from momq.errors import QueryError
from momq.schema.model import Column, EdgeType, NodeType, Schema

SAMPLE = 200


def _describe(engine: Engine, kind: str, name: str) -> list[Column]:
    result = engine.execute(f"DESCRIBE {kind} {get_dialect(engine.dialect).quote(name)}")
    cols = [c.lower() for c in result.columns]
    columns = []
    for row in result.rows:
        record = dict(zip(cols, row))
        columns.append(
            Column(
                name=str(record.get("field")),
                type=str(record.get("type")),
                nullable=str(record.get("null", "YES")).upper() == "YES",
                default=record.get("default"),
                description=str(record.get("comment") or ""),
            )
        )
    return columns


def introspect(engine: Engine, samples: int = 3) -> Schema:
    tags = [str(r[0]) for r in engine.execute("SHOW TAGS").rows]
    edge_names = [str(r[0]) for r in engine.execute("SHOW EDGES").rows]
    dialect = get_dialect(engine.dialect)
    q = dialect.quote
    nodes = []
    for tag in tags:
        props = _describe(engine, "TAG", tag)
        _add_samples(
            engine,
            f"MATCH (v:{q(tag)}) RETURN {{}} LIMIT {SAMPLE}",
            props,
            samples,
            lambda p, t=tag: dialect.node_property("v", t, p),
        )
        nodes.append(NodeType(tag, props))
    edges = []
    for name in edge_names:
        props = _describe(engine, "EDGE", name)
        endpoints: list[tuple[str, str]] = []
        try:
            rows = engine.execute(f"MATCH (a)-[e:{q(name)}]->(b) RETURN tags(a), tags(b) LIMIT {SAMPLE}").rows
        except QueryError:
            rows = []
        for src_tags, dst_tags in rows:
            for s in src_tags or []:
                for d in dst_tags or []:
                    if (s, d) not in endpoints:
                        endpoints.append((s, d))
        _add_samples(
            engine, f"MATCH ()-[e:{q(name)}]->() RETURN {{}} LIMIT {SAMPLE}", props, samples, lambda p: f"e.{q(p)}"
        )
        edges.append(EdgeType(name, props, endpoints))
    return Schema(engine.database, "graph", nodes=nodes, edges=edges, vid_type=_vid_type(engine))


def _add_samples(engine: Engine, template: str, props: list[Column], samples: int, ref) -> None:
    """Fill each string property's ``samples`` with distinct values seen in a sample."""
    for prop in props:
        if not samples or "string" not in prop.type.lower():
            continue
        try:
            rows = engine.execute(template.format(ref(prop.name))).rows
        except QueryError:
            continue
        seen: list = []
        for (value,) in rows:
            if value is not None and value not in seen:
                seen.append(value)
            if len(seen) >= samples:
                break
        prop.samples = seen


def _vid_type(engine: Engine) -> str | None:
    try:
        result = engine.execute(f"DESCRIBE SPACE {get_dialect(engine.dialect).quote(engine.database)}")
    except QueryError:
        return None
    cols = [c.lower() for c in result.columns]
    if result.rows and "vid type" in cols:
        return str(result.rows[0][cols.index("vid type")])
    return None
