"""What one nGQL query may spend: its deadline and its memory budget.

A :class:`Budget` is charged while a query runs: ``tick`` counts loop iterations and
checks the deadline every :data:`TICKS_PER_CHECK` of them; ``charge`` counts what the
query builds, in *values* (the cells of the rows an operator produces, the elements of
the lists ``range()``, list functions, comprehensions and UNWIND create) and in
*characters* (the strings string functions and ``+`` create). The counts only grow
during one query, so they bound the work as well as the memory; a query that would pass
either limit stops with an :class:`~momq.ngql.errors.NgqlExecutionError` before it
builds the value (``range()`` and the padding / replacing functions are sized from their
arguments first).
"""

from __future__ import annotations

import time

from momq.ngql.errors import NgqlExecutionError, NgqlTimeout

#: values (row cells, list elements) one query may build: ~10 M cells is a few hundred MB
DEFAULT_MAX_VALUES = 10_000_000
#: characters of strings one query may build
DEFAULT_MAX_CHARS = 100_000_000
#: loop iterations between two deadline checks
TICKS_PER_CHECK = 2000


class Budget:
    """The deadline (``time.monotonic()`` value, None: none) and the memory budget of
    one query (None: unbounded)."""

    def __init__(
        self,
        deadline: float | None = None,
        max_values: int | None = DEFAULT_MAX_VALUES,
        max_chars: int | None = DEFAULT_MAX_CHARS,
    ):
        self.deadline = deadline
        self.max_values = max_values
        self.max_chars = max_chars
        self.values = 0
        self.chars = 0
        self._tick = 0

    def check_time(self) -> None:
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise NgqlTimeout("Execution timed out: the query ran past its time limit")

    def tick(self, n: int = 1) -> None:
        self._tick += n
        if self._tick >= TICKS_PER_CHECK:
            self._tick = 0
            self.check_time()

    def ensure_room(self, values: int = 0, chars: int = 0) -> None:
        """Refuse, before building it, something of ``values`` values and ``chars``
        characters that would not fit in what is left of the budget."""
        if self.max_values is not None and self.values + values > self.max_values:
            raise NgqlExecutionError(
                f"Memory budget exceeded: the query would build more than {self.max_values:,} values"
            )
        if self.max_chars is not None and self.chars + chars > self.max_chars:
            raise NgqlExecutionError(
                f"Memory budget exceeded: the query would build more than {self.max_chars:,} characters of strings"
            )

    def charge(self, values: int = 0, chars: int = 0) -> None:
        """Count what was built (or is about to be); raise when it passes the budget.
        Building counts as work, so this also ticks the deadline clock."""
        self.ensure_room(values, chars)
        self.values += values
        self.chars += chars
        self.tick(values + (chars >> 10))

    def charge_result(self, v: object) -> None:
        """Count a freshly built list or string (other values are not counted)."""
        cls = v.__class__
        if cls is list:
            self.charge(values=len(v))  # type: ignore[arg-type]
        elif cls is str:
            self.charge(chars=len(v))  # type: ignore[arg-type]
