"""Result comparison: the core of execution accuracy (EX).

Two query results are *equivalent* when they hold the same rows, under these rules:

- **Rows form a multiset.** Duplicates count (``[1, 1]`` differs from ``[1]``), as in
  the Spider test-suite evaluation (Zhong et al., 2020) and MoMQ. Row order only matters
  when the gold query fixes it (``gold.ordered``: ORDER BY at its outermost level) or
  when the caller says so with ``ordered=``.
- **Ties may swap.** In an ordered comparison, rows that agree on every gold column
  sorted along the gold's rows (the inferred sort keys) may come in any order, since an
  ORDER BY leaves ties to the engine; see :func:`_ordered_equal`.
- **Temporal values compare as ISO text.** ``date``/``datetime``/``time`` (time zones
  normalised to UTC) equal their ISO text form, so ``DATE_TRUNC`` in PostgreSQL and a
  formatted ``'2023-01-01 00:00:00'`` in MySQL agree.
- **Column order and names are ignored.** A prediction may list the same columns in any
  order under any aliases: we search a permutation of the predicted columns that makes
  the results equal. Candidate columns are pruned first by comparing per-column value
  multisets, so the search is cheap even for wide results. Different column counts never
  match (use :func:`compare_subset` for sql-eval's lenient rule, which is *not* EX).
- **Numbers compare by value.** ``int``, ``float`` and ``Decimal`` are equal when
  numerically equal; non-integral numbers are equal within ``float_tol`` (relative *or*
  absolute), because engines differ in float rounding and in numeric types
  (PostgreSQL ``numeric`` vs MariaDB ``DECIMAL`` vs Cypher floats). ``bool`` equals its
  integer (MySQL reports booleans as 0/1). NaN equals NaN.
- **NULL equals NULL** when comparing results (unlike SQL's three-valued logic): a gold
  row ``(NULL, 3)`` is matched by a predicted ``(NULL, 3)``.
- **Graph values** (``momq.values.Node``/``Relationship``/``Path``) compare by content:
  labels, type, properties and endpoints, never by engine internal ids beyond what the
  value itself carries.
- ``mode="set"`` (BIRD's rule, ``set(pred) == set(gold)``) ignores duplicates. It is
  offered for comparison with published BIRD numbers and is never the default.

Everything returns a :class:`Comparison` whose ``reason`` says why results differ, so
reports can show it next to each failing example.
"""

from __future__ import annotations

import math
import re
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any, Iterable, Literal, Sequence

from momq.engines.base import Result
from momq.values import Node, Path, Relationship

Mode = Literal["multiset", "set"]

#: how many column assignments the permutation search tries before giving up; only
#: reached when many columns hold the same value multiset but differ row-wise
MAX_PERMUTATIONS = 5000


@dataclass
class Comparison:
    """The verdict of a comparison. ``bool(comparison)`` is ``match``.

    ``column_map[i]`` is the predicted column matched to gold column ``i`` when the
    results match (``None`` otherwise).
    """

    match: bool
    reason: str = ""
    column_map: tuple[int, ...] | None = None
    notes: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.match


# --------------------------------------------------------------------------------------
# canonical values
# --------------------------------------------------------------------------------------


class _Float(float):
    """Marks a non-integral number so tolerance-aware code can find it quickly."""

    __slots__ = ()


_NAN = ("nan",)
#: per thread: how many non-integral numbers the current canonicalisation produced, so
#: results without any (most graph and text results) skip the float-blurring passes
_STATE = threading.local()
_ISO_T = re.compile(r"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}(:\d{2}(\.\d+)?)?)$")


