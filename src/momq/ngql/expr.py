"""Expression compiler: turns an expression tree into a Python closure ``fn(env)``.

Compiling once per statement (instead of interpreting the tree per row) keeps hot loops
such as a GO step over thousands of edges cheap. Names are resolved at compile time
against a :class:`Scope` that says which statement the expression lives in (GO, MATCH,
LOOKUP, FETCH, YIELD...), because nGQL gives ``a.b`` different meanings there: an edge
property in GO, a tag property in LOOKUP, a property of a variable in MATCH.

Constant sub-expressions are folded at compile time; arithmetic that overflows or mixes
incompatible types in a constant raises NebulaGraph's SemanticError then, while the
same problem at run time yields a NULL, as NebulaGraph does.

The row ``env`` is a dict: MATCH variables and YIELD aliases under their names, the
piped input row under ``"$-"``, a variable's row under ``"$name"``, and for GO steps
``"$^"``/``"$$"`` (source/destination VID) and ``"@e"`` (the edge being walked,
with ``"@rev"`` true when walked against its direction).
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from typing import Any, Callable

from momq.ngql import ast as A
from momq.ngql.budget import Budget
from momq.ngql.errors import NgqlError, NgqlExecutionError, NgqlSemanticError, NgqlSyntaxError
from momq.ngql.functions import (
    ARITY,
    BUILD_SIZE,
    FUNCTIONS,
    NON_DETERMINISTIC,
    to_boolean,
    to_float,
    to_integer,
    to_string,
)
from momq.ngql.temporal import add_duration, add_durations, date_plus_days, days_between
from momq.ngql.values import (
    BAD_TYPE,
    DIV_BY_ZERO,
    EMPTY,
    NULL,
    OVERFLOW,
    UNKNOWN_PROP,
    Duration,
    Edge,
    NullValue,
    Path,
    Vertex,
    hashable,
    is_empty,
    is_null,
    type_name,
)

INT_MIN, INT_MAX = -(1 << 63), (1 << 63) - 1
EPS = 1e-8
Fn = Callable[[dict], Any]


class _Err:
    """A type or overflow problem found while evaluating an operator."""

    __slots__ = ("kind",)

    def __init__(self, kind: str):
        self.kind = kind


TYPE_ERR = _Err("type")
OVERFLOW_ERR = _Err("overflow")
DIV0_ERR = _Err("div0")


def _is_int(v):
    return v.__class__ is int


def _is_num(v):
    c = v.__class__
    return c is int or c is float


# ------------------------------------------------------------------ operators


def arith(op: str, a: Any, b: Any) -> Any:
    ca, cb = a.__class__, b.__class__
    if ca is NullValue or cb is NullValue:
        return NULL
    if ca is type(EMPTY) or cb is type(EMPTY):
        return EMPTY
    if op == "+":
        if (ca is int or ca is float) and (cb is int or cb is float):
            r = a + b
            if ca is int and cb is int and not INT_MIN <= r <= INT_MAX:
                return OVERFLOW_ERR
            return r
        if ca is str or cb is str:
            if ca is str and cb is str:
                return a + b
            other = b if ca is str else a
            if isinstance(other, (list, dict, frozenset, Vertex, Edge, Path)):
                return TYPE_ERR
            s = to_string(other)
            return a + s if ca is str else s + b
        if ca is list:
            return a + b if cb is list else a + [b]
        if cb is list:
            return [a] + b
        if cb is Duration:
            if ca is Duration:
                return add_durations(a, b)
            if ca in _TEMPORAL:
                return _temporal(add_duration(a, b))
        if ca is _dt.date and cb is int:
            return _temporal(date_plus_days(a, b))
        if ca is int and cb is _dt.date:
            return _temporal(date_plus_days(b, a))
        return TYPE_ERR
    if op == "-":
        if (ca is int or ca is float) and (cb is int or cb is float):
            r = a - b
            if ca is int and cb is int and not INT_MIN <= r <= INT_MAX:
                return OVERFLOW_ERR
            return r
        if cb is Duration:
            if ca is Duration:
                return add_durations(a, b, -1)
            if ca in _TEMPORAL:
                return _temporal(add_duration(a, b, -1))
        if ca is _dt.date:
            if cb is int:
                return _temporal(date_plus_days(a, -b))
            if cb is _dt.date:
                return days_between(a, b)
        return TYPE_ERR
    if not ((ca is int or ca is float) and (cb is int or cb is float)):
        return TYPE_ERR
    if op == "*":
        r = a * b
        if ca is int and cb is int and not INT_MIN <= r <= INT_MAX:
            return OVERFLOW_ERR
        return r
    if op == "/":
        if b == 0:
            return DIV0_ERR
        if ca is int and cb is int:
            q = abs(a) // abs(b)
            r = q if (a >= 0) == (b >= 0) else -q
            if not INT_MIN <= r <= INT_MAX:
                return OVERFLOW_ERR
            return r
        return a / b
    if op == "%":
        if b == 0:
            return DIV0_ERR
        if ca is int and cb is int:
            return (
                int(math.fmod(a, b)) if abs(a) < 2**52 and abs(b) < 2**52 else (abs(a) % abs(b)) * (1 if a >= 0 else -1)
            )
        return math.fmod(a, b)
    return TYPE_ERR


_TEMPORAL = (_dt.date, _dt.time, _dt.datetime)


def _temporal(r: Any) -> Any:
    """A temporal result, or the type-error marker when the operands did not fit."""
    return TYPE_ERR if r is BAD_TYPE else r


def negate(a: Any) -> Any:
    c = a.__class__
    if c is int:
        if a == INT_MIN:
            return OVERFLOW_ERR
        return -a
    if c is float:
        return -a
    if c is NullValue:
        return NULL
    if is_empty(a):
        return EMPTY
    return TYPE_ERR


def equal(a: Any, b: Any) -> Any:
    """``a == b`` with NebulaGraph's NULL/EMPTY rules (NULL when either side is NULL)."""
    ca, cb = a.__class__, b.__class__
    if ca is NullValue or cb is NullValue:
        return NULL
    return strict_equal(a, b)


