"""Executes parsed nGQL statements against a :class:`~momq.ngql.storage.Catalog`.

Every statement maps an optional input :class:`DataSet` (the left side of a pipe,
``$-``) to an output DataSet. Sequences run statement by statement, ``$var = ...``
stores a result under a name for later ``$var.col`` references, and set operations
combine two results with the same columns. MATCH lives in ``match.py``, FIND PATH and
GET SUBGRAPH in ``paths.py``, the statements that manage spaces and schemas or change
data in ``admin.py``; results and the row operations they share in ``dataset.py``.
"""

from __future__ import annotations

import random
from itertools import chain, islice
from typing import Any, Iterator

from momq.ngql import ast as A
from momq.ngql.admin import AdminStatements
from momq.ngql.dataset import (
    DataSet,
    QueryContext,
    check_dup_columns,
    check_no_agg,
    dedup,
    iter_dedup,
    project,
    sort_rows,
)
from momq.ngql.errors import NgqlExecutionError, NgqlSemanticError, NgqlSyntaxError
from momq.ngql.expr import Scope, compile_expr, has_aggregate, is_constant
from momq.ngql.match import run_match
from momq.ngql.paths import find_path, subgraph
from momq.ngql.storage import Space
from momq.ngql.values import Edge, Vertex, hashable, is_empty, is_null, type_name

__all__ = ["Executor"]


