"""Recursive-descent parser for nGQL (statements) with a precedence-climbing
expression parser. ``parse(text)`` returns one statement (a ``SequenceStmt`` when the
text holds several separated by ``;``) or raises ``NgqlSyntaxError`` with the offset of
the offending token and NebulaGraph's ``near `...'`` excerpt.
"""

from __future__ import annotations

from functools import lru_cache

from momq.ngql import ast as A
from momq.ngql.errors import NgqlSyntaxError
from momq.ngql.lexer import INT64_MAX, Token, syntax_error, tokenize

TYPE_CASTS = {"INT", "INT64", "INT32", "INT16", "INT8", "FLOAT", "DOUBLE", "STRING", "BOOL", "MAP", "SET", "LIST"}
PREDICATES = {"all", "any", "single", "none"}
MAX_DEPTH = 512

# words that end an expression / a clause (never a bare label where a clause may follow)
CLAUSE_WORDS = {
    "WHERE",
    "YIELD",
    "RETURN",
    "WITH",
    "MATCH",
    "OPTIONAL",
    "UNWIND",
    "ORDER",
    "SKIP",
    "LIMIT",
    "OVER",
    "FROM",
    "TO",
    "SAMPLE",
    "UNION",
    "INTERSECT",
    "MINUS",
    "AS",
    "REVERSELY",
    "BIDIRECT",
    "UPTO",
    "IN",
    "OUT",
    "BOTH",
    "THEN",
    "ELSE",
    "END",
    "WHEN",
    "AND",
    "OR",
    "XOR",
    "NOT",
    "IS",
    "CONTAINS",
    "STARTS",
    "ENDS",
    "ASC",
    "DESC",
    "ASCENDING",
    "DESCENDING",
    "BY",
    "SET",
    "STEPS",
    "STEP",
}


def _tree_depth(e: A.Expr) -> int:
    """Depth of an expression tree, computed without recursion."""
    best = 0
    stack = [(e, 1)]
    while stack:
        x, d = stack.pop()
        if d > best:
            best = d
        for c in x.children():
            if c is not None:
                stack.append((c, d + 1))
    return best


def parse(query: str) -> A.Stmt:
    """Parse ``query`` into a statement tree (raises ``NgqlSyntaxError``). The trees of
    the last texts parsed are kept (nothing changes a tree after parsing), so a query
    that the read-only check parsed is not parsed again when it runs."""
    if query[:40].lstrip()[:6].upper() == "INSERT":
        # bulk loads: plain-literal INSERTs skip the tokenizer (same statement, same semantics)
        from momq.ngql.fastinsert import try_parse_insert

        stmt = try_parse_insert(query)
        return stmt if stmt is not None else Parser(query).parse_all()  # loads are not kept
    return _parse_kept(query)


@lru_cache(maxsize=64)
def _parse_kept(query: str) -> A.Stmt:
    return Parser(query).parse_all()


