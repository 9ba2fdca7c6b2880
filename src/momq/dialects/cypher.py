"""Cypher (Neo4j; momq embeds ArcadeDB, which speaks Bolt), and its read-only check.

The read-only check (:func:`write_reason`, :func:`check_read_only`) is the one both the
dialect (``Cypher.is_read_only``) and the engine (``momq.engines.cypher``, before a
query is sent) use; it works on the tokens of ``momq.dialects.cypher_lexer``, which
splits comments, strings and lines as the engines do. Updating clauses (CREATE, MERGE,
SET, DELETE, DETACH DELETE, REMOVE, FOREACH, INSERT, LOAD CSV, DROP, admin commands,
``USE``) are refused wherever they are (lower case, after comments, inside ``CALL {}``
subqueries or FOREACH, after WITH), and so is ``CALL`` of any procedure outside the
read-only allow-list :data:`READ_PROCEDURES`, and functions that run Cypher given as
text.

:func:`outermost_ordered` tells whether a query fixes the order of its result (an ORDER
BY at its outermost RETURN), which the result comparison honours.
"""

from __future__ import annotations

import re

from momq.dialects.base import Explain, Keyword, Validation
from momq.dialects.cypher_lexer import Token, tokenize
from momq.dialects.cypher_names import References, references
from momq.dialects.graph import GraphDialect
from momq.errors import QueryError, ReadOnlyViolation

KEYWORDS = frozenset(
    """
MATCH OPTIONAL WHERE RETURN WITH UNWIND AS ORDER BY ASC ASCENDING DESC DESCENDING SKIP LIMIT
DISTINCT AND OR XOR NOT IN STARTS ENDS CONTAINS IS NULL TRUE FALSE CASE WHEN THEN ELSE END
UNION ALL CALL YIELD EXISTS COUNT CREATE MERGE SET DELETE DETACH REMOVE FOREACH ON LOAD CSV
FROM HEADERS USING INDEX SCAN JOIN EXPLAIN PROFILE ANY NONE SINGLE
""".split()
)


#: clauses that change data or schema wherever they appear
WRITE_KEYWORDS = frozenset(
    {
        "CREATE",
        "MERGE",
        "SET",
        "DELETE",
        "DETACH",
        "NODETACH",
        "REMOVE",
        "FOREACH",
        "INSERT",
        "DROP",
        "LOAD",
        "ALTER",
        "GRANT",
        "REVOKE",
        "DENY",
        "RENAME",
        "TERMINATE",
        "USE",
    }
)
#: admin commands, refused when they start a statement
ADMIN_FIRST = frozenset({"START", "STOP", "ENABLE", "DEALLOCATE", "REALLOCATE", "DRYRUN"})
#: procedures that only read (prefixes end with a dot)
READ_PROCEDURES = (
    "db.labels",
    "db.relationshiptypes",
    "db.propertykeys",
    "db.schema.",
    "db.indexes",
    "db.constraints",
    "db.info",
    "dbms.components",
    "dbms.procedures",
    "dbms.functions",
    "apoc.meta.",
)
#: functions that run Cypher given as a string: the text escapes the token check
DYNAMIC_CYPHER_FUNCTIONS = ("apoc.cypher.", "apoc.do.", "apoc.periodic.")


def _dotted_name(tokens: tuple[Token, ...], i: int) -> tuple[str, int]:
    """The dotted name starting at token ``i`` and the index after it."""
    parts = []
    while i < len(tokens) and tokens[i].kind in ("word", "name"):
        parts.append(tokens[i].text.strip("`"))
        if i + 2 < len(tokens) and tokens[i + 1].text == "." and tokens[i + 2].kind in ("word", "name"):
            i += 2
        else:
            i += 1
            break
    return ".".join(parts), i


# Any query the token check could refuse holds one of these words (or a semicolon) in
# its raw text; most queries hold none and skip the tokenizer entirely.
_MAYBE_WRITE = re.compile(
    r"\b(?:"
    + "|".join(sorted(WRITE_KEYWORDS | ADMIN_FIRST | {"CALL", "PERIODIC", "TRANSACTIONS", "TRANSACTION", "APOC"}))
    + r")\b|;",
    re.IGNORECASE,
)