def strict_equal(a: Any, b: Any) -> bool:
    ca, cb = a.__class__, b.__class__
    if (ca is int or ca is float) and (cb is int or cb is float):
        if ca is float or cb is float:
            return abs(a - b) < EPS
        return a == b
    if ca is not cb:
        if isinstance(a, _dt.date) and isinstance(b, _dt.date):
            return a == b
        return False
    if ca is list:
        return len(a) == len(b) and all(strict_equal(x, y) for x, y in zip(a, b))
    if ca is dict:
        return a.keys() == b.keys() and all(strict_equal(a[k], b[k]) for k in a)
    return a == b


def less(a: Any, b: Any) -> Any:
    """``a < b``: NULL for NULL operands or incomparable types."""
    ca, cb = a.__class__, b.__class__
    if ca is NullValue or cb is NullValue:
        return NULL
    if (ca is int or ca is float) and (cb is int or cb is float):
        if ca is float or cb is float:
            return a < b and abs(a - b) >= EPS
        return a < b
    if ca is str and cb is str:
        return a < b
    if ca is list and cb is list:
        for x, y in zip(a, b):
            if strict_equal(x, y):
                continue
            return _total_less(x, y)
        return len(a) < len(b)
    if ca is cb and ca in (_dt.date, _dt.datetime, _dt.time):
        return a < b
    if ca is bool and cb is bool:
        return a < b
    if ca is type(EMPTY) and cb is type(EMPTY):
        return False
    return NULL


def _total_less(x, y) -> bool:
    from momq.ngql.values import sort_key

    r = less(x, y)
    if r is True or r is False:
        return r
    return sort_key(x) < sort_key(y)


def compare(op: str, a: Any, b: Any) -> Any:
    if op == "==":
        return equal(a, b)
    if op == "!=":
        r = equal(a, b)
        return r if r is NULL else not r
    if op == "<":
        return less(a, b)
    if op == ">":
        return less(b, a)
    if op == "<=":
        r = less(b, a)
        return r if r is NULL else not r
    if op == ">=":
        r = less(a, b)
        return r if r is NULL else not r
    raise AssertionError(op)


def in_list(a: Any, lst: Any) -> Any:
    if is_null(lst):
        return NULL
    if isinstance(lst, frozenset):
        lst = list(lst)
    if isinstance(lst, dict):
        lst = list(lst.keys())
    if not isinstance(lst, list):
        return TYPE_ERR
    if is_null(a):
        return NULL
    saw_null = False
    for x in lst:
        r = equal(a, x)
        if r is True:
            return True
        if r is NULL:
            saw_null = True
    return NULL if saw_null else False


def truth(v: Any) -> bool:
    return v is True


def logic_and(a, b):
    if a is False or b is False:
        return False
    if a is True and b is True:
        return True
    if (a is True or is_null(a) or is_empty(a)) and (b is True or is_null(b) or is_empty(b)):
        return NULL
    return TYPE_ERR


def logic_or(a, b):
    if a is True or b is True:
        return True
    if a is False and b is False:
        return False
    if (a is False or is_null(a) or is_empty(a)) and (b is False or is_null(b) or is_empty(b)):
        return NULL
    return TYPE_ERR


def logic_xor(a, b):
    if (a is True or a is False) and (b is True or b is False):
        return a != b
    if (is_null(a) or isinstance(a, bool)) and (is_null(b) or isinstance(b, bool)):
        return NULL
    return TYPE_ERR


def logic_not(a):
    if a is True:
        return False
    if a is False:
        return True
    if is_null(a) or is_empty(a):
        return NULL
    return TYPE_ERR


def str_op(op: str, a: Any, b: Any) -> Any:
    if is_null(a) or is_null(b) or is_empty(a) or is_empty(b):
        return NULL
    if not (isinstance(a, str) and isinstance(b, str)):
        return TYPE_ERR
    neg = op.startswith("NOT ")
    base = op[4:] if neg else op
    if base == "STARTS WITH":
        r = a.startswith(b)
    elif base == "ENDS WITH":
        r = a.endswith(b)
    else:
        r = b in a
    return (not r) if neg else r


_REGEX_CACHE: dict[str, Any] = {}


def regex_match(a: Any, b: Any) -> Any:
    if is_null(a) or is_null(b):
        return NULL
    if not (isinstance(a, str) and isinstance(b, str)):
        return TYPE_ERR
    rx = _REGEX_CACHE.get(b)
    if rx is None:
        try:
            rx = _REGEX_CACHE[b] = re.compile(b)
        except re.error:
            return BAD_TYPE
    return rx.fullmatch(a) is not None


