"""Few-shot example selection by similarity to the question (the ICL-AS baseline's
demonstrations).

Training examples are embedded once with all-MiniLM-L6-v2 (:mod:`momq.llm.embeddings`)
and the ``k`` most similar questions are picked, preferring the same database and
dialect. When the embedding model is unavailable, or ``method="lexical"``, a word
overlap score (Jaccard over lowercased word sets) is used instead, so selection always
works offline and in tests. Selection is deterministic: ties keep the training order.
"""

from __future__ import annotations

import re
from typing import Sequence

from momq.prompts.builder import Shot

_WORD = re.compile(r"\w+", re.U)


def _words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text)}


class FewShotSelector:
    """Pick the ``k`` training examples nearest to a question.

    ``examples``: objects with ``question``, ``query`` and optionally ``database`` and
    ``dialect`` attributes (``momq.data.records.Example``). ``method``: ``embedding``
    (default, falls back to ``lexical`` when MiniLM cannot be loaded) or ``lexical``.
    ``cache_key``: names the on-disk cache of the training questions' embeddings.
    """

    def __init__(
        self,
        examples: Sequence,
        *,
        method: str = "embedding",
        same_database_bonus: float = 0.05,
        cache_key: str | None = None,
    ):
        self.examples = list(examples)
        self.method = method
        self.bonus = same_database_bonus
        self._vectors = None
        self._words = [_words(e.question) for e in self.examples]
        if method == "embedding":
            try:
                from momq.align.vectors import VectorIndex

                # embedding thousands of questions takes a while on a CPU: cached on disk
                self._vectors = VectorIndex.for_values(
                    [e.question for e in self.examples], cache_key=cache_key and f"fewshot-{cache_key}"
                ).vectors
            except Exception:  # model missing: fall back to lexical, reported by .method
                self.method = "lexical"

    def select(
        self,
        question: str,
        k: int = 3,
        *,
        dialect: str | None = None,
        database: str | None = None,
        exclude_id: str | None = None,
    ) -> list[Shot]:
        if not self.examples or k <= 0:
            return []
        if self._vectors is not None:
            from momq.llm.embeddings import embed

            scores = (self._vectors @ embed([question])[0]).tolist()
        else:
            q = _words(question)
            scores = [len(q & w) / len(q | w) if q | w else 0.0 for w in self._words]
        ranked = []
        for index, (example, score) in enumerate(zip(self.examples, scores)):
            if exclude_id is not None and getattr(example, "id", None) == exclude_id:
                continue
            if dialect is not None and getattr(example, "dialect", dialect) != dialect:
                continue
            if example.question.strip() == question.strip():
                continue  # never show the model the very question it is asked
            if database is not None and getattr(example, "database", None) == database:
                score += self.bonus
            ranked.append((-score, index, example))
        ranked.sort(key=lambda item: (item[0], item[1]))
        return [Shot(e.question, e.query, getattr(e, "database", None)) for _, _, e in ranked[:k]]
