"""Similarity measures behind R3-NL2GQL's CA, EA and IEA.

- :func:`cosine`: cosine similarity of two query embeddings (CA).
- EA's three parts, over results rendered as text (:meth:`momq.engines.base.Result.text`),
  as R3-NL2GQL's Algorithm 1 combines them (``alpha*Jaccard + beta*BM25 + (1-alpha-beta)*BERT``):

  * :func:`jaccard_r3`: token overlap divided by the gold's token count,
    ``|T(pred) ∩ T(gold)| / |T(gold)|`` over the sets of lower-cased word tokens, so an
    answer holding every gold token scores 1.0 even when it says more;
  * :func:`bm25_r3`: BM25 (k1=1.5, b=0.75) between the predicted and the gold text with
    the exact weighting and the ``(score + 1) / 2`` normalisation of the authors'
    reference evaluation code (github.com/zhiqix/NL2GQL, ``Evaluation.py``): term
    weights are the texts' TF-IDF vectors over the two-text collection (smoothed idf
    ``ln((1+n)/(1+df)) + 1``, rows L2-normalised, tokens of two or more word
    characters), BM25's idf is ``ln((n+1)/(df+1)) + 1``, and only terms of both texts
    count; no overlap scores 0.5, identical one-term texts 1.0;
  * :func:`bertscore_f1`: BERTScore F1 (the reference code uses ``bert_score``).

  momq's earlier variants stay available under their own names and are not EA:
  :func:`jaccard_cells` (|A ∩ B| / |A ∪ B| over the sets of result cells) and
  :func:`bm25_self_normalised` (Okapi BM25 of the prediction for the gold's terms,
  divided by the gold's score against itself). ``result_similarity(...,
  variant="momq")`` combines those.

The embedding model is momq's one local model, all-MiniLM-L6-v2
(:mod:`momq.llm.embeddings`, loaded on first use, so importing this module stays cheap).
R3-NL2GQL used OpenAI's ada-002 for CA and
multilingual BERT for BERTScore; neither is reachable offline, so momq computes both
with the same local model, and its numbers are comparable with each other, not with the
paper's. BERTScore (Zhang et al., 2020) here is the F1 of greedy token matching by cosine
of contextual token embeddings, without idf weighting or baseline rescaling.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from typing import Sequence

from momq.engines.base import Result
from momq.llm.embeddings import embed, load_model


# ------------------------------------------------------------------ embeddings
def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b))
    na = math.sqrt(sum(x * x for x in a))
    nb = math.sqrt(sum(y * y for y in b))
    return dot / (na * nb) if na and nb else 0.0


def query_similarities(predicted: Sequence[str], gold: Sequence[str]) -> list[float]:
    """CA per example: cosine of the embeddings of each predicted/gold query pair."""
    if not predicted:
        return []
    vectors = [v.tolist() for v in embed(list(predicted) + list(gold))]
    n = len(predicted)
    return [max(0.0, min(1.0, cosine(vectors[i], vectors[n + i]))) for i in range(n)]


def _tokens(text: str) -> list[str]:
    """Lower-cased runs of letters and digits; each CJK character is a token of its own."""
    return _TOKEN.findall(text.lower())


_TOKEN = re.compile(r"[\u4e00-\u9fff]|[^\W_]+")
_TFIDF_TOKEN = re.compile(r"(?u)\b\w\w+\b")  # scikit-learn's default token pattern


# ------------------------------------------------------------------ measures
def jaccard_cells(gold_cells: Sequence[str], pred_cells: Sequence[str]) -> float:
    """momq's variant (not EA): |A ∩ B| / |A ∪ B| over the sets of cell values (two
    empty results: 1)."""
    a, b = set(gold_cells), set(pred_cells)
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def _bm25(query: list[str], doc: list[str], corpus: list[list[str]], k1: float = 1.5, b: float = 0.75) -> float:
    n = len(corpus)
    avgdl = sum(len(d) for d in corpus) / n if n else 0.0
    tf = Counter(doc)
    score = 0.0
    for term in set(query):
        df = sum(1 for d in corpus if term in d)
        idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
        f = tf.get(term, 0)
        if f:
            denom = f + k1 * (1 - b + b * len(doc) / (avgdl or 1.0))
            score += idf * f * (k1 + 1) / denom
    return score


def jaccard_r3(gold_text: str, pred_text: str) -> float:
    """EA's Jaccard part (R3-NL2GQL): ``|T(pred) ∩ T(gold)| / |T(gold)|`` over token sets.
    Two empty texts score 1; an empty gold with a non-empty prediction scores 0."""
    gold, pred = set(_tokens(gold_text)), set(_tokens(pred_text))
    if not gold:
        return 1.0 if not pred else 0.0
    return len(gold & pred) / len(gold)


def _tfidf_rows(texts: Sequence[str]) -> tuple[list[dict[str, float]], dict[str, int]]:
    """TF-IDF rows as scikit-learn's ``TfidfVectorizer()`` defaults compute them: raw
    counts times ``ln((1+n)/(1+df)) + 1``, each row L2-normalised; also the df."""
    counts = [Counter(_TFIDF_TOKEN.findall(t.lower())) for t in texts]
    df: Counter[str] = Counter()
    for c in counts:
        df.update(c.keys())
    n = len(texts)
    rows = []
    for c in counts:
        row = {t: f * (math.log((1 + n) / (1 + df[t])) + 1) for t, f in c.items()}
        norm = math.sqrt(sum(v * v for v in row.values()))
        rows.append({t: v / norm for t, v in row.items()} if norm else row)
    return rows, dict(df)


def bm25_r3(gold_text: str, pred_text: str, k1: float = 1.5, b: float = 0.75) -> float:
    """EA's BM25 part as the R3-NL2GQL authors compute it (module docstring): BM25 over
    the TF-IDF weights of {prediction, gold}, mapped by ``(score + 1) / 2`` and clipped
    to [0, 1]. Two texts without any token score 1 when equal, else 0."""
    if not _TFIDF_TOKEN.search(gold_text.lower()) or not _TFIDF_TOKEN.search(pred_text.lower()):
        return 1.0 if gold_text.strip().lower() == pred_text.strip().lower() else 0.0
    (pred, gold), df = _tfidf_rows([pred_text, gold_text])
    pred_len, gold_len = sum(pred.values()), sum(gold.values())
    avg_len = (pred_len + gold_len) / 2
    score = 0.0
    for term, weight in pred.items():
        if term not in gold:
            continue
        idf = math.log(3 / (df[term] + 1)) + 1
        saturation = weight * (k1 + 1) / (weight + k1 * (1 - b + b * pred_len / avg_len))
        score += saturation * gold[term] * max(idf, 0.0)
    return max(0.0, min(1.0, (score + 1) / 2))


def bm25_self_normalised(gold_text: str, pred_text: str) -> float:
    """momq's variant (not EA): Okapi BM25 of the prediction for the gold's terms, over
    {gold, prediction}, divided by the gold's own score (capped to [0, 1])."""
    gold, pred = _tokens(gold_text), _tokens(pred_text)
    if not gold and not pred:
        return 1.0
    if not gold or not pred:
        return 0.0
    corpus = [gold, pred]
    best = _bm25(gold, gold, corpus)
    if best <= 0:
        # every gold term also occurs in the prediction (idf is the floor value for all)
        return 1.0 if set(gold) <= set(pred) else 0.0
    return max(0.0, min(1.0, _bm25(gold, pred, corpus) / best))


