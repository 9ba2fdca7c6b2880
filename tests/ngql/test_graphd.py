"""`momq ngql serve`: NebulaGraph's official client (nebula3-python) talks graphd's Thrift
protocol to momq's engine, and momq's NebulaGraph backend (``MOMQ_NEBULA_ADDRESS``)
gives the same results through it as the embedded engine."""

import pytest

pytest.importorskip("nebula3")

from nebula3.Config import Config  # noqa: E402
from nebula3.Exception import AuthFailedException  # noqa: E402
from nebula3.gclient.net import ConnectionPool  # noqa: E402

from momq.engines.ngql import EmbeddedNgqlEngine, NebulaEngine  # noqa: E402
from momq.errors import ConfigError, QuerySyntaxError, ReadOnlyViolation, SchemaError  # noqa: E402
from momq.ngql import NgqlDatabase  # noqa: E402
from momq.ngql.graphd import GraphHandler, GraphServer, from_thrift, to_thrift  # noqa: E402
from momq.ngql.values import NULL, Duration, Edge, Path, Vertex  # noqa: E402

SCRIPT = """
CREATE SPACE g(vid_type=FIXED_STRING(32));
USE g;
CREATE TAG player(name string, age int, born date);
CREATE TAG team(name string);
CREATE EDGE like(likeness int, since datetime);
CREATE EDGE serve(start_year int, end_year int);
CREATE TAG INDEX player_name ON player(name(20));
INSERT VERTEX player(name, age, born) VALUES "a":("Ann", 30, date("1990-01-02")), "b":("Bob", 40, NULL),
  "c":("Cid", 50, date("1970-12-31"));
INSERT VERTEX team(name) VALUES "t":("Team");
INSERT EDGE like(likeness, since) VALUES "a"->"b":(90, datetime("2020-01-01T10:00:00")),
  "b"->"c":(80, NULL), "c"->"a":(70, NULL);
INSERT EDGE serve(start_year, end_year) VALUES "a"->"t":(2000, 2010);
"""

# one query per kind of statement and value: the backend through the server must give
# exactly what the embedded engine gives
QUERIES = [
    'GO FROM "a" OVER like YIELD dst(edge) AS d, properties(edge).likeness AS l, edge AS e, $$ AS v',
    'GO 2 STEPS FROM "a" OVER like REVERSELY YIELD src(edge) AS s, edge AS e',
    'FETCH PROP ON player "a", "c" YIELD properties(vertex).name AS name, vertex AS v',
    'FETCH PROP ON like "a"->"b" YIELD edge AS e',
    "LOOKUP ON player WHERE player.age > 35 YIELD id(vertex) AS id, player.name AS name",
    "MATCH p = (x:player)-[:like*1..2]->(y) RETURN p, y.player.born AS born ORDER BY born",
    "MATCH (x:player)<-[e:like]-(y) RETURN x.player.name AS n, e.since AS since ORDER BY n",
    'FIND SHORTEST PATH WITH PROP FROM "a" TO "c" OVER like YIELD path AS p',
    'GET SUBGRAPH WITH PROP 1 STEPS FROM "a" YIELD vertices AS nodes, edges AS rels',
    (
        'YIELD [1, 2.5, "x", true, NULL] AS l, {a: 1, b: [date("2020-02-29")]} AS m, {1, 2} AS s, '
        'time("10:11:12.000013") AS t, datetime("2021-03-04T05:06:07") AS dt'
    ),
    'YIELD date("2020-01-31") + duration({months: 1}) AS d, date("2020-03-01") - date("2020-02-01") AS n',
    'GO FROM "a" OVER like YIELD dst(edge) AS d | GO FROM $-.d OVER like YIELD $-.d AS x, dst(edge) AS y',
]


@pytest.fixture(scope="module")
def database():
    db = NgqlDatabase()
    db.load_script(SCRIPT)
    return db


@pytest.fixture(scope="module")
def server(database):
    with GraphServer(GraphHandler(database), port=0) as srv:
        yield srv


