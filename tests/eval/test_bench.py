"""The benchmark builder: unit tests on fake engines, and the gold-as-prediction check
on the real engines (integration): every test split must score EX = EXEC = SA = EM = 100 %."""

import pytest

from momq.data.records import Example
from momq.engines.base import Engine, Result
from momq.errors import QuerySyntaxError
from momq.eval import bench
from momq.eval.metrics import report
from momq.eval.runner import RunOptions, evaluate, gold_predictions


class TableEngine(Engine):
    name = dialect = "fake"

    def __init__(self, table):
        self.table, self.database = table, "db"

    def execute(self, query, timeout_s=30.0, max_rows=10_000):
        if query not in self.table:
            raise QuerySyntaxError("bad", engine="fake", query=query)
        value = self.table[query]
        return value() if callable(value) else value


def test_verify_golds_reasons():
    counter = iter(range(100))
    table = {
        "OK": Result(["a"], [(1,)]),
        "EMPTY": Result(["a"], []),
        "FLAKY": lambda: Result(["a"], [(next(counter),)]),
    }
    examples = [
        Example(q, "cypher", "db", "q?", q, alternatives=["NOPE"] if q == "OK" else [])
        for q in ("OK", "EMPTY", "FLAKY", "BROKEN")
    ]
    kept, rejected = bench.verify_golds(
        examples, need_rows=True, timeout_s=5, engine_factory=lambda d, db: TableEngine(table)
    )
    assert [e.id for e in kept] == ["OK"] and kept[0].alternatives == []
    assert kept[0].meta["dropped_alternatives"][0]["query"] == "NOPE"
    reasons = {r.record["id"]: r.reason for r in rejected}
    assert reasons["EMPTY"] == "gold returns no rows"
    assert reasons["FLAKY"].startswith("gold result differs between two runs")
    assert reasons["BROKEN"].startswith("gold fails: QuerySyntaxError")


def test_cypher_cut_check():
    full = Result(["name", "n"], [("a", 3), ("b", 2), ("c", 2), ("d", 1)], ordered=True)
    q_tie = "MATCH (p) RETURN p.name AS name, count(*) AS n ORDER BY n DESC LIMIT 2"
    q_ok = "MATCH (p) RETURN p.name AS name, count(*) AS n ORDER BY n DESC LIMIT 1"
    q_nolimit_order = "MATCH (p) RETURN p.name AS name LIMIT 2"
    table = {
        q_tie.replace("LIMIT 2", "LIMIT 3"): Result(full.columns, full.rows[:3]),
        q_ok.replace("LIMIT 1", "LIMIT 2"): Result(full.columns, full.rows[:2]),
        "MATCH (p) RETURN p.name AS name LIMIT 1000000": Result(["name"], [("a",), ("b",), ("c",)]),
        "MATCH (p) RETURN p.name AS name LIMIT 5": Result(["name"], [("a",), ("b",)]),
    }
    engine = TableEngine(table)

    def check(query, result):
        return bench.cypher_cut_check(engine, Example("x", "cypher", "db", "q", query), result)

    assert check(q_tie, Result(full.columns, full.rows[:2])) == "order-dependent gold: ties at the LIMIT 2 cut"
    assert check(q_ok, Result(full.columns, full.rows[:1])) is None
    assert "LIMIT cuts rows" in check(q_nolimit_order, Result(["name"], [("a",), ("b",)]))
    table["MATCH (p) RETURN p.name AS name LIMIT 1000000"] = Result(["name"], [("a",), ("b",)])
    assert check("MATCH (p) RETURN p.name AS name LIMIT 5", Result(["name"], [("a",), ("b",)])) is None


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
