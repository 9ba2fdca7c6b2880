"""The construction components that need no engine: pattern weights, filters on planted
near-duplicates, R3's sampling and split, questions, output files."""

from __future__ import annotations

import random

import pytest

from momq.construct.context import ENTITY_BOOST, ContextTurn, DialogueContext, EntityRef
from momq.construct.filters import embedding_dedup, filter_dialogues, mask_query, masked_dedup
from momq.construct.output import RATING_CRITERIA, read_ratings, statistics, write_dataset
from momq.construct.patterns import PATTERNS, PatternSelector
from momq.construct.questions import ModelQuestionGenerator, fill, parse_json_object, verbalize
from momq.construct.r3data import Gql2Nl, clean_question, k_center_greedy, unseen_schema_split
from momq.construct.spec import Condition, Hop, QuerySpec
from momq.construct.view import EntityType, Relation, SchemaView
from momq.data.records import Dialogue, Turn, read_dialogues, read_examples
from momq.errors import ConfigError
from momq.llm.scripted import ScriptedModel


def _view() -> SchemaView:
    return SchemaView(
        "movies",
        "cypher",
        "graph",
        {
            "Person": EntityType("Person", "name", temporal=["born"]),
            "Movie": EntityType("Movie", "title", temporal=["released"], text=["tagline"]),
        },
        [Relation("ACTED_IN", "Person", "Movie")],
    )


# ------------------------------------------------------------------ Algorithm 1 weights
def test_pattern_weights_start_equal_and_halve_with_redistribution():
    selector = PatternSelector()
    assert len(PATTERNS) == 6
    assert all(w == pytest.approx(1 / 6) for w in selector.weights.values())
    selector.used("aggregation")
    assert selector.weights["aggregation"] == pytest.approx(1 / 12)
    others = [w for p, w in selector.weights.items() if p != "aggregation"]
    assert all(w == pytest.approx(1 / 6 + 1 / 60) for w in others)
    assert sum(selector.weights.values()) == pytest.approx(1.0)
    selector.used("aggregation")
    assert selector.weights["aggregation"] == pytest.approx(1 / 24)
    assert sum(selector.weights.values()) == pytest.approx(1.0)


def test_pattern_choice_follows_the_weights():
    selector = PatternSelector()
    for _ in range(4):
        selector.used("temporal_shift")
    rng = random.Random(0)
    draws = [selector.choose(["temporal_shift", "aggregation"], rng) for _ in range(4000)]
    share = draws.count("temporal_shift") / len(draws)
    expected = selector.weights["temporal_shift"] / (
        selector.weights["temporal_shift"] + selector.weights["aggregation"]
    )
    assert share == pytest.approx(expected, abs=0.03)


def test_entities_referenced_by_a_turn_gain_a_quarter():
    ctx = DialogueContext(_view(), engine=None)
    tom, matrix = EntityRef("Person", "Tom Hanks"), EntityRef("Movie", "The Matrix")
    ctx.add_turn(ContextTurn("q", "q", "MATCH ...", entities=[tom, matrix]))
    assert ctx.entity_weights == {tom: 1 + ENTITY_BOOST, matrix: 1 + ENTITY_BOOST}
    ctx.add_turn(ContextTurn("q2", "q2", "MATCH ...", entities=[tom, tom]))
    assert ctx.entity_weights[tom] == pytest.approx(1 + 2 * ENTITY_BOOST)  # once per turn
    assert ctx.entity_weights[matrix] == pytest.approx(1 + ENTITY_BOOST)


# ------------------------------------------------------------------ questions
def test_verbalize_and_fill():
    view = _view()
    spec = QuerySpec("Person", "Tom Hanks", Hop("ACTED_IN:Person->Movie", True), "Movie", outputs=("title",))
    assert verbalize(spec, view) == "What are the movies that the person Tom Hanks acted in?"
    spec = spec.with_(aggregate="count", conditions=(Condition("released", ">=", 2000, temporal=True),))
    assert verbalize(spec, view) == (
        "How many movies that the person Tom Hanks acted in with released from 2000 on are there?"
    )
    assert (
        fill("What about [ENTITY] and their [ATTRIBUTE]?", {"ENTITY": "Meg Ryan", "ATTRIBUTE": "born"})
        == "What about Meg Ryan and their born?"
    )


