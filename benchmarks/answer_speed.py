"""Time to answer a question with a local model: cold (first question, model load
included) and warm (later questions on the same database), prompt and generation
tokens/s, llama.cpp against transformers on the same grounded prompts and model.

The prompts are the direct pipeline's real prompts (schema, sample values, aligned
values) on the demo databases; one greedy answer per question, no repair, no execution,
so the numbers are the model's share of ``momq ask``.

    .venv/bin/python benchmarks/answer_speed.py --model qwen2.5-coder-1.5b
    .venv/bin/python benchmarks/answer_speed.py --model qwen2.5-coder-0.5b --backends llamacpp,hf
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

QUESTIONS = {
    ("postgres", "academic"): [
        "How many authors are there?",
        "List the titles of papers published after 2015.",
        "Which author has written the most publications?",
        "What is the total number of citations of all publications?",
        "Which organizations are in North America?",
        "How many journals are there?",
    ],
    ("ngql", "basketballplayer"): [
        "Who does Tim Duncan follow?",
        "Which teams did Tony Parker serve?",
        "How old is LeBron James?",
        "Which players are older than 40?",
        "Who follows Tim Duncan?",
        "How many players are there?",
    ],
}


def prompts_for(dialect: str, database: str, questions: list[str]):
    from momq.llm import load_model_spec
    from momq.pipelines import Target
    from momq.pipelines.direct import DirectPipeline

    pipeline = DirectPipeline(load_model_spec("scripted:SELECT 1"))
    with Target.open(dialect, database) as target:
        return [pipeline.prompt(q, target)[0] for q in questions]


def run(spec: str, groups: dict, max_new_tokens: int) -> dict:
    from momq.llm import GenerationConfig, load_model_spec

    config = GenerationConfig(max_new_tokens=max_new_tokens, stop=("```\n", "\n```"))
    started = time.perf_counter()
    model = load_model_spec(spec)
    load_s = time.perf_counter() - started
    rows = {}
    first = True
    for (dialect, database), prompts in groups.items():
        times = []
        for prompt in prompts:
            t0 = time.perf_counter()
            model.generate([prompt], config)
            times.append(time.perf_counter() - t0)
        cold = times[0] + (load_s if first else 0.0)
        first = False
        rows[f"{dialect}/{database}"] = {
            "cold_s": round(cold, 2),
            "first_s": round(times[0], 2),
            "warm_median_s": round(statistics.median(times[1:]), 2),
            "warm_max_s": round(max(times[1:]), 2),
        }
    extra = dict(model.usage.extra)
    result = {"model": spec, "backend": model.backend, "load_s": round(load_s, 2), "per_database": rows}
    if extra.get("completion_tokens"):
        result["prompt_tokens"] = extra["prompt_tokens"]
        result["completion_tokens"] = extra["completion_tokens"]
    return result


def token_rates(spec: str, prompt) -> dict:
    """Prompt tokens/s (a fresh prompt, nothing reused) and generation tokens/s."""
    from momq.llm import load_model_spec

    model = load_model_spec(spec)
    if not hasattr(model, "runtime"):
        return {}
    llm = model.runtime.llm
    text, _ = model.runtime.render(prompt)
    tokens = llm.tokenize(text.encode(), add_bos=False, special=True)
    llm.reset()
    t0 = time.perf_counter()
    llm.eval(tokens)
    prompt_s = time.perf_counter() - t0
    n_new = 64
    t0 = time.perf_counter()
    out = llm.create_completion(prompt=text, max_tokens=n_new, temperature=0.0, top_k=1)
    gen_s = time.perf_counter() - t0
    produced = out["usage"]["completion_tokens"]
    return {
        "prompt_tokens": len(tokens),
        "prompt_tok_per_s": round(len(tokens) / prompt_s, 1),
        "gen_tok_per_s": round(produced / gen_s, 1) if produced else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="qwen2.5-coder-1.5b")
    parser.add_argument("--backends", default="llamacpp", help="comma-separated: llamacpp, hf")
    parser.add_argument("--max-new-tokens", type=int, default=96)
    parser.add_argument("--questions", type=int, default=6, help="per database")
    args = parser.parse_args()
    groups = {key: prompts_for(*key, qs[: args.questions]) for key, qs in QUESTIONS.items()}
    for backend in args.backends.split(","):
        spec = f"{backend}:{args.model}"
        result = run(spec, groups, args.max_new_tokens)
        if backend == "llamacpp":
            result["rates"] = token_rates(spec, next(iter(groups.values()))[0])
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
