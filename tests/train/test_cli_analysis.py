"""The CLI verbs (train, generate, analyze-experts) and the routing analysis."""

from __future__ import annotations

import json

import pytest
import typer
from typer.testing import CliRunner

from momq.cli import train as cli_train

from .conftest import MINI_DATA


@pytest.fixture()
def trained(tiny_model_dir, tmp_path, momq_home):
    recipe = tmp_path / "tiny.yaml"
    recipe.write_text(
        json.dumps(
            {
                "name": "tiny-cli",
                "model": str(tiny_model_dir),
                "method": "momq",
                "method_config": {"expert_rank": 4, "lora_rank": 4, "num_experts": 4},
                "data": {"train": str(MINI_DATA), "max_length": 128},
                "train": {"max_steps": 2, "batch_size": 4, "bf16": False, "progress": False},
            }
        )
    )
    app = typer.Typer()
    cli_train.register(app)
    result = CliRunner().invoke(app, ["train", "--recipe", str(recipe), "--set", "train.lr=0.001"])
    assert result.exit_code == 0, result.output
    adapter = momq_home / "runs" / "tiny-cli" / "adapter"
    assert (adapter / "adapter_model.safetensors").is_file()
    return adapter


def test_generate_and_analyze(trained, tmp_path):
    out = cli_train.generate(str(trained), ["How many movies are there?"], "cypher", max_new_tokens=4)
    assert len(out) == 1 and out[0].dialect == "cypher"
    pngs = cli_train.analyze_experts(
        trained,
        "How many movies are there?",
        "cypher",
        tmp_path / "fig",
        query="MATCH (m:Movie) RETURN count(m)",
        layers_per_figure=1,
    )
    assert [p.name for p in pngs] == ["routing_layers_00-00.png", "routing_layers_01-01.png"]
    assert all(p.stat().st_size > 1000 for p in pngs)
    record = json.loads((tmp_path / "fig" / "routing.json").read_text())
    first = record["layers"]["0"]
    assert len(first["dialect"]) == len(record["tokens"])
    assert all(abs(sum(row) - 1) < 1e-5 for row in first["dialect"])
    # experts: K nonzero per group per token
    assert all(sum(1 for w in group if w > 0) == 2 for token in first["experts"] for group in token)


def test_generate_verb_prints_queries(trained):
    app = typer.Typer()
    cli_train.register(app)
    result = CliRunner().invoke(
        app, ["generate", "How many players?", "-d", "ngql", "-m", str(trained), "--max-new-tokens", "3"]
    )
    assert result.exit_code == 0, result.output
