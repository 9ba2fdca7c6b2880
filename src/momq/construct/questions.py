"""Question generation: a colloquial question (context-dependent, with placeholders) and
its complete, standalone form.

- :class:`TemplateQuestionGenerator` (deterministic, no model): the colloquial form is
  the pattern's template (one of a few paraphrases) with its placeholders filled; the
  complete form verbalises the turn's :class:`~momq.construct.spec.QuerySpec`
  (:func:`verbalize`, a paraphrase chosen by a hash of the turn).
- :class:`ModelQuestionGenerator`: MTGQL's question-generation prompt sent to any
  momq model backend (``momq.llm.load_model_spec``): the dialogue so far, the pattern
  to apply, what the planned turn asks (its reference wording) and the values it must
  keep; the model answers a JSON object with the colloquial question and its complete
  form (placeholders in brackets are filled with the sampled values).
"""

from __future__ import annotations

import json
import random
import re
import zlib
from typing import Any, Protocol

from momq.construct.context import DialogueContext
from momq.construct.patterns import Plan
from momq.construct.render.base import aggregate_parts
from momq.construct.spec import QuerySpec, literal_value
from momq.construct.view import SchemaView, plural, singular, words

PATTERN_DESCRIPTIONS = {
    "opening": "Open the conversation: ask about the entities related to [ENTITY].",
    "attribute_followup": "Attribute follow-up: ask for another attribute ([ATTRIBUTE]) of the entities "
    "just discussed.",
    "temporal_shift": "Temporal shift: restrict or move the time condition ([ATTRIBUTE], [VALUE]).",
    "relation_extension": "Relation extension: from [ENTITY], ask about the [TYPE] connected to it.",
    "same_type_entity": "Same-type entity: ask the previous question about [ENTITY] instead.",
    "aggregation": "Aggregation: count or summarise (average, maximum, minimum) the previous answer.",
    "conditional_filtering": "Conditional filtering: keep only the entities whose [ATTRIBUTE] meets a "
    "condition on [VALUE].",
}


class QuestionGenerator(Protocol):
    def generate(self, ctx: DialogueContext, plan: Plan) -> tuple[str, str]:
        """``(colloquial question, complete question)`` for the planned turn."""


def fill(template: str, slots: dict[str, Any]) -> str:
    """Replace ``[NAME]`` placeholders by their values (schema names as words)."""

    def value(match: re.Match) -> str:
        name = match.group(1)
        if name not in slots:
            return match.group(0)
        v = literal_value(slots[name])
        if name == "ATTRIBUTE":
            return words(str(v))
        if name == "TYPE":
            return plural(words(singular(str(v))))
        return str(v)

    return re.sub(r"\[([A-Z_]+)\]", value, template)


# ---------------------------------------------------------------------- verbalisation
_OPS = {">": "above", ">=": "from", "<": "below", "<=": "at most", "=": "equal to"}


def _noun(entity: str, many: bool) -> str:
    word = words(singular(entity))
    return plural(word) if many else word


def _condition_text(spec: QuerySpec, view: SchemaView) -> str:
    parts = []
    for c in spec.conditions:
        value = literal_value(c.value)
        if c.temporal:
            phrase = f"{words(c.prop)} {'before' if c.op.startswith('<') else 'from'} {value}" + (
                "" if c.op.startswith("<") else " on"
            )
        else:
            phrase = f"{words(c.prop)} {_OPS[c.op]} {value}"
        if c.on == "edge":
            rel = view.relation(spec.hop.relation)
            phrase = f"the {words(rel.name)} {phrase}"
        parts.append(phrase)
    return (" with " + " and ".join(parts)) if parts else ""


def _subject(spec: QuerySpec, view: SchemaView) -> str:
    """The focus entities as a noun phrase: 'the movies that the person Tom Hanks acted in'."""
    if spec.hop is None:
        noun = _noun(spec.focus, spec.anchor is None)
        if spec.anchor is None:
            return f"the {noun}"
        return f"the {noun} {spec.anchor}"
    rel = view.relation(spec.hop.relation)
    focus = _noun(spec.focus, True)
    start = (
        f"the {_noun(spec.start, False)} {spec.anchor}"
        if spec.anchor is not None
        else f"any {_noun(spec.start, False)}"
    )
    if rel.via:
        return f"the {focus} linked to {start} through {words(rel.via)}"
    if view.family == "relational":
        if spec.hop.forward:  # to the referenced table
            return f"the {focus} of {start}"
        return f"the {focus} that reference {start}"
    if spec.hop.forward:
        return f"the {focus} that {start} {words(rel.name)}"
    return f"the {focus} that {words(rel.name)} {start}"


def verbalize(spec: QuerySpec, view: SchemaView, rng: random.Random | None = None) -> str:
    """The complete English question a spec answers; ``rng`` picks among paraphrases
    (the first one without it)."""

    def pick(options: list[str]) -> str:
        return rng.choice(options) if rng is not None else options[0]

    subject = _subject(spec, view) + _condition_text(spec, view)
    bare = subject.removeprefix("the ")
    if spec.aggregate:
        func, prop = aggregate_parts(spec.aggregate)
        if func == "count":
            return pick([f"How many {bare} are there?", f"What is the number of {bare}?", f"Count {subject}."])
        word = {"avg": "average", "max": "highest", "min": "lowest"}[func]
        return pick(
            [f"What is the {word} {words(prop)} of {subject}?", f"Give me the {word} {words(prop)} of {subject}."]
        )
    key = view.entity(spec.focus).key
    extra = " and ".join(words(o) for o in spec.outputs if o != key)
    if spec.hop is None and spec.anchor is not None and extra:
        return pick([f"What is the {extra} of {subject}?", f"Tell me the {extra} of {subject}."])
    if extra:
        return pick(
            [
                f"List the {words(key)} and {extra} of {subject}.",
                f"Show the {words(key)} and {extra} of {subject}.",
                f"For {subject}, give the {words(key)} and {extra}.",
            ]
        )
    return pick([f"What are {subject}?", f"Show me {subject}.", f"List {subject}.", f"Which are {subject}?"])


