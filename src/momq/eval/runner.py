"""The evaluation runner: execute gold and predicted queries, compare, record outcomes.

Design choices, and why:

- **One worker per dialect.** Engines are separate servers (PostgreSQL, MariaDB,
  ArcadeDB, the embedded nGQL engine), so running the four dialects in parallel uses
  the machine without making two queries fight over one server. Inside a dialect,
  databases are visited one after the other on one connection each.
- **Per-query time limits.** Every execute call carries ``timeout_s``; a timeout is an
  outcome of its own (``timeout``), never an error.
- **Gold results are cached for the run and its resumption only**, on disk beside the
  journal (``<out>/gold-cache/<YYYY-MM-DD>.sqlite``), and only on the day they were
  computed: several defog tables hold dates relative to load time, and a cache shared
  across runs would outlive a database rebuild. Within a run, alternatives are executed
  only when the first gold does not match.
- **Resumable.** Each outcome is appended to a journal as soon as it is known; a rerun
  with the same output folder skips examples whose prediction has not changed.

The runner takes an ``engine_factory(dialect, database)`` so tests can run it on fake
engines; by default it is ``momq.engines.open_engine``.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import hashlib
import json
import pickle
import re
import sqlite3
import threading
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from momq.data.records import Dialogue, Example, iter_jsonl_lines, iter_jsonl_objects
from momq.engines.base import DEFAULT_MAX_ROWS, Engine, Result, check_limits
from momq.errors import ConfigError, EngineUnavailable, QueryError, QueryTimeout
from momq.eval.compare import compare_results, compare_subset
from momq.eval.metrics import ERROR, MISSING, TIMEOUT, Outcome, exact_match

EngineFactory = Callable[[str, str], Engine]
#: ``progress(done, total)`` after each outcome
ProgressFn = Callable[[int, int], None]


# --------------------------------------------------------------------------------------
# predictions
# --------------------------------------------------------------------------------------


class PredictionsError(ConfigError):
    """A predictions file is unusable; ``problems`` lists ``(line, message)``, line 0 for
    problems that belong to no line (missing ids)."""

    def __init__(self, path: Path | str, problems: list[tuple[int, str]]):
        self.path, self.problems = str(path), problems
        shown = "\n".join((f"  line {n}: {msg}" if n else f"  {msg}") for n, msg in problems[:60])
        more = f"\n  ... and {len(problems) - 60} more" if len(problems) > 60 else ""
        super().__init__(f"{path}: {len(problems)} problem(s) in the predictions:\n{shown}{more}")


_QUERY_KEYS = ("query", "prediction", "predicted", "pred", "sql", "cypher", "ngql")


def load_predictions(path: Path | str, examples: Sequence[Example], *, allow_missing: bool = False) -> dict[str, str]:
    """``{example id: predicted query}`` from a JSONL file.

    A line is ``{"id": ..., "query": ...}`` (``prediction``/``predicted``/``sql``... also
    accepted), or for dialogues ``{"id": <dialogue id>, "turns": [q1, q2, ...]}``
    (strings or objects with a query), which stands for the turn ids ``<id>#1``...
    Every non-UTF-8, non-JSON, id-less, unknown or duplicate line is reported, with its
    line number, in one :class:`PredictionsError`; so are ids without a prediction
    unless ``allow_missing``.
    """
    known = {e.id for e in examples}
    dialogue_turns: dict[str, int] = {}
    for e in examples:
        if "dialogue" in e.meta:
            dialogue_turns[e.meta["dialogue"]] = max(
                dialogue_turns.get(e.meta["dialogue"], 0), int(e.meta.get("turn", 1))
            )
    predictions: dict[str, str] = {}
    seen_at: dict[str, int] = {}
    problems: list[tuple[int, str]] = []

    def put(number: int, key: str, query: Any) -> None:
        if key not in known:
            problems.append((number, f"unknown id {key!r}"))
        elif key in seen_at:
            problems.append((number, f"duplicate id {key!r} (first on line {seen_at[key]})"))
        elif not isinstance(query, str):
            problems.append((number, f"id {key!r}: the prediction is not a string"))
        else:
            seen_at[key] = number
            predictions[key] = query

    if not Path(path).is_file():
        raise ConfigError(
            f"predictions file {str(path)!r} " + ("is a directory" if Path(path).is_dir() else "does not exist")
        )
    for number, item in iter_jsonl_objects(path, problems):
        key = item.get("id")
        if key is None or key == "":
            problems.append((number, "no 'id'"))
            continue
        key = str(key)
        if "turns" in item and key in dialogue_turns:
            turns = item["turns"]
            if not isinstance(turns, list):
                problems.append((number, f"id {key!r}: 'turns' is not a list"))
                continue
            for i, turn in enumerate(turns, start=1):
                query = (
                    turn
                    if isinstance(turn, str)
                    else (next((turn[k] for k in _QUERY_KEYS if isinstance(turn, dict) and k in turn), None))
                )
                put(number, f"{key}#{i}", query)
            continue
        query = next((item[k] for k in _QUERY_KEYS if k in item), None)
        if query is None:
            problems.append((number, f"id {key!r}: no query (one of {', '.join(_QUERY_KEYS)})"))
            continue
        put(number, key, query)
    if not allow_missing:
        missing = [e.id for e in examples if e.id not in predictions]
        if missing:
            listed = ", ".join(missing[:20]) + (" ..." if len(missing) > 20 else "")
            problems.append((0, f"{len(missing)} example(s) have no prediction: {listed}"))
    if problems:
        raise PredictionsError(path, problems)
    return predictions


def flatten(records: Iterable[Example | Dialogue]) -> list[Example]:
    """Examples, with dialogues expanded into one example per turn."""
    out: list[Example] = []
    for record in records:
        out.extend(record.turn_examples() if isinstance(record, Dialogue) else [record])
    return out


# --------------------------------------------------------------------------------------
# gold cache
# --------------------------------------------------------------------------------------


class GoldCache:
    """Gold results of today, on disk (sqlite, pickled Results), shared by threads."""

    #: gold results kept in memory (least recently used out): enough for examples that
    #: share a gold (an English and a Chinese question), without holding a whole run
    MEMORY_ENTRIES = 256

    def __init__(self, folder: Path | None, day: str | None = None):
        self.day = day or _dt.date.today().isoformat()
        self._lock = threading.Lock()
        self._memory: OrderedDict[str, Result] = OrderedDict()
        self._db = None
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
            for old in folder.glob("*.sqlite"):
                if old.stem != self.day:  # results from other days may be stale
                    old.unlink(missing_ok=True)
            self._db = sqlite3.connect(folder / f"{self.day}.sqlite", check_same_thread=False)
            self._db.execute("CREATE TABLE IF NOT EXISTS gold (key TEXT PRIMARY KEY, result BLOB)")

    @staticmethod
    def key(dialect: str, database: str, query: str, max_rows: int) -> str:
        text = f"{dialect}\0{database}\0{max_rows}\0{query}"
        return hashlib.sha256(text.encode()).hexdigest()

    def get(self, key: str) -> Result | None:
        with self._lock:
            if key in self._memory:
                self._memory.move_to_end(key)
                return self._memory[key]
            if self._db is None:
                return None
            row = self._db.execute("SELECT result FROM gold WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        result = pickle.loads(row[0])
        with self._lock:
            self._remember(key, result)
        return result

    def _remember(self, key: str, result: Result) -> None:
        self._memory[key] = result
        self._memory.move_to_end(key)
        while len(self._memory) > self.MEMORY_ENTRIES:
            self._memory.popitem(last=False)

    def put(self, key: str, result: Result) -> None:
        with self._lock:
            self._remember(key, result)
            if self._db is not None:
                self._db.execute("INSERT OR REPLACE INTO gold VALUES (?, ?)", (key, pickle.dumps(result)))
                self._db.commit()

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None


# --------------------------------------------------------------------------------------
# the run
# --------------------------------------------------------------------------------------


@dataclass
class RunOptions:
    timeout_s: float = 30.0
    max_rows: int = DEFAULT_MAX_ROWS
    float_tol: float = 1e-6
    #: compute R3's CA and EA with the local embedding model
    similarity: bool = False
    #: compute EM with the dialects' normalisers
    em: bool = True
    #: sql-eval's lenient subset rule, reported apart
    subset: bool = True
    alpha: float = 1 / 3
    beta: float = 1 / 3
    #: one worker per dialect (False: everything in the calling thread)
    parallel: bool = True


def _import_backends(todo: dict[str, Any]) -> None:
    """Import each dialect's engine module and dialect before the worker threads start:
    concurrent first imports of modules with import cycles (sqlglot's dialects) race."""
    from importlib import import_module

    from momq.dialects import get_dialect
    from momq.engines import BACKENDS

    for dialect in todo:
        get_dialect(dialect)
        if dialect in BACKENDS:
            import_module(BACKENDS[dialect])


def _prediction_hash(query: str | None) -> str:
    return hashlib.sha256((query or "\0missing").encode()).hexdigest()[:16]


class Journal:
    """Outcomes appended as they are known (JSON lines with the prediction's hash)."""

    def __init__(self, path: Path | None):
        self.path = path
        self._lock = threading.Lock()

    def load(self) -> dict[str, tuple[str, Outcome]]:
        done: dict[str, tuple[str, Outcome]] = {}
        if self.path is None or not self.path.exists():
            return done
        for _number, item in iter_jsonl_lines(self.path):
            if isinstance(item, dict) and "outcome" in item:  # a torn last line is skipped
                try:
                    done[item["outcome"]["id"]] = (item["hash"], Outcome.from_dict(item["outcome"]))
                except (KeyError, TypeError):
                    continue
        return done

    def append(self, outcome: Outcome, pred_hash: str) -> None:
        if self.path is None:
            return
        line = json.dumps({"hash": pred_hash, "outcome": outcome.to_dict()}, default=str)
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "a", encoding="utf-8") as handle:
                handle.write(line + "\n")


