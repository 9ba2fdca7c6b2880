"""``momq ask`` / ``chat`` / ``predict`` through the CLI, on the embedded demo databases.

The scripted model (``--model scripted:ANSWER``) makes the verbs deterministic; the
end-to-end test runs a real model (Qwen2.5-Coder-0.5B on llama.cpp, the default's small
sibling) once per dialect and asserts completion and safety, not correctness.
"""

from __future__ import annotations

import json

import pytest
import typer
from typer.testing import CliRunner

from momq.cli.ask import register

app = typer.Typer()
register(app)


@app.callback()
def _root() -> None:
    """test app"""


runner = CliRunner()
GO = 'GO FROM "player100" OVER follow YIELD dst(edge) AS friend'


def _invoke(*args: str, input: str | None = None):
    return runner.invoke(app, list(args), input=input)


def test_empty_question_is_a_clear_error():
    result = _invoke("ask", "   ", "--db", "basketballplayer")
    assert result.exit_code == 2 and "empty" in result.output


@pytest.fixture(scope="module")
def basketball():
    from momq.errors import MomqError

    try:
        from momq.databases import ngql_demo
        from momq.engines import open_engine

        ngql_demo.build(["basketballplayer"])
        with open_engine("ngql", "basketballplayer") as engine:
            count = engine.execute("MATCH (v:player) RETURN count(v)").rows[0][0]
    except (MomqError, ImportError) as exc:
        pytest.skip(f"embedded nGQL engine unavailable: {exc}")
    yield count
    with open_engine("ngql", "basketballplayer") as engine:  # nothing was written
        assert engine.execute("MATCH (v:player) RETURN count(v)").rows[0][0] == count


@pytest.mark.integration
def test_ask_prints_query_how_and_result(basketball):
    result = _invoke(
        "ask", "Who does Tim Duncan follow?", "--db", "basketballplayer", "--model", f"scripted:```ngql\n{GO}\n```"
    )
    assert result.exit_code == 0, result.output
    assert GO in result.output and "pipeline direct" in result.output and "0 repair" in result.output
    assert "friend" in result.output and "status: ok" in result.output


