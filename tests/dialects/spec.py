"""A small Validator in the style of sqlglot's dialect tests: each dialect's spec reads
as a list of ``self.extracts(raw, query)``, ``self.read_only(query)``,
``self.writes(query)``, ``self.same(a, b)`` / ``self.differ(a, b)`` and
``self.valid(query)`` / ``self.invalid(query)`` lines."""

from __future__ import annotations

import unittest

from momq.dialects import get_dialect


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
