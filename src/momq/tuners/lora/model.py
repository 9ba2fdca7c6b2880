"""Vanilla LoRA through PEFT, behind momq's :class:`~momq.tuners.base.TunedModel` interface.

``lora_dropout`` is fixed at 0: on CPU, PEFT's dropout path costs 25-35% of the step time.
Saved layout: PEFT's ``adapter_config.json`` + ``adapter_model.safetensors``, momq's
``lora_config.json``, ``tuner.json`` and ``base_model.json``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from torch import nn

from momq.backbones.models import ModelRef
from momq.tuners.base import TunedModel, base_for_adapter
from momq.tuners.injection import unfreeze_norms
from momq.tuners.lora.config import LoRAConfig

CONFIG_FILE = "lora_config.json"
NORMS_FILE = "norms.safetensors"


def _peft_config(config: LoRAConfig):
    from peft import LoraConfig

    return LoraConfig(
        r=config.rank,
        lora_alpha=config.lora_alpha,
        lora_dropout=0.0,
        target_modules=list(config.target_modules),
        bias="none",
        task_type="CAUSAL_LM",
    )


class LoRAModel(TunedModel):
    method = "lora"
    config_class = LoRAConfig

    def __init__(self, peft_model: nn.Module, config: LoRAConfig, base_ref: ModelRef | None = None):
        super().__init__(peft_model, base_ref)
        self.lora_config = config
        if config.train_norms:
            unfreeze_norms(peft_model, [r"norm"])
        self.merged = False

    @classmethod
    def create(
        cls, model: nn.Module, config: LoRAConfig | dict[str, Any] | None = None, base_ref: ModelRef | None = None
    ) -> "LoRAModel":
        from peft import get_peft_model

        if not isinstance(config, LoRAConfig):
            config = LoRAConfig.from_dict(config or {})
        return cls(get_peft_model(model, _peft_config(config)), config, base_ref)

    def merge_for_inference(self) -> "LoRAModel":
        """Fold the LoRA updates into the base weights (PEFT ``merge_and_unload``)."""
        if not self.merged:
            self.model = self.model.merge_and_unload()
            self.merged = True
            self.eval()
        return self

    def _norm_state(self) -> dict[str, torch.Tensor]:
        return {
            n: p.detach().contiguous().clone()
            for n, p in self.model.named_parameters()
            if p.requires_grad and "lora_" not in n
        }

    def _save_weights(self, directory: Path) -> None:
        from safetensors.torch import save_file

        self.lora_config.save(directory / CONFIG_FILE)
        self.model.save_pretrained(str(directory))
        if self.lora_config.train_norms:
            save_file(self._norm_state(), str(directory / NORMS_FILE))

    @classmethod
    def load(cls, directory: Path, model: nn.Module | None = None, *, dtype: Any = None) -> "LoRAModel":
        from peft import PeftModel

        directory = Path(directory)
        config = LoRAConfig.load(directory / CONFIG_FILE)
        base_ref, model = base_for_adapter(directory, model, dtype=dtype)
        peft_model = PeftModel.from_pretrained(model, str(directory), is_trainable=True)
        tuned = cls(peft_model, config, base_ref)
        if config.train_norms:
            from safetensors.torch import load_file

            params = dict(peft_model.named_parameters())
            with torch.no_grad():
                for name, value in load_file(str(directory / NORMS_FILE)).items():
                    params[name].copy_(value)
        return tuned
