"""Executes parsed nGQL statements against a :class:`~momq.ngql.storage.Catalog`.

Every statement maps an optional input :class:`DataSet` (the left side of a pipe,
``$-``) to an output DataSet. Sequences run statement by statement, ``$var = ...``
stores a result under a name for later ``$var.col`` references, and set operations
combine two results with the same columns. MATCH lives in ``match.py``, FIND PATH and
GET SUBGRAPH in ``paths.py``.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from typing import Any

from momq.ngql import ast as A
from momq.ngql.errors import (NgqlExecutionError, NgqlSemanticError, NgqlSyntaxError,
                              NgqlTimeout)
from momq.ngql.expr import Scope, aggregates_in, compile_expr, has_aggregate, is_constant
from momq.ngql.functions import _STAR, NON_DETERMINISTIC, Agg
from momq.ngql.storage import Catalog, Index, PropSchema, Schema, Space
from momq.ngql.values import EMPTY, Edge, Vertex, hashable, is_empty, is_null, sort_key, type_name


@dataclass
class DataSet:
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)

    def dicts(self) -> list[dict]:
        cols = self.columns
        return [dict(zip(cols, r)) for r in self.rows]


class QueryContext:
    """State of one ``execute`` call: the session, variables, the deadline."""

    def __init__(self, catalog: Catalog, session, deadline: float | None, read_only: bool):
        self.catalog = catalog
        self.session = session
        self.variables: dict[str, DataSet] = {}
        self.deadline = deadline
        self.read_only = read_only
        self._tick = 0

    def check_time(self) -> None:
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise NgqlTimeout("Execution timed out: the query ran past its time limit")

    def tick(self, n: int = 1) -> None:
        self._tick += n
        if self._tick >= 2000:
            self._tick = 0
            self.check_time()

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


def _value(e: A.Expr, sc: Scope) -> Any:
    """A constant's value (fast path for literals in bulk INSERTs)."""
    if e.__class__ is A.Const:
        return e.value
    return compile_expr(e, sc)({})


