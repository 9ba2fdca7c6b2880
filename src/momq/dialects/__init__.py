"""The four query dialects and their registry.

>>> from momq.dialects import get_dialect
>>> get_dialect("postgres").is_read_only("SELECT 1")
True

Third-party dialects subclass :class:`momq.dialects.base.Dialect` and are registered by
import, or through the ``momq.dialects`` entry-point group of their package.
"""

from __future__ import annotations

from functools import lru_cache
from importlib.metadata import entry_points

from momq.dialects import cypher, mysql, ngql, postgres  # noqa: F401  (registers the built-ins)
from momq.dialects.base import Dialect, Keyword, Validation
from momq.errors import UnknownDialect

ALIASES = {
    "postgresql": "postgres",
    "pg": "postgres",
    "mariadb": "mysql",
    "neo4j": "cypher",
    "nebula": "ngql",
    "nebulagraph": "ngql",
}


@lru_cache(maxsize=1)
def _load_entry_points() -> None:
    for entry in entry_points(group="momq.dialects"):
        entry.load()  # the class registers itself on import


def dialect_names() -> list[str]:
    _load_entry_points()
    return sorted(Dialect._registry)


@lru_cache(maxsize=None)
def get_dialect(name: str) -> Dialect:
    """The dialect registered under ``name`` (aliases such as ``postgresql`` accepted);
    unknown names raise :class:`~momq.errors.UnknownDialect` listing the known ones."""
    _load_entry_points()
    key = ALIASES.get(name.lower(), name.lower())
    if key not in Dialect._registry:
        raise UnknownDialect(name, dialect_names())
    return Dialect._registry[key]()


__all__ = ["Dialect", "Keyword", "Validation", "dialect_names", "get_dialect"]
