"""Training speed and peak memory: MoMQ vs PEFT LoRA vs full fine-tuning (SmolLM2-135M, or any
catalogued backbone with ``--model``; ``--recipes DIR`` takes each method's configuration
from ``DIR/<method>-full.yaml``, e.g. recipes/qwen-0.5b).

Timing: all methods live in one process and take turns, one optimiser step each per round
(forward, backward, AdamW), on the same batch (``--batch`` mini-set examples cut to
``--length`` tokens, loss on the second half); the first round warms up. Interleaving
makes the ratios robust when other work shares the machine; quote min and median.
Memory: each method runs two steps in its own process; peak RSS and its growth over the
loaded model are reported.

    .venv/bin/python benchmarks/train_bench.py [--rounds 6] [--batch 2] [--length 128] [--threads 1]
    .venv/bin/python benchmarks/train_bench.py --model qwen2.5-coder-0.5b --recipes recipes/qwen-0.5b \
        --batch 2 --length 256 --threads 2 --rounds 3 --methods lora,momq

``--threads``: torch CPU threads. On a 2-core machine shared with other work, 2 threads
spin at OpenMP barriers whenever one core is taken and steps vary 10x; 1 thread is stable.
Numbers go to benchmarks/README.md ("Training and generation"); this is not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
METHODS = {
    "momq": {"expert_rank": 8, "lora_rank": 8, "num_experts": 8, "top_k": 2, "num_shared_experts": 2},
    "lora": {"rank": 8, "lora_alpha": 16},
    "full": {},
}


def proc_mb(field: str) -> float:
    """``VmRSS`` (now) or ``VmHWM`` (peak) of this process. Not ``ru_maxrss``: Linux keeps
    that across ``execve``, so a child would report its parent's peak."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def method_config(method: str, recipes: str | None) -> dict:
    if not recipes:
        return METHODS[method]
    from momq.train.recipe import load_recipe

    return load_recipe(Path(recipes) / f"{method}-full.yaml").method_config


def make(method: str, model_name: str | None = None, recipes: str | None = None):
    import torch

    from momq.backbones.models import load_model
    from momq.train.trainer import make_optimizer
    from momq.tuners import get_method

    model, tokenizer = load_model(model_name)
    torch.manual_seed(0)
    tuned = get_method(method).create(model, method_config(method, recipes)).train()
    opt = make_optimizer(tuned, 1e-6, (0.9, 0.95), 0.1)  # what the trainer uses
    return tuned, opt, tokenizer


