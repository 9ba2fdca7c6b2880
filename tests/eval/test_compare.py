"""Hand-computed expectations for the EX comparison (momq.eval.compare)."""

from decimal import Decimal

import pytest

from momq.engines.base import Result
from momq.eval.compare import compare_any, compare_results, compare_subset
from momq.values import Node, Path, Relationship


def R(columns, rows, ordered=False, truncated=False):
    return Result(columns=list(columns), rows=[tuple(r) for r in rows], ordered=ordered, truncated=truncated)


# duplicates ---------------------------------------------------------------------------


def test_duplicates_count_in_multiset_mode():
    gold = R(["a"], [(1,), (1,), (2,)])
    assert compare_results(gold, R(["a"], [(1,), (2,), (1,)]))
    assert not compare_results(gold, R(["a"], [(1,), (2,)]))
    assert not compare_results(gold, R(["a"], [(1,), (2,), (2,)]))


def test_set_mode_ignores_duplicates_but_is_not_default():
    gold = R(["a"], [(1,), (1,), (2,)])
    pred = R(["a"], [(2,), (1,)])
    assert not compare_results(gold, pred)
    assert compare_results(gold, pred, mode="set")
    assert not compare_results(gold, R(["a"], [(1,), (3,)]), mode="set")


def test_bad_mode_rejected():
    with pytest.raises(ValueError):
        compare_results(R(["a"], []), R(["a"], []), mode="bag")


# ordering -----------------------------------------------------------------------------


def test_order_ignored_unless_gold_orders():
    rows = [(1, "x"), (2, "y")]
    assert compare_results(R(["a", "b"], rows), R(["a", "b"], rows[::-1]))
    verdict = compare_results(R(["a", "b"], rows, ordered=True), R(["a", "b"], rows[::-1]))
    assert not verdict and "row 0" in verdict.reason


def test_ordered_override():
    rows = [(1,), (2,)]
    assert not compare_results(R(["a"], rows), R(["a"], rows[::-1]), ordered=True)
    assert compare_results(R(["a"], rows, ordered=True), R(["a"], rows[::-1]), ordered=False)


# column permutation -----------------------------------------------------------------


def test_column_permutation_and_names_ignored():
    gold = R(["name", "age"], [("ann", 30), ("bob", 40)])
    pred = R(["years", "who"], [(40, "bob"), (30, "ann")])
    verdict = compare_results(gold, pred)
    assert verdict and verdict.column_map == (1, 0)


def test_permutation_must_keep_rows_together():
    # same column multisets but pairing differs row-wise
    gold = R(["a", "b"], [(1, 10), (2, 20)])
    pred = R(["a", "b"], [(1, 20), (2, 10)])
    assert not compare_results(gold, pred)


def test_identical_columns_permutation():
    gold = R(["a", "b", "c"], [(1, 1, 2), (3, 3, 4)])
    pred = R(["x", "y", "z"], [(2, 1, 1), (4, 3, 3)])
    assert compare_results(gold, pred)


def test_ambiguous_columns_need_search():
    # columns a and b have equal multisets; only the swap matches row-wise
    gold = R(["a", "b", "c"], [(1, 2, "p"), (2, 1, "q")])
    pred = R(["a", "b", "c"], [(2, 1, "p"), (1, 2, "q")])
    verdict = compare_results(gold, pred)
    assert verdict and verdict.column_map == (1, 0, 2)


def test_column_count_differs():
    verdict = compare_results(R(["a"], [(1,)]), R(["a", "b"], [(1, 2)]))
    assert not verdict and "column count" in verdict.reason


def test_empty_results():
    assert compare_results(R(["a"], []), R(["b"], []))
    assert not compare_results(R(["a"], []), R(["b"], [(1,)]))


def test_wide_result_is_fast_enough_to_finish():
    n = 12
    gold = R([f"c{i}" for i in range(n)], [tuple(range(i, i + n)) for i in range(50)])
    perm = list(reversed(range(n)))
    pred = R([f"d{i}" for i in range(n)], [tuple(row[k] for k in perm) for row in gold.rows])
    assert compare_results(gold, pred).column_map == tuple(perm)


# NULLs --------------------------------------------------------------------------------


def test_null_equals_null():
    assert compare_results(R(["a", "b"], [(None, 3), (1, None)]), R(["b", "a"], [(None, 1), (3, None)]))
    assert not compare_results(R(["a"], [(None,)]), R(["a"], [(0,)]))
    assert not compare_results(R(["a"], [(None,)]), R(["a"], [("",)]))


# numbers ------------------------------------------------------------------------------


def test_int_float_decimal_equal_when_numerically_equal():
    gold = R(["a", "b"], [(Decimal("3.00"), Decimal("0.1")), (2, 2.5)])
    pred = R(["a", "b"], [(3, 0.1), (2.0, Decimal("2.5"))])
    assert compare_results(gold, pred)


def test_float_tolerance_relative_and_absolute():
    assert compare_results(R(["a"], [(1 / 3,)]), R(["a"], [(0.3333333334,)]))
    assert compare_results(R(["a"], [(1e9 + 0.5,)]), R(["a"], [(1e9 + 1.2,)]))  # relative
    assert compare_results(R(["a"], [(0.0,)]), R(["a"], [(4e-7,)]))  # absolute near 0
    assert not compare_results(R(["a"], [(0.3333,)]), R(["a"], [(0.3334,)]))
    assert compare_results(R(["a"], [(0.3333,)]), R(["a"], [(0.3334,)]), float_tol=1e-3)


