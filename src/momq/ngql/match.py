"""MATCH in NebulaGraph's openCypher flavour.

Rows flow through the clauses as dicts (variable -> value). A MATCH clause expands each
row with every way its patterns can be matched: the walk of each path pattern starts at
a node that is already bound, or whose id is fixed by ``id(v) == ...``/``id(v) IN [...]``
in WHERE, or that has a label (fewest vertices first), and then walks edges outwards in
both directions. Edges are not repeated within one path. WITH/RETURN project (with
implicit grouping around aggregates), then DISTINCT, ORDER BY, SKIP and LIMIT.
"""

from __future__ import annotations

import re
from itertools import islice
from typing import Any, Iterable, Iterator

from momq.ngql import ast as A
from momq.ngql.dataset import DataSet, check_dup_columns, iter_dedup, project
from momq.ngql.errors import NgqlExecutionError, NgqlSemanticError, NgqlSyntaxError
from momq.ngql.expr import Scope, compile_expr, has_aggregate, is_constant
from momq.ngql.paths import shortest_cycles
from momq.ngql.values import NULL, Edge, Path, Vertex, hashable, is_empty, is_null, sort_key, to_text, type_name


class MatchContext:
    def __init__(self, ex, space):
        self.ex = ex
        self.q = ex.q
        self.space = space
        self.vcache: dict[Any, Vertex] = {}
        self.input_cols: list[str] | None = None  # columns of ``$-`` when MATCH follows a pipe

    def vertex(self, vid) -> Vertex | None:
        v = self.vcache.get(vid)
        if v is None:
            tags = self.space.vertices.get(vid)
            if tags is None:
                return None
            v = self.vcache[vid] = Vertex(vid, {t: dict(p) for t, p in tags.items()})
        return v

    def endpoint(self, vid) -> Vertex:
        """The vertex at the far end of an edge: an edge may point at an id that was
        never inserted, and NebulaGraph still returns the row, the vertex with no tags
        (its properties read as NULL)."""
        return self.vertex(vid) or Vertex(vid, {})


def run_match(ex, st: A.MatchStmt, inp) -> DataSet:
    """Check each clause and chain it to the rows of the one before; the rows are
    produced as the RETURN's reader asks for them (ORDER BY, DISTINCT with ORDER BY and
    aggregates read all of theirs first)."""
    space = ex.q.space()
    mc = MatchContext(ex, space)
    rows: Iterable[dict] = [{}]
    if inp is not None and inp.columns:
        # ``... | RETURN $-.col``: each input row is a starting row, read through ``$-``
        mc.input_cols = list(inp.columns)
        rows = ({"$-": d} for d in inp.stream_dicts())
    names: dict[str, str] = {}  # var -> kind
    order: list[str] = []  # user-visible variables in order of appearance
    clauses = st.clauses
    for _ci, clause in enumerate(clauses):
        ex.q.check_time()
        if isinstance(clause, A.MatchClause):
            rows = match_clause(mc, clause, rows, names, order)
        elif isinstance(clause, A.UnwindClause):
            if clause.alias in names:
                raise NgqlSemanticError(f"Variable `{clause.alias}` already declared")
            if has_aggregate(clause.expr):
                raise NgqlSemanticError(f"Can't use aggregating expressions in unwind clause, `{clause.expr.text()}'")
            sc = _scope(mc, names)
            fn = compile_expr(clause.expr, sc)
            rows = _unwound(mc, fn, clause.alias, rows)
            if clause.alias not in names:
                order.append(clause.alias)
            names[clause.alias] = "value"
        elif isinstance(clause, A.WithClause):
            ds, kinds = project_body(mc, clause.body, rows, names, order, is_return=False)
            rows = ds.stream_dicts()
            names = kinds
            order = list(ds.columns)
            if clause.where is not None:
                if has_aggregate(clause.where):
                    raise NgqlSyntaxError(
                        f"Invalid use of aggregating function in where clause. near `{clause.where.source()}'"
                    )
                wf = compile_expr(A.mark_bool_patterns(clause.where), _scope(mc, names))
                rows = _filtered(wf, rows)
        elif isinstance(clause, A.ReturnClause):
            ds, _ = project_body(mc, clause.body, rows, names, order, is_return=True)
            return ds
    raise NgqlSemanticError("MATCH must end with RETURN")


