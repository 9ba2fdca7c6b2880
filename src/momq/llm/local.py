"""A local backend on ``transformers``: a model directory or GGUF file, optionally with a
MoMQ / LoRA / full fine-tuning adapter saved by momq's trainer.

Loading is delegated to :mod:`momq.llm.models` (no downloads, GGUF converted once and
cached) and adapters to :func:`momq.tuners.load_tuned`, so a model trained with
``momq train`` is asked questions through exactly the weights the trainer saved. Adapters
that route by dialect at inference (MoMQ with hard routing, LoRA per dialect) receive
the dialect label of each prompt through ``dialect_scope``.

Decoding is greedy unless a temperature is given; prompts are rendered with the
tokenizer's chat template when it has one (SmolLM2-Instruct does), else flattened to
plain text.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, Sequence

from momq.llm.base import GenerationConfig, LanguageModel, Prompt, flatten_chat

# one loaded model per (reference, adapter) in this process: loading costs seconds
_CACHE: dict[tuple[str, str], tuple[Any, Any, Any]] = {}
_LOCK = threading.Lock()


def _load(ref: str | None, adapter: str | None) -> tuple[Any, Any, Any]:
    """``(generating module, tokenizer, tuned model or None)``, cached per process."""
    key = (str(ref or "smollm2"), str(adapter or ""))
    with _LOCK:
        if key not in _CACHE:
            from momq.llm.models import load_model, load_tokenizer

            tuned = None
            if adapter:
                from momq.tuners import load_tuned
                from momq.tuners.base import read_base

                base = read_base(Path(adapter)) if ref is None else ref
                tuned = load_tuned(adapter)
                tuned.eval()
                module = tuned.inference_model()
                tokenizer = load_tokenizer(base)
            else:
                module, tokenizer = load_model(ref)
                module.eval()
            tokenizer.padding_side = "left"  # decoder-only batching pads on the left
            tokenizer.truncation_side = "left"  # an over-long prompt loses its start, never the question
            _CACHE[key] = (module, tokenizer, tuned)
        return _CACHE[key]


def _dialect_config(tuned: Any) -> Any:
    for attr in ("momq_config", "lpd_config"):
        cfg = getattr(tuned, attr, None)
        if cfg is not None and hasattr(cfg, "dialect_index"):
            return cfg
    return None


class TransformersModel(LanguageModel):
    """Generation with a local Hugging Face causal LM (see module docstring).

    ``model``: ``None``/``"smollm2"`` (the default SmolLM2-135M-Instruct), a model
    directory or a ``.gguf`` file. ``adapter``: a directory saved by momq's trainer.
    ``dialect``: the dialect label for adapters that route by dialect.
    """

    backend = "transformers"
    supports_prefix = True

    def __init__(self, model: str | None = None, adapter: str | None = None, *,
                 dialect: str | None = None, batch_size: int = 4, threads: int | None = None):
        super().__init__()
        self.ref = model
        self.adapter = adapter
        self.dialect = dialect
        self.batch_size = batch_size
        if threads:
            import torch

            torch.set_num_threads(threads)
        self.module, self.tokenizer, self.tuned = _load(model, adapter)

    @property
    def name(self) -> str:
        from momq.llm.models import describe

        base = describe(self.ref)
        return f"{base}+{Path(self.adapter).name}" if self.adapter else base

    def _render(self, prompt: Prompt) -> str:
        """The prompt as text; a final assistant message is an answer prefix to continue."""
        prefix = ""
        if prompt and prompt[-1].get("role") == "assistant":
            prefix, prompt = prompt[-1].get("content", ""), prompt[:-1]
        if getattr(self.tokenizer, "chat_template", None):
            text = self.tokenizer.apply_chat_template(prompt, tokenize=False, add_generation_prompt=True)
        else:
            text = flatten_chat(prompt)
        return text + prefix

    @staticmethod
    def _prefix(prompt: Prompt) -> str:
        return prompt[-1].get("content", "") if prompt and prompt[-1].get("role") == "assistant" else ""

    def _generate(self, prompts: Sequence[Prompt], config: GenerationConfig) -> list[str]:
        answers: list[str] = []
        for start in range(0, len(prompts), self.batch_size):
            answers += self._batch(prompts[start:start + self.batch_size], config)
        # the caller sees the whole answer, its prefix included
        return [self._prefix(p) + a for p, a in zip(prompts, answers)]

    def _batch(self, prompts: Sequence[Prompt], config: GenerationConfig) -> list[str]:
        import contextlib

        import torch

        texts = [self._render(p) for p in prompts]
        limit = getattr(self.tokenizer, "model_max_length", 8192) or 8192
        limit = min(int(limit), 8192) - config.max_new_tokens
        encoded = self.tokenizer(texts, return_tensors="pt", padding=True, truncation=True,
                                 max_length=max(16, limit), add_special_tokens=False)
        kwargs: dict[str, Any] = {"max_new_tokens": config.max_new_tokens,
                                  "pad_token_id": self.tokenizer.pad_token_id}
        if config.greedy:
            kwargs["do_sample"] = False
        else:
            kwargs.update(do_sample=True, temperature=config.temperature, top_p=config.top_p)
            if config.seed is not None:
                torch.manual_seed(config.seed)
        scope = contextlib.nullcontext()
        cfg = _dialect_config(self.tuned) if self.tuned is not None else None
        if cfg is not None and self.dialect and getattr(self.tuned, "needs_dialect_at_inference", False):
            labels = torch.full((len(prompts),), cfg.dialect_index(self.dialect), dtype=torch.long)
            scope = self.tuned.dialect_scope(labels)
        with torch.inference_mode(), scope:
            output = self.module.generate(**encoded, **kwargs)
        new_tokens = output[:, encoded["input_ids"].shape[1]:]
        return [self.tokenizer.decode(row, skip_special_tokens=True) for row in new_tokens]


def from_spec(spec: str, **options: Any) -> TransformersModel:
    """``smollm2``, ``hf:PATH``, ``PATH`` (a model directory or ``.gguf``), each optionally
    followed by ``+ADAPTER_DIR`` (a directory saved by ``momq train``), or an adapter
    directory alone (its base model is read from the adapter's ``base_model.json``)."""
    body = spec[3:] if spec.startswith("hf:") else spec
    model, _, adapter = body.partition("+")
    if model and not adapter and (Path(model) / "tuner.json").is_file():
        model, adapter = "", model
    return TransformersModel(model or None, adapter or None, **options)
