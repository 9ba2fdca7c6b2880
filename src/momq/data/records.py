"""One record format for every dialect, a dialogue format for multi-turn data, and JSONL I/O.

- :class:`Example`: one question with its gold query in one dialect (``mysql``,
  ``postgres``, ``cypher``, ``ngql``) on one database. ``alternatives`` holds further
  gold queries that are equally correct (sql-eval lists several statements and
  ``{a, b}`` column choices): a prediction is right when it matches any of them.
- :class:`Dialogue`: a multi-turn conversation (MTGQL): each :class:`Turn` holds the
  question, its gold query, optionally the answer shown to the user and the expansion
  pattern that links it to the previous turn (e.g. ``filter``, ``aggregate``, ``hop``).
- :class:`Rejected`: a source record that could not become an example, with the reason.
  Loaders return it next to the examples so that nothing is dropped silently; the
  benchmark builder writes the reasons into the data card.

JSONL files hold one record per line; ``read_jsonl`` reports the line number of every
bad line instead of stopping at the first one.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from momq.errors import ConfigError

DIALECTS = ("mysql", "postgres", "cypher", "ngql")


@dataclass
class Example:
    """One question and its gold query (see module docstring)."""

    id: str
    dialect: str
    database: str
    question: str
    query: str
    alternatives: list[str] = field(default_factory=list)
    category: str = ""
    language: str = "en"
    source: str = ""
    #: extra facts kept from the source (instructions, original SQLite query, ...)
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def golds(self) -> list[str]:
        """The gold query followed by its alternatives."""
        return [self.query, *self.alternatives]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        if not data["alternatives"]:
            del data["alternatives"]
        if not data["meta"]:
            del data["meta"]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Example":
        return cls(**_known_fields(cls, data, required=("id", "dialect", "database", "question", "query")))

    def to_training(self, schema: str | None = None) -> dict[str, Any]:
        """The fine-tuning record: ``{"id","dialect","database","question","query",
        "schema"?, "language"}`` (schema text only when given)."""
        record: dict[str, Any] = {
            "id": self.id,
            "dialect": self.dialect,
            "database": self.database,
            "question": self.question,
            "query": self.query,
        }
        if schema is not None:
            record["schema"] = schema
        record["language"] = self.language
        return record


@dataclass
class Turn:
    """One turn of a dialogue."""

    question: str
    query: str
    answer: str | None = None
    #: how this turn expands the previous one (MTGQL's expansion patterns); "" for turn 1
    pattern: str = ""

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        if data["answer"] is None:
            del data["answer"]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Turn":
        return cls(**_known_fields(cls, data, required=("question", "query")))


@dataclass
class Dialogue:
    """A multi-turn conversation on one database in one dialect."""

    id: str
    dialect: str
    database: str
    turns: list[Turn]
    language: str = "en"
    category: str = ""
    source: str = ""
    meta: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["turns"] = [t.to_dict() for t in self.turns]
        if not data["meta"]:
            del data["meta"]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Dialogue":
        values = _known_fields(cls, data, required=("id", "dialect", "database", "turns"))
        turns = values["turns"]
        if not isinstance(turns, list) or not turns:
            raise ValueError("'turns' must be a non-empty list")
        values["turns"] = [Turn.from_dict(t) for t in turns]
        return cls(**values)

    def turn_examples(self) -> list[Example]:
        """Each turn as an Example (``<dialogue id>#<turn number from 1>``)."""
        return [
            Example(
                id=f"{self.id}#{i}",
                dialect=self.dialect,
                database=self.database,
                question=t.question,
                query=t.query,
                category=t.pattern,
                language=self.language,
                source=self.source,
                meta={"dialogue": self.id, "turn": i},
            )
            for i, t in enumerate(self.turns, start=1)
        ]


@dataclass
class Rejected:
    """A source record left out, and why (reported, never silently dropped)."""

    record: Any
    reason: str
    source: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "reason": self.reason, "record": _jsonable(self.record)}


def _jsonable(value: Any) -> Any:
    try:
        json.dumps(value)
        return value
    except TypeError:
        if hasattr(value, "to_dict"):
            return value.to_dict()
        return repr(value)


