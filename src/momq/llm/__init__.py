"""Model backends behind one interface (:class:`momq.llm.base.LanguageModel`) and one
registry: ``load_model_spec(spec)`` turns a model spec string into a ready model.

==============================  ==========================================================
``qwen2.5-coder-1.5b`` (default) a catalogued model (:mod:`momq.backbones.catalog`; also
                                ``qwen2.5-coder-0.5b``, ``smollm2``), on llama.cpp
``PATH.gguf``                   a GGUF file, on llama.cpp
``llamacpp:NAME_OR_PATH``       llama.cpp explicitly (a LoRA adapter directory is exported to GGUF)
``hf:NAME_OR_PATH``             a catalogued name, HF model directory or ``.gguf`` on transformers
``NAME+ADAPTER`` / ``ADAPTER``  a model with a MoMQ / LoRA adapter saved by ``momq train``
                                (transformers: routed experts need it; a LoRA adapter
                                exported by ``momq export-gguf`` runs on llama.cpp)
``openai:MODEL[@URL]``          an OpenAI-compatible chat API (vLLM, Ollama, llama.cpp, hosted)
``openai-completions:...``      the same API's plain completions endpoint
``scripted:ANSWER``             a scripted stand-in answering ANSWER (tests, dry runs)
==============================  ==========================================================

GGUF models without adapters run on llama.cpp when ``llama-cpp-python`` is installed
(fast: see ``benchmarks/``), else on transformers. Third parties add a backend with
``register_backend(prefix, factory)``. Heavy modules (torch, transformers, llama_cpp)
are imported only when a local model is loaded.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any, Callable

from momq.errors import ModelError, ModelUnavailable
from momq.llm.base import GenerationConfig, LanguageModel, Prompt

DEFAULT_MODEL_SPEC = "qwen2.5-coder-1.5b"
LOCAL_BACKEND = "momq.llm.local:from_spec"
LLAMACPP_BACKEND = "momq.llm.llamacpp:from_spec"

# spec prefix (before ':') -> "module:function" building the model from the whole spec
_BACKENDS: dict[str, str | Callable[..., LanguageModel]] = {
    "scripted": "momq.llm.scripted:from_spec",
    "openai": "momq.llm.openai_http:from_spec",
    "openai-completions": "momq.llm.openai_http:from_spec",
    "hf": LOCAL_BACKEND,
    "llamacpp": LLAMACPP_BACKEND,
}


def register_backend(prefix: str, factory: Callable[..., LanguageModel]) -> None:
    """Make ``prefix:...`` specs build models with ``factory(spec, **options)``."""
    _BACKENDS[prefix] = factory


def backend_names() -> list[str]:
    return sorted(_BACKENDS)


def load_model_spec(spec: str | None = None, **options: Any) -> LanguageModel:
    """The model a spec names (see the module docstring); ``None`` = the default.

    ``options`` go to the backend's factory; ``dialect`` (the label adapters that route
    by dialect need) only reaches the local backend, the others ignore it.
    """
    spec = (spec or DEFAULT_MODEL_SPEC).strip()
    prefix = spec.partition(":")[0] if ":" in spec else ""
    target = _BACKENDS.get(prefix, LOCAL_BACKEND)  # no known prefix: a local model path
    if prefix not in _BACKENDS and _runs_on_llamacpp(spec):
        target = _BACKENDS["llamacpp"]
    dialect = options.pop("dialect", None)
    if target in (LOCAL_BACKEND, _BACKENDS["hf"]) and dialect is not None:
        options["dialect"] = dialect
    if isinstance(target, str):
        module, _, attr = target.partition(":")
        target = getattr(import_module(module), attr)
    return target(spec, **options)


def _runs_on_llamacpp(spec: str) -> bool:
    """A catalogued name, a ``.gguf`` file or a LoRA adapter directory holding its GGUF
    export (``adapter.gguf``), with llama.cpp installed."""
    from pathlib import Path

    from momq.backbones import catalog
    from momq.llm import llamacpp
    from momq.tuners.lora.export import GGUF_ADAPTER

    if "+" in spec:
        return False
    exported = Path(spec).is_dir() and (Path(spec) / GGUF_ADAPTER).is_file()
    return (catalog.lookup(spec) is not None or spec.lower().endswith(".gguf") or exported) and llamacpp.available()


__all__ = [
    "DEFAULT_MODEL_SPEC",
    "GenerationConfig",
    "LanguageModel",
    "ModelError",
    "ModelUnavailable",
    "Prompt",
    "backend_names",
    "load_model_spec",
    "register_backend",
]
