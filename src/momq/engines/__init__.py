"""Execution engines: one read-only interface (``momq.engines.base.Engine``) per backend.

``open_engine(dialect, database)`` returns a connected engine for a database in a
dialect: the server named in the settings (``momq.settings.engine_settings``) or, when
none is configured, momq's embedded one (started on demand).
"""

from __future__ import annotations

from importlib import import_module

from momq.engines.base import DEFAULT_MAX_ROWS, DEFAULT_TIMEOUT_S, Engine, Result
from momq.errors import UnknownDialect

# dialect name -> module implementing ``connect(database: str, settings: dict) -> Engine``
BACKENDS: dict[str, str] = {
    "postgres": "momq.engines.postgres",
    "mysql": "momq.engines.mysql",
    "cypher": "momq.engines.cypher",
    "ngql": "momq.engines.ngql",
}


def open_engine(dialect: str, database: str) -> Engine:
    """Connect to ``database`` on the engine of ``dialect`` (see module docstring)."""
    from momq import settings

    if dialect not in BACKENDS:
        raise UnknownDialect(dialect, list(BACKENDS))
    module = import_module(BACKENDS[dialect])
    return module.connect(database, settings.engine_settings(dialect))


__all__ = ["DEFAULT_MAX_ROWS", "DEFAULT_TIMEOUT_S", "Engine", "Result", "open_engine", "BACKENDS"]