def write_reason(query: str) -> str | None:
    """Why ``query`` may write (a short phrase), or None when it only reads."""
    if not _MAYBE_WRITE.search(query):
        return None
    tokens = tokenize(query)
    n = len(tokens)
    statement_start = True
    for i, tok in enumerate(tokens):
        if tok.kind == "punct":
            if tok.text == ";":
                if any(t.kind != "punct" or t.text != ";" for t in tokens[i + 1 :]):
                    return "several statements"
                statement_start = True
            continue
        if tok.kind != "word":
            statement_start = False
            continue
        prev = tokens[i - 1].text if i else ""
        nxt = tokens[i + 1].text if i + 1 < n else ""
        # a property (n.set), a label or type (:Set), a map key ({set: 1}) or an alias
        # (AS set) is a name, not a clause
        is_name = prev in (".", ":", "$") or nxt == ":" or (i and tokens[i - 1].upper == "AS")
        word = tok.upper
        if not is_name:
            if word in WRITE_KEYWORDS:
                return f"{word} clause"
            if statement_start and word in ADMIN_FIRST:
                return f"{word} command"
            if word == "CALL" and nxt != "{" and nxt != "(":
                name, _ = _dotted_name(tokens, i + 1)
                lname = name.lower()
                if not any(lname == p or (p.endswith(".") and lname.startswith(p)) for p in READ_PROCEDURES):
                    return f"procedure {name or '?'} (not known to be read-only)"
            if word in ("IN", "OF") and nxt.upper() in ("TRANSACTIONS", "TRANSACTION"):
                return "CALL ... IN TRANSACTIONS"
            if word in ("PERIODIC",):
                return "PERIODIC COMMIT"
            if nxt == "." and not prev == ".":
                name, _ = _dotted_name(tokens, i)
                if name.lower().startswith(DYNAMIC_CYPHER_FUNCTIONS):
                    return f"{name} (runs dynamic Cypher)"
        statement_start = False
    return None


# ORDER BY at the outermost RETURN ------------------------------------------------------
_MAYBE_ORDER = re.compile(r"\bORDER\b", re.IGNORECASE)

_OPAQUE = re.compile(
    r"""'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|`(?:[^`]|``)*`|//[^\r\n\u0085\u2028\u2029]*|/\*.*?\*/""", re.DOTALL
)
_GROUP = re.compile(r"\([^()\[\]{}]*\)|\[[^()\[\]{}]*\]|\{[^()\[\]{}]*\}")
_LAST_RETURN = re.compile(r"(?is).*\bRETURN\b(.*)")
_ORDER_BY = re.compile(r"\bORDER\s+BY\b", re.IGNORECASE)
_UNION = re.compile(r"\bUNION\b", re.IGNORECASE)


def outermost_ordered(query: str) -> bool:
    """True when the last top-level RETURN of ``query`` has an ORDER BY (and the query is
    no UNION, whose last ORDER BY sorts one branch only).

    Runs on every result, so the common case avoids the tokenizer: strings, comments
    and backticked names are blanked out and bracketed groups removed with regular
    expressions, then the text after the last RETURN is searched for ORDER BY. Queries
    with a UNION or unbalanced quotes take the token path (:func:`_ordered_by_tokens`)."""
    if not _MAYBE_ORDER.search(query):
        return False
    text = _OPAQUE.sub(" _ ", query)
    if "'" in text or '"' in text or "`" in text or "/*" in text or _UNION.search(text):
        return _ordered_by_tokens(query)
    previous = None
    while previous != text:
        previous, text = text, _GROUP.sub(" _ ", text)
    match = _LAST_RETURN.match(text)
    return bool(match and _ORDER_BY.search(match.group(1)))


def _ordered_by_tokens(query: str) -> bool:
    """:func:`outermost_ordered` on the query's tokens (the reference implementation)."""
    tokens = tokenize(query)
    depth = 0
    last_return = -1
    ordered = False
    for i, tok in enumerate(tokens):
        if tok.kind == "punct":
            if tok.text in "([{":
                depth += 1
            elif tok.text in ")]}":
                depth -= 1
            continue
        if depth != 0 or tok.kind != "word":
            continue
        prev = tokens[i - 1].text if i else ""
        if prev in (".", ":", "$"):
            continue
        if tok.upper == "UNION":
            return False
        if tok.upper == "RETURN":
            last_return, ordered = i, False
        elif tok.upper in ("WITH", "MATCH", "UNWIND", "CALL"):
            if last_return >= 0:
                ordered = False
        elif tok.upper == "ORDER" and last_return >= 0 and i + 1 < len(tokens) and tokens[i + 1].upper == "BY":
            ordered = True
    return last_return >= 0 and ordered


