"""The database as the constructor sees it: entity types, their properties and relations.

:func:`build_view` reads a :class:`momq.schema.model.Schema` (introspected from the live
engine) into one shape for all four dialects:

- an :class:`EntityType` per table (relational) or node label / tag (graph), with its
  *key* (the name-like property entities are called by), its numeric and temporal
  attributes and its other descriptive attributes;
- a :class:`Relation` per edge type and endpoint pair (graph), per foreign key between
  two entity tables (relational: referencing table -> referenced table), and per pair
  of foreign keys of a *link table* (a table without a name-like column, such as
  ``sales(car_id, customer_id, sale_price, sale_date)``): the link table plays the
  edge, its numeric and temporal columns the edge's properties.

Columns that are keys (primary or foreign, ``id``/``*_id``) or stamped with the load
time by default (``DEFAULT now()``) are never used as attributes: users do not ask
about identifiers, and a load-time stamp changes with every load.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from momq.schema.model import Column, Schema

_NUMERIC = ("int", "numeric", "decimal", "double", "float", "real", "money")
_TEMPORAL_TYPES = ("date", "time")  # date, datetime, timestamp, date_time
_TEMPORAL_NAMES = re.compile(r"(^|_)(year|born|released|founded|date)(_|$)", re.I)
_TEXT = ("char", "text", "string", "enum")
_ID_NAME = re.compile(r"(^id$|_id$|^id_|Id$|ID$)")


@dataclass
class EntityType:
    name: str
    key: str
    numeric: list[str] = field(default_factory=list)
    temporal: list[str] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    primary_key: list[str] = field(default_factory=list)

    @property
    def attributes(self) -> list[str]:
        """Everything a user may ask about besides the key."""
        return [*self.text, *self.numeric, *self.temporal]


@dataclass
class Relation:
    """A way from one entity type to another. ``source``/``target`` follow the edge's
    direction (graph) or the foreign key (child -> referenced table)."""

    name: str
    source: str
    target: str
    #: SQL: the joined columns of the source and target tables (a direct foreign key:
    #: the referencing columns in ``source``, the referenced ones in ``target``)
    source_columns: list[str] = field(default_factory=list)
    target_columns: list[str] = field(default_factory=list)
    numeric: list[str] = field(default_factory=list)
    temporal: list[str] = field(default_factory=list)
    #: SQL link table joining source and target, with its columns referencing each
    via: str | None = None
    via_source_columns: list[str] = field(default_factory=list)
    via_target_columns: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        cols = ",".join(self.via_source_columns + self.via_target_columns or self.source_columns)
        return f"{self.name}:{self.source}->{self.target}" + (f"({cols})" if cols else "")


@dataclass
class SchemaView:
    database: str
    dialect: str
    family: str
    entities: dict[str, EntityType]
    relations: list[Relation]

    def entity(self, name: str) -> EntityType:
        return self.entities[name]

    def relation(self, rel_id: str) -> Relation:
        return next(r for r in self.relations if r.id == rel_id)

    def relations_of(self, entity: str) -> list[tuple[Relation, bool]]:
        """``(relation, forward)`` for every relation touching ``entity``: forward when
        ``entity`` is the source."""
        out = [(r, True) for r in self.relations if r.source == entity and r.target in self.entities]
        out += [(r, False) for r in self.relations if r.target == entity and r.source in self.entities]
        return out


def kind(column: Column) -> str:
    """``numeric``, ``temporal``, ``text`` or ``other`` for a column's declared type."""
    t = column.type.lower()
    if any(k in t for k in _TEMPORAL_TYPES):
        return "temporal"
    if any(k in t for k in _NUMERIC) and "interval" not in t and "point" not in t:
        return "temporal" if _TEMPORAL_NAMES.search(column.name) else "numeric"
    if any(k in t for k in _TEXT):
        return "text"
    return "other"


