"""Fixtures of the evaluation tests: the demo databases on the real embedded engines
(car_dealership in PostgreSQL and MySQL, basketballplayer in the embedded nGQL engine,
movies in ArcadeDB)."""

from __future__ import annotations

import pytest

from tests.engines.recorder import Recorder


@pytest.fixture(scope="session")
def basketballplayer_space():
    from momq.databases import ngql_demo

    ngql_demo.build(["basketballplayer"])


@pytest.fixture
def factory(defog_postgres, defog_mysql, basketballplayer_space):
    """An engine factory for the runner: real engines that share one log of the queries
    they ran (``factory.log``)."""
    from momq.engines import open_engine

    log: list[str] = []

    def make(dialect: str, database: str) -> Recorder:
        return Recorder(open_engine(dialect, database), log)

    make.log = log  # type: ignore[attr-defined]
    return make