def _unwound(mc: MatchContext, fn, alias: str, rows: Iterable[dict]) -> Iterator[dict]:
    """UNWIND: each row once per element of its list (a non-list value is one element,
    NULL none)."""
    q = mc.q
    for r in rows:
        q.tick()
        v = fn(r)
        if is_null(v):
            continue
        if isinstance(v, (list, frozenset)):
            for x in v:
                q.charge(len(r) + 1)
                r2 = dict(r)
                r2[alias] = x
                yield r2
        else:
            r2 = dict(r)
            r2[alias] = v
            yield r2


def _filtered(wf, rows: Iterable[dict]) -> Iterator[dict]:
    for r in rows:
        if _holds(wf(r)):
            yield r


def _holds(cond: Any) -> bool:
    """A filter's verdict: true, or a non-empty list (``Value::implicitBool``)."""
    return cond is True or (cond.__class__ is list and bool(cond))


def _scope(mc: MatchContext, names: dict[str, str]) -> Scope:
    sc = Scope("match", mc.space, mc.input_cols, mc.q.var_columns(), names=dict(names), qctx=mc.q)
    sc.pattern_fn = lambda e, s: _pattern_expr(mc, e, s)
    return sc


def _pattern_expr(mc: MatchContext, e: A.PatternExpr, sc: Scope):
    p = e.path
    # a pattern may use the variables in scope, those of an enclosing list
    # comprehension or predicate (``[t IN list WHERE (v)-->(t)]``) included
    known = dict.fromkeys(sc.local, "value") | dict(sc.names)
    for n in p.nodes:
        if n.var is not None and n.var not in known:
            raise NgqlSemanticError(f"PatternExpression are not allowed to introduce new variables: `{n.var}'.")
    for ed in p.edges:
        if ed.var is not None and ed.var not in known:
            raise NgqlSemanticError(f"PatternExpression are not allowed to introduce new variables: `{ed.var}'.")
    _validate_pattern(mc, p, known)
    for ed in p.edges:
        # a pattern expression joins its rows on the variables it shares with the
        # query; an edge list cannot be such a key (MatchValidator::buildRollUpPathInfo)
        if ed.var is not None and ed.var_length:
            raise NgqlSemanticError(
                f"Unsupported type of variable '{ed.var}` used in multiple patterns: list of edges."
            )
    as_bool = getattr(e, "as_bool", False)
    matcher = PathMatcher(mc, p, sc)

    def fn(env):
        paths = [m["__path__"] for m in matcher.matches(env, want_path=True)]
        return bool(paths) if as_bool else paths

    return fn


# ------------------------------------------------------------------ validation


def _alias_type(ed: A.EdgePattern) -> str:
    """The type NebulaGraph's MatchValidator gives an edge alias it defines: a list of
    edges only when the range can hold more than one (``[e*2]``, ``[e*1..3]``, ``[e*]``),
    a single edge for ``[e]`` and ``[e*1]``."""
    if ed.var_length and (ed.max_hop is None or ed.max_hop > ed.min_hop or ed.min_hop > 1):
        return "edges"
    return "edge"


def _validate_pattern(mc: MatchContext, p: A.PathPattern, names: dict[str, str], clause: bool = False) -> None:
    """Check a pattern's labels, types and variables against those in scope: a MATCH
    clause (``clause``) may bind an earlier variable again only with the same type
    (MatchPlanner: "binding to different type"); a pattern expression may only
    reference them (MatchValidator::validateMatchPathExpr: "defined with type ...")."""
    space = mc.space
    for n in p.nodes:
        for label in n.labels:
            if label not in space.tags:
                raise NgqlSemanticError(f"`{label}': Unknown tag")
        if n.props is not None and not n.labels and n.props.items:
            k, v = n.props.items[0]
            raise NgqlSemanticError(f"`{k}:{v.text()}': No tag found for property.")
        if n.var is not None:
            kind = names.get(n.var)
            if kind is not None and kind not in ("node", "value"):
                if clause:
                    raise NgqlSemanticError(f"{n.var} binding to different type: Node vs {_kind_name(kind)}")
                raise NgqlSemanticError(
                    f"`{n.var}' is defined with type {_kind_name(kind)}, but referenced with type Node"
                )
    for ed in p.edges:
        for t in ed.types:
            if t not in space.edges:
                raise NgqlSemanticError(f"`{t}': Unknown edge type")
        if ed.var is not None:
            kind = names.get(ed.var)
            if clause:
                want = _alias_type(ed)
                if kind is not None and kind != want and kind != "value":
                    raise NgqlSemanticError(
                        f"{ed.var} binding to different type: {_kind_name(want)} vs {_kind_name(kind)}"
                    )
                continue
            want = "edges" if ed.var_length else "edge"
            if kind is not None and kind != want and kind != "value":
                raise NgqlSemanticError(
                    f"`{ed.var}' is defined with type {_kind_name(kind)}, but referenced with type {_kind_name(want)}"
                )
        if ed.var_length and ed.max_hop is not None and ed.min_hop > ed.max_hop:
            raise NgqlSemanticError(f"Max hop must be greater equal than min hop: {ed.max_hop} vs. {ed.min_hop}")


