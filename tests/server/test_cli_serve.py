"""``momq serve`` as a user runs it: a process that prints its address and answers."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the server extra is not installed: pip install 'momq[server]'")

SRC = str(Path(__file__).resolve().parents[2] / "src")
MOMQ = [sys.executable, "-c", "from momq.cli import main; main()"]


def _env(**extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": SRC, **extra}


def test_serve_prints_its_address_and_answers(tmp_path):
    process = subprocess.Popen(
        MOMQ + ["serve", "--port", "0", "--model", "scripted:SELECT 1", "--log-level", "info"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(MOMQ_SERVER_API_KEYS="sekret"),
    )
    try:
        line = process.stdout.readline()
        url = re.search(r"(http://127\.0\.0\.1:\d+)/", line).group(1)
        with urllib.request.urlopen(url + "/healthz", timeout=10) as reply:
            assert json.loads(reply.read())["status"] == "ok"
        request = urllib.request.Request(url + "/v1/models", headers={"Authorization": "Bearer sekret"})
        with urllib.request.urlopen(request, timeout=10) as reply:
            assert json.loads(reply.read())["data"][0]["id"] == "scripted:SELECT 1"
    finally:
        process.terminate()
        process.wait(20)
    logs = [json.loads(x) for x in process.stderr.read().splitlines() if x.startswith("{")]
    assert any(e["msg"] == "request" and e["path"] == "/healthz" and e["status"] == 200 for e in logs)
    assert any(e["path"] == "/v1/models" and e["status"] == 200 and "ms" in e for e in logs if "path" in e)


def test_serve_refuses_to_listen_beyond_loopback_by_default():
    started = time.monotonic()
    result = subprocess.run(
        MOMQ + ["serve", "--host", "0.0.0.0", "--port", "0"], capture_output=True, text=True, env=_env(), timeout=60
    )
    assert result.returncode == 2 and "ConfigError" in result.stderr and "loopback" in result.stderr
    assert "Traceback" not in result.stderr and time.monotonic() - started < 60
