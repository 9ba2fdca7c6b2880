"""Fast CPU inference with llama.cpp (``llama-cpp-python``) for GGUF models and LoRA adapters.

This is the backend behind the catalogued models (``qwen2.5-coder-1.5b``, the default,
``qwen2.5-coder-0.5b``, ``smollm2``), any ``.gguf`` file, and LoRA adapters exported to
GGUF (``momq export-gguf ADAPTER``, :mod:`momq.tuners.lora.export`), which llama.cpp
applies on top of the quantised base. MoMQ adapters (routed experts) and adapters not
exported go through the transformers backend (:mod:`momq.llm.local`).

- The prompt is rendered with the chat template stored in the GGUF file (Qwen's ChatML
  for Qwen2.5-Coder); a final assistant message is an answer prefix the model continues.
- Decoding is greedy by default (temperature 0), hence deterministic.
- The key/value state of the shared prompt prefix is reused: llama.cpp keeps the last
  prompt's tokens evaluated, so consecutive questions on one database (same system text
  and schema) and the turns of a chat only evaluate what is new; an in-memory state
  cache (``prefix_cache_mb``, default 1024 MB or ``$MOMQ_LLAMA_CACHE_MB``) brings back
  the prefix of a prompt family used earlier: the schema prompt of a database asked about
  before, or, when one job alternates prompts (R3's ranker, rewriter and generator;
  dataset construction's question, query and reverse-generation prompts), each family's
  own prefix (measured: a 1,000-token prompt alternating with another, 12 s -> 1 s).
- One loaded model per file and context size in a process, shared by every
  :class:`LlamaCppModel` on it and guarded by a lock (llama.cpp contexts are not
  thread-safe), so a server's concurrent requests are served one at a time.

Install: ``llama-cpp-python`` built from source (``scripts/setup.sh`` builds it once with
the CPU flags this machine needs and keeps the wheel).
"""

from __future__ import annotations

import atexit
import os
import threading
import time
from pathlib import Path
from typing import Any, Sequence

from momq.errors import ModelError
from momq.llm.base import GenerationConfig, LanguageModel, Prompt, flatten_chat

INSTALL_HINT = (
    "llama-cpp-python is not installed: run scripts/setup.sh (it builds it for this CPU), or "
    "pip install llama-cpp-python"
)

#: memory for saved prompt states (llama-cpp-python's LlamaRAMCache): a 2,000-token state
#: of the 1.5B model is about 60 MB, so about fifteen prompt prefixes stay warm
DEFAULT_PREFIX_CACHE_MB = 1024

_LOADED: dict[tuple[str, int, str], "_Runtime"] = {}
_LOAD_LOCK = threading.Lock()


def available() -> bool:
    import importlib.util

    return importlib.util.find_spec("llama_cpp") is not None


class _Runtime:
    """One llama.cpp model in memory, with its chat formatter and a lock."""

    def __init__(self, path: Path, n_ctx: int, threads: int | None, prefix_cache_mb: int, lora: Path | None = None):
        try:
            import llama_cpp
        except ImportError as exc:
            raise ModelError(INSTALL_HINT) from exc
        self.lock = threading.Lock()
        self.path = path
        threads = threads or int(os.environ.get("MOMQ_LLAMA_THREADS") or 0) or os.cpu_count() or 1
        self.llm = llama_cpp.Llama(
            model_path=str(path),
            n_ctx=n_ctx,
            n_threads=threads,
            n_batch=512,
            seed=0,
            verbose=False,
            lora_path=str(lora) if lora else None,
        )
        if prefix_cache_mb > 0:
            self.llm.set_cache(_prefix_cache(llama_cpp, prefix_cache_mb << 20))
        template = self.llm.metadata.get("tokenizer.chat_template")
        self.formatter = None
        if template:
            from llama_cpp.llama_chat_format import Jinja2ChatFormatter

            eos = self._token_text(self.llm.token_eos())
            bos = self._token_text(self.llm.token_bos())
            self.formatter = Jinja2ChatFormatter(template=template, eos_token=eos, bos_token=bos)

    def _token_text(self, token: int) -> str:
        if token is None or token < 0:
            return ""
        return self.llm.detokenize([token], special=True).decode("utf-8", errors="replace")

    def render(self, prompt: Prompt) -> tuple[str, list[str]]:
        """``(text, stop strings of the template)``; a final assistant message is continued."""
        prefix = ""
        if prompt and prompt[-1].get("role") == "assistant":
            prefix, prompt = prompt[-1].get("content", ""), prompt[:-1]
        if self.formatter is None:
            return flatten_chat(prompt) + prefix, []
        response = self.formatter(messages=list(prompt))
        stops = response.stop if isinstance(response.stop, list) else [response.stop] if response.stop else []
        text = response.prompt
        # the formatter ends with the assistant header; a BOS the model adds itself is dropped
        return text + prefix, [s for s in stops if s]


def _prefix_cache(llama_cpp: Any, capacity_bytes: int) -> Any:
    """llama-cpp-python's RAM state cache, keeping only the last row of the logits with
    each state. Its states also copy the logits buffer (n_batch x vocabulary floats:
    311 MB for Qwen's vocabulary, measured 5.1 GB peak RSS with eight states against
    2.1 GB without a cache), which is neither counted against the capacity nor needed:
    without ``logits_all`` generation re-evaluates at least the prompt's last token
    after loading a state, and only that row is read."""

    class PrefixCache(llama_cpp.LlamaRAMCache):
        def __setitem__(self, key: Any, value: Any) -> None:
            value.scores = value.scores[-1:].copy()
            super().__setitem__(key, value)

    return PrefixCache(capacity_bytes=capacity_bytes)


