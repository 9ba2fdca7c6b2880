"""Scalar functions of nGQL (NebulaGraph 3.x names), and aggregate accumulators.

Each scalar function takes already evaluated arguments and returns a value; a call with
arguments of the wrong type returns ``BAD_TYPE`` NULL, as NebulaGraph does at run time.
Functions are looked up by lower-cased name. ``ARITY`` gives (min, max) argument counts
for the validator's "Unknown function" / arity checks.
"""

from __future__ import annotations

import datetime as _dt
import math
import random
import re
from typing import Any, Callable

from momq.ngql.errors import NgqlExecutionError
from momq.ngql.temporal import duration_from_map
from momq.ngql.values import BAD_TYPE, EMPTY, NULL, Edge, Path, Vertex, hashable, is_empty, is_null, sort_key, to_text

MASK64 = (1 << 64) - 1


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _nullish(v: Any) -> bool:
    return is_null(v) or is_empty(v)


def std_hash_bytes(data: bytes, seed: int = 0xC70F6907) -> int:
    """libstdc++'s ``std::hash<std::string>`` (what NebulaGraph's hash() uses for strings)."""
    mul = 0xC6A4A7935BD1E995

    def shift_mix(v: int) -> int:
        return v ^ (v >> 47)

    n = len(data)
    aligned = n & ~7
    h = (seed ^ (n * mul)) & MASK64
    for i in range(0, aligned, 8):
        d = int.from_bytes(data[i : i + 8], "little")
        d = (shift_mix((d * mul) & MASK64) * mul) & MASK64
        h ^= d
        h = (h * mul) & MASK64
    if n & 7:
        d = 0
        for b in reversed(data[aligned:]):
            d = ((d << 8) + b) & MASK64
        h ^= d
        h = (h * mul) & MASK64
    h = (shift_mix(h) * mul) & MASK64
    h = shift_mix(h)
    return h - (1 << 64) if h >= 1 << 63 else h


def f_hash(v: Any) -> Any:
    if _nullish(v):
        return v
    if isinstance(v, bool):
        return int(v)
    if _is_int(v):
        return v
    if isinstance(v, float):
        import struct

        return std_hash_bytes(struct.pack("<d", v))
    if isinstance(v, str):
        return std_hash_bytes(v.encode())
    return std_hash_bytes(to_text(v).encode())


# ------------------------------------------------------------------ math


def _num1(fn: Callable[[float], Any]) -> Callable[[Any], Any]:
    def wrapped(x: Any) -> Any:
        if is_null(x):
            return NULL
        if not _is_num(x):
            return BAD_TYPE
        try:
            return fn(x)
        except (ValueError, OverflowError):
            return NULL

    return wrapped


def _abs(x):
    return abs(x)


def _round(x, digits=0, *_):
    if is_null(x):
        return NULL
    if not _is_num(x) or not _is_int(digits):
        return BAD_TYPE
    q = 10.0**digits
    v = x * q
    r = math.floor(abs(v) + 0.5) * (1 if v >= 0 else -1)
    return float(r / q)


def _sqrt(x):
    return math.sqrt(x) if x >= 0 else float("nan")


def _log(fn):
    def inner(x):
        if x <= 0:
            return float("nan") if x < 0 else float("-inf")
        return fn(x)

    return inner


def _pow(x, y):
    if _nullish(x) or _nullish(y):
        return NULL
    if not (_is_num(x) and _is_num(y)):
        return BAD_TYPE
    if _is_int(x) and _is_int(y) and y >= 0:
        r = x**y
        return r if -(1 << 63) <= r < (1 << 63) else float(r)
    try:
        return float(x) ** float(y)
    except (OverflowError, ZeroDivisionError):
        return NULL


def _hypot(x, y):
    if not (_is_num(x) and _is_num(y)):
        return NULL
    return math.hypot(x, y)


def _range(start, end, step=1):
    if not (_is_int(start) and _is_int(end) and _is_int(step)):
        return BAD_TYPE
    if step == 0:
        raise NgqlExecutionError("Step cannot be 0 in range()")
    if step > 0:
        return list(range(start, end + 1, step))
    return list(range(start, end - 1, step))


def _sign(x):
    return 0 if x == 0 else (1 if x > 0 else -1)


# ------------------------------------------------------------------ strings


