"""Evaluation reports: ``metrics.json``, ``report.md`` and PNG bar charts per dialect.

The JSON holds every metric (``momq.eval.metrics.report``) plus run facts (wall time,
time inside the engines, resumed outcomes); the Markdown puts the headline metrics in
tables and lists failing examples with the comparison's reason; the charts (matplotlib,
imported only here and only when charts are asked for) show EX/EXEC/EM per dialect and
EX per category for each dialect.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Sequence

from momq.eval.metrics import Outcome

HEADLINE = ("EX", "EX_source", "EXEC", "SA", "EM", "CA", "EA", "IEA", "subset_sql_eval")


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def markdown(
    doc: dict[str, Any], outcomes: Sequence[Outcome], title: str = "momq evaluation", max_failures: int = 30
) -> str:
    lines = [f"# {title}", ""]
    run = doc.get("run", {})
    if run:
        lines.append(", ".join(f"{k}: {_fmt(v)}" for k, v in run.items()))
        lines.append("")
    lines += [
        "## Overall and per dialect",
        "",
        "| scope | n | " + " | ".join(HEADLINE) + " | errors | timeouts |",
        "|---|---:|" + "---:|" * len(HEADLINE) + "---:|---:|",
    ]
    rows = [("all", doc["overall"])] + list(doc["by_dialect"].items())
    for scope, s in rows:
        lines.append(
            f"| {scope} | {s['n']} | "
            + " | ".join(_fmt(s.get(k)) for k in HEADLINE)
            + f" | {s['errors']} | {s['timeouts']} |"
        )
    if "AEX" in doc["overall"]:
        o = doc["overall"]
        lines += ["", f"Dialogues: {o['dialogues']}; AEM {_fmt(o['AEM'])}; AEX (joint_all) {_fmt(o['AEX'])}."]
    for key, heading in (
        ("by_round", "Per round"),
        ("by_pattern", "Per expansion pattern"),
        ("by_database", "Per database"),
        ("by_category", "Per category"),
    ):
        table = doc.get(key)
        if not table:
            continue
        lines += [
            "",
            f"## {heading}",
            "",
            "| group | n | EX | EXEC | EM | errors | timeouts |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for name, s in table.items():
            lines.append(
                f"| {name} | {s['n']} | {_fmt(s['EX'])} | {_fmt(s['EXEC'])} | "
                f"{_fmt(s['EM'])} | {s['errors']} | {s['timeouts']} |"
            )
    if doc.get("gold_failures"):
        lines += ["", "## Golds that failed at evaluation time (not scored)", ""]
        lines += [f"- `{g['id']}`: {g['error']}" for g in doc["gold_failures"]]
    failures = [o for o in outcomes if not o.ex and not o.gold_error]
    if failures:
        lines += ["", f"## Failures (first {min(max_failures, len(failures))} of {len(failures)})", ""]
        for o in failures[:max_failures]:
            detail = o.error or o.reason
            lines.append(f"- `{o.id}` ({o.dialect}/{o.database}) {o.status}: {detail[:200]}")
    return "\n".join(lines) + "\n"


def charts(doc: dict[str, Any], folder: Path) -> list[Path]:
    """Bar charts: headline metrics per dialect, and EX per category of each dialect."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    dialects = list(doc["by_dialect"])
    metrics = [m for m in ("EX", "EXEC", "EM", "EA") if any(doc["by_dialect"][d].get(m) is not None for d in dialects)]
    if dialects and metrics:
        fig, ax = plt.subplots(figsize=(1.6 + 1.4 * len(dialects), 3.2))
        width = 0.8 / len(metrics)
        for i, metric in enumerate(metrics):
            values = [doc["by_dialect"][d].get(metric) or 0 for d in dialects]
            ax.bar([x + i * width for x in range(len(dialects))], values, width, label=metric)
        ax.set_xticks([x + width * (len(metrics) - 1) / 2 for x in range(len(dialects))], dialects)
        ax.set_ylim(0, 100)
        ax.set_ylabel("%")
        ax.legend(fontsize=8)
        fig.tight_layout()
        path = folder / "dialects.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        written.append(path)
    for dialect in dialects:
        cats = {k.split("/", 1)[1]: v for k, v in doc["by_category"].items() if k.startswith(dialect + "/")}
        if not cats:
            continue
        names = list(cats)
        fig, ax = plt.subplots(figsize=(max(4, 0.5 * len(names) + 2), 3.4))
        ax.bar(range(len(names)), [cats[n]["EX"] or 0 for n in names], color="#4C72B0")
        ax.set_xticks(range(len(names)), [n[:28] for n in names], rotation=45, ha="right", fontsize=7)
        ax.set_ylim(0, 100)
        ax.set_ylabel("EX %")
        ax.set_title(f"{dialect}: EX per category", fontsize=9)
        fig.tight_layout()
        path = folder / f"{dialect}-categories.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        written.append(path)
    return written


def write_reports(
    out: Path,
    doc: dict[str, Any],
    outcomes: Sequence[Outcome],
    *,
    title: str = "momq evaluation",
    with_charts: bool = True,
) -> dict[str, Any]:
    """Write metrics.json, outcomes.jsonl, report.md and charts under ``out``."""
    from momq.data.records import write_jsonl

    out.mkdir(parents=True, exist_ok=True)
    (out / "metrics.json").write_text(json.dumps(doc, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
    write_jsonl(out / "outcomes.jsonl", outcomes)
    (out / "report.md").write_text(markdown(doc, outcomes, title), encoding="utf-8")
    files = {
        "metrics": str(out / "metrics.json"),
        "report": str(out / "report.md"),
        "outcomes": str(out / "outcomes.jsonl"),
    }
    if with_charts:
        try:
            files["charts"] = [str(p) for p in charts(doc, out / "charts")]
        except ImportError:
            files["charts"] = []
    return files


__all__ = ["markdown", "charts", "write_reports"]