def _runtime(path: Path, n_ctx: int, threads: int | None, prefix_cache_mb: int, lora: Path | None = None) -> _Runtime:
    key = (str(path.resolve()), n_ctx, str(lora.resolve()) if lora else "")
    with _LOAD_LOCK:
        if key not in _LOADED:
            if not _LOADED:
                atexit.register(unload_all)
            _LOADED[key] = _Runtime(path, n_ctx, threads, prefix_cache_mb, lora)
        return _LOADED[key]


def unload_all() -> None:
    """Free every loaded model (also at exit, before the interpreter tears down the
    modules llama.cpp's finalisers need)."""
    with _LOAD_LOCK:
        for runtime in _LOADED.values():
            runtime.llm.close()
        _LOADED.clear()


class LlamaCppModel(LanguageModel):
    """A GGUF model on llama.cpp (see module docstring).

    ``model``: a catalogued name, a ``.gguf`` path, or a LoRA adapter directory saved by
    ``momq train`` (its GGUF base with the adapter exported to ``ADAPTER/adapter.gguf``,
    exported here when missing; the adapter's prompt settings apply). ``n_ctx``: context window (default:
    the catalogue's, else 8192). ``threads``: CPU threads (default: ``$MOMQ_LLAMA_THREADS``,
    else all cores; give each of several processes sharing the cores its own share).
    ``prefix_cache_mb``: memory for saved prompt-prefix states (0 = only the last prompt;
    default ``$MOMQ_LLAMA_CACHE_MB``, else 1024).
    """

    backend = "llama.cpp"
    supports_prefix = True

    def __init__(
        self,
        model: str | Path,
        *,
        n_ctx: int | None = None,
        threads: int | None = None,
        prefix_cache_mb: int | None = None,
        dialect: str | None = None,
    ):
        super().__init__()
        from momq.backbones import catalog
        from momq.backbones.models import resolve

        self.adapter: str | None = None
        lora = None
        if Path(model).is_dir() and (Path(model) / "tuner.json").is_file():
            from momq.tuners.base import read_base

            self.adapter, lora = str(model), exported_adapter(Path(model))
            model = read_base(Path(model)).path
        entry = catalog.lookup(str(model))
        self.ref = entry.name if entry else str(model)
        path = resolve(self.ref)
        if path.is_dir():
            raise ModelError(
                f"{path} is a Hugging Face directory; the llama.cpp backend needs a .gguf file "
                "(use hf:PATH for the transformers backend)"
            )
        self.path = path
        self.n_ctx = n_ctx or (entry.context if entry else 8192)
        if prefix_cache_mb is None:
            prefix_cache_mb = int(os.environ.get("MOMQ_LLAMA_CACHE_MB") or DEFAULT_PREFIX_CACHE_MB)
        self.runtime = _runtime(path, self.n_ctx, threads, prefix_cache_mb, lora)
        self.usage.extra.update(prompt_tokens=0, completion_tokens=0, prompt_seconds=0.0)

    @property
    def name(self) -> str:
        base = self.ref if "/" not in self.ref else Path(self.ref).stem
        return f"{base}+{Path(self.adapter).name}" if self.adapter else base

    def count_tokens(self, text: str) -> int:
        return len(self.runtime.llm.tokenize(text.encode("utf-8"), add_bos=False, special=True))

    def _generate(self, prompts: Sequence[Prompt], config: GenerationConfig) -> list[str]:
        answers = []
        for prompt in prompts:
            text, template_stops = self.runtime.render(prompt)
            prefix = prompt[-1].get("content", "") if prompt and prompt[-1].get("role") == "assistant" else ""
            stops = list(dict.fromkeys([*template_stops, *config.stop]))
            n_prompt = self.count_tokens(text)
            budget = self.n_ctx - n_prompt
            if budget < 8:
                raise ModelError(
                    f"the prompt has {n_prompt} tokens, more than the context window of "
                    f"{self.n_ctx} allows; shorten the schema or raise n_ctx"
                )
            options: dict[str, Any] = dict(
                max_tokens=min(config.max_new_tokens, budget),
                stop=stops or None,
                temperature=max(config.temperature, 0.0),
                top_p=config.top_p,
            )
            if config.greedy:
                options.update(temperature=0.0, top_k=1)
            if config.seed is not None:
                options["seed"] = config.seed
            started = time.perf_counter()
            with self.runtime.lock:
                out = self.runtime.llm.create_completion(prompt=text, **options)
            self.usage.extra["prompt_seconds"] += time.perf_counter() - started
            usage = out.get("usage") or {}
            self.usage.extra["prompt_tokens"] += int(usage.get("prompt_tokens", n_prompt))
            self.usage.extra["completion_tokens"] += int(usage.get("completion_tokens", 0))
            answers.append(prefix + out["choices"][0]["text"])
        return answers


def exported_adapter(adapter: Path) -> Path:
    """The adapter's GGUF export (``ADAPTER/adapter.gguf``), written first when missing or
    older than the adapter's weights."""
    from momq.tuners.lora.export import GGUF_ADAPTER, PEFT_WEIGHTS, export_gguf

    target, weights = adapter / GGUF_ADAPTER, adapter / PEFT_WEIGHTS
    if target.is_file() and (not weights.is_file() or target.stat().st_mtime >= weights.stat().st_mtime):
        return target
    return export_gguf(adapter, target)


def from_spec(spec: str, **options: Any) -> LlamaCppModel:
    """``llamacpp:NAME_OR_GGUF_OR_LORA_ADAPTER`` (or a catalogued name, ``.gguf`` path or
    exported LoRA adapter routed here)."""
    body = spec.split(":", 1)[1] if spec.startswith("llamacpp:") else spec
    options.pop("dialect", None)
    return LlamaCppModel(body, **options)
