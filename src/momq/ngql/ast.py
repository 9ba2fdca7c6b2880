"""Syntax tree of nGQL statements and expressions.

Expressions know their NebulaGraph text form (``text()``), which is what NebulaGraph
uses as a column name when a YIELD/RETURN item has no alias: ``(1+2)``, ``-(1)``,
``$^.player.name``, ``count(*)``. Function names keep the case they were written in,
as NebulaGraph does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class Expr:
    """Base class of expressions. ``pos`` is the offset in the query text."""

    pos: int = 0
    src: str = ""  # the source text, when the parser recorded it

    def source(self) -> str:
        return self.src or self.text()

    def text(self) -> str:  # pragma: no cover - overridden
        raise NotImplementedError

    def children(self) -> list["Expr"]:
        return []

    def walk(self):
        yield self
        for child in self.children():
            if child is not None:
                yield from child.walk()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.text()}>"


def const_text(value: Any) -> str:
    from momq.ngql.values import to_text

    return to_text(value)


class Const(Expr):
    def __init__(self, value: Any, pos: int = 0, raw: str | None = None):
        self.value, self.pos, self.raw = value, pos, raw

    def text(self) -> str:
        if isinstance(self.value, float) and self.value.is_integer() and abs(self.value) < 1e15:
            # NebulaGraph prints a whole float constant without its fraction: hash(123.0) -> hash(123)
            return str(int(self.value))
        if isinstance(self.value, float) and self.raw is not None:
            return self.raw if "e" not in self.raw.lower() else const_text(self.value)
        if isinstance(self.value, str):
            # NebulaGraph prints a string constant quoted but not escaped
            return f'"{self.value}"'
        return const_text(self.value)


class Label(Expr):
    """A bare name: a MATCH variable, a YIELD alias, or (in GO/LOOKUP) an edge/tag name."""

    def __init__(self, name: str, pos: int = 0):
        self.name, self.pos = name, pos

    def text(self) -> str:
        return self.name


class Attribute(Expr):
    """``base.name``: a property of a vertex/edge/map, a tag of a vertex, a date field."""

    def __init__(self, base: Expr, name: str, pos: int = 0):
        self.base, self.name, self.pos = base, name, pos

    def children(self):
        return [self.base]

    def text(self) -> str:
        return f"{self.base.text()}.{self.name}"


class InputProp(Expr):
    """``$-.col`` (var is None) or ``$var.col``; ``col == '*'`` for ``$-.*``."""

    def __init__(self, var: str | None, col: str, pos: int = 0):
        self.var, self.col, self.pos = var, col, pos

    def text(self) -> str:
        return f"${self.var if self.var is not None else '-'}.{self.col}"


class VarRef(Expr):
    """A bare ``$var`` (only legal in a few places)."""

    def __init__(self, var: str, pos: int = 0):
        self.var, self.pos = var, pos

    def text(self) -> str:
        return f"${self.var}"


class SrcDstProp(Expr):
    """``$^.tag.prop`` (which='^') and ``$$.tag.prop`` (which='$')."""

    def __init__(self, which: str, tag: str, prop: str, pos: int = 0):
        self.which, self.tag, self.prop, self.pos = which, tag, prop, pos

    def text(self) -> str:
        return f"${self.which}.{self.tag}.{self.prop}"


class SrcDstVertex(Expr):
    """``$^`` or ``$$`` alone: the source/destination vertex of a GO step."""

    def __init__(self, which: str, pos: int = 0):
        self.which, self.pos = which, pos

    def text(self) -> str:
        return f"${self.which}"


class Keyword(Expr):
    """``vertex``, ``edge``, ``vertices``, ``edges``, ``path`` where they are values."""

    def __init__(self, word: str, raw: str, pos: int = 0):
        self.word, self.raw, self.pos = word, raw, pos

    def text(self) -> str:
        return self.raw.upper() if self.word in ("vertex", "edge") else self.raw


class Unary(Expr):
    def __init__(self, op: str, operand: Expr, pos: int = 0):
        self.op, self.operand, self.pos = op, operand, pos

    def children(self):
        return [self.operand]

    def text(self) -> str:
        sym = {"NOT": "!", "!": "!", "-": "-", "+": "+"}[self.op]
        return f"{sym}({self.operand.text()})"


_BIN_TEXT = {
    "AND": " AND ",
    "OR": " OR ",
    "XOR": " XOR ",
    "IN": " IN ",
    "NOT IN": " NOT IN ",
    "STARTS WITH": " STARTS WITH ",
    "NOT STARTS WITH": " NOT STARTS WITH ",
    "ENDS WITH": " ENDS WITH ",
    "NOT ENDS WITH": " NOT ENDS WITH ",
    "CONTAINS": " CONTAINS ",
    "NOT CONTAINS": " NOT CONTAINS ",
    "=~": "=~",
}


class Binary(Expr):
    def __init__(self, op: str, left: Expr, right: Expr, pos: int = 0):
        self.op, self.left, self.right, self.pos = op, left, right, pos

    def children(self):
        return [self.left, self.right]

    def text(self) -> str:
        sym = _BIN_TEXT.get(self.op, self.op)
        return f"({self.left.text()}{sym}{self.right.text()})"


class IsCheck(Expr):
    """``x IS [NOT] NULL`` / ``x IS [NOT] EMPTY``."""

    def __init__(self, operand: Expr, what: str, negated: bool, pos: int = 0):
        self.operand, self.what, self.negated, self.pos = operand, what, negated, pos

    def children(self):
        return [self.operand]

    def text(self) -> str:
        return f"{self.operand.text()} IS {'NOT ' if self.negated else ''}{self.what}"


AGGREGATES = {"count", "sum", "avg", "min", "max", "collect", "collect_set", "std", "bit_and", "bit_or", "bit_xor"}


class FuncCall(Expr):
    def __init__(self, name: str, args: list[Expr], distinct: bool = False, pos: int = 0, star: bool = False):
        self.name, self.args, self.distinct, self.pos, self.star = name, args, distinct, pos, star

    @property
    def lname(self) -> str:
        return self.name.lower()

    @property
    def is_aggregate(self) -> bool:
        # bit_and/bit_or/bit_xor with two arguments are scalar functions
        return self.lname in AGGREGATES and not (len(self.args) == 2 and self.lname.startswith("bit_"))

    def children(self):
        return list(self.args)

    def text(self) -> str:
        inner = "*" if self.star else ",".join(a.text() for a in self.args)
        if self.lname == "exists":
            return f"exists({inner})"
        return f"{self.name}({'distinct ' if self.distinct else ''}{inner})"


class ListExpr(Expr):
    def __init__(self, items: list[Expr], pos: int = 0):
        self.items, self.pos = items, pos

    def children(self):
        return list(self.items)

    def text(self) -> str:
        return "[" + ",".join(i.text() for i in self.items) + "]"


class SetExpr(Expr):
    def __init__(self, items: list[Expr], pos: int = 0):
        self.items, self.pos = items, pos

    def children(self):
        return list(self.items)

    def text(self) -> str:
        return "{" + ",".join(i.text() for i in self.items) + "}"


class MapExpr(Expr):
    def __init__(self, items: list[tuple[str, Expr]], pos: int = 0):
        self.items, self.pos = items, pos

    def children(self):
        return [v for _, v in self.items]

    def text(self) -> str:
        return "{" + ",".join(f"{k}:{v.text()}" for k, v in self.items) + "}"


class Subscript(Expr):
    def __init__(self, base: Expr, index: Expr, pos: int = 0):
        self.base, self.index, self.pos = base, index, pos

    def children(self):
        return [self.base, self.index]

    def text(self) -> str:
        return f"{self.base.text()}[{self.index.text()}]"


class Slice(Expr):
    def __init__(self, base: Expr, lo: Expr | None, hi: Expr | None, pos: int = 0):
        self.base, self.lo, self.hi, self.pos = base, lo, hi, pos

    def children(self):
        return [self.base, self.lo, self.hi]

    def text(self) -> str:
        lo = self.lo.text() if self.lo else ""
        hi = self.hi.text() if self.hi else ""
        return f"{self.base.text()}[{lo}..{hi}]"


class Case(Expr):
    def __init__(
        self,
        subject: Expr | None,
        whens: list[tuple[Expr, Expr]],
        default: Expr | None,
        pos: int = 0,
        generic: bool = True,
    ):
        self.subject, self.whens, self.default, self.pos = subject, whens, default, pos
        self.generic = generic  # False for the ``cond ? a : b`` form

    def children(self):
        out = [self.subject, self.default]
        for w, t in self.whens:
            out += [w, t]
        return out

    def text(self) -> str:
        if not self.generic:
            ((cond, then),) = self.whens
            return f"({cond.text()} ? {then.text()} : {self.default.text()})"
        parts = ["CASE"]
        if self.subject is not None:
            parts.append(self.subject.text())
        for w, t in self.whens:
            parts += ["WHEN", w.text(), "THEN", t.text()]
        if self.default is not None:
            parts += ["ELSE", self.default.text()]
        parts.append("END")
        return " ".join(parts)


class ListComp(Expr):
    def __init__(self, var: str, source: Expr, where: Expr | None, mapping: Expr | None, pos: int = 0):
        self.var, self.source, self.where, self.mapping, self.pos = var, source, where, mapping, pos

    def children(self):
        return [self.source, self.where, self.mapping]

    def text(self) -> str:
        out = f"[{self.var} IN {self.source.text()}"
        if self.where is not None:
            out += f" WHERE {self.where.text()}"
        if self.mapping is not None:
            out += f" | {self.mapping.text()}"
        return out + "]"


class Predicate(Expr):
    """all/any/single/none(x IN list WHERE cond)."""

    def __init__(self, kind: str, raw: str, var: str, source: Expr, where: Expr | None, pos: int = 0):
        self.kind, self.raw, self.var, self.source, self.where, self.pos = kind, raw, var, source, where, pos

    def children(self):
        return [self.source, self.where]

    def text(self) -> str:
        w = f" WHERE {self.where.text()}" if self.where is not None else ""
        return f"{self.kind}({self.var} IN {self.source.text()}{w})"


class Reduce(Expr):
    def __init__(self, acc: str, init: Expr, var: str, source: Expr, mapping: Expr, pos: int = 0):
        self.acc, self.init, self.var, self.source, self.mapping, self.pos = acc, init, var, source, mapping, pos

    def children(self):
        return [self.init, self.source, self.mapping]

    def text(self) -> str:
        return f"reduce({self.acc} = {self.init.text()}, {self.var} IN {self.source.text()} | {self.mapping.text()})"


class TypeCast(Expr):
    def __init__(self, type_name: str, operand: Expr, pos: int = 0):
        self.type_name, self.operand, self.pos = type_name, operand, pos

    def children(self):
        return [self.operand]

    def text(self) -> str:
        return f"({self.type_name}){self.operand.text()}"


class PatternExpr(Expr):
    """A path pattern used as an expression (a list of the matching paths)."""

    def __init__(self, path: "PathPattern", pos: int = 0, raw: str = ""):
        self.path, self.pos, self.raw = path, pos, raw

    def text(self) -> str:
        return self.path.text()


def mark_bool_patterns(e: Expr) -> Expr:
    """Mark the pattern expressions of a condition (alone or under AND/OR/XOR/NOT) so
    they evaluate to whether the pattern matches rather than to the list of paths."""
    if isinstance(e, PatternExpr):
        e.as_bool = True
    elif isinstance(e, Binary) and e.op in ("AND", "OR", "XOR"):
        mark_bool_patterns(e.left)
        mark_bool_patterns(e.right)
    elif isinstance(e, Unary) and e.op in ("NOT", "!"):
        mark_bool_patterns(e.operand)
    return e


class Star(Expr):
    def text(self) -> str:
        return "*"


# ---------------------------------------------------------------- patterns


@dataclass
class NodePattern:
    var: str | None
    labels: list[str]
    props: MapExpr | None
    pos: int = 0

    def text(self) -> str:
        out = self.var or ""
        for label in self.labels:
            out += ":" + label
        if self.props is not None:
            out += self.props.text()
        return f"({out})"


@dataclass
class EdgePattern:
    var: str | None
    types: list[str]
    props: MapExpr | None
    direction: str  # "out" (->), "in" (<-), "both" (-)
    min_hop: int = 1
    max_hop: int | None = 1
    var_length: bool = False
    pos: int = 0

    def text(self) -> str:
        inner = self.var or ""
        if self.types:
            inner += ":" + "|".join(self.types)
        if self.var_length:
            inner += "*" + (f"{self.min_hop}..{self.max_hop if self.max_hop is not None else ''}")
        if self.props is not None:
            inner += self.props.text()
        body = f"[{inner}]" if inner else ""
        left = "<-" if self.direction == "in" else "-"
        right = "->" if self.direction == "out" else "-"
        return f"{left}{body}{right}"


@dataclass
class PathPattern:
    var: str | None
    nodes: list[NodePattern]
    edges: list[EdgePattern]
    shortest: str | None = None  # None, "shortestPath", "allShortestPaths"
    pos: int = 0

    def text(self) -> str:
        out = self.nodes[0].text()
        for e, nd in zip(self.edges, self.nodes[1:]):
            out += e.text() + nd.text()
        return out


# ---------------------------------------------------------------- statements


@dataclass
class YieldColumn:
    expr: Expr
    alias: str | None = None

    @property
    def name(self) -> str:
        return self.alias if self.alias is not None else self.expr.text()


@dataclass
class Stmt:
    pos: int = field(default=0, kw_only=True)


@dataclass
class GoStmt(Stmt):
    min_steps: int
    max_steps: int
    from_: "VidSource"
    over: list[str]  # empty = *
    direction: str  # out / in / both
    where: Expr | None
    yields: list[YieldColumn] | None
    distinct: bool = False
    sample: Expr | None = None
    limit: Expr | None = None
    truncate_pos: int = 0


@dataclass
class VidSource:
    """FROM/TO vertex ids: literal expressions, or a column of the input/a variable."""

    exprs: list[Expr] | None = None
    ref: InputProp | None = None


@dataclass
class FetchVerticesStmt(Stmt):
    tags: list[str]  # empty = *
    vids: VidSource
    yields: list[YieldColumn] | None
    distinct: bool = False


@dataclass
class EdgeKeyRef:
    src: Expr
    dst: Expr
    rank: Expr | None


@dataclass
class FetchEdgesStmt(Stmt):
    edge: str
    keys: list[EdgeKeyRef]
    yields: list[YieldColumn] | None
    distinct: bool = False


@dataclass
class LookupStmt(Stmt):
    schema: str
    where: Expr | None
    yields: list[YieldColumn] | None
    distinct: bool = False


@dataclass
class JoinClause:
    """``FROM $left <mode> JOIN $right ON $left.col == $right.col`` of a YIELD (mode
    INNER, LEFT, RIGHT, OUTER, SEMI, ANTI, or CROSS for a bare ``JOIN`` without ON)."""

    mode: str
    left: str
    right: str
    left_key: InputProp | None = None
    right_key: InputProp | None = None


@dataclass
class YieldStmt(Stmt):
    columns: list[YieldColumn]
    distinct: bool = False
    where: Expr | None = None
    join: JoinClause | None = None


@dataclass
class UnwindStmt(Stmt):
    """nGQL's ``UNWIND expr AS alias`` sentence (a pipe stage: one column, ``alias``)."""

    expr: Expr
    alias: str


