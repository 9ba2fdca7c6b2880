"""Introspected schemas, kept until their database is rebuilt.

Introspection costs a dozen engine queries or more (nGQL's basketballplayer: 11; a
defog database on PostgreSQL: 9), and every question needs the schema.
:func:`cached_schema` introspects a database once and keeps the schema:

- in memory, for the questions of one process (``momq predict``, ``momq chat``, the
  server);
- on disk, under ``<momq home>/schemas/``, for databases on momq's embedded engines
  (the demo databases momq builds; ``momq ask`` is a process per question). A database
  on a configured server may change without momq knowing: its schema is kept in memory
  only.

An entry is valid while its database's *stamp* is unchanged: the engine's
``build_stamp`` (the embedded nGQL snapshot's modification time and size), the
database's generation (:mod:`momq.databases.generation`: a token momq's builders renew
whenever they (re)load a database) and a digest of ``momq.schema``'s own source, so
that a changed introspection never reads an old entry.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import threading
import uuid
from functools import lru_cache
from pathlib import Path
from typing import Any

from momq.databases import generation
from momq.schema.model import Schema

_memory: dict[tuple[str, str, str], tuple[str, Schema]] = {}
_lock = threading.Lock()


def folder() -> Path:
    from momq import settings

    return settings.home() / "schemas"


def _path(dialect: str, database: str, suffix: str) -> Path:
    return folder() / dialect / f"{database}.{suffix}"


@lru_cache(maxsize=1)
def _code_digest() -> str:
    """A digest of the introspection code (``momq/schema/*.py``)."""
    digest = hashlib.sha1()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:16]


def _server(dialect: str) -> str:
    """Which server the database lives on ("" for momq's embedded engine)."""
    from momq import settings

    configured = settings.engine_settings(dialect)
    return (
        hashlib.sha1(json.dumps(configured, sort_keys=True, default=str).encode()).hexdigest()[:16]
        if configured
        else ""
    )


def stamp(engine: Any) -> str:
    """What must be unchanged for a kept schema of the engine's database to be valid."""
    return ":".join(
        (
            _code_digest(),
            str(getattr(engine, "build_stamp", "") or ""),
            generation.current(engine.dialect, engine.database),
        )
    )


def cached_schema(engine: Any) -> Schema:
    """The schema of the engine's database: kept, or introspected (then kept)."""
    from momq.schema.introspect import introspect

    dialect, database = engine.dialect, engine.database
    server = _server(dialect)
    key, mark = (dialect, database, server), stamp(engine)
    with _lock:
        kept = _memory.get(key)
    if kept is not None and kept[0] == mark:
        return kept[1]
    persist = not server
    schema = _load(dialect, database, mark) if persist else None
    if schema is None:
        schema = introspect(engine)
        if persist:
            _save(dialect, database, mark, schema)
    with _lock:
        _memory[key] = (mark, schema)
    return schema


def invalidate(dialect: str, database: str) -> None:
    """Forget the kept schema of a database: a new generation
    (:func:`momq.databases.generation.renew`, what momq's builders call when they load
    it), so every process introspects it again."""
    generation.renew(dialect, database)
    with _lock:
        for key in [k for k in _memory if k[:2] == (dialect, database)]:
            del _memory[key]
    try:
        _path(dialect, database, "pickle").unlink(missing_ok=True)
    except OSError:
        pass


def _load(dialect: str, database: str, mark: str) -> Schema | None:
    try:
        data = pickle.loads(_path(dialect, database, "pickle").read_bytes())
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("stamp") != mark or not isinstance(data.get("schema"), Schema):
        return None
    return data["schema"]


def _save(dialect: str, database: str, mark: str, schema: Schema) -> None:
    path = _path(dialect, database, "pickle")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{uuid.uuid4().hex[:8]}.tmp")
        tmp.write_bytes(pickle.dumps({"stamp": mark, "schema": schema}, protocol=pickle.HIGHEST_PROTOCOL))
        tmp.replace(path)
    except OSError:
        pass  # the schema is still kept in memory
