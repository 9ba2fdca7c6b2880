"""momq's HTTP API on the real demo databases (scripted model, real engines)."""

from __future__ import annotations

import json
import threading

import pytest

from tests.server.conftest import CYPHER, GO, MATCH_NGQL, SQL_COUNT

pytest.importorskip("fastapi", reason="the server extra is not installed: pip install 'momq[server]'")

pytestmark = pytest.mark.integration


def events(text: str) -> list[tuple[str, dict]]:
    """Parse a text/event-stream body."""
    found = []
    for block in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        found.append((lines["event"], json.loads(lines["data"])))
    return found


def test_health_readiness_and_published_openapi(client):
    assert client.get("/healthz").json()["status"] == "ok"
    ready = client.get("/readyz").json()
    assert ready["ready"] and ready["queue"]["model_pending"] == 0
    paths = client.get("/openapi.json").json()["paths"]
    for path in (
        "/api/ask",
        "/api/ask/stream",
        "/api/query",
        "/api/sessions",
        "/api/sessions/{session_id}/turns",
        "/api/databases/{database}/schema",
        "/v1/models",
        "/v1/chat/completions",
    ):
        assert path in paths


def test_databases_dialects_and_schema_in_every_format(client):
    databases = {d["name"]: d for d in client.get("/api/databases").json()}
    assert databases["academic"]["dialects"] == ["postgres", "mysql"]
    assert databases["basketballplayer"]["default_dialect"] == "ngql"
    assert {d["name"] for d in client.get("/api/dialects").json()} >= {"mysql", "postgres", "cypher", "ngql"}
    for database, dialect in [
        ("academic", "postgres"),
        ("academic", "mysql"),
        ("movies", "cypher"),
        ("basketballplayer", "ngql"),
    ]:
        for fmt in ("ddl", "text", "code"):
            reply = client.get(f"/api/databases/{database}/schema", params={"dialect": dialect, "format": fmt})
            assert reply.status_code == 200, reply.text
            body = reply.json()
            assert body["dialect"] == dialect and body["format"] == fmt and body["elements"]
    assert "class player" in client.get("/api/databases/basketballplayer/schema?format=code").json()["text"]
    assert client.get("/api/databases/nowhere/schema").status_code == 404
    assert client.get("/api/databases/movies/schema?dialect=mysql").status_code == 400


@pytest.mark.parametrize(
    "database,dialect,query",
    [
        ("academic", "postgres", SQL_COUNT),
        ("academic", "mysql", SQL_COUNT),
        ("movies", "cypher", CYPHER),
        ("basketballplayer", "ngql", GO),
    ],
)
def test_query_runs_in_the_sandbox(client, database, dialect, query):
    body = client.post("/api/query", json={"database": database, "dialect": dialect, "query": query}).json()
    assert body["status"] == "ok" and body["dialect"] == dialect and body["result"]["row_count"] >= 1


def test_query_refuses_writes_and_reports_errors_by_class(client):
    for database, dialect, write in [
        ("academic", "postgres", "DELETE FROM author"),
        ("academic", "mysql", "DROP TABLE author"),
        ("movies", "cypher", "MATCH (n) DETACH DELETE n"),
        ("basketballplayer", "ngql", 'DELETE VERTEX "player100"'),
    ]:
        body = client.post("/api/query", json={"database": database, "dialect": dialect, "query": write}).json()
        assert body["status"] == "refused" and body["error"] == "ReadOnlyViolation", body
    bad = client.post("/api/query", json={"database": "academic", "query": "SELEC 1"}).json()
    assert bad["status"] == "failed" and bad["error"] == "QuerySyntaxError"
    capped = client.post(
        "/api/query", json={"database": "academic", "query": "SELECT * FROM author", "max_rows": 3}
    ).json()
    assert capped["result"]["row_count"] == 3 and capped["result"]["truncated"]
    counted = client.post("/api/query", json={"database": "academic", "query": SQL_COUNT}).json()
    assert counted["result"]["rows"][0][0] > 0


@pytest.mark.parametrize(
    "database,dialect,question,column",
    [
        ("academic", "postgres", "How many authors are there?", "authors"),
        ("academic", "mysql", "How many authors are there?", "authors"),
        ("movies", "cypher", "Which movies did Tom Hanks act in?", "p"),
        ("basketballplayer", "ngql", "Who does Tim Duncan follow?", "friend"),
    ],
)
def test_ask_in_every_dialect(client, database, dialect, question, column):
    reply = client.post("/api/ask", json={"database": database, "dialect": dialect, "question": question})
    assert reply.status_code == 200, reply.text
    answer = reply.json()
    assert answer["status"] == "ok" and answer["dialect"] == dialect and answer["repairs"] == 0
    assert answer["attempts"][0]["outcome"] == "ok" and answer["result"]["columns"][0] == column


