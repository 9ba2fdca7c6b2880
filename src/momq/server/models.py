"""The API's request and response bodies (pydantic), which the OpenAPI schema publishes.

Every request model forbids unknown fields and bounds its strings and numbers, so a bad
request is a 422 that names the field, never an error deeper down.
"""

from __future__ import annotations

from typing import Any, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field

from momq.pipelines import PIPELINES
from momq.pipelines.base import MAX_QUESTION_CHARS

Name = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.-]+$")
SESSION_ID = r"^[A-Za-z0-9_-]{1,64}$"
Pipeline = Literal[PIPELINES]  # type: ignore[valid-type]
SchemaFormat = Literal["ddl", "text", "code"]
Language = Literal["en", "zh"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# ------------------------------------------------------------------ databases
class DatabaseInfo(BaseModel):
    name: str
    dialects: list[str]
    default_dialect: str
    source: str


class DialectInfo(BaseModel):
    name: str
    label: str
    family: str


class SchemaOut(BaseModel):
    database: str
    dialect: str
    format: SchemaFormat
    family: str
    elements: list[str]
    text: str


# -------------------------------------------------------------------- results
class ResultOut(BaseModel):
    columns: list[str]
    rows: list[list[Any]] = Field(
        description="Rows of JSON values; graph values are objects with a 'kind' of node, relationship or path."
    )
    row_count: int
    truncated: bool
    elapsed_ms: float = 0.0


class QueryIn(Strict):
    database: str = Name
    dialect: Optional[str] = Field(None, max_length=32)
    query: str = Field(min_length=1, max_length=20_000)
    max_rows: Optional[int] = Field(None, ge=1, le=100_000)


class QueryOut(BaseModel):
    database: str
    dialect: str
    query: str
    status: Literal["ok", "empty", "failed", "refused"]
    error: Optional[str] = Field(None, description="momq's error class (QuerySyntaxError, ReadOnlyViolation ...)")
    message: str = ""
    result: Optional[ResultOut] = None


# ------------------------------------------------------------------------ ask
class AttemptOut(BaseModel):
    round: int
    stage: str
    query: str
    outcome: str
    message: str = ""
    rows: Optional[int] = None


class AnswerOut(BaseModel):
    question: str
    database: str
    dialect: str
    pipeline: str
    model: str
    query: str
    status: Literal["ok", "empty", "failed", "refused"]
    reason: str = ""
    repairs: int
    attempts: list[AttemptOut]
    notes: list[str] = []
    steps: dict[str, Any] = {}
    result: Optional[ResultOut] = None
    session: Optional[str] = None


class AskIn(Strict):
    database: str = Name
    question: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS * 4)
    dialect: Optional[str] = Field(None, max_length=32)
    pipeline: Pipeline = "direct"
    model: Optional[str] = Field(
        None, max_length=512, description="A served model spec (GET /v1/models); default: the server's first"
    )
    language: Language = "en"
    max_repairs: int = Field(2, ge=0, le=2)
    max_rows: Optional[int] = Field(None, ge=1, le=100_000)


# ------------------------------------------------------------------- sessions
class SessionIn(Strict):
    database: str = Name
    dialect: Optional[str] = Field(None, max_length=32)
    language: Language = "en"


class TurnIn(Strict):
    question: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS * 4)
    model: Optional[str] = Field(None, max_length=512)


class TurnOut(BaseModel):
    question: str
    standalone: str
    query: str
    status: str
    reason: str = ""
    columns: list[str] = []
    preview: list[list[Any]] = []
    row_count: Optional[int] = None


class SessionOut(BaseModel):
    id: str
    database: str
    dialect: str
    language: str
    turns: list[TurnOut]


# --------------------------------------------------------------------- health
class Health(BaseModel):
    status: Literal["ok"]
    version: str


class Readiness(BaseModel):
    ready: bool
    models: list[str]
    loaded_models: list[str]
    queue: dict[str, int]


class ErrorOut(BaseModel):
    error: str = Field(description="The error class, e.g. UnknownDatabase, QueueFull, RequestTimeout")
    message: str
