"""The execution-guided repair loop on car_dealership (PostgreSQL, and MySQL for a lost
connection): outcome classes, retries, repair prompts, limits."""

from __future__ import annotations

import pytest

from momq.dialects import get_dialect
from momq.errors import (
    EngineUnavailable,
    ExecutionError,
    QuerySyntaxError,
    QueryTimeout,
    ReadOnlyViolation,
    SchemaError,
)
from momq.llm.scripted import ScriptedModel
from momq.pipelines.repair import Execution, classify, generate_and_repair, prompt_key
from tests.engines.recorder import Recorder

pytestmark = pytest.mark.integration

PROMPT = [{"role": "system", "content": "rules"}, {"role": "user", "content": "How many customers?"}]
GOOD = "SELECT COUNT(*) FROM customers"


@pytest.fixture
def run(pg_engine):
    """``run(answers, **kw)``: the loop with a model scripted to give ``answers`` in turn,
    on car_dealership in PostgreSQL; returns ``(model, engine, outcome)``."""

    def run(answers, execution_kw=None, **kw):
        model = ScriptedModel([f"```sql\n{a}\n```" for a in answers], default=None)
        engine = Recorder(pg_engine("car_dealership"))
        execution = Execution(get_dialect("postgres"), engine, sleep=lambda s: None, **(execution_kw or {}))
        return model, engine, generate_and_repair(model, PROMPT, execution, **kw)

    return run


def test_classify_engine_errors():
    assert classify(QuerySyntaxError("x")) == "syntax_error"
    assert classify(SchemaError("column nope does not exist")) == "unknown_schema"
    assert classify(ExecutionError("division by zero")) == "runtime_error"
    assert classify(ExecutionError("server has gone away")) == "transient"
    assert classify(QueryTimeout("slow")) == "timeout"
    assert classify(EngineUnavailable("down")) == "transient"
    assert classify(ReadOnlyViolation("write")) == "write_refused"


def test_first_candidate_ok_needs_no_repair(run):
    model, engine, out = run([GOOD])
    assert out.best.outcome == "ok" and out.reason == "" and len(out.attempts) == 1
    assert out.result.rows == [(13,)]
    assert len(model.prompts) == 1 and engine.executed == [GOOD]


def test_syntax_error_is_repaired_with_the_error_in_the_prompt(run):
    bad = "SELECT COUNT(* FROM customers"
    model, engine, out = run([bad, GOOD])
    assert [a.outcome for a in out.attempts] == ["syntax_error", "ok"]
    assert out.attempts[1].stage == "repair" and out.best.query == GOOD
    repair = model.prompts[1]
    assert repair[:2] == PROMPT and repair[2]["role"] == "assistant"
    # the dialect's parser caught it before the engine: the parser's message is in the prompt
    assert "Expecting )" in repair[3]["content"] and bad in repair[3]["content"]
    assert engine.executed == [GOOD]


def test_engine_error_message_reaches_the_repair_prompt(run):
    # the dialect parses it and the sandbox allows upper(): only the server knows that
    # upper() takes no integer
    model, engine, out = run(["SELECT upper(1)", GOOD])
    assert [a.outcome for a in out.attempts] == ["runtime_error", "ok"]
    assert "upper(integer) does not exist" in model.prompts[1][3]["content"]
    assert engine.executed == ["SELECT upper(1)", GOOD]


def test_unknown_schema_then_empty_then_give_up_after_two_repairs(run):
    q1, q2, q3 = ("SELECT COUNT(*) FROM clients", "SELECT id FROM customers WHERE 1 = 0", "SELECT 1 / 0 FROM customers")
    model, engine, out = run([q1, q2, q3, GOOD])
    assert [a.outcome for a in out.attempts] == ["unknown_schema", "empty_result", "runtime_error"]
    assert 'relation "clients" does not exist' in model.prompts[1][3]["content"]
    assert len(model.prompts) == 3  # first + two repairs, never a third
    assert out.best.query == q2 and out.best.outcome == "empty_result"
    assert "no rows" in out.reason and "3 candidates" in out.reason


def test_a_lost_connection_is_retried_without_the_model(mysql_engine, mysql_admin):
    _info, admin = mysql_admin
    engine = mysql_engine("car_dealership")
    engine.execute("SELECT 1")
    with admin.cursor() as cur:  # the server drops the engine's connection
        cur.execute(f"KILL CONNECTION {engine._conn.thread_id()}")
    model = ScriptedModel([f"```sql\n{GOOD}\n```"])
    recorder = Recorder(engine)
    out = generate_and_repair(model, PROMPT, Execution(get_dialect("mysql"), recorder, sleep=lambda s: None))
    assert [a.outcome for a in out.attempts] == ["ok"] and out.best.retries == 1
    assert out.result.rows == [(13,)]
    assert len(model.prompts) == 1 and recorder.executed == [GOOD, GOOD]


