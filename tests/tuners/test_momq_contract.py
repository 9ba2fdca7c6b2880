"""Contract suite for the MoMQ adapter, in the style of PEFT's tests: every configuration
on tiny Llama / Qwen2 / Gemma 3 models built from configs."""

from __future__ import annotations

import copy

import pytest
import torch

from momq.errors import ConfigError
from momq.tuners import get_method, load_tuned
from momq.tuners.momq.config import ABLATIONS, MoMQConfig
from momq.tuners.momq.layer import LoRALinear, MoMQExperts
from momq.tuners.momq.model import MoMQModel

from .tiny_models import KINDS, VOCAB, batch, make_base

SMALL = {"expert_rank": 4, "num_experts": 4, "top_k": 2, "num_shared_experts": 2}
VARIANTS = {
    "default": {},
    "top1": {"top_k": 1},
    "topall": {"top_k": 4},
    "rank8_n3": {"expert_rank": 8, "num_experts": 3, "top_k": 2, "lora_rank": 2},
    **{f"ablation_{name}": {"ablation": name} for name in ABLATIONS if name != "none"},
}


def build(kind: str = "llama", seed: int = 0, **overrides) -> MoMQModel:
    config = MoMQConfig(**{**SMALL, **overrides})
    return MoMQModel.create(make_base(kind, seed), config)


