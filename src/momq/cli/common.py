"""What the CLI verbs share: error reporting, result tables, progress bars."""

from __future__ import annotations

import functools
from contextlib import contextmanager
from typing import Any, Callable, Iterator

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from momq.engines.base import Result
from momq.errors import EngineUnavailable, MomqError, QueryError

console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)


def fail_on_error(func: Callable) -> Callable:
    """Print momq errors as ``ClassName: message`` (with the position under the query
    for syntax errors) and exit with status 1 instead of a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except QueryError as exc:
            err_console.print(f"[red]{exc.kind}[/red]: {escape(exc.message)}", highlight=False)
            if exc.position is not None and exc.query:
                line_start = exc.query.rfind("\n", 0, exc.position) + 1
                line_end = exc.query.find("\n", exc.position)
                line = exc.query[line_start : None if line_end < 0 else line_end]
                err_console.print(f"  {line}\n  {' ' * (exc.position - line_start)}^", markup=False, highlight=False)
            raise typer.Exit(1)  # noqa: B904
        except EngineUnavailable as exc:
            err_console.print(f"[red]EngineUnavailable[/red]: {escape(str(exc))}", highlight=False)
            raise typer.Exit(2)  # noqa: B904
        except MomqError as exc:
            err_console.print(f"[red]{type(exc).__name__}[/red]: {escape(str(exc))}", highlight=False)
            raise typer.Exit(2)  # noqa: B904

    return wrapper


#: the most characters of one value the result table prints
MAX_CELL_CHARS = 500


def _cell(value: Any) -> str:
    """A value as table text, shortened to :data:`MAX_CELL_CHARS` characters (the text
    of a huge string is never built in full)."""
    if value is None:
        return "NULL"
    size = len(value) if isinstance(value, (str, bytes)) else None
    text = str(value[: MAX_CELL_CHARS + 1] if size is not None else value)
    size = size if size is not None else len(text)
    if size > MAX_CELL_CHARS:
        text = f"{text[:MAX_CELL_CHARS]}... ({size} characters)"
    return escape(text)


def print_result(result: Result, title: str = "") -> None:
    table = Table(title=title or None, show_lines=False)
    for column in result.columns:
        table.add_column(escape(column), overflow="fold")
    for row in result.rows:
        table.add_row(*(_cell(v) for v in row))
    console.print(table)
    note = f"{len(result.rows)} row{'s' if len(result.rows) != 1 else ''} in {result.elapsed_s * 1000:.1f} ms"
    if result.truncated:
        note += f" [yellow](truncated at {len(result.rows)} rows)[/yellow]"
    console.print(note)


@contextmanager
def progress_bar() -> Iterator[Callable[[str, int, int], None]]:
    """A rich progress bar driven by ``progress(label, done, total)`` callbacks, one task
    per label prefix."""
    with Progress(
        TextColumn("{task.description:24}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=False,
    ) as bar:
        tasks: dict[str, Any] = {}

        def update(label: str, done: int, total: int) -> None:
            key = label.split(":")[0]
            if key not in tasks:
                tasks[key] = bar.add_task(label, total=total)
            bar.update(tasks[key], description=label, completed=done, total=total)

        yield update
