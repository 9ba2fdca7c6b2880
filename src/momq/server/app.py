"""The ASGI application: momq's API, the OpenAI-compatible routes and the web UI, behind
the guard of :mod:`momq.server.security`.

``create_app(config)`` builds it; ``momq serve`` runs it on uvicorn. The OpenAPI schema
is published at ``/openapi.json`` (no hosted documentation page: it would load scripts
from the internet, and the service works offline). The web UI is ``/`` with its files
under ``/ui/``, all served from this package.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, AsyncIterator

from fastapi import FastAPI
from fastapi.responses import FileResponse, Response
from fastapi.staticfiles import StaticFiles

from momq.server import api, openai_compat
from momq.server.config import ServerConfig
from momq.server.security import Guard, install_error_handlers
from momq.server.service import Service

STATIC = Path(__file__).parent / "static"


def create_app(config: ServerConfig | None = None, *, service: Service | None = None) -> Guard:
    """The service as an ASGI app (``.service`` and ``.fastapi`` give its parts)."""
    config = config or ServerConfig()
    service = service or Service(config)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        service.close()

    app = FastAPI(
        title="momq",
        version="1",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        description="Natural-language questions to MySQL, PostgreSQL, Cypher and nGQL queries, run "
        "read-only on real engines; OpenAI-compatible serving of momq's models.",
    )
    install_error_handlers(app)
    app.include_router(api.router(service))
    app.include_router(openai_compat.router(service))
    if config.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(config.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
        )

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return Response(status_code=204)

    app.mount("/ui", StaticFiles(directory=STATIC), name="ui")
    guarded = Guard(app, api_keys=config.api_keys, max_body_bytes=config.max_body_bytes)
    guarded.service = service
    guarded.fastapi = app
    return guarded


def serve(config: ServerConfig, *, log_level: str = "info", ready: Any = None) -> None:
    """Run the service on uvicorn until interrupted (``ready(url)`` is called once it listens)."""
    import uvicorn

    from momq.server.security import configure_logging

    config.check()
    configure_logging(log_level)
    app = create_app(config)
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host=config.host,
            port=config.port,
            log_level="warning",
            access_log=False,
            server_header=False,
            timeout_graceful_shutdown=5,
        )
    )
    if ready is not None:
        original = server.startup

        async def startup(sockets: Any = None) -> None:
            await original(sockets)
            if server.started:
                port = server.servers[0].sockets[0].getsockname()[1] if server.servers else config.port
                host = f"[{config.host}]" if ":" in config.host else config.host
                ready(f"http://{host}:{port}/")

        server.startup = startup
    server.run()
