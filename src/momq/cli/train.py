"""CLI verbs of the fine-tuning area: ``momq train``, ``momq generate``, ``momq analyze-experts``,
``momq export-gguf``.

The verbs are thin: each calls a plain typed function of the same name (usable from
Python), and :func:`register` adds them to the main app.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional

import typer

from momq.errors import ConfigError


def train(recipe: Path, overrides: list[str] | None = None, resume: bool = True) -> dict[str, Any]:
    """Train with a YAML recipe; resumes from the newest checkpoint unless ``resume`` is false."""
    from momq.train.recipe import load_recipe
    from momq.train.trainer import train_recipe

    return train_recipe(load_recipe(recipe, overrides or []), resume=resume)


def generate(
    model: Optional[str],
    questions: list[str],
    dialect: str,
    *,
    schema: Optional[str] = None,
    max_new_tokens: int = 256,
    num_beams: int = 1,
    stop: list[str] | None = None,
    batch_size: int = 8,
) -> list[Any]:
    """Generate queries for ``questions`` in ``dialect`` with a saved adapter directory or a
    base model (``None`` = SmolLM2)."""
    from momq.llm.generate import generate as run_generate
    from momq.llm.generate import load_for_inference
    from momq.pipelines.direct import PromptSettings
    from momq.train.prompts import answer_prefix, build_prompt

    tuned, tokenizer = load_for_inference(model)
    settings = PromptSettings.for_adapter(model) if model else None
    prompts = [build_prompt(q, dialect, schema, tokenizer, settings=settings) for q in questions]
    return run_generate(
        tuned,
        tokenizer,
        prompts,
        dialects=[dialect] * len(prompts),
        max_new_tokens=max_new_tokens,
        num_beams=num_beams,
        stop=stop,
        batch_size=batch_size,
        prefixes=[answer_prefix(dialect)] * len(prompts),
    )


def analyze_experts(
    adapter: Path,
    question: str,
    dialect: str,
    out: Path,
    *,
    schema: Optional[str] = None,
    query: Optional[str] = None,
    layers_per_figure: int = 8,
    max_new_tokens: int = 128,
) -> list[Path]:
    """Record and plot the routing of a generated (or given) query's tokens (paper Fig. 4)."""
    from momq.llm.generate import load_for_inference
    from momq.pipelines.direct import PromptSettings
    from momq.train.routing import plot_routing, record_query_routing, save_record

    tuned, tokenizer = load_for_inference(adapter, merge=False)
    record = record_query_routing(
        tuned,
        tokenizer,
        question,
        dialect,
        schema=schema,
        query=query,
        max_new_tokens=max_new_tokens,
        settings=PromptSettings.for_adapter(adapter),
    )
    out.mkdir(parents=True, exist_ok=True)
    save_record(record, out / "routing.json")
    return plot_routing(record, out, layers_per_figure)


def export_gguf(adapter: Path, out: Optional[Path] = None, dtype: str = "f16") -> Path:
    """Export a LoRA adapter to a GGUF LoRA adapter (default ``ADAPTER/adapter.gguf``), so
    that ``-m ADAPTER`` runs on llama.cpp on top of the GGUF base."""
    from momq.tuners.lora.export import export_gguf as run_export

    return run_export(adapter, out, dtype=dtype)


def _read_schema(schema: Optional[str]) -> Optional[str]:
    if schema and Path(schema).is_file():
        return Path(schema).read_text()
    return schema


def register(app: typer.Typer) -> None:
    """Add ``train``, ``generate``, ``analyze-experts`` and ``export-gguf`` to the main app."""
    from momq.cli.common import console, fail_on_error

    @app.command("train")
    @fail_on_error
    def train_cmd(
        recipe: Path = typer.Option(..., "--recipe", "-r", help="YAML recipe (see recipes/)"),
        set_: list[str] = typer.Option([], "--set", help="override a recipe key: train.max_steps=5"),
        no_resume: bool = typer.Option(False, "--no-resume", help="ignore existing checkpoints"),
    ) -> None:
        """Fine-tune a model (MoMQ, LoRA, full, LoRA per dialect) with a recipe."""
        summary = train(recipe, set_, resume=not no_resume)
        console.print_json(json.dumps(summary))

    @app.command("generate")
    @fail_on_error
    def generate_cmd(
        question: list[str] = typer.Argument(..., help="question(s) to translate"),
        dialect: str = typer.Option(..., "--dialect", "-d", help="mysql | postgres | cypher | ngql"),
        model: Optional[str] = typer.Option(
            None, "--model", "-m", help="adapter directory, HF model dir or .gguf (default SmolLM2)"
        ),
        schema: Optional[str] = typer.Option(None, "--schema", help="schema text or a file holding it"),
        max_new_tokens: int = typer.Option(256, help="tokens to generate at most"),
        beams: int = typer.Option(1, help="beam width (1 = greedy)"),
        stop: list[str] = typer.Option([], "--stop", help="extra stop sequence"),
        raw: bool = typer.Option(False, help="print the raw completion, not the extracted query"),
    ) -> None:
        """Generate a query for each question."""
        for g in generate(
            model,
            question,
            dialect,
            schema=_read_schema(schema),
            max_new_tokens=max_new_tokens,
            num_beams=beams,
            stop=stop,
        ):
            console.print(g.text if raw else g.query, highlight=False, markup=False)

    @app.command("analyze-experts")
    @fail_on_error
    def analyze_cmd(
        adapter: Path = typer.Option(..., "--adapter", "-a", help="saved MoMQ adapter directory"),
        question: str = typer.Option(..., "--question", "-q"),
        dialect: str = typer.Option(..., "--dialect", "-d"),
        out: Path = typer.Option(Path("routing"), "--out", "-o", help="folder for PNGs and routing.json"),
        schema: Optional[str] = typer.Option(None, "--schema", help="schema text or a file holding it"),
        query: Optional[str] = typer.Option(None, "--query", help="analyse this query instead of generating"),
        layers_per_figure: int = typer.Option(8, help="layers per PNG"),
    ) -> None:
        """Plot dialect-router and expert weights over a query's tokens (paper Figure 4)."""
        for path in analyze_experts(
            adapter,
            question,
            dialect,
            out,
            schema=_read_schema(schema),
            query=query,
            layers_per_figure=layers_per_figure,
        ):
            console.print(str(path), highlight=False)

    @app.command("export-gguf")
    @fail_on_error
    def export_gguf_cmd(
        adapter: Path = typer.Argument(..., help="LoRA adapter directory saved by momq train"),
        out: Optional[Path] = typer.Option(None, "--out", "-o", help="output file (default ADAPTER/adapter.gguf)"),
        dtype: str = typer.Option("f16", "--dtype", help="f16 or f32"),
    ) -> None:
        """Export a LoRA adapter for llama.cpp: `momq ask -m ADAPTER` then runs on the fast backend."""
        path = export_gguf(adapter, out, dtype)
        console.print(f"wrote {path} ({path.stat().st_size / 2**20:.1f} MiB)", highlight=False)


__all__ = ["train", "generate", "analyze_experts", "export_gguf", "register", "ConfigError"]
