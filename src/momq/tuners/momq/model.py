"""Injecting MoMQ into a Hugging Face causal LM, training losses, saving and loading.

What :func:`inject` does to the backbone (paper section 3):

- freezes every base parameter;
- wraps the attention projections and the FFN up/gate projections in vanilla LoRA
  (:class:`~momq.tuners.momq.layer.LoRALinear`);
- turns each FFN down projection into the mixture of dialect expert groups plus the
  shared group (:class:`~momq.tuners.momq.layer.MoMQExperts`), or into vanilla LoRA for
  the "w/o dialect groups" ablation;
- unfreezes the normalisation layers.

:class:`MoMQModel` runs the backbone and returns ``loss = LM + alpha * DRL + lambda *
balance`` (eq. 12), the LM loss on the query tokens only (prompt tokens carry label -100).

Saved layout (a directory): ``tuner.json`` (method), ``momq_config.json``,
``adapter_model.safetensors`` (every trainable tensor: LoRA pairs, experts, routers,
norms), ``base_model.json`` (the backbone's :class:`~momq.backbones.models.ModelRef`).
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any, Iterator

import torch
from torch import nn

from momq.backbones.models import ModelRef
from momq.errors import ConfigError
from momq.tuners.base import TunedModel, TunerOutput, base_for_adapter, lm_loss
from momq.tuners.injection import freeze, layer_index, replace_linears, unfreeze_norms
from momq.tuners.momq.config import MoMQConfig
from momq.tuners.momq.layer import LoRALinear, MoMQExperts, RoutingContext, aux_losses

CONFIG_FILE = "momq_config.json"
WEIGHTS_FILE = "adapter_model.safetensors"


def inject(model: nn.Module, config: MoMQConfig, context: RoutingContext) -> dict[str, list[str]]:
    """Apply MoMQ to ``model`` in place; return the adapted module names by kind."""
    freeze(model)
    rank = config.effective_lora_rank
    if config.use_dialect_groups:
        moe = replace_linears(
            model,
            config.moe_targets,
            lambda name, lin: MoMQExperts(
                lin,
                num_groups=config.num_groups,
                num_experts=config.num_experts,
                top_k=config.top_k,
                num_shared=config.shared_experts,
                rank=config.expert_rank,
                alpha=config.lora_alpha,
                routing=config.routing,
                label_smoothing=config.label_smoothing,
                layer_index=layer_index(name, 0),
                context=context,
            ),
        )
        lora_patterns = config.lora_targets
    else:
        moe = []
        lora_patterns = config.lora_targets + config.moe_targets
    lora = replace_linears(model, lora_patterns, lambda name, lin: LoRALinear(lin, rank, config.lora_alpha))
    norms = unfreeze_norms(model, config.norm_patterns) if config.train_norms else []
    return {"moe": moe, "lora": lora, "norms": norms}


class MoMQModel(TunedModel):
    """A backbone with MoMQ injected; see the module docstring."""

    method = "momq"
    config_class = MoMQConfig

    def __init__(self, model: nn.Module, config: MoMQConfig, base_ref: ModelRef | None = None):
        super().__init__(model, base_ref)
        self.momq_config = config
        self.routing = RoutingContext()
        self.adapted = inject(model, config, self.routing)
        self.merged = False

    @classmethod
    def create(
        cls, model: nn.Module, config: MoMQConfig | dict[str, Any] | None = None, base_ref: ModelRef | None = None
    ) -> "MoMQModel":
        if not isinstance(config, MoMQConfig):
            config = MoMQConfig.from_dict(config or {})
        return cls(model, config, base_ref)

    # -- forward ----------------------------------------------------------------------
    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        dialect_labels: torch.Tensor | None = None,
        **kwargs: Any,
    ) -> TunerOutput:
        ctx = self.routing
        ctx.reset()
        # the sample labels, or those of an enclosing dialect_scope
        self._route(dialect_labels if dialect_labels is not None else self._scope_labels)
        ctx.token_mask = attention_mask
        ctx.compute_aux = labels is not None
        try:
            out = self.model(input_ids=input_ids, attention_mask=attention_mask, use_cache=False, **kwargs)
        finally:
            ctx.compute_aux = False
        aux = aux_losses(ctx, input_ids.shape[0], input_ids.shape[1])
        ctx.stats.clear()
        device = out.logits.device
        drl, bal = aux["drl"].to(device), aux["balance"].to(device)
        if labels is None:
            return TunerOutput(loss=None, lm_loss=None, drl_loss=drl, balance_loss=bal, logits=out.logits)
        lm = lm_loss(out.logits, labels)
        cfg = self.momq_config
        total = lm + cfg.drl_weight * drl + cfg.balance_weight * bal
        return TunerOutput(loss=total, lm_loss=lm, drl_loss=drl, balance_loss=bal, logits=out.logits)

    # -- inference helpers ---------------------------------------------------------------
    @property
    def needs_dialect_at_inference(self) -> bool:
        return self.momq_config.use_dialect_groups and self.momq_config.routing == "hard"

    @contextlib.contextmanager
    def record_routing(self) -> Iterator[dict[int, dict[str, torch.Tensor]]]:
        """Record every MoMQ layer's dialect-router and expert weights while active.

        Yields a dict ``layer index -> {"dialect": (B, S, M), "experts": (B, S, M, N)}``
        filled by each forward pass (the last pass wins).
        """
        self.routing.record = True
        try:
            yield self.routing.records
        finally:
            self.routing.record = False

    def merge_for_inference(self) -> "MoMQModel":
        """Fold the vanilla LoRA modules and the shared experts into the base weights.

        Only the routed experts stay as adapters (their weights depend on the token). The
        merged model generates faster but can no longer be trained or saved.
        """
        if self.merged:
            return self
        for name, module in list(self.model.named_modules()):
            if isinstance(module, LoRALinear):
                parent_name, _, child = name.rpartition(".")
                parent = self.model.get_submodule(parent_name) if parent_name else self.model
                setattr(parent, child, module.merged())
            elif isinstance(module, MoMQExperts):
                module.merge_shared()
        self.merged = True
        self.eval()
        return self

    # -- persistence ------------------------------------------------------------------
    def adapter_state_dict(self) -> dict[str, torch.Tensor]:
        """Trainable tensors keyed by their name inside the backbone."""
        return {n: p.detach().contiguous().clone() for n, p in self.model.named_parameters() if p.requires_grad}

    def _save_weights(self, directory: Path) -> None:
        from safetensors.torch import save_file

        if self.merged:
            raise ConfigError("a merged MoMQ model cannot be saved; save before merge_for_inference()")
        self.momq_config.save(directory / CONFIG_FILE)
        save_file(self.adapter_state_dict(), str(directory / WEIGHTS_FILE), metadata={"method": self.method})

    @classmethod
    def load(cls, directory: Path, model: nn.Module | None = None, *, dtype: Any = None) -> "MoMQModel":
        """Rebuild a saved MoMQ model; ``model`` is the backbone (loaded from the pointer when None)."""
        from safetensors.torch import load_file

        directory = Path(directory)
        config = MoMQConfig.load(directory / CONFIG_FILE)
        base_ref, model = base_for_adapter(directory, model, dtype=dtype)
        tuned = cls(model, config, base_ref)
        state = load_file(str(directory / WEIGHTS_FILE))
        expected = set(tuned.adapter_state_dict())
        if set(state) != expected:
            missing, extra = sorted(expected - set(state)), sorted(set(state) - expected)
            raise ConfigError(
                f"{directory}: adapter does not fit the backbone (missing {missing[:3]}, unexpected {extra[:3]})"
            )
        params = dict(model.named_parameters())
        with torch.no_grad():
            for name, value in state.items():
                params[name].copy_(value.to(params[name].dtype))
        return tuned
