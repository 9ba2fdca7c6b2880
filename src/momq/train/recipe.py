"""Training recipes: YAML files with four sections (model/method, data, train, output).

Paths in a recipe are relative to the recipe file; ``${VAR}`` and ``~`` are expanded, so
a recipe can point at the benchmark builder's splits through an environment variable
(e.g. ``${MOMQ_BENCH}/training/train-full.jsonl``). Unknown keys are errors (a typo must not
silently fall back to a default). ``overrides`` (``"train.max_steps=5"``) let the CLI and
tests adjust a recipe without editing it.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any

import yaml

from momq.errors import ConfigError


@dataclass
class DataSection:
    train: list[str] = field(default_factory=list)  # JSONL files
    eval: list[str] = field(default_factory=list)  # JSONL files scored at the end (LM loss)
    per_dialect: dict[str, int] | None = None  # cap per dialect (imbalance settings)
    max_examples: int | None = None
    max_length: int = 512
    dialects: list[str] | None = None  # default: the method's dialects or the fixed order
    schema_budget: int | None = 1024  # schema tokens in the prompt (pruned to fit; None: never)
    samples: int = 2  # sample values per column shown in the schema


@dataclass
class TrainSection:
    epochs: int = 3
    max_steps: int | None = None  # stop after this many optimiser steps (overrides epochs)
    batch_size: int = 4  # examples per micro-batch (per process)
    grad_accum: int = 1  # micro-batches per optimiser step
    lr: float = 2e-4
    router_lr_scale: float = 1.0  # MoMQ's routers learn at lr * this (Adam steps ~lr: a router needs more)
    weight_decay: float = 0.1
    betas: tuple[float, float] = (0.9, 0.95)
    schedule: str = "cosine"  # cosine | linear | constant
    warmup_steps: int = 0
    warmup_ratio: float = 0.03
    grad_clip: float | None = 1.0
    bf16: str | bool = "auto"  # autocast to bfloat16: true | false | auto
    gradient_checkpointing: bool = False
    checkpoint_every: int = 0  # optimiser steps between checkpoints (0 = none but the final)
    keep_checkpoints: int = 2
    log_every: int = 1
    bucket_batches: int = 32
    progress: bool = True
    threads: int | None = None  # torch CPU threads (None = torch's default)


@dataclass
class Recipe:
    name: str = "run"
    seed: int = 0
    model: str = "smollm2"  # a catalogued name (smollm2, qwen2.5-coder-0.5b ...) | a HF model directory | a .gguf file
    method: str = "momq"  # momq | lora | full | lora-per-dialect
    method_config: dict[str, Any] = field(default_factory=dict)
    data: DataSection = field(default_factory=DataSection)
    train: TrainSection = field(default_factory=TrainSection)
    output: str | None = None  # default: <MOMQ_HOME>/runs/<name>
    base_dir: str = "."  # folder the relative paths are resolved against (the recipe's)

    def resolve(self, path: str) -> Path:
        expanded = os.path.expanduser(os.path.expandvars(path))
        if "$" in expanded:
            raise ConfigError(f"recipe path {path!r} names an unset environment variable")
        p = Path(expanded)
        return p if p.is_absolute() else Path(self.base_dir) / p

    def output_dir(self) -> Path:
        if self.output:
            return self.resolve(self.output)
        from momq.settings import home

        return home() / "runs" / self.name

    def model_ref(self) -> str:
        """The backbone: a catalogued name (``smollm2``, ``qwen2.5-coder-0.5b`` ...) as is,
        else a path relative to the recipe."""
        from momq.backbones import catalog

        if self.model in ("", None):
            return "smollm2"
        entry = catalog.lookup(self.model)
        if entry is not None:
            return entry.name
        return str(self.resolve(self.model))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def prompt_settings(self) -> Any:
        """The grounded-prompt settings of training (saved beside the adapter)."""
        from momq.pipelines.direct import PromptSettings

        return PromptSettings(schema_budget=self.data.schema_budget, samples=self.data.samples)


def _build(cls: type, data: dict[str, Any], where: str) -> Any:
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: expected a mapping")
    known = {f.name: f for f in fields(cls)}
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise ConfigError(f"{where}: unknown keys {', '.join(unknown)}; known: {', '.join(known)}")
    kwargs = {}
    for key, value in data.items():
        default = known[key].default_factory() if callable(known[key].default_factory) else known[key].default
        if is_dataclass(default):
            value = _build(type(default), value or {}, f"{where}.{key}")
        elif key in ("train", "eval") and isinstance(value, str):
            value = [value]
        elif key == "betas":
            value = tuple(float(v) for v in value)
        kwargs[key] = value
    return cls(**kwargs)


def _apply_override(data: dict[str, Any], override: str) -> None:
    key, sep, raw = override.partition("=")
    if not sep:
        raise ConfigError(f"override {override!r}: expected key.path=value")
    value = yaml.safe_load(raw)
    node = data
    parts = key.strip().split(".")
    for part in parts[:-1]:
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            raise ConfigError(f"override {override!r}: {part} is not a section")
    node[parts[-1]] = value


def load_recipe(path: str | Path, overrides: list[str] | None = None) -> Recipe:
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"no recipe at {path}")
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    for override in overrides or []:
        _apply_override(data, override)
    data.setdefault("base_dir", str(path.resolve().parent))
    recipe = _build(Recipe, data, str(path))
    if recipe.train.schedule not in ("cosine", "linear", "constant"):
        raise ConfigError(f"{path}: train.schedule must be cosine, linear or constant")
    if str(recipe.train.bf16).lower() not in ("auto", "true", "false"):
        raise ConfigError(f"{path}: train.bf16 must be true, false or auto")
    return recipe


def recipe_from_dict(data: dict[str, Any], base_dir: str | Path = ".") -> Recipe:
    data = dict(data)
    data.setdefault("base_dir", str(base_dir))
    return _build(Recipe, data, "recipe")
