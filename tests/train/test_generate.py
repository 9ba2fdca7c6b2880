"""Generation API on the tiny local model (with and without adapters)."""

from __future__ import annotations

import pytest
import torch

from momq.errors import ConfigError
from momq.llm.generate import generate, load_for_inference
from momq.train.data import read_jsonl
from momq.train.inference import generate_queries
from momq.tuners import get_method

from .conftest import MINI_DATA


def _perturb(tuned):
    g = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for _, p in tuned.trainable_parameters():
            p.add_(torch.randn(p.shape, generator=g) * 0.05)
    return tuned


@pytest.fixture()
def setup(tiny_model_dir):
    from momq.backbones.models import load_model

    model, tokenizer = load_model(tiny_model_dir)
    return model, tokenizer


def test_batched_greedy_equals_one_by_one_and_no_cache(setup):
    model, tokenizer = setup
    prompts = ["Question: How many movies", "Schema: table t(a int)\nQuestion: list everything please"]
    batched = generate(model, tokenizer, prompts, max_new_tokens=8, batch_size=2)
    single = [generate(model, tokenizer, [p], max_new_tokens=8)[0] for p in prompts]
    nocache = generate(model, tokenizer, prompts, max_new_tokens=8, use_cache=False, batch_size=2)
    assert [g.text for g in batched] == [g.text for g in single] == [g.text for g in nocache]
    assert all(0 < g.new_tokens <= 8 for g in batched)


def test_beam_search_and_stop_sequences(setup):
    model, tokenizer = setup
    beams = generate(model, tokenizer, ["Question: How many movies"], max_new_tokens=6, num_beams=3)
    assert len(beams) == 1 and beams[0].new_tokens <= 6
    free = generate(model, tokenizer, ["Question: How"], max_new_tokens=12)[0].text
    if len(free) > 3:
        stop = free[2:4]
        cut = generate(model, tokenizer, ["Question: How"], max_new_tokens=12, stop=[stop])[0].text
        assert stop not in cut and free.startswith(cut)


@pytest.mark.parametrize(
    "method,config",
    [
        ("momq", {"expert_rank": 4, "num_experts": 4}),
        ("momq", {"expert_rank": 4, "num_experts": 4, "ablation": "no_drl"}),
        ("lora-per-dialect", {"rank": 4}),
    ],
)
def test_tuned_models_generate_with_dialects(setup, method, config):
    model, tokenizer = setup
    tuned = _perturb(get_method(method).create(model, config))
    examples = read_jsonl(MINI_DATA)[::10]
    out = generate_queries(tuned, tokenizer, examples, max_new_tokens=5, num_beams=2)
    assert [g.dialect for g in out] == [e["dialect"] for e in examples]
    if tuned.needs_dialect_at_inference:
        with pytest.raises(ConfigError):
            generate(tuned, tokenizer, ["x"], max_new_tokens=2)


def test_long_prompts_are_cut_like_training_prompts(setup):
    model, tokenizer = setup
    example = {"question": "How many movies are there?", "dialect": "cypher", "schema": "Movie(title) " * 200}
    (full,) = generate_queries(model, tokenizer, [example], max_new_tokens=2)
    (cut,) = generate_queries(model, tokenizer, [example], max_new_tokens=2, max_prompt_tokens=64)
    assert (
        len(tokenizer(cut.prompt, add_special_tokens=False)["input_ids"])
        <= 70
        < len(tokenizer(full.prompt, add_special_tokens=False)["input_ids"])
    )
    assert cut.prompt.rstrip().endswith(full.prompt.rstrip()[-20:])


def test_merged_momq_generates_the_same(setup, tmp_path):
    model, tokenizer = setup
    tuned = _perturb(get_method("momq").create(model, {"expert_rank": 4, "num_experts": 4}))
    tuned.base_ref = type(tuned.base_ref)(str(setup[0].name_or_path))
    prompts = ["Question: How many movies", "Question: who"]
    before = [g.text for g in generate(tuned, tokenizer, prompts, max_new_tokens=6)]
    tuned.save(tmp_path / "a")
    loaded, tok = load_for_inference(tmp_path / "a")
    assert loaded.merged
    after = [g.text for g in generate(loaded, tok, prompts, max_new_tokens=6)]
    assert before == after
