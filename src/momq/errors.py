"""The error classes every part of momq raises.

Engines translate their drivers' exceptions into these classes, so callers (the
evaluation harness, the repair loop, the CLI) can decide what to do from the class
alone: a syntax error is repaired, a timeout is counted apart, an unavailable engine
stops the run with a hint on how to start it.
"""

from __future__ import annotations


class MomqError(Exception):
    """Base class of every error momq raises on purpose."""


class ConfigError(MomqError):
    """Bad configuration or bad user input (unknown names, missing files)."""


class UnknownDialect(ConfigError):
    def __init__(self, name: str, known: list[str]):
        self.name, self.known = name, sorted(known)
        super().__init__(f"unknown dialect {name!r}; known dialects: {', '.join(self.known)}")


class UnknownDatabase(ConfigError):
    def __init__(self, name: str, known: list[str], hint: str = ""):
        self.name, self.known = name, sorted(known)
        super().__init__(
            f"unknown database {name!r}; known databases: {', '.join(self.known)}" + (f" ({hint})" if hint else "")
        )


class QueryError(MomqError):
    """A query could not be executed. ``engine`` names the engine, ``query`` the text."""

    def __init__(
        self, message: str, *, engine: str | None = None, query: str | None = None, position: int | None = None
    ):
        super().__init__(message)
        self.message = message
        self.engine = engine
        self.query = query
        self.position = position  # 0-based character offset in ``query`` when the engine says

    @property
    def kind(self) -> str:
        """momq's class name used in reports (``QuerySyntaxError`` ...), also for
        engine-specific subclasses such as the nGQL engine's ``NgqlSyntaxError``."""
        return next(c.__name__ for c in type(self).__mro__ if c.__module__ == __name__)


class QuerySyntaxError(QueryError):
    """The engine could not parse the query."""


class SchemaError(QueryError):
    """The query names a table, column, label, tag, edge type or property that does not exist."""


class ExecutionError(QueryError):
    """The query parsed and referred to known schema, but failed while running."""


class QueryTimeout(QueryError):
    """The query ran longer than its time limit and was cancelled."""


class ReadOnlyViolation(QueryError):
    """The query would write; it was refused before any data changed."""


class EngineUnavailable(MomqError):
    """The engine cannot be reached. The message says which and how to start it."""

    def __init__(self, message: str, *, engine: str | None = None):
        super().__init__(message)
        self.engine = engine

    @property
    def kind(self) -> str:
        return type(self).__name__


class ModelError(MomqError):
    """A model backend failed for a reason that retrying will not fix (bad request,
    unknown model, refused key, a prompt longer than the context). ``status`` is the
    HTTP status when there is one."""

    def __init__(self, message: str, *, status: int | None = None):
        super().__init__(message)
        self.status = status


class ModelUnavailable(ModelError):
    """The model could not be reached or kept failing transiently after all retries."""
