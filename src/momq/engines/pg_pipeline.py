"""One query to PostgreSQL in one round trip, inside its own read-only transaction.

libpq's pipeline mode queues the statements of one query's sandbox and sends them in one
write; the server answers them in order, and the client reads the answers in one go::

    BEGIN READ ONLY                              -- prepared once per connection
    SET LOCAL statement_timeout = <limit>        -- when it is not the session's default
    Parse momq_<n>                               -- a text run often enough: prepared once
    Bind / Execute <query>                       -- extended protocol: exactly one statement
    ROLLBACK                                     -- prepared once per connection
    SELECT pg_advisory_unlock_all()              -- when the login may take advisory locks
    Sync

The statements that open and end the transaction are prepared when the connection opens
(:class:`Controls`), so that each costs the server a Bind and an Execute, not a parse.
Should one of them fail (none can be dropped: the sandbox refuses DEALLOCATE and
DISCARD), the server skips the rest of the segment, the query included, and the
connection is closed so that the next query opens a fresh one.

The ROLLBACK runs right after the query, so between queries the session is idle outside
any transaction, holding no snapshot and no lock. When the query fails, the server skips
what follows it up to the Sync and leaves the transaction aborted: :func:`run_query`
then ends it (ROLLBACK, and the unlock) in a second round trip. Whatever the query did
inside the transaction is undone: writes are refused, and large objects, settings
(``set_config``, ``SET``, the time limit included) and transaction-level locks are
rolled back.

Prepared statements follow psycopg's policy for its cursors (a text run
``prepare_threshold`` times is prepared, at most :data:`PREPARED_MAX` are kept, the least
recently used deallocated), so a repeated query is planned once, as with the bare driver.
"""

from __future__ import annotations

import select
from collections import OrderedDict
from typing import Any

__all__ = ["PREPARED_MAX", "Controls", "PreparedStatements", "run_query"]

#: prepared statements kept per connection (psycopg's ``prepared_max``)
PREPARED_MAX = 100

# libpq's result and connection states (stable parts of its ABI)
_COMMAND_OK = 1
_TUPLES_OK = 2
_FATAL_ERROR = 7
_PIPELINE_SYNC = 10
_CONNECTION_BAD = 1
_IDLE = 0  # PQTRANS_IDLE: outside any transaction
_BINARY = 1


class PreparedStatements:
    """Which query texts run as named prepared statements on one connection."""

    def __init__(self, size: int = PREPARED_MAX):
        self.size = size
        self._names: OrderedDict[bytes, bytes] = OrderedDict()  # text -> statement name
        self._runs: OrderedDict[bytes, int] = OrderedDict()  # text -> runs, not yet prepared
        self._serial = 0
        #: names to deallocate before the next query
        self.dropped: list[bytes] = []

    def name_for(self, text: bytes, threshold: int | None) -> tuple[bytes | None, bool]:
        """``(name, parse)``: the statement to execute (None: the unnamed one) and
        whether it must be prepared first. ``threshold``: runs before a text is prepared
        (None: never)."""
        name = self._names.get(text)
        if name is not None:
            self._names.move_to_end(text)
            return name, False
        if threshold is None:
            return None, False
        runs = self._runs.pop(text, 0) + 1
        if runs < threshold:
            self._runs[text] = runs
            if len(self._runs) > self.size:
                self._runs.popitem(last=False)
            return None, False
        self._serial += 1
        name = self._names[text] = b"momq_%d" % self._serial
        if len(self._names) > self.size:
            self.dropped.append(self._names.popitem(last=False)[1])
        return name, True

    def forget(self, text: bytes, exists: bool) -> None:
        """Stop using the statement of ``text`` (its preparation or a run failed); it is
        deallocated when it ``exists`` on the server."""
        name = self._names.pop(text, None)
        if name is not None and exists:
            self.dropped.append(name)


class Controls:
    """The statements around each query on one connection: ``BEGIN READ ONLY`` and
    ``end`` (ROLLBACK first, then what else ends a query's transaction), prepared as
    named statements when the connection opens."""

    BEGIN = b"momq_begin"

    def __init__(self, pgconn: Any, end: tuple[bytes, ...], encoding: str):
        import psycopg

        self.end = end  # as text, for the round trip that ends a failed query's transaction
        self.end_names = tuple(b"momq_end_%d" % i for i in range(len(end)))
        for name, text in ((self.BEGIN, b"BEGIN READ ONLY"), *zip(self.end_names, end)):
            result = pgconn.prepare(name, text)
            if result.status != _COMMAND_OK:
                raise psycopg.errors.error_from_result(result, encoding=encoding)