def bertscore_f1(gold_text: str, pred_text: str) -> float:
    """BERTScore F1 with the local model's contextual token embeddings."""
    if not gold_text.strip() and not pred_text.strip():
        return 1.0
    if not gold_text.strip() or not pred_text.strip():
        return 0.0
    import torch

    model = load_model()
    with torch.no_grad():
        outputs = model.encode(
            [gold_text, pred_text], output_value="token_embeddings", show_progress_bar=False, convert_to_numpy=False
        )
    ref, cand = (torch.nn.functional.normalize(t.float(), dim=-1) for t in outputs)
    # drop [CLS] and [SEP], as BERTScore does
    ref, cand = ref[1:-1] if len(ref) > 2 else ref, cand[1:-1] if len(cand) > 2 else cand
    sim = cand @ ref.T
    precision = sim.max(dim=1).values.mean().item()
    recall = sim.max(dim=0).values.mean().item()
    if precision + recall <= 0:
        return 0.0
    return max(0.0, min(1.0, 2 * precision * recall / (precision + recall)))


def result_similarity(
    gold: Result,
    pred: Result,
    *,
    alpha: float = 1 / 3,
    beta: float = 1 / 3,
    use_model: bool = True,
    variant: str = "r3",
) -> float:
    """EA for one example: ``alpha*Jaccard + beta*BM25 + (1-alpha-beta)*BERTScore``
    (R3-NL2GQL, Algorithm 1), computed for every executed prediction, matching or not.
    The paper's alpha and beta are not given in a reusable form, so momq defaults to
    equal weights. ``variant="r3"`` uses :func:`jaccard_r3` and :func:`bm25_r3`;
    ``variant="momq"`` uses :func:`jaccard_cells` and :func:`bm25_self_normalised`. With
    ``use_model=False`` (no embedding model) the BERTScore weight is spread over the two
    others."""
    if alpha < 0 or beta < 0 or alpha + beta > 1:
        raise ValueError("need alpha, beta >= 0 and alpha + beta <= 1")
    if variant not in ("r3", "momq"):
        raise ValueError(f"variant must be 'r3' or 'momq', not {variant!r}")
    gold_text, pred_text = gold.text(), pred.text()
    if variant == "r3":
        j, b = jaccard_r3(gold_text, pred_text), bm25_r3(gold_text, pred_text)
    else:
        j = jaccard_cells(gold.cells(), pred.cells())
        b = bm25_self_normalised(gold_text, pred_text)
    if not use_model:
        total = alpha + beta
        return (alpha * j + beta * b) / total if total else 0.0
    s = bertscore_f1(gold_text, pred_text)
    return alpha * j + beta * b + (1 - alpha - beta) * s


__all__ = [
    "cosine",
    "query_similarities",
    "jaccard_r3",
    "bm25_r3",
    "jaccard_cells",
    "bm25_self_normalised",
    "bertscore_f1",
    "result_similarity",
]
