"""Export a LoRA adapter saved by ``momq train`` to a GGUF LoRA adapter for llama.cpp.

llama.cpp applies a LoRA adapter at run time on top of the quantised base model
(``Llama(model_path=BASE.gguf, lora_path=ADAPTER.gguf)``), so a LoRA-tuned model answers
at the fast backend's speed instead of the transformers backend's (see ``benchmarks/``).
The file follows llama.cpp's ``convert_lora_to_gguf.py`` layout:

- metadata ``general.architecture`` (the base's), ``general.type = adapter``,
  ``adapter.type = lora`` and ``adapter.lora.alpha`` (llama.cpp scales by alpha / rank);
- for each adapted projection a pair ``blk.N.<tensor>.weight.lora_a`` (rank x in, PEFT's
  ``lora_A``) and ``...lora_b`` (out x rank, PEFT's ``lora_B``), named with gguf's own
  Hugging Face -> GGUF tensor map;
- for the ``llama`` architecture, whose GGUF stores the query and key rows permuted for
  rotary embeddings (and which transformers un-permutes when it loads the GGUF), the
  rows of ``lora_b`` of ``q_proj`` / ``k_proj`` are permuted the same way.

Only plain LoRA pairs can be expressed: an adapter that also trained normalisation
layers (``train_norms``), DoRA, or MoMQ's routed experts (a router picks experts per
token; nothing can be merged or run by llama.cpp) is refused with a clear error.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

from momq.errors import ConfigError

#: file name of the exported adapter inside the adapter directory (the llama.cpp backend
#: looks for it there)
GGUF_ADAPTER = "adapter.gguf"
PEFT_CONFIG = "adapter_config.json"
PEFT_WEIGHTS = "adapter_model.safetensors"
_PAIR = re.compile(r"^(?:base_model\.model\.)?(?P<stem>.+)\.lora_(?P<part>[AB])(?:\.default)?\.weight$")


def gguf_metadata(path: Path) -> dict[str, Any]:
    """Architecture, block count and head counts of a GGUF model file."""
    import gguf

    reader = gguf.GGUFReader(str(path), "r")

    def field(name: str) -> Any:
        item = reader.get_field(name)
        return None if item is None else item.contents()

    arch = field("general.architecture")
    if not arch:
        raise ConfigError(f"{path} has no general.architecture: not a GGUF model")
    return {
        "architecture": arch,
        "blocks": int(field(f"{arch}.block_count") or 0),
        "heads": field(f"{arch}.attention.head_count"),
        "kv_heads": field(f"{arch}.attention.head_count_kv"),
    }


def _permute_rows(weight: Any, heads: int) -> Any:
    """llama.cpp's rotary row order for a query/key projection (convert_hf_to_gguf's
    ``LlamaModel.permute``), applied to the output rows of ``weight``."""
    rows = weight.shape[0]
    return weight.reshape(heads, 2, rows // heads // 2, *weight.shape[1:]).swapaxes(1, 2).reshape(weight.shape)


def lora_pairs(adapter: Path) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """``({module stem: {"A": array, "B": array}}, PEFT config)`` of a saved LoRA adapter."""
    from safetensors.numpy import load_file

    from momq.tuners.base import TUNER_FILE, read_method

    adapter = Path(adapter)
    method = read_method(adapter) if (adapter / TUNER_FILE).is_file() else None
    if method is not None and method != "lora":
        raise ConfigError(
            f"{adapter} is a {method} model: only LoRA adapters export to GGUF (MoMQ's routed experts "
            "choose weights per token, which llama.cpp cannot run; use the transformers backend)"
        )
    if not (adapter / PEFT_CONFIG).is_file() or not (adapter / PEFT_WEIGHTS).is_file():
        raise ConfigError(f"{adapter} is not a LoRA adapter saved by momq train (no {PEFT_CONFIG} / {PEFT_WEIGHTS})")
    config = json.loads((adapter / PEFT_CONFIG).read_text())
    if config.get("use_dora"):
        raise ConfigError(f"{adapter} is a DoRA adapter: llama.cpp runs plain LoRA only")
    if (adapter / "norms.safetensors").is_file():
        raise ConfigError(
            f"{adapter} also trained normalisation layers (train_norms), which a GGUF LoRA adapter cannot "
            "carry; use the transformers backend"
        )
    pairs: dict[str, dict[str, Any]] = {}
    for name, value in load_file(str(adapter / PEFT_WEIGHTS)).items():
        match = _PAIR.match(name)
        if match is None:
            raise ConfigError(f"{adapter}: tensor {name} is not a LoRA pair; cannot export it to GGUF")
        pairs.setdefault(match["stem"], {})[match["part"]] = value
    if not pairs:
        raise ConfigError(f"{adapter}: no LoRA pairs")
    broken = [stem for stem, pair in pairs.items() if set(pair) != {"A", "B"}]
    if broken:
        raise ConfigError(f"{adapter}: incomplete LoRA pairs, e.g. {broken[0]}")
    return pairs, config


def export_gguf(adapter: str | Path, out: str | Path | None = None, *, dtype: str = "f16") -> Path:
    """Write ``adapter`` (a LoRA directory saved by ``momq train``) as a GGUF LoRA adapter
    for its GGUF base model; returns the file (default ``ADAPTER/adapter.gguf``).
    ``dtype``: ``f16`` (half the size) or ``f32``."""
    import gguf
    import numpy as np

    from momq.backbones.models import resolve
    from momq.tuners.base import read_base

    if dtype not in ("f16", "f32"):
        raise ConfigError(f"dtype must be f16 or f32, not {dtype!r}")
    adapter = Path(adapter)
    pairs, config = lora_pairs(adapter)
    base = resolve(read_base(adapter).path)
    if base.suffix.lower() != ".gguf":
        raise ConfigError(
            f"{adapter} was trained on {base}, not a GGUF model: llama.cpp needs the base as a .gguf file"
        )
    meta = gguf_metadata(base)
    arch_ids = {name: arch for arch, name in gguf.MODEL_ARCH_NAMES.items()}
    if meta["architecture"] not in arch_ids:
        raise ConfigError(f"gguf does not know the architecture {meta['architecture']!r} of {base}")
    names = gguf.TensorNameMap(arch_ids[meta["architecture"]], meta["blocks"])
    rank = int(config.get("r") or 0)
    alpha = float(config.get("lora_alpha") or rank)
    if config.get("use_rslora"):  # PEFT scales by alpha / sqrt(r); llama.cpp by alpha / r
        alpha = alpha * math.sqrt(rank)
    if config.get("rank_pattern") or config.get("alpha_pattern"):
        raise ConfigError(f"{adapter} uses per-module ranks or alphas, which a GGUF adapter cannot express")
    out_path = Path(out) if out else adapter / GGUF_ADAPTER
    out_path.parent.mkdir(parents=True, exist_ok=True)
    float_type = np.float16 if dtype == "f16" else np.float32
    tmp = out_path.with_name(out_path.name + ".tmp")
    writer = gguf.GGUFWriter(str(tmp), meta["architecture"])
    try:  # written to a temporary file, renamed when complete
        writer.add_type(gguf.GGUFType.ADAPTER)
        writer.add_string(gguf.Keys.Adapter.TYPE, "lora")
        writer.add_float32(gguf.Keys.Adapter.LORA_ALPHA, alpha)
        for stem in sorted(pairs):
            target = names.get_name(stem + ".weight", try_suffixes=(".weight",))
            if target is None:
                raise ConfigError(f"no GGUF tensor for {stem} in the {meta['architecture']} architecture")
            a, b = pairs[stem]["A"].astype(np.float32), pairs[stem]["B"].astype(np.float32)
            if meta["architecture"] == "llama" and stem.endswith(("q_proj", "k_proj")):
                heads = meta["heads"] if stem.endswith("q_proj") else (meta["kv_heads"] or meta["heads"])
                b = _permute_rows(b, int(heads))
            writer.add_tensor(target + ".lora_a", a.astype(float_type))
            writer.add_tensor(target + ".lora_b", b.astype(float_type))
        writer.write_header_to_file()
        writer.write_kv_data_to_file()
        writer.write_tensors_to_file()
        writer.close()
    except BaseException:
        writer.close()
        tmp.unlink(missing_ok=True)
        raise
    tmp.replace(out_path)
    return out_path


__all__ = ["GGUF_ADAPTER", "export_gguf", "gguf_metadata", "lora_pairs"]
