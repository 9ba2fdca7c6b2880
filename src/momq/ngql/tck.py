"""Conformance runner for NebulaGraph's test kit (Gherkin ``.feature`` files).

It reads features, expands scenario outlines, loads the ``nba`` space from the kit's
``config.yaml`` + CSVs, runs every query step on the embedded engine and checks it the
way the step text says (see ``shared/README.md``): result tables in any order or in
order, with or without relax comparison, empty results, successful execution, or an
error of a given class whose message starts with the given text.

A query step passes when its checks pass; steps of ``@skip`` scenarios are skipped.
``run_features`` returns a :class:`Report` with per-feature counts and failures.
"""

from __future__ import annotations

import copy
import csv
import datetime as _dt
import math
import re
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from momq.ngql.engine import NgqlDatabase
from momq.ngql.errors import NgqlError
from momq.ngql.storage import Catalog, Space
from momq.ngql.values import EMPTY, NULL, Edge, NullValue, Vertex, is_empty, is_null, to_text
from momq.ngql.values import Path as GPath

QUERY_STEPS = ("When executing query", "When profiling query", "When try to execute query", "When submit a job")


# ------------------------------------------------------------------ feature parsing


@dataclass
class Step:
    keyword: str  # Given/When/Then/And
    text: str
    doc: str | None = None
    table: list[list[str]] | None = None
    line: int = 0


@dataclass
class Scenario:
    name: str
    tags: list[str]
    steps: list[Step]
    line: int = 0


@dataclass
class Feature:
    path: str
    name: str
    background: list[Step]
    scenarios: list[Scenario]


def _split_row(line: str) -> list[str]:
    s = line.strip()
    assert s.startswith("|")
    cells, buf, i = [], [], 1
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s):
            buf.append(s[i : i + 2] if s[i + 1] != "|" else "|")
            i += 2
            continue
        if c == "|":
            cells.append("".join(buf).strip())
            buf = []
        else:
            buf.append(c)
        i += 1
    return cells


def parse_feature(path: str | Path) -> Feature:
    lines = Path(path).read_text().splitlines()
    name = ""
    background: list[Step] = []
    scenarios: list[Scenario] = []
    current: list[Step] | None = None
    pending_tags: list[str] = []
    outline: Scenario | None = None
    examples: list[list[str]] | None = None
    i = 0

    def flush_outline():
        nonlocal outline, examples
        if outline is not None and examples:
            header = examples[0]
            for n, row in enumerate(examples[1:]):
                sub = dict(zip(header, row))

                def fill(s):
                    return re.sub(r"<(\w+)>", lambda m: sub.get(m.group(1), m.group(0)), s) if s else s  # noqa: B023

                steps = [Step(st.keyword, fill(st.text), fill(st.doc), st.table, st.line) for st in outline.steps]
                scenarios.append(Scenario(f"{outline.name} #{n + 1}", outline.tags, steps, outline.line))
        outline = None
        examples = None

    while i < len(lines):
        raw = lines[i]
        s = raw.strip()
        i += 1
        if not s or s.startswith("#"):
            continue
        if s.startswith("@"):
            pending_tags += s.split()
            continue
        if s.startswith("Feature:"):
            name = s[len("Feature:") :].strip()
            continue
        if s.startswith("Background:"):
            current = background
            continue
        if s.startswith("Scenario Outline:") or s.startswith("Scenario:"):
            flush_outline()
            is_outline = s.startswith("Scenario Outline:")
            sc = Scenario(s.split(":", 1)[1].strip(), pending_tags, [], i)
            pending_tags = []
            if is_outline:
                outline = sc
            else:
                scenarios.append(sc)
            current = sc.steps
            continue
        if s.startswith("Examples:"):
            examples = []
            while i < len(lines) and lines[i].strip().startswith("|"):
                examples.append(_split_row(lines[i]))
                i += 1
            continue
        m = re.match(r"(Given|When|Then|And|But)\s+(.*)$", s)
        if m and current is not None:
            step = Step(m.group(1), m.group(2).rstrip(":").strip() if m.group(2).endswith(":") else m.group(2), line=i)
            step.text = m.group(2)
            # docstring or table
            while i < len(lines) and not lines[i].strip():
                i += 1
            if i < len(lines) and lines[i].strip().startswith('"""'):
                indent = len(lines[i]) - len(lines[i].lstrip())
                i += 1
                buf = []
                while i < len(lines) and not lines[i].strip().startswith('"""'):
                    ln = lines[i]
                    buf.append(ln[indent:] if ln[:indent].strip() == "" else ln.strip())
                    i += 1
                i += 1
                step.doc = "\n".join(buf)
            elif i < len(lines) and lines[i].strip().startswith("|"):
                table = []
                while i < len(lines) and (lines[i].strip().startswith("|") or lines[i].strip().startswith("#")):
                    if lines[i].strip().startswith("|"):
                        table.append(_split_row(lines[i]))
                    i += 1
                step.table = table
            current.append(step)
    flush_outline()
    return Feature(str(path), name, background, scenarios)


