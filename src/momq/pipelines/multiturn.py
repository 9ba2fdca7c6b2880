"""Multi-turn question answering: MTGQL's DA pipeline (Algorithm 2).

For each new question of a conversation:

1. **context**: the :class:`~momq.pipelines.session.Session` keeps every turn's
   question, standalone question, query, a preview of its result and, taken from the
   executed query and its answer (:func:`~momq.pipelines.session.turn_context`), the
   entities (the query's literal values and the string values of its answer) and
   relations (the edge types, or the tables, the query uses);
2. **reformulation**: the question is rewritten into a standalone one (coreference,
   ellipsis) from the earlier turns' questions, queries and results; a first question,
   an unusable rewrite, or ``reformulate=False`` keep it as asked;
3. **sub-schema extraction**: the elements used in earlier turns plus those the lexical
   ranker finds for the standalone question (node types keep the edge types that connect
   them); the stored values the standalone question names, plus the earlier turns'
   entities that are stored values (:func:`context_values`: with nGQL vertex ids);
4. **generation** with the history in the prompt, then **execution** with the repair
   loop (:mod:`momq.pipelines.repair`);
5. **alignment check**: does the result answer the question? Cheap checks first (no
   rows; a "how many" question answered by something other than one number): a result
   they reject is misaligned without asking; one they pass goes to the model's YES/NO
   verdict (``check_with_model``, on by default as in MTGQL);
6. **refinement** when misaligned: one more generation with the reason and the
   execution result in the prompt; the refined query is kept only if it is not worse.

Steps 2-4 are :meth:`MultiTurnPipeline.draft`, 5-6 :meth:`MultiTurnPipeline.review`; the
frame (:class:`~momq.pipelines.frame.Pipeline`) guards the question, runs the repair
loop and records the turn. Sessions are plain JSON (:meth:`Session.save` /
:meth:`Session.load`), so ``momq chat`` can stop and resume a conversation; a question
asked without a session is a one-turn conversation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, ClassVar, Sequence

from momq.llm.base import GenerationConfig, LanguageModel
from momq.pipelines.base import Answer
from momq.pipelines.context import Target
from momq.pipelines.direct import schema_text
from momq.pipelines.frame import Draft, Pipeline, Run, status_of
from momq.pipelines.ranker import lexical_ranking
from momq.pipelines.repair import better, generate_and_repair, prompt_key
from momq.pipelines.session import Session, TurnRecord, record_turn, turn_context

__all__ = ["MultiTurnPipeline", "Session", "TurnRecord", "cheap_check", "record_turn", "turn_context"]

_DEPENDENT = re.compile(
    r"\b(he|she|it|its|they|them|their|theirs|his|her|hers|those|these|that|this|"
    r"also|too|same|ones?|there|then|what about|how about|and)\b|他|她|它|他们|她们|这些|那些|其中|呢",
    re.I,
)
_COUNT_Q = re.compile(r"\bhow many\b|\bnumber of\b|\bcount\b|多少|几", re.I)


#: entities of earlier turns mapped to stored values, at most this many a prompt
MAX_CONTEXT_VALUES = 6


def context_values(index: Any, session: Session, known: Sequence[Any] = ()) -> list[Any]:
    """The earlier turns' entities (newest first) that are stored values, as exact
    matches of ``index`` (with nGQL vertex ids where the index has them), leaving out
    those in ``known``: a follow-up ("only those after 1999") names nobody, and without
    this the model is left to invent the id of the turn-1 player."""
    seen = {(v.value, v.where) for v in known}
    found: list[Any] = []
    for entity in session.entities():
        for match in index.lookup(entity, k=1):
            if match.method != "exact" or (match.value, match.where) in seen:
                continue
            seen.add((match.value, match.where))
            found.append(match)
        if len(found) >= MAX_CONTEXT_VALUES:
            break
    return found[:MAX_CONTEXT_VALUES]


def cheap_check(question: str, result: Any) -> str:
    """A reason the result cannot answer the question, or "" (see module docstring)."""
    if result is None:
        return ""
    if not result.rows:
        return "the query returned no rows"
    if _COUNT_Q.search(question) and not (
        len(result.rows) == 1
        and len(result.rows[0]) >= 1
        and any(isinstance(v, (int, float)) and not isinstance(v, bool) for v in result.rows[0])
    ):
        return "the question asks for a number but the result is not a single count"
    return ""


@dataclass
class MultiTurnPipeline(Pipeline):
    """MTGQL's DA pipeline (see the module docstring)."""

    conversational: ClassVar[bool] = True

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

        answer = self.model.complete(
            reformulate_prompt(session.history(), question, self.language, entities=session.entities()),
            GenerationConfig(max_new_tokens=96),
        ).strip()
        answer = answer.splitlines()[0].strip().strip("`\"'") if answer.strip() else ""
        answer = re.sub(r"^(standalone question|question|独立问题)\s*[:：]\s*", "", answer, flags=re.I)
        if not answer or len(answer) > 4 * len(question) + 300:
            return question
        return answer

    def draft(
        self,
        question: str,
        target: Target,
        *,
        session: Session | None = None,
        history: str = "",
        example_id: str | None = None,
    ) -> Draft:
        """Reformulation, sub-schema extraction and the generation prompt with the
        dialogue so far (steps 2-4 of the module docstring)."""
        from momq.prompts.builder import generation_prompt

        session = session if session is not None else Session(target.dialect, target.database)
        standalone = self.standalone(session, question)
        ranking = lexical_ranking(standalone, target.schema, target.dialect)
        names = list(dict.fromkeys(session.elements() + ranking.elements))
        sub = target.schema.subschema(names, keep_neighbours=True)
        if not sub.element_names():
            sub = target.schema
        values = []
        if self.use_values and target.values() is not None:
            values = target.values().lookup(standalone)
            values += context_values(target.values(), session, known=values)
        prompt = generation_prompt(
            standalone,
            target.dialect,
            schema_text(sub, self.schema_format),
            language=self.language,
            values=values,
            history=session.history_text(),
            syntax=target.dialect_obj.schema_examples(sub),
        )
        steps: dict[str, Any] = {
            "standalone": standalone,
            "sub_schema": sub.element_names(),
            "values": [v.to_dict() for v in values],
        }
        return Draft(prompt, steps, standalone=standalone)

    def review(self, answer: Answer, run: Run, target: Target) -> None:
        """The alignment check of a query that ran, and one refinement when its result
        does not answer the question (steps 5-6 of the module docstring)."""
        from momq.prompts.builder import check_prompt, refine_prompt

        standalone, steps, outcome = run.draft.standalone, answer.steps, run.outcome
        shown = answer.result.text(30) if answer.result is not None else ""
        reason = cheap_check(standalone, answer.result)
        steps["check"] = "heuristic" if reason else ""
        if not reason and self.check_with_model and answer.result is not None:
            said = self.model.complete(
                check_prompt(standalone, answer.query, shown, self.language), GenerationConfig(max_new_tokens=48)
            )
            steps["check"] = "model"
            if re.match(r"\s*\**\s*(no|否|不)", said, re.I):
                reason = said.strip()[:200] or "the model judged the result misaligned"
        steps["aligned"] = not reason
        if reason:
            steps["misaligned"] = reason
        if not (reason and self.refine):
            return
        refined_prompt = refine_prompt(
            run.draft.prompt, outcome.answer, reason, target.dialect, self.language, result=shown or "(no rows)"
        )
        if prompt_key(refined_prompt) in run.sent:
            return
        refined = generate_and_repair(
            self.model,
            refined_prompt,
            run.execution,
            max_repairs=0,
            config=self.config,
            language=self.language,
            stage="refine",
            sent=run.sent,
        )
        answer.attempts += refined.attempts
        keep = refined.best.outcome == "ok" and not cheap_check(standalone, refined.result)
        if keep or better(refined.best, outcome.best):
            answer.query, answer.result = refined.best.query, refined.result
            answer.status = status_of(refined.best.outcome, answer.status)
            steps["refined"] = True

    def ask(self, session: Session, question: str, target: Target) -> Answer:
        """One turn of ``session`` (the frame's ``run`` with ``session=``)."""
        return self.run(question, target, session=session)