def _key_column(columns: list[Column], excluded: set[str]) -> str | None:
    text = [c.name for c in columns if kind(c) == "text" and c.name not in excluded]
    for wanted in ("name", "title"):
        for name in text:
            if name.lower() == wanted:
                return name
    for name in text:
        if "name" in name.lower() or "title" in name.lower():
            return name
    return text[0] if text else None


def _split(columns: list[Column], skip: set[str]) -> tuple[list[str], list[str], list[str]]:
    numeric, temporal, text = [], [], []
    for c in columns:
        if c.name in skip or _ID_NAME.search(c.name) or _load_time(c):
            continue
        {"numeric": numeric, "temporal": temporal, "text": text}.get(kind(c), []).append(c.name)
    return numeric, temporal, text


def _load_time(column: Column) -> bool:
    """A column filled with the load time by default (a record-keeping stamp, not data)."""
    default = str(column.default or "").lower()
    return "now()" in default or "current_timestamp" in default or "current_date" in default


def build_view(schema: Schema, dialect: str) -> SchemaView:
    """The :class:`SchemaView` of ``schema`` (see the module docstring). Entity types
    without a text key are left out: their entities cannot be named in a question."""
    entities: dict[str, EntityType] = {}
    relations: list[Relation] = []
    if schema.family == "relational":
        for table in schema.tables:
            fk_cols = {c for fk in table.foreign_keys for c in fk.columns}
            keys = set(table.primary_key) | fk_cols
            key = _key_column(table.columns, keys)
            if key is None:
                continue
            numeric, temporal, text = _split(table.columns, keys | {key})
            entities[table.name] = EntityType(table.name, key, numeric, temporal, text, list(table.primary_key))
        for table in schema.tables:
            fks = [fk for fk in table.foreign_keys if fk.ref_table in entities]
            if table.name in entities:
                relations += [
                    Relation(fk.ref_table, table.name, fk.ref_table, list(fk.columns), list(fk.ref_columns))
                    for fk in fks
                ]
                continue
            keys = set(table.primary_key) | {c for fk in table.foreign_keys for c in fk.columns}
            numeric, temporal, _text = _split(table.columns, keys)
            for i, a in enumerate(fks):
                for b in fks[i + 1 :]:
                    relations.append(
                        Relation(
                            table.name,
                            a.ref_table,
                            b.ref_table,
                            list(a.ref_columns),
                            list(b.ref_columns),
                            numeric,
                            temporal,
                            via=table.name,
                            via_source_columns=list(a.columns),
                            via_target_columns=list(b.columns),
                        )
                    )
    else:
        for node in schema.nodes:
            key = _key_column(node.properties, set())
            if key is None:
                continue
            numeric, temporal, text = _split(node.properties, {key})
            entities[node.name] = EntityType(node.name, key, numeric, temporal, text)
        for edge in schema.edges:
            numeric, temporal, _text = _split(edge.properties, set())
            for src, dst in edge.endpoints:
                relations.append(Relation(edge.name, src, dst, numeric=numeric, temporal=temporal))
    return SchemaView(schema.database, dialect, schema.family, entities, relations)


def words(name: str) -> str:
    """A schema name as words: ``ACTED_IN`` -> ``acted in``, ``first_name`` -> ``first name``,
    ``startYear`` -> ``start year``."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name.split(".")[-1])
    return re.sub(r"[_\s]+", " ", spaced).strip().lower()


def plural(noun: str) -> str:
    if noun.endswith("s"):
        return noun
    if noun.endswith("y") and noun[-2:-1] not in "aeiou":
        return noun[:-1] + "ies"
    return noun + "s"


def singular(noun: str) -> str:
    if noun.endswith("ies"):
        return noun[:-3] + "y"
    if noun.endswith("ses") or noun.endswith("xes"):
        return noun[:-2]
    if noun.endswith("s") and not noun.endswith("ss"):
        return noun[:-1]
    return noun


__all__ = ["EntityType", "Relation", "SchemaView", "build_view", "kind", "words", "plural", "singular"]