class _Worker:
    """Evaluates the examples of one dialect, one connection per database."""

    def __init__(self, factory: EngineFactory, cache: GoldCache, options: RunOptions):
        self.factory, self.cache, self.options = factory, cache, options
        self.raw_exec_s = 0.0  # time spent inside engine.execute (for the overhead benchmark)

    def _execute(self, engine: Engine, query: str) -> Result:
        start = time.perf_counter()
        try:
            return engine.execute(query, timeout_s=self.options.timeout_s, max_rows=self.options.max_rows)
        finally:
            self.raw_exec_s += time.perf_counter() - start

    def gold(self, engine: Engine, example: Example, query: str) -> Result:
        key = GoldCache.key(example.dialect, example.database, query, self.options.max_rows)
        cached = self.cache.get(key)
        if cached is not None:
            return cached
        result = self._execute(engine, query)
        self.cache.put(key, result)
        return result

    def evaluate(self, engine: Engine, example: Example, predicted: str | None) -> Outcome:
        o = self.options
        outcome = Outcome(
            id=example.id,
            dialect=example.dialect,
            database=example.database,
            category=example.category,
            language=example.language,
            dialogue=example.meta.get("dialogue"),
            turn=example.meta.get("turn"),
            pattern=example.category if "dialogue" in example.meta else "",
        )
        start = time.perf_counter()
        try:
            gold = self.gold(engine, example, example.query)
        except QueryError as exc:
            outcome.gold_error = f"{exc.kind}: {exc.message}"
            outcome.reason = "gold failed"
            return outcome
        except (EngineUnavailable, ConfigError):
            raise
        except Exception as exc:  # an engine defect must not stop a long run
            outcome.gold_error = f"engine defect: {type(exc).__name__}: {exc}"
            outcome.reason = "gold failed"
            return outcome
        outcome.gold_elapsed_s = time.perf_counter() - start
        if predicted is None:
            outcome.status, outcome.reason = MISSING, "no prediction"
            if o.em:
                outcome.em = False
            return outcome
        if o.em:
            outcome.em = any(_em(predicted, g, example.dialect) for g in example.golds)
        start = time.perf_counter()
        try:
            try:
                pred = self._execute(engine, predicted)
            except EngineUnavailable:
                # the connection went away during the prediction: the engine reconnects
                # (restarting an embedded server) on its next query; a second failure
                # means the server is down and stops the run
                pred = self._execute(engine, predicted)
        except QueryTimeout as exc:
            outcome.status, outcome.error_kind, outcome.error = TIMEOUT, exc.kind, exc.message
            outcome.reason = "prediction timed out"
            return outcome
        except QueryError as exc:
            outcome.status, outcome.error_kind, outcome.error = ERROR, exc.kind, exc.message
            outcome.reason = "prediction failed"
            return outcome
        except (EngineUnavailable, ConfigError):
            raise
        except Exception as exc:  # an engine defect: counted as an error, named as such
            outcome.status, outcome.error_kind = ERROR, f"EngineDefect:{type(exc).__name__}"
            outcome.error, outcome.reason = str(exc), "prediction failed (engine defect)"
            return outcome
        finally:
            outcome.pred_elapsed_s = time.perf_counter() - start
        ordered = gold.ordered or ngql_pipe_orders(example.dialect, example.query)
        verdict = compare_results(gold, pred, ordered=ordered, float_tol=o.float_tol)
        best_gold = gold
        if not verdict.match:
            for alternative in example.alternatives:
                try:
                    alt = self.gold(engine, example, alternative)
                except QueryError:
                    continue
                alt_verdict = compare_results(
                    alt,
                    pred,
                    float_tol=o.float_tol,
                    ordered=alt.ordered or ngql_pipe_orders(example.dialect, alternative),
                )
                if alt_verdict.match:
                    verdict, best_gold = alt_verdict, alt
                    break
        outcome.ex, outcome.reason = verdict.match, verdict.reason
        if example.source.startswith("sql-eval/"):
            outcome.ex_source = verdict.match or sql_eval_correct(
                list(self._gold_results(engine, example)), pred, example, float_tol=o.float_tol
            )
        if o.subset:
            outcome.subset = verdict.match or any(
                compare_subset(g, pred, float_tol=o.float_tol).match for g in self._gold_results(engine, example)
            )
        if o.similarity:
            from momq.eval.similarity import result_similarity

            outcome.ea = result_similarity(best_gold, pred, alpha=o.alpha, beta=o.beta)
        return outcome

    def _gold_results(self, engine: Engine, example: Example) -> Iterable[Result]:
        for query in example.golds:
            try:
                yield self.gold(engine, example, query)
            except QueryError:
                continue


