"""The dialect contract and its registry.

A dialect is a small declarative class (in the spirit of sqlglot's dialects) that owns
everything that differs between query languages. It names its family, its label and
code-fence tag for prompts, a prompt hint per language, its answer prefixes, the
keywords a query may start with, R3's keyword skeleton, how it quotes identifiers and
which module introspects a live database's schema (``introspection``), and implements
the operations every other part of momq relies on:

- ``validate(query)``: does the query parse, without running it? (an engine-backed
  check such as Cypher's EXPLAIN is passed in; a dialect imports no engine);
- ``extract(text)``: pull the query out of raw model output;
- ``is_read_only(query)``: is every statement free of writes?
- ``normalize(query)``: the canonical text used for exact match (EM);
- ``value_queries(schema)``: the read-only queries that collect a database's string
  values for value alignment (``momq.align``);
- ``schema_examples(schema)``: syntax examples written with a database's own names.

Schemas are duck-typed (``momq.schema.model.Schema``): dialects sit below the schema
package and import nothing from it.

Subclasses register themselves by defining ``name``; third-party dialects are found
through the ``momq.dialects`` entry-point group.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, ClassVar, Literal

Family = Literal["relational", "graph"]
#: an engine-backed check passed to ``Dialect.validate``: it compiles ``query`` on a
#: server without running it and raises a ``momq.errors.QueryError`` when it fails
Explain = Callable[[str], None]


@dataclass(frozen=True)
class Keyword:
    """One entry of R3's keyword skeleton: a CRUD keyword or a clause, with an example."""

    name: str
    kind: Literal["crud", "clause", "function"]
    example: str
    description: str = ""


@dataclass(frozen=True)
class Validation:
    """Outcome of ``Dialect.validate``. ``method`` says how it was checked (``sqlglot``,
    ``engine-explain``, ``ngql-parser``, ``structural``)."""

    ok: bool
    message: str = ""
    position: int | None = None
    method: str = ""

    def __bool__(self) -> bool:
        return self.ok


