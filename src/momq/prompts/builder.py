"""Prompt builders: chat messages for each step of the pipelines.

Every builder returns a :data:`~momq.llm.base.Prompt` (a list of chat messages). The
pieces they share:

- the schema, rendered as DDL, plain text or R3's code-structured classes
  (:func:`momq.schema.render.render`);
- R3's keyword skeleton: the dialect's CRUD keywords and clauses with one example each
  (write keywords are left out: momq never runs them, so showing them only invites
  refused candidates);
- few-shot examples (question / query pairs, see :mod:`momq.prompts.fewshot`);
- aligned database values, quoted as JSON strings and sanitised (control characters,
  chat tokens and code fences removed, length capped), because they come from the data
  and may hold text written to look like instructions.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

from momq.dialects import get_dialect
from momq.llm.base import Prompt
from momq.prompts import templates as T

MAX_VALUE_CHARS = 80
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
_CHAT_MARKUP = re.compile(r"<\|[^|>]{0,40}\|>|```|</?s>|\[/?INST\]", re.I)


@dataclass(frozen=True)
class Shot:
    """One few-shot example; ``database``: the database it was asked on, if known."""

    question: str
    query: str
    database: str | None = None


def sanitize(text: Any, limit: int = MAX_VALUE_CHARS) -> str:
    """Database text made safe to show a model: one line, no chat markup, capped."""
    value = _CHAT_MARKUP.sub(" ", _CONTROL.sub(" ", str(text)))
    value = re.sub(r"\s{2,}", " ", value).strip()
    return value if len(value) <= limit else value[: limit - 1] + "…"


def quote_value(text: Any) -> str:
    """A sanitised value as a JSON string literal (quotes escaped: it stays data)."""
    return json.dumps(sanitize(text), ensure_ascii=False)


_SKELETON_CLASSES = (
    ("crud", "CRUD", "the request CRUD function"),
    ("clause", "SUBFUNCTION", "the request subfunction"),
    ("function", "FUNCTION", "the functions"),
)


def render_skeleton(dialect: str, names: Iterable[str] | None = None, language: str = "en", style: str = "code") -> str:
    """R3's keyword skeleton, optionally restricted to the keywords ``names`` ranked
    useful (case-insensitive); write keywords are never shown.

    ``style="code"`` (default) gives it as R3 does, as code: a class per kind (``CRUD``,
    ``SUBFUNCTION``, ``FUNCTION``) with a method per keyword whose comment is an example;
    ``style="text"`` gives one ``- NAME (kind): example`` line per keyword."""
    d = get_dialect(dialect)
    wanted = {n.strip().upper() for n in names} if names is not None else None
    chosen = [
        kw
        for kw in d.skeleton
        if not kw.description.startswith("write") and (wanted is None or kw.name.upper() in wanted)
    ]
    if style == "text":
        return "\n".join(f"- {kw.name} ({kw.kind}): {kw.example}" for kw in chosen)
    blocks = []
    for kind, cls, comment in _SKELETON_CLASSES:
        members = [kw for kw in chosen if kw.kind == kind]
        if not members:
            continue
        lines = [f"# {comment}", f"class {cls}():"]
        for kw in members:
            method = re.sub(r"\W+", "_", kw.name).strip("_") or "PIPE"
            lines.append(f"    def {method}(self):")
            lines.append(f'        """{kw.name}"""')
            lines.append(f"        # Example: {kw.example}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def skeleton_keywords(dialect: str) -> list[str]:
    """Names of the read-only keywords of the dialect's skeleton (what a ranker picks from)."""
    return [kw.name for kw in get_dialect(dialect).skeleton if not kw.description.startswith("write")]


def render_values(values: Sequence[Any]) -> str:
    """Aligned values (``momq.align.Match`` or ``(value, where)`` pairs), one per line."""
    lines = []
    for item in values:
        if hasattr(item, "value"):
            value, where = item.value, getattr(item, "where", "")
        else:
            value, where = item[0], item[1] if len(item) > 1 else ""
        lines.append(f"- {quote_value(value)}" + (f" ({sanitize(where, 60)})" if where else ""))
    return "\n".join(lines)


def _system(dialect: str, language: str) -> str:
    d = get_dialect(dialect)
    hint = d.hint(language)
    return T.SYSTEM[language].format(label=d.label, fence=d.fence) + (" " + hint if hint else "")


def _block(title: str, body: str) -> str:
    return f"### {title}\n{body.strip()}\n" if body and body.strip() else ""


