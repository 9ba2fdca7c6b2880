"""The `momq` command on all four embedded engines: one query per dialect, the same
defog question answered alike by PostgreSQL and MySQL, errors printed by class."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from momq.cli import DEMO_QUERIES, app
from momq.engines import open_engine
from momq.eval.compare import compare_results

pytestmark = pytest.mark.integration
runner = CliRunner()


@pytest.fixture(scope="module")
def demo_dbs(defog_postgres, defog_mysql, cypher_graphs):
    from momq.databases import ngql_demo

    ngql_demo.build()


@pytest.mark.parametrize("dialect,db,text", DEMO_QUERIES, ids=[q[0] for q in DEMO_QUERIES])
def test_query_verb_prints_a_table(demo_dbs, dialect, db, text):
    result = runner.invoke(app, ["query", "--db", db, "-d", dialect, text])
    assert result.exit_code == 0, result.output
    assert "rows in" in result.output


def test_same_answer_on_postgres_and_mysql(demo_dbs):
    query = "SELECT food_type, COUNT(*) AS n FROM restaurant GROUP BY food_type"
    with open_engine("postgres", "restaurants") as pg, open_engine("mysql", "restaurants") as my:
        assert compare_results(pg.execute(query), my.execute(query)).match


@pytest.mark.parametrize(
    "dialect,db,text,kind",
    [
        ("postgres", "academic", "SELECT nope FROM author", "SchemaError"),
        ("mysql", "academic", "SELEC 1", "QuerySyntaxError"),
        ("postgres", "academic", "DROP TABLE author", "ReadOnlyViolation"),
        ("cypher", "movies", "MATCH (n) DETACH DELETE n", "ReadOnlyViolation"),
        ("ngql", "nba", 'DELETE VERTEX "Tim Duncan"', "ReadOnlyViolation"),
        ("postgres", "academic", "SELECT pg_sleep(5)", "QueryTimeout"),
    ],
)
def test_errors_print_their_class(demo_dbs, dialect, db, text, kind):
    result = runner.invoke(app, ["query", "--db", db, "-d", dialect, "--timeout", "1", text])
    assert result.exit_code == 1
    assert result.output.startswith(f"{kind}:"), result.output
    assert "Traceback" not in result.output


def test_truncation_is_flagged(demo_dbs):
    result = runner.invoke(app, ["query", "--db", "academic", "--max-rows", "2", "SELECT * FROM author"])
    assert result.exit_code == 0
    assert "truncated at 2 rows" in result.output


@pytest.mark.parametrize(
    "db,dialect",
    [("academic", "postgres"), ("restaurants", "mysql"), ("movies", "cypher"), ("basketballplayer", "ngql")],
)
def test_schema_verb(demo_dbs, db, dialect):
    for fmt in ("ddl", "text", "code"):
        result = runner.invoke(app, ["schema", "--db", db, "-d", dialect, "--format", fmt])
        assert result.exit_code == 0, result.output
        assert result.output.strip()


def test_cypher_dialect_validates_through_the_engines_explain(demo_dbs):
    from momq.dialects import get_dialect

    cypher = get_dialect("cypher")
    # a fresh connection: the Cypher timeout tests restart the embedded server
    with open_engine("cypher", "movies") as engine:
        ok = cypher.validate("MATCH (m:Movie) RETURN m.title", explain=engine.explain)
        assert ok.ok and ok.method == "engine-explain"
        bad = cypher.validate("MATCH (m:Movie RETURN m.title", explain=engine.explain)
        assert not bad.ok and bad.method == "engine-explain" and bad.message