def _kind_name(kind: str) -> str:
    return {"node": "Node", "edge": "Edge", "edges": "EdgeList", "path": "Path", "value": "Value"}[kind]


def match_clause(
    mc: MatchContext, clause: A.MatchClause, rows: Iterable[dict], names: dict[str, str], order: list[str]
) -> Iterator[dict]:
    """Check the clause now (``names`` and ``order`` take its variables); its rows come
    lazily."""
    new_names = dict(names)
    declared_here: dict[str, str] = {}
    for p in clause.patterns:
        _validate_pattern(mc, p, names, clause=True)
        if p.var is not None:
            if p.var in new_names:
                raise NgqlSemanticError(f"Variable `{p.var}` already declared")
        elements = [p.nodes[0]]
        for ed, nd in zip(p.edges, p.nodes[1:]):
            elements += [ed, nd]
        for el in elements:
            if isinstance(el, A.EdgePattern) or el.var is None:
                continue
            if el.var not in new_names:
                pass
        for n in p.nodes:
            if n.var is not None:
                if declared_here.get(n.var) not in (None, "node"):
                    raise NgqlSemanticError(
                        f"`{n.var}' is defined with type {_kind_name(declared_here[n.var])}, "
                        f"but referenced with type Node"
                    )
                declared_here[n.var] = "node"
                if n.var not in new_names:
                    new_names[n.var] = "node"
        for ed in p.edges:
            if ed.var is not None:
                want = "edges" if ed.var_length else "edge"
                if ed.var in declared_here:
                    # an edge is bound once per MATCH clause (MatchValidator::validatePath)
                    raise NgqlSemanticError(f"`{ed.var}': Redefined alias")
                declared_here[ed.var] = want
                if ed.var not in new_names:
                    new_names[ed.var] = want
        if p.var is not None:
            new_names[p.var] = "path"
        # user-visible order: path variable, then nodes and edges as written
        for el in [x.var for x in elements] + ([p.var] if p.var else []):
            if el is not None and el not in order:
                order.append(el)
    sc = _scope(mc, new_names)
    where = None
    if clause.where is not None:
        if has_aggregate(clause.where):
            raise NgqlSyntaxError(
                f"Invalid use of aggregating function in where clause. near `{clause.where.source()}'"
            )
        for x in clause.where.walk():
            if isinstance(x, (A.SrcDstProp, A.SrcDstVertex)):
                raise NgqlSemanticError(f"Expression {x.text()} is not allowed to use in cypher")
        where = compile_expr(A.mark_bool_patterns(clause.where), sc)
    seeds = _id_seeds(clause.where, mc) if clause.where is not None else {}
    matchers = [PathMatcher(mc, p, sc, seeds) for p in clause.patterns]
    names.clear()
    names.update(new_names)
    return _matched(mc, clause, matchers, where, list(new_names), rows)


def _matched(mc: MatchContext, clause: A.MatchClause, matchers: list, where, variables: list[str], rows):
    for r in rows:
        produced = False
        for env in _pattern_product(mc, matchers, 0, r):
            if where is not None:
                ok = where(env)
                if ok.__class__ is list:
                    ok = _holds(ok)
                if ok is not True:
                    if ok is not False and ok is not NULL and not is_empty(ok):
                        raise _condition_error(clause)
                    continue
            produced = True
            yield env
        if not produced and clause.optional:
            env = dict(r)
            for v in variables:
                if v not in env:
                    env[v] = NULL
            yield env