def test_float_tolerance_with_duplicates_and_permutation():
    gold = R(["s", "x"], [("a", 0.1 + 0.2), ("a", 0.3), ("b", 2.675)])
    pred = R(["x", "s"], [(2.6750000001, "b"), (0.3, "a"), (0.30000000001, "a")])
    assert compare_results(gold, pred)


def test_integers_never_use_relative_tolerance():
    assert not compare_results(R(["a"], [(10_000_000,)]), R(["a"], [(10_000_001,)]))


def test_bool_equals_integer_and_nan_equals_nan():
    assert compare_results(R(["a"], [(True,), (False,)]), R(["a"], [(1,), (0,)]))
    assert compare_results(R(["a"], [(float("nan"),)]), R(["a"], [(float("nan"),)]))


# graph values -------------------------------------------------------------------------


def test_graph_values_compare_by_content():
    tom = Node(("Person",), {"name": "Tom", "born": 1956})
    film = Node(("Movie",), {"title": "Big", "released": 1988})
    acted = Relationship("ACTED_IN", tom.key(), film.key(), {"roles": ["Josh"]})
    path = Path((tom, film), (acted,))
    gold = R(["p", "m", "r", "path"], [(tom, film, acted, path)])
    tom2 = Node(("Person",), {"born": 1956.0, "name": "Tom"})  # other key order, float year
    film2 = Node(("Movie",), {"released": 1988, "title": "Big"})
    acted2 = Relationship("ACTED_IN", tom2.key(), film2.key(), {"roles": ["Josh"]})
    pred = R(["path", "r", "m", "p"], [(Path((tom2, film2), (acted2,)), acted2, film2, tom2)])
    assert compare_results(gold, pred)


def test_graph_values_differ_by_label_property_or_direction():
    a = Node(("Person",), {"name": "A"})
    b = Node(("Person",), {"name": "B"})
    assert not compare_results(R(["n"], [(a,)]), R(["n"], [(Node(("Actor",), {"name": "A"}),)]))
    assert not compare_results(R(["n"], [(a,)]), R(["n"], [(Node(("Person",), {"name": "A", "x": 1}),)]))
    knows = Relationship("KNOWS", a.key(), b.key())
    back = Relationship("KNOWS", b.key(), a.key())
    assert not compare_results(R(["r"], [(knows,)]), R(["r"], [(back,)]))


def test_lists_and_maps():
    assert compare_results(R(["l"], [([1, 2.0],)]), R(["l"], [([1.0, 2],)]))
    assert not compare_results(R(["l"], [([1, 2],)]), R(["l"], [([2, 1],)]))
    assert compare_results(R(["m"], [({"a": 1, "b": "x"},)]), R(["m"], [({"b": "x", "a": 1},)]))


# subset rule and alternatives ---------------------------------------------------------


def test_subset_is_separate_from_ex():
    gold = R(["id"], [(1,), (2,)])
    pred = R(["name", "id"], [("a", 1), ("b", 2)])
    assert not compare_results(gold, pred)
    assert compare_subset(gold, pred)
    assert not compare_subset(gold, R(["name"], [("a",), ("b",)]))
    assert not compare_subset(R(["a", "b"], [(1, 2)]), R(["a"], [(1,)]))


def test_compare_any_alternatives():
    golds = [R(["id"], [(1,)]), R(["name"], [("a",)])]
    assert compare_any(golds, R(["n"], [("a",)]))
    assert not compare_any(golds, R(["n"], [("b",)]))


def test_truncation_is_noted():
    verdict = compare_results(R(["a"], [(1,)], truncated=True), R(["a"], [(1,)]))
    assert verdict and verdict.notes


def test_ordered_ties_may_swap():
    # ORDER BY lake_count DESC: ('New York', 1) and ('Ohio', 1) tie
    gold = R(["state", "n"], [(None, 5), ("Michigan", 3), ("New York", 1), ("Ohio", 1)], ordered=True)
    swapped = R(["state", "n"], [(None, 5), ("Michigan", 3), ("Ohio", 1), ("New York", 1)])
    assert compare_results(gold, swapped)
    wrong = R(["state", "n"], [("Michigan", 3), (None, 5), ("Ohio", 1), ("New York", 1)])
    assert not compare_results(gold, wrong)


def test_ordered_without_returned_sort_key_is_strict():
    # neither column is sorted along the gold: the order comes from a hidden key
    gold = R(["a", "b"], [(2, "x"), (1, "z"), (3, "y")], ordered=True)
    assert not compare_results(gold, R(["a", "b"], [(1, "z"), (2, "x"), (3, "y")]))
    assert compare_results(gold, R(["b", "a"], [("x", 2), ("z", 1), ("y", 3)]))


def test_ordered_nulls_last_and_float_ties():
    gold = R(["name", "rating"], [("a", 4.7), ("b", 4.599999904632568), ("c", 4.6), ("d", None)], ordered=True)
    pred = R(["name", "rating"], [("a", 4.7), ("c", 4.6), ("b", 4.6), ("d", None)])
    assert compare_results(gold, pred)


def test_temporal_values_equal_their_iso_text():
    from datetime import date, datetime, timezone

    gold = R(["m", "v"], [(datetime(2023, 1, 1, tzinfo=timezone.utc), 1), (date(2023, 2, 1), 2)])
    pred = R(["m", "v"], [("2023-01-01 00:00:00", 1), ("2023-02-01", 2)])
    assert compare_results(gold, pred)
    assert compare_results(R(["t"], [(datetime(2023, 1, 1, 12, 30),)]), R(["t"], [("2023-01-01T12:30:00",)]))
    assert not compare_results(R(["t"], [(date(2023, 1, 1),)]), R(["t"], [("2023-01-02",)]))
