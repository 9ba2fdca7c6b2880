"""Pattern selection (MTGQL, Algorithm 1) and the six expansion patterns.

Each follow-up turn expands the dialogue with one pattern:

=========================  ===============================================================
``attribute_followup``     ask another attribute of the entities just talked about
``temporal_shift``         add or move a time condition (a date/year property of the focus
                           entities or, graph and link tables only, of the relation)
``relation_extension``     from an entity of the context, follow a relation to new entities
``same_type_entity``       the same question about another entity of the same type
``aggregation``            count the entities just listed, or average / max / min a number
``conditional_filtering``  keep only the entities meeting a condition on a property
=========================  ===============================================================

Applicability depends on the dialect's schema: relations are edge types (graph) or
foreign keys and link tables (SQL); time conditions need a temporal property where the
dialect has one (edge properties exist in the graph dialects and on SQL link tables);
``same_type_entity`` needs a named anchor, ``aggregation`` a listed answer.

Weights (:class:`PatternSelector`): every pattern starts at 1/6; the weight of a pattern
just used is halved and the removed half is shared equally by the other five (the sum
stays 1), so a dialogue moves between patterns instead of repeating one. A pattern is
drawn among the applicable ones with probability proportional to its weight. Entities
are drawn by their context weights (:mod:`momq.construct.context`). A dialogue has 5 to
8 rounds (:data:`ROUNDS`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any, Callable

from momq.construct.context import DialogueContext, EntityRef, weighted_choice
from momq.construct.spec import Condition, Hop, QuerySpec
from momq.construct.view import SchemaView

PATTERNS = (
    "attribute_followup",
    "temporal_shift",
    "relation_extension",
    "same_type_entity",
    "aggregation",
    "conditional_filtering",
)
OPENING = "opening"
ROUNDS = (5, 8)
#: a text attribute with at most this many distinct values is a category one may filter on
MAX_CATEGORIES = 20


class PatternSelector:
    """MTGQL's pattern weights (see the module docstring)."""

    def __init__(self, patterns: tuple[str, ...] = PATTERNS):
        self.weights = {p: 1 / len(patterns) for p in patterns}

    def choose(self, applicable: list[str], rng: random.Random) -> str:
        return weighted_choice(rng, [(p, self.weights[p]) for p in applicable])

    def used(self, pattern: str) -> None:
        half = self.weights[pattern] / 2
        self.weights[pattern] = half
        others = [p for p in self.weights if p != pattern]
        for p in others:
            self.weights[p] += half / len(others)


@dataclass
class Plan:
    """What a pattern decided for the next turn: the query spec, the colloquial question
    with placeholders (``[ENTITY]``, ``[VALUE]``, ``[ATTRIBUTE]``, ``[TYPE]``) and the
    values that fill them."""

    pattern: str
    spec: QuerySpec
    colloquial: str
    slots: dict[str, Any] = field(default_factory=dict)


# ---------------------------------------------------------------------- helpers
def _relation_plan(
    ctx: DialogueContext, ref: EntityRef, rng: random.Random, avoid: str | None = None
) -> QuerySpec | None:
    """Follow a relation the entity has at least one edge of (``avoid``: not this one)."""
    view = ctx.view
    options = [(r, fwd) for r, fwd in view.relations_of(ref.type) if r.id != avoid]
    rng.shuffle(options)
    for rel, forward in options:
        if ref.value in ctx.connected(ref.type, rel.id, forward):
            focus = rel.target if forward else rel.source
            return QuerySpec(
                start=ref.type,
                anchor=ref.value,
                hop=Hop(rel.id, forward),
                focus=focus,
                outputs=(view.entity(focus).key,),
            )
    return None


def _first_unseen(
    ctx: DialogueContext, rng: random.Random, candidates: list[Any], make: Callable[[Any], QuerySpec | None]
) -> tuple[Any, QuerySpec] | None:
    """The first candidate, in random order, whose spec no earlier turn asked."""
    candidates = list(candidates)
    rng.shuffle(candidates)
    for candidate in candidates:
        spec = make(candidate)
        if spec is not None and not ctx.seen(spec):
            return candidate, spec
    return None


def _list_base(spec: QuerySpec, view: SchemaView) -> QuerySpec:
    """The listing behind ``spec`` (an aggregate becomes the list it aggregates)."""
    if spec.aggregate:
        return spec.with_(aggregate=None, outputs=(view.entity(spec.focus).key,))
    return spec


def _edge_rel(spec: QuerySpec, view: SchemaView):
    return view.relation(spec.hop.relation) if spec.hop else None


def _middle(values: list[Any], rng: random.Random) -> Any | None:
    """A value from the middle half of the sorted distinct values (keeps rows on both sides)."""
    if not values:
        return None
    values = sorted(values)
    lo, hi = len(values) // 4, max(len(values) // 4 + 1, (3 * len(values)) // 4)
    return rng.choice(values[lo:hi])


