"""Schema pruning: keep the elements a question needs when the whole schema is too long
for the prompt's token budget.

Each table (or node type, edge type) is scored against the question by

- **lexical overlap**: question words against the element's name, its columns or
  properties and their descriptions (case-folded, split at ``_`` and camelCase, plural
  ``s`` dropped), a name hit counting more than a column hit;
- **aligned values**: an element holding a value the question mentions (the value
  index's ``where``, e.g. ``restaurant.food_type``) gets a large bonus;
- **embedding similarity** (all-MiniLM-L6-v2, when installed) between the question and
  a one-line description of the element.

Elements are then taken best first, each with its neighbours (the tables its foreign
keys point to; an edge type's endpoint node types), until the rendered schema would
exceed the budget. The pruned schema keeps the original element order so related
tables stay together. A schema within budget is returned unchanged, which keeps the
prompt prefix identical across questions (and llama.cpp's key/value cache useful).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Sequence

from momq.schema.model import Schema
from momq.stopwords import STOPWORDS

_WORD = re.compile(r"[A-Za-z][a-z]+|[A-Z]+(?![a-z])|\d+|[\u4e00-\u9fff]")


def words(text: str) -> set[str]:
    """Content words of ``text``: split at non-letters and camelCase, case-folded,
    a plural ``s`` dropped, stop words (:data:`momq.stopwords.STOPWORDS`) removed."""
    out = set()
    for token in _WORD.findall(str(text).replace("_", " ")):
        token = token.lower()
        if token in STOPWORDS or len(token) < 2:
            continue
        if len(token) > 3 and token.endswith("ies"):
            token = token[:-3] + "y"
        elif len(token) > 3 and token.endswith("s") and not token.endswith("ss"):
            token = token[:-1]
        out.add(token)
    return out


@dataclass(frozen=True)
class Element:
    name: str
    kind: str  # table | node | edge
    columns: tuple[str, ...]
    text: str  # one line: name and columns, for embedding
    neighbours: tuple[str, ...]


def elements(schema: Schema) -> list[Element]:
    out = []
    for t in schema.tables:
        cols = tuple(c.name for c in t.columns)
        text = f"{t.name}: {', '.join(cols)}" + (f" ({t.description})" if t.description else "")
        out.append(Element(t.name, "table", cols, text, tuple(fk.ref_table for fk in t.foreign_keys)))
    for n in schema.nodes:
        cols = tuple(c.name for c in n.properties)
        out.append(Element(n.name, "node", cols, f"{n.name}: {', '.join(cols)}", ()))
    for e in schema.edges:
        cols = tuple(c.name for c in e.properties)
        ends = tuple(dict.fromkeys(x for pair in e.endpoints for x in pair if x))
        out.append(Element(e.name, "edge", cols, f"{e.name} relation: {', '.join(cols)}", ends))
    return out


def scores(schema: Schema, question: str, *, hints: Sequence[str] = (), embed: bool = True) -> dict[str, float]:
    """A relevance score per element name (see module docstring)."""
    asked = words(question)
    hinted = {h.split(".", 1)[0].split(":", 1)[-1].lower() for h in hints}
    items = elements(schema)
    result: dict[str, float] = {}
    for el in items:
        score = 3.0 * len(asked & words(el.name))
        score += 1.0 * len(asked & set().union(*(words(c) for c in el.columns))) if el.columns else 0.0
        if el.name.lower() in hinted:
            score += 5.0
        result[el.name] = score
    if embed and items:
        from momq.llm import embeddings

        if embeddings.available():
            vectors = embeddings.embed([question] + [el.text for el in items])
            sims = vectors[1:] @ vectors[0]
            for el, sim in zip(items, sims):
                result[el.name] += 4.0 * float(sim)
    return result


def prune(
    schema: Schema, question: str, *, fits: Callable[[Schema], bool], hints: Sequence[str] = (), embed: bool = True
) -> tuple[Schema, list[str]]:
    """``(sub-schema, dropped element names)``: the best-scoring elements (with their
    neighbours) that still ``fits``; the whole schema when it fits already."""
    if fits(schema):
        return schema, []
    table = scores(schema, question, hints=hints, embed=embed)
    by_name = {el.name: el for el in elements(schema)}
    ranked = sorted(by_name.values(), key=lambda el: (-table[el.name], el.name))
    kept: list[str] = []
    for el in ranked:
        group = [el.name] + [n for n in el.neighbours if n in by_name and n not in kept]
        trial = kept + [n for n in group if n not in kept]
        if fits(schema.subschema(trial)):
            kept = trial
        elif not kept:  # even the best element alone is too long: keep it, the renderer caps it
            kept = [el.name]
    sub = schema.subschema(kept)
    dropped = [name for name in schema.element_names() if name not in set(kept)]
    return sub, dropped


def describe_pruning(kept: Schema, dropped: list[str], limit: int = 8) -> str:
    shown = ", ".join(dropped[:limit]) + (f" and {len(dropped) - limit} more" if len(dropped) > limit else "")
    return f"schema pruned to fit the prompt: kept {', '.join(kept.element_names())}; left out {shown}"
