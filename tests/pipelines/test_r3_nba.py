"""R3's ranker and rewriter on the real ``nba`` space (embedded nGQL engine) with a
scripted model."""

from __future__ import annotations

import pytest

from momq.llm.scripted import ScriptedModel
from momq.pipelines import Target, make_pipeline
from momq.pipelines.r3 import Rewriter, usable_rewrite
from momq.pipelines.ranker import Ranker, lemmas, lexical_ranking

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def nba():
    from momq.databases import ngql_demo

    ngql_demo.build(["nba"])
    with Target.open("ngql", "nba") as target:
        yield target


def test_lemmas_are_words_not_stems():
    assert "like" in lemmas("likes") and "serve" in lemmas("served") and "team" in lemmas("teams")
    assert "lik" not in lexical_ranking("Who likes Tim Duncan?", _schema(), "ngql").elements


def _schema():
    from tests.schemas import graph_schema

    return graph_schema()


def test_heuristic_ranker_on_nba(nba):
    r = lexical_ranking("Who likes Tim Duncan?", nba.schema, "ngql")
    assert "like" in r.elements and r.keywords[:2] == ["GO", "YIELD"] and "REVERSELY" in r.keywords
    assert "WHERE" not in r.keywords and "RETURN" not in r.keywords  # GO from a named vertex
    r = lexical_ranking("Which teams has Tim Duncan served?", nba.schema, "ngql")
    assert {"team", "serve"} <= set(r.elements)
    # "per" never matches inside "performance"
    assert "GROUP BY" not in lexical_ranking("What is the performance of Yao Ming?", nba.schema, "ngql").keywords
    assert "GROUP BY" in lexical_ranking("How many players per team?", nba.schema, "ngql").keywords
    # every statement is reachable
    mains = {
        q: lexical_ranking(q, nba.schema, "ngql").keywords[0]
        for q in (
            "What are the properties of player Tim Duncan?",
            "Find the shortest path from Tim Duncan to Tony Parker",
            "Get the subgraph around Tim Duncan",
            "How many players are older than 40?",
            "Which players does Tony Parker like?",
        )
    }
    assert list(mains.values()) == ["FETCH", "FIND PATH", "GET SUBGRAPH", "LOOKUP", "GO"]
    older = lexical_ranking("How many players are older than 40?", nba.schema, "ngql")
    assert {"WHERE", "count", "YIELD"} <= set(older.keywords)
    top = lexical_ranking("List the top 3 oldest players", nba.schema, "ngql")
    assert {"ORDER BY", "LIMIT"} <= set(top.keywords) and "WHERE" not in top.keywords


def test_ranker_model_sees_code_forms_on_nba(nba):
    model = ScriptedModel(default="KEYWORDS: GO, REVERSELY, YIELD\nELEMENTS: like, player\nVALUES: Tim Duncan")
    ranking = Ranker(model).rank("Who likes Tim Duncan?", nba)
    assert ranking.method == "model" and ranking.elements == ["like", "player"]
    prompt = model.prompts[0][0]["content"]
    assert "class player(Tag):" in prompt and "class like(Edge):" in prompt  # code-form schema
    assert "class CRUD():" in prompt and "    def GET_SUBGRAPH(self):" in prompt  # code-form skeleton


def test_rewriter_aligns_and_rewrites_on_nba(nba):
    rewriter = Rewriter(align_method="levenshtein")
    ranking = lexical_ranking("Which teams did Tim Dunkan serve?", nba.schema, "ngql")
    values = rewriter.align("Which teams did Tim Dunkan serve?", ranking, nba)
    duncan = next(v for v in values if v.value == "Tim Duncan")
    assert duncan.method == "levenshtein" and duncan.r3 == pytest.approx(10 / 1)  # min length 10 over 1 edit
    model = ScriptedModel(default='Which teams (team.name) did the player "Tim Duncan" serve?')
    rewritten = rewriter.rewrite("Which teams did Tim Dunkan serve?", values, "class team(Tag): ...", model)
    assert rewritten == 'Which teams (team.name) did the player "Tim Duncan" serve?'
    prompt = model.prompts[0][0]["content"]
    assert "### Examples" in prompt and "who sang hello" in prompt and '"Tim Duncan"' in prompt
    # a query or code is not a rewrite: the question stays as asked
    assert usable_rewrite('GO FROM "Tim Duncan" OVER serve YIELD dst(edge)', "q?") == ""
    assert usable_rewrite("```ngql\nGO FROM 1 OVER serve\n```", "q?") == ""
    assert usable_rewrite("Rewritten question: Which teams?", "q?") == "Which teams?"


def test_r3_rewrites_by_default_with_the_generation_model(nba):
    query = 'GO FROM "Tim Duncan" OVER serve YIELD $$.team.name AS name'
    model = ScriptedModel(
        rules=[(r"### Examples", 'Which teams did the player "Tim Duncan" serve?'), (r".", f"```ngql\n{query}\n```")]
    )
    answer = make_pipeline("r3", model).run("Which teams did Tim Dunkan serve?", nba)
    assert answer.status == "ok" and answer.steps["rewritten"] == 'Which teams did the player "Tim Duncan" serve?'
    assert any(v["value"] == "Tim Duncan" for v in answer.steps["values"])
    assert len(model.prompts) == 2  # the rewrite, then the query
