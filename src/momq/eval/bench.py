"""``momq bench build``: the multi-dialect benchmark in the shape of MoMQ (Table 2).

Splits (written to ``momq.settings.home()/bench/<split>.jsonl``):

- ``postgres-test``: sql-eval ``questions_gen_postgres`` on the eleven defog databases;
  ``postgres-train``: Spider train transpiled from SQLite with sqlglot (what parses).
- ``mysql-test``: sql-eval ``questions_gen_mysql_mariadb`` (patched for MariaDB 10.11);
  ``mysql-train``: Spider train in the MySQL dialect.
- ``cypher-test``: text2cypher questions on movies and northwind whose gold runs on the
  embedded engine, returns rows and has a well-defined answer (see below);
  ``cypher-train``: the questions of the fourteen other text2cypher databases.
- ``ngql-train``: generated on ``nba`` (``momq.data.ngql_gen``); ``ngql-test``: generated
  on ``basketballplayer`` (a different schema); ``ngql-test-indomain``: a held-out slice
  of the nba queries (no query shared with ``ngql-train``).
- ``ngql-dialogues-test`` (basketballplayer) and ``ngql-dialogues-train`` (nba):
  generated multi-turn dialogues (MTGQL's shape: filter, sort, aggregate, hop
  follow-ups); the split files hold one example per turn (``<dialogue>#<turn>``), the
  dialogue records are in ``dialogues/<split>.jsonl``.
- Imbalance settings (MoMQ): ``train-full`` (all training data), ``train-mysql-high`` and
  ``train-cypher-high``: the high-resource dialect keeps all its training data, every
  other dialect 128 examples drawn with the seed.

**Order-dependent Cypher golds are excluded** from ``cypher-test``: a LIMIT/SKIP without
ORDER BY, or inside WITH, picks rows the query does not define, so another engine (or
another load of the same data) may rightly return other rows. A gold flagged so is kept
only when lifting its LIMITs gives the same rows (the cut never bites). A final
``ORDER BY ... LIMIT`` is checked for ties at the cut when its sort keys are returned
columns. Every exclusion is listed with its reason in the data card.

**Every test gold is executed twice** at build time; golds that fail, return no rows
(Cypher, nGQL) or differ between the two runs are excluded with the reason, so the
gold-as-prediction check (``momq eval --gold-as-prediction``) scores 100 %.

The data card (``card.json``, ``CARD.md``) gives counts per split, source, language and
category, and every dropped record with its reason (``rejected/<split>.jsonl``).
"""

from __future__ import annotations

import json
import random
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from momq import settings
from momq.data import loaders
from momq.data.records import Example, Rejected, read_examples, write_jsonl
from momq.errors import ConfigError, QueryError
from momq.eval.compare import compare_results

TEST_SPLITS = ("postgres-test", "mysql-test", "cypher-test", "ngql-test", "ngql-test-indomain", "ngql-dialogues-test")
TRAIN_SPLITS = ("postgres-train", "mysql-train", "cypher-train", "ngql-train")
#: multi-turn splits; their examples are the dialogue turns (ids ``<dialogue>#<turn>``)
DIALOGUE_SPLITS = ("ngql-dialogues-test", "ngql-dialogues-train")
IMBALANCE = ("train-full", "train-mysql-high", "train-cypher-high")
CYPHER_TEST_DBS = ("movies", "northwind")
LOW_RESOURCE_SIZE = 128

Progress = Callable[[str, int, int], None]


def bench_dir() -> Path:
    return settings.home() / "bench"


def split_path(split: str, root: Path | None = None) -> Path:
    return (root or bench_dir()) / f"{split}.jsonl"


def available_splits(root: Path | None = None) -> list[str]:
    folder = root or bench_dir()
    return sorted(p.stem for p in folder.glob("*.jsonl") if not p.stem.endswith(".training"))


def load_split(split: str, root: Path | None = None) -> list[Example]:
    """The examples of a built split; a clear error names the built ones otherwise (callers
    that also take a file read an existing file themselves; a missing one arrives here)."""
    if split.endswith(".jsonl") or "/" in split:
        raise ConfigError(f"no benchmark file {split}: give an existing .jsonl file or a built split's name")
    path = split_path(split, root)
    if not path.exists():
        built = available_splits(root)
        raise ConfigError(
            f"benchmark split {split!r} is not built ({path}); run `momq bench build`"
            + (f"; built splits: {', '.join(built)}" if built else "")
        )
    return read_examples(path)


