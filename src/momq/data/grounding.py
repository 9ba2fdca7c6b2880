"""Grounding of fine-tuning records: each record carries what the inference prompt shows.

At inference (:mod:`momq.pipelines.direct`) a prompt holds the database's schema (sample
values, edge directions, pruned to a token budget) and the database values the question
mentions. A fine-tuning record carries the same two ingredients, unrendered, so that the
trainer renders it with the same builder (:func:`momq.pipelines.direct.grounded_prompt`)
and the same budget in the model's own tokens:

- ``schema``: the :class:`~momq.schema.model.Schema` as a dict, from the best source momq
  has offline: the database's engine when momq has one (the nGQL spaces: the schema
  inference introspects, with sample values), Spider's ``tables.json`` (tables, typed
  columns, keys; no sample values: Spider's SQLite files are not shipped), or
  text2cypher's schema text (labels, relationship directions, typed properties and the
  example values as samples);
- ``values``: ``[{"value", "where"}]``: with an engine, what the database's value index
  aligns with the question (exactly what inference shows); without a database, the gold
  query's quoted literals that the question mentions (case-insensitively). Those are the
  values an aligner would find (a gold's literal is a stored value), but they are never
  wrong, unlike real alignments; ``grounding`` records which source each record used.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Iterable, Sequence

from momq.data import loaders
from momq.data.records import Example

MAX_VALUES = 5  # what momq.align.ValueIndex.lookup returns at most
_LITERAL = re.compile(r"'((?:[^'\\]|\\.|'')+)'|\"((?:[^\"\\]|\\.)+)\"")


def gold_literals(query: str, question: str, limit: int = MAX_VALUES) -> list[dict[str, str]]:
    """The gold's quoted string literals that occur in the question (case-insensitive), in
    query order, each once."""
    asked = question.lower()
    found: list[str] = []
    for match in _LITERAL.finditer(query):
        value = (match.group(1) or match.group(2) or "").replace("''", "'").strip("%").strip()
        if len(value) >= 2 and value.lower() in asked and value not in found:
            found.append(value)
    return [{"value": v, "where": ""} for v in found[:limit]]


def compact(data: Any) -> Any:
    """A ``Schema.to_dict`` without the entries that hold their default (empty text and
    lists, None, ``nullable: true``): records shrink by a third to a half and
    ``Schema.from_dict`` reads them back the same."""
    if isinstance(data, dict):
        return {
            k: compact(v)
            for k, v in data.items()
            if v not in ("", None, [], {}) and not (k == "nullable" and v is True)
        }
    if isinstance(data, (list, tuple)):
        return [compact(v) for v in data]
    return data


class Grounder:
    """Schemas and values for training examples, each database's schema loaded once.

    ``open_target(dialect, database)``: a :class:`~momq.pipelines.context.Target` (or
    None); default :meth:`Target.open` for the dialects momq builds offline (nGQL).
    """

    def __init__(
        self, open_target: Callable[[str, str], Any] | None = None, engine_dialects: Sequence[str] = ("ngql",)
    ):
        self.open_target = open_target or self._open
        self.engine_dialects = set(engine_dialects)
        self._targets: dict[tuple[str, str], Any] = {}
        self._schemas: dict[tuple[str, str], Any] = {}
        self._compact: dict[int, dict[str, Any]] = {}  # id(schema) -> its compact dict

    @staticmethod
    def _open(dialect: str, database: str) -> Any:
        from momq.pipelines.context import Target

        return Target.open(dialect, database)

    def target(self, example: Example) -> Any:
        key = (example.dialect, example.database)
        if example.dialect not in self.engine_dialects:
            return None
        if key not in self._targets:
            self._targets[key] = self.open_target(*key)
        return self._targets[key]

    def schema(self, example: Example) -> tuple[Any, str]:
        """``(Schema or None, source)``."""
        target = self.target(example)
        if target is not None:
            return target.schema, "engine"
        key = (example.source.split("/", 1)[0], example.database)
        if key not in self._schemas:
            if example.source.startswith("spider/"):
                self._schemas[key] = loaders.spider_schema(example.database)
            elif example.source.startswith("text2cypher/"):
                self._schemas[key] = loaders.text2cypher_schema(example.database)
            else:
                self._schemas[key] = None
        source = {"spider": "spider tables.json", "text2cypher": "text2cypher schema text"}.get(key[0], "none")
        return self._schemas[key], source if self._schemas[key] is not None else "none"

    def values(self, example: Example) -> tuple[list[dict[str, str]], str]:
        target = self.target(example)
        if target is not None and target.values() is not None:
            matches = target.values().lookup(example.question)
            return [{"value": m.value, "where": m.where} for m in matches], "engine"
        return gold_literals(example.query, example.question), "gold literals"

    def record(self, example: Example) -> dict[str, Any]:
        """The fine-tuning record of ``example`` (see the module docstring)."""
        schema, schema_source = self.schema(example)
        values, values_source = self.values(example)
        record = example.to_training()
        if schema is not None:
            if id(schema) not in self._compact:  # schemas are shared by a database's records
                self._compact[id(schema)] = compact(schema.to_dict())
            record["schema"] = self._compact[id(schema)]
        if values:
            record["values"] = values
        record["grounding"] = {"schema": schema_source, "values": values_source}
        return record

    def close(self) -> None:
        for target in self._targets.values():
            if target is not None:
                target.close()
        self._targets.clear()


def training_records(examples: Iterable[Example], grounder: Grounder | None = None) -> list[dict[str, Any]]:
    """Grounded fine-tuning records of ``examples`` (engines opened as needed, then closed)."""
    own = grounder is None
    grounder = grounder or Grounder()
    try:
        return [grounder.record(e) for e in examples]
    finally:
        if own:
            grounder.close()
