"""The trainer on a tiny local model: loss goes down, logs, adapters, exact resume, DDP."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from momq.train.recipe import recipe_from_dict
from momq.train.trainer import Trainer, TrainingInterrupted, lr_factor
from momq.tuners import load_tuned

from .conftest import MINI_DATA, ROOT

TINY_MOMQ = {"expert_rank": 4, "lora_rank": 4, "num_experts": 4, "top_k": 2}


def tiny_recipe(model_dir: Path, out: Path, method: str = "momq", method_config=None, **train) -> object:
    return recipe_from_dict(
        {
            "name": "tiny",
            "seed": 3,
            "model": str(model_dir),
            "method": method,
            "method_config": TINY_MOMQ if method_config is None else method_config,
            "data": {"train": [str(MINI_DATA)], "max_length": 512},  # the grounded prompt whole
            "train": {
                "epochs": 1,
                "batch_size": 4,
                "grad_accum": 1,
                "lr": 3e-3,
                "bf16": False,
                "progress": False,
                "warmup_steps": 0,
                "threads": 1,
                **train,
            },
            "output": str(out),
        },
        base_dir=ROOT / "recipes",
    )


def trainable(tuned) -> dict[str, torch.Tensor]:
    return {n: p.detach().clone() for n, p in tuned.trainable_parameters()}


def read_log(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()]


@pytest.mark.parametrize(
    "method,config", [("momq", None), ("lora", {"rank": 4}), ("lora-per-dialect", {"rank": 4}), ("full", {})]
)
def test_training_reduces_loss_and_saves(tiny_model_dir, tmp_path, momq_home, method, config):
    out = tmp_path / method
    recipe = tiny_recipe(tiny_model_dir, out, method, config, epochs=4, lr=1e-2 if method != "full" else 1e-3)
    summary = Trainer(recipe).run()
    log = read_log(out)
    assert [r["step"] for r in log] == list(range(1, summary["steps"] + 1)) and summary["steps"] == 40
    first = sum(r["lm_loss"] for r in log[:10]) / 10
    last = sum(r["lm_loss"] for r in log[-10:]) / 10
    assert last < first - 0.1, (first, last)  # a random tiny model learns slowly; 0.1 nats is clear
    if method == "momq":
        assert all(r["drl_loss"] > 0 and r["balance_loss"] >= 1 - 1e-4 for r in log)
        assert log[-1]["drl_loss"] < log[0]["drl_loss"]  # the dialect routers learn the labels
    loaded = load_tuned(out / "adapter")
    assert loaded.method == method
    (out / "summary.json").is_file()


@pytest.mark.parametrize("ablation", ["none", "no_dialect_router"])
def test_resume_after_kill_is_exact(tiny_model_dir, tmp_path, momq_home, ablation):
    cfg = {**TINY_MOMQ, "ablation": ablation}
    straight = Trainer(
        tiny_recipe(
            tiny_model_dir, tmp_path / "a", method_config=cfg, epochs=2, batch_size=8, grad_accum=2, checkpoint_every=2
        )
    )
    straight.run(resume=False)
    # the same run "killed" after step 3 (its last checkpoint is step 2), then restarted
    recipe = tiny_recipe(
        tiny_model_dir, tmp_path / "b", method_config=cfg, epochs=2, batch_size=8, grad_accum=2, checkpoint_every=2
    )
    with pytest.raises(TrainingInterrupted):
        Trainer(recipe, stop_after=3).run()
    assert (tmp_path / "b" / "checkpoints" / "step-0000002").is_dir()
    resumed = Trainer(recipe)
    resumed.run()
    a, b = trainable(straight.tuned), trainable(resumed.tuned)
    assert a.keys() == b.keys()
    for name in a:
        assert torch.equal(a[name], b[name]), name
    assert [r["step"] for r in read_log(tmp_path / "b")] == [1, 2, 3, 4, 5, 6]
    assert [r["loss"] for r in read_log(tmp_path / "a")] == [r["loss"] for r in read_log(tmp_path / "b")]


def _train_process(recipe: Path, *extra: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""),
        "OMP_NUM_THREADS": "1",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "momq.train", str(recipe), *extra],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.slow
def test_resume_after_sigkill_is_exact(tiny_model_dir, tmp_path, momq_home):
    """A training process killed with SIGKILL at an arbitrary point (possibly while writing
    a checkpoint) resumes from its last complete checkpoint and ends with the same weights
    and the same log as a run that was never interrupted."""

    def recipe(name: str) -> Path:
        path = tmp_path / f"{name}.yaml"
        path.write_text(
            json.dumps(
                {
                    "name": name,
                    "seed": 5,
                    "model": str(tiny_model_dir),
                    "method": "momq",
                    "method_config": TINY_MOMQ,
                    "data": {"train": [str(MINI_DATA)], "max_length": 512},  # the grounded prompt whole
                    "train": {
                        "epochs": 4,
                        "batch_size": 4,
                        "grad_accum": 2,
                        "lr": 3e-3,
                        "bf16": False,
                        "progress": False,
                        "checkpoint_every": 3,
                        "threads": 1,
                    },
                    "output": str(tmp_path / name),
                }
            )
        )
        return path

    straight = _train_process(recipe("straight"), "--no-resume")
    killed = recipe("killed")
    victim = _train_process(killed, "--no-resume")
    checkpoints = tmp_path / "killed" / "checkpoints"
    deadline = time.monotonic() + 240
    while not (checkpoints / "step-0000006").is_dir():  # let it checkpoint twice, then kill it
        assert victim.poll() is None, victim.stderr.read()[-3000:]
        assert time.monotonic() < deadline
        time.sleep(0.01)
    victim.kill()  # SIGKILL: no handler, no cleanup
    victim.wait()
    assert not (tmp_path / "killed" / "adapter").exists()
    resumed = _train_process(killed)
    for process in (straight, resumed):
        assert process.wait(timeout=300) == 0, process.stderr.read()[-3000:]
    assert json.loads((tmp_path / "killed" / "summary.json").read_text())["resumed_from_step"] >= 6
    a, b = load_tuned(tmp_path / "straight" / "adapter"), load_tuned(tmp_path / "killed" / "adapter")
    a, b = trainable(a), trainable(b)
    assert a.keys() == b.keys()
    for name in a:
        assert torch.equal(a[name], b[name]), name
    log_a, log_b = read_log(tmp_path / "straight"), read_log(tmp_path / "killed")
    assert [r["step"] for r in log_b] == list(range(1, len(log_a) + 1))
    assert [r["loss"] for r in log_a] == [r["loss"] for r in log_b]


def test_schedules():
    cosine = lr_factor("cosine", 2, 10)
    assert cosine(0) == 0.5 and cosine(1) == 1.0 and cosine(2) == 1.0 and cosine(10) == pytest.approx(0.0)
    linear = lr_factor("linear", 0, 4)
    assert [linear(s) for s in range(5)] == [1.0, 0.75, 0.5, 0.25, 0.0]
    assert lr_factor("constant", 0, 4)(3) == 1.0


def test_gradient_checkpointing_and_bf16_run(tiny_model_dir, tmp_path, momq_home):
    recipe = tiny_recipe(tiny_model_dir, tmp_path / "gc", max_steps=3, gradient_checkpointing=True, bf16=True)
    summary = Trainer(recipe).run()
    assert summary["steps"] == 3 and summary["bf16"] is True
    assert all(r["drl_loss"] > 0 for r in read_log(tmp_path / "gc"))


@pytest.mark.slow
def test_two_gloo_processes(tiny_model_dir, tmp_path, momq_home):
    """torchrun with two CPU processes (gloo): DDP training ends with one saved adapter."""
    recipe = tmp_path / "ddp.yaml"
    recipe.write_text(
        json.dumps(
            {
                "name": "ddp",
                "seed": 1,
                "model": str(tiny_model_dir),
                "method": "momq",
                "method_config": TINY_MOMQ,
                "data": {"train": [str(MINI_DATA)], "max_length": 128},
                "train": {"max_steps": 4, "batch_size": 2, "grad_accum": 2, "bf16": False, "progress": False},
                "output": str(tmp_path / "out"),
            }
        )
    )
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""),
        "OMP_NUM_THREADS": "1",
    }
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--nproc_per_node",
            "2",
            "--standalone",
            "-m",
            "momq.train",
            str(recipe),
            "--no-resume",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, (done.stdout[-2000:], done.stderr[-4000:])
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["world_size"] == 2 and summary["steps"] == 4
    log = read_log(tmp_path / "out")
    assert len(log) == 4 and all(r["tokens"] > 0 for r in log)
    assert load_tuned(tmp_path / "out" / "adapter").method == "momq"
