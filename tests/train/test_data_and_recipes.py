"""Prompts, loss masks, batching and recipes."""

from __future__ import annotations

import pytest

from momq.errors import ConfigError
from momq.train.data import KEEP_PROMPT_HEAD, collate, cut_prompt, encode, plan_batches, read_jsonl, subsample
from momq.train.recipe import load_recipe
from momq.tuners import get_method

from .conftest import MINI_DATA, ROOT

RECIPES = sorted((ROOT / "recipes").rglob("*.yaml"))


def test_there_are_recipes():
    assert len(RECIPES) >= 4


@pytest.mark.parametrize("path", RECIPES, ids=lambda p: p.stem)
def test_every_recipe_loads(path, monkeypatch):
    monkeypatch.setenv("MOMQ_BENCH", "/bench")
    recipe = load_recipe(path)
    method = get_method(recipe.method)
    config_class = method.config_class
    config_class.from_dict(recipe.method_config)  # method keys are valid
    text = path.read_text()
    # every key is commented: each non-blank line holding a key has a comment on it or above it
    lines = text.splitlines()
    for number, line in enumerate(lines):
        stripped = line.strip()
        if not stripped or stripped.startswith("#") or stripped.startswith("- "):
            continue
        if ":" in stripped:
            above = lines[number - 1].strip() if number else ""
            assert "#" in line or above.startswith("#"), f"{path.name}:{number + 1} has no comment: {line}"


def test_recipe_rejects_unknown_keys(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("train:\n  epochz: 3\n")
    with pytest.raises(ConfigError):
        load_recipe(bad)
    good = tmp_path / "good.yaml"
    good.write_text("data:\n  train: x.jsonl\n")
    recipe = load_recipe(good, ["train.max_steps=5", "method_config.top_k=1"])
    assert recipe.train.max_steps == 5 and recipe.method_config == {"top_k": 1}
    assert recipe.resolve("x.jsonl") == tmp_path / "x.jsonl"


def test_mini_data_and_subsample():
    examples = read_jsonl(MINI_DATA)
    assert {e["dialect"] for e in examples} == {"mysql", "postgres", "cypher", "ngql"}
    kept = subsample(examples, {"mysql": 10, "postgres": 2, "cypher": 2, "ngql": 2}, None, 0)
    counts = {d: sum(e["dialect"] == d for e in kept) for d in ("mysql", "postgres", "cypher", "ngql")}
    assert counts == {"mysql": 10, "postgres": 2, "cypher": 2, "ngql": 2}


def test_loss_only_on_query_tokens(tiny_model_dir):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    example = read_jsonl(MINI_DATA)[0]
    enc = encode(example, tokenizer, ["mysql", "postgres", "cypher", "ngql"], 512)
    labelled = [t for t, l in zip(enc.input_ids, enc.labels) if l != -100]
    # the answer after the prefix inference opens: the query, the closing fence, EOS
    assert tokenizer.decode(labelled[:-1]) == example["query"] + "\n```"
    assert labelled[-1] == tokenizer.eos_token_id
    prompt = tokenizer.decode([t for t, l in zip(enc.input_ids, enc.labels) if l == -100])
    assert prompt.endswith("```sql\n") and example["question"] in prompt
    assert enc.dialect == 0
    short = encode(example, tokenizer, ["mysql", "postgres", "cypher", "ngql"], 72)
    assert len(short.input_ids) <= 72 < len(enc.input_ids) and short.labels[-1] == tokenizer.eos_token_id
    batch = collate([enc, short], tokenizer.pad_token_id)
    assert batch["input_ids"].shape == batch["labels"].shape == batch["attention_mask"].shape
    assert batch["attention_mask"][1].sum() == len(short.input_ids)
    assert batch["dialect_labels"].tolist() == [0, 0]


def test_cut_prompt_keeps_head_and_tail():
    ids = list(range(1000))
    assert cut_prompt(ids[:10], 10) == ids[:10]
    cut = cut_prompt(ids, 100)
    assert len(cut) == 100 and cut[:KEEP_PROMPT_HEAD] == ids[:KEEP_PROMPT_HEAD] and cut[-1] == 999
    assert cut_prompt(ids, 20) == ids[:10] + ids[-10:]


def test_plan_batches_is_deterministic_and_complete():
    lengths = [5, 50, 7, 30, 12, 9, 40, 3, 22, 18, 11]
    a = plan_batches(lengths, 3, seed=1, epoch=0)
    assert a == plan_batches(lengths, 3, seed=1, epoch=0)
    assert a != plan_batches(lengths, 3, seed=1, epoch=1)
    assert sorted(i for b in a for i in b) == list(range(len(lengths)))
    wide = plan_batches(lengths, 3, seed=1, epoch=0, bucket_batches=100)
    spans = [max(lengths[i] for i in b) - min(lengths[i] for i in b) for b in wide]
    assert max(spans) < max(lengths) - min(lengths)  # bucketing groups similar lengths
