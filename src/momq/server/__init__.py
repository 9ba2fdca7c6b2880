"""momq as a service: an HTTP API, OpenAI-compatible serving of momq's models, and a
web chat UI (``momq serve``; install with ``pip install 'momq[server]'``).

One module per concern:

- :mod:`~momq.server.app`: the ASGI application and :func:`~momq.server.app.serve`;
- :mod:`~momq.server.api`: momq's routes (databases, schema, query, ask, sessions, health);
- :mod:`~momq.server.openai_compat`: ``/v1/models`` and ``/v1/chat/completions``;
- :mod:`~momq.server.models`: the request and response bodies (pydantic);
- :mod:`~momq.server.service`: the blocking work behind the routes;
- :mod:`~momq.server.queue`: bounded queues and the shared models;
- :mod:`~momq.server.databases`: pooled engines and cached schemas;
- :mod:`~momq.server.sessions`: multi-turn sessions on disk;
- :mod:`~momq.server.progress`: progress events (server-sent events);
- :mod:`~momq.server.config` and :mod:`~momq.server.security`: settings, API keys,
  limits, error replies and logs;
- ``static/``: the web UI (hand-written HTML, CSS and JavaScript; nothing external).
"""
