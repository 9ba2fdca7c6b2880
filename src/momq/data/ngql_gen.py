"""A deterministic generator of NL-nGQL pairs (English and Chinese) from a live space.

No public NL-to-nGQL set is licensed for redistribution, so momq builds its own:

1. **Skeletons.** Each :class:`Template` is one nGQL query skeleton — GO (plain,
   REVERSELY with a pipe into FETCH, N STEPS, WHERE, ORDER BY + LIMIT, GROUP BY,
   aggregation), FETCH (vertex, edge), LOOKUP (equality, range, GROUP BY), MATCH (plain,
   WHERE, aggregation, ORDER BY + LIMIT), FIND PATH (shortest, all) and GET SUBGRAPH —
   paired with English and Chinese question templates with paraphrase variants.
2. **Schema words.** A :class:`SpaceSpec` says, per space, which tags and edge types
   exist, their properties, endpoint tags, which properties are indexed (LOOKUP needs an
   index on NebulaGraph) and how to say them in both languages.
3. **Real values.** Entities, edges and property values are sampled from the graph
   itself through the engine (seeded), so every question names things that exist.
4. **Execution filter.** Every query is executed; only those that run and return rows
   are kept. The rest are returned as rejected, with the engine's reason.

Determinism: a fixed seed gives the same examples on the same data. ORDER BY always
sorts on every yielded column so that a LIMIT cut is well defined.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any, Callable

from momq.data.records import Dialogue, Example, Rejected, Turn
from momq.engines.base import Engine
from momq.errors import QueryError


@dataclass(frozen=True)
class EdgeSpec:
    name: str
    src: str
    dst: str
    #: integer properties: {name: (english noun, chinese noun)}
    props: dict[str, tuple[str, str]]
    #: phrases for "the <dst> that {src} <edge>", "the <src> that <edge> {dst}"
    out_en: str
    out_zh: str
    in_en: str
    in_zh: str
    #: the relation's name in questions ("follow", "关注")
    word_en: str
    word_zh: str


@dataclass(frozen=True)
class SpaceSpec:
    name: str
    #: tag -> (english singular, english plural, chinese)
    tags: dict[str, tuple[str, str, str]]
    #: tag -> integer properties {name: (english noun, chinese noun)}
    int_props: dict[str, dict[str, tuple[str, str]]]
    edges: tuple[EdgeSpec, ...]
    #: tag -> indexed properties usable in LOOKUP (empty tuple: index on the tag only)
    indexes: dict[str, tuple[str, ...]] = field(default_factory=dict)


_SERVE_PROPS = {"start_year": ("start year", "开始年份"), "end_year": ("end year", "结束年份")}
_PLAYER_TEAM = {"player": ("player", "players", "球员"), "team": ("team", "teams", "球队")}
_SERVE = EdgeSpec(
    "serve",
    "player",
    "team",
    _SERVE_PROPS,
    out_en="the teams {src} played for",
    out_zh="{src}效力过的球队",
    in_en="the players who played for {dst}",
    in_zh="效力过{dst}的球员",
    word_en="serve",
    word_zh="效力",
)

SPACES: dict[str, SpaceSpec] = {
    "basketballplayer": SpaceSpec(
        name="basketballplayer",
        tags=_PLAYER_TEAM,
        int_props={"player": {"age": ("age", "年龄")}},
        edges=(
            _SERVE,
            EdgeSpec(
                "follow",
                "player",
                "player",
                {"degree": ("follow degree", "关注度")},
                out_en="the players {src} follows",
                out_zh="{src}关注的球员",
                in_en="the players who follow {dst}",
                in_zh="关注{dst}的球员",
                word_en="follow",
                word_zh="关注",
            ),
        ),
        indexes={"player": ("name",)},
    ),
    "nba": SpaceSpec(
        name="nba",
        tags=_PLAYER_TEAM,
        int_props={"player": {"age": ("age", "年龄")}},
        edges=(
            _SERVE,
            EdgeSpec(
                "like",
                "player",
                "player",
                {"likeness": ("likeness", "喜爱程度")},
                out_en="the players {src} likes",
                out_zh="{src}喜欢的球员",
                in_en="the players who like {dst}",
                in_zh="喜欢{dst}的球员",
                word_en="like",
                word_zh="喜欢",
            ),
            EdgeSpec(
                "teammate",
                "player",
                "player",
                _SERVE_PROPS,
                out_en="the players listed as teammates of {src}",
                out_zh="{src}的队友",
                in_en="the players who list {dst} as a teammate",
                in_zh="把{dst}列为队友的球员",
                word_en="teammate",
                word_zh="队友",
            ),
        ),
        indexes={"player": ("name", "age"), "team": ("name",)},
    ),
}


@dataclass
class Sample:
    """The values one template instance is filled with."""

    vid: str = ""
    name: str = ""
    vid2: str = ""
    name2: str = ""
    value: int = 0
    k: int = 3
    steps: int = 2


@dataclass(frozen=True)
class Template:
    key: str
    skeleton: str
    #: clauses used (for the data card): where, order_by, limit, group_by, aggregation, pipe
    clauses: tuple[str, ...]
    #: which edges it applies to: "any", "self" (src tag == dst tag), "props" (has int props)
    needs: str
    #: builds (query, english variants, chinese variants) from (space, edge, prop, sample)
    build: Callable[..., tuple[str, list[str], list[str]]]
    #: how to sample: "vertex" (a src vertex with out edges), "edge", "pair" (connected
    #: within 2 hops), "target" (a dst vertex with in edges), "value" (a property value)
    sample: str = "vertex"
    #: LOOKUP templates: needs an index on these properties of the tag
    index: tuple[str, ...] = ()


def _a(noun: str) -> str:
    """The noun with its English indefinite article."""
    return ("an " if noun[:1].lower() in "aeiou" else "a ") + noun


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _prop(edge: EdgeSpec, prop: str | None) -> tuple[str, str]:
    return edge.props[prop] if prop else ("", "")


# --------------------------------------------------------------------- templates
def _go_basic(space, e, p, s):
    q = f"GO FROM {_q(s.vid)} OVER {e.name} YIELD $$.{e.dst}.name AS name"
    phrase_en, phrase_zh = e.out_en.format(src=s.name), e.out_zh.format(src=s.name)
    return (
        q,
        [f"What are {phrase_en}?", f"List {phrase_en}.", f"Name {phrase_en}."],
        [f"{phrase_zh}有哪些？", f"列出{phrase_zh}。", f"请给出{phrase_zh}的名字。"],
    )


def _go_reverse(space, e, p, s):
    q = (
        f"GO FROM {_q(s.vid)} OVER {e.name} REVERSELY YIELD src(edge) AS id"
        f" | FETCH PROP ON {e.src} $-.id YIELD properties(vertex).name AS name"
    )
    phrase_en, phrase_zh = e.in_en.format(dst=s.name), e.in_zh.format(dst=s.name)
    return (
        q,
        [f"Who are {phrase_en}?", f"List {phrase_en}.", f"Give the names of {phrase_en}."],
        [f"{phrase_zh}有哪些？", f"列出{phrase_zh}。", f"哪些是{phrase_zh}？"],
    )


def _go_steps(space, e, p, s):
    q = f"GO {s.steps} STEPS FROM {_q(s.vid)} OVER {e.name} YIELD DISTINCT $$.{e.dst}.name AS name"
    plural = space.tags[e.dst][1]
    return (
        q,
        [
            f"Which {plural} are reached from {s.name} in exactly {s.steps} {e.word_en} hops?",
            f"Starting at {s.name}, follow the {e.word_en} relation {s.steps} times: which {plural} do you reach?",
        ],
        [
            f"从{s.name}出发沿{e.word_zh}关系走{s.steps}步能到达哪些{space.tags[e.dst][2]}？",
            f"{s.name}经过{s.steps}跳{e.word_zh}关系可以到达哪些{space.tags[e.dst][2]}？",
        ],
    )


def _go_where(space, e, p, s):
    en, zh = _prop(e, p)
    q = (
        f"GO FROM {_q(s.vid)} OVER {e.name} WHERE properties(edge).{p} > {s.value}"
        f" YIELD $$.{e.dst}.name AS name, properties(edge).{p} AS {p}"
    )
    phrase_en, phrase_zh = e.out_en.format(src=s.name), e.out_zh.format(src=s.name)
    return (
        q,
        [
            f"Among {phrase_en}, which have {_a(en)} greater than {s.value}? Show the {en} too.",
            f"List {phrase_en} where the {en} is above {s.value}, with the {en}.",
        ],
        [
            f"在{phrase_zh}中，{zh}大于{s.value}的有哪些？同时给出{zh}。",
            f"列出{phrase_zh}中{zh}超过{s.value}的，并给出{zh}。",
        ],
    )


def _go_order_limit(space, e, p, s):
    en, zh = _prop(e, p)
    q = (
        f"GO FROM {_q(s.vid)} OVER {e.name} YIELD $$.{e.dst}.name AS name, properties(edge).{p} AS {p}"
        f" | ORDER BY $-.{p} DESC, $-.name ASC | LIMIT {s.k}"
    )
    phrase_en, phrase_zh = e.out_en.format(src=s.name), e.out_zh.format(src=s.name)
    return (
        q,
        [
            f"Among {phrase_en}, give the top {s.k} by {en} (ties by name), with the {en}.",
            f"Which {s.k} of {phrase_en} have the highest {en}? Break ties by name.",
        ],
        [
            f"在{phrase_zh}中，按{zh}从高到低（同分按名字）给出前{s.k}个及其{zh}。",
            f"{phrase_zh}里{zh}最高的{s.k}个是哪些？同分按名字排序。",
        ],
    )


def _go_group_by(space, e, p, s):
    en, zh = _prop(e, p)
    q = (
        f"GO FROM {_q(s.vid)} OVER {e.name} REVERSELY YIELD properties(edge).{p} AS {p}"
        f" | GROUP BY $-.{p} YIELD $-.{p} AS {p}, count(*) AS n"
    )
    phrase_en, phrase_zh = e.in_en.format(dst=s.name), e.in_zh.format(dst=s.name)
    return (
        q,
        [f"For {phrase_en}, count them per {en}.", f"Group {phrase_en} by {en} and give the count of each group."],
        [f"按{zh}统计{phrase_zh}的数量。", f"把{phrase_zh}按{zh}分组，每组有多少个？"],
    )


def _go_aggregate(space, e, p, s):
    en, zh = _prop(e, p)
    q = (
        f"GO FROM {_q(s.vid)} OVER {e.name} YIELD properties(edge).{p} AS {p}"
        f" | YIELD count(*) AS n, avg($-.{p}) AS avg_{p}"
    )
    phrase_en, phrase_zh = e.out_en.format(src=s.name), e.out_zh.format(src=s.name)
    return (
        q,
        [f"How many are {phrase_en}, and what is their average {en}?", f"Count {phrase_en} and give the average {en}."],
        [f"{phrase_zh}有多少个？平均{zh}是多少？", f"统计{phrase_zh}的数量和平均{zh}。"],
    )


def _fetch_vertex(space, e, p, s):
    tag = e.src
    props = list(space.int_props.get(tag, {}))
    if not props:
        return None
    prop = props[0]
    en, zh = space.int_props[tag][prop]
    q = f"FETCH PROP ON {tag} {_q(s.vid)} YIELD properties(vertex).name AS name, properties(vertex).{prop} AS {prop}"
    return (
        q,
        [
            f"What is the {en} of {s.name}?",
            f"How old is {s.name}?" if prop == "age" else f"Give the {en} of {s.name}.",
            f"Look up {s.name}'s {en}.",
        ],
        [f"{s.name}的{zh}是多少？", f"查询{s.name}的{zh}。"],
    )


def _fetch_edge(space, e, p, s):
    en, zh = _prop(e, p)
    q = f"FETCH PROP ON {e.name} {_q(s.vid)} -> {_q(s.vid2)} YIELD properties(edge).{p} AS {p}"
    return (
        q,
        [
            f"What is the {en} of the {e.word_en} edge from {s.name} to {s.name2}?",
            f"Give the {en} recorded on {s.name}'s {e.word_en} edge to {s.name2}.",
        ],
        [f"{s.name}到{s.name2}的{e.word_zh}关系的{zh}是多少？", f"查询{s.name}与{s.name2}之间{e.word_zh}边的{zh}。"],
    )


def _lookup_eq(space, e, p, s):
    tag = e.src
    q = f"LOOKUP ON {tag} WHERE {tag}.name == {_q(s.name)} YIELD id(vertex) AS vid"
    singular, _plural, zh = space.tags[tag]
    return (
        q,
        [f"What is the vertex ID of the {singular} named {s.name}?", f"Find the ID of {singular} {s.name}."],
        [f"名为{s.name}的{zh}的顶点ID是什么？", f"查找{zh}{s.name}的ID。"],
    )


def _lookup_range(space, e, p, s):
    tag = e.src
    q = (
        f"LOOKUP ON {tag} WHERE {tag}.age > {s.value}"
        f" YIELD properties(vertex).name AS name, properties(vertex).age AS age"
    )
    _singular, plural, zh = space.tags[tag]
    return (
        q,
        [
            f"Which {plural} are older than {s.value}? Give their ages.",
            f"List the {plural} whose age is above {s.value}, with the age.",
        ],
        [f"哪些{zh}的年龄大于{s.value}？给出年龄。", f"列出年龄超过{s.value}岁的{zh}及其年龄。"],
    )


def _lookup_group(space, e, p, s):
    tag = e.src
    q = (
        f"LOOKUP ON {tag} WHERE {tag}.age > {s.value} YIELD properties(vertex).age AS age"
        f" | GROUP BY $-.age YIELD $-.age AS age, count(*) AS n"
    )
    _singular, plural, zh = space.tags[tag]
    return (
        q,
        [
            f"Among {plural} older than {s.value}, how many are there of each age?",
            f"Count the {plural} above age {s.value} per age.",
        ],
        [f"年龄大于{s.value}的{zh}中，每个年龄各有多少人？", f"按年龄统计年龄超过{s.value}的{zh}人数。"],
    )


def _match_basic(space, e, p, s):
    q = f"MATCH (a:{e.src})-[e:{e.name}]->(b:{e.dst}) WHERE id(a) == {_q(s.vid)} RETURN b.{e.dst}.name AS name"
    phrase_en, phrase_zh = e.out_en.format(src=s.name), e.out_zh.format(src=s.name)
    return q, [f"Find {phrase_en}.", f"Show {phrase_en}."], [f"找出{phrase_zh}。", f"显示{phrase_zh}。"]


def _match_where(space, e, p, s):
    en, zh = _prop(e, p)
    q = (
        f"MATCH (a:{e.src})-[e:{e.name}]->(b:{e.dst}) WHERE a.{e.src}.name == {_q(s.name)}"
        f" AND e.{p} >= {s.value} RETURN b.{e.dst}.name AS name, e.{p} AS {p}"
    )
    phrase_en, phrase_zh = e.out_en.format(src=s.name), e.out_zh.format(src=s.name)
    return (
        q,
        [
            f"Which of {phrase_en} have {_a(en)} of at least {s.value}? Include the {en}.",
            f"Show {phrase_en} with {en} no lower than {s.value}, and the {en}.",
        ],
        [
            f"{phrase_zh}中{zh}不低于{s.value}的有哪些？包括{zh}。",
            f"显示{phrase_zh}里{zh}至少为{s.value}的，并给出{zh}。",
        ],
    )


def _match_top(space, e, p, s):
    plural_dst = space.tags[e.dst][1]
    q = (
        f"MATCH (a:{e.src})-[:{e.name}]->(b:{e.dst}) RETURN b.{e.dst}.name AS name, count(a) AS n"
        f" ORDER BY n DESC, name ASC LIMIT {s.k}"
    )
    return (
        q,
        [
            f"Which {s.k} {plural_dst} have the most incoming {e.word_en} edges (ties by name)? Give the counts.",
            f"Top {s.k} {plural_dst} by number of {e.word_en} edges pointing to them, ties broken by name.",
        ],
        [
            f"哪{s.k}个{space.tags[e.dst][2]}的入向{e.word_zh}边最多（同数按名字）？给出数量。",
            f"按指向的{e.word_zh}边数排名前{s.k}的{space.tags[e.dst][2]}，同数按名字排序。",
        ],
    )


def _match_count(space, e, p, s):
    q = f"MATCH (a:{e.src})-[:{e.name}]->(b:{e.dst}) WHERE id(b) == {_q(s.vid)} RETURN count(a) AS n"
    phrase_en, phrase_zh = e.in_en.format(dst=s.name), e.in_zh.format(dst=s.name)
    return (
        q,
        [f"How many are {phrase_en}?", f"Count {phrase_en}."],
        [f"{phrase_zh}有多少个？", f"统计{phrase_zh}的数量。"],
    )


def _find_shortest(space, e, p, s):
    q = f"FIND SHORTEST PATH FROM {_q(s.vid)} TO {_q(s.vid2)} OVER {e.name} YIELD path AS p"
    return (
        q,
        [
            f"What is the shortest {e.word_en} path from {s.name} to {s.name2}?",
            f"Find the shortest chain of {e.word_en} edges leading from {s.name} to {s.name2}.",
        ],
        [
            f"从{s.name}到{s.name2}的最短{e.word_zh}路径是什么？",
            f"找出{s.name}经{e.word_zh}关系到{s.name2}的最短路径。",
        ],
    )


def _find_all(space, e, p, s):
    q = f"FIND ALL PATH FROM {_q(s.vid)} TO {_q(s.vid2)} OVER {e.name} UPTO 2 STEPS YIELD path AS p"
    return (
        q,
        [
            f"List every {e.word_en} path of at most 2 steps from {s.name} to {s.name2}.",
            f"Which paths of up to two {e.word_en} edges lead from {s.name} to {s.name2}?",
        ],
        [
            f"列出从{s.name}到{s.name2}最多两步的所有{e.word_zh}路径。",
            f"从{s.name}沿{e.word_zh}关系两步以内到达{s.name2}的路径有哪些？",
        ],
    )


def _subgraph(space, e, p, s):
    q = f"GET SUBGRAPH 1 STEPS FROM {_q(s.vid)} OUT {e.name} YIELD VERTICES AS nodes, EDGES AS relationships"
    return (
        q,
        [
            f"Show the subgraph one outgoing {e.word_en} step around {s.name}.",
            f"Get the vertices and edges within one {e.word_en} hop out of {s.name}.",
        ],
        [f"展示{s.name}沿{e.word_zh}关系向外一步的子图。", f"获取{s.name}向外一跳{e.word_zh}关系内的点和边。"],
    )


TEMPLATES: tuple[Template, ...] = (
    Template("go_basic", "GO", (), "any", _go_basic),
    Template("go_reverse_pipe", "GO", ("pipe",), "any", _go_reverse, sample="target"),
    Template("go_steps", "GO", (), "self", _go_steps),
    Template("go_where", "GO", ("where",), "props", _go_where, sample="value"),
    Template("go_order_limit", "GO", ("order_by", "limit", "pipe"), "props", _go_order_limit),
    Template("go_group_by", "GO", ("group_by", "aggregation", "pipe"), "props", _go_group_by, sample="target"),
    Template("go_aggregate", "GO", ("aggregation", "pipe"), "props", _go_aggregate),
    Template("fetch_vertex", "FETCH", (), "any", _fetch_vertex),
    Template("fetch_edge", "FETCH", (), "props", _fetch_edge, sample="edge"),
    Template("lookup_eq", "LOOKUP", ("where",), "any", _lookup_eq, index=("name",)),
    Template("lookup_range", "LOOKUP", ("where",), "any", _lookup_range, sample="age", index=("age",)),
    Template(
        "lookup_group_by",
        "LOOKUP",
        ("where", "group_by", "aggregation", "pipe"),
        "any",
        _lookup_group,
        sample="age",
        index=("age",),
    ),
    Template("match_basic", "MATCH", ("where",), "any", _match_basic),
    Template("match_where", "MATCH", ("where",), "props", _match_where, sample="value"),
    Template("match_top", "MATCH", ("aggregation", "order_by", "limit"), "any", _match_top, sample="none"),
    Template("match_count", "MATCH", ("where", "aggregation"), "any", _match_count, sample="target"),
    Template("find_shortest_path", "FIND PATH", (), "self", _find_shortest, sample="pair"),
    Template("find_all_path", "FIND PATH", (), "self", _find_all, sample="pair"),
    Template("get_subgraph", "GET SUBGRAPH", (), "any", _subgraph),
)


# --------------------------------------------------------------------- sampling
@dataclass
class GraphFacts:
    """What the generator samples from: names per vertex, edges with properties."""

    names: dict[str, dict[str, str]]  # tag -> {vid: name}
    ages: dict[str, int]  # player vid -> age
    edges: dict[str, list[tuple[str, str, dict[str, Any]]]]  # edge -> [(src, dst, props)]


def collect_facts(engine: Engine, spec: SpaceSpec, timeout_s: float = 60.0) -> GraphFacts:
    """Read vertices and edges of the space through the engine (MATCH)."""
    names: dict[str, dict[str, str]] = {}
    ages: dict[str, int] = {}
    for tag in spec.tags:
        extra = ", v.player.age AS age" if tag == "player" else ""
        result = engine.execute(
            f"MATCH (v:{tag}) RETURN id(v) AS vid, v.{tag}.name AS name{extra}", timeout_s=timeout_s, max_rows=100_000
        )
        names[tag] = {}
        for row in result.rows:
            vid, name = row[0], row[1]
            if isinstance(vid, str) and isinstance(name, str) and name:
                names[tag][vid] = name
                if tag == "player" and isinstance(row[2], int):
                    ages[vid] = row[2]
    edges: dict[str, list[tuple[str, str, dict[str, Any]]]] = {}
    for e in spec.edges:
        props = "".join(f", e.{p} AS {p}" for p in e.props)
        result = engine.execute(
            f"MATCH (a:{e.src})-[e:{e.name}]->(b) RETURN id(a) AS src, id(b) AS dst{props}",
            timeout_s=timeout_s,
            max_rows=100_000,
        )
        edges[e.name] = [(r[0], r[1], dict(zip(e.props, r[2:]))) for r in result.rows]
    return GraphFacts(names, ages, edges)


def _instances(
    template: Template, spec: SpaceSpec, edge: EdgeSpec, facts: GraphFacts, rng: random.Random, per_template: int
) -> list[tuple[str | None, Sample]]:
    names_src, names_dst = facts.names.get(edge.src, {}), facts.names.get(edge.dst, {})
    pairs = [(s, d, p) for s, d, p in facts.edges.get(edge.name, []) if s in names_src and d in names_dst]
    props = list(edge.props) or [None]
    out: list[tuple[str | None, Sample]] = []
    if template.sample == "none":
        return [(None, Sample(k=rng.choice([3, 5])))]
    if template.sample == "age":
        ages = sorted(set(facts.ages.values()))
        if not ages:
            return []
        for value in rng.sample(ages, min(per_template, len(ages))):
            out.append((None, Sample(value=value)))
        return out
    if template.sample == "pair":
        adjacency: dict[str, set[str]] = {}
        for s, d, _ in pairs:
            adjacency.setdefault(s, set()).add(d)
        candidates = []
        for s in sorted(adjacency):
            two = set()
            for m in adjacency[s]:
                two |= adjacency.get(m, set())
            for d in sorted((adjacency[s] | two) - {s}):
                candidates.append((s, d))
        for s, d in rng.sample(candidates, min(per_template, len(candidates))):
            out.append((None, Sample(vid=s, name=names_src[s], vid2=d, name2=names_dst[d])))
        return out
    if template.sample == "edge":
        for s, d, _p in rng.sample(pairs, min(per_template, len(pairs))):
            prop = rng.choice(props)
            out.append((prop, Sample(vid=s, name=names_src[s], vid2=d, name2=names_dst[d])))
        return out
    if template.sample == "target":
        targets = sorted({d for _, d, _ in pairs})
        for d in rng.sample(targets, min(per_template, len(targets))):
            out.append((rng.choice(props), Sample(vid=d, name=names_dst[d])))
        return out
    sources = sorted({s for s, _, _ in pairs})
    for s in rng.sample(sources, min(per_template, len(sources))):
        prop = rng.choice(props)
        sample = Sample(vid=s, name=names_src[s], k=rng.choice([2, 3]), steps=rng.choice([2, 3]))
        if template.sample == "value" and prop:
            values = sorted({p.get(prop) for src, _, p in pairs if src == s if isinstance(p.get(prop), int)})
            if not values:
                continue
            # a threshold below the largest value keeps at least one row
            sample.value = values[0] - 1 if len(values) == 1 else rng.choice(values[:-1])
        out.append((prop, sample))
    return out


def _applies(template: Template, spec: SpaceSpec, edge: EdgeSpec) -> bool:
    if template.needs == "self" and edge.src != edge.dst:
        return False
    if template.needs == "props" and not edge.props:
        return False
    if template.index:
        indexed = spec.indexes.get(edge.src)
        if indexed is None or not set(template.index) <= set(indexed):
            return False
    return True


def generate(
    engine: Engine,
    space: str,
    *,
    seed: int = 0,
    per_template: int = 6,
    id_prefix: str | None = None,
    timeout_s: float = 30.0,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[list[Example], list[Rejected]]:
    """Examples for ``space`` (English and Chinese per instance), executed on ``engine``;
    those that fail or return no rows are rejected with the reason."""
    spec = SPACES[space]
    rng = random.Random(f"{space}:{seed}")
    facts = collect_facts(engine, spec)
    prefix = id_prefix or f"ngql-{space}"
    planned: list[tuple[Template, EdgeSpec, str | None, Sample]] = []
    for template in TEMPLATES:
        seen_lookup = False
        for edge in spec.edges:
            if not _applies(template, spec, edge):
                continue
            if template.skeleton == "LOOKUP" or template.key == "fetch_vertex":
                # these depend on the tag only: instantiate once per source tag
                if seen_lookup:
                    continue
                seen_lookup = True
            for prop, sample in _instances(template, spec, edge, facts, rng, per_template):
                planned.append((template, edge, prop, sample))
    examples: list[Example] = []
    rejected: list[Rejected] = []
    seen_queries: set[str] = set()
    for index, (template, edge, prop, sample) in enumerate(planned):
        if progress:
            progress(index, len(planned))
        built = template.build(spec, edge, prop, sample)
        if built is None:
            continue
        query, english, chinese = built
        if query in seen_queries:
            continue
        seen_queries.add(query)
        record = {"template": template.key, "query": query}
        try:
            result = engine.execute(query, timeout_s=timeout_s)
        except QueryError as exc:
            rejected.append(Rejected(record, f"{exc.kind}: {exc.message}", f"ngql-gen/{space}"))
            continue
        except Exception as exc:  # an engine defect must not stop the build: report it
            rejected.append(Rejected(record, f"engine defect: {type(exc).__name__}: {exc}", f"ngql-gen/{space}"))
            continue
        if not result.rows:
            rejected.append(Rejected(record, "returns no rows", f"ngql-gen/{space}"))
            continue
        if result.truncated:
            rejected.append(Rejected(record, "result truncated at the row cap", f"ngql-gen/{space}"))
            continue
        number = len(examples) // 2
        meta = {
            "template": template.key,
            "skeleton": template.skeleton,
            "clauses": list(template.clauses),
            "edge": edge.name,
        }
        for language, variants in (("en", english), ("zh", chinese)):
            examples.append(
                Example(
                    id=f"{prefix}-{number:04d}-{language}",
                    dialect="ngql",
                    database=space,
                    question=rng.choice(variants),
                    query=query,
                    category=template.skeleton + (" + " + " + ".join(template.clauses) if template.clauses else ""),
                    language=language,
                    source=f"ngql-gen/{space}",
                    meta=dict(meta),
                )
            )
    if progress:
        progress(len(planned), len(planned))
    return examples, rejected


# --------------------------------------------------------------------- dialogues
#: the follow-up turns of a generated dialogue: (pattern, template builder, English, Chinese)
_FOLLOW_UPS = (
    (
        "filter",
        _go_where,
        "Only those with {a_en} above {value}, please, with the {en}.",
        "只看{zh}大于{value}的，并给出{zh}。",
    ),
    ("sort", _go_order_limit, "Now just the top {k} by {en}, ties by name.", "现在只要按{zh}排前{k}的（同分按名字）。"),
    (
        "aggregate",
        _go_aggregate,
        "How many are there in all, and what is their average {en}?",
        "一共有多少个？平均{zh}是多少？",
    ),
    ("hop", _go_steps, "And whom do you reach in {steps} hops from {name}?", "那从{name}出发走{steps}步能到达谁？"),
)


def generate_dialogues(
    engine: Engine, space: str, *, seed: int = 0, count: int = 12, id_prefix: str | None = None, timeout_s: float = 30.0
) -> tuple[list[Dialogue], list[Rejected]]:
    """Multi-turn dialogues (MTGQL's shape): a first question about one entity's
    neighbours, then follow-ups that filter, sort, aggregate and (on edges between the
    same tag) hop further. One English and one Chinese dialogue per sampled entity; a
    dialogue is kept only when every turn runs and returns rows."""
    spec = SPACES[space]
    rng = random.Random(f"dialogues:{space}:{seed}")
    facts = collect_facts(engine, spec)
    prefix = id_prefix or f"ngql-dlg-{space}"
    dialogues: list[Dialogue] = []
    rejected: list[Rejected] = []
    plans = []
    for edge in spec.edges:
        if not edge.props:
            continue
        names_src = facts.names.get(edge.src, {})
        names_dst = facts.names.get(edge.dst, {})
        out_degree: dict[str, list] = {}
        for s, d, p in facts.edges.get(edge.name, []):
            if s in names_src and d in names_dst:
                out_degree.setdefault(s, []).append(p)
        sources = sorted(s for s, props in out_degree.items() if len(props) >= 2)
        for s in rng.sample(sources, min(count, len(sources))):
            plans.append((edge, s, names_src[s], out_degree[s]))
    for number, (edge, vid, name, props_list) in enumerate(plans):
        prop = rng.choice(list(edge.props))
        values = sorted({p.get(prop) for p in props_list if isinstance(p.get(prop), int)})
        if not values:
            continue
        sample = Sample(vid=vid, name=name, k=2, steps=2, value=values[0] - 1 if len(values) == 1 else values[0])
        en_noun, zh_noun = edge.props[prop]
        first_q, first_en, first_zh = _go_basic(spec, edge, prop, sample)
        turns = [("", first_q, first_en[0], first_zh[0])]
        for pattern, builder, en, zh in _FOLLOW_UPS:
            if pattern == "hop" and edge.src != edge.dst:
                continue
            query = builder(spec, edge, prop, sample)[0]
            words = {
                "en": en_noun,
                "a_en": _a(en_noun),
                "zh": zh_noun,
                "value": sample.value,
                "k": sample.k,
                "steps": sample.steps,
                "name": name,
            }
            turns.append((pattern, query, en.format(**words), zh.format(**words)))
        failure = None
        for _pattern, query, _en, _zh in turns:
            try:
                result = engine.execute(query, timeout_s=timeout_s)
            except QueryError as exc:
                failure = f"{exc.kind}: {exc.message}"
                break
            if not result.rows:
                failure = "a turn returns no rows"
                break
        record_id = f"{prefix}-{number:03d}"
        if failure:
            rejected.append(Rejected({"id": record_id, "turns": [t[1] for t in turns]}, failure, f"ngql-gen/{space}"))
            continue
        for language, column in (("en", 2), ("zh", 3)):
            dialogues.append(
                Dialogue(
                    id=f"{record_id}-{language}",
                    dialect="ngql",
                    database=space,
                    turns=[Turn(question=t[column], query=t[1], pattern=t[0]) for t in turns],
                    language=language,
                    category="multi-turn",
                    source=f"ngql-gen/{space}",
                    meta={"edge": edge.name},
                )
            )
    return dialogues, rejected


__all__ = [
    "SPACES",
    "TEMPLATES",
    "SpaceSpec",
    "EdgeSpec",
    "Template",
    "generate",
    "generate_dialogues",
    "collect_facts",
]