def run_query(
    pgconn: Any,
    poller: Any,
    statements: PreparedStatements,
    controls: Controls,
    query: bytes,
    *,
    set_local: bytes | None,
    threshold: int | None,
    encoding: str,
) -> Any:
    """Run ``query`` in its own read-only transaction, rolled back, in one round trip
    (see the module docstring); return its libpq result, the rows in binary format.
    ``controls``: the connection's prepared BEGIN and end statements; ``set_local``: the
    ``SET LOCAL`` of the time limit, or None; ``threshold``: runs of a text before it
    is prepared (None: never); ``poller``: a ``select.poll`` registered on the
    connection's socket; ``encoding``: the connection's, for error messages. Raises the
    server's error as psycopg does (the session is then idle again), or psycopg's
    OperationalError when the connection fails, a control statement fails or the
    session is not back outside any transaction: the connection is then unusable."""
    import psycopg

    name, parse = statements.name_for(query, threshold)
    pgconn.enter_pipeline_mode()
    # the answers come in the order sent: one per DEALLOCATE, then BEGIN at ``begin``,
    # SET LOCAL, the Parse, the query at ``at``, the end statements
    begin = len(statements.dropped)
    for old in statements.dropped:
        # each in its own segment: one that fails cannot stop the others
        pgconn.send_query_params(b"DEALLOCATE " + old, None)
        pgconn.pipeline_sync()
    statements.dropped = []
    pgconn.send_query_prepared(controls.BEGIN, None)
    at = begin + 1
    if set_local is not None:
        pgconn.send_query_params(set_local, None)
        at += 1
    if parse:
        pgconn.send_prepare(name, query)
        at += 1
    if name is not None:
        pgconn.send_query_prepared(name, None, result_format=_BINARY)
    else:
        pgconn.send_query_params(query, None, result_format=_BINARY)
    for end in controls.end_names:
        pgconn.send_query_prepared(end, None)
    pgconn.pipeline_sync()
    _flush(pgconn)
    results = _read(pgconn, poller, syncs=begin + 1)
    pgconn.exit_pipeline_mode()
    result = results[at]
    if result.status != _TUPLES_OK:
        if name is not None:
            # e.g. a table changed under its plan; it exists unless its Parse failed
            statements.forget(query, exists=not parse or results[at - 1].status == _COMMAND_OK)
        # the first error of the segment (the query's, or what stopped it)
        first = next((i for i in range(begin, len(results)) if results[i].status == _FATAL_ERROR), at)
        result = results[first]
        if first <= begin + (set_local is not None):  # BEGIN or SET LOCAL: the sandbox failed
            pgconn.finish()
            error = psycopg.errors.error_from_result(result, encoding=encoding)
            raise psycopg.OperationalError(f"the query's transaction could not start: {error}")
    if pgconn.transaction_status != _IDLE:
        # the query failed and the server skipped the ROLLBACK: end the transaction now
        pgconn.exec_(b"; ".join(controls.end))
        if pgconn.transaction_status != _IDLE:
            raise psycopg.OperationalError("the query's transaction did not end")
    if result.status != _TUPLES_OK:
        raise psycopg.errors.error_from_result(result, encoding=encoding)
    return result


def _read(pgconn: Any, poller: Any, syncs: int) -> list[Any]:
    """Every result up to the ``syncs``-th Sync, without the Syncs. Waits in Python (a
    ``poll``), so that a signal such as Ctrl-C interrupts the wait."""
    results = []
    while syncs:
        while pgconn.is_busy():
            poller.poll()
            pgconn.consume_input()
        result = pgconn.get_result()
        if pgconn.status == _CONNECTION_BAD:
            import psycopg

            raise psycopg.OperationalError(pgconn.error_message.decode(errors="replace").strip() or "connection lost")
        if result is None:
            continue
        if result.status == _PIPELINE_SYNC:
            syncs -= 1
        else:
            results.append(result)
    return results


def _flush(pgconn: Any) -> None:
    """Send what libpq still holds (a non-blocking connection may not take it all at once)."""
    while pgconn.flush():
        writable = select.poll()
        writable.register(pgconn.socket, select.POLLOUT)
        writable.poll()
