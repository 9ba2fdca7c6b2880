"""Metrics over per-example outcomes, each with the definition it follows.

The runner (``momq.eval.runner``) executes gold and predicted queries and records one
:class:`Outcome` per example (per dialogue turn for multi-turn data). The functions
here only aggregate outcomes, so they are cheap, deterministic and unit-tested with
hand-computed expectations.

MoMQ (Lin et al., 2025, "MoMQ: Mixture-of-Experts Enhances Multi-Dialect Query
Generation across Relational and Non-Relational Databases"):

- **EX**, execution accuracy: the share of examples whose predicted query returns the
  same result as the gold query (``momq.eval.compare.compare_results``: multiset of rows,
  order only when the gold orders, columns as a permutation, float tolerance).
- **EXEC**: the share of predicted queries that execute without error. Timeouts are
  failures here and are also counted apart (``timeout``), never mixed with errors.

MTGQL (multi-turn NL2GQL):

- **EM**: the predicted query equals the gold after normalising both to the dialect's
  logical form (``momq.dialects.get_dialect(d).normalize``); over every scored turn, a
  missing prediction counting as not matching (as EX counts it).
- **AEM** / **AEX**: the share of dialogues whose *every* turn is EM / EX correct. AEX is
  also reported under the Spider test-suite's name ``joint_all``. A dialogue with a turn
  that cannot be scored (its gold failed at evaluation time) is not scorable: it is left
  out of AEM and AEX (counted under ``unscorable_dialogues``) rather than judged on the
  remaining turns.
- per-round (``R1``..``R4``, ``R5+``) and per-expansion-pattern breakdowns of EM and EX.

R3-NL2GQL (Zhou et al., 2023):

- **SA**, syntax accuracy: the share of predictions that parse and run on the engine.
- **CA**, comprehension accuracy: mean cosine similarity between embeddings of the
  predicted and the gold query. The paper embeds with OpenAI ada-002, which is not
  reachable here; momq uses the local all-MiniLM-L6-v2 (``momq.eval.similarity``), so
  absolute values differ from the paper's.
- **EA**, execution accuracy as result similarity (Algorithm 1): ``alpha*Jaccard +
  beta*BM25 + (1-alpha-beta)*BERTScore`` between the predicted and gold results rendered
  as text, with Jaccard = token overlap / gold token count
  (``momq.eval.similarity``); computed for every executed prediction (an equal result is
  not set to 1 by decree), failed and missing predictions score 0. **IEA** is the same
  mean over syntactically correct predictions only.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any, Callable, Iterable, Sequence

#: prediction statuses
OK, ERROR, TIMEOUT, MISSING = "ok", "error", "timeout", "missing"


@dataclass
class Outcome:
    """What happened to one example (or one dialogue turn)."""

    id: str
    dialect: str
    database: str
    category: str = ""
    language: str = "en"
    #: ``ok`` / ``error`` / ``timeout`` / ``missing`` (no prediction given)
    status: str = OK
    error_kind: str = ""
    error: str = ""
    ex: bool = False
    #: sql-eval's lenient subset rule (never part of EX)
    subset: bool = False
    #: correct by the source benchmark's own comparison rule where it differs from
    #: momq's (sql-eval: see :func:`momq.eval.runner.sql_eval_correct`); None = the
    #: source uses momq's rule, so it equals ``ex``
    ex_source: bool | None = None
    em: bool | None = None
    ca: float | None = None
    ea: float | None = None
    reason: str = ""
    #: the gold query itself failed at evaluation time: the example is not scored
    gold_error: str = ""
    dialogue: str | None = None
    turn: int | None = None
    pattern: str = ""
    gold_elapsed_s: float = 0.0
    pred_elapsed_s: float = 0.0

    @property
    def executed(self) -> bool:
        return self.status == OK

    @property
    def correct_by_source(self) -> bool:
        """Right by the source benchmark's own rule (``ex`` where it has none)."""
        return self.ex if self.ex_source is None else self.ex_source

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Outcome":
        names = cls.__dataclass_fields__
        return cls(**{k: v for k, v in data.items() if k in names})


def _share(values: Iterable[bool]) -> float | None:
    values = list(values)
    return sum(1 for v in values if v) / len(values) if values else None


def _mean(values: Iterable[float | None]) -> float | None:
    kept = [v for v in values if v is not None]
    return sum(kept) / len(kept) if kept else None


# ------------------------------------------------------------------- MoMQ
def execution_accuracy(outcomes: Sequence[Outcome]) -> float | None:
    """EX (MoMQ; Spider test-suite): share of examples whose prediction's result
    equals the gold result. Missing predictions and failures count as wrong."""
    return _share(o.ex for o in outcomes)