def _str1(fn):
    def wrapped(s, *args):
        if is_null(s) or is_empty(s):
            return NULL
        if not isinstance(s, str):
            return BAD_TYPE
        return fn(s, *args)

    return wrapped


def _left(s, n):
    if not _is_int(n) or n < 0:
        return BAD_TYPE
    return s[:n]


def _right(s, n):
    if not _is_int(n) or n < 0:
        return BAD_TYPE
    return s[len(s) - n :] if n else ""


def _pad(left: bool):
    def fn(s, n, pad):
        if not _is_int(n) or not isinstance(pad, str):
            return BAD_TYPE
        if n <= len(s):
            return s[:n]
        if not pad:
            return s
        need = n - len(s)
        fill = (pad * (need // len(pad) + 1))[:need]
        return fill + s if left else s + fill

    return fn


def _substr(s, start, length=None):
    if not _is_int(start) or (length is not None and not _is_int(length)):
        return BAD_TYPE
    if start < 0 or (length is not None and length < 0):
        return BAD_TYPE
    if start >= len(s):
        return ""
    return s[start:] if length is None else s[start : start + length]


def _split(s, sep):
    if not isinstance(sep, str):
        return BAD_TYPE
    return s.split(sep) if sep else [s]


def _replace(s, a, b):
    if not (isinstance(a, str) and isinstance(b, str)):
        return BAD_TYPE
    return s.replace(a, b)


def _concat(*args):
    out = []
    for a in args:
        if is_null(a) or is_empty(a):
            return NULL
        out.append(a if isinstance(a, str) else to_string(a))
    return "".join(out)


def _concat_ws(sep, *args):
    if not isinstance(sep, str):
        return NULL
    return sep.join(a if isinstance(a, str) else to_string(a) for a in args if not _nullish(a))


def _strcasecmp(a, b):
    if not (isinstance(a, str) and isinstance(b, str)):
        return BAD_TYPE
    a, b = a.lower(), b.lower()
    return (a > b) - (a < b)


def to_string(v: Any) -> Any:
    if is_null(v):
        return NULL
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        if v == int(v) and abs(v) < 1e15:
            return f"{v:.1f}" if abs(v) < 1e6 else repr(v)
        return repr(v)
    return to_text(v)


def to_boolean(v: Any) -> Any:
    if _nullish(v):
        return NULL
    if isinstance(v, bool):
        return v
    if isinstance(v, str):
        low = v.lower()
        if low == "true":
            return True
        if low == "false":
            return False
        return NULL
    return BAD_TYPE


def to_integer(v: Any) -> Any:
    if _nullish(v):
        return NULL
    if isinstance(v, bool):
        return BAD_TYPE
    if _is_int(v):
        return v
    if isinstance(v, float):
        if math.isnan(v) or math.isinf(v):
            return NULL
        return int(v)
    if isinstance(v, str):
        s = v.strip()
        try:
            return int(s, 0) if s.lower().startswith(("0x", "-0x")) else int(s)
        except ValueError:
            try:
                return int(float(s))
            except ValueError:
                return NULL
    return BAD_TYPE


def to_float(v: Any) -> Any:
    if _nullish(v):
        return NULL
    if isinstance(v, bool):
        return BAD_TYPE
    if _is_num(v):
        return float(v)
    if isinstance(v, str):
        try:
            return float(v.strip())
        except ValueError:
            return NULL
    return BAD_TYPE


def _to_set(v):
    if is_null(v):
        return NULL
    if isinstance(v, (list, frozenset)):
        return frozenset(hashable(x) for x in v)
    return BAD_TYPE


# ------------------------------------------------------------------ lists & graph


def _size(v):
    if is_null(v):
        return NULL
    if is_empty(v):
        return EMPTY
    if isinstance(v, (str, list, dict, frozenset)):
        return len(v)
    return BAD_TYPE


def _head(v):
    if is_null(v):
        return NULL
    if not isinstance(v, list):
        return BAD_TYPE
    return v[0] if v else NULL


def _last(v):
    if is_null(v):
        return NULL
    if not isinstance(v, list):
        return BAD_TYPE
    return v[-1] if v else NULL


def _tail(v):
    if is_null(v):
        return NULL
    if not isinstance(v, list):
        return BAD_TYPE
    return v[1:]


def _reverse(v):
    if is_null(v):
        return NULL
    if isinstance(v, (str, list)):
        return v[::-1]
    return BAD_TYPE


def _keys(v):
    if isinstance(v, Vertex):
        out = set()
        for props in v.tags.values():
            out.update(props)
        return sorted(out)
    if isinstance(v, Edge):
        return sorted(v.props)
    if isinstance(v, dict):
        return sorted(v)
    if is_null(v):
        return NULL
    return BAD_TYPE


def _length(v):
    if isinstance(v, Path):
        return len(v.steps)
    if isinstance(v, (str, list)):
        return len(v)
    if is_null(v):
        return NULL
    return BAD_TYPE


def _nodes(v):
    if isinstance(v, Path):
        return v.nodes()
    return NULL if is_null(v) else BAD_TYPE


def _relationships(v):
    if isinstance(v, Path):
        return v.edges()
    return NULL if is_null(v) else BAD_TYPE


def _labels(v):
    if isinstance(v, Vertex):
        return sorted(v.tags)
    return NULL if is_null(v) else BAD_TYPE


def _properties(v):
    if isinstance(v, Vertex):
        return v.properties()
    if isinstance(v, Edge):
        return dict(v.props)
    if isinstance(v, dict):
        return v
    if _nullish(v):
        return NULL
    return BAD_TYPE


def _id(v):
    if isinstance(v, Vertex):
        return v.vid
    return NULL if _nullish(v) else BAD_TYPE


def _edge_attr(fn):
    def wrapped(v):
        if isinstance(v, Edge):
            return fn(v)
        return NULL if _nullish(v) else BAD_TYPE

    return wrapped


def _start_node(v):
    if isinstance(v, Path):
        return v.src
    if isinstance(v, Edge):
        # an edge only knows its end points' ids: a vertex without tags
        return Vertex(v.src, {})
    return NULL


def _end_node(v):
    if isinstance(v, Path):
        return v.nodes()[-1]
    if isinstance(v, Edge):
        return Vertex(v.dst, {})
    return NULL


def _coalesce(*args):
    for a in args:
        if not _nullish(a):
            return a
    return NULL


def _udf_is_in(v, *args):
    return any(v == a for a in args)


def _is_edge(v):
    return isinstance(v, Edge)


def _none_direct_dst(v, start=None):
    """The destination id of an edge key whatever the direction it was walked in
    (FunctionManager's ``none_direct_dst``): an edge's stored dst, a vertex's id, or the
    last element of a list of edges/vertices (``start``'s id when the list is empty)."""
    if is_null(v):
        return NULL
    if isinstance(v, Edge):
        return v.dst
    if isinstance(v, Vertex):
        return v.vid
    if isinstance(v, list):
        if not v:
            return start.vid if isinstance(start, Vertex) else BAD_TYPE
        last = v[-1]
        if isinstance(last, Edge):
            return last.dst
        if isinstance(last, Vertex):
            return last.vid
    return BAD_TYPE


def _duration(v):
    if isinstance(v, dict):
        return duration_from_map(v)
    return NULL if is_null(v) else BAD_TYPE


def _json_extract(s):
    import json

    if not isinstance(s, str):
        return NULL
    try:
        v = json.loads(s)
    except ValueError:
        return NULL
    return v if isinstance(v, dict) else NULL


def _extract(s, pattern):
    if not (isinstance(s, str) and isinstance(pattern, str)):
        return BAD_TYPE
    return re.findall(pattern, s)


# ------------------------------------------------------------------ time

_DT_RE = re.compile(r"^(-?\d{1,4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,6}))?)?)?$")
_T_RE = re.compile(r"^(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,6}))?)?$")


def _parse_datetime(s: str) -> _dt.datetime | None:
    m = _DT_RE.match(s.strip())
    if not m:
        return None
    y, mo, d, h, mi, sec, us = m.groups()
    try:
        return _dt.datetime(
            int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(sec or 0), int((us or "0").ljust(6, "0"))
        )
    except ValueError:
        return None


def _from_map(m: dict, kind: str):
    try:
        if kind == "date":
            return _dt.date(m.get("year", 1970), m.get("month", 1), m.get("day", 1))
        if kind == "time":
            return _dt.time(
                m.get("hour", 0),
                m.get("minute", 0),
                m.get("second", 0),
                m.get("millisecond", 0) * 1000 + m.get("microsecond", 0),
            )
        return _dt.datetime(
            m.get("year", 1970),
            m.get("month", 1),
            m.get("day", 1),
            m.get("hour", 0),
            m.get("minute", 0),
            m.get("second", 0),
            m.get("millisecond", 0) * 1000 + m.get("microsecond", 0),
        )
    except (ValueError, TypeError):
        return NULL


def f_date(v=None):
    if v is None:
        return _dt.date.today()
    if isinstance(v, str):
        d = _parse_datetime(v)
        if d is None or ("T" in v or ":" in v):
            if d is None:
                return NULL
        return d.date()
    if isinstance(v, dict):
        return _from_map(v, "date")
    if isinstance(v, _dt.datetime):
        return v.date()
    if isinstance(v, _dt.date):
        return v
    return NULL if _nullish(v) else BAD_TYPE


def f_time(v=None):
    if v is None:
        return _dt.datetime.utcnow().time()
    if isinstance(v, str):
        m = _T_RE.match(v.strip())
        if not m:
            return NULL
        h, mi, s, us = m.groups()
        try:
            return _dt.time(int(h), int(mi), int(s or 0), int((us or "0").ljust(6, "0")))
        except ValueError:
            return NULL
    if isinstance(v, dict):
        return _from_map(v, "time")
    if isinstance(v, _dt.datetime):
        return v.time()
    if isinstance(v, _dt.time):
        return v
    return NULL if _nullish(v) else BAD_TYPE


def f_datetime(v=None):
    if v is None:
        return _dt.datetime.utcnow()
    if isinstance(v, str):
        d = _parse_datetime(v)
        return NULL if d is None else d
    if isinstance(v, dict):
        return _from_map(v, "datetime")
    if _is_int(v):
        return _dt.datetime.utcfromtimestamp(v)
    if isinstance(v, _dt.datetime):
        return v
    return NULL if _nullish(v) else BAD_TYPE


def f_timestamp(v=None):
    if v is None:
        return int(_dt.datetime.now().timestamp())
    if _is_int(v):
        return v
    if isinstance(v, str):
        d = _parse_datetime(v)
        if d is None:
            return NULL
        return int(d.replace(tzinfo=_dt.timezone.utc).timestamp())
    if isinstance(v, _dt.datetime):
        return int(v.replace(tzinfo=_dt.timezone.utc).timestamp())
    return NULL if _nullish(v) else BAD_TYPE


# ------------------------------------------------------------------ registry


def _safe(fn):
    """Wrap a function so NULL/EMPTY first arguments give NULL and bad types BAD_TYPE."""

    def wrapped(*args):
        try:
            return fn(*args)
        except (TypeError, AttributeError):
            return BAD_TYPE

    return wrapped


def _bitwise(op: str):
    """bit_and/bit_or/bit_xor called with two arguments: the scalar form (with one
    argument they are aggregates)."""

    def fn(a, b):
        if is_null(a) or is_null(b):
            return NULL
        if not (_is_int(a) and _is_int(b)):
            return BAD_TYPE
        return a & b if op == "and" else a | b if op == "or" else a ^ b

    return fn


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "abs": _num1(_abs),
    "floor": _num1(lambda x: float(math.floor(x))),
    "ceil": _num1(lambda x: float(math.ceil(x))),
    "round": _round,
    "sqrt": _num1(_sqrt),
    "cbrt": _num1(lambda x: math.copysign(abs(x) ** (1 / 3), x)),
    "hypot": _hypot,
    "pow": _pow,
    "exp": _num1(math.exp),
    "exp2": _num1(lambda x: 2.0**x),
    "log": _num1(_log(math.log)),
    "log2": _num1(_log(math.log2)),
    "log10": _num1(_log(math.log10)),
    "sin": _num1(math.sin),
    "asin": _num1(math.asin),
    "cos": _num1(math.cos),
    "acos": _num1(math.acos),
    "tan": _num1(math.tan),
    "atan": _num1(math.atan),
    "radians": _num1(math.radians),
    "sign": _num1(_sign),
    "e": lambda: math.e,
    "pi": lambda: math.pi,
    "rand": lambda: random.random(),
    "rand32": lambda *a: random.randint(0, (a[0] if a else 2**31) - 1),
    "rand64": lambda *a: random.randint(0, (a[0] if a else 2**63) - 1),
    "range": _range,
    "lower": _str1(str.lower),
    "tolower": _str1(str.lower),
    "upper": _str1(str.upper),
    "toupper": _str1(str.upper),
    "trim": _str1(str.strip),
    "ltrim": _str1(str.lstrip),
    "rtrim": _str1(str.rstrip),
    "left": _str1(_left),
    "right": _str1(_right),
    "lpad": _str1(_pad(True)),
    "rpad": _str1(_pad(False)),
    "substr": _str1(_substr),
    "substring": _str1(_substr),
    "split": _str1(_split),
    "replace": _str1(_replace),
    "concat": _concat,
    "concat_ws": _concat_ws,
    "strcasecmp": _strcasecmp,
    "tostring": to_string,
    "toboolean": to_boolean,
    "tointeger": to_integer,
    "tofloat": to_float,
    "toset": _to_set,
    "hash": f_hash,
    "size": _size,
    "head": _head,
    "last": _last,
    "tail": _tail,
    "reverse": _reverse,
    "keys": _keys,
    "length": _length,
    "nodes": _nodes,
    "relationships": _relationships,
    "labels": _labels,
    "tags": _labels,
    "properties": _properties,
    "id": _id,
    "src": _edge_attr(lambda e: e.src),
    "dst": _edge_attr(lambda e: e.dst),
    "rank": _edge_attr(lambda e: e.rank),
    "type": _edge_attr(lambda e: e.type),
    "startnode": _start_node,
    "endnode": _end_node,
    "coalesce": _coalesce,
    "udf_is_in": _udf_is_in,
    "is_edge": _is_edge,
    "none_direct_dst": _none_direct_dst,
    "json_extract": _json_extract,
    "extract": _extract,
    "duration": _duration,
    "date": f_date,
    "time": f_time,
    "datetime": f_datetime,
    "timestamp": f_timestamp,
    "localdatetime": f_datetime,
    "localtime": f_time,
    "bit_and": _bitwise("and"),
    "bit_or": _bitwise("or"),
    "bit_xor": _bitwise("xor"),
}

ARITY: dict[str, tuple[int, int]] = {
    "abs": (1, 1),
    "floor": (1, 1),
    "ceil": (1, 1),
    "round": (1, 3),
    "sqrt": (1, 1),
    "cbrt": (1, 1),
    "hypot": (2, 2),
    "pow": (2, 2),
    "exp": (1, 1),
    "exp2": (1, 1),
    "log": (1, 1),
    "log2": (1, 1),
    "log10": (1, 1),
    "sin": (1, 1),
    "asin": (1, 1),
    "cos": (1, 1),
    "acos": (1, 1),
    "tan": (1, 1),
    "atan": (1, 1),
    "radians": (1, 1),
    "sign": (1, 1),
    "e": (0, 0),
    "pi": (0, 0),
    "rand": (0, 0),
    "rand32": (0, 2),
    "rand64": (0, 2),
    "range": (2, 3),
    "lower": (1, 1),
    "tolower": (1, 1),
    "upper": (1, 1),
    "toupper": (1, 1),
    "trim": (1, 1),
    "ltrim": (1, 1),
    "rtrim": (1, 1),
    "left": (2, 2),
    "right": (2, 2),
    "lpad": (3, 3),
    "rpad": (3, 3),
    "substr": (2, 3),
    "substring": (2, 3),
    "split": (2, 2),
    "replace": (3, 3),
    "concat": (1, 99),
    "concat_ws": (2, 99),
    "strcasecmp": (2, 2),
    "tostring": (1, 1),
    "toboolean": (1, 1),
    "tointeger": (1, 1),
    "tofloat": (1, 1),
    "toset": (1, 1),
    "hash": (1, 1),
    "size": (1, 1),
    "head": (1, 1),
    "last": (1, 1),
    "tail": (1, 1),
    "reverse": (1, 1),
    "keys": (1, 1),
    "length": (1, 1),
    "nodes": (1, 1),
    "relationships": (1, 1),
    "labels": (1, 1),
    "tags": (1, 1),
    "properties": (1, 1),
    "id": (1, 1),
    "src": (1, 1),
    "dst": (1, 1),
    "rank": (1, 1),
    "type": (1, 1),
    "startnode": (1, 1),
    "endnode": (1, 1),
    "coalesce": (1, 99),
    "udf_is_in": (1, 99),
    "is_edge": (1, 1),
    "none_direct_dst": (1, 2),
    "json_extract": (1, 1),
    "extract": (2, 2),
    "duration": (1, 1),
    "date": (0, 1),
    "time": (0, 1),
    "datetime": (0, 1),
    "timestamp": (0, 1),
    "localdatetime": (0, 1),
    "localtime": (0, 1),
    "exists": (1, 1),
    "bit_and": (2, 2),
    "bit_or": (2, 2),
    "bit_xor": (2, 2),
}

NON_DETERMINISTIC = {"rand", "rand32", "rand64", "now"}


# ------------------------------------------------------------------ sizes


def _range_size(start, end, step=1):
    if not (_is_int(start) and _is_int(end) and _is_int(step)) or step == 0:
        return 0, 0
    return len(range(start, end + 1, step) if step > 0 else range(start, end - 1, step)), 0


def _pad_size(s, n, pad):
    return 0, (n if isinstance(s, str) and _is_int(n) and n > 0 else 0)


def _replace_size(s, a, b):
    if not (isinstance(s, str) and isinstance(a, str) and isinstance(b, str)):
        return 0, 0
    return 0, len(s) + s.count(a) * (len(b) - len(a))


#: the functions whose result can be much larger than their arguments: name -> the
#: (values, characters) a call would build, computed from the arguments before it runs
#: so that the memory budget refuses it before the value exists
BUILD_SIZE: dict[str, Callable[..., tuple[int, int]]] = {
    "range": _range_size,
    "lpad": _pad_size,
    "rpad": _pad_size,
    "replace": _replace_size,
}


# ------------------------------------------------------------------ aggregates


class Agg:
    """One aggregate's running state for one group."""

    __slots__ = ("name", "distinct", "seen", "acc", "n", "extra")

    def __init__(self, name: str, distinct: bool):
        self.name, self.distinct = name, distinct
        self.seen: set | None = set() if distinct else None
        self.acc: Any = None
        self.n = 0
        self.extra: Any = None
        if name in ("collect",):
            self.acc = []
        elif name == "collect_set":
            self.acc = {}
        elif name == "std":
            self.acc = []

    def add(self, v: Any) -> None:
        name = self.name
        if name == "count" and v is _STAR:
            self.n += 1
            return
        if is_null(v) or is_empty(v):
            return
        if self.seen is not None:
            h = hashable(v)
            if h in self.seen:
                return
            self.seen.add(h)
        if name == "count":
            self.n += 1
        elif name in ("sum", "avg"):
            if not _is_num(v):
                self.extra = BAD_TYPE
                return
            self.acc = v if self.acc is None else _add_checked(self.acc, v)
            self.n += 1
        elif name == "min":
            if self.acc is None or sort_key(v) < sort_key(self.acc):
                self.acc = v
        elif name == "max":
            if self.acc is None or sort_key(v) > sort_key(self.acc):
                self.acc = v
        elif name == "collect":
            self.acc.append(v)
        elif name == "collect_set":
            self.acc.setdefault(hashable(v), v)
        elif name == "std":
            if _is_num(v):
                self.acc.append(v)
        elif name.startswith("bit_"):
            if not _is_int(v):
                self.extra = BAD_TYPE
                return
            if self.acc is None:
                self.acc = v
            elif name == "bit_and":
                self.acc &= v
            elif name == "bit_or":
                self.acc |= v
            else:
                self.acc ^= v

    def result(self) -> Any:
        name = self.name
        if name == "count":
            return self.n
        if self.extra is not None:
            return self.extra
        if name == "sum":
            return 0 if self.acc is None else self.acc
        if name == "avg":
            return NULL if not self.n else self.acc / self.n
        if name in ("min", "max"):
            return NULL if self.acc is None else self.acc
        if name == "collect":
            return list(self.acc)
        if name == "collect_set":
            return frozenset(self.acc.keys())
        if name == "std":
            if not self.acc:
                return NULL
            mean = sum(self.acc) / len(self.acc)
            return math.sqrt(sum((x - mean) ** 2 for x in self.acc) / len(self.acc))
        return NULL if self.acc is None else self.acc


class _StarType:
    __slots__ = ()


_STAR = _StarType()


def _add_checked(a, b):
    r = a + b
    if isinstance(r, int) and not -(1 << 63) <= r < (1 << 63):
        raise NgqlExecutionError("result of sum cannot be represented as an integer")
    return r
