"""A small vector index over value embeddings (cosine = dot product of L2-normalised
MiniLM vectors, :mod:`momq.llm.embeddings`).

Below ``IVF_MIN`` vectors the search is exact (one matrix product). Above it, an
inverted-file index (IVF) is used: the vectors are clustered once with k-means
(``sqrt(n)`` centroids) and a query scores only the vectors of its ``nprobe`` nearest
clusters, which keeps lookups at millions of values in milliseconds at the price of
occasionally missing a neighbour that fell in another cluster. Embeddings of a
database's values are cached (``.npy``) because embedding them is the slow part.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Sequence

import numpy as np

from momq import settings

IVF_MIN = 200_000


class VectorIndex:
    def __init__(self, vectors: np.ndarray, *, nprobe: int = 8, ivf: bool | None = None, seed: int = 0):
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self.nprobe = nprobe
        self.centroids: np.ndarray | None = None
        self.lists: list[np.ndarray] = []
        if ivf if ivf is not None else len(self.vectors) >= IVF_MIN:
            self._train_ivf(seed)

    def _train_ivf(self, seed: int) -> None:
        from sklearn.cluster import MiniBatchKMeans

        n = len(self.vectors)
        k = max(2, int(np.sqrt(n)))
        km = MiniBatchKMeans(n_clusters=k, random_state=seed, batch_size=8192, n_init=1, max_iter=20)
        sample = self.vectors[np.random.default_rng(seed).choice(n, min(n, 100 * k), replace=False)]
        km.fit(sample)
        centroids = km.cluster_centers_.astype(np.float32)
        centroids /= np.linalg.norm(centroids, axis=1, keepdims=True) + 1e-12
        assign = np.empty(n, dtype=np.int32)
        for start in range(0, n, 65536):
            assign[start : start + 65536] = np.argmax(self.vectors[start : start + 65536] @ centroids.T, axis=1)
        order = np.argsort(assign, kind="stable")
        bounds = np.searchsorted(assign[order], np.arange(k + 1))
        self.centroids = centroids
        self.lists = [order[bounds[c] : bounds[c + 1]] for c in range(k)]

    def search_vectors(self, queries: np.ndarray, limit: int = 5) -> list[list[tuple[int, float]]]:
        out = []
        for q in np.atleast_2d(queries).astype(np.float32):
            if self.centroids is None:
                ids = None
                scores = self.vectors @ q
            else:
                near = np.argpartition(-(self.centroids @ q), min(self.nprobe, len(self.centroids) - 1))[: self.nprobe]
                ids = np.concatenate([self.lists[c] for c in near])
                scores = self.vectors[ids] @ q
            top = np.argsort(-scores)[:limit] if len(scores) <= limit else np.argpartition(-scores, limit)[:limit]
            top = top[np.argsort(-scores[top])]
            out.append([(int(ids[t] if ids is not None else t), float(scores[t])) for t in top])
        return out

    def search(self, texts: Sequence[str], limit: int = 5) -> list[list[tuple[int, float]]]:
        from momq.llm.embeddings import embed

        return self.search_vectors(embed(list(texts)), limit)

    @classmethod
    def for_values(cls, values: Sequence[str], cache_key: str | None = None) -> "VectorIndex":
        """Embed ``values`` (from the cache when the same values were embedded before)."""
        from momq.llm.embeddings import embed

        digest = hashlib.sha1("\x1f".join(values).encode()).hexdigest()[:16]
        path: Path | None = None
        if cache_key:
            safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in cache_key)
            path = settings.home() / "align" / "vectors" / f"{safe}-{digest}.npy"
            if path.is_file():
                return cls(np.load(path))
        vectors = embed(list(values))
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(path.name + ".tmp.npy")
            np.save(tmp, vectors)
            tmp.replace(path)
        return cls(vectors)
