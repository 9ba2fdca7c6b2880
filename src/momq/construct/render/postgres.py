"""Template queries in PostgreSQL: double-quoted identifiers, standard string literals."""

from momq.construct.render.sql import SqlRenderer


class PostgresRenderer(SqlRenderer):
    dialect = "postgres"


RENDERER = PostgresRenderer()