# ------------------------------------------------------------------ expected values


class Regex:
    def __init__(self, pattern: str):
        self.rx = re.compile(pattern)

    def __repr__(self):
        return f"/{self.rx.pattern}/"


class Unordered(list):
    """A list from ``<[var]>``: compared as a multiset."""


class ValueParser:
    def __init__(self, text: str, variables: dict[str, Any] | None = None):
        self.s = text
        self.i = 0
        self.variables = variables or {}

    def ws(self):
        while self.i < len(self.s) and self.s[self.i] in " \t\n":
            self.i += 1

    def peek(self, k: int = 0) -> str:
        j = self.i + k
        return self.s[j] if j < len(self.s) else ""

    def startswith(self, t: str) -> bool:
        return self.s.startswith(t, self.i)

    def expect(self, t: str):
        self.ws()
        if not self.startswith(t):
            raise ValueError(f"expected {t!r} at {self.i} in {self.s!r}")
        self.i += len(t)

    def parse(self) -> Any:
        self.ws()
        if self.i >= len(self.s):
            return EMPTY
        v = self.value()
        self.ws()
        if self.i != len(self.s):
            raise ValueError(f"trailing text in {self.s!r}")
        return v

    def value(self) -> Any:
        self.ws()
        c = self.peek()
        if c in "\"'":
            return self.string()
        if c == "/" and self.s.endswith("/") and self.i == 0:
            self.i = len(self.s)
            return Regex(self.s[1:-1])
        if c == "[":
            if self.peek(1) == ":":
                return self.edge()
            self.i += 1
            items = []
            self.ws()
            if self.peek() == "]":
                self.i += 1
                return items
            while True:
                items.append(self.value())
                self.ws()
                if self.peek() == ",":
                    self.i += 1
                    continue
                self.expect("]")
                return items
        if c == "{":
            return self.map_or_set()
        if c == "(":
            return self.vertex()
        if c == "<":
            if self.peek(1) == "[":
                j = self.s.index("]>", self.i)
                name = self.s[self.i + 2 : j]
                self.i = j + 2
                return Unordered(self.variables.get(name, []))
            return self.path()
        m = re.compile(r"-?\d+\.\d*(?:[eE][-+]?\d+)?|-?\d+[eE][-+]?\d+|-?\d+|[A-Za-z_][A-Za-z_0-9]*").match(
            self.s, self.i
        )
        if not m:
            raise ValueError(f"bad value at {self.i} in {self.s!r}")
        tok = m.group(0)
        self.i = m.end()
        if re.fullmatch(r"-?\d+", tok):
            return int(tok)
        if re.fullmatch(r"-?[\d.]+(?:[eE][-+]?\d+)?", tok):
            return float(tok)
        low = tok.lower()
        if low == "true":
            return True
        if low == "false":
            return False
        if tok in ("NULL", "__NULL__", "null", "Null"):
            return NULL
        if tok in ("BAD_TYPE", "BAD_DATA", "UNKNOWN_PROP", "DIV_BY_ZERO", "OVERFLOW", "NaN", "OUT_OF_RANGE"):
            return NullValue(tok)
        if tok in ("EMPTY", "__EMPTY__"):
            return EMPTY
        if tok in ("inf", "Infinity"):
            return math.inf
        raise ValueError(f"unknown word {tok!r} in {self.s!r}")

    def string(self) -> str:
        q = self.peek()
        self.i += 1
        buf = []
        while self.i < len(self.s):
            c = self.s[self.i]
            if c == "\\" and self.i + 1 < len(self.s):
                nxt = self.s[self.i + 1]
                buf.append({"n": "\n", "t": "\t"}.get(nxt, nxt))
                self.i += 2
                continue
            if c == q:
                self.i += 1
                return "".join(buf)
            buf.append(c)
            self.i += 1
        raise ValueError(f"unterminated string in {self.s!r}")

    def key(self) -> str:
        self.ws()
        if self.peek() in "\"'":
            return self.string()
        m = re.compile(r"[A-Za-z_0-9$.]+").match(self.s, self.i)
        if not m:
            raise ValueError(f"bad key in {self.s!r}")
        self.i = m.end()
        return m.group(0)

    def map_or_set(self) -> Any:
        self.i += 1
        self.ws()
        if self.peek() == "}":
            self.i += 1
            return {}
        save = self.i
        try:
            self.key()
            self.ws()
            is_map = self.peek() == ":"
        except ValueError:
            is_map = False
        self.i = save
        if is_map:
            out = {}
            while True:
                k = self.key()
                self.expect(":")
                out[k] = self.value()
                self.ws()
                if self.peek() == ",":
                    self.i += 1
                    continue
                self.expect("}")
                return out
        items = []
        while True:
            items.append(self.value())
            self.ws()
            if self.peek() == ",":
                self.i += 1
                continue
            self.expect("}")
            return frozenset(_hkey(x) for x in items) if False else ExpectedSet(items)

    def props(self) -> dict:
        self.ws()
        if self.peek() != "{":
            return None
        v = self.map_or_set()
        return v if isinstance(v, dict) else {}

    def vertex(self) -> "ExpVertex":
        self.expect("(")
        self.ws()
        vid = None
        if self.peek() not in ":)":
            vid = self.value()
        tags = {}
        while True:
            self.ws()
            if self.peek() == ":":
                self.i += 1
                name = self.key()
                props = self.props()
                tags[name] = props if props is not None else {}
                continue
            break
        self.expect(")")
        return ExpVertex(vid, tags)

    def edge(self, in_path: bool = False) -> "ExpEdge":
        self.expect("[")
        self.expect(":")
        etype = self.key()
        src = dst = None
        rank = None
        self.ws()
        if self.peek() in "\"'-0123456789" and not self.startswith("->") and not in_path:
            a = self.value()
            self.ws()
            if self.startswith("->"):
                self.i += 2
                b = self.value()
                src, dst = a, b
            elif self.startswith("<-"):
                self.i += 2
                b = self.value()
                src, dst = b, a
        self.ws()
        if self.peek() == "@":
            self.i += 1
            m = re.compile(r"-?\d+").match(self.s, self.i)
            rank = int(m.group(0))
            self.i = m.end()
        props = self.props()
        self.expect("]")
        return ExpEdge(etype, src, dst, rank, props)

    def path(self) -> "ExpPath":
        self.expect("<")
        nodes = [self.vertex()]
        steps = []
        while True:
            self.ws()
            if self.peek() == ">":
                self.i += 1
                break
            if self.startswith("<-"):
                self.i += 2
                e = self.edge(in_path=True)
                self.expect("-")
                rev = True
            else:
                self.expect("-")
                e = self.edge(in_path=True)
                self.expect("->")
                rev = False
            nxt = self.vertex()
            steps.append((e, rev))
            nodes.append(nxt)
        return ExpPath(nodes, steps)