@dataclass
class OrderByStmt(Stmt):
    items: list[tuple[Expr, bool]]  # (expr, descending)


@dataclass
class LimitStmt(Stmt):
    offset: int
    count: int


@dataclass
class GroupByStmt(Stmt):
    keys: list[Expr]
    yields: list[YieldColumn]


@dataclass
class FindPathStmt(Stmt):
    kind: str  # SHORTEST / SINGLE SHORTEST / ALL / NOLOOP
    with_prop: bool
    from_: VidSource
    to: VidSource
    over: list[str]
    direction: str
    where: Expr | None
    upto: int
    yields: list[YieldColumn] | None


@dataclass
class SubgraphStmt(Stmt):
    with_prop: bool
    steps: int
    from_: VidSource
    in_edges: list[str] | None
    out_edges: list[str] | None
    both_edges: list[str] | None
    where: Expr | None
    yields: list[YieldColumn] | None


# --- cypher
@dataclass
class MatchClause:
    patterns: list[PathPattern]
    where: Expr | None
    optional: bool = False


@dataclass
class UnwindClause:
    expr: Expr
    alias: str


@dataclass
class ReturnBody:
    columns: list[YieldColumn] | None  # None = *
    star: bool = False
    distinct: bool = False
    order: list[tuple[Expr, bool]] | None = None
    skip: Expr | None = None
    limit: Expr | None = None