def test_write_candidates_never_reach_the_engine(run):
    model, engine, out = run(["DROP TABLE customers", "DELETE FROM customers", "TRUNCATE customers"])
    assert engine.executed == []
    assert {a.outcome for a in out.attempts} == {"write_refused"}
    assert "read-only check refuses" in out.reason and "DROP" in out.attempts[0].message


def test_a_refused_function_is_named_for_the_repair():
    """The sandbox's own reason reaches the model: a function off the allow-list is named."""
    dialect = get_dialect("postgres")
    outcome, message, result, _ = Execution(dialect, engine=None).run("SELECT pg_read_file('/etc/passwd')")
    assert outcome == "write_refused" and result is None
    assert "pg_read_file" in message and dialect.refusal("SELECT 1") is None
    cypher = get_dialect("cypher")
    assert "CREATE" in cypher.refusal("CREATE (n:Person) RETURN n") and cypher.refusal("MATCH (n) RETURN n") is None


def test_repeated_query_ends_the_loop_and_no_identical_prompt_is_resent(run):
    bad = "SELECT nope FROM customers"
    model, engine, out = run([bad, bad, bad])
    assert len(model.prompts) == 2 and engine.executed == [bad]
    keys = [prompt_key(p) for p in model.prompts]
    assert len(set(keys)) == len(keys)
    assert "does not exist" in out.reason


def test_no_query_in_answer_is_repaired(pg_engine):
    model = ScriptedModel(["I cannot help with that.", f"```sql\n{GOOD}\n```"])
    out = generate_and_repair(model, PROMPT, Execution(get_dialect("postgres"), pg_engine("car_dealership")))
    assert [a.outcome for a in out.attempts] == ["no_query", "ok"]


def test_sent_prompts_are_shared_across_stages(run, pg_engine):
    model, engine, out = run([GOOD])
    sent = {prompt_key(PROMPT)}
    again = generate_and_repair(model, PROMPT, Execution(get_dialect("postgres"), engine), sent=sent)
    assert again.best.outcome == "no_query" and len(model.prompts) == 1


def test_dry_run_without_engine_validates_only():
    model = ScriptedModel([f"```sql\n{GOOD}\n```"])
    out = generate_and_repair(model, PROMPT, Execution(get_dialect("postgres"), None))
    assert out.best.outcome == "ok" and out.result is None


def test_timeout_is_a_repairable_outcome(run):
    slow = "SELECT pg_sleep(30)"
    model, engine, out = run([slow, GOOD], execution_kw={"timeout_s": 0.5})
    assert [a.outcome for a in out.attempts] == ["timeout", "ok"]
    assert engine.executed == [slow, GOOD] and out.result.rows == [(13,)]


def test_an_unknown_column_is_answered_with_where_the_schema_has_it(run, car_dealership_schema):
    # `first_name` is a column of customers and salespersons, not of sales: the engine
    # says only that s.first_name does not exist; the schema says where it is
    bad = "SELECT s.first_name FROM sales s"
    model, engine, out = run([bad, GOOD], execution_kw={"schema": car_dealership_schema})
    assert [a.outcome for a in out.attempts] == ["unknown_schema", "ok"]
    repair = model.prompts[1][3]["content"]
    assert "s.first_name does not exist" in repair
    assert "Schema note: `first_name` is a column of: customers, salespersons." in repair


def test_a_misspelt_table_is_answered_with_the_closest_names(run, car_dealership_schema):
    model, engine, out = run(["SELECT COUNT(*) FROM customer", GOOD], execution_kw={"schema": car_dealership_schema})
    assert "No table or type `customer` exists in the schema; similar: customers" in model.prompts[1][3]["content"]


def test_without_a_schema_the_message_is_the_engine_s(run):
    model, engine, out = run(["SELECT s.first_name FROM sales s", GOOD])
    assert "Schema note" not in model.prompts[1][3]["content"]


def test_an_edge_type_used_as_a_variable_is_named_as_the_type(basketballplayer):
    # NebulaGraph's SemanticError for properties(serve) after GO ... OVER serve
    engine, schema = basketballplayer
    execution = Execution(get_dialect("ngql"), engine, schema=schema)
    outcome, message, _, _ = execution.run('GO FROM "player100" OVER serve YIELD properties(serve).start_year')
    assert outcome == "unknown_schema" and "Invalid label identifiers: serve" in message
    assert "Schema note: `serve` is an edge type of the schema, not a variable of this query." in message


