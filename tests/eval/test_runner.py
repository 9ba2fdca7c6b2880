"""The evaluation runner on the real demo databases (car_dealership in PostgreSQL and
MySQL, basketballplayer in the embedded nGQL engine): predictions files, alternatives,
timeouts, gold cache, resume, dialogues."""

import json

import pytest

from momq.data.records import Dialogue, Example, Turn
from momq.eval.metrics import report
from momq.eval.runner import PredictionsError, RunOptions, evaluate, flatten, gold_predictions, load_predictions

#: two cars, and the same two under another column name in the other order
G1 = "SELECT make FROM cars WHERE id <= 2"
P1 = "SELECT make AS brand FROM cars WHERE id <= 2 ORDER BY id DESC"
#: a salesperson's id, or (the alternative) the name; the prediction gives the name
G2 = "SELECT id FROM salespersons WHERE id = 1"
G2ALT = "SELECT first_name FROM salespersons WHERE id = 1"
P2 = "SELECT first_name AS n FROM salespersons WHERE id = 1"
WRONG = "SELECT make FROM cars WHERE id = 3"
#: nGQL: two players, the same two under another name, one player's age
NG1 = 'FETCH PROP ON player "player100", "player101" YIELD player.name AS name'
NP1 = 'FETCH PROP ON player "player101", "player100" YIELD player.name AS who'
NG2 = 'FETCH PROP ON player "player100" YIELD player.age AS age'
NWRONG = 'FETCH PROP ON player "player102" YIELD player.name AS name'
#: runs far past the time limit on basketballplayer
SLOW = "MATCH p = (v)-[*1..12]-(w) RETURN count(p)"


def examples() -> list[Example]:
    return [
        Example("e1", "postgres", "car_dealership", "q1", G1),
        Example("e2", "mysql", "car_dealership", "q2", G2, alternatives=[G2ALT]),
        Example("e3", "ngql", "basketballplayer", "q3", NG1),
    ]


OPTS = RunOptions(em=False, timeout_s=2.0)


@pytest.mark.integration
def test_gold_as_prediction_scores_100(factory, tmp_path):
    exs = examples()
    run = evaluate(exs, gold_predictions(exs), options=OPTS, engine_factory=factory, cache_dir=tmp_path / "cache")
    assert all(o.ex and o.status == "ok" for o in run.outcomes)
    assert report(run.outcomes)["overall"]["EX"] == 100.0


@pytest.mark.integration
def test_alternatives_timeouts_errors(factory):
    exs = examples()
    preds = {"e1": P1, "e2": P2, "e3": SLOW}
    run = evaluate(exs, preds, options=OPTS, engine_factory=factory)
    by_id = {o.id: o for o in run.outcomes}
    assert by_id["e1"].ex  # column name and row order ignored
    assert by_id["e2"].ex  # matched the alternative
    assert by_id["e3"].status == "timeout" and not by_id["e3"].ex
    doc = report(run.outcomes)["overall"]
    assert doc["EX"] == pytest.approx(66.67) and doc["timeouts"] == 1 and doc["errors"] == 0
    preds = {"e1": "SELEC make FROM cars", "e2": WRONG, "e3": NG1}
    run = evaluate(exs, preds, options=OPTS, engine_factory=factory)
    by_id = {o.id: o for o in run.outcomes}
    assert by_id["e1"].status == "error" and by_id["e1"].error_kind == "QuerySyntaxError"
    assert by_id["e2"].status == "ok" and not by_id["e2"].ex


@pytest.mark.integration
def test_gold_failure_is_excluded(factory):
    exs = [
        Example("e1", "postgres", "car_dealership", "q", "SELECT no_such_column FROM cars"),
        Example("e2", "postgres", "car_dealership", "q", G1),
    ]
    run = evaluate(exs, gold_predictions(exs), options=OPTS, engine_factory=factory)
    doc = report(run.outcomes)
    assert doc["overall"]["n"] == 1 and doc["overall"]["EX"] == 100.0
    assert doc["gold_failures"][0]["id"] == "e1"


