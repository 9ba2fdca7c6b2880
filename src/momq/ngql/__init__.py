"""momq's embedded nGQL engine (NebulaGraph 3.x semantics), in pure Python.

Public API::

    from momq.ngql import NgqlDatabase
    db = NgqlDatabase()
    db.load_script(open("basketballplayer.ngql").read())
    rs = db.session("basketballplayer", read_only=True).execute(
        'GO FROM "player100" OVER follow YIELD dst(edge)', timeout_s=5, max_rows=1000)

``parse(query)`` validates syntax without executing; ``is_read_only(ast)`` tells whether
a parsed statement only reads.
"""

from momq.ngql.ast import is_read_only
from momq.ngql.engine import NgqlDatabase, ResultSet, Session
from momq.ngql.errors import (
    NgqlError,
    NgqlExecutionError,
    NgqlReadOnlyError,
    NgqlSemanticError,
    NgqlSyntaxError,
    NgqlTimeout,
)
from momq.ngql.parser import parse

__all__ = [
    "NgqlDatabase",
    "Session",
    "ResultSet",
    "NgqlError",
    "NgqlSyntaxError",
    "NgqlSemanticError",
    "NgqlExecutionError",
    "NgqlTimeout",
    "NgqlReadOnlyError",
    "parse",
    "is_read_only",
]
