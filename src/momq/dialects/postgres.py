"""PostgreSQL."""

from momq.dialects.sql import SqlDialect


class Postgres(SqlDialect):
    name = "postgres"
    label = "PostgreSQL"
    sqlglot_dialect = "postgres"
    fence_tags = ("sql", "postgresql", "postgres", "psql", "pgsql")
    prefixes = ("SQL", "PostgreSQL", "Postgres")