class ExpectedSet(list):
    pass


def _hkey(x):
    return x


@dataclass
class ExpVertex:
    vid: Any
    tags: dict


@dataclass
class ExpEdge:
    type: str
    src: Any
    dst: Any
    rank: int | None
    props: dict | None


@dataclass
class ExpPath:
    nodes: list
    steps: list


# ------------------------------------------------------------------ comparison


def match_value(exp: Any, act: Any, relax: bool) -> bool:
    if isinstance(exp, Regex):
        return exp.rx.match(act if isinstance(act, str) else to_text(act)) is not None
    if is_null(exp):
        return is_null(act)
    if is_empty(exp):
        return is_empty(act)
    if isinstance(exp, bool):
        return act is exp
    if isinstance(exp, (int, float)):
        if isinstance(act, bool) or not isinstance(act, (int, float)):
            return False
        if isinstance(exp, int) and isinstance(act, int):
            return exp == act
        if isinstance(exp, float) and math.isnan(exp):
            return isinstance(act, float) and math.isnan(act)
        return math.isclose(exp, act, rel_tol=1e-6, abs_tol=1e-9)
    if isinstance(exp, str):
        if isinstance(act, (_dt.date, _dt.time)):
            return to_text(act) == exp
        return isinstance(act, str) and exp == act
    if isinstance(exp, Unordered):
        if isinstance(act, (list, frozenset)):
            return match_multiset(list(exp), list(act), relax)
        return False
    if isinstance(exp, ExpectedSet):
        if isinstance(act, (frozenset, list)):
            return match_multiset(list(exp), list(act), relax)
        return False
    if isinstance(exp, list):
        if relax and isinstance(act, list):
            return match_multiset(list(exp), act, relax)
        return (
            isinstance(act, list) and len(exp) == len(act) and all(match_value(e, a, relax) for e, a in zip(exp, act))
        )
    if isinstance(exp, dict):
        if not isinstance(act, dict):
            return False
        if relax:
            return all(k in act and match_value(v, act[k], relax) for k, v in exp.items())
        return exp.keys() == act.keys() and all(match_value(v, act[k], relax) for k, v in exp.items())
    if isinstance(exp, ExpVertex):
        return isinstance(act, Vertex) and match_vertex(exp, act, relax)
    if isinstance(exp, ExpEdge):
        return isinstance(act, Edge) and match_edge(exp, act, relax)
    if isinstance(exp, ExpPath):
        if not isinstance(act, GPath) or len(act.steps) != len(exp.steps):
            return False
        nodes = act.nodes()
        if not all(match_vertex(e, a, relax or not e.tags) for e, a in zip(exp.nodes, nodes)):
            return False
        for (ee, rev), (ae, arev, _av) in zip(exp.steps, act.steps):
            if ee.type != ae.type or rev != arev:
                return False
            if ee.rank is not None and ee.rank != ae.rank:
                return False
            if ee.props is not None and not match_value(ee.props, ae.props, relax):
                return False
        return True
    return exp == act