@dataclass
class WithClause:
    body: ReturnBody
    where: Expr | None


@dataclass
class ReturnClause:
    body: ReturnBody


@dataclass
class MatchStmt(Stmt):
    clauses: list[Any]


# --- composition
@dataclass
class PipeStmt(Stmt):
    left: Stmt
    right: Stmt


@dataclass
class SetOpStmt(Stmt):
    op: str  # UNION / UNION ALL / INTERSECT / MINUS
    left: Stmt
    right: Stmt


@dataclass
class AssignStmt(Stmt):
    var: str
    stmt: Stmt


@dataclass
class SequenceStmt(Stmt):
    stmts: list[Stmt]


# --- admin / schema / data changes (all "write" except USE/SHOW/DESCRIBE)
@dataclass
class UseStmt(Stmt):
    space: str


@dataclass
class ShowStmt(Stmt):
    what: str  # SPACES TAGS EDGES TAG INDEXES EDGE INDEXES ...
    name: str | None = None


@dataclass
class DescribeStmt(Stmt):
    what: str  # TAG EDGE SPACE
    name: str


@dataclass
class PropDef:
    name: str
    type: str
    fixed_len: int | None = None
    nullable: bool = True
    default: Expr | None = None


@dataclass
class CreateSpaceStmt(Stmt):
    name: str
    if_not_exists: bool
    vid_type: str = "FIXED_STRING"
    vid_len: int = 8
    options: dict = field(default_factory=dict)


