"""Training data: JSONL examples, tokenisation with loss masks, length-bucketed batches.

Example format (one JSON object a line, agreed with the benchmark builder)::

    {"id", "dialect": "mysql|postgres|cypher|ngql", "database", "question", "query",
     "schema": optional Schema dict (grounded records) or rendered schema text,
     "values": optional [{"value", "where"}], "language": "en"|"zh"}

The prompt is the inference prompt (:mod:`momq.train.prompts`: one builder for both), its
schema pruned to the recipe's ``schema_budget`` in the model's tokens. Only the answer
tokens (query, closing code fence, end-of-sequence) carry labels; prompt and padding
tokens are labelled -100.

Batches are length-bucketed rather than packed: packing would mix dialects inside one
row, while MoMQ's dialect labels (and LoRA-per-dialect's adapter choice) are per sample.
The order is a pure function of ``(seed, epoch)`` so a resumed run sees exactly the
batches it would have seen.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import torch

from momq.data import records
from momq.errors import ConfigError
from momq.train.prompts import PromptSettings, example_prompt, example_target

REQUIRED = ("dialect", "question", "query")
KEEP_PROMPT_HEAD = 48  # tokens kept at the start of an over-long prompt (the instruction)


def _training_example(example: dict[str, Any]) -> dict[str, Any]:
    missing = [k for k in REQUIRED if not example.get(k)]
    if missing:
        raise ValueError(f"missing {', '.join(missing)}")
    return example


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Training records of a JSONL file (each needs a dialect, a question and a query);
    every bad line is listed in one :class:`~momq.data.records.JsonlError`."""
    return records.read_jsonl(path, _training_example)


def subsample(
    examples: list[dict[str, Any]], per_dialect: dict[str, int] | None, max_examples: int | None, seed: int
) -> list[dict[str, Any]]:
    """Keep at most ``per_dialect[d]`` examples of dialect ``d`` (the paper's imbalance
    settings, e.g. all MySQL and 128 of each other dialect) then at most ``max_examples``."""
    rng = random.Random(seed)
    out = list(examples)
    if per_dialect:
        by: dict[str, list[dict[str, Any]]] = {}
        for ex in out:
            by.setdefault(ex["dialect"], []).append(ex)
        out = []
        for dialect, items in by.items():
            limit = per_dialect.get(dialect)
            if limit is not None and len(items) > limit:
                items = rng.sample(items, limit)
            out.extend(items)
    if max_examples is not None and len(out) > max_examples:
        out = rng.sample(out, max_examples)
    return out


@dataclass
class Encoded:
    input_ids: list[int]
    labels: list[int]
    dialect: int
    id: str


def cut_prompt(ids: list[int], room: int) -> list[int]:
    """Fit prompt token ids into ``room`` tokens by cutting the middle: the instruction
    (head) and the question (tail) stay, the middle of a long schema goes."""
    if len(ids) <= room:
        return ids
    head = min(KEEP_PROMPT_HEAD, room // 2)
    return ids[:head] + ids[len(ids) - (room - head) :]


def encode(
    example: dict[str, Any],
    tokenizer: Any,
    dialects: list[str],
    max_length: int,
    settings: PromptSettings | None = None,
) -> Encoded:
    if example["dialect"] not in dialects:
        raise ConfigError(f"example {example.get('id')}: dialect {example['dialect']!r} not in {dialects}")
    prompt = tokenizer(example_prompt(example, tokenizer, settings), add_special_tokens=False)["input_ids"]
    target = tokenizer(example_target(example), add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id]
    target = target[: max_length // 2] if len(target) > max_length // 2 else target
    prompt = cut_prompt(prompt, max_length - len(target))
    return Encoded(
        prompt + target, [-100] * len(prompt) + target, dialects.index(example["dialect"]), str(example.get("id", ""))
    )


def encode_all(
    examples: Iterable[dict[str, Any]],
    tokenizer: Any,
    dialects: list[str],
    max_length: int,
    settings: PromptSettings | None = None,
) -> list[Encoded]:
    return [encode(ex, tokenizer, dialects, max_length, settings) for ex in examples]


def plan_batches(
    lengths: list[int], batch_size: int, seed: int, epoch: int, bucket_batches: int = 32
) -> list[list[int]]:
    """Length-bucketed batches for one epoch, deterministic in ``(seed, epoch)``.

    Shuffle, cut into windows of ``bucket_batches * batch_size`` examples, sort each window
    by length, split into batches, shuffle the batches: little padding, still random.
    """
    rng = random.Random(seed * 1_000_003 + epoch)
    order = list(range(len(lengths)))
    rng.shuffle(order)
    window = batch_size * bucket_batches
    batches = []
    for start in range(0, len(order), window):
        chunk = sorted(order[start : start + window], key=lambda i: lengths[i])
        batches.extend(chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size))
    rng.shuffle(batches)
    return batches


def collate(items: list[Encoded], pad_id: int) -> dict[str, torch.Tensor]:
    """Right-padded tensors: input_ids, attention_mask, labels, dialect_labels."""
    width = max(len(it.input_ids) for it in items)
    ids = torch.full((len(items), width), pad_id, dtype=torch.long)
    labels = torch.full((len(items), width), -100, dtype=torch.long)
    mask = torch.zeros((len(items), width), dtype=torch.long)
    for row, it in enumerate(items):
        n = len(it.input_ids)
        ids[row, :n] = torch.tensor(it.input_ids)
        labels[row, :n] = torch.tensor(it.labels)
        mask[row, :n] = 1
    return {
        "input_ids": ids,
        "attention_mask": mask,
        "labels": labels,
        "dialect_labels": torch.tensor([it.dialect for it in items], dtype=torch.long),
    }