def get_attr(v: Any, name: str) -> Any:
    """``v.name`` for a value: vertex/edge/map property, date/time field."""
    c = v.__class__
    if c is Vertex:
        if name == "_vid":
            return v.vid
        if name in v.tags:  # ``v.tag``: the tag's properties as a map
            return dict(v.tags[name])
        for props in v.tags.values():
            if name in props:
                return props[name]
        return UNKNOWN_PROP
    if c is Edge:
        if name in v.props:
            return v.props[name]
        if name == "_src":
            return v.src
        if name == "_dst":
            return v.dst
        if name == "_rank":
            return v.rank
        if name == "_type":
            return v.type
        return UNKNOWN_PROP
    if c is dict:
        return v.get(name, UNKNOWN_PROP)
    if c is NullValue:
        return NULL
    if is_empty(v):
        return EMPTY
    if isinstance(v, (_dt.date, _dt.time)):
        field = name.lower()
        if field == "millisecond":
            return getattr(v, "microsecond", 0) // 1000
        if field == "microsecond":
            return getattr(v, "microsecond", 0) % 1000 if False else getattr(v, "microsecond", 0)
        val = getattr(v, field, None)
        if isinstance(val, int):
            return val
        return UNKNOWN_PROP
    return BAD_TYPE


def subscript(base: Any, idx: Any) -> Any:
    if is_null(base) or is_null(idx):
        return NULL
    if isinstance(base, list):
        if not _is_int(idx):
            return BAD_TYPE
        if -len(base) <= idx < len(base):
            return base[idx]
        return NULL
    if isinstance(base, dict):
        if not isinstance(idx, str):
            return BAD_TYPE
        return base.get(idx, NULL)
    if isinstance(base, (Vertex, Edge)):
        if not isinstance(idx, str):
            return BAD_TYPE
        r = get_attr(base, idx)
        return NULL if r is UNKNOWN_PROP else r
    if isinstance(base, str):
        if not _is_int(idx):
            return BAD_TYPE
        return base[idx] if -len(base) <= idx < len(base) else NULL
    return BAD_TYPE


def slice_(base: Any, lo: Any, hi: Any) -> Any:
    if is_null(base):
        return NULL
    if not isinstance(base, (list, str)):
        return BAD_TYPE
    n = len(base)
    if lo is None:
        lo = 0
    if hi is None:
        hi = n
    if is_null(lo) or is_null(hi):
        return NULL
    if not (_is_int(lo) and _is_int(hi)):
        return BAD_TYPE
    if lo < 0:
        lo = max(n + lo, 0)
    if hi < 0:
        hi = max(n + hi, 0)
    return base[lo:hi]


def cast(type_name_: str, v: Any) -> Any:
    t = type_name_
    if t in ("INT", "INT64", "INT32", "INT16", "INT8"):
        return to_integer(v)
    if t in ("FLOAT", "DOUBLE"):
        return to_float(v)
    if t == "STRING":
        return to_string(v)
    if t == "BOOL":
        if isinstance(v, bool):
            return v
        if _is_num(v):
            return v != 0
        return to_boolean(v)
    if t == "SET":
        from momq.ngql.functions import FUNCTIONS as F

        return F["toset"](v)
    return v


# ------------------------------------------------------------------ scope


class Scope:
    """What names mean where an expression is compiled.

    ``kind``: "go", "match", "lookup_tag", "lookup_edge", "fetch_tag", "fetch_edge",
    "yield", "path", "subgraph". ``space`` is the current space (or None).
    ``input_cols`` are the columns of ``$-`` (None: no input), ``variables`` the
    assigned variables (name -> columns). ``names`` are MATCH variables / aliases in
    scope with their kinds ("node", "edge", "edges", "path", "value").
    """

    def __init__(
        self,
        kind: str,
        space=None,
        input_cols: list[str] | None = None,
        variables: dict[str, list[str]] | None = None,
        names: dict[str, str] | None = None,
        over: list[str] | None = None,
        schema: str | None = None,
        qctx=None,
    ):
        self.kind = kind
        self.space = space
        self.input_cols = input_cols
        self.variables = variables or {}
        self.names = names if names is not None else {}
        self.over = over or []
        self.schema = schema
        self.qctx = qctx
        self.agg_slots: dict[int, int] | None = None  # id(FuncCall) -> slot, when aggregating
        self.pattern_fn: Callable | None = None  # compiles a PatternExpr (MATCH)
        self.local: set[str] = set()  # list comprehension / predicate variables
        self.allow_agg = False
        # False where NebulaGraph only folds constants without deducing types first (the
        # property maps of MATCH patterns): a constant type error is then "Type error `...'"
        self.type_checks = True


def has_aggregate(e: A.Expr) -> bool:
    return any(isinstance(x, A.FuncCall) and x.is_aggregate for x in _walk_no_local(e))


def _walk_no_local(e: A.Expr):
    yield e
    for c in e.children():
        if c is not None:
            yield from _walk_no_local(c)


def aggregates_in(e: A.Expr) -> list[A.FuncCall]:
    out = []

    def visit(x):
        if isinstance(x, A.FuncCall) and x.is_aggregate:
            out.append(x)
            return
        for c in x.children():
            if c is not None:
                visit(c)

    visit(e)
    return out


def is_constant(e: A.Expr) -> bool:
    for x in e.walk():
        if isinstance(
            x,
            (
                A.Label,
                A.Attribute,
                A.InputProp,
                A.VarRef,
                A.SrcDstProp,
                A.SrcDstVertex,
                A.Keyword,
                A.PatternExpr,
                A.ListComp,
                A.Predicate,
                A.Reduce,
                A.Star,
            ),
        ):
            if isinstance(x, A.Attribute):
                continue
            return False
        if isinstance(x, A.FuncCall) and (
            x.is_aggregate
            or x.lname in NON_DETERMINISTIC
            or x.lname not in FUNCTIONS
            or x.lname in ("date", "time", "datetime", "timestamp")
            and not x.args
        ):
            return False
    return True


