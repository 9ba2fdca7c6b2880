"""A scripted engine and a small graph schema for pipeline tests (no real database).

The fake engine answers queries from a table ``query -> rows or exception`` and records
every query it was asked to run, so tests can assert that nothing unexpected (a write)
ever reached it.
"""

from __future__ import annotations

from typing import Any

from momq.engines.base import Engine, Result
from momq.schema.model import Column, EdgeType, NodeType, Schema, Table


class FakeEngine(Engine):
    name = "fake"

    def __init__(self, dialect: str, answers: dict[str, Any], database: str = "demo", default: Any = None):
        self.dialect = dialect  # type: ignore[misc]
        self.database = database
        self.answers = answers
        self.default = default
        self.executed: list[str] = []

    def execute(self, query: str, timeout_s: float = 30.0, max_rows: int = 1000) -> Result:
        self.executed.append(query)
        outcome = self.answers.get(query.strip(), self.default)
        if isinstance(outcome, list) and outcome and isinstance(outcome[0], BaseException):
            outcome = outcome.pop(0)  # a sequence of outcomes (transient then success)
            if not self.answers.get(query.strip()):
                self.answers[query.strip()] = [Result(["n"], [(1,)])]
        if isinstance(outcome, list) and outcome and isinstance(outcome[0], Result):
            outcome = outcome[0]
        if isinstance(outcome, BaseException):
            raise outcome
        if isinstance(outcome, Result):
            return outcome
        if outcome is None:
            return Result(["x"], [])
        columns, rows = outcome
        return Result(list(columns), [tuple(r) for r in rows])


def graph_schema() -> Schema:
    return Schema(
        database="basketballplayer", family="graph", vid_type="FIXED_STRING(32)",
        nodes=[NodeType("player", [Column("name", "string", samples=["Tim Duncan"]), Column("age", "int64")]),
               NodeType("team", [Column("name", "string", samples=["Spurs"])])],
        edges=[EdgeType("follow", [Column("degree", "int64")], [("player", "player")]),
               EdgeType("serve", [Column("start_year", "int64"), Column("end_year", "int64")], [("player", "team")])],
    )


def sql_schema() -> Schema:
    return Schema(
        database="shop", family="relational",
        tables=[Table("customer", [Column("id", "integer"), Column("name", "text"), Column("city", "text")], ["id"]),
                Table("orders", [Column("id", "integer"), Column("customer_id", "integer"), Column("total", "numeric")],
                      ["id"]),
                Table("product", [Column("id", "integer"), Column("title", "text")], ["id"])],
    )