def test_model_question_generator_fills_placeholders_and_falls_back():
    from momq.construct.patterns import Plan

    view = _view()
    ctx = DialogueContext(view, engine=None)
    plan = Plan(
        "same_type_entity",
        QuerySpec("Person", "Meg Ryan", Hop("ACTED_IN:Person->Movie", True), "Movie", outputs=("title",)),
        "What about [ENTITY]?",
        {"ENTITY": "Meg Ryan"},
    )
    model = ScriptedModel(
        ['Sure: {"question": "And [ENTITY]?", "complete": "Which movies did [ENTITY] act in?"}', "no json here"]
    )
    generator = ModelQuestionGenerator(model)
    assert generator.generate(ctx, plan) == ("And Meg Ryan?", "Which movies did Meg Ryan act in?")
    assert "Same-type entity" in model.prompts[0][0]["content"]
    assert generator.generate(ctx, plan)[0] == "What about Meg Ryan?"  # template fallback
    assert generator.fallbacks == 1
    # the prompt says what the planned turn asks and which values to keep
    assert "Meg Ryan" in model.prompts[0][0]["content"] and "act" in model.prompts[0][0]["content"].lower()
    # a complete form that drops the sampled name cannot be answered by the plan: fallback
    dropped = ModelQuestionGenerator(ScriptedModel(['{"question": "And her?", "complete": "Which movies?"}']))
    assert dropped.generate(ctx, plan)[0] == "What about Meg Ryan?"
    assert dropped.fallbacks == 1
    # a colloquial question that repeats an earlier turn's gives way to the template's
    from momq.construct.context import ContextTurn

    ctx.add_turn(ContextTurn(question="And Meg Ryan?", complete="Which movies did Meg Ryan act in?", query="q"))
    repeated = ModelQuestionGenerator(
        ScriptedModel(['{"question": "And [ENTITY]?", "complete": "Which movies did [ENTITY] act in?"}'])
    )
    assert repeated.generate(ctx, plan) == ("What about Meg Ryan?", "Which movies did Meg Ryan act in?")
    assert parse_json_object('x {"a": {"b": 1}} y') == {"a": {"b": 1}}


# ------------------------------------------------------------------ filters
def _dialogue(i: int, questions: list[str], queries: list[str]) -> Dialogue:
    return Dialogue(f"d{i}", "cypher", "movies", [Turn(q, s) for q, s in zip(questions, queries)])


def test_mask_query_masks_literals_not_names():
    assert (
        mask_query("MATCH (a:t0) WHERE a.name = 'Tom''s' AND a.x > 12.5 RETURN a.p2")
        == "MATCH (a:t0) WHERE a.name = ? AND a.x > 0 RETURN a.p2"
    )
    assert (
        mask_query('MATCH (v) WHERE v.player.name == "Tim \\"T\\" D" RETURN v')
        == "MATCH (v) WHERE v.player.name == ? RETURN v"
    )


def test_masked_dedup_drops_the_fourth_copy_of_a_query_shape():
    names = ["Tom Hanks", "Meg Ryan", "Keanu Reeves", "Hugo Weaving", "Carrie-Anne Moss"]
    planted = [
        _dialogue(
            i,
            [f"Movies of {n}?", "How many?"],
            [
                f"MATCH (a:Person)-[:ACTED_IN]->(m) WHERE a.name = '{n}' RETURN m.title",
                f"MATCH (a:Person)-[:ACTED_IN]->(m) WHERE a.name = '{n}' RETURN count(m)",
            ],
        )
        for i, n in enumerate(names)
    ]
    other = _dialogue(9, ["Who directed it?"], ["MATCH (p)-[:DIRECTED]->(m) RETURN p.name"])
    result = masked_dedup(planted + [other], max_same=3)
    assert [d.id for d in result.kept] == ["d0", "d1", "d2", "d9"]
    assert [r.record["id"] for r in result.dropped] == ["d3", "d4"]
    assert all("masked-query duplicate" in r.reason and "d0, d1, d2" in r.reason for r in result.dropped)


def _bag_of_words(texts):
    import numpy as np

    vocab = sorted({w for t in texts for w in t.lower().split()})
    return np.array([[t.lower().split().count(w) for w in vocab] for t in texts], dtype=float)


def test_embedding_dedup_drops_planted_near_duplicates():
    a = _dialogue(0, ["which movies did tom hanks act in", "how many are there"], ["q1", "q2"])
    near = _dialogue(1, ["which movies did tom hanks act in", "how many are there then"], ["q3", "q4"])
    far = _dialogue(2, ["who directed the matrix", "when was it released"], ["q5", "q6"])
    result = embedding_dedup([a, near, far], threshold=0.6, embed=_bag_of_words)
    assert [d.id for d in result.kept] == ["d0", "d2"]
    (drop,) = result.dropped
    assert drop.record["id"] == "d1" and "embedding duplicate" in drop.reason and "with d0" in drop.reason


def test_embedding_dedup_with_minilm_on_paraphrases():
    from momq.llm import embeddings

    if not embeddings.available():
        pytest.skip("all-MiniLM-L6-v2 not installed")
    a = _dialogue(0, ["Which movies did Tom Hanks act in?", "How many of them are there?"], ["q"] * 2)
    near = _dialogue(1, ["What films did Tom Hanks star in?", "How many are there?"], ["q"] * 2)
    far = _dialogue(2, ["Which teams did Tim Duncan play for?", "When did he start there?"], ["q"] * 2)
    result = filter_dialogues([a, near, far], threshold=0.6)
    assert [d.id for d in result.kept] == ["d0", "d2"]
    assert result.dropped[0].record["id"] == "d1"


