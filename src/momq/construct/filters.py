"""The dataset filter (MTGQL): two deduplication passes; every drop is recorded.

1. **Masked queries**: each turn's query with its literals masked (strings -> ``?``,
   numbers -> ``0``); a dialogue's key is the sequence of its masked queries. At most
   ``max_same`` (3) dialogues keep one key: a further one is a near-copy of them that
   only swaps values, and is dropped.
2. **Question embeddings**: the questions of a dialogue, concatenated, are embedded
   with all-MiniLM-L6-v2 (``momq.llm.embeddings``); a dialogue whose cosine similarity
   to one already kept is above ``threshold`` (0.6) is dropped.

Dialogues are visited in order, so the first of a group of near-duplicates is the one
kept. Each drop is a :class:`~momq.data.records.Rejected` naming the filter, the kept
dialogue it duplicates and (embeddings) the similarity.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from momq.data.records import Dialogue, Rejected

MAX_SAME_MASKED = 3
EMBEDDING_THRESHOLD = 0.6

_STRING = re.compile(r"'(?:[^'\\]|\\.|'')*'|\"(?:[^\"\\]|\\.)*\"")
_NUMBER = re.compile(r"(?<![\w.$])-?\d+(?:\.\d+)?(?![\w.])")


def mask_query(query: str) -> str:
    """``query`` with string literals as ``?`` and numbers as ``0``, spaces collapsed."""
    masked = _STRING.sub("?", query)
    masked = _NUMBER.sub("0", masked)
    return re.sub(r"\s+", " ", masked).strip()


def dialogue_text(dialogue: Dialogue) -> str:
    return " ".join(t.question for t in dialogue.turns)


@dataclass
class FilterResult:
    kept: list[Dialogue] = field(default_factory=list)
    dropped: list[Rejected] = field(default_factory=list)


def masked_dedup(dialogues: Sequence[Dialogue], max_same: int = MAX_SAME_MASKED) -> FilterResult:
    out = FilterResult()
    seen: dict[tuple[str, ...], list[str]] = {}
    for d in dialogues:
        key = tuple(mask_query(t.query) for t in d.turns)
        owners = seen.setdefault(key, [])
        if len(owners) >= max_same:
            out.dropped.append(
                Rejected(
                    d.to_dict(),
                    f"masked-query duplicate: more than {max_same} dialogues "
                    f"share its masked queries (kept: {', '.join(owners)})",
                    "construct/filter",
                )
            )
            continue
        owners.append(d.id)
        out.kept.append(d)
    return out


def embedding_dedup(
    dialogues: Sequence[Dialogue],
    threshold: float = EMBEDDING_THRESHOLD,
    embed: Callable[[Sequence[str]], Any] | None = None,
) -> FilterResult:
    import numpy as np

    out = FilterResult()
    if not dialogues:
        return out
    if embed is None:
        from momq.llm.embeddings import embed
    vectors = np.asarray(embed([dialogue_text(d) for d in dialogues]), dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    vectors = vectors / np.where(norms == 0, 1, norms)
    kept_rows: list[int] = []
    for i, d in enumerate(dialogues):
        if kept_rows:
            sims = vectors[kept_rows] @ vectors[i]
            best = int(np.argmax(sims))
            if sims[best] > threshold:
                twin = dialogues[kept_rows[best]].id
                out.dropped.append(
                    Rejected(
                        d.to_dict(),
                        f"embedding duplicate: cosine {sims[best]:.3f} > {threshold} with {twin}",
                        "construct/filter",
                    )
                )
                continue
        kept_rows.append(i)
        out.kept.append(d)
    return out


def filter_dialogues(
    dialogues: Sequence[Dialogue],
    *,
    max_same: int = MAX_SAME_MASKED,
    threshold: float | None = EMBEDDING_THRESHOLD,
    embed: Callable[[Sequence[str]], Any] | None = None,
) -> FilterResult:
    """Both passes (the embedding pass is skipped when ``threshold`` is None)."""
    first = masked_dedup(dialogues, max_same)
    if threshold is None:
        return first
    second = embedding_dedup(first.kept, threshold, embed)
    return FilterResult(second.kept, first.dropped + second.dropped)


__all__ = [
    "MAX_SAME_MASKED",
    "EMBEDDING_THRESHOLD",
    "mask_query",
    "dialogue_text",
    "FilterResult",
    "masked_dedup",
    "embedding_dedup",
    "filter_dialogues",
]
