"""The one interface every execution engine implements.

``Engine.execute(query, timeout_s, max_rows)`` runs ``query`` read-only on one database
and returns a :class:`Result`. Writes are refused before any data changes
(:class:`~momq.errors.ReadOnlyViolation`); every query is bounded by a time limit and a
row cap. Driver errors are translated into momq's error classes (``momq.errors``).

Loading data (building the demo databases) goes through ``Engine.load_script`` /
backend specific loaders, never through ``execute``.
"""

from __future__ import annotations

import abc
import math
from dataclasses import dataclass, field
from typing import Any, ClassVar

from momq import settings
from momq.errors import ConfigError
from momq.values import cell_text

DEFAULT_TIMEOUT_S = 30.0
DEFAULT_MAX_ROWS = 10_000
#: the largest limits a query may ask for, unless ``[limits]`` in the config file
#: (``max_timeout_s``, ``max_rows``) or ``MOMQ_MAX_TIMEOUT_S`` / ``MOMQ_MAX_ROWS`` say otherwise
MAX_TIMEOUT_S = 3600.0
MAX_ROWS = 1_000_000


def check_limits(timeout_s: Any, max_rows: Any) -> tuple[float, int]:
    """``(timeout_s, max_rows)`` as a finite positive float and a positive int under the
    configured maxima; anything else (0, negative, NaN, infinity, text) raises
    :class:`~momq.errors.ConfigError`: there is no "no limit". The maxima are read once
    per process (``momq.settings.limits``)."""
    ceiling_s, ceiling_rows = settings.limits(MAX_TIMEOUT_S, MAX_ROWS)
    if (
        timeout_s.__class__ in (float, int)
        and max_rows.__class__ is int
        and 0 < timeout_s <= ceiling_s
        and 1 <= max_rows <= ceiling_rows
    ):
        return float(timeout_s), max_rows  # the common case, in a few comparisons (NaN fails them)
    try:
        timeout = float(timeout_s)
    except (TypeError, ValueError):
        raise ConfigError(f"the time limit must be a number of seconds, not {timeout_s!r}") from None
    if not (math.isfinite(timeout) and 0 < timeout <= ceiling_s):
        raise ConfigError(f"the time limit must be more than 0 and at most {ceiling_s:g} seconds, not {timeout_s!r}")
    if isinstance(max_rows, bool) or not isinstance(max_rows, (int, float, str)):
        raise ConfigError(f"the row cap must be a whole number, not {max_rows!r}")
    try:
        rows_float = float(max_rows)
        rows = int(rows_float)
    except (TypeError, ValueError, OverflowError):
        raise ConfigError(f"the row cap must be a whole number, not {max_rows!r}") from None
    if rows != rows_float or not 1 <= rows <= ceiling_rows:
        raise ConfigError(f"the row cap must be a whole number from 1 to {ceiling_rows}, not {max_rows!r}")
    return timeout, rows


@dataclass
class Result:
    """Rows of plain Python values (see ``momq.values``) under named columns.

    ``truncated`` is true when the query produced more than ``max_rows`` rows and only
    the first ``max_rows`` are kept. ``ordered`` is true when the query itself fixes the
    row order (ORDER BY at its outermost level), which the comparison honours.
    """

    columns: list[str]
    rows: list[tuple[Any, ...]]
    truncated: bool = False
    elapsed_s: float = 0.0
    ordered: bool = False
    engine: str = ""
    notes: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.rows)

    def as_dicts(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row)) for row in self.rows]

    def cells(self) -> list[str]:
        """Every cell as text (row-major, :func:`momq.values.cell_text`)."""
        return [cell_text(v) for row in self.rows for v in row]

    def text(self, max_cells: int = 2000) -> str:
        """The result as one text (cells separated by ' ; '), capped for the model and
        for the text measures of EA (:mod:`momq.eval.similarity`)."""
        return " ; ".join(self.cells()[:max_cells])


class Engine(abc.ABC):
    """An open connection to one database on one engine."""

    #: engine name used in messages and configuration (``postgres``, ``mysql``, ``cypher``, ``ngql``)
    name: ClassVar[str]
    #: dialect name of the queries it runs
    dialect: ClassVar[str]

    database: str

    @abc.abstractmethod
    def execute(self, query: str, timeout_s: float = DEFAULT_TIMEOUT_S, max_rows: int = DEFAULT_MAX_ROWS) -> Result:
        """Run ``query`` read-only; raise a ``momq.errors.QueryError`` subclass on failure."""

    def close(self) -> None:  # pragma: no cover - trivial default
        """Release the connection."""

    def __enter__(self) -> "Engine":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