@pytest.mark.integration
def test_gold_cache_and_resume(factory, tmp_path):
    exs = examples()
    preds = gold_predictions(exs)
    journal = tmp_path / "journal.jsonl"
    evaluate(exs, preds, options=OPTS, engine_factory=factory, cache_dir=tmp_path / "c", journal_path=journal)
    first = len(factory.log)
    again = evaluate(exs, preds, options=OPTS, engine_factory=factory, cache_dir=tmp_path / "c", journal_path=journal)
    assert again.resumed == 3 and len(factory.log) == first  # nothing re-executed
    preds["e1"] = P1  # changed prediction: rerun e1
    again = evaluate(exs, preds, options=OPTS, engine_factory=factory, cache_dir=tmp_path / "c", journal_path=journal)
    assert again.resumed == 2 and factory.log[first:] == [P1]  # gold came from the cache


@pytest.mark.integration
def test_dialogues_joint_all(factory):
    d1 = Dialogue("d1", "ngql", "basketballplayer", [Turn("a", NG1), Turn("b", NG2, pattern="hop")])
    d2 = Dialogue("d2", "ngql", "basketballplayer", [Turn("a", NG1), Turn("b", NG1, pattern="filter")])
    exs = flatten([d1, d2])
    preds = {"d1#1": NP1, "d1#2": NG2, "d2#1": NG1, "d2#2": NWRONG}
    run = evaluate(exs, preds, options=OPTS, engine_factory=factory)
    doc = report(run.outcomes)
    assert doc["overall"]["joint_all"] == 50.0 and doc["overall"]["EX"] == 75.0
    assert doc["by_round"]["R2"]["EX"] == 50.0 and doc["by_pattern"]["filter"]["EX"] == 0.0


def test_predictions_file_errors_list_lines(tmp_path):
    exs = examples()
    path = tmp_path / "p.jsonl"
    path.write_bytes(
        b"\n".join(
            [
                json.dumps({"id": "e1", "query": "P1"}).encode(),
                json.dumps({"id": "e1", "query": "P1"}).encode(),  # 2 duplicate
                json.dumps({"id": "zz", "query": "x"}).encode(),  # 3 unknown
                b"\xff\xfe\xfa",  # 4 not UTF-8
                json.dumps({"query": "x"}).encode(),  # 5 no id
                b"[1, 2",  # 6 not JSON
            ]
        )
    )
    with pytest.raises(PredictionsError) as info:
        load_predictions(path, exs)
    lines = [n for n, _ in info.value.problems]
    assert lines == [2, 3, 4, 5, 6, 0]
    text = str(info.value)
    assert "duplicate id 'e1'" in text and "unknown id 'zz'" in text and "not UTF-8" in text
    assert "2 example(s) have no prediction: e2, e3" in text


def test_predictions_dialogue_form(tmp_path):
    exs = flatten([Dialogue("d1", "ngql", "db", [Turn("a", "G1"), Turn("b", "G2")])])
    path = tmp_path / "p.jsonl"
    path.write_text(json.dumps({"id": "d1", "turns": ["P1", {"query": "G2"}]}) + "\n")
    assert load_predictions(path, exs) == {"d1#1": "P1", "d1#2": "G2"}
    path.write_text(json.dumps({"id": "d1", "turns": ["P1"]}) + "\n")
    with pytest.raises(PredictionsError):
        load_predictions(path, exs)
    assert load_predictions(path, exs, allow_missing=True) == {"d1#1": "P1"}


def test_ngql_pipe_order_detection():
    from momq.eval.runner import ngql_pipe_orders

    assert ngql_pipe_orders("ngql", 'GO FROM "a" OVER e YIELD $$.t.x AS x | ORDER BY $-.x | LIMIT 2')
    assert ngql_pipe_orders("ngql", 'GO FROM "a" OVER e YIELD $$.t.x AS x | ORDER BY $-.x DESC')
    assert not ngql_pipe_orders("ngql", 'GO FROM "a" OVER e YIELD $$.t.x AS x | LIMIT 2')
    assert not ngql_pipe_orders("ngql", 'GO FROM "a|ORDER BY" OVER e YIELD 1 AS x')
    assert not ngql_pipe_orders("cypher", "MATCH (n) RETURN n | ORDER BY x")
