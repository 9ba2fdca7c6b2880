"""A small Validator in the style of sqlglot's dialect tests: each dialect's spec reads
as a list of ``self.extracts(raw, query)``, ``self.read_only(query)``,
``self.writes(query)``, ``self.same(a, b)`` / ``self.differ(a, b)``,
``self.valid(query)`` / ``self.invalid(query)``, ``self.quotes(name, quoted)``,
``self.collects(schema, where, query)``, ``self.prompts_as(label, fence)`` and
``self.introspects_with(module)`` lines."""

from __future__ import annotations

import importlib
import unittest

from momq.dialects import get_dialect
from momq.schema.model import Column, EdgeType, NodeType, Schema, Table

#: small schemas for the value-query lines (schema objects, no database)
SHOP = Schema(
    database="shop",
    family="relational",
    tables=[
        Table("customer", [Column("id", "integer"), Column("name", "text")], ["id"]),
        Table("consumer_div.wallet", [Column("label", "varchar(20)")]),
    ],
)
PLAYERS = Schema(
    database="players",
    family="graph",
    nodes=[NodeType("player", [Column("name", "string"), Column("age", "int64")])],
    edges=[EdgeType("serve", [Column("role", "string")], [("player", "player")])],
)


class Validator(unittest.TestCase):
    dialect_name = ""

    @property
    def dialect(self):
        return get_dialect(self.dialect_name)

    def extracts(self, raw: str, query: str) -> None:
        self.assertEqual(self.dialect.extract(raw), query)

    def read_only(self, query: str) -> None:
        self.assertTrue(self.dialect.is_read_only(query), f"should be read-only: {query}")

    def writes(self, query: str) -> None:
        self.assertFalse(self.dialect.is_read_only(query), f"should be refused as a write: {query}")

    def same(self, a: str, b: str) -> None:
        self.assertEqual(self.dialect.normalize(a), self.dialect.normalize(b))

    def differ(self, a: str, b: str) -> None:
        self.assertNotEqual(self.dialect.normalize(a), self.dialect.normalize(b))

    def valid(self, query: str) -> None:
        result = self.dialect.validate(query)
        self.assertTrue(result.ok, f"{query}: {result.message}")

    def invalid(self, query: str, position: int | None = None) -> None:
        result = self.dialect.validate(query)
        self.assertFalse(result.ok, f"should be invalid: {query}")
        if position is not None:
            self.assertEqual(result.position, position)

    def quotes(self, name: str, quoted: str) -> None:
        self.assertEqual(self.dialect.quote(name), quoted)

    def collects(self, schema: Schema, where: str, query: str) -> None:
        """Value alignment collects ``where``'s values with ``query`` (100 per column), a
        query the dialect itself holds read-only."""
        self.assertEqual(dict(self.dialect.value_queries(schema, 100)).get(where), query)
        self.read_only(query)

    def prompts_as(self, label: str, fence: str) -> None:
        """Prompts name the dialect ``label``, fence answers with ``fence`` and carry a
        hint in every prompt language."""
        self.assertEqual((self.dialect.label, self.dialect.fence), (label, fence))
        self.assertTrue(self.dialect.hint("en") and self.dialect.hint("zh"))

    def introspects_with(self, module: str) -> None:
        self.assertEqual(self.dialect.introspection, module)
        self.assertTrue(callable(importlib.import_module(module).introspect))
