"""``momq serve``: the HTTP API, the OpenAI-compatible endpoints and the web UI
(:mod:`momq.server`). Settings come from the config file's ``[server]`` table and
``MOMQ_SERVER_*`` (see :mod:`momq.server.config`); the options below override them.

Mounted by ``momq.cli`` through :func:`register`.
"""

from __future__ import annotations

from typing import Optional

import typer

from momq.cli.common import console, fail_on_error


@fail_on_error
def serve(
    host: Optional[str] = typer.Option(
        None, help="Address to listen on (default 127.0.0.1; others need allow_remote and API keys)."
    ),
    port: Optional[int] = typer.Option(None, help="Port (default 8765; 0 = any free port)."),
    model: Optional[list[str]] = typer.Option(
        None, "--model", "-m", help="A model spec to serve (repeatable; the first is the default)."
    ),
    api_key: Optional[list[str]] = typer.Option(
        None, "--api-key", help="Accept this bearer token (repeatable); prefer MOMQ_SERVER_API_KEYS."
    ),
    queue_size: Optional[int] = typer.Option(None, help="Requests that may wait for the model."),
    request_timeout: Optional[float] = typer.Option(None, help="Per-request time limit in seconds."),
    log_level: str = typer.Option("info", help="debug, info, warning or error (JSON lines on stderr)."),
) -> None:
    """Serve momq over HTTP: the API (/api, OpenAPI at /openapi.json), OpenAI-compatible
    /v1 and the web chat UI at /."""
    try:
        from momq.server.app import serve as run
        from momq.server.config import load_config
    except ModuleNotFoundError as exc:
        from momq.errors import ConfigError

        raise ConfigError(
            f"momq serve needs the server extra ({exc.name} is missing): pip install 'momq[server]'"
        ) from exc
    config = load_config(
        host=host,
        port=port,
        models=tuple(model) if model else None,
        api_keys=tuple(api_key) if api_key else None,
        queue_size=queue_size,
        request_timeout_s=request_timeout,
    )
    run(
        config,
        log_level=log_level,
        ready=lambda url: console.print(f"momq serving on {url}  (ctrl-c stops)", highlight=False),
    )


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
