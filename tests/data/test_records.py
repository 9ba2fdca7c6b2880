"""Records, JSONL I/O and the shared-data loaders."""

import json

import pytest

from momq.data.loaders import (
    cypher_order_dependence,
    expand_sql_eval_gold,
    load_spider,
    load_sql_eval,
    load_text2cypher,
    transpile_sqlite,
)
from momq.data.records import Dialogue, Example, JsonlError, Turn, read_dialogues, read_examples, write_jsonl


def test_example_roundtrip_and_training_record(tmp_path):
    ex = Example(
        id="a",
        dialect="postgres",
        database="academic",
        question="q?",
        query="SELECT 1",
        alternatives=["SELECT 1 AS x"],
        category="c",
        language="zh",
    )
    path = tmp_path / "x.jsonl"
    write_jsonl(path, [ex])
    [back] = read_examples(path)
    assert back == ex and back.golds == ["SELECT 1", "SELECT 1 AS x"]
    assert ex.to_training("t(a)") == {
        "id": "a",
        "dialect": "postgres",
        "database": "academic",
        "question": "q?",
        "query": "SELECT 1",
        "schema": "t(a)",
        "language": "zh",
    }
    assert "schema" not in ex.to_training()


def test_dialogue_roundtrip(tmp_path):
    d = Dialogue(
        id="d1",
        dialect="ngql",
        database="nba",
        turns=[Turn("who?", "GO FROM 1 OVER e"), Turn("and?", "GO 2 STEPS FROM 1 OVER e", answer="x", pattern="hop")],
    )
    path = tmp_path / "d.jsonl"
    write_jsonl(path, [d])
    [back] = read_dialogues(path)
    assert back == d
    assert [e.id for e in back.turn_examples()] == ["d1#1", "d1#2"]


def test_bad_lines_are_all_reported(tmp_path):
    path = tmp_path / "bad.jsonl"
    good = json.dumps({"id": "a", "dialect": "mysql", "database": "x", "question": "q", "query": "SELECT 1"})
    path.write_bytes(
        b"\n".join(
            [
                good.encode(),
                b"{not json",
                b'{"id": "b"}',
                b"\xff\xfe",
                json.dumps({"id": "c", "dialect": "sqlite", "database": "x", "question": "q", "query": "q"}).encode(),
            ]
        )
    )
    with pytest.raises(JsonlError) as info:
        read_examples(path)
    lines = [n for n, _ in info.value.problems]
    assert lines == [2, 3, 4, 5]
    assert "not UTF-8" in str(info.value) and "unknown dialect" in str(info.value)


def test_expand_sql_eval_gold():
    golds = expand_sql_eval_gold("SELECT {a.x, a.y}, COUNT(*) FROM a GROUP BY {};SELECT 1;")
    assert golds == [
        "SELECT a.x, COUNT(*) FROM a GROUP BY a.x",
        "SELECT a.y, COUNT(*) FROM a GROUP BY a.y",
        "SELECT a.x, a.y, COUNT(*) FROM a GROUP BY a.x, a.y",
        "SELECT 1",
    ]
    assert expand_sql_eval_gold("SELECT 'a;b' FROM t") == ["SELECT 'a;b' FROM t"]
    with pytest.raises(ValueError):
        expand_sql_eval_gold("SELECT x FROM t GROUP BY {}")


def test_load_sql_eval_counts():
    for dialect in ("postgres", "mysql"):
        examples, rejected = load_sql_eval(dialect)
        assert len(examples) == 210 and rejected == []
        assert examples[0].id == f"sqleval-{dialect}-000"
        assert all("{" not in g for e in examples for g in e.golds if "'{" not in g)


def test_spider_transpiles():
    assert (
        transpile_sqlite("SELECT count(*) FROM head WHERE age  >  56", "postgres")
        == "SELECT COUNT(*) FROM head WHERE age > 56"
    )
    with pytest.raises(ValueError):
        transpile_sqlite("SELECT FROM WHERE", "mysql")
    examples, rejected = load_spider("dev", "mysql")
    assert len(examples) + len(rejected) == 1034 and len(examples) > 1000


def test_text2cypher_rejects_false_schema():
    examples, rejected = load_text2cypher(databases=["movies"])
    assert examples and all(e.database == "movies" for e in examples)
    assert all("lacks" in r.reason for r in rejected)


def test_cypher_order_dependence():
    assert cypher_order_dependence("MATCH (n) RETURN n") is None
    assert cypher_order_dependence("MATCH (n) RETURN n ORDER BY n.x LIMIT 3") is None
    assert "without ORDER BY" in cypher_order_dependence("MATCH (n) RETURN n LIMIT 3")
    assert cypher_order_dependence("MATCH (n) WITH n ORDER BY n.x LIMIT 2 RETURN n") == "LIMIT inside WITH"
    assert (
        cypher_order_dependence("MATCH (n) WHERE n.name STARTS WITH 'LIMIT' RETURN n ORDER BY n.name LIMIT 1") is None
    )
