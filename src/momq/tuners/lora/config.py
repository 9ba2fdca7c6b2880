"""Configuration of the vanilla LoRA baseline (built with PEFT)."""

from __future__ import annotations

from dataclasses import dataclass, field

from momq.tuners.config import TunerConfig

DEFAULT_TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


@dataclass
class LoRAConfig(TunerConfig):
    """PEFT LoRA on every projection of the attention and the FFN."""

    method = "lora"
    label = "LoRA"

    rank: int = field(default=64, metadata={"help": "LoRA rank r"})
    lora_alpha: float = field(
        default=16.0, metadata={"help": "scaling numerator: updates are scaled by lora_alpha / r"}
    )
    target_modules: list[str] = field(
        default_factory=lambda: list(DEFAULT_TARGETS), metadata={"help": "module name suffixes PEFT adapts"}
    )
    train_norms: bool = field(default=False, metadata={"help": "also train the normalisation layers (as MoMQ does)"})
