"""A small tokenizer shared by the graph dialects (Cypher and nGQL).

It is used for exact-match normalisation and for the token-level read-only check; it
is not a parser (validation goes through the engine or momq's nGQL parser). Comments
are dropped; strings, backticked names and parameters are kept whole.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>//[^\n]*|--[^\n]*|\#[^\n]*|/\*.*?\*/)
  | (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
  | (?P<backtick>`(?:[^`]|``)*`)
  | (?P<number>\d+\.\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?|\d+(?:[eE][-+]?\d+)?)
  | (?P<param>\$\^|\$\$|\$-|\$[A-Za-z_][A-Za-z_0-9]*)
  | (?P<ident>[A-Za-z_][A-Za-z_0-9]*)
  | (?P<op><>|!=|<=|>=|==|=~|->|<-|\.\.|\+=|\|\||[-+*/%^=<>!|&.,:;()\[\]{}@?~])
    """,
    re.X | re.S,
)


# keywords that are also called like functions: ``count(x)``, ``exists(...)``
_CALLABLE_KEYWORDS = frozenset({"COUNT", "EXISTS", "ANY", "ALL", "NONE", "SINGLE"})


@dataclass(frozen=True)
class Token:
    kind: str  # string | backtick | number | param | ident | op | error
    text: str
    pos: int


def tokenize(query: str, comments: tuple[str, ...] = ("//", "/*")) -> list[Token]:
    """Tokens of ``query`` without whitespace and comments. ``comments`` lists the
    comment markers of the dialect (``#`` is a comment in nGQL, not in Cypher)."""
    tokens: list[Token] = []
    pos = 0
    while pos < len(query):
        match = _TOKEN.match(query, pos)
        if not match:
            tokens.append(Token("error", query[pos], pos))
            pos += 1
            continue
        kind = match.lastgroup or "error"
        text = match.group()
        if kind == "comment" and not any(text.startswith(c) for c in comments):
            # not a comment in this dialect: emit the first character as an operator
            tokens.append(Token("op", text[0], pos))
            pos += 1
            continue
        if kind not in ("ws", "comment"):
            tokens.append(Token(kind, text, pos))
        pos = match.end()
    return tokens


def normalize_tokens(tokens: list[Token], keywords: frozenset[str], functions_case_insensitive: bool = True) -> str:
    """Canonical text for exact match: keywords upper case, strings in double quotes,
    variables renamed ``v1, v2, ...`` in order of first binding, single spaces."""
    variables = _bound_variables(tokens, keywords)
    out: list[str] = []
    for i, tok in enumerate(tokens):
        prev = tokens[i - 1].text if i else ""
        if tok.kind == "ident":
            upper = tok.text.upper()
            is_call = (
                i + 1 < len(tokens)
                and tokens[i + 1].text == "("
                and (upper not in keywords or upper in _CALLABLE_KEYWORDS)
            )
            if prev in (".", ":") and not (prev == ":" and _in_map(tokens, i)):
                out.append(tok.text)  # property key, label or type: case-sensitive
            elif tok.text in variables and prev not in (".",):
                out.append(variables[tok.text])
            elif is_call:
                out.append((tok.text.lower() if functions_case_insensitive else tok.text) + "\x00")
            elif upper in keywords:
                out.append(upper)
            else:
                out.append(tok.text)
        elif tok.kind == "string":
            body = tok.text[1:-1]
            if tok.text[0] == "'":
                body = body.replace("\\'", "'").replace('"', '\\"')
            out.append(f'"{body}"')
        elif tok.kind == "backtick":
            name = tok.text[1:-1].replace("``", "`")
            out.append(variables.get(name, name) if re.fullmatch(r"[A-Za-z_]\w*", name) else tok.text)
        elif tok.kind == "op" and tok.text == ";" and i == len(tokens) - 1:
            continue
        else:
            out.append(tok.text.upper() if tok.kind == "number" else tok.text)
    text = " ".join(out)
    # no spaces inside property access, calls and brackets
    text = re.sub(r" ?([.:]) ?", r"\1", text)
    text = re.sub(r"([(\[{]) ", r"\1", text)
    text = re.sub(r" ([)\]},])", r"\1", text)
    text = text.replace("\x00 (", "(").replace("\x00", "")
    return text


def _in_map(tokens: list[Token], i: int) -> bool:
    """True when ``tokens[i-1]`` is the ':' of a map literal ``{key: value}`` (the token
    before the colon is the key, and the token before the key is '{' or ',')."""
    return i >= 3 and tokens[i - 3].text in ("{", ",") and tokens[i - 2].kind == "ident"


def _bound_variables(tokens: list[Token], keywords: frozenset[str]) -> dict[str, str]:
    """Names bound as pattern variables ``(x ...``/``[x ...``, ``AS x``, ``UNWIND ... AS x``
    or nGQL ``$x =``, mapped to canonical names in order of first appearance."""
    names: list[str] = []
    for i, tok in enumerate(tokens):
        if tok.kind not in ("ident", "backtick"):
            continue
        name = tok.text.strip("`")
        prev = tokens[i - 1].text if i else ""
        nxt = tokens[i + 1].text if i + 1 < len(tokens) else ""
        bound = (
            prev in ("(", "[") and nxt in (":", ")", "]", "{", "*") and name.upper() not in keywords
        ) or prev.upper() == "AS"
        # path variables: ``p = (`` at the start of a pattern
        if (
            not bound
            and nxt == "="
            and i + 2 < len(tokens)
            and tokens[i + 2].text in ("(", "shortestPath", "allShortestPaths")
        ):
            bound = prev.upper() in ("MATCH", ",", "OPTIONAL")
        if bound and name not in names:
            names.append(name)
    return {name: f"v{k + 1}" for k, name in enumerate(names)}
