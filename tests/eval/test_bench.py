"""The benchmark builder on the real demo databases: the gold checks (car_dealership in
PostgreSQL, movies in ArcadeDB), and the gold-as-prediction check on every engine
(integration): every test split must score EX = EXEC = SA = EM = 100 %."""

import pytest

from momq.data.records import Example
from momq.errors import ConfigError
from momq.eval import bench
from momq.eval.metrics import report
from momq.eval.runner import RunOptions, evaluate, gold_predictions


@pytest.mark.integration
def test_verify_golds_reasons(defog_postgres):
    queries = {
        "OK": "SELECT make FROM cars WHERE id = 1",
        "EMPTY": "SELECT make FROM cars WHERE id < 0",
        "FLAKY": "SELECT clock_timestamp() AS now",
        "BROKEN": "SELEC make FROM cars",
    }
    examples = [
        Example(
            name,
            "postgres",
            "car_dealership",
            "q?",
            query,
            alternatives=["SELECT nope FROM cars"] if name == "OK" else [],
        )
        for name, query in queries.items()
    ]
    kept, rejected = bench.verify_golds(examples, need_rows=True, timeout_s=5)
    assert [e.id for e in kept] == ["OK"] and kept[0].alternatives == []
    assert kept[0].meta["dropped_alternatives"][0]["query"] == "SELECT nope FROM cars"
    reasons = {r.record["id"]: r.reason for r in rejected}
    assert reasons["EMPTY"] == "gold returns no rows"
    assert reasons["FLAKY"].startswith("gold result differs between two runs")
    assert reasons["BROKEN"].startswith("gold fails: QuerySyntaxError")


@pytest.mark.integration
def test_cypher_cut_check(movies_engine):
    """movies has four films from 1992 and four from 1999, then five years with three each."""
    by_year = "MATCH (m:Movie) RETURN m.released AS year, count(*) AS n ORDER BY n DESC LIMIT "

    def check(query):
        return bench.cypher_cut_check(
            movies_engine, Example("x", "cypher", "movies", "q", query), movies_engine.execute(query)
        )

    assert check(by_year + "3") == "order-dependent gold: ties at the LIMIT 3 cut"
    assert check(by_year + "2") is None
    assert "LIMIT cuts rows" in check("MATCH (m:Movie) RETURN m.title AS title LIMIT 2")
    assert check("MATCH (m:Movie {title: 'The Matrix'}) RETURN m.title AS title LIMIT 5") is None


@pytest.mark.slow
def test_build_without_execution(tmp_path):
    card = bench.build_benchmark(tmp_path, dialects=["postgres", "mysql", "cypher"], execute=False)
    splits = card["splits"]
    assert splits["postgres-test"]["examples"] == 210 and splits["mysql-test"]["examples"] == 210
    assert splits["postgres-train"]["examples"] > 6900
    assert splits["train-mysql-high"]["by_dialect"] == {
        "postgres": 128,
        "mysql": splits["mysql-train"]["examples"],
        "cypher": 128,
    }
    assert (tmp_path / "CARD.md").read_text().startswith("# momq benchmark data card")
    assert set(bench.available_splits(tmp_path)) >= {"postgres-test", "cypher-test", "train-full"}
    test = bench.load_split("cypher-test", tmp_path)
    assert test and all(e.database in bench.CYPHER_TEST_DBS for e in test)
    ids = [e.id for e in bench.load_split("train-full", tmp_path)]
    assert len(ids) == len(set(ids))
    with pytest.raises(Exception, match="not built"):
        bench.load_split("nope", tmp_path)


def test_a_missing_benchmark_file_is_named_as_a_file(tmp_path):
    with pytest.raises(ConfigError, match="no benchmark file /nowhere/q.jsonl"):
        bench.load_split("/nowhere/q.jsonl", tmp_path)
    with pytest.raises(ConfigError, match="not built"):
        bench.load_split("postgres-test", tmp_path)


@pytest.mark.integration
@pytest.mark.slow
def test_gold_as_prediction_scores_100_on_every_test_split(tmp_path, defog_postgres, defog_mysql, cypher_graphs):
    """The CI check: build the test splits with their golds executed, then score each
    gold as its own prediction."""
    from momq.databases import ngql_demo

    ngql_demo.build()
    card = bench.build_benchmark(tmp_path, build_databases=False)
    for split in bench.TEST_SPLITS:
        examples = bench.load_split(split, tmp_path)
        assert examples, f"{split} is empty"
        run = evaluate(examples, gold_predictions(examples), options=RunOptions(), cache_dir=None)
        overall = report(run.outcomes)["overall"]
        for metric in ("EX", "EXEC", "SA", "EM"):
            assert overall[metric] == 100.0, (split, metric, overall)
        if split in bench.DIALOGUE_SPLITS:
            assert overall["joint_all"] == 100.0 and overall["AEM"] == 100.0
    assert card["splits"]["cypher-test"]["examples"] > 500
