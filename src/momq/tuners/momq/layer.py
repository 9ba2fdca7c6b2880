"""MoMQ layers: vanilla LoRA and the mixture of dialect expert groups (paper section 3).

Notation (the paper's): ``h`` is the input of the adapted projection ``W0``; every expert
is a LoRA pair ``E(h) = B A h`` of rank ``r`` scaled by ``lora_alpha / r``.

Expert router inside dialect group ``i`` (eq. 3-5)::

    p^i(h)   = softmax(W_e^i h)                        # over the N experts of group i
    g^i_j(h) = p^i_j(h) if j is among the K largest p^i, else 0   (no renormalisation)
    G_i(h)   = sum_j g^i_j(h) E^i_j(h)

Dialect router and shared group (eq. 9)::

    d(h) = softmax(W_d h)                              # over the M dialect groups
    y    = W0 h + sum_i d_i(h) G_i(h) + sum_{s=1..N_s} E^s(h)

The dialect router is soft: every token reaches every group in proportion to ``d``, so a
token that looks like another dialect's can borrow that group's experts. The shared group
has no router: every token goes through all ``N_s`` shared experts with weight 1.

Losses (per layer from the routing tensors each layer reports, then averaged over layers;
see :func:`aux_losses`):

- Dialect Router Loss (eq. 10-11): the standard smoothed cross-entropy, i.e. the
  cross-entropy of ``d(h)`` against the sample's dialect label smoothed with ``epsilon``
  (``(1 - eps) * onehot + eps / M``; momq's reading of eq. 11), averaged over the
  real (non-padding) tokens, prompt and query alike: the routers see every token.
- Expert Balance Loss (eq. 6-8), per group: ``N * sum_j f_j * P_j`` where ``f_j`` is the
  fraction of the group's tokens whose top-K holds expert ``j`` (divided by K so that a
  perfectly balanced router scores 1 whatever K is) and ``P_j`` the mean router
  probability of expert ``j``; averaged over groups and layers.

Efficiency: all experts of all groups are evaluated together as one low-rank product. The
``A`` matrices of the ``E = M*N + N_s`` experts are concatenated into one ``(in, E*r)``
matrix and the ``B`` matrices into one ``(E*r, out)`` matrix, so a layer costs two matmuls
whatever the number of experts; routing is a per-(token, expert) weight applied between
them (zero outside the top-K, which also zeroes those experts' gradients). There is no
Python loop over tokens or experts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from momq.errors import ConfigError


@dataclass
class LayerRouting:
    """What one layer's forward hands to the loss computation (tensors in the graph)."""

    probs: torch.Tensor  # (T, M, N) expert-router probabilities
    top_i: torch.Tensor  # (T, M, K) indices of the kept experts
    dialect: torch.Tensor  # (T, M) group weights
    dialect_logits: torch.Tensor | None  # (T, M), soft routing only
    routing: str
    top_k: int
    label_smoothing: float


