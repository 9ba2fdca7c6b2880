"""Schemas are introspected once per database and kept until it is rebuilt
(``momq.schema.cache``), on the embedded nGQL demo space basketballplayer: two questions
introspect it once, also across processes (the kept copy on disk), and a rebuild or a
new snapshot makes the next question introspect it again."""

from __future__ import annotations

import os

import pytest

import momq.schema.introspect
from momq.llm.scripted import ScriptedModel
from momq.pipelines import Target, make_pipeline
from momq.schema import cache

GO = 'GO FROM "player100" OVER follow YIELD dst(edge) AS friend'


@pytest.fixture(scope="module")
def space():
    from momq.errors import MomqError

    try:
        from momq.databases import ngql_demo
        from momq.engines import open_engine

        ngql_demo.build(["basketballplayer"])
        open_engine("ngql", "basketballplayer").close()
    except (MomqError, ImportError) as exc:
        pytest.skip(f"embedded nGQL engine unavailable: {exc}")
    return "basketballplayer"


@pytest.fixture
def introspections(space, monkeypatch):
    """Calls of ``introspect`` from now on, starting with no kept schema of the space."""
    calls = []
    plain = momq.schema.introspect.introspect

    def counted(engine):
        calls.append(engine.database)
        return plain(engine)

    monkeypatch.setattr(momq.schema.introspect, "introspect", counted)
    cache.invalidate("ngql", space)
    return calls


def _ask(question: str) -> str:
    """One ``momq ask``: its own Target (engine and schema), one question."""
    model = ScriptedModel(default=f"```ngql\n{GO}\n```")
    with Target.open("ngql", "basketballplayer") as target:
        return make_pipeline("direct", model).run(question, target).status


def test_two_questions_introspect_the_database_once(introspections):
    assert _ask("Who does Tim Duncan follow?") == "ok"
    assert _ask("Who are Tim Duncan's friends?") == "ok"
    assert introspections == ["basketballplayer"]


def test_a_new_process_reads_the_kept_schema_from_disk(introspections):
    with Target.open("ngql", "basketballplayer") as first:
        schema = first.schema
    cache._memory.clear()  # what a second `momq ask` process starts with
    with Target.open("ngql", "basketballplayer") as second:
        assert second.schema == schema and second.schema is not schema
    assert introspections == ["basketballplayer"]
    assert (cache.folder() / "ngql" / "basketballplayer.pickle").is_file()


def test_a_rebuild_makes_the_next_question_introspect_again(introspections):
    from momq.databases import ngql_demo

    assert _ask("Who does Tim Duncan follow?") == "ok"
    ngql_demo.build(["basketballplayer"], force=True)
    assert _ask("Who does Tim Duncan follow?") == "ok"
    assert introspections == ["basketballplayer"] * 2
    assert _ask("Who does Tim Duncan follow?") == "ok"
    assert len(introspections) == 2


def test_a_new_snapshot_invalidates_without_the_builder(introspections):
    from momq.engines.ngql import snapshot_path

    assert _ask("Who does Tim Duncan follow?") == "ok"
    path = snapshot_path("basketballplayer")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # another process saved it
    assert _ask("Who does Tim Duncan follow?") == "ok"
    assert len(introspections) == 2


def test_a_configured_server_keeps_its_schema_in_memory_only(introspections, monkeypatch, tmp_path):
    from momq.engines import open_engine

    with open_engine("ngql", "basketballplayer") as engine:  # the embedded engine, opened first
        monkeypatch.setenv("MOMQ_HOME", str(tmp_path))  # an empty home: nothing kept on disk there yet
        monkeypatch.setenv("MOMQ_NEBULA_ADDRESS", "127.0.0.1:9669")  # the settings now name a NebulaGraph server
        first, second = cache.cached_schema(engine), cache.cached_schema(engine)
    assert first is second and len(introspections) == 1
    assert not (tmp_path / "schemas").exists()


def test_a_candidate_is_parsed_once_and_its_rows_converted_once(introspections, monkeypatch):
    from momq.ngql import parser
    from momq.ngql.engine import ResultSet

    with Target.open("ngql", "basketballplayer") as target:
        parser._parse_kept.cache_clear()
        parsed, converted = [], []
        plain_parse, plain_rows = parser.Parser.parse_all, ResultSet.to_momq_rows
        monkeypatch.setattr(parser.Parser, "parse_all", lambda self: parsed.append(self.query) or plain_parse(self))
        monkeypatch.setattr(ResultSet, "to_momq_rows", lambda self: converted.append(1) or plain_rows(self))
        query = 'GO FROM "player101" OVER follow YIELD dst(edge) AS friend_of_tony'
        model = ScriptedModel(default=f"```ngql\n{query}\n```")
        answer = make_pipeline("direct", model, use_values=False).run("Who does Tony Parker follow?", target)
    assert answer.status == "ok" and parsed == [query] and converted == [1]
    assert isinstance(answer.result.rows[0], tuple)
