"""Benchmark of the embedded nGQL engine on a generated graph (not a test).

Builds a space of N vertices (tag ``person(name string, age int)``) and M ``knows``
edges (``weight int``) through batched INSERT statements, then reports load time, the
process's resident memory, and the median/p95 latency of GO 1 STEPS, GO 2 STEPS, a
MATCH seeded by ``id(v) == ...`` (one and two hops), a LOOKUP on an indexed tag, and FIND [SINGLE] SHORTEST PATH.

    .venv/bin/python benchmarks/ngql_bench.py [--vertices 100000] [--edges 1000000]

The graph is loaded twice: through INSERT text (timed with the building of the text,
as a script would), then through the bulk-load API ``NgqlDatabase.bulk_insert_vertices``
/ ``bulk_insert_edges``.

Goals (issue): load < 30 s; GO 2 STEPS from one vertex < 10 ms.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import time

from momq.ngql import NgqlDatabase


def rss_mib() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(session, query: str, repeat: int) -> tuple[float, float, int]:
    times = []
    n = 0
    for _ in range(repeat):
        t = time.perf_counter()
        rs = session.execute(query, timeout_s=60)
        times.append((time.perf_counter() - t) * 1000)
        n = len(rs.rows)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1 if len(times) > 1 else 0], n


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--vertices", type=int, default=100_000)
    ap.add_argument("--edges", type=int, default=1_000_000)
    ap.add_argument("--batch", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=50)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    rnd = random.Random(args.seed)
    nv, ne = args.vertices, args.edges

    base = rss_mib()
    db = NgqlDatabase()
    t0 = time.perf_counter()
    db.load_script(
        "CREATE SPACE bench(vid_type=INT64); USE bench;"
        "CREATE TAG person(name string, age int); CREATE EDGE knows(weight int);"
        "CREATE TAG INDEX person_age ON person(age);"
    )
    s = db.session("bench")
    for start in range(0, nv, args.batch):
        vals = ", ".join(f'{i}:("p{i}", {rnd.randint(18, 80)})' for i in range(start, min(nv, start + args.batch)))
        s.execute(f"INSERT VERTEX person(name, age) VALUES {vals}")
    t_vertices = time.perf_counter() - t0
    for start in range(0, ne, args.batch):
        vals = ", ".join(
            f"{rnd.randrange(nv)}->{rnd.randrange(nv)}@{k}:({rnd.randint(1, 100)})"
            for k in range(start, min(ne, start + args.batch))
        )
        s.execute(f"INSERT EDGE knows(weight) VALUES {vals}")
    load_s = time.perf_counter() - t0
    mem = rss_mib() - base
    print(f"graph: {nv} vertices, {db.catalog.spaces['bench'].edge_count} edges")
    print(
        f"load (batched INSERT statements, {args.batch} rows each): {load_s:.1f} s "
        f"(vertices {t_vertices:.1f} s); memory +{mem:.0f} MiB RSS"
    )
    vids = [rnd.randrange(nv) for _ in range(5)]
    queries = {
        "GO 1 STEPS": f"GO FROM {vids[0]} OVER knows YIELD dst(edge) AS d, knows.weight AS w",
        "GO 2 STEPS": f"GO 2 STEPS FROM {vids[1]} OVER knows YIELD dst(edge) AS d",
        "MATCH id()": f"MATCH (v)-[e:knows]->(v2) WHERE id(v) == {vids[2]} RETURN v2.person.name, e.weight",
        "MATCH 2 hops": f"MATCH (v)-[:knows]->(v2)-[:knows]->(v3) WHERE id(v) == {vids[2]} "
        "RETURN v3.person.name AS name, v3.person.age AS age",
        "LOOKUP index": "LOOKUP ON person WHERE person.age == 33 YIELD id(vertex) AS id",
        "FIND SHORTEST PATH": f"FIND SHORTEST PATH FROM {vids[3]} TO {vids[4]} OVER knows UPTO 6 STEPS YIELD path AS p",
        "FIND SINGLE SHORTEST": f"FIND SINGLE SHORTEST PATH FROM {vids[3]} TO {vids[4]} OVER knows UPTO 6 STEPS "
        "YIELD path AS p",
    }
    for name, q in queries.items():
        rep = args.repeat if not name.startswith(("LOOKUP", "FIND")) else max(3, args.repeat // 10)
        med, p95, n = timed(s, q, rep)
        print(f"{name:20s} median {med:8.2f} ms   p95 {p95:8.2f} ms   rows {n}")

    # the same graph through the bulk-load API (no nGQL text to build or parse)
    del s, db
    rnd = random.Random(args.seed)
    db = NgqlDatabase()
    db.load_script(
        "CREATE SPACE bench(vid_type=INT64); USE bench;"
        "CREATE TAG person(name string, age int); CREATE EDGE knows(weight int);"
        "CREATE TAG INDEX person_age ON person(age);"
    )
    t0 = time.perf_counter()
    db.bulk_insert_vertices(
        "bench", "person", ((i, (f"p{i}", rnd.randint(18, 80))) for i in range(nv)), props=["name", "age"]
    )
    db.bulk_insert_edges(
        "bench",
        "knows",
        ((rnd.randrange(nv), rnd.randrange(nv), k, (rnd.randint(1, 100),)) for k in range(ne)),
        props=["weight"],
    )
    print(f"load (NgqlDatabase.bulk_insert_vertices/edges): {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
