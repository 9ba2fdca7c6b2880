"""Tokeniser for nGQL text.

Keywords are not reserved at this level: every word is an ``ID`` token and the parser
compares its upper-cased text, which lets property and tag names reuse keywords the way
NebulaGraph allows for most of them. Back-quoted names are ``ID`` tokens flagged
``quoted`` so that they are never read as keywords.
"""

from __future__ import annotations

from dataclasses import dataclass

from momq.ngql.errors import NgqlSyntaxError

INT64_MAX = 9223372036854775807

# longest first: the scanner tries these in order
_OPERATORS = ["->", "<-", "==", "!=", "<>", "<=", ">=", "=~", "..", "&&", "||",
              "+", "-", "*", "/", "%", "(", ")", "[", "]", "{", "}", ",", ".", ":", ";", "|",
              "@", "=", "<", ">", "!", "^", "&", "?"]

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "\\": "\\", "'": "'",
            '"': '"', "/": "/", "0": "\0"}


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
    return query[pos:pos + 8]


def syntax_error(query: str, pos: int, message: str = "syntax error") -> NgqlSyntaxError:
    return NgqlSyntaxError(f"{message} near `{near(query, pos)}'", position=pos, query=query)


def tokenize(query: str) -> list[Token]:
    tokens: list[Token] = []
    i, n = 0, len(query)
    while i < n:
        c = query[i]
        if c in " \t\r\n\\":
            i += 1
            continue
        if c == "#" or query.startswith("//", i) or (query.startswith("--", i) and False):
            j = query.find("\n", i)
            i = n if j < 0 else j + 1
            continue
        if query.startswith("/*", i):
            j = query.find("*/", i + 2)
            if j < 0:
                raise syntax_error(query, i, "unterminated comment")
            i = j + 2
            continue
        start = i
        if c in "\"'":
            buf = []
            i += 1
            while True:
                if i >= n:
                    raise NgqlSyntaxError(f"syntax error near `{near(query, start)}': unterminated string",
                                          position=start, query=query)
                ch = query[i]
                if ch == "\\" and i + 1 < n:
                    nxt = query[i + 1]
                    buf.append(_ESCAPES.get(nxt, nxt))
                    i += 2
                    continue
                if ch == c:
                    i += 1
                    break
                buf.append(ch)
                i += 1
            tokens.append(Token("STR", query[start:i], "".join(buf), start))
            continue
        if c == "`":
            j = query.find("`", i + 1)
            if j < 0:
                raise syntax_error(query, i, "unterminated quoted name")
            tokens.append(Token("ID", query[i + 1:j], query[i + 1:j], start, quoted=True))
            i = j + 1
            continue
        if c.isdigit() or (c == "." and i + 1 < n and query[i + 1].isdigit()
                           and not (tokens and tokens[-1].kind in ("ID", "OP") and tokens[-1].text in (")", "]"))):
            i = _number(query, i, tokens)
            continue
        if c.isalpha() or c == "_":
            j = i + 1
            while j < n and (query[j].isalnum() or query[j] == "_"):
                j += 1
            tokens.append(Token("ID", query[i:j], query[i:j], start))
            i = j
            continue
        if c == "$":
            if query.startswith("$-", i):
                tokens.append(Token("INPUT", "$-", None, start))
                i += 2
                continue
            if query.startswith("$^", i):
                tokens.append(Token("SRC", "$^", None, start))
                i += 2
                continue
            if query.startswith("$$", i):
                tokens.append(Token("DST", "$$", None, start))
                i += 2
                continue
            j = i + 1
            while j < n and (query[j].isalnum() or query[j] == "_"):
                j += 1
            if j == i + 1:
                raise syntax_error(query, i)
            tokens.append(Token("VAR", query[i:j], query[i + 1:j], start))
            i = j
            continue
        for op in _OPERATORS:
            if query.startswith(op, i):
                tokens.append(Token("OP", op, op, start))
                i += len(op)
                break
        else:
            raise syntax_error(query, i)
    tokens.append(Token("EOF", "", None, n))
    return tokens


def _number(query: str, i: int, tokens: list[Token]) -> int:
    n = len(query)
    start = i
    if query.startswith(("0x", "0X"), i):
        j = i + 2
        while j < n and query[j] in "0123456789abcdefABCDEF":
            j += 1
        value = int(query[i + 2:j], 16)
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
        raise NgqlSyntaxError(f"Out of range: near `{query[start:start + 19 + 1].split()[0]}'",
                              position=start, query=query)
