"""Training and evaluation data for R3's ranker, derived from gold queries.

For each question of a benchmark training split, the ranker's target is what its gold
query uses (:func:`gold_ranking`):

- *keywords*: the dialect's read-only skeleton keywords (``momq.dialects``) found in the
  gold outside string literals: multi-word keywords with any spacing (``ORDER BY``;
  ``FIND PATH`` also with ``SHORTEST`` / ``ALL`` / ``NOLOOP`` between), functions
  followed by ``(``, ``STEPS`` also as ``STEP``, nGQL's ``PIPE |`` as a pipe outside
  strings;
- *elements*: the schema's tables / node types / edge types named by an identifier of
  the gold (case-insensitive; backquoted names too);
- *values*: the gold's string literals.

A record (:func:`ranker_records`) is a fine-tuning example in ``momq train``'s format whose
``prompt`` is the exact user message :class:`momq.pipelines.ranker.Ranker` sends (code-form
skeleton and schema, question) and whose ``query`` is the three-line answer
(``KEYWORDS / ELEMENTS / VALUES``), so a model trained on them answers the ranker.

:func:`score_rankings` measures a ranker against the gold rankings: micro precision and
recall of keywords and of elements.
"""

from __future__ import annotations

import random
import re
from typing import Any, Callable, Iterable, Sequence

from momq.pipelines.ranker import Ranking, query_parts
from momq.prompts.builder import skeleton_keywords


def _keyword_pattern(name: str, kind: str) -> re.Pattern[str]:
    if name == "PIPE |":
        return re.compile(r"\|")
    words = [re.escape(w) for w in name.split()]
    if name.upper() == "FIND PATH":
        body = r"\bFIND\s+(?:(?:SHORTEST|ALL|NOLOOP)\s+)?PATH\b"
    elif name.upper() == "STEPS":
        body = r"\bSTEPS?\b"
    else:
        body = r"\b" + r"\s+".join(words) + (r"\s*\(" if kind == "function" else r"\b")
    return re.compile(body, re.I)


def gold_ranking(query: str, dialect: str, element_names: Sequence[str]) -> Ranking:
    """The keywords, elements and values ``query`` uses (see the module docstring)."""
    from momq.dialects import get_dialect

    elements, values, code = query_parts(query, element_names)
    kinds = {kw.name: kw.kind for kw in get_dialect(dialect).skeleton}
    keywords = [name for name in skeleton_keywords(dialect) if _keyword_pattern(name, kinds[name]).search(code)]
    return Ranking(keywords, elements, list(dict.fromkeys(values)), "gold")


def ranker_message(question: str, dialect: str, schema: Any, language: str = "en") -> str:
    """The user message the ranker model gets (the same text at training and use)."""
    from momq.prompts.builder import ranker_prompt
    from momq.schema.render import render

    return ranker_prompt(question, dialect, render(schema, "code"), language)[0]["content"]


def ranker_records(examples: Iterable[Any], schema_for: Callable[[str, str], Any]) -> tuple[list[dict], list[str]]:
    """``(records, notes)``: one ranker example per question whose database's schema
    ``schema_for(dialect, database)`` returns (None or an error: skipped, noted once)."""
    records: list[dict[str, Any]] = []
    notes: list[str] = []
    schemas: dict[tuple[str, str], Any] = {}
    for e in examples:
        key = (e.dialect, e.database)
        if key not in schemas:
            try:
                schemas[key] = schema_for(*key)
            except Exception as exc:  # noqa: BLE001 - a database momq cannot open is skipped, named
                schemas[key] = None
                notes.append(f"{e.dialect}/{e.database}: no schema ({type(exc).__name__}: {str(exc)[:100]})")
        schema = schemas[key]
        if schema is None:
            continue
        ranking = gold_ranking(e.query, e.dialect, schema.element_names())
        records.append(
            {
                "id": e.id,
                "dialect": e.dialect,
                "database": e.database,
                "question": e.question,
                "language": e.language,
                "task": "ranker",
                "prompt": ranker_message(e.question, e.dialect, schema, e.language),
                "query": ranking.answer(),
                "gold_query": e.query,
            }
        )
    return records, notes


def split_holdout(records: list[dict], fraction: float, seed: int = 0) -> tuple[list[dict], list[dict]]:
    """``(train, held_out)``: a seeded random ``fraction`` held out."""
    order = list(range(len(records)))
    random.Random(seed).shuffle(order)
    cut = int(round(len(records) * fraction))
    held = set(order[:cut])
    return [r for i, r in enumerate(records) if i not in held], [r for i, r in enumerate(records) if i in held]


def _pr(pred: Sequence[set[str]], gold: Sequence[set[str]]) -> dict[str, float | None]:
    tp = sum(len(p & g) for p, g in zip(pred, gold))
    n_pred, n_gold = sum(len(p) for p in pred), sum(len(g) for g in gold)
    precision = tp / n_pred if n_pred else None
    recall = tp / n_gold if n_gold else None
    f1 = (
        (2 * precision * recall / (precision + recall))
        if precision and recall
        else (0.0 if n_pred and n_gold else None)
    )
    return {"precision": precision, "recall": recall, "f1": f1}


def score_rankings(predicted: Sequence[Ranking], gold: Sequence[Ranking]) -> dict[str, Any]:
    """Micro precision / recall / F1 of keywords and of elements (case-insensitive)."""
    if len(predicted) != len(gold):
        raise ValueError("predicted and gold rankings differ in number")
    norm = lambda items: {x.upper() for x in items}  # noqa: E731
    return {
        "n": len(gold),
        "keywords": _pr([norm(p.keywords) for p in predicted], [norm(g.keywords) for g in gold]),
        "elements": _pr([norm(p.elements) for p in predicted], [norm(g.elements) for g in gold]),
    }


def parse_gold(record: dict[str, Any]) -> Ranking:
    """The gold ranking stored in a record's answer text."""
    fields: dict[str, list[str]] = {}
    for line in record["query"].splitlines():
        key, _, rest = line.partition(":")
        fields[key.strip().lower()] = [x.strip() for x in rest.split(",") if x.strip() and x.strip() != "none"]
    return Ranking(fields.get("keywords", []), fields.get("elements", []), fields.get("values", []), "gold")


__all__ = ["gold_ranking", "ranker_message", "ranker_records", "split_holdout", "score_rankings", "parse_gold"]
