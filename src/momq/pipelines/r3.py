"""R3-NL2GQL: ranker, rewriter, refiner (Zhou et al., 2023), for all four dialects.

- **Ranker** (:class:`Ranker`): selects the CRUD keywords and clauses of the dialect's
  skeleton and the schema elements (tables / node types / edge types) the question
  needs. With a model (a small one, fine-tunable with ``momq train``) it asks and parses
  a three-line answer (:func:`parse_ranking`); names that are not in the skeleton or the
  schema are dropped. Without a model, or when the answer holds no usable element, a
  lexical ranker scores each element by the question's words found in its name, its
  columns' names and its sample values (plus MiniLM similarity when ``embedding``).
- **Rewriter** (:class:`Rewriter`): aligns the question's mentions with stored values
  (:mod:`momq.align`) and, with a model, rewrites the question to name the sub-schema's
  elements and the exact values; without a model the aligned values are appended.
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
from momq.pipelines.base import FAILED, Answer, check_question, refused
from momq.pipelines.context import Target
from momq.pipelines.direct import finish, schema_text
from momq.pipelines.repair import Execution, generate_and_repair
from momq.prompts.builder import skeleton_keywords

_WORD = re.compile(r"[A-Za-z0-9]+|[\u4e00-\u9fff]")


@dataclass
class Ranking:
    keywords: list[str]
    elements: list[str]
    values: list[str] = field(default_factory=list)
    method: str = "lexical"

    def to_dict(self) -> dict[str, Any]:
        return {"keywords": self.keywords, "elements": self.elements, "values": self.values, "method": self.method}


def _split_list(text: str) -> list[str]:
    items = [x.strip().strip("`'\"[]()*").strip() for x in re.split(r"[,;，、]", text)]
    return [x for x in items if x and x.lower() not in ("none", "n/a", "-", "无")]


def parse_ranking(text: str, keywords: Sequence[str], elements: Sequence[str]) -> Ranking:
    """Parse a ranker answer ``KEYWORDS: ... / ELEMENTS: ... / VALUES: ...``.

    Lenient about case, bullets, markdown and extra prose; strict about names: keywords
    must be in ``keywords`` and elements in ``elements`` (case-insensitive, returned in
    their canonical spelling, without duplicates).
    """
    fields: dict[str, list[str]] = {"keywords": [], "elements": [], "values": []}
    aliases = {"keywords": "keywords", "keyword": "keywords", "clauses": "keywords", "elements": "elements",
               "element": "elements", "tables": "elements", "schema": "elements", "values": "values",
               "value": "values"}
    for line in text.splitlines():
        match = re.match(r"^\s*[-*#>\s]*\**\s*([A-Za-z]+)\s*\**\s*[:：]\s*(.*)$", line)
        if match and match.group(1).lower() in aliases:
            fields[aliases[match.group(1).lower()]] += _split_list(match.group(2))

    def canon(items: list[str], known: Sequence[str]) -> list[str]:
        lookup = {k.lower(): k for k in known}
        out: list[str] = []
        for item in items:
            name = lookup.get(item.lower()) or lookup.get(item.lower().split(".")[0])
            if name and name not in out:
                out.append(name)
        return out

    return Ranking(canon(fields["keywords"], keywords), canon(fields["elements"], elements),
                   [v for v in dict.fromkeys(fields["values"])], "model")


def _stem(word: str) -> str:
    word = word.lower()
    for suffix in ("ies", "es", "s", "ing", "ed"):
        if len(word) > len(suffix) + 2 and word.endswith(suffix):
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


def _words(text: str) -> set[str]:
    parts = re.sub(r"([a-z])([A-Z])", r"\1 \2", text).replace("_", " ")
    return {_stem(w) for w in _WORD.findall(parts)}


KEYWORD_RULES = [  # (question pattern, keywords) for the lexical ranker
    (r"how many|number of|count|多少|几个", ["COUNT", "count"]),
    (r"average|mean|平均", ["AVG", "avg"]),
    (r"most|least|highest|lowest|top|largest|smallest|best|worst|first|last|oldest|youngest|最", ["ORDER BY", "LIMIT"]),
    (r"each|per|every|by (?:\w+ )?(?:group|category|type)|每", ["GROUP BY"]),
    (r"distinct|different|unique|不同", ["DISTINCT"]),
    (r"\bfollow|friend|connect|path|related|neighbo|关注|路径", ["GO", "MATCH", "FIND PATH"]),
    (r"\bnot\b|without|never|no\b|没有", ["WHERE"]),
]


def lexical_ranking(question: str, schema: Any, dialect: str, top: int = 4, embedding: bool = False) -> Ranking:
    """Rank keywords by rules and elements by word overlap (see module docstring)."""
    q = _words(question)
    scored = []
    groups = [(t.name, t.columns) for t in schema.tables] + [(n.name, n.properties) for n in schema.nodes] + \
        [(e.name, e.properties) for e in schema.edges]
    for position, (name, columns) in enumerate(groups):
        name_words = _words(name)
        score = 3.0 * len(q & name_words)
        for col in columns:
            score += 1.0 * len(q & _words(col.name))
            for sample in col.samples[:5]:
                if isinstance(sample, str) and _words(sample) and _words(sample) <= q:
                    score += 2.0
        scored.append((score, position, name))
    if embedding and groups:
        try:
            from momq.llm.embeddings import embed

            vectors = embed([question] + [f"{n} " + " ".join(c.name for c in cols) for n, cols in groups])
            sims = vectors[1:] @ vectors[0]
            scored = [(s + 2.0 * float(sim), p, n) for (s, p, n), sim in zip(scored, sims)]
        except Exception:  # embedding model missing: lexical only
            pass
    scored.sort(key=lambda x: (-x[0], x[1]))
    elements = [name for score, _, name in scored if score > 0][:top] or [name for _, _, name in scored[:top]]
    known = skeleton_keywords(dialect)
    lowered = question.lower()
    wanted = [known[0]] if known else []
    for pattern, names in KEYWORD_RULES:
        if re.search(pattern, lowered):
            wanted += [k for k in known if k in names or k.upper() in {n.upper() for n in names}]
    if schema.family == "relational":
        wanted += [k for k in ("FROM", "WHERE") if k in known]
        if len(elements) > 1:
            wanted += [k for k in ("JOIN",) if k in known]
    else:
        wanted += [k for k in ("WHERE", "RETURN", "YIELD") if k in known]
    return Ranking(list(dict.fromkeys(wanted)), elements, [], "lexical+embedding" if embedding else "lexical")


@dataclass
class Ranker:
    model: LanguageModel | None = None
    top: int = 4
    embedding: bool = False
    language: str = "en"
    config: GenerationConfig = field(default_factory=lambda: GenerationConfig(max_new_tokens=96))

    def rank(self, question: str, target: Target) -> Ranking:
        fallback = lexical_ranking(question, target.schema, target.dialect, self.top, self.embedding)
        if self.model is None:
            return fallback
        from momq.prompts.builder import ranker_prompt

        answer = self.model.complete(ranker_prompt(question, target.dialect,
                                                   schema_text(target.schema, "text"), self.language), self.config)
        ranking = parse_ranking(answer, skeleton_keywords(target.dialect), target.schema.element_names())
        if not ranking.elements:
            fallback.values = ranking.values
            fallback.method = "lexical (model answer unusable)"
            return fallback
        if not ranking.keywords:
            ranking.keywords = fallback.keywords
        return ranking


@dataclass
class Rewriter:
    model: LanguageModel | None = None
    language: str = "en"
    max_values: int = 8
    config: GenerationConfig = field(default_factory=lambda: GenerationConfig(max_new_tokens=96))

    def align(self, question: str, ranking: Ranking, target: Target) -> list[Any]:
        index = target.values()
        if index is None:
            return []
        text = question + (" " + " ; ".join(f'"{v}"' for v in ranking.values) if ranking.values else "")
        return index.lookup(text, k=self.max_values)

    def rewrite(self, question: str, values: Sequence[Any], sub_schema_text: str) -> str:
        if self.model is not None and values:
            from momq.prompts.builder import rewriter_prompt

            answer = self.model.complete(rewriter_prompt(question, sub_schema_text, values, self.language),
                                         self.config).strip()
            answer = answer.strip("`\"' \n")
            if answer and len(answer) < 4 * len(question) + 200 and "\n\n" not in answer:
                return answer
        return question


@dataclass
class R3Pipeline:
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
        return cls(model, ranker=options.pop("ranker", Ranker()), rewriter=None, use_skeleton=False,
                   schema_format=options.pop("schema_format", None), name="rse", **options)

    def run(self, question: str, target: Target, *, example_id: str | None = None) -> Answer:
        from momq.prompts.builder import generation_prompt, render_skeleton

        verdict = check_question(question)
        base = dict(pipeline=self.name, model=self.model.name, dialect=target.dialect, database=target.database)
        if verdict.refusal:
            return refused(verdict.text, verdict.refusal, notes=verdict.notes, **base)
        text = verdict.text
        ranking = self.ranker.rank(text, target)
        sub = target.schema.subschema(ranking.elements, keep_neighbours=True)
        if not sub.element_names():
            sub = target.schema
        sub_text = schema_text(sub, self.schema_format)
        values: list[Any] = []
        rewritten = text
        if self.rewriter is not None:
            values = self.rewriter.align(text, ranking, target)
            rewritten = self.rewriter.rewrite(text, values, sub_text)
        skeleton = render_skeleton(target.dialect, ranking.keywords) if self.use_skeleton else ""
        prompt = generation_prompt(text, target.dialect, sub_text, language=self.language, values=values,
                                   skeleton=skeleton, rewritten=rewritten)
        steps = {"ranking": ranking.to_dict(), "sub_schema": sub.element_names(),
                 "values": [v.to_dict() for v in values], "rewritten": rewritten}
        execution = Execution(target.dialect_obj, target.engine, target.timeout_s, target.max_rows)
        outcome = generate_and_repair(self.model, prompt, execution, max_repairs=self.max_repairs,
                                      config=self.config, language=self.language, stage="refine")
        answer = Answer(question=text, query="", status=FAILED, notes=verdict.notes + target.notes, steps=steps,
                        **base)
        return finish(answer, outcome)
