"""What one question costs on ``momq ask``'s code path outside the model.

The question goes through the ``momq ask`` verb itself (``momq.cli.ask.ask``, called in
process as the plain function it is; typer's parsing of the command line is left out)
with the scripted test LM (``momq.llm.scripted``), whose answer is the query, so the
only work measured is momq's: question checks, schema, value alignment, prompt,
extraction, read-only checks, execution and printing the answer. For each (dialect,
database, question) it records, for one question after a warm-up question on the same
database (the value index is built, the engine started, the modules imported):

- ``functions`` / ``modules`` / ``packages``: the distinct momq functions, modules and
  packages (``momq.<package>``) the question runs code in;
- ``hops``: the distinct call edges between two different momq modules (caller module
  -> callee module), i.e. how many module boundaries the path crosses;
- ``parses``: how many times a query text is parsed (``momq.ngql``'s parser for nGQL,
  sqlglot's ``Parser.parse`` for SQL), split into the candidate's and the others
  (schema introspection queries);
- ``introspection``: engine queries sent by ``momq.schema`` (schema introspection);
  ``engine_queries``: all engine queries of the question;
- ``checks``: calls of the question guard (``check_question``);
- ``row_passes``: passes over the candidate's result rows that build new rows while
  the engine runs it (``ResultSet.to_momq_rows``, ``plain_rows``, the row copies of the
  engines' ``execute``);
- ``first_parses`` / ``first_introspection`` / ``first_engine_queries``: the same counts
  for the first question of a process, as ``momq ask`` runs it;
- ``outside_model_ms``: wall time of the question minus the model's time (median of
  ``--repeat`` unprofiled runs), in process;
- ``process_ms`` (``--process``): wall time of ``momq ask`` as its own process (imports,
  engine start and snapshot load included; median of ``--process`` runs).

Counts come from ``sys.setprofile`` (a run of its own, never timed).

    MOMQ_HOME=... PYTHONPATH=src .venv/bin/python benchmarks/ask_path.py             # ngql + postgres
    MOMQ_HOME=... PYTHONPATH=src .venv/bin/python benchmarks/ask_path.py --process 5 --json out.json
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

CASES = {
    "ngql": (
        "basketballplayer",
        "Who does Tim Duncan follow?",
        'GO FROM "player100" OVER follow YIELD dst(edge) AS friend',
    ),
    "postgres": ("academic", "How many authors are there?", "SELECT COUNT(*) FROM author"),
    "mysql": ("restaurants", "How many restaurants are there?", "SELECT COUNT(*) FROM restaurant"),
}
#: a question and query on the same database before the measured one (a different query:
#: a repeated text would find the sandbox's vetting cache warm)
WARM_UP = {
    "ngql": ("Who does Tony Parker follow?", 'GO FROM "player101" OVER follow YIELD dst(edge) AS friend'),
    "postgres": ("How many journals are there?", "SELECT COUNT(*) FROM journal"),
    "mysql": ("How many cities are there?", "SELECT COUNT(*) FROM location"),
}

SRC = str(Path(__file__).resolve().parents[1] / "src" / "momq")
#: (file suffix, function name) of the code that builds new rows from a result's rows
ROW_SITES = {
    ("ngql/engine.py", "to_momq_rows"),
    ("engines/ngql.py", "<listcomp>"),
    ("engines/sql_common.py", "plain_rows"),
}


def _module(filename: str) -> str | None:
    if not filename.startswith(SRC):
        return None
    rel = filename[len(SRC) - len("momq") :].removesuffix(".py").replace(os.sep, ".")
    return rel.removesuffix(".__init__")


class Counter:
    """The ``sys.setprofile`` hook that counts what the module docstring lists."""

    def __init__(self, candidate: str):
        self.candidate = candidate
        self.functions: set[str] = set()
        self.modules: set[str] = set()
        self.edges: set[tuple[str, str]] = set()
        self.parses = {"candidate": 0, "other": 0}
        self.introspection = 0
        self.engine_queries = 0
        self.checks = 0
        self.row_passes = 0
        self._running: list[object] = []  # frames of engine queries sent by a pipeline

    def __call__(self, frame, event, arg) -> None:  # noqa: ANN001 - the profiler's signature
        if event == "return":
            if self._running and frame is self._running[-1]:
                self._running.pop()
            return
        if event != "call":
            return
        code = frame.f_code
        filename = code.co_filename
        if filename.endswith(os.path.join("sqlglot", "parser.py")) and code.co_name == "parse":
            self._parse(frame.f_locals.get("sql") or "")
            return
        module = _module(filename)
        if module is None:
            return
        name = f"{module}.{code.co_qualname}"
        self.functions.add(name)
        self.modules.add(module)
        caller = _module(frame.f_back.f_code.co_filename) if frame.f_back is not None else None
        if caller and caller != module:
            self.edges.add((caller, module))
        if module == "momq.ngql.parser" and code.co_name == "parse_all":
            self._parse(getattr(frame.f_locals.get("self"), "query", ""))
        elif module == "momq.pipelines.base" and code.co_name == "check_question":
            self.checks += 1
        elif (
            module.startswith("momq.engines.")
            and code.co_name == "execute"
            and caller
            and not caller.startswith("momq.engines.")
        ):
            self.engine_queries += 1
            if caller.startswith("momq.schema."):
                self.introspection += 1
            elif caller.startswith("momq.pipelines."):
                self._running.append(frame)
        elif self._running and any(filename.endswith(s) and code.co_name == f for s, f in ROW_SITES):
            self.row_passes += 1

    def _parse(self, text: str) -> None:
        self.parses["candidate" if text.strip() == self.candidate else "other"] += 1

    def report(self) -> dict:
        packages = {".".join(m.split(".")[:2]) for m in self.modules}
        return {
            "functions": len(self.functions),
            "modules": len(self.modules),
            "packages": len(packages),
            "hops": len(self.edges),
            "parses": sum(self.parses.values()),
            "candidate_parses": self.parses["candidate"],
            "introspection": self.introspection,
            "engine_queries": self.engine_queries,
            "checks": self.checks,
            "row_passes": self.row_passes,
        }


def _ask_args(dialect: str, question: str, query: str) -> list[str]:
    database = CASES[dialect][0]
    tag = "sql" if dialect in ("postgres", "mysql") else dialect
    return ["ask", question, "--db", database, "--dialect", dialect, "--model", f"scripted:```{tag}\n{query}\n```"]


def ask(dialect: str, question: str, query: str) -> None:
    """``momq ask`` on the case's database, its printing captured."""
    import contextlib
    import io

    import typer

    from momq.cli.ask import ask as verb

    tag = "sql" if dialect in ("postgres", "mysql") else dialect
    with contextlib.redirect_stdout(io.StringIO()) as out:
        try:
            verb(
                question=question,
                db=CASES[dialect][0],
                dialect=dialect,
                pipeline="direct",
                model=f"scripted:```{tag}\n{query}\n```",
                language="en",
                max_repairs=2,
                max_new_tokens=192,
                timeout=30.0,
                max_rows=1000,
                train=None,
                ranker_model=None,
                as_json=False,
            )
        except typer.Exit as exc:
            raise SystemExit(f"{dialect}: ask failed ({exc.exit_code}):\n{out.getvalue()}") from None


