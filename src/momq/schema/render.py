"""Schema renderers used in prompts: DDL, plain text, and R3-NL2GQL's code-structured form.

``render(schema, fmt)`` with ``fmt`` in ``ddl``, ``text``, ``code``:

- ``ddl``: CREATE TABLE statements (relational) or nGQL-style CREATE TAG/EDGE (graph);
- ``text``: one line per table/node/edge listing its columns or properties;
- ``code``: R3's code-structured schema: a Python class per table, tag or edge type, with
  a typed ``__init__`` and the descriptions as comments. Edge classes name their
  endpoints in the docstring.
"""

from __future__ import annotations

import re

from momq.errors import ConfigError
from momq.schema.model import Column, EdgeType, NodeType, Schema, Table

FORMATS = ("ddl", "text", "code")


def render(schema: Schema, fmt: str = "ddl", *, samples: int = 0) -> str:
    """Render ``schema`` in ``fmt``; ``samples`` sample values per column are appended
    as comments (0 = none)."""
    if fmt not in FORMATS:
        raise ConfigError(f"unknown schema format {fmt!r}; known formats: {', '.join(FORMATS)}")
    return {"ddl": render_ddl, "text": render_text, "code": render_code}[fmt](schema, samples)


def _comment(column: Column, samples: int) -> str:
    parts = []
    if column.description:
        parts.append(column.description.strip())
    if samples and column.samples:
        parts.append("e.g. " + ", ".join(repr(v) for v in column.samples[:samples]))
    return "; ".join(parts)


# ---------------------------------------------------------------------- DDL
def render_ddl(schema: Schema, samples: int = 0) -> str:
    if schema.family == "relational":
        return "\n\n".join(_table_ddl(t, samples) for t in schema.tables)
    if schema.vid_type is None:  # Cypher: Neo4j's pattern notation
        return _cypher_patterns(schema, samples)
    blocks = [_graph_ddl("TAG", n, samples) for n in schema.nodes]
    blocks += [_graph_ddl("EDGE", e, samples) for e in schema.edges]
    return "\n\n".join(blocks)


def _cypher_patterns(schema: Schema, samples: int) -> str:
    def props(columns: list[Column]) -> str:
        return "{" + ", ".join(f"{c.name}: {c.type}" for c in columns) + "}" if columns else ""

    lines = ["// node labels"]
    lines += [f"(:{n.name} {props(n.properties)})".replace(" )", ")") for n in schema.nodes]
    lines.append("// relationships")
    for e in schema.edges:
        ends = e.endpoints or [("", "")]
        for src, dst in ends:
            src_label = f":{src}" if src else ""
            dst_label = f":{dst}" if dst else ""
            rel = f"[:{e.name} {props(e.properties)}]".replace(" ]", "]")
            lines.append(f"({src_label})-{rel}->({dst_label})")
    comments = [
        f"// {el.name}.{c.name}: {_comment(c, samples)}"
        for el in [*schema.nodes, *schema.edges]
        for c in el.properties
        if _comment(c, samples)
    ]
    return "\n".join(lines + comments)


def _table_ddl(table: Table, samples: int) -> str:
    lines = []
    for col in table.columns:
        line = f"  {col.name} {col.type}" + ("" if col.nullable else " NOT NULL")
        comment = _comment(col, samples)
        lines.append((line, comment))
    constraints = []
    if table.primary_key:
        constraints.append(f"  PRIMARY KEY ({', '.join(table.primary_key)})")
    for fk in table.foreign_keys:
        constraints.append(
            f"  FOREIGN KEY ({', '.join(fk.columns)}) REFERENCES {fk.ref_table}({', '.join(fk.ref_columns)})"
        )
    body = []
    items = [l for l, _ in lines] + constraints
    for i, item in enumerate(items):
        sep = "," if i < len(items) - 1 else ""
        comment = lines[i][1] if i < len(lines) else ""
        body.append(item + sep + (f" -- {comment}" if comment else ""))
    head = f"-- {table.description}\n" if table.description else ""
    return f"{head}CREATE TABLE {table.name} (\n" + "\n".join(body) + "\n);"