class Parser:
    def __init__(self, query: str):
        self.query = query
        self.toks = tokenize(query)
        self.i = 0
        self.depth = 0

    # ------------------------------------------------------------ helpers
    @property
    def tok(self) -> Token:
        return self.toks[self.i]

    def peek(self, k: int = 1) -> Token:
        return self.toks[min(self.i + k, len(self.toks) - 1)]

    def advance(self) -> Token:
        t = self.toks[self.i]
        if t.kind != "EOF":
            self.i += 1
        return t

    def error(self, tok: Token | None = None, message: str = "syntax error") -> NgqlSyntaxError:
        tok = tok or self.tok
        if tok.kind == "EOF":
            # NebulaGraph points at the last token when the text ends too early
            prev = self.toks[self.i - 1] if self.i > 0 else tok
            return syntax_error(self.query, prev.pos, message)
        if (tok.kind == "OP" or tok.kind == "ID" and not tok.quoted) and len(tok.text) > 1:
            # GraphParser::error names a token longer than one character itself
            # (``near `WITH'``, ``near `--'``), else the eight characters from it
            return NgqlSyntaxError(f"{message} near `{tok.text[:80]}'", position=tok.pos, query=self.query)
        return syntax_error(self.query, tok.pos, message)

    def at_kw(self, *words: str) -> bool:
        return self.tok.upper in words

    def accept_kw(self, *words: str) -> Token | None:
        if self.tok.upper in words:
            return self.advance()
        return None

    def expect_kw(self, *words: str) -> Token:
        if self.tok.upper in words:
            return self.advance()
        raise self.error()

    def at_op(self, *ops: str) -> bool:
        return self.tok.kind == "OP" and self.tok.text in ops

    def accept_op(self, *ops: str) -> Token | None:
        if self.at_op(*ops):
            return self.advance()
        return None

    def expect_op(self, op: str) -> Token:
        if self.at_op(op):
            return self.advance()
        raise self.error()

    def name(self) -> str:
        t = self.tok
        if t.kind == "ID":
            self.advance()
            return t.text
        raise self.error()

    def int_lit(self) -> int:
        neg = bool(self.accept_op("-"))
        t = self.tok
        if t.kind != "INT":
            raise self.error()
        self.advance()
        return -t.value if neg else t.value

    # ------------------------------------------------------------ statements
    def parse_all(self) -> A.Stmt:
        stmts: list[A.Stmt] = []
        while True:
            while self.accept_op(";"):
                pass
            if self.tok.kind == "EOF":
                break
            stmts.append(self.sentence())
            if self.tok.kind != "EOF" and not self.at_op(";"):
                raise self.error()
        if not stmts:
            raise syntax_error(self.query, 0, "syntax error: empty statement")
        return stmts[0] if len(stmts) == 1 else A.SequenceStmt(stmts)

    def sentence(self) -> A.Stmt:
        t = self.tok
        if t.kind == "VAR" and self.peek().kind == "OP" and self.peek().text == "=":
            self.advance()
            self.advance()
            return A.AssignStmt(t.value, self.set_sentence(), pos=t.pos)
        return self.set_sentence()

    def set_sentence(self) -> A.Stmt:
        left = self.piped()
        while self.at_kw("UNION", "INTERSECT", "MINUS"):
            op = self.advance().upper
            if op == "UNION":
                if self.accept_kw("ALL"):
                    op = "UNION ALL"
                else:
                    self.accept_kw("DISTINCT")
            right = self.piped()
            left = A.SetOpStmt(op, left, right)
        return left

    def piped(self) -> A.Stmt:
        """``stage | stage | ...``. As in NebulaGraph 3.8's grammar, a MATCH query is a
        sentence of its own: it neither feeds a pipe nor follows one; after a pipe,
        ``RETURN cols`` is a YIELD and ``UNWIND e AS x`` the nGQL UNWIND sentence."""
        left = self.simple()
        while self.at_op("|"):
            if isinstance(left, A.MatchStmt):
                raise self.error()
            self.advance()
            left = A.PipeStmt(left, self.pipe_stage())
        return left

    def pipe_stage(self) -> A.Stmt:
        t = self.tok
        if self.at_kw("MATCH", "OPTIONAL", "WITH"):
            raise self.error()
        if self.accept_kw("RETURN"):
            distinct = bool(self.accept_kw("DISTINCT"))
            stmt: A.Stmt = A.YieldStmt(self.yield_columns(), distinct)
        elif self.accept_kw("UNWIND"):
            e = self.expr()
            self.expect_kw("AS")
            stmt = A.UnwindStmt(e, self.name())
        else:
            return self.simple()
        stmt.pos = t.pos
        return stmt

    def simple(self) -> A.Stmt:
        t = self.tok
        if self.accept_op("("):
            inner = self.set_sentence()
            self.expect_op(")")
            return inner
        w = t.upper
        handler = {
            "GO": self.go,
            "FETCH": self.fetch,
            "LOOKUP": self.lookup,
            "YIELD": self.yield_stmt,
            "ORDER": self.order_by,
            "LIMIT": self.limit_stmt,
            "OFFSET": self.limit_stmt,
            "GROUP": self.group_by,
            "MATCH": self.match,
            "OPTIONAL": self.match,
            "UNWIND": self.match,
            "WITH": self.match,
            "RETURN": self.match,
            "FIND": self.find_path,
            "GET": self.subgraph,
            "USE": self.use,
            "SHOW": self.show,
            "DESCRIBE": self.describe,
            "DESC": self.describe,
            "CREATE": self.create,
            "ALTER": self.alter,
            "DROP": self.drop,
            "INSERT": self.insert,
            "UPDATE": self.update,
            "UPSERT": self.update,
            "DELETE": self.delete,
            "REBUILD": self.noop,
            "SUBMIT": self.noop,
            "CLEAR": self.noop,
        }.get(w)
        if handler is None:
            raise self.error()
        stmt = handler()
        stmt.pos = t.pos
        return stmt

    def noop(self) -> A.Stmt:
        start = self.tok.pos
        while self.tok.kind != "EOF" and not self.at_op(";", "|"):
            self.advance()
        return A.NoopStmt(text=self.query[start : self.tok.pos])

    # --- shared clauses
    def yield_columns(self) -> list[A.YieldColumn]:
        cols = [self.yield_column()]
        while self.accept_op(","):
            cols.append(self.yield_column())
        return cols

    def yield_column(self) -> A.YieldColumn:
        start = self.tok
        expr = self.expr()
        alias = None
        if self.accept_kw("AS"):
            alias = self.name()
        else:
            if isinstance(expr, A.Keyword) and expr.word in ("vertices", "edges"):
                raise syntax_error(self.query, start.pos, f"please add alias when using `{expr.raw}'.")
        return A.YieldColumn(expr, alias)

    def opt_yield(self) -> tuple[list[A.YieldColumn] | None, bool]:
        if self.accept_kw("YIELD"):
            distinct = bool(self.accept_kw("DISTINCT"))
            return self.yield_columns(), distinct
        return None, False

    def vid_source(self) -> A.VidSource:
        t = self.tok
        if t.kind == "VAR" and not (self.peek().kind == "OP" and self.peek().text == "."):
            raise NgqlSyntaxError(f"Variable is not supported in vid near `{t.text}'", position=t.pos, query=self.query)
        if t.kind in ("INPUT", "VAR"):
            e = self.primary_postfix()
            if not isinstance(e, A.InputProp):
                raise self.error(t)
            return A.VidSource(ref=e)
        exprs = [self.vid_expr()]
        while self.accept_op(","):
            exprs.append(self.vid_expr())
        return A.VidSource(exprs=exprs)

    def vid_expr(self) -> A.Expr:
        t = self.tok
        if t.kind in ("STR", "INT") and self.peek().kind == "OP" and self.peek().text in (":", ",", ")", ";"):
            self.i += 1
            return A.Const(t.value, t.pos)
        if t.kind == "VAR":
            raise syntax_error(self.query, t.pos, "Variable is not supported in vid")
        return self.additive()

    def over_clause(self) -> tuple[list[str], str]:
        self.expect_kw("OVER")
        edges: list[str] = []
        if self.accept_op("*"):
            edges = []
        else:
            edges.append(self.name())
            self.accept_alias()
            while self.accept_op(","):
                edges.append(self.name())
                self.accept_alias()
        direction = "out"
        if self.accept_kw("REVERSELY"):
            direction = "in"
        elif self.accept_kw("BIDIRECT"):
            direction = "both"
        return edges, direction

    def accept_alias(self) -> None:
        if self.accept_kw("AS"):
            self.name()

    def step_count(self) -> int:
        t = self.tok
        if t.kind != "INT":
            raise self.error()
        self.advance()
        return t.value

    # --- GO
    def go(self) -> A.Stmt:
        self.expect_kw("GO")
        lo = hi = 1
        if self.tok.kind == "INT" or self.at_op("-"):
            if self.at_op("-"):
                raise self.error()
            lo = hi = self.step_count()
            if self.accept_kw("TO"):
                if self.at_op("-"):
                    raise self.error()
                hi = self.step_count()
            self.expect_kw("STEPS", "STEP")
        self.expect_kw("FROM")
        src = self.vid_source()
        over, direction = self.over_clause()
        where = self.expr() if self.accept_kw("WHERE") else None
        yields, distinct = self.opt_yield()
        sample = limit = None
        if self.accept_kw("SAMPLE"):
            sample = self.expr()
        if self.accept_kw("LIMIT"):
            limit = self.expr()
        return A.GoStmt(lo, hi, src, over, direction, where, yields, distinct, sample, limit)

    # --- FETCH
    def fetch(self) -> A.Stmt:
        self.expect_kw("FETCH")
        self.expect_kw("PROP")
        self.expect_kw("ON")
        names: list[str] = []
        if self.accept_op("*"):
            pass
        else:
            names.append(self.name())
            while self.accept_op(","):
                names.append(self.name())
        # edge form: src -> dst
        save = self.i
        if len(names) == 1 and self._looks_like_edge_key():
            keys = [self.edge_key()]
            while self.accept_op(","):
                keys.append(self.edge_key())
            yields, distinct = self.opt_yield()
            return A.FetchEdgesStmt(names[0], keys, yields, distinct)
        self.i = save
        vids = self.vid_source()
        yields, distinct = self.opt_yield()
        return A.FetchVerticesStmt(names, vids, yields, distinct)

    def _looks_like_edge_key(self) -> bool:
        depth = 0
        j = self.i
        while j < len(self.toks):
            t = self.toks[j]
            if t.kind == "EOF" or (t.kind == "ID" and t.upper in ("YIELD",) and depth == 0):
                return False
            if t.kind == "OP":
                if t.text in "([{":
                    depth += 1
                elif t.text in ")]}":
                    depth -= 1
                elif t.text == "->" and depth == 0:
                    return True
                elif t.text in (",", "|", ";") and depth == 0:
                    return False
            j += 1
        return False

    def edge_key(self) -> A.EdgeKeyRef:
        src = self.postfix_only()
        self.expect_op("->")
        dst = self.postfix_only()
        rank = None
        if self.accept_op("@"):
            rank = self.postfix_only()
        return A.EdgeKeyRef(src, dst, rank)

    def postfix_only(self) -> A.Expr:
        t = self.tok
        if t.kind in ("STR", "INT") and not self._postfix_follows(1):
            self.i += 1
            return A.Const(t.value, t.pos)
        if self.at_op("-") and self.peek().kind in ("INT", "FLOAT"):
            t = self.advance()
            num = self.advance()
            return A.Const(-num.value, t.pos)
        return self.unary()

    # --- LOOKUP
    def lookup(self) -> A.Stmt:
        self.expect_kw("LOOKUP")
        self.expect_kw("ON")
        schema = self.name()
        where = self.expr() if self.accept_kw("WHERE") else None
        yields, distinct = self.opt_yield()
        return A.LookupStmt(schema, where, yields, distinct)

    # --- YIELD / ORDER BY / LIMIT / GROUP BY
    def yield_stmt(self) -> A.Stmt:
        self.expect_kw("YIELD")
        distinct = bool(self.accept_kw("DISTINCT"))
        start = self.tok
        cols = self.yield_columns()
        if self.at_kw("FROM"):
            if any(isinstance(x, A.FuncCall) and x.is_aggregate for c in cols for x in c.expr.walk()):
                raise syntax_error(self.query, start.pos, "Invalid use of aggregating function in yield clause.")
            return A.YieldStmt(cols, distinct, None, self.join_clause())
        where = self.expr() if self.accept_kw("WHERE") else None
        return A.YieldStmt(cols, distinct, where)

    def join_clause(self) -> A.JoinClause:
        """``FROM $a [INNER|LEFT|RIGHT|OUTER|SEMI|ANTI] JOIN $b [ON $a.x == $b.y]``."""
        self.expect_kw("FROM")
        left = self.join_var()
        mode = "CROSS"
        if self.at_kw("INNER", "LEFT", "RIGHT", "OUTER", "SEMI", "ANTI"):
            mode = self.advance().upper
        self.expect_kw("JOIN")
        right = self.join_var()
        if mode == "CROSS":
            return A.JoinClause(mode, left, right)
        self.expect_kw("ON")
        lkey = self.join_key()
        self.expect_op("==")
        return A.JoinClause(mode, left, right, lkey, self.join_key())

    def join_var(self) -> str:
        t = self.tok
        if t.kind != "VAR":
            raise self.error(t)
        self.advance()
        return t.value

    def join_key(self) -> A.InputProp:
        t = self.tok
        e = self.primary_postfix()
        if not isinstance(e, A.InputProp) or e.var is None:
            raise self.error(t)
        return e

    def order_by(self) -> A.Stmt:
        self.expect_kw("ORDER")
        self.expect_kw("BY")
        return A.OrderByStmt(self.sort_items())

    def sort_items(self) -> list[tuple[A.Expr, bool]]:
        items = []
        while True:
            e = self.expr()
            desc = False
            if self.accept_kw("DESC", "DESCENDING"):
                desc = True
            else:
                self.accept_kw("ASC", "ASCENDING")
            items.append((e, desc))
            if not self.accept_op(","):
                return items

    def limit_stmt(self) -> A.Stmt:
        if self.accept_kw("OFFSET"):
            # ``OFFSET m LIMIT n`` is the same as ``LIMIT m, n``
            offset = self.int_lit()
            self.expect_kw("LIMIT")
            return A.LimitStmt(offset, self.int_lit())
        self.expect_kw("LIMIT")
        a = self.int_lit()
        if self.accept_op(","):
            b = self.int_lit()
            return A.LimitStmt(a, b)
        if self.accept_kw("OFFSET"):
            return A.LimitStmt(self.int_lit(), a)
        return A.LimitStmt(0, a)

    def group_by(self) -> A.Stmt:
        self.expect_kw("GROUP")
        self.expect_kw("BY")
        keys = [self.expr()]
        while self.accept_op(","):
            keys.append(self.expr())
        self.expect_kw("YIELD")
        return A.GroupByStmt(keys, self.yield_columns())

    # --- FIND PATH
    def find_path(self) -> A.Stmt:
        self.expect_kw("FIND")
        kind = self.expect_kw("SHORTEST", "SINGLE", "ALL", "NOLOOP").upper
        if kind == "SINGLE":
            self.expect_kw("SHORTEST")
            kind = "SINGLE SHORTEST"
        self.expect_kw("PATH")
        with_prop = False
        if self.accept_kw("WITH"):
            self.expect_kw("PROP")
            with_prop = True
        self.expect_kw("FROM")
        src = self.vid_source()
        self.expect_kw("TO")
        dst = self.vid_source()
        over, direction = self.over_clause()
        where = self.expr() if self.accept_kw("WHERE") else None
        upto = 5
        if self.accept_kw("UPTO"):
            upto = self.step_count()
            self.expect_kw("STEPS", "STEP")
        yields, _ = self.opt_yield()
        return A.FindPathStmt(kind, with_prop, src, dst, over, direction, where, upto, yields)

    # --- GET SUBGRAPH
    def subgraph(self) -> A.Stmt:
        self.expect_kw("GET")
        self.expect_kw("SUBGRAPH")
        with_prop = False
        if self.accept_kw("WITH"):
            self.expect_kw("PROP")
            with_prop = True
        steps = 1
        if self.tok.kind == "INT":
            steps = self.step_count()
            self.expect_kw("STEPS", "STEP")
        self.expect_kw("FROM")
        src = self.vid_source()
        ins = outs = boths = None
        while self.at_kw("IN", "OUT", "BOTH"):
            which = self.advance().upper
            names = [self.name()]
            while self.accept_op(","):
                names.append(self.name())
            if which == "IN":
                ins = names
            elif which == "OUT":
                outs = names
            else:
                boths = names
        where = self.expr() if self.accept_kw("WHERE") else None
        yields, _ = self.opt_yield()
        return A.SubgraphStmt(with_prop, steps, src, ins, outs, boths, where, yields)

    # --- MATCH (openCypher)
    def match(self) -> A.Stmt:
        clauses: list = []
        while True:
            t = self.tok
            if self.at_kw("MATCH", "OPTIONAL"):
                optional = bool(self.accept_kw("OPTIONAL"))
                self.expect_kw("MATCH")
                patterns = [self.path_pattern()]
                while self.accept_op(","):
                    patterns.append(self.path_pattern())
                where = None
                if self.at_kw("WHERE"):
                    wt = self.tok
                    self.advance()
                    where = self.expr()
                    if optional:
                        text = self.query[wt.pos : self.tok.pos].rstrip()
                        raise NgqlSyntaxError(
                            f"Where clause in optional match is not supported. near `{text}'",
                            position=wt.pos,
                            query=self.query,
                        )
                clauses.append(A.MatchClause(patterns, where, optional))
            elif self.accept_kw("UNWIND"):
                e = self.expr()
                self.expect_kw("AS")
                clauses.append(A.UnwindClause(e, self.name()))
                if len(clauses) == 1 and (
                    self.tok.kind == "EOF" or self.at_op("|", ";", ")") or self.at_kw("UNION", "INTERSECT", "MINUS")
                ):
                    # nGQL's own UNWIND sentence (a pipe stage), not a Cypher query part
                    return A.UnwindStmt(e, clauses[0].alias)
            elif self.accept_kw("WITH"):
                body = self.return_body()
                where = self.expr() if self.accept_kw("WHERE") else None
                clauses.append(A.WithClause(body, where))
            elif self.accept_kw("RETURN"):
                clauses.append(A.ReturnClause(self.return_body()))
                break
            else:
                raise self.error(t)
        return A.MatchStmt(clauses)

    def return_body(self) -> A.ReturnBody:
        distinct = bool(self.accept_kw("DISTINCT"))
        star = False
        cols: list[A.YieldColumn] = []
        if self.accept_op("*"):
            star = True
            if self.accept_op(","):
                cols = self.yield_columns()
        else:
            cols = self.yield_columns()
        order = skip = limit = None
        if self.accept_kw("ORDER"):
            self.expect_kw("BY")
            order = self.sort_items()
        if self.accept_kw("SKIP"):
            skip = self.expr()
        if self.accept_kw("LIMIT"):
            limit = self.expr()
        return A.ReturnBody(cols, star, distinct, order, skip, limit)

    def path_pattern(self) -> A.PathPattern:
        start = self.tok
        var = None
        if self.tok.kind == "ID" and self.peek().kind == "OP" and self.peek().text == "=":
            var = self.name()
            self.advance()
        if (
            self.tok.kind == "ID"
            and self.tok.text.lower() in ("shortestpath", "allshortestpaths")
            and self.peek().kind == "OP"
            and self.peek().text == "("
        ):
            fname = self.advance().text
            self.expect_op("(")
            p = self.path_chain()
            self.expect_op(")")
            p.shortest = "allShortestPaths" if fname.lower() == "allshortestpaths" else "shortestPath"
        else:
            p = self.path_chain()
        p.var = var
        p.pos = start.pos
        return p

    def path_chain(self) -> A.PathPattern:
        nodes = [self.node_pattern()]
        edges = []
        while self.at_op("-", "<-", "--"):
            edges.append(self.edge_pattern())
            nodes.append(self.node_pattern())
        return A.PathPattern(None, nodes, edges)

    def node_pattern(self) -> A.NodePattern:
        t = self.expect_op("(")
        var = None
        if self.tok.kind == "ID":
            var = self.name()
        labels = []
        while self.accept_op(":"):
            labels.append(self.name())
        props = None
        if self.at_op("{"):
            props = self.map_literal()
            # more labels may follow the properties: (v:player{age: 23}:bachelor)
            while self.accept_op(":"):
                labels.append(self.name())
        self.expect_op(")")
        return A.NodePattern(var, labels, props, t.pos)

    def edge_pattern(self) -> A.EdgePattern:
        t = self.tok
        if self.accept_op("--"):
            # ``--`` is one token (as in NebulaGraph's lexer): ``(a)--(b)`` or ``(a)-->(b)``
            direction = "out" if self.accept_op(">") else "both"
            return A.EdgePattern(None, [], None, direction, 1, 1, False, t.pos)
        left_in = bool(self.accept_op("<-"))
        if not left_in:
            self.expect_op("-")
        var, types, props = None, [], None
        var_length, lo, hi = False, 1, 1
        if self.accept_op("["):
            if self.tok.kind == "ID":
                var = self.name()
            if self.accept_op(":"):
                types.append(self.name())
                while self.accept_op("|"):
                    self.accept_op(":")
                    types.append(self.name())
            if self.accept_op("*"):
                var_length = True
                lo, hi = 1, None
                if self.tok.kind == "INT":
                    lo = self.advance().value
                    hi = lo
                    if self.accept_op(".."):
                        hi = self.advance().value if self.tok.kind == "INT" else None
                elif self.accept_op(".."):
                    if self.tok.kind != "INT":
                        raise self.error()
                    hi = self.advance().value
            if self.at_op("{"):
                props = self.map_literal()
            self.expect_op("]")
        if self.accept_op("->"):
            direction = "both" if left_in else "out"
        elif left_in and self.at_op("--") and self.peek().kind == "OP" and self.peek().text == ">":
            raise self.error()
        else:
            self.expect_op("-")
            direction = "in" if left_in else "both"
        return A.EdgePattern(var, types, props, direction, lo, hi, var_length, t.pos)

    # --- schema & admin
    def use(self) -> A.Stmt:
        self.expect_kw("USE")
        return A.UseStmt(self.name())

    def show(self) -> A.Stmt:
        self.expect_kw("SHOW")
        w = self.name().upper()
        if w in ("TAG", "EDGE"):
            w2 = self.name().upper()
            if w2 == "INDEXES" or w2 == "INDEX":
                return A.ShowStmt(f"{w} INDEXES")
            raise self.error()
        if w == "CREATE":
            kind = self.name().upper()
            return A.ShowStmt(f"CREATE {kind}", self.name())
        return A.ShowStmt(w)

    def describe(self) -> A.Stmt:
        self.advance()
        what = self.expect_kw("TAG", "EDGE", "SPACE").upper
        return A.DescribeStmt(what, self.name())

    def if_not_exists(self) -> bool:
        if self.accept_kw("IF"):
            self.expect_kw("NOT")
            self.expect_kw("EXISTS")
            return True
        return False

    def create(self) -> A.Stmt:
        self.expect_kw("CREATE")
        what = self.expect_kw("SPACE", "TAG", "EDGE").upper
        if what in ("TAG", "EDGE") and self.accept_kw("INDEX"):
            ine = self.if_not_exists()
            name = self.name()
            self.expect_kw("ON")
            schema = self.name()
            self.expect_op("(")
            fields = []
            while not self.at_op(")"):
                fields.append(self.name())
                if self.accept_op("("):
                    self.int_lit()
                    self.expect_op(")")
                if not self.accept_op(","):
                    break
            self.expect_op(")")
            self.skip_options()
            return A.CreateIndexStmt(what, name, ine, schema, fields)
        ine = self.if_not_exists()
        name = self.name()
        if what == "SPACE":
            opts: dict = {}
            vid_type, vid_len = "FIXED_STRING", 8
            if self.accept_op("("):
                while not self.at_op(")"):
                    key = self.name().lower()
                    self.expect_op("=")
                    if key == "vid_type":
                        tname = self.name().upper()
                        if tname == "FIXED_STRING":
                            self.expect_op("(")
                            vid_len = self.int_lit()
                            self.expect_op(")")
                        elif tname in ("INT64", "INT"):
                            tname = "INT64"
                        else:
                            raise self.error()
                        vid_type = tname
                    else:
                        opts[key] = self.advance().value
                    if not self.accept_op(","):
                        break
                self.expect_op(")")
            self.skip_options()
            return A.CreateSpaceStmt(name, ine, vid_type, vid_len, opts)
        self.expect_op("(")
        props = []
        while not self.at_op(")"):
            props.append(self.prop_def())
            if not self.accept_op(","):
                break
        self.expect_op(")")
        self.skip_options()
        return A.CreateSchemaStmt(what, name, ine, props)

    def skip_options(self) -> None:
        while self.tok.kind != "EOF" and not self.at_op(";", "|"):
            self.advance()

    def prop_def(self) -> A.PropDef:
        name = self.name()
        tname = self.name().upper()
        fixed = None
        elem = None
        if tname in ("LIST", "SET") and self.accept_op("<"):
            elem = self.name().upper()
            elem = {"INT": "INT", "INT64": "INT", "DOUBLE": "FLOAT"}.get(elem, elem)
            self.expect_op(">")
        if tname == "FIXED_STRING":
            self.expect_op("(")
            fixed = self.int_lit()
            self.expect_op(")")
        if tname == "INT":
            tname = "INT64"
        if tname not in (
            "INT64",
            "INT32",
            "INT16",
            "INT8",
            "FLOAT",
            "DOUBLE",
            "STRING",
            "BOOL",
            "FIXED_STRING",
            "DATE",
            "TIME",
            "DATETIME",
            "TIMESTAMP",
            "DURATION",
            "GEOGRAPHY",
            "LIST",
            "SET",
        ):
            raise self.error(self.toks[self.i - 1])
        if elem is not None:
            tname = f"{tname}_{elem}"  # DESCRIBE shows list_string, set_int...
        pd = A.PropDef(name, tname, fixed)
        while True:
            if self.accept_kw("NOT"):
                self.expect_kw("NULL")
                pd.nullable = False
            elif self.accept_kw("NULL"):
                pd.nullable = True
            elif self.accept_kw("DEFAULT"):
                pd.default = self.expr()
            elif self.accept_kw("COMMENT"):
                self.advance()
            else:
                break
        return pd

    def alter(self) -> A.Stmt:
        self.expect_kw("ALTER")
        kind = self.expect_kw("TAG", "EDGE").upper
        name = self.name()
        adds, drops = [], []
        while self.at_kw("ADD", "DROP", "CHANGE"):
            op = self.advance().upper
            self.expect_op("(")
            while not self.at_op(")"):
                if op == "DROP":
                    drops.append(self.name())
                else:
                    adds.append(self.prop_def())
                if not self.accept_op(","):
                    break
            self.expect_op(")")
            self.accept_op(",")
        self.skip_options()
        return A.AlterSchemaStmt(kind, name, adds, drops)

    def drop(self) -> A.Stmt:
        self.expect_kw("DROP")
        kind = self.expect_kw("SPACE", "TAG", "EDGE").upper
        if kind in ("TAG", "EDGE") and self.accept_kw("INDEX"):
            kind += " INDEX"
        ie = False
        if self.accept_kw("IF"):
            self.expect_kw("EXISTS")
            ie = True
        return A.DropStmt(kind, self.name(), ie)

    def value_expr(self) -> A.Expr:
        """An INSERT value: literals take a fast path (bulk loads are mostly literals)."""
        t = self.tok
        nt = self.peek()
        if nt.kind == "OP" and nt.text in (",", ")"):
            if t.kind in ("STR", "INT", "FLOAT"):
                self.i += 1
                if t.kind == "INT" and t.value > INT64_MAX:
                    raise NgqlSyntaxError(f"Out of range: near `{t.text}'", position=t.pos, query=self.query)
                return A.Const(t.value, t.pos)
        elif t.kind == "OP" and t.text == "-" and nt.kind in ("INT", "FLOAT"):
            n2 = self.peek(2)
            if n2.kind == "OP" and n2.text in (",", ")"):
                self.i += 2
                return A.Const(-nt.value, t.pos)
        return self.expr()

    def insert(self) -> A.Stmt:
        self.expect_kw("INSERT")
        kind = self.expect_kw("VERTEX", "EDGE").upper
        ine = self.if_not_exists()
        if kind == "VERTEX":
            tags = []
            while True:
                tname = self.name()
                props = None  # no list: every property of the tag, in schema order
                if self.accept_op("("):
                    props = []
                    while not self.at_op(")"):
                        props.append(self.name())
                        if not self.accept_op(","):
                            break
                    self.expect_op(")")
                tags.append((tname, props))
                if not self.accept_op(","):
                    break
            self.expect_kw("VALUES")
            rows = []
            while True:
                vid = self.vid_expr()
                self.expect_op(":")
                vals = []
                while True:
                    self.expect_op("(")
                    while not self.at_op(")"):
                        vals.append(self.value_expr())
                        if not self.accept_op(","):
                            break
                    self.expect_op(")")
                    if not (self.at_op(",") and self.peek().kind == "OP" and self.peek().text == "("):
                        break
                    self.advance()
                rows.append((vid, vals))
                if not self.accept_op(","):
                    break
            return A.InsertVertexStmt(ine, tags, rows)
        ename = self.name()
        props = None  # no list: every property of the edge type, in schema order
        if self.accept_op("("):
            props = []
            while not self.at_op(")"):
                props.append(self.name())
                if not self.accept_op(","):
                    break
            self.expect_op(")")
        self.expect_kw("VALUES")
        rows = []
        while True:
            src = self.postfix_only()
            self.expect_op("->")
            dst = self.postfix_only()
            rank = None
            if self.accept_op("@"):
                rank = self.postfix_only()
            self.expect_op(":")
            self.expect_op("(")
            vals = []
            while not self.at_op(")"):
                vals.append(self.value_expr())
                if not self.accept_op(","):
                    break
            self.expect_op(")")
            rows.append((src, dst, rank, vals))
            if not self.accept_op(","):
                break
        return A.InsertEdgeStmt(ine, ename, props, rows)

    def update(self) -> A.Stmt:
        upsert = self.advance().upper == "UPSERT"
        kind = self.expect_kw("VERTEX", "EDGE").upper
        schema = None
        vid = key = None
        if self.accept_kw("ON"):
            schema = self.name()
        if kind == "VERTEX":
            vid = self.vid_expr()
        else:
            key = self.edge_key()
            if schema is None:
                self.expect_kw("OF")
                schema = self.name()
        self.expect_kw("SET")
        sets = []
        while True:
            pname = self.name()
            if self.accept_op("."):
                pname = self.name()
            self.expect_op("=")
            sets.append((pname, self.expr()))
            if not self.accept_op(","):
                break
        when = self.expr() if self.accept_kw("WHEN") else None
        yields, _ = self.opt_yield()
        return A.UpdateStmt(upsert, kind, schema, vid, key, sets, when, yields)

    def delete(self) -> A.Stmt:
        self.expect_kw("DELETE")
        kind = self.expect_kw("VERTEX", "EDGE", "TAG").upper
        if kind == "VERTEX":
            vids = self.vid_source()
            with_edge = False
            if self.accept_kw("WITH"):
                self.expect_kw("EDGE")
                with_edge = True
            return A.DeleteVertexStmt(vids, with_edge)
        if kind == "TAG":
            tags = []
            if self.accept_op("*"):
                tags = ["*"]
            else:
                tags.append(self.name())
                while self.accept_op(","):
                    tags.append(self.name())
            self.expect_kw("FROM")
            return A.DeleteTagStmt(tags, self.vid_source())
        ename = self.name()
        keys = [self.edge_key()]
        while self.accept_op(","):
            keys.append(self.edge_key())
        return A.DeleteEdgeStmt(ename, keys)

    # ------------------------------------------------------------ expressions
    def expr(self) -> A.Expr:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise NgqlSyntaxError(
                "The above expression's depth exceeds the maximum depth", position=self.tok.pos, query=self.query
            )
        start = self.tok.pos
        try:
            e = self.ternary()
        finally:
            self.depth -= 1
        if self.depth == 0:
            if _tree_depth(e) > MAX_DEPTH:
                raise NgqlSyntaxError(
                    "The above expression's depth exceeds the maximum depth", position=start, query=self.query
                )
        e.src = self.query[start : self._end_of_prev()]
        return e

    def _end_of_prev(self) -> int:
        t = self.toks[self.i - 1] if self.i > 0 else self.tok
        return t.pos + len(t.text) + (2 if t.quoted else 0)

    def ternary(self) -> A.Expr:
        cond = self.or_expr()
        if self.at_op("?"):
            t = self.advance()
            then = self.expr()
            self.expect_op(":")
            other = self.expr()
            return A.Case(None, [(cond, then)], other, t.pos, generic=False)
        return cond

    def or_expr(self) -> A.Expr:
        # NebulaGraph gives OR and XOR the same precedence, left-associative
        left = self.and_expr()
        while self.at_kw("OR", "XOR") or self.at_op("||"):
            t = self.advance()
            op = "XOR" if t.upper == "XOR" else "OR"
            left = A.Binary(op, left, self.and_expr(), t.pos)
        return left

    def and_expr(self) -> A.Expr:
        left = self.not_expr()
        while self.at_kw("AND") or self.at_op("&&"):
            t = self.advance()
            left = A.Binary("AND", left, self.not_expr(), t.pos)
        return left

    def not_expr(self) -> A.Expr:
        if self.at_kw("NOT"):
            t = self.advance()
            return A.Unary("NOT", self.not_expr(), t.pos)
        return self.comparison()

    def comparison(self) -> A.Expr:
        left = self.additive()
        while True:
            t = self.tok
            op = None
            if t.kind == "OP" and t.text in ("==", "!=", "<>", "<", ">", "<=", ">=", "=~", "="):
                if t.text == "=":
                    raise self.error()
                op = {"<>": "!="}.get(t.text, t.text)
                self.advance()
                left = A.Binary(op, left, self.additive(), t.pos)
                continue
            if t.kind == "OP" and t.text == "<-":
                # ``a<-1`` : less-than followed by a negative number
                self.advance()
                right = self.additive_after_minus(t)
                left = A.Binary("<", left, right, t.pos)
                continue
            w = t.upper
            if w == "IN":
                self.advance()
                left = A.Binary("IN", left, self.additive(), t.pos)
                continue
            if w == "CONTAINS":
                self.advance()
                left = A.Binary("CONTAINS", left, self.additive(), t.pos)
                continue
            if w in ("STARTS", "ENDS"):
                self.advance()
                self.expect_kw("WITH")
                left = A.Binary(f"{w} WITH", left, self.additive(), t.pos)
                continue
            if w == "NOT" and self.peek().upper in ("IN", "CONTAINS", "STARTS", "ENDS"):
                self.advance()
                w2 = self.advance().upper
                if w2 in ("STARTS", "ENDS"):
                    self.expect_kw("WITH")
                    w2 += " WITH"
                left = A.Binary(f"NOT {w2}", left, self.additive(), t.pos)
                continue
            if w == "IS":
                self.advance()
                neg = bool(self.accept_kw("NOT"))
                what = self.expect_kw("NULL", "EMPTY").upper
                left = A.IsCheck(left, what, neg, t.pos)
                continue
            return left

    def additive_after_minus(self, t: Token) -> A.Expr:
        operand = self.multiplicative()
        if isinstance(operand, A.Const) and operand.value == INT64_MAX + 1:
            return A.Const(-operand.value, t.pos)
        return A.Unary("-", operand, t.pos)

    def additive(self) -> A.Expr:
        left = self.multiplicative()
        while self.at_op("+", "-"):
            t = self.tok
            prev = self.toks[self.i - 1]
            if t.text == "-" and prev.kind == "OP" and prev.text == "]" and prev.pos + 1 == t.pos:
                # NebulaGraph's lexer reads ``]-`` as the end of an edge pattern
                raise NgqlSyntaxError("syntax error near `]-'", position=prev.pos, query=self.query)
            nt = self.peek()
            if t.text == "-" and nt.kind == "OP" and nt.text == "[" and t.pos + 1 == nt.pos:
                # ... and ``-[`` as the start of one: an edge pattern outside MATCH
                raise self.error(prev)
            self.advance()
            left = A.Binary(t.text, left, self.multiplicative(), t.pos)
        return left

    def multiplicative(self) -> A.Expr:
        left = self.unary()
        while self.at_op("*", "/", "%"):
            t = self.advance()
            left = A.Binary(t.text, left, self.unary(), t.pos)
        return left

    def unary(self) -> A.Expr:
        t = self.tok
        if self.at_op("-"):
            self.advance()
            nxt = self.tok
            if nxt.kind == "INT" and nxt.value == INT64_MAX + 1 and not self._postfix_follows(1):
                self.advance()
                return A.Const(-nxt.value, t.pos)
            operand = self.unary()
            return A.Unary("-", operand, t.pos)
        if self.at_op("+"):
            self.advance()
            return A.Unary("+", self.unary(), t.pos)
        if self.at_op("!"):
            self.advance()
            return A.Unary("!", self.unary(), t.pos)
        if self.tok.kind == "INT" and self.tok.value > INT64_MAX:
            raise NgqlSyntaxError(f"Out of range: near `{self.tok.text}'", position=t.pos, query=self.query)
        return self.primary_postfix()

    def _postfix_follows(self, k: int) -> bool:
        nt = self.peek(k)
        return nt.kind == "OP" and nt.text in (".", "[")

    def primary_postfix(self) -> A.Expr:
        e = self.primary()
        while True:
            t = self.tok
            if self.at_op("."):
                self.advance()
                if self.tok.kind != "ID":
                    raise self.error()
                name = self.advance().text
                e = A.Attribute(e, name, t.pos)
                continue
            if self.at_op("["):
                self.advance()
                if self.accept_op(".."):
                    hi = None if self.at_op("]") else self.expr()
                    self.expect_op("]")
                    e = A.Slice(e, None, hi, t.pos)
                    continue
                idx = self.expr()
                if self.accept_op(".."):
                    hi = None if self.at_op("]") else self.expr()
                    self.expect_op("]")
                    e = A.Slice(e, idx, hi, t.pos)
                    continue
                self.expect_op("]")
                e = A.Subscript(e, idx, t.pos)
                continue
            return e

    def primary(self) -> A.Expr:
        t = self.tok
        k = t.kind
        if k == "INT":
            self.advance()
            if t.value > INT64_MAX:
                raise NgqlSyntaxError(f"Out of range: near `{t.text}'", position=t.pos, query=self.query)
            return A.Const(t.value, t.pos)
        if k == "FLOAT":
            self.advance()
            return A.Const(t.value, t.pos, raw=t.text)
        if k == "STR":
            self.advance()
            return A.Const(t.value, t.pos)
        if k == "INPUT":
            self.advance()
            self.expect_op(".")
            if self.accept_op("*"):
                return A.InputProp(None, "*", t.pos)
            return A.InputProp(None, self.name(), t.pos)
        if k == "VAR":
            self.advance()
            if self.accept_op("."):
                if self.accept_op("*"):
                    return A.InputProp(t.value, "*", t.pos)
                return A.InputProp(t.value, self.name(), t.pos)
            return A.VarRef(t.value, t.pos)
        if k in ("SRC", "DST"):
            self.advance()
            which = "^" if k == "SRC" else "$"
            if (
                self.at_op(".")
                and self.peek().kind == "ID"
                and self.peek(2).kind == "OP"
                and self.peek(2).text == "."
                and self.peek(3).kind == "ID"
            ):
                self.advance()
                tag = self.advance().text
                self.advance()
                prop = self.advance().text
                return A.SrcDstProp(which, tag, prop, t.pos)
            return A.SrcDstVertex(which, t.pos)
        if k == "OP":
            if t.text == "(":
                return self.paren()
            if t.text == "[":
                return self.list_literal()
            if t.text == "{":
                return self.map_or_set()
            raise self.error()
        if k == "ID":
            return self.word()
        raise self.error()

    def paren(self) -> A.Expr:
        t = self.tok
        # type cast: (INT)x
        if (
            self.peek().kind == "ID"
            and self.peek().upper in TYPE_CASTS
            and self.peek(2).kind == "OP"
            and self.peek(2).text == ")"
        ):
            self.advance()
            tname = self.advance().text.upper()
            self.advance()
            return A.TypeCast(tname, self.unary(), t.pos)
        # pattern expression: (v)-->(...)
        save = self.i
        if self._maybe_node():
            try:
                p = self.path_chain()
                if p.edges:
                    return A.PatternExpr(p, t.pos)
            except NgqlSyntaxError:
                pass
            self.i = save
        self.advance()
        e = self.expr()
        self.expect_op(")")
        return e

    def _maybe_node(self) -> bool:
        nt = self.peek()
        if nt.kind == "OP" and nt.text in (")", ":"):
            return True
        if nt.kind == "ID":
            nt2 = self.peek(2)
            return nt2.kind == "OP" and nt2.text in (")", ":", "{")
        return False

    def list_literal(self) -> A.Expr:
        t = self.expect_op("[")
        # list comprehension [x IN list WHERE ... | ...]
        if self.tok.kind == "ID" and self.peek().upper == "IN":
            var = self.name()
            self.advance()
            source = self.expr()
            where = mapping = None
            if self.accept_kw("WHERE"):
                where = self.expr()
            if self.accept_op("|"):
                mapping = self.expr()
            self.expect_op("]")
            return A.ListComp(var, source, where, mapping, t.pos)
        items = []
        while not self.at_op("]"):
            items.append(self.expr())
            if not self.accept_op(","):
                break
        self.expect_op("]")
        return A.ListExpr(items, t.pos)

    def map_or_set(self) -> A.Expr:
        t = self.tok
        if (self.peek().kind in ("ID", "STR") and self.peek(2).kind == "OP" and self.peek(2).text == ":") or (
            self.peek().kind == "OP" and self.peek().text == "}"
        ):
            return self.map_literal()
        self.advance()
        items = []
        while not self.at_op("}"):
            items.append(self.expr())
            if not self.accept_op(","):
                break
        self.expect_op("}")
        return A.SetExpr(items, t.pos)

    def map_literal(self) -> A.MapExpr:
        t = self.expect_op("{")
        items = []
        while not self.at_op("}"):
            kt = self.tok
            if kt.kind not in ("ID", "STR"):
                raise self.error()
            self.advance()
            self.expect_op(":")
            items.append((kt.value if kt.kind == "STR" else kt.text, self.expr()))
            if not self.accept_op(","):
                break
        self.expect_op("}")
        return A.MapExpr(items, t.pos)

    def word(self) -> A.Expr:
        t = self.advance()
        w = t.upper
        low = t.text.lower()
        if w == "TRUE":
            return A.Const(True, t.pos)
        if w == "FALSE":
            return A.Const(False, t.pos)
        if w == "NULL":
            from momq.ngql.values import NULL

            return A.Const(NULL, t.pos)
        if w == "EMPTY" and not self.at_op("("):
            from momq.ngql.values import EMPTY

            return A.Const(EMPTY, t.pos)
        if w == "CASE":
            return self.case(t)
        if t.text in ("LIST", "SET", "MAP") and self.at_op("[" if t.text == "LIST" else "{"):
            # typed literals: LIST[...], SET{...}, MAP{...}
            return self.list_literal() if t.text == "LIST" else self.map_or_set()
        if self.at_op("("):
            if low in PREDICATES and self.peek().kind == "ID" and self.peek(2).upper == "IN":
                self.advance()
                var = self.name()
                self.expect_kw("IN")
                source = self.expr()
                where = self.expr() if self.accept_kw("WHERE") else None
                self.expect_op(")")
                return A.Predicate(low, t.text, var, source, where, t.pos)
            if low == "reduce":
                self.advance()
                acc = self.name()
                self.expect_op("=")
                init = self.expr()
                self.expect_op(",")
                var = self.name()
                self.expect_kw("IN")
                source = self.expr()
                self.expect_op("|")
                mapping = self.expr()
                self.expect_op(")")
                return A.Reduce(acc, init, var, source, mapping, t.pos)
            return self.call(t)
        if not t.quoted and low in ("vertex", "edge", "vertices", "edges", "path"):
            return A.Keyword(low, t.text, t.pos)
        return A.Label(t.text, t.pos)

    def call(self, name_tok: Token) -> A.Expr:
        self.expect_op("(")
        distinct = bool(self.accept_kw("DISTINCT"))
        if self.at_op("*"):
            star_tok = self.advance()
            self.expect_op(")")
            if name_tok.text.lower() != "count":
                if name_tok.text.lower() in A.AGGREGATES:
                    raise NgqlSyntaxError(
                        f"Could not apply aggregation function on `*` near `{name_tok.text}'",
                        position=name_tok.pos,
                        query=self.query,
                    )
                raise self.error(star_tok)
            return A.FuncCall(name_tok.text, [], distinct, name_tok.pos, star=True)
        args = []
        while not self.at_op(")"):
            args.append(self.expr())
            if not self.accept_op(","):
                break
        self.expect_op(")")
        if (
            name_tok.text.lower() in A.AGGREGATES
            and len(args) != 1
            and not (len(args) == 2 and name_tok.text.lower().startswith("bit_"))
        ):
            raise NgqlSyntaxError(f"Unknown function  near `{name_tok.text}'", position=name_tok.pos, query=self.query)
        return A.FuncCall(name_tok.text, args, distinct, name_tok.pos)

    def case(self, t: Token) -> A.Expr:
        subject = None
        if not self.at_kw("WHEN"):
            subject = self.expr()
        whens = []
        while self.accept_kw("WHEN"):
            w = self.expr()
            self.expect_kw("THEN")
            whens.append((w, self.expr()))
        if not whens:
            raise self.error()
        default = self.expr() if self.accept_kw("ELSE") else None
        self.expect_kw("END")
        return A.Case(subject, whens, default, t.pos)
