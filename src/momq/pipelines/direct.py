"""The direct pipeline: schema + question -> query, then execution-guided repair.

MTGQL's baselines are configurations of it: **ICL-AS** is a general model with few-shot
examples chosen by similarity (``shots``), **FT-AS** a fine-tuned model (a momq adapter)
with no examples. Input: a question and a :class:`~momq.pipelines.context.Target`;
output: an :class:`~momq.pipelines.base.Answer`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from momq.llm.base import GenerationConfig, LanguageModel
from momq.pipelines.base import EMPTY, FAILED, OK, REFUSED, Answer, check_question, refused
from momq.pipelines.context import Target
from momq.pipelines.repair import Execution, generate_and_repair
from momq.schema.render import render

MAX_SCHEMA_CHARS = 24_000
#: prompt budget for the schema, in the model's tokens (a whole schema under it is kept as
#: is, so its prompt prefix is shared by every question on the database)
SCHEMA_BUDGET_TOKENS = 3_000


def estimate_tokens(text: str) -> int:
    """A model-free token estimate (about 3.5 characters per token for code and schema)."""
    return int(len(text) / 3.5) + 1


def schema_text(schema: Any, fmt: str | None = None, samples: int = 2, max_chars: int = MAX_SCHEMA_CHARS, *,
                question: str = "", budget_tokens: int | None = None, count_tokens: Any = None,
                hints: Any = (), notes: list[str] | None = None) -> str:
    """The rendered schema, pruned to ``budget_tokens`` when given and too long
    (:mod:`momq.schema.prune`: the elements the question needs, ``hints`` naming where
    its aligned values live), and capped at ``max_chars`` in any case. A pruning is
    described in ``notes``.

    ``fmt`` None picks plain text for graphs (small models copy nGQL's CREATE TAG DDL
    instead of answering) and DDL for SQL (what models saw most in training)."""
    fmt = fmt or ("ddl" if schema.family == "relational" else "text")
    if budget_tokens:
        from momq.schema.prune import describe_pruning, prune

        count = count_tokens or estimate_tokens
        kept, dropped = prune(schema, question, hints=hints,
                              fits=lambda s: count(render(s, fmt, samples=samples)) <= budget_tokens)
        if dropped and notes is not None:
            notes.append(describe_pruning(kept, dropped))
        schema = kept
    text = render(schema, fmt, samples=samples)
    if len(text) > max_chars:
        text = text[:max_chars].rsplit("\n", 1)[0] + "\n-- (schema truncated)"
    return text


def finish(answer: Answer, outcome: Any) -> Answer:
    """Fill an Answer from a repair outcome."""
    best = outcome.best
    answer.attempts += outcome.attempts
    if best.outcome == "write_refused":
        answer.query, answer.status = "", REFUSED
    elif best.outcome == "no_query":  # the extracted text is prose, not a candidate
        answer.query, answer.status = "", FAILED
    else:
        answer.query = best.query
        answer.status = {"ok": OK, "empty_result": EMPTY}.get(best.outcome, FAILED)
    answer.result = outcome.result
    answer.reason = outcome.reason
    return answer


@dataclass
class DirectPipeline:
    model: LanguageModel
    #: ddl, text or code; None = text (with samples) for graphs, DDL for SQL
    schema_format: str | None = None
    samples: int = 2
    shots: Any = None  # momq.prompts.fewshot.FewShotSelector
    k: int = 4  # MTGQL's ICL-AS shows four examples
    language: str = "en"
    max_repairs: int = 2
    #: the question's mentions aligned with stored values (and nGQL vertex ids) in the prompt
    use_values: bool = True
    #: schema budget in model tokens (None: never prune)
    schema_budget: int | None = SCHEMA_BUDGET_TOKENS
    config: GenerationConfig = field(default_factory=lambda: GenerationConfig(max_new_tokens=256))
    name: str = "direct"
    #: ``chat`` (momq's prompts), ``train`` (the exact prompt ``momq train`` fine-tunes on:
    #: FT-AS), or ``auto``: ``train`` when the model carries a momq adapter
    prompt_style: str = "auto"

    def style(self) -> str:
        if self.prompt_style != "auto":
            return self.prompt_style
        return "train" if getattr(self.model, "adapter", None) else "chat"

    def prompt(self, question: str, target: Target, exclude_id: str | None = None,
               history: str = "") -> tuple[list, dict]:
        from momq.prompts.builder import generation_prompt

        steps: dict[str, Any] = {}
        shots = []
        if self.shots is not None and self.k > 0:
            shots = self.shots.select(question, self.k, dialect=target.dialect, database=target.database,
                                      exclude_id=exclude_id)
            steps["shots"] = [s.question for s in shots]
        values = []
        if self.use_values and target.values() is not None:
            values = target.values().lookup(question)
            steps["values"] = [v.to_dict() for v in values]
        notes: list[str] = []
        schema = schema_text(target.schema, self.schema_format, self.samples, question=question,
                             budget_tokens=self.schema_budget, count_tokens=getattr(self.model, "count_tokens", None),
                             hints=[v.where for v in values], notes=notes)
        if notes:
            steps["schema_pruned"] = notes[0]
        if self.style() == "train":
            from momq.train.prompts import user_message

            steps["prompt_style"] = "train"
            return [{"role": "user", "content": user_message(question, target.dialect, schema)}], steps
        prompt = generation_prompt(question, target.dialect, schema, language=self.language, shots=shots,
                                   values=values, history=history,
                                   syntax=target.dialect_obj.schema_examples(target.schema))
        return prompt, steps

    def run(self, question: str, target: Target, *, example_id: str | None = None, history: str = "") -> Answer:
        """Answer ``question``; ``history`` is the dialogue so far (earlier questions,
        queries and results), shown to the model as MTGQL's baselines see it. The
        ``train`` prompt style (FT-AS) is the exact fine-tuning prompt and carries none."""
        verdict = check_question(question)
        base = dict(pipeline=self.name, model=self.model.name, dialect=target.dialect, database=target.database)
        if verdict.refusal:
            return refused(verdict.text, verdict.refusal, notes=verdict.notes, **base)
        prompt, steps = self.prompt(verdict.text, target, example_id, history)
        execution = Execution(target.dialect_obj, target.engine, target.timeout_s, target.max_rows)
        outcome = generate_and_repair(self.model, prompt, execution, max_repairs=self.max_repairs,
                                      config=self.config, language=self.language,
                                      answer_prefix=self.style() != "train")
        answer = Answer(question=verdict.text, query="", status=FAILED, notes=verdict.notes + target.notes,
                        steps=steps, **base)
        return finish(answer, outcome)