@pytest.mark.integration
@pytest.mark.parametrize("pipeline", ["r3", "rse"])
def test_ask_with_r3_pipelines_reports_values(basketball, pipeline):
    result = _invoke(
        "ask",
        "Who does Tim Dunkan follow?",
        "--db",
        "basketballplayer",
        "-p",
        pipeline,
        "--model",
        f"scripted:{GO}",
        "--json",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["status"] == "ok" and data["pipeline"] == pipeline
    if pipeline == "r3":
        assert data["steps"]["values"][0]["value"] == "Tim Duncan"


@pytest.mark.integration
def test_hostile_inputs_get_safe_explained_outcomes(basketball):
    drop = _invoke(
        "ask",
        "Drop all tables and delete every player",
        "--db",
        "basketballplayer",
        "--model",
        "scripted:DROP SPACE basketballplayer",
    )
    assert drop.exit_code == 1 and "refused" in drop.output and "read-only" in drop.output
    writer = _invoke(
        "ask",
        "Who is the oldest player?",
        "--db",
        "basketballplayer",
        "--model",
        'scripted:```ngql\nDELETE VERTEX "player100"\n```',
    )
    assert writer.exit_code == 1 and "refused" in writer.output and "were not run" in writer.output.replace("\n", " ")
    long = _invoke(
        "ask", "Who does Tim Duncan follow? " + "x" * 100_000, "--db", "basketballplayer", "--model", f"scripted:{GO}"
    )
    assert long.exit_code == 0 and "characters long" in long.output.replace("\n", " ")
    nonsense = _invoke("ask", "Tell me a joke", "--db", "basketballplayer", "--model", "scripted:Why did the...")
    assert nonsense.exit_code == 1 and "no query" in nonsense.output.replace("\n", " ")


@pytest.mark.integration
def test_chat_keeps_and_resumes_the_session(basketball, tmp_path):
    session = tmp_path / "chat.json"
    result = _invoke(
        "chat",
        "--db",
        "basketballplayer",
        "--model",
        f"scripted:{GO}",
        "--session",
        str(session),
        input="Who does Tim Duncan follow?\n:quit\n",
    )
    assert result.exit_code == 0, result.output
    assert json.loads(session.read_text())["turns"][0]["query"] == GO
    again = _invoke(
        "chat",
        "--db",
        "basketballplayer",
        "--model",
        f"scripted:{GO}",
        "--session",
        str(session),
        input="And their ages?\n:history\n",
    )
    assert "resumed session" in again.output and len(json.loads(session.read_text())["turns"]) == 2


@pytest.mark.integration
def test_predict_writes_eval_compatible_file_and_resumes(basketball, tmp_path):
    from momq.data.records import Dialogue, Example, Turn, write_jsonl
    from momq.eval.runner import flatten, load_predictions

    singles = [
        Example(f"q{i}", "ngql", "basketballplayer", q, GO)
        for i, q in enumerate(["Who does Tim Duncan follow?", "Drop all tables", "Friends of player100?"])
    ]
    split = tmp_path / "tiny.jsonl"
    write_jsonl(split, singles)
    out = tmp_path / "pred.jsonl"
    first = _invoke(
        "predict", "--bench", str(split), "--pipeline", "direct", "--model", f"scripted:{GO}", "--out", str(out)
    )
    assert first.exit_code == 0, first.output
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert [x["id"] for x in lines] == ["q0", "q1", "q2"] and lines[1]["status"] == "refused"
    assert load_predictions(out, singles)["q0"] == GO
    again = _invoke("predict", "--bench", str(split), "--model", f"scripted:{GO}", "--out", str(out))
    assert "3 groups already predicted" in again.output and len(out.read_text().splitlines()) == 3

    dialogue = Dialogue(
        "d1", "ngql", "basketballplayer", [Turn("Who does Tim Duncan follow?", GO), Turn("And their ages?", GO)]
    )
    turns = dialogue.turn_examples()
    dsplit = tmp_path / "dialogues.jsonl"
    write_jsonl(dsplit, turns)
    dout = tmp_path / "dpred.jsonl"
    result = _invoke(
        "predict", "--bench", str(dsplit), "--pipeline", "multiturn", "--model", f"scripted:{GO}", "--out", str(dout)
    )
    assert result.exit_code == 0, result.output
    assert set(load_predictions(dout, flatten(turns))) == {"d1#1", "d1#2"}
    # a baseline answers each turn with the dialogue so far
    bout = tmp_path / "bpred.jsonl"
    result = _invoke(
        "predict",
        "--bench",
        str(dsplit),
        "--pipeline",
        "icl",
        "--model",
        f"scripted:{GO}",
        "--train",
        str(split),
        "--out",
        str(bout),
    )
    assert result.exit_code == 0, result.output
    assert set(load_predictions(bout, flatten(turns))) == {"d1#1", "d1#2"}


DEMOS = [
    ("postgres", "academic", "How many authors are there?", "defog_postgres"),
    ("mysql", "restaurants", "How many restaurants are there?", "defog_mysql"),
    ("cypher", "movies", "Which movies did Tom Hanks act in?", "cypher_graphs"),
    ("ngql", "basketballplayer", "Who does Tim Duncan follow?", "basketball"),
]


@pytest.mark.integration
@pytest.mark.slow
@pytest.mark.parametrize("dialect,db,question,fixture", DEMOS, ids=[d[0] for d in DEMOS])
def test_ask_end_to_end_with_a_real_model(request, dialect, db, question, fixture):
    """Completion and safety with a real model on llama.cpp: a query or a clear reason,
    every candidate either refused as a write or read-only, nothing written."""
    from momq.backbones import catalog
    from momq.dialects import get_dialect
    from momq.llm import llamacpp

    if not llamacpp.available():
        pytest.skip("llama-cpp-python is not installed (scripts/setup.sh builds it)")
    try:
        catalog.gguf_path("qwen2.5-coder-0.5b")
    except Exception as exc:  # the model packages are an optional install
        pytest.skip(str(exc))
    request.getfixturevalue(fixture)
    result = _invoke(
        "ask",
        question,
        "--db",
        db,
        "--dialect",
        dialect,
        "--max-new-tokens",
        "64",
        "--max-repairs",
        "1",
        "--model",
        "qwen2.5-coder-0.5b",
        "--json",
    )
    assert result.exit_code in (0, 1), result.output
    data = json.loads(result.output[result.output.index("{") :])
    assert data["status"] in ("ok", "empty", "failed", "refused")
    assert data["query"] or data["reason"]
    checker = get_dialect(dialect)
    for attempt in data["attempts"]:
        assert (
            attempt["outcome"] == "write_refused"
            or attempt["outcome"] in ("no_query", "syntax_error")
            or checker.is_read_only(attempt["query"])
        )


@pytest.mark.integration
def test_ranker_data_then_eval_round_trip(basketballplayer, tmp_path):
    """``momq ranker data`` writes JSONL that ``momq ranker eval`` reads back (through
    ``momq.data.records``); a bad line is refused with its number."""
    from momq.cli.ranker import build_data, evaluate
    from momq.data.records import Example, JsonlError, write_jsonl

    golds = [
        GO,
        'FETCH PROP ON player "player100" YIELD player.age AS age',
        'GO FROM "player100" OVER serve YIELD $$.team.name AS team',
    ]
    bench = tmp_path / "bench.jsonl"
    write_jsonl(bench, [Example(f"e{i}", "ngql", "basketballplayer", f"q{i}?", q) for i, q in enumerate(golds)])
    counts = build_data(str(bench), tmp_path / "ranker", holdout=0.0)
    assert counts["records"] == counts["train"] == 3 and counts["heldout"] == 0
    scores = evaluate(tmp_path / "ranker" / "train.jsonl")
    assert scores["n"] == 3 and scores["ranker"] == "heuristic" and scores["data"].endswith("train.jsonl")
    bad = tmp_path / "bad.jsonl"
    bad.write_text((tmp_path / "ranker" / "train.jsonl").read_text() + "{not json\n")
    with pytest.raises(JsonlError, match="line 4"):
        evaluate(bad)
