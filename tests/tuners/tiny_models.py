"""Tiny causal LMs built from configs (no download): Llama (SmolLM2's family), Qwen2, Gemma 3."""

from __future__ import annotations

import torch

VOCAB = 97
KINDS = ["llama", "qwen2", "gemma3"]


def make_base(kind: str = "llama", seed: int = 0):
    """A 2-layer model with hidden size 32; the same ``seed`` gives the same weights."""
    from transformers import (
        Gemma3ForCausalLM,
        Gemma3TextConfig,
        LlamaConfig,
        LlamaForCausalLM,
        Qwen2Config,
        Qwen2ForCausalLM,
    )

    torch.manual_seed(seed)
    common = dict(
        vocab_size=VOCAB,
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=256,
    )
    if kind == "llama":
        model = LlamaForCausalLM(LlamaConfig(**common, tie_word_embeddings=True))
    elif kind == "qwen2":
        model = Qwen2ForCausalLM(Qwen2Config(**common))
    elif kind == "gemma3":
        model = Gemma3ForCausalLM(Gemma3TextConfig(**common, head_dim=8, sliding_window=16))
    else:
        raise ValueError(kind)
    return model.eval()


def batch(seed: int = 1, size: int = 3, length: int = 9):
    """Random token ids with left padding on the first row, LM labels on the last half,
    and one dialect label per sample."""
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(3, VOCAB, (size, length), generator=g)
    mask = torch.ones_like(ids)
    mask[0, :3] = 0
    labels = ids.clone()
    labels[:, : length // 2] = -100
    labels[mask == 0] = -100
    dialects = torch.arange(size) % 4
    return ids, mask, labels, dialects


def single_thread() -> None:
    """Tiny tensors gain nothing from intra-op threads, and on a shared 2-core machine a
    second thread waits at OpenMP barriers for a descheduled core (10x slower steps)."""
    torch.set_num_threads(1)