def subsample(examples: Sequence[Example], size: int, seed: int = 0) -> list[Example]:
    """A seeded subsample of ``size`` questions, the same for every pipeline and model.

    Dialogue turns are drawn as whole dialogues (``meta['dialogue']``) until ``size``
    turns are reached; the kept examples stay in their split order."""
    groups: dict[str, list[Example]] = {}
    for e in examples:
        groups.setdefault(str(e.meta.get("dialogue") or e.id), []).append(e)
    keys = list(groups)
    random.Random(seed).shuffle(keys)
    chosen, count = set(), 0
    for key in keys:
        if count >= size:
            break
        chosen.add(key)
        count += len(groups[key])
    return [e for e in examples if str(e.meta.get("dialogue") or e.id) in chosen]


def write_subsamples(
    splits: Sequence[str], size: int, out: Path, seed: int = 0, root: Path | None = None
) -> dict[str, int]:
    """Seeded subsamples of built splits written to ``out/<split>.jsonl`` (use them with
    ``momq predict --bench out/<split>.jsonl`` and ``momq eval --bench-root out``)."""
    out.mkdir(parents=True, exist_ok=True)
    counts = {}
    for split in splits:
        kept = subsample(load_split(split, root), size, seed)
        write_jsonl(split_path(split, out), [e.to_dict() for e in kept])
        counts[split] = len(kept)
    return counts


@dataclass
class SplitBuild:
    examples: list[Example] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    sources: Counter = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)
    #: multi-turn splits: the dialogue records (their turns are ``examples``)
    dialogues: list = field(default_factory=list)


# --------------------------------------------------------------------- gold checks
_LIMIT_N = re.compile(r"\bLIMIT\s+(\d+)", re.IGNORECASE)


def _run_twice(engine, query: str, timeout_s: float):
    first = engine.execute(query, timeout_s=timeout_s)
    second = engine.execute(query, timeout_s=timeout_s)
    return first, compare_results(first, second)


def verify_golds(
    examples: Sequence[Example],
    *,
    need_rows: bool,
    timeout_s: float,
    check: Callable[[Any, Example, Any], str | None] | None = None,
    engine_factory=None,
    progress: Progress | None = None,
    label: str = "",
) -> tuple[list[Example], list[Rejected]]:
    """Keep the examples whose gold runs (twice, with equal results) on its engine, and
    returns rows when ``need_rows``; ``check(engine, example, result)`` may give a further
    reason to exclude. Alternatives that fail are dropped from the example (noted in its
    meta). Engines are opened per database."""
    if engine_factory is None:
        from momq.engines import open_engine

        engine_factory = open_engine
    kept: list[Example] = []
    rejected: list[Rejected] = []
    by_db: dict[tuple[str, str], list[Example]] = {}
    for example in examples:
        by_db.setdefault((example.dialect, example.database), []).append(example)
    done = 0
    for (dialect, database), group in by_db.items():
        with engine_factory(dialect, database) as engine:
            for example in group:
                done += 1
                if progress:
                    progress(label, done, len(examples))
                try:
                    result, same = _run_twice(engine, example.query, timeout_s)
                except QueryError as exc:
                    rejected.append(
                        Rejected(example.to_dict(), f"gold fails: {exc.kind}: {exc.message[:200]}", example.source)
                    )
                    continue
                if not same:
                    rejected.append(
                        Rejected(
                            example.to_dict(), f"gold result differs between two runs: {same.reason}", example.source
                        )
                    )
                    continue
                if need_rows and not result.rows:
                    rejected.append(Rejected(example.to_dict(), "gold returns no rows", example.source))
                    continue
                if result.truncated:
                    rejected.append(Rejected(example.to_dict(), "gold result exceeds the row cap", example.source))
                    continue
                reason = check(engine, example, result) if check else None
                if reason:
                    rejected.append(Rejected(example.to_dict(), reason, example.source))
                    continue
                good_alts = []
                for alternative in example.alternatives:
                    try:
                        engine.execute(alternative, timeout_s=timeout_s)
                        good_alts.append(alternative)
                    except QueryError as exc:
                        example.meta.setdefault("dropped_alternatives", []).append(
                            {"query": alternative, "error": f"{exc.kind}: {exc.message[:120]}"}
                        )
                example.alternatives = good_alts
                kept.append(example)
    return kept, rejected


