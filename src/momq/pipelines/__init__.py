"""Question -> query pipelines, each usable alone:

- ``direct`` (:mod:`momq.pipelines.direct`): schema + question -> query (ICL-AS, FT-AS);
- ``r3`` (:mod:`momq.pipelines.r3`): ranker, rewriter, refiner; ``rse`` is its
  related-schema-extraction configuration;
- ``multiturn`` (:mod:`momq.pipelines.multiturn`): MTGQL's DA with a resumable session.

All run in one frame (:class:`~momq.pipelines.frame.Pipeline`: the question guard of
:mod:`momq.pipelines.base`, execution-guided repair (:mod:`momq.pipelines.repair`), the
final status and, in a dialogue, the :class:`~momq.pipelines.session.Session`); each
supplies how it builds its prompt. ``make_pipeline(name, model)`` builds one by name;
:mod:`momq.pipelines.batch` runs one over a benchmark split (``momq predict``).
"""

from __future__ import annotations

from typing import Any

from momq.errors import ConfigError
from momq.pipelines.base import Answer, Attempt, Verdict, check_question
from momq.pipelines.context import Target
from momq.pipelines.frame import Draft, Pipeline
from momq.pipelines.session import Session

PIPELINES = ("direct", "icl", "r3", "rse", "multiturn")


def make_pipeline(name: str, model: Any, **options: Any) -> Pipeline:
    """A pipeline by name: ``direct``, ``icl`` (direct with few-shot examples; pass
    ``shots=FewShotSelector(...)``), ``r3``, ``rse`` or ``multiturn``."""
    if name in ("direct", "icl"):
        from momq.pipelines.direct import DirectPipeline

        return DirectPipeline(model, name=name, **options)
    if name == "r3":
        from momq.pipelines.r3 import R3Pipeline, Ranker, Rewriter

        ranker_model = options.pop("ranker_model", None)
        rewriter_model = options.pop("rewriter_model", None)
        language = options.get("language", "en")
        return R3Pipeline(
            model,
            ranker=Ranker(ranker_model, language=language),
            rewriter=Rewriter(rewriter_model, language=language),
            **options,
        )
    if name == "rse":
        from momq.pipelines.r3 import R3Pipeline, Ranker

        ranker_model = options.pop("ranker_model", None)
        return R3Pipeline.rse(model, ranker=Ranker(ranker_model), **options)
    if name == "multiturn":
        from momq.pipelines.multiturn import MultiTurnPipeline

        return MultiTurnPipeline(model, **options)
    raise ConfigError(f"unknown pipeline {name!r}; known: {', '.join(PIPELINES)}")


__all__ = [
    "Answer",
    "Attempt",
    "Draft",
    "PIPELINES",
    "Pipeline",
    "Session",
    "Target",
    "Verdict",
    "check_question",
    "make_pipeline",
]
