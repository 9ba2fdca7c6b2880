"""The Neo4j demo graphs (movies, northwind) in the Cypher engine.

Sources, read from ``momq.settings.data_dir()/cypher/graphs``:

- ``movies/movies.cypher``: constraints, indexes and one CREATE statement; run as is,
  statement by statement. Note: the movies graph on Neo4j's public demo server has a
  ``Movie.votes`` property that this script does not create; the 85 text2cypher golds
  that use it return nulls here. It is left that way on purpose (the script is the
  source of truth).
- ``northwind/northwind.cypher`` + ``import/*.csv``: the script loads CSVs from https
  URLs with ``LOAD CSV``, which momq never fetches and which misbehaves on ArcadeDB
  (``LOAD CSV ... AS row MATCH ... WHERE x = row.y`` matches nothing). momq reads the
  local CSVs with Python and sends the same data with parameterised ``UNWIND``
  statements, reproducing the script's effect exactly: every CSV field becomes a
  string property (``SET n += row``; the text ``NULL`` stays a string), then the
  script's conversions (``unitPrice`` float, stock counts integers, ``discontinued``
  boolean, ``ORDERS.quantity`` integer), and MERGE semantics (one node per key, one
  relationship per endpoint pair, the last CSV row wins).

Expected sizes, asserted after every build: movies 171 nodes / 253 relationships,
northwind 1,035 nodes / 3,139 relationships. A build is skipped when the counts
already match; otherwise the graph is rebuilt from scratch (on the embedded server the
ArcadeDB database is dropped and created again).

The target is the embedded ArcadeDB server (started on demand, loaded as its ``root``
user) or, when the Cypher engine settings name a server, that server with the
configured credentials (it is never wiped there: a non-empty mismatching database is
an error).
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any, Callable, Iterable

from momq import settings as momq_settings
from momq.databases import generation
from momq.errors import ConfigError, UnknownDatabase

#: name -> (nodes, relationships) after a correct build
EXPECTED: dict[str, tuple[int, int]] = {"movies": (171, 253), "northwind": (1035, 3139)}

Progress = Callable[[str, int, int], None]
BATCH = 500


def _graphs_dir() -> Path:
    return momq_settings.data_dir() / "cypher" / "graphs"


def _check(names: Iterable[str]) -> list[str]:
    chosen = list(names)
    for name in chosen:
        if name not in EXPECTED:
            raise UnknownDatabase(name, list(EXPECTED))
    return chosen


class _Target:
    """Where graphs are written: a driver with write rights plus database management."""

    def __init__(self) -> None:
        import neo4j

        conf = momq_settings.engine_settings("cypher")
        self.external = bool(conf.get("url"))
        if self.external:
            self.server = None
            self.template = str(conf.get("database") or "{database}")
            auth = (conf.get("user") or "neo4j", conf.get("password") or "")
            self.driver = neo4j.GraphDatabase.driver(conf["url"], auth=auth)
        else:
            from momq.engines.servers.arcadedb import ArcadedbServer

            self.server = ArcadedbServer()
            self.server.start()
            self.template = "{database}"
            self.driver = neo4j.GraphDatabase.driver(self.server.bolt_url(), auth=self.server.credentials(admin=True))

    def db(self, name: str) -> str:
        return self.template.replace("{database}", name)

    def exists(self, name: str) -> bool:
        return self.external or name in self.server.databases()

    def counts(self, name: str) -> tuple[int, int]:
        if not self.exists(name):
            return (0, 0)
        with self.driver.session(database=self.db(name)) as session:
            nodes = session.run("MATCH (n) RETURN count(n) AS c").single()["c"]
            rels = session.run("MATCH ()-[r]->() RETURN count(r) AS c").single()["c"]
        return int(nodes), int(rels)

    def reset(self, name: str) -> None:
        if self.external:
            if self.counts(name) != (0, 0):
                raise ConfigError(
                    f"database {self.db(name)} on {momq_settings.engine_settings('cypher')['url']} "
                    "is not empty and does not hold the expected graph; momq does not wipe "
                    "external servers: clear it yourself"
                )
            return
        self.server.drop_database(name)
        self.server.create_database(name)

    def run(self, name: str, statement: str, **params: Any) -> None:
        with self.driver.session(database=self.db(name)) as session:
            session.run(statement, **params).consume()

    def close(self) -> None:
        self.driver.close()


# ------------------------------------------------------------------------------------------
# movies


def _load_movies(target: _Target, progress: Progress | None) -> None:
    from momq.dialects.cypher_lexer import split_statements

    statements = split_statements((_graphs_dir() / "movies" / "movies.cypher").read_text(encoding="utf-8"))
    for i, statement in enumerate(statements, 1):
        target.run("movies", statement)
        if progress:
            progress("movies", i, len(statements))


# ------------------------------------------------------------------------------------------
# northwind


def _read_csv(name: str) -> list[dict[str, str]]:
    path = _graphs_dir() / "northwind" / "import" / f"{name}.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        # some rows have unquoted commas, hence extra fields: LOAD CSV WITH HEADERS maps
        # fields to headers by position and drops the extras, and so does this
        return [{k: v for k, v in row.items() if k is not None} for row in csv.DictReader(handle)]


def _merge_rows(rows: list[dict[str, str]], key: str) -> list[dict[str, str]]:
    """MERGE on ``key`` then ``SET n += row``: one map per key, later rows updating it."""
    merged: dict[str, dict[str, str]] = {}
    for row in rows:
        merged.setdefault(row[key], {}).update(row)
    return list(merged.values())


def _northwind_steps() -> list[tuple[str, str, list[dict[str, Any]]]]:
    """(label, statement, rows) in the order of northwind.cypher."""
    products = _merge_rows(_read_csv("products"), "productID")
    for p in products:
        p["unitPrice"] = float(p["unitPrice"])
        for k in ("unitsInStock", "unitsOnOrder", "reorderLevel"):
            p[k] = int(p[k])
        p["discontinued"] = p["discontinued"] != "0"
    categories = _merge_rows(_read_csv("categories"), "categoryID")
    suppliers = _merge_rows(_read_csv("suppliers"), "supplierID")
    customers = _merge_rows(_read_csv("customers"), "customerID")
    orders = _merge_rows(_read_csv("orders"), "orderID")

    def pairs(left: list[dict], lkey: str, right: list[dict], rkey: str, field: str) -> list[dict]:
        # MATCH (a),(b) WHERE a.field = b.field MERGE (a)-[]->(b): one per matching pair
        index: dict[str, list[str]] = {}
        for r in right:
            if field in r:
                index.setdefault(r[field], []).append(r[rkey])
        return [{"a": l[lkey], "b": b} for l in left if field in l for b in index.get(l[field], [])]

    part_of = pairs(products, "productID", categories, "categoryID", "categoryID")
    supplies = [{"a": p["b"], "b": p["a"]} for p in pairs(products, "productID", suppliers, "supplierID", "supplierID")]
    purchased = [{"a": p["b"], "b": p["a"]} for p in pairs(orders, "orderID", customers, "customerID", "customerID")]
    product_ids = {p["productID"] for p in products}
    order_ids = {o["orderID"] for o in orders}
    details: dict[tuple[str, str], dict[str, Any]] = {}
    for row in _read_csv("order-details"):
        if row["productID"] in product_ids and row["orderID"] in order_ids:
            props = dict(row)  # SET details = row: replaces all properties
            props["quantity"] = int(props["quantity"])
            details[(row["orderID"], row["productID"])] = props
    orders_rel = [{"a": o, "b": p, "props": props} for (o, p), props in details.items()]

    def nodes(label: str) -> str:
        return f"UNWIND $rows AS row CREATE (n:{label}) SET n = row"

    def rels(src: str, skey: str, rtype: str, dst: str, dkey: str, with_props: bool = False) -> str:
        tail = " SET r = row.props" if with_props else ""
        return (
            f"UNWIND $rows AS row MATCH (a:{src} {{{skey}: row.a}}) WITH row, a "
            f"MATCH (b:{dst} {{{dkey}: row.b}}) CREATE (a)-[r:{rtype}]->(b){tail}"
        )

    return [
        ("Product", nodes("Product"), products),
        ("Category", nodes("Category"), categories),
        ("Supplier", nodes("Supplier"), suppliers),
        ("PART_OF", rels("Product", "productID", "PART_OF", "Category", "categoryID"), part_of),
        ("SUPPLIES", rels("Supplier", "supplierID", "SUPPLIES", "Product", "productID"), supplies),
        ("Customer", nodes("Customer"), customers),
        ("Order", nodes("Order"), orders),
        ("PURCHASED", rels("Customer", "customerID", "PURCHASED", "Order", "orderID"), purchased),
        ("ORDERS", rels("Order", "orderID", "ORDERS", "Product", "productID", True), orders_rel),
    ]


_NORTHWIND_KEYS = {
    "Product": "productID",
    "Category": "categoryID",
    "Supplier": "supplierID",
    "Customer": "customerID",
    "Order": "orderID",
}


def _load_northwind(target: _Target, progress: Progress | None) -> None:
    # the script's uniqueness constraints (they also index the keys the relationship
    # steps look up)
    for label, key in _NORTHWIND_KEYS.items():
        target.run(
            "northwind", f"CREATE CONSTRAINT {label}_{key} IF NOT EXISTS FOR (n:{label}) REQUIRE (n.{key}) IS UNIQUE"
        )
    steps = _northwind_steps()
    total = sum(len(rows) for _, _, rows in steps)
    done = 0
    for _label, statement, rows in steps:
        for start in range(0, len(rows), BATCH):
            batch = rows[start : start + BATCH]
            target.run("northwind", statement, rows=batch)
            done += len(batch)
            if progress:
                progress("northwind", done, total)


_LOADERS = {"movies": _load_movies, "northwind": _load_northwind}


# ------------------------------------------------------------------------------------------
# public API


def list_graphs() -> list[dict[str, Any]]:
    """The demo graphs with their expected and current sizes (``built`` when they match).
    Starts the embedded server if needed."""
    target = _Target()
    try:
        out = []
        for name, (nodes, rels) in EXPECTED.items():
            current = target.counts(name)
            out.append(
                {
                    "name": name,
                    "dialect": "cypher",
                    "expected_nodes": nodes,
                    "expected_relationships": rels,
                    "nodes": current[0],
                    "relationships": current[1],
                    "built": current == (nodes, rels),
                }
            )
        return out
    finally:
        target.close()


def build(
    names: list[str] | None = None, progress: Progress | None = None, *, force: bool = False
) -> dict[str, tuple[int, int]]:
    """Load the named graphs (all by default) unless they are already complete (or
    ``force``); return their (nodes, relationships) counts. ``progress(label, done,
    total)`` is called as each graph loads."""
    chosen = _check(names or list(EXPECTED))
    target = _Target()
    sizes = {}
    try:
        for name in chosen:
            expected = EXPECTED[name]
            if not force and target.counts(name) == expected:
                if progress:
                    progress(name, 1, 1)
                sizes[name] = expected
                continue
            target.reset(name)
            _LOADERS[name](target, progress)
            generation.renew("cypher", name)
            sizes[name] = target.counts(name)
            if sizes[name] != expected:
                raise RuntimeError(
                    f"Cypher graph {name}: loaded {sizes[name][0]} nodes / {sizes[name][1]} "
                    f"relationships, expected {expected[0]} / {expected[1]}"
                )
    finally:
        target.close()
    return sizes