# ---------------------------------------------------------------------- patterns
def opening(ctx: DialogueContext, rng: random.Random) -> Plan | None:
    """The first question: the entities related to one named entity (or, in a schema
    without relations, an attribute of one named entity)."""
    view = ctx.view
    ways = [(t, rel, fwd) for t in view.entities for rel, fwd in view.relations_of(t)]
    if ways:
        start, rel, forward = rng.choice(ways)
        anchors = sorted(ctx.connected(start, rel.id, forward), key=str)
        if not anchors:
            return None
        value = rng.choice(anchors)
        focus = rel.target if forward else rel.source
        spec = QuerySpec(
            start=start, anchor=value, hop=Hop(rel.id, forward), focus=focus, outputs=(view.entity(focus).key,)
        )
        return Plan(OPENING, spec, "", {"ENTITY": value})
    start = rng.choice([t for t, e in view.entities.items() if e.attributes] or [None])
    value = ctx.sample_entity(start, rng) if start else None
    if value is None:
        return None
    entity = view.entity(start)
    spec = QuerySpec(start=start, anchor=value, focus=start, outputs=(entity.key, rng.choice(entity.attributes)))
    return Plan(OPENING, spec, "", {"ENTITY": value})


def attribute_followup(ctx: DialogueContext, rng: random.Random) -> Plan | None:
    prev = ctx.last.spec
    base = _list_base(prev, ctx.view)
    entity = ctx.view.entity(base.focus)
    found = _first_unseen(
        ctx, rng, [a for a in entity.attributes if a not in base.outputs], lambda a: base.with_(outputs=(entity.key, a))
    )
    if found is None:
        return None
    attr, spec = found
    return Plan(
        "attribute_followup",
        spec,
        rng.choice(
            [
                "And what is the [ATTRIBUTE] of each of them?",
                "What about their [ATTRIBUTE]?",
                "Can you add the [ATTRIBUTE]?",
                "And their [ATTRIBUTE]?",
            ]
        ),
        {"ATTRIBUTE": attr},
    )


def temporal_shift(ctx: DialogueContext, rng: random.Random) -> Plan | None:
    prev = ctx.last.spec
    entity = ctx.view.entity(prev.focus)
    rel = _edge_rel(prev, ctx.view)
    current = prev.temporal
    if current is not None:
        prop, on = current.prop, current.on
    else:
        options = [(p, "focus") for p in entity.temporal] + [(p, "edge") for p in (rel.temporal if rel else [])]
        if not options:
            return None
        prop, on = rng.choice(options)
    values = ctx.values(rel.source if on == "edge" else prev.focus, prop, rel.id if on == "edge" else None)
    value = _middle(values, rng)
    if value is None:
        return None
    op = ("<" if current.op.startswith(">") else ">=") if current is not None else rng.choice([">=", "<"])
    kept = tuple(c for c in prev.conditions if c is not current)
    spec = prev.with_(conditions=kept + (Condition(prop, op, value, on=on, temporal=True),))
    when = "before" if op == "<" else "from"
    if current is not None:
        colloquial = rng.choice([f"What about {when} [VALUE] instead?", f"And {when} [VALUE]?"])
    elif op == ">=":
        colloquial = rng.choice(
            ["Only those with [ATTRIBUTE] from [VALUE] on, please.", "Just the ones since [VALUE] ([ATTRIBUTE])."]
        )
    else:
        colloquial = rng.choice(
            ["Only those with [ATTRIBUTE] before [VALUE], please.", "Just the ones before [VALUE] ([ATTRIBUTE])."]
        )
    return Plan("temporal_shift", spec, colloquial, {"VALUE": value, "ATTRIBUTE": prop})


def relation_extension(ctx: DialogueContext, rng: random.Random) -> Plan | None:
    view = ctx.view
    candidates = [(ref, w) for ref, w in ctx.weighted_entities() if view.relations_of(ref.type)]
    if not candidates:
        return None
    ref = weighted_choice(rng, candidates)
    prev = ctx.last.spec
    avoid = prev.hop.relation if prev.hop and prev.start == ref.type and prev.anchor == ref.value else None
    spec = _relation_plan(ctx, ref, rng, avoid)
    if spec is None or ctx.seen(spec):
        return None
    return Plan(
        "relation_extension",
        spec,
        rng.choice(
            [
                "Which [TYPE] are connected to [ENTITY]?",
                "And the [TYPE] of [ENTITY]?",
                "Now show me the [TYPE] related to [ENTITY].",
                "What [TYPE] does [ENTITY] link to?",
            ]
        ),
        {"ENTITY": ref.value, "TYPE": spec.focus},
    )


