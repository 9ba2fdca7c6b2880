"""momq's embedded servers, by name."""

from __future__ import annotations

from importlib import import_module

from momq.engines.servers.base import EmbeddedServer
from momq.errors import ConfigError

SERVERS = {
    "postgres": ("momq.engines.servers.postgres", "PostgresServer"),
    "mariadb": ("momq.engines.servers.mariadb", "MariadbServer"),
    "arcadedb": ("momq.engines.servers.arcadedb", "ArcadedbServer"),
}
ALIASES = {"mysql": "mariadb", "cypher": "arcadedb", "pg": "postgres", "postgresql": "postgres"}


def get_server(names: list[str] | None = None) -> list[EmbeddedServer]:
    """Server objects for ``names`` (all by default)."""
    chosen = [ALIASES.get(n, n) for n in names] if names else list(SERVERS)
    servers = []
    for name in chosen:
        if name not in SERVERS:
            raise ConfigError(f"unknown server {name!r}; known servers: {', '.join(SERVERS)}")
        module, cls = SERVERS[name]
        servers.append(getattr(import_module(module), cls)())
    return servers
