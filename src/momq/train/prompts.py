"""Prompt construction shared by training and generation (they must agree exactly).

A prompt holds a dialect instruction, the rendered schema (when the example has one) and
the question; the target is the query followed by the tokenizer's end-of-sequence token,
so the model learns to stop. Ranker examples (:mod:`momq.train.ranker_data`) carry
their whole user message in ``prompt`` and the ranking as their target. With a chat tokenizer (SmolLM2-Instruct) the prompt is the
user turn of the chat template with the assistant turn opened; otherwise a plain layout.
"""

from __future__ import annotations

from typing import Any

DIALECT_NAMES = {
    "mysql": "MySQL",
    "postgres": "PostgreSQL",
    "cypher": "Cypher (Neo4j)",
    "ngql": "nGQL (NebulaGraph)",
}


def instruction(dialect: str) -> str:
    name = DIALECT_NAMES.get(dialect, dialect)
    return f"Translate the question into a {name} query. Answer with the query only."


def user_message(question: str, dialect: str, schema: str | None = None) -> str:
    parts = [instruction(dialect)]
    if schema:
        parts.append(f"Schema:\n{schema.strip()}")
    parts.append(f"Question: {question.strip()}")
    return "\n\n".join(parts)


def build_prompt(question: str, dialect: str, schema: str | None = None, tokenizer: Any = None,
                 message: str | None = None) -> str:
    """The text the model continues with the query (or, for a ``message`` given whole,
    such as the ranker's, with the answer)."""
    message = message or user_message(question, dialect, schema)
    if tokenizer is not None and getattr(tokenizer, "chat_template", None):
        return tokenizer.apply_chat_template([{"role": "user", "content": message}], tokenize=False,
                                             add_generation_prompt=True)
    return f"{message}\n\nQuery:\n"


def example_prompt(example: dict[str, Any], tokenizer: Any = None) -> str:
    """An example's prompt; an example with a ``prompt`` (a ranker example,
    :mod:`momq.train.ranker_data`) carries its whole user message."""
    return build_prompt(example["question"], example["dialect"], example.get("schema"), tokenizer,
                        message=example.get("prompt"))
