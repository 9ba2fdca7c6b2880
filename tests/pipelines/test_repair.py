"""The execution-guided repair loop: outcome classes, retries, repair prompts, limits."""

from __future__ import annotations

from momq.dialects import get_dialect
from momq.engines.base import Result
from momq.errors import (EngineUnavailable, ExecutionError, QuerySyntaxError, QueryTimeout, ReadOnlyViolation,
                         SchemaError)
from momq.llm.scripted import ScriptedModel
from momq.pipelines.repair import Execution, classify, generate_and_repair, prompt_key
from tests.pipelines.fakes import FakeEngine

PROMPT = [{"role": "system", "content": "rules"}, {"role": "user", "content": "How many customers?"}]
GOOD = "SELECT COUNT(*) FROM customer"


def _run(answers, engine_answers, **kw):
    model = ScriptedModel([f"```sql\n{a}\n```" for a in answers], default=None)
    engine = FakeEngine("postgres", engine_answers)
    execution = Execution(get_dialect("postgres"), engine, sleep=lambda s: None)
    return model, engine, generate_and_repair(model, PROMPT, execution, **kw)


def test_classify_engine_errors():
    assert classify(QuerySyntaxError("x")) == "syntax_error"
    assert classify(SchemaError("column nope does not exist")) == "unknown_schema"
    assert classify(ExecutionError("division by zero")) == "runtime_error"
    assert classify(ExecutionError("server has gone away")) == "transient"
    assert classify(QueryTimeout("slow")) == "timeout"
    assert classify(EngineUnavailable("down")) == "transient"
    assert classify(ReadOnlyViolation("write")) == "write_refused"


def test_first_candidate_ok_needs_no_repair():
    model, engine, out = _run([GOOD], {GOOD: (["count"], [(3,)])})
    assert out.best.outcome == "ok" and out.reason == "" and len(out.attempts) == 1
    assert len(model.prompts) == 1 and engine.executed == [GOOD]


def test_syntax_error_is_repaired_with_the_error_in_the_prompt():
    bad = "SELECT COUNT(* FROM customer"
    model, engine, out = _run([bad, GOOD], {bad: QuerySyntaxError("syntax error at or near FROM"),
                                            GOOD: (["count"], [(3,)])})
    assert [a.outcome for a in out.attempts] == ["syntax_error", "ok"]
    assert out.attempts[1].stage == "repair" and out.best.query == GOOD
    repair = model.prompts[1]
    assert repair[:2] == PROMPT and repair[2]["role"] == "assistant"
    # the dialect's parser caught it before the engine: the parser's message is in the prompt
    assert "Expecting )" in repair[3]["content"] and bad in repair[3]["content"]
    assert engine.executed == [GOOD]


def test_engine_syntax_error_message_reaches_the_repair_prompt():
    # (a function outside the read-only allow-list never reaches the engine, so the
    # engine's own error comes from an allowed function called with the wrong type)
    model, engine, out = _run(["SELECT upper(1)", GOOD],
                              {"SELECT upper(1)": QuerySyntaxError("function upper(integer) does not exist"),
                               GOOD: (["count"], [(3,)])})
    assert [a.outcome for a in out.attempts] == ["syntax_error", "ok"]
    assert "upper(integer) does not exist" in model.prompts[1][3]["content"]


def test_unknown_schema_then_empty_then_give_up_after_two_repairs():
    q1, q2, q3 = "SELECT COUNT(*) FROM clients", "SELECT COUNT(*) FROM customer WHERE 1=0", "SELECT 1 FROM customer WHERE false"
    model, engine, out = _run([q1, q2, q3, GOOD], {q1: SchemaError('relation "clients" does not exist'),
                                                  q2: (["count"], []), q3: ExecutionError("boom")})
    assert [a.outcome for a in out.attempts] == ["unknown_schema", "empty_result", "runtime_error"]
    assert len(model.prompts) == 3  # first + two repairs, never a third
    assert out.best.query == q2 and out.best.outcome == "empty_result"
    assert "no rows" in out.reason and "3 candidates" in out.reason


def test_transient_failures_are_retried_without_the_model():
    engine_answers = {GOOD: [EngineUnavailable("restarting"), ExecutionError("connection reset by peer")]}
    model, engine, out = _run([GOOD], engine_answers)
    assert out.best.outcome == "ok" and out.best.retries == 2
    assert len(model.prompts) == 1 and engine.executed == [GOOD, GOOD, GOOD]


def test_write_candidates_never_reach_the_engine():
    drop = "DROP TABLE customer"
    model, engine, out = _run([drop, "DELETE FROM customer", "TRUNCATE customer"], {})
    assert engine.executed == []
    assert {a.outcome for a in out.attempts} == {"write_refused"}
    assert "change the database" in out.reason


def test_repeated_query_ends_the_loop_and_no_identical_prompt_is_resent():
    bad = "SELECT nope FROM customer"
    model, engine, out = _run([bad, bad, bad], {bad: SchemaError('column "nope" does not exist')})
    assert len(model.prompts) == 2 and engine.executed == [bad]
    keys = [prompt_key(p) for p in model.prompts]
    assert len(set(keys)) == len(keys)
    assert "does not exist" in out.reason


def test_no_query_in_answer_is_repaired():
    model = ScriptedModel(["I cannot help with that.", f"```sql\n{GOOD}\n```"])
    engine = FakeEngine("postgres", {GOOD: (["count"], [(3,)])})
    out = generate_and_repair(model, PROMPT, Execution(get_dialect("postgres"), engine))
    assert [a.outcome for a in out.attempts] == ["no_query", "ok"]


def test_sent_prompts_are_shared_across_stages():
    model, engine, out = _run([GOOD], {GOOD: (["count"], [(3,)])})
    sent = {prompt_key(PROMPT)}
    again = generate_and_repair(model, PROMPT, Execution(get_dialect("postgres"), engine), sent=sent)
    assert again.best.outcome == "no_query" and len(model.prompts) == 1


def test_dry_run_without_engine_validates_only():
    model = ScriptedModel([f"```sql\n{GOOD}\n```"])
    out = generate_and_repair(model, PROMPT, Execution(get_dialect("postgres"), None))
    assert out.best.outcome == "ok" and out.result is None


def test_timeout_is_a_repairable_outcome():
    slow = "SELECT pg_sleep(100)"
    model, engine, out = _run([slow, GOOD], {slow: QueryTimeout("cancelled"), GOOD: Result(["n"], [(1,)])})
    assert [a.outcome for a in out.attempts] == ["timeout", "ok"]
