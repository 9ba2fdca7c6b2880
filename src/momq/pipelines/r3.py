"""R3-NL2GQL: ranker, rewriter, refiner (Zhou et al., 2023), for all four dialects.

- **Ranker** (:mod:`momq.pipelines.ranker`): selects the CRUD keywords and clauses of
  the dialect's skeleton and the schema elements (tables / node types / edge types) the
  question needs, with a (fine-tuned) model or the heuristic fallback.
- **Rewriter** (:class:`Rewriter`): aligns the question's mentions with stored values
  (:mod:`momq.align`: exact match, momq's normalised edit-distance score beside R3's
  Eq. 3 score, and embedding similarity) and rewrites the question with a few-shot
  prompt to name the sub-schema's elements and the exact values; by default with the
  generation model, or with a rewriter model of its own.
- **Refiner**: the generation model writes the final query from the keyword skeleton,
  the sub-schema in R3's code-structured form, the aligned values and the rewritten
  question; the execution-guided repair loop follows.

MTGQL's **RSE** baseline (related-schema extraction, then generation) is
``R3Pipeline.rse(model)``: the ranker's sub-schema only, no skeleton and no rewriting.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Sequence

from momq.llm.base import GenerationConfig, LanguageModel
from momq.pipelines.context import Target
from momq.pipelines.direct import schema_text
from momq.pipelines.frame import Draft, Pipeline
from momq.pipelines.ranker import Ranker, Ranking, lexical_ranking, parse_ranking

__all__ = ["R3Pipeline", "Ranker", "Ranking", "Rewriter", "lexical_ranking", "parse_ranking", "usable_rewrite"]

_QUERY_START = re.compile(
    r"^\s*(?:SELECT|WITH|MATCH|OPTIONAL|GO|FETCH|LOOKUP|FIND|GET|UNWIND|RETURN|SHOW)\b"
    r"[^?？]*(?:\(|\$|\bFROM\b|\bOVER\b|\bRETURN\b|\bYIELD\b)",
    re.I,
)
_LEAD_IN = re.compile(r"^(?:rewritten(?: question)?|question|改写后的问题|改写)\s*[:：]\s*", re.I)


def usable_rewrite(answer: str, question: str) -> str:
    """The rewritten question in a model's answer, or "" when the answer is not one: the
    first non-empty line without a lead-in or quotes; an answer that holds code, a
    query, or runs far longer than the question is refused."""
    if "```" in answer:
        return ""
    line = next((x.strip() for x in answer.splitlines() if x.strip()), "")
    line = _LEAD_IN.sub("", line).strip().strip("`\"'“”").strip()
    if not line or len(line) > 4 * len(question) + 200 or _QUERY_START.match(line):
        return ""
    return line


@dataclass
class Rewriter:
    """R3's rewriter: value alignment, then a model rewrite of the question.

    ``model`` is the rewriter's model; None means the pipeline's generation model, so
    the question is rewritten by default (``rewrite=False`` keeps it as asked).
    ``align_method`` is the value index's lookup: ``both`` (default: exact, edit-distance
    and embedding similarity; without the embedding model, edit distance only),
    ``levenshtein`` or ``embedding``."""

    model: LanguageModel | None = None
    language: str = "en"
    max_values: int = 8
    align_method: str = "both"
    rewrite_question: bool = True
    config: GenerationConfig = field(default_factory=lambda: GenerationConfig(max_new_tokens=96))
    notes: list[str] = field(default_factory=list)

    def align(self, question: str, ranking: Ranking, target: Target) -> list[Any]:
        index = target.values()
        if index is None:
            return []
        text = question + (" " + " ; ".join(f'"{v}"' for v in ranking.values) if ranking.values else "")
        if self.align_method != "levenshtein":
            from momq.llm.embeddings import EmbeddingUnavailable

            try:
                return index.lookup(text, k=self.max_values, method=self.align_method)
            except (EmbeddingUnavailable, ImportError) as exc:
                note = f"embedding alignment unavailable, edit distance only: {str(exc)[:120]}"
                if note not in self.notes:
                    self.notes.append(note)
        return index.lookup(text, k=self.max_values, method="levenshtein")

    def rewrite(
        self, question: str, values: Sequence[Any], sub_schema_text: str, model: LanguageModel | None = None
    ) -> str:
        """The question rewritten to name the sub-schema's elements and the stored
        values (few-shot prompt); the question as asked when no model is at hand or its
        answer is not a question (:func:`usable_rewrite`)."""
        model = self.model or model
        if model is None or not self.rewrite_question:
            return question
        from momq.prompts.builder import rewriter_prompt

        answer = model.complete(rewriter_prompt(question, sub_schema_text, values, self.language), self.config)
        return usable_rewrite(answer, question) or question


@dataclass
class R3Pipeline(Pipeline):
    """Ranker, rewriter and refiner build the prompt; the frame
    (:class:`~momq.pipelines.frame.Pipeline`) does the rest."""

    model: LanguageModel
    ranker: Ranker = field(default_factory=Ranker)
    rewriter: Rewriter | None = field(default_factory=Rewriter)
    use_skeleton: bool = True
    schema_format: str = "code"
    language: str = "en"
    max_repairs: int = 2
    config: GenerationConfig = field(default_factory=lambda: GenerationConfig(max_new_tokens=256))
    name: str = "r3"

    @classmethod
    def rse(cls, model: LanguageModel, **options: Any) -> "R3Pipeline":
        """MTGQL's RSE baseline: related-schema extraction, then generation."""
        options.setdefault("language", "en")
        return cls(
            model,
            ranker=options.pop("ranker", Ranker()),
            rewriter=None,
            use_skeleton=False,
            schema_format=options.pop("schema_format", None),
            name="rse",
            **options,
        )

    def draft(
        self, question: str, target: Target, *, session: Any = None, history: str = "", example_id: str | None = None
    ) -> Draft:
        """Rank, align and rewrite, then the refiner's prompt; ``history`` is the dialogue
        so far (MTGQL's baselines see it when answering a dialogue turn)."""
        from momq.prompts.builder import generation_prompt, render_skeleton

        ranking = self.ranker.rank(question, target)
        sub = target.schema.subschema(ranking.elements, keep_neighbours=True)
        if not sub.element_names():
            sub = target.schema
        sub_text = schema_text(sub, self.schema_format)
        values: list[Any] = []
        rewritten = question
        if self.rewriter is not None:
            values = self.rewriter.align(question, ranking, target)
            rewritten = self.rewriter.rewrite(question, values, sub_text, self.model)
        skeleton = render_skeleton(target.dialect, ranking.keywords) if self.use_skeleton else ""
        prompt = generation_prompt(
            question,
            target.dialect,
            sub_text,
            language=self.language,
            values=values,
            skeleton=skeleton,
            rewritten=rewritten,
            history=history,
            syntax=target.dialect_obj.schema_examples(sub),
        )
        steps = {
            "ranking": ranking.to_dict(),
            "sub_schema": sub.element_names(),
            "values": [v.to_dict() for v in values],
            "rewritten": rewritten,
        }
        notes = list(self.rewriter.notes) if self.rewriter is not None else []
        return Draft(prompt, steps, notes=notes, stage="refine")