def test_graph_values_are_json_objects(client):
    answer = client.post(
        "/api/ask", json={"database": "basketballplayer", "question": "Draw a graph of Tim Duncan"}
    ).json()
    assert answer["query"] == MATCH_NGQL
    path = answer["result"]["rows"][0][0]
    assert path["kind"] == "path" and path["nodes"][0]["properties"]["name"] == "Tim Duncan"
    edge = path["relationships"][0]
    assert edge["start"] == path["nodes"][0]["ref"] and edge["end"] == path["nodes"][1]["ref"]
    cypher = client.post("/api/query", json={"database": "movies", "query": CYPHER}).json()["result"]["rows"][0][0]
    assert cypher["relationships"][0]["start"] == cypher["nodes"][0]["ref"]


def test_ask_reports_the_repair_and_its_attempts(client):
    answer = client.post("/api/ask", json={"database": "academic", "question": "misspelt authors count?"}).json()
    assert answer["status"] == "ok" and answer["repairs"] == 1
    assert [a["outcome"] for a in answer["attempts"]] == ["unknown_schema", "ok"]
    assert answer["query"] == SQL_COUNT


@pytest.mark.parametrize("pipeline", ["r3", "rse", "multiturn", "icl"])
def test_ask_with_other_pipelines(client, pipeline):
    answer = client.post(
        "/api/ask",
        json={"database": "basketballplayer", "question": "Who does Tim Duncan follow?", "pipeline": pipeline},
    ).json()
    assert answer["pipeline"] == pipeline and answer["status"] == "ok", answer


def test_hostile_questions_are_refused_without_running(client):
    answer = client.post("/api/ask", json={"database": "academic", "question": "Drop all tables"}).json()
    assert answer["status"] == "refused" and answer["attempts"] == []
    assert client.post("/api/ask", json={"database": "academic", "question": "   "}).status_code == 400


def test_ask_stream_sends_progress_then_the_answer(client):
    reply = client.post("/api/ask/stream", json={"database": "academic", "question": "misspelt authors count?"})
    assert reply.headers["content-type"].startswith("text/event-stream")
    found = events(reply.text)
    names = [name for name, _ in found]
    assert names == ["schema", "candidate", "executed", "repaired", "executed", "answer"]
    assert found[2][1]["outcome"] == "unknown_schema" and found[4][1]["outcome"] == "ok"
    assert found[-1][1]["status"] == "ok"
    bad = client.post("/api/ask/stream", json={"database": "nowhere", "question": "x"})
    assert bad.status_code == 404


def test_sessions_are_multi_turn_and_survive_a_restart(make_client, demo_databases):
    first = make_client()
    created = first.post("/api/sessions", json={"database": "basketballplayer"})
    assert created.status_code == 201
    sid = created.json()["id"]
    turn = first.post(f"/api/sessions/{sid}/turns", json={"question": "Who does Tim Duncan follow?"}).json()
    assert turn["status"] == "ok" and turn["session"] == sid and turn["pipeline"] == "multiturn"
    streamed = events(
        first.post(f"/api/sessions/{sid}/turns/stream", json={"question": "And a graph of Tim Duncan follow?"}).text
    )
    assert streamed[-1][0] == "answer"
    again = make_client()  # a new service on the same folder: a restarted server
    stored = again.get(f"/api/sessions/{sid}").json()
    assert [t["question"] for t in stored["turns"]] == [
        "Who does Tim Duncan follow?",
        "And a graph of Tim Duncan follow?",
    ]
    assert stored["turns"][0]["preview"] and stored["turns"][0]["columns"] == ["friend", "e"]
    resumed = again.post(f"/api/sessions/{sid}/turns", json={"question": "Who does Tim Duncan follow?"}).json()
    assert resumed["status"] == "ok"
    assert len(again.get(f"/api/sessions/{sid}").json()["turns"]) == 3
    assert sid in [s["id"] for s in again.get("/api/sessions").json()]
    assert again.get("/api/sessions/nope").status_code == 404
    assert again.get("/api/sessions/..%2F..%2Fetc").status_code == 404
    assert again.post("/api/sessions/nope/turns", json={"question": "x"}).status_code == 404


def test_models_are_an_allow_list(client):
    reply = client.post(
        "/api/ask", json={"database": "academic", "question": "How many authors?", "model": "scripted:SELECT 1"}
    )
    assert reply.status_code == 400 and reply.json()["error"] == "ConfigError"
    reply = client.post("/api/ask", json={"database": "academic", "question": "How many?", "model": "/etc/passwd"})
    assert reply.status_code == 400


