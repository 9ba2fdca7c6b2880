"""nGQL (NebulaGraph 3.x). Validation and read-only checks use momq's own nGQL parser
(``momq.ngql``), the same one the embedded engine executes with."""

from __future__ import annotations

import re
from typing import Any

from momq.dialects.base import Explain, Keyword, Validation
from momq.dialects.graph import GraphDialect, hops, some_property

KEYWORDS = frozenset(
    """
GO FROM OVER STEPS TO REVERSELY BIDIRECT WHERE YIELD DISTINCT AS SAMPLE LIMIT FETCH PROP ON
LOOKUP MATCH OPTIONAL WITH UNWIND RETURN ORDER BY ASC DESC SKIP FIND SHORTEST ALL NOLOOP PATH
GET SUBGRAPH BOTH IN OUT UPTO GROUP UNION INTERSECT MINUS AND OR XOR NOT IS NULL EMPTY TRUE FALSE
CASE WHEN THEN ELSE END CONTAINS STARTS ENDS SHOW DESCRIBE DESC USE INSERT UPDATE UPSERT DELETE
DROP CREATE ALTER VERTEX VERTICES EDGE EDGES TAG TAGS INDEX SET WHEN VALUES
""".split()
)


class NGQL(GraphDialect):
    name = "ngql"
    label = "nGQL"
    fence_tags = ("ngql", "nebula", "nebulagraph", "gql")
    prefixes = ("nGQL", "NGQL", "GQL")
    start_keywords = (
        "GO",
        "MATCH",
        "OPTIONAL",
        "FETCH",
        "LOOKUP",
        "FIND",
        "GET",
        "YIELD",
        "UNWIND",
        "WITH",
        "RETURN",
        "SHOW",
        "DESCRIBE",
        "DESC",
        "USE",
        "$",
        "INSERT",
        "UPDATE",
        "UPSERT",
        "DELETE",
        "DROP",
        "CREATE",
        "ALTER",
        "(",
    )
    line_comments = ("#", "//", "--")
    comment_markers = ("#", "//", "--", "/*")
    hints = {
        "en": (
            "Use NebulaGraph nGQL 3.x (GO/MATCH/FETCH/LOOKUP). A vertex property is always written "
            "with its tag: v.tag.prop in MATCH, $$.tag.prop (destination) or $^.tag.prop (source) in GO, "
            "properties(vertex).prop in FETCH; an edge property is e.prop or properties(edge).prop. "
            "Vertex ids are strings in double quotes."
        ),
        "zh": (
            "使用 NebulaGraph nGQL 3.x（GO/MATCH/FETCH/LOOKUP）。点属性总要带标签：MATCH 中写 v.tag.prop，"
            "GO 中写 $$.tag.prop（终点）或 $^.tag.prop（起点），FETCH 中写 properties(vertex).prop；"
            "边属性写 e.prop 或 properties(edge).prop。点 ID 是双引号字符串。"
        ),
    }
    introspection = "momq.schema.introspect_ngql"
    example_placeholders = ("<vertex id>", "<value>", "<number>")
    vertex_ids = True
    keywords = KEYWORDS
    write_keywords = frozenset(
        {
            "INSERT",
            "UPDATE",
            "UPSERT",
            "DELETE",
            "DROP",
            "CREATE",
            "ALTER",
            "CLEAR",
            "REBUILD",
            "SUBMIT",
            "KILL",
            "DOWNLOAD",
            "INGEST",
            "GRANT",
            "REVOKE",
            "CHANGE",
            "MERGE",
            "SET",
            "REMOVE",
            "DETACH",
        }
    )
    skeleton = (
        Keyword("GO", "crud", 'GO FROM "player100" OVER follow YIELD dst(edge) AS friend'),
        Keyword("MATCH", "crud", "MATCH (v:player)-[:serve]->(t:team) WHERE v.player.age > 35 RETURN t.team.name"),
        Keyword("FETCH", "crud", 'FETCH PROP ON player "player100" YIELD properties(vertex)'),
        Keyword("LOOKUP", "crud", 'LOOKUP ON player WHERE player.name == "Tim Duncan" YIELD id(vertex)'),
        Keyword("FIND PATH", "crud", 'FIND SHORTEST PATH FROM "player100" TO "team204" OVER * YIELD path AS p'),
        Keyword(
            "GET SUBGRAPH",
            "crud",
            'GET SUBGRAPH 1 STEPS FROM "player100" YIELD VERTICES AS nodes, EDGES AS relationships',
        ),
        Keyword(
            "INSERT", "crud", 'INSERT VERTEX player(name, age) VALUES "p1":("Ann", 30)', "write: refused by the sandbox"
        ),
        Keyword("UPDATE", "crud", 'UPDATE VERTEX ON player "p1" SET age = 31', "write: refused by the sandbox"),
        Keyword("DELETE", "crud", 'DELETE VERTEX "p1"', "write: refused by the sandbox"),
        Keyword(
            "WHERE", "clause", 'GO FROM "player100" OVER follow WHERE properties(edge).degree > 90 YIELD dst(edge)'
        ),
        Keyword("YIELD", "clause", 'GO FROM "player100" OVER serve YIELD properties($$).name AS team'),
        Keyword("STEPS", "clause", 'GO 2 STEPS FROM "player100" OVER follow YIELD dst(edge)'),
        Keyword("REVERSELY", "clause", 'GO FROM "player100" OVER follow REVERSELY YIELD src(edge)'),
        Keyword(
            "PIPE |",
            "clause",
            'GO FROM "player100" OVER follow YIELD dst(edge) AS id | GO FROM $-.id OVER serve YIELD dst(edge)',
        ),
        Keyword(
            "GROUP BY",
            "clause",
            'GO FROM "player100" OVER follow YIELD dst(edge) AS id | GROUP BY $-.id YIELD $-.id, count(*)',
        ),
        Keyword("ORDER BY", "clause", "LOOKUP ON player YIELD player.age AS age | ORDER BY $-.age DESC"),
        Keyword("LIMIT", "clause", "LOOKUP ON player YIELD player.name AS name | LIMIT 3"),
        Keyword("RETURN", "clause", "MATCH (v:player) RETURN v.player.name ORDER BY v.player.age DESC LIMIT 3"),
        Keyword(
            "OPTIONAL MATCH",
            "clause",
            "MATCH (v:player) WHERE v.player.age > 40 OPTIONAL MATCH (v)-[:follow]->(f:player) RETURN v.player.name, "
            "count(f)",
        ),
        Keyword(
            "WITH",
            "clause",
            "MATCH (v:player)-[:follow]->(f:player) WITH v, count(f) AS n WHERE n > 2 RETURN v.player.name, n",
        ),
        Keyword("UNWIND", "clause", "UNWIND [1, 2, 3] AS n RETURN n"),
        Keyword("SKIP", "clause", "MATCH (v:player) RETURN v.player.name AS name ORDER BY name SKIP 1 LIMIT 3"),
        Keyword("SAMPLE", "clause", 'GO 2 STEPS FROM "player100" OVER * YIELD dst(edge) AS id SAMPLE [1, 2]'),
        Keyword("DISTINCT", "clause", 'GO 2 STEPS FROM "player100" OVER follow YIELD DISTINCT dst(edge)'),
        Keyword("count", "function", "MATCH (v:player) RETURN count(v)"),
    )

    def node_property(self, var: str, label: str, prop: str) -> str:
        """nGQL names the tag: ``v.tag.prop``."""
        return f"{var}.{self.quote(label)}.{self.quote(prop)}"

    def schema_examples(self, schema: Any) -> list[str]:
        """Short, commented nGQL patterns spelled with the space's own tags, edge types and
        properties: GO in both directions (which vertex ``$$`` is after REVERSELY), an edge
        property filtered and returned (``properties(edge).p``), sorting and limits as
        pipe stages (``| ORDER BY $-.col | LIMIT n``), several steps, counting, MATCH with
        the tag-qualified ``v.tag.prop`` and an alias to sort on, FETCH, GROUP BY as a pipe
        stage, FIND PATH and GET SUBGRAPH (with a direction and an edge type), each statement
        under its own comment. The semantics and the forms are NebulaGraph 3.x's
        (docs: GO, pipe, ORDER BY, GROUP BY, MATCH, FETCH, FIND PATH, GET SUBGRAPH)."""
        found = hops(schema)
        if not found:
            return []
        lines = []
        for edge, src, dst in found:
            dst_prop, src_prop = some_property(schema, dst), some_property(schema, src)
            lines += [
                f"# {dst} vertices that a {src} points to over {edge.name}",
                f'GO FROM "<vertex id>" OVER {edge.name} YIELD $$.{dst}.{dst_prop} AS {dst_prop}',
                f"# {src} vertices that point to the vertex over {edge.name} (REVERSELY: $$ is the source)",
                f'GO FROM "<vertex id>" OVER {edge.name} REVERSELY YIELD $$.{src}.{src_prop} AS {src_prop}',
            ]
        weighted = next(((e, s, d) for e, s, d in found if e.properties), None)
        if weighted is not None:
            edge, src, dst = weighted
            prop, dst_prop = edge.properties[0].name, some_property(schema, dst)
            lines += [
                "# an edge property: filter on it and return it",
                f'GO FROM "<vertex id>" OVER {edge.name} WHERE properties(edge).{prop} > <number> '
                f"YIELD $$.{dst}.{dst_prop} AS {dst_prop}, properties(edge).{prop} AS {prop}",
                "# sorting and limits are pipe stages over the yielded columns ($-.column)",
                f'GO FROM "<vertex id>" OVER {edge.name} YIELD $$.{dst}.{dst_prop} AS {dst_prop}, '
                f"properties(edge).{prop} AS {prop} | ORDER BY $-.{prop} DESC, $-.{dst_prop} | LIMIT 3",
                "# grouping is a pipe stage too (the edge itself is always `edge`, whatever its type)",
                f'GO FROM "<vertex id>" OVER {edge.name} YIELD properties(edge).{prop} AS {prop} '
                f"| GROUP BY $-.{prop} YIELD $-.{prop} AS {prop}, count(*) AS n",
            ]
        edge, src, dst = next(((e, s, d) for e, s, d in found if s == d), found[0])
        dst_prop = some_property(schema, dst)
        lines += [
            f"# vertices exactly 2 {edge.name} steps away; and counting",
            f'GO 2 STEPS FROM "<vertex id>" OVER {edge.name} YIELD DISTINCT $$.{dst}.{dst_prop} AS {dst_prop}',
            f'GO FROM "<vertex id>" OVER {edge.name} YIELD dst(edge) AS id | YIELD count(*) AS n',
        ]
        edge, src, dst = found[-1]
        dst_prop, src_prop = some_property(schema, dst), some_property(schema, src)
        lines += [
            "# MATCH: properties as v.tag.prop; ORDER BY names a returned column",
            f'MATCH (a:{src})-[e:{edge.name}]->(b:{dst}) WHERE b.{dst}.{dst_prop} == "<value>" '
            f"RETURN a.{src}.{src_prop} AS {src_prop} ORDER BY {src_prop}",
            "# the properties of a vertex given its id",
            f'FETCH PROP ON {dst} "<vertex id>" YIELD properties(vertex).{dst_prop} AS {dst_prop}',
            "# the shortest path between two vertices",
            'FIND SHORTEST PATH FROM "<vertex id>" TO "<vertex id>" OVER * YIELD path AS p',
            "# the subgraph 1 step around a vertex: OUT, IN or BOTH an edge type (every edge type without one)",
            f'GET SUBGRAPH 1 STEPS FROM "<vertex id>" OUT {edge.name} YIELD VERTICES AS nodes, EDGES AS relationships',
        ]
        return lines

    def select_statements(self, statements: list[str]) -> list[str]:
        """nGQL answers may be a sequence ``$a = GO ...; GO FROM $a.id ...``: keep the
        statements up to the first one that assigns no variable used later."""
        kept = [statements[0]]
        for statement in statements[1:]:
            assigned = set(re.findall(r"\$([A-Za-z_]\w*)\s*=", " ".join(kept)))
            used = set(re.findall(r"\$([A-Za-z_]\w*)\s*\.", statement))
            if assigned & used:
                kept.append(statement)
            else:
                break
        return kept

    def validate(self, query: str, explain: Explain | None = None) -> Validation:
        """Parse with momq's nGQL parser (``momq.ngql.parse``); no execution."""
        if not query.strip():
            return Validation(False, "empty query", 0, "ngql-parser")
        from momq.ngql import NgqlError, parse

        try:
            parse(query)
        except NgqlError as exc:
            return Validation(False, getattr(exc, "message", str(exc)), getattr(exc, "position", None), "ngql-parser")
        return Validation(True, method="ngql-parser")

    def start_vertices(self, query: str) -> list[str]:
        """The vertex ids ``query`` writes as string literals where a traversal starts or
        ends: after ``FROM`` and ``TO`` (GO, FIND PATH, GET SUBGRAPH), after ``ON tag`` /
        ``ON *`` (FETCH PROP), and compared with ``id(v)`` (MATCH), lists included.
        NebulaGraph returns no rows, and no error, for an id that is not in the space."""
        tokens = self.tokens(query)
        found: list[str] = []

        def take(j: int) -> None:  # string literals from token j on, through commas and brackets
            while j < len(tokens) and (tokens[j].kind == "string" or tokens[j].text in (",", "[")):
                if tokens[j].kind == "string":
                    value = tokens[j].text[1:-1]
                    if value not in found:
                        found.append(value)
                j += 1

        for i, tok in enumerate(tokens):
            word = tok.text.upper() if tok.kind == "ident" else ""
            if word in ("FROM", "TO"):
                take(i + 1)
            elif word == "ON" and i + 1 < len(tokens):
                take(i + 2)
            elif word == "ID" and i + 3 < len(tokens) and tokens[i + 1].text == "(":
                close = next((j for j in range(i + 2, min(i + 5, len(tokens))) if tokens[j].text == ")"), None)
                if close is not None and close + 1 < len(tokens) and tokens[close + 1].text in ("==", "IN", "in"):
                    take(close + 2)
        return found

    def is_read_only(self, query: str) -> bool:
        """Every statement of the parsed query is on the read allow-list (GO, FETCH,
        LOOKUP, MATCH, FIND PATH, GET SUBGRAPH, YIELD, SHOW, DESCRIBE, pipes and set
        operations of those). Unparseable text is not read-only."""
        return self.refusal(query) is None

    def refusal(self, query: str) -> str | None:
        """The statement that is not on the read allow-list, named by its first words."""
        from momq.ngql import NgqlError, parse

        try:
            stmt = parse(query)
        except NgqlError as exc:
            return f"it does not parse ({exc})"
        return read_only_refusal(stmt, query)


def read_only_refusal(stmt: Any, query: str) -> str | None:
    """For the parsed ``stmt`` of ``query``: its first statement that is not on the read
    allow-list, named by its first words, or None when every statement only reads."""
    from momq.ngql.ast import first_refused

    refused = first_refused(stmt)
    if refused is None:
        return None
    words = " ".join(query[refused.pos :].split()[:2])
    return (
        f"`{words} ...` is not a read statement (GO, FETCH, LOOKUP, MATCH, FIND PATH, GET SUBGRAPH, "
        "YIELD, SHOW, DESCRIBE and their pipes run)"
    )