def match_vertex(exp: ExpVertex, act: Vertex, relax: bool) -> bool:
    if exp.vid is not None and not match_value(exp.vid, act.vid, False):
        return False
    if not exp.tags:
        return True
    if not relax and set(exp.tags) != set(act.tags):
        return False
    for tag, props in exp.tags.items():
        if tag not in act.tags:
            return False
        if not match_value(props, act.tags[tag], relax):
            return False
    return True


def match_edge(exp: ExpEdge, act: Edge, relax: bool) -> bool:
    if exp.type != act.type:
        return False
    if exp.src is not None and not (match_value(exp.src, act.src, False) and match_value(exp.dst, act.dst, False)):
        return False
    if exp.rank is not None and exp.rank != act.rank:
        return False
    if exp.props is not None and not match_value(exp.props, act.props, relax or not exp.props):
        return False
    return True


def match_multiset(exp: list, act: list, relax: bool) -> bool:
    if len(exp) != len(act):
        return False
    used = [False] * len(act)
    # exact-looking expectations first
    order = sorted(range(len(exp)), key=lambda i: isinstance(exp[i], Regex))
    for i in order:
        e = exp[i]
        for j, a in enumerate(act):
            if not used[j] and match_value(e, a, relax):
                used[j] = True
                break
        else:
            return False
    return True


def match_rows(exp_rows: list[list], act_rows: list[list], ordered: bool, relax: bool) -> bool:
    if len(exp_rows) != len(act_rows):
        return False
    if ordered:
        return all(
            len(e) == len(a) and all(match_value(x, y, relax) for x, y in zip(e, a)) for e, a in zip(exp_rows, act_rows)
        )
    used = [False] * len(act_rows)
    for e in exp_rows:
        for j, a in enumerate(act_rows):
            if not used[j] and len(e) == len(a) and all(match_value(x, y, relax) for x, y in zip(e, a)):
                used[j] = True
                break
        else:
            return False
    return True


