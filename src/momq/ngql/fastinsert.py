"""A fast path for the common shape of bulk-load statements.

Loading a graph through nGQL text means parsing millions of literal values. Most load
scripts (and the benchmark) use one shape only::

    INSERT VERTEX [IF NOT EXISTS] tag(p, q), ... VALUES vid:(lit, lit), vid:(lit, lit), ...
    INSERT EDGE [IF NOT EXISTS] edge(p) VALUES src->dst[@rank]:(lit), ...

where every value is a literal (number, string, true/false, NULL). ``try_parse_insert``
recognises exactly that shape with a few compiled regular expressions and builds the
same statement the full parser would, with plain values instead of expression nodes
(``literal=True``). Anything else (an expression, a function call, a hex or octal
number, a comment, a second statement, a syntax error) returns ``None`` and the full
parser takes over, so errors and their messages stay the full parser's.
"""

from __future__ import annotations

import re
from typing import Any

from momq.ngql import ast as A
from momq.ngql.lexer import INT64_MAX, _unescape
from momq.ngql.values import NULL

_NAME = r"(?:[A-Za-z_][A-Za-z0-9_]*|`[^`]*`)"
_NAMES = rf"\(\s*(?:{_NAME}(?:\s*,\s*{_NAME})*)?\s*\)"
# decimal numbers only: a leading zero (octal in nGQL) or 0x goes to the full parser
_NUM = r"-?\s*(?:(?:[1-9]\d*|0)\.(?!\.)\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?|(?:[1-9]\d*|0)[eE][-+]?\d+|[1-9]\d*|0)(?![\w.])"
_STR = r""""(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*\'"""
_WORD = r"(?:[Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee]|[Nn][Uu][Ll][Ll])(?![\w(.])"
_LIT = rf"(?:{_STR}|{_NUM}|{_WORD})"
_BODY = rf"\(\s*(?:{_LIT}(?:\s*,\s*{_LIT})*)?\s*\)"

_VERTEX_HEAD = re.compile(
    rf"\s*INSERT\s+VERTEX\s+(IF\s+NOT\s+EXISTS\s+)?({_NAME}\s*(?:{_NAMES})?(?:\s*,\s*{_NAME}\s*(?:{_NAMES})?)*)"
    rf"\s*(?<![A-Za-z0-9_])VALUES(?![A-Za-z0-9_])\s*",
    re.I | re.S,
)
_EDGE_HEAD = re.compile(
    rf"\s*INSERT\s+EDGE\s+(IF\s+NOT\s+EXISTS\s+)?({_NAME})\s*({_NAMES})?\s*(?<![A-Za-z0-9_])VALUES(?![A-Za-z0-9_])\s*",
    re.I | re.S,
)
_TAG_SPEC = re.compile(rf"({_NAME})\s*({_NAMES})?")
_NAME_RE = re.compile(_NAME)
_VERTEX_ROW = re.compile(rf"({_STR}|{_NUM})\s*:\s*({_BODY})\s*(,\s*|;?\s*\Z)", re.S)
_EDGE_ROW = re.compile(
    rf"({_STR}|{_NUM})\s*->\s*({_STR}|{_NUM})\s*(?:@\s*({_NUM})\s*)?:\s*({_BODY})\s*(,\s*|;?\s*\Z)", re.S
)
_LIT_RE = re.compile(_LIT)
_KEYWORDS = {"VALUES", "IF", "NOT", "EXISTS"}


class _NotSimple(Exception):
    """The text is not of the simple shape: let the full parser handle it."""


def _value(text: str) -> Any:
    c = text[0]
    if c in "0123456789":  # the most common case first
        if "." in text or "e" in text or "E" in text:
            return float(text)
        v = int(text)
        if v > INT64_MAX:
            raise _NotSimple  # the full parser reports the out-of-range literal
        return v
    if c == '"' or c == "'":
        return _unescape(text[1:-1])
    low = c.lower()
    if low == "t":
        return True
    if low == "f":
        return False
    if low == "n":
        return NULL
    neg = c == "-"
    if neg:
        text = text[1:].lstrip()
    if "." in text or "e" in text or "E" in text:
        v = float(text)
    else:
        v = int(text)
        if v > INT64_MAX + (1 if neg else 0):
            raise _NotSimple  # the full parser reports the out-of-range literal
    return -v if neg else v


def _values(body: str) -> list:
    inner = body[1:-1]
    if not inner.strip():
        return []
    return [_value(m) for m in _LIT_RE.findall(inner)]


def _name(text: str) -> str:
    if text.startswith("`"):
        return text[1:-1]
    if text.upper() in _KEYWORDS:
        raise _NotSimple
    return text


def _names(group: str | None) -> list[str] | None:
    if group is None:
        return None
    return [_name(n) for n in _NAME_RE.findall(group)]


def try_parse_insert(query: str) -> A.Stmt | None:
    """The INSERT statement of ``query`` when it has the simple literal shape, else None."""
    try:
        m = _VERTEX_HEAD.match(query)
        if m is not None:
            return _vertices(query, m)
        m = _EDGE_HEAD.match(query)
        if m is not None:
            return _edges(query, m)
    except (_NotSimple, ValueError):
        return None
    return None


def _vertices(query: str, m: re.Match) -> A.Stmt:
    tags = [(_name(t.group(1)), _names(t.group(2))) for t in _TAG_SPEC.finditer(m.group(2))]
    rows = []
    append_row = rows.append
    pos, n = m.end(), len(query)
    match = _VERTEX_ROW.match
    while True:
        r = match(query, pos)
        if r is None:
            raise _NotSimple
        append_row((_value(r.group(1)), _values(r.group(2))))
        pos = r.end()
        if not r.group(3).startswith(","):
            break
    if pos != n:
        raise _NotSimple
    return A.InsertVertexStmt(bool(m.group(1)), tags, rows, literal=True)


def _edges(query: str, m: re.Match) -> A.Stmt:
    edge = _name(m.group(2))
    props = _names(m.group(3))
    rows = []
    append_row = rows.append
    pos, n = m.end(), len(query)
    match = _EDGE_ROW.match
    while True:
        r = match(query, pos)
        if r is None:
            raise _NotSimple
        rank = r.group(3)
        append_row(
            (_value(r.group(1)), _value(r.group(2)), _value(rank) if rank is not None else 0, _values(r.group(4)))
        )
        pos = r.end()
        if not r.group(5).startswith(","):
            break
    if pos != n:
        raise _NotSimple
    return A.InsertEdgeStmt(bool(m.group(1)), edge, props, rows, literal=True)
