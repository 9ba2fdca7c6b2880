"""momq's embedded PostgreSQL server.

momq initialises its own cluster with the PostgreSQL binaries already on the machine
(Debian: ``/usr/lib/postgresql/<version>/bin``; found through ``MOMQ_PG_BINDIR``, then
``pg_config --bindir``, then the Debian default) in ``<home>/servers/postgres/data``
and runs it on a free loopback port with no unix socket, so it never collides with a
system cluster.

Accounts: the superuser ``postgres`` (used to build databases) and ``momq_reader``
(LOGIN, no privileges but CONNECT and the SELECT grants the loaders give it), each with
a random password kept in ``secrets.json`` (mode 0600) beside the data dir. Queries run
as ``momq_reader``: a read-only role under the read-only transaction is one more
layer between a generated query and the data. In every database (at each start, and
by the loaders after a load, :func:`harden`) EXECUTE on the functions with effects
outside a rolled-back read-only transaction is revoked from PUBLIC
(:data:`REVOKED_FUNCTIONS`: large objects, files, signals, advisory locks, settings,
sequences, functions that run a query given as text), and so is TEMPORARY on the
database; the reader gets no sequence privileges.

PostgreSQL refuses to run as root. When momq runs as root the server runs as the
``postgres`` system user; the data dir is chowned to it, and when that user cannot
traverse to the data dir (``/root`` is usually 0700) the process keeps one extra
capability, CAP_DAC_READ_SEARCH (read and traverse only), through ``setpriv``, so the
state stays under momq's home without changing any directory's permissions.

The cluster is a rebuildable cache of demo data, so durability settings (fsync,
full_page_writes) are off and memory settings are small: loading is faster and the
server is a good neighbour on a shared machine.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
from pathlib import Path

from momq.engines.servers.base import EmbeddedServer, pid_alive

DEBIAN_DEFAULT_BINDIR = "/usr/lib/postgresql/15/bin"
READER = "momq_reader"
SUPERUSER = "postgres"


#: functions whose EXECUTE privilege is revoked from PUBLIC in every database: they act
#: outside the read-only transaction (files, large objects, other sessions, locks held
#: by the session, settings) or run SQL given as text, out of the sandbox's sight
REVOKED_FUNCTIONS = (
    "lo_import",
    "lo_export",
    "lo_create",
    "lo_creat",
    "lo_unlink",
    "lo_open",
    "lo_close",
    "lo_put",
    "lo_get",
    "lo_from_bytea",
    "lo_truncate",
    "lo_truncate64",
    "lo_lseek",
    "lo_lseek64",
    "lo_tell",
    "lo_tell64",
    "loread",
    "lowrite",
    "query_to_xml",
    "query_to_xmlschema",
    "query_to_xml_and_xmlschema",
    "cursor_to_xml",
    "cursor_to_xmlschema",
    "table_to_xml",
    "table_to_xmlschema",
    "table_to_xml_and_xmlschema",
    "schema_to_xml",
    "schema_to_xmlschema",
    "schema_to_xml_and_xmlschema",
    "database_to_xml",
    "database_to_xmlschema",
    "database_to_xml_and_xmlschema",
    "ts_stat",
    "ts_rewrite",
    "set_config",
    "pg_terminate_backend",
    "pg_cancel_backend",
    "pg_reload_conf",
    "pg_rotate_logfile",
    "pg_promote",
    "pg_log_backend_memory_contexts",
    "pg_notify",
    "pg_advisory_lock",
    "pg_advisory_lock_shared",
    "pg_try_advisory_lock",
    "pg_try_advisory_lock_shared",
    "pg_advisory_xact_lock",
    "pg_advisory_xact_lock_shared",
    "pg_try_advisory_xact_lock",
    "pg_try_advisory_xact_lock_shared",
    "pg_advisory_unlock",
    "pg_advisory_unlock_shared",
    "nextval",
    "setval",
    "currval",
    "lastval",
    "pg_read_file",
    "pg_read_binary_file",
    "pg_ls_dir",
    "pg_stat_file",
    "pg_ls_logdir",
    "pg_ls_waldir",
    "pg_ls_tmpdir",
    "pg_ls_archive_statusdir",
)


def harden(conn) -> None:
    """In the database ``conn`` (a superuser connection, autocommit) is connected to:
    revoke EXECUTE on :data:`REVOKED_FUNCTIONS` and TEMPORARY from PUBLIC, and every
    sequence privilege from the reader. Idempotent."""
    for (signature,) in conn.execute(
        "SELECT p.oid::regprocedure::text FROM pg_proc p WHERE p.proname = ANY(%s)", (list(REVOKED_FUNCTIONS),)
    ).fetchall():
        conn.execute(f"REVOKE EXECUTE ON FUNCTION {signature} FROM PUBLIC")
    # the engine releases a session's advisory locks after each query with this one
    conn.execute("GRANT EXECUTE ON FUNCTION pg_advisory_unlock_all() TO PUBLIC")
    database = conn.execute("SELECT current_database()").fetchone()[0]
    conn.execute(f'REVOKE TEMPORARY ON DATABASE "{database}" FROM PUBLIC')
    reader = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (READER,)).fetchone()
    if reader:
        for (schema,) in conn.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema'"
        ).fetchall():
            conn.execute(f'REVOKE ALL ON ALL SEQUENCES IN SCHEMA "{schema}" FROM {READER}')


def pg_bindir() -> Path:
    """Directory holding ``initdb`` and ``postgres``."""
    env = os.environ.get("MOMQ_PG_BINDIR")
    if env:
        return Path(env)
    pg_config = shutil.which("pg_config")
    if pg_config:
        try:
            out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, timeout=10)
            candidate = Path(out.stdout.strip())
            if (candidate / "initdb").exists():
                return candidate
        except (OSError, subprocess.SubprocessError):
            pass
    return Path(DEBIAN_DEFAULT_BINDIR)


class PostgresServer(EmbeddedServer):
    """The embedded PostgreSQL cluster (``momq engines up`` starts it)."""

    name = "postgres"
    stop_signal = signal.SIGINT  # fast shutdown: SIGTERM would wait for clients

    accounts = (SUPERUSER, READER)

    def conninfo(self, database: str = "postgres", *, reader: bool = False) -> dict:
        """psycopg connection keywords for ``database`` on the running server."""
        user = READER if reader else SUPERUSER
        return {
            "host": "127.0.0.1",
            "port": self.port,
            "user": user,
            "password": self.secrets()[user],
            "dbname": database,
        }

    # process ---------------------------------------------------------------
    def _as_postgres(self) -> list[str]:
        """Command prefix that runs a program as the ``postgres`` user when we are root."""
        if os.geteuid() != 0:
            return []
        prefix = ["setpriv", f"--reuid={SUPERUSER}", f"--regid={SUPERUSER}", "--init-groups"]
        probe = subprocess.run(prefix + ["test", "-x", str(self.root)], capture_output=True)
        if probe.returncode != 0:
            prefix += ["--inh-caps=+dac_read_search", "--ambient-caps=+dac_read_search"]
        return prefix + ["--"]

    def _chown_for_postgres(self, *paths: Path) -> None:
        if os.geteuid() != 0:
            return
        entry = pwd.getpwnam(SUPERUSER)
        for path in paths:
            os.chown(path, entry.pw_uid, entry.pw_gid)

    def _initdb(self) -> None:
        bindir = pg_bindir()
        if not (bindir / "initdb").exists():
            raise RuntimeError(f"PostgreSQL binaries not found in {bindir}: install postgresql or set MOMQ_PG_BINDIR")
        self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        pwfile = self.root / "initdb.pw"
        pwfile.write_text(self.secrets()[SUPERUSER] + "\n")
        self._chown_for_postgres(self.data_dir, pwfile)
        try:
            with open(self.log_file, "ab") as log:
                subprocess.run(
                    self._as_postgres()
                    + [
                        str(bindir / "initdb"),
                        "-D",
                        str(self.data_dir),
                        "-U",
                        SUPERUSER,
                        "--auth=scram-sha-256",
                        f"--pwfile={pwfile}",
                        "-E",
                        "UTF8",
                        "--locale=C.UTF-8" if _has_c_utf8() else "--locale=C",
                    ],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    check=True,
                    timeout=300,
                )
        finally:
            pwfile.unlink(missing_ok=True)

    def _launch(self, port: int) -> int:
        if not (self.data_dir / "PG_VERSION").exists():
            if self.data_dir.exists():
                shutil.rmtree(self.data_dir)
            self._initdb()
        self._remove_stale_lock()
        log = open(self.log_file, "ab")
        options = {
            "listen_addresses": "127.0.0.1",
            "port": str(port),
            "unix_socket_directories": "",
            "shared_buffers": "64MB",
            "max_connections": "60",
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "logging_collector": "off",
            "log_min_messages": "warning",
            "log_min_error_statement": "panic",
        }
        args = [str(pg_bindir() / "postgres"), "-D", str(self.data_dir)]
        for key, value in options.items():
            args += ["-c", f"{key}={value}"]
        proc = subprocess.Popen(
            self._as_postgres() + args,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        log.close()
        self._bootstrapped = False
        return proc.pid

    def _remove_stale_lock(self) -> None:
        """Remove ``postmaster.pid`` left by a server that was killed: PostgreSQL refuses
        to start while the process it names exists, and a killed server can linger as a
        zombie (``pid_alive`` treats zombies as dead)."""
        lock = self.data_dir / "postmaster.pid"
        try:
            pid = int(lock.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return
        if not pid_alive(pid):
            lock.unlink(missing_ok=True)

    def _ready(self, port: int) -> bool:
        import psycopg

        info = {
            "host": "127.0.0.1",
            "port": port,
            "user": SUPERUSER,
            "password": self.secrets()[SUPERUSER],
            "dbname": "postgres",
            "connect_timeout": 3,
        }
        try:
            with psycopg.connect(**info, autocommit=True) as conn:
                self._ensure_reader(conn)
                databases = [
                    row[0]
                    for row in conn.execute("SELECT datname FROM pg_database WHERE datallowconn ORDER BY 1").fetchall()
                ]
            for database in databases:
                with psycopg.connect(**{**info, "dbname": database}, autocommit=True) as conn:
                    harden(conn)
            return True
        except psycopg.OperationalError:
            return False

    def _ensure_reader(self, conn) -> None:
        """Create the read-only login role once (idempotent)."""
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (READER,)).fetchone()
        password = self.secrets()[READER]
        if not exists:
            conn.execute(f"CREATE ROLE {READER} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '{password}'")
        # every transaction of the role defaults to read-only, whatever the client asks
        conn.execute(f"ALTER ROLE {READER} SET default_transaction_read_only = on")


def _has_c_utf8() -> bool:
    try:
        out = subprocess.run(["locale", "-a"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return any(name.lower() in {"c.utf8", "c.utf-8"} for name in out.split())
