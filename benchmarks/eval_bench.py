"""Evaluation harness overhead and throughput (not a test: prints a table).

For each built test split (``momq bench build`` first), with every gold used as its own
prediction:

- **raw**: the same queries executed back to back on one connection per database (gold,
  then prediction), nothing else: the floor any harness pays;
- **harness**: ``momq.eval.runner.evaluate`` sequentially (``parallel=False``, no gold
  cache) so that it executes exactly the raw queries, plus its comparison, EM, journal;
- **overhead** = harness wall time / raw wall time (goal <= 1.10), and harness wall time /
  time spent inside ``engine.execute`` during the harness run;
- **throughput**: executed queries per second through the harness, per engine (each
  split is one engine);
- **parallel**: one run over all splits with one worker per dialect (wall time).

Usage: ``python benchmarks/eval_bench.py [--splits postgres-test mysql-test ...] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import statistics
import time
from contextlib import contextmanager
from pathlib import Path

from momq.engines import open_engine
from momq.eval.bench import TEST_SPLITS, available_splits, load_split
from momq.eval.runner import RunOptions, evaluate, gold_predictions


@contextmanager
def embedded_servers(splits: list[str]):
    """Start the embedded servers the splits need (unless configured or already running)
    and stop, at the end, only those started here."""
    from momq import settings
    from momq.engines.servers.arcadedb import ArcadedbServer
    from momq.engines.servers.mariadb import MariadbServer
    from momq.engines.servers.postgres import PostgresServer

    wanted = {"postgres": PostgresServer, "mysql": MariadbServer, "cypher": ArcadedbServer}
    started = []
    try:
        for dialect, cls in wanted.items():
            if not any(s.startswith(dialect) for s in splits) or settings.engine_settings(dialect):
                continue
            server = cls()
            if not server.status().running:
                server.start()
                started.append(server)
        yield
    finally:
        for server in started:
            server.stop()


def raw_seconds(examples) -> float:
    """Execute what the harness executes, nothing else: each distinct gold of a database
    once (the harness keeps gold results of a run in memory) and every prediction (here
    the gold again) once, on one connection per database (connecting included)."""
    by_db: dict[tuple[str, str], list] = {}
    for e in examples:
        by_db.setdefault((e.dialect, e.database), []).append(e)
    total = 0.0
    for (dialect, database), group in by_db.items():
        start = time.perf_counter()  # connecting counts: the harness connects too
        with open_engine(dialect, database) as engine:
            seen = set()
            for e in group:
                if e.query not in seen:
                    seen.add(e.query)
                    engine.execute(e.query)
                engine.execute(e.query)
            total += time.perf_counter() - start
    return total


def harness_seconds(examples, journal: Path | None, em: bool) -> tuple[float, float]:
    """(wall time of the harness loop, time spent inside engine.execute)."""
    if journal is not None and journal.exists():
        journal.unlink()
    run = evaluate(
        examples,
        gold_predictions(examples),
        options=RunOptions(parallel=False, em=em),
        cache_dir=None,
        journal_path=journal,
    )
    assert all(o.ex for o in run.outcomes if not o.gold_error), "gold-as-prediction must match"
    return run.wall_s, run.raw_exec_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--splits", nargs="*", default=None)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-em", action="store_true", help="leave EM (normalisation) out")
    parser.add_argument("--journal", type=Path, default=None, help="also time the resume journal (a file path)")
    args = parser.parse_args()
    built = set(available_splits())
    splits = [s for s in (args.splits or TEST_SPLITS) if s in built]
    if not splits:
        raise SystemExit("no test split built: run `momq bench build` first")
    with embedded_servers(splits):
        run_all(splits, args)


def run_all(splits: list[str], args) -> None:
    print(
        f"{'split':20} {'n':>5} {'raw s':>8} {'harness s':>10} {'in engine s':>12} "
        f"{'overhead':>9} {'vs in-engine':>13} {'q/s':>8}"
    )
    everything = []
    for split in splits:
        examples = load_split(split)
        everything += examples
        raw_seconds(examples[:20])  # warm connections and server caches
        raws, harnesses, inside = [], [], []
        for _ in range(args.repeat):  # interleaved, medians reported
            raws.append(raw_seconds(examples))
            wall, engine_s = harness_seconds(examples, args.journal, not args.no_em)
            harnesses.append(wall)
            inside.append(engine_s)
        raw, harness = statistics.median(raws), statistics.median(harnesses)
        engine_s = statistics.median(inside)
        queries = len(examples) + len({(e.database, e.query) for e in examples})
        qps = queries / harness if harness else float("inf")
        print(
            f"{split:20} {len(examples):5d} {raw:8.3f} {harness:10.3f} {engine_s:12.3f} "
            f"{harness / raw:9.3f} {harness / engine_s:13.3f} {qps:8.1f}"
        )
    start = time.perf_counter()
    evaluate(everything, gold_predictions(everything), options=RunOptions(parallel=True), cache_dir=None)
    wall = time.perf_counter() - start
    print(
        f"all splits, one worker per dialect: {len(everything)} examples in {wall:.2f} s "
        f"({2 * len(everything) / wall:.1f} queries/s)"
    )


if __name__ == "__main__":
    main()