class Executor(AdminStatements):
    """Runs read statements (GO, FETCH, LOOKUP, YIELD, pipes, set operations, MATCH, FIND
    PATH, GET SUBGRAPH); the statements of :class:`~momq.ngql.admin.AdminStatements`
    manage spaces and schemas and change data."""

    def __init__(self, qctx: QueryContext):
        self.q = qctx

    # ------------------------------------------------------------ dispatch
    def run(self, stmt: A.Stmt, inp: DataSet | None = None) -> DataSet:
        self.q.check_time()
        m = getattr(self, "x_" + type(stmt).__name__, None)
        if m is None:
            raise NgqlSemanticError(f"Unsupported statement: {type(stmt).__name__}")
        return m(stmt, inp)

    def x_SequenceStmt(self, st: A.SequenceStmt, inp):
        # NebulaGraph validates the whole sequence before running any of it: a variable
        # may be assigned once (AssignmentValidator)
        assigned = set(self.q.variables)
        for s in st.stmts:
            if isinstance(s, A.AssignStmt):
                if s.var in assigned:
                    raise NgqlSemanticError(f"Variable `{s.var}' already exists")
                assigned.add(s.var)
        result = DataSet([])
        for i, s in enumerate(st.stmts):
            if i:
                result.drain()
            result = self.run(s, None)
        return result

    def x_AssignStmt(self, st: A.AssignStmt, inp):
        if st.var in self.q.variables:
            raise NgqlSemanticError(f"Variable `{st.var}' already exists")
        ds = self.run(st.stmt, inp)
        ds.rows  # a variable may be read many times: produce it now  # noqa: B018
        self.q.variables[st.var] = ds
        return ds

    def x_PipeStmt(self, st: A.PipeStmt, inp):
        if (
            isinstance(st.right, A.LimitStmt)
            and isinstance(st.left, A.FindPathStmt)
            and (not st.left.kind.endswith("SHORTEST") or st.right.offset == 0)
        ):
            # LIMIT straight after FIND PATH keeps any N paths (the paths have no defined
            # order), so the search can stop once it has enough of them (NebulaGraph's
            # parser hands the limit of a SHORTEST PATH without offset to the search)
            self.q.check_time()
            left = find_path(self, st.left, inp, max_paths=max(0, st.right.offset) + max(0, st.right.count))
        else:
            left = self.run(st.left, inp)
        out = self.run(st.right, left)
        # a result may repeat a column name, but it cannot feed a pipe (``$-.name``
        # would be ambiguous); the right side's own checks come first
        seen = set()
        for c in left.columns:
            if c in seen:
                raise NgqlSemanticError(f"Duplicate Column Name : `{c}'")
            seen.add(c)
        return out

    def x_SetOpStmt(self, st: A.SetOpStmt, inp):
        if inp is not None:
            inp.rows  # both sides read the input  # noqa: B018
        left = self.run(st.left, inp)
        right = self.run(st.right, inp)
        if left.columns != right.columns:
            raise NgqlSemanticError("different column names to UNION/INTERSECT/MINUS are not supported")
        if st.op == "UNION ALL":
            return DataSet(left.columns, chain(left.stream(), right.stream()))
        if st.op == "UNION":
            return DataSet(left.columns, iter_dedup(chain(left.stream(), right.stream())))
        rkeys = {tuple(hashable(v) for v in r) for r in right.rows}
        if st.op == "INTERSECT":
            rows = [r for r in left.rows if tuple(hashable(v) for v in r) in rkeys]
        else:
            rows = [r for r in left.rows if tuple(hashable(v) for v in r) not in rkeys]
        return DataSet(left.columns, dedup(rows) if st.op == "INTERSECT" else rows)

    def x_NoopStmt(self, st, inp):
        return DataSet([])

    # ------------------------------------------------------------ helpers
    def scope(self, kind: str, inp: DataSet | None, **kw) -> Scope:
        sp = kw.pop("space", None)
        return Scope(kind, sp, inp.columns if inp is not None else None, self.q.var_columns(), qctx=self.q, **kw)

    def source_rows(
        self, src: A.VidSource, inp: DataSet | None, space: Space, sc: Scope
    ) -> tuple[list, list | None, str | None]:
        """Start VIDs of GO/FETCH/...: ``(vids, rows, env_key)``; rows are the input rows
        the VIDs came from (for ``$-.col`` joins)."""
        if src.ref is not None:
            ref = src.ref
            if ref.var is None:
                ds = inp
                if ds is None or ref.col not in ds.columns:
                    raise NgqlSemanticError(f"`{ref.text()}', not exist prop `{ref.col}'")
                key = "$-"
            else:
                ds = self.q.variables.get(ref.var)
                if ds is None:
                    raise NgqlSemanticError(f"`{ref.text()}', not exist variable `{ref.var}'")
                if ref.col not in ds.columns:
                    raise NgqlSemanticError(f"`{ref.text()}', not exist prop `{ref.col}'")
                key = "$" + ref.var
            if ds.columns.count(ref.col) > 1:
                raise NgqlSemanticError(f"Duplicate Column Name : `{ref.col}'")
            idx = ds.columns.index(ref.col)
            rows = ds.dicts()
            vids = [r[idx] for r in ds.rows]
            for v in vids:
                if is_null(v) or is_empty(v):
                    continue
                ok = (isinstance(v, int) and not isinstance(v, bool)) if space.vid_is_int else isinstance(v, str)
                if not ok:
                    want = "INT64" if space.vid_is_int else "FIXED_STRING"
                    raise NgqlSemanticError(
                        f"`{ref.text()}', the srcs should be type of {want}, but was`{type_name(v)}'"
                    )
                break
            return vids, rows, key
        vids = []
        for e in src.exprs:
            fn = compile_expr(e, Scope("yield", space, None, {}, qctx=self.q))
            v = fn({})
            ok = (isinstance(v, int) and not isinstance(v, bool)) if space.vid_is_int else isinstance(v, str)
            if not ok:
                want = "INT64" if space.vid_is_int else "FIXED_STRING"
                raise NgqlSemanticError(f"`{e.text()}', the srcs should be type of {want}, but was`{type_name(v)}'")
            vids.append(v)
        return vids, None, None

    # ------------------------------------------------------------ GO
    def x_GoStmt(self, st: A.GoStmt, inp):
        q = self.q
        space = q.space()
        over = space.edge_types(st.over)
        yields = st.yields
        if yields is None:
            yields = [A.YieldColumn(A.Attribute(A.Label(e), "_dst")) for e in over]
        check_no_agg(yields, "yield")
        if st.where is not None and has_aggregate(st.where):
            raise NgqlSyntaxError(f"Invalid use of aggregating function in where clause. near `{st.where.source()}'")
        sc = self.scope("go", inp, space=space, over=over)
        vids, in_rows, key = self.source_rows(st.from_, inp, space, sc)
        where = compile_expr(st.where, sc) if st.where is not None else None
        if st.where is not None and isinstance(st.where, A.Attribute) and isinstance(st.where.base, A.Label):
            sch = space.edges.get(st.where.base.name)
            ps = sch.prop(st.where.name) if sch is not None else None
            if ps is not None and ps.type != "BOOL":
                tn = {"INT64": "INT", "DOUBLE": "FLOAT"}.get(ps.type, ps.type)
                raise NgqlSemanticError(f"`{st.where.text()}', expected boolean, but was `{tn}'")
        if st.where is not None and is_constant(st.where):
            v = where({})
            if not isinstance(v, bool) and not is_null(v):
                raise NgqlSemanticError(f"`{st.where.text()}', expected boolean, but was `{type_name(v)}'")
        fns = [compile_expr(c.expr, sc) for c in yields]
        refs_input = any(isinstance(x, A.InputProp) for c in yields for x in c.expr.walk()) or (
            st.where is not None and any(isinstance(x, A.InputProp) for x in st.where.walk())
        )
        limits = self._step_limits(st, "limit")
        samples = self._step_limits(st, "sample")
        # frontier: vid -> multiplicity (no join needed) or list of the input rows it came
        # from; piped input keeps duplicates, as NebulaGraph walks once per input row
        join = refs_input and in_rows is not None
        # frontier: vid -> the start rows ("roots") that reached it, as an ordered set of
        # root indexes. NebulaGraph walks each root separately and deduplicates the
        # vertices a root reaches at each step: a literal start vid is one root, each
        # piped input row is its own root (so duplicated input rows multiply results).
        frontier: dict[Any, dict[int, None]] = {}
        literal = st.from_.ref is None
        seen_literal: set = set()
        for i, v in enumerate(vids):
            if is_null(v) or is_empty(v):
                continue
            if literal:
                hv = hashable(v)
                if hv in seen_literal:
                    continue
                seen_literal.add(hv)
            frontier.setdefault(v, {})[i] = None
        directions = ("out", "in") if st.direction == "both" else (st.direction,)
        cols = [c.name for c in yields]
        rows = self._go_rows(
            space, over, directions, frontier, st, limits, samples, where, fns, in_rows if join else None, key
        )
        return DataSet(cols, iter_dedup(rows) if st.distinct else rows)

    def _go_rows(self, space, etypes, directions, frontier, st, limits, samples, where, fns, in_rows, key):
        """GO's rows, step by step, as they are read. ``in_rows`` (with ``key``) are the
        input rows the start ids came from when the columns or WHERE read ``$-``."""
        q = self.q
        width = len(fns) or 1
        produced = 0
        for step in range(1, st.max_steps + 1):
            emit = step >= st.min_steps
            last = step == st.max_steps
            nxt: dict[Any, dict[int, None]] = {}
            edges = self._step_edges(space, frontier, directions, etypes)
            if samples is not None:
                n = samples[step - 1]
                edges_list = list(edges)
                if len(edges_list) > n:
                    edges_list = random.sample(edges_list, n)
                edges = iter(edges_list)
            if limits is not None:
                edges = islice(edges, limits[step - 1])
            for vid, other, edge, roots, rev in edges:
                if emit:
                    env = {"$^": vid, "$$": other, "@e": edge, "@rev": rev}
                    if in_rows is not None:
                        for ri in roots:
                            env[key] = in_rows[ri]
                            if where is not None and where(env) is not True:
                                continue
                            q.charge(width)
                            yield [f(env) for f in fns]
                    elif where is None or where(env) is True:
                        q.charge(width * len(roots))
                        row = [f(env) for f in fns]
                        produced += len(roots)
                        if produced > 5_000_000:
                            raise NgqlExecutionError("GO produced more than 5,000,000 rows")
                        yield row
                        for _ in range(len(roots) - 1):
                            yield list(row)
                if not last:
                    bucket = nxt.get(other)
                    if bucket is None:
                        nxt[other] = dict(roots)
                    else:
                        bucket.update(roots)
            frontier = nxt
            if not frontier:
                break
            q.check_time()

    def _step_edges(self, space: Space, frontier: dict, directions: tuple, etypes: list) -> Iterator[tuple]:
        """The edges one GO step walks: ``(vid, other, Edge, roots, reversed)``."""
        q = self.q
        for vid, roots in frontier.items():
            q.tick()
            for d in directions:
                if d == "out":
                    for etype, other, rank, props in space.out_edges(vid, etypes):
                        q.tick()
                        yield vid, other, Edge(vid, other, etype, rank, props), roots, False
                else:
                    for etype, other, rank, props in space.in_edges(vid, etypes):
                        q.tick()
                        yield vid, other, Edge(other, vid, etype, rank, props), roots, True

    def _step_limits(self, st: A.GoStmt, which: str) -> list[int] | None:
        e = st.limit if which == "limit" else st.sample
        if e is None:
            return None
        v = compile_expr(e, Scope("yield", None, None, {}, qctx=self.q))({})
        if not isinstance(v, list):
            raise NgqlSemanticError(f"`{e.text()}', expected LIST, but was {type_name(v)}")
        steps = st.max_steps
        if len(v) != steps:
            raise NgqlSemanticError(f"`{e.text()}' length must be equal to GO step size {steps}.")
        for x in v:
            if not isinstance(x, int) or isinstance(x, bool):
                raise NgqlSemanticError("Limit/Sample element type must be Integer.")
            if x < 0:
                raise NgqlSemanticError("Limit/Sample element must be nonnegative.")
        return [max(0, x) for x in v]

    # ------------------------------------------------------------ FETCH
    def x_FetchVerticesStmt(self, st: A.FetchVerticesStmt, inp):
        space = self.q.space()
        tags = st.tags or list(space.tags)
        for t in tags:
            if t not in space.tags:
                raise NgqlExecutionError(f"TagNotFound: TagName `{t}`")
        sc = self.scope("fetch_tag", inp, space=space)
        vids, in_rows, key = self.source_rows(st.vids, inp, space, sc)
        yields = st.yields
        if yields is None:
            yields = [A.YieldColumn(A.Keyword("vertex", "vertex"), "vertices_")]
        check_no_agg(yields, "yield")
        check_dup_columns(yields)
        fns = [compile_expr(c.expr, sc) for c in yields]
        rows = self._fetched_vertices(space, tags, vids, in_rows, key, fns)
        return DataSet([c.name for c in yields], iter_dedup(rows) if st.distinct else rows)

    def _fetched_vertices(self, space: Space, tags: list[str], vids: list, in_rows, key, fns) -> Iterator[list]:
        # a repeated id is fetched (and returned) once per mention, as GetVertices
        # does; the vertex carries only the fetched tags
        for i, vid in enumerate(vids):
            self.q.tick()
            vt = space.vertices.get(vid)
            if vt is None or not any(t in vt for t in tags):
                continue
            v = Vertex(vid, {t: dict(p) for t, p in vt.items() if t in tags})
            env = {"@v": v}
            if in_rows is not None and key:
                env[key] = in_rows[i]
            self.q.charge(len(fns))
            yield [f(env) for f in fns]

    def x_FetchEdgesStmt(self, st: A.FetchEdgesStmt, inp):
        space = self.q.space()
        if st.edge not in space.edges:
            raise NgqlExecutionError(f"EdgeNotFound: EdgeName `{st.edge}`")
        sc = self.scope("fetch_edge", inp, space=space)
        yields = st.yields or [A.YieldColumn(A.Keyword("edge", "edge"), "edges_")]
        check_no_agg(yields, "yield")
        fns = [compile_expr(c.expr, sc) for c in yields]
        keys = []
        for k in st.keys:
            refs = any(isinstance(x, A.InputProp) for e in (k.src, k.dst, k.rank) if e is not None for x in e.walk())
            if refs:
                src_f = compile_expr(k.src, sc)
                dst_f = compile_expr(k.dst, sc)
                rank_f = compile_expr(k.rank, sc) if k.rank is not None else (lambda env: 0)
                rows_src = []
                for e in (k.src, k.dst, k.rank):
                    if e is None:
                        continue
                    for x in e.walk():
                        if isinstance(x, A.InputProp):
                            rows_src.append(x)
                ref = rows_src[0]
                ds = inp if ref.var is None else self.q.variables.get(ref.var)
                envkey = "$-" if ref.var is None else "$" + ref.var
                for r in ds.dicts() if ds is not None else []:
                    env = {envkey: r}
                    keys.append((src_f(env), dst_f(env), rank_f(env)))
            else:
                ysc = Scope("yield", space, None, {}, qctx=self.q)
                src = compile_expr(k.src, ysc)({})
                dst = compile_expr(k.dst, ysc)({})
                rank = compile_expr(k.rank, ysc)({}) if k.rank is not None else 0
                keys.append((src, dst, rank))
        rows = self._fetched_edges(space, st.edge, keys, fns)
        return DataSet([c.name for c in yields], iter_dedup(rows) if st.distinct else rows)

    def _fetched_edges(self, space: Space, edge: str, keys: list[tuple], fns: list) -> Iterator[list]:
        seen = set()
        for src, dst, rank in keys:
            self.q.tick()
            if (src, dst, rank) in seen:
                continue
            seen.add((src, dst, rank))
            props = space.edge_props(src, dst, edge, rank) if isinstance(rank, int) else None
            if props is None:
                continue
            env = {"@e": Edge(src, dst, edge, rank, props)}
            self.q.charge(len(fns))
            yield [f(env) for f in fns]

    # ------------------------------------------------------------ LOOKUP
    def x_LookupStmt(self, st: A.LookupStmt, inp):
        space = self.q.space()
        is_tag = st.schema in space.tags
        if not is_tag and st.schema not in space.edges:
            # SchemaManager::getSchemaIDByName: a plain error, reported as an execution error
            raise NgqlExecutionError(f"Schema not exist: {st.schema}")
        for c in st.yields or []:
            # a column ``other.prop`` names another schema (LookupValidator::validateYieldColumn)
            if isinstance(c.expr, A.Attribute) and isinstance(c.expr.base, A.Label) and c.expr.base.name != st.schema:
                raise NgqlSemanticError(f"Schema name error: {c.expr.base.name}")
        kind = "TAG" if is_tag else "EDGE"
        if not space.has_index(kind, st.schema):
            raise NgqlSemanticError("There is no index to use at runtime")
        sc = self.scope("lookup_tag" if is_tag else "lookup_edge", inp, space=space)
        yields = st.yields
        if yields is None:
            yields = (
                [A.YieldColumn(A.FuncCall("id", [A.Keyword("vertex", "vertex")]), "VertexID")]
                if is_tag
                else [
                    A.YieldColumn(A.FuncCall("src", [A.Keyword("edge", "edge")]), "SrcVID"),
                    A.YieldColumn(A.FuncCall("dst", [A.Keyword("edge", "edge")]), "DstVID"),
                    A.YieldColumn(A.FuncCall("rank", [A.Keyword("edge", "edge")]), "Ranking"),
                ]
            )
        check_no_agg(yields, "yield")
        for c in yields:
            for x in c.expr.walk():
                if isinstance(x, A.VarRef):
                    raise NgqlSyntaxError(f"Direct output of variable is prohibited near `{x.text()}'")
            if any(isinstance(x, (A.InputProp, A.VarRef)) for x in c.expr.walk()):
                raise NgqlSemanticError("unsupported input/variable property expression in yield")
        if st.where is not None:
            _check_lookup_where(st.where, st.schema, space)
        where = compile_expr(st.where, sc) if st.where is not None else None
        fns = [compile_expr(c.expr, sc) for c in yields]
        if is_tag:
            tag = st.schema
            candidates = list(space.tag_members.get(tag, {}))
            eq = _equality_term(st.where, tag) if st.where is not None else None
            if eq is not None and any(
                i.kind == "TAG" and i.schema == tag and i.fields and i.fields[0] == eq[0]
                for i in space.indexes.values()
            ):
                candidates = space.lookup_equal(tag, eq[0], eq[1])
            rows = self._looked_up_vertices(space, candidates, where, fns)
        else:
            rows = self._looked_up_edges(space, st.schema, where, fns)
        return DataSet([c.name for c in yields], iter_dedup(rows) if st.distinct else rows)

    def _looked_up_vertices(self, space: Space, candidates: list, where, fns: list) -> Iterator[list]:
        q = self.q
        for vid in candidates:
            q.tick()
            vt = space.vertices.get(vid)
            if vt is None:
                continue
            env = {"@v": Vertex(vid, vt)}
            if where is not None and where(env) is not True:
                continue
            env["@v"] = Vertex(vid, {t: dict(p) for t, p in vt.items()})
            q.charge(len(fns))
            yield [f(env) for f in fns]

    def _looked_up_edges(self, space: Space, et: str, where, fns: list) -> Iterator[list]:
        q = self.q
        for src, by_type in space.out.items():
            bucket = by_type.get(et)
            if not bucket:
                continue
            for (dst, rank), props in bucket.items():
                q.tick()
                env = {"@e": Edge(src, dst, et, rank, props)}
                if where is not None and where(env) is not True:
                    continue
                q.charge(len(fns))
                yield [f(env) for f in fns]

    # ------------------------------------------------------------ YIELD / ORDER BY / LIMIT / GROUP BY
    def _expand_star(self, cols: list[A.YieldColumn], inp: DataSet | None) -> list[A.YieldColumn]:
        """``$-.*`` / ``$var.*`` stand for every column of the input or variable."""
        out = []
        for c in cols:
            e = c.expr
            if isinstance(e, A.InputProp) and e.col == "*":
                ds = inp if e.var is None else self.q.variables.get(e.var)
                if ds is None:
                    if e.var is None:
                        raise NgqlSemanticError(f"`{e.text()}', not exist prop `*'")
                    raise NgqlSemanticError(f"`{e.text()}', not exist variable `{e.var}'")
                out += [A.YieldColumn(A.InputProp(e.var, name, e.pos)) for name in ds.columns]
            else:
                out.append(c)
        return out

    def x_YieldStmt(self, st: A.YieldStmt, inp):
        if st.join is not None:
            return self._yield_join(st)
        if any(isinstance(c.expr, A.InputProp) and c.expr.col == "*" for c in st.columns):
            st = A.YieldStmt(self._expand_star(st.columns, inp), st.distinct, st.where)
        space = self.q.catalog.spaces.get(self.q.session.space) if self.q.session.space else None
        sc = self.scope("yield", inp, space=space)
        var_refs = {x.var for c in st.columns for x in c.expr.walk() if isinstance(x, A.InputProp) and x.var}
        if st.where is not None:
            var_refs |= {x.var for x in st.where.walk() if isinstance(x, A.InputProp) and x.var}
            if has_aggregate(st.where):
                raise NgqlSyntaxError(
                    f"Invalid use of aggregating function in where clause. near `{st.where.source()}'"
                )
        for c in st.columns:
            for x in c.expr.walk():
                if isinstance(x, A.VarRef):
                    raise NgqlSyntaxError(f"Direct output of variable is prohibited near `{c.expr.text()}'")
        uses_input = any(isinstance(x, A.InputProp) and x.var is None for c in st.columns for x in c.expr.walk()) or (
            st.where is not None and any(isinstance(x, A.InputProp) and x.var is None for x in st.where.walk())
        )
        if len(var_refs) > 1:
            raise NgqlSemanticError("Only one variable allowed to use.")
        if var_refs and uses_input:
            # a YIELD with aggregates runs as a GROUP BY, and says so
            where = " in GroupBy sentence" if any(has_aggregate(c.expr) for c in st.columns) else ""
            raise NgqlSemanticError(f"Not support both input and variable{where}.")
        if var_refs:
            var = next(iter(var_refs))
            if var not in self.q.variables:
                raise NgqlSemanticError(f"`${var}', not exist variable `{var}'")
            envs: Iterator[dict] = ({"$" + var: r} for r in self.q.variables[var].dicts())
        elif inp is not None and (uses_input or inp.columns):
            envs = ({"$-": r} for r in inp.stream_dicts())
        else:
            envs = iter([{}])
        if st.where is not None:
            wf = compile_expr(st.where, sc)
            envs = (e for e in envs if wf(e) is True)
        ds = project(st.columns, envs, sc, self.q)
        if st.distinct:
            ds.rows = iter_dedup(ds.stream())
        return ds

    def _yield_join(self, st: A.YieldStmt) -> DataSet:
        """``YIELD ... FROM $a INNER JOIN $b ON $a.k == $b.k``: a hash inner join of two
        variables' results, then the projection (NebulaGraph's YieldValidator: only
        INNER JOIN runs, the variables must differ and match the condition, and no
        column name other than the keys may appear on both sides)."""
        j = st.join
        if j.mode != "INNER":
            raise NgqlSemanticError("only support inner join.")
        if j.left == j.right:
            raise NgqlSemanticError("do not support self-join.")
        for var, key in ((j.left, j.left_key), (j.right, j.right_key)):
            if key.var != var:
                raise NgqlSemanticError(f"`{var}' should be consistent with join condition variable `{key.text()}'.")
        sides = []
        for var in (j.left, j.right):
            ds = self.q.variables.get(var)
            if ds is None:
                raise NgqlSemanticError(f"variable: `{var}' not exist")
            sides.append(ds)
        left, right = sides
        for key, ds in ((j.left_key, left), (j.right_key, right)):
            if key.col not in ds.columns:
                raise NgqlSemanticError(f"`{key.text()}', not exist prop `{key.col}'")
        for lc in left.columns:
            if lc != j.left_key.col and lc != j.right_key.col and lc in right.columns:
                raise NgqlSemanticError(
                    f"column name `{lc}' of ${j.left} and column name `{lc}' of ${j.right} "
                    "are the same, please rename it to a non-duplicate column name."
                )
        for c in st.columns:
            for x in c.expr.walk():
                if isinstance(x, A.InputProp) and x.var is None:
                    raise NgqlSemanticError("Not support both input and variable.")
                if isinstance(x, A.VarRef):
                    raise NgqlSyntaxError(f"Direct output of variable is prohibited near `{c.expr.text()}'")
        ri = right.columns.index(j.right_key.col)
        table: dict[Any, list[list]] = {}
        for r in right.rows:
            table.setdefault(hashable(r[ri]), []).append(r)
        li = left.columns.index(j.left_key.col)
        space = self.q.catalog.spaces.get(self.q.session.space) if self.q.session.space else None
        envs = self._joined(j, left, right, li, table)
        ds = project(st.columns, envs, self.scope("yield", None, space=space), self.q)
        if st.distinct:
            ds.rows = iter_dedup(ds.stream())
        return ds

    def _joined(self, j: A.JoinClause, left: DataSet, right: DataSet, li: int, table: dict) -> Iterator[dict]:
        for lrow in left.rows:
            self.q.tick()
            for rrow in table.get(hashable(lrow[li]), ()):
                self.q.charge(2)
                yield {"$" + j.left: dict(zip(left.columns, lrow)), "$" + j.right: dict(zip(right.columns, rrow))}

    def x_UnwindStmt(self, st: A.UnwindStmt, inp):
        """nGQL's UNWIND sentence: one row per element of the list the expression gives
        for each input row (a non-list value is one element, NULL and EMPTY none); the
        output has the alias as its only column (NebulaGraph's UnwindValidator)."""
        for x in st.expr.walk():
            if (
                isinstance(x, (A.SrcDstProp, A.SrcDstVertex))
                or (isinstance(x, A.InputProp) and x.var is not None)
                or (isinstance(x, A.FuncCall) and x.is_aggregate)
            ):
                raise NgqlSemanticError(f"Not support `{st.expr.text()}' in UNWIND sentence.")
            if isinstance(x, A.InputProp) and (inp is None or x.col not in inp.columns):
                raise NgqlSemanticError(f"`{x.text()}', not exist prop `{x.col}'")
        space = self.q.catalog.spaces.get(self.q.session.space) if self.q.session.space else None
        fn = compile_expr(st.expr, self.scope("yield", inp, space=space))
        envs = ({"$-": r} for r in inp.stream_dicts()) if inp is not None and inp.columns else iter([{}])
        return DataSet([st.alias], self._unwound(fn, envs))

    def _unwound(self, fn, envs: Iterator[dict]) -> Iterator[list]:
        q = self.q
        for env in envs:
            q.tick()
            v = fn(env)
            if isinstance(v, list):
                for x in v:
                    q.charge(1)
                    yield [x]
            elif not (is_null(v) or is_empty(v)):
                yield [v]

    def x_OrderByStmt(self, st: A.OrderByStmt, inp):
        if inp is None:
            raise NgqlSemanticError("ORDER BY needs an input")
        idx = []
        for e, desc in st.items:
            if not isinstance(e, A.InputProp) or e.var is not None:
                raise NgqlSemanticError("Only column name can be used as sort item")
            if e.col not in inp.columns:
                raise NgqlSemanticError(f"`{e.text()}', not exist prop `{e.col}'")
            idx.append((inp.columns.index(e.col), desc))
        rows = sort_rows(inp.rows, idx)
        return DataSet(inp.columns, rows)

    def x_LimitStmt(self, st: A.LimitStmt, inp):
        if inp is None:
            return DataSet([])
        if st.count < 0 or st.offset < 0:
            raise NgqlSemanticError("LIMIT/OFFSET must be non-negative")
        return DataSet(inp.columns, islice(inp.stream(), st.offset, st.offset + st.count))

    def x_GroupByStmt(self, st: A.GroupByStmt, inp):
        space = self.q.catalog.spaces.get(self.q.session.space) if self.q.session.space else None
        sc = self.scope("yield", inp, space=space)
        key_texts = {k.text() for k in st.keys}
        for k in st.keys:
            if has_aggregate(k) or isinstance(k, A.Label):
                raise NgqlSemanticError(f"Group `{k.text()}' invalid")

        for c in st.yields:
            for x in c.expr.walk():
                if isinstance(x, A.Label):
                    raise NgqlSemanticError(f"Not supported expression `{x.text()}' for props deduction.")

        def grouped(e: A.Expr) -> bool:
            if e.text() in key_texts or (isinstance(e, A.FuncCall) and e.is_aggregate):
                return True
            if isinstance(e, (A.InputProp, A.Label)):
                return False
            return all(grouped(c) for c in e.children() if c is not None)

        for c in st.yields:
            if not grouped(c.expr):
                raise NgqlSemanticError(
                    f"Yield non-agg expression `{c.expr.text()}' must be functionally "
                    f"dependent on items in GROUP BY clause"
                )
        var_refs = {
            x.var
            for e in list(st.keys) + [c.expr for c in st.yields]
            for x in e.walk()
            if isinstance(x, A.InputProp) and x.var
        }
        uses_input = any(
            isinstance(x, A.InputProp) and x.var is None
            for e in list(st.keys) + [c.expr for c in st.yields]
            for x in e.walk()
        )
        if len(var_refs) > 1:
            raise NgqlSemanticError("Only one variable allowed to use.")
        if var_refs and uses_input:
            raise NgqlSemanticError("Not support both input and variable in GroupBy sentence.")
        for e in list(st.keys) + [c.expr for c in st.yields]:
            for x in e.walk():
                if isinstance(x, (A.SrcDstProp, A.SrcDstVertex, A.Attribute)) and not isinstance(x, A.InputProp):
                    if isinstance(x, A.Attribute) and not isinstance(x.base, A.Label):
                        continue
                    raise NgqlSemanticError("Only support input and variable in GroupBy sentence.")
        if var_refs:
            var = next(iter(var_refs))
            if var not in self.q.variables:
                raise NgqlSemanticError(f"`${var}', not exist variable `{var}'")
            envs: Iterator[dict] = ({"$" + var: r} for r in self.q.variables[var].dicts())
        else:
            envs = ({"$-": r} for r in inp.stream_dicts()) if inp is not None else iter([])
        keys = [compile_expr(k, sc) for k in st.keys]
        return project(st.yields, envs, sc, self.q, group_keys=keys)

    # ------------------------------------------------------------ MATCH / paths
    def x_MatchStmt(self, st, inp):
        return run_match(self, st, inp)

    def x_FindPathStmt(self, st, inp):
        return find_path(self, st, inp)

    def x_SubgraphStmt(self, st, inp):
        return subgraph(self, st, inp)