def fixed_batch(tokenizer, batch: int, length: int):
    from momq.train.data import collate, encode_all, read_jsonl

    examples = read_jsonl(ROOT / "recipes" / "data" / "mini_multidialect.jsonl")[:batch]
    encoded = encode_all(examples, tokenizer, ["mysql", "postgres", "cypher", "ngql"], 100_000)
    for e in encoded:  # the same fixed-length batch for every method
        e.input_ids = (e.input_ids * 8)[:length]
        e.labels = [-100] * (length // 2) + e.input_ids[length // 2 :]
    return collate(encoded, tokenizer.pad_token_id)


def step(tuned, opt, inputs, bf16: bool) -> float:
    import torch

    t0 = time.perf_counter()
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
        out = tuned(**inputs)
    out.loss.backward()
    opt.step()
    opt.zero_grad(set_to_none=True)
    return time.perf_counter() - t0


def timing(
    methods: list[str],
    dtypes: list[str],
    rounds: int,
    batch: int,
    length: int,
    model_name: str | None = None,
    recipes: str | None = None,
) -> list[dict]:
    import torch

    built = {m: make(m, model_name, recipes) for m in methods}
    inputs = fixed_batch(built[methods[0]][2], batch, length)
    tokens = int(inputs["attention_mask"].sum())
    rows = []
    for dtype in dtypes:
        times: dict[str, list[float]] = {m: [] for m in methods}
        for r in range(rounds + 1):
            for m in methods:
                elapsed = step(built[m][0], built[m][1], inputs, dtype == "bf16")
                if r:
                    times[m].append(elapsed)
        for m in methods:
            best, median = min(times[m]), statistics.median(times[m])
            rows.append(
                {
                    "method": m,
                    "dtype": dtype,
                    "min_step_s": round(best, 3),
                    "median_step_s": round(median, 3),
                    "tokens_per_s": round(tokens / best, 1),
                    "tokens_per_step": tokens,
                    "trainable": built[m][0].num_parameters()["trainable"],
                    "threads": torch.get_num_threads(),
                }
            )
            print(json.dumps(rows[-1]), flush=True)
    return rows


def memory(
    method: str, dtype: str, batch: int, length: int, model_name: str | None = None, recipes: str | None = None
) -> dict:
    tuned, opt, tokenizer = make(method, model_name, recipes)
    inputs = fixed_batch(tokenizer, batch, length)
    loaded = proc_mb("VmRSS")
    for _ in range(2):
        step(tuned, opt, inputs, dtype == "bf16")
    peak = proc_mb("VmHWM")
    return {"method": method, "dtype": dtype, "peak_rss_mb": round(peak, 1), "growth_mb": round(peak - loaded, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--batch", type=int, default=2)
    parser.add_argument("--length", type=int, default=128)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--methods", default="momq,lora,full")
    parser.add_argument("--dtypes", default="fp32,bf16")
    parser.add_argument("--memory-child", nargs=2, metavar=("METHOD", "DTYPE"))
    parser.add_argument("--model", default=None, help="catalogued backbone (default SmolLM2-135M)")
    parser.add_argument("--recipes", default=None, help="folder whose <method>-full.yaml give the configurations")
    parser.add_argument("--no-memory", action="store_true", help="skip the per-method memory processes")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    if args.memory_child:
        print(
            "RESULT " + json.dumps(memory(*args.memory_child, args.batch, args.length, args.model, args.recipes)),
            flush=True,
        )
        return
    methods, dtypes = args.methods.split(","), args.dtypes.split(",")
    rows = timing(methods, dtypes, args.rounds, args.batch, args.length, args.model, args.recipes)
    extra = (["--model", args.model] if args.model else []) + (["--recipes", args.recipes] if args.recipes else [])
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""),
        "HF_HUB_OFFLINE": "1",
        "OMP_NUM_THREADS": str(args.threads),
    }
    mem = {}
    for dtype in [] if args.no_memory else dtypes:
        for m in methods:
            done = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--memory-child",
                    m,
                    dtype,
                    "--batch",
                    str(args.batch),
                    "--length",
                    str(args.length),
                    "--threads",
                    str(args.threads),
                    *extra,
                ],
                env=env,
                capture_output=True,
                text=True,
            )
            line = next((l for l in done.stdout.splitlines() if l.startswith("RESULT ")), None)
            if line:
                mem[(m, dtype)] = json.loads(line[7:])
                print(line[7:], flush=True)
    print(
        "\n| method | dtype | step min / median (s) | tokens/s (best) | trainable params | peak RSS (MB) | growth (MB) |"
    )
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        mm = mem.get((r["method"], r["dtype"]), {})
        print(
            f"| {r['method']} | {r['dtype']} | {r['min_step_s']} / {r['median_step_s']} | {r['tokens_per_s']} | "
            f"{r['trainable']:,} | {mm.get('peak_rss_mb', '-')} | {mm.get('growth_mb', '-')} |"
        )
    for dtype in dtypes:
        by = {r["method"]: r for r in rows if r["dtype"] == dtype}
        if "momq" in by and "lora" in by:
            print(
                f"{dtype}: MoMQ / LoRA step time: min {by['momq']['min_step_s'] / by['lora']['min_step_s']:.2f}, "
                f"median {by['momq']['median_step_s'] / by['lora']['median_step_s']:.2f}"
            )


if __name__ == "__main__":
    main()
