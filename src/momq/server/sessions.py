"""Multi-turn sessions kept on disk, so a conversation survives a restart of the server.

A session is a :class:`momq.pipelines.session.Session` saved as JSON under
``momq.settings.home()/sessions/<id>.json``: the same files ``momq chat`` writes, so a
conversation started in the browser can go on in the terminal
(``momq chat --db DB --session FILE``) and back. Turns of one session are serialised by
a per-session lock; a file is replaced atomically after every turn.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

from momq.errors import ConfigError
from momq.pipelines.session import Session

_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class SessionNotFound(ConfigError):
    """No session with that id."""


class SessionStore:
    def __init__(self, folder: Path | None = None):
        if folder is None:
            from momq import settings

            folder = settings.home() / "sessions"
        self.folder = folder
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def path(self, session_id: str) -> Path:
        if not _ID.match(session_id or ""):
            raise SessionNotFound(f"no session {session_id!r}")
        return self.folder / f"{session_id}.json"

    def lock(self, session_id: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(session_id, threading.Lock())

    def create(self, dialect: str, database: str, language: str = "en") -> Session:
        session = Session(dialect, database, language=language)
        self.save(session)
        return session

    def load(self, session_id: str) -> Session:
        path = self.path(session_id)
        if not path.is_file():
            raise SessionNotFound(f"no session {session_id!r}")
        try:
            return Session.load(path)
        except (ValueError, KeyError, TypeError) as exc:
            raise ConfigError(f"session {session_id!r} cannot be read: {exc}") from exc

    def save(self, session: Session) -> None:
        session.save(self.path(session.id))

    def list(self, limit: int = 100) -> list[Session]:
        """The most recently changed sessions first."""
        if not self.folder.is_dir():
            return []
        files = sorted(self.folder.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
        found = []
        for path in files[:limit]:
            try:
                found.append(Session.load(path))
            except (ValueError, KeyError, TypeError, ConfigError):
                continue  # a file that is not a session
        return found
