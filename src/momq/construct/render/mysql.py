"""Template queries in MySQL: backquoted identifiers; backslashes in strings escaped
(MySQL's default ``sql_mode`` reads them as escapes)."""

from momq.construct.render.sql import SqlRenderer


class MysqlRenderer(SqlRenderer):
    dialect = "mysql"
    backslash_escapes = True


RENDERER = MysqlRenderer()
