"""Generation API: batched greedy or beam search with the KV cache, stop sequences and the
dialect's query extraction. Used by ``momq generate`` and by the pipelines.

Works with a :class:`~momq.tuners.base.TunedModel` (MoMQ, LoRA, full, LoRA per dialect)
or a plain Hugging Face causal LM. With a tuned model the dialect of each prompt is handed
to the adapter through ``dialect_scope``: MoMQ's soft routers ignore it (they decide from
hidden states), the hard-routing ablation and LoRA-per-dialect need it.

Prompts are left-padded so a batch continues from aligned positions; Hugging Face's
``generate`` does the decoding with the KV cache, and a stopping criterion marks each row
done when its new text contains a stop sequence.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import torch

from momq.errors import ConfigError


@dataclass
class Generation:
    prompt: str
    text: str  # the completion, cut at the first stop sequence, special tokens removed
    query: str  # the dialect's extraction from ``text`` (``text`` stripped when unavailable)
    dialect: str | None
    new_tokens: int


def extract_query(text: str, dialect: str | None) -> str:
    """The query inside a completion, by the dialect's own extractor (lazy import, so
    generation works even where ``momq.dialects`` is unavailable)."""
    if dialect:
        try:
            from momq.dialects import get_dialect

            return get_dialect(dialect).extract(text)
        except Exception:  # noqa: BLE001 - extraction is best effort; fall back to the text
            pass
    return text.strip()


class _StopOnStrings:
    """Stops each row once its generated text contains one of ``stops``."""

    def __init__(self, tokenizer: Any, stops: Sequence[str], prompt_len: int):
        self.tokenizer, self.stops, self.prompt_len = tokenizer, list(stops), prompt_len
        self.tail = max(8, max(len(s) for s in self.stops) + 8)

    def __call__(self, input_ids: torch.Tensor, scores: Any = None, **kwargs: Any) -> torch.Tensor:
        done = []
        for row in input_ids[:, self.prompt_len :]:
            text = self.tokenizer.decode(row[-self.tail :], skip_special_tokens=True)
            done.append(any(s in text for s in self.stops))
        return torch.tensor(done, dtype=torch.bool, device=input_ids.device)


def _cut(text: str, stops: Sequence[str]) -> str:
    cut = len(text)
    for stop in stops:
        at = text.find(stop)
        if at >= 0:
            cut = min(cut, at)
    return text[:cut]


def _dialect_labels(tuned: Any, dialects: Sequence[str | None] | None, n: int) -> torch.Tensor | None:
    config = getattr(tuned, "momq_config", None) or getattr(tuned, "lpd_config", None)
    if config is None or not dialects or any(d is None for d in dialects):
        if getattr(tuned, "needs_dialect_at_inference", False):
            raise ConfigError(f"{tuned.method} needs the dialect of every prompt")
        return None
    return torch.tensor([config.dialect_index(d) for d in dialects[:n]], dtype=torch.long)


@torch.no_grad()
def generate(
    model: Any,
    tokenizer: Any,
    prompts: Sequence[str],
    *,
    dialects: Sequence[str | None] | None = None,
    max_new_tokens: int = 256,
    num_beams: int = 1,
    stop: Sequence[str] | None = None,
    batch_size: int = 8,
    use_cache: bool = True,
    bf16: bool = False,
    prefixes: Sequence[str] | None = None,
) -> list[Generation]:
    """Complete every prompt; return one :class:`Generation` per prompt, in order.

    ``dialects``: the target dialect of each prompt (for extraction and for adapters that
    route by dialect). ``stop``: extra stop sequences (the EOS token always stops).
    ``prefixes``: the answer prefix each prompt ends with (the code fence momq's prompts
    open); put back in front of the completion, so ``text`` is the whole answer.
    """
    if dialects is not None and len(dialects) != len(prompts):
        raise ConfigError("give one dialect per prompt")
    if prefixes is not None and len(prefixes) != len(prompts):
        raise ConfigError("give one answer prefix per prompt")
    tuned = model if hasattr(model, "trainable_parameters") else None
    hf = tuned.inference_model() if tuned is not None else model
    hf.eval()
    device = next(hf.parameters()).device
    stops = [s for s in (stop or []) if s]
    side = tokenizer.padding_side
    tokenizer.padding_side = "left"
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    results: list[Generation] = []
    try:
        for start in range(0, len(prompts), batch_size):
            chunk = list(prompts[start : start + batch_size])
            chunk_dialects = list(dialects[start : start + batch_size]) if dialects is not None else [None] * len(chunk)
            enc = tokenizer(chunk, return_tensors="pt", padding=True, add_special_tokens=False).to(device)
            prompt_len = enc["input_ids"].shape[1]
            kwargs: dict[str, Any] = dict(
                max_new_tokens=max_new_tokens,
                do_sample=False,
                num_beams=num_beams,
                use_cache=use_cache,
                pad_token_id=pad_id,
                eos_token_id=tokenizer.eos_token_id,
            )
            if num_beams > 1:
                kwargs["early_stopping"] = True
            if stops:
                from transformers import StoppingCriteriaList

                kwargs["stopping_criteria"] = StoppingCriteriaList([_StopOnStrings(tokenizer, stops, prompt_len)])
            labels = _dialect_labels(tuned, chunk_dialects, len(chunk)) if tuned is not None else None
            scope = tuned.dialect_scope(labels) if tuned is not None else _null()
            with scope, torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
                out = hf.generate(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"], **kwargs)
            chunk_prefixes = list(prefixes[start : start + batch_size]) if prefixes is not None else [""] * len(chunk)
            for row, prompt, dialect, prefix in zip(out, chunk, chunk_dialects, chunk_prefixes):
                new = row[prompt_len:]
                keep = new[new != pad_id] if pad_id != tokenizer.eos_token_id else new
                text = prefix + _cut(tokenizer.decode(keep, skip_special_tokens=True), stops)
                count = int((new != pad_id).sum()) if pad_id is not None else len(new)
                results.append(
                    Generation(
                        prompt=prompt, text=text, query=extract_query(text, dialect), dialect=dialect, new_tokens=count
                    )
                )
    finally:
        tokenizer.padding_side = side
    return results


class _null:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: Any) -> None:
        return None


def load_for_inference(path: str | Path | None = None, *, merge: bool = True, dtype: Any = None):
    """``(model, tokenizer)`` from a saved tuned model directory (adapter) or a base model
    reference (``None``/``smollm2``, a HF directory, a GGUF file). Adapters are merged
    where possible (vanilla LoRA into the weights, MoMQ's shared experts too)."""
    from momq.backbones.models import load_model, load_tokenizer
    from momq.tuners.base import TUNER_FILE, read_base

    if path is not None and (Path(path) / TUNER_FILE).is_file():
        from momq.tuners import load_tuned

        tuned = load_tuned(path, dtype=dtype)
        tokenizer = load_tokenizer(read_base(Path(path)))
        if merge and hasattr(tuned, "merge_for_inference"):
            tuned.merge_for_inference()
        tuned.eval()
        return tuned, tokenizer
    model, tokenizer = load_model(path, dtype=dtype)
    return model.eval(), tokenizer
