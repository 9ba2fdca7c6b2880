"""Results between nGQL statements and the row operations every statement uses.

A :class:`DataSet` is what a statement returns and what the next one in a pipe reads as
``$-``; :class:`QueryContext` holds the state of one ``execute`` call (the session, the
variables, the deadline). :func:`project` evaluates YIELD/RETURN columns, grouping when
they hold aggregates; :func:`dedup` and :func:`sort_rows` are DISTINCT and ORDER BY.

Rows are produced lazily where the semantics allow: the operators that handle one row at
a time (GO, FETCH, LOOKUP, MATCH clauses, YIELD, WHERE, UNWIND, LIMIT, DISTINCT) check
their statement and compile its expressions when they run, and return a DataSet whose
rows are a generator, so the consumer (``Session.execute``, which stops at ``max_rows +
1``, or a LIMIT) decides how many are ever built. The operators that need all their input
(ORDER BY, GROUP BY and aggregates, set operations, variables, the start ids of GO and
FETCH) read :attr:`DataSet.rows`, which produces the whole result, under the memory
budget.
"""

from __future__ import annotations

from typing import Any, Iterable, Iterator

from momq.ngql import ast as A
from momq.ngql.budget import DEFAULT_MAX_CHARS, DEFAULT_MAX_VALUES, Budget
from momq.ngql.errors import NgqlSemanticError, NgqlSyntaxError
from momq.ngql.expr import Scope, aggregates_in, compile_expr, has_aggregate
from momq.ngql.functions import _STAR, NON_DETERMINISTIC, Agg
from momq.ngql.storage import Catalog, Space
from momq.ngql.values import hashable, sort_key


class DataSet:
    """Columns and rows; the rows are a list or, for a lazy result, an iterator that can
    be read once (by :meth:`stream`, or all at once by :attr:`rows`, which keeps them)."""

    __slots__ = ("columns", "_rows")

    def __init__(self, columns: list[str], rows: Iterable[list[Any]] = ()):
        self.columns = columns
        self._rows: list[list[Any]] | Iterator[list[Any]] | None = rows if isinstance(rows, list) else iter(rows)

    @property
    def rows(self) -> list[list[Any]]:
        """Every row (a lazy result is produced now, and kept)."""
        rows = self._rows
        if not isinstance(rows, list):
            rows = self._rows = list(self._take())
        return rows

    @rows.setter
    def rows(self, rows: Iterable[list[Any]]) -> None:
        self._rows = rows if isinstance(rows, list) else iter(rows)

    def stream(self) -> Iterator[list[Any]]:
        """The rows one at a time, produced as they are read."""
        rows = self._rows
        if isinstance(rows, list):
            return iter(rows)
        return self._take()

    def _take(self) -> Iterator[list[Any]]:
        rows = self._rows
        if rows is None:
            raise RuntimeError("the rows of a lazy DataSet were already read")
        self._rows = None
        return rows  # type: ignore[return-value]

    def dicts(self) -> list[dict]:
        cols = self.columns
        return [dict(zip(cols, r)) for r in self.rows]

    def stream_dicts(self) -> Iterator[dict]:
        cols = self.columns
        return (dict(zip(cols, r)) for r in self.stream())

    def drain(self) -> None:
        """Produce (and drop) the rows nobody reads: a statement before the last one of
        a sequence still runs to its end, its errors included."""
        if not isinstance(self._rows, list):
            for _ in self.stream():
                pass


class QueryContext(Budget):
    """State of one ``execute`` call: the session, variables, and (as a
    :class:`~momq.ngql.budget.Budget`) the deadline and the memory budget."""

    def __init__(
        self,
        catalog: Catalog,
        session,
        deadline: float | None,
        read_only: bool,
        max_values: int | None = DEFAULT_MAX_VALUES,
        max_chars: int | None = DEFAULT_MAX_CHARS,
    ):
        super().__init__(deadline, max_values, max_chars)
        self.catalog = catalog
        self.session = session
        self.variables: dict[str, DataSet] = {}
        self.read_only = read_only

    def space(self) -> Space:
        name = self.session.space
        if name is None:
            raise NgqlSemanticError("Space was not chosen.")
        sp = self.catalog.spaces.get(name)
        if sp is None:
            raise NgqlSemanticError("Space was not chosen.")
        return sp

    def var_columns(self) -> dict[str, list[str]]:
        return {k: v.columns for k, v in self.variables.items()}