_SQL_EVAL_ORDER_WORDS = re.compile(r"\b(order|sort|arrange)\b", re.I)


def sql_eval_orders(example: Example) -> bool:
    """sql-eval compares rows in order only when the question's category is ``order_by``
    or the question asks for an order (``normalize_table`` in defog's ``eval/eval.py``),
    whatever ORDER BY the gold has."""
    return example.category == "order_by" or bool(_SQL_EVAL_ORDER_WORDS.search(example.question))


def sql_eval_correct(golds: Sequence[Result], pred: Result, example: Example, *, float_tol: float) -> bool:
    """sql-eval's verdict ("correct"): some expanded gold equals the prediction or is a
    subset of its columns, duplicate rows dropped, rows ordered per
    :func:`sql_eval_orders`."""
    ordered = sql_eval_orders(example)
    pred = _distinct_rows(pred)
    return any(
        compare_results(g, pred, ordered=ordered, float_tol=float_tol).match
        or compare_subset(g, pred, ordered=ordered, float_tol=float_tol).match
        for g in map(_distinct_rows, golds)
    )


def _distinct_rows(result: Result) -> Result:
    """The result with duplicate rows dropped, first occurrences kept in order."""
    try:
        rows = list(dict.fromkeys(tuple(r) for r in result.rows))
    except TypeError:  # unhashable cells (lists, maps): keep the rows as they are
        return result
    return dataclasses.replace(result, rows=rows)