def _returned_columns(query: str) -> list[tuple[str, str]]:
    """(expression, alias) of the final RETURN's items (best effort, top-level commas)."""
    match = list(re.finditer(r"\bRETURN\b", query, re.IGNORECASE))
    if not match:
        return []
    body = query[match[-1].end() :]
    body = re.split(r"\bORDER\s+BY\b|\bLIMIT\b|\bSKIP\b", body, flags=re.IGNORECASE)[0]
    items, depth, current = [], 0, []
    for ch in body:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == "," and depth == 0:
            items.append("".join(current))
            current = []
        else:
            current.append(ch)
    items.append("".join(current))
    out = []
    for item in items:
        item = re.sub(r"^\s*DISTINCT\s+", "", item.strip(), flags=re.IGNORECASE)
        parts = re.split(r"\s+AS\s+", item, flags=re.IGNORECASE)
        expr = parts[0].strip()
        alias = parts[1].strip() if len(parts) > 1 else expr
        out.append((expr, alias.strip("`")))
    return out


def cypher_cut_check(engine, example: Example, result) -> str | None:
    """Why a Cypher gold's answer is not well defined at a LIMIT cut, or None (see the
    module docstring)."""
    query = example.query
    static = loaders.cypher_order_dependence(query)
    limits = _LIMIT_N.findall(query)
    if static:
        if re.search(r"\bSKIP\b", query, re.IGNORECASE):
            return f"order-dependent gold: {static} (with SKIP)"
        lifted = _LIMIT_N.sub("LIMIT 1000000", query)
        try:
            full = engine.execute(lifted, timeout_s=30.0)
        except QueryError as exc:
            return f"order-dependent gold: {static}; the lifted query fails: {exc.kind}"
        if compare_results(result, full, ordered=False):
            example.meta["cut_checked"] = "LIMIT never cuts rows"
            return None
        return f"order-dependent gold: {static}, and the LIMIT cuts rows"
    if not limits:
        return None
    # final ORDER BY ... LIMIT k: ties at the cut?
    order = re.search(r"\bORDER\s+BY\b(.*?)\bLIMIT\s+(\d+)\s*;?\s*$", query, re.IGNORECASE | re.DOTALL)
    if not order:
        return None
    k = int(order.group(2))
    keys = [
        re.sub(r"\s+(ASC|DESC|ASCENDING|DESCENDING)\s*$", "", key.strip(), flags=re.IGNORECASE)
        for key in order.group(1).split(",")
    ]
    columns = _returned_columns(query)
    index = []
    for key in keys:
        found = [i for i, (expr, alias) in enumerate(columns) if key in (expr, alias)]
        if not found:
            example.meta["cut_checked"] = "sort keys not returned: ties unchecked"
            return None
        index.append(found[0])
    lifted = query[: order.start(2)] + str(k + 1) + query[order.end(2) :]
    try:
        extended = engine.execute(lifted, timeout_s=30.0)
    except QueryError:
        return None
    if len(extended.rows) <= k or len(result.rows) < k:
        return None
    last, after = extended.rows[k - 1], extended.rows[k]
    if all(compare_results(_one(last[i]), _one(after[i]), ordered=False) for i in index):
        return f"order-dependent gold: ties at the LIMIT {k} cut"
    example.meta["cut_checked"] = "no tie at the LIMIT cut"
    return None


def _one(value):
    from momq.engines.base import Result

    return Result(["v"], [(value,)])


# --------------------------------------------------------------------- sources
def _sql(dialect: str, execute: bool, timeout_s: float, progress, engine_factory) -> dict[str, SplitBuild]:
    test = SplitBuild()
    examples, rejected = loaders.load_sql_eval(dialect)
    test.sources[f"sql-eval/{loaders.SQL_EVAL_FILES[dialect]}"] = len(examples) + len(rejected)
    test.rejected += rejected
    if execute:
        kept, failed = verify_golds(
            examples,
            need_rows=False,
            timeout_s=timeout_s,
            engine_factory=engine_factory,
            progress=progress,
            label=f"{dialect}-test",
        )
        test.examples, test.rejected = kept, test.rejected + failed
    else:
        test.examples = examples
        test.notes.append("golds not executed (--no-execute)")
    train = SplitBuild()
    examples, rejected = loaders.load_spider("train", dialect)
    train.examples, train.rejected = examples, rejected
    train.sources["spider/train_spider.json"] = len(examples) + len(rejected)
    train.notes.append(
        "Spider's SQLite databases are not shipped: training golds are transpiled and parsed, not executed"
    )
    return {f"{dialect}-test": test, f"{dialect}-train": train}


