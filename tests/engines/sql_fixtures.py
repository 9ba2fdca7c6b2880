"""Session fixtures for the SQL engines (a pytest plugin registered by tests/conftest.py).

The embedded PostgreSQL and MariaDB servers are started once per test session and
stopped at its end, but only when this session started them: a server the developer
already runs (``momq engines up``) is left running. When ``MOMQ_POSTGRES_URL`` /
``MOMQ_MYSQL_URL`` point at other servers, those are used and nothing is started.
The defog databases are loaded once (idempotent: a no-op when already loaded today).
"""

from __future__ import annotations

import shutil

import pytest

from momq import settings


def _embedded(engine: str) -> bool:
    return not settings.engine_settings(engine).get("url")


@pytest.fixture(scope="session")
def pg_server():
    """The embedded PostgreSQL server (or None when a URL is configured)."""
    if not _embedded("postgres"):
        yield None
        return
    from momq.engines.servers.postgres import PostgresServer, pg_bindir

    if not (pg_bindir() / "postgres").exists():
        pytest.skip("PostgreSQL binaries not installed")
    server = PostgresServer()
    started = not server.status().running
    server.start()
    yield server
    if started:
        server.stop()


@pytest.fixture(scope="session")
def mariadb_server():
    """The embedded MariaDB server (or None when a URL is configured)."""
    if not _embedded("mysql"):
        yield None
        return
    if not (shutil.which("mariadbd") or shutil.which("mariadbd", path="/usr/sbin")):
        pytest.skip("MariaDB not installed")
    from momq.engines.servers.mariadb import MariadbServer

    server = MariadbServer()
    started = not server.status().running
    server.start()
    yield server
    if started:
        server.stop()


@pytest.fixture(scope="session")
def defog_postgres(pg_server):
    """All eleven defog databases in PostgreSQL."""
    from momq.databases import defog

    defog.build_postgres()
    return defog.list_defog()


@pytest.fixture(scope="session")
def defog_mysql(mariadb_server):
    """All eleven defog databases in MySQL/MariaDB."""
    from momq.databases import defog

    defog.build_mysql()
    return defog.list_defog()


@pytest.fixture
def pg_engine(defog_postgres):
    """``pg_engine(db)`` opens a read-only PostgreSQL engine; closed after the test."""
    from momq.engines import open_engine

    opened = []

    def factory(database: str = "car_dealership"):
        engine = open_engine("postgres", database)
        opened.append(engine)
        return engine

    yield factory
    for engine in opened:
        engine.close()


@pytest.fixture
def mysql_engine(defog_mysql):
    """``mysql_engine(db)`` opens a read-only MySQL engine; closed after the test."""
    from momq.engines import open_engine

    opened = []

    def factory(database: str = "car_dealership"):
        engine = open_engine("mysql", database)
        opened.append(engine)
        return engine

    yield factory
    for engine in opened:
        engine.close()


# helpers shared by the SQL engine tests ------------------------------------------
def first_gold(query: str) -> str:
    """The first alternative of a sql-eval gold: the first of several ';'-separated
    statements, ``{a, b}`` -> ``a`` and ``GROUP BY {}`` -> the chosen columns."""
    import re

    statement = next(s for s in query.split(";") if s.strip())
    chosen: list[str] = []

    def pick(match: re.Match) -> str:
        options = [o.strip() for o in match.group(1).split(",") if o.strip()]
        if not options:
            return match.group(0)
        chosen.append(options[0])
        return options[0]

    statement = re.sub(r"\{([^{}]+)\}", pick, statement)
    return statement.replace("{}", ", ".join(chosen)).strip()


def comparable(value):
    """A value in a form both engines agree on (booleans as 0/1, numbers as rounded
    floats, TIME as text)."""
    import datetime as dt
    import decimal

    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (decimal.Decimal, float)):
        return round(float(value), 6)
    if isinstance(value, dt.timedelta):  # MySQL TIME columns
        return str((dt.datetime.min + value).time())
    if isinstance(value, dt.time):
        return str(value)
    return value


# administrator access to the embedded servers (attack and property tests) -----------
ADMIN_DB = "car_dealership"


def _admin_info(engine: str) -> dict:
    """The embedded server's administrator connection keywords for ``ADMIN_DB`` (the
    test is skipped when a URL points at another server: it needs both logins)."""
    from importlib import import_module

    if not _embedded(engine):
        pytest.skip("runs on the embedded server (it needs the administrator login)")
    info, _ = import_module(f"momq.engines.{engine}").server_conninfo(ADMIN_DB, {}, admin=True)
    return info


def admin_url(engine: str, info: dict) -> str:
    scheme = "postgresql" if engine == "postgres" else "mysql"
    return f"{scheme}://{info['user']}:{info['password']}@{info['host']}:{info['port']}"


@pytest.fixture(scope="module")
def pg_admin(defog_postgres):
    """``(conninfo, connection)`` of the PostgreSQL superuser on ``ADMIN_DB`` (autocommit);
    one per module, because a module may kill the server (restart tests)."""
    import psycopg

    info = _admin_info("postgres")
    conn = psycopg.connect(**info, autocommit=True)
    yield info, conn
    conn.close()


@pytest.fixture(scope="module")
def mysql_admin(defog_mysql):
    """``(conninfo, connection)`` of the MariaDB administrator on ``ADMIN_DB`` (autocommit);
    one per module, because a module may kill the server (restart tests)."""
    import pymysql

    info = _admin_info("mysql")
    conn = pymysql.connect(**info, autocommit=True)
    yield info, conn
    conn.close()
