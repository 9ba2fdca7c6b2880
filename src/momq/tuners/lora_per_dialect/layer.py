"""A linear layer with one LoRA pair per dialect, chosen per sample by its dialect tag.

All dialects' pairs live in two stacked tensors ``A (M, r, in)`` and ``B (M, out, r)``;
a batch mixing dialects gathers each sample's pair and runs two batched matmuls, so one
batch can hold every dialect (no per-dialect Python loop or adapter switching).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from momq.errors import ConfigError
from momq.tuners.momq.layer import RoutingContext


class DialectLoRALinear(nn.Module):
    def __init__(self, base: nn.Linear, num_dialects: int, rank: int, alpha: float, context: RoutingContext):
        super().__init__()
        self.base_layer = base
        self.rank, self.scaling = rank, alpha / rank
        self.context = context
        dev = base.weight.device
        bound = 1.0 / math.sqrt(base.in_features)
        self.lora_A = nn.Parameter(
            torch.empty(num_dialects, rank, base.in_features, device=dev).uniform_(-bound, bound)
        )
        self.lora_B = nn.Parameter(torch.zeros(num_dialects, base.out_features, rank, device=dev))

    @property
    def weight(self) -> torch.Tensor:
        return self.base_layer.weight

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.base_layer(x)
        batch = x.shape[0]
        labels = self.context.sample_labels(batch, x.device)
        if labels is None:
            raise ConfigError("lora-per-dialect needs the dialect of every sample (training and inference)")
        xs = x.reshape(batch, -1, x.shape[-1])
        if not torch.is_autocast_enabled(x.device.type):
            xs = xs.to(self.lora_A.dtype)
        low = torch.bmm(xs, self.lora_A[labels].transpose(1, 2))
        delta = torch.bmm(low, self.lora_B[labels].transpose(1, 2)) * self.scaling
        return out + delta.view(*x.shape[:-1], -1).to(out.dtype)
