"""FIND [SINGLE] SHORTEST|ALL|NOLOOP PATH and GET SUBGRAPH.

Path searches walk the adjacency maps breadth-first (shortest) or depth-first (all
paths, bounded by UPTO steps): ALL PATH never repeats an edge in a path, NOLOOP PATH
never repeats a vertex. Without ``WITH PROP`` vertices and edges carry no properties,
as in NebulaGraph.
"""

from __future__ import annotations

import itertools
from typing import Any

from momq.ngql import ast as A
from momq.ngql.dataset import DataSet, check_dup_columns
from momq.ngql.errors import NgqlExecutionError, NgqlSemanticError
from momq.ngql.expr import Scope, compile_expr
from momq.ngql.values import Edge, Path, Vertex, is_empty, is_null


def _vertex(space, vid, with_prop: bool, tag_names: bool = False) -> Vertex:
    """A path or subgraph vertex: with its properties (WITH PROP), else bare, or with its
    tags but no properties (``tag_names``: GET SUBGRAPH asks storage for every tag)."""
    tags = space.vertices.get(vid)
    if tags is None:
        return Vertex(vid, {})
    if with_prop:
        return Vertex(vid, {t: dict(p) for t, p in tags.items()})
    return Vertex(vid, {t: {} for t in tags} if tag_names else {})


def _edge(e: Edge, with_prop: bool) -> Edge:
    return e if with_prop else Edge(e.src, e.dst, e.type, e.rank, {})


def _vids(ex, src: A.VidSource, inp, space) -> list:
    sc = Scope("yield", space, inp.columns if inp else None, ex.q.var_columns(), qctx=ex.q)
    vids, _, _ = ex.source_rows(src, inp, space, sc)
    return list(dict.fromkeys(v for v in vids if not is_null(v) and not is_empty(v)))


def find_path(ex, st: A.FindPathStmt, inp, max_paths: int | None = None) -> DataSet:
    """Run FIND PATH; ``max_paths`` (from a LIMIT right after the statement) stops the
    search once that many paths are found."""
    q = ex.q
    space = q.space()
    types = space.edge_types(st.over)
    srcs = _vids(ex, st.from_, inp, space)
    dsts = _vids(ex, st.to, inp, space)
    cols = st.yields or [A.YieldColumn(A.Keyword("path", "path"))]
    check_dup_columns(cols)
    for c in cols:
        if not (isinstance(c.expr, A.Keyword) and c.expr.word == "path"):
            raise NgqlSemanticError("Only support yield path")
    where = None
    if st.where is not None:
        # the filter sees one edge at a time (FindPathValidator::validateWhere)
        if any(isinstance(x, (A.InputProp, A.SrcDstProp)) for x in st.where.walk()):
            raise NgqlSemanticError(f"Not support `{st.where.text()}' in where sentence.")
        sc = Scope("path", space, None, q.var_columns(), qctx=q)
        where = compile_expr(st.where, sc)

    def edge_ok(e: Edge, rev: bool, here, other) -> bool:
        if where is None:
            return True
        env = {"@e": e, "$^": here, "$$": other}
        return where(env) is True

    direction = st.direction
    upto = st.upto
    paths: list[Path] = []
    dst_set = set(dsts)
    wp = st.with_prop
    if st.kind in ("SHORTEST", "SINGLE SHORTEST"):
        # SINGLE SHORTEST keeps one of the shortest paths of each (source, target) pair
        per_pair = 1 if st.kind == "SINGLE SHORTEST" else None
        for s, d in itertools.product(srcs, dsts):
            if max_paths is not None and len(paths) >= max_paths:
                break
            if d == s:
                chains = shortest_cycles(q, space, s, direction, types, upto, edge_ok)
            else:
                chains = _shortest_chains(q, space, s, d, direction, types, upto, edge_ok)
            for chain in itertools.islice(chains, per_pair):
                q.charge(len(chain) + 1)
                paths.append(_make_path(space, s, chain, wp))
        if max_paths is not None:
            del paths[max_paths:]
    else:
        noloop = st.kind == "NOLOOP"
        for s in srcs:
            if max_paths is not None and len(paths) >= max_paths:
                break
            stack = [(s, [], {s}, set())]
            while stack:
                if max_paths is not None and len(paths) >= max_paths:
                    break
                vid, chain, seen_v, seen_e = stack.pop()
                if len(chain) >= upto:
                    continue
                q.tick()
                for e, rev, other in space.neighbours(vid, direction, types):
                    k = e.key()
                    if k in seen_e:
                        continue
                    if noloop and other in seen_v:
                        continue
                    if not edge_ok(e, rev, vid, other):
                        continue
                    nchain = chain + [(e, rev, other)]
                    if other in dst_set:
                        q.charge(len(nchain) + 1)
                        paths.append(_make_path(space, s, [(x, r) for x, r, _ in nchain], wp))
                    stack.append((other, nchain, seen_v | {other}, seen_e | {k}))
    return DataSet([c.name for c in cols], [[p] for p in paths])


