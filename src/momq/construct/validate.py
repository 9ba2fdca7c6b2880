"""The validator and optimiser of a generated turn.

Syntax and execution: the query runs on the real read-only engine (twice, and the two
results must agree, so its answer is well defined); it must return rows, stay under the
row cap, hold something besides NULL and 0 (an aggregate over nothing) and, after the
first turn, neither repeat an earlier turn's query nor the previous turn's answer (an expansion
that changes nothing is not a new turn).

Agreement with the plan (``plan_check``, on by default): the turn's plan fixes what it asks
(a :class:`~momq.construct.spec.QuerySpec`), so the plan's own query, rendered by the
template renderer, gives the intended answer; a generated query must return it (its
columns among the generated query's, rows in any order, :func:`compare_subset`). A model
that reverses an edge's direction, drops a condition or adds a filter is caught here,
which the similarity of two questions cannot see ("Who follows X?" and "Whom does X
follow?" embed almost alike). For the template generator the plan's query is the query,
so the check costs nothing there.

Semantics (when a reverse generator is given): the query is turned back into a question
(R3's query-to-question generation, :class:`momq.construct.r3data.Gql2Nl`) and compared
with the complete question by all-MiniLM-L6-v2 cosine similarity
(``momq.llm.embeddings``); below ``threshold`` the turn fails.

The optimiser (:func:`optimise`) tries a planned turn up to :data:`MAX_ROUNDS` times,
planning, asking and generating again after each failure, and reports every failed
round with its reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from momq.construct.context import DialogueContext
from momq.construct.patterns import Plan
from momq.engines.base import Result
from momq.errors import QueryError
from momq.eval.compare import compare_results, compare_subset

MAX_ROUNDS = 3
DEFAULT_THRESHOLD = 0.5

#: texts -> L2-normalised vectors (numpy array)
Embed = Callable[[Sequence[str]], Any]


@dataclass
class Verdict:
    ok: bool
    reason: str = ""
    result: Result | None = None
    reverse_question: str | None = None
    similarity: float | None = None


class Validator:
    """Checks one turn (see the module docstring). ``reverse(query) -> question`` enables
    the semantic check; ``embed`` defaults to momq's MiniLM embeddings."""

    def __init__(
        self,
        *,
        reverse: Callable[[str], str] | None = None,
        threshold: float = DEFAULT_THRESHOLD,
        embed: Embed | None = None,
        timeout_s: float = 30.0,
        repeat: bool = True,
        plan_check: bool = True,
    ):
        self.reverse = reverse
        self.plan_check = plan_check
        self.threshold = threshold
        self._embed = embed
        self.timeout_s = timeout_s
        self.repeat = repeat

    def embed(self, texts: Sequence[str]) -> Any:
        if self._embed is None:
            from momq.llm.embeddings import embed

            self._embed = embed
        return self._embed(texts)

    def check(self, ctx: DialogueContext, query: str, complete_question: str, plan: Plan | None = None) -> Verdict:
        try:
            result = ctx.engine.execute(query, timeout_s=self.timeout_s)
            if self.repeat:
                again = ctx.engine.execute(query, timeout_s=self.timeout_s)
                same = compare_results(result, again)
                if not same:
                    return Verdict(False, f"result differs between two runs: {same.reason}", result)
        except QueryError as exc:
            return Verdict(False, f"execution: {exc.kind}: {exc.message[:200]}")
        if not result.rows:
            return Verdict(False, "returns no rows", result)
        if all(v is None or v == 0 for row in result.rows for v in row):
            return Verdict(False, "empty answer (only NULL or 0)", result)
        if result.truncated:
            return Verdict(False, "result exceeds the row cap", result)
        earlier = next((i for i, t in enumerate(ctx.turns, start=1) if t.query.strip() == query.strip()), None)
        if earlier is not None:
            return Verdict(False, f"repeats turn {earlier}", result)
        last = ctx.last
        if last is not None and compare_results(Result(last.columns, last.rows), result):
            return Verdict(False, "same answer as the previous turn", result)
        if self.plan_check and plan is not None:
            differs = self._differs_from_plan(ctx, plan, query, result)
            if differs:
                return Verdict(False, differs, result)
        if self.reverse is None:
            return Verdict(True, result=result)
        back = self.reverse(query)
        vectors = self.embed([back, complete_question])
        similarity = float(sum(float(a) * float(b) for a, b in zip(vectors[0], vectors[1])))
        if similarity < self.threshold:
            return Verdict(
                False, f"semantic check: similarity {similarity:.2f} below {self.threshold}", result, back, similarity
            )
        return Verdict(True, result=result, reverse_question=back, similarity=similarity)

    def _differs_from_plan(self, ctx: DialogueContext, plan: Plan, query: str, result: Result) -> str:
        """Why ``result`` is not the planned turn's answer ("" when it is)."""
        from momq.construct.render import get_renderer

        reference = get_renderer(ctx.view.dialect).render(plan.spec, ctx.view)
        if reference.strip() == query.strip():
            return ""
        try:
            planned = ctx.engine.execute(reference, timeout_s=self.timeout_s)
        except QueryError as exc:  # the plan's own query cannot vouch for anything
            return f"the planned query failed: {exc.kind}: {exc.message[:120]}"
        verdict = compare_subset(planned, result, ordered=False)
        return "" if verdict else f"answer differs from the planned turn's: {verdict.reason}"


@dataclass
class Attempt:
    """One optimisation round of a turn."""

    pattern: str
    question: str
    complete: str
    query: str
    verdict: Verdict

    def to_dict(self) -> dict[str, Any]:
        return {
            "pattern": self.pattern,
            "question": self.question,
            "complete": self.complete,
            "query": self.query,
            "ok": self.verdict.ok,
            "reason": self.verdict.reason,
            "similarity": self.verdict.similarity,
        }


@dataclass
class Optimised:
    plan: Plan | None = None
    question: str = ""
    complete: str = ""
    query: str = ""
    verdict: Verdict | None = None
    failures: list[Attempt] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.verdict is not None and self.verdict.ok


def optimise(
    ctx: DialogueContext,
    make_plan: Callable[[], Plan | None],
    questions: Any,
    queries: Any,
    validator: Validator,
    rounds: int = MAX_ROUNDS,
) -> Optimised:
    """Plan, ask, generate and validate a turn, up to ``rounds`` times (a failed round
    regenerates the question and the query, with fresh values)."""
    out = Optimised()
    for _ in range(rounds):
        plan = make_plan()
        if plan is None:
            break
        question, complete = questions.generate(ctx, plan)
        query = queries.generate(ctx, plan, complete)
        verdict = validator.check(ctx, query, complete, plan) if query.strip() else Verdict(False, "no query")
        if verdict.ok:
            out.plan, out.question, out.complete, out.query, out.verdict = plan, question, complete, query, verdict
            return out
        out.failures.append(Attempt(plan.pattern, question, complete, query, verdict))
    return out


__all__ = ["MAX_ROUNDS", "DEFAULT_THRESHOLD", "Validator", "Verdict", "Attempt", "Optimised", "optimise"]