def same_type_entity(ctx: DialogueContext, rng: random.Random) -> Plan | None:
    prev = ctx.last.spec
    if prev.anchor is None:
        return None
    asked = {t.spec.anchor for t in ctx.turns if t.spec.with_(anchor=None) == prev.with_(anchor=None)}
    other = ctx.sample_entity(prev.start, rng, exclude=asked | {prev.anchor})
    if other is None:
        return None
    return Plan(
        "same_type_entity",
        prev.with_(anchor=other),
        rng.choice(["What about [ENTITY]?", "And for [ENTITY]?", "Same question for [ENTITY].", "How about [ENTITY]?"]),
        {"ENTITY": other},
    )


def aggregation(ctx: DialogueContext, rng: random.Random) -> Plan | None:
    prev = ctx.last.spec
    if prev.aggregate:
        return None
    entity = ctx.view.entity(prev.focus)
    options = ["count"] + [f"{f}:{p}" for p in entity.numeric for f in ("avg", "max", "min")]
    found = _first_unseen(ctx, rng, options, lambda a: prev.with_(aggregate=a, outputs=()))
    if found is None:
        return None
    choice, spec = found
    if choice == "count":
        return Plan(
            "aggregation",
            spec,
            rng.choice(
                ["How many of them are there?", "How many is that?", "Can you count them?", "What's the count?"]
            ),
        )
    func, _, prop = choice.partition(":")
    word = {"avg": "average", "max": "highest", "min": "lowest"}[func]
    return Plan(
        "aggregation",
        spec,
        rng.choice([f"What is their {word} [ATTRIBUTE]?", f"And the {word} [ATTRIBUTE] among them?"]),
        {"ATTRIBUTE": prop},
    )


def conditional_filtering(ctx: DialogueContext, rng: random.Random) -> Plan | None:
    prev = ctx.last.spec
    entity = ctx.view.entity(prev.focus)
    rel = _edge_rel(prev, ctx.view)
    used = {c.prop for c in prev.conditions}
    options = [(p, "focus", "num") for p in entity.numeric if p not in used]
    options += [(p, "focus", "text") for p in entity.text if p not in used]
    options += [(p, "edge", "num") for p in (rel.numeric if rel else []) if p not in used]
    if not options:
        return None
    prop, on, kind_ = rng.choice(options)
    values = ctx.values(rel.source if on == "edge" else prev.focus, prop, rel.id if on == "edge" else None)
    if kind_ == "text":
        if not values or len(values) > MAX_CATEGORIES:  # free text, not a category
            return None
        value, op = rng.choice(values), "="
        colloquial = rng.choice(["Only the ones whose [ATTRIBUTE] is [VALUE].", "Just those with [ATTRIBUTE] [VALUE]."])
    else:
        value, op = _middle(values, rng), rng.choice([">", "<"])
        side = "above" if op == ">" else "below"
        colloquial = rng.choice(
            [f"Only those with [ATTRIBUTE] {side} [VALUE].", f"Keep the ones whose [ATTRIBUTE] is {side} [VALUE]."]
        )
    if value is None:
        return None
    spec = prev.with_(conditions=prev.conditions + (Condition(prop, op, value, on=on),))
    return Plan("conditional_filtering", spec, colloquial, {"ATTRIBUTE": prop, "VALUE": value})


PLANNERS: dict[str, Callable[[DialogueContext, random.Random], Plan | None]] = {
    "attribute_followup": attribute_followup,
    "temporal_shift": temporal_shift,
    "relation_extension": relation_extension,
    "same_type_entity": same_type_entity,
    "aggregation": aggregation,
    "conditional_filtering": conditional_filtering,
}


def applicable(ctx: DialogueContext) -> list[str]:
    """The patterns whose preconditions the dialogue and the schema meet (cheap checks;
    a pattern may still find no plan, e.g. no value to filter on)."""
    prev = ctx.last.spec if ctx.last else None
    if prev is None:
        return []
    view = ctx.view
    entity = view.entity(prev.focus)
    rel = _edge_rel(prev, view)
    out = []
    base_outputs = _list_base(prev, view).outputs
    if any(a not in base_outputs for a in entity.attributes):
        out.append("attribute_followup")
    if entity.temporal or (rel and rel.temporal):
        out.append("temporal_shift")
    if any(view.relations_of(ref.type) for ref in ctx.entity_weights):
        out.append("relation_extension")
    if prev.anchor is not None:
        out.append("same_type_entity")
    if not prev.aggregate:
        out.append("aggregation")
    used = {c.prop for c in prev.conditions}
    if any(p not in used for p in [*entity.numeric, *entity.text, *(rel.numeric if rel else [])]):
        out.append("conditional_filtering")
    return out


__all__ = ["PATTERNS", "OPENING", "ROUNDS", "PatternSelector", "Plan", "PLANNERS", "applicable", "opening"]