def generation_prompt(
    question: str,
    dialect: str,
    schema_text: str,
    *,
    language: str = "en",
    shots: Sequence[Shot] = (),
    values: Sequence[Any] = (),
    skeleton: str = "",
    history: str = "",
    rewritten: str = "",
    syntax: Sequence[str] = (),
    database: str | None = None,
) -> Prompt:
    """The prompt that asks for the final query (direct pipeline, R3's refiner, the
    multi-turn generator): system rules, schema, optional syntax examples written with
    the schema's names (``syntax``), skeleton, examples, values, conversation history and
    the question. Examples asked on a database other than ``database`` are headed as
    such: their names, values and vertex ids are not this database's (a model shown
    ``GO FROM "Kings"`` from a space whose vertex ids are names otherwise starts from a
    name here too)."""
    T.check_language(language)
    d = get_dialect(dialect)
    s = T.SECTION[language]
    fence = d.fence
    parts = [_block(s["schema"], schema_text)]
    if syntax:
        parts.append(_block(s["syntax"].format(label=d.label), "\n".join(syntax)))
    if skeleton:
        parts.append(_block(s["skeleton"].format(label=d.label), skeleton))
    if shots:
        shot_text = "\n\n".join(
            f"{s['question']}: {sanitize(x.question, 500)}\n```{fence}\n{x.query.strip()}\n```" for x in shots
        )
        foreign = database is not None and any(x.database not in (None, database) for x in shots)
        parts.append(_block(s["examples_other" if foreign else "examples"], shot_text))
    if values:
        parts.append(_block(s["values"], render_values(values)))
    if history:
        parts.append(_block(s["history"], history))
    if rewritten and rewritten.strip() != question.strip():
        parts.append(_block(s["rewritten"], sanitize(rewritten, 2000)))
    parts.append(_block(s["question"], question))
    user = "\n".join(p for p in parts if p) + f"\n{s['answer'].format(label=d.label)}:"
    return [{"role": "system", "content": _system(dialect, language)}, {"role": "user", "content": user}]


def repair_prompt(
    base: Prompt, answer: str, query: str, outcome: str, message: str, dialect: str, language: str = "en"
) -> Prompt:
    """``base`` followed by the model's previous answer and a user turn carrying the
    engine's verdict, so the model sees exactly what failed and why."""
    T.check_language(language)
    d = get_dialect(dialect)
    detail = sanitize(message, 600) if message else ""
    if outcome in ("empty_result", "misnamed"):  # the hint, and the schema notes the execution found
        notes = [line for line in message.splitlines() if line.startswith("Schema note:")]
        hint = T.EMPTY_HINT if outcome == "empty_result" else T.MISNAMED_HINT
        detail = "\n".join([hint[language], *(sanitize(n, 300) for n in notes)])
    text = T.REPAIR[language].format(
        label=d.label, fence=d.fence, query=query.strip() or "(none)", outcome=outcome, message=detail
    )
    return [*base, {"role": "assistant", "content": answer.strip() or "(no answer)"}, {"role": "user", "content": text}]


def ranker_prompt(question: str, dialect: str, schema_text: str, language: str = "en") -> Prompt:
    T.check_language(language)
    d = get_dialect(dialect)
    s = T.SECTION[language]
    user = "\n".join(
        [
            T.RANKER[language].format(label=d.label),
            _block(s["skeleton"].format(label=d.label), render_skeleton(dialect)),
            _block(s["schema"], schema_text),
            _block(s["question"], question),
        ]
    )
    return [{"role": "user", "content": user}]


def rewriter_prompt(question: str, schema_text: str, values: Sequence[Any], language: str = "en") -> Prompt:
    """R3's rewriter prompt: instruction, few-shot examples (``templates.REWRITER_SHOTS``),
    then the sub-schema, the aligned values and the question."""
    T.check_language(language)
    s = T.SECTION[language]
    shots = "\n\n".join(
        f"{s['schema']}:\n{schema}\n{s['values']}: {', '.join(vals)}\n{s['question']}: {q}\n{s['rewritten']}: {r}"
        for schema, vals, q, r in T.REWRITER_SHOTS[language]
    )
    user = "\n".join(
        [
            T.REWRITER[language],
            _block(s["examples"], shots),
            _block(s["schema"], schema_text),
            _block(s["values"], render_values(values)),
            _block(s["question"], question),
            f"{s['rewritten']}:",
        ]
    )
    return [{"role": "user", "content": user}]


def reformulate_prompt(
    history: Sequence[Sequence[str]], question: str, language: str = "en", entities: Sequence[str] = ()
) -> Prompt:
    """``history``: earlier ``(question, query[, result preview])`` turns, oldest first;
    ``entities``: values the earlier queries and answers named (MTGQL's context)."""
    T.check_language(language)
    s = T.SECTION[language]
    lines = []
    for i, turn in enumerate(history, start=1):
        q, query = turn[0], turn[1] if len(turn) > 1 else ""
        result = turn[2] if len(turn) > 2 else ""
        lines.append(
            f"{i}. {sanitize(q, 500)}"
            + (f"  [{sanitize(query, 300)}]" if query else "")
            + (f"  -> {sanitize(result, 300)}" if result else "")
        )
    parts = [T.REFORMULATE[language], _block(s["history"], "\n".join(lines))]
    if entities:
        parts.append(_block(s["entities"], ", ".join(quote_value(e) for e in entities)))
    parts.append(_block(s["question"], question))
    return [{"role": "user", "content": "\n".join(parts)}]


def check_prompt(question: str, query: str, result_text: str, language: str = "en") -> Prompt:
    T.check_language(language)
    return [{"role": "user", "content": T.CHECK[language].format(question=question, query=query, result=result_text)}]


def refine_prompt(
    base: Prompt, answer: str, reason: str, dialect: str, language: str = "en", result: str = ""
) -> Prompt:
    """``base`` and the model's answer, then why its result does not answer the question
    and, when given, that result (first rows), as MTGQL's refinement sees it."""
    T.check_language(language)
    d = get_dialect(dialect)
    text = T.REFINE_MISALIGNED[language].format(reason=sanitize(reason, 300), label=d.label)
    if result:
        text += "\n" + T.SECTION[language]["result"] + ":\n" + sanitize(result, 800)
    return [*base, {"role": "assistant", "content": answer.strip() or "(no answer)"}, {"role": "user", "content": text}]
