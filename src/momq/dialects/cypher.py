"""Cypher (Neo4j; momq embeds ArcadeDB, which speaks Bolt)."""

from __future__ import annotations

import re
from typing import Any

from momq.dialects.base import Keyword, Validation
from momq.dialects.graph import GraphDialect

KEYWORDS = frozenset("""
MATCH OPTIONAL WHERE RETURN WITH UNWIND AS ORDER BY ASC ASCENDING DESC DESCENDING SKIP LIMIT
DISTINCT AND OR XOR NOT IN STARTS ENDS CONTAINS IS NULL TRUE FALSE CASE WHEN THEN ELSE END
UNION ALL CALL YIELD EXISTS COUNT CREATE MERGE SET DELETE DETACH REMOVE FOREACH ON LOAD CSV
FROM HEADERS USING INDEX SCAN JOIN EXPLAIN PROFILE ANY NONE SINGLE
""".split())

# procedure-name fragments that mark a CALL as writing
_WRITE_PROCEDURE = re.compile(r"(create|merge|delete|remove|set|refactor|periodic|load|import|drop|"
                              r"write|rename|clone|trigger)", re.I)


class Cypher(GraphDialect):
    name = "cypher"
    label = "Cypher"
    fence_tags = ("cypher", "neo4j", "cql")
    prefixes = ("Cypher", "Cypher query")
    start_keywords = ("MATCH", "OPTIONAL", "WITH", "UNWIND", "CALL", "RETURN", "CREATE", "MERGE",
                      "EXPLAIN", "PROFILE", "LOAD", "FOREACH", "DETACH", "DELETE")
    line_comments = ("//",)
    comment_markers = ("//", "/*")
    keywords = KEYWORDS
    write_keywords = frozenset({"CREATE", "MERGE", "SET", "DELETE", "DETACH", "REMOVE", "DROP",
                                "LOAD", "FOREACH"})
    skeleton = (
        Keyword("MATCH", "crud", "MATCH (p:Person) RETURN p.name"),
        Keyword("CREATE", "crud", "CREATE (p:Person {name: 'Ann'})", "write: refused by the sandbox"),
        Keyword("MERGE", "crud", "MERGE (p:Person {name: 'Ann'})", "write: refused by the sandbox"),
        Keyword("SET", "crud", "MATCH (p:Person {name: 'Ann'}) SET p.age = 30", "write: refused by the sandbox"),
        Keyword("DELETE", "crud", "MATCH (p:Person {name: 'Ann'}) DETACH DELETE p", "write: refused by the sandbox"),
        Keyword("OPTIONAL MATCH", "clause", "MATCH (p:Person) OPTIONAL MATCH (p)-[:ACTED_IN]->(m) RETURN p.name, m.title"),
        Keyword("WHERE", "clause", "MATCH (m:Movie) WHERE m.released > 2000 RETURN m.title"),
        Keyword("RETURN", "clause", "MATCH (m:Movie) RETURN m.title AS title"),
        Keyword("WITH", "clause", "MATCH (p:Person)-[:ACTED_IN]->(m) WITH p, count(m) AS n WHERE n > 3 RETURN p.name"),
        Keyword("ORDER BY", "clause", "MATCH (m:Movie) RETURN m.title ORDER BY m.released DESC"),
        Keyword("LIMIT", "clause", "MATCH (m:Movie) RETURN m.title ORDER BY m.released DESC LIMIT 5"),
        Keyword("SKIP", "clause", "MATCH (m:Movie) RETURN m.title ORDER BY m.title SKIP 10 LIMIT 5"),
        Keyword("UNWIND", "clause", "UNWIND [1, 2, 3] AS x RETURN x * 2"),
        Keyword("DISTINCT", "clause", "MATCH (p:Person)-[:ACTED_IN]->() RETURN DISTINCT p.name"),
        Keyword("count", "function", "MATCH (m:Movie) RETURN count(m)"),
        Keyword("collect", "function", "MATCH (p:Person)-[:ACTED_IN]->(m) RETURN p.name, collect(m.title)"),
        Keyword("shortestPath", "function",
                "MATCH p = shortestPath((a:Person {name: 'Ann'})-[*]-(b:Person {name: 'Bob'})) RETURN length(p)"),
    )

    def validate(self, query: str, engine: Any = None) -> Validation:
        """With an engine: the engine's EXPLAIN (``momq.engines.cypher.explain``). Without
        one: a structural check only (tokens, balanced brackets, a known first clause),
        reported as ``method="structural"``."""
        if not query.strip():
            return Validation(False, "empty query", 0, "structural")
        if engine is not None:
            from momq.engines.cypher import explain
            from momq.errors import QueryError

            try:
                explain(engine, query)
            except QueryError as exc:
                return Validation(False, exc.message, exc.position, "engine-explain")
            return Validation(True, method="engine-explain")
        return _structural_check(self, query)

    def is_read_only(self, query: str) -> bool:
        """No write clause (CREATE, MERGE, SET, DELETE, DETACH DELETE, REMOVE, FOREACH,
        LOAD CSV, DROP) outside strings, comments, property keys and labels, and no
        CALL of a procedure whose name says it writes. The engine enforces it again
        (READ access mode and EXPLAIN's query type)."""
        if self.write_tokens(query):
            return False
        tokens = self.tokens(query)
        for i, tok in enumerate(tokens):
            if tok.kind == "ident" and tok.text.upper() == "CALL":
                name = []
                for nxt in tokens[i + 1:]:
                    if nxt.kind in ("ident", "backtick") or nxt.text == ".":
                        name.append(nxt.text)
                    else:
                        break
                if name and _WRITE_PROCEDURE.search("".join(name)):
                    return False
        return True


_PAIRS = {")": "(", "]": "[", "}": "{"}


def _structural_check(dialect: GraphDialect, query: str) -> Validation:
    tokens = dialect.tokens(query)
    for tok in tokens:
        if tok.kind == "error":
            return Validation(False, f"unexpected character {tok.text!r}", tok.pos, "structural")
    stack: list[tuple[str, int]] = []
    for tok in tokens:
        if tok.text in "([{" and tok.kind == "op":
            stack.append((tok.text, tok.pos))
        elif tok.text in _PAIRS and tok.kind == "op":
            if not stack or stack[-1][0] != _PAIRS[tok.text]:
                return Validation(False, f"unbalanced {tok.text!r}", tok.pos, "structural")
            stack.pop()
    if stack:
        return Validation(False, f"unclosed {stack[-1][0]!r}", stack[-1][1], "structural")
    first = next((t for t in tokens), None)
    if first is None or first.text.upper() not in dialect.start_keywords:
        return Validation(False, f"a statement cannot start with {first.text if first else ''!r}", 0, "structural")
    return Validation(True, method="structural")
