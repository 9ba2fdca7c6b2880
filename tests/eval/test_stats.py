"""Paired comparisons (momq.eval.stats, `momq compare`): the exact McNemar test on
hand-computed tables."""

from __future__ import annotations

import json
from math import comb

import pytest
from typer.testing import CliRunner

from momq.cli import app
from momq.eval.stats import compare_runs, mcnemar_exact, paired, verdicts


@pytest.mark.parametrize(
    "b, c, p",
    [
        (0, 0, 1.0),  # no discordant question: no evidence
        (0, 5, 2 / 32),  # P[X <= 0] = 1/32 for Binomial(5, 1/2), doubled
        (9, 1, 2 * (1 + 10) / 1024),  # symmetric in b and c
        (1, 9, 2 * (1 + 10) / 1024),
        (5, 5, 1.0),  # doubled tail above 1 is capped
        (8, 26, 2 * sum(comb(34, i) for i in range(9)) / 2**34),
    ],
)
def test_exact_mcnemar_matches_the_binomial_tail(b, c, p):
    assert mcnemar_exact(b, c) == pytest.approx(p)


def test_negative_counts_are_refused():
    with pytest.raises(ValueError):
        mcnemar_exact(-1, 2)


def test_the_table_counts_only_shared_questions():
    a = {"q1": True, "q2": True, "q3": False, "q4": False, "q5": True}
    b = {"q1": True, "q2": False, "q3": True, "q4": False}  # q5 not scored in B
    t = paired(a, b)
    assert (t.n, t.both, t.only_a, t.only_b, t.neither) == (4, 1, 1, 1, 1)
    assert t.acc_a == 50.0 and t.acc_b == 50.0 and t.p_value == 1.0


def _outcome(i, dialect, ex, status="ok", ex_source=None, gold_error=""):
    return {
        "id": f"q{i}",
        "dialect": dialect,
        "database": "db",
        "ex": ex,
        "status": status,
        "ex_source": ex_source,
        "gold_error": gold_error,
    }


def test_verdicts_follow_the_metric_and_leave_out_failed_golds():
    outcomes = [
        _outcome(1, "mysql", False, ex_source=True),  # wrong by momq's rule, right by sql-eval's
        _outcome(2, "ngql", True),  # no source rule: ex_source is ex
        _outcome(3, "ngql", False, status="error"),
        _outcome(4, "ngql", False, gold_error="gold failed"),
        _outcome(5, "ngql", False, status="missing"),  # not answered (yet): not compared
    ]
    assert verdicts(outcomes, "ex")["all"] == {"q1": False, "q2": True, "q3": False}
    assert verdicts(outcomes, "ex_source")["all"] == {"q1": True, "q2": True, "q3": False}
    assert verdicts(outcomes, "exec", by="dialect")["ngql"] == {"q2": True, "q3": False}
    with pytest.raises(ValueError):
        verdicts(outcomes, "accuracy")


def test_compare_runs_groups_by_dialect():
    a = [_outcome(i, "cypher" if i < 10 else "ngql", i < 10) for i in range(20)]
    b = [_outcome(i, "cypher" if i < 10 else "ngql", i >= 10) for i in range(20)]
    tables = compare_runs(a, b)
    assert tables["cypher"].only_a == 10 and tables["ngql"].only_b == 10
    assert tables["all"].p_value == pytest.approx(mcnemar_exact(10, 10))
    assert tables["cypher"].p_value == pytest.approx(2 / 2**10)


def test_compare_verb_prints_the_table(tmp_path):
    for name, right in (("a", {1, 2, 3}), ("b", {3})):
        folder = tmp_path / name / "ngql-test"
        folder.mkdir(parents=True)
        rows = [_outcome(i, "ngql", i in right) for i in range(1, 6)]
        (folder / "outcomes.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    result = CliRunner().invoke(app, ["compare", str(tmp_path / "a"), str(tmp_path / "b")])
    assert result.exit_code == 0, result.output
    assert "| all | 5 | 60.0 | 20.0 | 1 | 2 | 0 | 2 | 0.5 |" in result.output


def test_compare_verb_says_what_is_missing(tmp_path):
    result = CliRunner().invoke(app, ["compare", str(tmp_path), str(tmp_path)])
    assert result.exit_code != 0 and "no outcomes.jsonl" in result.output
