"""What a construction writes: the benchmark's dialogue format, statistics, a rating sheet.

``write_dataset(out, name, ...)`` lays a built set out like a ``momq bench build`` split,
so the existing verbs take it as it is::

    <out>/<name>.jsonl             one example per turn (ids <dialogue>#<turn>)
    <out>/dialogues/<name>.jsonl   the dialogue records
    <out>/training/<name>.jsonl    fine-tuning records (complete question + schema text)
    <out>/rejected/<name>.jsonl    every dropped dialogue and failed turn, with the reason
    <out>/<name>.stats.json/.md    the statistics table (MTGQL's Table 3 shape)
    <out>/rating/<name>.csv        a sheet for human rating

``momq eval --bench-root <out> --bench <name> ...`` scores it (AEX per dialogue) and
``momq train`` reads ``training/<name>.jsonl`` from a recipe's ``data.train``.

Training records use each turn's *complete* question, which stands alone: a model
fine-tuned on them answers standalone questions, which is what the ``multiturn``
pipeline hands it after reformulating a follow-up.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path
from typing import Any, Sequence

from momq.data.records import Dialogue, Rejected, write_jsonl
from momq.errors import ConfigError

RATING_CRITERIA = ("coherence", "diversity", "coverage", "semantic_accuracy")


def training_records(dialogues: Sequence[Dialogue], schema_text: dict[str, str] | None = None) -> list[dict[str, Any]]:
    records = []
    for d in dialogues:
        completes = d.meta.get("complete_questions") or [t.question for t in d.turns]
        for example, complete in zip(d.turn_examples(), completes):
            example.question = complete
            records.append(example.to_training((schema_text or {}).get(d.database)))
    return records


def statistics(dialogues: Sequence[Dialogue]) -> dict[str, Any]:
    """Counts in the shape of MTGQL's Table 3."""
    turns = [t for d in dialogues for t in d.turns]
    patterns = Counter(t.pattern or "opening" for t in turns)
    rounds = [len(d.turns) for d in dialogues]
    n = len(turns) or 1
    return {
        "dialogues": len(dialogues),
        "turns": len(turns),
        "avg_rounds": round(sum(rounds) / len(rounds), 2) if rounds else 0.0,
        "min_rounds": min(rounds, default=0),
        "max_rounds": max(rounds, default=0),
        "patterns": {p: {"turns": c, "share": round(100 * c / n, 1)} for p, c in patterns.most_common()},
        "avg_query_chars": round(sum(len(t.query) for t in turns) / n, 1),
        "avg_query_tokens": round(sum(len(t.query.split()) for t in turns) / n, 1),
        "avg_question_words": round(sum(len(t.question.split()) for t in turns) / n, 1),
        "distinct_queries": len({t.query for t in turns}),
        "by_database": dict(Counter(f"{d.dialect}/{d.database}" for d in dialogues)),
    }


def statistics_markdown(stats: dict[str, Any], title: str = "") -> str:
    lines = [
        f"# {title}" if title else "# Constructed multi-turn set",
        "",
        "| dialogues | turns | avg rounds | rounds (min-max) | avg query length (chars / tokens) "
        "| avg question words | distinct queries |",
        "|---:|---:|---:|---|---|---:|---:|",
        f"| {stats['dialogues']} | {stats['turns']} | {stats['avg_rounds']} | "
        f"{stats['min_rounds']}-{stats['max_rounds']} | {stats['avg_query_chars']} / "
        f"{stats['avg_query_tokens']} | {stats['avg_question_words']} | {stats['distinct_queries']} |",
        "",
        "| pattern | turns | share |",
        "|---|---:|---:|",
    ]
    lines += [f"| {p} | {v['turns']} | {v['share']} % |" for p, v in stats["patterns"].items()]
    return "\n".join(lines) + "\n"


def write_rating_sheet(path: Path, dialogues: Sequence[Dialogue]) -> int:
    """One row per dialogue: its transcript and an empty 1-5 column per criterion."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["dialogue", "dialect", "database", "transcript", *RATING_CRITERIA, "comment"])
        for d in dialogues:
            transcript = "\n".join(
                f"{i}. [{t.pattern or 'opening'}] {t.question}\n   {t.query}" for i, t in enumerate(d.turns, start=1)
            )
            writer.writerow([d.id, d.dialect, d.database, transcript, *[""] * len(RATING_CRITERIA), ""])
    return len(dialogues)


def read_ratings(path: Path) -> dict[str, Any]:
    """Mean score per criterion of a filled rating sheet; every bad cell is reported."""
    scores: dict[str, list[int]] = {c: [] for c in RATING_CRITERIA}
    problems = []
    with open(path, newline="", encoding="utf-8") as handle:
        for number, row in enumerate(csv.DictReader(handle), start=2):
            for criterion in RATING_CRITERIA:
                cell = (row.get(criterion) or "").strip()
                if not cell:
                    continue
                if cell not in {"1", "2", "3", "4", "5"}:
                    problems.append(f"line {number}, {criterion}: {cell!r} is not 1-5")
                    continue
                scores[criterion].append(int(cell))
    if problems:
        raise ConfigError(f"{path}: " + "; ".join(problems))
    return {c: {"rated": len(v), "mean": round(sum(v) / len(v), 2) if v else None} for c, v in scores.items()}


def write_dataset(
    out: Path,
    name: str,
    dialogues: Sequence[Dialogue],
    rejected: Sequence[Rejected] = (),
    *,
    schema_text: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Write every file of a built set (see the module docstring); returns the statistics
    (with ``extra`` merged in: counts of drops, timings)."""
    out = Path(out)
    write_jsonl(out / f"{name}.jsonl", [e for d in dialogues for e in d.turn_examples()])
    write_jsonl(out / "dialogues" / f"{name}.jsonl", dialogues)
    write_jsonl(out / "training" / f"{name}.jsonl", training_records(dialogues, schema_text))
    write_jsonl(out / "rejected" / f"{name}.jsonl", rejected)
    stats = statistics(dialogues)
    stats["dropped"] = len(rejected)
    stats["dropped_by_reason"] = dict(Counter(reason_class(r.reason) for r in rejected).most_common())
    stats.update(extra or {})
    (out / f"{name}.stats.json").write_text(
        json.dumps(stats, indent=2, ensure_ascii=False, default=str), encoding="utf-8"
    )
    markdown = statistics_markdown(stats, name)
    if stats["dropped_by_reason"]:
        markdown += "\n| dropped because | count |\n|---|---:|\n" + "".join(
            f"| {k} | {v} |\n" for k, v in stats["dropped_by_reason"].items()
        )
    (out / f"{name}.stats.md").write_text(markdown, encoding="utf-8")
    write_rating_sheet(out / "rating" / f"{name}.csv", dialogues)
    return stats


def reason_class(reason: str) -> str:
    """A drop reason without its record-specific details (for counting)."""
    import re

    head = reason.split(":")[0]
    return re.sub(r"\d+", "N", head)[:80]


__all__ = [
    "RATING_CRITERIA",
    "training_records",
    "statistics",
    "statistics_markdown",
    "write_rating_sheet",
    "read_ratings",
    "write_dataset",
    "reason_class",
]
