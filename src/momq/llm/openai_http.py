"""An OpenAI-compatible HTTP backend: vLLM, Ollama, llama.cpp's server, hosted APIs.

It speaks the two endpoints every such server offers: ``/chat/completions`` (messages
in, message out; the default) and ``/completions`` (one text prompt in, text out; for
base models without a chat template). It uses only the standard library, so the backend
costs no dependency.

Failures are split in two, because retrying a bad request only wastes time and money:

- transient (connection refused or reset, a timeout, HTTP 408/409/425/429/5xx) are
  retried with exponential back-off (``Retry-After`` honoured, capped), at most
  ``retries`` times, then :class:`~momq.errors.ModelUnavailable` is raised;
- anything else (400, 401, 403, 404, 422, a malformed reply) raises
  :class:`~momq.errors.ModelError` at once.

The API key is read from the environment, never from the command line or a file in
the repository: ``MOMQ_LLM_API_KEY``, else ``OPENAI_API_KEY``. The base URL comes from
the model spec or ``MOMQ_LLM_BASE_URL`` / ``OPENAI_BASE_URL``.
"""

from __future__ import annotations

import json
import os
import socket
import time
import urllib.error
import urllib.request
from typing import Any, Callable, Sequence

from momq.errors import ModelError, ModelUnavailable
from momq.llm.base import GenerationConfig, LanguageModel, Prompt, flatten_chat

TRANSIENT_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504})
DEFAULT_BASE_URL = "http://127.0.0.1:8000/v1"
KEY_VARIABLES = ("MOMQ_LLM_API_KEY", "OPENAI_API_KEY")
URL_VARIABLES = ("MOMQ_LLM_BASE_URL", "OPENAI_BASE_URL")


def api_key_from_env() -> str | None:
    for var in KEY_VARIABLES:
        if os.environ.get(var):
            return os.environ[var]
    return None


class OpenAIModel(LanguageModel):
    """A model served behind an OpenAI-compatible API (see module docstring)."""

    backend = "openai"

    def __init__(
        self,
        model: str,
        base_url: str | None = None,
        *,
        mode: str = "chat",
        timeout_s: float = 60.0,
        retries: int = 3,
        backoff_s: float = 0.5,
        max_backoff_s: float = 20.0,
        api_key: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        super().__init__()
        if mode not in ("chat", "completions"):
            raise ModelError(f"unknown API mode {mode!r}: chat or completions")
        self.model = model
        self.base_url = (
            base_url or next((os.environ[v] for v in URL_VARIABLES if os.environ.get(v)), None) or DEFAULT_BASE_URL
        ).rstrip("/")
        self.mode = mode
        self.timeout_s = timeout_s
        self.retries = retries
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self._api_key = api_key if api_key is not None else api_key_from_env()
        self._sleep = sleep

    @property
    def name(self) -> str:
        return f"{self.model}@{self.base_url}"

    # ------------------------------------------------------------------ requests
    def _payload(self, prompt: Prompt, config: GenerationConfig) -> tuple[str, dict[str, Any]]:
        payload: dict[str, Any] = {
            "model": self.model,
            "max_tokens": config.max_new_tokens,
            "temperature": max(0.0, config.temperature),
            "top_p": config.top_p,
        }
        if config.stop:
            payload["stop"] = list(config.stop)[:4]  # the OpenAI API accepts at most four
        if config.seed is not None:
            payload["seed"] = config.seed
        if self.mode == "chat":
            payload["messages"] = prompt
            return "/chat/completions", payload
        payload["prompt"] = flatten_chat(prompt)
        return "/completions", payload

    def _post(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        """POST with retries on transient failures only."""
        body = json.dumps(payload).encode()
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        last = ""
        for attempt in range(self.retries + 1):
            request = urllib.request.Request(self.base_url + path, data=body, headers=headers, method="POST")
            retry_after: float | None = None
            try:
                with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                    raw = response.read()
                try:
                    return json.loads(raw)
                except json.JSONDecodeError as exc:
                    raise ModelError(f"{self.base_url}{path}: reply is not JSON: {raw[:200]!r}") from exc
            except urllib.error.HTTPError as exc:
                detail = _error_detail(exc)
                if exc.code not in TRANSIENT_STATUS:
                    raise ModelError(f"{self.base_url}{path}: HTTP {exc.code}: {detail}", status=exc.code) from exc
                last = f"HTTP {exc.code}: {detail}"
                retry_after = _retry_after(exc)
            except (urllib.error.URLError, socket.timeout, TimeoutError, ConnectionError) as exc:
                reason = getattr(exc, "reason", exc)
                last = f"{type(reason).__name__}: {reason}"
            if attempt < self.retries:
                self.usage.retries += 1
                delay = min(
                    self.max_backoff_s, retry_after if retry_after is not None else self.backoff_s * (2**attempt)
                )
                self._sleep(delay)
        raise ModelUnavailable(f"{self.base_url}{path}: gave up after {self.retries + 1} attempt(s): {last}")

    def _generate(self, prompts: Sequence[Prompt], config: GenerationConfig) -> list[str]:
        answers = []
        for prompt in prompts:
            path, payload = self._payload(prompt, config)
            reply = self._post(path, payload)
            answers.append(_answer_text(reply, self.mode, f"{self.base_url}{path}"))
        return answers


def _answer_text(reply: dict[str, Any], mode: str, where: str) -> str:
    try:
        choice = reply["choices"][0]
        if mode == "chat":
            return choice["message"].get("content") or ""
        return choice.get("text") or ""
    except (KeyError, IndexError, TypeError, AttributeError) as exc:
        raise ModelError(f"{where}: unexpected reply shape: {str(reply)[:200]}") from exc


def _error_detail(exc: urllib.error.HTTPError) -> str:
    try:
        raw = exc.read()[:500].decode("utf-8", "replace")
    except Exception:  # the body may already be closed
        return exc.reason or ""
    try:
        data = json.loads(raw)
        message = data.get("error", {}).get("message") if isinstance(data.get("error"), dict) else data.get("error")
        return str(message or raw)
    except (json.JSONDecodeError, AttributeError):
        return raw


def _retry_after(exc: urllib.error.HTTPError) -> float | None:
    value = exc.headers.get("Retry-After") if exc.headers else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def from_spec(spec: str, **options: Any) -> OpenAIModel:
    """``openai:MODEL``, ``openai:MODEL@BASE_URL`` (chat) or ``openai-completions:...``.

    Example: ``openai:qwen2.5-coder@http://127.0.0.1:8000/v1`` (vLLM),
    ``openai:llama3.2@http://127.0.0.1:11434/v1`` (Ollama).
    """
    scheme, _, rest = spec.partition(":")
    mode = "completions" if scheme.endswith("completions") else "chat"
    model, _, base_url = rest.partition("@")
    if not model:
        raise ModelError(f"model spec {spec!r} names no model: openai:MODEL[@BASE_URL]")
    return OpenAIModel(model, base_url or None, mode=mode, **options)
