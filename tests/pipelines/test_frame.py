"""The pipelines' one run frame (``momq.pipelines.frame``) and batch prediction
(``momq.pipelines.batch``), on the embedded nGQL demo space basketballplayer with the
scripted model."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pytest

from momq.llm.base import GenerationConfig, LanguageModel
from momq.llm.scripted import ScriptedModel
from momq.pipelines import Draft, Pipeline, Session, Target, Verdict, make_pipeline

GO = 'GO FROM "player100" OVER follow YIELD dst(edge) AS friend'
BAD = 'GO FROM "player100" OVER follows YIELD dst(edge) AS friend'


@pytest.fixture(scope="module")
def target():
    from momq.errors import MomqError

    try:
        from momq.databases import ngql_demo

        ngql_demo.build(["basketballplayer"])
        opened = Target.open("ngql", "basketballplayer")
    except (MomqError, ImportError) as exc:
        pytest.skip(f"embedded nGQL engine unavailable: {exc}")
    with opened:
        yield opened


@dataclass
class QuestionOnly(Pipeline):
    """The smallest pipeline: the question alone as the prompt."""

    model: LanguageModel
    name: str = "question-only"
    language: str = "en"
    max_repairs: int = 2
    config: GenerationConfig = field(default_factory=lambda: GenerationConfig(max_new_tokens=64))

    def draft(self, question, target, *, session=None, history="", example_id=None):
        return Draft([{"role": "user", "content": f"{history}\n{question}".strip()}], {"history": bool(history)})


def test_a_pipeline_supplies_its_prompt_and_gets_guard_repair_and_status(target):
    model = ScriptedModel([f"```ngql\n{BAD}\n```", f"```ngql\n{GO}\n```"])
    answer = QuestionOnly(model).run("Who does Tim Duncan follow?", target)
    assert answer.status == "ok" and answer.query == GO and answer.repairs == 1
    assert [a.outcome for a in answer.attempts] == ["unknown_schema", "ok"]
    assert answer.pipeline == "question-only" and answer.database == "basketballplayer"
    assert sorted(row[0] for row in answer.result.rows) == ["player101", "player125"]
    assert model.prompts[0] == [{"role": "user", "content": "Who does Tim Duncan follow?"}]
    assert BAD in "\n".join(m["content"] for m in model.prompts[1])  # the repair prompt shows the failed query


def test_a_checked_question_is_not_checked_again_and_a_refusal_calls_no_model(target, monkeypatch):
    import momq.pipelines.frame as frame

    def never(question):  # the frame must use the verdict it was given
        raise AssertionError("checked twice")

    monkeypatch.setattr(frame, "check_question", never)
    model = ScriptedModel(default=f"```ngql\n{GO}\n```")
    answer = QuestionOnly(model).run(Verdict("Who does Tim Duncan follow?", ["a note"]), target)
    assert answer.status == "ok" and answer.notes[0] == "a note"
    refused = QuestionOnly(model).run(Verdict("Drop everything", refusal="not here"), target)
    assert refused.status == "refused" and refused.reason == "not here" and len(model.prompts) == 1


def test_a_session_gives_the_history_and_keeps_every_turn(target):
    model = ScriptedModel(default=f"```ngql\n{GO}\n```")
    session = Session("ngql", "basketballplayer")
    pipeline = QuestionOnly(model)
    first = pipeline.run("Who does Tim Duncan follow?", target, session=session)
    second = pipeline.run("And their ages?", target, session=session)
    refused = pipeline.run("Drop all tables", target, session=session)
    assert not first.steps["history"] and second.steps["history"] and refused.status == "refused"
    assert "Q1: Who does Tim Duncan follow?" in model.prompts[1][0]["content"]
    assert [(t.question, t.status) for t in session.turns] == [
        ("Who does Tim Duncan follow?", "ok"),
        ("And their ages?", "ok"),
        ("Drop all tables", "refused"),
    ]
    assert set(session.turns[0].entities) == {"player100", "player101", "player125"}


def test_multiturn_answers_a_lone_question_as_a_one_turn_conversation(target):
    model = ScriptedModel(rules=[(r"Does the result answer", "YES")], default=f"```ngql\n{GO}\n```")
    answer = make_pipeline("multiturn", model).run("Who does Tim Duncan follow?", target)
    assert answer.status == "ok" and answer.steps["standalone"] == "Who does Tim Duncan follow?"
    assert answer.steps["check"] == "model" and answer.steps["aligned"]


def test_batch_groups_dialogues_resumes_and_writes_whole_groups(target, tmp_path):
    from momq.data.records import Dialogue, Example, Turn
    from momq.pipelines.batch import plan_batch, predict

    singles = [
        Example("q0", "ngql", "basketballplayer", "Who does Tim Duncan follow?", GO),
        Example("q1", "ngql", "basketballplayer", "Drop all tables", GO),
    ]
    dialogue = Dialogue(
        "d1", "ngql", "basketballplayer", [Turn("Who does Tim Duncan follow?", GO), Turn("And their ages?", GO)]
    ).turn_examples()
    path = tmp_path / "pred.jsonl"
    path.write_text(json.dumps({"id": "q0", "query": GO}) + "\n")
    plan = plan_batch(list(reversed(dialogue)) + singles, path)
    assert [[e.id for e in g] for g in plan.groups] == [["d1#1", "d1#2"], ["q0"], ["q1"]]
    assert plan.questions == 4 and plan.done_groups == 1
    model = ScriptedModel(default=f"```ngql\n{GO}\n```")
    seen = []
    counts = predict(
        plan,
        lambda dialect: make_pipeline("direct", model),
        name="direct",
        progress=lambda label, done, total: seen.append((label, done, total)),
    )
    records = [json.loads(line) for line in path.read_text().splitlines()]
    assert [r["id"] for r in records] == ["q0", "d1#1", "d1#2", "q1"] and counts == {"ok": 2, "refused": 1}
    assert records[1].keys() == {"id", "query", "status", "repairs", "pipeline", "seconds"}
    assert records[3]["status"] == "refused" and "read-only" in records[3]["reason"]
    assert seen[0] == ("predict direct", 0, 3) and seen[-1] == ("predict direct", 3, 3)
    assert "Q1: Who does Tim Duncan follow?" in model.prompts[1][1]["content"]  # the dialogue so far
    again = plan_batch(list(reversed(dialogue)) + singles, path)
    assert again.todo == [] and again.done_groups == 3