class TemplateQuestionGenerator:
    """Deterministic questions (see the module docstring)."""

    def generate(self, ctx: DialogueContext, plan: Plan) -> tuple[str, str]:
        # paraphrase choice: a pure function of the turn, so a build is reproducible
        seed = zlib.crc32(json.dumps([plan.pattern, plan.spec.to_dict()], default=str).encode())
        complete = verbalize(plan.spec, ctx.view, random.Random(seed))
        colloquial = complete if not plan.colloquial else fill(plan.colloquial, plan.slots)
        return colloquial, complete


# ---------------------------------------------------------------------- model
QUESTION_PROMPT = """You write the next user question of a conversation with a {family} database.

Conversation so far:
{history}

Kind of turn: {pattern}
The next question must ask exactly this (a plain reference wording): {reference}

Write that question twice:
- "question": what a user would type next in this conversation: short, colloquial, and
  relying on the conversation where natural (pronouns such as "they" or "those", ellipsis)
  for what was already said;
- "complete": the same question made standalone, understandable without the conversation,
  asking exactly what the reference asks.
Keep these names and values verbatim: {values}.
Answer with one JSON object only: {{"question": "...", "complete": "..."}}"""

#: placeholders whose values are data (names, numbers, dates) that both forms must keep;
#: ATTRIBUTE and TYPE are schema names, which a question may paraphrase
DATA_SLOTS = ("ENTITY", "VALUE")


def history_text(ctx: DialogueContext, limit: int = 8) -> str:
    if not ctx.turns:
        return "(no turn yet)"
    return "\n".join(f"User: {t.question}\nAnswer: {t.answer or '(empty)'}" for t in ctx.turns[-limit:])


class ModelQuestionGenerator:
    """MTGQL's question generator on a momq model backend (see the module docstring).

    The turn's plan fixes what the question asks (pattern, entities, values, relation);
    the model is shown that as a plain reference wording (:func:`verbalize`) and writes
    the colloquial question and its complete form. It falls back to the template
    question (counted in ``fallbacks``) when the answer is not usable JSON or drops a
    name or value the plan sampled from the database, since the query must still
    answer the planned question; a colloquial question that repeats an earlier turn's is
    replaced by the template's (seen with Qwen2.5-Coder-1.5B: "Who wrote the movie Speed
    Racer?" twice, the second time for "the movies Lilly Wachowski wrote")."""

    def __init__(self, model: Any, *, max_new_tokens: int = 160):
        from momq.llm.base import GenerationConfig

        self.model = model
        self.config = GenerationConfig(max_new_tokens=max_new_tokens)
        self.fallbacks = 0

    def prompt(self, ctx: DialogueContext, plan: Plan) -> list[dict[str, str]]:
        text = QUESTION_PROMPT.format(
            family=ctx.view.family,
            history=history_text(ctx),
            pattern=PATTERN_DESCRIPTIONS.get(plan.pattern, plan.pattern),
            reference=verbalize(plan.spec, ctx.view),
            values=", ".join(_data_values(plan)) or "(none)",
        )
        return [{"role": "user", "content": text}]

    def generate(self, ctx: DialogueContext, plan: Plan) -> tuple[str, str]:
        answer = self.model.generate([self.prompt(ctx, plan)], self.config)[0]
        parsed = parse_json_object(answer)
        if parsed and parsed.get("question") and parsed.get("complete"):
            question, complete = fill(str(parsed["question"]), plan.slots), fill(str(parsed["complete"]), plan.slots)
            if all(v.lower() in complete.lower() for v in _data_values(plan)):
                asked = {t.question.strip().lower() for t in ctx.turns}
                if question.strip().lower() in asked:  # a repeated question cannot ask something new
                    question = TemplateQuestionGenerator().generate(ctx, plan)[0]
                return question, complete
        self.fallbacks += 1
        return TemplateQuestionGenerator().generate(ctx, plan)


def _data_values(plan: Plan) -> list[str]:
    """The sampled names and values the planned question must mention."""
    values = [str(literal_value(plan.slots[k])) for k in DATA_SLOTS if k in plan.slots]
    if plan.spec.anchor is not None:
        values.append(str(literal_value(plan.spec.anchor)))
    return list(dict.fromkeys(v for v in values if v))


def parse_json_object(text: str) -> dict[str, Any] | None:
    """The first JSON object in a model's answer (code fences and prose around it allowed)."""
    start = text.find("{")
    while start >= 0:
        depth = 0
        for end in range(start, len(text)):
            depth += {"{": 1, "}": -1}.get(text[end], 0)
            if depth == 0:
                try:
                    value = json.loads(text[start : end + 1])
                except json.JSONDecodeError:
                    break
                return value if isinstance(value, dict) else None
        start = text.find("{", start + 1)
    return None


__all__ = [
    "QuestionGenerator",
    "TemplateQuestionGenerator",
    "ModelQuestionGenerator",
    "verbalize",
    "fill",
    "parse_json_object",
    "PATTERN_DESCRIPTIONS",
    "QUESTION_PROMPT",
    "DATA_SLOTS",
]