# ------------------------------------------------------------------ compiler


def compile_expr(e: A.Expr, sc: Scope) -> Fn:
    fn = _compile(e, sc)
    return fn


def _finish(fn: Fn) -> Fn:
    """Wrap an operator closure so internal error markers become NULL kinds at run time."""

    def run(env):
        r = fn(env)
        if r.__class__ is _Err:
            return {"type": BAD_TYPE, "overflow": OVERFLOW, "div0": DIV_BY_ZERO}[r.kind]
        return r

    return run


def _fold(e: A.Expr, fn: Fn) -> Any:
    """Evaluate a constant expression at compile time, raising NebulaGraph's semantic errors."""
    r = fn({})
    if r.__class__ is _Err:
        raise _const_error(e, r)
    return r


def _folded_text(e: A.Expr) -> str:
    """``e.text()`` after NebulaGraph's constant folding of the operands: a negated
    literal such as ``-(2)`` is already the constant ``-2`` when the outer operation
    fails, so the message shows ``(9223372036854775807*-2)``."""

    def operand(x: A.Expr) -> str:
        if isinstance(x, A.Const) or not is_constant(x):
            return x.text()
        try:
            v = _compile(x, Scope("yield"))({})
        except NgqlError:
            return x.text()
        if v.__class__ is _Err or isinstance(v, NullValue) and v is not NULL:
            return x.text()
        return A.Const(v).text()

    if isinstance(e, A.Binary):
        return f"({operand(e.left)}{A._BIN_TEXT.get(e.op, e.op)}{operand(e.right)})"
    return e.text()


def _const_error(e: A.Expr, err: _Err) -> NgqlSemanticError:
    if err.kind == "overflow":
        return NgqlSemanticError(f"result of {_folded_text(e)} cannot be represented as an integer")
    if err.kind == "div0":
        return NgqlSemanticError("Divide by 0")
    return NgqlSemanticError(f"Type error `{_folded_text(e)}'")


def _budget(sc: Scope) -> Budget:
    """The budget values built by a compiled expression are charged to: the query's, or
    (for an expression compiled outside a query) a fresh default one."""
    return sc.qctx if sc.qctx is not None else Budget()


def _compile(e: A.Expr, sc: Scope) -> Fn:
    m = getattr(_Compiler, "c_" + type(e).__name__)
    return m(e, sc)


def _const_fn(v):
    return lambda env: v


def _operand_type_error(e: A.Binary, a: Any, b: Any) -> NgqlSemanticError:
    op = e.op
    if op in ("AND", "OR", "XOR"):
        sym = {"AND": "&&' or `AND", "OR": "||' or `OR", "XOR": "^' or `XOR"}[op]
        return NgqlSemanticError(
            f"`{e.text()}' is not a valid expression, can not apply `{sym}' operator "
            f"to `{type_name(a)}' and `{type_name(b)}'."
        )
    if op in ("+", "-", "*", "/", "%"):
        return NgqlSemanticError(
            f"`{e.text()}' is not a valid expression, can not apply `{op}' to `{type_name(a)}' and `{type_name(b)}'."
        )
    return NgqlSemanticError(f"Type error `{e.text()}'")


