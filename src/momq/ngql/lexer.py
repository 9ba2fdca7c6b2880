"""Tokeniser for nGQL text.

Keywords are not reserved at this level: every word is an ``ID`` token and the parser
compares its upper-cased text, which lets property and tag names reuse keywords the way
NebulaGraph allows for most of them. Back-quoted names are ``ID`` tokens flagged
``quoted`` so that they are never read as keywords.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from momq.ngql.errors import NgqlSyntaxError

INT64_MAX = 9223372036854775807

# longest first: the scanner tries these in order
_OPERATORS = [
    "->",
    "<-",
    "--",
    "==",
    "!=",
    "<>",
    "<=",
    ">=",
    "=~",
    "..",
    "&&",
    "||",
    "+",
    "-",
    "*",
    "/",
    "%",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    ".",
    ":",
    ";",
    "|",
    "@",
    "=",
    "<",
    ">",
    "!",
    "^",
    "&",
    "?",
]

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "\\": "\\", "'": "'", '"': '"', "/": "/", "0": "\0"}


@dataclass(slots=True)
class Token:
    kind: str  # INT FLOAT STR ID OP VAR INPUT SRC DST EOF
    text: str  # source text (for OP/ID: the operator or name)
    value: object
    pos: int
    quoted: bool = False

    @property
    def upper(self) -> str:
        return self.text.upper() if self.kind == "ID" and not self.quoted else ""


def near(query: str, pos: int) -> str:
    """NebulaGraph's ``near `...'`` excerpt: eight characters from the bad token."""
    return query[pos : pos + 8]


def syntax_error(query: str, pos: int, message: str = "syntax error") -> NgqlSyntaxError:
    return NgqlSyntaxError(f"{message} near `{near(query, pos)}'", position=pos, query=query)


_TOKEN_RE = re.compile(
    r"""
 (?P<ws>[ \t\r\n\\]+)
|(?P<comment>\#[^\n]*|//[^\n]*)
|(?P<block>/\*.*?\*/)
|(?P<float>\d+\.(?!\.)\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?|\d+[eE][-+]?\d+)
|(?P<hex>0[xX][0-9a-fA-F]+)
|(?P<int>\d+)
|(?P<id>[A-Za-z_][A-Za-z0-9_]*)
|(?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
|(?P<bq>`[^`]*`)
|(?P<src>\$\^)|(?P<dst>\$\$)|(?P<input>\$-)|(?P<var>\$[A-Za-z_][A-Za-z0-9_]*)
|(?P<op>->|<-|--|==|!=|<>|<=|>=|=~|\.\.|&&|\|\||[-+*/%()\[\]{},.:;|@=<>!^&?])
""",
    re.X | re.S,
)

_ESCAPE_RE = re.compile(r"\\(u[0-9a-fA-F]{4}|.)", re.S)


def _unescape_one(m: re.Match) -> str:
    c = m.group(1)
    if len(c) == 5:  # \uXXXX: a Unicode code point
        return chr(int(c[1:], 16))
    return _ESCAPES.get(c, c)


def _unescape(body: str) -> str:
    if "\\" not in body:
        return body
    return _ESCAPE_RE.sub(_unescape_one, body)


def tokenize(query: str) -> list[Token]:
    """Split ``query`` into tokens (one compiled regular expression, for bulk loads)."""
    tokens: list[Token] = []
    append = tokens.append
    pos, n = 0, len(query)
    match = _TOKEN_RE.match
    while pos < n:
        m = match(query, pos)
        if m is None:
            c = query[pos]
            if c in "\"'":
                raise NgqlSyntaxError(
                    f"syntax error near `{near(query, pos)}': unterminated string", position=pos, query=query
                )
            if query.startswith("/*", pos):
                raise syntax_error(query, pos, "unterminated comment")
            if c == "`":
                raise syntax_error(query, pos, "unterminated quoted name")
            raise syntax_error(query, pos)
        kind = m.lastgroup
        text = m.group()
        end = m.end()
        if kind == "ws" or kind == "comment" or kind == "block":
            pos = end
            continue
        if kind == "id":
            append(Token("ID", text, text, pos))
        elif kind == "op":
            append(Token("OP", text, text, pos))
        elif kind == "str":
            append(Token("STR", text, _unescape(text[1:-1]), pos))
        elif kind == "int":
            if end < n and (query[end].isalpha() or query[end] == "_"):
                raise syntax_error(query, pos)
            value = (
                int(text, 8) if len(text) > 1 and text[0] == "0" and all(ch in "01234567" for ch in text) else int(text)
            )
            _check_int(query, pos, value, tokens)
            append(Token("INT", text, value, pos))
        elif kind == "float":
            if (
                text[0] == "."
                and tokens
                and tokens[-1].text in (")", "]")
                or (text[0] == "." and tokens and tokens[-1].kind == "ID")
            ):
                append(Token("OP", ".", ".", pos))
                end = pos + 1
            else:
                append(Token("FLOAT", text, float(text), pos))
        elif kind == "hex":
            value = int(text[2:], 16)
            _check_int(query, pos, value, tokens)
            append(Token("INT", text, value, pos))
        elif kind == "bq":
            append(Token("ID", text[1:-1], text[1:-1], pos, quoted=True))
        elif kind == "var":
            append(Token("VAR", text, text[1:], pos))
        elif kind == "src":
            append(Token("SRC", "$^", None, pos))
        elif kind == "dst":
            append(Token("DST", "$$", None, pos))
        else:
            append(Token("INPUT", "$-", None, pos))
        pos = end
    append(Token("EOF", "", None, n))
    return tokens


def _number(query: str, i: int, tokens: list[Token]) -> int:
    n = len(query)
    start = i
    if query.startswith(("0x", "0X"), i):
        j = i + 2
        while j < n and query[j] in "0123456789abcdefABCDEF":
            j += 1
        value = int(query[i + 2 : j], 16)
        _check_int(query, start, value, tokens)
        tokens.append(Token("INT", query[start:j], value, start))
        return j
    j = i
    while j < n and query[j].isdigit():
        j += 1
    is_float = False
    if j < n and query[j] == "." and not query.startswith("..", j):
        is_float = True
        j += 1
        while j < n and query[j].isdigit():
            j += 1
    if j < n and query[j] in "eE":
        k = j + 1
        if k < n and query[k] in "+-":
            k += 1
        if k < n and query[k].isdigit():
            is_float = True
            j = k
            while j < n and query[j].isdigit():
                j += 1
    text = query[start:j]
    if j < n and (query[j].isalpha() or query[j] == "_"):
        raise syntax_error(query, start)
    if is_float:
        tokens.append(Token("FLOAT", text, float(text), start))
    else:
        if len(text) > 1 and text.startswith("0") and all(ch in "01234567" for ch in text):
            value = int(text, 8)
        else:
            value = int(text)
        _check_int(query, start, value, tokens)
        tokens.append(Token("INT", text, value, start))
    return j


def _check_int(query: str, start: int, value: int, tokens: list[Token]) -> None:
    negated = bool(tokens) and tokens[-1].kind == "OP" and tokens[-1].text == "-"
    limit = INT64_MAX + 1 if negated else INT64_MAX
    if value > limit:
        raise NgqlSyntaxError(
            f"Out of range: near `{query[start : start + 19 + 1].split()[0]}'", position=start, query=query
        )
