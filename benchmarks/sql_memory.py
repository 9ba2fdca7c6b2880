"""Peak client memory of a query that returns 20 million rows, through momq and through
the bare driver (SQL) or the embedded engine (nGQL).

Each measurement runs in a fresh subprocess and reports its peak resident set size
(``ru_maxrss``), so one does not inherit the other's heap. momq runs the query with the
default row cap (10,000 rows come back, flagged truncated): PostgreSQL through a
server-side cursor, MariaDB through an unbuffered read that is cut at the cap. The bare
driver (``--raw``, psycopg / PyMySQL ``fetchall``) holds every row. The embedded nGQL
engine has no driver: two nested UNWINDs build the rows in process, streamed and cut at
the cap (``--rows`` is rounded down to a multiple of 1,000). Goal: momq < 200 MB.

Usage::

    .venv/bin/python benchmarks/sql_memory.py [--rows 20000000] [--engines postgres mysql ngql] [--raw]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

QUERIES = {
    "postgres": "SELECT g AS n, 'row ' || g AS label FROM generate_series(1, {rows}) AS g",
    # MariaDB's Sequence engine: a virtual table seq_1_to_N in any database
    "mysql": "SELECT seq AS n, CONCAT('row ', seq) AS label FROM seq_1_to_{rows}",
    # no table holds millions of rows in the demo graphs: the product of two lists
    "ngql": "UNWIND range(0, {thousands} - 1) AS a UNWIND range(1, 1000) AS b "
    "RETURN a * 1000 + b AS n, 'row ' + toString(a * 1000 + b) AS label",
}
DATABASES = {"postgres": "car_dealership", "mysql": "car_dealership", "ngql": "basketballplayer"}


def child(engine_name: str, rows: int, raw: bool) -> None:
    """Run one query and print JSON: rows returned, seconds, peak RSS in MB."""
    from momq import settings

    query = QUERIES[engine_name].format(rows=rows, thousands=rows // 1000)
    database = DATABASES[engine_name]
    start = time.perf_counter()
    count, error = 0, None
    if raw and engine_name == "postgres":
        import psycopg

        from momq.engines.postgres import server_conninfo

        info, _ = server_conninfo(database, settings.engine_settings("postgres"))
        with psycopg.connect(**info, autocommit=True) as conn:
            count = len(conn.execute(query).fetchall())
    elif raw:
        import pymysql

        from momq.engines.mysql import server_conninfo

        info, _ = server_conninfo(database, settings.engine_settings("mysql"))
        conn = pymysql.connect(**info)
        with conn.cursor() as cur:
            cur.execute(query)
            count = len(cur.fetchall())
        conn.close()
    else:
        from momq.engines import open_engine
        from momq.errors import ExecutionError

        with open_engine(engine_name, database) as engine:
            try:
                count = len(engine.execute(query, timeout_s=600).rows)
            except ExecutionError as exc:  # e.g. the nGQL memory budget before rows were streamed
                error = str(exc).splitlines()[0]
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"rows": count, "seconds": time.perf_counter() - start, "peak_mb": peak_mb, "error": error}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000_000)
    parser.add_argument("--engines", nargs="+", default=list(QUERIES), choices=list(QUERIES))
    parser.add_argument("--raw", action="store_true", help="also measure the bare driver's fetchall")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]), args.child[2] == "raw")
        return
    for engine_name in args.engines:
        for mode in ["momq", "raw"] if args.raw and engine_name != "ngql" else ["momq"]:
            out = subprocess.run(
                [sys.executable, __file__, "--child", engine_name, str(args.rows), mode],
                capture_output=True,
                text=True,
                check=False,
            )
            if out.returncode != 0:
                print(f"{engine_name:9} {mode:5} failed: {out.stderr.strip().splitlines()[-1:]}")
                continue
            r = json.loads(out.stdout.strip().splitlines()[-1])
            back = f"refused ({r['error']})" if r["error"] else f"{r['rows']:,} rows back"
            print(
                f"{engine_name:9} {mode:5} query of {args.rows:,} rows: {back} in "
                f"{r['seconds']:.1f} s, peak client memory {r['peak_mb']:.0f} MB"
            )


if __name__ == "__main__":
    main()
