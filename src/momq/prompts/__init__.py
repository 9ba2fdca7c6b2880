"""Prompts for every pipeline step, in English and Chinese (``momq.prompts.builder``,
``momq.prompts.templates``) and few-shot selection (``momq.prompts.fewshot``)."""

from momq.prompts.builder import (
    Shot,
    check_prompt,
    generation_prompt,
    quote_value,
    ranker_prompt,
    refine_prompt,
    reformulate_prompt,
    render_skeleton,
    render_values,
    repair_prompt,
    rewriter_prompt,
    sanitize,
    skeleton_keywords,
)

__all__ = [
    "Shot",
    "check_prompt",
    "generation_prompt",
    "quote_value",
    "ranker_prompt",
    "reformulate_prompt",
    "refine_prompt",
    "render_skeleton",
    "render_values",
    "repair_prompt",
    "rewriter_prompt",
    "sanitize",
    "skeleton_keywords",
]