def _equality_term(where: A.Expr, schema: str):
    """``(prop, value)`` when WHERE is (or is ANDed with) ``schema.prop == constant``."""
    terms = [where]
    while terms:
        e = terms.pop()
        if isinstance(e, A.Binary) and e.op == "AND":
            terms += [e.left, e.right]
            continue
        if isinstance(e, A.Binary) and e.op == "==":
            for a, b in ((e.left, e.right), (e.right, e.left)):
                if (
                    isinstance(a, A.Attribute)
                    and isinstance(a.base, A.Label)
                    and a.base.name == schema
                    and isinstance(b, A.Const)
                    and isinstance(b.value, (int, str))
                    and not isinstance(b.value, bool)
                ):
                    return a.name, b.value
    return None


_FULLTEXT_OPS = ("=~", "CONTAINS", "NOT CONTAINS", "ENDS WITH", "NOT ENDS WITH", "NOT STARTS WITH")


def _check_lookup_where(e: A.Expr, schema_name: str, space: Space) -> None:
    """LOOKUP filters must be answerable from an index: ``prop OP constant`` terms
    joined by AND/OR, as NebulaGraph's validator requires."""
    if isinstance(e, A.Binary) and e.op in ("AND", "OR"):
        _check_lookup_where(e.left, schema_name, space)
        _check_lookup_where(e.right, schema_name, space)
        return
    if isinstance(e, A.Unary) and e.op in ("NOT", "!"):
        raise NgqlSemanticError(f"Expression {e.text()} not supported yet")
    for x in e.walk():
        if isinstance(x, A.VarRef):
            raise NgqlSemanticError(f"Expression {e.text()} not supported yet")
        if isinstance(x, (A.SrcDstProp, A.SrcDstVertex)):
            raise NgqlSemanticError(f"Expression {x.text()} not supported yet")
    if not isinstance(e, A.Binary):
        if isinstance(e, A.IsCheck):
            return
        raise NgqlSemanticError(f"Expression {e.text()} not supported yet")
    if e.op in _FULLTEXT_OPS:
        raise NgqlSemanticError(
            f"Expression {e.text()} is not supported, please use full-text index as an optimal solution"
        )

    def is_prop(x):
        return isinstance(x, A.Attribute) and isinstance(x.base, A.Label)

    left, right = e.left, e.right
    if not is_prop(left) and is_prop(right):
        left, right = right, left
    if not is_prop(left):
        if isinstance(left, A.Label):
            raise NgqlSemanticError(f"'{left.text()}' is not an evaluable expression")
        raise NgqlSemanticError(f"Expression {e.text()} not supported yet")
    if left.base.name != schema_name:
        raise NgqlSemanticError(f"Schema name error: {left.base.name}")
    if isinstance(right, A.Label) or any(isinstance(x, A.InputProp) for x in right.walk()) or not is_constant(right):
        if is_prop(right):
            raise NgqlSemanticError(f"Expression {e.text()} not supported yet")
        raise NgqlSemanticError(f"'{right.text()}' is not an evaluable expression")
    if e.op == "STARTS WITH":
        v = compile_expr(right, Scope("yield"))({})
        sch = space.tags.get(schema_name) or space.edges.get(schema_name)
        ps = sch.prop(left.name) if sch is not None else None
        if ps is not None and ps.type in ("STRING", "FIXED_STRING") and not isinstance(v, str):
            raise NgqlSemanticError(f"Column type error : {left.name}")