def _cypher(execute: bool, timeout_s: float, progress, engine_factory) -> dict[str, SplitBuild]:
    examples, rejected = loaders.load_text2cypher()
    test, train = SplitBuild(), SplitBuild()
    source = "text2cypher/text2cypher_gpt4turbo.csv"
    test_part = [e for e in examples if e.database in CYPHER_TEST_DBS]
    train.examples = [e for e in examples if e.database not in CYPHER_TEST_DBS]
    for r in rejected:
        db = r.record.get("database", "") if isinstance(r.record, dict) else ""
        (test if db in CYPHER_TEST_DBS else train).rejected.append(r)
    test.sources[source] = len(test_part) + len(test.rejected)
    train.sources[source] = len(train.examples) + len(train.rejected)
    if execute:
        kept, failed = verify_golds(
            test_part,
            need_rows=True,
            timeout_s=timeout_s,
            check=cypher_cut_check,
            engine_factory=engine_factory,
            progress=progress,
            label="cypher-test",
        )
        test.examples, test.rejected = kept, test.rejected + failed
    else:
        test.examples = [e for e in test_part if not loaders.cypher_order_dependence(e.query)]
        test.rejected += [
            Rejected(e.to_dict(), "order-dependent gold: " + str(loaders.cypher_order_dependence(e.query)), e.source)
            for e in test_part
            if loaders.cypher_order_dependence(e.query)
        ]
        test.notes.append("golds not executed (--no-execute)")
    train.notes.append("training golds are not executed (their databases are not built)")
    return {"cypher-test": test, "cypher-train": train}


