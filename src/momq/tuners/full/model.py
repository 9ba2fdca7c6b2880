"""Full fine-tuning: every backbone parameter trains (single- or multi-dialect data alike;
which dialects a run sees is the recipe's data choice, not the method's).

Saved layout: the whole model as a Hugging Face directory under ``model/`` plus
``tuner.json`` and ``base_model.json`` (the tokenizer still comes from the base).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from torch import nn

from momq.backbones.models import ModelRef
from momq.tuners.base import TunedModel, read_base
from momq.tuners.config import TunerConfig

MODEL_DIR = "model"
CONFIG_FILE = "full_config.json"


@dataclass
class FullConfig(TunerConfig):
    method = "full"
    label = "full fine-tuning"

    train_embeddings: bool = field(default=True, metadata={"help": "also train the (tied) token embeddings"})


class FullModel(TunedModel):
    method = "full"
    config_class = FullConfig

    def __init__(self, model: nn.Module, config: FullConfig, base_ref: ModelRef | None = None):
        super().__init__(model, base_ref)
        self.full_config = config
        for name, p in model.named_parameters():
            p.requires_grad_(config.train_embeddings or "embed" not in name)

    @classmethod
    def create(
        cls, model: nn.Module, config: FullConfig | dict[str, Any] | None = None, base_ref: ModelRef | None = None
    ) -> "FullModel":
        if not isinstance(config, FullConfig):
            config = FullConfig.from_dict(config or {})
        return cls(model, config, base_ref)

    def merge_for_inference(self) -> "FullModel":
        self.eval()
        return self

    def _save_weights(self, directory: Path) -> None:
        self.full_config.save(directory / CONFIG_FILE)
        self.model.save_pretrained(str(directory / MODEL_DIR))

    @classmethod
    def load(cls, directory: Path, model: nn.Module | None = None, *, dtype: Any = None) -> "FullModel":
        """Load the saved weights (``model``, if given, is ignored: the saved model is whole)."""
        import torch
        from transformers import AutoModelForCausalLM

        directory = Path(directory)
        config = FullConfig.load(directory / CONFIG_FILE)
        if isinstance(dtype, str):
            dtype = getattr(torch, dtype)
        loaded = AutoModelForCausalLM.from_pretrained(
            str(directory / MODEL_DIR), local_files_only=True, dtype=dtype or torch.float32
        )
        return cls(loaded, config, read_base(directory))
