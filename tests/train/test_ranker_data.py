"""R3's ranker data: gold rankings extracted from known golds, records in ``momq train``'s
format, precision / recall, and a ranker trained on them (tiny model)."""

from __future__ import annotations

import json

import pytest

from momq.data.records import Example
from momq.pipelines.ranker import Ranking
from momq.train.prompts import example_prompt
from momq.train.ranker_data import (
    gold_ranking,
    parse_gold,
    ranker_message,
    ranker_records,
    score_rankings,
    split_holdout,
)
from tests.schemas import graph_schema, sql_schema

NBA = ["bachelor", "player", "team", "like", "serve", "teammate"]


def test_gold_ranking_of_known_ngql_golds():
    r = gold_ranking('GO FROM "Tim Duncan" OVER serve YIELD $$.team.name AS name', "ngql", NBA)
    assert r.keywords == ["GO", "YIELD"] and r.elements == ["team", "serve"] and r.values == ["Tim Duncan"]
    r = gold_ranking(
        'GO FROM "Tony Parker" OVER like REVERSELY YIELD src(edge) AS id | '
        "FETCH PROP ON player $-.id YIELD player.name AS name",
        "ngql",
        NBA,
    )
    assert set(r.keywords) == {"GO", "FETCH", "YIELD", "REVERSELY", "PIPE |"}
    assert r.elements == ["player", "like"]
    r = gold_ranking('FIND SHORTEST PATH FROM "Tim Duncan" TO "Tony Parker" OVER like YIELD path AS p', "ngql", NBA)
    assert r.keywords[0] == "FIND PATH" and r.values == ["Tim Duncan", "Tony Parker"]
    r = gold_ranking('GET SUBGRAPH 2 STEPS FROM "Tim Duncan" YIELD VERTICES AS v', "ngql", NBA)
    assert set(r.keywords) == {"GET SUBGRAPH", "YIELD", "STEPS"} and r.elements == []
    r = gold_ranking(
        "LOOKUP ON player WHERE player.age > 40 YIELD player.name AS n | ORDER BY $-.n | LIMIT 3", "ngql", NBA
    )
    assert set(r.keywords) == {"LOOKUP", "WHERE", "YIELD", "PIPE |", "ORDER BY", "LIMIT"} and r.elements == ["player"]
    # keywords and names inside strings do not count
    r = gold_ranking('MATCH (v:player) WHERE v.player.name == "serve | GO LIMIT" RETURN count(v)', "ngql", NBA)
    assert set(r.keywords) == {"MATCH", "WHERE", "RETURN", "count"} and r.elements == ["player"]


def test_gold_ranking_of_sql_and_cypher_golds():
    names = sql_schema().element_names()
    r = gold_ranking(
        "SELECT c.city, AVG(o.total) FROM orders AS o JOIN customer AS c ON c.id = o.customer_id "
        "WHERE c.name <> 'x' GROUP BY c.city ORDER BY 2 DESC LIMIT 3",
        "postgres",
        names,
    )
    assert {"SELECT", "FROM", "JOIN", "WHERE", "GROUP BY", "ORDER BY", "LIMIT", "AVG"} <= set(r.keywords)
    assert set(r.elements) == {"customer", "orders"} and r.values == ["x"]
    r = gold_ranking(
        "MATCH (p:Person)-[:ACTED_IN]->(m:Movie) WITH p, count(m) AS n RETURN p.name ORDER BY n DESC SKIP 1 LIMIT 2",
        "cypher",
        ["Person", "Movie", "ACTED_IN"],
    )
    assert {"MATCH", "WITH", "RETURN", "ORDER BY", "SKIP", "LIMIT", "count"} <= set(r.keywords)
    assert r.elements == ["Person", "Movie", "ACTED_IN"]


def test_records_are_training_examples_with_the_rankers_prompt(tmp_path):
    examples = [
        Example(
            "a",
            "ngql",
            "basketballplayer",
            "Who does Tim Duncan follow?",
            'GO FROM "player100" OVER follow YIELD dst(edge)',
        ),
        Example("b", "ngql", "missing", "q", "GO FROM 1 OVER follow YIELD dst(edge)"),
    ]

    def schema_for(dialect, database):
        if database == "missing":
            raise RuntimeError("no such space")
        return graph_schema()

    records, notes = ranker_records(examples, schema_for)
    assert len(records) == 1 and "missing" in notes[0]
    record = records[0]
    assert record["query"] == "KEYWORDS: GO, YIELD\nELEMENTS: follow\nVALUES: player100"
    assert record["prompt"] == ranker_message("Who does Tim Duncan follow?", "ngql", graph_schema())
    assert "class player" in record["prompt"] and "    def GO(self):" in record["prompt"]  # code forms
    assert example_prompt(record).startswith(record["prompt"])  # what `momq train` learns from
    assert parse_gold(record).elements == ["follow"]
    train, held = split_holdout([{"i": i} for i in range(10)], 0.3, seed=1)
    assert len(train) == 7 and len(held) == 3 and not {r["i"] for r in train} & {r["i"] for r in held}


def test_precision_and_recall_hand_computed():
    gold = [Ranking(["GO", "YIELD"], ["player", "like"]), Ranking(["MATCH", "RETURN"], ["team"])]
    pred = [Ranking(["GO", "YIELD", "WHERE"], ["player"]), Ranking(["match"], ["team", "serve"])]
    s = score_rankings(pred, gold)
    assert s["keywords"]["precision"] == pytest.approx(3 / 4) and s["keywords"]["recall"] == pytest.approx(3 / 4)
    assert s["elements"]["precision"] == pytest.approx(2 / 3) and s["elements"]["recall"] == pytest.approx(2 / 3)


def test_a_ranker_trains_on_the_records(tiny_model_dir, tmp_path, momq_home):
    from momq.train.recipe import recipe_from_dict
    from momq.train.trainer import Trainer

    questions = [
        ("Who does Tim Duncan follow?", 'GO FROM "player100" OVER follow YIELD dst(edge)'),
        ("Which teams did Tony Parker serve?", 'GO FROM "player101" OVER serve YIELD dst(edge)'),
        ("How many players are there?", "MATCH (v:player) RETURN count(v)"),
        ("Players older than 40", "LOOKUP ON player WHERE player.age > 40 YIELD player.name"),
    ]
    examples = [Example(str(i), "ngql", "basketballplayer", q, g) for i, (q, g) in enumerate(questions * 2)]
    records, _ = ranker_records(examples, lambda d, db: graph_schema())
    data = tmp_path / "ranker.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in records))
    recipe = recipe_from_dict(
        {
            "name": "ranker",
            "seed": 0,
            "model": str(tiny_model_dir),
            "method": "lora",
            "method_config": {"rank": 4},
            "data": {"train": [str(data)], "max_length": 256},
            "train": {
                "epochs": 3,
                "batch_size": 4,
                "grad_accum": 1,
                "lr": 1e-2,
                "bf16": False,
                "progress": False,
                "warmup_steps": 0,
                "threads": 1,
            },
            "output": str(tmp_path / "out"),
        }
    )
    summary = Trainer(recipe).run()
    log = [json.loads(line) for line in (tmp_path / "out" / "log.jsonl").read_text().splitlines()]
    assert summary["steps"] == 6 and log[-1]["lm_loss"] < log[0]["lm_loss"]
