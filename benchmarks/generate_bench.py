"""Generation speed: MoMQ (vanilla LoRA and shared experts merged, routed experts live) vs
merged PEFT LoRA on SmolLM2-135M (or any catalogued backbone with ``--model``; ``--recipes
DIR`` takes each method's configuration from ``DIR/<method>-full.yaml``): greedy with the
KV cache, a fixed number of new tokens (``min_new_tokens`` = ``max_new_tokens``), the same
prompts. The models take turns within one process (robust to other work on the machine);
the first round warms up.

    .venv/bin/python benchmarks/generate_bench.py [--new 32] [--batch 4] [--rounds 4] [--threads 1] [--bf16]
    .venv/bin/python benchmarks/generate_bench.py --model qwen2.5-coder-0.5b --recipes recipes/qwen-0.5b --threads 2 --bf16
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import torch
from train_bench import method_config

ROOT = Path(__file__).resolve().parents[1]
MODELS = [
    ("lora (merged)", "lora", {"rank": 8}, True),
    ("momq (merged)", "momq", {"expert_rank": 8, "lora_rank": 8}, True),
    ("momq (unmerged)", "momq", {"expert_rank": 8, "lora_rank": 8}, False),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--new", type=int, default=32)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--bf16", action="store_true")
    parser.add_argument("--model", default=None, help="catalogued backbone (default SmolLM2-135M)")
    parser.add_argument("--recipes", default=None, help="folder whose <method>-full.yaml give the configurations")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    from momq.backbones.models import load_model
    from momq.train.data import read_jsonl
    from momq.train.prompts import example_prompt
    from momq.tuners import get_method

    examples = read_jsonl(ROOT / "recipes" / "data" / "mini_multidialect.jsonl")[::10][: args.batch]
    built = {}
    for name, method, config, merge in MODELS:
        model, tokenizer = load_model(args.model)
        tuned = get_method(method).create(model, method_config(method, args.recipes) if args.recipes else config)
        if merge:
            tuned.merge_for_inference()
        built[name] = tuned.eval()
    tokenizer.padding_side = "left"
    enc = tokenizer(
        [example_prompt(e, tokenizer) for e in examples], return_tensors="pt", padding=True, add_special_tokens=False
    )
    labels = torch.zeros(len(examples), dtype=torch.long)
    times: dict[str, list[float]] = {name: [] for name in built}
    with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.bf16):
        for r in range(args.rounds + 1):
            for name, tuned in built.items():
                with tuned.dialect_scope(labels):
                    t0 = time.perf_counter()
                    tuned.inference_model().generate(
                        **enc,
                        max_new_tokens=args.new,
                        min_new_tokens=args.new,
                        do_sample=False,
                        pad_token_id=tokenizer.pad_token_id,
                    )
                    if r:
                        times[name].append(time.perf_counter() - t0)
    new_tokens = len(examples) * args.new
    rows = {}
    for name, values in times.items():
        rows[name] = {
            "model": name,
            "new_tokens_per_s_best": round(new_tokens / min(values), 1),
            "new_tokens_per_s_median": round(new_tokens / statistics.median(values), 1),
            "batch": len(examples),
            "prompt_tokens": int(enc["input_ids"].shape[1]),
            "bf16": args.bf16,
            "threads": torch.get_num_threads(),
        }
        print(json.dumps(rows[name]), flush=True)
    lora, momq = min(times["lora (merged)"]), min(times["momq (merged)"])
    print(f"MoMQ (merged) / LoRA (merged) generation time: {momq / lora:.2f} (best of {args.rounds})")


if __name__ == "__main__":
    main()
