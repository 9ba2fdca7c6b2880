"""Training speed and peak memory: MoMQ vs PEFT LoRA vs full fine-tuning on SmolLM2-135M.

Each configuration runs in its own process (so peak RSS is its own): same batch (the
mini multi-dialect set's prompts, ``--batch`` examples cut to ``--length`` tokens), a
few warm-up steps (the first steps after boot are 1.5-2.5x slower), then timed optimiser
steps. Prints one JSON line per configuration and a Markdown table.

    .venv/bin/python benchmarks/train_bench.py [--steps 5] [--warmup 3] [--batch 4] [--length 128]

Numbers go to benchmarks/README.md ("Training and generation"); this is not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
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


def child(method: str, bf16: bool, steps: int, warmup: int, batch: int, length: int) -> dict:
    import torch

    from momq.llm.models import load_model
    from momq.train.data import collate, encode_all, read_jsonl
    from momq.train.trainer import param_groups
    from momq.tuners import get_method

    model, tokenizer = load_model()
    torch.manual_seed(0)
    tuned = get_method(method).create(model, METHODS[method])
    examples = read_jsonl(ROOT / "recipes" / "data" / "mini_multidialect.jsonl")[:batch]
    encoded = encode_all(examples, tokenizer, ["mysql", "postgres", "cypher", "ngql"], 100_000)
    for e in encoded:  # the same fixed-length batch for every method
        e.input_ids = (e.input_ids * 8)[:length]
        e.labels = [-100] * (length // 2) + e.input_ids[length // 2:]  # loss on the second half
    inputs = collate(encoded, tokenizer.pad_token_id)
    opt = torch.optim.AdamW(param_groups(tuned, 0.1), lr=1e-5, betas=(0.9, 0.95))
    tuned.train()
    times = []
    for i in range(warmup + steps):
        t0 = time.perf_counter()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            out = tuned(**inputs)
        out.loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        if i >= warmup:
            times.append(time.perf_counter() - t0)
    tokens = int(inputs["attention_mask"].sum())
    step = sorted(times)[len(times) // 2]
    return {"method": method, "dtype": "bf16" if bf16 else "fp32", "median_step_s": round(step, 3),
            "tokens_per_s": round(tokens / step, 1), "tokens_per_step": tokens,
            "trainable": tuned.num_parameters()["trainable"],
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "threads": torch.get_num_threads()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--length", type=int, default=128)
    parser.add_argument("--methods", default="momq,lora,full")
    parser.add_argument("--dtypes", default="fp32,bf16")
    parser.add_argument("--child", nargs=2, metavar=("METHOD", "DTYPE"))
    args = parser.parse_args()
    if args.child:
        result = child(args.child[0], args.child[1] == "bf16", args.steps, args.warmup, args.batch, args.length)
        print("RESULT " + json.dumps(result), flush=True)
        return
    rows = []
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""),
           "HF_HUB_OFFLINE": "1"}
    for dtype in args.dtypes.split(","):
        for method in args.methods.split(","):
            cmd = [sys.executable, __file__, "--child", method, dtype, "--steps", str(args.steps),
                   "--warmup", str(args.warmup), "--batch", str(args.batch), "--length", str(args.length)]
            done = subprocess.run(cmd, env=env, capture_output=True, text=True)
            line = next((l for l in done.stdout.splitlines() if l.startswith("RESULT ")), None)
            if line is None:
                print(done.stderr[-2000:], file=sys.stderr)
                continue
            row = json.loads(line[7:])
            rows.append(row)
            print(json.dumps(row), flush=True)
    print("\n| method | dtype | step (s) | tokens/s | trainable params | peak RSS (MB) |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['method']} | {r['dtype']} | {r['median_step_s']} | {r['tokens_per_s']} | "
              f"{r['trainable']:,} | {r['peak_rss_mb']} |")
    for dtype in args.dtypes.split(","):
        by = {r["method"]: r for r in rows if r["dtype"] == dtype}
        if "momq" in by and "lora" in by:
            print(f"{dtype}: MoMQ step / LoRA step = {by['momq']['median_step_s'] / by['lora']['median_step_s']:.2f}")


if __name__ == "__main__":
    main()
