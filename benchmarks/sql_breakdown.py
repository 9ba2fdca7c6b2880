"""Where momq's per-query time goes on the SQL engines (not a test).

On the sql-eval golds of one database, back to back, rounds alternating: the bare driver
(as in ``sql_overhead.py``), the engine's sandboxed run alone (``_run``: the read-only
transaction, time limit, row cap, value conversion) and the whole ``Engine.execute``
(limits checked, cached vetting, the result object). Reports the client's CPU time
(``time.thread_time``: the Python work and the socket calls, not the wait for the
server) and the wall time per query, minima and medians over the rounds, and the cost
of the steps that need no server (limit checks, a repeated text's vetting).

    .venv/bin/python benchmarks/sql_breakdown.py [--engine postgres|mysql] [--database academic] [--rounds 41]
"""

from __future__ import annotations

import argparse
import csv
import statistics
import time
import timeit

from sql_overhead import GOLDS, first_gold, open_with, raw_runner

from momq import settings
from momq.dialects import get_dialect
from momq.engines.base import check_limits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", default="postgres", choices=list(GOLDS))
    parser.add_argument("--database", default="academic")
    parser.add_argument("--rounds", type=int, default=41)
    args = parser.parse_args()
    path = settings.data_dir() / "sql" / "sql-eval" / GOLDS[args.engine]
    golds = [first_gold(r["query"]) for r in csv.DictReader(path.open()) if r["db_name"] == args.database]
    engine = open_with(args.engine, args.database, "session")
    raw, close_raw = raw_runner(args.engine, args.database)
    dialect = get_dialect(args.engine)
    queries = []
    for query in golds:
        try:
            raw(query)
            engine.execute(query)
        except Exception:  # noqa: BLE001 - golds that fail on this engine are left out
            continue
        queries.append(query)
    texts = {q: dialect.vet(q, args.engine).text for q in queries}
    runs = {
        "bare driver": raw,
        "momq _run (sandbox)": lambda q: engine._run(texts[q], q, 30.0, 10_000),
        "momq execute": engine.execute,
    }
    cpu: dict[str, list[float]] = {name: [] for name in runs}
    wall: dict[str, list[float]] = {name: [] for name in runs}
    for round_ in range(args.rounds):
        order = list(runs.items()) if round_ % 2 else list(reversed(runs.items()))
        for name, run in order:
            started_cpu, started = time.thread_time(), time.perf_counter()
            for query in queries:
                run(query)
            cpu[name].append((time.thread_time() - started_cpu) / len(queries))
            wall[name].append((time.perf_counter() - started) / len(queries))
    print(f"{args.engine}, {args.database}: {len(queries)} golds, {args.rounds} rounds (microseconds per query)")
    for name in runs:
        print(
            f"  {name:22s} client CPU min {min(cpu[name]) * 1e6:6.1f} median {statistics.median(cpu[name]) * 1e6:6.1f}"
            f"   wall min {min(wall[name]) * 1e6:6.1f} median {statistics.median(wall[name]) * 1e6:6.1f}"
        )
    n = 20_000
    limits_us = timeit.timeit(lambda: check_limits(30.0, 10_000), number=n) / n * 1e6
    vet_us = timeit.timeit(lambda: dialect.vet(queries[0], args.engine), number=n) / n * 1e6
    print(f"  check_limits {limits_us:.1f} us, vetting a repeated text {vet_us:.2f} us")
    engine.close()
    close_raw()


if __name__ == "__main__":
    main()