def canonical(value: Any) -> Any:
    """A hashable canonical form of a result value.

    Integral numbers of any type become ``int``; other numbers become ``_Float``; NaN
    becomes a sentinel equal to itself; lists become tuples; maps, nodes,
    relationships and paths become tagged tuples built from canonical parts. Two values
    that are *exactly* equal under the module's rules have equal canonical forms; values
    equal only within the float tolerance are handled by :func:`_approx_equal`.
    """
    if value is None or isinstance(value, bytes):
        return value
    if isinstance(value, str):
        # a date or timestamp rendered as text (MySQL's DATE_FORMAT, Cypher's toString)
        # equals the temporal value: both become the same ISO text
        return _ISO_T.sub(r"\1 \2", value) if _ISO_T.match(value) else value
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if math.isnan(value):
            return _NAN
        if math.isinf(value):
            return value
        if value.is_integer():
            return int(value)
        _STATE.floats = getattr(_STATE, "floats", 0) + 1
        return _Float(value)
    if isinstance(value, Decimal):
        if value.is_nan():
            return _NAN
        if value.is_infinite():
            return float(value)
        if value == value.to_integral_value():
            return int(value)
        _STATE.floats = getattr(_STATE, "floats", 0) + 1
        return _Float(float(value))
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.replace(tzinfo=None).isoformat()
    if isinstance(value, timedelta):
        return value
    if isinstance(value, (list, tuple)):
        return ("list", tuple(canonical(v) for v in value))
    if isinstance(value, dict):
        return ("map", tuple(sorted(((str(k), canonical(v)) for k, v in value.items()), key=lambda kv: kv[0])))
    if isinstance(value, Node):
        return ("node", canonical(value.id), tuple(sorted(value.labels)), canonical(value.properties))
    if isinstance(value, Relationship):
        return (
            "rel",
            value.type,
            _endpoint(value.start),
            _endpoint(value.end),
            value.rank,
            canonical(value.properties),
        )
    if isinstance(value, Path):
        return ("path", tuple(canonical(n) for n in value.nodes), tuple(canonical(r) for r in value.relationships))
    if isinstance(value, (set, frozenset)):
        return ("set", tuple(sorted((canonical(v) for v in value), key=_sort_key)))
    return value