_REVERSE = {"out": "in", "in": "out", "both": "both"}


def _shortest_chains(q, space, s, d, direction, types, upto, edge_ok):
    """Every shortest route from ``s`` to ``d`` (at most ``upto`` edges) as lists of
    ``(edge, reversed)``, found by a bidirectional breadth-first search: each round
    expands the smaller frontier by one level, and the search stops at the first level
    where the two sides meet, so a long path costs two half-depth searches."""
    fwd: dict[Any, list] = {s: []}  # vertex -> [(previous vertex, edge, reversed)]
    bwd: dict[Any, list] = {d: []}  # vertex -> [(next vertex, edge, reversed)]
    fdepth: dict[Any, int] = {s: 0}
    bdepth: dict[Any, int] = {d: 0}
    ffront, bfront = [s], [d]
    fd = bd = 0
    back_dir = _REVERSE[direction]
    meet: list = []
    while ffront and bfront and fd + bd < upto:
        if len(ffront) <= len(bfront):
            fd += 1
            nxt: dict[Any, list] = {}
            for vid in ffront:
                q.tick()
                for e, rev, other in space.neighbours(vid, direction, types):
                    if other in fwd or not edge_ok(e, rev, vid, other):
                        continue
                    nxt.setdefault(other, []).append((vid, e, rev))
            for v, lst in nxt.items():
                fwd[v] = lst
                fdepth[v] = fd
            ffront = list(nxt)
            found = [v for v in ffront if v in bdepth]
        else:
            bd += 1
            nxt = {}
            for vid in bfront:
                q.tick()
                for e, rev, other in space.neighbours(vid, back_dir, types):
                    # seen from the forward side this is the step other -> vid
                    if other in bwd or not edge_ok(e, not rev, other, vid):
                        continue
                    nxt.setdefault(other, []).append((vid, e, not rev))
            for v, lst in nxt.items():
                bwd[v] = lst
                bdepth[v] = bd
            bfront = list(nxt)
            found = [v for v in bfront if v in fdepth]
        if found:
            best = min(fdepth[v] + bdepth[v] for v in found)
            meet = [v for v in found if fdepth[v] + bdepth[v] == best]
            break
    for m in meet:
        for head in _unwind(fwd, s, m):
            for tail in _unwind_forward(bwd, m, d):
                yield head + tail


def shortest_cycles(q, space, s, direction, types, upto, edge_ok):
    """FIND SHORTEST PATH from a vertex to itself: the shortest non-empty routes back to
    ``s``, an edge used at most once per route. Each route starts with some edge
    ``s -> v``; the rest is a shortest route ``v -> s`` that does not use that edge."""
    best: list = []
    best_len = upto + 1
    for e, rev, other in list(space.neighbours(s, direction, types)):
        if not edge_ok(e, rev, s, other):
            continue
        if other == s:  # a self-loop is a cycle of one edge
            found = [[]]
        else:
            key = e.key()

            def ok(e2, rev2, here, there, key=key):
                return e2.key() != key and edge_ok(e2, rev2, here, there)

            found = list(_shortest_chains(q, space, other, s, direction, types, min(upto, best_len) - 1, ok))
        if not found:
            continue
        length = 1 + len(found[0])
        if length < best_len:
            best, best_len = [], length
        if length == best_len:
            best += [[(e, rev)] + chain for chain in found]
    return best


