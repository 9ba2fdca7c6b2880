"""Alternating prompt families on llama.cpp, with and without the RAM state cache.

Two system prompts with different 60-table schemas alternate (as R3's ranker/rewriter/
generator prompts or dataset construction's question/query/reverse prompts do); each
answer's seconds are printed, then the peak RSS and the cached states.

    .venv/bin/python benchmarks/prefix_cache.py --cache-mb 0        # no cache
    .venv/bin/python benchmarks/prefix_cache.py --cache-mb 1024     # 1 GB cache (the default)
"""

from __future__ import annotations

import argparse
import resource
import time

from momq.llm import GenerationConfig, load_model_spec

QUESTIONS = ["How many rows in t1?", "Count t2", "names in t3", "max of u4"]


def schema(prefix: str, columns: str) -> str:
    return "\n".join(f"CREATE TABLE {prefix}{i} ({columns.format(i=i)});" for i in range(60))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cache-mb", type=int, default=1024)
    parser.add_argument("--model", default="qwen2.5-coder-1.5b")
    args = parser.parse_args()
    model = load_model_spec(args.model, prefix_cache_mb=args.cache_mb)
    families = {
        "A": schema("t", "id int, name text, value_{i} int, created date"),
        "B": schema("u", "uid int, label text, score_{i} float"),
    }
    config = GenerationConfig(max_new_tokens=8)
    for question in QUESTIONS:
        for name, text in families.items():
            prompt = [{"role": "system", "content": "Write SQL.\n" + text}, {"role": "user", "content": question}]
            started = time.perf_counter()
            answer = model.generate([prompt], config)[0]
            print(f"{name} {time.perf_counter() - started:6.2f} s  {answer[:30]!r}", flush=True)
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    cache = model.runtime.llm.cache
    if cache is not None:
        print(f"cached states {len(cache.cache_state)}, {cache.cache_size / 2**20:.0f} MiB of llama state")


if __name__ == "__main__":
    main()
