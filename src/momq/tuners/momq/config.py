"""Configuration of the MoMQ adapter (mixture of LoRA experts with dialect expert groups).

Every field carries its help text in ``metadata["help"]`` so the CLI and the recipe
documentation can show it; the config is saved as JSON next to the adapter weights, so a
saved adapter can be rebuilt without the recipe that trained it.

Defaults are the paper's (MoMQ, section 4 "implementation details"): ``N_s = 2`` shared
experts, ``M = 4`` dialect groups, ``N = 8`` experts per group, top-``K = 2``, rank
``r = 64`` (for a 1.5B backbone; use 8-16 for SmolLM2-135M), label smoothing
``epsilon = 0.1``, DRL weight ``alpha = 0.1``, balance weight ``lambda = 0.001``.

Two readings worth stating: ``num_experts`` is per dialect group, while the paper's
Table 7 counts experts in total (8, 16, 32, 64 over four groups = 2, 4, 8, 16 per group);
the Dialect Router Loss (eq. 10-11) is implemented as the standard cross-entropy against
the label-smoothed dialect one-hot, ``(1 - eps) * onehot + eps / M``, which is how momq
reads eq. 11. The paper does not give its learning rate; recipes state their own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from momq.errors import ConfigError
from momq.tuners.config import TunerConfig

#: Fixed dialect order agreed with the benchmark builder: the dialect label of a training
#: example is its index in this list.
DEFAULT_DIALECTS = ["mysql", "postgres", "cypher", "ngql"]

#: Module-name patterns (regular expressions matched with ``re.search`` against the full
#: module name) for the Llama family, Qwen2 and Gemma 3, which share projection names.
DEFAULT_LORA_TARGETS = [
    r"layers\.\d+\.self_attn\.(q|k|v|o)_proj$",
    r"layers\.\d+\.mlp\.(gate|up)_proj$",
]
DEFAULT_MOE_TARGETS = [r"layers\.\d+\.mlp\.down_proj$"]
DEFAULT_NORM_PATTERNS = [r"norm"]

#: Named ablations of the paper's Table 5 mapped to the switches they set. The columns
#: of Table 5 are cumulative, each removing one more component from the previous one:
#: w/o shared group; w/o DRL (and without the shared group); w/o dialect router (and
#: without the shared group and the DRL: a random group per token); w/o dialect expert
#: groups (no mixture left: vanilla LoRA on every projection, norms frozen, which is
#: exactly the LoRA baseline).
ABLATIONS: dict[str, dict[str, Any]] = {
    "none": {},
    "no_shared_group": {"use_shared_group": False},
    "no_drl": {"use_shared_group": False, "routing": "hard"},
    "no_dialect_router": {"use_shared_group": False, "routing": "random"},
    "no_dialect_groups": {
        "use_shared_group": False,
        "routing": "random",
        "use_dialect_groups": False,
        "train_norms": False,
    },
}

ROUTING_MODES = ("soft", "hard", "random")


def _f(default: Any, help: str, **kw: Any) -> Any:
    if isinstance(default, list):
        return field(default_factory=lambda d=default: list(d), metadata={"help": help}, **kw)
    return field(default=default, metadata={"help": help}, **kw)


@dataclass
class MoMQConfig(TunerConfig):
    """Hyper-parameters and switches of one MoMQ adapter."""

    method = "momq"
    label = "MoMQ"

    dialects: list[str] = _f(
        DEFAULT_DIALECTS, "dialect names; a sample's label is the index of its dialect (M = len(dialects))"
    )
    num_experts: int = _f(
        8,
        "N: LoRA experts in each dialect expert group (per group: the paper's Table 7 counts "
        "8/16/32/64 are totals over the M=4 groups, i.e. num_experts 2/4/8/16)",
    )
    top_k: int = _f(2, "K: experts kept by the top-K expert router inside a group")
    num_shared_experts: int = _f(2, "N_s: LoRA experts of the shared group every token goes through")
    expert_rank: int = _f(64, "r: rank of every LoRA expert (paper: 64 for a 1.5B model)")
    lora_rank: int | None = _f(None, "rank of the vanilla LoRA modules (attention, up/gate); None = expert_rank")
    lora_alpha: float = _f(16.0, "LoRA scaling numerator: each LoRA/expert output is multiplied by lora_alpha / rank")
    label_smoothing: float = _f(0.1, "epsilon of the Dialect Router Loss's smoothed dialect label (eq. 10-11)")
    drl_weight: float = _f(0.1, "alpha: weight of the Dialect Router Loss in the total loss (eq. 12)")
    balance_weight: float = _f(0.001, "lambda: weight of the Expert Balance Loss in the total loss (eq. 12)")
    routing: str = _f(
        "soft",
        "dialect routing: soft = learned dialect router (MoMQ); hard = the sample's dialect label "
        "picks one group (ablation 'w/o DRL'); random = a random group per token ('w/o dialect router')",
    )
    use_shared_group: bool = _f(True, "keep the shared expert group (False = ablation 'w/o shared group')")
    use_dialect_groups: bool = _f(
        True, "False = ablation 'w/o dialect groups': the down projection gets vanilla LoRA too"
    )
    train_norms: bool = _f(True, "unfreeze the normalisation layers (the paper does)")
    lora_targets: list[str] = _f(DEFAULT_LORA_TARGETS, "regexes of module names that get vanilla LoRA")
    moe_targets: list[str] = _f(DEFAULT_MOE_TARGETS, "regexes of module names that become the mixture of expert groups")
    norm_patterns: list[str] = _f(DEFAULT_NORM_PATTERNS, "regexes of parameter names unfrozen when train_norms is set")
    ablation: str = _f("none", "shortcut naming one of the paper's Table 5 ablations: " + ", ".join(ABLATIONS))

    def __post_init__(self) -> None:
        if self.ablation not in ABLATIONS:
            raise ConfigError(f"unknown ablation {self.ablation!r}; known: {', '.join(ABLATIONS)}")
        for key, value in ABLATIONS[self.ablation].items():
            setattr(self, key, value)
        if self.routing not in ROUTING_MODES:
            raise ConfigError(f"routing must be one of {ROUTING_MODES}, not {self.routing!r}")
        if not 1 <= self.top_k <= self.num_experts:
            raise ConfigError(f"top_k={self.top_k} must lie in 1..num_experts={self.num_experts}")
        if self.expert_rank < 1 or (self.lora_rank is not None and self.lora_rank < 1):
            raise ConfigError("ranks must be positive")
        if not 0.0 <= self.label_smoothing < 1.0:
            raise ConfigError("label_smoothing must lie in [0, 1)")
        if len(set(self.dialects)) != len(self.dialects) or not self.dialects:
            raise ConfigError(f"dialects must be distinct and non-empty: {self.dialects}")

    # -- derived sizes ----------------------------------------------------------------
    @property
    def num_groups(self) -> int:
        """M: one expert group per dialect."""
        return len(self.dialects)

    @property
    def shared_experts(self) -> int:
        """Shared experts actually built (0 when the shared group is ablated)."""
        return self.num_shared_experts if self.use_shared_group else 0

    @property
    def effective_lora_rank(self) -> int:
        return self.lora_rank or self.expert_rank

    def dialect_index(self, name: str) -> int:
        try:
            return self.dialects.index(name)
        except ValueError:
            raise ConfigError(f"unknown dialect {name!r}; this adapter knows {self.dialects}") from None
