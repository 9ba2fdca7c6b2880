"""The server's settings: safe defaults, the config file's ``[server]`` table, the
environment, then the ``momq serve`` options (each overrides the one before).

Defaults are the safe choice: loopback only, no CORS, a bounded model queue, small
request bodies, a time limit on every request. Keys (``[server]`` in
``~/.config/momq/config.toml``, or ``MOMQ_SERVER_<KEY>`` in the environment)::

    [server]
    host = "127.0.0.1"          # anything but loopback needs allow_remote = true
    port = 8765
    allow_remote = false
    api_keys = ["s3cret"]        # bearer tokens; none = no authentication (loopback only)
    cors_origins = []            # e.g. ["https://tools.example"]; empty = CORS off
    models = ["smollm2", "nl2gql=/models/run/adapter"]   # the models served (allow-list), the first
                                 # is the default; NAME=SPEC serves SPEC under the id NAME
    max_body_bytes = 65536
    request_timeout_s = 120
    query_timeout_s = 30
    max_rows = 1000
    model_workers = 1            # requests using a model at once
    queue_size = 16              # requests waiting for a worker; more are refused with 503 at once
    query_workers = 4            # /api/query requests running at once
    query_queue_size = 64

List values in the environment are comma-separated (``MOMQ_SERVER_API_KEYS=a,b``).
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field, fields, replace
from typing import Any

from momq.errors import ConfigError

DEFAULT_PORT = 8765


@dataclass(frozen=True)
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    allow_remote: bool = False
    api_keys: tuple[str, ...] = ()
    cors_origins: tuple[str, ...] = ()
    #: model specs (``momq.llm.load_model_spec``) the service may load; the first is the
    #: default. Empty = only momq's default model.
    models: tuple[str, ...] = ()
    max_body_bytes: int = 65_536
    request_timeout_s: float = 120.0
    query_timeout_s: float = 30.0
    max_rows: int = 1000
    model_workers: int = 1
    queue_size: int = 16
    query_workers: int = 4
    query_queue_size: int = 64
    max_new_tokens: int = 192
    extra: dict[str, Any] = field(default_factory=dict)

    def with_(self, **changes: Any) -> "ServerConfig":
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    @property
    def default_model(self) -> str:
        from momq.llm import DEFAULT_MODEL_SPEC

        return self.models[0] if self.models else DEFAULT_MODEL_SPEC

    @property
    def allowed_models(self) -> tuple[str, ...]:
        return self.models or (self.default_model,)

    def check(self) -> "ServerConfig":
        """Refuse unsafe or impossible settings with a clear ConfigError."""
        if not is_loopback(self.host) and not self.allow_remote:
            raise ConfigError(
                f"host {self.host} is not a loopback address: momq serves only this machine unless "
                "allow_remote = true is set (and then set api_keys too)"
            )
        if not is_loopback(self.host) and not self.api_keys:
            raise ConfigError(
                f"serving on {self.host} without API keys: set api_keys (config file or MOMQ_SERVER_API_KEYS)"
            )
        for name in ("max_body_bytes", "model_workers", "query_workers", "max_rows"):
            if getattr(self, name) < 1:
                raise ConfigError(f"server setting {name} must be at least 1")
        for name in ("queue_size", "query_queue_size"):
            if getattr(self, name) < 0:
                raise ConfigError(f"server setting {name} must not be negative")
        if self.request_timeout_s <= 0 or self.query_timeout_s <= 0:
            raise ConfigError("server time limits must be positive")
        if "*" in self.cors_origins and self.api_keys:
            raise ConfigError("cors_origins = ['*'] with API keys would hand the keys' use to any web page")
        return self


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _coerce(name: str, kind: Any, value: Any) -> Any:
    try:
        if kind in ("tuple[str, ...]",):
            if isinstance(value, str):
                value = [v for v in (x.strip() for x in value.split(",")) if v]
            return tuple(str(v) for v in value)
        if kind == "bool":
            if isinstance(value, str):
                return value.strip().lower() in ("1", "true", "yes", "on")
            return bool(value)
        if kind == "int":
            return int(value)
        if kind == "float":
            return float(value)
        return str(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"server setting {name}: {value!r} is not a valid {kind}") from exc


def load_config(**overrides: Any) -> ServerConfig:
    """Defaults, then the config file's ``[server]`` table, then ``MOMQ_SERVER_*``, then
    ``overrides`` (None values are ignored). Unknown keys are an error."""
    from momq import settings

    known = {f.name: f.type for f in fields(ServerConfig) if f.name != "extra"}
    values: dict[str, Any] = {}
    for key, value in settings.config_section("server").items():
        if key not in known:
            raise ConfigError(f"unknown [server] setting {key!r}; known: {', '.join(sorted(known))}")
        values[key] = _coerce(key, known[key], value)
    for key, kind in known.items():
        env = os.environ.get(f"MOMQ_SERVER_{key.upper()}")
        if env is not None:
            values[key] = _coerce(key, kind, env)
    for key, value in overrides.items():
        if value is not None:
            if key not in known:
                raise ConfigError(f"unknown server setting {key!r}")
            values[key] = _coerce(key, known[key], value)
    return ServerConfig(**values)
