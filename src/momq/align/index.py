"""An index of a database's string values, and lookup of the values a question mentions.

This is the data side of R3-NL2GQL's rewriter: a question says "Tim Dunkan" or
"the matrix", the database stores ``"Tim Duncan"`` and ``"The Matrix"``; the pipelines
put the stored spelling in front of the model so that the query's literals match.

**Building** (:func:`collect_values`): read-only queries collect the distinct string
values of every text column (SQL), every string property of node and edge types
(Cypher, nGQL) and the vertex ids (nGQL), up to ``per_column`` values each. The index is
built once per database and cached under ``momq.settings.home()/align/``; the cache is
keyed by a fingerprint of the schema, so a changed database is re-indexed.

**Lookup** (:meth:`ValueIndex.lookup`):

- *mentions*: quoted spans and word n-grams (1-4 words) of the question, without
  n-grams made of stop words only;
- *exact*: a mention equal to a stored value after normalisation (case, spaces,
  accents) scores 1.0 (a hash lookup);
- *levenshtein*: two character-level scores of a mention ``a`` and a value ``b``:

  * momq's normalised score ``1 - lev(a, b) / max(|a|, |b|)``
    (``rapidfuzz.distance.Levenshtein.normalized_similarity``), in [0, 1]: a value is
    kept when it is at least ``threshold`` and results are ranked by it;
  * R3-NL2GQL's edit-distance score (Eq. 3), ``min(|a|, |b|) / lev(a, b)``
    (:func:`r3_edit_score`: the shortest length over the edit distance, infinite for an
    exact match), unbounded and growing with the lengths, so it is reported beside the
    normalised score (``Match.r3``) and breaks ties between equally normalised values
    (the longer, closer spelling wins) rather than filtering.

  To stay fast at millions of values, candidates are first filtered by
  the q-gram lemma: a string within ``k`` edits of a mention shares at least
  ``|trigrams(mention)| - 3k`` of the mention's distinct trigrams, so only values with
  enough shared trigrams (counted with one ``numpy.bincount`` over the trigram postings)
  are scored;
- *embedding*: cosine between MiniLM embeddings of the mentions and of the values
  (:mod:`momq.align.vectors`), for paraphrases that share few characters.

Results are the matching real values with their location (``table.column``,
``Tag.prop``, ``vid:tag``; for nGQL node properties also the vertex id, ``player.name of
vertex "player100"``, because nGQL statements start from vertex ids), best score first.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import time
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

from momq import settings
from momq.dialects import get_dialect
from momq.stopwords import STOPWORDS

INDEX_VERSION = 2
DEFAULT_PER_COLUMN = 20_000
MAX_VALUE_CHARS = 200
MAX_CANDIDATES = 4_000


def normalize(text: str) -> str:
    """Case-folded, accent-stripped, single-spaced text (what "equal" means in lookups)."""
    text = unicodedata.normalize("NFKD", str(text))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"\s+", " ", text.casefold()).strip()


def trigrams(text: str) -> set[str]:
    padded = f" {text} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


@dataclass(frozen=True)
class Match:
    """A stored value matching a mention of the question."""

    value: str
    where: str
    score: float
    method: str  # exact | levenshtein | embedding
    mention: str
    #: R3's Eq. 3 score ``min(|a|, |b|) / lev(a, b)`` (inf for an exact match; None for
    #: embedding matches)
    r3: float | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        if data["r3"] is not None and math.isinf(data["r3"]):
            data["r3"] = "inf"
        return data


def r3_edit_score(mention: str, value: str) -> float:
    """R3-NL2GQL's Eq. 3: the shorter string's length divided by the Levenshtein
    distance, over the normalised texts; ``inf`` when they are equal."""
    from rapidfuzz.distance import Levenshtein

    a, b = normalize(mention), normalize(value)
    distance = Levenshtein.distance(a, b)
    return math.inf if distance == 0 else min(len(a), len(b)) / distance


@dataclass
class IndexStats:
    values: int = 0
    sources: int = 0
    build_s: float = 0.0
    notes: list[str] = field(default_factory=list)


_QUOTED = re.compile(r"\"([^\"]{1,200})\"|“([^”]{1,200})”|'([^']{2,200})'|‘([^’]{1,200})’|「([^」]{1,200})」")
_TOKEN = re.compile(r"[\w][\w.\-&']*", re.U)
_CJK = re.compile(r"[\u4e00-\u9fff]")


def mentions(question: str, max_words: int = 4) -> list[str]:
    """Candidate mentions of values in a question (see the module docstring), longest
    first, without duplicates."""
    found: list[str] = []
    for groups in _QUOTED.findall(question):
        found.extend(g.strip() for g in groups if g.strip())
    # words are runs of non-CJK word characters: in "请给出Shaquille O'Neal关注的" the
    # Chinese text around the name is not part of it
    words = [w.strip("'.-") for w in _TOKEN.findall(_CJK.sub(" ", question))]
    words = [w for w in words if w]
    for n in range(min(max_words, len(words)), 0, -1):
        for i in range(len(words) - n + 1):
            gram = words[i : i + n]
            lowered = [w.lower() for w in gram]
            if all(w in STOPWORDS for w in lowered):
                continue
            if n > 1 and (lowered[-1] in STOPWORDS or (lowered[0] in STOPWORDS and lowered[0] != "the")):
                continue
            if n == 1 and len(gram[0]) < 2 and not _CJK.search(gram[0]):
                continue
            found.append(" ".join(gram))
    # Chinese text has no spaces: add CJK runs of 2-6 characters
    for run in re.findall(r"[\u4e00-\u9fff]{2,}", question):
        for n in range(min(6, len(run)), 1, -1):
            found.extend(run[i : i + n] for i in range(len(run) - n + 1))
    seen, unique = set(), []
    for m in found:
        key = normalize(m)
        if key and key not in seen:
            seen.add(key)
            unique.append(m)
    return unique


class ValueIndex:
    """String values of one database with their locations (see module docstring).

    Build it with :meth:`build` (from ``(value, where)`` pairs) or :func:`index_for`
    (from a live engine, cached).
    """

    def __init__(self, values: Sequence[str], wheres: Sequence[str], *, name: str = ""):
        self.name = name
        self.values = list(values)
        self.wheres = list(wheres)
        self.norm = [normalize(v) for v in self.values]
        self.stats = IndexStats(values=len(self.values))
        self._exact: dict[str, list[int]] = {}
        for i, key in enumerate(self.norm):
            self._exact.setdefault(key, []).append(i)
        self._build_trigram_postings()
        self._vectors = None  # momq.align.vectors.VectorIndex, built on first embedding lookup

    # ------------------------------------------------------------------ building
    @classmethod
    def build(cls, pairs: Iterable[tuple[Any, str]], *, name: str = "") -> "ValueIndex":
        """From ``(value, where)`` pairs: non-strings and blanks dropped, long values
        capped, equal values merged (their locations joined)."""
        started = time.perf_counter()
        order: dict[str, list[str]] = {}
        for value, where in pairs:
            if not isinstance(value, str):
                continue
            text = value.strip()[:MAX_VALUE_CHARS]
            if not text:
                continue
            places = order.setdefault(text, [])
            if where not in places:
                places.append(where)
        index = cls(list(order), ["; ".join(w[:3]) + (" ..." if len(w) > 3 else "") for w in order.values()], name=name)
        index.stats.build_s = time.perf_counter() - started
        return index

    def _build_trigram_postings(self) -> None:
        """CSR postings ``trigram id -> value ids``, vocabulary ``trigram -> id``."""
        vocab: dict[str, int] = {}
        value_ids: list[int] = []
        gram_ids: list[int] = []
        lengths = np.zeros(len(self.norm), dtype=np.int32)
        for i, text in enumerate(self.norm):
            lengths[i] = len(text)
            for gram in trigrams(text):
                gid = vocab.get(gram)
                if gid is None:
                    gid = vocab[gram] = len(vocab)
                gram_ids.append(gid)
                value_ids.append(i)
        grams = np.asarray(gram_ids, dtype=np.int32)
        ids = np.asarray(value_ids, dtype=np.int32)
        order = np.argsort(grams, kind="stable")
        self._post_ids = ids[order]
        self._post_offsets = np.zeros(len(vocab) + 1, dtype=np.int64)
        np.cumsum(np.bincount(grams, minlength=len(vocab)), out=self._post_offsets[1:])
        self._vocab = vocab
        self._lengths = lengths

    # ------------------------------------------------------------------ lookups
    def __len__(self) -> int:
        return len(self.values)

    def exact(self, mention: str) -> list[Match]:
        return [
            Match(self.values[i], self.wheres[i], 1.0, "exact", mention, math.inf)
            for i in self._exact.get(normalize(mention), [])
        ]

    def fuzzy(self, mention: str, threshold: float = 0.8, limit: int = 5) -> list[Match]:
        """Values whose normalised Levenshtein similarity to ``mention`` is at least
        ``threshold`` (R3's character-level score), best first."""
        from rapidfuzz import process
        from rapidfuzz.distance import Levenshtein

        key = normalize(mention)
        if not key or not len(self.values):
            return []
        length = len(key)
        max_len = int(length / threshold) if threshold > 0 else 10**6
        max_edits = int((1 - threshold) * max_len + 1e-9)
        grams = [self._vocab[g] for g in trigrams(key) if g in self._vocab]
        needed = max(1, len(trigrams(key)) - 3 * max_edits)
        if len(grams) < needed:
            return []
        postings = [self._post_ids[self._post_offsets[g] : self._post_offsets[g + 1]] for g in grams]
        counts = np.bincount(np.concatenate(postings), minlength=len(self.values))
        candidates = np.flatnonzero(counts >= needed)
        if len(candidates):
            lens = self._lengths[candidates]
            candidates = candidates[(lens >= length * threshold - 1e-9) & (lens <= max_len)]
        if len(candidates) > MAX_CANDIDATES:  # keep those sharing the most trigrams
            top = np.argpartition(-counts[candidates], MAX_CANDIDATES)[:MAX_CANDIDATES]
            candidates = candidates[top]
        if not len(candidates):
            return []
        choices = [self.norm[i] for i in candidates]
        hits = process.extract(
            key, choices, scorer=Levenshtein.normalized_similarity, score_cutoff=threshold, limit=limit
        )
        return [
            Match(
                self.values[candidates[pos]],
                self.wheres[candidates[pos]],
                float(score),
                "levenshtein",
                mention,
                r3_edit_score(mention, self.values[candidates[pos]]),
            )
            for _, score, pos in hits
        ]

    def semantic(self, texts: Sequence[str], threshold: float = 0.75, limit: int = 5) -> list[Match]:
        """Values whose MiniLM embedding is close (cosine >= ``threshold``) to a text."""
        from momq.align.vectors import VectorIndex

        if not texts or not len(self.values):
            return []
        if self._vectors is None:
            self._vectors = VectorIndex.for_values(self.values, cache_key=self.name or None)
        found = []
        for text, hits in zip(texts, self._vectors.search(texts, limit)):
            found += [
                Match(self.values[i], self.wheres[i], float(s), "embedding", text) for i, s in hits if s >= threshold
            ]
        return found

    def lookup(
        self,
        question: str,
        *,
        k: int = 5,
        threshold: float = 0.8,
        method: str = "levenshtein",
        semantic_threshold: float = 0.75,
    ) -> list[Match]:
        """The stored values the question mentions, best first, one entry per value.

        ``method``: ``levenshtein`` (exact + character-level), ``embedding`` (MiniLM
        cosine) or ``both``. Ranked by score, then by R3's Eq. 3 score.
        """
        found: list[Match] = []
        candidates = mentions(question)
        if method in ("levenshtein", "both"):
            covered: list[str] = []
            for mention in candidates:
                key = normalize(mention)
                # a mention inside a longer one that matched exactly adds nothing
                if any(key in c for c in covered):
                    continue
                hits = self.exact(mention)
                if hits:
                    covered.append(key)
                    found += hits
                    continue
                found += self.fuzzy(mention, threshold, limit=k)
        if method in ("embedding", "both"):
            quoted = [m for m in candidates if len(m.split()) <= 4][:16]
            found += self.semantic(quoted, semantic_threshold, limit=k)
        best: dict[tuple[str, str], Match] = {}
        for match in found:
            key = (match.value, match.where)
            if key not in best or (match.score, len(match.mention)) > (best[key].score, len(best[key].mention)):
                best[key] = match
        ranked = sorted(best.values(), key=lambda m: (-m.score, -(m.r3 or 0.0), -len(m.mention), m.value))
        return ranked[:k]

    # ------------------------------------------------------------------ persistence
    def save(self, path: Path, fingerprint: str = "") -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(
            json.dumps(
                {
                    "version": INDEX_VERSION,
                    "fingerprint": fingerprint,
                    "name": self.name,
                    "values": self.values,
                    "wheres": self.wheres,
                },
                ensure_ascii=False,
            )
        )
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path, fingerprint: str | None = None) -> "ValueIndex | None":
        """The cached index, or None when missing, stale or unreadable."""
        try:
            data = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError):
            return None
        if data.get("version") != INDEX_VERSION:
            return None
        if fingerprint is not None and data.get("fingerprint") != fingerprint:
            return None
        return cls(data["values"], data["wheres"], name=data.get("name", ""))


