"""The run frame every pipeline shares: one question in, one :class:`Answer` out.

:meth:`Pipeline.run` does, for every pipeline, in this order:

1. the question guard (:func:`~momq.pipelines.base.check_question`), once: a question
   already checked is passed in as its :class:`~momq.pipelines.base.Verdict`; a refused
   question is answered ``refused`` before any model call;
2. the pipeline's own part, :meth:`Pipeline.draft`: the prompt for the question (and the
   steps it took to build it: few-shot examples, aligned values, ranking, rewriting, a
   standalone question);
3. generation, execution and execution-guided repair
   (:func:`~momq.pipelines.repair.generate_and_repair`) and the final status
   (:func:`finish`);
4. the pipeline's optional :meth:`Pipeline.review` of the answer (the multi-turn
   pipeline's alignment check and refinement);
5. in a dialogue (``session=``), the turn is recorded in the session
   (:func:`~momq.pipelines.session.record_turn`), which is also where the prompt's
   dialogue history comes from.

A pipeline is a small class that sets ``model``, ``name``, ``language``,
``max_repairs`` and ``config`` and implements :meth:`Pipeline.draft`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from momq.llm.base import GenerationConfig, LanguageModel, Prompt
from momq.pipelines.base import EMPTY, FAILED, OK, REFUSED, Answer, Verdict, check_question, refused
from momq.pipelines.context import Target
from momq.pipelines.repair import Execution, RepairOutcome, generate_and_repair
from momq.pipelines.session import Session, record_turn


@dataclass
class Draft:
    """What a pipeline prepares for one question before the model writes the query.

    ``standalone``: the question the prompt answers when it differs from the one asked
    (the multi-turn pipeline's reformulation); recorded in the session's turn.
    ``notes``: notes for the answer beside the guard's and the target's.
    """

    prompt: Prompt
    steps: dict[str, Any] = field(default_factory=dict)
    standalone: str = ""
    notes: list[str] = field(default_factory=list)
    #: the stage name of the first generation's attempts (R3 calls it ``refine``)
    stage: str = "generate"


@dataclass
class Run:
    """One question's generation state, handed to :meth:`Pipeline.review`."""

    draft: Draft
    outcome: RepairOutcome
    execution: Execution
    #: keys of the prompts already sent for this question (none is sent twice)
    sent: set[str]


def finish(answer: Answer, outcome: RepairOutcome) -> Answer:
    """Fill an Answer from a repair outcome: query, status, result and reason."""
    best = outcome.best
    answer.attempts += outcome.attempts
    if best.outcome == "write_refused":
        answer.query, answer.status = "", REFUSED
    elif best.outcome == "no_query":  # the extracted text is prose, not a candidate
        answer.query, answer.status = "", FAILED
    else:
        answer.query = best.query
        answer.status = status_of(best.outcome, FAILED)
    answer.result = outcome.result
    answer.reason = outcome.reason
    return answer


def status_of(outcome: str, otherwise: str) -> str:
    """The answer status of a candidate that ran (``ok``, also for a ``misnamed`` one
    that returned rows, or ``empty``), else ``otherwise``."""
    return {"ok": OK, "misnamed": OK, "empty_result": EMPTY}.get(outcome, otherwise)


class Pipeline:
    """The frame (see the module docstring); subclasses implement :meth:`draft`."""

    model: LanguageModel
    name: str
    language: str
    max_repairs: int
    config: GenerationConfig
    #: whether the pipeline keeps a conversation of its own when none is given (the
    #: multi-turn pipeline answers a lone question as a one-turn conversation)
    conversational: ClassVar[bool] = False

    def draft(
        self,
        question: str,
        target: Target,
        *,
        session: Session | None = None,
        history: str = "",
        example_id: str | None = None,
    ) -> Draft:  # pragma: no cover - abstract
        """The prompt for ``question`` (already guarded). ``history`` is the dialogue so
        far as text (from ``session`` in a dialogue); ``example_id`` names a benchmark
        example whose own record few-shot selection must not show."""
        raise NotImplementedError

    def review(self, answer: Answer, run: Run, target: Target) -> None:
        """Check (and possibly improve) an answer whose query ran; nothing by default."""

    def run(
        self,
        question: str | Verdict,
        target: Target,
        *,
        session: Session | None = None,
        history: str = "",
        example_id: str | None = None,
    ) -> Answer:
        """Answer ``question`` on ``target`` (see the module docstring). In a dialogue,
        pass its ``session`` (or, without one, the dialogue so far as ``history`` text)."""
        verdict = question if isinstance(question, Verdict) else check_question(question)
        if session is None and self.conversational:
            session = Session(target.dialect, target.database, language=self.language)
        base: dict[str, Any] = dict(
            pipeline=self.name, model=self.model.name, dialect=target.dialect, database=target.database
        )
        standalone = verdict.text
        if verdict.refusal:
            answer = refused(verdict.text, verdict.refusal, notes=verdict.notes, **base)
        else:
            if session is not None and not history:
                history = session.history_text()
            draft = self.draft(verdict.text, target, session=session, history=history, example_id=example_id)
            standalone = draft.standalone or verdict.text
            execution = Execution(
                target.dialect_obj,
                target.engine,
                target.timeout_s,
                target.max_rows,
                schema=target.schema,
                values=target.values,
            )
            sent: set[str] = set()
            outcome = generate_and_repair(
                self.model,
                draft.prompt,
                execution,
                max_repairs=self.max_repairs,
                config=self.config,
                language=self.language,
                stage=draft.stage,
                sent=sent,
            )
            answer = finish(
                Answer(
                    question=verdict.text,
                    query="",
                    status=FAILED,
                    notes=verdict.notes + target.notes + draft.notes,
                    steps=draft.steps,
                    **base,
                ),
                outcome,
            )
            if answer.status in (OK, EMPTY):
                self.review(answer, Run(draft, outcome, execution, sent), target)
        if session is not None:
            record_turn(session, verdict.text, standalone, answer, target.schema)
        return answer
