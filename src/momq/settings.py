"""Where momq keeps its state and how it finds engines and data.

Nothing here is a constant path: every location comes from the environment, a config
file, or a default under the user's home.

- ``MOMQ_HOME``: state directory (embedded servers' data dirs, caches); default
  ``$XDG_CACHE_HOME/momq`` or ``~/.cache/momq``.
- ``MOMQ_SHARED``: the shared data folder; default: the first ``shared`` folder holding
  ``data/`` found beside the current directory or one of its parents (a clone has
  ``../shared`` beside it).
- ``MOMQ_CONFIG``: a TOML config file; default ``~/.config/momq/config.toml``. Its
  ``[engines.<name>]`` tables hold connection settings, e.g.::

      [engines.postgres]
      url = "postgresql://user:pw@db.example:5432"
      [engines.mysql]
      url = "mysql://user:pw@127.0.0.1:3306"
      [engines.cypher]
      url = "bolt://localhost:7687"
      user = "neo4j"
      password = "secret"
      [engines.ngql]
      address = "127.0.0.1:9669"   # a NebulaGraph graphd; unset = embedded engine

  The environment overrides the file: ``MOMQ_POSTGRES_URL``, ``MOMQ_MYSQL_URL``,
  ``MOMQ_CYPHER_URL`` (+ ``MOMQ_CYPHER_USER``/``MOMQ_CYPHER_PASSWORD``),
  ``MOMQ_NEBULA_ADDRESS`` (+ ``MOMQ_NEBULA_USER``/``MOMQ_NEBULA_PASSWORD``).
  An engine without settings is the embedded one momq starts itself. An engine's
  table may also hold ``allow_functions`` (SQL functions added to the sandbox's
  allow-list, ``momq.dialects.sql_vet``) and, for MySQL, ``transaction``. The
  ``[limits]`` table holds ``max_timeout_s`` and ``max_rows``, the largest limits a
  query may ask for (``MOMQ_MAX_TIMEOUT_S`` / ``MOMQ_MAX_ROWS`` override them).

The config file and the limits (``[limits]``, ``MOMQ_MAX_*``) are read once per process,
not per query; :func:`reload` reads them again after a change.
"""

from __future__ import annotations

import os
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any

from momq.errors import ConfigError


def home() -> Path:
    """momq's state directory (created on demand)."""
    env = os.environ.get("MOMQ_HOME")
    if env:
        path = Path(env)
    else:
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        path = Path(base) / "momq"
    path.mkdir(parents=True, exist_ok=True)
    return path


def shared_dir(required: bool = True) -> Path | None:
    """The shared data folder (``../shared`` beside the clone)."""
    env = os.environ.get("MOMQ_SHARED")
    if env:
        path = Path(env)
        if not (path / "data").is_dir():
            raise ConfigError(f"MOMQ_SHARED={env} has no data/ folder")
        return path
    starts = [Path.cwd(), Path(__file__).resolve().parent]
    for start in starts:
        for folder in [start, *start.parents]:
            candidate = folder / "shared"
            if (candidate / "data").is_dir():
                return candidate
    if required:
        raise ConfigError(
            "cannot find the shared data folder: clone momq with ../shared beside it or set MOMQ_SHARED=/path/to/shared"
        )
    return None


def data_dir() -> Path:
    """``shared/data``."""
    path = shared_dir()
    assert path is not None
    return path / "data"


@lru_cache(maxsize=1)
def _config_file() -> dict[str, Any]:
    path = Path(os.environ.get("MOMQ_CONFIG") or Path.home() / ".config" / "momq" / "config.toml")
    if not path.is_file():
        return {}
    try:
        return tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc


_ENV = {
    "postgres": {"url": "MOMQ_POSTGRES_URL"},
    "mysql": {"url": "MOMQ_MYSQL_URL"},
    "cypher": {"url": "MOMQ_CYPHER_URL", "user": "MOMQ_CYPHER_USER", "password": "MOMQ_CYPHER_PASSWORD"},
    "ngql": {"address": "MOMQ_NEBULA_ADDRESS", "user": "MOMQ_NEBULA_USER", "password": "MOMQ_NEBULA_PASSWORD"},
}


def config_section(name: str) -> dict[str, Any]:
    """One top-level table of the config file (``[server]`` ...), empty when absent."""
    section = _config_file().get(name, {})
    return dict(section) if isinstance(section, dict) else {}


def engine_settings(engine: str) -> dict[str, Any]:
    """Connection settings of one engine: the config file's table overridden by the
    environment. An empty dict means: use the embedded engine."""
    settings = dict(_config_file().get("engines", {}).get(engine, {}))
    for key, var in _ENV.get(engine, {}).items():
        if os.environ.get(var):
            settings[key] = os.environ[var]
    return settings


@lru_cache(maxsize=None)
def limits(default_timeout_s: float, default_rows: int) -> tuple[float, int]:
    """The largest time limit (seconds) and row cap a query may ask for: ``[limits]``
    ``max_timeout_s`` / ``max_rows`` of the config file, overridden by
    ``MOMQ_MAX_TIMEOUT_S`` / ``MOMQ_MAX_ROWS``, else the defaults given. Read once per
    process (every query checks its limits against them): :func:`reload` after a change."""
    table = _config_file().get("limits", {})
    timeout = os.environ.get("MOMQ_MAX_TIMEOUT_S") or table.get("max_timeout_s") or default_timeout_s
    rows = os.environ.get("MOMQ_MAX_ROWS") or table.get("max_rows") or default_rows
    try:
        return float(timeout), int(rows)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"bad [limits] setting: {exc}") from exc


@lru_cache(maxsize=None)
def build_budget(default_values: int, default_chars: int) -> tuple[int, int]:
    """What one query of the embedded nGQL engine may build: ``[limits]`` ``max_values``
    (list elements and result cells) and ``max_chars`` (characters of built strings),
    overridden by ``MOMQ_MAX_VALUES`` / ``MOMQ_MAX_CHARS``, else the defaults given.
    Each must be a positive whole number. Read once per process: :func:`reload` after a
    change."""
    table = _config_file().get("limits", {})
    out = []
    for key, env, default in (
        ("max_values", "MOMQ_MAX_VALUES", default_values),
        ("max_chars", "MOMQ_MAX_CHARS", default_chars),
    ):
        raw = os.environ.get(env) or table.get(key) or default
        try:
            value = int(raw)
        except (TypeError, ValueError):
            raise ConfigError(f"bad [limits] {key} ({env}): {raw!r} is not a whole number") from None
        if value <= 0:
            raise ConfigError(f"bad [limits] {key} ({env}): {value} must be positive")
        out.append(value)
    return out[0], out[1]


def reload() -> None:
    """Read the config file and the limits again (after changing the file, ``MOMQ_CONFIG``
    or ``MOMQ_MAX_*`` in a running process: momq reads them once)."""
    for cached in (_config_file, limits, build_budget):
        cached.cache_clear()
