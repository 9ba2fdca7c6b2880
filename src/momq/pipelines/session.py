"""A conversation on one database: its turns, what each left for the next, and the
dialogue history a pipeline's prompt shows.

A :class:`Session` keeps every turn's question, standalone question, query, a preview of
its result and, taken from the executed query and its answer (:func:`turn_context`),
the entities (the query's literal values and the string values of its answer) and
relations (the edge types, or the tables, the query uses). Every pipeline answers a
dialogue turn through it (:meth:`momq.pipelines.frame.Pipeline.run` with ``session=``):
MTGQL's DA pipeline (:mod:`momq.pipelines.multiturn`) reformulates with it, the
baselines see its history. Sessions are plain JSON (:meth:`Session.save` /
:meth:`Session.load`), so ``momq chat`` and the server can stop and resume one.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from momq.pipelines.base import EMPTY, OK, Answer

SESSION_VERSION = 1


@dataclass
class TurnRecord:
    question: str
    standalone: str
    query: str
    status: str
    reason: str = ""
    columns: list[str] = field(default_factory=list)
    preview: list[list[Any]] = field(default_factory=list)
    row_count: int | None = None
    entities: list[str] = field(default_factory=list)
    relations: list[str] = field(default_factory=list)
    elements: list[str] = field(default_factory=list)


@dataclass
class Session:
    """A conversation on one database (serialisable, resumable)."""

    dialect: str
    database: str
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    turns: list[TurnRecord] = field(default_factory=list)
    language: str = "en"

    def history(self, limit: int = 6) -> list[tuple[str, str, str]]:
        """Earlier turns as ``(question, query, result preview)``, oldest first."""
        return [(t.standalone or t.question, t.query, _preview_text(t)) for t in self.turns[-limit:]]

    def history_text(self, limit: int = 4) -> str:
        from momq.prompts.builder import sanitize

        lines = []
        for i, t in enumerate(self.turns[-limit:], start=1):
            lines.append(f"Q{i}: {sanitize(t.standalone or t.question, 400)}")
            if t.query:
                lines.append(f"A{i}: {sanitize(t.query, 600)}")
            if t.preview:
                lines.append(f"R{i}: {sanitize(json.dumps(t.preview[:3], default=str, ensure_ascii=False), 300)}")
        return "\n".join(lines)

    def entities(self, limit: int = 12) -> list[str]:
        """Entities of the earlier turns, newest first (values to resolve references to)."""
        found: list[str] = []
        for t in reversed(self.turns):
            found += [e for e in t.entities if e not in found]
        return found[:limit]

    def elements(self) -> list[str]:
        found: list[str] = []
        for t in self.turns:
            found += [e for e in t.elements if e not in found]
        return found

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": SESSION_VERSION,
            "id": self.id,
            "dialect": self.dialect,
            "database": self.database,
            "language": self.language,
            "turns": [asdict(t) for t in self.turns],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Session":
        from momq.errors import ConfigError

        if data.get("version") != SESSION_VERSION:
            raise ConfigError(f"unsupported session version {data.get('version')!r}")
        return cls(
            data["dialect"],
            data["database"],
            data["id"],
            [TurnRecord(**t) for t in data.get("turns", [])],
            data.get("language", "en"),
        )

    def save(self, path: Path | str) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(self.to_dict(), ensure_ascii=False, indent=1, default=str))
        tmp.replace(path)
        return path

    @classmethod
    def load(cls, path: Path | str) -> "Session":
        return cls.from_dict(json.loads(Path(path).read_text()))


def _preview_text(turn: "TurnRecord") -> str:
    if turn.row_count is None:
        return ""
    if not turn.preview:
        return "(no rows)"
    return json.dumps(turn.preview[:3], default=str, ensure_ascii=False) + (
        f" ... {turn.row_count} rows" if (turn.row_count or 0) > 3 else ""
    )


def turn_context(query: str, result: Any, schema: Any, max_values: int = 8) -> tuple[list[str], list[str], list[str]]:
    """``(entities, relations, elements)`` of an executed turn (MTGQL's Algorithm 2 keeps
    them for the next turns): entities are the query's literal values and the string
    values of its answer (first rows); relations the edge types it traverses (graphs) or
    the tables it reads (SQL); elements every schema element it names."""
    from momq.pipelines.ranker import query_parts

    elements, literals, _ = query_parts(query or "", schema.element_names())
    answer = [
        v for row in (result.rows[:5] if result is not None else []) for v in row if isinstance(v, str) and v.strip()
    ]
    entities = list(dict.fromkeys(literals + answer))[:max_values]
    edges = {e.name for e in schema.edges}
    relations = (
        [e for e in elements if e in edges]
        if schema.family == "graph"
        else [e for e in elements if schema.table(e) is not None]
    )
    return entities, relations, elements


def record_turn(session: Session, question: str, standalone: str, answer: Answer, schema: Any) -> TurnRecord:
    """Append an answered turn to the session, with its context (:func:`turn_context`).
    Used by the DA pipeline and by the baselines answering a dialogue."""
    result = answer.result if answer.status in (OK, EMPTY) else None
    entities, relations, elements = turn_context(answer.query, result, schema)
    turn = TurnRecord(
        question=question,
        standalone=standalone,
        query=answer.query,
        status=answer.status,
        reason=answer.reason,
        columns=list(result.columns) if result is not None else [],
        preview=[[_plain(v) for v in row] for row in result.rows[:5]] if result is not None else [],
        row_count=len(result.rows) if result is not None else None,
        entities=entities,
        relations=relations,
        elements=elements,
    )
    session.turns.append(turn)
    return turn


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)
