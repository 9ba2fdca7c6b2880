"""Alternating prompt families on llama.cpp, with and without the RAM state cache.

Two system prompts with different 60-table schemas alternate (as R3's ranker/rewriter/
generator prompts or dataset construction's question/query/reverse prompts do); each
answer's seconds are printed, then the peak RSS and the cached states.

    .venv/bin/python benchmarks/prefix_cache.py 0 qwen2.5-coder-1.5b       # no cache
    .venv/bin/python benchmarks/prefix_cache.py 1024 qwen2.5-coder-1.5b    # 1 GB cache (default)
"""

import time, sys
from momq.llm import load_model_spec, GenerationConfig
mb = int(sys.argv[1])
m = load_model_spec(sys.argv[2], prefix_cache_mb=mb)
schema_a = "\n".join(f"CREATE TABLE t{i} (id int, name text, value_{i} int, created date);" for i in range(60))
schema_b = "\n".join(f"CREATE TABLE u{i} (uid int, label text, score_{i} float);" for i in range(60))
cfg = GenerationConfig(max_new_tokens=8)
def ask(schema, q):
    t = time.time()
    out = m.generate([[{"role": "system", "content": "Write SQL.\n" + schema}, {"role": "user", "content": q}]], cfg)[0]
    return round(time.time() - t, 2), out[:30]
for q in ["How many rows in t1?", "Count t2", "names in t3", "max of u4"]:
    print("A", ask(schema_a, q)); print("B", ask(schema_b, q))
import resource; print("maxrss MB", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/1024)
c = m.runtime.llm.cache
print("cache", c.cache_size if c else None, len(c.cache_state) if c else 0)