def _pattern_product(mc: MatchContext, matchers: list, k: int, env: dict) -> Iterator[dict]:
    """Every way the patterns ``matchers[k:]`` extend ``env``, the first pattern's
    matches outermost (a MATCH of several patterns is their product)."""
    if k == len(matchers):
        yield env
        return
    m = matchers[k]
    last = k == len(matchers) - 1
    for res in m.matches(env, want_path=m.pattern.var is not None):
        res.pop("__path__", None)
        mc.q.charge(len(res))
        if last:
            yield res
        else:
            yield from _pattern_product(mc, matchers, k + 1, res)


def _condition_error(clause: A.MatchClause) -> NgqlExecutionError:
    """A WHERE that is neither true, false nor NULL. NebulaGraph names the condition as
    its filter saw it: after a traversal the pattern variables are input columns."""
    where = clause.where
    if sum(len(p.nodes) for p in clause.patterns) > 1:
        where = _as_input_columns(
            where,
            {n.var for p in clause.patterns for n in p.nodes if n.var}
            | {e.var for p in clause.patterns for e in p.edges if e.var}
            | {p.var for p in clause.patterns if p.var},
        )
    return NgqlExecutionError(
        f"Failed to evaluate condition: {where.text()}. For boolean conditions, please "
        f"write in their full forms like <condition> == <true/false> or <condition> "
        f"IS [NOT] NULL."
    )


def _as_input_columns(e: A.Expr, names: set[str]) -> A.Expr:
    """A copy of ``e`` where the labels in ``names`` read ``$-.name``."""
    import copy

    e = copy.deepcopy(e)

    def fix(x):
        for attr, child in list(vars(x).items()):
            if isinstance(child, A.Label) and child.name in names:
                setattr(x, attr, A.InputProp(None, child.name, child.pos))
            elif isinstance(child, A.Expr):
                fix(child)
            elif isinstance(child, list):
                for i, c in enumerate(child):
                    if isinstance(c, A.Label) and c.name in names:
                        child[i] = A.InputProp(None, c.name, c.pos)
                    elif isinstance(c, A.Expr):
                        fix(c)

    if isinstance(e, A.Label) and e.name in names:
        return A.InputProp(None, e.name, e.pos)
    fix(e)
    return e


def _id_seeds(where: A.Expr, mc: MatchContext) -> dict[str, list]:
    """VIDs fixed by ``id(v) == c`` / ``id(v) IN [...]`` conjuncts of WHERE."""
    seeds: dict[str, list] = {}

    def conj(e):
        if isinstance(e, A.Binary) and e.op == "AND":
            yield from conj(e.left)
            yield from conj(e.right)
        else:
            yield e

    def id_var(e):
        if isinstance(e, A.FuncCall) and e.lname == "id" and len(e.args) == 1 and isinstance(e.args[0], A.Label):
            return e.args[0].name
        return None

    for c in conj(where):
        if isinstance(c, A.Binary) and c.op in ("==", "IN"):
            var = id_var(c.left)
            other = c.right
            if var is None and c.op == "==":
                var = id_var(c.right)
                other = c.left
            if var is None or not is_constant(other):
                continue
            try:
                v = compile_expr(other, Scope("yield", mc.space, None, {}))({})
            except Exception:  # noqa: BLE001 - not a usable seed; the filter still applies
                continue
            vals = v if c.op == "IN" and isinstance(v, list) else ([v] if c.op == "==" else None)
            if vals is None:
                continue
            vals = [x for x in vals if not is_null(x)]
            if var in seeds:
                seeds[var] = [x for x in seeds[var] if x in vals]
            else:
                seeds[var] = list(dict.fromkeys(hashable(x) for x in vals))
    return seeds


# ------------------------------------------------------------------ path matching


