"""MySQL 8 (and MariaDB, which momq embeds in its place)."""

from momq.dialects.sql import SqlDialect


class MySQL(SqlDialect):
    name = "mysql"
    label = "MySQL"
    sqlglot_dialect = "mysql"
    fence_tags = ("sql", "mysql")
    prefixes = ("SQL", "MySQL")
    line_comments = ("-- ", "#")
    quoted_case_sensitive = False
