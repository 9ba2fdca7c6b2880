"""Where a name lives in a schema, for repair prompts.

An engine that rejects a query for an unknown column or table says which name it did
not find, but not where that name is: "Unknown column 'c.citation_num'" when
``citation_num`` is a column of ``publication``, not of the table aliased ``c``. A
small model shown only the engine's message tends to guess again. :func:`schema_hint`
reads the unknown names out of the message (PostgreSQL's, MySQL/MariaDB's and the
Cypher/nGQL engines' wordings) and answers from the schema: the tables (or node and
edge types) that hold a column of that name, or, when none does, the closest names.
Nothing is invented: every name in a hint is a name of the schema.
"""

from __future__ import annotations

import difflib
import re
from typing import Any, Iterable

from momq.schema.model import Column, Schema

_QUOTED = r"[\"'`]?([\w.$]+)[\"'`]?"
#: (kind, pattern) for the messages that name an unknown element
_UNKNOWN = (
    ("column", re.compile(r"\bunknown column\s+" + _QUOTED, re.I)),  # MySQL / MariaDB 1054
    ("column", re.compile(r"\bcolumn\s+" + _QUOTED + r"\s+does not exist", re.I)),  # PostgreSQL 42703
    ("table", re.compile(r"\brelation\s+" + _QUOTED + r"\s+does not exist", re.I)),  # PostgreSQL 42P01
    ("table", re.compile(r"\btable\s+" + _QUOTED + r"\s+doesn'?t exist", re.I)),  # MySQL / MariaDB 1146
    ("column", re.compile(r"\bunknown property\s+" + _QUOTED, re.I)),
    ("column", re.compile(r"\bproperty\s+" + _QUOTED + r"\s+(?:does not exist|not found)", re.I)),
    ("table", re.compile(r"\b(?:label|tag|edge(?: type)?)\s+" + _QUOTED + r"\s+(?:does not exist|not found)", re.I)),
    # a name used as a variable that the query never bound: NebulaGraph's SemanticError
    # ("Invalid label identifiers: serve" for properties(serve)) and Neo4j's wording
    ("variable", re.compile(r"\binvalid label identifiers?:\s*" + _QUOTED, re.I)),
    ("variable", re.compile(r"\bvariable\s+" + _QUOTED + r"\s+not defined", re.I)),
)
MAX_HOLDERS = 6
MAX_SIMILAR = 3


def unknown_names(message: str) -> list[tuple[str, str]]:
    """``(kind, name)`` for each element the engine ``message`` says does not exist
    (kind ``column``, ``table`` or ``variable``); a qualified name keeps only its last
    part."""
    found: list[tuple[str, str]] = []
    for kind, pattern in _UNKNOWN:
        for match in pattern.finditer(message):
            name = match.group(1).strip(".").rsplit(".", 1)[-1]
            if name and (kind, name) not in found:
                found.append((kind, name))
    return found


def _owners(schema: Schema) -> Iterable[tuple[str, str, list[Column]]]:
    """``(kind word, name, columns)`` of every table, node type and edge type."""
    for table in schema.tables:
        yield "table", table.name, table.columns
    for node in schema.nodes:
        yield "tag" if schema.vid_type else "label", node.name, node.properties
    for edge in schema.edges:
        yield "edge type", edge.name, edge.properties


def holders(schema: Schema, column: str) -> list[str]:
    """The tables / node types / edge types that have a column or property ``column``
    (case-insensitive)."""
    wanted = column.lower()
    return [name for _, name, columns in _owners(schema) if any(c.name.lower() == wanted for c in columns)]


def similar(names: Iterable[str], name: str, n: int = MAX_SIMILAR) -> list[str]:
    """Up to ``n`` of ``names`` closest to ``name`` (difflib ratio >= 0.6)."""
    by_lower: dict[str, str] = {}
    for candidate in names:
        by_lower.setdefault(candidate.lower(), candidate)
    return [by_lower[m] for m in difflib.get_close_matches(name.lower(), list(by_lower), n=n, cutoff=0.6)]


