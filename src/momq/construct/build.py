"""Building a multi-turn set for one database: the components wired together.

For each dialogue: draw the number of rounds (5-8), open with a first question about a
named entity, then for every round draw a pattern among the applicable ones by weight
(:class:`~momq.construct.patterns.PatternSelector`), plan it, ask, generate and
validate it (up to three optimisation rounds, :func:`~momq.construct.validate.optimise`);
a pattern that fails is set aside for that round and another is drawn. A dialogue that
ends with fewer than the minimum number of rounds is dropped with the reasons of its
failed rounds. The surviving dialogues go through the dataset filter
(:mod:`momq.construct.filters`). Nothing is dropped silently: every failed dialogue and
every filtered one is a :class:`~momq.data.records.Rejected` with its reason.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable

from momq.construct.context import ContextTurn, DialogueContext, answer_text
from momq.construct.filters import EMBEDDING_THRESHOLD, MAX_SAME_MASKED, filter_dialogues
from momq.construct.patterns import OPENING, PLANNERS, ROUNDS, PatternSelector, applicable, opening
from momq.construct.queries import TemplateQueryGenerator
from momq.construct.questions import TemplateQuestionGenerator
from momq.construct.validate import DEFAULT_THRESHOLD, MAX_ROUNDS, Validator, optimise
from momq.construct.view import SchemaView, build_view
from momq.data.records import Dialogue, Rejected, Turn

Progress = Callable[[str, int, int], None]


@dataclass
class BuildOptions:
    dialogues: int = 10
    seed: int = 0
    rounds: tuple[int, int] = ROUNDS
    optimisation_rounds: int = MAX_ROUNDS
    #: openings tried at most per wanted dialogue
    tries_per_dialogue: int = 3
    timeout_s: float = 30.0
    filter: bool = True
    max_same_masked: int = MAX_SAME_MASKED
    #: None: skip the embedding pass
    embedding_threshold: float | None = EMBEDDING_THRESHOLD
    id_prefix: str | None = None


@dataclass
class BuildResult:
    dialogues: list[Dialogue] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    generated: int = 0
    timings: dict[str, float] = field(default_factory=dict)
    view: SchemaView | None = None
    schema: Any = None


class Constructor:
    """Builds dialogues on one open engine (see the module docstring)."""

    def __init__(
        self,
        engine: Any,
        schema: Any,
        *,
        questions: Any = None,
        queries: Any = None,
        validator: Validator | None = None,
        options: BuildOptions | None = None,
    ):
        self.engine = engine
        self.schema = schema
        self.view = build_view(schema, engine.dialect)
        self.questions = questions or TemplateQuestionGenerator()
        self.queries = queries or TemplateQueryGenerator()
        self.options = options or BuildOptions()
        self.validator = validator or Validator(timeout_s=self.options.timeout_s)
        self._values: dict = {}

    def dialogue(self, rng: random.Random, number: int) -> tuple[Dialogue | None, list[dict[str, Any]]]:
        """One dialogue, or None and the failures that stopped it."""
        o = self.options
        ctx = DialogueContext(self.view, self.engine, timeout_s=o.timeout_s, value_cache=self._values)
        selector = PatternSelector()
        wanted = rng.randint(*o.rounds)
        failures: list[dict[str, Any]] = []
        first = optimise(
            ctx, lambda: opening(ctx, rng), self.questions, self.queries, self.validator, o.optimisation_rounds
        )
        failures += [a.to_dict() for a in first.failures]
        if not first.ok:
            return None, failures or [{"pattern": OPENING, "reason": "no entity to open with"}]
        self._accept(ctx, first, OPENING)
        while len(ctx.turns) < wanted:
            candidates = applicable(ctx)
            done = None
            while candidates and done is None:
                pattern = selector.choose(candidates, rng)
                candidates.remove(pattern)
                attempt = optimise(
                    ctx,
                    lambda p=pattern: PLANNERS[p](ctx, rng),
                    self.questions,
                    self.queries,
                    self.validator,
                    o.optimisation_rounds,
                )
                failures += [a.to_dict() for a in attempt.failures]
                if attempt.ok:
                    done = attempt
                    selector.used(pattern)
                    self._accept(ctx, attempt, pattern)
                elif not attempt.failures:
                    failures.append({"pattern": pattern, "reason": "no plan (nothing to apply it to)"})
            if done is None:
                break
        if len(ctx.turns) < o.rounds[0]:
            failures.append({"reason": f"only {len(ctx.turns)} rounds could be built (minimum {o.rounds[0]})"})
            return None, failures
        prefix = o.id_prefix or f"construct-{self.view.dialect}-{self.view.database}"
        spec_types = sorted({t.spec.focus for t in ctx.turns} | {t.spec.start for t in ctx.turns})
        dialogue = Dialogue(
            id=f"{prefix}-{number:04d}",
            dialect=self.view.dialect,
            database=self.view.database,
            turns=[
                Turn(
                    question=t.question,
                    query=t.query,
                    answer=t.answer,
                    pattern="" if t.pattern == OPENING else t.pattern,
                )
                for t in ctx.turns
            ],
            language="en",
            category="multi-turn",
            source="momq-construct",
            meta={
                "complete_questions": [t.complete for t in ctx.turns],
                "opening_type": ctx.turns[0].spec.start,
                "entity_types": spec_types,
                "relations": sorted({r for t in ctx.turns for r in t.relations}),
                "failed_rounds": len(failures),
                "failed_reasons": dict(Counter(_reason_kind(f.get("reason", "")) for f in failures)),
            },
        )
        return dialogue, failures

    def _accept(self, ctx: DialogueContext, attempt, pattern: str) -> None:
        spec, result = attempt.plan.spec, attempt.verdict.result
        ctx.add_turn(
            ContextTurn(
                question=attempt.question,
                complete=attempt.complete,
                query=attempt.query,
                pattern=pattern,
                spec=spec,
                answer=answer_text(result),
                columns=list(result.columns),
                rows=list(result.rows),
                entities=ctx.referenced(spec, result),
                relations=[spec.hop.relation] if spec.hop else [],
            )
        )

    def build(self, progress: Progress | None = None) -> BuildResult:
        o = self.options
        rng = random.Random(f"construct:{self.view.dialect}:{self.view.database}:{o.seed}")
        out = BuildResult(view=self.view, schema=self.schema)
        started = time.perf_counter()
        built: list[Dialogue] = []
        tries = 0
        label = f"{self.view.dialect} {self.view.database}"
        while len(built) < o.dialogues and tries < o.dialogues * o.tries_per_dialogue:
            tries += 1
            dialogue, failures = self.dialogue(rng, tries)
            if dialogue is None:
                out.rejected.append(
                    Rejected(
                        {"attempt": tries, "failures": failures},
                        "dialogue abandoned: " + failures[-1]["reason"],
                        "construct/build",
                    )
                )
            else:
                built.append(dialogue)
            if progress:
                progress(label, len(built), o.dialogues)
        out.generated = len(built)
        out.timings["generate_s"] = round(time.perf_counter() - started, 2)
        if o.filter:
            started = time.perf_counter()
            filtered = filter_dialogues(built, max_same=o.max_same_masked, threshold=o.embedding_threshold)
            out.dialogues, out.rejected = filtered.kept, out.rejected + filtered.dropped
            out.timings["filter_s"] = round(time.perf_counter() - started, 2)
        else:
            out.dialogues = built
        return out


def _reason_kind(reason: str) -> str:
    """A failure reason without its particulars: "execution: SchemaError: ..." ->
    "execution", "semantic check: similarity 0.41 below 0.5" -> "semantic check"."""
    return reason.split(":", 1)[0].strip() or "unknown"


def construct(
    dialect: str,
    database: str,
    *,
    options: BuildOptions | None = None,
    model: Any = None,
    pipeline: str = "direct",
    semantic_check: bool = True,
    similarity_threshold: float = DEFAULT_THRESHOLD,
    plan_check: bool = True,
    progress: Progress | None = None,
    engine_factory: Callable[[str, str], Any] | None = None,
) -> BuildResult:
    """Open the database's engine, introspect its schema and build (see the module
    docstring). Without ``model`` the template generators build everything; with a
    loaded model (``momq.llm.load_model_spec``) the model writes the questions, the
    ``pipeline`` writes the queries and, with ``semantic_check``, the validator checks
    each turn by reverse generation with the same model; ``plan_check`` makes it check
    that a generated query returns the planned turn's answer (``validate``)."""
    from momq.schema.introspect import introspect

    options = options or BuildOptions()
    if engine_factory is None:
        from momq.engines import open_engine

        engine_factory = open_engine
    with engine_factory(dialect, database) as engine:
        schema = introspect(engine)
        questions = queries = validator = None
        if model is not None:
            from momq.construct.queries import ModelQueryGenerator
            from momq.construct.questions import ModelQuestionGenerator
            from momq.construct.r3data import Gql2Nl
            from momq.schema.render import render

            questions = ModelQuestionGenerator(model)
            queries = ModelQueryGenerator(model, pipeline=pipeline, schema=schema)
            reverse = Gql2Nl(model, dialect, render(schema, "text")) if semantic_check else None
            validator = Validator(
                reverse=reverse, threshold=similarity_threshold, timeout_s=options.timeout_s, plan_check=plan_check
            )
        constructor = Constructor(
            engine, schema, questions=questions, queries=queries, validator=validator, options=options
        )
        return constructor.build(progress)


__all__ = ["BuildOptions", "BuildResult", "Constructor", "construct"]