# ---------------------------------------------------------------------- from engines
def value_queries(schema: Any, dialect: str, per_column: int = DEFAULT_PER_COLUMN) -> list[tuple[str, str]]:
    """``(where, read-only query)`` collecting each string column's / property's
    distinct values (and nGQL's vertex ids): the dialect's own queries
    (``Dialect.value_queries``)."""
    return get_dialect(dialect).value_queries(schema, per_column)


def collect_values(
    engine: Any, schema: Any, per_column: int = DEFAULT_PER_COLUMN, timeout_s: float = 30.0
) -> tuple[list[tuple[Any, str]], list[str]]:
    """``(pairs, notes)``: every ``(value, where)`` the value queries return; a query that
    fails is skipped with a note (an index with a gap beats no index)."""
    from momq.errors import QueryError

    pairs: list[tuple[Any, str]] = []
    notes: list[str] = []
    for where, query in value_queries(schema, engine.dialect, per_column):
        try:
            result = engine.execute(query, timeout_s=timeout_s, max_rows=per_column)
        except QueryError as exc:
            notes.append(f"{where}: {exc.kind}: {exc.message[:120]}")
            continue
        for row in result.rows:
            if len(row) > 1 and row[1] is not None:  # (value, vertex id)
                pairs.append((row[0], f"{where} of vertex {json.dumps(row[1], ensure_ascii=False)}"))
            elif row:
                pairs.append((row[0], where))
    return pairs, notes


def fingerprint(schema: Any) -> str:
    return hashlib.sha1(schema.to_json().encode()).hexdigest()[:16]


def cache_path(dialect: str, database: str) -> Path:
    safe = re.sub(r"[^\w.-]", "_", database)
    return settings.home() / "align" / dialect / f"{safe}.json"


def index_for(engine: Any, schema: Any, *, rebuild: bool = False, per_column: int = DEFAULT_PER_COLUMN) -> ValueIndex:
    """The value index of the engine's database: from the cache when its schema
    fingerprint matches, else built from the engine and cached."""
    path = cache_path(engine.dialect, engine.database)
    mark = fingerprint(schema)
    if not rebuild:
        cached = ValueIndex.load(path, mark)
        if cached is not None:
            return cached
    started = time.perf_counter()
    pairs, notes = collect_values(engine, schema, per_column)
    index = ValueIndex.build(pairs, name=f"{engine.dialect}/{engine.database}")
    index.stats.notes = notes
    index.stats.build_s = time.perf_counter() - started
    index.save(path, mark)
    return index
