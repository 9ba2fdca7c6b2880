"""R3-NL2GQL's ranker: which CRUD keywords, clauses and schema elements a question needs.

Two rankers share one answer format (:class:`Ranking`):

- **model** (:class:`Ranker` with a model; R3 uses a small fine-tuned one, trained with
  ``momq train`` on :mod:`momq.train.ranker_data`): the prompt holds the dialect's
  skeleton and the schema, both in R3's code form, and the question; the three-line
  answer ``KEYWORDS / ELEMENTS / VALUES`` is parsed leniently in form and strictly in
  names (:func:`parse_ranking`).
- **heuristic** (:func:`lexical_ranking`), the fallback without a model or when the
  model's answer names no element:

  * *elements*: the question is split into word tokens, schema names at ``_``, ``-`` and
    camelCase boundaries; a question word matches a schema word when one of the word's
    lemmas (plural ``-s``/``-es``/``-ies``, past ``-ed``/``-d``, ``-ing``, doubled final
    consonant) equals it, or when both have five or more characters and their
    ``difflib`` ratio is at least 0.85 (a typo). Whole tokens only: ``per`` never
    matches inside ``performance``, and "likes" matches the edge ``like``, "served" the
    edge ``serve``. An element scores 3 per word of its name, 1 per word of a column /
    property name and 2 per sample value the question contains; stop words never
    count;
  * *keywords*: one main statement chosen by cues (nGQL: ``FIND PATH`` for paths,
    ``GET SUBGRAPH`` for subgraphs / neighbourhoods, ``FETCH`` for the properties of a
    named vertex, ``GO`` when an edge type is ranked, ``LOOKUP`` for a filtered tag,
    else ``MATCH``), the clause that statement needs to return anything (``YIELD`` or
    ``RETURN``; ``FROM`` in SQL), and the clauses the question asks for: ``WHERE`` only
    with a condition (a comparison, a number, a quoted or named value, a negation),
    ``ORDER BY``/``LIMIT`` for superlatives, ``SKIP``, ``GROUP BY``, ``DISTINCT``,
    aggregates, ``STEPS`` / ``REVERSELY`` / ``SAMPLE`` / ``OPTIONAL MATCH`` / ``WITH``
    / ``UNWIND`` by their cues. Every keyword of the skeleton is reachable.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Any, Sequence

from momq.llm.base import GenerationConfig, LanguageModel
from momq.pipelines.context import Target
from momq.prompts.builder import skeleton_keywords
from momq.stopwords import STOPWORDS as BASE_STOPWORDS

_TOKEN = re.compile(r"[A-Za-z]+|\d+(?:\.\d+)?|[\u4e00-\u9fff]")
_CAMEL = re.compile(r"([a-z0-9])([A-Z])")

STOPWORDS = BASE_STOPWORDS | {"s"}


@dataclass
class Ranking:
    keywords: list[str]
    elements: list[str]
    values: list[str] = field(default_factory=list)
    method: str = "lexical"

    def to_dict(self) -> dict[str, Any]:
        return {"keywords": self.keywords, "elements": self.elements, "values": self.values, "method": self.method}

    def answer(self) -> str:
        """The three-line answer a ranker model gives (and is trained to give)."""
        return (
            f"KEYWORDS: {', '.join(self.keywords) or 'none'}\nELEMENTS: {', '.join(self.elements) or 'none'}\n"
            f"VALUES: {', '.join(self.values) or 'none'}"
        )


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
    aliases = {
        "keywords": "keywords",
        "keyword": "keywords",
        "clauses": "keywords",
        "elements": "elements",
        "element": "elements",
        "tables": "elements",
        "schema": "elements",
        "values": "values",
        "value": "values",
    }
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

    return Ranking(
        canon(fields["keywords"], keywords),
        canon(fields["elements"], elements),
        [v for v in dict.fromkeys(fields["values"])],
        "model",
    )


# ---------------------------------------------------------------------- words
def tokens(text: str) -> list[str]:
    """Lower-cased word tokens; names split at ``_``, ``-`` and camelCase boundaries."""
    return [t.lower() for t in _TOKEN.findall(_CAMEL.sub(r"\1 \2", text).replace("_", " "))]


def lemmas(word: str) -> set[str]:
    """The word and its candidate lemmas by English inflection rules (over-generating on
    purpose: a candidate only counts when a schema word equals it)."""
    w = word.lower()
    out = {w}
    if len(w) <= 3:
        return out
    if w.endswith("ies"):
        out.add(w[:-3] + "y")
    if w.endswith("es"):
        out.add(w[:-2])
    if w.endswith("s") and not w.endswith("ss"):
        out.add(w[:-1])
    for suffix in ("ed", "ing"):
        if w.endswith(suffix) and len(w) > len(suffix) + 2:
            stem = w[: -len(suffix)]
            out |= {stem, stem + "e"}
            if len(stem) > 2 and stem[-1] == stem[-2]:
                out.add(stem[:-1])  # stopped -> stop
            if stem.endswith("i"):
                out.add(stem[:-1] + "y")  # married -> marry
    if w.endswith("ed"):
        out.add(w[:-1])  # served -> serve, liked -> like
    return out


def _matches(question_word: str, name_word: str) -> bool:
    if name_word in lemmas(question_word):
        return True
    return (
        len(question_word) >= 5
        and len(name_word) >= 5
        and difflib.SequenceMatcher(None, question_word, name_word).ratio() >= 0.85
    )


def _overlap(question_words: Sequence[str], name: str) -> int:
    """How many distinct words of ``name`` some question word matches."""
    words = {w for w in tokens(name) if w not in STOPWORDS and not w.isdigit()}
    return sum(1 for n in words if any(_matches(q, n) for q in question_words))


# ---------------------------------------------------------------------- queries
STRING_LITERAL = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")
_IDENT = re.compile(r"`([^`]+)`|([A-Za-z_][A-Za-z0-9_]*)")


def query_parts(query: str, element_names: Sequence[str]) -> tuple[list[str], list[str], str]:
    """``(elements, literals, code)`` of a query: the schema elements it names (an
    identifier or backquoted name outside strings, case-insensitive, in schema order),
    its string literals, and its text with every literal emptied."""
    literals = [m.group(0)[1:-1] for m in STRING_LITERAL.finditer(query)]
    code = STRING_LITERAL.sub("''", query)
    idents = {(m.group(1) or m.group(2)).lower() for m in _IDENT.finditer(code)}
    return [n for n in element_names if n.lower() in idents], [v for v in literals if v.strip()], code


# ---------------------------------------------------------------------- keywords
_CUES: list[tuple[str, list[str]]] = [  # (question pattern, keywords it asks for)
    (r"\bhow many\b|\bnumber of\b|\bcount\b|多少|几个", ["COUNT", "count"]),
    (r"\baverage\b|\bmean\b|平均", ["AVG", "avg"]),
    (r"\b(?:sum|total)\b|总和|总共", ["SUM", "sum"]),
    (r"\b(?:maximum|max|highest|largest|biggest|oldest)\b", ["MAX", "max"]),
    (r"\b(?:minimum|min|lowest|smallest|youngest)\b", ["MIN", "min"]),
    (
        r"\b(?:most|least|highest|lowest|top|largest|smallest|best|worst|first|last|oldest|youngest|latest|"
        r"earliest|rank(?:ed)?|sorted?|order(?:ed)?)\b|最|排序",
        ["ORDER BY", "LIMIT"],
    ),
    (r"\b(?:top|first|limit)\s+\d+\b|\bonly \d+\b", ["LIMIT"]),
    (r"\bskip(?:ping)?\b|\bafter the first\b|\bexcept the first\b|\boffset\b|跳过", ["SKIP", "OFFSET"]),
    (r"\b(?:each|per|every|for all)\b|\bby (?:\w+ )?(?:group|category|type|team|country|year)\b|每", ["GROUP BY"]),
    (r"\b(?:distinct|different|unique)\b|不同", ["DISTINCT"]),
    (r"\b(?:sample|random(?:ly)?)\b|随机|抽样", ["SAMPLE"]),
    (
        r"\b(?:two|three|four|\d+)[- ](?:hops?|steps?)\b|\bfriends? of (?:a )?friends?\b|\bwithin \d+\b|\bhops?\b|"
        r"\bsteps?\b|跳|步",
        ["STEPS"],
    ),
    (
        r"\b(?:followed|liked|served|owned|managed|directed|written|produced|reviewed)\s+by\b|\bwho (?:follows?|likes?)\b"
        r"|\bis \w+ by\b|被",
        ["REVERSELY"],
    ),
    (
        r"\beven if\b|\bif any\b|\bor not\b|\bincluding those without\b|\boptional(?:ly)?\b|\bwhether or not\b",
        ["OPTIONAL MATCH", "LEFT JOIN"],
    ),
    (
        r"\b(?:more|fewer|less|at least|at most) than \d+ \w+s\b|\bwith (?:more|fewer|at least) \w+ \w+s\b",
        ["WITH", "HAVING"],
    ),
    (r"\beach (?:element|item|member) of\b|\bunwind\b|\bflatten\b|\bin the list\b", ["UNWIND"]),
    (r"\bthen\b|\band then\b|\bwhose .* (?:follow|serve|like)|然后", ["PIPE |"]),
]
_CONDITION = re.compile(
    r"\b(?:older|younger|greater|bigger|larger|smaller|less|more|fewer|higher|lower|above|below|over|under|"
    r"between|before|after|since|until|at least|at most|equal|equals|exactly|named|called|whose|where|"
    r"without|not|never|no|except|contains?|starts? with|ends? with)\b|[<>=]|(?<!top )(?<!first )(?<!last )"
    r"(?<!limit )\b\d+\b|\"|“|大于|小于|超过|不|没有|叫|名为",
    re.I,
)
_COMPARISON = re.compile(
    r"[<>=]|\b(?:older|younger|greater|less|more|fewer|higher|lower|above|below|between|"
    r"before|after|at least|at most|whose|not|never|without)\b|大于|小于|超过|不|没有"
)
# a named thing: a quoted value, an id such as player100, a capitalised word inside the sentence
_NAMED = re.compile(r"\"[^\"]+\"|“[^”]+”|'[^']+'|\b[a-z]+\d+\b|(?<!^)(?<![.?!] )\b[A-Z][a-z]+")
_PATH = re.compile(
    r"\bpaths?\b|\bshortest\b|\broute\b|\bhow (?:is|are) .* connected\b|\bconnect(?:s|ed|ion)?\b"
    r"|路径|最短",
    re.I,
)
_SUBGRAPH = re.compile(r"\bsub-?graph\b|\bneighbo(?:u)?rhood\b|\bsurrounding\b|\bego network\b|子图|邻域", re.I)
_FETCH = re.compile(
    r"\b(?:propert(?:y|ies)|details?|information|info|attributes?|profile|everything about|"
    r"all about)\b|属性|信息|详情",
    re.I,
)
_MAIN_CLAUSE = {
    "GO": "YIELD",
    "FETCH": "YIELD",
    "LOOKUP": "YIELD",
    "FIND PATH": "YIELD",
    "GET SUBGRAPH": "YIELD",
    "MATCH": "RETURN",
    "SELECT": "FROM",
}


def _main_statement(question: str, known: Sequence[str], has_edge: bool, family: str) -> str:
    upper = {k.upper(): k for k in known}
    if family == "relational":
        return upper.get("SELECT", known[0] if known else "")
    choices: list[str] = []
    if _PATH.search(question):
        choices += ["FIND PATH", "shortestPath", "MATCH"]
    if _SUBGRAPH.search(question):
        choices += ["GET SUBGRAPH", "MATCH"]
    if _FETCH.search(question) and _NAMED.search(question):
        choices += ["FETCH", "MATCH"]
    if has_edge:
        choices += ["GO", "MATCH"]
    choices += ["LOOKUP", "MATCH"]
    for choice in choices:
        if choice.upper() in upper:
            return upper[choice.upper()]
    return known[0] if known else ""


def rank_keywords(question: str, dialect: str, *, has_edge: bool, family: str, joins: bool = False) -> list[str]:
    """The skeleton keywords the question asks for (see the module docstring)."""
    known = skeleton_keywords(dialect)
    upper = {k.upper(): k for k in known}
    main = _main_statement(question, known, has_edge, family)
    wanted = [main] if main else []
    if main.upper() == "SHORTESTPATH" and "MATCH" in upper:
        wanted.insert(0, upper["MATCH"])
    clause = _MAIN_CLAUSE.get(main.upper(), "RETURN" if family == "graph" else "FROM")
    if clause in upper:
        wanted.append(upper[clause])
    lowered = question.lower()
    for pattern, names in _CUES:
        if re.search(pattern, lowered):
            wanted += [upper[n.upper()] for n in names if n.upper() in upper]
    condition = _CONDITION.search(question) or _NAMED.search(question)
    # GO / FETCH / FIND PATH / GET SUBGRAPH start from a vertex: a named start needs no
    # WHERE, only a comparison or a negation does
    if main.upper() in ("GO", "FETCH", "FIND PATH", "GET SUBGRAPH"):
        condition = _COMPARISON.search(lowered)
    if condition and "WHERE" in upper:
        wanted.append(upper["WHERE"])
    if joins and "JOIN" in upper:
        wanted.append(upper["JOIN"])
    if main.upper() == "GO" and any(k in wanted for k in ("GROUP BY", "ORDER BY", "LIMIT")) and "PIPE |" in upper:
        wanted.append(upper["PIPE |"])
    return list(dict.fromkeys(wanted))


#: at most this many tables from the heuristic ranker (graphs: ``top``)
RELATIONAL_TOP = 6


def lexical_ranking(question: str, schema: Any, dialect: str, top: int = 4, embedding: bool = False) -> Ranking:
    """The heuristic ranker (see the module docstring)."""
    q = [w for w in tokens(question) if w not in STOPWORDS]
    lowered = question.lower()
    scored = []
    groups = (
        [(t.name, t.columns, False) for t in schema.tables]
        + [(n.name, n.properties, False) for n in schema.nodes]
        + [(e.name, e.properties, True) for e in schema.edges]
    )
    for position, (name, columns, _is_edge) in enumerate(groups):
        score = 3.0 * _overlap(q, name)
        for col in columns:
            score += 1.0 * _overlap(q, col.name)
            for sample in col.samples[:5]:
                if (
                    isinstance(sample, str)
                    and len(sample) > 1
                    and re.search(r"(?<!\w)" + re.escape(sample.lower()) + r"(?!\w)", lowered)
                ):
                    score += 2.0
        scored.append((score, position, name))
    if embedding and groups:
        try:
            from momq.llm.embeddings import embed

            vectors = embed([question] + [f"{n} " + " ".join(c.name for c in cols) for n, cols, _ in groups])
            sims = vectors[1:] @ vectors[0]
            scored = [(s + 2.0 * float(sim), p, n) for (s, p, n), sim in zip(scored, sims)]
        except Exception:  # embedding model missing: lexical only
            pass
    scored.sort(key=lambda x: (-x[0], x[1]))
    best = scored[0][0] if scored else 0.0
    # elements scoring at least half the best: a weak side match (one shared column word)
    # does not ride along with a strong one. Tables are kept more generously (a third of
    # the best, up to RELATIONAL_TOP): a SQL question joins several tables, often one it
    # names only through a column ("citations" -> publication.citation_num), and a
    # sub-schema without it cannot be answered at all
    relational = schema.family == "relational"
    share, limit = (3, max(top, RELATIONAL_TOP)) if relational else (2, top)
    found = [name for score, _, name in scored if score > 0 and score >= best / share][:limit]
    elements = found or [name for _, _, name in scored[:top]]
    edges = {e.name for e in schema.edges}
    keywords = rank_keywords(
        question,
        dialect,
        has_edge=any(e in edges for e in found),
        family=schema.family,
        joins=schema.family == "relational" and len(elements) > 1,
    )
    return Ranking(keywords, elements, [], "lexical+embedding" if embedding else "lexical")


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
        from momq.schema.render import render

        answer = self.model.complete(
            ranker_prompt(question, target.dialect, render(target.schema, "code"), self.language), self.config
        )
        ranking = parse_ranking(answer, skeleton_keywords(target.dialect), target.schema.element_names())
        if not ranking.elements:
            fallback.values = ranking.values
            fallback.method = "lexical (model answer unusable)"
            return fallback
        if not ranking.keywords:
            ranking.keywords = fallback.keywords
        return ranking
