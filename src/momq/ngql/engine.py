"""Public API of the embedded nGQL engine.

``NgqlDatabase`` holds the spaces of one database; ``db.session(space, read_only)``
opens a session whose ``execute(query, timeout_s, max_rows)`` returns a
:class:`ResultSet`. A read-only session refuses any statement that writes or changes
schema before anything runs (checked on the parsed tree, every statement of a pipe or
sequence included). ``save``/``open`` persist all spaces in one snapshot file.

Every query is bounded while it runs, not only at the end: the deadline (``timeout_s``)
is checked inside the loops that can run long (GO steps, MATCH expansion, path search,
UNWIND, joins, list building and comprehensions), and a memory budget
(:mod:`momq.ngql.budget`) counts what the query builds: at most ``max_values`` values
(default 10,000,000: the cells of the rows each operator produces plus the elements of
the lists ``range()``, list functions, comprehensions and UNWIND create) and
``max_chars`` characters of strings built by string functions and ``+`` (default
100,000,000). A query that would pass either stops with an ExecutionError ("Memory
budget exceeded: ...") before it builds the value.

Rows are streamed: GO, FETCH, LOOKUP, MATCH (without ORDER BY or aggregates), YIELD,
WHERE, UNWIND, DISTINCT and LIMIT produce their rows one at a time as the next operator
reads them (see :mod:`momq.ngql.dataset`), and ``execute`` reads at most ``max_rows + 1``
rows of the last statement, so a query that could return millions of rows builds only
those (``truncated`` says there were more). ORDER BY, grouping, set operations and
variables still read their whole input, under the memory budget.
"""

from __future__ import annotations

import os
import re
import sys
import time
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, Iterable, Sequence

from momq.ngql import ast as A
from momq.ngql.budget import DEFAULT_MAX_CHARS, DEFAULT_MAX_VALUES
from momq.ngql.dataset import DataSet, QueryContext
from momq.ngql.errors import NgqlError, NgqlExecutionError, NgqlReadOnlyError, NgqlSemanticError
from momq.ngql.executor import Executor
from momq.ngql.parser import parse
from momq.ngql.storage import Catalog
from momq.ngql.values import NULL, to_momq


@dataclass
class ResultSet:
    columns: list[str]
    rows: list[list[Any]]
    truncated: bool = False
    ordered: bool = False
    elapsed_s: float = 0.0
    space: str | None = field(default=None, repr=False)

    def to_momq_rows(self) -> list[tuple]:
        """Rows with plain Python values and ``momq.values`` graph values."""
        return [tuple(to_momq(v) for v in r) for r in self.rows]

    def __len__(self) -> int:
        return len(self.rows)


def outer_ordered(stmt: A.Stmt) -> bool:
    while True:
        if isinstance(stmt, A.SequenceStmt):
            stmt = stmt.stmts[-1]
        elif isinstance(stmt, A.AssignStmt):
            stmt = stmt.stmt
        elif isinstance(stmt, A.PipeStmt):
            stmt = stmt.right
        else:
            break
    if isinstance(stmt, A.OrderByStmt):
        return True
    if isinstance(stmt, A.MatchStmt):
        last = stmt.clauses[-1]
        return isinstance(last, A.ReturnClause) and bool(last.body.order)
    return False


class Session:
    def __init__(self, db: "NgqlDatabase", space: str | None = None, read_only: bool = False):
        self.db = db
        self.space = space
        self.read_only = read_only
        if space is not None and space not in db.catalog.spaces:
            raise NgqlExecutionError(f"SpaceNotFound: SpaceName `{space}`")

    def execute(
        self,
        query: str,
        timeout_s: float | None = None,
        max_rows: int | None = None,
        *,
        max_values: int | None = DEFAULT_MAX_VALUES,
        max_chars: int | None = DEFAULT_MAX_CHARS,
    ) -> ResultSet:
        """Run ``query``; ``timeout_s`` and the memory budget (``max_values`` /
        ``max_chars``, None: unbounded) bound it while it runs, ``max_rows`` cuts the
        result."""
        start = time.monotonic()
        try:
            stmt = parse(query)
        except RecursionError:
            raise NgqlError_syntax_depth()  # noqa: B904
        if self.read_only and not A.is_read_only(stmt):
            raise NgqlReadOnlyError(
                "The session is read-only: statements that write or change schema are refused", query=query
            )
        deadline = start + timeout_s if timeout_s else None
        qctx = QueryContext(self.db.catalog, self, deadline, self.read_only, max_values, max_chars)
        saved_space = self.space
        try:
            ds = Executor(qctx).run(stmt, None)
            rows, truncated = _first_rows(ds, max_rows)
        except NgqlError as exc:
            if exc.query is None:
                exc.query = query
            if self.read_only:
                self.space = saved_space
            raise
        except RecursionError:
            raise NgqlExecutionError("Execution stopped: the query nests too deeply", query=query)  # noqa: B904
        return ResultSet(list(ds.columns), rows, truncated, outer_ordered(stmt), time.monotonic() - start, self.space)


