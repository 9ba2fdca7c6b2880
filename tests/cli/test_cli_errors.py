"""Bad input on the command line gives a clear error (class and message), never a traceback."""

from typer.testing import CliRunner

from momq.cli import app

runner = CliRunner()


def test_unknown_database_lists_known_ones():
    result = runner.invoke(app, ["query", "--db", "nope", "SELECT 1"])
    assert result.exit_code == 2
    assert "UnknownDatabase: unknown database 'nope'; known databases: academic" in result.output
    assert "Traceback" not in result.output


def test_unknown_dialect_lists_known_ones():
    result = runner.invoke(app, ["query", "--db", "academic", "-d", "sparql", "SELECT 1"])
    assert result.exit_code == 2
    assert "known dialects: cypher, mysql, ngql, postgres" in result.output


def test_dialect_not_available_for_database():
    result = runner.invoke(app, ["query", "--db", "movies", "-d", "postgres", "SELECT 1"])
    assert result.exit_code == 2
    assert "available in: cypher" in result.output


def test_unknown_schema_format():
    result = runner.invoke(app, ["schema", "--db", "nope", "--format", "yaml"])
    assert result.exit_code == 2


def test_db_list_and_dialects():
    listing = runner.invoke(app, ["db", "list"]).output
    for name in ("academic", "yelp", "movies", "northwind", "basketballplayer", "nba"):
        assert name in listing
    assert "relational" in runner.invoke(app, ["dialects"]).output


def test_unknown_server():
    result = runner.invoke(app, ["engines", "status", "oracle"])
    assert result.exit_code == 2
    assert "known servers: postgres, mariadb, arcadedb" in result.output