class Executor:
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
        for s in st.stmts:
            result = self.run(s, None)
        return result

    def x_AssignStmt(self, st: A.AssignStmt, inp):
        if st.var in self.q.variables:
            raise NgqlSemanticError(f"Variable `{st.var}' already exists")
        ds = self.run(st.stmt, inp)
        self.q.variables[st.var] = ds
        return ds

    def x_PipeStmt(self, st: A.PipeStmt, inp):
        if isinstance(st.right, A.LimitStmt) and isinstance(st.left, A.FindPathStmt) and (
                not st.left.kind.endswith("SHORTEST") or st.right.offset == 0):
            # LIMIT straight after FIND PATH keeps any N paths (the paths have no defined
            # order), so the search can stop once it has enough of them (NebulaGraph's
            # parser hands the limit of a SHORTEST PATH without offset to the search)
            from momq.ngql.paths import find_path
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
        left = self.run(st.left, inp)
        right = self.run(st.right, inp)
        if left.columns != right.columns:
            raise NgqlSemanticError("different column names to UNION/INTERSECT/MINUS are not supported")
        if st.op == "UNION ALL":
            return DataSet(left.columns, left.rows + right.rows)
        if st.op == "UNION":
            return DataSet(left.columns, dedup(left.rows + right.rows))
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

    def source_rows(self, src: A.VidSource, inp: DataSet | None, space: Space, sc: Scope) -> tuple[list, list | None, str | None]:
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
                    raise NgqlSemanticError(f"`{ref.text()}', the srcs should be type of {want}, but was`{type_name(v)}'")
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
        over = st.over or list(space.edges)
        for e in over:
            if e not in space.edges:
                raise NgqlSemanticError(f"{e} not found in space [{space.name}].")
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
            st.where is not None and any(isinstance(x, A.InputProp) for x in st.where.walk()))
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
        out_rows: list[list] = []
        directions = ("out", "in") if st.direction == "both" else (st.direction,)
        etypes = over
        for step in range(1, st.max_steps + 1):
            emit = step >= st.min_steps
            last = step == st.max_steps
            nxt: dict[Any, dict[int, None]] = {}
            budget = limits[step - 1] if limits is not None else None
            edges_this_step = []
            for vid, roots in frontier.items():
                q.tick()
                for d in directions:
                    if d == "out":
                        for etype, other, rank, props in space.out_edges(vid, etypes):
                            edges_this_step.append((vid, other, Edge(vid, other, etype, rank, props), roots, False))
                    else:
                        for etype, other, rank, props in space.in_edges(vid, etypes):
                            edges_this_step.append((vid, other, Edge(other, vid, etype, rank, props), roots, True))
            if samples is not None:
                n = samples[step - 1]
                if len(edges_this_step) > n:
                    edges_this_step = random.sample(edges_this_step, n)
            if budget is not None:
                edges_this_step = edges_this_step[:budget]
            q.tick(len(edges_this_step))
            for vid, other, edge, roots, rev in edges_this_step:
                if emit:
                    env = {"$^": vid, "$$": other, "@e": edge, "@rev": rev}
                    if join:
                        for ri in roots:
                            env[key] = in_rows[ri]
                            if where is not None and where(env) is not True:
                                continue
                            out_rows.append([f(env) for f in fns])
                    elif where is None or where(env) is True:
                        row = [f(env) for f in fns]
                        out_rows.append(row)
                        for _ in range(len(roots) - 1):
                            out_rows.append(list(row))
                        if len(out_rows) > 5_000_000:
                            raise NgqlExecutionError("GO produced more than 5,000,000 rows")
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
        cols = [c.name for c in yields]
        if st.distinct:
            out_rows = dedup(out_rows)
        return DataSet(cols, out_rows)

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
        # a repeated id is fetched (and returned) once per mention, as GetVertices
        # does; the vertex carries only the fetched tags
        rows = []
        for i, vid in enumerate(vids):
            vt = space.vertices.get(vid)
            if vt is None or not any(t in vt for t in tags):
                continue
            v = Vertex(vid, {t: dict(p) for t, p in vt.items() if t in tags})
            env = {"@v": v}
            if in_rows is not None and key:
                env[key] = in_rows[i]
            rows.append([f(env) for f in fns])
        cols = [c.name for c in yields]
        if st.distinct:
            rows = dedup(rows)
        return DataSet(cols, rows)

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
                for r in (ds.dicts() if ds is not None else []):
                    env = {envkey: r}
                    keys.append((src_f(env), dst_f(env), rank_f(env)))
            else:
                ysc = Scope("yield", space, None, {}, qctx=self.q)
                src = compile_expr(k.src, ysc)({})
                dst = compile_expr(k.dst, ysc)({})
                rank = compile_expr(k.rank, ysc)({}) if k.rank is not None else 0
                keys.append((src, dst, rank))
        rows = []
        seen = set()
        for src, dst, rank in keys:
            if (src, dst, rank) in seen:
                continue
            seen.add((src, dst, rank))
            props = space.edge_props(src, dst, st.edge, rank) if isinstance(rank, int) else None
            if props is None:
                continue
            env = {"@e": Edge(src, dst, st.edge, rank, props)}
            rows.append([f(env) for f in fns])
        if st.distinct:
            rows = dedup(rows)
        return DataSet([c.name for c in yields], rows)

    # ------------------------------------------------------------ LOOKUP
    def x_LookupStmt(self, st: A.LookupStmt, inp):
        space = self.q.space()
        is_tag = st.schema in space.tags
        if not is_tag and st.schema not in space.edges:
            # SchemaManager::getSchemaIDByName: a plain error, reported as an execution error
            raise NgqlExecutionError(f"Schema not exist: {st.schema}")
        for c in st.yields or []:
            # a column ``other.prop`` names another schema (LookupValidator::validateYieldColumn)
            if isinstance(c.expr, A.Attribute) and isinstance(c.expr.base, A.Label) \
                    and c.expr.base.name != st.schema:
                raise NgqlSemanticError(f"Schema name error: {c.expr.base.name}")
        kind = "TAG" if is_tag else "EDGE"
        if not space.has_index(kind, st.schema):
            raise NgqlSemanticError("There is no index to use at runtime")
        sc = self.scope("lookup_tag" if is_tag else "lookup_edge", inp, space=space)
        yields = st.yields
        if yields is None:
            yields = [A.YieldColumn(A.FuncCall("id", [A.Keyword("vertex", "vertex")]), "VertexID")] if is_tag else \
                [A.YieldColumn(A.FuncCall("src", [A.Keyword("edge", "edge")]), "SrcVID"),
                 A.YieldColumn(A.FuncCall("dst", [A.Keyword("edge", "edge")]), "DstVID"),
                 A.YieldColumn(A.FuncCall("rank", [A.Keyword("edge", "edge")]), "Ranking")]
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
        rows = []
        q = self.q
        if is_tag:
            tag = st.schema
            candidates = list(space.tag_members.get(tag, {}))
            eq = _equality_term(st.where, tag) if st.where is not None else None
            if eq is not None and any(i.kind == "TAG" and i.schema == tag and i.fields and i.fields[0] == eq[0]
                                      for i in space.indexes.values()):
                candidates = space.lookup_equal(tag, eq[0], eq[1])
            for vid in candidates:
                q.tick()
                vt = space.vertices.get(vid)
                if vt is None:
                    continue
                env = {"@v": Vertex(vid, vt)}
                if where is not None and where(env) is not True:
                    continue
                env["@v"] = Vertex(vid, {t: dict(p) for t, p in vt.items()})
                rows.append([f(env) for f in fns])
        else:
            et = st.schema
            for src, by_type in space.out.items():
                bucket = by_type.get(et)
                if not bucket:
                    continue
                for (dst, rank), props in bucket.items():
                    q.tick()
                    env = {"@e": Edge(src, dst, et, rank, props)}
                    if where is not None and where(env) is not True:
                        continue
                    rows.append([f(env) for f in fns])
        if st.distinct:
            rows = dedup(rows)
        return DataSet([c.name for c in yields], rows)

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
                raise NgqlSyntaxError(f"Invalid use of aggregating function in where clause. near `{st.where.source()}'")
        for c in st.columns:
            for x in c.expr.walk():
                if isinstance(x, A.VarRef):
                    raise NgqlSyntaxError(f"Direct output of variable is prohibited near `{c.expr.text()}'")
        uses_input = any(isinstance(x, A.InputProp) and x.var is None for c in st.columns for x in c.expr.walk()) or (
            st.where is not None and any(isinstance(x, A.InputProp) and x.var is None for x in st.where.walk()))
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
            envs = [{"$" + var: r} for r in self.q.variables[var].dicts()]
        elif inp is not None and uses_input:
            envs = [{"$-": r} for r in inp.dicts()]
        elif inp is not None and inp.columns:
            envs = [{"$-": r} for r in inp.dicts()]
        else:
            envs = [{}]
        if st.where is not None:
            wf = compile_expr(st.where, sc)
            envs = [e for e in envs if wf(e) is True]
        ds = project(st.columns, envs, sc, self.q)
        if st.distinct:
            ds.rows = dedup(ds.rows)
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
                raise NgqlSemanticError(f"column name `{lc}' of ${j.left} and column name `{lc}' of ${j.right} "
                                        "are the same, please rename it to a non-duplicate column name.")
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
        envs = []
        for lrow in left.rows:
            self.q.tick()
            for rrow in table.get(hashable(lrow[li]), ()):
                envs.append({"$" + j.left: dict(zip(left.columns, lrow)),
                             "$" + j.right: dict(zip(right.columns, rrow))})
        space = self.q.catalog.spaces.get(self.q.session.space) if self.q.session.space else None
        ds = project(st.columns, envs, self.scope("yield", None, space=space), self.q)
        if st.distinct:
            ds.rows = dedup(ds.rows)
        return ds

    def x_UnwindStmt(self, st: A.UnwindStmt, inp):
        """nGQL's UNWIND sentence: one row per element of the list the expression gives
        for each input row (a non-list value is one element, NULL and EMPTY none); the
        output has the alias as its only column (NebulaGraph's UnwindValidator)."""
        for x in st.expr.walk():
            if isinstance(x, (A.SrcDstProp, A.SrcDstVertex)) or (isinstance(x, A.InputProp) and x.var is not None) \
                    or (isinstance(x, A.FuncCall) and x.is_aggregate):
                raise NgqlSemanticError(f"Not support `{st.expr.text()}' in UNWIND sentence.")
            if isinstance(x, A.InputProp) and (inp is None or x.col not in inp.columns):
                raise NgqlSemanticError(f"`{x.text()}', not exist prop `{x.col}'")
        space = self.q.catalog.spaces.get(self.q.session.space) if self.q.session.space else None
        fn = compile_expr(st.expr, self.scope("yield", inp, space=space))
        envs = [{"$-": r} for r in inp.dicts()] if inp is not None and inp.columns else [{}]
        rows = []
        for env in envs:
            self.q.tick()
            v = fn(env)
            if isinstance(v, list):
                rows.extend([x] for x in v)
            elif not (is_null(v) or is_empty(v)):
                rows.append([v])
        return DataSet([st.alias], rows)

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
        return DataSet(inp.columns, inp.rows[st.offset:st.offset + st.count])

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
                raise NgqlSemanticError(f"Yield non-agg expression `{c.expr.text()}' must be functionally "
                                        f"dependent on items in GROUP BY clause")
        var_refs = {x.var for e in list(st.keys) + [c.expr for c in st.yields] for x in e.walk()
                     if isinstance(x, A.InputProp) and x.var}
        uses_input = any(isinstance(x, A.InputProp) and x.var is None
                         for e in list(st.keys) + [c.expr for c in st.yields] for x in e.walk())
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
            envs = [{"$" + var: r} for r in self.q.variables[var].dicts()]
        else:
            envs = [{"$-": r} for r in inp.dicts()] if inp is not None else []
        keys = [compile_expr(k, sc) for k in st.keys]
        return project(st.yields, envs, sc, self.q, group_keys=keys)

    # ------------------------------------------------------------ MATCH / paths
    def x_MatchStmt(self, st, inp):
        from momq.ngql.match import run_match
        return run_match(self, st, inp)

    def x_FindPathStmt(self, st, inp):
        from momq.ngql.paths import find_path
        return find_path(self, st, inp)

    def x_SubgraphStmt(self, st, inp):
        from momq.ngql.paths import subgraph
        return subgraph(self, st, inp)

    # ------------------------------------------------------------ admin & schema
    def x_UseStmt(self, st: A.UseStmt, inp):
        if st.space not in self.q.catalog.spaces:
            raise NgqlExecutionError(f"SpaceNotFound: SpaceName `{st.space}`")
        self.q.session.space = st.space
        return DataSet([])

    def x_ShowStmt(self, st: A.ShowStmt, inp):
        cat = self.q.catalog
        if st.what == "SPACES":
            return DataSet(["Name"], [[n] for n in sorted(cat.spaces)])
        space = self.q.space()
        if st.what == "TAGS":
            return DataSet(["Name"], [[n] for n in sorted(space.tags)])
        if st.what == "EDGES":
            return DataSet(["Name"], [[n] for n in sorted(space.edges)])
        if st.what in ("TAG INDEXES", "EDGE INDEXES"):
            kind = st.what.split()[0]
            rows = [[i.name, i.schema, list(i.fields)] for i in sorted(space.indexes.values(), key=lambda i: i.name)
                    if i.kind == kind]
            return DataSet(["Index Name", "By Tag" if kind == "TAG" else "By Edge", "Columns"], rows)
        if st.what == "INDEXES":
            rows = [[i.name, i.kind, i.schema, list(i.fields)] for i in space.indexes.values()]
            return DataSet(["Index Name", "Kind", "Schema", "Columns"], rows)
        raise NgqlSemanticError(f"SHOW {st.what} is not supported")

    def x_DescribeStmt(self, st: A.DescribeStmt, inp):
        if st.what == "SPACE":
            sp = self.q.catalog.space(st.name)
            return DataSet(["Name", "Vid Type"], [[sp.name, sp.vid_type_text()]])
        space = self.q.space()
        schema = (space.tags if st.what == "TAG" else space.edges).get(st.name)
        if schema is None:
            raise NgqlExecutionError(f"{'Tag' if st.what == 'TAG' else 'Edge'} not existed!")
        rows = [[p.name, p.type_text(), "YES" if p.nullable else "NO",
                 p.default if p.has_default else EMPTY, EMPTY] for p in schema.props]
        return DataSet(["Field", "Type", "Null", "Default", "Comment"], rows)

    def x_CreateSpaceStmt(self, st: A.CreateSpaceStmt, inp):
        cat = self.q.catalog
        if st.name in cat.spaces:
            if st.if_not_exists:
                return DataSet([])
            raise NgqlExecutionError("Existed!")
        cat.spaces[st.name] = Space(st.name, st.vid_type, st.vid_len, st.options)
        return DataSet([])

    def x_CreateSchemaStmt(self, st: A.CreateSchemaStmt, inp):
        space = self.q.space()
        target = space.tags if st.kind == "TAG" else space.edges
        other = space.edges if st.kind == "TAG" else space.tags
        if st.name in target or st.name in other:
            if st.if_not_exists:
                return DataSet([])
            raise NgqlExecutionError("Existed!")
        target[st.name] = Schema(st.kind, st.name, [self._prop_schema(p) for p in st.props])
        return DataSet([])

    def _prop_schema(self, p: A.PropDef) -> PropSchema:
        ps = PropSchema(p.name, p.type, p.nullable, None, False, p.fixed_len)
        if p.default is not None:
            ps.default = compile_expr(p.default, Scope("yield", None, None, {}, qctx=self.q))({})
            ps.has_default = True
        return ps

    def x_AlterSchemaStmt(self, st: A.AlterSchemaStmt, inp):
        space = self.q.space()
        schema = (space.tags if st.kind == "TAG" else space.edges).get(st.name)
        if schema is None:
            raise NgqlExecutionError(f"{st.kind.title()} not existed!")
        for p in st.adds:
            schema.props = [x for x in schema.props if x.name != p.name] + [self._prop_schema(p)]
        schema.props = [x for x in schema.props if x.name not in st.drops]
        return DataSet([])

    def x_CreateIndexStmt(self, st: A.CreateIndexStmt, inp):
        space = self.q.space()
        schemas = space.tags if st.kind == "TAG" else space.edges
        if st.schema not in schemas:
            raise NgqlExecutionError(f"{st.kind.title()}NotFound: {st.kind.title()}Name `{st.schema}`")
        for f in st.fields:
            if schemas[st.schema].prop(f) is None:
                raise NgqlExecutionError(f"Unknown column `{f}' in schema")
        if st.name in space.indexes:
            if st.if_not_exists:
                return DataSet([])
            raise NgqlExecutionError("Existed!")
        space.indexes[st.name] = Index(st.kind, st.name, st.schema, list(st.fields))
        return DataSet([])

    def x_DropStmt(self, st: A.DropStmt, inp):
        cat = self.q.catalog
        if st.kind == "SPACE":
            if st.name not in cat.spaces:
                if st.if_exists:
                    return DataSet([])
                raise NgqlExecutionError(f"SpaceNotFound: SpaceName `{st.name}`")
            del cat.spaces[st.name]
            if self.q.session.space == st.name:
                self.q.session.space = None
            return DataSet([])
        space = self.q.space()
        if st.kind.endswith("INDEX"):
            if space.indexes.pop(st.name, None) is None and not st.if_exists:
                raise NgqlExecutionError("Index not existed!")
            return DataSet([])
        target = space.tags if st.kind == "TAG" else space.edges
        if target.pop(st.name, None) is None:
            if not st.if_exists:
                raise NgqlExecutionError(f"{st.kind.title()} not existed!")
        elif st.kind == "TAG":
            space.drop_tag_data(st.name)
        return DataSet([])

    def x_InsertVertexStmt(self, st: A.InsertVertexStmt, inp):
        space = self.q.space()
        schemas = []
        for tname, props in st.tags:
            if tname not in space.tags:
                raise NgqlSemanticError(f"No schema found for `{tname}'")
            schema = space.tags[tname]
            schemas.append((schema, props if props is not None else schema.prop_names))
        if st.literal:  # the parser's fast path already holds plain values
            rows = st.rows
        else:
            ysc = Scope("yield", space, None, {}, qctx=self.q)
            rows = ((_value(vid_e, ysc), [_value(v, ysc) for v in val_es]) for vid_e, val_es in st.rows)
        space.insert_vertices(schemas, rows, st.if_not_exists)
        return DataSet([])

    def x_InsertEdgeStmt(self, st: A.InsertEdgeStmt, inp):
        space = self.q.space()
        if st.edge not in space.edges:
            raise NgqlSemanticError(f"No schema found for `{st.edge}'")
        schema = space.edges[st.edge]
        names = st.props if st.props is not None else schema.prop_names
        if st.literal:
            rows = st.rows
        else:
            ysc = Scope("yield", space, None, {}, qctx=self.q)
            rows = ((_value(s_e, ysc), _value(d_e, ysc), _value(r_e, ysc) if r_e is not None else 0,
                     [_value(v, ysc) for v in val_es]) for s_e, d_e, r_e, val_es in st.rows)
        space.insert_edges(schema, names, rows, st.if_not_exists)
        return DataSet([])

    def x_UpdateStmt(self, st: A.UpdateStmt, inp):
        space = self.q.space()
        ysc = Scope("yield", space, None, {}, qctx=self.q)
        if st.kind == "VERTEX":
            vid = compile_expr(st.vid, ysc)({})
            if st.schema not in space.tags:
                raise NgqlSemanticError(f"No schema found for `{st.schema}'")
            schema = space.tags[st.schema]
            tags = space.vertices.get(vid)
            props = tags.get(st.schema) if tags else None
            if props is None:
                if not st.upsert:
                    raise NgqlExecutionError("Storage Error: Vertex or edge not found.")
                props = space.build_props(schema, [], [])
                space.insert_vertex(vid, st.schema, props)
            env = {"@v": Vertex(vid, space.vertices[vid])}
            sc = Scope("fetch_tag", space, None, {}, qctx=self.q)
        else:
            k = st.edge_key
            src = compile_expr(k.src, ysc)({})
            dst = compile_expr(k.dst, ysc)({})
            rank = compile_expr(k.rank, ysc)({}) if k.rank is not None else 0
            if st.schema not in space.edges:
                raise NgqlSemanticError(f"No schema found for `{st.schema}'")
            schema = space.edges[st.schema]
            props = space.edge_props(src, dst, st.schema, rank)
            if props is None:
                if not st.upsert:
                    raise NgqlExecutionError("Storage Error: Vertex or edge not found.")
                props = space.build_props(schema, [], [])
                space.insert_edge(src, dst, st.schema, rank, props)
            env = {"@e": Edge(src, dst, st.schema, rank, props)}
            sc = Scope("fetch_edge", space, None, {}, qctx=self.q)
        # unqualified property names refer to the schema's properties
        if st.when is not None:
            if compile_expr(_qualify(st.when, st.schema, schema), sc)(env) is not True:
                return DataSet([])
        new = {}
        for name, e in st.sets:
            p = schema.prop(name)
            if p is None:
                raise NgqlSemanticError(f"`{name}' not found in {st.schema}")
            new[name] = space.coerce(p, compile_expr(_qualify(e, st.schema, schema), sc)(env))
        space._eq_index.clear()
        props.update(new)
        if st.yields:
            fns = [compile_expr(_qualify(c.expr, st.schema, schema), sc) for c in st.yields]
            return DataSet([c.name for c in st.yields], [[f(env) for f in fns]])
        return DataSet([])

    def x_DeleteVertexStmt(self, st: A.DeleteVertexStmt, inp):
        space = self.q.space()
        vids, _, _ = self.source_rows(st.vids, inp, space, None)
        for v in vids:
            space.delete_vertex(v, True)
        return DataSet([])

    def x_DeleteEdgeStmt(self, st: A.DeleteEdgeStmt, inp):
        space = self.q.space()
        if st.edge not in space.edges:
            raise NgqlSemanticError(f"No schema found for `{st.edge}'")
        ysc = Scope("yield", space, inp.columns if inp else None, self.q.var_columns(), qctx=self.q)
        envs = [{"$-": r} for r in inp.dicts()] if inp is not None else [{}]
        for k in st.keys:
            fs = [compile_expr(k.src, ysc), compile_expr(k.dst, ysc)]
            rf = compile_expr(k.rank, ysc) if k.rank is not None else (lambda env: 0)
            for env in envs:
                space.delete_edge(fs[0](env), fs[1](env), st.edge, rf(env))
        return DataSet([])

    def x_DeleteTagStmt(self, st: A.DeleteTagStmt, inp):
        space = self.q.space()
        vids, _, _ = self.source_rows(st.vids, inp, space, None)
        for v in vids:
            tags = list(space.vertices.get(v, {})) if st.tags == ["*"] else st.tags
            for t in tags:
                space.delete_tag(v, t)
        return DataSet([])


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
                if isinstance(a, A.Attribute) and isinstance(a.base, A.Label) and a.base.name == schema \
                        and isinstance(b, A.Const) and isinstance(b.value, (int, str)) and not isinstance(b.value, bool):
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
        raise NgqlSemanticError(f"Expression {e.text()} is not supported, please use full-text index as an "
                                f"optimal solution")

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
        sch = (space.tags.get(schema_name) or space.edges.get(schema_name))
        ps = sch.prop(left.name) if sch is not None else None
        if ps is not None and ps.type in ("STRING", "FIXED_STRING") and not isinstance(v, str):
            raise NgqlSemanticError(f"Column type error : {left.name}")