@lru_cache(maxsize=65536)
def ngql_pipe_orders(dialect: str, query: str) -> bool:
    """Whether an nGQL query's output order is fixed by a final ``| ORDER BY`` (possibly
    followed by ``| LIMIT``). A fallback for engines that only flag ORDER BY inside
    MATCH ... RETURN as ordered."""
    if dialect != "ngql" or "|" not in query:
        return False
    from momq.dialects.base import split_outside_quotes

    stages = [part.strip().upper() for part in split_outside_quotes(query, "|") if part.strip()]
    if stages and stages[-1].startswith("LIMIT") and len(stages) > 1:
        stages = stages[:-1]
    return bool(stages) and stages[-1].startswith("ORDER BY")


def _em(predicted: str, gold: str, dialect: str) -> bool | None:
    try:
        return exact_match(predicted, gold, dialect)
    except Exception:
        return None


@dataclass
class RunResult:
    outcomes: list[Outcome]
    wall_s: float
    raw_exec_s: float
    resumed: int = 0
    notes: list[str] = field(default_factory=list)


def evaluate(
    examples: Sequence[Example],
    predictions: dict[str, str],
    *,
    options: RunOptions | None = None,
    engine_factory: EngineFactory | None = None,
    cache_dir: Path | None = None,
    journal_path: Path | None = None,
    progress: ProgressFn | None = None,
) -> RunResult:
    """Score ``predictions`` (``{id: query}``) against ``examples``; see module docstring.
    Outcomes come back in the order of ``examples``."""
    options = options or RunOptions()
    options.timeout_s, options.max_rows = check_limits(options.timeout_s, options.max_rows)
    if engine_factory is None:
        from momq.engines import open_engine

        engine_factory = open_engine
    cache = GoldCache(cache_dir)
    journal = Journal(journal_path)
    done = journal.load()
    results: dict[str, Outcome] = {}
    todo: dict[str, dict[str, list[Example]]] = {}
    resumed = 0
    for example in examples:
        previous = done.get(example.id)
        if previous and previous[0] == _prediction_hash(predictions.get(example.id)):
            results[example.id] = previous[1]
            resumed += 1
            continue
        todo.setdefault(example.dialect, {}).setdefault(example.database, []).append(example)
    total = len(examples)
    lock = threading.Lock()
    counter = [len(results)]
    if progress:
        progress(counter[0], total)
    if options.similarity:
        from momq.llm.embeddings import load_model

        load_model()  # once, before the threads start
    _import_backends(todo)
    workers: list[_Worker] = []

    def run_dialect(groups: dict[str, list[Example]]) -> None:
        worker = _Worker(engine_factory, cache, options)
        workers.append(worker)
        for database, group in groups.items():
            with engine_factory(group[0].dialect, database) as engine:
                for example in group:
                    predicted = predictions.get(example.id)
                    outcome = worker.evaluate(engine, example, predicted)
                    journal.append(outcome, _prediction_hash(predicted))
                    with lock:
                        results[example.id] = outcome
                        counter[0] += 1
                        if progress:
                            progress(counter[0], total)

    start = time.perf_counter()
    try:
        if options.parallel and len(todo) > 1:
            with ThreadPoolExecutor(max_workers=len(todo), thread_name_prefix="momq-eval") as pool:
                futures = [pool.submit(run_dialect, groups) for groups in todo.values()]
                errors = []
                for future in futures:
                    try:
                        future.result()
                    except (EngineUnavailable, ConfigError) as exc:
                        errors.append(exc)
                if errors:
                    raise errors[0]
        else:
            for groups in todo.values():
                run_dialect(groups)
    finally:
        cache.close()
    wall = time.perf_counter() - start
    outcomes = [results[e.id] for e in examples]
    if options.similarity:
        _add_comprehension(examples, predictions, outcomes)
    return RunResult(outcomes, wall, sum(w.raw_exec_s for w in workers), resumed)


def _add_comprehension(examples: Sequence[Example], predictions: dict[str, str], outcomes: list[Outcome]) -> None:
    from momq.eval.similarity import query_similarities

    pairs = [
        (i, predictions[e.id], e.query)
        for i, e in enumerate(examples)
        if e.id in predictions and outcomes[i].ca is None
    ]
    if not pairs:
        return
    scores = query_similarities([p for _, p, _ in pairs], [g for _, _, g in pairs])
    for (i, _, _), score in zip(pairs, scores):
        outcomes[i].ca = 1.0 if predictions[examples[i].id] == examples[i].query else score


def gold_predictions(examples: Sequence[Example]) -> dict[str, str]:
    """Each example's gold query as its own prediction (the CI self-check)."""
    return {e.id: e.query for e in examples}


__all__ = [
    "PredictionsError",
    "load_predictions",
    "flatten",
    "GoldCache",
    "RunOptions",
    "RunResult",
    "evaluate",
    "gold_predictions",
    "Journal",
]
