"""The fine-tuning prompt: the inference prompt, rendered for a tokenizer.

Training and generation must agree exactly, so there is one builder. A record's prompt
is :func:`momq.pipelines.direct.grounded_prompt` (system rules, the schema with sample
values pruned to the schema budget in the model's own tokens, the aligned database
values, the question) followed by the answer prefix that inference opens (a code fence),
rendered by :func:`momq.llm.base.chat_text` (the tokenizer's chat template; the
transformers backend renders with the same function). The target is the query, the
closing fence and the end-of-sequence token, so the model learns to stop.

A record's ``schema`` is a :class:`~momq.schema.model.Schema` dict (grounded records,
:mod:`momq.data.grounding`) or already rendered text (hand-written records); its
``values`` are ``[{"value", "where"}]``.

The :class:`~momq.pipelines.direct.PromptSettings` a model was trained with (schema
budget, sample values, schema format) belong to the model: the trainer saves them beside
the adapter (``prompt.json``) and :class:`~momq.pipelines.direct.DirectPipeline` prompts
the adapter with them.

Ranker examples (:mod:`momq.train.ranker_data`) carry their whole user message in
``prompt`` and the ranking as their target (no code fence).
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

from momq.dialects import get_dialect
from momq.llm.base import chat_text
from momq.pipelines.direct import PromptSettings, grounded_prompt

__all__ = [
    "PromptSettings",
    "answer_prefix",
    "target_text",
    "prompt_messages",
    "build_prompt",
    "example_prompt",
    "example_target",
    "token_counter",
]


def token_counter(tokenizer: Any) -> Callable[[str], int] | None:
    if tokenizer is None:
        return None
    return lambda text: len(tokenizer(text, add_special_tokens=False)["input_ids"])


def answer_prefix(dialect: str) -> str:
    """The start of the answer inference opens for the model: a code fence."""
    return f"```{get_dialect(dialect).fence}\n"


def target_text(query: str) -> str:
    """What the model learns to write after the prefix (before end-of-sequence)."""
    return query.strip() + "\n```"


def _schema(schema: Any) -> Any:
    if isinstance(schema, dict):
        from momq.schema.model import Schema

        return Schema.from_dict(schema)
    return schema


def _values(values: Sequence[Any]) -> list[Any]:
    return [(v["value"], v.get("where", "")) if isinstance(v, dict) else v for v in values or ()]


def prompt_messages(
    question: str,
    dialect: str,
    schema: Any = None,
    values: Sequence[Any] = (),
    *,
    settings: PromptSettings | None = None,
    count_tokens: Any = None,
) -> list:
    """The chat messages of the grounded prompt followed by the answer prefix."""
    settings = settings or PromptSettings()
    prompt = grounded_prompt(
        question,
        dialect,
        _schema(schema),
        _values(values),
        samples=settings.samples,
        schema_format=settings.schema_format,
        budget_tokens=settings.schema_budget,
        count_tokens=count_tokens,
    )
    return [*prompt, {"role": "assistant", "content": answer_prefix(dialect)}]


def build_prompt(
    question: str,
    dialect: str,
    schema: Any = None,
    tokenizer: Any = None,
    values: Sequence[Any] = (),
    settings: PromptSettings | None = None,
) -> str:
    """The text the model continues with the query (``schema``: a Schema, its dict or
    rendered text)."""
    messages = prompt_messages(
        question, dialect, schema, values, settings=settings, count_tokens=token_counter(tokenizer)
    )
    return chat_text(messages, tokenizer)


def example_prompt(example: dict[str, Any], tokenizer: Any = None, settings: PromptSettings | None = None) -> str:
    """An example's prompt; a ranker example carries its whole user message (``prompt``)."""
    if example.get("prompt"):
        return chat_text([{"role": "user", "content": example["prompt"]}], tokenizer)
    return build_prompt(
        example["question"], example["dialect"], example.get("schema"), tokenizer, example.get("values") or (), settings
    )


def example_target(example: dict[str, Any]) -> str:
    """What the model learns to write after the example's prompt (before end-of-sequence):
    the query and the closing fence, or a ranker example's ranking as it is."""
    if example.get("prompt"):
        return example["query"].strip()
    return target_text(example["query"])
