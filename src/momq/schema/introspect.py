"""Schema introspection from a live engine, dispatched on the engine's dialect.

- SQL: information_schema (``momq.schema.introspect_sql``);
- Cypher: the engine's schema procedures or sampling (``momq.schema.introspect_cypher``);
- nGQL: ``SHOW TAGS`` / ``SHOW EDGES`` + ``DESCRIBE TAG|EDGE`` + sampled endpoints
  (``momq.schema.introspect_ngql``).
"""

from __future__ import annotations

from momq.engines.base import Engine
from momq.schema.model import Schema


def introspect(engine: Engine) -> Schema:
    if engine.dialect in ("postgres", "mysql"):
        from momq.schema import introspect_sql as module
    elif engine.dialect == "cypher":
        from momq.schema import introspect_cypher as module  # type: ignore[no-redef]
    else:
        from momq.schema import introspect_ngql as module  # type: ignore[no-redef]
    return module.introspect(engine)