class PathMatcher:
    def __init__(self, mc: MatchContext, pattern: A.PathPattern, sc: Scope, seeds: dict | None = None):
        self.mc = mc
        self.pattern = pattern
        self.seeds = seeds or {}
        self.sc = sc
        space = mc.space
        # node and edge filters (their values are only constant-folded, not type-deduced)
        sc.type_checks = False
        try:
            self.node_props = [
                [(k, compile_expr(v, sc)) for k, v in (n.props.items if n.props else [])] for n in pattern.nodes
            ]
            self.edge_props = [
                [(k, compile_expr(v, sc)) for k, v in (ed.props.items if ed.props else [])] for ed in pattern.edges
            ]
        finally:
            sc.type_checks = True
        self.edge_types = [ed.types or list(space.edges) for ed in pattern.edges]
        if pattern.shortest:
            self._check_shortest()

    def _check_shortest(self):
        p = self.pattern
        if len(p.edges) != 1 or not p.edges[0].var_length and False:
            raise NgqlSemanticError("`shortestPath(...)' only support pattern like (start)-[edge*..hop]-(end)")
        ed = p.edges[0]
        if p.nodes[0].var is not None and p.nodes[0].var == p.nodes[1].var:
            raise NgqlSemanticError(
                "The shortest path algorithm does not work when the start and end nodes are the same"
            )
        if ed.var_length and ed.min_hop not in (0, 1):
            raise NgqlSemanticError("The minimal number of steps for shortestPath() must be either 0 or 1.")

    def node_ok(self, i: int, v: Vertex, env: dict) -> bool:
        n = self.pattern.nodes[i]
        for label in n.labels:
            if label not in v.tags:
                return False
        props = self.node_props[i]
        if props:
            tag_props = v.tags[n.labels[0]] if n.labels else None
            for k, fn in props:
                want = fn(env)
                if tag_props is not None:
                    have = tag_props.get(k, NULL)
                else:
                    have = NULL
                    for tp in v.tags.values():
                        if k in tp:
                            have = tp[k]
                            break
                if not _eq(have, want):
                    return False
        return True

    def edge_ok(self, j: int, e: Edge, env: dict) -> bool:
        for k, fn in self.edge_props[j]:
            if not _eq(e.props.get(k, NULL), fn(env)):
                return False
        return True

    def start_candidates(self, env: dict) -> tuple[int, list]:
        p = self.pattern
        space = self.mc.space
        for i, n in enumerate(p.nodes):
            if n.var is not None and n.var in env:
                v = env[n.var]
                if isinstance(v, Vertex):
                    return i, [v.vid]
                if v is NULL:
                    return i, []
                raise NgqlExecutionError(
                    f"Argument only support vertex, but got {to_text(v)}, whose type is '{type_name(v).lower()}'"
                )
        for i, n in enumerate(p.nodes):
            if n.var is not None and n.var in self.seeds:
                return i, self.seeds[n.var]
        # edges bound already (a previous clause): start from their endpoints
        best = None
        for i, n in enumerate(p.nodes):
            if n.labels:
                members = space.tag_members.get(n.labels[0], {})
                if best is None or len(members) < best[1]:
                    best = (i, len(members), n.labels[0])
        if best is not None:
            i, _, label = best
            members = space.tag_members.get(label, {})
            return i, list(members)
        if any(ed.var is not None and ed.var in env for ed in p.edges):
            j = next(j for j, ed in enumerate(p.edges) if ed.var is not None and ed.var in env)
            e = env[p.edges[j].var]
            if isinstance(e, Edge):
                return j, list(dict.fromkeys([e.src, e.dst]))
            if isinstance(e, list) and e:
                return j, list(dict.fromkeys([e[0].src, e[0].dst]))
        return 0, list(space.vertices)

    def matches(self, env: dict, want_path: bool = False):
        """Yield extended envs (with ``__path__`` when asked) for each match of the pattern."""
        p = self.pattern
        if p.shortest:
            yield from self.shortest(env, want_path)
            return
        start, cands = self.start_candidates(env)
        n_nodes = len(p.nodes)
        mc = self.mc
        for vid in cands:
            v = mc.vertex(vid)
            if v is None or not self.node_ok(start, v, env):
                continue
            var = p.nodes[start].var
            if var is not None and var in env and env[var] != v:
                continue
            nodes: list = [None] * n_nodes
            nodes[start] = v
            steps: list = [None] * len(p.edges)  # per edge: list of (Edge, reversed)
            yield from self._extend(env, start, start, nodes, steps, set(), want_path)

    def _bind(self, env: dict, nodes, steps, want_path):
        p = self.pattern
        out = dict(env)
        for n, v in zip(p.nodes, nodes):
            if n.var is not None:
                if n.var in out and out[n.var] is not v and out[n.var] != v:
                    return None
                out[n.var] = v
        for ed, st in zip(p.edges, steps):
            if ed.var is not None:
                val = [e for e, _ in st] if ed.var_length else st[0][0]
                if ed.var in out:
                    cur = out[ed.var]
                    if cur != val:
                        return None
                out[ed.var] = val
        if p.var is not None or want_path:
            path = Path(nodes[0], [])
            k = 0
            for st in steps:
                for e, rev in st:
                    nxt = e.src if rev else e.dst
                    path.steps.append((e, rev, self.mc.vertex(nxt) or Vertex(nxt, {})))
                k += 1
            if p.var is not None:
                out[p.var] = path
            out["__path__"] = path
        return out

    def _extend(self, env, lo, hi, nodes, steps, used, want_path):
        """Grow the matched segment [lo, hi] of node positions to the right, then left."""
        p = self.pattern
        if hi < len(p.nodes) - 1:
            j = hi  # edge index between node hi and hi+1
            ed = p.edges[j]
            for chain, end in self._walk(nodes[hi], j, ed.direction, env, used):
                v = self.mc.endpoint(end)
                if not self.node_ok(hi + 1, v, env):
                    continue
                nv = p.nodes[hi + 1].var
                if nv is not None and nv in env and env[nv] != v:
                    continue
                nodes[hi + 1] = v
                steps[j] = chain
                keys = {e.key() for e, _ in chain}
                yield from self._extend(env, lo, hi + 1, nodes, steps, used | keys, want_path)
            nodes[hi + 1] = None
            return
        if lo > 0:
            j = lo - 1
            ed = p.edges[j]
            back = {"out": "in", "in": "out", "both": "both"}[ed.direction]
            for chain, end in self._walk(nodes[lo], j, back, env, used):
                v = self.mc.endpoint(end)
                if not self.node_ok(lo - 1, v, env):
                    continue
                nv = p.nodes[lo - 1].var
                if nv is not None and nv in env and env[nv] != v:
                    continue
                nodes[lo - 1] = v
                # chain was walked from the right; flip it to read left to right
                steps[j] = [(e, not rev) for e, rev in reversed(chain)]
                keys = {e.key() for e, _ in chain}
                yield from self._extend(env, lo - 1, hi, nodes, steps, used | keys, want_path)
            nodes[lo - 1] = None
            return
        out = self._bind(env, nodes, steps, want_path)
        if out is not None:
            yield out

    def _walk(self, start: Vertex, j: int, direction: str, env: dict, used: set):
        """Yield ``(chain, end_vid)``: chains of edges (Edge, reversed) from ``start``
        matching edge pattern ``j`` within its hop range, edges not repeated."""
        ed = self.pattern.edges[j]
        space = self.mc.space
        types = self.edge_types[j]
        lo = ed.min_hop if ed.var_length else 1
        hi = ed.max_hop if ed.var_length else 1
        if hi is None:
            hi = 1 << 30
        q = self.mc.q

        def neighbours(vid):
            return space.neighbours(vid, direction, types)

        if lo == 0:
            yield [], start.vid
        # depth-first walk
        stack = [(start.vid, [], set())]
        while stack:
            vid, chain, keys = stack.pop()
            depth = len(chain)
            if depth >= hi:
                continue
            q.tick()
            for e, rev, other in neighbours(vid):
                k = e.key()
                if k in keys or k in used:
                    continue
                if not self.edge_ok(j, e, env):
                    continue
                nchain = chain + [(e, rev)]
                if depth + 1 >= lo:
                    yield nchain, other
                if depth + 1 < hi:
                    stack.append((other, nchain, keys | {k}))

    # ---------------------------------------------------------- shortest paths
    def shortest(self, env: dict, want_path: bool):
        """shortestPath / allShortestPaths. Either end may be left open (fixed only by
        a later WHERE, or not at all): the search then runs from the bound end to every
        vertex it reaches. Both ends on the same vertex give the shortest cycles
        through it."""
        p = self.pattern
        ed = p.edges[0]
        a_cands = self._node_cands(0, env)
        b_cands = self._node_cands(1, env)
        if a_cands is None and b_cands is None:
            raise NgqlSemanticError("Shortest path requires both end nodes to be bound or fixed by id")
        hi = ed.max_hop if ed.var_length else 1
        if hi is None:
            hi = 1 << 30
        all_paths = p.shortest == "allShortestPaths"
        types = self.edge_types[0]
        space = self.mc.space
        # search from the bound end; from b the edges are walked backwards
        from_a = a_cands is not None
        here, there = (0, 1) if from_a else (1, 0)
        direction = ed.direction if from_a else {"out": "in", "in": "out"}.get(ed.direction, ed.direction)
        for s in a_cands if from_a else b_cands:
            vs = self.mc.vertex(s)
            if vs is None or not self.node_ok(here, vs, env):
                continue
            targets = b_cands if from_a else a_cands
            tree = _bfs_tree(
                space, s, direction, types, hi, self, env, self.mc.q, None if targets is None else set(targets)
            )
            for t in tree.reached() if targets is None else targets:
                vt = self.mc.vertex(t)
                if vt is None or not self.node_ok(there, vt, env):
                    continue
                if t == s:
                    chains = self._cycles(s, env, hi, all_paths)
                elif from_a:
                    chains = tree.chains(t, all_paths)
                else:
                    chains = ([(e, not rev) for e, rev in reversed(c)] for c in tree.chains(t, all_paths))
                for chain in chains:
                    nodes = [vs, vt] if from_a else [vt, vs]
                    out = self._bind(env, nodes, [chain], want_path)
                    if out is not None:
                        yield out

    def _cycles(self, vid: Any, env: dict, max_hops: int, all_paths: bool) -> list:
        """Shortest routes from a vertex back to itself (both ends of the pattern on the
        same vertex): at least one step and no edge twice; none when the pattern allows
        zero steps (ShortestPathExecutor drops such a pair: its path is empty)."""
        ed = self.pattern.edges[0]
        if ed.var_length and ed.min_hop == 0:
            return []
        chains = shortest_cycles(
            self.mc.q,
            self.mc.space,
            vid,
            ed.direction,
            self.edge_types[0],
            max_hops,
            lambda e, rev, here, there: self.edge_ok(0, e, env),
        )
        return chains if all_paths else chains[:1]

    def _node_cands(self, i: int, env: dict):
        n = self.pattern.nodes[i]
        if n.var is not None and n.var in env:
            v = env[n.var]
            return [v.vid] if isinstance(v, Vertex) else []
        if n.var is not None and n.var in self.seeds:
            return self.seeds[n.var]
        if n.labels:
            return list(self.mc.space.tag_members.get(n.labels[0], {}))
        return None