def _known_fields(cls: type, data: dict[str, Any], required: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ValueError(f"expected a JSON object, got {type(data).__name__}")
    missing = [k for k in required if k not in data or data[k] in (None, "")]
    if missing:
        raise ValueError(f"missing field(s): {', '.join(missing)}")
    names = {f.name for f in fields(cls)}
    unknown = sorted(set(data) - names)
    values = {k: v for k, v in data.items() if k in names}
    if unknown:
        meta = dict(values.get("meta") or {})
        meta.update({k: data[k] for k in unknown})
        if "meta" in names:
            values["meta"] = meta
    if "dialect" in values and values["dialect"] not in DIALECTS:
        raise ValueError(f"unknown dialect {values['dialect']!r} (known: {', '.join(DIALECTS)})")
    return values


# --------------------------------------------------------------------------------------
# JSONL
# --------------------------------------------------------------------------------------


class JsonlError(ConfigError):
    """A JSONL file has bad lines; ``problems`` lists ``(line number, message)``."""

    def __init__(self, path: Path | str, problems: list[tuple[int, str]]):
        self.path, self.problems = str(path), problems
        shown = "\n".join(f"  line {n}: {msg}" for n, msg in problems[:50])
        more = f"\n  ... and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(f"{path}: {len(problems)} bad line(s):\n{shown}{more}")


def iter_jsonl_lines(path: Path | str) -> Iterator[tuple[int, Any | Exception]]:
    """``(line number, parsed object or the exception)`` for every non-blank line.
    Non-UTF-8 lines yield a ``UnicodeDecodeError`` for that line only."""
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                yield number, exc
                continue
            if not text.strip():
                continue
            try:
                yield number, json.loads(text)
            except json.JSONDecodeError as exc:
                yield number, exc


def iter_jsonl_objects(path: Path | str, problems: list[tuple[int, str]]) -> Iterator[tuple[int, dict]]:
    """``(line number, object)`` for every line that holds a JSON object; every other
    non-blank line (not UTF-8, not JSON, not an object) is added to ``problems`` as
    ``(line number, message)``."""
    for number, item in iter_jsonl_lines(path):
        if isinstance(item, UnicodeDecodeError):
            problems.append((number, f"not UTF-8 (byte {item.start})"))
        elif isinstance(item, Exception):
            problems.append((number, f"not JSON: {item}"))
        elif not isinstance(item, dict):
            problems.append((number, "not a JSON object"))
        else:
            yield number, item


def read_jsonl(path: Path | str, build: Callable[[dict[str, Any]], Any] | None = None) -> list[Any]:
    """The objects of a JSONL file, each passed through ``build`` when given (a
    ``TypeError`` or ``ValueError`` from it refuses the line); raises
    :class:`JsonlError` listing every bad line."""
    records: list[Any] = []
    problems: list[tuple[int, str]] = []
    for number, item in iter_jsonl_objects(path, problems):
        if build is None:
            records.append(item)
            continue
        try:
            records.append(build(item))
        except (TypeError, ValueError) as exc:
            problems.append((number, str(exc)))
    if problems:
        raise JsonlError(path, problems)
    return records


def write_jsonl(path: Path | str, records: Iterable[Any]) -> int:
    """Write records (dicts or objects with ``to_dict``) atomically; return the count."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    count = 0
    with open(tmp, "w", encoding="utf-8") as handle:
        for record in records:
            data = record.to_dict() if hasattr(record, "to_dict") else record
            handle.write(json.dumps(data, ensure_ascii=False, default=str) + "\n")
            count += 1
    tmp.replace(path)
    return count


def read_examples(path: Path | str) -> list[Example]:
    """Examples of a JSONL file; every bad record is listed in one :class:`JsonlError`."""
    return read_jsonl(path, Example.from_dict)


def read_dialogues(path: Path | str) -> list[Dialogue]:
    return read_jsonl(path, Dialogue.from_dict)


__all__ = [
    "DIALECTS",
    "Example",
    "Turn",
    "Dialogue",
    "Rejected",
    "JsonlError",
    "read_jsonl",
    "write_jsonl",
    "read_examples",
    "read_dialogues",
    "iter_jsonl_lines",
    "iter_jsonl_objects",
]
