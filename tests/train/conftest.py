"""Fixtures for the training tests: a tiny Llama with a tiny tokenizer, saved as a local
Hugging Face directory (so the tests also exercise loading a model by path)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MINI_DATA = ROOT / "recipes" / "data" / "mini_multidialect.jsonl"


def _texts() -> list[str]:
    from momq.train.prompts import build_prompt

    texts = []
    for line in MINI_DATA.read_text().splitlines():
        ex = json.loads(line)
        texts += [build_prompt(ex["question"], ex["dialect"], ex.get("schema")), ex["query"]]
    return texts


def build_tiny_model_dir(folder: Path) -> Path:
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE(unk_token=None))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=400,
        special_tokens=["<pad>", "</s>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(_texts(), trainer)
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="</s>", pad_token="<pad>")
    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=48,
        intermediate_size=96,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=1024,
        tie_word_embeddings=True,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=None,
    )
    LlamaForCausalLM(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory) -> Path:
    return build_tiny_model_dir(tmp_path_factory.mktemp("tiny-llama"))


@pytest.fixture(autouse=True)
def _one_thread(request):
    """Tiny models run single-threaded (threads only add barrier waits on tiny tensors);
    the real SmolLM2 run keeps torch's default."""
    import torch

    before = torch.get_num_threads()
    if "smollm2" not in request.node.name:
        torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture()
def momq_home(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("MOMQ_HOME", str(tmp_path / "home"))
    return tmp_path / "home"