def perturb(model: MoMQModel, seed: int = 5) -> None:
    """Give every trainable tensor random values (B starts at zero, which hides bugs)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for _, p in model.trainable_parameters():
            p.add_(torch.randn(p.shape, generator=g) * 0.1)


def momq_layers(model: MoMQModel) -> list[MoMQExperts]:
    return [m for m in model.modules() if isinstance(m, MoMQExperts)]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_forward_losses_and_step(kind, variant):
    """Shapes, finite differentiable losses, and a step leaves frozen weights untouched."""
    model = build(kind, **VARIANTS[variant])
    model.train()
    ids, mask, labels, dialects = batch()
    frozen = {n: p.detach().clone() for n, p in model.named_parameters() if not p.requires_grad}
    trainable = {n: p.detach().clone() for n, p in model.trainable_parameters()}
    out = model(ids, mask, labels=labels, dialect_labels=dialects)
    assert out.logits.shape == (*ids.shape, VOCAB)
    for value in (out.loss, out.lm_loss, out.drl_loss, out.balance_loss):
        assert torch.isfinite(value)
    cfg = model.momq_config
    if cfg.use_dialect_groups and cfg.routing == "soft":
        assert out.drl_loss.requires_grad and out.drl_loss > 0
    if cfg.use_dialect_groups:
        assert out.balance_loss.requires_grad and out.balance_loss >= 1.0 - 1e-5  # 1 = perfectly balanced
    expected = out.lm_loss + cfg.drl_weight * out.drl_loss + cfg.balance_weight * out.balance_loss
    assert torch.allclose(out.loss, expected)
    out.loss.backward()
    opt = torch.optim.AdamW([p for _, p in model.trainable_parameters()], lr=1e-2)
    opt.step()
    for name, p in model.named_parameters():
        if name in frozen:
            assert torch.equal(p, frozen[name]), name
    changed = [n for n, p in model.trainable_parameters() if not torch.equal(p, trainable[n])]
    assert any("lora_B" in n for n in changed)
    assert any("norm" in n for n in changed) == cfg.train_norms


@pytest.mark.parametrize("kind", KINDS)
def test_injection_targets(kind):
    model = build(kind)
    assert len(model.adapted["moe"]) == 2  # one down projection per layer
    assert len(model.adapted["lora"]) == 12  # q k v o gate up in 2 layers
    assert all(n.endswith("down_proj") for n in model.adapted["moe"])
    names = dict(model.named_parameters())
    assert not names["model.model.embed_tokens.weight"].requires_grad
    assert all(p.requires_grad for n, p in names.items() if "norm" in n)
    vanilla = build(kind, ablation="no_dialect_groups")
    assert not momq_layers(vanilla)
    assert sum(isinstance(m, LoRALinear) for m in vanilla.modules()) == 14


def routing_of(layer: MoMQExperts, tokens: int = 11, labels=None):
    layer.context.dialect_labels = labels
    h = torch.randn(tokens, layer.base_layer.in_features)
    return layer.routing_weights(h, 1, tokens)


@pytest.mark.parametrize("variant", ["default", "top1", "topall", "rank8_n3"])
def test_routing_weights(variant):
    model = build(**VARIANTS[variant])
    perturb(model)
    layer = momq_layers(model)[0]
    r = routing_of(layer)
    m, n, k = layer.num_groups, layer.num_experts, layer.top_k
    # the dialect router's distribution sums to one over the M groups
    assert torch.allclose(r["dialect"].sum(-1), torch.ones(11))
    # top-K sparsity inside every group
    nonzero = (r["group_weights"] > 0).sum(-1)
    assert torch.equal(nonzero, torch.full((11, m), k))
    # the kept weights are the K largest softmax probabilities (no renormalisation)
    kept = r["group_weights"] / r["dialect"][:, :, None]
    assert torch.allclose(kept.sum(-1), r["probs"].topk(k, -1).values.sum(-1), atol=1e-6)
    # every token goes through every shared expert with weight 1
    assert torch.equal(r["weights"][:, m * n :], torch.ones(11, layer.num_shared))


def test_shared_group_ablation_has_no_shared_experts():
    model = build(ablation="no_shared_group")
    layer = momq_layers(model)[0]
    assert layer.num_shared == 0
    assert layer.lora_A.shape[1] == layer.num_groups * layer.num_experts * layer.rank


def test_hard_routing_touches_only_labelled_group():
    model = build(ablation="no_drl")
    model.train()
    ids, mask, labels, _ = batch(size=2)
    dialects = torch.tensor([2, 2])
    out = model(ids, mask, labels=labels, dialect_labels=dialects)
    assert float(out.drl_loss) == 0.0
    out.loss.backward()
    for layer in momq_layers(model):
        r, n = layer.rank, layer.num_experts
        grad = layer.lora_B.grad.view(-1, r, layer.lora_B.shape[1])
        per_expert = grad.abs().sum(dim=(1, 2))
        groups = per_expert[: layer.num_groups * n].view(layer.num_groups, n)
        assert torch.all(groups[[0, 1, 3]] == 0)
        assert groups[2].sum() > 0
        assert torch.all(per_expert[layer.num_groups * n :] > 0)  # shared experts still learn
    with pytest.raises(ConfigError):
        model.eval()
        model(ids, mask)  # hard routing needs the label at inference


def test_random_routing_is_one_hot_in_training_and_uniform_in_eval():
    model = build(ablation="no_dialect_router")
    layer = momq_layers(model)[0]
    model.train()
    r = routing_of(layer)
    assert torch.equal(r["dialect"].sum(-1), torch.ones(11)) and torch.all(r["dialect"].max(-1).values == 1)
    model.eval()
    assert torch.allclose(routing_of(layer)["dialect"], torch.full((11, layer.num_groups), 0.25))


def test_dialect_router_loss_matches_formula():
    """DRL = mean over layers and real tokens of CE(d, (1-eps) onehot + eps/M)."""
    model = build()
    perturb(model)
    ids, mask, labels, dialects = batch()
    with model.record_routing() as records:
        out = model(ids, mask, labels=labels, dialect_labels=dialects)
    eps, m = model.momq_config.label_smoothing, 4
    per_layer = []
    for rec in records.values():
        target = torch.nn.functional.one_hot(dialects, m).float()[:, None, :] * (1 - eps) + eps / m
        ce = -(target * rec["dialect"].log()).sum(-1)
        per_layer.append(ce[mask.bool()].mean())
    assert torch.allclose(out.drl_loss, torch.stack(per_layer).mean(), atol=1e-5)


def test_balance_loss_is_one_when_uniform():
    model = build()
    for layer in momq_layers(model):
        torch.nn.init.zeros_(layer.expert_router.weight)  # equal probabilities
    ids, mask, labels, dialects = batch()
    out = model(ids, mask, labels=labels, dialect_labels=dialects)
    assert torch.allclose(out.balance_loss, torch.tensor(1.0), atol=1e-5)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "variant", ["default", "ablation_no_drl", "ablation_no_dialect_groups", "ablation_no_dialect_router"]
)
def test_save_load_identical_logits(tmp_path, kind, variant):
    model = build(kind, **VARIANTS[variant])
    perturb(model)
    model.eval()
    ids, mask, _, dialects = batch()
    before = model(ids, mask, dialect_labels=dialects).logits
    model.save(tmp_path / "adapter")
    assert (tmp_path / "adapter" / "adapter_model.safetensors").is_file()
    loaded = load_tuned(tmp_path / "adapter", make_base(kind, 0))
    assert isinstance(loaded, MoMQModel)
    loaded.eval()
    after = loaded(ids, mask, dialect_labels=dialects).logits
    assert torch.equal(before, after)
    assert loaded.momq_config == model.momq_config


def test_load_rejects_other_backbone(tmp_path):
    model = build("llama")
    model.save(tmp_path / "a")
    with pytest.raises(Exception):  # noqa: B017
        get_method("momq").load(tmp_path / "a", make_base("gemma3", 0))


@pytest.mark.parametrize("kind", KINDS)
def test_merge_for_inference_keeps_logits(kind):
    model = build(kind)
    perturb(model)
    model.eval()
    ids, mask, _, _ = batch()
    before = model(ids, mask).logits
    model.merge_for_inference()
    assert not any(isinstance(m, LoRALinear) for m in model.modules())
    assert all(layer.num_shared == 0 for layer in momq_layers(model))
    after = model(ids, mask).logits
    assert torch.allclose(before, after, atol=1e-4)
    with pytest.raises(ConfigError):
        model.save(__import__("pathlib").Path("/nonexistent-never-written"))


def test_bf16_autocast_and_checkpointing_keep_aux_gradients():
    model = build()
    model.train()
    from momq.train.trainer import enable_checkpointing

    enable_checkpointing(model)
    ids, mask, labels, dialects = batch()
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out = model(ids, mask, labels=labels, dialect_labels=dialects)
    assert torch.isfinite(out.loss)
    out.drl_loss.backward()
    router = momq_layers(model)[0].dialect_router.weight
    assert router.grad is not None and router.grad.abs().sum() > 0


def test_config_json_roundtrip_and_validation(tmp_path):
    config = MoMQConfig(ablation="no_drl", expert_rank=8)
    config.save(tmp_path / "c.json")
    assert MoMQConfig.load(tmp_path / "c.json") == config
    assert config.routing == "hard"
    assert set(MoMQConfig.help()) >= {"num_experts", "top_k", "label_smoothing"}
    for bad in ({"top_k": 9}, {"ablation": "nope"}, {"routing": "x"}, {"dialects": []}):
        with pytest.raises(ConfigError):
            MoMQConfig(**bad)
    with pytest.raises(ConfigError):
        MoMQConfig.from_dict({"num_expert": 3})


def test_experts_are_independent_of_batch_composition():
    """A token's output depends on itself only (no cross-token leakage through routing)."""
    model = build()
    perturb(model)
    model.eval()
    ids, mask, _, _ = batch(size=3)
    full = model(ids, mask).logits
    single = model(ids[1:2], mask[1:2]).logits
    assert torch.allclose(full[1:2], single, atol=1e-5)