class _BfsTree:
    """Shortest-path parents from one start: ``parents[v]`` lists ``(prev, edge,
    reversed)`` at v's shortest depth."""

    def __init__(self, start: Any):
        self.start = start
        self.parents: dict[Any, list] = {start: []}
        self.order: list = []

    def reached(self) -> list:
        return self.order

    def chains(self, target: Any, all_paths: bool):
        """The shortest chains ``[(edge, reversed), ...]`` to ``target`` (one unless
        ``all_paths``); none to the start itself or to a vertex not reached."""
        if target == self.start or target not in self.parents:
            return
        yield from self._unwind(target, all_paths)

    def _unwind(self, v: Any, all_paths: bool):
        if v == self.start:
            yield []
            return
        for prev, e, rev in self.parents[v]:
            for chain in self._unwind(prev, all_paths):
                yield chain + [(e, rev)]
                if not all_paths:
                    return


def _bfs_tree(space, a, direction, types, max_hops, matcher, env, q, targets: set | None) -> _BfsTree:
    """Breadth-first search from ``a`` up to ``max_hops`` steps; stops after the depth
    at which every target (when given) has been reached."""
    tree = _BfsTree(a)
    parents = tree.parents
    pending = set(targets) if targets is not None else None
    frontier = [a]
    depth = 0
    while frontier and depth < max_hops and (pending is None or pending):
        depth += 1
        nxt: dict[Any, list] = {}
        for vid in frontier:
            q.tick()
            edges = []
            if direction in ("out", "both"):
                for etype, other, rank, props in space.out_edges(vid, types):
                    edges.append((Edge(vid, other, etype, rank, props), False, other))
            if direction in ("in", "both"):
                for etype, other, rank, props in space.in_edges(vid, types):
                    edges.append((Edge(other, vid, etype, rank, props), True, other))
            for e, rev, other in edges:
                if other in parents:
                    continue
                if not matcher.edge_ok(0, e, env):
                    continue
                nxt.setdefault(other, []).append((vid, e, rev))
        for other, lst in nxt.items():
            parents[other] = lst
            tree.order.append(other)
        if pending is not None:
            pending.difference_update(nxt)
            pending.discard(a)
        frontier = list(nxt)
    return tree


