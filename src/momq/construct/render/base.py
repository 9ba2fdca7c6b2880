"""What every dialect's template renderer provides."""

from __future__ import annotations

import abc
from typing import Any

from momq.construct.spec import QuerySpec
from momq.construct.view import SchemaView


class Renderer(abc.ABC):
    dialect: str = ""

    @abc.abstractmethod
    def render(self, spec: QuerySpec, view: SchemaView) -> str:
        """The query of ``spec``."""

    @abc.abstractmethod
    def values_query(
        self, view: SchemaView, entity: str, prop: str, *, relation: str | None = None, limit: int = 200
    ) -> str:
        """A query listing distinct non-null values of ``prop`` on entity type ``entity``
        (or on ``relation``'s edges when given), in a fixed order."""

    @abc.abstractmethod
    def literal(self, value: Any) -> str:
        """``value`` as a literal of the dialect."""

    @staticmethod
    def alias(prop: str) -> str:
        """A result column name for a property."""
        return prop.split(".")[-1]


def aggregate_parts(aggregate: str) -> tuple[str, str | None]:
    """``"avg:price"`` -> ``("avg", "price")``; ``"count"`` -> ``("count", None)``."""
    func, _, prop = aggregate.partition(":")
    return func, (prop or None)


__all__ = ["Renderer", "aggregate_parts"]
