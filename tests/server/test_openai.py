"""The OpenAI-compatible endpoints on a real loopback port: the official ``openai``
client and momq's own ``openai:`` backend (also inside a pipeline) talk to them."""

from __future__ import annotations

import pytest

from tests.server.conftest import GO, MODEL_ID

pytest.importorskip("fastapi", reason="the server extra is not installed: pip install 'momq[server]'")

pytestmark = pytest.mark.integration


def test_official_openai_client(live_server):
    openai = pytest.importorskip("openai")
    client = openai.OpenAI(base_url=f"{live_server.url}/v1", api_key="unused", max_retries=0)
    assert [m.id for m in client.models.list()] == [MODEL_ID]
    reply = client.chat.completions.create(
        model=MODEL_ID,
        messages=[
            {"role": "system", "content": "You write nGQL."},
            {"role": "user", "content": "Who does Tim Duncan follow?"},
        ],
        max_tokens=64,
        temperature=0,
    )
    assert reply.choices[0].message.content == f"```ngql\n{GO}\n```" and reply.model == MODEL_ID
    assert reply.choices[0].finish_reason == "stop"
    chunks = list(
        client.chat.completions.create(
            model=MODEL_ID,
            stream=True,
            messages=[{"role": "user", "content": [{"type": "text", "text": "Who does Tim Duncan follow?"}]}],
        )
    )
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == f"```ngql\n{GO}\n```"
    assert chunks[-1].choices[0].finish_reason == "stop" and len(chunks) > 3
    with pytest.raises(openai.BadRequestError, match="not served here"):
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}])


def test_momq_openai_backend_and_a_pipeline_through_it(live_server):
    from momq.llm import load_model_spec
    from momq.pipelines import Target, make_pipeline

    model = load_model_spec(f"openai:{MODEL_ID}@{live_server.url}/v1")
    assert model.complete("Who does Tim Duncan follow?") == f"```ngql\n{GO}\n```"
    with Target.open("ngql", "basketballplayer") as target:
        answer = make_pipeline("direct", model).run("Who does Tim Duncan follow?", target)
    assert answer.status == "ok" and answer.query == GO and answer.result.rows


@pytest.mark.slow
def test_a_momq_adapter_is_served(make_client, tmp_path):
    """A MoMQ adapter saved by the trainer (on a tiny Llama) answers through /v1 exactly
    as it does when loaded locally."""
    openai = pytest.importorskip("openai")
    pytest.importorskip("torch")
    from momq.backbones.models import load_model
    from momq.llm import GenerationConfig, load_model_spec
    from momq.tuners import get_method
    from tests.train.conftest import build_tiny_model_dir

    base = build_tiny_model_dir(tmp_path / "tiny")
    model, _ = load_model(base)
    tuned = get_method("momq").create(model, {"expert_rank": 4, "num_experts": 4})
    tuned.base_ref = type(tuned.base_ref)(str(base))
    adapter = tuned.save(tmp_path / "adapter")
    messages = [{"role": "user", "content": "How many singers are there?"}]
    local = load_model_spec(str(adapter), dialect="mysql").complete(messages, GenerationConfig(max_new_tokens=16))

    client = make_client(models=(f"tiny-momq={adapter}",))
    api = openai.OpenAI(base_url="http://testserver/v1", api_key="unused", http_client=client, max_retries=0)
    reply = api.chat.completions.create(
        model="tiny-momq", messages=messages, max_tokens=16, extra_body={"dialect": "mysql"}
    )
    assert reply.choices[0].message.content == local
