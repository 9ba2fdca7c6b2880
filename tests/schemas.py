"""Small schemas (schema objects, no database) for tests of prompts, ranking and value
queries that need no engine. Tests that run queries use the demo databases on the real
engines (``tests/pipelines/conftest.py``, ``tests/engines``)."""

from __future__ import annotations

from momq.schema.model import Column, EdgeType, NodeType, Schema, Table


def graph_schema() -> Schema:
    """basketballplayer's schema (the nGQL demo space)."""
    return Schema(
        database="basketballplayer",
        family="graph",
        vid_type="FIXED_STRING(32)",
        nodes=[
            NodeType("player", [Column("name", "string", samples=["Tim Duncan"]), Column("age", "int64")]),
            NodeType("team", [Column("name", "string", samples=["Spurs"])]),
        ],
        edges=[
            EdgeType("follow", [Column("degree", "int64")], [("player", "player")]),
            EdgeType("serve", [Column("start_year", "int64"), Column("end_year", "int64")], [("player", "team")]),
        ],
    )


def sql_schema() -> Schema:
    return Schema(
        database="shop",
        family="relational",
        tables=[
            Table("customer", [Column("id", "integer"), Column("name", "text"), Column("city", "text")], ["id"]),
            Table(
                "orders",
                [Column("id", "integer"), Column("customer_id", "integer"), Column("total", "numeric")],
                ["id"],
            ),
            Table("product", [Column("id", "integer"), Column("title", "text")], ["id"]),
        ],
    )
