"""Generation for benchmark examples with the training prompt, so that a fine-tuned
model is asked exactly as it was trained (:mod:`momq.train.prompts`), decoded by
:func:`momq.llm.generate.generate`."""

from __future__ import annotations

from typing import Any, Sequence

from momq.llm.generate import Generation, generate
from momq.train.data import cut_prompt
from momq.train.prompts import answer_prefix, example_prompt


def generate_queries(
    model: Any,
    tokenizer: Any,
    examples: Sequence[dict[str, Any]],
    *,
    max_prompt_tokens: int | None = None,
    settings: Any = None,
    **kwargs: Any,
) -> list[Generation]:
    """Generate for benchmark examples (``question``, ``dialect``, optional ``schema`` and
    ``values`` as in training records) with the training prompt (``settings``: a
    :class:`~momq.pipelines.direct.PromptSettings`, the adapter's own by default).
    ``max_prompt_tokens``: cut longer prompts in the middle as training does
    (``momq.train.data.cut_prompt``), so a model sees prompts shaped like the ones it was
    trained on."""
    prompts = [example_prompt(ex, tokenizer, settings) for ex in examples]
    if max_prompt_tokens is not None:
        prompts = [
            tokenizer.decode(cut_prompt(tokenizer(p, add_special_tokens=False)["input_ids"], max_prompt_tokens))
            for p in prompts
        ]
    return generate(
        model,
        tokenizer,
        prompts,
        dialects=[ex.get("dialect") for ex in examples],
        prefixes=[answer_prefix(ex["dialect"]) for ex in examples],
        **kwargs,
    )
