"""One schema model for relational and graph databases.

A :class:`Schema` holds tables (relational) or node types and edge types (graph).
For nGQL, node types are *tags* (a vertex may carry several); for Cypher they are
labels. Every element may carry a description and sample values, which the prompt
renderers and the value aligner use.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Family = Literal["relational", "graph"]


@dataclass
class Column:
    """A column of a table, or a property of a node or edge type."""

    name: str
    type: str
    nullable: bool = True
    description: str = ""
    samples: list[Any] = field(default_factory=list)
    default: Any = None


@dataclass
class ForeignKey:
    columns: list[str]
    ref_table: str
    ref_columns: list[str]


@dataclass
class Table:
    name: str
    columns: list[Column] = field(default_factory=list)
    primary_key: list[str] = field(default_factory=list)
    foreign_keys: list[ForeignKey] = field(default_factory=list)
    description: str = ""

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name.lower() == name.lower()), None)


@dataclass
class NodeType:
    """A Cypher label or an nGQL tag with its typed properties."""

    name: str
    properties: list[Column] = field(default_factory=list)
    description: str = ""


@dataclass
class EdgeType:
    """A relationship type (Cypher) or edge type (nGQL). ``endpoints`` lists the
    (source label, target label) pairs seen or declared."""

    name: str
    properties: list[Column] = field(default_factory=list)
    endpoints: list[tuple[str, str]] = field(default_factory=list)
    description: str = ""


@dataclass
class Schema:
    database: str
    family: Family
    tables: list[Table] = field(default_factory=list)
    nodes: list[NodeType] = field(default_factory=list)
    edges: list[EdgeType] = field(default_factory=list)
    #: nGQL only: the VID type of the space (``FIXED_STRING(32)`` or ``INT64``)
    vid_type: str | None = None

    # lookup --------------------------------------------------------------
    def element_names(self) -> list[str]:
        return [t.name for t in self.tables] + [n.name for n in self.nodes] + [e.name for e in self.edges]

    def table(self, name: str) -> Table | None:
        return next((t for t in self.tables if t.name.lower() == name.lower()), None)

    def node(self, name: str) -> NodeType | None:
        return next((n for n in self.nodes if n.name.lower() == name.lower()), None)

    def edge(self, name: str) -> EdgeType | None:
        return next((e for e in self.edges if e.name.lower() == name.lower()), None)

    def subschema(self, names: list[str] | set[str], *, keep_neighbours: bool = False) -> "Schema":
        """The schema restricted to the named tables / node types / edge types (names are
        matched case-insensitively; unknown names are ignored). Foreign keys to dropped
        tables are removed. With ``keep_neighbours`` an edge type keeps its endpoint node
        types and a table keeps the tables its foreign keys point to; and node types named
        without any edge type keep the edge types that connect them (between two of them;
        for a single one, or when none is between them, those that touch one): "the teams Tony Parker played for"
        names ``player`` and ``team``, and a graph sub-schema without ``serve`` cannot
        answer it. Tables also keep the tables that join two of them through shared
        column names (:meth:`_bridging_tables`: ``writes(aid, pid)`` between ``author`` and
        ``publication`` when the schema declares no foreign keys)."""
        wanted = {n.lower() for n in names}
        if keep_neighbours:
            if self.edges and not any(e.name.lower() in wanted for e in self.edges):
                wanted.update(e.name.lower() for e in self._connecting_edges(wanted))
            for edge in self.edges:
                if edge.name.lower() in wanted:
                    for src, dst in edge.endpoints:
                        wanted.update({src.lower(), dst.lower()})
            for table in self.tables:
                if table.name.lower() in wanted:
                    wanted.update(fk.ref_table.lower() for fk in table.foreign_keys)
            wanted.update(self._bridging_tables(wanted))
        tables = []
        for t in self.tables:
            if t.name.lower() in wanted:
                fks = [fk for fk in t.foreign_keys if fk.ref_table.lower() in wanted]
                tables.append(Table(t.name, t.columns, t.primary_key, fks, t.description))
        return Schema(
            database=self.database,
            family=self.family,
            tables=tables,
            nodes=[n for n in self.nodes if n.name.lower() in wanted],
            edges=[e for e in self.edges if e.name.lower() in wanted],
            vid_type=self.vid_type,
        )

    def _bridging_tables(self, wanted: set[str]) -> list[str]:
        """The (lower-cased) tables outside ``wanted`` that share a column name with two or
        more tables of ``wanted``: the link tables of a join the schema does not declare.
        Column names that more than half the tables have (``id``, ``name``) join nothing."""
        columns = {t.name.lower(): {c.name.lower() for c in t.columns} for t in self.tables}
        counts = Counter(name for names in columns.values() for name in names)
        common = {name for name, n in counts.items() if n > len(columns) / 2}
        kept = [name for name in columns if name in wanted]
        return [
            name
            for name, names in columns.items()
            if name not in wanted and sum(1 for k in kept if (names & columns[k]) - common) >= 2
        ]

    def _connecting_edges(self, wanted: set[str]) -> list[EdgeType]:
        """The edge types between two of the ``wanted`` node types; for a single wanted
        node type (or when none connects them), every edge type touching one."""
        nodes = {n.name.lower() for n in self.nodes if n.name.lower() in wanted}
        if not nodes:
            return []
        if len(nodes) > 1:
            between = [e for e in self.edges if any({s.lower(), d.lower()} <= nodes for s, d in e.endpoints)]
            if between:
                return between
        return [e for e in self.edges if any(nodes & {s.lower(), d.lower()} for s, d in e.endpoints)]

    # serialisation -------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, default=str)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Schema":
        def cols(items: list[dict]) -> list[Column]:
            return [Column(**c) for c in items]

        return cls(
            database=data["database"],
            family=data["family"],
            tables=[
                Table(
                    t["name"],
                    cols(t.get("columns", [])),
                    list(t.get("primary_key", [])),
                    [ForeignKey(**fk) for fk in t.get("foreign_keys", [])],
                    t.get("description", ""),
                )
                for t in data.get("tables", [])
            ],
            nodes=[
                NodeType(n["name"], cols(n.get("properties", [])), n.get("description", ""))
                for n in data.get("nodes", [])
            ],
            edges=[
                EdgeType(
                    e["name"],
                    cols(e.get("properties", [])),
                    [tuple(p) for p in e.get("endpoints", [])],
                    e.get("description", ""),
                )
                for e in data.get("edges", [])
            ],
            vid_type=data.get("vid_type"),
        )