class _Compiler:
    @staticmethod
    def c_Const(e: A.Const, sc: Scope) -> Fn:
        return _const_fn(e.value)

    @staticmethod
    def c_Star(e, sc):
        return _const_fn(NULL)

    @staticmethod
    def c_Label(e: A.Label, sc: Scope) -> Fn:
        name = e.name
        if name in sc.local or name in sc.names or sc.kind in ("match", "yield_alias"):
            if name not in sc.local and name not in sc.names:
                if sc.kind == "match" and not sc.names:
                    # nothing is in scope at all (``RETURN name``): not an alias but a label
                    raise NgqlSemanticError(f"Invalid label identifiers: {name}")
                raise NgqlSemanticError(f"Alias used but not defined: `{name}'")

            def get(env):
                try:
                    return env[name]
                except KeyError:
                    return NULL

            return get
        if sc.kind in ("lookup_tag", "lookup_edge", "fetch_tag", "fetch_edge", "go"):
            raise NgqlSemanticError(f"Invalid label identifiers: {name}")
        raise NgqlSemanticError(f"Invalid label identifiers: {name}")

    @staticmethod
    def c_Attribute(e: A.Attribute, sc: Scope) -> Fn:
        base = e.base
        name = e.name
        # $-.x handled by InputProp; here: label.prop / a.b.c
        if isinstance(base, A.Label) and base.name not in sc.local and base.name not in sc.names:
            lab = base.name
            space = sc.space
            if sc.kind == "go":
                return _go_edge_prop(e, lab, name, sc)
            if sc.kind in ("lookup_tag", "fetch_tag"):
                return _vertex_tag_prop(e, lab, name, sc)
            if sc.kind in ("lookup_edge", "fetch_edge"):
                return _edge_prop_of_current(e, lab, name, sc)
            if sc.kind in ("path", "subgraph") and space is not None and lab in space.edges:
                return _edge_prop_of_current(e, lab, name, sc)
            if sc.kind == "match":
                raise NgqlSemanticError(f"Alias used but not defined: `{lab}'")
            if sc.kind == "yield" and name in ("_src", "_dst", "_rank", "_type"):
                # ``YIELD like._dst`` outside GO: edge key columns only exist in GO
                raise NgqlSemanticError("Only support input and variable in yield sentence.")
            raise NgqlSemanticError(f"Invalid label identifiers: {lab}")
        # v.tag.prop
        if isinstance(base, A.Attribute):
            inner = _compile(base.base, sc)
            tag = base.name

            def tag_prop(env):
                v = inner(env)
                if v.__class__ is Vertex:
                    props = v.tags.get(tag)
                    if props is None:
                        return NULL
                    return props.get(name, NULL)
                r = get_attr(get_attr(v, tag), name)
                return NULL if r is UNKNOWN_PROP else r

            return tag_prop
        inner = _compile(base, sc)
        if is_constant(base):
            v = _fold(base, inner)
            if not isinstance(v, (dict, Vertex, Edge, _dt.date, _dt.time)) and not is_null(v):
                raise NgqlSemanticError(
                    f"`{e.text()}', expected type with attribute like Date, Time, DateTime, Map, Vertex or Edge "
                    f"but was {type_name(v)}: {A.const_text(v)}"
                )

        if sc.kind == "match" and isinstance(base, A.Label) and sc.names.get(base.name) == "node":

            def vertex_attr(env):
                v = inner(env)
                if v.__class__ is Vertex:
                    # v.tag is the tag's properties as a map; v.prop without a tag is
                    # UNKNOWN_PROP in NebulaGraph 3 (printed as NULL)
                    if name in v.tags:
                        return dict(v.tags[name])
                    return UNKNOWN_PROP if name != "_vid" else v.vid
                r = get_attr(v, name)
                return r

            return vertex_attr

        def attr(env):
            return get_attr(inner(env), name)

        return attr

    @staticmethod
    def c_InputProp(e: A.InputProp, sc: Scope) -> Fn:
        if e.var is None:
            cols = sc.input_cols
            if cols is None or (e.col != "*" and e.col not in cols):
                raise NgqlSemanticError(f"`{e.text()}', not exist prop `{e.col}'")
            key = "$-"
        else:
            if e.var not in sc.variables:
                raise NgqlSemanticError(f"`{e.text()}', not exist variable `{e.var}'")
            if e.col != "*" and e.col not in sc.variables[e.var]:
                raise NgqlSemanticError(f"`{e.text()}', not exist prop `{e.col}'")
            key = "$" + e.var
        col = e.col
        if col == "*":
            return lambda env: env.get(key)

        def get(env):
            row = env.get(key)
            if row is None:
                return NULL
            return row.get(col, NULL)

        return get

    @staticmethod
    def c_VarRef(e: A.VarRef, sc: Scope) -> Fn:
        raise NgqlSyntaxError(f"Direct output of variable is prohibited near `{e.text()}'")

    @staticmethod
    def c_SrcDstProp(e: A.SrcDstProp, sc: Scope) -> Fn:
        if sc.kind == "match":
            raise NgqlSemanticError(f"Expression {e.text()} is not allowed to use in cypher")
        space = sc.space
        schema = space.tags.get(e.tag) if space is not None else None
        if schema is None:
            raise NgqlExecutionError(f"TagNotFound: TagName `{e.tag}`")
        if schema.prop(e.prop) is None and e.prop not in ("_vid",):
            raise NgqlSemanticError(f"`{e.text()}', not found the property `{e.prop}'.")
        key = "$^" if e.which == "^" else "$$"
        vertices = space.vertices
        tag, prop = e.tag, e.prop

        def get(env):
            tags = vertices.get(env.get(key))
            if tags is None:
                return EMPTY
            props = tags.get(tag)
            if props is None:
                return EMPTY
            return props.get(prop, NULL)

        return get

    @staticmethod
    def c_SrcDstVertex(e: A.SrcDstVertex, sc: Scope) -> Fn:
        if sc.kind == "match":
            raise NgqlSemanticError(f"Expression {e.text()} is not allowed to use in cypher")
        key = "$^" if e.which == "^" else "$$"
        space = sc.space

        def get(env):
            return make_vertex(space, env.get(key))

        return get

    @staticmethod
    def c_Keyword(e: A.Keyword, sc: Scope) -> Fn:
        w = e.word
        if w in sc.names or w in sc.local:
            return lambda env: env.get(w, NULL)
        if w == "edge":
            if sc.kind in ("go", "fetch_edge", "lookup_edge", "path"):
                return lambda env: env.get("@e", NULL)
            raise NgqlSemanticError(f"Invalid label identifiers: {e.raw}")
        if w == "vertex":
            if sc.kind == "go":
                space = sc.space
                return lambda env: make_vertex(space, env.get("$$"))
            if sc.kind in ("fetch_tag", "lookup_tag"):
                return lambda env: env.get("@v", NULL)
            raise NgqlSemanticError(f"Invalid label identifiers: {e.raw}")
        if w in ("vertices", "edges", "path"):
            key = "@" + w
            return lambda env: env.get(key, NULL)
        raise NgqlSemanticError(f"Invalid label identifiers: {e.raw}")

    @staticmethod
    def c_Unary(e: A.Unary, sc: Scope) -> Fn:
        inner = _compile(e.operand, sc)
        if e.op == "-":

            def fn(env):
                return negate(inner(env))
        elif e.op == "+":

            def fn(env):
                v = inner(env)
                return v if _is_num(v) or is_null(v) else TYPE_ERR
        else:

            def fn(env):
                return logic_not(inner(env))

        if is_constant(e):
            r = fn({})
            if r.__class__ is _Err:
                if r.kind == "overflow":
                    raise NgqlSemanticError(f"result of {e.text()} cannot be represented as an integer")
                raise NgqlSemanticError(f"Type error `{e.text()}'")
            return _const_fn(r)
        return _finish(fn)

    @staticmethod
    def c_Binary(e: A.Binary, sc: Scope) -> Fn:
        op = e.op
        lf = _compile(e.left, sc)
        rf = _compile(e.right, sc)
        if op == "+":
            budget = _budget(sc)

            def fn(env):
                r = arith(op, lf(env), rf(env))
                budget.charge_result(r)
                return r
        elif op in ("-", "*", "/", "%"):

            def fn(env):
                return arith(op, lf(env), rf(env))
        elif op in ("==", "!=", "<", ">", "<=", ">="):
            if op == "==":

                def fn(env):
                    a = lf(env)
                    b = rf(env)
                    if a.__class__ is str and b.__class__ is str:
                        return a == b
                    return equal(a, b)
            else:

                def fn(env):
                    return compare(op, lf(env), rf(env))
        elif op == "AND":

            def fn(env):
                a = lf(env)
                if a is False:
                    return False
                return logic_and(a, rf(env))
        elif op == "OR":

            def fn(env):
                a = lf(env)
                if a is True:
                    return True
                return logic_or(a, rf(env))
        elif op == "XOR":

            def fn(env):
                return logic_xor(lf(env), rf(env))
        elif op in ("IN", "NOT IN"):
            neg = op == "NOT IN"
            if (
                isinstance(e.right, A.Const)
                and not isinstance(e.right.value, (list, frozenset))
                and not is_null(e.right.value)
            ):
                raise NgqlSemanticError(f"`{e.right.text()}', expected LIST, but was {type_name(e.right.value)}")

            def fn(env):
                r = in_list(lf(env), rf(env))
                if neg and (r is True or r is False):
                    return not r
                return r
        elif op == "=~":

            def fn(env):
                return regex_match(lf(env), rf(env))
        else:

            def fn(env):
                return str_op(op, lf(env), rf(env))

        if is_constant(e):
            r = fn({})
            if r.__class__ is _Err:
                if r.kind == "type" and sc.type_checks:
                    raise _operand_type_error(e, _fold(e.left, lf), _fold(e.right, rf))
                raise _const_error(e, r)
            return _const_fn(r)
        if op in ("AND", "OR", "XOR") and is_constant(e.left) and is_constant(e.right) is False:
            pass
        return _finish(fn)

    @staticmethod
    def c_IsCheck(e: A.IsCheck, sc: Scope) -> Fn:
        inner = _compile(e.operand, sc)
        neg = e.negated
        if e.what == "NULL":

            def fn(env):
                return is_null(inner(env)) != neg
        else:

            def fn(env):
                return is_empty(inner(env)) != neg

        return fn

    @staticmethod
    def c_FuncCall(e: A.FuncCall, sc: Scope) -> Fn:
        name = e.lname
        if e.is_aggregate:
            if sc.agg_slots is None or id(e) not in sc.agg_slots:
                raise NgqlSemanticError(f"Invalid use of aggregating function in this context: `{e.text()}'")
            slot = sc.agg_slots[id(e)]
            return lambda env: env["@agg"][slot]
        if name == "exists":
            return _compile_exists(e, sc)
        if name == "uuid":
            raise NgqlSemanticError(f"Not supported expression `{e.text()}' for props deduction.")
        if name in ("id",) and sc.kind == "go" and e.args and isinstance(e.args[0], A.SrcDstVertex):
            key = "$^" if e.args[0].which == "^" else "$$"
            return lambda env: env.get(key)
        fn = FUNCTIONS.get(name)
        if fn is None:
            raise NgqlSemanticError(
                f"Unknown function `{e.name}'" if False else f"`{e.name}' is not a valid function name"
            )
        lo, hi = ARITY.get(name, (0, 99))
        if not lo <= len(e.args) <= hi:
            raise NgqlSemanticError(f"Unknown function `{e.name}' with {len(e.args)} arguments")
        args = [_compile(a, sc) for a in e.args]
        if name in ("labels", "tags") and sc.kind == "go" and e.args and isinstance(e.args[0], A.SrcDstVertex):
            pass
        n = len(args)
        if n == 0:
            call = lambda env: fn()  # noqa: E731
        elif n == 1:
            a0 = args[0]
            call = lambda env: fn(a0(env))  # noqa: E731
        elif n == 2:
            a0, a1 = args
            call = lambda env: fn(a0(env), a1(env))  # noqa: E731
        else:
            call = lambda env: fn(*[a(env) for a in args])  # noqa: E731

        budget = _budget(sc)
        size = BUILD_SIZE.get(name)
        if size is not None:

            def call(env):
                vals = [a(env) for a in args]
                budget.ensure_room(*size(*vals))
                return fn(*vals)

        def guarded(env):
            try:
                r = call(env)
            except (TypeError, AttributeError, ValueError, OverflowError):
                return BAD_TYPE
            budget.charge_result(r)
            return r

        if is_constant(e):
            # NebulaGraph folds constant calls of pure functions before running and
            # refuses the ones that yield a BAD_TYPE / DIV_BY_ZERO / OVERFLOW null
            # (FoldConstantExprVisitor::fold)
            r = _fold(e, guarded)
            if r is BAD_TYPE:
                raise NgqlSemanticError(f"Type error `{e.text()}'")
            if r is DIV_BY_ZERO:
                raise NgqlSemanticError("Divide by 0")
            if r is OVERFLOW:
                raise NgqlSemanticError(f"result of {e.text()} cannot be represented as an integer")
            return _const_fn(r)
        return guarded

    @staticmethod
    def c_ListExpr(e: A.ListExpr, sc: Scope) -> Fn:
        items = [_compile(i, sc) for i in e.items]
        return lambda env: [f(env) for f in items]

    @staticmethod
    def c_SetExpr(e: A.SetExpr, sc: Scope) -> Fn:
        items = [_compile(i, sc) for i in e.items]
        return lambda env: frozenset(hashable(f(env)) for f in items)

    @staticmethod
    def c_MapExpr(e: A.MapExpr, sc: Scope) -> Fn:
        items = [(k, _compile(v, sc)) for k, v in e.items]
        return lambda env: {k: f(env) for k, f in items}

    @staticmethod
    def c_Subscript(e: A.Subscript, sc: Scope) -> Fn:
        b = _compile(e.base, sc)
        i = _compile(e.index, sc)
        return lambda env: subscript(b(env), i(env))

    @staticmethod
    def c_Slice(e: A.Slice, sc: Scope) -> Fn:
        b = _compile(e.base, sc)
        lo = _compile(e.lo, sc) if e.lo is not None else (lambda env: None)
        hi = _compile(e.hi, sc) if e.hi is not None else (lambda env: None)
        return lambda env: slice_(b(env), lo(env), hi(env))

    @staticmethod
    def c_Case(e: A.Case, sc: Scope) -> Fn:
        subject = _compile(e.subject, sc) if e.subject is not None else None
        whens = [(_compile(w, sc), _compile(t, sc)) for w, t in e.whens]
        default = _compile(e.default, sc) if e.default is not None else (lambda env: NULL)
        if subject is None:
            for w, _ in e.whens:
                if is_constant(w):
                    v = _fold(w, _compile(w, sc))
                    if not isinstance(v, bool) and not is_null(v):
                        raise NgqlSemanticError(f"`{w.text()}', expected boolean, but was `{type_name(v)}'")

            def fn(env):
                for w, t in whens:
                    if w(env) is True:
                        return t(env)
                return default(env)
        else:

            def fn(env):
                s = subject(env)
                for w, t in whens:
                    if equal(s, w(env)) is True:
                        return t(env)
                return default(env)

        return fn

    @staticmethod
    def c_ListComp(e: A.ListComp, sc: Scope) -> Fn:
        src = _compile(e.source, sc)
        _check_list_source(e.source, src)
        var = e.var
        added = var not in sc.local
        sc.local.add(var)
        try:
            where = _compile(A.mark_bool_patterns(e.where), sc) if e.where is not None else None
            mapping = _compile(e.mapping, sc) if e.mapping is not None else None
        finally:
            if added:
                sc.local.discard(var)
        budget = _budget(sc)
        tick = budget.tick

        def fn(env):
            lst = src(env)
            if is_null(lst):
                return NULL
            if not isinstance(lst, (list, frozenset)):
                return BAD_TYPE
            out = []
            local = dict(env)
            for x in lst:
                tick()
                local[var] = x
                if where is not None and where(local) is not True:
                    continue
                out.append(mapping(local) if mapping is not None else x)
            budget.charge(values=len(out))
            return out

        return fn

    @staticmethod
    def c_Predicate(e: A.Predicate, sc: Scope) -> Fn:
        src = _compile(e.source, sc)
        _check_list_source(e.source, src)
        var = e.var
        added = var not in sc.local
        sc.local.add(var)
        try:
            where = _compile(A.mark_bool_patterns(e.where), sc) if e.where is not None else (lambda env: True)
        finally:
            if added:
                sc.local.discard(var)
        kind = e.kind
        tick = _budget(sc).tick

        def fn(env):
            lst = src(env)
            if is_null(lst):
                return NULL
            if not isinstance(lst, (list, frozenset)):
                return BAD_TYPE
            local = dict(env)
            n_true = 0
            saw_null = False
            for x in lst:
                tick()
                local[var] = x
                r = where(local)
                if r is True:
                    n_true += 1
                    if kind == "any":
                        return True
                    if kind == "none":
                        return False
                elif is_null(r):
                    saw_null = True
                elif kind == "all":
                    return False
            if kind == "all":
                return NULL if saw_null else True
            if kind == "any":
                return NULL if saw_null else False
            if kind == "none":
                return NULL if saw_null else True
            return NULL if saw_null else n_true == 1

        return fn

    @staticmethod
    def c_Reduce(e: A.Reduce, sc: Scope) -> Fn:
        init = _compile(e.init, sc)
        src = _compile(e.source, sc)
        acc, var = e.acc, e.var
        added = [n for n in (acc, var) if n not in sc.local]
        sc.local.update((acc, var))
        try:
            mapping = _finish(_compile(e.mapping, sc))
        finally:
            for n in added:
                sc.local.discard(n)

        if is_constant(e.source):
            v = _fold(e.source, src)
            if not isinstance(v, list) and not is_null(v):
                raise NgqlSemanticError(f"`{e.source.text()}', expected LIST, but was {type_name(v)}")
        tick = _budget(sc).tick

        def fn(env):
            lst = src(env)
            if is_null(lst):
                return NULL
            if not isinstance(lst, list):
                return BAD_TYPE
            local = dict(env)
            local[acc] = init(env)
            for x in lst:
                tick()
                local[var] = x
                local[acc] = mapping(local)
            return local[acc]

        return fn

    @staticmethod
    def c_TypeCast(e: A.TypeCast, sc: Scope) -> Fn:
        inner = _compile(e.operand, sc)
        t = e.type_name
        return lambda env: cast(t, inner(env))

    @staticmethod
    def c_PatternExpr(e: A.PatternExpr, sc: Scope) -> Fn:
        if sc.pattern_fn is None:
            raise NgqlSemanticError(f"Pattern expression is not supported here: `{e.text()}'")
        return sc.pattern_fn(e, sc)