def _endpoint(value: Any) -> Any:
    # endpoints are ids or node keys (tuples already produced by Node.key()); canonicalise
    # plain ids and Node objects alike
    if isinstance(value, Node):
        return canonical(value)
    if isinstance(value, tuple):
        return ("list", tuple(_endpoint(v) for v in value))
    return canonical(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _blur(value: Any) -> Any:
    """The canonical value with every nested float replaced by a marker: values whose
    blurred forms differ can never be equal within tolerance."""
    if isinstance(value, _Float):
        return _FLOAT_MARK
    if isinstance(value, tuple):
        return tuple(_blur(v) for v in value)
    return value


def _blur_row(row: Row) -> Row:
    """A row with top-level numbers (of any kind) masked and nested floats blurred:
    rows equal within tolerance have equal blurred rows."""
    return tuple(_NUMBER_MARK if _is_number(v) else _blur(v) for v in row)


_FLOAT_MARK = ("~float",)
_NUMBER_MARK = ("~number",)


def _has_float(value: Any) -> bool:
    if isinstance(value, _Float):
        return True
    if isinstance(value, tuple):
        return any(_has_float(v) for v in value)
    return False


def _num_close(a: float, b: float, tol: float) -> bool:
    """Numbers equal under the module's rules: integers exactly, others within ``tol``."""
    if isinstance(a, _Float) or isinstance(b, _Float):
        return math.isclose(a, b, rel_tol=tol, abs_tol=tol)
    return a == b


def _approx_equal(a: Any, b: Any, tol: float) -> bool:
    """Equality of canonical values with non-integral numbers compared within ``tol``."""
    if a is b:
        return True
    if _is_number(a) and _is_number(b):
        return _num_close(a, b, tol)
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(_approx_equal(x, y, tol) for x, y in zip(a, b))
    return a == b


def _sort_key(value: Any) -> tuple:
    """A total order over canonical values of mixed types (for sorting rows)."""
    if value is None:
        return (0,)
    if isinstance(value, (int, float)):
        return (1, float(value) if abs(value) < 1e300 else value)
    if isinstance(value, str):
        return (2, value)
    if isinstance(value, bytes):
        return (3, value)
    if isinstance(value, datetime):
        return (4, value.isoformat())
    if isinstance(value, date):
        return (5, value.isoformat())
    if isinstance(value, time):
        return (6, value.isoformat())
    if isinstance(value, timedelta):
        return (7, value.total_seconds())
    if isinstance(value, tuple):
        return (8, tuple(_sort_key(v) for v in value))
    return (9, repr(value))


# --------------------------------------------------------------------------------------
# row multisets
# --------------------------------------------------------------------------------------

Row = tuple


def _canonical_rows(result: Result) -> tuple[list[Row], bool]:
    """Canonical rows, and whether any non-integral number occurs in them."""
    _STATE.floats = 0
    rows = [tuple(canonical(v) for v in row) for row in result.rows]
    return rows, _STATE.floats > 0


def _rows_equal(gold: Sequence[Row], pred: Sequence[Row], *, ordered: bool, tol: float, mode: Mode) -> tuple[bool, str]:
    """Compare two lists of canonical rows with the same column layout."""
    if mode == "set":
        gold = list(dict.fromkeys(gold))
        pred = list(dict.fromkeys(pred))
        ordered = False
    if len(gold) != len(pred):
        return False, f"row count differs: gold {len(gold)}, predicted {len(pred)}"
    if ordered:
        return _ordered_equal(gold, pred, tol)
    gold_count, pred_count = Counter(gold), Counter(pred)
    if gold_count == pred_count:
        return True, "equal"
    # exact multisets differ: only float tolerance can still reconcile them
    missing = gold_count - pred_count
    extra = pred_count - gold_count
    if not any(_has_float(r) for r in missing) and not any(_has_float(r) for r in extra):
        example = next(iter(missing))
        return False, f"gold row {_show(example)} missing from prediction ({sum(missing.values())} gold rows unmatched)"
    if _match_with_tolerance(list(missing.elements()), list(extra.elements()), tol):
        return True, "equal within float tolerance"
    example = next(iter(missing))
    return False, f"gold row {_show(example)} has no match within tolerance {tol:g}"


def _monotone(values: Sequence[Any], tol: float) -> bool:
    """Whether a column is sorted (either direction, numbers within ``tol``) along the
    rows, NULLs allowed as one block at either end (NULLS FIRST / NULLS LAST)."""
    present = [i for i, v in enumerate(values) if v is not None]
    if present and present != list(range(present[0], present[-1] + 1)):
        return False  # NULLs in the middle

    def leq(a: Any, b: Any) -> bool:
        if _is_number(a) and _is_number(b):
            return a <= b or _num_close(a, b, tol) or math.isclose(a, b, rel_tol=tol, abs_tol=tol)
        try:
            return _sort_key(a) <= _sort_key(b)
        except TypeError:
            return False

    kept = [values[i] for i in present]
    pairs = list(zip(kept, kept[1:]))
    return all(leq(a, b) for a, b in pairs) or all(leq(b, a) for a, b in pairs)


def _ordered_equal(gold: Sequence[Row], pred: Sequence[Row], tol: float) -> tuple[bool, str]:
    """Row order honoured, ties allowed to swap.

    The gold query's sort keys are not visible in its result, so they are inferred: any
    gold column that is sorted along the gold's rows may be the sort key. The prediction
    matches when, for one such column, it has the same sequence of that column's values
    and, inside each run of equal values (a tie), the same rows in any order. When no
    column is sorted (the query orders by something it does not return), the order must
    be exactly the gold's. This accepts a prediction whose order is explained by another
    sorted column of the gold (rare; the price of not failing correct queries on ties).
    """
    width = len(gold[0]) if gold else 0
    keys = [j for j in range(width) if _monotone([row[j] for row in gold], tol)]
    strict_reason = ""
    for i, (g, p) in enumerate(zip(gold, pred)):
        if g != p and not _approx_equal(g, p, tol):
            strict_reason = f"row {i} differs (ordered): gold {_show(g)}, predicted {_show(p)}"
            break
    if not strict_reason:
        return True, "equal (ordered)"
    for j in keys:
        if _blocks_match(gold, pred, j, tol):
            return True, f"equal (ordered; ties on column {j} swapped)"
    return False, strict_reason


def _blocks_match(gold: Sequence[Row], pred: Sequence[Row], j: int, tol: float) -> bool:
    """Same sequence of column ``j`` values, same rows inside each run of equal values."""
    start = 0
    while start < len(gold):
        key = gold[start][j]
        end = start + 1
        while end < len(gold) and _approx_equal(gold[end][j], key, tol):
            end += 1
        block_g, block_p = gold[start:end], pred[start:end]
        if not all(_approx_equal(p[j], key, tol) for p in block_p):
            return False
        if Counter(block_g) != Counter(block_p) and not _match_with_tolerance(list(block_g), list(block_p), tol):
            return False
        start = end
    return True


def _match_with_tolerance(gold: list[Row], pred: list[Row], tol: float) -> bool:
    """Multiset match allowing float tolerance. Rows are grouped by their blurred form
    (floats masked); inside a group, sorted rows are paired first (exact for a single
    float column), and a greedy search covers the rare remaining cases."""
    if len(gold) != len(pred):
        return False
    groups: dict[Any, tuple[list[Row], list[Row]]] = {}
    for row in gold:
        groups.setdefault(_blur_row(row), ([], []))[0].append(row)
    for row in pred:
        groups.setdefault(_blur_row(row), ([], []))[1].append(row)
    for g_rows, p_rows in groups.values():
        if len(g_rows) != len(p_rows):
            return False
        g_sorted = sorted(g_rows, key=_sort_key)
        p_sorted = sorted(p_rows, key=_sort_key)
        if all(_approx_equal(g, p, tol) for g, p in zip(g_sorted, p_sorted)):
            continue
        remaining = list(p_sorted)
        for g in g_sorted:
            for i, p in enumerate(remaining):
                if _approx_equal(g, p, tol):
                    del remaining[i]
                    break
            else:
                return False
    return True


def _show(row: Any, limit: int = 120) -> str:
    text = repr(_plain(row))
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _plain(value: Any) -> Any:
    if isinstance(value, _Float):
        return float(value)
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    return value


# --------------------------------------------------------------------------------------
# column assignment
# --------------------------------------------------------------------------------------


def _column_signature(rows: Sequence[Row], j: int, blur: bool = True) -> tuple[Counter, list]:
    """Column ``j`` as (multiset of its non-number values, nested floats blurred;
    sorted list of its top-level numbers)."""
    others: Counter = Counter()
    numbers: list = []
    for row in rows:
        v = row[j]
        if _is_number(v):
            numbers.append(v)
        else:
            others[_blur(v) if blur else v] += 1
    numbers.sort()
    return others, numbers


def _columns_compatible(g_sig: tuple[Counter, list], p_sig: tuple[Counter, list], tol: float) -> bool:
    """Whether a predicted column could stand for a gold column: same non-number values
    and the same sorted numbers (within tolerance). A necessary condition only: the row
    comparison decides."""
    g_others, g_numbers = g_sig
    p_others, p_numbers = p_sig
    return (
        g_others == p_others
        and len(g_numbers) == len(p_numbers)
        and all(_num_close(a, b, tol) for a, b in zip(g_numbers, p_numbers))
    )


def _assignments(
    gold_rows: Sequence[Row], pred_rows: Sequence[Row], n_gold: int, n_pred: int, tol: float, floats: bool = True
) -> Iterable[tuple[int, ...]]:
    """Injective maps gold column -> predicted column whose columns hold compatible value
    multisets, identity-like choices first. Predicted columns with identical contents are
    interchangeable, so only one of them is tried at each step."""
    if not gold_rows and not pred_rows:
        # no rows: every assignment is as good as another
        yield tuple(range(n_gold))
        return
    g_sigs = [_column_signature(gold_rows, j, floats) for j in range(n_gold)]
    p_sigs = [_column_signature(pred_rows, j, floats) for j in range(n_pred)]
    p_content = [tuple(row[j] for row in pred_rows) for j in range(n_pred)]
    candidates: list[list[int]] = []
    for j in range(n_gold):
        cands = [k for k in range(n_pred) if _columns_compatible(g_sigs[j], p_sigs[k], tol)]
        cands.sort(key=lambda k: (k != j, k))  # same position first
        candidates.append(cands)
    # assign the most constrained gold columns first
    order = sorted(range(n_gold), key=lambda j: len(candidates[j]))
    chosen: list[int | None] = [None] * n_gold
    used: set[int] = set()

    def walk(depth: int) -> Iterable[tuple[int, ...]]:
        if depth == len(order):
            yield tuple(chosen)  # type: ignore[arg-type]
            return
        j = order[depth]
        tried_contents: set = set()
        for k in candidates[j]:
            if k in used or p_content[k] in tried_contents:
                continue
            tried_contents.add(p_content[k])
            used.add(k)
            chosen[j] = k
            yield from walk(depth + 1)
            used.discard(k)
        chosen[j] = None

    yield from walk(0)


def _compare(
    gold: Result, pred: Result, *, ordered: bool | None, float_tol: float, mode: Mode, subset: bool
) -> Comparison:
    if mode not in ("multiset", "set"):
        raise ValueError(f"mode must be 'multiset' or 'set', not {mode!r}")
    notes: list[str] = []
    if gold.truncated or pred.truncated:
        notes.append("a result was truncated at the row cap; the comparison covers the kept rows")
    is_ordered = gold.ordered if ordered is None else ordered
    n_gold, n_pred = len(gold.columns), len(pred.columns)
    if gold.rows:
        n_gold = len(gold.rows[0])
    if pred.rows:
        n_pred = len(pred.rows[0])
    if subset:
        if n_pred < n_gold:
            return Comparison(False, f"predicted result has fewer columns ({n_pred}) than gold ({n_gold})", notes=notes)
    elif n_gold != n_pred:
        return Comparison(False, f"column count differs: gold {n_gold}, predicted {n_pred}", notes=notes)
    if n_gold == n_pred and gold.rows == pred.rows:
        # identical rows in the same order (Python equality implies equal canonical forms):
        # the usual right answer, decided without canonicalising anything
        return Comparison(True, "equal (ordered)" if is_ordered else "equal", tuple(range(n_gold)), notes)
    (g_rows, g_floats), (p_rows, p_floats) = _canonical_rows(gold), _canonical_rows(pred)
    floats = g_floats or p_floats
    if mode == "set":
        # duplicates of whole rows are the same under any column assignment: drop them
        # once here, then compare as multisets
        g_rows, p_rows = list(dict.fromkeys(g_rows)), list(dict.fromkeys(p_rows))
        is_ordered = False
    if len(g_rows) != len(p_rows):
        return Comparison(False, f"row count differs: gold {len(g_rows)}, predicted {len(p_rows)}", notes=notes)
    if n_gold == 0:
        ok, why = _rows_equal(g_rows, p_rows, ordered=is_ordered, tol=float_tol, mode=mode)
        return Comparison(ok, why, () if ok else None, notes)
    if n_gold == n_pred and (g_rows == p_rows or (not is_ordered and Counter(g_rows) == Counter(p_rows))):
        # the common case of a right answer in the gold's column order: no search needed
        return Comparison(True, "equal (ordered)" if is_ordered else "equal", tuple(range(n_gold)), notes)
    last_reason = "no predicted column holds the values of some gold column"
    for tried, assignment in enumerate(_assignments(g_rows, p_rows, n_gold, n_pred, float_tol, floats)):
        if tried >= MAX_PERMUTATIONS:
            return Comparison(False, f"gave up after {MAX_PERMUTATIONS} column assignments", notes=notes)
        projected = [tuple(row[k] for k in assignment) for row in p_rows]
        ok, why = _rows_equal(g_rows, projected, ordered=is_ordered, tol=float_tol, mode=mode)
        if ok:
            if assignment != tuple(range(n_gold)):
                why += f" (columns matched as {list(assignment)})"
            return Comparison(True, why, assignment, notes)
        last_reason = why
    return Comparison(False, last_reason, None, notes)


def compare_results(
    gold: Result, pred: Result, *, ordered: bool | None = None, float_tol: float = 1e-6, mode: Mode = "multiset"
) -> Comparison:
    """Execution-accuracy comparison of a predicted result against the gold result.

    ``ordered``: ``None`` follows ``gold.ordered``; ``True``/``False`` force it.
    ``float_tol``: relative or absolute tolerance for non-integral numbers.
    ``mode``: ``"multiset"`` (default; duplicates count) or ``"set"`` (BIRD's rule).
    See the module docstring for the full rules.
    """
    return _compare(gold, pred, ordered=ordered, float_tol=float_tol, mode=mode, subset=False)


def compare_subset(
    gold: Result, pred: Result, *, ordered: bool | None = None, float_tol: float = 1e-6, mode: Mode = "multiset"
) -> Comparison:
    """sql-eval's lenient rule: correct when the gold columns are found among the
    predicted columns (extra predicted columns are ignored), rows compared as in
    :func:`compare_results`.

    defog's sql-eval (``eval/eval.py``, ``subset_df``) counts a prediction that selects
    extra columns as correct. This is **not** execution accuracy and is never part of
    EX; it is reported separately, labelled as sql-eval's subset rule.
    """
    return _compare(gold, pred, ordered=ordered, float_tol=float_tol, mode=mode, subset=True)


def compare_any(golds: Sequence[Result], pred: Result, **options: Any) -> Comparison:
    """EX against a gold with alternatives (sql-eval's ``{a, b}`` notation): the
    prediction is correct when it equals any of the gold variants."""
    best: Comparison | None = None
    for gold in golds:
        verdict = compare_results(gold, pred, **options)
        if verdict.match:
            return verdict
        if best is None:
            best = verdict
    return best if best is not None else Comparison(False, "no gold result")


__all__ = ["Comparison", "canonical", "compare_results", "compare_subset", "compare_any", "MAX_PERMUTATIONS"]