def test_deepcopy_keeps_shared_context():
    model = build()
    clone = copy.deepcopy(model)
    layers = momq_layers(clone)
    assert all(layer.context is clone.routing for layer in layers)


# Table 5 of the MoMQ paper: each column removes one more component than the previous one
TABLE_5 = {  # ablation -> (shared group, DRL, learned dialect router, dialect expert groups)
    "none": (True, True, True, True),
    "no_shared_group": (False, True, True, True),
    "no_drl": (False, False, False, True),
    "no_dialect_router": (False, False, False, True),
    "no_dialect_groups": (False, False, False, False),
}


@pytest.mark.parametrize("ablation", list(TABLE_5))
def test_ablations_are_cumulative_as_table_5(ablation):
    shared, drl, router, groups = TABLE_5[ablation]
    cfg = MoMQConfig(**SMALL, ablation=ablation)
    assert cfg.use_shared_group == shared and cfg.shared_experts == (2 if shared else 0)
    assert (cfg.routing == "soft") == (drl and router)  # the DRL trains the soft dialect router
    assert cfg.use_dialect_groups == groups
    if ablation == "no_dialect_router":
        assert cfg.routing == "random"
    if ablation == "no_drl":
        assert cfg.routing == "hard"
    order = list(TABLE_5)
    previous = TABLE_5[order[max(0, order.index(ablation) - 1)]]
    assert all(p or not c for p, c in zip(previous, TABLE_5[ablation]))  # nothing comes back


@pytest.mark.parametrize("kind", KINDS)
def test_no_dialect_groups_is_the_lora_baseline(kind):
    """Same adapted projections, same rank and scaling, same trainable parameters (norms
    frozen) and, with equal weights, the same outputs as the PEFT LoRA baseline."""
    from momq.tuners.lora.config import LoRAConfig

    momq = build(kind, ablation="no_dialect_groups", lora_rank=4, lora_alpha=16)
    lora = get_method("lora").create(make_base(kind, 0), LoRAConfig(rank=4, lora_alpha=16))
    count = lambda m: sum(p.numel() for _, p in m.trainable_parameters())  # noqa: E731
    assert count(momq) == count(lora)
    assert not any("norm" in n for n, _ in momq.trainable_parameters())
    # copy momq's LoRA weights into PEFT's and compare the outputs
    perturb(momq)
    ours = {
        n.split("model.model.", 1)[-1].replace(".lora_A", "").replace(".lora_B", ""): m
        for n, m in momq.named_modules()
        if isinstance(m, LoRALinear)
    }
    with torch.no_grad():
        for name, module in lora.named_modules():
            if (
                hasattr(module, "lora_A")
                and isinstance(module.lora_A, torch.nn.ModuleDict)
                and "default" in module.lora_A
            ):
                key = next(k for k in ours if name.endswith(k))
                module.lora_A["default"].weight.copy_(ours[key].lora_A)
                module.lora_B["default"].weight.copy_(ours[key].lora_B)
    momq.eval()
    lora.eval()
    ids, mask, _, _ = batch(size=2)
    assert torch.allclose(momq(ids, mask).logits, lora(ids, mask).logits, atol=1e-5)


@pytest.mark.parametrize("ablation", ["none", "no_dialect_router"])
def test_bf16_backbone_without_autocast(ablation):
    """A backbone loaded in bfloat16 trains without autocast: router inputs are cast."""
    base = make_base("llama", 0).to(torch.bfloat16)
    model = MoMQModel.create(base, MoMQConfig(**SMALL, ablation=ablation))
    model.train()
    ids, mask, labels, dialects = batch()
    out = model(ids, mask, labels=labels, dialect_labels=dialects)
    assert torch.isfinite(out.loss)
    out.loss.backward()
