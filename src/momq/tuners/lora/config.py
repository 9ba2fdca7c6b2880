"""Configuration of the vanilla LoRA baseline (built with PEFT)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from momq.errors import ConfigError

DEFAULT_TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


@dataclass
class LoRAConfig:
    """PEFT LoRA on every projection of the attention and the FFN."""

    rank: int = field(default=64, metadata={"help": "LoRA rank r"})
    lora_alpha: float = field(default=16.0, metadata={"help": "scaling numerator: updates are scaled by lora_alpha / r"})
    target_modules: list[str] = field(default_factory=lambda: list(DEFAULT_TARGETS),
                                      metadata={"help": "module name suffixes PEFT adapts"})
    train_norms: bool = field(default=False, metadata={"help": "also train the normalisation layers (as MoMQ does)"})

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "LoRAConfig":
        unknown = sorted(set(data) - {f.name for f in fields(cls)})
        if unknown:
            raise ConfigError(f"unknown LoRA config keys: {', '.join(unknown)}")
        return cls(**data)

    def save(self, path: Path) -> None:
        path.write_text(json.dumps({"method": "lora", **self.to_dict()}, indent=2) + "\n")

    @classmethod
    def load(cls, path: Path) -> "LoRAConfig":
        data = json.loads(path.read_text())
        data.pop("method", None)
        return cls.from_dict(data)