def executability(outcomes: Sequence[Outcome]) -> float | None:
    """EXEC (MoMQ): share of predictions that executed without error or timeout."""
    return _share(o.executed for o in outcomes)


def timeout_rate(outcomes: Sequence[Outcome]) -> float | None:
    """Share of predictions stopped by the per-query time limit (apart from errors)."""
    return _share(o.status == TIMEOUT for o in outcomes)


def error_rate(outcomes: Sequence[Outcome]) -> float | None:
    """Share of predictions that failed with an error (timeouts excluded)."""
    return _share(o.status == ERROR for o in outcomes)


def source_rule_accuracy(outcomes: Sequence[Outcome]) -> float | None:
    """EX by each example's source benchmark's own rule (``ex_source``; ``ex`` where the
    source has no rule of its own). For sql-eval questions that is sql-eval's
    "correct": exact or subset match, rows in order only when the question's category
    is ``order_by`` or it says order/sort/arrange. Reported beside EX, never in it."""
    return _share(o.correct_by_source for o in outcomes)


def subset_accuracy(outcomes: Sequence[Outcome]) -> float | None:
    """sql-eval's lenient rule (defog sql-eval): correct when the gold columns are found
    among the predicted ones. Reported apart; not EX."""
    return _share(o.subset for o in outcomes)


# ------------------------------------------------------------------- MTGQL
def exact_match(predicted: str, gold: str, dialect: str) -> bool:
    """EM (MTGQL; Spider's logical-form accuracy in spirit): equal normalised forms
    under the dialect's ``normalize`` (keyword case, whitespace, quoting)."""
    if predicted.strip() == gold.strip():
        return True
    try:
        return _normalised(dialect, predicted) == _normalised(dialect, gold)
    except Exception:  # an unparsable prediction is simply not an exact match
        return False


@lru_cache(maxsize=65536)
def _normalised(dialect: str, query: str) -> str:
    """Cached: gold queries are normalised once per run, however many predictions."""
    from momq.dialects import get_dialect

    return get_dialect(dialect).normalize(query)


def em_accuracy(outcomes: Sequence[Outcome]) -> float | None:
    """EM over every scored outcome once the run computed EM (some outcome carries a
    verdict): a missing prediction, which has none, counts as not matching. Outcomes
    whose gold failed are not scored. ``None`` when no outcome has an EM verdict."""
    scored = [o for o in outcomes if not o.gold_error]
    if not any(o.em is not None for o in scored):
        return None
    return _share(bool(o.em) for o in scored)


def _dialogues(outcomes: Sequence[Outcome]) -> dict[str, list[Outcome]]:
    """Scorable dialogues: those none of whose turns has a failing gold."""
    groups: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        if o.dialogue is not None:
            groups[o.dialogue].append(o)
    return {d: turns for d, turns in groups.items() if not any(t.gold_error for t in turns)}


def unscorable_dialogues(outcomes: Sequence[Outcome]) -> list[str]:
    """Dialogues with at least one turn whose gold failed (left out of AEM / AEX)."""
    return sorted({o.dialogue for o in outcomes if o.dialogue is not None and o.gold_error})


def all_turns_em(outcomes: Sequence[Outcome]) -> float | None:
    """AEM (MTGQL): share of dialogues whose every turn is an exact match."""
    return _share(all(bool(t.em) for t in turns) for turns in _dialogues(outcomes).values())


def all_turns_ex(outcomes: Sequence[Outcome]) -> float | None:
    """AEX (MTGQL), ``joint_all`` in the Spider/CoSQL test-suite evaluation: share of
    dialogues whose every turn is execution-correct."""
    return _share(all(t.ex for t in turns) for turns in _dialogues(outcomes).values())


def round_name(turn: int) -> str:
    """MTGQL's round buckets: R1..R4, then R5+ for every later turn."""
    return f"R{turn}" if turn <= 4 else "R5+"


# ------------------------------------------------------------------- R3
def syntax_accuracy(outcomes: Sequence[Outcome]) -> float | None:
    """SA (R3-NL2GQL): share of predictions that parse and run (no syntax, schema or
    execution error, no timeout)."""
    return _share(o.executed for o in outcomes)


def comprehension_accuracy(outcomes: Sequence[Outcome]) -> float | None:
    """CA (R3-NL2GQL): mean cosine similarity of predicted and gold query embeddings
    (local all-MiniLM-L6-v2 instead of the paper's ada-002). Missing predictions 0."""
    if not any(o.ca is not None for o in outcomes):
        return None
    return _mean(o.ca if o.ca is not None else 0.0 for o in outcomes)


def answer_similarity(outcomes: Sequence[Outcome]) -> float | None:
    """EA (R3-NL2GQL): mean combined result similarity; failed predictions score 0."""
    if not any(o.ea is not None for o in outcomes):
        return None
    return _mean((o.ea or 0.0) if o.executed else 0.0 for o in outcomes)


