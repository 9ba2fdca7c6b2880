"""momq's Cypher execution overhead against the raw neo4j driver.

Runs the same text2cypher movies golds (those that succeed) on the embedded ArcadeDB
server twice per round: once with the bare driver (a session, ``run``, the records'
values) and once through ``CypherEngine.execute`` (token check, explicit transaction
rolled back, watchdog, normalised values, ORDER BY detection). Rounds alternate the
order to spread warm-up and noise; the token cache is cleared before every momq call,
so each query pays its full check. For each query the minimum and the median over the
rounds are kept; the report gives the totals, the overhead per query and the ratio
momq/raw for both (goal: <= 1.10).

    .venv/bin/python benchmarks/cypher_overhead.py [--queries 200] [--rounds 15]
"""

from __future__ import annotations

import argparse
import csv
import statistics
import time

import neo4j

from momq.databases import neo4j_demo
from momq.engines import cypher
from momq.settings import data_dir


def golds(limit: int) -> list[str]:
    path = data_dir() / "cypher" / "text2cypher" / "text2cypher_gpt4turbo.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        return [r["cypher"] for r in csv.DictReader(handle) if r["database"] == "movies"][: limit * 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()

    neo4j_demo.build(["movies"])
    engine = cypher.connect("movies")
    server = engine._embedded
    driver = neo4j.GraphDatabase.driver(server.bolt_url(), auth=server.credentials())

    def raw(query: str) -> int:
        with driver.session(database="movies") as session:
            return len([record.values() for record in session.run(query)])

    def momq(query: str) -> int:
        cypher.tokenize.cache_clear()
        return len(engine.execute(query, timeout_s=30, max_rows=10_000).rows)

    queries = []
    for query in golds(args.queries):
        try:
            momq(query)
            raw(query)
        except Exception:  # noqa: BLE001 - only golds that run on both sides are timed
            continue
        queries.append(query)
        if len(queries) == args.queries:
            break

    times: dict[str, dict[int, list[float]]] = {"raw": {}, "momq": {}}
    for rnd in range(args.rounds):
        order = [("raw", raw), ("momq", momq)] if rnd % 2 == 0 else [("momq", momq), ("raw", raw)]
        for i, query in enumerate(queries):
            for name, fn in order:
                start = time.perf_counter()
                fn(query)
                times[name].setdefault(i, []).append(time.perf_counter() - start)

    # per query: the best (minimum) and the median over rounds; the minimum is the usual
    # estimate of a fixed overhead (it filters out other processes' noise)
    print(f"queries: {len(queries)} movies golds, rounds: {args.rounds}")
    for stat_name, stat in (("min", min), ("median", statistics.median)):
        per = {name: [stat(t[i]) for i in range(len(queries))] for name, t in times.items()}
        total = {name: sum(values) for name, values in per.items()}
        print(
            f"[{stat_name:6s}] raw {total['raw'] * 1000:7.1f} ms  momq {total['momq'] * 1000:7.1f} ms  "
            f"overhead/query {(total['momq'] - total['raw']) / len(queries) * 1e6:5.1f} us  "
            f"ratio momq/raw {total['momq'] / total['raw']:.3f}"
        )
    engine.close()
    driver.close()


if __name__ == "__main__":
    main()