@dataclass
class RoutingContext:
    """State shared by all MoMQ layers of one model during one forward pass.

    The model wrapper fills it before calling the backbone: the samples' dialect labels
    (a training signal, and the group choice of the hard-routing ablation), the mask of
    real (non-padding) tokens, and whether to compute auxiliary losses or record routing
    weights. Layers append their routing tensors (``stats``) and records to it; the losses
    are computed from ``stats`` after the backbone's forward by :func:`aux_losses`.

    Keeping loss arithmetic out of the layers matters for activation checkpointing: a
    checkpointed block is re-run during backward and must save exactly the same tensors
    both times. The labels stay in the context after the forward for the same reason
    (the hard-routing recomputation reads them).
    """

    dialect_labels: torch.Tensor | None = None  # (B,) long
    token_mask: torch.Tensor | None = None  # (B, S) bool
    compute_aux: bool = False
    record: bool = False
    stats: list["LayerRouting"] = field(default_factory=list)
    records: dict[int, dict[str, torch.Tensor]] = field(default_factory=dict)

    def reset(self) -> None:
        self.stats.clear()
        self.records.clear()

    def token_labels(self, batch: int, seq: int, device: torch.device) -> torch.Tensor | None:
        """Per-token dialect labels ``(B*S,)`` from the per-sample labels.

        Beam search and sampling repeat each sample ``k`` times (``repeat_interleave``);
        the labels follow that layout.
        """
        labels = self.sample_labels(batch, device)
        if labels is None:
            return None
        return labels[:, None].expand(batch, seq).reshape(-1)

    def sample_labels(self, batch: int, device: torch.device) -> torch.Tensor | None:
        """Per-sample labels ``(batch,)``, repeated when generation expanded the batch."""
        labels = self.dialect_labels
        if labels is None:
            return None
        labels = labels.to(device)
        if labels.shape[0] != batch:
            if batch % labels.shape[0]:
                raise ConfigError(f"{labels.shape[0]} dialect labels for a batch of {batch}")
            labels = labels.repeat_interleave(batch // labels.shape[0])
        return labels

    def flat_mask(self, batch: int, seq: int, device: torch.device) -> torch.Tensor:
        mask = self.token_mask
        if mask is None or mask.shape != (batch, seq):
            return torch.ones(batch * seq, dtype=torch.bool, device=device)
        return mask.to(device).reshape(-1).bool()


def _init_lora_a(weight: torch.Tensor, fan_in: int) -> None:
    """PEFT's default: Kaiming-uniform A (as nn.Linear), zero B, so training starts at W0."""
    # kaiming_uniform_(a=sqrt(5)) as nn.Linear and PEFT do: U(-1/sqrt(fan_in), 1/sqrt(fan_in))
    bound = 1.0 / math.sqrt(fan_in)
    with torch.no_grad():
        weight.uniform_(-bound, bound)


def _lora_input(x: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """Under autocast the matmul picks its own dtype; otherwise match the LoRA weights."""
    return x if torch.is_autocast_enabled(x.device.type) else x.to(dtype)


class LoRALinear(nn.Module):
    """``y = W0 x + (alpha / r) B A x`` around a frozen ``nn.Linear`` (vanilla LoRA).

    No dropout: on CPU, LoRA dropout costs 25-35% of the step time for little benefit.
    """

    def __init__(self, base: nn.Linear, rank: int, alpha: float):
        super().__init__()
        self.base_layer = base
        self.rank = rank
        self.scaling = alpha / rank
        w = base.weight
        self.lora_A = nn.Parameter(torch.empty(rank, base.in_features, device=w.device, dtype=torch.float32))
        self.lora_B = nn.Parameter(torch.zeros(base.out_features, rank, device=w.device, dtype=torch.float32))
        _init_lora_a(self.lora_A, base.in_features)

    @property
    def weight(self) -> torch.Tensor:  # some HF code reads ``proj.weight`` (dtype checks)
        return self.base_layer.weight

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.base_layer(x)
        delta = F.linear(F.linear(_lora_input(x, self.lora_A.dtype), self.lora_A), self.lora_B)
        return out + (delta * self.scaling).to(out.dtype)

    def merged(self) -> nn.Linear:
        """The base layer with ``(alpha / r) B A`` added to its weight (for inference)."""
        with torch.no_grad():
            delta = (self.lora_B @ self.lora_A) * self.scaling
            self.base_layer.weight += delta.to(self.base_layer.weight.dtype)
        return self.base_layer


class MoMQExperts(nn.Module):
    """The down projection as a mixture of M dialect expert groups plus a shared group.

    Parameters (trainable; the wrapped ``base_layer`` stays frozen):

    - ``lora_A`` ``(in, E*r)`` and ``lora_B`` ``(E*r, out)``: the E experts' LoRA pairs,
      group experts first (group-major: group 0's N experts, group 1's ...), shared last.
    - ``expert_router`` ``(in -> M*N)``: the M groups' top-K expert routers ``W_e^i``.
    - ``dialect_router`` ``(in -> M)``: ``W_d``, only with soft routing.
    """

    def __init__(
        self,
        base: nn.Linear,
        *,
        num_groups: int,
        num_experts: int,
        top_k: int,
        num_shared: int,
        rank: int,
        alpha: float,
        routing: str,
        label_smoothing: float,
        layer_index: int,
        context: RoutingContext,
    ):
        super().__init__()
        self.base_layer = base
        self.num_groups, self.num_experts, self.top_k = num_groups, num_experts, top_k
        self.num_shared, self.rank, self.routing = num_shared, rank, routing
        self.scaling = alpha / rank
        self.label_smoothing = label_smoothing
        self.layer_index = layer_index
        self.context = context  # one context object shared by all layers of the model
        d_in, d_out = base.in_features, base.out_features
        n_total = num_groups * num_experts + num_shared
        dev = base.weight.device
        self.lora_A = nn.Parameter(torch.empty(d_in, n_total * rank, device=dev))
        self.lora_B = nn.Parameter(torch.zeros(n_total * rank, d_out, device=dev))
        _init_lora_a(self.lora_A, d_in)
        self.expert_router = nn.Linear(d_in, num_groups * num_experts, bias=False, device=dev)
        self.dialect_router = nn.Linear(d_in, num_groups, bias=False, device=dev) if routing == "soft" else None

    @property
    def weight(self) -> torch.Tensor:
        return self.base_layer.weight

    @property
    def num_total(self) -> int:
        return self.num_groups * self.num_experts + self.num_shared

    def dialect_weights(self, h: torch.Tensor, batch: int, seq: int) -> tuple[torch.Tensor, torch.Tensor | None]:
        """``(T, M)`` weights of the dialect groups and, with soft routing, their logits."""
        ctx, m = self.context, self.num_groups
        if self.routing == "soft":
            logits = self.dialect_router(_lora_input(h, self.dialect_router.weight.dtype)).float()
            return logits.softmax(-1), logits
        if self.routing == "hard":
            labels = ctx.token_labels(batch, seq, h.device)
            if labels is None:
                raise ConfigError(
                    "this adapter routes by the dialect label (ablation 'w/o DRL'): pass the dialect at inference too"
                )
            return F.one_hot(labels, m).float(), None
        # random: a uniformly random group per token while training; its expectation
        # (uniform weights) at inference, so evaluation is deterministic
        if self.training:
            pick = torch.randint(0, m, (h.shape[0],), device=h.device)
            return F.one_hot(pick, m).float(), None
        return torch.full((h.shape[0], m), 1.0 / m, device=h.device), None

    def routing_weights(self, h: torch.Tensor, batch: int, seq: int) -> dict[str, torch.Tensor]:
        """Routing of the flattened tokens ``h`` ``(T, in)``.

        Returns ``weights`` ``(T, E)``: the weight of every expert for every token, group
        experts (``d_i * g^i_j``) then shared experts (1); plus the pieces the losses
        need: ``probs`` ``(T, M, N)``, ``top_i`` ``(T, M, K)``, ``dialect`` ``(T, M)``
        and ``dialect_logits`` (soft routing only).
        """
        t, m, n, k = h.shape[0], self.num_groups, self.num_experts, self.top_k
        # expert routers of all groups at once: (T, M, N) probabilities, top-K kept
        # routers are float32: a bf16 backbone without autocast casts its input to them
        probs = self.expert_router(_lora_input(h, self.expert_router.weight.dtype)).float().view(t, m, n).softmax(-1)
        top_p, top_i = probs.topk(k, dim=-1)
        gates = torch.zeros_like(probs).scatter(-1, top_i, top_p)
        dialect, dialect_logits = self.dialect_weights(h, batch, seq)
        group_weights = dialect[:, :, None] * gates
        weights = group_weights.reshape(t, m * n)
        if self.num_shared:
            weights = torch.cat([weights, weights.new_ones(t, self.num_shared)], dim=-1)
        return {
            "weights": weights,
            "group_weights": group_weights,
            "probs": probs,
            "top_i": top_i,
            "dialect": dialect,
            "dialect_logits": dialect_logits,
        }

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.base_layer(x)
        lead = x.shape[:-1]
        batch, seq = (lead[0], lead[1]) if len(lead) == 2 else (1, int(math.prod(lead)))
        h = x.reshape(-1, x.shape[-1])
        t = h.shape[0]
        r = self.routing_weights(h, batch, seq)
        # all experts in two matmuls: (T, in) @ (in, E*r) -> weight per expert -> @ (E*r, out)
        low = _lora_input(h, self.lora_A.dtype) @ self.lora_A
        low = (low.view(t, self.num_total, self.rank) * r["weights"].to(low.dtype)[:, :, None]).view(t, -1)
        delta = (low @ self.lora_B) * self.scaling
        ctx = self.context
        if ctx.compute_aux:
            ctx.stats.append(
                LayerRouting(
                    r["probs"],
                    r["top_i"],
                    r["dialect"],
                    r["dialect_logits"],
                    self.routing,
                    self.top_k,
                    self.label_smoothing,
                )
            )
        if ctx.record:
            m, n = self.num_groups, self.num_experts
            ctx.records[self.layer_index] = {
                "dialect": r["dialect"].detach().float().cpu().view(batch, seq, m),
                "experts": r["group_weights"].detach().float().cpu().view(batch, seq, m, n),
            }
        return out + delta.view(*lead, -1).to(out.dtype)

    def merge_shared(self) -> None:
        """Fold the always-active shared experts into the frozen base weight (inference).

        The shared group has no router (weight 1 for every token), so its experts form one
        fixed linear map; folding it removes ``N_s`` experts from every forward.
        """
        if not self.num_shared:
            return
        g = self.num_groups * self.num_experts * self.rank
        with torch.no_grad():
            delta = (self.lora_A[:, g:] @ self.lora_B[g:]) * self.scaling  # (in, out)
            self.base_layer.weight += delta.t().to(self.base_layer.weight.dtype)
        self.lora_A = nn.Parameter(self.lora_A.data[:, :g].clone(), requires_grad=self.lora_A.requires_grad)
        self.lora_B = nn.Parameter(self.lora_B.data[:g].clone(), requires_grad=self.lora_B.requires_grad)
        self.num_shared = 0

    def extra_repr(self) -> str:
        return (
            f"groups={self.num_groups}, experts={self.num_experts}, top_k={self.top_k}, "
            f"shared={self.num_shared}, rank={self.rank}, routing={self.routing}"
        )


def aux_losses(context: RoutingContext, batch: int, seq: int) -> dict[str, torch.Tensor]:
    """Dialect Router Loss and Expert Balance Loss of the last forward, averaged over layers.

    Per layer (``T = batch * seq`` tokens, padding excluded by the context's mask):

    - DRL: ``mean_t CE(d(h_t), (1 - eps) onehot(label) + eps / M)`` (soft routing only);
    - balance: mean over groups of ``N * sum_j f_j P_j``, where for group ``i`` the tokens
      counted are all real tokens (soft/random routing) or those labelled ``i`` (hard),
      ``f_j`` = share of those tokens whose top-K holds expert ``j`` divided by K, and
      ``P_j`` = their mean router probability of expert ``j``.

    Zero tensors when no layer reported (e.g. the "w/o dialect groups" ablation).
    """
    drl, balance = [], []
    for st in context.stats:
        device = st.probs.device
        t, m, n = st.probs.shape
        mask = context.flat_mask(batch, seq, device).float()
        labels = context.token_labels(batch, seq, device)
        if st.dialect_logits is not None and labels is not None:
            eps = st.label_smoothing
            target = F.one_hot(labels, m).float() * (1.0 - eps) + eps / m
            ce = -(target * st.dialect_logits.float().log_softmax(-1)).sum(-1)
            drl.append((ce * mask).sum() / mask.sum().clamp_min(1.0))
        chosen = torch.zeros_like(st.probs).scatter(-1, st.top_i, 1.0)  # top-K indicator
        if st.routing == "hard":
            token_w = mask[:, None] * (st.dialect > 0).float()  # only the labelled group
        else:
            token_w = mask[:, None].expand(-1, m)
        count = token_w.sum(0)
        denom = count.clamp_min(1.0)[:, None]
        f = (chosen * token_w[:, :, None]).sum(0) / (denom * st.top_k)  # (M, N)
        p = (st.probs * token_w[:, :, None]).sum(0) / denom
        per_group = n * (f * p).sum(-1)
        present = count > 0
        if present.any():
            balance.append(per_group[present].mean())
    zero = torch.zeros(())
    return {
        "drl": torch.stack(drl).mean() if drl else zero,
        "balance": torch.stack(balance).mean() if balance else zero,
    }
