"""The baselines go through the same interface as MoMQ: create, forward, step, save/load."""

from __future__ import annotations

import pytest
import torch

from momq.errors import ConfigError
from momq.tuners import get_method, load_tuned, method_names

from .tiny_models import batch, make_base

CONFIGS = {
    "lora": {"rank": 4},
    "full": {},
    "lora-per-dialect": {"rank": 4},
    "momq": {"expert_rank": 4, "num_experts": 4},
}


def perturb(model, seed=5):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for _, p in model.trainable_parameters():
            p.add_(torch.randn(p.shape, generator=g) * 0.05)


def test_registry_names():
    assert method_names() == ["momq", "lora", "full", "lora-per-dialect"]
    with pytest.raises(ConfigError):
        get_method("qlora")


@pytest.mark.parametrize("method", list(CONFIGS))
@pytest.mark.parametrize("kind", ["llama", "qwen2"])
def test_train_step_save_load(tmp_path, method, kind):
    model = get_method(method).create(make_base(kind), CONFIGS[method])
    model.train()
    ids, mask, labels, dialects = batch()
    frozen = {n: p.detach().clone() for n, p in model.named_parameters() if not p.requires_grad}
    out = model(ids, mask, labels=labels, dialect_labels=dialects)
    assert torch.isfinite(out.loss)
    out.loss.backward()
    torch.optim.AdamW([p for _, p in model.trainable_parameters()], lr=1e-2).step()
    for name, p in model.named_parameters():
        if name in frozen:
            assert torch.equal(p, frozen[name])
    counts = model.num_parameters()
    if method == "full":
        assert counts["trainable"] == counts["total"]
    else:
        assert 0 < counts["trainable"] < counts["total"]
    perturb(model)
    model.eval()
    before = model(ids, mask, dialect_labels=dialects).logits
    model.save(tmp_path / "saved")
    loaded = load_tuned(tmp_path / "saved", make_base(kind))
    assert loaded.method == method
    loaded.eval()
    after = loaded(ids, mask, dialect_labels=dialects).logits
    assert torch.allclose(before, after, atol=1e-6)
    loaded.merge_for_inference()
    merged = loaded(ids, mask, dialect_labels=dialects).logits
    assert torch.allclose(before, merged, atol=1e-4)


def test_lora_per_dialect_selects_by_tag():
    model = get_method("lora-per-dialect").create(make_base(), {"rank": 4})
    perturb(model)
    model.eval()
    ids, mask, _, _ = batch(size=2)
    mixed = model(ids, mask, dialect_labels=torch.tensor([0, 3])).logits
    first = model(ids[:1], mask[:1], dialect_labels=torch.tensor([0])).logits
    second = model(ids[1:], mask[1:], dialect_labels=torch.tensor([3])).logits
    assert torch.allclose(mixed[:1], first, atol=1e-5) and torch.allclose(mixed[1:], second, atol=1e-5)
    other = model(ids[1:], mask[1:], dialect_labels=torch.tensor([1])).logits
    assert not torch.allclose(other, second)
    with pytest.raises(ConfigError):
        model(ids, mask)
    # training on dialect 2 only changes dialect 2's adapters
    model.train()
    ids, mask, labels, _ = batch(size=2)
    model(ids, mask, labels=labels, dialect_labels=torch.tensor([2, 2])).loss.backward()
    for name, p in model.trainable_parameters():
        if "lora_" in name:
            per_dialect = p.grad.abs().flatten(1).sum(-1)
            assert per_dialect[2] > 0 and torch.all(per_dialect[[0, 1, 3]] == 0), name
