"""The Cypher lexer: one tokenizer for the dialect (read-only check, statement
splitting) and the engine (ORDER BY detection), splitting comments, strings and lines
as Neo4j's and ArcadeDB's Cypher grammars do.

- whitespace: every Unicode space and line separator (the grammars' SPACE rule);
- ``// ...`` runs to the end of the line: to ``\r`` or ``\n`` (so ``\r\n`` too) as in
  the engines' grammars, and also to NEL, U+2028 and U+2029 (see :data:`LINE_END`);
- ``/* ... */`` does not nest; an unclosed one runs to the end of the text;
- strings in ``'...'`` or ``"..."`` with a backslash escaping any character; names in
  backticks with a doubled backtick escaping one.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple


class Token(NamedTuple):
    """One lexical token. ``kind`` is ``word`` (keyword or plain name), ``name``
    (backticked), ``string``, ``number``, ``param`` or ``punct``; ``upper`` is the upper
    case text of words (for keyword tests) and the text otherwise."""

    kind: str
    text: str
    pos: int
    upper: str


#: the characters that end a ``//`` comment. Neo4j's and ArcadeDB's Cypher grammars end
#: one at ``\r`` or ``\n`` (``'//' ~[\r\n]*``); the Unicode line and paragraph separators
#: and NEL end one here too, so the check never sees less of a query than an engine runs
LINE_END = "\r\n\u0085\u2028\u2029"

_LEXER = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>//[^\r\n\u0085\u2028\u2029]*|/\*.*?(?:\*/|\Z))
  | (?P<string>'(?:[^'\\]|\\.)*(?:'|\Z)|"(?:[^"\\]|\\.)*(?:"|\Z))
  | (?P<name>`(?:[^`]|``)*(?:`|\Z))
  | (?P<param>\$(?:\w+|`(?:[^`]|``)*`))
  | (?P<number>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)
  | (?P<word>[^\W\d]\w*)
  | (?P<punct>\.\.|<>|<=|>=|=~|->|<-|\+=|::|.)
    """,
    re.VERBOSE | re.DOTALL,
)
_new_token = tuple.__new__  # builds a Token without NamedTuple's slower __new__ (hot path)


@lru_cache(maxsize=4096)
def tokenize(query: str) -> tuple[Token, ...]:
    """The tokens of ``query`` without whitespace and comments (cached: the same query is
    often checked, run and explained)."""
    tokens: list[Token] = []
    append_token = tokens.append
    for match in _LEXER.finditer(query):
        kind = match.lastgroup
        if kind == "ws" or kind == "comment":
            continue
        text = match.group()
        append_token(_new_token(Token, (kind, text, match.start(), text.upper() if kind == "word" else text)))
    return tuple(tokens)


def split_statements(script: str) -> list[str]:
    """Split a script on top-level semicolons (not those inside strings or comments)."""
    cuts = [t.pos for t in tokenize(script) if t.kind == "punct" and t.text == ";"]
    parts, start = [], 0
    for cut in cuts:
        parts.append(script[start:cut])
        start = cut + 1
    parts.append(script[start:])
    return [p.strip() for p in parts if p.strip()]
