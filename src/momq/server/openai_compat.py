"""OpenAI-compatible routes: ``GET /v1/models`` and ``POST /v1/chat/completions``
(streaming and not), serving the models the service allows (``momq.llm.load_model_spec``
specs: the default model, a model directory or ``.gguf``, ``DIR+ADAPTER`` with a MoMQ or
LoRA adapter, ...). Any OpenAI client (the ``openai`` package, LangChain, Vanna,
neo4j-graphrag, momq's own ``openai:MODEL@URL`` backend) can use a momq-tuned model.

What differs from OpenAI's API: one choice per request (``n`` = 1); no token counts
(``usage`` is absent: momq's backends count characters, not tokens); a streamed answer is
generated whole, then sent in chunks; an optional ``dialect`` field (momq's extension)
reaches adapters that route by dialect. Requests share the model queue with ``/api/ask``.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any, AsyncIterator, Literal, Optional, Union

from fastapi import APIRouter
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from momq.llm.base import GenerationConfig
from momq.server.api import wait
from momq.server.service import Service

MAX_TOKENS = 4096
CHUNK_CHARS = 24


class TextPart(BaseModel):
    type: Literal["text"] = "text"
    text: str = Field(max_length=200_000)


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="ignore")
    role: Literal["system", "developer", "user", "assistant"]
    content: Union[str, list[TextPart], None] = None

    def text(self) -> str:
        if isinstance(self.content, list):
            return "".join(part.text for part in self.content)
        return self.content or ""


class ChatRequest(BaseModel):
    """OpenAI's chat request; fields momq does not use (penalties, logprobs, tools ...)
    are accepted and ignored, like many OpenAI-compatible servers do."""

    model_config = ConfigDict(extra="ignore")
    model: str = Field(min_length=1, max_length=512)
    messages: list[ChatMessage] = Field(min_length=1, max_length=256)
    max_tokens: Optional[int] = Field(None, ge=1, le=MAX_TOKENS)
    max_completion_tokens: Optional[int] = Field(None, ge=1, le=MAX_TOKENS)
    temperature: Optional[float] = Field(None, ge=0.0, le=2.0)
    top_p: Optional[float] = Field(None, gt=0.0, le=1.0)
    stop: Union[str, list[str], None] = None
    seed: Optional[int] = None
    n: Optional[int] = Field(None, ge=1, le=1)
    stream: Optional[bool] = False
    dialect: Optional[str] = Field(
        None, max_length=32, description="momq: the dialect label for adapters that route by dialect"
    )

    def config(self, default_tokens: int) -> GenerationConfig:
        stop = [self.stop] if isinstance(self.stop, str) else list(self.stop or [])
        return GenerationConfig(
            max_new_tokens=self.max_completion_tokens or self.max_tokens or default_tokens,
            temperature=self.temperature or 0.0,
            top_p=self.top_p or 1.0,
            stop=tuple(s for s in stop[:4] if s),
            seed=self.seed if self.seed is not None else 0,
        )

    def prompt(self) -> list[dict[str, str]]:
        return [{"role": "system" if m.role == "developer" else m.role, "content": m.text()} for m in self.messages]


class ErrorDetail(BaseModel):
    message: str
    type: str
    code: Optional[int] = None


class OpenAIError(BaseModel):
    """OpenAI's error shape, which OpenAI clients parse."""

    error: ErrorDetail


ERRORS = {code: {"model": OpenAIError} for code in (400, 401, 404, 413, 422, 502, 503, 504)}


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int = 0
    owned_by: str = "momq"


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]


class ReplyMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str


class Choice(BaseModel):
    index: int = 0
    message: ReplyMessage
    finish_reason: Literal["stop", "length"] = "stop"


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[Choice]


def router(service: Service) -> APIRouter:
    api = APIRouter(prefix="/v1", tags=["openai"])

    @api.get("/models", response_model=ModelList, responses={401: ERRORS[401]})
    def list_models() -> dict[str, Any]:
        """The models this service serves (its allow-list)."""
        return {"object": "list", "data": [{"id": spec} for spec in service.models.allowed]}

    @api.post(
        "/chat/completions",
        response_model=ChatCompletion,
        responses={
            **ERRORS,
            200: {"content": {"application/json": {}, "text/event-stream": {"schema": {"type": "string"}}}},
        },
    )
    async def chat_completions(body: ChatRequest) -> Any:
        """A chat completion from a momq model; ``stream: true`` sends OpenAI's chunk events."""
        deadline = service.deadline()
        config = body.config(service.config.max_new_tokens)
        spec, future = service.complete(body.model, body.prompt(), config, body.dialect, deadline)
        completion_id = "chatcmpl-" + uuid.uuid4().hex[:24]
        created = int(time.time())
        if not body.stream:
            text = await wait(future, deadline)
            return {
                "id": completion_id,
                "created": created,
                "model": spec,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
            }

        async def chunks() -> AsyncIterator[str]:
            def chunk(delta: dict[str, Any], finish: str | None = None) -> str:
                data = {
                    "id": completion_id,
                    "object": "chat.completion.chunk",
                    "created": created,
                    "model": spec,
                    "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
                }
                return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"

            yield chunk({"role": "assistant", "content": ""})
            try:
                text = await wait(future, deadline)
            except Exception as exc:  # the stream is open: report the error in OpenAI's shape
                from momq.server.security import error_body, log, status_of

                status = status_of(exc)
                if status == 500:
                    log.error("unexpected error", exc_info=exc)
                message = str(exc) if status != 500 else "internal error (logged)"
                yield f"data: {json.dumps(error_body('/v1/', status, type(exc).__name__, message))}\n\n"
                return
            for start in range(0, len(text), CHUNK_CHARS):
                yield chunk({"content": text[start : start + CHUNK_CHARS]})
            yield chunk({}, "stop")
            yield "data: [DONE]\n\n"

        return StreamingResponse(chunks(), media_type="text/event-stream", headers={"Cache-Control": "no-store"})

    return api
