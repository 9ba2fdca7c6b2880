"""The labels, relationship types and property keys a Cypher query names.

Neo4j checks these names when it plans a query and, when one is not in the database,
runs the query anyway and attaches a notification to the (usually empty) result:
``UnknownLabelWarning``, ``UnknownRelationshipTypeWarning``,
``UnknownPropertyKeyWarning`` (Neo4j's *Status Codes*, "Notifications"). The repair loop
(``momq.pipelines.repair``) gives a model the same facts for an empty result, read from
the database's schema (:func:`momq.schema.lookup.query_notes`), because a query that
spells a label ``Actor`` where the database has ``Person`` fails silently otherwise.

:func:`references` reads the names from the tokens of :mod:`momq.dialects.cypher_lexer`:

- a label expression is a ``:`` outside a map followed by names joined by ``|``, ``&``,
  ``:`` or ``!``: node labels inside ``(...)`` and after a variable in ``WHERE n:Label``,
  relationship types inside ``[...]``;
- a property key is the name after ``variable.`` or a key of a node's or
  relationship's property map (``(p:Person {born: 1965})``);
- a relationship pattern ``(a)-[:T]->(b)`` (or ``<-[:T]-``) is kept with the labels of
  its two nodes (bound here or where the variable was bound before), so its direction
  can be checked against the schema's edge endpoints.

It is a reading of the pattern syntax, not a parser: what it cannot place it leaves out,
so it never names a label, type or key the query does not write.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from momq.dialects.cypher_lexer import Token, tokenize

#: words that may come right before a ``(`` that opens a node pattern or a group
_NOT_CALLS = frozenset(
    """MATCH OPTIONAL WHERE AND OR XOR NOT RETURN WITH UNWIND IN CASE WHEN THEN ELSE EXISTS
    DISTINCT BY AS YIELD CALL ON SKIP LIMIT IS STARTS ENDS CONTAINS ALL ANY NONE SINGLE""".split()
)


@dataclass
class Relationship:
    """One ``(left)-[:types]->(right)`` step; ``left``/``right`` are node indexes into
    :attr:`References.nodes`; ``direction`` is ``->``, ``<-`` or ``-``."""

    left: int
    types: list[str]
    right: int
    direction: str


@dataclass
class Node:
    variable: str | None
    labels: list[str] = field(default_factory=list)


@dataclass
class References:
    labels: list[str] = field(default_factory=list)
    types: list[str] = field(default_factory=list)
    #: ``(variable or None, key)`` for ``v.key``; map keys of a pattern carry the
    #: pattern's variable (or None when it has none; then ``owner_labels`` holds labels)
    properties: list[tuple[str | None, str]] = field(default_factory=list)
    #: labels (for nodes) or types (for relationships) each variable was bound to
    bindings: dict[str, list[str]] = field(default_factory=dict)
    #: ``(labels or types, key)`` for the keys of anonymous pattern maps
    owner_keys: list[tuple[list[str], str]] = field(default_factory=list)
    nodes: list[Node] = field(default_factory=list)
    relationships: list[Relationship] = field(default_factory=list)

    def labels_of(self, node: Node) -> list[str]:
        return node.labels or (self.bindings.get(node.variable, []) if node.variable else [])


def _name(tok: Token) -> str | None:
    if tok.kind == "word":
        return tok.text
    if tok.kind == "name":
        return tok.text[1:-1].replace("``", "`")
    return None


def _label_expression(tokens: tuple[Token, ...], i: int) -> tuple[list[str], int]:
    """The names of the label expression starting after the ``:`` at ``i - 1``, and the
    index after it."""
    names: list[str] = []
    while i < len(tokens):
        tok = tokens[i]
        name = _name(tok)
        if name is not None:
            names.append(name)
            i += 1
            if i < len(tokens) and tokens[i].text in ("|", "&", ":") and tokens[i].kind == "punct":
                i += 1
                continue
            break
        if tok.kind == "punct" and tok.text in ("!", "(") and not names:
            i += 1  # negation or a grouped expression: read the names inside
            continue
        break
    return names, i


def _is_node_open(tokens: tuple[Token, ...], i: int) -> bool:
    """Does the ``(`` at ``i`` open a node pattern: ``()``, ``(:L``, ``(v)``, ``(v:``,
    ``(v {`` or ``(v WHERE``?"""
    nxt = tokens[i + 1] if i + 1 < len(tokens) else None
    if nxt is None:
        return False
    if nxt.text in (")", ":") and nxt.kind == "punct":
        return True
    if _name(nxt) is None or (nxt.kind == "word" and nxt.upper in _NOT_CALLS):
        return False
    after = tokens[i + 2] if i + 2 < len(tokens) else None
    return after is not None and (
        (after.kind == "punct" and after.text in (")", ":", "{")) or (after.kind == "word" and after.upper == "WHERE")
    )


def references(query: str) -> References:
    """What ``query`` names (see the module docstring)."""
    tokens = tokenize(query)
    refs = References()
    # the open brackets: (kind, index of the node / relationship pattern, else -1); kinds:
    # node, rel, node-map / rel-map (a pattern's property map), map (any other), group
    stack: list[tuple[str, int]] = []
    rel_types: list[list[str]] = []  # the types of each relationship pattern
    rel_vars: list[str | None] = []  # and its variable
    pending: tuple[int, int, str] | None = None  # (left node, rel index, opening arrow) awaiting the right node
    last_node: int | None = None
    last_closed_node = -1  # token index where the last node pattern closed
    for i, tok in enumerate(tokens):
        prev = tokens[i - 1] if i else None
        top = stack[-1][0] if stack else ""
        if tok.kind == "punct" and tok.text == "(":
            call = prev is not None and _name(prev) is not None and prev.upper not in _NOT_CALLS and prev.kind == "word"
            if not call and _is_node_open(tokens, i):
                refs.nodes.append(Node(_name(tokens[i + 1])))
                stack.append(("node", len(refs.nodes) - 1))
            else:
                stack.append(("group", -1))
        elif tok.kind == "punct" and tok.text == "[":
            # a relationship pattern follows `-` or `<-`
            if prev is not None and prev.kind == "punct" and prev.text in ("-", "<-"):
                rel_types.append([])
                nxt = tokens[i + 1] if i + 1 < len(tokens) else None
                rel_vars.append(_name(nxt) if nxt is not None else None)
                stack.append(("rel", len(rel_types) - 1))
                if last_node is not None and last_closed_node == i - 2:
                    pending = (last_node, len(rel_types) - 1, prev.text)
                else:
                    pending = None
            else:
                stack.append(("group", -1))
        elif tok.kind == "punct" and tok.text == "{":
            stack.append((f"{top}-map", stack[-1][1]) if top in ("node", "rel") else ("map", -1))
        elif tok.kind == "punct" and tok.text in (")", "]", "}"):
            kind, index = stack.pop() if stack else ("", -1)
            if kind == "node":
                node = index
                if pending is not None:  # the right node of a relationship step
                    left, rel, direction = pending
                    refs.relationships.append(Relationship(left, rel_types[rel], node, direction))
                    pending = None
                last_node, last_closed_node = node, i
            elif kind == "rel" and pending is not None:
                nxt = tokens[i + 1] if i + 1 < len(tokens) else None
                if nxt is not None and nxt.kind == "punct" and nxt.text in ("-", "->"):
                    left, rel, opening = pending
                    direction = "<-" if opening == "<-" else ("->" if nxt.text == "->" else "-")
                    pending = (left, rel, direction)
                else:
                    pending = None
        elif tok.kind == "punct" and tok.text == ":" and not top.endswith("map"):
            names, _ = _label_expression(tokens, i + 1)
            if not names:
                continue
            var = _name(prev) if prev is not None and prev.kind in ("word", "name") else None
            if top == "rel":
                refs.types.extend(n for n in names if n not in refs.types)
                rel_types[stack[-1][1]].extend(names)
            else:
                refs.labels.extend(n for n in names if n not in refs.labels)
                if top == "node":
                    refs.nodes[stack[-1][1]].labels.extend(names)
            if var is not None:
                refs.bindings.setdefault(var, []).extend(n for n in names if n not in refs.bindings.get(var, []))
        elif tok.kind == "punct" and tok.text == ":" and top in ("node-map", "rel-map"):
            key = _name(prev) if prev is not None else None
            before = tokens[i - 2] if i >= 2 else None
            if key is not None and before is not None and before.text in ("{", ","):
                index = stack[-1][1]
                if top == "node-map":
                    var, owner = refs.nodes[index].variable, refs.nodes[index].labels
                else:
                    var, owner = rel_vars[index], rel_types[index]
                if var is not None:
                    refs.properties.append((var, key))
                else:
                    refs.owner_keys.append((list(owner), key))
        elif tok.kind == "punct" and tok.text == "." and prev is not None and prev.kind in ("word", "name"):
            before = tokens[i - 2] if i >= 2 else None
            if before is not None and before.kind == "punct" and before.text == ".":
                continue  # the second name of a chain: `m.born.year` reads `born`, not `year`
            nxt = tokens[i + 1] if i + 1 < len(tokens) else None
            if nxt is not None and _name(nxt) is not None and not _calls_function(tokens, i):
                refs.properties.append((_name(prev), _name(nxt) or ""))
    return refs


def _calls_function(tokens: tuple[Token, ...], i: int) -> bool:
    """Is the ``.`` at ``i`` inside a namespaced function name (``apoc.coll.sum(``)?"""
    j = i + 1
    while j + 2 < len(tokens) and tokens[j + 1].text == "." and _name(tokens[j + 2]) is not None:
        j += 2
    return j + 1 < len(tokens) and tokens[j + 1].kind == "punct" and tokens[j + 1].text == "("
