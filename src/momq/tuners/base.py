"""What every tuning method (MoMQ, LoRA, full fine-tuning, LoRA per dialect) provides.

Training, generation and analysis go through one interface, :class:`TunedModel`, so the
baselines take exactly the same code path as MoMQ: the same prompts, batches, optimiser,
schedule, checkpoints and generation. A tuned model

- wraps a Hugging Face causal LM and runs it with ``forward(input_ids, attention_mask,
  labels, dialect_labels)``, returning a :class:`TunerOutput` whose ``loss`` is the total
  training loss (LM loss on the query tokens plus the method's auxiliary losses);
- lists its trainable parameters;
- saves itself to a directory (``tuner.json`` naming the method, the method's weights
  and config, ``base_model.json`` pointing at the backbone) and loads from one;
- prepares itself for inference (merging what can be merged).

Dialect labels are a training signal; methods that route by the label at inference
(LoRA per dialect, MoMQ's hard-routing ablation) read them from :meth:`dialect_scope`.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Iterator

import torch
from torch import nn

from momq.backbones.models import ModelRef
from momq.errors import ConfigError

TUNER_FILE = "tuner.json"
BASE_FILE = "base_model.json"


@dataclass
class TunerOutput:
    """Losses and logits of one forward pass (auxiliary losses are 0-d tensors)."""

    loss: torch.Tensor | None
    lm_loss: torch.Tensor | None
    drl_loss: torch.Tensor
    balance_loss: torch.Tensor
    logits: torch.Tensor

    def scalars(self) -> dict[str, float]:
        """Losses as floats for logs and the progress bar."""
        out = {}
        for key in ("loss", "lm_loss", "drl_loss", "balance_loss"):
            value = getattr(self, key)
            if value is not None:
                out[key] = float(value.detach())
        return out


def lm_loss(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Mean next-token cross-entropy over the positions whose label is not -100."""
    shift_logits = logits[:, :-1].float()
    shift_labels = labels[:, 1:].to(logits.device)
    return nn.functional.cross_entropy(
        shift_logits.reshape(-1, shift_logits.shape[-1]), shift_labels.reshape(-1), ignore_index=-100
    )


class TunedModel(nn.Module):
    """Base class: a backbone plus a tuning method's trainable parts."""

    method: ClassVar[str]
    #: how dialect labels reach the layers of a method that routes by them (MoMQ, LoRA
    #: per dialect: a ``momq.tuners.momq.layer.RoutingContext``); None for the others
    routing: Any = None

    def __init__(self, model: nn.Module, base_ref: ModelRef | None = None):
        super().__init__()
        self.model = model
        self.base_ref = base_ref or ModelRef()
        self._scope_labels: torch.Tensor | None = None

    # -- forward ----------------------------------------------------------------------
    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        dialect_labels: torch.Tensor | None = None,
        **kwargs: Any,
    ) -> TunerOutput:
        self._route(dialect_labels if dialect_labels is not None else self._scope_labels)
        out = self.model(input_ids=input_ids, attention_mask=attention_mask, use_cache=False, **kwargs)
        loss = lm_loss(out.logits, labels) if labels is not None else None
        zero = out.logits.new_zeros((), dtype=torch.float32)
        return TunerOutput(loss=loss, lm_loss=loss, drl_loss=zero, balance_loss=zero, logits=out.logits)

    @property
    def config(self):
        """The backbone's HF config (generation code reads it)."""
        return self.model.config

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    def trainable_parameters(self) -> list[tuple[str, nn.Parameter]]:
        return [(n, p) for n, p in self.named_parameters() if p.requires_grad]

    def num_parameters(self) -> dict[str, int]:
        total = sum(p.numel() for p in self.parameters())
        trainable = sum(p.numel() for _, p in self.trainable_parameters())
        return {"total": total, "trainable": trainable}

    # -- dialect labels at inference --------------------------------------------------
    @contextlib.contextmanager
    def dialect_scope(self, labels: torch.Tensor | None) -> Iterator[None]:
        """Make per-sample dialect labels visible to layers in calls that bypass
        :meth:`forward` (``self.model.generate``)."""
        previous = self._scope_labels
        self._scope_labels = labels
        self._route(labels)
        try:
            yield
        finally:
            self._scope_labels = previous
            self._route(previous)

    def _route(self, labels: torch.Tensor | None) -> None:
        """Hand ``labels`` to the routing layers. They stay in the context after a
        forward: a checkpointed block re-runs during backward and reads them again."""
        if self.routing is not None:
            self.routing.dialect_labels = labels

    @property
    def needs_dialect_at_inference(self) -> bool:
        return False

    def inference_model(self) -> nn.Module:
        """The module whose ``generate`` produces text (merged where possible)."""
        return self.model

    # -- persistence ------------------------------------------------------------------
    def save(self, directory: Path) -> Path:
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        (directory / TUNER_FILE).write_text(json.dumps({"method": self.method}, indent=2) + "\n")
        self.base_ref.save(directory / BASE_FILE)
        self._save_weights(directory)
        return directory

    def _save_weights(self, directory: Path) -> None:
        raise NotImplementedError

    def trainable_state_dict(self) -> dict[str, torch.Tensor]:
        """The parameters training changes (what a checkpoint must hold)."""
        return {n: p.detach().clone() for n, p in self.trainable_parameters()}

    def load_trainable_state_dict(self, state: dict[str, torch.Tensor]) -> None:
        params = dict(self.named_parameters())
        missing = [n for n, _ in self.trainable_parameters() if n not in state]
        if missing:
            raise ConfigError(f"checkpoint lacks {len(missing)} trainable tensors, e.g. {missing[:3]}")
        with torch.no_grad():
            for name, value in state.items():
                params[name].copy_(value)


def read_method(directory: Path) -> str:
    path = Path(directory) / TUNER_FILE
    if not path.is_file():
        raise ConfigError(f"{directory} is not a saved momq model (no {TUNER_FILE})")
    return json.loads(path.read_text())["method"]


def read_base(directory: Path) -> ModelRef:
    path = Path(directory) / BASE_FILE
    return ModelRef.load(path) if path.is_file() else ModelRef()


def base_for_adapter(directory: Path, model: Any = None, *, dtype: Any = None) -> tuple[ModelRef, Any]:
    """The base-model pointer saved beside an adapter, and the backbone to load it into:
    ``model`` when given, else the backbone the pointer names."""
    base_ref = read_base(directory)
    if model is None:
        from momq.backbones.models import load_model

        model, _ = load_model(base_ref, dtype=dtype, with_tokenizer=False)
    return base_ref, model
