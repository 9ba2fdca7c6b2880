"""R3-NL2GQL's data tools: query-to-question generation, diverse sampling, unseen-schema split.

- :class:`Gql2Nl` (GQL2NL): a query (any of the four dialects) and the schema go to a
  momq model backend, which answers the question the query answers. The validator uses
  it as its reverse generator; it also turns a bare list of queries into examples.
- :func:`k_center_greedy`: Sener & Savarese's K-Center Greedy over embeddings: start
  from one point, then repeatedly add the point farthest (cosine distance) from
  everything chosen. :func:`diverse_sample` applies it to question embeddings
  (all-MiniLM-L6-v2).
- :func:`unseen_schema_split`: a 4:1 train/test split in which no schema (by default a
  database; any grouping key can be given) appears on both sides, so the test set
  measures generalisation to unseen schemas.
"""

from __future__ import annotations

import random
from typing import Any, Callable, Sequence, TypeVar

from momq.errors import ConfigError

T = TypeVar("T")

GQL2NL_PROMPT = """Here is a {dialect} query on the database below. Write the one question, in plain
English, that this query answers. Name every value the query uses. Answer with the question only.

Schema:
{schema}

Query:
{query}"""


class Gql2Nl:
    """Query-to-question generation on a momq model backend."""

    def __init__(self, model: Any, dialect: str, schema_text: str = "", *, max_new_tokens: int = 96):
        from momq.llm.base import GenerationConfig

        self.model, self.dialect, self.schema_text = model, dialect, schema_text
        self.config = GenerationConfig(max_new_tokens=max_new_tokens, stop=("\n\n",))

    def prompt(self, query: str) -> list[dict[str, str]]:
        from momq.dialects import get_dialect

        return [
            {
                "role": "user",
                "content": GQL2NL_PROMPT.format(
                    dialect=get_dialect(self.dialect).label, schema=self.schema_text or "(not given)", query=query
                ),
            }
        ]

    def questions(self, queries: Sequence[str]) -> list[str]:
        answers = self.model.generate([self.prompt(q) for q in queries], self.config)
        return [clean_question(a) for a in answers]

    def __call__(self, query: str) -> str:
        return self.questions([query])[0]


def clean_question(text: str) -> str:
    """The first non-empty line of a model's answer, without a ``Question:`` label or quotes."""
    line = next((l.strip() for l in text.strip().splitlines() if l.strip()), "")
    if line.lower().startswith("question:"):
        line = line[len("question:") :].strip()
    return line.strip('"').strip()


def k_center_greedy(vectors: Any, k: int, *, first: int = 0) -> list[int]:
    """Indices of ``k`` rows of ``vectors`` chosen by K-Center Greedy (cosine distance),
    in the order they were chosen, starting at row ``first``."""
    import numpy as np

    points = np.asarray(vectors, dtype=np.float64)
    n = len(points)
    if k <= 0 or n == 0:
        return []
    norms = np.linalg.norm(points, axis=1, keepdims=True)
    points = points / np.where(norms == 0, 1, norms)
    chosen = [first]
    distance = 1.0 - points @ points[first]
    while len(chosen) < min(k, n):
        distance[chosen] = -np.inf
        pick = int(np.argmax(distance))
        chosen.append(pick)
        distance = np.minimum(distance, 1.0 - points @ points[pick])
    return chosen


def diverse_sample(
    items: Sequence[T], k: int, text: Callable[[T], str], embed: Callable[[Sequence[str]], Any] | None = None
) -> list[T]:
    """``k`` items chosen by K-Center Greedy over the embeddings of ``text(item)``."""
    if embed is None:
        from momq.llm.embeddings import embed
    if not items:
        return []
    vectors = embed([text(i) for i in items])
    return [items[i] for i in k_center_greedy(vectors, k)]


def unseen_schema_split(
    items: Sequence[T], key: Callable[[T], str], *, seed: int = 0, test_share: float = 0.2
) -> tuple[list[T], list[T]]:
    """``(train, test)`` with ``test_share`` (1/5: 4:1) of the items, whole schemas at a
    time: groups (by ``key``) are shuffled with the seed and moved to the test side while
    it holds less than its share. Needs at least two groups."""
    groups: dict[str, list[T]] = {}
    for item in items:
        groups.setdefault(key(item), []).append(item)
    if len(groups) < 2:
        raise ConfigError(
            f"an unseen-schema split needs at least two schemas; found {len(groups)}: {', '.join(groups) or '-'}"
        )
    names = sorted(groups)
    random.Random(seed).shuffle(names)
    target = test_share * len(items)
    test_names: list[str] = []
    count = 0
    for name in names[:-1]:  # the train side keeps at least one schema
        if count >= target:
            break
        if count and abs(count + len(groups[name]) - target) > abs(count - target):
            continue
        test_names.append(name)
        count += len(groups[name])
    test = [i for n in test_names for i in groups[n]]
    train = [i for n in names if n not in test_names for i in groups[n]]
    return train, test


__all__ = ["Gql2Nl", "GQL2NL_PROMPT", "clean_question", "k_center_greedy", "diverse_sample", "unseen_schema_split"]
