"""Configuration of the LoRA-per-dialect baseline."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from momq.errors import ConfigError
from momq.tuners.momq.config import DEFAULT_DIALECTS, DEFAULT_LORA_TARGETS, DEFAULT_MOE_TARGETS


@dataclass
class LoRAPerDialectConfig:
    """M independent LoRA adapters on the same projections; the dialect tag picks one."""

    dialects: list[str] = field(default_factory=lambda: list(DEFAULT_DIALECTS),
                                metadata={"help": "dialect names; the tag's index selects the adapter"})
    rank: int = field(default=64, metadata={"help": "rank of each dialect's LoRA"})
    lora_alpha: float = field(default=16.0, metadata={"help": "updates are scaled by lora_alpha / rank"})
    targets: list[str] = field(default_factory=lambda: DEFAULT_LORA_TARGETS + DEFAULT_MOE_TARGETS,
                               metadata={"help": "regexes of module names that get a LoRA per dialect"})
    train_norms: bool = field(default=False, metadata={"help": "also train the (shared) normalisation layers"})

    def dialect_index(self, name: str) -> int:
        if name not in self.dialects:
            raise ConfigError(f"unknown dialect {name!r}; this adapter knows {self.dialects}")
        return self.dialects.index(name)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "LoRAPerDialectConfig":
        unknown = sorted(set(data) - {f.name for f in fields(cls)})
        if unknown:
            raise ConfigError(f"unknown lora-per-dialect config keys: {', '.join(unknown)}")
        return cls(**data)

    def save(self, path: Path) -> None:
        path.write_text(json.dumps({"method": "lora-per-dialect", **self.to_dict()}, indent=2) + "\n")

    @classmethod
    def load(cls, path: Path) -> "LoRAPerDialectConfig":
        data = json.loads(path.read_text())
        data.pop("method", None)
        return cls.from_dict(data)