def test_a_candidate_keeping_an_example_placeholder_is_sent_back_not_run(basketballplayer):
    # nGQL's syntax examples write "<vertex id>" where an id belongs; a model that copies
    # the pattern gets it back with the reason (the engine would only return no rows)
    engine, schema = basketballplayer
    good = 'GO FROM "player100" OVER serve YIELD $$.team.name AS name'
    model = ScriptedModel(
        ['```ngql\nGO FROM "<vertex id>" OVER serve YIELD $$.team.name AS name\n```', f"```ngql\n{good}\n```"]
    )
    recorder = Recorder(engine)
    out = generate_and_repair(model, PROMPT, Execution(get_dialect("ngql"), recorder, schema=schema))
    assert [a.outcome for a in out.attempts] == ["no_query", "ok"]
    assert "keeps the example placeholder <vertex id>" in model.prompts[1][3]["content"]
    assert recorder.executed == [good]


@pytest.fixture
def movies(movies_engine):
    """An execution on the movies graph that knows its schema."""
    from momq.schema.introspect_cypher import introspect

    return Execution(get_dialect("cypher"), movies_engine, schema=introspect(movies_engine))


def scripted(*queries):
    return ScriptedModel([f"```cypher\n{q}\n```" for q in queries])


def test_an_empty_cypher_result_names_what_the_database_lacks(movies):
    # Neo4j runs a query with an unknown label and returns no rows (with a notification);
    # the repair gets the same facts from the schema
    bad = "MATCH (m:Movie {title: 'The Matrix'})<-[:ACTED_IN]-(a:Actor) RETURN a.name"
    good = "MATCH (m:Movie {title: 'The Matrix'})<-[:ACTED_IN]-(a:Person) RETURN a.name"
    model = scripted(bad, good)
    out = generate_and_repair(model, PROMPT, movies)
    assert [a.outcome for a in out.attempts] == ["empty_result", "ok"]
    repair = model.prompts[1][3]["content"]
    assert "no rows" in repair
    assert "Schema note: No label `Actor` in the database" in repair and "Person" in repair


def test_an_empty_cypher_result_naming_only_known_names_gets_no_note(movies):
    outcome, message, _, _ = movies.run("MATCH (m:Movie {title: 'No Such Film'}) RETURN m.title")
    assert outcome == "empty_result" and "Schema note" not in message


def test_rows_read_from_a_property_the_label_lacks_are_repaired(movies):
    # `rating` is a property of REVIEWED, not of Movie: the rows come back with nulls;
    # the candidate is kept as the answer unless a repair does better
    misnamed = "MATCH (m:Movie) RETURN m.title, m.rating LIMIT 3"
    good = "MATCH (:Person)-[r:REVIEWED]->(m:Movie) RETURN m.title, r.rating LIMIT 3"
    model = scripted(misnamed, good)
    out = generate_and_repair(model, PROMPT, movies)
    assert [a.outcome for a in out.attempts] == ["misnamed", "ok"] and out.best.query == good
    note = "Schema note: `rating` is not a property of Movie; it is a property of: REVIEWED."
    assert note in model.prompts[1][3]["content"]

    out = generate_and_repair(scripted(misnamed, misnamed + " "), PROMPT, movies)
    assert out.best.outcome == "misnamed" and out.result.rows and "names what the schema" in out.reason


def test_an_ngql_start_vertex_that_is_a_name_is_answered_with_its_vertex_id(basketballplayer):
    # NebulaGraph returns no rows for an id that is not in the space; the repair says
    # which vertex the name belongs to (from the value index)
    from momq.align import index_for

    engine, schema = basketballplayer
    execution = Execution(get_dialect("ngql"), engine, schema=schema, values=lambda: index_for(engine, schema))
    outcome, message, _, _ = execution.run('GO FROM "Jazz" OVER serve REVERSELY YIELD $$.player.name AS name')
    assert outcome == "empty_result"
    assert (
        'Schema note: "Jazz" is not a vertex id of this space; it is the stored value team.name of vertex "team'
        in message
    )
    outcome, message, _, _ = execution.run('GO FROM "Nobody Here" OVER serve YIELD $$.team.name AS name')
    assert message.endswith('Schema note: "Nobody Here" is not a vertex id of this space.')
    # an id that exists gets no note, even when the traversal finds nothing
    outcome, message, _, _ = execution.run(
        'GO FROM "player100" OVER serve WHERE properties(edge).start_year > 3000 YIELD 1'
    )
    assert outcome == "empty_result" and "Schema note" not in message
