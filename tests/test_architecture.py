"""The habits that keep the code in shape, run with the suite: the layers contract
(import-linter, ``[tool.importlinter]`` in pyproject.toml, docs/architecture.md), lint and
format (ruff) and the type check of the public API (mypy, ``[tool.mypy]``)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _run(tool: str, *args: str) -> subprocess.CompletedProcess:
    exe = BIN / tool if (BIN / tool).exists() else shutil.which(tool)
    if exe is None:
        pytest.fail(f"{tool} is not installed: install momq with its lint extra (scripts/setup.sh does)")
    return subprocess.run([str(exe), *args], cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_layers_contract_holds():
    out = _run("lint-imports")
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]
    assert "0 broken" in out.stdout


def test_ruff_lint_passes():
    out = _run("ruff", "check", "src", "tests", "scripts", "benchmarks")
    assert out.returncode == 0, out.stdout[-4000:]


def test_code_is_formatted():
    out = _run("ruff", "format", "--check", "src", "tests", "scripts", "benchmarks")
    assert out.returncode == 0, out.stdout[-4000:]


def test_public_api_type_checks():
    out = _run("mypy")
    assert out.returncode == 0, out.stdout[-4000:]