def _qualify(e: A.Expr, schema_name: str, schema: Schema) -> A.Expr:
    """UPDATE's ``SET age = age + 1``: bare property names mean ``schema.prop``."""
    import copy

    e = copy.deepcopy(e)

    def fix(x):
        for attr in ("left", "right", "operand", "base", "index"):
            child = getattr(x, attr, None)
            if isinstance(child, A.Label) and schema.prop(child.name) is not None:
                setattr(x, attr, A.Attribute(A.Label(schema_name), child.name))
            elif isinstance(child, A.Expr):
                fix(child)
        if isinstance(x, A.FuncCall):
            x.args = [A.Attribute(A.Label(schema_name), a.name) if isinstance(a, A.Label) and schema.prop(a.name)
                      else a for a in x.args]
            for a in x.args:
                fix(a)
        if isinstance(x, A.ListExpr):
            for a in x.items:
                fix(a)
    if isinstance(e, A.Label) and schema.prop(e.name) is not None:
        return A.Attribute(A.Label(schema_name), e.name)
    fix(e)
    return e


# ------------------------------------------------------------------ shared helpers

def dedup(rows: list[list]) -> list[list]:
    seen = set()
    out = []
    for r in rows:
        k = tuple(hashable(v) for v in r)
        if k in seen:
            continue
        seen.add(k)
        out.append(r)
    return out


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


