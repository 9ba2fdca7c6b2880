"""Template query generation: a :class:`~momq.construct.spec.QuerySpec` rendered in each
dialect, one module per dialect (``postgres``, ``mysql``, ``cypher``, ``ngql``; the two
SQL dialects share ``sql``). ``get_renderer(dialect)`` returns the one for a dialect.

Every rendered query is deterministic: it has no LIMIT, lists DISTINCT rows and counts
or averages over the DISTINCT focus entities, so its answer does not depend on the
engine's row order.
"""

from __future__ import annotations

from importlib import import_module

from momq.construct.render.base import Renderer
from momq.errors import UnknownDialect

_MODULES = {
    "postgres": "momq.construct.render.postgres",
    "mysql": "momq.construct.render.mysql",
    "cypher": "momq.construct.render.cypher",
    "ngql": "momq.construct.render.ngql",
}


def get_renderer(dialect: str) -> Renderer:
    if dialect not in _MODULES:
        raise UnknownDialect(dialect, list(_MODULES))
    return import_module(_MODULES[dialect]).RENDERER


__all__ = ["Renderer", "get_renderer"]
