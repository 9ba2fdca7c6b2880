"""momq's embedded MariaDB server (the MySQL engine when no MySQL server is configured).

momq initialises its own data dir with ``mariadb-install-db`` in
``<home>/servers/mariadb/data`` and runs ``mariadbd`` on a free loopback port with its
own unix socket and pid file in that folder, so it never collides with a system
server. Everything is in one option file (``my.cnf`` beside the data dir) that both
tools read with ``--defaults-file``, so no ``/etc/mysql`` setting leaks in.

Settings that matter for query semantics:

- ``sql_mode`` is MySQL 8's default (ONLY_FULL_GROUP_BY, STRICT_TRANS_TABLES,
  NO_ZERO_IN_DATE, NO_ZERO_DATE, ERROR_FOR_DIVISION_BY_ZERO, NO_ENGINE_SUBSTITUTION):
  MariaDB's own default accepts non-aggregated columns that MySQL 8 rejects, and
  generated MySQL must be judged as MySQL 8 would judge it.
- ``lower_case_table_names=1``: table names are case-insensitive like unquoted
  PostgreSQL names, so the defog tables (``sbCustomer``) answer to any casing.

Accounts: ``momq`` (all privileges, builds databases) and ``momq_reader`` (only the
``SELECT`` grants the loaders give it), both on 127.0.0.1 with random passwords kept
in ``secrets.json`` (mode 0600). ``root`` only logs in through the private socket.
When momq runs as root the server runs with ``--user=root`` (the ``mysql`` system user
usually cannot traverse ``/root``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from momq.engines.servers.base import EmbeddedServer

ADMIN = "momq"
READER = "momq_reader"
MYSQL8_SQL_MODE = (
    "ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,"
    "ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION"
)


def _binary(*names: str) -> str:
    for name in names:
        found = shutil.which(name) or next(
            (str(Path(d) / name) for d in ("/usr/sbin", "/usr/bin", "/usr/local/bin") if (Path(d) / name).exists()),
            None,
        )
        if found:
            return found
    raise RuntimeError(f"MariaDB binaries not found ({', '.join(names)}): install mariadb-server")


class MariadbServer(EmbeddedServer):
    """The embedded MariaDB server (``momq engines up`` starts it)."""

    name = "mariadb"

    @property
    def socket_path(self) -> Path:
        return self.root / "mysqld.sock"

    @property
    def config_file(self) -> Path:
        return self.root / "my.cnf"

    accounts = (ADMIN, READER)

    def conninfo(self, database: str | None = None, *, reader: bool = False) -> dict:
        """PyMySQL connection keywords for ``database`` on the running server."""
        user = READER if reader else ADMIN
        info = {"host": "127.0.0.1", "port": self.port, "user": user, "password": self.secrets()[user]}
        if database:
            info["database"] = database
        return info

    def _write_config(self, port: int) -> None:
        lines = [
            "[mysqld]",
            f"datadir={self.data_dir}",
            f"socket={self.socket_path}",
            f"pid-file={self.root / 'mariadbd.pid'}",
            f"port={port}",
            "bind-address=127.0.0.1",
            "skip-name-resolve",
            f"sql-mode={MYSQL8_SQL_MODE}",
            "lower-case-table-names=1",
            "character-set-server=utf8mb4",
            "collation-server=utf8mb4_general_ci",
            "innodb-buffer-pool-size=64M",
            "innodb-log-file-size=48M",
            "innodb-flush-log-at-trx-commit=2",
            "max-connections=60",
            "performance-schema=OFF",
            "skip-log-bin",
            "log-warnings=1",
            "local-infile=0",
            "secure-file-priv=" + str(self.root / "no-files"),
        ]
        if os.geteuid() == 0:
            lines.append("user=root")
        (self.root / "no-files").mkdir(exist_ok=True)
        self.config_file.write_text("\n".join(lines) + "\n")

    def _install(self) -> None:
        if self.data_dir.exists():
            shutil.rmtree(self.data_dir)
        self.data_dir.mkdir(parents=True)
        with open(self.log_file, "ab") as log:
            subprocess.run(
                [
                    _binary("mariadb-install-db", "mysql_install_db"),
                    f"--defaults-file={self.config_file}",
                    "--auth-root-authentication-method=normal",
                    "--skip-test-db",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                check=True,
                timeout=300,
            )
        (self.root / "accounts").unlink(missing_ok=True)
        (self.root / "installed").write_text("ok\n")

    def _launch(self, port: int) -> int:
        self._write_config(port)
        if not (self.root / "installed").exists() or not (self.data_dir / "mysql").is_dir():
            (self.root / "installed").unlink(missing_ok=True)
            self._install()
        self.socket_path.unlink(missing_ok=True)
        log = open(self.log_file, "ab")
        proc = subprocess.Popen(
            [_binary("mariadbd", "mysqld"), f"--defaults-file={self.config_file}", f"--log-error={self.log_file}"],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        log.close()
        return proc.pid

    def _create_accounts(self) -> None:
        """Create momq's two accounts through the private socket (root, no password),
        once: grant statements cannot run while ``mariadb-install-db`` bootstraps."""
        import pymysql

        pw = self.secrets()
        conn = pymysql.connect(unix_socket=str(self.socket_path), user="root", connect_timeout=3)
        try:
            with conn.cursor() as cur:
                for statement in (
                    f"CREATE USER IF NOT EXISTS '{ADMIN}'@'127.0.0.1' IDENTIFIED BY '{pw[ADMIN]}'",
                    f"GRANT ALL PRIVILEGES ON *.* TO '{ADMIN}'@'127.0.0.1' WITH GRANT OPTION",
                    f"CREATE USER IF NOT EXISTS '{READER}'@'127.0.0.1' IDENTIFIED BY '{pw[READER]}'",
                    # no anonymous accounts and no root over TCP
                    "DELETE FROM mysql.global_priv WHERE User = '' OR (User = 'root' AND Host <> 'localhost')",
                    "FLUSH PRIVILEGES",
                ):
                    cur.execute(statement)
        finally:
            conn.close()
        (self.root / "accounts").write_text("ok\n")

    def _ready(self, port: int) -> bool:
        import pymysql

        if not (self.root / "accounts").exists():
            try:
                self._create_accounts()
            except pymysql.err.MySQLError:
                return False
        try:
            conn = pymysql.connect(
                host="127.0.0.1", port=port, user=ADMIN, password=self.secrets()[ADMIN], connect_timeout=3
            )
        except pymysql.err.MySQLError:
            return False
        conn.close()
        return True