# chat-template tokens that end or wrap a model's answer
_CHAT_TOKENS = re.compile(
    r"<\|im_end\|>|<\|endoftext\|>|<\|eot_id\|>|<\|end\|>|</s>|<end_of_turn>|<eos>|<\|end_of_text\|>"
)
_CHAT_OPENERS = re.compile(
    r"<\|im_start\|>\s*(assistant|user|system)?\s*|<start_of_turn>\s*(model|user)?\s*|<\|assistant\|>|<s>"
)
_FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_+-]*)[ \t]*\n?(.*?)(?:```|$)", re.S)
_PROSE_START = re.compile(
    r"^(this|the|here|note|explanation|it|these|in this|i|we|output|result|hope)\b(?!\s*[.(=])",
    re.I,
)


class Dialect:
    """Base class of all dialects; see the module docstring."""

    _registry: ClassVar[dict[str, type["Dialect"]]] = {}

    #: registry name (``mysql``, ``postgres``, ``cypher``, ``ngql``)
    name: ClassVar[str] = ""
    #: human-readable name used in prompts
    label: ClassVar[str] = ""
    family: ClassVar[Family]
    #: code-fence language tags a model may use for this dialect
    fence_tags: ClassVar[tuple[str, ...]] = ()
    #: answer prefixes a model may write before the query (``SQL:``)
    prefixes: ClassVar[tuple[str, ...]] = ()
    #: keywords a statement of this dialect may start with (upper case)
    start_keywords: ClassVar[tuple[str, ...]] = ()
    #: R3's keyword skeleton: CRUD keywords and clauses, one example each
    skeleton: ClassVar[tuple[Keyword, ...]] = ()
    #: markers that start a comment running to the end of the line
    line_comments: ClassVar[tuple[str, ...]] = ("--",)
    #: the character that quotes an identifier (doubled inside one)
    identifier_quote: ClassVar[str] = "`"
    #: a short hint on the dialect's syntax for the system prompt, per prompt language
    hints: ClassVar[dict[str, str]] = {}
    #: the module whose ``introspect(engine)`` reads a live database's schema
    introspection: ClassVar[str] = ""
    #: placeholders that :meth:`schema_examples` write where a real value belongs; a
    #: candidate that still holds one is sent back to the model, never run
    example_placeholders: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.name:
            Dialect._registry[cls.name] = cls

    # ------------------------------------------------------------------ API
    def validate(self, query: str, explain: Explain | None = None) -> Validation:  # pragma: no cover - abstract
        """Does ``query`` parse? Nothing runs. ``explain``: an engine-backed check
        (:data:`Explain`), used by dialects whose own check cannot be complete (Cypher);
        the dialect never imports an engine."""
        raise NotImplementedError

    def is_read_only(self, query: str) -> bool:  # pragma: no cover - abstract
        raise NotImplementedError

    def refusal(self, query: str) -> str | None:
        """Why the read-only check refuses ``query`` (a short phrase), or None when it would
        run. Dialects whose check names what it refuses say so; this default only knows
        that the query is not on the read-only allow-list."""
        return None if self.is_read_only(query) else "it is not a read-only query"

    def normalize(self, query: str) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def fence(self) -> str:
        """The code-fence tag prompts and answers use (```` ```sql ````)."""
        return self.fence_tags[0] if self.fence_tags else self.name

    def hint(self, language: str) -> str:
        """The prompt hint in ``language`` ("" when there is none)."""
        return self.hints.get(language, "")

    def quote(self, name: str) -> str:
        """``name`` as a quoted identifier."""
        q = self.identifier_quote
        return q + name.replace(q, q + q) + q

    def value_queries(self, schema: Any, per_column: int) -> list[tuple[str, str]]:
        """``(where, read-only query)`` pairs that collect the distinct string values of
        the schema (at most ``per_column`` per column or property), for value alignment;
        ``where`` names the place (``table.column``, ``Tag.prop``). None by default."""
        return []

    def schema_examples(self, schema: Any) -> list[str]:
        """Short syntax examples written with the database's own tags, labels and
        properties (how this dialect spells a property or a direction), shown to the
        model under the schema. None by default: SQL needs no such hint."""
        return []

    def split_statements(self, query: str) -> list[str]:
        """Statements of ``query`` split on ``;`` outside quotes and comments."""
        parts = split_outside_quotes(query, ";", self.line_comments)
        return [s for s in (part.strip() for part in parts) if s]

    def extract(self, text: str) -> str:
        """The query in raw model output.

        Steps: cut at the first end-of-turn chat token; prefer a fenced code block (one
        tagged with this dialect first); else take what follows an answer prefix such as
        ``SQL:``; then start at the first line that begins with one of the dialect's start
        keywords, stop at a blank line or a line of prose, and keep what
        ``select_statements`` keeps of several statements.
        """
        text = _CHAT_OPENERS.sub("", text)
        end = _CHAT_TOKENS.search(text)
        if end:
            text = text[: end.start()]
        blocks = [(tag.lower(), body) for tag, body in _FENCE.findall(text)]
        if blocks:
            tagged = [body for tag, body in blocks if tag in self.fence_tags]
            untagged = [body for tag, body in blocks if not tag]
            text = (tagged or untagged or [blocks[0][1]])[0]
        else:
            text = self._after_prefix(text)
        text = self._query_lines(text)
        statements = self.split_statements(text)
        return "; ".join(self.select_statements(statements)) if statements else ""

    def select_statements(self, statements: list[str]) -> list[str]:
        """Which of several statements form the answer: by default the first."""
        return statements[:1]

    # ------------------------------------------------------------- helpers
    def _after_prefix(self, text: str) -> str:
        prefixes = "|".join(re.escape(p) for p in (*self.prefixes, "Query", "Answer"))
        match = None
        for match in re.finditer(rf"(?im)^\s*(?:\*\*)?(?:{prefixes})(?:\*\*)?\s*:\s*(?:\*\*)?", text):  # noqa: B007
            pass
        return text[match.end() :] if match else text

    def _starts_query(self, line: str) -> bool:
        word = re.match(r"\s*(\$?[A-Za-z_][A-Za-z_0-9]*|\(|\$-)", line)
        if not word:
            return False
        token = word.group(1)
        return token.upper() in self.start_keywords or (token.startswith("$") and "$" in self.start_keywords)

    def _query_lines(self, text: str) -> str:
        lines = text.strip().splitlines()
        start = next((i for i, line in enumerate(lines) if self._starts_query(line)), None)
        if start is None:
            return text.strip()
        kept: list[str] = []
        for line in lines[start:]:
            if not line.strip():
                break
            if kept and _PROSE_START.match(line.strip()) and not self._starts_query(line):
                break
            kept.append(line.rstrip())
        return "\n".join(kept).strip()


_TEXT_TYPES = re.compile(r"char|text|string|varchar|enum|uuid|citext|name", re.I)


def is_text_type(type_name: str) -> bool:
    """Whether a column or property of type ``type_name`` holds text (an unknown type
    counts as text)."""
    return not type_name or bool(_TEXT_TYPES.search(type_name))


def split_outside_quotes(text: str, sep: str, line_comments: tuple[str, ...] = ("--",)) -> list[str]:
    """Split on ``sep`` where it is not inside '...', "...", `...` or a comment
    (``/* */`` or a line comment starting with one of ``line_comments``)."""
    parts, current, quote, i = [], [], "", 0
    while i < len(text):
        ch = text[i]
        if quote:
            current.append(ch)
            if ch == "\\" and i + 1 < len(text):
                current.append(text[i + 1])
                i += 2
                continue
            if ch == quote:
                quote = ""
        elif ch in "'\"`":
            quote = ch
            current.append(ch)
        elif any(text.startswith(marker, i) for marker in line_comments):
            end = text.find("\n", i)
            end = len(text) if end < 0 else end
            current.append(text[i:end])
            i = end
            continue
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = len(text) if end < 0 else end + 2
            current.append(text[i:end])
            i = end
            continue
        elif ch == sep:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
        i += 1
    parts.append("".join(current))
    return parts
