"""momq's command line. Each verb is a plain typed function; heavier verb groups live
in their own modules (``momq.cli.ngql``, ``momq.cli.train``, ``momq.cli.bench``) and
are mounted here."""

from __future__ import annotations

import importlib
from typing import Optional

import typer

from momq.cli.common import console, fail_on_error, print_result
from momq.engines.base import DEFAULT_MAX_ROWS, DEFAULT_TIMEOUT_S
from momq.errors import ConfigError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Natural-language questions to MySQL, PostgreSQL, Cypher and nGQL, run safely.",
)
db_app = typer.Typer(no_args_is_help=True, help="The demo databases built from ../shared/data.")
engines_app = typer.Typer(no_args_is_help=True, help="momq's embedded servers (PostgreSQL, MariaDB, ArcadeDB).")
app.add_typer(db_app, name="db")
app.add_typer(engines_app, name="engines")


@app.command()
@fail_on_error
def query(
    text: str = typer.Argument(..., help="The query to run (read-only)."),
    db: str = typer.Option(..., "--db", help="Database name (see `momq db list`)."),
    dialect: Optional[str] = typer.Option(
        None, "--dialect", "-d", help="mysql, postgres, cypher or ngql; default: the database's first."
    ),
    timeout: float = typer.Option(DEFAULT_TIMEOUT_S, help="Time limit in seconds."),
    max_rows: int = typer.Option(DEFAULT_MAX_ROWS, help="Row cap; more rows are truncated and flagged."),
) -> None:
    """Run a read-only QUERY on a database and print its result table."""
    from momq.databases import resolve_dialect
    from momq.engines import open_engine

    chosen = resolve_dialect(db, dialect)
    with open_engine(chosen, db) as engine:
        print_result(engine.execute(text, timeout_s=timeout, max_rows=max_rows), title=f"{db} ({chosen})")


@app.command()
@fail_on_error
def schema(
    db: str = typer.Option(..., "--db", help="Database name."),
    dialect: Optional[str] = typer.Option(None, "--dialect", "-d"),
    format: str = typer.Option("ddl", "--format", "-f", help="ddl, text or code (R3's code-structured form)."),
    samples: int = typer.Option(0, help="Sample values per column to show."),
    only: Optional[list[str]] = typer.Option(None, "--only", help="Restrict to these tables / labels / edge types."),
) -> None:
    """Print a database's schema, introspected from its live engine."""
    from momq.databases import resolve_dialect
    from momq.engines import open_engine
    from momq.schema.introspect import introspect
    from momq.schema.render import render

    chosen = resolve_dialect(db, dialect)
    with open_engine(chosen, db) as engine:
        found = introspect(engine)
    if only:
        found = found.subschema(only, keep_neighbours=True)
    typer.echo(render(found, format, samples=samples))


@app.command("dialects")
def dialects_cmd() -> None:
    """List the registered dialects."""
    from momq.dialects import dialect_names, get_dialect

    for name in dialect_names():
        d = get_dialect(name)
        console.print(f"{name:10} {d.label:12} {d.family}")


@db_app.command("list")
def db_list() -> None:
    """Name the demo databases and the dialects each can be queried in."""
    from momq.databases import catalog

    for db in catalog():
        console.print(f"{db.name:18} {', '.join(db.dialects):16} {db.source}")


@db_app.command("build")
@fail_on_error
def db_build(
    names: Optional[list[str]] = typer.Argument(None, help="Databases to build (default: all)."),
    dialect: Optional[list[str]] = typer.Option(None, "--dialect", "-d", help="Only these engines."),
) -> None:
    """Load the demo databases into the embedded engines (idempotent)."""
    from momq.cli.common import progress_bar
    from momq.databases import build

    with progress_bar() as progress:
        build(names or None, dialect or None, progress=progress)
    console.print("demo databases ready")


@engines_app.command("up")
@fail_on_error
def engines_up(
    names: Optional[list[str]] = typer.Argument(None, help="postgres, mariadb, arcadedb (default: all)."),
) -> None:
    """Start the embedded servers (idempotent)."""
    from momq.engines.servers import get_server

    for server in get_server(names):
        state = server.start()
        console.print(f"{state.name:9} running  pid {state.pid}  port {state.port}  data {state.data_dir}")


@engines_app.command("down")
@fail_on_error
def engines_down(names: Optional[list[str]] = typer.Argument(None)) -> None:
    """Stop the embedded servers (idempotent)."""
    from momq.engines.servers import get_server

    for server in get_server(names):
        state = server.stop()
        console.print(f"{state.name:9} stopped  data {state.data_dir}")


@engines_app.command("status")
@fail_on_error
def engines_status(names: Optional[list[str]] = typer.Argument(None)) -> None:
    """Report the embedded servers: running or not, pid, port, data dir."""
    from momq.engines.servers import get_server

    for server in get_server(names):
        s = server.status()
        console.print(
            f"{s.name:9} {'running' if s.running else 'stopped':8} pid {s.pid}  port {s.port}  data {s.data_dir}"
        )


