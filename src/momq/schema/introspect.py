"""Schema introspection from a live engine: the engine's dialect names the module that
does it (``Dialect.introspection``):

- SQL: the catalogs (``momq.schema.introspect_sql``);
- Cypher: the engine's schema procedures or sampling (``momq.schema.introspect_cypher``);
- nGQL: ``SHOW TAGS`` / ``SHOW EDGES`` + ``DESCRIBE TAG|EDGE`` + sampled endpoints
  (``momq.schema.introspect_ngql``).
"""

from __future__ import annotations

from importlib import import_module

from momq.dialects import get_dialect
from momq.engines.base import Engine
from momq.errors import ConfigError
from momq.schema.model import Schema


def introspect(engine: Engine) -> Schema:
    dialect = get_dialect(engine.dialect)
    if not dialect.introspection:
        raise ConfigError(f"the {dialect.label} dialect names no schema introspection")
    return import_module(dialect.introspection).introspect(engine)
