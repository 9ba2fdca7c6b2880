"""Bounded load test of ``momq serve`` on loopback: ``/api/query`` and ``/api/ask``.

Starts ``momq serve`` on a free loopback port (its own process), sends a fixed number of
requests at each concurrency level (1, 8, 32 by default) from a thread pool, and reports
requests/s, p50/p95/p99 latency, the status codes (zero 5xx is the goal) and the
server's resident memory after each level (it should stay flat). Every loop is bounded
by its request count and a per-request timeout; the server is stopped at the end.

    .venv/bin/python benchmarks/server_load.py                       # scripted model
    .venv/bin/python benchmarks/server_load.py --model smollm2 --ask-requests 16 --levels 1 8

The scripted model answers every question with one fixed query, so ``/api/ask`` measures
the service (queue, pipeline, read-only check, execution, serialisation), not a model.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QUERY = {"database": "basketballplayer", "query": 'GO FROM "player100" OVER follow YIELD dst(edge) AS friend'}
SQL_QUERY = {"database": "academic", "dialect": "postgres", "query": "SELECT name FROM author ORDER BY name LIMIT 20"}
ASK = {"database": "basketballplayer", "question": "Who does Tim Duncan follow?"}
SCRIPTED = 'scripted:```ngql\nGO FROM "player100" OVER follow YIELD dst(edge) AS friend\n```'


def start_server(model: str, queue_size: int, workers: int) -> tuple[subprocess.Popen, str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "src"),
        "MOMQ_SERVER_MODEL_WORKERS": str(workers),
        "MOMQ_SERVER_QUERY_QUEUE_SIZE": str(queue_size),
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from momq.cli import main; main()",
            "serve",
            "--port",
            "0",
            "--model",
            model,
            "--queue-size",
            str(queue_size),
            "--log-level",
            "warning",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        found = re.search(r"(http://\S+?)/?\s", line)
        if found:
            return process, found.group(1)
        if process.poll() is not None:
            break
    process.kill()
    raise SystemExit("the server did not start")


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def post(url: str, body: dict, timeout: float) -> tuple[int, float]:
    data = json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"}, method="POST")
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except (urllib.error.URLError, TimeoutError, ConnectionError):
        status = 0  # no answer within the timeout
    return status, time.perf_counter() - started


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


def level(url: str, body: dict, requests: int, concurrency: int, timeout: float) -> dict:
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        results = list(pool.map(lambda _: post(url, body, timeout), range(requests)))
    wall = time.perf_counter() - started
    latencies = [t for _, t in results]
    statuses: dict[int, int] = {}
    for status, _ in results:
        statuses[status] = statuses.get(status, 0) + 1
    return {
        "requests": requests,
        "concurrency": concurrency,
        "req_s": requests / wall,
        "p50_ms": percentile(latencies, 50) * 1000,
        "p95_ms": percentile(latencies, 95) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000,
        "statuses": statuses,
        "server_errors": sum(n for s, n in statuses.items() if s >= 500 or s == 0),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=SCRIPTED, help="model spec served (default: a scripted model)")
    parser.add_argument("--levels", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--query-requests", type=int, default=400)
    parser.add_argument("--ask-requests", type=int, default=200)
    parser.add_argument(
        "--queue-size",
        type=int,
        default=64,
        help="waiting room of each queue (>= the highest level, so no request is refused)",
    )
    parser.add_argument("--model-workers", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args()
    process, url = start_server(args.model, args.queue_size, args.model_workers)
    rows = []
    try:
        for body in (QUERY, SQL_QUERY, ASK):  # warm-up: engines opened, schemas and model loaded
            post(url + ("/api/ask" if "question" in body else "/api/query"), body, args.timeout)
        baseline = rss_mib(process.pid)
        print(f"server {url} pid {process.pid}; RSS after warm-up {baseline:.1f} MiB", flush=True)
        for name, path, body, count in (
            ("query (nGQL)", "/api/query", QUERY, args.query_requests),
            ("query (PostgreSQL)", "/api/query", SQL_QUERY, args.query_requests),
            ("ask (direct, nGQL)", "/api/ask", ASK, args.ask_requests),
        ):
            for concurrency in args.levels:
                result = level(url + path, body, count, concurrency, args.timeout)
                result.update(endpoint=name, rss_mib=rss_mib(process.pid))
                rows.append(result)
                print(
                    f"| {name} | {concurrency} | {count} | {result['req_s']:.3g} | {result['p50_ms']:.1f} | "
                    f"{result['p95_ms']:.1f} | {result['p99_ms']:.1f} | {result['server_errors']} | "
                    f"{result['rss_mib']:.1f} |",
                    flush=True,
                )
        print(
            f"RSS: {baseline:.1f} MiB after warm-up, {rows[-1]['rss_mib']:.1f} MiB at the end "
            f"({rows[-1]['rss_mib'] - baseline:+.1f} MiB)"
        )
        bad = [r for r in rows if r["server_errors"]]
        if bad:
            print(
                "server errors:", json.dumps([{k: r[k] for k in ("endpoint", "concurrency", "statuses")} for r in bad])
            )
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()


if __name__ == "__main__":
    main()