def _check_list_source(e: A.Expr, fn: Fn) -> None:
    if is_constant(e):
        v = _fold(e, fn)
        if not isinstance(v, (list, frozenset)) and not is_null(v):
            raise NgqlSemanticError(f"`{e.text()}', expected LIST, but was {type_name(v)}")


def _present(props: dict, key) -> bool:
    return key in props and not is_null(props[key])


def _compile_exists(e: A.FuncCall, sc: Scope) -> Fn:
    if len(e.args) != 1:
        raise NgqlSemanticError("exists() takes one argument")
    arg = e.args[0]
    if isinstance(arg, A.Attribute):
        if isinstance(arg.base, A.Attribute):
            inner = _compile(arg.base.base, sc)
            tag, name = arg.base.name, arg.name

            def fn(env):
                v = inner(env)
                if isinstance(v, Vertex):
                    props = v.tags.get(tag)
                    return props is not None and _present(props, name)
                return NULL

            return fn
        base = _compile(arg.base, sc)
        name = arg.name

        def fn(env):
            v = base(env)
            if isinstance(v, Vertex):
                # ``v.prop`` without a tag names nothing on a vertex (UNKNOWN_PROP)
                return False
            if isinstance(v, Edge):
                return _present(v.props, name)
            if isinstance(v, dict):
                return _present(v, name)
            if is_null(v):
                return NULL
            return BAD_TYPE

        return fn
    if isinstance(arg, A.Subscript):
        base = _compile(arg.base, sc)
        idx = _compile(arg.index, sc)

        def fn(env):
            v = base(env)
            k = idx(env)
            if isinstance(v, Vertex):
                return any(_present(p, k) for p in v.tags.values())
            if isinstance(v, Edge):
                return _present(v.props, k)
            if isinstance(v, dict):
                return _present(v, k)
            if is_null(v):
                return NULL
            return False

        return fn
    if isinstance(arg, A.InputProp):
        inner = _compile(arg, sc)
        return lambda env: not is_null(inner(env))
    raise NgqlSyntaxError("The exists only accept LabelAttribute, Attribute and Subscript")


