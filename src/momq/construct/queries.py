"""Query generation for a planned turn.

- :class:`TemplateQueryGenerator`: renders the turn's spec in the dialect
  (:mod:`momq.construct.render`); deterministic, needs no model.
- :class:`ModelQueryGenerator`: MTGQL's query generator: the complete question and the
  full schema go to a momq pipeline (``direct`` by default, any name of
  ``momq.pipelines.PIPELINES``) on any momq model backend, which generates, checks and
  repairs the query on the read-only engine.
"""

from __future__ import annotations

from typing import Any, Protocol

from momq.construct.context import DialogueContext
from momq.construct.patterns import Plan
from momq.construct.render import get_renderer


class QueryGenerator(Protocol):
    def generate(self, ctx: DialogueContext, plan: Plan, complete_question: str) -> str:
        """The query answering ``complete_question`` on the context's database."""


class TemplateQueryGenerator:
    def generate(self, ctx: DialogueContext, plan: Plan, complete_question: str) -> str:
        return get_renderer(ctx.view.dialect).render(plan.spec, ctx.view)


class ModelQueryGenerator:
    """A momq pipeline answering the complete question with the full schema."""

    def __init__(self, model: Any, *, schema: Any, pipeline: str = "direct", **options: Any):
        """``schema``: the database's :class:`momq.schema.model.Schema` (the full schema
        the pipeline prompts with)."""
        from momq.pipelines import make_pipeline

        self.runner = make_pipeline(pipeline, model, **options)
        self.schema = schema

    def generate(self, ctx: DialogueContext, plan: Plan, complete_question: str) -> str:
        from momq.pipelines import Target

        target = Target(ctx.view.dialect, ctx.view.database, self.schema, ctx.engine, ctx.timeout_s)
        return self.runner.run(complete_question, target).query


__all__ = ["QueryGenerator", "TemplateQueryGenerator", "ModelQueryGenerator"]
