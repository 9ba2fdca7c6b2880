"""A local backend on ``transformers``: a model directory or GGUF file, optionally with a
MoMQ / LoRA / full fine-tuning adapter saved by momq's trainer.

Loading and decoding are delegated to the trainer's side of momq:
:func:`momq.llm.generate.load_for_inference` (no downloads, GGUF converted once and
cached, adapters merged where possible) and :func:`momq.llm.generate.generate` (batched
greedy decoding, stop strings, the dialect label handed to adapters that route by
dialect). A model trained with ``momq train`` is therefore asked questions through exactly
the weights and decoding the evaluation uses.

Prompts are rendered with the tokenizer's chat template when it has one (SmolLM2-Instruct
does), else flattened to plain text; a final assistant message is continued (an answer
prefix).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Sequence

from momq.errors import ModelError
from momq.llm.base import GenerationConfig, LanguageModel, Prompt, chat_text

# one loaded model per (reference, adapter, dtype) in this process: loading costs seconds
_CACHE: dict[tuple[str, str, str], tuple[Any, Any]] = {}
_LOCK = threading.Lock()


def _load(ref: str | None, adapter: str | None, dtype: str) -> tuple[Any, Any]:
    """``(model, tokenizer)`` through :func:`momq.llm.generate.load_for_inference` (the
    trainer's own loader: adapters merged where possible), cached per process."""
    key = (str(ref or "smollm2"), str(adapter or ""), dtype)
    with _LOCK:
        if key not in _CACHE:
            from momq.llm.generate import load_for_inference

            _CACHE[key] = load_for_inference(adapter or ref, dtype=dtype)
        return _CACHE[key]


class TransformersModel(LanguageModel):
    """Generation with a local Hugging Face causal LM (see module docstring).

    ``model``: ``None``/``"smollm2"`` (the default SmolLM2-135M-Instruct), a model
    directory or a ``.gguf`` file. ``adapter``: a directory saved by momq's trainer.
    ``dialect``: the dialect label for adapters that route by dialect.
    ``dtype``: the weights' dtype, ``float32``, ``bfloat16`` or ``auto`` (default, or
    ``$MOMQ_HF_DTYPE``): bfloat16 where it is faster (AVX-512/AMX CPUs, CUDA;
    :func:`momq.backbones.models.inference_dtype`).
    """

    backend = "transformers"
    supports_prefix = True

    def __init__(
        self,
        model: str | None = None,
        adapter: str | None = None,
        *,
        dialect: str | None = None,
        batch_size: int = 4,
        dtype: str | None = None,
    ):
        from momq.backbones.models import inference_dtype

        super().__init__()
        self.ref = model
        self.adapter = adapter
        self.dialect = dialect
        self.batch_size = batch_size
        if adapter and model:
            from momq.tuners.base import read_base

            base = read_base(Path(adapter)).path
            if Path(str(model)).expanduser() != Path(str(base)).expanduser() and str(model) != str(base):
                raise ModelError(
                    f"adapter {adapter} was trained on {base}, not {model}: give the adapter directory alone"
                )
        self.dtype = inference_dtype(dtype)
        self.model, self.tokenizer = _load(model, adapter, self.dtype)

    @property
    def name(self) -> str:
        from momq.backbones.models import describe

        base = describe(self.ref)
        return f"{base}+{Path(self.adapter).name}" if self.adapter else base

    def count_tokens(self, text: str) -> int:
        """Tokens of ``text`` in the model's own tokenizer (the schema budget's unit)."""
        return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    def _render(self, prompt: Prompt) -> str:
        """The prompt as text; a final assistant message is an answer prefix to continue
        (the renderer fine-tuning uses: :func:`momq.llm.base.chat_text`)."""
        return chat_text(prompt, self.tokenizer)

    @staticmethod
    def _prefix(prompt: Prompt) -> str:
        return prompt[-1].get("content", "") if prompt and prompt[-1].get("role") == "assistant" else ""

    def _generate(self, prompts: Sequence[Prompt], config: GenerationConfig) -> list[str]:
        """Greedy decoding through :func:`momq.llm.generate.generate` (the batched API the
        evaluation uses), so ``ask`` and ``momq generate`` decode identically; sampling
        options are ignored by this backend (it is deterministic by construction)."""
        from momq.llm.generate import generate

        texts = [self._render(p) for p in prompts]
        dialects = [self.dialect] * len(texts) if self.dialect else None
        out = generate(
            self.model,
            self.tokenizer,
            texts,
            dialects=dialects,
            max_new_tokens=config.max_new_tokens,
            stop=list(config.stop),
            batch_size=self.batch_size,
        )
        # the caller sees the whole answer, its prefix included
        return [self._prefix(p) + g.text for p, g in zip(prompts, out)]


def from_spec(spec: str, **options: Any) -> TransformersModel:
    """``smollm2``, ``hf:PATH``, ``PATH`` (a model directory or ``.gguf``), each optionally
    followed by ``+ADAPTER_DIR`` (a directory saved by ``momq train``), or an adapter
    directory alone (its base model is read from the adapter's ``base_model.json``)."""
    body = spec[3:] if spec.startswith("hf:") else spec
    model, _, adapter = body.partition("+")
    if model and not adapter and (Path(model) / "tuner.json").is_file():
        model, adapter = "", model
    return TransformersModel(model or None, adapter or None, **options)