def intrinsic_answer_similarity(outcomes: Sequence[Outcome]) -> float | None:
    """IEA (R3-NL2GQL): EA over syntactically correct predictions only."""
    return _mean(o.ea for o in outcomes if o.executed and o.ea is not None)


# ------------------------------------------------------------------- summary
def _pct(value: float | None) -> float | None:
    return None if value is None else round(100.0 * value, 2)


def summarize(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    """Every metric (percentages, 2 decimals; similarities as percentages too) with
    counts. Keys absent from the data (EM without dialect normalisers, CA without the
    embedding model) are ``None``. Outcomes whose gold failed are not scored; dialogues
    holding one are not scorable for AEM / AEX."""
    every = outcomes
    outcomes = [o for o in outcomes if not o.gold_error]
    n = len(outcomes)
    summary: dict[str, Any] = {
        "n": n,
        "EX": _pct(execution_accuracy(outcomes)),
        "EX_source": _pct(source_rule_accuracy(outcomes)),
        "EXEC": _pct(executability(outcomes)),
        "SA": _pct(syntax_accuracy(outcomes)),
        "EM": _pct(em_accuracy(outcomes)),
        "CA": _pct(comprehension_accuracy(outcomes)),
        "EA": _pct(answer_similarity(outcomes)),
        "IEA": _pct(intrinsic_answer_similarity(outcomes)),
        "subset_sql_eval": _pct(subset_accuracy(outcomes)),
        "errors": sum(o.status == ERROR for o in outcomes),
        "timeouts": sum(o.status == TIMEOUT for o in outcomes),
        "missing": sum(o.status == MISSING for o in outcomes),
    }
    if any(o.dialogue is not None for o in every):
        summary["dialogues"] = len(_dialogues(every))
        summary["unscorable_dialogues"] = len(unscorable_dialogues(every))
        summary["AEM"] = _pct(all_turns_em(every))
        summary["AEX"] = _pct(all_turns_ex(every))
        summary["joint_all"] = summary["AEX"]
    kinds: dict[str, int] = defaultdict(int)
    for o in outcomes:
        if o.status == ERROR:
            kinds[o.error_kind or "error"] += 1
    summary["error_kinds"] = dict(sorted(kinds.items()))
    return summary


def _core(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    return {
        "n": len(outcomes),
        "EX": _pct(execution_accuracy(outcomes)),
        "EX_source": _pct(source_rule_accuracy(outcomes)),
        "EXEC": _pct(executability(outcomes)),
        "EM": _pct(em_accuracy(outcomes)),
        "timeouts": sum(o.status == TIMEOUT for o in outcomes),
        "errors": sum(o.status == ERROR for o in outcomes),
    }


def breakdown(outcomes: Sequence[Outcome], key: Callable[[Outcome], str]) -> dict[str, Any]:
    """Core metrics (n, EX, EXEC, EM, errors, timeouts) per value of ``key``."""
    groups: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        groups[key(o)].append(o)
    return {name: _core(group) for name, group in sorted(groups.items())}


def report(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    """The full metrics document: overall, per dialect, per database, per category, and
    for dialogues per round and per expansion pattern. Examples whose gold failed at
    evaluation time are left out of every metric and listed under ``gold_failures``."""
    every = list(outcomes)
    failed = [o for o in outcomes if o.gold_error]
    outcomes = [o for o in outcomes if not o.gold_error]
    doc: dict[str, Any] = {
        "gold_failures": [{"id": o.id, "error": o.gold_error} for o in failed],
        "overall": summarize(every),
        "by_dialect": {d: summarize([o for o in every if o.dialect == d]) for d in sorted({o.dialect for o in every})},
        "by_database": breakdown(outcomes, lambda o: f"{o.dialect}/{o.database}"),
        "by_category": breakdown(outcomes, lambda o: f"{o.dialect}/{o.category or '-'}"),
    }
    turns = [o for o in outcomes if o.turn is not None]
    if turns:
        doc["by_round"] = breakdown(turns, lambda o: round_name(o.turn or 1))
        doc["by_pattern"] = breakdown([o for o in turns if o.pattern], lambda o: o.pattern)
    return doc


__all__ = [
    "Outcome",
    "OK",
    "ERROR",
    "TIMEOUT",
    "MISSING",
    "execution_accuracy",
    "executability",
    "timeout_rate",
    "error_rate",
    "source_rule_accuracy",
    "subset_accuracy",
    "exact_match",
    "em_accuracy",
    "all_turns_em",
    "all_turns_ex",
    "unscorable_dialogues",
    "round_name",
    "syntax_accuracy",
    "comprehension_accuracy",
    "answer_similarity",
    "intrinsic_answer_similarity",
    "summarize",
    "breakdown",
    "report",
]
