"""The template renderer shared by the two SQL dialects (``postgres``, ``mysql`` differ
in identifier quoting, which the dialect owns, and string escapes only).

A relation is a foreign key (following it forward joins the referenced table, backward
the referencing one) or a link table joined on its two foreign keys (alias ``l``;
conditions on the relation's own columns go there). Listing queries are ``SELECT DISTINCT``; aggregates run over
a ``SELECT DISTINCT`` of the focus table's primary key (its key column when it has
none) so that a join fanning out never counts an entity twice.
"""

from __future__ import annotations

import decimal
import re
from typing import Any

from momq.construct.render.base import Renderer, aggregate_parts
from momq.construct.spec import QuerySpec, literal_value
from momq.construct.view import SchemaView
from momq.dialects import get_dialect

_PLAIN = re.compile(r"^[a-z_][a-z0-9_]*$")
#: words either engine reserves that a defog-style schema may use as a name
_RESERVED = {
    "all",
    "and",
    "as",
    "asc",
    "between",
    "by",
    "case",
    "check",
    "column",
    "condition",
    "constraint",
    "create",
    "cross",
    "current_date",
    "current_time",
    "current_user",
    "default",
    "desc",
    "distinct",
    "div",
    "drop",
    "else",
    "end",
    "from",
    "full",
    "grant",
    "group",
    "having",
    "in",
    "index",
    "inner",
    "interval",
    "is",
    "join",
    "key",
    "keys",
    "left",
    "like",
    "limit",
    "match",
    "mod",
    "natural",
    "not",
    "null",
    "on",
    "or",
    "order",
    "outer",
    "range",
    "rank",
    "read",
    "references",
    "right",
    "row",
    "rows",
    "select",
    "table",
    "then",
    "to",
    "union",
    "unique",
    "user",
    "using",
    "when",
    "where",
    "window",
    "with",
}


class SqlRenderer(Renderer):
    backslash_escapes = False

    def ident(self, name: str) -> str:
        """A name, quoted the dialect's way where it is not a plain lower-case word."""
        quote = get_dialect(self.dialect).quote
        return ".".join(p if _PLAIN.match(p) and p not in _RESERVED else quote(p) for p in name.split("."))

    def literal(self, value: Any) -> str:
        value = literal_value(value)
        if isinstance(value, bool):
            return "TRUE" if value else "FALSE"
        if isinstance(value, (int, float, decimal.Decimal)):
            return str(value)
        text = str(value).replace("'", "''")
        if self.backslash_escapes:
            text = text.replace("\\", "\\\\")
        return f"'{text}'"

    def values_query(
        self, view: SchemaView, entity: str, prop: str, *, relation: str | None = None, limit: int = 200
    ) -> str:
        col = self.ident(prop)
        table = view.relation(relation).via if relation else entity
        return f"SELECT DISTINCT {col} FROM {self.ident(table)} WHERE {col} IS NOT NULL ORDER BY {col} LIMIT {limit}"

    def render(self, spec: QuerySpec, view: SchemaView) -> str:
        focus_alias = "t1" if spec.hop else "t0"
        sql_from = f"{self.ident(spec.start)} AS t0"
        if spec.hop:
            sql_from += self._joins(view.relation(spec.hop.relation), spec.hop.forward)
        where = []
        if spec.anchor is not None:
            key = view.entity(spec.start).key
            where.append(f"t0.{self.ident(key)} = {self.literal(spec.anchor)}")
        for c in spec.conditions:
            alias = "l" if c.on == "edge" else focus_alias
            where.append(f"{alias}.{self.ident(c.prop)} {c.op} {self.literal(c.value)}")
        body = f"FROM {sql_from}" + (f" WHERE {' AND '.join(where)}" if where else "")
        if not spec.aggregate:
            cols = ", ".join(f"{focus_alias}.{self.ident(o)}" for o in spec.outputs)
            return f"SELECT DISTINCT {cols} {body}"
        func, prop = aggregate_parts(spec.aggregate)
        focus = view.entity(spec.focus)
        ids = list(focus.primary_key or [focus.key])
        if prop and prop not in ids:
            ids.append(prop)
        inner = ", ".join(f"{focus_alias}.{self.ident(i)}" for i in ids)
        if func == "count":
            outer = "COUNT(*) AS n"
        else:
            outer = f"{func.upper()}(sub.{self.ident(prop)}) AS {func}_{self.alias(prop)}"
        return f"SELECT {outer} FROM (SELECT DISTINCT {inner} {body}) AS sub"

    def _on(self, left: str, left_cols: list[str], right: str, right_cols: list[str]) -> str:
        return " AND ".join(f"{left}.{self.ident(a)} = {right}.{self.ident(b)}" for a, b in zip(left_cols, right_cols))

    def _joins(self, rel, forward: bool) -> str:
        if rel.via is None:
            if forward:  # t0 is the referencing table
                return f" JOIN {self.ident(rel.target)} AS t1 ON " + self._on(
                    "t0", rel.source_columns, "t1", rel.target_columns
                )
            return f" JOIN {self.ident(rel.source)} AS t1 ON " + self._on(
                "t1", rel.source_columns, "t0", rel.target_columns
            )
        start_cols, via_start, via_end, end_cols = (
            (rel.source_columns, rel.via_source_columns, rel.via_target_columns, rel.target_columns)
            if forward
            else (rel.target_columns, rel.via_target_columns, rel.via_source_columns, rel.source_columns)
        )
        end_table = rel.target if forward else rel.source
        return (
            f" JOIN {self.ident(rel.via)} AS l ON "
            + self._on("l", via_start, "t0", start_cols)
            + f" JOIN {self.ident(end_table)} AS t1 ON "
            + self._on("l", via_end, "t1", end_cols)
        )


__all__ = ["SqlRenderer"]