# ------------------------------------------------------------------ R3 tools
def test_k_center_greedy_picks_one_point_per_cluster():
    import numpy as np

    rng = np.random.default_rng(0)
    centres = np.eye(4) * 10
    points = np.vstack([c + rng.normal(0, 0.1, (5, 4)) for c in centres])
    chosen = k_center_greedy(points, 4)
    assert len(chosen) == 4 and chosen[0] == 0
    assert sorted(i // 5 for i in chosen) == [0, 1, 2, 3]
    assert len(set(k_center_greedy(points, 100))) == 20


def test_unseen_schema_split_is_four_to_one_and_disjoint():
    items = [(f"db{i % 10}", n) for i in range(10) for n in range(10)]
    train, test = unseen_schema_split(items, key=lambda x: x[0], seed=1)
    assert len(train) + len(test) == 100
    assert len(test) == 20
    assert not {x[0] for x in train} & {x[0] for x in test}
    assert unseen_schema_split(items, key=lambda x: x[0], seed=1) == (train, test)
    with pytest.raises(ConfigError, match="at least two schemas"):
        unseen_schema_split([("a", 1)], key=lambda x: x[0])


def test_gql2nl_prompts_with_query_and_schema():
    model = ScriptedModel(["Question: Which movies did Tom Hanks act in?\nextra"])
    tool = Gql2Nl(model, "cypher", "(:Person {name})")
    query = "MATCH (p:Person {name: 'Tom Hanks'})-[:ACTED_IN]->(m) RETURN m.title"
    assert tool(query) == "Which movies did Tom Hanks act in?"
    prompt = model.prompts[0][0]["content"]
    assert query in prompt and "(:Person {name})" in prompt and "Cypher" in prompt
    assert clean_question('"Who?"') == "Who?"


# ------------------------------------------------------------------ output
def test_write_dataset_layout_stats_and_rating_sheet(tmp_path):
    dialogues = [
        Dialogue(
            "c-0",
            "cypher",
            "movies",
            [
                Turn("Movies of Tom Hanks?", "MATCH (m) RETURN m", answer="x"),
                Turn("How many?", "MATCH (m) RETURN count(m)", pattern="aggregation"),
            ],
            meta={"complete_questions": ["Movies of Tom Hanks?", "How many movies of Tom Hanks?"]},
        )
    ]
    stats = write_dataset(tmp_path, "set", dialogues, schema_text={"movies": "(:Movie)"})
    assert stats["dialogues"] == 1 and stats["turns"] == 2 and stats["avg_rounds"] == 2.0
    assert stats["patterns"]["aggregation"]["turns"] == 1
    assert [e.id for e in read_examples(tmp_path / "set.jsonl")] == ["c-0#1", "c-0#2"]
    assert read_dialogues(tmp_path / "dialogues" / "set.jsonl")[0].turns[1].pattern == "aggregation"
    training = (tmp_path / "training" / "set.jsonl").read_text().splitlines()
    assert '"How many movies of Tom Hanks?"' in training[1] and '"schema": "(:Movie)"' in training[1]
    sheet = tmp_path / "rating" / "set.csv"
    header = sheet.read_text().splitlines()[0]
    assert all(c in header for c in RATING_CRITERIA)
    filled = sheet.read_text().replace(",,,,,", ",4,5,3,4,", 1)
    sheet.write_text(filled)
    assert read_ratings(sheet)["diversity"] == {"rated": 1, "mean": 5.0}
    sheet.write_text(filled.replace(",4,5,3,4,", ",9,5,3,4,"))
    with pytest.raises(ConfigError, match="not 1-5"):
        read_ratings(sheet)
    assert statistics([])["dialogues"] == 0


# ------------------------------------------------------------------ renderers
def test_renderers_quote_literals_and_names_per_dialect():
    from momq.construct.render import get_renderer
    from momq.errors import UnknownDialect

    assert get_renderer("postgres").literal("O'Neal \\ x") == "'O''Neal \\ x'"
    assert get_renderer("mysql").literal("O'Neal \\ x") == "'O''Neal \\\\ x'"
    assert get_renderer("cypher").literal("O'Neal") == "'O\\'Neal'"
    assert get_renderer("ngql").literal('say "hi"') == '"say \\"hi\\""'
    assert get_renderer("postgres").ident("order") == '"order"'
    assert get_renderer("mysql").ident("consumer_div.Users") == "consumer_div.`Users`"
    view = _view()
    spec = QuerySpec(
        "Person",
        "Tom Hanks",
        Hop("ACTED_IN:Person->Movie", True),
        "Movie",
        conditions=(Condition("released", "=", 1999),),
        aggregate="count",
    )
    assert get_renderer("cypher").render(spec, view) == (
        "MATCH (a:Person)-[r:ACTED_IN]->(b:Movie) WHERE a.name = 'Tom Hanks' AND b.released = 1999 "
        "WITH DISTINCT b RETURN count(b) AS n"
    )
    assert get_renderer("ngql").render(spec, view) == (
        'MATCH (a:Person)-[r:ACTED_IN]->(b:Movie) WHERE a.Person.name == "Tom Hanks" AND '
        "b.Movie.released == 1999 WITH DISTINCT b RETURN count(b) AS n"
    )
    with pytest.raises(UnknownDialect):
        get_renderer("sparql")
