"""Fixtures of the pipeline tests: the demo databases on the real embedded engines
(basketballplayer in the embedded nGQL engine, car_dealership in PostgreSQL and MySQL),
each behind a :class:`Recorder` of the queries that reached it. The scripted model is the
only stand-in."""

from __future__ import annotations

import pytest

from tests.engines.recorder import Recorder

#: what the value index of the nGQL target holds (the database's own spellings)
VALUES = [
    ("Tim Duncan", "player.name"),
    ("Tony Parker", "player.name"),
    ("player100", "vid:player"),
    ("Spurs", "team.name"),
]


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
