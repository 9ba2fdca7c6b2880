"""Tuning methods behind one interface (:class:`momq.tuners.base.TunedModel`).

``get_method(name)`` returns the class of a method; each class offers
``create(model, config, base_ref)`` (wrap a freshly loaded backbone), ``load(directory,
model=None)`` (rebuild a saved one) and ``config_class``.

========================  ===================================================================
``momq``                  MoMQ: LoRA + mixture of dialect expert groups (``tuners/momq``)
``lora``                  vanilla LoRA through PEFT
``full``                  full fine-tuning
``lora-per-dialect``      one LoRA per dialect, chosen by the dialect tag
========================  ===================================================================

Modules are imported on first use so that ``import momq.tuners`` stays light.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from momq.errors import ConfigError

_METHODS = {
    "momq": "momq.tuners.momq.model:MoMQModel",
    "lora": "momq.tuners.lora.model:LoRAModel",
    "full": "momq.tuners.full.model:FullModel",
    "lora-per-dialect": "momq.tuners.lora_per_dialect.model:LoRAPerDialectModel",
}


def method_names() -> list[str]:
    return list(_METHODS)


def get_method(name: str) -> Any:
    """The :class:`~momq.tuners.base.TunedModel` subclass implementing method ``name``."""
    try:
        target = _METHODS[name]
    except KeyError:
        raise ConfigError(f"unknown tuning method {name!r}; known: {', '.join(_METHODS)}") from None
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


def load_tuned(directory: str | Path, model: Any = None, *, dtype: Any = None) -> Any:
    """Load any saved tuned model (the method is read from its ``tuner.json``)."""
    from momq.tuners.base import read_method

    return get_method(read_method(Path(directory))).load(Path(directory), model, dtype=dtype)
