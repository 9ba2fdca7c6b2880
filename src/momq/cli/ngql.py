"""``momq ngql``: the embedded nGQL engine's console and its conformance runner."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from momq.cli.common import fail_on_error

app = typer.Typer(no_args_is_help=True, help="The embedded nGQL (NebulaGraph 3.x) engine.")


def _print_rs(rs) -> None:
    from momq.ngql.values import display

    if not rs.columns:
        typer.echo(f"Execution succeeded ({rs.elapsed_s * 1000:.1f} ms)")
        return
    cells = [[display(v) for v in r] for r in rs.rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(rs.columns)]
    line = "+" + "+".join("-" * (w + 2) for w in widths) + "+"
    typer.echo(line)
    typer.echo("| " + " | ".join(c.ljust(w) for c, w in zip(rs.columns, widths)) + " |")
    typer.echo(line)
    for r in cells:
        typer.echo("| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |")
    typer.echo(line)
    more = " (truncated)" if rs.truncated else ""
    typer.echo(f"Got {len(rs.rows)} rows{more} ({rs.elapsed_s * 1000:.1f} ms)")


@app.command()
def console(
    load: Optional[list[Path]] = typer.Option(
        None, "--load", help="nGQL scripts to run first (e.g. basketballplayer.ngql)."
    ),
    snapshot: Optional[Path] = typer.Option(None, "--open", help="Open a saved database snapshot."),
    space: Optional[str] = typer.Option(None, "--space", help="Space to USE at start."),
    read_only: bool = typer.Option(False, "--read-only", help="Refuse statements that write."),
    timeout: float = typer.Option(30.0, help="Per-query time limit in seconds."),
    execute: Optional[str] = typer.Option(None, "-e", "--execute", help="Run these statements and exit."),
) -> None:
    """An interactive nGQL console on the embedded engine (end statements with `;`,
    `:quit` to leave, `:save FILE` to write a snapshot)."""
    from momq.ngql import NgqlDatabase, NgqlError

    db = NgqlDatabase.open(snapshot) if snapshot else NgqlDatabase()
    for path in load or []:
        sess = db.load_script(path.read_text())
        space = space or sess.space
    session = db.session(space, read_only=read_only)

    def run(text: str) -> None:
        try:
            _print_rs(session.execute(text, timeout_s=timeout))
        except NgqlError as exc:
            typer.echo(f"[ERROR] {exc.family}: {exc.message}", err=True)

    if execute is not None:
        run(execute)
        return
    buf: list[str] = []
    while True:
        try:
            line = input(f"({session.space or '(none)'}) nebula> " if not buf else "        -> ")
        except (EOFError, KeyboardInterrupt):
            typer.echo("")
            return
        stripped = line.strip()
        if not buf and stripped.startswith(":"):
            cmd, _, arg = stripped.partition(" ")
            if cmd in (":quit", ":exit", ":q"):
                return
            if cmd == ":save" and arg:
                db.save(arg.strip())
                typer.echo(f"saved to {arg.strip()}")
            continue
        buf.append(line)
        if stripped.endswith(";") or (stripped and len(buf) == 1 and not stripped.endswith("\\") and False):
            text = "\n".join(buf)
            buf = []
            run(text)


@app.command()
def tck(
    paths: list[Path] = typer.Argument(..., help=".feature files or folders holding them."),
    json_out: Optional[Path] = typer.Option(None, "--json", help="Write each failure's details to this file."),
    timeout: float = typer.Option(10.0, help="Per-query time limit in seconds."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Only print the closing line."),
) -> None:
    """Run NebulaGraph's test-kit features on the embedded engine and count query steps."""
    from momq.ngql.tck import run_features

    def progress(fr):
        if not quiet:
            skipped = f", {fr.skipped} skipped" if fr.skipped else ""
            typer.echo(f"{fr.path}: {fr.passed} passed, {fr.failed} failed{skipped}")

    report = run_features(paths, timeout_s=timeout, progress=progress)
    if json_out is not None:
        json_out.write_text(json.dumps(report.to_json(), indent=1, default=str))
    skipped = f", {report.skipped} skipped" if report.skipped else ""
    typer.echo(f"{report.passed} passed, {report.failed} failed{skipped}")


@app.command()
@fail_on_error
def serve(
    load: Optional[list[Path]] = typer.Option(
        None, "--load", help="nGQL scripts to run first (e.g. basketballplayer.ngql)."
    ),
    snapshot: Optional[list[Path]] = typer.Option(
        None, "--open", help="Database snapshots to serve (default: the spaces built by `momq db build`)."
    ),
    host: str = typer.Option("127.0.0.1", help="Loopback address to listen on."),
    port: int = typer.Option(9669, help="Port (graphd's default is 9669; 0 picks a free one)."),
    user: str = typer.Option("root", help="The one user name clients authenticate with."),
    password: str = typer.Option("nebula", help="Its password."),
    read_only: bool = typer.Option(False, "--read-only", help="Refuse statements that write."),
    timeout: float = typer.Option(30.0, help="Per-query time limit in seconds."),
) -> None:
    """Serve the embedded engine over graphd's Thrift protocol, so NebulaGraph's own
    clients (nebula3-python, nebula-console) run their queries on it."""
    from momq.engines.ngql import available_spaces, snapshot_path
    from momq.ngql import NgqlDatabase
    from momq.ngql.graphd import GraphHandler, GraphServer

    db = NgqlDatabase()
    paths = list(snapshot or []) if (snapshot or load) else [snapshot_path(s) for s in available_spaces()]
    for path in paths:
        db.catalog.spaces.update(NgqlDatabase.open(path).catalog.spaces)
    for path in load or []:
        db.load_script(path.read_text())
    server = GraphServer(GraphHandler(db, user, password, read_only, timeout), host, port)
    typer.echo(
        f"momq graphd listening on {server.host}:{server.port} (spaces: {', '.join(db.spaces) or 'none'}); "
        "Ctrl-C stops it",
        err=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
