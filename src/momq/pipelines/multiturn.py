"""Multi-turn question answering: MTGQL's DA pipeline (Algorithm 2).

For each new question of a conversation:

1. **context**: the :class:`Session` keeps every turn's question, standalone question,
   query, a preview of its result and, taken from the executed query and its answer
   (:func:`turn_context`), the entities (the query's literal values and the string
   values of its answer) and relations (the edge types, or the tables, the query uses);
2. **reformulation**: the question is rewritten into a standalone one (coreference,
   ellipsis) from the earlier turns' questions, queries and results; a first question,
   an unusable rewrite, or ``reformulate=False`` keep it as asked;
3. **sub-schema extraction**: the elements used in earlier turns plus those the lexical
   ranker finds for the standalone question;
4. **generation** with the history in the prompt, then **execution** with the repair
   loop (:mod:`momq.pipelines.repair`);
5. **alignment check**: does the result answer the question? Cheap checks first (no
   rows; a "how many" question answered by something other than one number): a result
   they reject is misaligned without asking; one they pass goes to the model's YES/NO
   verdict (``check_with_model``, on by default as in MTGQL);
6. **refinement** when misaligned: one more generation with the reason and the
   execution result in the prompt; the refined query is kept only if it is not worse.

Sessions are plain JSON (:meth:`Session.save` / :meth:`Session.load`), so ``momq chat``
can stop and resume a conversation.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from momq.llm.base import GenerationConfig, LanguageModel
from momq.pipelines.base import EMPTY, FAILED, OK, Answer, check_question, refused
from momq.pipelines.context import Target
from momq.pipelines.direct import finish, schema_text
from momq.pipelines.ranker import lexical_ranking
from momq.pipelines.repair import Execution, better, generate_and_repair, prompt_key

SESSION_VERSION = 1
_DEPENDENT = re.compile(r"\b(he|she|it|its|they|them|their|theirs|his|her|hers|those|these|that|this|"
                        r"also|too|same|ones?|there|then|what about|how about|and)\b|他|她|它|他们|她们|这些|那些|其中|呢",
                        re.I)


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
        return {"version": SESSION_VERSION, "id": self.id, "dialect": self.dialect, "database": self.database,
                "language": self.language, "turns": [asdict(t) for t in self.turns]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Session":
        from momq.errors import ConfigError

        if data.get("version") != SESSION_VERSION:
            raise ConfigError(f"unsupported session version {data.get('version')!r}")
        return cls(data["dialect"], data["database"], data["id"], [TurnRecord(**t) for t in data.get("turns", [])],
                   data.get("language", "en"))

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
        f" ... {turn.row_count} rows" if (turn.row_count or 0) > 3 else "")


def turn_context(query: str, result: Any, schema: Any, max_values: int = 8) -> tuple[list[str], list[str], list[str]]:
    """``(entities, relations, elements)`` of an executed turn (MTGQL's Algorithm 2 keeps
    them for the next turns): entities are the query's literal values and the string
    values of its answer (first rows); relations the edge types it traverses (graphs) or
    the tables it reads (SQL); elements every schema element it names."""
    from momq.pipelines.ranker import query_parts

    elements, literals, _ = query_parts(query or "", schema.element_names())
    answer = [v for row in (result.rows[:5] if result is not None else []) for v in row
              if isinstance(v, str) and v.strip()]
    entities = list(dict.fromkeys(literals + answer))[:max_values]
    edges = {e.name for e in schema.edges}
    relations = [e for e in elements if e in edges] if schema.family == "graph" else \
        [e for e in elements if schema.table(e) is not None]
    return entities, relations, elements


_COUNT_Q = re.compile(r"\bhow many\b|\bnumber of\b|\bcount\b|多少|几", re.I)


def cheap_check(question: str, result: Any) -> str:
    """A reason the result cannot answer the question, or "" (see module docstring)."""
    if result is None:
        return ""
    if not result.rows:
        return "the query returned no rows"
    if _COUNT_Q.search(question) and not (len(result.rows) == 1 and len(result.rows[0]) >= 1
                                          and any(isinstance(v, (int, float)) and not isinstance(v, bool)
                                                  for v in result.rows[0])):
        return "the question asks for a number but the result is not a single count"
    return ""


@dataclass
class MultiTurnPipeline:
    model: LanguageModel
    reformulate: bool = True
    only_when_dependent: bool = False
    check_with_model: bool = True
    refine: bool = True
    use_values: bool = True
    schema_format: str | None = None
    language: str = "en"
    max_repairs: int = 2
    config: GenerationConfig = field(default_factory=lambda: GenerationConfig(max_new_tokens=256))
    name: str = "multiturn"

    def standalone(self, session: Session, question: str) -> str:
        """The question rewritten as a standalone one (or as asked; see module docstring)."""
        if not self.reformulate or not session.turns:
            return question
        if self.only_when_dependent and not _DEPENDENT.search(question):
            return question
        from momq.prompts.builder import reformulate_prompt

        answer = self.model.complete(reformulate_prompt(session.history(), question, self.language,
                                                        entities=session.entities()),
                                     GenerationConfig(max_new_tokens=96)).strip()
        answer = answer.splitlines()[0].strip().strip("`\"'") if answer.strip() else ""
        answer = re.sub(r"^(standalone question|question|独立问题)\s*[:：]\s*", "", answer, flags=re.I)
        if not answer or len(answer) > 4 * len(question) + 300:
            return question
        return answer

    def ask(self, session: Session, question: str, target: Target) -> Answer:
        from momq.prompts.builder import check_prompt, generation_prompt, refine_prompt

        base = dict(pipeline=self.name, model=self.model.name, dialect=target.dialect, database=target.database)
        verdict = check_question(question)
        if verdict.refusal:
            answer = refused(verdict.text, verdict.refusal, notes=verdict.notes, **base)
            session.turns.append(TurnRecord(verdict.text, verdict.text, "", answer.status, answer.reason))
            return answer
        text = verdict.text
        standalone = self.standalone(session, text)
        ranking = lexical_ranking(standalone, target.schema, target.dialect)
        names = list(dict.fromkeys(session.elements() + ranking.elements))
        sub = target.schema.subschema(names, keep_neighbours=True)
        if not sub.element_names():
            sub = target.schema
        values = []
        if self.use_values and target.values() is not None:
            values = target.values().lookup(standalone)
        prompt = generation_prompt(standalone, target.dialect, schema_text(sub, self.schema_format),
                                   language=self.language, values=values, history=session.history_text(),
                                   syntax=target.dialect_obj.schema_examples(sub))
        execution = Execution(target.dialect_obj, target.engine, target.timeout_s, target.max_rows)
        sent: set[str] = set()
        outcome = generate_and_repair(self.model, prompt, execution, max_repairs=self.max_repairs,
                                      config=self.config, language=self.language, sent=sent)
        steps: dict[str, Any] = {"standalone": standalone, "sub_schema": sub.element_names(),
                                 "values": [v.to_dict() for v in values]}
        answer = finish(Answer(question=text, query="", status=FAILED, notes=verdict.notes + target.notes,
                               steps=steps, **base), outcome)
        if answer.status in (OK, EMPTY):
            shown = answer.result.text(30) if answer.result is not None else ""
            reason = cheap_check(standalone, answer.result)
            steps["check"] = "heuristic" if reason else ""
            if not reason and self.check_with_model and answer.result is not None:
                said = self.model.complete(check_prompt(standalone, answer.query, shown, self.language),
                                           GenerationConfig(max_new_tokens=48))
                steps["check"] = "model"
                if re.match(r"\s*\**\s*(no|否|不)", said, re.I):
                    reason = said.strip()[:200] or "the model judged the result misaligned"
            steps["aligned"] = not reason
            if reason:
                steps["misaligned"] = reason
            if reason and self.refine:
                refined_prompt = refine_prompt(prompt, outcome.answer, reason, target.dialect, self.language,
                                               result=shown or "(no rows)")
                if prompt_key(refined_prompt) not in sent:
                    refined = generate_and_repair(self.model, refined_prompt, execution, max_repairs=0,
                                                  config=self.config, language=self.language, stage="refine",
                                                  sent=sent)
                    answer.attempts += refined.attempts
                    keep = refined.best.outcome == "ok" and not cheap_check(standalone, refined.result)
                    if keep or better(refined.best, outcome.best):
                        answer.query, answer.result = refined.best.query, refined.result
                        answer.status = {"ok": OK, "empty_result": EMPTY}.get(refined.best.outcome, answer.status)
                        steps["refined"] = True
        record_turn(session, text, standalone, answer, target.schema)
        return answer


def record_turn(session: Session, question: str, standalone: str, answer: Answer, schema: Any) -> TurnRecord:
    """Append an answered turn to the session, with its context (:func:`turn_context`).
    Used by the DA pipeline and by the baselines answering a dialogue."""
    result = answer.result if answer.status in (OK, EMPTY) else None
    entities, relations, elements = turn_context(answer.query, result, schema)
    turn = TurnRecord(
        question=question, standalone=standalone, query=answer.query, status=answer.status, reason=answer.reason,
        columns=list(result.columns) if result is not None else [],
        preview=[[_plain(v) for v in row] for row in result.rows[:5]] if result is not None else [],
        row_count=len(result.rows) if result is not None else None,
        entities=entities, relations=relations, elements=elements)
    session.turns.append(turn)
    return turn


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)
