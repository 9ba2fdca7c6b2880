"""The NL-nGQL generator on the embedded nGQL engine (in-process)."""

import pytest

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def ngql_engines():
    from momq.databases import ngql_demo
    from momq.engines import open_engine

    ngql_demo.build()
    engines = {space: open_engine("ngql", space) for space in ("basketballplayer", "nba")}
    yield engines
    for engine in engines.values():
        engine.close()


def test_generator_covers_every_skeleton_in_both_languages(ngql_engines):
    from momq.data.ngql_gen import generate

    examples, rejected = generate(ngql_engines["basketballplayer"], "basketballplayer", seed=3)
    again, _ = generate(ngql_engines["basketballplayer"], "basketballplayer", seed=3)
    assert [e.to_dict() for e in examples] == [e.to_dict() for e in again]  # deterministic
    skeletons = {e.meta["skeleton"] for e in examples}
    assert skeletons == {"GO", "FETCH", "LOOKUP", "MATCH", "FIND PATH", "GET SUBGRAPH"}
    clauses = {c for e in examples for c in e.meta["clauses"]}
    assert clauses >= {"where", "order_by", "limit", "group_by", "aggregation", "pipe"}
    by_query = {}
    for e in examples:
        by_query.setdefault(e.query, set()).add(e.language)
    assert all(langs == {"en", "zh"} for langs in by_query.values())
    assert all(r.reason for r in rejected)


def test_nba_has_lookup_on_indexed_age(ngql_engines):
    from momq.data.ngql_gen import generate

    examples, _ = generate(ngql_engines["nba"], "nba", per_template=2)
    assert any(e.meta["template"] == "lookup_range" for e in examples)


def test_dialogues(ngql_engines):
    from momq.data.ngql_gen import generate_dialogues
    from momq.eval.metrics import report
    from momq.eval.runner import RunOptions, evaluate, flatten, gold_predictions

    dialogues, _ = generate_dialogues(ngql_engines["basketballplayer"], "basketballplayer", count=3)
    assert dialogues and all(len(d.turns) >= 4 for d in dialogues)
    assert {t.pattern for d in dialogues for t in d.turns} >= {"", "filter", "sort", "aggregate"}
    turns = flatten(dialogues)
    run = evaluate(turns, gold_predictions(turns), options=RunOptions(), cache_dir=None)
    overall = report(run.outcomes)["overall"]
    assert overall["joint_all"] == 100.0 and overall["AEM"] == 100.0
