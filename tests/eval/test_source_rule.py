"""sql-eval's own comparison rule (EX_source) beside momq's EX: order only when the
question's category is order_by or the question asks for an order; extra columns and
duplicate rows tolerated (defog sql-eval ``eval/eval.py``)."""

from momq.data.records import Example
from momq.engines.base import Result
from momq.eval.runner import sql_eval_correct, sql_eval_orders


def _ex(question: str, category: str = "group_by") -> Example:
    return Example(
        id="q",
        dialect="postgres",
        database="geography",
        question=question,
        query="SELECT 1",
        category=category,
        source="sql-eval/questions_gen_postgres.csv",
    )


GOLD = Result(["state", "n"], [("ca", 3), ("tx", 2), ("ny", 1)], ordered=True)
UNORDERED = Result(["state", "n"], [("ny", 1), ("ca", 3), ("tx", 2)])


def test_order_only_when_the_question_or_category_asks():
    assert not sql_eval_orders(_ex("How many lakes are there in each state?"))
    assert sql_eval_orders(_ex("List the states; sort them by lake count"))
    assert sql_eval_orders(_ex("Which state has most lakes?", category="order_by"))
    assert not sql_eval_orders(_ex("List the states sorted by lake count"))  # sql-eval matches whole words


def test_unordered_answer_is_correct_when_the_question_does_not_ask_for_order():
    assert sql_eval_correct([GOLD], UNORDERED, _ex("How many lakes are there in each state?"), float_tol=1e-6)
    assert not sql_eval_correct([GOLD], UNORDERED, _ex("Order the states by lakes"), float_tol=1e-6)


def test_extra_columns_and_duplicate_rows_are_tolerated():
    wider = Result(["state", "n", "area"], [("tx", 2, 7), ("ca", 3, 9), ("ny", 1, 4), ("ny", 1, 4)])
    assert sql_eval_correct([GOLD], wider, _ex("How many lakes are there in each state?"), float_tol=1e-6)
    wrong = Result(["state", "n"], [("ca", 3), ("tx", 2)])
    assert not sql_eval_correct([GOLD], wrong, _ex("How many lakes are there in each state?"), float_tol=1e-6)
