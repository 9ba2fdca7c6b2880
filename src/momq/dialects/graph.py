"""What the two graph dialects share: token-level normalisation and read-only checks."""

from __future__ import annotations

from typing import Any, ClassVar

from momq.dialects.base import Dialect, is_text_type
from momq.dialects.graph_tokens import Token, normalize_tokens, tokenize


class GraphDialect(Dialect):
    family = "graph"
    #: reserved words (upper case), upper-cased by ``normalize``
    keywords: ClassVar[frozenset[str]] = frozenset()
    #: keywords that make a statement write (upper case)
    write_keywords: ClassVar[frozenset[str]] = frozenset()
    #: comment markers for the tokenizer
    comment_markers: ClassVar[tuple[str, ...]] = ("//", "/*")
    #: whether vertex ids are values queries start from (nGQL): alignment then collects
    #: them, and each property value with the id of its vertex
    vertex_ids: ClassVar[bool] = False

    def node_property(self, var: str, label: str, prop: str) -> str:
        """How a query reads property ``prop`` of node ``var`` labelled ``label``."""
        return f"{var}.{self.quote(prop)}"

    def value_queries(self, schema: Any, per_column: int) -> list[tuple[str, str]]:
        """One ``MATCH ... RETURN DISTINCT`` per string property of node and edge types,
        plus the vertex ids of each tag where queries start from them."""
        q = self.quote
        vid = ", id(v)" if self.vertex_ids else ""  # each value with the vertex it belongs to
        jobs: list[tuple[str, str]] = []
        for node in schema.nodes:
            if self.vertex_ids:
                jobs.append((f"vid:{node.name}", f"MATCH (v:{q(node.name)}) RETURN DISTINCT id(v) LIMIT {per_column}"))
            for prop in node.properties:
                if is_text_type(prop.type):
                    ref = self.node_property("v", node.name, prop.name)
                    jobs.append(
                        (
                            f"{node.name}.{prop.name}",
                            f"MATCH (v:{q(node.name)}) WHERE {ref} IS NOT NULL RETURN DISTINCT {ref}{vid} "
                            f"LIMIT {per_column}",
                        )
                    )
        for edge in schema.edges:
            for prop in edge.properties:
                if is_text_type(prop.type):
                    ref = f"e.{q(prop.name)}"
                    jobs.append(
                        (
                            f"{edge.name}.{prop.name}",
                            f"MATCH ()-[e:{q(edge.name)}]->() WHERE {ref} IS NOT NULL RETURN DISTINCT {ref} "
                            f"LIMIT {per_column}",
                        )
                    )
        return jobs

    def tokens(self, query: str) -> list[Token]:
        return tokenize(query, self.comment_markers)

    def normalize(self, query: str) -> str:
        """Token normal form: comments and whitespace dropped, keywords upper case,
        string quotes unified, bound variables and aliases renamed ``v1, v2 ...``."""
        return normalize_tokens(self.tokens(query), self.keywords)

    def write_tokens(self, query: str) -> list[Token]:
        """Keyword tokens that write: identifiers equal to a write keyword that are not
        property keys (after ``.``), labels or types (after ``:``) or map keys."""
        tokens = self.tokens(query)
        found = []
        for i, tok in enumerate(tokens):
            if tok.kind != "ident" or tok.text.upper() not in self.write_keywords:
                continue
            prev = tokens[i - 1].text if i else ""
            nxt = tokens[i + 1].text if i + 1 < len(tokens) else ""
            if prev in (".", ":") or nxt == ":":
                continue
            found.append(tok)
        return found


def hops(schema: Any, limit: int = 3) -> list[tuple[Any, str, str]]:
    """``(edge type, source, destination)`` of the first ``limit`` edge types whose
    endpoints are known (one pair each), for schema-grounded syntax examples."""
    found = []
    for edge in schema.edges:
        pair = next(
            ((s, d) for s, d in edge.endpoints if schema.node(s) is not None and schema.node(d) is not None), None
        )
        if pair is not None:
            found.append((edge, *pair))
        if len(found) >= limit:
            break
    return found


def some_property(schema: Any, node: str) -> str:
    """A property of a node type (a naming one, else a text one, if any) for examples; ``<property>`` if none."""
    found = schema.node(node)
    if found is None or not found.properties:
        return "<property>"
    texts = [c.name for c in found.properties if "str" in c.type.lower()]
    # a naming property reads best in examples: name, title, productName, ...
    names = [t for t in texts if t.lower() in ("name", "title") or t.lower().endswith(("name", "title"))]
    return (names or texts or [found.properties[0].name])[0]
