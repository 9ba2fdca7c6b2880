"""The one interface every model backend implements.

A pipeline never cares whether its model is SmolLM2 on the CPU, a vLLM server or a
scripted stand-in: it builds chat messages and calls :meth:`LanguageModel.generate`.
Decoding is deterministic by default (greedy, temperature 0) so that a run can be
repeated and a repair prompt that did not change gives the same answer; that is also why
the repair loop never resends an identical prompt.
"""

from __future__ import annotations

import abc
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Sequence

#: one chat message: ``{"role": "system"|"user"|"assistant", "content": "..."}``
Message = dict[str, str]
#: one prompt = a list of chat messages
Prompt = list[Message]


@dataclass(frozen=True)
class GenerationConfig:
    """Decoding options shared by all backends.

    ``temperature == 0`` means greedy decoding (deterministic); ``seed`` is passed to
    backends that accept one so that sampled runs can be repeated too. ``stop`` lists
    strings at which the answer is cut (the backends cut locally as well, because not
    every server honours stop strings).
    """

    max_new_tokens: int = 256
    temperature: float = 0.0
    top_p: float = 1.0
    stop: tuple[str, ...] = ()
    seed: int | None = 0

    @property
    def greedy(self) -> bool:
        return self.temperature <= 0.0

    def with_(self, **changes: Any) -> "GenerationConfig":
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Usage:
    """What a backend spent; reported by ``momq ask`` and kept in predictions' metadata."""

    calls: int = 0
    prompt_chars: int = 0
    completion_chars: int = 0
    seconds: float = 0.0
    retries: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


class LanguageModel(abc.ABC):
    """A chat model: ``generate(prompts, config) -> one answer per prompt``."""

    #: short name of the backend (``scripted``, ``transformers``, ``openai``)
    backend: str = ""
    #: whether a prompt may end with a partial assistant message that the model continues
    #: (an answer prefix such as an opened code fence, which keeps small models on task)
    supports_prefix: bool = False

    def __init__(self) -> None:
        self.usage = Usage()

    @property
    def name(self) -> str:
        """A human name for reports (the model path or the served model's name)."""
        return self.backend

    @abc.abstractmethod
    def _generate(self, prompts: Sequence[Prompt], config: GenerationConfig) -> list[str]:
        """Backend-specific batched generation."""

    def generate(self, prompts: Sequence[Prompt], config: GenerationConfig | None = None) -> list[str]:
        """One answer per prompt, cut at the first stop string."""
        import time

        config = config or GenerationConfig()
        started = time.perf_counter()
        answers = self._generate(list(prompts), config)
        self.usage.calls += len(prompts)
        self.usage.prompt_chars += sum(len(m.get("content", "")) for p in prompts for m in p)
        self.usage.completion_chars += sum(len(a) for a in answers)
        self.usage.seconds += time.perf_counter() - started
        return [_cut_after_prefix(p, a, config.stop) for p, a in zip(prompts, answers)]

    def complete(self, prompt: Prompt | str, config: GenerationConfig | None = None) -> str:
        """One answer to one prompt (a bare string becomes a single user message)."""
        if isinstance(prompt, str):
            prompt = [{"role": "user", "content": prompt}]
        return self.generate([prompt], config)[0]

    def close(self) -> None:
        """Release resources (HTTP sessions, GPU memory)."""


def cut_at_stop(text: str, stop: Sequence[str]) -> str:
    """``text`` up to the first occurrence of any stop string."""
    cut = len(text)
    for marker in stop:
        if marker:
            at = text.find(marker)
            if 0 <= at < cut:
                cut = at
    return text[:cut]


def _cut_after_prefix(prompt: Prompt, answer: str, stop: Sequence[str]) -> str:
    """``answer`` cut at the first stop string after the answer prefix the prompt ends
    with (a prefix such as an opened code fence may itself hold a stop string)."""
    prefix = prompt[-1].get("content", "") if prompt and prompt[-1].get("role") == "assistant" else ""
    if prefix and answer.startswith(prefix):
        return prefix + cut_at_stop(answer[len(prefix) :], stop)
    return cut_at_stop(answer, stop)


def flatten_chat(prompt: Prompt) -> str:
    """A plain-text rendering of a chat prompt for completion-only models and for
    models without a chat template."""
    parts = []
    for message in prompt:
        role = message.get("role", "user")
        content = message.get("content", "")
        if role == "system":
            parts.append(content)
        elif role == "assistant":
            parts.append(f"Answer:\n{content}")
        else:
            parts.append(content)
    return "\n\n".join(parts).rstrip() + "\n\nAnswer:\n"


def chat_text(prompt: Prompt, tokenizer: Any = None) -> str:
    """A chat prompt as the text a local model continues: the tokenizer's chat template
    with the assistant turn opened (the plain layout of ``flatten_chat`` without one). A
    final assistant message is an answer prefix the text ends with. The transformers
    backend and fine-tuning both render with this function."""
    prefix = ""
    if prompt and prompt[-1].get("role") == "assistant":
        prefix, prompt = prompt[-1].get("content", ""), prompt[:-1]
    if tokenizer is not None and getattr(tokenizer, "chat_template", None):
        text = tokenizer.apply_chat_template(list(prompt), tokenize=False, add_generation_prompt=True)
    else:
        text = flatten_chat(prompt)
    return text + prefix
