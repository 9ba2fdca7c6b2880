"""The context manager: the dialogue built so far and the real values it draws from.

A :class:`DialogueContext` keeps every turn's colloquial and complete question, its
query, a preview of its answer, the pattern that produced it, and the entities and
relations it referenced. Entities are ``(entity type, key value)`` pairs: the anchor a
question names and the entities its answer lists. Each entity carries a weight for the
pattern step (:mod:`momq.construct.patterns`): 1 when it enters the context, raised by
:data:`ENTITY_BOOST` each time a turn references it, so the conversation tends to
return to what it has just talked about.

Values are sampled from the database itself through the read-only engine (one query
per entity type or property, cached): every placeholder of a question is filled with
something that exists.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from momq.construct.render import get_renderer
from momq.construct.spec import Hop, QuerySpec
from momq.construct.view import SchemaView
from momq.engines.base import Engine, Result

#: how much an entity's weight rises each time a turn references it (MTGQL: 1/4)
ENTITY_BOOST = 0.25
#: entities of one answer taken into the context at most
MAX_ANSWER_ENTITIES = 20
SAMPLE_VALUES = 200


@dataclass(frozen=True)
class EntityRef:
    type: str
    value: Any


@dataclass
class ContextTurn:
    question: str
    complete: str
    query: str
    pattern: str = ""
    spec: QuerySpec | None = None
    answer: str = ""
    columns: list[str] = field(default_factory=list)
    rows: list[tuple] = field(default_factory=list)
    entities: list[EntityRef] = field(default_factory=list)
    relations: list[str] = field(default_factory=list)


class DialogueContext:
    """One dialogue under construction on one database (see the module docstring)."""

    def __init__(self, view: SchemaView, engine: Engine, *, timeout_s: float = 30.0, value_cache: dict | None = None):
        self.view = view
        self.engine = engine
        self.timeout_s = timeout_s
        self.turns: list[ContextTurn] = []
        self.entity_weights: dict[EntityRef, float] = {}
        #: shared between the dialogues of one build: values do not change
        self._values = value_cache if value_cache is not None else {}

    # ------------------------------------------------------------------ turns
    @property
    def last(self) -> ContextTurn | None:
        return self.turns[-1] if self.turns else None

    def add_turn(self, turn: ContextTurn) -> None:
        """Append ``turn`` and raise the weights of the entities it references."""
        self.turns.append(turn)
        for ref in dict.fromkeys(turn.entities):
            self.entity_weights[ref] = self.entity_weights.get(ref, 1.0) + ENTITY_BOOST

    def referenced(self, spec: QuerySpec, result: Result) -> list[EntityRef]:
        """The entities a turn references: its anchor and the named entities it returns."""
        refs = []
        if spec.anchor is not None:
            refs.append(EntityRef(spec.start, spec.anchor))
        focus = self.view.entities.get(spec.focus)
        if focus is not None and not spec.aggregate and focus.key in spec.outputs:
            at = spec.outputs.index(focus.key)
            for row in result.rows[:MAX_ANSWER_ENTITIES]:
                if row[at] is not None:
                    refs.append(EntityRef(spec.focus, row[at]))
        return refs

    def weighted_entities(self, types: set[str] | None = None) -> list[tuple[EntityRef, float]]:
        return [(ref, w) for ref, w in self.entity_weights.items() if types is None or ref.type in types]

    # ------------------------------------------------------------------ values
    def values(self, entity: str, prop: str, relation: str | None = None) -> list[Any]:
        """Distinct non-null values of a property in the database (sorted, cached)."""
        key = ("values", entity, prop, relation)
        if key not in self._values:
            query = get_renderer(self.view.dialect).values_query(
                self.view, entity, prop, relation=relation, limit=SAMPLE_VALUES
            )
            result = self.engine.execute(query, timeout_s=self.timeout_s)
            self._values[key] = [row[0] for row in result.rows if row[0] is not None]
        return self._values[key]

    def connected(self, entity: str, relation: str, forward: bool) -> set[Any]:
        """Key values of the ``entity`` entities that have at least one ``relation`` edge
        in that direction (cached): the anchors a relation question has answers for."""
        key = ("connected", entity, relation, forward)
        if key not in self._values:
            rel = self.view.relation(relation)
            other = rel.target if forward else rel.source
            spec = QuerySpec(
                start=other, hop=Hop(relation, not forward), focus=entity, outputs=(self.view.entity(entity).key,)
            )
            query = get_renderer(self.view.dialect).render(spec, self.view)
            result = self.engine.execute(query, timeout_s=self.timeout_s, max_rows=100_000)
            self._values[key] = {row[0] for row in result.rows if row[0] is not None}
        return self._values[key]

    def seen(self, spec: QuerySpec) -> bool:
        """Whether an earlier turn already asked exactly this."""
        return any(t.spec == spec for t in self.turns)

    def sample_entity(self, entity: str, rng: random.Random, exclude: set[Any] = frozenset()) -> Any | None:
        """A key value of ``entity`` from the database, preferring entities already in the
        context (by weight) one time in two."""
        known = [(ref.value, w) for ref, w in self.weighted_entities({entity}) if ref.value not in exclude]
        if known and rng.random() < 0.5:
            return weighted_choice(rng, known)
        pool = [v for v in self.values(entity, self.view.entity(entity).key) if v not in exclude]
        return rng.choice(pool) if pool else None


def weighted_choice(rng: random.Random, items: list[tuple[Any, float]]) -> Any:
    """One item of ``[(item, weight), ...]`` drawn with probability proportional to weight."""
    total = sum(w for _, w in items)
    point = rng.random() * total
    for item, weight in items:
        point -= weight
        if point < 0:
            return item
    return items[-1][0]


def answer_text(result: Result, rows: int = 5) -> str:
    """A short text of a result for the dialogue record (the answer the user saw)."""
    shown = ["; ".join("NULL" if v is None else str(v) for v in row) for row in result.rows[:rows]]
    more = f" ... ({len(result.rows)} rows)" if len(result.rows) > rows else ""
    return " | ".join(shown) + more


__all__ = ["ENTITY_BOOST", "EntityRef", "ContextTurn", "DialogueContext", "weighted_choice", "answer_text"]
