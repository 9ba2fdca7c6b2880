"""The base of every tuning method's configuration, as PEFT's ``PeftConfig``.

A method's config is a dataclass deriving from :class:`TunerConfig`: its fields carry
their help text in ``metadata["help"]`` (for recipe documentation and the CLI), unknown
keys are refused, and it is saved as JSON next to the weights (with the method's name),
so a saved model can be rebuilt without the recipe that trained it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from momq.errors import ConfigError

C = TypeVar("C", bound="TunerConfig")


@dataclass
class TunerConfig:
    #: the method's registry name, written into the saved config (``momq``, ``lora`` ...)
    method: ClassVar[str] = ""
    #: how messages name the method
    label: ClassVar[str] = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls: type[C], data: dict[str, Any]) -> C:
        unknown = sorted(set(data) - {f.name for f in fields(cls)})
        if unknown:
            raise ConfigError(f"unknown {cls.label or cls.method} config keys: {', '.join(unknown)}")
        return cls(**data)

    def save(self, path: Path) -> None:
        path.write_text(json.dumps({"method": self.method, **self.to_dict()}, indent=2) + "\n")

    @classmethod
    def load(cls: type[C], path: Path) -> C:
        data = json.loads(Path(path).read_text())
        data.pop("method", None)
        return cls.from_dict(data)

    @classmethod
    def help(cls) -> dict[str, str]:
        """Field name -> help text (used by recipe docs and the CLI)."""
        return {f.name: f.metadata.get("help", "") for f in fields(cls)}
