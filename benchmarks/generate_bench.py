"""Generation speed: MoMQ (vanilla LoRA and shared experts merged, routed experts live) vs
merged PEFT LoRA on SmolLM2-135M: greedy, KV cache, a fixed number of new tokens.

    .venv/bin/python benchmarks/generate_bench.py [--new 48] [--batch 4] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]


def bench(tuned, tokenizer, prompts, new: int, repeat: int, bf16: bool) -> float:
    hf = tuned.inference_model()
    tokenizer.padding_side = "left"
    enc = tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=False)
    labels = torch.zeros(len(prompts), dtype=torch.long)
    times = []
    with torch.no_grad(), tuned.dialect_scope(labels), torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
        for i in range(repeat + 1):
            t0 = time.perf_counter()
            hf.generate(**enc, max_new_tokens=new, min_new_tokens=new, do_sample=False,
                        pad_token_id=tokenizer.pad_token_id)
            if i:  # the first run warms up
                times.append(time.perf_counter() - t0)
    return len(prompts) * new / sorted(times)[len(times) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--new", type=int, default=48)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--bf16", action="store_true")
    args = parser.parse_args()
    from momq.llm.models import load_model
    from momq.train.data import read_jsonl
    from momq.train.prompts import example_prompt
    from momq.tuners import get_method

    examples = read_jsonl(ROOT / "recipes" / "data" / "mini_multidialect.jsonl")[: args.batch]
    results = {}
    for method, config in [("lora", {"rank": 8}), ("momq", {"expert_rank": 8, "lora_rank": 8}),
                           ("momq-unmerged", {"expert_rank": 8, "lora_rank": 8})]:
        model, tokenizer = load_model()
        tuned = get_method(method.split("-")[0]).create(model, config)
        if method != "momq-unmerged":
            tuned.merge_for_inference()
        tuned.eval()
        prompts = [example_prompt(e, tokenizer) for e in examples]
        results[method] = round(bench(tuned, tokenizer, prompts, args.new, args.repeat, args.bf16), 1)
        print(json.dumps({"method": method, "new_tokens_per_s": results[method], "batch": args.batch,
                          "bf16": args.bf16, "threads": torch.get_num_threads()}), flush=True)
    print(f"LoRA / MoMQ time ratio: MoMQ takes {results['lora'] / results['momq']:.2f}x LoRA's time per token")


if __name__ == "__main__":
    main()
