"""momq's execution overhead against the raw driver, per SQL engine.

For every sql-eval gold (first alternative, ``{a, b}`` -> ``a``) that runs, the same
query is timed through the raw driver (psycopg / PyMySQL: one autocommit connection,
``execute`` + ``fetchall``, same login) and through ``Engine.execute`` (vetting,
read-only transaction, time limit, row cap, plain values). Rounds alternate between the
two (and which goes first) so drift hits both; per query the median and the minimum of
the rounds are kept; the ratios are sum(momq) / sum(raw) of each. On a shared, noisy
machine the minima are the steadier estimate of the fixed per-query cost. Goal: <= 1.10.

Each side opens ``--connections`` connections per database (3 by default) and the golds
take them in turn (a gold's rounds all run on its pair): identical bare connections differ
by 5-8 % on a loaded machine (the server process or thread each one gets), which one
connection per side and database would add to the ratio as luck.

psycopg turns a text run 5 times into a server-side prepared statement, on both sides;
``--no-prepare`` switches that off on both sides to measure the cost of a query run once
(planning included).

Usage::

    .venv/bin/python benchmarks/sql_overhead.py [--rounds 15] [--engines postgres mysql] [--no-prepare]
        [--connections 3] [--transaction session|explicit]      # MySQL only

The embedded servers are started on demand (and left running: stop them with
``momq engines down``); the defog databases must be loaded (the script loads them,
idempotently).
"""

from __future__ import annotations

import argparse
import csv
import re
import statistics
import time

from momq import settings
from momq.databases import defog
from momq.engines import BACKENDS

#: runs of each text on each connection before the timed rounds: psycopg prepares a text
#: run 5 times (both sides), so every timed round of the default mode runs the prepared
#: statement, as a repeated query does
WARM_RUNS = 5

GOLDS = {"postgres": "questions_gen_postgres.csv", "mysql": "questions_gen_mysql_mariadb.csv"}


def first_gold(query: str) -> str:
    statement = next(s for s in query.split(";") if s.strip())
    chosen: list[str] = []

    def pick(match: re.Match) -> str:
        options = [o.strip() for o in match.group(1).split(",") if o.strip()]
        chosen.append(options[0])
        return options[0]

    statement = re.sub(r"\{([^{}]+)\}", pick, statement)
    return statement.replace("{}", ", ".join(chosen)).strip()


def raw_runner(engine_name: str, database: str, prepare: bool = True):
    """A function running one query through the bare driver, same server and login."""
    if engine_name == "postgres":
        import psycopg

        from momq.engines.postgres import server_conninfo

        info, _ = server_conninfo(database, settings.engine_settings("postgres"))
        conn = psycopg.connect(**info, autocommit=True)
        if not prepare:
            conn.prepare_threshold = None
        return lambda q: conn.execute(q).fetchall(), conn.close
    import pymysql

    from momq.engines.mysql import server_conninfo

    info, _ = server_conninfo(database, settings.engine_settings("mysql"))
    conn = pymysql.connect(**info, autocommit=True)

    def run(q):
        with conn.cursor() as cur:
            cur.execute(q)
            return cur.fetchall()

    return run, conn.close


def open_with(engine_name: str, database: str, transaction: str):
    from importlib import import_module

    options = {**settings.engine_settings(engine_name), "transaction": transaction}
    return import_module(BACKENDS[engine_name]).connect(database, options)


def measure(
    engine_name: str, rounds: int, prepare: bool = True, transaction: str = "session", connections: int = 3
) -> dict:
    (defog.build_postgres if engine_name == "postgres" else defog.build_mysql)()
    path = settings.data_dir() / "sql" / "sql-eval" / GOLDS[engine_name]
    rows = list(csv.DictReader(path.open()))
    by_db: dict[str, list[str]] = {}
    for row in rows:
        by_db.setdefault(row["db_name"], []).append(first_gold(row["query"]))
    raw_total = momq_total = raw_min = momq_min = 0.0
    cold_total = 0.0
    used = 0
    for db, queries in sorted(by_db.items()):
        engines = [open_with(engine_name, db, transaction) for _ in range(connections)]
        raws = [raw_runner(engine_name, db, prepare) for _ in range(connections)]
        if not prepare and engine_name == "postgres":
            for engine in engines:
                engine._conn.prepare_threshold = None  # benchmark only: the cost of one planning per run
        for index, query in enumerate(queries):
            # the golds take the connections in turn (each gold keeps its pair for all its rounds)
            raw, engine = raws[index % connections][0], engines[index % connections]
            try:
                start = time.perf_counter()
                engine.execute(query)  # first call: vetting not cached yet
                cold_total += time.perf_counter() - start
                for _ in range(WARM_RUNS):
                    raw(query)
                    engine.execute(query)
            except Exception:  # noqa: BLE001 - golds that fail on this engine are left out
                continue
            raw_times, momq_times = [], []
            for round_ in range(rounds):
                pair = [(raw, raw_times), (engine.execute, momq_times)]
                for run, times in pair if round_ % 2 == 0 else reversed(pair):
                    start = time.perf_counter()
                    run(query)
                    times.append(time.perf_counter() - start)
            raw_total += statistics.median(raw_times)
            momq_total += statistics.median(momq_times)
            raw_min += min(raw_times)
            momq_min += min(momq_times)
            used += 1
        for engine in engines:
            engine.close()
        for _, close_raw in raws:
            close_raw()
    return {
        "engine": engine_name,
        "queries": used,
        "raw_ms": raw_total * 1000,
        "momq_ms": momq_total * 1000,
        "ratio": momq_total / raw_total,
        "ratio_min": momq_min / raw_min,
        "momq_first_call_ms": cold_total * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument(
        "--connections", type=int, default=3, help="connections per side and database, taken in turn by the golds"
    )
    parser.add_argument("--engines", nargs="+", default=["postgres", "mysql"], choices=list(GOLDS))
    parser.add_argument(
        "--no-prepare",
        action="store_true",
        help="PostgreSQL: no automatic prepared statements on either side (every round "
        "plans the query again, as a query run once does)",
    )
    parser.add_argument(
        "--transaction",
        choices=["session", "explicit"],
        default="session",
        help="MySQL's read-only transaction mode (see momq.engines.mysql); PostgreSQL always "
        "runs each query in its own pipelined transaction",
    )
    args = parser.parse_args()
    for engine_name in args.engines:
        r = measure(
            engine_name,
            args.rounds,
            prepare=not args.no_prepare,
            transaction=args.transaction,
            connections=args.connections,
        )
        print(
            f"{r['engine']:9s} golds={r['queries']:3d}  raw={r['raw_ms']:8.1f} ms  momq={r['momq_ms']:8.1f} ms  "
            f"ratio(medians)={r['ratio']:.3f}  ratio(minima)={r['ratio_min']:.3f}  "
            f"(momq first calls, vetting uncached: {r['momq_first_call_ms']:.1f} ms)"
        )


if __name__ == "__main__":
    main()