# ------------------------------------------------------------------ nba loader


def load_kit_space(config_path: Path, catalog: Catalog, space_name: str | None = None) -> str:
    import yaml

    cfg = yaml.safe_load(config_path.read_text())
    sp = cfg["space"]
    name = space_name or sp["name"]
    vt = str(sp.get("vidType", "FIXED_STRING(32)")).upper()
    db = NgqlDatabase(catalog)
    if vt.startswith("FIXED_STRING"):
        n = int(re.search(r"\((\d+)\)", vt).group(1))
        db.load_script(f"CREATE SPACE IF NOT EXISTS `{name}`(vid_type=FIXED_STRING({n}));")
    else:
        db.load_script(f"CREATE SPACE IF NOT EXISTS `{name}`(vid_type=INT64);")
    db.load_script(f"USE `{name}`;\n" + cfg["schema"])
    space: Space = catalog.spaces[name]
    for f in cfg["files"]:
        path = (config_path.parent / f["path"]).resolve()
        with path.open(newline="") as fh:
            rows = list(csv.reader(fh))
        if f.get("withHeader"):
            rows = rows[1:]
        if f["type"] == "vertex":
            vcfg = f["vertex"]
            vidx = vcfg["vid"]["index"]
            for r in rows:
                vid = _conv(r[vidx], vcfg["vid"].get("type", "string"))
                for tag in vcfg["tags"]:
                    schema = space.tags[tag["name"]]
                    names = [p["name"] for p in tag["props"]]
                    vals = [_conv(r[p["index"]], p["type"]) for p in tag["props"]]
                    space.insert_vertex(vid, tag["name"], space.build_props(schema, names, vals))
        else:
            ecfg = f["edge"]
            schema = space.edges[ecfg["name"]]
            for r in rows:
                src = _conv(r[ecfg["srcVID"]["index"]], ecfg["srcVID"].get("type", "string"))
                dst = _conv(r[ecfg["dstVID"]["index"]], ecfg["dstVID"].get("type", "string"))
                rank = int(r[ecfg["rank"]["index"]]) if "rank" in ecfg else 0
                names = [p["name"] for p in ecfg["props"]]
                vals = [_conv(r[p["index"]], p["type"]) for p in ecfg["props"]]
                space.insert_edge(src, dst, ecfg["name"], rank, space.build_props(schema, names, vals))
    return name


def _conv(text: str, typ: str) -> Any:
    typ = typ.lower()
    if typ == "string":
        if text in ("null", "Null", "NULL", "__NULL__"):
            return NULL
        return text
    if text in ("", "null", "NULL"):
        return NULL
    if typ in ("int", "int64", "timestamp"):
        return int(text)
    if typ in ("double", "float"):
        return float(text)
    if typ == "bool":
        return text.lower() == "true"
    return text


# ------------------------------------------------------------------ runner


@dataclass
class Failure:
    feature: str
    scenario: str
    line: int
    query: str
    expected: str
    got: str


@dataclass
class FeatureResult:
    path: str
    passed: int = 0
    failed: int = 0
    skipped: int = 0


@dataclass
class Report:
    features: list[FeatureResult] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    elapsed_s: float = 0.0

    @property
    def passed(self) -> int:
        return sum(f.passed for f in self.features)

    @property
    def failed(self) -> int:
        return sum(f.failed for f in self.features)

    @property
    def skipped(self) -> int:
        return sum(f.skipped for f in self.features)

    def to_json(self) -> dict:
        return {
            "passed": self.passed,
            "failed": self.failed,
            "skipped": self.skipped,
            "elapsed_s": round(self.elapsed_s, 2),
            "features": [f.__dict__ for f in self.features],
            "failures": [f.__dict__ for f in self.failures],
        }


class KitData:
    """The kit's data folder (``tck/``): loads each kit space once and hands out copies."""

    def __init__(self, kit_dir: Path):
        self.kit_dir = kit_dir
        self._spaces: dict[str, Catalog] = {}

    def catalog(self, name: str) -> Catalog:
        if name not in self._spaces:
            cat = Catalog()
            load_kit_space(self.kit_dir / name / "config.yaml", cat)
            self._spaces[name] = cat
        return self._spaces[name]


