"""The whole loop on a built set: ``momq construct build`` -> ``momq eval`` (gold and a
model's predictions) -> ``momq train`` (a tiny local model, a few steps) -> predictions
of the trained adapter -> ``momq eval``."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from momq.cli import app

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    from momq.databases import ngql_demo

    ngql_demo.build(["basketballplayer"])
    out = tmp_path_factory.mktemp("construct")
    result = CliRunner().invoke(
        app,
        [
            "construct",
            "build",
            "--db",
            "basketballplayer",
            "--dialogues",
            "4",
            "--out",
            str(out),
            "--name",
            "bp",
            "--embedding-threshold",
            "-1",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "bp: 4 dialogues" in result.output
    return out


def _metrics(folder) -> dict:
    return json.loads((folder / "metrics.json").read_text())["overall"]


def test_eval_scores_the_built_set(built, tmp_path):
    runner = CliRunner()
    result = runner.invoke(
        app,
        [
            "eval",
            "--bench-root",
            str(built),
            "--bench",
            "bp",
            "--gold-as-prediction",
            "--no-charts",
            "--out",
            str(tmp_path / "gold"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert _metrics(tmp_path / "gold")["AEX"] == 100.0
    dialogues = [json.loads(line) for line in (built / "dialogues" / "bp.jsonl").read_text().splitlines()]
    wrong_first = [{"id": d["id"], "turns": [t["query"] for t in d["turns"]]} for d in dialogues]
    wrong_first[0]["turns"][0] = "MATCH (v:player) RETURN v.player.name AS name"
    predictions = tmp_path / "preds.jsonl"
    predictions.write_text("\n".join(json.dumps(p) for p in wrong_first) + "\n")
    result = runner.invoke(
        app,
        [
            "eval",
            "--bench-root",
            str(built),
            "--bench",
            "bp",
            "--predictions",
            str(predictions),
            "--no-charts",
            "--out",
            str(tmp_path / "pred"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert _metrics(tmp_path / "pred")["AEX"] == 75.0  # one dialogue of four has a wrong turn


def test_train_on_the_built_set_then_eval(built, tmp_path):
    pytest.importorskip("torch")
    from momq.cli.train import generate
    from momq.data.records import read_examples
    from tests.train.conftest import build_tiny_model_dir

    model_dir = build_tiny_model_dir(tmp_path / "tiny")
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text(f"""name: construct-tiny
model: {model_dir}
method: momq
method_config: {{expert_rank: 4, lora_rank: 4, num_experts: 4, top_k: 2}}
data: {{train: {built / "training" / "bp.jsonl"}, max_length: 192}}
train: {{max_steps: 3, batch_size: 4, lr: 0.003, bf16: false, progress: false, warmup_steps: 0, threads: 1}}
output: {tmp_path / "run"}
""")
    result = CliRunner().invoke(app, ["train", "--recipe", str(recipe)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "run" / "adapter").is_dir()
    examples = read_examples(built / "bp.jsonl")
    generated = generate(str(tmp_path / "run" / "adapter"), [e.question for e in examples], "ngql", max_new_tokens=8)
    predictions = tmp_path / "adapter-preds.jsonl"
    predictions.write_text(
        "".join(json.dumps({"id": e.id, "query": g.query}) + "\n" for e, g in zip(examples, generated))
    )
    result = CliRunner().invoke(
        app,
        [
            "eval",
            "--bench-root",
            str(built),
            "--bench",
            "bp",
            "--predictions",
            str(predictions),
            "--no-charts",
            "--out",
            str(tmp_path / "eval"),
        ],
    )
    assert result.exit_code == 0, result.output
    metrics = _metrics(tmp_path / "eval")
    assert metrics["n"] == len(examples) and metrics["AEX"] is not None


def test_cli_tools_on_the_built_set(built, tmp_path):
    runner = CliRunner()
    dialogues = built / "dialogues" / "bp.jsonl"
    result = runner.invoke(app, ["construct", "stats", str(dialogues)])
    assert result.exit_code == 0 and "| 4 |" in result.output, result.output
    result = runner.invoke(
        app,
        [
            "construct",
            "filter",
            str(dialogues),
            "--out",
            str(tmp_path / "f.jsonl"),
            "--max-same",
            "1",
            "--embedding-threshold",
            "-1",
        ],
    )
    assert result.exit_code == 0, result.output
    kept = len((tmp_path / "f.jsonl").read_text().splitlines())
    assert kept + len((tmp_path / "f.rejected.jsonl").read_text().splitlines()) == 4
    result = runner.invoke(app, ["construct", "split", str(dialogues), "--out", str(tmp_path / "split")])
    assert result.exit_code == 2 and "at least two schemas" in result.output  # one database: refused
    result = runner.invoke(
        app, ["construct", "split", str(dialogues), "--out", str(tmp_path / "split"), "--by", "bogus"]
    )
    assert result.exit_code == 2 and "ConfigError" in result.output
    queries = tmp_path / "queries.jsonl"
    queries.write_text(json.dumps({"query": "MATCH (v:player) RETURN v.player.name"}) + "\n")
    result = runner.invoke(
        app,
        [
            "construct",
            "gql2nl",
            str(queries),
            "--db",
            "basketballplayer",
            "-m",
            "scripted:Which players are there?",
            "--out",
            str(tmp_path / "q.jsonl"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "q.jsonl").read_text())["question"] == "Which players are there?"
