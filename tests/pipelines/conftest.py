"""Fixtures of the pipeline tests: the demo databases on the real embedded engines
(basketballplayer in the embedded nGQL engine, car_dealership in PostgreSQL and MySQL),
each behind a :class:`Recorder` of the queries that reached it. The scripted model is the
only stand-in."""

from __future__ import annotations

from typing import Any

import pytest

from momq.engines.base import DEFAULT_MAX_ROWS, DEFAULT_TIMEOUT_S, Result

#: what the value index of the nGQL target holds (the database's own spellings)
VALUES = [
    ("Tim Duncan", "player.name"),
    ("Tony Parker", "player.name"),
    ("player100", "vid:player"),
    ("Spurs", "team.name"),
]


class Recorder:
    """A real engine that also lists every query it was asked to run, so a test can
    assert that a refused query never reached the database."""

    def __init__(self, engine: Any):
        self.engine = engine
        self.executed: list[str] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.engine, name)

    def execute(self, query: str, timeout_s: float = DEFAULT_TIMEOUT_S, max_rows: int = DEFAULT_MAX_ROWS) -> Result:
        self.executed.append(query)
        return self.engine.execute(query, timeout_s=timeout_s, max_rows=max_rows)


@pytest.fixture(scope="session")
def basketballplayer():
    """The embedded nGQL engine on basketballplayer and the space's schema."""
    from momq.databases import ngql_demo
    from momq.engines import open_engine
    from momq.schema.introspect import introspect

    ngql_demo.build(["basketballplayer"])
    engine = open_engine("ngql", "basketballplayer")
    yield engine, introspect(engine)
    engine.close()


@pytest.fixture
def ngql_target(basketballplayer):
    """``ngql_target(values=None)``: a Target on basketballplayer whose engine records
    its queries, with a value index of ``values`` (``VALUES`` by default)."""
    from momq.align import ValueIndex
    from momq.pipelines import Target

    engine, schema = basketballplayer

    def make(values: list[tuple[str, str]] | None = None) -> Target:
        return Target(
            "ngql", "basketballplayer", schema, Recorder(engine), value_index=ValueIndex.build(values or VALUES)
        )

    return make


@pytest.fixture(scope="session")
def car_dealership_schema(defog_postgres):
    from momq.engines import open_engine
    from momq.schema.introspect import introspect

    with open_engine("postgres", "car_dealership") as engine:
        return introspect(engine)


@pytest.fixture
def pg_target(pg_engine, car_dealership_schema):
    """A Target on car_dealership in PostgreSQL whose engine records its queries."""
    from momq.pipelines import Target

    return Target("postgres", "car_dealership", car_dealership_schema, Recorder(pg_engine("car_dealership")))