def check_read_only(query: str, *, engine: str = "cypher") -> None:
    """Raise ``ReadOnlyViolation`` when ``query`` may write (see :func:`write_reason`)."""
    reason = write_reason(query)
    if reason:
        raise ReadOnlyViolation(
            f"refused: the query may write ({reason}); momq runs Cypher read-only", engine=engine, query=query
        )


class Cypher(GraphDialect):
    name = "cypher"
    label = "Cypher"
    fence_tags = ("cypher", "neo4j", "cql")
    prefixes = ("Cypher", "Cypher query")
    start_keywords = (
        "MATCH",
        "OPTIONAL",
        "WITH",
        "UNWIND",
        "CALL",
        "RETURN",
        "CREATE",
        "MERGE",
        "EXPLAIN",
        "PROFILE",
        "LOAD",
        "FOREACH",
        "DETACH",
        "DELETE",
    )
    line_comments = ("//",)
    comment_markers = ("//", "/*")
    hints = {
        "en": "Use Cypher (MATCH patterns, WHERE, RETURN; properties as n.prop).",
        "zh": "使用 Cypher（MATCH 模式、WHERE、RETURN；属性写作 n.prop）。",
    }
    introspection = "momq.schema.introspect_cypher"
    keywords = KEYWORDS
    write_keywords = WRITE_KEYWORDS
    skeleton = (
        Keyword("MATCH", "crud", "MATCH (p:Person) RETURN p.name"),
        Keyword("CREATE", "crud", "CREATE (p:Person {name: 'Ann'})", "write: refused by the sandbox"),
        Keyword("MERGE", "crud", "MERGE (p:Person {name: 'Ann'})", "write: refused by the sandbox"),
        Keyword("SET", "crud", "MATCH (p:Person {name: 'Ann'}) SET p.age = 30", "write: refused by the sandbox"),
        Keyword("DELETE", "crud", "MATCH (p:Person {name: 'Ann'}) DETACH DELETE p", "write: refused by the sandbox"),
        Keyword(
            "OPTIONAL MATCH", "clause", "MATCH (p:Person) OPTIONAL MATCH (p)-[:ACTED_IN]->(m) RETURN p.name, m.title"
        ),
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
        Keyword(
            "shortestPath",
            "function",
            "MATCH p = shortestPath((a:Person {name: 'Ann'})-[*]-(b:Person {name: 'Bob'})) RETURN length(p)",
        ),
    )

    def validate(self, query: str, explain: Explain | None = None) -> Validation:
        """With ``explain`` (an engine's EXPLAIN, such as ``CypherEngine.explain``): the
        server compiles the query, nothing runs (``method="engine-explain"``). Without
        it: a structural check only (tokens, balanced brackets, a known first clause),
        reported as ``method="structural"``."""
        if not query.strip():
            return Validation(False, "empty query", 0, "structural")
        if explain is not None:
            try:
                explain(query)
            except QueryError as exc:
                return Validation(False, exc.message, exc.position, "engine-explain")
            return Validation(True, method="engine-explain")
        return _structural_check(self, query)

    def is_read_only(self, query: str) -> bool:
        """No updating clause, admin command, procedure outside :data:`READ_PROCEDURES`
        or dynamic Cypher (:func:`write_reason`, the check the engine applies too). The
        engine adds its own layers (READ access mode, EXPLAIN's query type, the reader
        account)."""
        return write_reason(query) is None

    def refusal(self, query: str) -> str | None:
        reason = write_reason(query)
        return f"it may write ({reason})" if reason else None

    def references(self, query: str) -> References:
        """The labels, relationship types and property keys ``query`` names
        (:func:`momq.dialects.cypher_names.references`): what Neo4j checks for its
        unknown-name notifications."""
        return references(query)


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
