"""Configuration of the LoRA-per-dialect baseline."""

from __future__ import annotations

from dataclasses import dataclass, field

from momq.errors import ConfigError
from momq.tuners.config import TunerConfig
from momq.tuners.momq.config import DEFAULT_DIALECTS, DEFAULT_LORA_TARGETS, DEFAULT_MOE_TARGETS


@dataclass
class LoRAPerDialectConfig(TunerConfig):
    """M independent LoRA adapters on the same projections; the dialect tag picks one."""

    method = "lora-per-dialect"

    dialects: list[str] = field(
        default_factory=lambda: list(DEFAULT_DIALECTS),
        metadata={"help": "dialect names; the tag's index selects the adapter"},
    )
    rank: int = field(default=64, metadata={"help": "rank of each dialect's LoRA"})
    lora_alpha: float = field(default=16.0, metadata={"help": "updates are scaled by lora_alpha / rank"})
    targets: list[str] = field(
        default_factory=lambda: DEFAULT_LORA_TARGETS + DEFAULT_MOE_TARGETS,
        metadata={"help": "regexes of module names that get a LoRA per dialect"},
    )
    train_norms: bool = field(default=False, metadata={"help": "also train the (shared) normalisation layers"})

    def dialect_index(self, name: str) -> int:
        if name not in self.dialects:
            raise ConfigError(f"unknown dialect {name!r}; this adapter knows {self.dialects}")
        return self.dialects.index(name)