def _unwind_forward(children, m, d):
    if m == d:
        yield []
        return
    for nxt, e, rev in children[m]:
        for chain in _unwind_forward(children, nxt, d):
            yield [(e, rev)] + chain


def _unwind(parents, s, d):
    if d == s:
        yield []
        return
    for prev, e, rev in parents[d]:
        for chain in _unwind(parents, s, prev):
            yield chain + [(e, rev)]


def _make_path(space, s, chain, with_prop: bool) -> Path:
    p = Path(_vertex(space, s, with_prop), [])
    for e, rev in chain:
        nxt = e.src if rev else e.dst
        p.steps.append((_edge(e, with_prop), rev, _vertex(space, nxt, with_prop)))
    return p


def subgraph(ex, st: A.SubgraphStmt, inp) -> DataSet:
    q = ex.q
    space = q.space()
    cols = st.yields
    if not cols:
        raise NgqlSemanticError("Get Subgraph only support YIELD vertices OR edges")
    for c in cols:
        if not (isinstance(c.expr, A.Keyword) and c.expr.word in ("vertices", "edges")):
            raise NgqlSemanticError("Get Subgraph only support YIELD vertices OR edges")
    check_dup_columns(cols)
    # (types, direction) groups
    groups: list[tuple[list[str], str]] = []
    for names, d in ((st.in_edges, "in"), (st.out_edges, "out"), (st.both_edges, "both")):
        if names:
            for n in names:
                if n not in space.edges:
                    raise NgqlExecutionError(f"EdgeNotFound: EdgeName `{n}`")
            groups.append((names, d))
    if not groups:
        groups = [(list(space.edges), "both")]
    starts = _vids(ex, st.from_, inp, space)
    where = None
    if st.where is not None:
        allowed = [n for names, _ in groups for n in names]
        for x in st.where.walk():
            if (
                isinstance(x, A.Attribute)
                and isinstance(x.base, A.Label)
                and x.base.name in space.edges
                and x.base.name not in allowed
            ):
                raise NgqlSemanticError(
                    f'Edge type "{x.base.name}" in filter "{st.where.text()}" is not in the '
                    f"edge types [{','.join(reversed(allowed))}]"
                )
        sc = Scope("path", space, None, q.var_columns(), qctx=q)
        where = compile_expr(st.where, sc)
    wp = st.with_prop
    # without WITH PROP an edge still carries the properties its filter read
    # (SubgraphPlanner::buildEdgeProps fetches them and they stay in the result)
    filter_props: dict[str, set] = {}
    if st.where is not None and not wp:
        for x in st.where.walk():
            if isinstance(x, A.Attribute) and isinstance(x.base, A.Label) and x.base.name in space.edges:
                filter_props.setdefault(x.base.name, set()).add(x.name)

    def result_edge(e: Edge) -> Edge:
        if wp or e.type not in filter_props:
            return _edge(e, wp)
        keep = filter_props[e.type]
        return Edge(e.src, e.dst, e.type, e.rank, {k: v for k, v in e.props.items() if k in keep})

    def edges_of(vid):
        for types, d in groups:
            for e, _rev, other in space.neighbours(vid, d, types):
                if where is not None and where({"@e": e, "$^": vid, "$$": other}) is not True:
                    continue
                yield e, other

    visited = dict.fromkeys(starts)
    layer = [v for v in starts if v in space.vertices or True]
    seen_edges: set = set()
    rows = []
    for k in range(st.steps + 1):
        if not layer:
            break
        q.check_time()
        vertices = [_vertex(space, v, wp, tag_names=True) for v in layer]
        edges = []
        nxt: dict = {}
        for vid in layer:
            q.tick()
            for e, other in edges_of(vid):
                key = e.key()
                if key in seen_edges:
                    continue
                if k == st.steps:
                    if other not in visited:
                        continue
                seen_edges.add(key)
                edges.append(result_edge(e))
                if k < st.steps and other not in visited and other not in nxt:
                    nxt[other] = None
        for v in nxt:
            visited[v] = None
        row = []
        for c in cols:
            row.append(vertices if c.expr.word == "vertices" else edges)
        rows.append(row)
        layer = list(nxt)
    return DataSet([c.name for c in cols], rows)