def dedup(rows: Iterable[list]) -> list[list]:
    return list(iter_dedup(rows))


def iter_dedup(rows: Iterable[list]) -> Iterator[list]:
    """DISTINCT, lazily: each row the first time it appears."""
    seen = set()
    for r in rows:
        k = tuple(hashable(v) for v in r)
        if k in seen:
            continue
        seen.add(k)
        yield r


def sort_rows(rows: list[list], idx: list[tuple[int, bool]]) -> list[list]:
    rows = list(rows)
    for i, desc in reversed(idx):
        rows.sort(key=lambda r: sort_key(r[i]), reverse=desc)
    return rows


def check_no_agg(cols: list[A.YieldColumn], where: str) -> None:
    for c in cols:
        if has_aggregate(c.expr):
            texts = ", ".join(x.expr.text() + (f" AS {x.alias}" if x.alias else "") for x in cols)
            raise NgqlSyntaxError(f"Invalid use of aggregating function in {where} clause. near `{texts}'")


def check_dup_columns(cols: list[A.YieldColumn]) -> None:
    seen = set()
    for c in cols:
        if c.name in seen:
            raise NgqlSemanticError(f"Duplicate Column Name : `{c.name}'")
        seen.add(c.name)


def project(
    columns: list[A.YieldColumn],
    envs: Iterable[dict],
    sc: Scope,
    q: QueryContext,
    group_keys: list | None = None,
    distinct: bool = False,
) -> DataSet:
    """Evaluate YIELD/RETURN columns over rows, grouping when aggregates appear (the
    non-aggregate columns, or ``group_keys`` for GROUP BY, are the grouping keys).
    Without grouping the rows are produced lazily, one per env; grouping reads every env
    now."""
    names = [c.name for c in columns]
    aggs_per_col = [aggregates_in(c.expr) for c in columns]
    if not any(aggs_per_col) and group_keys is None:
        fns = [compile_expr(c.expr, sc) for c in columns]
        return DataSet(names, _projected(fns, envs, q))
    all_aggs = [a for lst in aggs_per_col for a in lst]
    for a in all_aggs:
        for x in a.walk():
            if isinstance(x, A.FuncCall) and x is not a and x.is_aggregate:
                raise NgqlSemanticError(f"Aggregate function nesting is not allowed: `{a.text()}'")
            if isinstance(x, A.FuncCall) and x.lname in NON_DETERMINISTIC:
                raise NgqlSyntaxError(
                    f"Can't use non-deterministic (random) functions inside of aggregate "
                    f"functions near `{a.args[0].source() if a.args else x.text()}'"
                )
    sc.agg_slots = {id(a): i for i, a in enumerate(all_aggs)}
    arg_fns = []
    for a in all_aggs:
        if a.star:
            arg_fns.append(None)
        else:
            saved = sc.agg_slots
            sc.agg_slots = None
            if len(a.args) != 1:
                raise NgqlSemanticError(f"Wrong number of arguments for `{a.text()}'")
            arg_fns.append(compile_expr(a.args[0], sc))
            sc.agg_slots = saved
    col_fns = [compile_expr(c.expr, sc) for c in columns]
    sc.agg_slots = None
    if group_keys is None:
        key_fns = [compile_expr(c.expr, sc) for c, aggs in zip(columns, aggs_per_col) if not aggs]
    else:
        key_fns = group_keys
    groups: dict[tuple, tuple[dict, list[Agg]]] = {}
    for env in envs:
        q.tick()
        k = tuple(hashable(f(env)) for f in key_fns)
        g = groups.get(k)
        if g is None:
            g = groups[k] = (env, [Agg(a.lname, a.distinct) for a in all_aggs])
        for acc, af in zip(g[1], arg_fns):
            acc.add(_STAR if af is None else af(env))
    if not groups and not key_fns:
        groups[()] = ({}, [Agg(a.lname, a.distinct) for a in all_aggs])
    rows = []
    for env, accs in groups.values():
        e2 = dict(env)
        e2["@agg"] = [acc.result() for acc in accs]
        q.charge(len(col_fns))
        rows.append([f(e2) for f in col_fns])
    return DataSet(names, rows)


def _projected(fns: list, envs: Iterable[dict], q: QueryContext) -> Iterator[list]:
    width = len(fns) or 1
    for env in envs:
        q.charge(width)
        yield [f(env) for f in fns]