def _timed_model() -> list[float]:
    """Model time of the scripted LM, accumulated in the returned list."""
    from momq.llm.scripted import ScriptedModel

    spent = [0.0]
    plain = ScriptedModel._generate

    def generate(self, prompts, config):  # noqa: ANN001, ANN202
        started = time.perf_counter()
        try:
            return plain(self, prompts, config)
        finally:
            spent[0] += time.perf_counter() - started

    ScriptedModel._generate = generate  # type: ignore[method-assign]
    return spent


def profiled(dialect: str) -> dict:
    """The counts of one question (see the module docstring)."""
    database, question, query = CASES[dialect]
    counter = Counter(query)
    sys.setprofile(counter)
    try:
        ask(dialect, question, query)
    finally:
        sys.setprofile(None)
    return counter.report()


def measure(dialect: str, repeat: int) -> dict:
    database, question, query = CASES[dialect]
    ask(dialect, *WARM_UP[dialect])
    row = {"dialect": dialect, "database": database, **profiled(dialect)}
    model = _timed_model()
    times = []
    for _ in range(repeat):
        model[0] = 0.0
        started = time.perf_counter()
        ask(dialect, question, query)
        times.append(time.perf_counter() - started - model[0])
    row["outside_model_ms"] = round(statistics.median(times) * 1000, 1)
    return row


def first_question(dialect: str) -> dict:
    """The counts of the first question of a process, as ``momq ask`` runs it (a child
    process of this script; the value index and the engines exist already)."""
    done = subprocess.run([sys.executable, __file__, "--child", dialect], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{dialect}: child failed:\n{done.stdout}\n{done.stderr}")
    counts = json.loads(done.stdout.strip().splitlines()[-1])
    return {f"first_{k}": counts[k] for k in ("parses", "introspection", "engine_queries")}


def process_ms(dialect: str, runs: int) -> float:
    """Median wall time of ``momq ask`` as its own process (the scripted model's time is
    negligible: it returns its answer)."""
    database, question, query = CASES[dialect]
    command = [sys.executable, "-c", "from momq.cli import main; main()", *_ask_args(dialect, question, query)]
    times = []
    for _ in range(runs + 1):  # the first run warms the file cache
        started = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True)
        times.append(time.perf_counter() - started)
        if done.returncode != 0:
            raise SystemExit(f"{dialect}: momq ask failed:\n{done.stdout}\n{done.stderr}")
    return round(statistics.median(times[1:]) * 1000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dialects", default="ngql,postgres", help="comma-separated: ngql, postgres, mysql")
    parser.add_argument("--repeat", type=int, default=5, help="timed in-process runs per dialect (median)")
    parser.add_argument("--process", type=int, default=0, help="also time N `momq ask` processes per dialect")
    parser.add_argument("--json", type=Path, help="write the rows here too")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(profiled(args.child)))
        return
    rows = []
    for dialect in args.dialects.split(","):
        row = measure(dialect, args.repeat)
        row.update(first_question(dialect))
        if args.process:
            row["process_ms"] = process_ms(dialect, args.process)
        rows.append(row)
        print(json.dumps(row), flush=True)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    main()
