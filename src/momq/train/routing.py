"""Routing analysis of a trained MoMQ model (the paper's Figure 4): which dialect groups
and experts the tokens of a generated query go to, layer by layer.

:func:`record_query_routing` generates a query (or takes a given one), re-runs the prompt
plus query once with recording on, and keeps the dialect-router weights ``(T, M)`` and
the group expert weights ``(T, M, N)`` of the query's tokens in every MoMQ layer.
:func:`plot_routing` draws them as heatmaps, one PNG per group of consecutive layers.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch

from momq.errors import ConfigError


@torch.no_grad()
def record_query_routing(
    tuned: Any,
    tokenizer: Any,
    question: str,
    dialect: str,
    *,
    schema: Any = None,
    query: str | None = None,
    max_new_tokens: int = 128,
    values: Any = (),
    settings: Any = None,
) -> dict[str, Any]:
    """``schema``/``values``/``settings``: as in training records and
    :func:`momq.train.prompts.build_prompt` (the prompt ends with the opened code fence,
    so the query's tokens follow exactly as in training)."""
    from momq.llm.generate import generate
    from momq.train.prompts import answer_prefix, build_prompt

    if not hasattr(tuned, "record_routing"):
        raise ConfigError(f"routing analysis needs a MoMQ model, not {getattr(tuned, 'method', type(tuned).__name__)}")
    prompt = build_prompt(question, dialect, schema, tokenizer, values, settings)
    if query is None:
        query = generate(
            tuned,
            tokenizer,
            [prompt],
            dialects=[dialect],
            max_new_tokens=max_new_tokens,
            prefixes=[answer_prefix(dialect)],
        )[0].query
    prompt_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
    query_ids = tokenizer(query, add_special_tokens=False)["input_ids"]
    if not query_ids:
        raise ConfigError("the query is empty: nothing to analyse")
    device = tuned.device
    ids = torch.tensor([prompt_ids + query_ids], device=device)
    labels = torch.tensor([tuned.momq_config.dialect_index(dialect)], device=device)
    tuned.eval()
    with tuned.record_routing() as records, tuned.dialect_scope(labels):
        tuned(ids, torch.ones_like(ids))
        snapshot = {
            layer: {k: v[0, len(prompt_ids) :].clone() for k, v in rec.items()}
            for layer, rec in sorted(records.items())
        }
    return {
        "question": question,
        "dialect": dialect,
        "query": query,
        "tokens": [tokenizer.decode([t]) for t in query_ids],
        "dialects": list(tuned.momq_config.dialects),
        "layers": {
            int(k): {"dialect": v["dialect"].tolist(), "experts": v["experts"].tolist()} for k, v in snapshot.items()
        },
    }


def save_record(record: dict[str, Any], path: Path) -> None:
    path.write_text(json.dumps(record) + "\n")


def plot_routing(record: dict[str, Any], out_dir: Path, layers_per_figure: int = 8) -> list[Path]:
    """One PNG per group of ``layers_per_figure`` layers: for each layer, the dialect-router
    weights (groups x tokens) beside the expert weights (group/expert x tokens)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    layers = sorted(record["layers"], key=int)
    tokens = [t.replace("\n", "\\n") for t in record["tokens"]]
    names = record["dialects"]
    written = []
    for start in range(0, len(layers), layers_per_figure):
        group = layers[start : start + layers_per_figure]
        width = max(6.0, 0.35 * len(tokens) * 2 + 3)
        fig, axes = plt.subplots(len(group), 2, figsize=(width, 2.2 * len(group) + 1), squeeze=False)
        for row, layer in enumerate(group):
            dialect = torch.tensor(record["layers"][layer]["dialect"]).T  # (M, T)
            experts = torch.tensor(record["layers"][layer]["experts"])  # (T, M, N)
            experts = experts.reshape(experts.shape[0], -1).T  # (M*N, T)
            ax = axes[row][0]
            ax.imshow(dialect.numpy(), aspect="auto", vmin=0, vmax=1, cmap="viridis")
            ax.set_yticks(range(len(names)), names, fontsize=7)
            ax.set_title(f"layer {layer}: dialect router", fontsize=8)
            ax2 = axes[row][1]
            ax2.imshow(experts.numpy(), aspect="auto", vmin=0, cmap="magma")
            n = experts.shape[0] // len(names)
            ax2.set_yticks([i * n + (n - 1) / 2 for i in range(len(names))], names, fontsize=7)
            ax2.set_title(f"layer {layer}: expert weights (dialect weight x top-K gate)", fontsize=8)
            for a in (ax, ax2):
                a.set_xticks(
                    range(len(tokens)), tokens if row == len(group) - 1 else [""] * len(tokens), rotation=90, fontsize=6
                )
        fig.suptitle(f"{record['dialect']}: {record['question'][:90]}", fontsize=9)
        fig.tight_layout()
        path = out_dir / f"routing_layers_{int(group[0]):02d}-{int(group[-1]):02d}.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        written.append(path)
    return written