def _eq(a, b) -> bool:
    from momq.ngql.expr import equal

    return equal(a, b) is True


# ------------------------------------------------------------------ projection


def project_body(
    mc: MatchContext,
    body: A.ReturnBody,
    rows: Iterable[dict],
    names: dict[str, str],
    order: list[str],
    is_return: bool,
) -> tuple[DataSet, dict[str, str]]:
    """WITH / RETURN: the projection, then DISTINCT, ORDER BY, SKIP and LIMIT. The rows
    stay lazy unless ORDER BY sorts them or aggregates group them."""
    cols: list[A.YieldColumn] = []
    if body.star:
        visible = [n for n in order if not n.startswith("__")]
        if not visible and not body.columns:
            raise NgqlSemanticError("RETURN * is not allowed when there are no variables in scope")
        cols = [A.YieldColumn(A.Label(n)) for n in visible]
    cols += body.columns or []
    for c in cols:
        if c.alias is None and not isinstance(c.expr, (A.Label,)) and not is_return:
            raise NgqlSemanticError(f"Expression in WITH must be aliased (use AS): `{c.expr.text()}'")
    if not is_return:
        check_dup_columns(cols)  # WITH names the next part's variables; RETURN may repeat a name
    sc = _scope(mc, names)
    for c in cols:
        for x in c.expr.walk():
            if isinstance(x, A.SrcDstProp) and x.tag not in mc.space.tags:
                raise NgqlExecutionError(f"TagNotFound: TagName `{x.tag}`")
            if isinstance(x, (A.SrcDstProp, A.SrcDstVertex)):
                raise NgqlSemanticError(f"Expression {x.text()} is not allowed to use in cypher")
    if body.order:
        out_names = {c.name for c in cols}
        for e, _ in body.order:
            if not (isinstance(e, A.Label) and e.name in out_names) and e.text() not in out_names:
                raise NgqlSemanticError("Only column name can be used as sort item")
    aggregating = any(has_aggregate(c.expr) for c in cols)
    if body.order and not aggregating:
        rows = list(rows)  # sorting reads every row, and the rows it was projected from
    if not is_return:
        try:
            ds = project(cols, rows, sc, mc.q)
        except NgqlSemanticError as exc:
            m = re.match(r"Alias used but not defined: `(.*)'$", exc.message)
            if m is None:
                raise
            raise NgqlSemanticError(f"Alias `{m.group(1)}` not defined") from None
    else:
        ds = project(cols, rows, sc, mc.q)
    kinds = {}
    for c in cols:
        if isinstance(c.expr, A.Label) and c.expr.name in names:
            kinds[c.name] = names[c.expr.name]
        else:
            kinds[c.name] = "value"
    src_rows: list[dict] | None
    if body.distinct and not body.order:
        ds.rows = iter_dedup(ds.stream())
        src_rows = None
    elif body.distinct:
        keep = []
        seen = set()
        for i, r in enumerate(ds.rows):
            k = tuple(hashable(v) for v in r)
            if k not in seen:
                seen.add(k)
                keep.append(i)
        ds.rows = [ds.rows[i] for i in keep]
        src_rows = [rows[i] for i in keep] if not aggregating else None  # type: ignore[index]
    else:
        src_rows = rows if isinstance(rows, list) and not aggregating else None
    if body.order:
        osc = _scope(mc, {**(names if src_rows is not None and not body.distinct else {}), **kinds})
        if body.distinct or aggregating:
            osc.names = dict(kinds)
        fns = []
        for e, desc in body.order:
            fns.append((compile_expr(e, osc), desc))
        envs = []
        for i, r in enumerate(ds.rows):
            env = dict(src_rows[i]) if src_rows is not None and not body.distinct else {}
            env.update(zip(ds.columns, r))
            envs.append(env)
        idx = list(range(len(ds.rows)))
        for fn, desc in reversed(fns):
            keys = [sort_key(fn(envs[i])) for i in range(len(envs))]
            idx.sort(key=lambda i: keys[i], reverse=desc)
        ds.rows = [ds.rows[i] for i in idx]
    skip = _int_arg(body.skip, "SKIP")
    limit = _int_arg(body.limit, "LIMIT")
    if skip or limit is not None:
        start = skip or 0
        ds.rows = islice(ds.stream(), start, None if limit is None else start + limit)
    return ds, kinds


def _int_arg(e: A.Expr | None, what: str):
    if e is None:
        return None
    if not is_constant(e):
        raise NgqlSemanticError(f"{what} should be a constant integer")
    v = compile_expr(e, Scope("yield"))({})
    if not isinstance(v, int) or isinstance(v, bool):
        raise NgqlSemanticError(f"{what} should be an integer, but was {type_name(v)}")
    if v < 0:
        raise NgqlSemanticError(f"{what} should not be negative")
    return v
