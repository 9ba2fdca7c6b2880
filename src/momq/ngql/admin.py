"""The nGQL statements that manage spaces and schemas or change data: USE, SHOW,
DESCRIBE, CREATE SPACE|TAG|EDGE|INDEX, ALTER, DROP, INSERT, UPDATE/UPSERT and DELETE.

They load the demo spaces (``momq db build``) and the TCK's graphs; a read-only session
(``momq.ngql.engine``) refuses the writing ones before they run.
:class:`AdminStatements` is a part of :class:`~momq.ngql.executor.Executor` (it uses the
executor's ``q``, the :class:`~momq.ngql.dataset.QueryContext`, and ``source_rows``).
"""

from __future__ import annotations

import copy
from typing import Any

from momq.ngql import ast as A
from momq.ngql.dataset import DataSet
from momq.ngql.errors import NgqlExecutionError, NgqlSemanticError
from momq.ngql.expr import Scope, compile_expr
from momq.ngql.storage import Index, PropSchema, Schema, Space
from momq.ngql.values import EMPTY, Edge, Vertex


def _value(e: A.Expr, sc: Scope) -> Any:
    """A constant's value (fast path for literals in bulk INSERTs)."""
    if e.__class__ is A.Const:
        return e.value
    return compile_expr(e, sc)({})


class AdminStatements:
    """The executor's statements that manage spaces and schemas or change data."""

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
            rows = [
                [i.name, i.schema, list(i.fields)]
                for i in sorted(space.indexes.values(), key=lambda i: i.name)
                if i.kind == kind
            ]
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
        rows = [
            [p.name, p.type_text(), "YES" if p.nullable else "NO", p.default if p.has_default else EMPTY, EMPTY]
            for p in schema.props
        ]
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
            rows = (
                (
                    _value(s_e, ysc),
                    _value(d_e, ysc),
                    _value(r_e, ysc) if r_e is not None else 0,
                    [_value(v, ysc) for v in val_es],
                )
                for s_e, d_e, r_e, val_es in st.rows
            )
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


def _qualify(e: A.Expr, schema_name: str, schema: Schema) -> A.Expr:
    """UPDATE's ``SET age = age + 1``: bare property names mean ``schema.prop``."""
    e = copy.deepcopy(e)

    def fix(x):
        for attr in ("left", "right", "operand", "base", "index"):
            child = getattr(x, attr, None)
            if isinstance(child, A.Label) and schema.prop(child.name) is not None:
                setattr(x, attr, A.Attribute(A.Label(schema_name), child.name))
            elif isinstance(child, A.Expr):
                fix(child)
        if isinstance(x, A.FuncCall):
            x.args = [
                A.Attribute(A.Label(schema_name), a.name) if isinstance(a, A.Label) and schema.prop(a.name) else a
                for a in x.args
            ]
            for a in x.args:
                fix(a)
        if isinstance(x, A.ListExpr):
            for a in x.items:
                fix(a)

    if isinstance(e, A.Label) and schema.prop(e.name) is not None:
        return A.Attribute(A.Label(schema_name), e.name)
    fix(e)
    return e
