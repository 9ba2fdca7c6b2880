"""``python -m momq.train RECIPE.yaml [key=value ...]``: the entry ``torchrun`` launches."""

from __future__ import annotations

import json
import sys

from momq.train.recipe import load_recipe
from momq.train.trainer import train_recipe


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        print("usage: python -m momq.train RECIPE.yaml [section.key=value ...] [--no-resume]", file=sys.stderr)
        return 2
    resume = "--no-resume" not in args
    args = [a for a in args if a != "--no-resume"]
    summary = train_recipe(load_recipe(args[0], args[1:]), resume=resume)
    if summary.get("adapter"):
        print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
