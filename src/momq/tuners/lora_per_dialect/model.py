"""LoRA per dialect behind momq's :class:`~momq.tuners.base.TunedModel` interface.

The dialect tag is required at training and at inference (it is how the adapter is
chosen); this is the "separate models per dialect" baseline in a single set of weights.
Saved layout: ``lora_per_dialect_config.json``, ``adapter_model.safetensors``,
``tuner.json``, ``base_model.json``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from torch import nn

from momq.backbones.models import ModelRef
from momq.errors import ConfigError
from momq.tuners.base import TunedModel, base_for_adapter
from momq.tuners.injection import freeze, replace_linears, unfreeze_norms
from momq.tuners.lora_per_dialect.config import LoRAPerDialectConfig
from momq.tuners.lora_per_dialect.layer import DialectLoRALinear
from momq.tuners.momq.layer import RoutingContext

CONFIG_FILE = "lora_per_dialect_config.json"
WEIGHTS_FILE = "adapter_model.safetensors"


class LoRAPerDialectModel(TunedModel):
    method = "lora-per-dialect"
    config_class = LoRAPerDialectConfig

    def __init__(self, model: nn.Module, config: LoRAPerDialectConfig, base_ref: ModelRef | None = None):
        super().__init__(model, base_ref)
        self.lpd_config = config
        self.routing = RoutingContext()
        freeze(model)
        replace_linears(
            model,
            config.targets,
            lambda name, lin: DialectLoRALinear(
                lin, len(config.dialects), config.rank, config.lora_alpha, self.routing
            ),
        )
        if config.train_norms:
            unfreeze_norms(model, [r"norm"])

    @classmethod
    def create(
        cls,
        model: nn.Module,
        config: LoRAPerDialectConfig | dict[str, Any] | None = None,
        base_ref: ModelRef | None = None,
    ) -> "LoRAPerDialectModel":
        if not isinstance(config, LoRAPerDialectConfig):
            config = LoRAPerDialectConfig.from_dict(config or {})
        return cls(model, config, base_ref)

    @property
    def needs_dialect_at_inference(self) -> bool:
        return True

    def merge_for_inference(self) -> "LoRAPerDialectModel":
        self.eval()
        return self

    def _save_weights(self, directory: Path) -> None:
        from safetensors.torch import save_file

        self.lpd_config.save(directory / CONFIG_FILE)
        state = {n: p.detach().contiguous().clone() for n, p in self.model.named_parameters() if p.requires_grad}
        save_file(state, str(directory / WEIGHTS_FILE), metadata={"method": self.method})

    @classmethod
    def load(cls, directory: Path, model: nn.Module | None = None, *, dtype: Any = None) -> "LoRAPerDialectModel":
        from safetensors.torch import load_file

        directory = Path(directory)
        config = LoRAPerDialectConfig.load(directory / CONFIG_FILE)
        base_ref, model = base_for_adapter(directory, model, dtype=dtype)
        tuned = cls(model, config, base_ref)
        params = dict(model.named_parameters())
        state = load_file(str(directory / WEIGHTS_FILE))
        missing = [n for n, p in params.items() if p.requires_grad and n not in state]
        if missing:
            raise ConfigError(f"{directory}: adapter lacks {missing[:3]}")
        with torch.no_grad():
            for name, value in state.items():
                params[name].copy_(value)
        return tuned