def _format_result(columns, rows, limit: int = 20) -> str:
    out = [" | ".join(columns)]
    for r in rows[:limit]:
        out.append(" | ".join(to_text(v) for v in r))
    if len(rows) > limit:
        out.append(f"... {len(rows) - limit} more rows")
    return "\n".join(out)


class ScenarioRunner:
    def __init__(
        self,
        kit: KitData,
        feature: Feature,
        scenario: Scenario,
        result: FeatureResult,
        failures: list[Failure],
        timeout_s: float,
    ):
        self.kit, self.feature, self.scenario = kit, feature, scenario
        self.result, self.failures = result, failures
        self.timeout_s = timeout_s
        self.db: NgqlDatabase | None = None
        self.session = None
        self.variables: dict[str, Any] = {}
        self.last: tuple | None = None  # (query, result or exception, line)
        self.pending: bool = False  # a query step not yet judged

    def fail(self, expected: str, got: str):
        q, _, line = self.last
        self.failures.append(Failure(self.feature.path, self.scenario.name, line, q, expected, got))

    def judge(self, ok: bool, expected: str = "", got: str = ""):
        if not self.pending:
            return
        self.pending = False
        if ok:
            self.result.passed += 1
        else:
            self.result.failed += 1
            self.fail(expected, got)

    def run(self, steps: list[Step]):
        for st in steps:
            self.step(st)
        if self.pending:
            # a query step with no check after it passes when it ran without error
            res = self.last[1]
            self.judge(not isinstance(res, Exception), "success", repr(res))

    def step(self, st: Step):
        t = st.text
        if t.startswith("a graph with space named"):
            name = re.search(r'"([^"]+)"', t).group(1)
            self.db = NgqlDatabase(copy.deepcopy(self.kit.catalog(name)))
            self.session = self.db.session(name)
            return
        if t.startswith("an empty graph"):
            self.db = NgqlDatabase()
            self.session = self.db.session()
            return
        if t.startswith("create a space with following options"):
            opts = {r[0]: r[1] for r in (st.table or [])}
            name = "s_" + uuid.uuid4().hex[:8]
            vt = opts.get("vid_type", "FIXED_STRING(32)")
            self.session.execute(f"CREATE SPACE `{name}`(vid_type={vt})")
            self.session.execute(f"USE `{name}`")
            return
        m = re.match(r'load "([^"]+)" csv data to a new space', t)
        if m:
            name = "s_" + uuid.uuid4().hex[:8]
            load_kit_space(self.kit.kit_dir / m.group(1) / "config.yaml", self.db.catalog, name)
            self.session.space = name
            return
        if t.startswith("having executed"):
            self.db.load_script(st.doc or "", self.session.space) if False else self._exec_script(st.doc or "")
            return
        if any(t.startswith(k.split(" ", 1)[1]) for k in QUERY_STEPS) and st.keyword == "When":
            if self.pending:
                res = self.last[1]
                self.judge(not isinstance(res, Exception), "success", repr(res))
            q = st.doc or ""
            if t.startswith("profiling"):
                q = re.sub(r"^\s*PROFILE\s+", "", q, flags=re.I)
            try:
                rs = self.session.execute(q, timeout_s=self.timeout_s)
                res: Any = rs
            except NgqlError as exc:
                res = exc
            except Exception as exc:  # noqa: BLE001 - a crash is a failed step, not a crashed run
                res = exc
            self.last = (q, res, st.line)
            self.pending = True
            return
        if t.startswith("the result should be") or t.startswith("the result should be empty"):
            self.check_result(st)
            return
        if t.startswith("the execution should be successful"):
            res = self.last[1] if self.last else None
            self.judge(not isinstance(res, Exception), "success", _describe(res))
            return
        m = re.match(r"an? (\w+) should be raised at (\w+):?(.*)$", t)
        if m:
            self.check_error(m.group(1), m.group(3).strip())
            return
        if t.startswith("define some list variables"):
            table = st.table or []
            header = table[0]
            for j, name in enumerate(header):
                vals = []
                for row in table[1:]:
                    if j < len(row) and row[j].strip():
                        vals.append(ValueParser(row[j]).parse())
                self.variables[name] = vals
            return
        # plans, waits, jobs, side effects: nothing to check here
        return

    def _exec_script(self, text: str):
        from momq.ngql.engine import split_statements

        for chunk in split_statements(text):
            if chunk.strip():
                self.session.execute(chunk)

    def check_result(self, st: Step):
        if not self.pending:
            return
        res = self.last[1]
        t = st.text
        if isinstance(res, Exception):
            self.judge(False, t, _describe(res))
            return
        if t.startswith("the result should be empty"):
            self.judge(not res.rows, "empty", _format_result(res.columns, res.rows))
            return
        ordered = "in order" in t and "any order" not in t
        relax = "relax comparison" in t
        table = st.table or []
        if not table:
            self.judge(False, "a table", "no table")
            return
        header = table[0]
        try:
            exp_rows = [[ValueParser(c, self.variables).parse() for c in row] for row in table[1:]]
        except (ValueError, IndexError) as exc:
            self.judge(False, f"parsable expected table ({exc})", "")
            return
        cols_ok = header == res.columns
        rows_ok = match_rows(exp_rows, res.rows, ordered, relax)
        self.judge(
            cols_ok and rows_ok, "\n".join(" | ".join(r) for r in table[:21]), _format_result(res.columns, res.rows)
        )

    def check_error(self, kind: str, msg: str):
        res = self.last[1] if self.last else None
        if not isinstance(res, Exception):
            self.judge(False, f"{kind}: {msg}", _describe(res))
            return
        fam = getattr(res, "family", "PythonError")
        got_msg = getattr(res, "message", str(res))
        ok = fam.lower() == kind.lower() and (not msg or got_msg.strip().startswith(msg.strip()))
        self.judge(ok, f"{kind}: {msg}", f"{fam}: {got_msg}")


