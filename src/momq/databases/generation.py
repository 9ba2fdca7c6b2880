"""Generation tokens of the databases momq builds.

A builder renews a database's token whenever it (re)loads the database, so anything
derived from the old data knows it is stale: a kept schema (:mod:`momq.schema.cache`)
is valid only for the generation it was introspected from. Tokens live under
``<momq home>/schemas/<dialect>/<database>.generation``; a database without one (never
built by this home) has the empty generation.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from momq import settings


def path(dialect: str, database: str) -> Path:
    return settings.home() / "schemas" / dialect / f"{database}.generation"


def current(dialect: str, database: str) -> str:
    """The database's generation token ("" when momq never built it here)."""
    try:
        return path(dialect, database).read_text().strip()
    except OSError:
        return ""


def renew(dialect: str, database: str) -> None:
    """A new generation: the database was (re)loaded."""
    target = path(dialect, database)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(uuid.uuid4().hex + "\n")
    except OSError:
        pass  # a read-only home: nothing is kept on disk there either
