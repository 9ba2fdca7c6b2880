"""Fixtures for the Cypher engine tests (a pytest plugin, registered by tests/conftest.py).

The embedded ArcadeDB server lives under ``momq.settings.home()`` like in normal use:
a session that finds it running uses it and leaves it running; a session that starts
it stops it at the end. The demo graphs are built once (the build is idempotent).
Tests that need a graph they may damage get ``cypher_scratch``: a private copy of
movies in its own ArcadeDB database, dropped at the end.
"""

from __future__ import annotations

import importlib.util

import pytest


def _skip_without_arcadedb() -> None:
    if importlib.util.find_spec("arcadedb_embedded") is None:
        pytest.skip("arcadedb-embedded is not installed (pip install 'momq[arcadedb]')")


@pytest.fixture(scope="session")
def arcadedb_server():
    """The running embedded ArcadeDB server."""
    _skip_without_arcadedb()
    from momq.engines.servers.arcadedb import ArcadedbServer

    server = ArcadedbServer()
    started_here = not server.status().running
    server.start()
    yield server
    if started_here:
        server.stop()


@pytest.fixture(scope="session")
def cypher_graphs(arcadedb_server):
    """The movies and northwind graphs, built; returns their (nodes, relationships)."""
    from momq.databases import neo4j_demo

    return neo4j_demo.build()


@pytest.fixture(scope="session")
def movies_engine(cypher_graphs):
    from momq.engines.cypher import connect

    engine = connect("movies")
    yield engine
    engine.close()


@pytest.fixture(scope="session")
def northwind_engine(cypher_graphs):
    from momq.engines.cypher import connect

    engine = connect("northwind")
    yield engine
    engine.close()


SCRATCH = "momq_test_movies_copy"


@pytest.fixture(scope="session")
def cypher_scratch(arcadedb_server):
    """A read-only engine on a private copy of the movies graph (its own database)."""
    import neo4j

    from momq.databases.neo4j_demo import _graphs_dir
    from momq.dialects.cypher_lexer import split_statements
    from momq.engines.cypher import CypherEngine

    arcadedb_server.drop_database(SCRATCH)
    arcadedb_server.create_database(SCRATCH)
    script = (_graphs_dir() / "movies" / "movies.cypher").read_text(encoding="utf-8")
    with neo4j.GraphDatabase.driver(arcadedb_server.bolt_url(), auth=arcadedb_server.credentials(admin=True)) as driver:
        with driver.session(database=SCRATCH) as session:
            for statement in split_statements(script):
                session.run(statement).consume()
    engine = CypherEngine(SCRATCH, embedded=arcadedb_server)
    yield engine
    engine.close()
    try:
        arcadedb_server.drop_database(SCRATCH)
    except Exception:  # noqa: BLE001 - the server may be gone already
        pass
