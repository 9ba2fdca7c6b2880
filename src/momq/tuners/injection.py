"""Replacing a Hugging Face model's linear layers by adapter layers, by module-name pattern.

Shared by MoMQ and LoRA-per-dialect. Patterns are regular expressions searched in the full
module name (``model.layers.3.mlp.down_proj``), which is how the Llama family (SmolLM2
included), Qwen2 and Gemma 3 name their projections alike.
"""

from __future__ import annotations

import re
from typing import Callable, Iterable

from torch import nn

from momq.errors import ConfigError

_LAYER_INDEX = re.compile(r"layers\.(\d+)\.")


def matches(name: str, patterns: Iterable[str]) -> bool:
    return any(re.search(p, name) for p in patterns)


def layer_index(name: str, default: int) -> int:
    """The decoder layer a module belongs to (from ``layers.<i>.`` in its name)."""
    found = _LAYER_INDEX.search(name)
    return int(found.group(1)) if found else default


def replace_linears(model: nn.Module, patterns: list[str], make: Callable[[str, nn.Linear], nn.Module]) -> list[str]:
    """Replace every ``nn.Linear`` whose name matches ``patterns`` by ``make(name, linear)``.

    Returns the replaced names. Raises when nothing matched, which almost always means the
    patterns do not fit this architecture.
    """
    targets = [(n, m) for n, m in model.named_modules() if isinstance(m, nn.Linear) and matches(n, patterns)]
    for name, module in targets:
        parent_name, _, child = name.rpartition(".")
        parent = model.get_submodule(parent_name) if parent_name else model
        setattr(parent, child, make(name, module))
    if patterns and not targets:
        raise ConfigError(f"no linear layer of {type(model).__name__} matches {patterns}")
    return [n for n, _ in targets]


def freeze(model: nn.Module) -> None:
    for p in model.parameters():
        p.requires_grad_(False)


def unfreeze_norms(model: nn.Module, patterns: list[str]) -> list[str]:
    """Make the normalisation layers' parameters trainable (the paper unfreezes them)."""
    names = []
    for name, module in model.named_modules():
        leaf = name.rpartition(".")[2]
        if "norm" in type(module).__name__.lower() or matches(leaf, patterns):
            for pname, p in module.named_parameters(recurse=False):
                p.requires_grad_(True)
                names.append(f"{name}.{pname}")
    return names
