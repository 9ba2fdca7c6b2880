"""The llama.cpp backend on the real Qwen2.5-Coder-0.5B (GGUF Q4_K_M): it completes,
is deterministic, continues an answer prefix, counts tokens, refuses a prompt longer
than its context, and catalogued names route to it. Correctness is not asserted."""

from __future__ import annotations

import pytest

from momq.backbones import catalog
from momq.llm import GenerationConfig, ModelError, llamacpp, load_model_spec

pytestmark = [pytest.mark.slow]

MODEL = "qwen2.5-coder-0.5b"


@pytest.fixture(scope="module")
def model():
    if not llamacpp.available():
        pytest.skip("llama-cpp-python is not installed (scripts/setup.sh builds it)")
    try:
        catalog.gguf_path(MODEL)
    except Exception as exc:  # the model packages are an optional install
        pytest.skip(str(exc))
    return load_model_spec(MODEL, n_ctx=2048)


PROMPT = [
    {"role": "system", "content": "You write SQL. Answer with one query in a ```sql``` block."},
    {"role": "user", "content": "Table author(authorid int, name text). How many authors are there?"},
]


def test_catalogued_name_runs_on_llamacpp(model):
    assert isinstance(model, llamacpp.LlamaCppModel) and model.backend == "llama.cpp"
    assert model.name == MODEL


def test_completes_deterministically_and_counts_tokens(model):
    config = GenerationConfig(max_new_tokens=48)
    first = model.generate([PROMPT], config)[0]
    second = model.generate([PROMPT], config)[0]
    assert first.strip() and first == second
    assert model.usage.extra["prompt_tokens"] > 20 and model.usage.extra["completion_tokens"] > 0


def test_continues_an_answer_prefix(model):
    answer = model.complete(
        [*PROMPT, {"role": "assistant", "content": "```sql\nSELECT"}],
        GenerationConfig(max_new_tokens=24, stop=("```",)),
    )
    assert answer.startswith("```sql\nSELECT")


def test_prompt_longer_than_the_context_is_a_clear_error(model):
    huge = [{"role": "user", "content": "word " * 5000}]
    with pytest.raises(ModelError, match="context window"):
        model.complete(huge)


def test_a_gguf_with_an_adapter_is_not_sent_to_llamacpp():
    from momq.llm import _runs_on_llamacpp

    assert not _runs_on_llamacpp(f"{MODEL}+/some/adapter")
    assert not _runs_on_llamacpp("openai:model@http://localhost:1")


def test_prompt_states_are_cached_and_answers_unchanged(model):
    """Alternating prompt families bring their saved prefix state back (the RAM cache,
    on by default); the answers are those of a fresh evaluation, and a saved state keeps
    one row of logits, not the whole n_batch x vocabulary buffer."""
    other = [
        {"role": "system", "content": "You write Cypher. Answer with one query in a ```cypher``` block."},
        {"role": "user", "content": "Nodes (:Person {name}). How many people are there?"},
    ]
    config = GenerationConfig(max_new_tokens=24)
    first = model.generate([PROMPT], config)[0]
    second = model.generate([other], config)[0]
    assert model.generate([PROMPT], config)[0] == first
    assert model.generate([other], config)[0] == second
    cache = model.runtime.llm.cache
    assert cache is not None and len(cache.cache_state) >= 2
    assert all(state.scores.shape[0] == 1 for state in cache.cache_state.values())