def make_vertex(space, vid: Any) -> Any:
    if vid is None:
        return NULL
    tags = space.vertices.get(vid) if space is not None else None
    if tags is None:
        return Vertex(vid, {})
    return Vertex(vid, {t: dict(p) for t, p in tags.items()})


def _go_edge_prop(e: A.Attribute, edge: str, prop: str, sc: Scope) -> Fn:
    space = sc.space
    schema = space.edges.get(edge) if space is not None else None
    if schema is None:
        # the validator's type deduction asks the schema manager for the edge type
        raise NgqlExecutionError(f"EdgeNotFound: EdgeName `{edge}`")
    if sc.over and edge not in sc.over:
        raise NgqlSemanticError(f"Edge `{edge}' not in over clause")
    if prop not in ("_src", "_dst", "_rank", "_type") and schema.prop(prop) is None:
        raise NgqlSemanticError(f"`{e.text()}', not found the property `{prop}'.")
    if prop == "_dst":

        def fn(env):
            return env["$$"] if env["@e"].type == edge else EMPTY
    elif prop == "_src":

        def fn(env):
            return env["$^"] if env["@e"].type == edge else EMPTY
    elif prop == "_rank":

        def fn(env):
            ed = env["@e"]
            return ed.rank if ed.type == edge else EMPTY
    elif prop == "_type":

        def fn(env):
            ed = env["@e"]
            if ed.type != edge:
                return EMPTY
            return -1 if env.get("@rev") else 1
    else:

        def fn(env):
            ed = env["@e"]
            if ed.type != edge:
                return EMPTY
            return ed.props.get(prop, NULL)

    return fn


