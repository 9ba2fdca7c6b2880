"""The database a pipeline answers on: dialect, schema, engine and value index.

:class:`Target` bundles what every pipeline needs about the database so that pipelines
stay independent of how it was opened. ``Target.open(dialect, database)`` connects to
momq's engine for the database, takes its schema (introspected once per database and
kept until the database is rebuilt: :mod:`momq.schema.cache`) and (lazily, on first use)
loads or builds its value index; tests build a ``Target`` directly from a schema and a fake
engine, or with no engine at all (then candidates are only validated, never run).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from momq.dialects import get_dialect
from momq.schema.model import Schema


@dataclass
class Target:
    dialect: str
    database: str
    schema: Schema
    engine: Any = None
    timeout_s: float = 30.0
    max_rows: int = 1000
    #: a ``momq.align.ValueIndex``; built on first use when an engine is present
    value_index: Any = None
    notes: list[str] = field(default_factory=list)
    _owns_engine: bool = False

    @property
    def dialect_obj(self) -> Any:
        return get_dialect(self.dialect)

    @classmethod
    def open(cls, dialect: str, database: str, *, timeout_s: float = 30.0, max_rows: int = 1000) -> "Target":
        from momq.engines import open_engine
        from momq.schema.cache import cached_schema

        name = get_dialect(dialect).name
        engine = open_engine(name, database)
        try:
            schema = cached_schema(engine)
        except BaseException:
            engine.close()
            raise
        return cls(name, database, schema, engine, timeout_s, max_rows, _owns_engine=True)

    def values(self) -> Any:
        """The database's value index (cached on disk), or None without an engine."""
        if self.value_index is None and self.engine is not None:
            from momq.align import index_for
            from momq.errors import MomqError

            try:
                self.value_index = index_for(self.engine, self.schema)
            except MomqError as exc:  # alignment is an aid: answer without it
                self.notes.append(f"value index unavailable: {exc}")
                self.value_index = False
        return self.value_index or None

    def close(self) -> None:
        if self._owns_engine and self.engine is not None:
            self.engine.close()
            self.engine = None

    def __enter__(self) -> "Target":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
