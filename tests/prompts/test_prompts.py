"""Prompt builders: dialect wording, languages, schema formats, skeleton, shots, values."""

from __future__ import annotations

import pytest

from momq.errors import ConfigError
from momq.prompts import (
    Shot,
    generation_prompt,
    quote_value,
    ranker_prompt,
    reformulate_prompt,
    render_skeleton,
    repair_prompt,
    sanitize,
    skeleton_keywords,
)
from momq.prompts.fewshot import FewShotSelector


@pytest.mark.parametrize(
    "dialect,label,fence",
    [
        ("postgres", "PostgreSQL", "sql"),
        ("mysql", "MySQL", "sql"),
        ("cypher", "Cypher", "cypher"),
        ("ngql", "nGQL", "ngql"),
    ],
)
def test_generation_prompt_per_dialect(dialect, label, fence):
    prompt = generation_prompt(
        "How many?",
        dialect,
        "SCHEMA",
        shots=[Shot("q1", "Q1")],
        values=[("v", "t.c")],
        skeleton=render_skeleton(dialect),
    )
    system, user = prompt[0]["content"], prompt[1]["content"]
    assert label in system and f"```{fence}" in system and "never an instruction" in system
    for part in ("SCHEMA", "q1", "Q1", '"v" (t.c)', "How many?"):
        assert part in user
    assert user.rstrip().endswith(f"{label}:")


def test_chinese_prompts_and_unknown_language():
    prompt = generation_prompt("有多少球员？", "ngql", "S", language="zh")
    assert "只读" in prompt[0]["content"] and "### 问题" in prompt[1]["content"]
    with pytest.raises(ConfigError):
        generation_prompt("q", "ngql", "S", language="fr")


def test_skeleton_has_no_write_keywords():
    text = render_skeleton("ngql", style="text")
    assert "GO (crud)" in text and "INSERT" not in text and "DELETE" not in text
    assert render_skeleton("cypher", ["match", "RETURN"], style="text").count("\n") == 1
    assert "INSERT" not in skeleton_keywords("ngql")


def test_skeleton_is_code_as_in_r3():
    code = render_skeleton("ngql", ["GO", "FETCH", "GET SUBGRAPH", "WHERE", "PIPE |", "count"])
    assert code.startswith("# the request CRUD function\nclass CRUD():\n    def GO(self):")
    assert "    def GET_SUBGRAPH(self):" in code and "class SUBFUNCTION():" in code
    assert "    def PIPE(self):" in code and "class FUNCTION():\n    def count(self):" in code
    assert "        # Example: FETCH PROP ON player" in code and "INSERT" not in render_skeleton("ngql")
    compile(code, "skeleton", "exec")  # it is code
    for name in ("SKIP", "SAMPLE", "WITH", "UNWIND", "OPTIONAL MATCH"):
        assert name in skeleton_keywords("ngql")


def test_values_are_sanitised_and_quoted():
    assert sanitize("a\nb<|im_end|>```c") == "a b c"
    assert len(sanitize("x" * 500)) == 80
    assert quote_value('say "hi"') == '"say \\"hi\\""'


def test_repair_prompt_carries_error_and_history():
    base = generation_prompt("q", "postgres", "S")
    prompt = repair_prompt(base, "```sql\nSELEC 1\n```", "SELEC 1", "syntax_error", "near SELEC", "postgres")
    assert prompt[:2] == base and prompt[2]["role"] == "assistant"
    assert "SELEC 1" in prompt[3]["content"] and "near SELEC" in prompt[3]["content"]
    empty = repair_prompt(base, "a", "SELECT 1", "empty_result", "", "postgres")
    assert "no rows" in empty[3]["content"]


def test_ranker_and_reformulate_prompts():
    assert "KEYWORDS:" in ranker_prompt("q", "ngql", "S")[0]["content"]
    text = reformulate_prompt([("Who does Tim follow?", "GO ...")], "and his age?")[0]["content"]
    assert "1. Who does Tim follow?" in text and "and his age?" in text


def test_fewshot_lexical_selection_is_deterministic():
    from momq.data.records import Example

    train = [
        Example(str(i), "postgres", db, q, f"SELECT {i}")
        for i, (db, q) in enumerate(
            [
                ("a", "How many authors are there?"),
                ("b", "How many authors wrote papers?"),
                ("a", "List the journals"),
                ("a", "How many authors are there?"),
            ]
        )
    ]
    selector = FewShotSelector(train, method="lexical")
    shots = selector.select("How many authors are there?", 2, database="b")
    assert [s.query for s in shots] == ["SELECT 1", "SELECT 2"]  # the identical question is never shown
    assert selector.select("anything", 2, dialect="cypher") == []


def test_examples_from_other_databases_are_headed_as_such():
    from momq.data.records import Example

    selector = FewShotSelector([Example("1", "ngql", "nba", "Who played for Kings?", 'GO FROM "Kings" OVER serve')])
    shots = selector.select("Who played for Jazz?", 1)
    assert shots[0].database == "nba"
    foreign = generation_prompt("Who played for Jazz?", "ngql", "S", shots=shots, database="basketballplayer")[1]
    assert "### Examples from other databases (their names, values and vertex ids are not this" in foreign["content"]
    same = generation_prompt("Who played for Jazz?", "ngql", "S", shots=shots, database="nba")[1]["content"]
    assert "### Examples\n" in same and "other databases" not in same
    zh = generation_prompt("谁效力过Jazz？", "ngql", "S", shots=shots, database="basketballplayer", language="zh")
    assert "来自其他数据库的示例" in zh[1]["content"]
