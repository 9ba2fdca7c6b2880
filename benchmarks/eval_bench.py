"""Evaluation harness overhead and throughput (not a test: prints a table).

For each built test split (``momq bench build`` first), with every gold used as its own
prediction:

- **raw**: the same queries executed back to back on one connection per database (gold,
  then prediction), nothing else: the floor any harness pays;
- **harness**: ``momq.eval.runner.evaluate`` sequentially (``parallel=False``, no gold
  cache) so that it executes exactly the raw queries, plus its comparison, EM, journal;
- **overhead** = harness wall time / raw wall time (goal <= 1.10);
- **throughput**: executed queries per second through the harness, per engine;
- **parallel**: one run over all splits with one worker per dialect (wall time).

Usage: ``python benchmarks/eval_bench.py [--splits postgres-test mysql-test ...] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from momq.engines import open_engine
from momq.eval.bench import TEST_SPLITS, available_splits, load_split
from momq.eval.runner import RunOptions, evaluate, gold_predictions


def raw_seconds(examples) -> float:
    """Execute every gold twice (gold + identical prediction), nothing else."""
    by_db: dict[tuple[str, str], list] = {}
    for e in examples:
        by_db.setdefault((e.dialect, e.database), []).append(e)
    total = 0.0
    for (dialect, database), group in by_db.items():
        with open_engine(dialect, database) as engine:
            start = time.perf_counter()
            for e in group:
                engine.execute(e.query)
                engine.execute(e.query)
            total += time.perf_counter() - start
    return total


def harness_seconds(examples, journal: Path | None) -> tuple[float, float]:
    """(wall time of the harness loop, time spent inside engine.execute)."""
    if journal is not None and journal.exists():
        journal.unlink()
    run = evaluate(examples, gold_predictions(examples),
                   options=RunOptions(parallel=False), cache_dir=None, journal_path=journal)
    assert all(o.ex for o in run.outcomes if not o.gold_error), "gold-as-prediction must match"
    return run.wall_s, run.raw_exec_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--splits", nargs="*", default=None)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--journal", type=Path, default=None,
                        help="also time the resume journal (a file path)")
    args = parser.parse_args()
    built = set(available_splits())
    splits = [s for s in (args.splits or TEST_SPLITS) if s in built]
    if not splits:
        raise SystemExit("no test split built: run `momq bench build` first")
    print(f"{'split':20} {'n':>5} {'raw s':>8} {'harness s':>10} {'overhead':>9} {'q/s':>8}")
    everything = []
    for split in splits:
        examples = load_split(split)
        everything += examples
        raw_seconds(examples[:20])  # warm connections and server caches
        raws, harnesses = [], []
        for _ in range(args.repeat):
            raws.append(raw_seconds(examples))
            wall, _engine = harness_seconds(examples, args.journal)
            harnesses.append(wall)
        raw, harness = statistics.median(raws), statistics.median(harnesses)
        qps = 2 * len(examples) / harness if harness else float("inf")
        print(f"{split:20} {len(examples):5d} {raw:8.2f} {harness:10.2f} {harness / raw:9.3f} {qps:8.1f}")
    start = time.perf_counter()
    evaluate(everything, gold_predictions(everything), options=RunOptions(parallel=True),
             cache_dir=None)
    wall = time.perf_counter() - start
    print(f"all splits, one worker per dialect: {len(everything)} examples in {wall:.2f} s "
          f"({2 * len(everything) / wall:.1f} queries/s)")


if __name__ == "__main__":
    main()
