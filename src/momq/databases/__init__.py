"""The demo databases momq builds from ``../shared/data`` on its embedded engines.

- the eleven defog databases, in PostgreSQL and in MySQL (MariaDB);
- the Neo4j demo graphs movies and northwind, in the Cypher engine (ArcadeDB);
- NebulaGraph's basketballplayer and nba spaces, in the embedded nGQL engine.

``momq db list`` names them; ``momq db build`` loads them (idempotent).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from momq.errors import ConfigError, UnknownDatabase

DEFOG = (
    "academic",
    "advising",
    "atis",
    "broker",
    "car_dealership",
    "derm_treatment",
    "ewallet",
    "geography",
    "restaurants",
    "scholar",
    "yelp",
)
CYPHER_GRAPHS = ("movies", "northwind")
NGQL_SPACES = ("basketballplayer", "nba")

#: ``progress(label, done, total)`` is called as a build advances
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class DemoDatabase:
    name: str
    #: dialects it can be queried in, the default first
    dialects: tuple[str, ...]
    source: str

    @property
    def default_dialect(self) -> str:
        return self.dialects[0]


def catalog() -> list[DemoDatabase]:
    dbs = [DemoDatabase(n, ("postgres", "mysql"), f"sql/defog/{n}") for n in DEFOG]
    dbs += [DemoDatabase(n, ("cypher",), f"cypher/graphs/{n}") for n in CYPHER_GRAPHS]
    dbs += [DemoDatabase(n, ("ngql",), f"ngql/graphs/{n}.ngql") for n in NGQL_SPACES]
    return dbs


def get(name: str) -> DemoDatabase:
    for db in catalog():
        if db.name == name:
            return db
    raise UnknownDatabase(name, [d.name for d in catalog()])


def resolve_dialect(name: str, dialect: str | None) -> str:
    """The dialect to query database ``name`` in: ``dialect`` if the database has it
    (aliases accepted), else its default."""
    db = get(name)
    if dialect is None:
        return db.default_dialect
    from momq.dialects import get_dialect

    canonical = get_dialect(dialect).name
    if canonical not in db.dialects:
        raise ConfigError(
            f"database {name} is not available in {canonical}; it is available in: {', '.join(db.dialects)}"
        )
    return canonical


def build(names: list[str] | None = None, dialects: list[str] | None = None, progress: Progress | None = None) -> None:
    """Load the demo databases (all by default) into their embedded engines; already
    loaded ones are skipped by the builders."""
    wanted = [get(n) for n in names] if names else catalog()
    chosen = set(dialects or ["postgres", "mysql", "cypher", "ngql"])

    def pick(dialect: str) -> list[str]:
        return [d.name for d in wanted if dialect in d.dialects and dialect in chosen]

    def labelled(dialect: str) -> Progress | None:
        """The builders label progress by database; prefix the engine (a defog database
        is built twice)."""
        if progress is None:
            return None
        return lambda label, done, total: progress(f"{dialect} {label}", done, total)

    if pick("postgres"):
        from momq.databases import defog

        defog.build_postgres(pick("postgres"), progress=labelled("postgres"))
    if pick("mysql"):
        from momq.databases import defog

        defog.build_mysql(pick("mysql"), progress=labelled("mysql"))
    if pick("cypher"):
        from momq.databases import neo4j_demo

        neo4j_demo.build(pick("cypher"), progress=labelled("cypher"))
    if pick("ngql"):
        from momq.databases import ngql_demo

        ngql_demo.build(pick("ngql"), progress=labelled("ngql"))
