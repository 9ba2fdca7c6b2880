"""Writes through the read-only Cypher engine leave the graph unchanged.

Each attack runs against a private copy of the movies graph (``cypher_scratch``) and
must raise ``ReadOnlyViolation``; a checksum of every node, relationship, label and
property is compared before and after. Each attack is also sent past the token check
(``_execute``), to show that the server-side layers (momq's read-only ArcadeDB account,
the always rolled back transaction) hold on their own.
"""

from __future__ import annotations

import hashlib

import pytest

from momq.errors import ConfigError, QueryError, ReadOnlyViolation

pytestmark = pytest.mark.integration

ATTACKS = [
    "CREATE (n:Hacked {x: 1})",
    "create (n:Hacked {x: 1}) return n",
    "MERGE (n:Person {name: 'Mallory'})",
    "MATCH (n:Person) SET n.name = 'x'",
    "MATCH (n:Person) SET n:Hacked",
    "MATCH (n:Person) SET n += {pwned: true}",
    "MATCH (n:Movie) DELETE n",
    "MATCH (n) DETACH DELETE n",
    "MATCH (n:Person) REMOVE n.born",
    "MATCH (n:Person) REMOVE n:Person",
    "MATCH (n) /* comment */ DeTaCh /* again */ DELETE n",
    "MATCH (n) // line comment\nDELETE n",
    "MATCH (n:Person) CALL { WITH n SET n.x = 1 } RETURN count(*)",
    "MATCH (n:Person) CALL { WITH n DETACH DELETE n } RETURN count(*)",
    "MATCH (n:Person) FOREACH (x IN [1] | SET n.x = x)",
    "MATCH (n:Person) FOREACH (x IN [1] | CREATE (:Hacked))",
    "MATCH (n:Person) WITH n LIMIT 1 CREATE (n)-[:HACKED]->(n)",
    "MATCH (n:Person) WITH n WHERE n.born > 1900 DETACH DELETE n",
    "MATCH ()-[r:ACTED_IN]->() DELETE r",
    "MATCH ()-[r:REVIEWED]->() SET r.rating = 0",
    "UNWIND range(1, 3) AS i CREATE (:Hacked {i: i})",
    "MATCH (n:Movie) RETURN n; MATCH (m) DETACH DELETE m",
    "CREATE INDEX hacked FOR (n:Person) ON (n.born)",
    "DROP CONSTRAINT x IF EXISTS",
    "LOAD CSV FROM 'file:///etc/passwd' AS row CREATE (:Hacked {r: row})",
    "CALL apoc.create.node(['Hacked'], {})",
    "MATCH (n:Movie) CALL { WITH n MERGE (n)-[:X]->(:Hacked) } IN TRANSACTIONS RETURN 1",
    # where a line comment ends: \r, \r\n, NEL and the Unicode separators
    "MATCH (n) // x\rDETACH DELETE n",
    "MATCH (n) // x\r\nDETACH DELETE n",
    "MATCH (n:Person) // x\rSET n.name = 'x'",
    "MATCH (n) // x\u2028DETACH DELETE n",
    "MATCH (n) // x\u2029DETACH DELETE n",
    "MATCH (n) // x\u0085DETACH DELETE n",
    "RETURN 1 // x\r; CREATE (:Hacked)",
    "MATCH (n) /* x\r */ DETACH DELETE n",
    "MATCH (n:Person)\rSET n.name = 'x'",
    "MATCH (n:Person)\u2028SET n.name = 'x'",
    "MATCH (n:Person)\u00a0SET n.name = 'x'",
    "MATCH (n:Person)\u3000REMOVE n.born",
    "MATCH (n:Person)\tREMOVE n.born",
    # strings and names that end where the engines end them
    "MATCH (n:Person) WHERE n.name = 'a\\' // ' DETACH DELETE n",
    'MATCH (n:Person) WHERE n.name = "a\\" // " DETACH DELETE n',
    "MATCH (n:`Person`) SET n.`name` = 'x'",
    # procedures and dynamic Cypher
    "CALL db.labels() YIELD label CREATE (:Hacked {l: label})",
    "CALL apoc.cypher.run('CREATE (:Hacked)', {})",
    "RETURN apoc.cypher.runFirstColumnSingle('CREATE (:Hacked) RETURN 1', {})",
    "CALL db.createLabel('Hacked')",
    "CALL dbms.killQuery('1')",
    "MATCH (n) WITH n CALL { WITH n DETACH DELETE n } IN TRANSACTIONS OF 10 ROWS",
]


def checksum(engine) -> str:
    """A digest of the whole graph: labels, relationship types, every node's labels and
    properties and every relationship with its endpoints, order-independent."""
    nodes = engine.execute("MATCH (n) RETURN n", max_rows=100_000).rows
    rels = engine.execute("MATCH (a)-[r]->(b) RETURN a, r, b", max_rows=100_000).rows
    labels = engine.execute("CALL db.labels()").rows
    types = engine.execute("CALL db.relationshipTypes()").rows
    parts = sorted(repr(n[0].key()) for n in nodes) + sorted(repr(tuple(x.key() for x in r)) for r in rels)
    parts += sorted(map(repr, labels)) + sorted(map(repr, types))
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


@pytest.fixture(scope="module")
def baseline(cypher_scratch):
    return checksum(cypher_scratch)


@pytest.mark.parametrize("attack", ATTACKS)
def test_attack_is_refused_and_changes_nothing(cypher_scratch, baseline, attack):
    with pytest.raises(ReadOnlyViolation):
        cypher_scratch.execute(attack)
    assert checksum(cypher_scratch) == baseline


@pytest.mark.parametrize("attack", [a for a in ATTACKS if ";" not in a])
def test_server_side_layers_hold_without_the_token_check(cypher_scratch, baseline, attack):
    checksum(cypher_scratch)  # (re)connects if another test restarted the server
    try:
        cypher_scratch._execute(attack, 10.0, 100)
    except QueryError:
        pass  # refused (ReadOnlyViolation) or not understood by ArcadeDB: both fine
    assert checksum(cypher_scratch) == baseline


@pytest.mark.parametrize(
    "limits",
    [
        {"timeout_s": 0},
        {"timeout_s": -1},
        {"timeout_s": float("nan")},
        {"timeout_s": float("inf")},
        {"max_rows": -1},
        {"max_rows": 0},
    ],
    ids=repr,
)
def test_invalid_limits_are_refused(cypher_scratch, limits):
    """No "no limit": a variable-length path under timeout 0 would run for minutes."""
    with pytest.raises(ConfigError):
        cypher_scratch.execute("MATCH p = (a)-[*]-(b) RETURN count(p)", **limits)