@pytest.fixture(scope="module")
def session(server):
    pool = ConnectionPool()
    assert pool.init([("127.0.0.1", server.port)], Config())
    sess = pool.get_session("root", "nebula")
    yield sess
    sess.release()
    pool.close()


@pytest.fixture(scope="module")
def backend(server):
    engine = NebulaEngine("g", f"127.0.0.1:{server.port}")
    yield engine
    engine.close()


@pytest.mark.parametrize("query", QUERIES)
def test_backend_through_server_equals_embedded(database, backend, query):
    embedded = EmbeddedNgqlEngine("g", database).execute(query)
    remote = backend.execute(query)
    assert remote.columns == embedded.columns
    assert remote.rows == embedded.rows
    assert remote.ordered == embedded.ordered


def test_backend_refuses_a_write_before_sending_it(backend):
    with pytest.raises(ReadOnlyViolation, match="`DELETE VERTEX ...` is not a read statement"):
        backend.execute('GO FROM "a" OVER like YIELD dst(edge) AS id | DELETE VERTEX $-.id')
    assert backend.execute('FETCH PROP ON player "b" YIELD player.name AS n').rows == [("Bob",)]


def test_official_client_reads_values(session):
    rs = session.execute(
        'USE g; GO FROM "a" OVER like YIELD dst(edge) AS d, edge AS e, $$ AS v, properties(edge).since AS since'
    )
    assert rs.is_succeeded(), rs.error_msg()
    assert rs.space_name() == "g"
    assert rs.keys() == ["d", "e", "v", "since"]
    d, e, v, since = rs.row_values(0)
    assert d.as_string() == "b"
    rel = e.as_relationship()
    assert (rel.edge_name(), rel.start_vertex_id().as_string(), rel.end_vertex_id().as_string()) == ("like", "a", "b")
    assert rel.properties()["likeness"].as_int() == 90
    node = v.as_node()
    assert node.tags() == ["player"] and node.properties("player")["name"].as_string() == "Bob"
    assert since.as_datetime().get_year() == 2020


def test_official_client_reads_path_and_collections(session):
    rs = session.execute('USE g; FIND SHORTEST PATH FROM "c" TO "b" OVER like YIELD path AS p')
    path = rs.row_values(0)[0].as_path()
    assert [n.get_id().as_string() for n in path.nodes()] == ["c", "a", "b"]
    rs = session.execute("YIELD [1, 2] AS l, {k: 'v'} AS m, NULL AS n")
    l, m, n = rs.row_values(0)
    assert [x.as_int() for x in l.as_list()] == [1, 2]
    assert m.as_map()["k"].as_string() == "v"
    assert n.is_null()


def test_errors_keep_nebula_codes_and_families(session):
    syntax = session.execute("GO FROM")
    assert syntax.error_code() == -1004 and syntax.error_msg().startswith("SyntaxError:")
    semantic = session.execute('USE g; GO FROM "a" OVER nosuch YIELD dst(edge)')
    assert semantic.error_code() == -1009 and semantic.error_msg().startswith("SemanticError:")


@pytest.mark.parametrize(
    "query",
    [
        "GO FROM",
        'GO FROM "a" OVER nosuch YIELD dst(edge)',
        'FETCH PROP ON player "a" YIELD nosuch.name',
        "YIELD 1 IN 2",
        "LOOKUP ON nosuch YIELD id(vertex)",
    ],
)
def test_backend_errors_equal_embedded(database, backend, query):
    from momq.errors import ExecutionError

    def family(engine):
        with pytest.raises((QuerySyntaxError, SchemaError, ExecutionError)) as info:
            engine.execute(query)
        kind = next(k for k in (QuerySyntaxError, SchemaError, ExecutionError) if isinstance(info.value, k))
        return kind, info.value.message

    embedded_kind, embedded_message = family(EmbeddedNgqlEngine("g", database))
    remote_kind, remote_message = family(backend)
    assert remote_kind is embedded_kind
    assert remote_message.endswith(embedded_message)


def test_backend_errors_map_to_momq_classes(backend):
    with pytest.raises(QuerySyntaxError):
        backend.execute("GO FROM")
    with pytest.raises(SchemaError):
        backend.execute('GO FROM "a" OVER nosuch YIELD dst(edge)')