@dataclass
class CreateSchemaStmt(Stmt):
    kind: str  # TAG / EDGE
    name: str
    if_not_exists: bool
    props: list[PropDef]


@dataclass
class AlterSchemaStmt(Stmt):
    kind: str
    name: str
    adds: list[PropDef]
    drops: list[str]


@dataclass
class CreateIndexStmt(Stmt):
    kind: str  # TAG / EDGE
    name: str
    if_not_exists: bool
    schema: str
    fields: list[str]


@dataclass
class DropStmt(Stmt):
    kind: str  # SPACE TAG EDGE TAG INDEX EDGE INDEX
    name: str
    if_exists: bool


@dataclass
class InsertVertexStmt(Stmt):
    if_not_exists: bool
    tags: list[tuple[str, list[str] | None]]  # None: no property list (all, in schema order)
    rows: list[tuple[Expr, list[Expr]]]
    #: rows hold plain values instead of expressions (the parser's fast path for literals)
    literal: bool = False


@dataclass
class InsertEdgeStmt(Stmt):
    if_not_exists: bool
    edge: str
    props: list[str] | None
    rows: list[tuple[Expr, Expr, Expr | None, list[Expr]]]
    literal: bool = False


@dataclass
class UpdateStmt(Stmt):
    upsert: bool
    kind: str  # VERTEX / EDGE
    schema: str | None
    vid: Expr | None
    edge_key: EdgeKeyRef | None
    sets: list[tuple[str, Expr]]
    when: Expr | None
    yields: list[YieldColumn] | None