@engines_app.command("check")
@fail_on_error
def engines_check(
    names: Optional[list[str]] = typer.Argument(None, help="postgres, mysql (default: both)."),
    db: Optional[str] = typer.Option(
        None, "--db", help="Database to check on (PostgreSQL privileges are per database)."
    ),
) -> None:
    """Report what the configured read-only login can do (privileges beyond SELECT,
    functions with effects); exit status 1 when it can do more than momq needs."""
    from importlib import import_module

    from momq import settings

    fine = True
    for name in names or ["postgres", "mysql"]:
        if name not in {"postgres", "mysql"}:
            raise ConfigError(f"engines check knows postgres and mysql, not {name!r}")
        module = import_module(f"momq.engines.{name}")
        database = db or ("postgres" if name == "postgres" else None)
        for check, ok, detail in module.check_login(database, settings.engine_settings(name)):
            fine = fine and ok
            mark = "[green]ok[/green]  " if ok else "[red]FAIL[/red]"
            console.print(f"{name:9} {mark} {check}" + (f": {detail}" if detail else ""), highlight=False)
    if not fine:
        raise typer.Exit(1)


@app.command()
@fail_on_error
def demo(
    ask: bool = typer.Option(True, help="Also ask one question per dialect with the default model."),
    model: Optional[str] = typer.Option(
        None, "--model", "-m", help="Model spec for the questions (default: qwen2.5-coder-1.5b)."
    ),
    serve: bool = typer.Option(False, "--serve", help="Then start `momq serve` (API, web UI) and print its address."),
) -> None:
    """Build the demo databases, run one query per dialect, then ask one question per
    dialect with the default model (Qwen2.5-Coder-1.5B on llama.cpp)."""
    from momq.cli.common import progress_bar
    from momq.databases import build
    from momq.engines import open_engine

    with progress_bar() as progress:
        build(progress=progress)
    for dialect, db, text in DEMO_QUERIES:
        console.print(f"\n[bold]{dialect}[/bold] on {db}: {text}", highlight=False)
        with open_engine(dialect, db) as engine:
            print_result(engine.execute(text), title=f"{db} ({dialect})")
    if not ask:
        return _serve_demo(serve, model)
    from momq.cli.ask import _model, _pipeline, show_answer
    from momq.pipelines import Target

    for dialect, db, question in DEMO_QUESTIONS:
        console.print(f"\n[bold]ask[/bold] ({dialect}, {db}): {question}", highlight=False)
        with Target.open(dialect, db) as target:
            runner = _pipeline(
                "direct", _model(model, dialect), dialect, language="en", max_repairs=1, max_new_tokens=96
            )
            show_answer(runner.run(question, target), rows=5)
    _serve_demo(serve, model)


def _serve_demo(serve: bool, model: Optional[str]) -> None:
    """``momq demo --serve``: the service on the demo databases, address printed."""
    if serve:
        from momq.cli.serve import serve as run_server

        run_server(
            host=None,
            port=None,
            model=[model] if model else None,
            api_key=None,
            queue_size=None,
            request_timeout=None,
            log_level="warning",
        )


DEMO_QUERIES = [
    ("postgres", "academic", "SELECT title, citation_num FROM publication ORDER BY citation_num DESC, title LIMIT 3"),
    (
        "mysql",
        "restaurants",
        "SELECT food_type, COUNT(*) AS n FROM restaurant GROUP BY food_type ORDER BY n DESC, food_type LIMIT 3",
    ),
    (
        "cypher",
        "movies",
        "MATCH (p:Person)-[:ACTED_IN]->(m:Movie {title: 'The Matrix'}) RETURN p.name AS actor ORDER BY actor",
    ),
    (
        "ngql",
        "basketballplayer",
        'GO FROM "player100" OVER follow YIELD dst(edge) AS friend, properties(edge).degree AS degree',
    ),
]

DEMO_QUESTIONS = [
    ("postgres", "academic", "How many authors are there?"),
    ("mysql", "restaurants", "Which restaurants serve Italian food?"),
    ("cypher", "movies", "Which movies did Tom Hanks act in?"),
    ("ngql", "basketballplayer", "Who does Tim Duncan follow?"),
]

# verb groups written as their own modules: (module, attribute, mount name or None for `register(app)`)
_MOUNTS = [
    ("momq.cli.ngql", "app", "ngql"),
    ("momq.cli.train", "register", None),
    ("momq.cli.bench", "register", None),
    ("momq.cli.ask", "register", None),
    ("momq.cli.models", "register", None),
    ("momq.cli.construct", "register", None),
    ("momq.cli.serve", "register", None),
    ("momq.cli.ranker", "app", "ranker"),
]


def _mount() -> None:
    for module_name, attribute, name in _MOUNTS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue  # verb group not part of this build
            raise
        target = getattr(module, attribute)
        if name:
            app.add_typer(target, name=name)
        else:
            target(app)


_mount()


def main() -> None:
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