def test_execute_json(session):
    import json

    body = json.loads(session.execute_json('USE g; FETCH PROP ON player "a" YIELD vertex AS v, 1 AS one'))
    assert body["errors"][0]["code"] == 0
    result = body["results"][0]
    assert result["columns"] == ["v", "one"]
    row = result["data"][0]
    assert row["row"][1] == 1 and row["row"][0]["player.name"] == "Ann"
    assert row["meta"][0] == {"type": "vertex", "id": "a"}


def test_wrong_password_is_refused(server):
    pool = ConnectionPool()
    assert pool.init([("127.0.0.1", server.port)], Config())
    with pytest.raises(AuthFailedException):
        pool.get_session("root", "wrong")
    pool.close()


def test_writes_and_read_only_server():
    db = NgqlDatabase()
    db.load_script(SCRIPT)
    with GraphServer(GraphHandler(db, read_only=True), port=0) as srv:
        pool = ConnectionPool()
        assert pool.init([("127.0.0.1", srv.port)], Config())
        sess = pool.get_session("root", "nebula")
        rs = sess.execute('USE g; INSERT VERTEX team(name) VALUES "u":("U")')
        assert rs.error_code() == -1008
        sess.release()
        pool.close()


def test_only_loopback():
    with pytest.raises(ConfigError):
        GraphServer(GraphHandler(NgqlDatabase()), host="0.0.0.0", port=0)


def test_thrift_values_round_trip():
    a, b = Vertex("a", {"player": {"name": "Ann"}}), Vertex("b", {})
    e = Edge("b", "a", "like", 2, {"w": 1.5})
    values = [Path(a, [(e, True, b)]), Duration(1, 2, 3), [1, "x", NULL], {"k": e}]
    for v in values:
        assert from_thrift(to_thrift(v)) == v


def test_cli_serve_end_to_end(tmp_path):
    """`momq ngql serve` as a user starts it: a process, a script loaded, a free port."""
    import os
    import re
    import subprocess
    import sys

    script = tmp_path / "g.ngql"
    script.write_text(SCRIPT)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from momq.cli import main; main()",
            "ngql",
            "serve",
            "--load",
            str(script),
            "--port",
            "0",
            "--read-only",
        ],
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )
    try:
        line = proc.stderr.readline()
        match = re.search(r"listening on 127\.0\.0\.1:(\d+)", line)
        assert match, line
        engine = NebulaEngine("g", f"127.0.0.1:{match.group(1)}")
        try:
            result = engine.execute('GO FROM "a" OVER like YIELD dst(edge) AS d')
            assert result.rows == [("b",)]
        finally:
            engine.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_cli_serve_refuses_other_hosts():
    from typer.testing import CliRunner

    from momq.cli import app

    result = CliRunner().invoke(app, ["ngql", "serve", "--host", "0.0.0.0", "--load", "/dev/null"])
    assert result.exit_code != 0
    assert "ConfigError" in result.output and "loopback" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("framed", [False, True])
def test_plain_thrift_clients(server, framed):
    """Clients that frame requests without the header transport (binary protocol)."""
    from nebula3.fbthrift.protocol import TBinaryProtocol
    from nebula3.fbthrift.transport import TSocket, TTransport
    from nebula3.graph import GraphService

    sock = TSocket.TSocket("127.0.0.1", server.port)
    transport = TTransport.TFramedTransport(sock) if framed else TTransport.TBufferedTransport(sock)
    transport.open()
    try:
        client = GraphService.Client(TBinaryProtocol.TBinaryProtocol(transport))
        auth = client.authenticate(b"root", b"nebula")
        resp = client.execute(auth.session_id, b'USE g; GO FROM "a" OVER like YIELD dst(edge) AS d')
        assert resp.error_code == 0
        assert resp.data.column_names == [b"d"] and from_thrift(resp.data.rows[0].values[0]) == "b"
        client.signout(auth.session_id)
    finally:
        transport.close()
