"""Embedded servers momq starts itself (PostgreSQL, MariaDB, ArcadeDB).

Each server keeps its data directory and a state file (pid, port) under
``momq.settings.home()/servers/<name>/``. ``start`` and ``stop`` are idempotent;
``status`` reports whether the recorded process is alive and answering.
"""

from __future__ import annotations

import abc
import json
import os
import secrets
import signal
import socket
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from momq import settings
from momq.errors import EngineUnavailable


@dataclass
class ServerState:
    name: str
    pid: int | None
    port: int | None
    data_dir: str
    running: bool
    detail: str = ""


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie child still answers kill(0): look at /proc
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return True


def reap(pid: int) -> None:
    """Collect the exit status of a server started by this process (no zombie left);
    a server started by another process is reaped by its parent or init."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


class EmbeddedServer(abc.ABC):
    """One embedded server. Subclasses implement ``_launch`` and ``_ready``."""

    name: str

    def __init__(self) -> None:
        self.root = settings.home() / "servers" / self.name
        self.root.mkdir(parents=True, exist_ok=True)
        self.state_file = self.root / "state.json"

    # state -----------------------------------------------------------------
    def _read_state(self) -> dict:
        try:
            return json.loads(self.state_file.read_text())
        except (OSError, ValueError):
            return {}

    def _write_state(self, **state: object) -> None:
        tmp = self.state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(state))
        tmp.replace(self.state_file)

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    # accounts --------------------------------------------------------------
    #: the server's login names (an administrator, then the read-only login)
    accounts: tuple[str, ...] = ()

    @property
    def secrets_file(self) -> Path:
        return self.root / "secrets.json"

    def secrets(self) -> dict[str, str]:
        """A random password per account, created on first use and kept in a file only
        the owner can read."""
        try:
            return json.loads(self.secrets_file.read_text())
        except (OSError, ValueError):
            pass
        data = {account: secrets.token_hex(16) for account in self.accounts}
        self.secrets_file.touch(mode=0o600)
        self.secrets_file.write_text(json.dumps(data))
        return data

    @property
    def port(self) -> int | None:
        return self._read_state().get("port")

    # lifecycle -------------------------------------------------------------
    def status(self) -> ServerState:
        state = self._read_state()
        pid, port = state.get("pid"), state.get("port")
        running = pid_alive(pid) and port is not None and port_open(port)
        return ServerState(self.name, pid, port, str(self.data_dir), running)

    def start(self, timeout_s: float = 120.0) -> ServerState:
        """Start the server unless it already runs; return its state."""
        current = self.status()
        if current.running:
            return current
        if current.pid and pid_alive(current.pid):  # alive but not answering: stale
            self._kill(current.pid)
        # a restart keeps the previous port when it is free, so open clients reconnect
        port = current.port if current.port and not port_open(current.port) else free_port()
        pid = self._launch(port)
        self._write_state(pid=pid, port=port)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if not pid_alive(pid):
                raise RuntimeError(f"{self.name} server exited during start-up; see {self.log_file}")
            if port_open(port) and self._ready(port):
                return self.status()
            time.sleep(0.3)
        self._kill(pid)
        raise RuntimeError(f"{self.name} server did not answer within {timeout_s:.0f}s; see {self.log_file}")

    def start_for(self, engine: str, hint: str) -> ServerState:
        """``start()`` for an engine that needs this server: a failure to start becomes
        :class:`~momq.errors.EngineUnavailable` naming the server and ``hint``."""
        try:
            return self.start()
        except EngineUnavailable:
            raise
        except Exception as exc:  # noqa: BLE001 - any start-up failure means: unavailable
            raise EngineUnavailable(
                f"the embedded {self.name} server could not start: {exc}; {hint}", engine=engine
            ) from exc

    def stop(self) -> ServerState:
        state = self._read_state()
        if state.get("pid") and pid_alive(state["pid"]):
            self._kill(state["pid"])
        if state:
            self._write_state(pid=None, port=state.get("port"))
        return self.status()

    @property
    def log_file(self) -> Path:
        return self.root / "server.log"

    #: the signal asking the server to shut down (PostgreSQL's fast shutdown is SIGINT:
    #: its SIGTERM waits for clients to disconnect)
    stop_signal: signal.Signals = signal.SIGTERM

    def _kill(self, pid: int, grace_s: float = 20.0) -> None:
        """Ask the server to stop, wait ``grace_s``, then SIGKILL; reap it if it is our
        child so it does not linger as a zombie."""
        try:
            os.kill(pid, self.stop_signal)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + grace_s
        while time.monotonic() < deadline and pid_alive(pid):
            reap(pid)
            time.sleep(0.1)
        if pid_alive(pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        reap(pid)

    @abc.abstractmethod
    def _launch(self, port: int) -> int:
        """Initialise the data dir if needed, start the server detached on ``port``; return its pid."""

    @abc.abstractmethod
    def _ready(self, port: int) -> bool:
        """True once the server accepts queries."""

    def as_dict(self) -> dict:
        return asdict(self.status())