def project(columns: list[A.YieldColumn], envs: list[dict], sc: Scope, q: QueryContext,
            group_keys: list | None = None, distinct: bool = False) -> DataSet:
    """Evaluate YIELD/RETURN columns over rows, grouping when aggregates appear (the
    non-aggregate columns, or ``group_keys`` for GROUP BY, are the grouping keys)."""
    names = [c.name for c in columns]
    aggs_per_col = [aggregates_in(c.expr) for c in columns]
    if not any(aggs_per_col) and group_keys is None:
        fns = [compile_expr(c.expr, sc) for c in columns]
        rows = []
        for env in envs:
            q.tick()
            rows.append([f(env) for f in fns])
        return DataSet(names, rows)
    all_aggs = [a for lst in aggs_per_col for a in lst]
    for a in all_aggs:
        for x in a.walk():
            if isinstance(x, A.FuncCall) and x is not a and x.is_aggregate:
                raise NgqlSemanticError(f"Aggregate function nesting is not allowed: `{a.text()}'")
            if isinstance(x, A.FuncCall) and x.lname in NON_DETERMINISTIC:
                raise NgqlSyntaxError(f"Can't use non-deterministic (random) functions inside of aggregate "
                                      f"functions near `{a.args[0].source() if a.args else x.text()}'")
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
        rows.append([f(e2) for f in col_fns])
    return DataSet(names, rows)