def schema_hint(schema: Schema | None, message: str) -> str:
    """One line per unknown name of ``message``: where the schema has it, or the
    closest names it has; empty when the message names nothing unknown."""
    if schema is None or not message:
        return ""
    column_word = "column" if schema.family == "relational" else "property"
    lines: list[str] = []
    for kind, name in unknown_names(message):
        if kind == "column":
            where = holders(schema, name)
            if where:
                shown = ", ".join(where[:MAX_HOLDERS]) + (", ..." if len(where) > MAX_HOLDERS else "")
                lines.append(f"`{name}` is a {column_word} of: {shown}.")
                continue
            qualified = [f"{owner}.{c.name}" for _, owner, columns in _owners(schema) for c in columns]
            close = similar([c.name for _, _, columns in _owners(schema) for c in columns], name)
            spelled = [q for q in qualified if q.rsplit(".", 1)[-1] in close][:MAX_SIMILAR]
            tail = f"; similar: {', '.join(spelled)}" if spelled else ""
            lines.append(f"No {column_word} `{name}` exists in the schema{tail}.")
        elif kind == "variable":
            # only worth saying when the unbound name is a type of the schema
            owner = next(((word, o) for word, o, _ in _owners(schema) if o.lower() == name.lower()), None)
            if owner:
                article = "an" if owner[0][0] in "aeiou" else "a"
                lines.append(f"`{name}` is {article} {owner[0]} of the schema, not a variable of this query.")
        else:
            if any(name.lower() == owner.lower() for _, owner, _ in _owners(schema)):
                continue  # exists after all (e.g. another database's qualifier)
            close = similar([owner for _, owner, _ in _owners(schema)], name)
            tail = f"; similar: {', '.join(close)}" if close else ""
            lines.append(f"No table or type `{name}` exists in the schema{tail}.")
    return "\n".join(lines)


def query_notes(schema: Schema | None, refs: Any) -> str:
    """One line per name of a graph query (``refs``: :class:`momq.dialects.cypher_names.References`)
    that the schema does not have where the query puts it: a label, relationship type or
    property key not in the database (Neo4j's ``UnknownLabelWarning``,
    ``UnknownRelationshipTypeWarning``, ``UnknownPropertyKeyWarning``), a property read
    from a type that does not have it, and a relationship written against the direction of
    its endpoints. Empty when every name is where the schema has it."""
    if schema is None or refs is None:
        return ""
    labels = [n.name for n in schema.nodes]
    types = [e.name for e in schema.edges]
    lines: list[str] = []
    for name in refs.labels:
        if name not in labels:
            lines.append(_missing("label", name, labels))
    for name in refs.types:
        if name not in types:
            lines.append(_missing("relationship type", name, types))
    keys = {c.name for _, _, columns in _owners(schema) for c in columns}
    owned = [(refs.bindings.get(var, []) if var else [], key) for var, key in refs.properties]
    seen: set[tuple[tuple[str, ...], str]] = set()
    for owner, key in [*owned, *refs.owner_keys]:
        if (tuple(owner), key) in seen:
            continue
        seen.add((tuple(owner), key))
        if key not in keys:
            qualified = [f"{o}.{c.name}" for _, o, columns in _owners(schema) for c in columns]
            close = similar(keys, key)
            spelled = [q for q in qualified if q.rsplit(".", 1)[-1] in close][:MAX_SIMILAR]
            tail = f"; similar: {', '.join(spelled)}" if spelled else ""
            lines.append(f"No property `{key}` in the database{tail}.")
            continue
        known = [o for o in owner if o in labels or o in types]
        if known and key not in {c.name for _, o, columns in _owners(schema) if o in known for c in columns}:
            where = [o for _, o, columns in _owners(schema) if any(c.name == key for c in columns)]
            lines.append(f"`{key}` is not a property of {' / '.join(known)}; it is a property of: {', '.join(where)}.")
    for rel in refs.relationships:
        if rel.direction == "-":
            continue
        left = [x for x in refs.labels_of(refs.nodes[rel.left]) if x in labels]
        right = [x for x in refs.labels_of(refs.nodes[rel.right]) if x in labels]
        source, target = (left, right) if rel.direction == "->" else (right, left)
        for name in rel.types:
            edge = schema.edge(name)
            if edge is None or not edge.endpoints or (not source and not target):
                continue
            if any(_fits(s, source) and _fits(t, target) for s, t in edge.endpoints):
                continue
            shown = ", ".join(f"(:{s})-[:{name}]->(:{t})" for s, t in edge.endpoints[:MAX_HOLDERS])
            if any(_fits(s, target) and _fits(t, source) for s, t in edge.endpoints):
                lines.append(f"`{name}` points the other way: {shown}.")
            else:
                lines.append(f"`{name}` connects: {shown}.")
    return "\n".join(dict.fromkeys(lines))


def _fits(endpoint: str, labels: list[str]) -> bool:
    """Does a node with ``labels`` (none known: any node) match ``endpoint``?"""
    return not labels or endpoint in labels


def _missing(kind: str, name: str, known: list[str]) -> str:
    """``No label `X` in the database; ...`` with the closest names, or all of them
    when there are few."""
    close = similar(known, name)
    if close:
        return f"No {kind} `{name}` in the database; similar: {', '.join(close)}."
    if len(known) <= MAX_HOLDERS:
        return f"No {kind} `{name}` in the database; it has: {', '.join(known)}."
    return f"No {kind} `{name}` in the database."