def _describe(res: Any) -> str:
    if isinstance(res, Exception):
        return f"{getattr(res, 'family', type(res).__name__)}: {getattr(res, 'message', str(res))}"
    if res is None:
        return "nothing"
    return _format_result(res.columns, res.rows)


def find_features(paths: list[str | Path]) -> list[Path]:
    out: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            out += sorted(p.rglob("*.feature"))
        else:
            out.append(p)
    return out


def default_kit_dir(feature_path: Path) -> Path:
    for parent in [feature_path, *feature_path.parents]:
        if (parent / "nba" / "config.yaml").exists():
            return parent
    from momq.settings import data_dir

    return data_dir() / "ngql" / "tck"


def run_features(
    paths: list[str | Path], timeout_s: float = 10.0, kit_dir: Path | None = None, progress=None
) -> Report:
    files = find_features(paths)
    report = Report()
    start = time.monotonic()
    kit = KitData(kit_dir or (default_kit_dir(files[0].resolve()) if files else Path(".")))
    for path in files:
        feature = parse_feature(path)
        fr = FeatureResult(str(path))
        for sc in feature.scenarios:
            n_queries = sum(
                1
                for s in feature.background + sc.steps
                if s.keyword == "When" and any(s.text.startswith(k.split(" ", 1)[1]) for k in QUERY_STEPS)
            )
            if "@skip" in sc.tags:
                fr.skipped += n_queries
                continue
            runner = ScenarioRunner(kit, feature, sc, fr, report.failures, timeout_s)
            try:
                runner.run(feature.background + sc.steps)
            except Exception as exc:  # noqa: BLE001 - setup failure: count the rest as failed
                done = fr.passed + fr.failed
                del done
                runner.pending = False
                counted = sum(1 for f in report.failures if f.scenario == sc.name)
                remaining = max(0, n_queries - counted - 0)
                fr.failed += remaining
                report.failures.append(
                    Failure(str(path), sc.name, sc.line, "<setup>", "scenario setup", f"{type(exc).__name__}: {exc}")
                )
        report.features.append(fr)
        if progress:
            progress(fr)
    report.elapsed_s = time.monotonic() - start
    return report
