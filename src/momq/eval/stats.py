"""Paired comparison of two systems on the same examples: the exact McNemar test.

Two predictions files scored on the same questions give, per question, a pair of
verdicts (right / wrong). Only the discordant questions carry information: ``b`` those
the first system gets right and the second wrong, ``c`` the reverse. Under the null
hypothesis that both systems are equally accurate, each discordant question is a fair
coin, so ``b ~ Binomial(b + c, 1/2)``; the exact two-sided p-value is

    p = min(1, 2 * P[X <= min(b, c)]),  X ~ Binomial(b + c, 1/2)

(McNemar 1947; the exact form recommended for the small counts of a 100-question
subsample, where the chi-squared approximation is poor). With no discordant questions
p = 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import comb
from typing import Any, Callable, Iterable, Mapping, Sequence

from momq.eval.metrics import MISSING, Outcome

#: the per-question verdicts that can be compared, read off an eval outcome the way the
#: metrics read them (:class:`momq.eval.metrics.Outcome`)
METRICS: dict[str, Callable[[Outcome], bool]] = {
    "ex": lambda o: bool(o.ex),
    "ex_source": lambda o: bool(o.correct_by_source),
    "exec": lambda o: o.executed,
}


def mcnemar_exact(b: int, c: int) -> float:
    """Exact two-sided McNemar p-value for ``b`` and ``c`` discordant pairs."""
    if b < 0 or c < 0:
        raise ValueError("discordant counts cannot be negative")
    n = b + c
    if n == 0:
        return 1.0
    tail = sum(comb(n, i) for i in range(min(b, c) + 1)) / 2**n
    return min(1.0, 2 * tail)


@dataclass(frozen=True)
class Paired:
    """The 2 x 2 table of two systems on ``n`` shared questions."""

    n: int
    both: int  # right in both
    only_a: int  # right in A, wrong in B (McNemar's b)
    only_b: int  # wrong in A, right in B (McNemar's c)
    neither: int

    @property
    def acc_a(self) -> float:
        return 100.0 * (self.both + self.only_a) / self.n if self.n else 0.0

    @property
    def acc_b(self) -> float:
        return 100.0 * (self.both + self.only_b) / self.n if self.n else 0.0

    @property
    def p_value(self) -> float:
        return mcnemar_exact(self.only_a, self.only_b)


def paired(a: Mapping[str, bool], b: Mapping[str, bool]) -> Paired:
    """The table over the questions both ``a`` and ``b`` (id -> right) scored."""
    shared = [k for k in a if k in b]
    counts = {(True, True): 0, (True, False): 0, (False, True): 0, (False, False): 0}
    for key in shared:
        counts[(bool(a[key]), bool(b[key]))] += 1
    return Paired(len(shared), counts[True, True], counts[True, False], counts[False, True], counts[False, False])


def verdicts(outcomes: Iterable[Mapping[str, Any]], metric: str = "ex", by: str | None = None) -> dict[str, dict]:
    """``{group: {id: right}}`` from eval outcome records (``outcomes.jsonl``), grouped
    by the record field ``by`` (e.g. ``dialect``) plus ``all``. Examples whose gold
    failed are left out, as the metrics leave them out, and so are those without a
    prediction (``status`` ``missing``, from ``momq eval --allow-missing``): a run still
    in progress is compared on the questions it has answered."""
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; one of {', '.join(METRICS)}")
    judge = METRICS[metric]
    groups: dict[str, dict] = {"all": {}}
    for record in outcomes:
        outcome = Outcome.from_dict(dict(record))
        if outcome.gold_error or outcome.status == MISSING:
            continue
        right = judge(outcome)
        groups["all"][outcome.id] = right
        if by:
            groups.setdefault(str(record.get(by, "")), {})[outcome.id] = right
    return groups


def compare_runs(
    a: Sequence[Mapping[str, Any]], b: Sequence[Mapping[str, Any]], metric: str = "ex", by: str | None = "dialect"
) -> dict[str, Paired]:
    """Per group (and ``all``): the paired table of run ``a`` against run ``b``."""
    va, vb = verdicts(a, metric, by), verdicts(b, metric, by)
    return {group: paired(va[group], vb.get(group, {})) for group in va}
