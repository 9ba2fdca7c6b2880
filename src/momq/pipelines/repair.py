"""Execution-guided repair: run a candidate read-only, classify what happened, and ask
the model to fix deterministic failures with the engine's message in the prompt.

Outcomes (:data:`OUTCOMES`), from the best to the worst candidate:

=================  =====================================================  ==============
outcome            meaning                                                what happens
=================  =====================================================  ==============
``ok``             ran, returned rows                                     done
``misnamed``       ran, returned rows, but names a property, label or     repaired
                   relationship where the schema has none (Cypher: its
                   columns read as null); kept as an answer if no repair
                   does better
``empty_result``   ran, returned no rows (with schema notes where the     repaired
                   query names what the schema lacks, or, in nGQL, starts
                   from an id that is not in the space)
``runtime_error``  parsed and named known schema, failed while running    repaired
``timeout``        ran past the time limit                                repaired
``unknown_schema`` names a table/column/label/property that is not there  repaired
``syntax_error``   the engine (or the dialect's parser) could not parse   repaired
``no_query``       no query in the model's answer, or a query that keeps  repaired
                   an example's placeholder (``<vertex id>``)
``write_refused``  the read-only check refuses the candidate (a write,    repaired
                   or a function or construct not on its allow-list);
                   never sent to the engine
``transient``      the engine was unreachable or failed transiently       retried as is
=================  =====================================================  ==============

Rules: at most ``max_repairs`` repair rounds (default two); a prompt identical to one
already sent is never sent again (greedy decoding would only repeat the answer), so a
model that returns a query it already tried ends the loop; every candidate is checked
with ``dialect.is_read_only`` before it reaches the engine, and the engine itself runs
read-only. When no candidate succeeds, the best one (by the order above) is returned with
the reason.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from momq import errors
from momq.llm.base import GenerationConfig, LanguageModel, Prompt
from momq.pipelines.base import Attempt
from momq.schema.lookup import query_notes, schema_hint

OK = "ok"
OUTCOMES = (
    "ok",
    "misnamed",
    "empty_result",
    "runtime_error",
    "timeout",
    "unknown_schema",
    "syntax_error",
    "no_query",
    "write_refused",
    "transient",
)
_RANK = {name: i for i, name in enumerate(OUTCOMES)}
#: at most this many start vertices of one candidate are checked
MAX_VERTEX_CHECKS = 4
_TRANSIENT_HINTS = (
    "connection reset",
    "connection refused",
    "server has gone away",
    "lost connection",
    "deadlock",
    "serialization failure",
    "could not serialize",
    "too many connections",
    "temporarily unavailable",
    "try again",
    "broken pipe",
    "connection closed",
)


#: the outcome of each engine error class, checked in order; an ``ExecutionError`` whose
#: message names a transient failure is ``transient``, any other error ``runtime_error``
_ERROR_OUTCOMES: tuple[tuple[type[Exception], str], ...] = (
    (errors.EngineUnavailable, "transient"),
    (errors.ReadOnlyViolation, "write_refused"),
    (errors.QueryTimeout, "timeout"),
    (errors.QuerySyntaxError, "syntax_error"),
    (errors.SchemaError, "unknown_schema"),
)


def classify(exc: BaseException) -> str:
    """The outcome class of an engine error (see the module table)."""
    for cls, outcome in _ERROR_OUTCOMES:
        if isinstance(exc, cls):
            return outcome
    if isinstance(exc, errors.ExecutionError) and any(h in str(exc).lower() for h in _TRANSIENT_HINTS):
        return "transient"
    return "runtime_error"


@dataclass
class Execution:
    """Runs candidates for one question: read-only check, engine call, transient retries."""

    dialect: Any  # momq.dialects.Dialect
    engine: Any = None  # momq.engines.base.Engine; None = validate only (dry run)
    timeout_s: float = 30.0
    max_rows: int = 1000
    transient_retries: int = 2
    retry_wait_s: float = 0.5
    sleep: Callable[[float], None] = time.sleep
    #: the target's schema: an unknown column or table is answered with where the name
    #: lives, or the closest names (:func:`momq.schema.lookup.schema_hint`)
    schema: Any = None
    #: the target's value index, called when needed (``Target.values``): a start vertex
    #: that is not an id but a stored value is answered with the value's vertex id
    values: Callable[[], Any] | None = None

    def run(self, query: str) -> tuple[str, str, Any, int]:
        """``(outcome, message, result or None, retries)`` for one candidate."""
        if not query.strip() or not _looks_like_query(self.dialect, query):
            return "no_query", "no query found in the model's answer", None, 0
        left = [p for p in getattr(self.dialect, "example_placeholders", ()) if p in query]
        if left:
            return (
                "no_query",
                f"the query keeps the example placeholder {left[0]}: write the real value instead "
                "(from the database values given, the question or the earlier turns)",
                None,
                0,
            )
        refusal = self.dialect.refusal(query)
        if refusal is not None:
            # an unparseable query is not "read-only" either: tell the two apart, run neither
            check = self.dialect.validate(query)
            if not check.ok:
                return "syntax_error", check.message or "the query does not parse", None, 0
            return "write_refused", f"refused by the read-only check: {refusal}", None, 0
        if self.engine is None:
            check = self.dialect.validate(query)
            return (OK, "validated only (no engine)", None, 0) if check.ok else ("syntax_error", check.message, None, 0)
        retries = 0
        while True:
            try:
                result = self.engine.execute(query, timeout_s=self.timeout_s, max_rows=self.max_rows)
            except (errors.QueryError, errors.EngineUnavailable) as exc:
                outcome = classify(exc)
                message = getattr(exc, "message", None) or str(exc)
                if outcome == "transient" and retries < self.transient_retries:
                    retries += 1
                    self.sleep(self.retry_wait_s * (2 ** (retries - 1)))
                    continue
                if outcome == "unknown_schema" and self.schema is not None:
                    hint = schema_hint(self.schema, message)
                    message = f"{message}\nSchema note: {hint}" if hint else message
                return outcome, message, None, retries
            notes = self._notes(query)
            if not result.rows:
                notes += self._vertex_notes(query)
                return "empty_result", "the query returned no rows" + notes, result, retries
            if notes:
                return (
                    "misnamed",
                    "the query ran, but names what the schema does not have there" + notes,
                    result,
                    retries,
                )
            return OK, "", result, retries

    def _notes(self, query: str) -> str:
        """For a dialect that lists the names a query uses (Cypher):
        the names the schema does not have there, as Neo4j's unknown-name notifications
        say (:func:`momq.schema.lookup.query_notes`), as ``Schema note:`` lines."""
        names = getattr(self.dialect, "references", None)
        if names is None or self.schema is None:
            return ""
        return _as_notes(query_notes(self.schema, names(query)).splitlines())

    def _vertex_notes(self, query: str) -> str:
        """For a dialect whose queries start from vertex ids (nGQL): the ids of ``query``
        that are not in the space (one ``FETCH PROP ON *`` for all of them), each with the
        vertex whose stored value it is, when it is one (``"Jazz"`` -> ``team206``)."""
        starts = getattr(self.dialect, "start_vertices", None)
        if starts is None or self.engine is None:
            return ""
        ids = starts(query)[:MAX_VERTEX_CHECKS]
        if not ids:
            return ""
        listed = ", ".join(json.dumps(v, ensure_ascii=False) for v in ids)
        try:
            found = self.engine.execute(f"FETCH PROP ON * {listed} YIELD id(vertex) AS id", timeout_s=self.timeout_s)
        except (errors.QueryError, errors.EngineUnavailable):
            return ""
        present = {str(row[0]) for row in found.rows}
        index = self.values() if self.values is not None else None
        lines = []
        for vid in (v for v in ids if v not in present):
            owners = [m.where for m in (index.lookup(vid, k=3) if index is not None else []) if m.method == "exact"]
            owners = [w for w in owners if " of vertex " in w]
            tail = f"; it is the stored value {'; '.join(owners)}" if owners else ""
            lines.append(f"{json.dumps(vid, ensure_ascii=False)} is not a vertex id of this space{tail}.")
        return _as_notes(lines)


def _as_notes(lines: list[str]) -> str:
    """``lines`` as the ``Schema note:`` lines a message carries (each on its own line,
    which the repair prompt picks out of an empty or misnamed result's message)."""
    return "".join(f"\nSchema note: {line}" for line in lines)


def _looks_like_query(dialect: Any, query: str) -> bool:
    """Does the text start like a statement of the dialect (not prose)?"""
    starts = getattr(dialect, "_starts_query", None)
    return True if starts is None else bool(starts(query.lstrip("( \n")) or starts(query))


@dataclass
class RepairOutcome:
    best: Attempt
    attempts: list[Attempt]
    result: Any
    reason: str
    answer: str = ""
    prompts_sent: int = 0
    final_prompt: Prompt = field(default_factory=list)


def prompt_key(prompt: Prompt) -> str:
    return hashlib.sha1(json.dumps(prompt, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def better(a: Attempt, b: Attempt | None) -> bool:
    """Is ``a`` a better candidate than ``b`` (ties keep the earlier one)?"""
    return b is None or _RANK.get(a.outcome, 99) < _RANK.get(b.outcome, 99)


def generate_and_repair(
    model: LanguageModel,
    prompt: Prompt,
    execution: Execution,
    *,
    max_repairs: int = 2,
    config: GenerationConfig | None = None,
    language: str = "en",
    repair_empty: bool = True,
    stage: str = "generate",
    first_answer: str | None = None,
    sent: set[str] | None = None,
    answer_prefix: bool = True,
) -> RepairOutcome:
    """Generate a query for ``prompt``, run it, and repair it (see module docstring).

    ``first_answer``: an answer already generated for ``prompt`` (skips the first call).
    ``sent``: keys of prompts already sent for this question (shared across stages so
    that no identical prompt is ever sent twice).
    ``answer_prefix``: open a code fence as the start of the answer for backends that can
    continue one (keeps small chat models from answering with prose or DDL; momq's
    fine-tuning trains on answers that start with the same prefix).
    """
    from momq.prompts.builder import repair_prompt

    config = config or GenerationConfig()
    dialect = execution.dialect
    sent = sent if sent is not None else set()
    attempts: list[Attempt] = []
    best: Attempt | None = None
    best_result = None
    best_answer = ""
    current, answer = prompt, first_answer
    tried: dict[str, Attempt] = {}
    calls = 0
    for round_no in range(max_repairs + 1):
        if answer is None:
            key = prompt_key(current)
            if key in sent:
                break
            sent.add(key)
            if answer_prefix and getattr(model, "supports_prefix", False):  # open the code fence
                # the fence is open: its closing fence ends the query (no prose after it)
                fenced = config.with_(stop=tuple(dict.fromkeys([*config.stop, "```"])))
                answer = model.complete([*current, {"role": "assistant", "content": f"```{dialect.fence}\n"}], fenced)
            else:
                answer = model.complete(current, config)
            calls += 1
        query = dialect.extract(answer)
        if query in tried and query:
            previous = tried[query]
            attempts.append(
                Attempt(
                    round_no,
                    query,
                    previous.outcome,
                    "the model repeated a query it already tried",
                    previous.rows,
                    answer,
                    0,
                    "repair" if round_no else stage,
                )
            )
            outcome, message, result, retries = previous.outcome, previous.message, None, 0
            if round_no:  # a repeat ends the loop: asking again with the same error is pointless
                break
        else:
            outcome, message, result, retries = execution.run(query)
            attempt = Attempt(
                round_no,
                query,
                outcome,
                message,
                len(result.rows) if result is not None else None,
                answer,
                retries,
                "repair" if round_no else stage,
            )
            attempts.append(attempt)
            tried[query] = attempt
            if better(attempt, best):
                best, best_result, best_answer = attempt, result, answer
        if outcome == OK or outcome == "transient":
            break
        if outcome == "empty_result" and not repair_empty:
            break
        if round_no == max_repairs:
            break
        current = repair_prompt(prompt, answer, query, outcome, message, dialect.name, language)
        answer = None
    if best is None:  # every prompt had been sent before
        best = Attempt(0, "", "no_query", "no new prompt to send", None, "", 0, stage)
        attempts.append(best)
    reason = "" if best.outcome == OK else _reason(best, len(attempts))
    return RepairOutcome(best, attempts, best_result, reason, best_answer, calls, current)


def _reason(best: Attempt, tried: int) -> str:
    what = {
        "misnamed": "the best query ran, but names what the schema does not have there",
        "empty_result": "the best query ran but returned no rows",
        "runtime_error": "the best query failed while running",
        "timeout": "the best query ran past the time limit",
        "unknown_schema": "the best query names schema elements that do not exist",
        "syntax_error": "no candidate parsed",
        "no_query": "the model's answers held no query",
        "write_refused": "the model only produced queries that the read-only check refuses; they were not run",
        "transient": "the engine kept failing transiently",
    }.get(best.outcome, best.outcome)
    detail = f": {best.message[:300]}" if best.message and best.outcome not in ("empty_result",) else ""
    return f"{what}{detail} ({tried} candidate{'s' if tried != 1 else ''} tried)"
