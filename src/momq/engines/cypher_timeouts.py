"""Client-side time limits of the Cypher engine.

ArcadeDB ignores the transaction timeout Neo4j honours, so the engine also enforces the
limit itself: :data:`WATCHDOG` (one daemon thread per process) fires a callback when an
armed deadline passes, and :func:`cut_connection` shuts the Bolt socket of the running
query down so the thread blocked on it gets an error at once. :data:`QUIET` drops the
driver's log lines about a connection cut on purpose.
"""

from __future__ import annotations

import itertools
import logging
import socket
import threading
import time
from typing import Callable

import neo4j


class Watchdog:
    """One daemon thread per process that fires callbacks of armed deadlines. Arming and
    disarming are single dictionary operations (atomic under the GIL), so a query that
    finishes in time pays almost nothing; the thread polls every 50 ms."""

    POLL_S = 0.05

    def __init__(self) -> None:
        self._armed: dict[int, tuple[float, Callable[[], None]]] = {}
        self._tokens = itertools.count(1)
        self._start_lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def arm(self, timeout_s: float, callback: Callable[[], None]) -> int:
        token = next(self._tokens)
        self._armed[token] = (time.monotonic() + timeout_s, callback)
        if self._thread is None:
            with self._start_lock:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name="momq-cypher-watchdog", daemon=True)
                    self._thread.start()
        return token

    def disarm(self, token: int) -> None:
        self._armed.pop(token, None)

    def _run(self) -> None:
        while True:
            time.sleep(self.POLL_S)
            now = time.monotonic()
            for token, (deadline, callback) in list(self._armed.items()):
                if now >= deadline and self._armed.pop(token, None) is not None:
                    try:
                        callback()
                    except Exception:  # noqa: BLE001 - a failing callback must not stop the thread
                        pass


WATCHDOG = Watchdog()


class _QuietCut(logging.Filter):
    """Drops the driver's error log lines about a connection momq cut on purpose (a
    timeout) in the threads listed in ``threads``."""

    def __init__(self) -> None:
        super().__init__()
        self.threads: set[int] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        return threading.get_ident() not in self.threads


QUIET = _QuietCut()
for _name in ("neo4j", "neo4j.io", "neo4j.pool", "neo4j.session"):
    logging.getLogger(_name).addFilter(QUIET)


def cut_connection(session: neo4j.Session) -> None:
    """Shut the raw socket of ``session``'s connection down, so a thread blocked reading
    from it gets an error at once. Uses driver internals; does nothing if they moved."""
    connection = getattr(session, "_connection", None)
    bolt_socket = getattr(connection, "socket", None)
    raw = getattr(bolt_socket, "_socket", None)
    if isinstance(raw, socket.socket):
        try:
            raw.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