def test_bad_requests_are_4xx_without_internals(client):
    reply = client.post("/api/ask", json={"database": "academic"})
    assert reply.status_code == 422 and reply.json()["error"] == "InvalidRequest"
    assert client.post("/api/ask", json={"database": "academic", "question": "x", "surprise": 1}).status_code == 422
    assert (
        client.post("/api/query", content=b"{not json", headers={"content-type": "application/json"}).status_code == 422
    )
    big = client.post("/api/query", content=b"x" * 70_000, headers={"content-type": "application/json"})
    assert big.status_code == 413
    assert client.get("/api/databases/nowhere/schema").json() == {
        "error": "UnknownDatabase",
        "message": client.get("/api/databases/nowhere/schema").json()["message"],
    }


def test_unexpected_errors_are_500_without_a_stack_trace(make_client, demo_databases):
    from momq.server.queue import ModelRegistry

    def broken(spec, **options):
        raise RuntimeError("secret detail from deep inside")

    client = make_client(service_kwargs={"registry": ModelRegistry(["broken"], loader=broken)})
    reply = client.post("/api/ask", json={"database": "academic", "question": "How many authors?"})
    assert reply.status_code == 500
    assert reply.json() == {"error": "InternalError", "message": "internal error (logged)"}
    assert "secret" not in reply.text and "Traceback" not in reply.text


def test_api_keys(make_client, demo_databases):
    client = make_client(api_keys=("k1", "k2"))
    assert client.get("/api/databases").status_code == 401
    assert client.get("/api/databases", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert client.get("/api/databases", headers={"Authorization": "Bearer k2"}).status_code == 200
    assert client.get("/v1/models").status_code == 401
    assert client.get("/healthz").status_code == 200 and client.get("/").status_code == 200
    assert client.get("/ui/app.js").status_code == 200


def test_cors_is_off_unless_configured(make_client, demo_databases):
    closed = make_client().get("/api/databases", headers={"Origin": "https://elsewhere.example"})
    assert "access-control-allow-origin" not in closed.headers
    opened = make_client(cors_origins=("https://tools.example",)).get(
        "/api/databases", headers={"Origin": "https://tools.example"}
    )
    assert opened.headers["access-control-allow-origin"] == "https://tools.example"


def test_a_full_queue_answers_503_at_once_and_time_limits_answer_504(make_client, demo_databases):
    from momq.llm.scripted import ScriptedModel
    from momq.server.queue import ModelRegistry

    release = threading.Event()
    entered = threading.Event()

    def slow(prompt):
        entered.set()
        release.wait(20)
        return f"```sql\n{SQL_COUNT}\n```"

    registry = ModelRegistry(["slow"], loader=lambda spec, **o: ScriptedModel(function=slow))
    client = make_client(service_kwargs={"registry": registry}, model_workers=1, queue_size=0, request_timeout_s=60)
    service = client.app.service
    blocked = threading.Thread(
        target=lambda: client.post("/api/ask", json={"database": "academic", "question": "How many authors?"})
    )
    blocked.start()
    assert entered.wait(20)
    reply = client.post("/api/ask", json={"database": "academic", "question": "How many authors?"})
    assert reply.status_code == 503 and reply.json()["error"] == "QueueFull" and reply.headers["retry-after"]
    assert client.get("/readyz").json()["ready"] is False
    assert client.post("/api/query", json={"database": "academic", "query": SQL_COUNT}).status_code == 200
    release.set()
    blocked.join(30)
    assert service.model_queue.pending == 0

    release.clear()
    entered.clear()
    quick = make_client(
        service_kwargs={"registry": ModelRegistry(["slow"], loader=lambda s, **o: ScriptedModel(function=slow))},
        request_timeout_s=0.5,
    )
    reply = quick.post("/api/ask", json={"database": "academic", "question": "How many authors?"})
    assert reply.status_code == 504 and reply.json()["error"] == "RequestTimeout"
    release.set()


def test_server_config_is_safe_by_default(monkeypatch):
    from momq.errors import ConfigError
    from momq.server.config import ServerConfig, load_config

    assert ServerConfig().check().host == "127.0.0.1"
    with pytest.raises(ConfigError, match="loopback"):
        ServerConfig(host="0.0.0.0").check()
    with pytest.raises(ConfigError, match="API keys"):
        ServerConfig(host="0.0.0.0", allow_remote=True).check()
    ServerConfig(host="0.0.0.0", allow_remote=True, api_keys=("k",)).check()
    monkeypatch.setenv("MOMQ_SERVER_API_KEYS", "a, b")
    monkeypatch.setenv("MOMQ_SERVER_QUEUE_SIZE", "3")
    config = load_config(port=9000)
    assert config.api_keys == ("a", "b") and config.queue_size == 3 and config.port == 9000
    with pytest.raises(ConfigError):
        load_config(nonsense=1)
