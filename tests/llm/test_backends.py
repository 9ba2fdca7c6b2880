"""Model backends: the scripted model, the registry and the OpenAI-compatible HTTP
backend against a tiny local HTTP server that speaks the chat/completions JSON."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from momq.errors import ModelError, ModelUnavailable
from momq.llm import GenerationConfig, load_model_spec
from momq.llm.base import cut_at_stop
from momq.llm.openai_http import OpenAIModel
from momq.llm.scripted import ScriptedModel


def test_scripted_answers_rules_and_records_prompts():
    model = ScriptedModel(["first", "second"], rules=[(r"count", "SELECT COUNT(*) FROM t")], default="fallback")
    assert model.complete("how many? count them") == "SELECT COUNT(*) FROM t"
    assert model.complete("a") == "first"
    assert model.generate([[{"role": "user", "content": "b"}], [{"role": "user", "content": "c"}]]) == [
        "second",
        "fallback",
    ]
    assert len(model.prompts) == 4
    assert model.usage.calls == 4


def test_stop_strings_cut_answers():
    assert cut_at_stop("SELECT 1;\nExplanation", ["\nExplanation", "```"]) == "SELECT 1;"
    model = ScriptedModel(default="MATCH (n) RETURN n```more")
    assert model.complete("q", GenerationConfig(stop=("```",))) == "MATCH (n) RETURN n"


def test_registry_specs():
    model = load_model_spec("scripted:SELECT 1")
    assert isinstance(model, ScriptedModel) and model.complete("x") == "SELECT 1"
    http = load_model_spec("openai:my-model@http://127.0.0.1:9/v1")
    assert isinstance(http, OpenAIModel) and http.model == "my-model" and http.mode == "chat"
    assert load_model_spec("openai-completions:m@http://h/v1").mode == "completions"
    with pytest.raises(ModelError):
        load_model_spec("openai:")


class _Server:
    """A local stand-in for an OpenAI-compatible model server."""

    def __init__(self, script):
        self.requests: list[tuple[str, dict, dict]] = []
        self.script = list(script)  # (status, body) per request; the last one repeats
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server API)
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.requests.append((self.path, body, dict(self.headers)))
                status, reply = outer.script.pop(0) if len(outer.script) > 1 else outer.script[0]
                data = json.dumps(reply).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


def _chat(text):
    return {"choices": [{"message": {"role": "assistant", "content": text}}]}


def test_http_chat_sends_deterministic_options_and_key(monkeypatch):
    monkeypatch.setenv("MOMQ_LLM_API_KEY", "sk-test")
    with _Server([(200, _chat("```sql\nSELECT 1\n```"))]) as server:
        model = OpenAIModel("m", server.url)
        assert model.complete("q", GenerationConfig(max_new_tokens=32, stop=("\n\n",))) == "```sql\nSELECT 1\n```"
    path, body, headers = server.requests[0]
    assert path == "/v1/chat/completions"
    assert body["temperature"] == 0.0 and body["max_tokens"] == 32 and body["seed"] == 0
    assert body["messages"] == [{"role": "user", "content": "q"}]
    assert headers["Authorization"] == "Bearer sk-test"


def test_http_completions_mode():
    with _Server([(200, {"choices": [{"text": "MATCH (n) RETURN n"}]})]) as server:
        model = OpenAIModel("m", server.url, mode="completions")
        assert model.complete("q") == "MATCH (n) RETURN n"
    path, body, _ = server.requests[0]
    assert path == "/v1/completions" and "q" in body["prompt"]


def test_http_retries_transient_errors_only():
    waits: list[float] = []
    with _Server([(503, {"error": "busy"}), (429, {"error": "slow down"}), (200, _chat("ok"))]) as server:
        model = OpenAIModel("m", server.url, retries=3, sleep=waits.append)
        assert model.complete("q") == "ok"
    assert len(server.requests) == 3 and len(waits) == 2 and model.usage.retries == 2
    with _Server([(400, {"error": {"message": "bad request"}})]) as server:
        model = OpenAIModel("m", server.url, retries=3, sleep=waits.append)
        with pytest.raises(ModelError) as info:
            model.complete("q")
        assert not isinstance(info.value, ModelUnavailable) and info.value.status == 400
    assert len(server.requests) == 1  # no retry on a bad request


def test_http_gives_up_after_retries_and_on_unreachable_server():
    with _Server([(500, {"error": "boom"})]) as server:
        model = OpenAIModel("m", server.url, retries=2, sleep=lambda s: None)
        with pytest.raises(ModelUnavailable, match="3 attempt"):
            model.complete("q")
    model = OpenAIModel("m", "http://127.0.0.1:9/v1", retries=1, timeout_s=2, sleep=lambda s: None)
    with pytest.raises(ModelUnavailable):
        model.complete("q")


def test_local_backend_continues_an_answer_prefix():
    """A final assistant message is continued, not closed (no model is loaded here)."""
    from momq.llm.local import TransformersModel

    model = TransformersModel.__new__(TransformersModel)

    class Tokenizer:
        chat_template = "stub"

        def apply_chat_template(self, messages, tokenize, add_generation_prompt):
            return "".join(f"<{m['role']}>{m['content']}" for m in messages) + "<assistant>"

    model.tokenizer = Tokenizer()
    prompt = [{"role": "user", "content": "q"}, {"role": "assistant", "content": "```sql\n"}]
    assert model._render(prompt) == "<user>q<assistant>```sql\n"
    assert TransformersModel._prefix(prompt) == "```sql\n" and TransformersModel._prefix(prompt[:1]) == ""


def test_the_transformers_dtype_is_bf16_only_where_it_is_faster(monkeypatch):
    import torch

    from momq.backbones import models
    from momq.errors import ConfigError

    assert models.inference_dtype("float32") == "float32" and models.inference_dtype("bf16") == "bfloat16"
    monkeypatch.setenv(models.DTYPE_ENV, "float32")
    assert models.inference_dtype() == "float32"
    monkeypatch.setenv(models.DTYPE_ENV, "auto")
    monkeypatch.setattr(torch.backends.cpu, "get_cpu_capability", lambda: "AVX2")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert models.inference_dtype() == "float32"
    monkeypatch.setattr(torch.backends.cpu, "get_cpu_capability", lambda: "AVX512")
    assert models.inference_dtype() == "bfloat16"
    monkeypatch.setenv(models.DTYPE_ENV, "half")
    with pytest.raises(ConfigError, match="MOMQ_HF_DTYPE"):
        models.inference_dtype()
