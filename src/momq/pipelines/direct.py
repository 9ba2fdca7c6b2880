"""The direct pipeline: schema + question -> query, then execution-guided repair.

MTGQL's baselines are configurations of it: **ICL-AS** is a general model with few-shot
examples chosen by similarity (``shots``), **FT-AS** a fine-tuned model (a momq adapter)
with no examples. Input: a question and a :class:`~momq.pipelines.context.Target`;
output: an :class:`~momq.pipelines.base.Answer`.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Sequence

from momq.llm.base import GenerationConfig, LanguageModel
from momq.pipelines.context import Target
from momq.pipelines.frame import Draft, Pipeline
from momq.schema.render import render

MAX_SCHEMA_CHARS = 24_000
#: prompt budget for the schema, in the model's tokens (a whole schema under it is kept as
#: is, so its prompt prefix is shared by every question on the database)
SCHEMA_BUDGET_TOKENS = 3_000


SETTINGS_FILE = "prompt.json"


@dataclass
class PromptSettings:
    """How the schema is put into a grounded prompt. A fine-tuned model is prompted with
    the settings it was trained with: the trainer saves them beside the adapter."""

    #: schema budget in the model's tokens (None: never prune)
    schema_budget: int | None = SCHEMA_BUDGET_TOKENS
    samples: int = 2  # sample values per column
    schema_format: str | None = None  # None: DDL for SQL, text for graphs

    def save(self, folder: str | Path) -> Path:
        path = Path(folder) / SETTINGS_FILE
        path.write_text(json.dumps(asdict(self), indent=2) + "\n")
        return path

    @classmethod
    def for_adapter(cls, folder: str | Path) -> "PromptSettings":
        """The settings saved beside an adapter (the defaults for an adapter saved before
        momq recorded them)."""
        path = Path(folder) / SETTINGS_FILE
        if not path.is_file():
            return cls()
        data = json.loads(path.read_text())
        return cls(**{f.name: data[f.name] for f in fields(cls) if f.name in data})


def estimate_tokens(text: str) -> int:
    """A model-free token estimate (about 3.5 characters per token for code and schema)."""
    return int(len(text) / 3.5) + 1


def schema_text(
    schema: Any,
    fmt: str | None = None,
    samples: int = 2,
    max_chars: int = MAX_SCHEMA_CHARS,
    *,
    question: str = "",
    budget_tokens: int | None = None,
    count_tokens: Any = None,
    hints: Any = (),
    notes: list[str] | None = None,
) -> str:
    """The rendered schema, pruned to ``budget_tokens`` when given and too long
    (:mod:`momq.schema.prune`: the elements the question needs, ``hints`` naming where
    its aligned values live), and capped at ``max_chars`` in any case. A pruning is
    described in ``notes``.

    ``fmt`` None picks plain text for graphs (small models copy nGQL's CREATE TAG DDL
    instead of answering) and DDL for SQL (what models saw most in training)."""
    fmt = fmt or ("ddl" if schema.family == "relational" else "text")
    if budget_tokens:
        from momq.schema.prune import describe_pruning, prune

        count = count_tokens or estimate_tokens
        kept, dropped = prune(
            schema, question, hints=hints, fits=lambda s: count(render(s, fmt, samples=samples)) <= budget_tokens
        )
        if dropped and notes is not None:
            notes.append(describe_pruning(kept, dropped))
        schema = kept
    text = render(schema, fmt, samples=samples)
    if len(text) > max_chars:
        text = text[:max_chars].rsplit("\n", 1)[0] + "\n-- (schema truncated)"
    return text


def grounded_prompt(
    question: str,
    dialect: str,
    schema: Any,
    values: Sequence[Any] = (),
    *,
    samples: int = 2,
    schema_format: str | None = None,
    budget_tokens: int | None = SCHEMA_BUDGET_TOKENS,
    count_tokens: Any = None,
    shots: Sequence[Any] = (),
    language: str = "en",
    notes: list[str] | None = None,
    history: str = "",
) -> list:
    """The grounded generation prompt, for inference and fine-tuning alike: the schema
    (a :class:`~momq.schema.model.Schema` rendered with ``samples`` sample values and
    pruned to ``budget_tokens`` by :func:`schema_text`, or already rendered text), the
    dialect's syntax examples written with the schema's names, the aligned ``values``
    (``Match`` objects or ``(value, where)`` pairs), optional ``shots``, the dialogue so
    far (``history``) and the question (:func:`momq.prompts.builder.generation_prompt`)."""
    from momq.dialects import get_dialect
    from momq.prompts.builder import generation_prompt

    syntax: list[str] = []
    if schema is None or isinstance(schema, str):
        text = schema or ""
    else:
        syntax = get_dialect(dialect).schema_examples(schema)
        hints = [
            getattr(v, "where", None) or (v[1] if isinstance(v, (tuple, list)) and len(v) > 1 else "") for v in values
        ]
        text = schema_text(
            schema,
            schema_format,
            samples,
            question=question,
            budget_tokens=budget_tokens,
            count_tokens=count_tokens,
            hints=[h for h in hints if h],
            notes=notes,
        )
    return generation_prompt(
        question,
        dialect,
        text,
        language=language,
        shots=shots,
        values=values,
        syntax=syntax,
        history=history,
        database=getattr(schema, "database", None),
    )


@dataclass
class DirectPipeline(Pipeline):
    """Grounded prompt (schema, aligned values, optional few-shot examples and dialogue
    history) -> query; the frame (:class:`~momq.pipelines.frame.Pipeline`) does the rest."""

    model: LanguageModel
    #: ddl, text or code; None = text (with samples) for graphs, DDL for SQL
    schema_format: str | None = None
    samples: int = 2
    shots: Any = None  # momq.prompts.fewshot.FewShotSelector
    k: int = 4  # MTGQL's ICL-AS shows four examples
    language: str = "en"
    max_repairs: int = 2
    #: the question's mentions aligned with stored values (and nGQL vertex ids) in the prompt
    use_values: bool = True
    #: schema budget in model tokens (None: never prune)
    schema_budget: int | None = SCHEMA_BUDGET_TOKENS
    config: GenerationConfig = field(default_factory=lambda: GenerationConfig(max_new_tokens=256))
    name: str = "direct"

    def prompt(
        self, question: str, target: Target, exclude_id: str | None = None, history: str = ""
    ) -> tuple[list, dict]:
        """The grounded prompt (:func:`grounded_prompt`, the builder fine-tuning uses too)
        and the steps it took. A model carrying a momq adapter gets the prompt settings it
        was trained with (schema budget, sample values: the adapter's ``prompt.json``)."""
        steps: dict[str, Any] = {}
        shots = []
        if self.shots is not None and self.k > 0:
            shots = self.shots.select(
                question, self.k, dialect=target.dialect, database=target.database, exclude_id=exclude_id
            )
            steps["shots"] = [s.question for s in shots]
        values = []
        if self.use_values and target.values() is not None:
            values = target.values().lookup(question)
            steps["values"] = [v.to_dict() for v in values]
        budget, samples, fmt = self.schema_budget, self.samples, self.schema_format
        adapter = getattr(self.model, "adapter", None)
        if adapter:
            trained = PromptSettings.for_adapter(adapter)
            budget, samples, fmt = trained.schema_budget, trained.samples, trained.schema_format
            steps["prompt_settings"] = "adapter"
        notes: list[str] = []
        prompt = grounded_prompt(
            question,
            target.dialect,
            target.schema,
            values,
            samples=samples,
            schema_format=fmt,
            budget_tokens=budget,
            count_tokens=getattr(self.model, "count_tokens", None),
            shots=shots,
            language=self.language,
            notes=notes,
            history=history,
        )
        if notes:
            steps["schema_pruned"] = notes[0]
        return prompt, steps

    def draft(
        self, question: str, target: Target, *, session: Any = None, history: str = "", example_id: str | None = None
    ) -> Draft:
        prompt, steps = self.prompt(question, target, example_id, history)
        return Draft(prompt, steps)
