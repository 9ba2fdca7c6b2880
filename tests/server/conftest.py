"""Fixtures of the server tests: the demo databases on the real embedded engines, a
scripted model that answers each test question with a real query of its dialect, and
the service run in-process (TestClient) or on a real loopback port (uvicorn).

The scripted model is the only stand-in: every query runs on the real engines.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

GO = 'GO FROM "player100" OVER follow YIELD $$.player.name AS friend, edge AS e'
MATCH_NGQL = 'MATCH p=(v:player)-[e:follow]->(v2:player) WHERE id(v) == "player100" RETURN p'
CYPHER = "MATCH p=(a:Person {name: 'Tom Hanks'})-[:ACTED_IN]->(m:Movie) RETURN p ORDER BY m.title LIMIT 4"
SQL_COUNT = "SELECT count(*) AS authors FROM author"
SQL_ITALIAN = "SELECT name, food_type FROM restaurant WHERE food_type = 'Italian' ORDER BY name LIMIT 5"

# (regex on the prompt, answer); the first match wins. The repair rule comes first: only
# a repair prompt holds the misspelt table name; the graph question comes before the
# question it follows in a conversation (whose history is in the prompt).
RULES = [
    ("FROM authorz", f"```sql\n{SQL_COUNT}\n```"),
    ("misspelt authors", "```sql\nSELECT count(*) FROM authorz\n```"),
    ("graph of Tim Duncan", f"```ngql\n{MATCH_NGQL}\n```"),
    ("Tim Duncan follow", f"```ngql\n{GO}\n```"),
    ("Tom Hanks", f"```cypher\n{CYPHER}\n```"),
    ("How many authors", f"```sql\n{SQL_COUNT}\n```"),
    ("Italian", f"```sql\n{SQL_ITALIAN}\n```"),
    ("Drop", "DROP TABLE author"),
]


MODEL_ID = "momq-scripted"


@pytest.fixture(scope="session")
def scripted_spec(tmp_path_factory) -> str:
    """The served model entry: the scripted model under the id MODEL_ID."""
    path = tmp_path_factory.mktemp("model") / "rules.json"
    path.write_text(json.dumps({"rules": RULES, "default": "I cannot answer that."}))
    return f"{MODEL_ID}=scripted:@{path}"


@pytest.fixture(scope="session")
def demo_databases(pg_server, mariadb_server, arcadedb_server):
    """academic and restaurants (PostgreSQL and MySQL), movies (Cypher), basketballplayer (nGQL)."""
    from momq.databases import build

    build(["academic", "restaurants", "movies", "basketballplayer"])
    return True


@pytest.fixture
def make_client(scripted_spec, tmp_path):
    """``make_client(**config)`` -> a TestClient on a fresh service (sessions under tmp_path)."""
    from fastapi.testclient import TestClient

    from momq.server.app import create_app
    from momq.server.config import ServerConfig
    from momq.server.service import Service
    from momq.server.sessions import SessionStore

    made = []

    def factory(service_kwargs: dict | None = None, **config):
        config.setdefault("models", (scripted_spec,))
        cfg = ServerConfig(**config)
        service = Service(cfg, sessions=SessionStore(tmp_path / "sessions"), **(service_kwargs or {}))
        client = TestClient(create_app(cfg, service=service), raise_server_exceptions=False)
        client.__enter__()
        made.append(client)
        return client

    yield factory
    for client in made:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client, demo_databases):
    return make_client()


class LiveServer:
    """The service on a real loopback port, in a thread (uvicorn)."""

    def __init__(self, app):
        import uvicorn

        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> "LiveServer":
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.05)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


@pytest.fixture(scope="module")
def live_server(scripted_spec, demo_databases, tmp_path_factory):
    from momq.server.app import create_app
    from momq.server.config import ServerConfig
    from momq.server.service import Service
    from momq.server.sessions import SessionStore

    config = ServerConfig(models=(scripted_spec,))
    service = Service(config, sessions=SessionStore(Path(tmp_path_factory.mktemp("sessions"))))
    with LiveServer(create_app(config, service=service)) as live:
        yield live