@dataclass
class DeleteVertexStmt(Stmt):
    vids: VidSource
    with_edge: bool


@dataclass
class DeleteEdgeStmt(Stmt):
    edge: str
    keys: list[EdgeKeyRef]


@dataclass
class DeleteTagStmt(Stmt):
    tags: list[str]
    vids: VidSource


@dataclass
class NoopStmt(Stmt):
    """Admin statements with nothing to do here (REBUILD INDEX, SUBMIT JOB...)."""

    text: str = ""
    writes: bool = True


READ_STATEMENTS = (
    GoStmt,
    FetchVerticesStmt,
    FetchEdgesStmt,
    LookupStmt,
    YieldStmt,
    UnwindStmt,
    OrderByStmt,
    LimitStmt,
    GroupByStmt,
    FindPathStmt,
    SubgraphStmt,
    MatchStmt,
    UseStmt,
    ShowStmt,
    DescribeStmt,
)


def is_read_only(stmt: Stmt) -> bool:
    """True when every statement of ``stmt`` (pipes, sequences, set operations,
    assignments included) only reads. An allow-list: unknown kinds count as writes."""
    return first_refused(stmt) is None


def first_refused(stmt: Stmt) -> Stmt | None:
    """The first statement of ``stmt`` (through pipes, sequences, set operations and
    assignments) that is not on the read allow-list, or None when all only read."""
    if isinstance(stmt, (PipeStmt, SetOpStmt)):
        return first_refused(stmt.left) or first_refused(stmt.right)
    if isinstance(stmt, AssignStmt):
        return first_refused(stmt.stmt)
    if isinstance(stmt, SequenceStmt):
        return next((s for s in map(first_refused, stmt.stmts) if s is not None), None)
    return None if isinstance(stmt, READ_STATEMENTS) else stmt