def _graph_ddl(kind: str, element: NodeType | EdgeType, samples: int) -> str:
    props = []
    for col in element.properties:
        comment = _comment(col, samples)
        props.append(f"  {col.name} {col.type}" + (f" COMMENT {comment!r}" if comment else ""))
    head = ""
    if isinstance(element, EdgeType) and element.endpoints:
        head = "# " + ", ".join(f"({s})-[:{element.name}]->({d})" for s, d in element.endpoints) + "\n"
    if element.description:
        head = f"# {element.description}\n" + head
    body = "(\n" + ",\n".join(props) + "\n)" if props else "()"
    return f"{head}CREATE {kind} {element.name}{body};"


# --------------------------------------------------------------------- text
def render_text(schema: Schema, samples: int = 0) -> str:
    def cols(columns: list[Column]) -> str:
        out = []
        for c in columns:
            comment = _comment(c, samples)
            out.append(f"{c.name} ({c.type}{', ' + comment if comment else ''})")
        return ", ".join(out)

    lines = []
    for t in schema.tables:
        extra = f"; primary key: {', '.join(t.primary_key)}" if t.primary_key else ""
        lines.append(f"Table {t.name}: {cols(t.columns)}{extra}")
        for fk in t.foreign_keys:
            lines.append(f"  {t.name}.{','.join(fk.columns)} -> {fk.ref_table}.{','.join(fk.ref_columns)}")
    node_word = "Tag" if schema.vid_type is not None else "Node"  # nGQL calls node types tags
    for n in schema.nodes:
        lines.append(f"{node_word} {n.name}: {cols(n.properties)}")
    for e in schema.edges:
        ends = ", ".join(f"({s})-[:{e.name}]->({d})" for s, d in e.endpoints)
        lines.append(f"Edge {e.name}: {cols(e.properties)}" + (f"; {ends}" if ends else ""))
    return "\n".join(lines)


# --------------------------------------------------------------------- code
_PY_TYPES = [
    (r"int|serial|integer|bigint|smallint|tinyint", "int"),
    (r"float|double|real|numeric|decimal|number", "float"),
    (r"bool", "bool"),
    (r"datetime|timestamp", "datetime"),
    (r"date", "date"),
    (r"time", "time"),
    (r"char|text|string|varchar|uuid|json", "str"),
]


def python_type(db_type: str) -> str:
    lowered = db_type.lower()
    for pattern, name in _PY_TYPES:
        if re.search(pattern, lowered):
            return name
    return "str"


def _identifier(name: str) -> str:
    ident = re.sub(r"\W", "_", name)
    return ident if ident and not ident[0].isdigit() else f"_{ident}"


def render_code(schema: Schema, samples: int = 0) -> str:
    """R3's code-structured schema: one class per element with a typed ``__init__``."""
    classes = []
    for t in schema.tables:
        doc = [t.description] if t.description else []
        if t.primary_key:
            doc.append(f"Primary key: {', '.join(t.primary_key)}.")
        for fk in t.foreign_keys:
            doc.append(f"{', '.join(fk.columns)} references {fk.ref_table}({', '.join(fk.ref_columns)}).")
        classes.append(_class(t.name, "Table", t.columns, doc, samples))
    for n in schema.nodes:
        base = "Tag" if schema.vid_type else "Node"
        classes.append(_class(n.name, base, n.properties, [n.description] if n.description else [], samples))
    for e in schema.edges:
        doc = [e.description] if e.description else []
        doc += [f"Edge from {s} to {d}." for s, d in e.endpoints]
        classes.append(_class(e.name, "Edge", e.properties, doc, samples))
    return "\n\n".join(classes)


def _class(name: str, base: str, columns: list[Column], doc: list[str], samples: int) -> str:
    params = ", ".join(f"{_identifier(c.name)}: {python_type(c.type)}" for c in columns)
    lines = [f"class {_identifier(name)}({base}):"]
    if doc:
        lines.append('    """' + " ".join(d.strip() for d in doc if d) + '"""')
    lines.append(f"    def __init__(self{', ' + params if params else ''}):")
    if not columns:
        lines.append("        pass")
    for c in columns:
        comment = _comment(c, samples)
        typed = f"  # {c.type}" + (f"; {comment}" if comment else "")
        lines.append(f"        self.{_identifier(c.name)} = {_identifier(c.name)}{typed}")
    return "\n".join(lines)
