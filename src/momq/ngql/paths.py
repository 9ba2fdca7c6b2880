"""FIND SHORTEST|ALL|NOLOOP PATH and GET SUBGRAPH.

Path searches walk the adjacency maps breadth-first (shortest) or depth-first (all
paths, bounded by UPTO steps): ALL PATH never repeats an edge in a path, NOLOOP PATH
never repeats a vertex. Without ``WITH PROP`` vertices and edges carry no properties,
as in NebulaGraph.
"""

from __future__ import annotations

from typing import Any

from momq.ngql import ast as A
from momq.ngql.errors import NgqlExecutionError, NgqlSemanticError
from momq.ngql.executor import DataSet, check_dup_columns
from momq.ngql.expr import Scope, compile_expr
from momq.ngql.values import Edge, Path, Vertex, is_empty, is_null


def _vertex(space, vid, with_prop: bool) -> Vertex:
    tags = space.vertices.get(vid)
    if tags is None:
        return Vertex(vid, {})
    if with_prop:
        return Vertex(vid, {t: dict(p) for t, p in tags.items()})
    return Vertex(vid, {t: {} for t in tags}) if False else Vertex(vid, {})


def _edge(e: Edge, with_prop: bool) -> Edge:
    return e if with_prop else Edge(e.src, e.dst, e.type, e.rank, {})


def _neighbours(space, vid, direction, types):
    if direction in ("out", "both"):
        for etype, other, rank, props in space.out_edges(vid, types):
            yield Edge(vid, other, etype, rank, props), False, other
    if direction in ("in", "both"):
        for etype, other, rank, props in space.in_edges(vid, types):
            if direction == "both" and other == vid:
                continue
            yield Edge(other, vid, etype, rank, props), True, other


def _vids(ex, src: A.VidSource, inp, space) -> list:
    sc = Scope("yield", space, inp.columns if inp else None, ex.q.var_columns(), qctx=ex.q)
    vids, _, _ = ex.source_rows(src, inp, space, sc)
    return list(dict.fromkeys(v for v in vids if not is_null(v) and not is_empty(v)))


def find_path(ex, st: A.FindPathStmt, inp, max_paths: int | None = None) -> DataSet:
    """Run FIND PATH; ``max_paths`` (from a LIMIT right after ALL/NOLOOP PATH) stops the
    search once that many paths are found."""
    q = ex.q
    space = q.space()
    types = st.over or list(space.edges)
    for t in types:
        if t not in space.edges:
            raise NgqlSemanticError(f"{t} not found in space [{space.name}].")
    srcs = _vids(ex, st.from_, inp, space)
    dsts = _vids(ex, st.to, inp, space)
    cols = st.yields or [A.YieldColumn(A.Keyword("path", "path"))]
    check_dup_columns(cols)
    for c in cols:
        if not (isinstance(c.expr, A.Keyword) and c.expr.word == "path"):
            raise NgqlSemanticError("Only support yield path")
    where = None
    if st.where is not None:
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
    if st.kind == "SHORTEST":
        for s in srcs:
            # BFS keeping every parent edge on a shortest route
            parents: dict[Any, list] = {s: []}
            frontier = [s]
            depth = 0
            remaining = set(dst_set) - {s}
            while frontier and depth < upto and remaining:
                depth += 1
                nxt: dict[Any, list] = {}
                for vid in frontier:
                    q.tick()
                    for e, rev, other in _neighbours(space, vid, direction, types):
                        if other in parents or not edge_ok(e, rev, vid, other):
                            continue
                        nxt.setdefault(other, []).append((vid, e, rev))
                for other, lst in nxt.items():
                    parents[other] = lst
                remaining -= set(nxt)
                frontier = list(nxt)
            for d in dsts:
                if d == s or d not in parents:
                    continue
                for chain in _unwind(parents, s, d):
                    paths.append(_make_path(space, s, chain, wp))
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
                for e, rev, other in _neighbours(space, vid, direction, types):
                    k = e.key()
                    if k in seen_e:
                        continue
                    if noloop and other in seen_v:
                        continue
                    if not edge_ok(e, rev, vid, other):
                        continue
                    nchain = chain + [(e, rev, other)]
                    if other in dst_set:
                        paths.append(_make_path(space, s, [(x, r) for x, r, _ in nchain], wp))
                    stack.append((other, nchain, seen_v | {other}, seen_e | {k}))
    return DataSet([c.name for c in cols], [[p] for p in paths])


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
        sc = Scope("path", space, None, q.var_columns(), qctx=q)
        where = compile_expr(st.where, sc)
    wp = st.with_prop

    def edges_of(vid):
        for types, d in groups:
            for e, rev, other in _neighbours(space, vid, d, types):
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
        vertices = [_vertex(space, v, wp) for v in layer]
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
                edges.append(_edge(e, wp))
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