def _vertex_tag_prop(e: A.Attribute, tag: str, prop: str, sc: Scope) -> Fn:
    space = sc.space
    schema = space.tags.get(tag) if space is not None else None
    if schema is None:
        raise NgqlExecutionError(f"TagNotFound: TagName `{tag}`")
    if prop != "_vid" and schema.prop(prop) is None:
        raise NgqlSemanticError(f"`{e.text()}', not found the property `{prop}'.")

    def fn(env):
        v = env.get("@v")
        if v is None:
            return NULL
        if prop == "_vid":
            return v.vid
        props = v.tags.get(tag)
        if props is None:
            return EMPTY if sc.kind == "fetch_tag" else NULL
        return props.get(prop, NULL)

    return fn


def _edge_prop_of_current(e: A.Attribute, edge: str, prop: str, sc: Scope) -> Fn:
    space = sc.space
    schema = space.edges.get(edge) if space is not None else None
    if schema is None:
        raise NgqlExecutionError(f"EdgeNotFound: EdgeName `{edge}`")
    if prop not in ("_src", "_dst", "_rank", "_type") and schema.prop(prop) is None:
        raise NgqlSemanticError(f"`{e.text()}', not found the property `{prop}'.")

    def fn(env):
        ed = env.get("@e")
        if ed is None:
            return NULL
        if ed.type != edge:
            return EMPTY
        return get_attr(ed, prop)

    return fn
