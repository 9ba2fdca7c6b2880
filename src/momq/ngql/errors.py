"""nGQL error classes, mirroring NebulaGraph's error families.

NebulaGraph reports three families a client (and its test kit) can tell apart:
``SyntaxError`` (the parser refused the text), ``SemanticError`` (the validator refused
a parsed query: unknown names, type errors found before running) and
``ExecutionError`` (something failed while running). Each class here derives from the
matching momq error class so the engine wrapper can pass them on unchanged.
"""

from __future__ import annotations

from momq.errors import ExecutionError, QueryError, QuerySyntaxError, QueryTimeout, ReadOnlyViolation, SchemaError


class NgqlError(QueryError):
    """Base of every error the embedded nGQL engine raises on purpose."""

    #: NebulaGraph's family name, as the test kit spells it
    family = "ExecutionError"

    def __init__(self, message: str, *, position: int | None = None, query: str | None = None):
        super().__init__(message, engine="ngql", query=query, position=position)

    def __str__(self) -> str:
        return f"{self.family}: {self.message}" if self.family != "ExecutionError" else self.message


class NgqlSyntaxError(NgqlError, QuerySyntaxError):
    """The text does not parse. ``position`` is the 0-based offset of the offending token."""

    family = "SyntaxError"


class NgqlSemanticError(NgqlError, SchemaError):
    """The query parsed but refers to unknown names or mixes types (found before running)."""

    family = "SemanticError"


class NgqlExecutionError(NgqlError, ExecutionError):
    """The query failed while running."""

    family = "ExecutionError"


class NgqlTimeout(NgqlError, QueryTimeout):
    """The query ran past its time limit and was stopped."""

    family = "ExecutionError"


class NgqlReadOnlyError(NgqlError, ReadOnlyViolation):
    """A read-only session was asked to run a statement that writes or changes schema."""

    family = "SemanticError"