def _ngql(seed: int, timeout_s: float, progress, engine_factory) -> dict[str, SplitBuild]:
    from momq.data.ngql_gen import generate, generate_dialogues

    if engine_factory is None:
        from momq.engines import open_engine

        engine_factory = open_engine
    builds: dict[str, SplitBuild] = {}
    with engine_factory("ngql", "nba") as engine:
        nba, nba_rejected = generate(engine, "nba", seed=seed, per_template=8, timeout_s=timeout_s)
        nba_dialogues, nba_dlg_rejected = generate_dialogues(engine, "nba", seed=seed, count=10, timeout_s=timeout_s)
    with engine_factory("ngql", "basketballplayer") as engine:
        bp, bp_rejected = generate(engine, "basketballplayer", seed=seed, per_template=6, timeout_s=timeout_s)
        bp_dialogues, bp_dlg_rejected = generate_dialogues(
            engine, "basketballplayer", seed=seed, count=8, timeout_s=timeout_s
        )
    # in-domain test: one query in ten (both its languages), chosen with the seed
    rng = random.Random(f"indomain:{seed}")
    queries = sorted({e.query for e in nba})
    held = set(rng.sample(queries, max(1, len(queries) // 10))) if queries else set()
    train = SplitBuild([e for e in nba if e.query not in held], nba_rejected)
    indomain = SplitBuild([e for e in nba if e.query in held])
    test = SplitBuild(bp, bp_rejected)
    train.sources["ngql-gen/nba"] = len(nba) + len(nba_rejected)
    indomain.sources["ngql-gen/nba (held out)"] = len(indomain.examples)
    test.sources["ngql-gen/basketballplayer"] = len(bp) + len(bp_rejected)
    dlg_test = SplitBuild([t for d in bp_dialogues for t in d.turn_examples()], bp_dlg_rejected)
    dlg_test.sources["ngql-gen/basketballplayer dialogues"] = len(bp_dialogues)
    dlg_test.notes.append(
        f"{len(bp_dialogues)} dialogues (English and Chinese), one example per "
        "turn; the dialogue records are in dialogues/ngql-dialogues-test.jsonl"
    )
    dlg_train = SplitBuild([t for d in nba_dialogues for t in d.turn_examples()], nba_dlg_rejected)
    dlg_train.sources["ngql-gen/nba dialogues"] = len(nba_dialogues)
    dlg_train.dialogues = nba_dialogues
    dlg_test.dialogues = bp_dialogues
    builds["ngql-dialogues-train"] = dlg_train
    # the generator already executed every query; check determinism like the others
    for name, build in (("ngql-test", test), ("ngql-test-indomain", indomain), ("ngql-dialogues-test", dlg_test)):
        kept, failed = verify_golds(
            build.examples,
            need_rows=True,
            timeout_s=timeout_s,
            engine_factory=engine_factory,
            progress=progress,
            label=name,
        )
        if name in DIALOGUE_SPLITS:
            # a dialogue is scored as a whole (AEX): drop every turn of a broken one
            broken = {r.record.get("meta", {}).get("dialogue") for r in failed}
            kept = [e for e in kept if e.meta.get("dialogue") not in broken]
        build.examples, build.rejected = kept, build.rejected + failed
        builds[name] = build
    builds["ngql-train"] = train
    return builds


def _imbalance(splits: dict[str, SplitBuild], seed: int) -> dict[str, SplitBuild]:
    trains = {name.split("-")[0]: splits[name].examples for name in TRAIN_SPLITS if name in splits}
    out = {"train-full": SplitBuild([e for exs in trains.values() for e in exs])}
    out["train-full"].sources.update({f"{d}-train": len(exs) for d, exs in trains.items()})
    for high in ("mysql", "cypher"):
        build = SplitBuild()
        for dialect, exs in trains.items():
            if dialect == high:
                chosen = list(exs)
            else:
                rng = random.Random(f"{high}-high:{dialect}:{seed}")
                chosen = rng.sample(exs, min(LOW_RESOURCE_SIZE, len(exs)))
            build.examples += chosen
            build.sources[f"{dialect}-train"] = len(chosen)
        build.notes.append(
            f"{high} keeps all its training data; other dialects {LOW_RESOURCE_SIZE} examples each (seed {seed})"
        )
        out[f"train-{high}-high"] = build
    return out


# --------------------------------------------------------------------- build
def build_benchmark(
    root: Path | None = None,
    *,
    dialects: Iterable[str] = ("postgres", "mysql", "cypher", "ngql"),
    seed: int = 0,
    execute: bool = True,
    timeout_s: float = 30.0,
    build_databases: bool = True,
    progress: Progress | None = None,
    engine_factory=None,
) -> dict[str, Any]:
    """Build the splits into ``root`` (default ``home()/bench``) and return the data card."""
    root = root or bench_dir()
    root.mkdir(parents=True, exist_ok=True)
    dialects = list(dialects)
    started = time.perf_counter()
    if execute and build_databases:
        from momq import databases

        names = []
        if "postgres" in dialects or "mysql" in dialects:
            names += list(databases.DEFOG)
        if "cypher" in dialects:
            names += list(CYPHER_TEST_DBS)
        if "ngql" in dialects:
            names += list(databases.NGQL_SPACES)
        databases.build(names, dialects=dialects, progress=progress)
    splits: dict[str, SplitBuild] = {}
    for dialect in ("postgres", "mysql"):
        if dialect in dialects:
            splits.update(_sql(dialect, execute, timeout_s, progress, engine_factory))
    if "cypher" in dialects:
        splits.update(_cypher(execute, timeout_s, progress, engine_factory))
    if "ngql" in dialects:
        splits.update(_ngql(seed, timeout_s, progress, engine_factory))
    splits.update(_imbalance(splits, seed))
    for name, build in splits.items():
        write_jsonl(split_path(name, root), build.examples)
        write_jsonl(root / "rejected" / f"{name}.jsonl", build.rejected)
        if build.dialogues:
            kept = {e.meta.get("dialogue") for e in build.examples}
            write_jsonl(root / "dialogues" / f"{name}.jsonl", [d for d in build.dialogues if d.id in kept])
        if name in TRAIN_SPLITS or name in IMBALANCE or name == "ngql-dialogues-train":
            write_jsonl(root / "training" / f"{name}.jsonl", training_records(build.examples))
    card = data_card(splits, seed=seed, execute=execute, seconds=time.perf_counter() - started)
    (root / "card.json").write_text(json.dumps(card, indent=2, ensure_ascii=False), encoding="utf-8")
    (root / "CARD.md").write_text(card_markdown(card), encoding="utf-8")
    return card


def training_records(examples: Sequence[Example]) -> list[dict[str, Any]]:
    """Examples in the fine-tuning format, grounded like inference prompts (schema and
    aligned values: :mod:`momq.data.grounding`)."""
    from momq.data.grounding import training_records as grounded

    return grounded(examples)


def write_training_records(
    root: Path | None = None, splits: Iterable[str] | None = None, progress: Progress | None = None
) -> dict[str, int]:
    """Rewrite ``training/<split>.jsonl`` from the built split files (after a change to the
    grounding, without rebuilding the benchmark); returns the record count per split."""
    from momq.data.grounding import Grounder

    root = root or bench_dir()
    names = list(splits or [*TRAIN_SPLITS, *IMBALANCE, "ngql-dialogues-train"])
    grounder, counts = Grounder(), {}
    try:
        for i, name in enumerate(names):
            if not split_path(name, root).is_file():
                raise ConfigError(f"no split {name} in {root}: run `momq bench build` first")
            if progress:
                progress(f"grounding: {name}", i, len(names))
            records = [grounder.record(e) for e in read_examples(split_path(name, root))]
            counts[name] = write_jsonl(root / "training" / f"{name}.jsonl", records)
        if progress:
            progress("grounding: done", len(names), len(names))
    finally:
        grounder.close()
    return counts


def data_card(splits: dict[str, SplitBuild], *, seed: int, execute: bool, seconds: float) -> dict[str, Any]:
    card: dict[str, Any] = {"seed": seed, "golds_executed": execute, "build_seconds": round(seconds, 1), "splits": {}}
    for name, build in sorted(splits.items()):
        card["splits"][name] = {
            "examples": len(build.examples),
            "by_dialect": dict(Counter(e.dialect for e in build.examples)),
            "by_language": dict(Counter(e.language for e in build.examples)),
            "by_database": dict(sorted(Counter(e.database for e in build.examples).items())),
            "by_category": dict(sorted(Counter(e.category or "-" for e in build.examples).items())),
            "sources": dict(build.sources),
            "dropped": len(build.rejected),
            "dropped_by_reason": dict(Counter(_reason_class(r.reason) for r in build.rejected).most_common()),
            "notes": build.notes,
        }
    return card


def _reason_class(reason: str) -> str:
    """Group reasons for the card: the reason's head (and, for failing or order-dependent
    golds, its kind), without the record-specific details."""
    parts = reason.split(": ")
    head = ": ".join(parts[:2]) if parts[0] in ("order-dependent gold", "gold fails") else parts[0]
    return re.sub(r"\d+", "N", head)[:100]


def card_markdown(card: dict[str, Any]) -> str:
    lines = [
        "# momq benchmark data card",
        "",
        f"Seed {card['seed']}; golds executed: {card['golds_executed']}; built in {card['build_seconds']} s.",
        "",
        "| split | examples | dropped | languages | sources |",
        "|---|---:|---:|---|---|",
    ]
    for name, s in card["splits"].items():
        langs = ", ".join(f"{k} {v}" for k, v in s["by_language"].items())
        sources = "; ".join(f"{k}: {v}" for k, v in s["sources"].items())
        lines.append(f"| {name} | {s['examples']} | {s['dropped']} | {langs} | {sources} |")
    lines.append("")
    for name, s in card["splits"].items():
        if not s["dropped"] and not s["notes"]:
            continue
        lines.append(f"## {name}")
        for note in s["notes"]:
            lines.append(f"- {note}")
        for reason, count in s["dropped_by_reason"].items():
            lines.append(f"- dropped {count}: {reason}")
        if s["dropped"]:
            lines.append(f"- every dropped record: `rejected/{name}.jsonl`")
        lines.append("")
    lines += [
        "Sources and licences: sql-eval and the defog databases (Apache-2.0), Spider 1.0 "
        "(CC BY-SA 4.0), text2cypher (CC0), NebulaGraph demo spaces (Apache-2.0); the nGQL "
        "questions are generated by momq (`momq.data.ngql_gen`)."
    ]
    return "\n".join(lines) + "\n"


__all__ = [
    "TEST_SPLITS",
    "TRAIN_SPLITS",
    "IMBALANCE",
    "DIALOGUE_SPLITS",
    "bench_dir",
    "split_path",
    "load_split",
    "available_splits",
    "build_benchmark",
    "verify_golds",
    "cypher_cut_check",
    "training_records",
    "write_training_records",
    "data_card",
    "card_markdown",
]