def _first_rows(ds: DataSet, max_rows: int | None) -> tuple[list[list[Any]], bool]:
    """The first ``max_rows`` rows of a result (all when None) and whether there were
    more. A lazy result is read only up to row ``max_rows + 1``: the rows after it are
    never built (nor their errors raised)."""
    if max_rows is None:
        return ds.rows, False
    it = ds.stream()
    rows = list(islice(it, max_rows))
    truncated = next(it, None) is not None
    return rows, truncated


def NgqlError_syntax_depth():
    from momq.ngql.errors import NgqlSyntaxError

    return NgqlSyntaxError("The above expression's depth exceeds the maximum depth")


# expressions may nest up to 512 levels; compiling them recurses a few frames per level
if sys.getrecursionlimit() < 6000:
    sys.setrecursionlimit(6000)

_SCRIPT_COMMAND = re.compile(r"^\s*:\w+.*$", re.MULTILINE)


class NgqlDatabase:
    """All graph spaces of one embedded database."""

    def __init__(self, catalog: Catalog | None = None):
        self.catalog = catalog or Catalog()

    def session(self, space: str | None = None, read_only: bool = False) -> Session:
        return Session(self, space, read_only)

    @property
    def spaces(self) -> list[str]:
        return sorted(self.catalog.spaces)

    def load_script(self, text: str, space: str | None = None) -> Session:
        """Run a multi-statement script (DDL + INSERTs) with writes allowed.

        Console commands such as ``:sleep 20`` are skipped; statements are separated by
        ``;``. Returns the session (its ``space`` is the last ``USE``d one).
        """
        text = _SCRIPT_COMMAND.sub("", text)
        sess = self.session(space)
        for chunk in split_statements(text):
            if chunk.strip():
                sess.execute(chunk)
        return sess

    # ---------------------------------------------------------------- bulk loading
    def bulk_insert_vertices(
        self,
        space: str,
        tag: str,
        rows: Iterable[tuple[Any, Sequence[Any]]],
        props: Sequence[str] | None = None,
        if_not_exists: bool = False,
    ) -> int:
        """Insert vertices without writing nGQL text: the same as
        ``INSERT VERTEX tag(props) VALUES vid:(values), ...`` (same type checks and
        errors; all rows are checked before any is written), for loaders that already
        hold Python values. ``props`` defaults to every property of the tag in schema
        order. Values are Python values of the column types (int, float, str, bool,
        ``datetime``...) or ``None`` for NULL. Returns the number of rows inserted."""
        sp = self.catalog.space(space)
        schema = sp.tag(tag)
        names = list(props) if props is not None else schema.prop_names
        return sp.insert_vertices([(schema, names)], ((vid, _nulls(vals)) for vid, vals in rows), if_not_exists)

    def bulk_insert_edges(
        self,
        space: str,
        edge: str,
        rows: Iterable[tuple[Any, Any, int, Sequence[Any]]],
        props: Sequence[str] | None = None,
        if_not_exists: bool = False,
    ) -> int:
        """Insert edges without writing nGQL text: ``rows`` yields ``(src, dst, rank,
        values)``, the same as ``INSERT EDGE edge(props) VALUES src->dst@rank:(values)``."""
        sp = self.catalog.space(space)
        if edge not in sp.edges:
            raise NgqlSemanticError(f"No schema found for `{edge}'")
        schema = sp.edges[edge]
        names = list(props) if props is not None else schema.prop_names
        return sp.insert_edges(schema, names, ((s, d, r, _nulls(vals)) for s, d, r, vals in rows), if_not_exists)

    def save(self, path: str | os.PathLike) -> None:
        self.catalog.save(path)

    @classmethod
    def open(cls, path: str | os.PathLike) -> "NgqlDatabase":
        return cls(Catalog.load(path))


def _nulls(values: Sequence[Any]) -> list[Any]:
    """Python ``None`` means NULL in the bulk API."""
    return [NULL if v is None else v for v in values]


def split_statements(text: str) -> list[str]:
    """Split a script on top-level ``;`` (outside strings and comments)."""
    out, buf = [], []
    i, n = 0, len(text)
    quote = None
    while i < n:
        c = text[i]
        if quote:
            buf.append(c)
            if c == "\\" and i + 1 < n:
                buf.append(text[i + 1])
                i += 2
                continue
            if c == quote:
                quote = None
        elif c in "\"'`":
            quote = c
            buf.append(c)
        elif c == "#" or text.startswith("//", i) or text.startswith("--", i) and (i == 0 or text[i - 1] == "\n"):
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        elif c == ";":
            out.append("".join(buf))
            buf = []
        else:
            buf.append(c)
        i += 1
    if "".join(buf).strip():
        out.append("".join(buf))
    return out
