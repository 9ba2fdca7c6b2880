"""A NebulaGraph-compatible server: graphd's Thrift ``GraphService`` on momq's engine.

NebulaGraph's own clients (``nebula3-python``, and the others that speak graphd's
protocol: a header-framed Thrift transport carrying ``authenticate``, ``signout``,
``execute``, ``executeJson`` and ``verifyClientVersion``) connect to this server as
they would to a graphd and run their queries on an embedded :class:`NgqlDatabase`.
The Thrift structures and the header transport are the ones ``nebula3-python`` ships
(``nebula3.graph`` / ``nebula3.common`` / ``nebula3.fbthrift``), so requests and
replies are encoded exactly as the client expects; this module only maps sessions,
results and errors.

The server listens on a loopback address only, accepts the configured user and
password, and runs each client connection in its own thread (queries of one database
are serialised by a lock: the engine is not thread-safe for writes).
"""

from __future__ import annotations

import datetime as _dt
import itertools
import json
import socket
import threading
import time
from typing import Any

from momq.errors import ConfigError, EngineUnavailable
from momq.ngql.engine import NgqlDatabase, ResultSet
from momq.ngql.errors import NgqlError, NgqlReadOnlyError, NgqlSemanticError, NgqlSyntaxError
from momq.ngql.values import (
    BAD_DATA,
    BAD_TYPE,
    DIV_BY_ZERO,
    EMPTY,
    NAN,
    NULL,
    OUT_OF_RANGE,
    OVERFLOW,
    UNKNOWN_PROP,
    Duration,
    Edge,
    Path,
    Vertex,
    hashable,
    is_empty,
    is_null,
    to_text,
)

try:
    from nebula3.common import ttypes as CT
    from nebula3.fbthrift.protocol.THeaderProtocol import THeaderProtocolFactory
    from nebula3.fbthrift.server.TServer import TServer
    from nebula3.fbthrift.transport import TSocket, TTransport
    from nebula3.fbthrift.transport.THeaderTransport import CLIENT_TYPE
    from nebula3.graph import GraphService
    from nebula3.graph import ttypes as GT
except ImportError as exc:  # pragma: no cover - depends on the installed extras
    raise EngineUnavailable(
        "the NebulaGraph-compatible server needs nebula3-python: pip install 'momq[nebula]'", engine="ngql"
    ) from exc

LOOPBACK = ("127.0.0.1", "::1", "localhost")
_CLIENT_TYPES = [
    CLIENT_TYPE.HEADER,
    CLIENT_TYPE.FRAMED_DEPRECATED,
    CLIENT_TYPE.UNFRAMED_DEPRECATED,
    CLIENT_TYPE.FRAMED_COMPACT,
]

_NULL_KINDS = {
    "__NULL__": CT.NullType.__NULL__,
    "NaN": CT.NullType.NaN,
    "BAD_DATA": CT.NullType.BAD_DATA,
    "BAD_TYPE": CT.NullType.BAD_TYPE,
    "OVERFLOW": CT.NullType.ERR_OVERFLOW,
    "UNKNOWN_PROP": CT.NullType.UNKNOWN_PROP,
    "DIV_BY_ZERO": CT.NullType.DIV_BY_ZERO,
    "OUT_OF_RANGE": CT.NullType.OUT_OF_RANGE,
}
_NULLS = {
    _NULL_KINDS[n.kind]: n for n in (NULL, NAN, BAD_DATA, BAD_TYPE, OVERFLOW, UNKNOWN_PROP, DIV_BY_ZERO, OUT_OF_RANGE)
}


# ------------------------------------------------------------------ values


def _b(s: str) -> bytes:
    return s.encode("utf-8")


def _vertex(v: Vertex) -> CT.Vertex:
    tags = [
        CT.Tag(name=_b(tag), props={_b(k): to_thrift(x) for k, x in props.items()}) for tag, props in v.tags.items()
    ]
    return CT.Vertex(vid=to_thrift(v.vid), tags=tags)


def _edge(e: Edge) -> CT.Edge:
    # graphd's edges carry the type's id, positive in the stored direction; clients
    # only read its sign (which end is the start)
    return CT.Edge(
        src=to_thrift(e.src),
        dst=to_thrift(e.dst),
        type=1,
        name=_b(e.type),
        ranking=e.rank,
        props={_b(k): to_thrift(x) for k, x in e.props.items()},
    )


def _path(p: Path) -> CT.Path:
    steps = [
        CT.Step(
            dst=_vertex(v),
            type=-1 if rev else 1,
            name=_b(e.type),
            ranking=e.rank,
            props={_b(k): to_thrift(x) for k, x in e.props.items()},
        )
        for e, rev, v in p.steps
    ]
    return CT.Path(src=_vertex(p.src), steps=steps)


def to_thrift(v: Any) -> CT.Value:
    """An engine value as graphd's ``nebula.Value`` union."""
    if v is None:
        return CT.Value(nVal=CT.NullType.__NULL__)
    if is_null(v):
        return CT.Value(nVal=_NULL_KINDS.get(v.kind, CT.NullType.__NULL__))
    if is_empty(v):
        return CT.Value()
    if isinstance(v, bool):
        return CT.Value(bVal=v)
    if isinstance(v, int):
        return CT.Value(iVal=v)
    if isinstance(v, float):
        return CT.Value(fVal=v)
    if isinstance(v, str):
        return CT.Value(sVal=_b(v))
    if isinstance(v, _dt.datetime):
        return CT.Value(
            dtVal=CT.DateTime(
                year=v.year,
                month=v.month,
                day=v.day,
                hour=v.hour,
                minute=v.minute,
                sec=v.second,
                microsec=v.microsecond,
            )
        )
    if isinstance(v, _dt.date):
        return CT.Value(dVal=CT.Date(year=v.year, month=v.month, day=v.day))
    if isinstance(v, _dt.time):
        return CT.Value(tVal=CT.Time(hour=v.hour, minute=v.minute, sec=v.second, microsec=v.microsecond))
    if isinstance(v, Vertex):
        return CT.Value(vVal=_vertex(v))
    if isinstance(v, Edge):
        return CT.Value(eVal=_edge(v))
    if isinstance(v, Path):
        return CT.Value(pVal=_path(v))
    if isinstance(v, list):
        return CT.Value(lVal=CT.NList(values=[to_thrift(x) for x in v]))
    if isinstance(v, frozenset):
        return CT.Value(uVal=CT.NSet(values=[to_thrift(x) for x in v]))
    if isinstance(v, dict):
        return CT.Value(mVal=CT.NMap(kvs={_b(k): to_thrift(x) for k, x in v.items()}))
    if isinstance(v, Duration):
        return CT.Value(duVal=CT.Duration(seconds=v.seconds, microseconds=v.microseconds, months=v.months))
    return CT.Value(sVal=_b(to_text(v)))


def _s(b: Any) -> str:
    return b.decode("utf-8", "replace") if isinstance(b, bytes) else b


def _props(props: dict | None) -> dict[str, Any]:
    return {_s(k): from_thrift(x) for k, x in (props or {}).items()}


def _from_vertex(v: CT.Vertex) -> Vertex:
    return Vertex(from_thrift(v.vid), {_s(t.name): _props(t.props) for t in v.tags or []})


def from_thrift(v: CT.Value) -> Any:
    """graphd's ``nebula.Value`` as an engine value (the inverse of :func:`to_thrift`);
    an edge walked against its direction (negative type) is stored src -> dst."""
    f, x = v.getType(), v.value
    if f == CT.Value.__EMPTY__:
        return EMPTY
    if f == CT.Value.NVAL:
        return _NULLS.get(x, NULL)
    if f in (CT.Value.BVAL, CT.Value.IVAL, CT.Value.FVAL):
        return x
    if f == CT.Value.SVAL:
        return _s(x)
    if f == CT.Value.DVAL:
        return _dt.date(x.year, x.month, x.day)
    if f == CT.Value.TVAL:
        return _dt.time(x.hour, x.minute, x.sec, x.microsec)
    if f == CT.Value.DTVAL:
        return _dt.datetime(x.year, x.month, x.day, x.hour, x.minute, x.sec, x.microsec)
    if f == CT.Value.VVAL:
        return _from_vertex(x)
    if f == CT.Value.EVAL:
        src, dst = from_thrift(x.src), from_thrift(x.dst)
        if x.type < 0:
            src, dst = dst, src
        return Edge(src, dst, _s(x.name), x.ranking, _props(x.props))
    if f == CT.Value.PVAL:
        node = _from_vertex(x.src)
        path = Path(node)
        for step in x.steps or []:
            nxt = _from_vertex(step.dst)
            rev = step.type < 0
            src, dst = (nxt.vid, node.vid) if rev else (node.vid, nxt.vid)
            path.steps.append((Edge(src, dst, _s(step.name), step.ranking, _props(step.props)), rev, nxt))
            node = nxt
        return path
    if f == CT.Value.LVAL:
        return [from_thrift(y) for y in x.values]
    if f == CT.Value.UVAL:
        return frozenset(hashable(from_thrift(y)) for y in x.values)
    if f == CT.Value.MVAL:
        return _props(x.kvs)
    if f == CT.Value.DUVAL:
        return Duration(x.months, x.seconds, x.microseconds)
    return NULL


def to_json(v: Any) -> Any:
    """graphd's JSON form of a value (``Value::toJson``): graph values become their
    properties, temporal values their text."""
    if v is None or is_null(v) or is_empty(v):
        return None
    if isinstance(v, (bool, int, float, str)):
        return v
    if isinstance(v, Vertex):
        return {f"{tag}.{k}": to_json(x) for tag, props in v.tags.items() for k, x in props.items()}
    if isinstance(v, Edge):
        return {k: to_json(x) for k, x in v.props.items()}
    if isinstance(v, Path):
        out: list[Any] = [to_json(v.src)]
        for e, _, node in v.steps:
            out += [to_json(e), to_json(node)]
        return out
    if isinstance(v, (list, frozenset)):
        return [to_json(x) for x in v]
    if isinstance(v, dict):
        return {k: to_json(x) for k, x in v.items()}
    return to_text(v).strip('"')


def _meta(v: Any) -> Any:
    """The ``meta`` entry graphd writes next to a JSON row value."""
    if isinstance(v, Vertex):
        return {"type": "vertex", "id": v.vid}
    if isinstance(v, Edge):
        return {"type": "edge", "id": {"src": v.src, "dst": v.dst, "type": 1, "name": v.type, "ranking": v.rank}}
    if isinstance(v, Path):
        return [_meta(x) for x in [v.src] + [y for e, _, n in v.steps for y in (e, n)]]
    if isinstance(v, list):
        return [_meta(x) for x in v]
    return None


def _error_code(exc: NgqlError) -> int:
    if isinstance(exc, NgqlSyntaxError):
        return CT.ErrorCode.E_SYNTAX_ERROR
    if isinstance(exc, NgqlReadOnlyError):
        return CT.ErrorCode.E_BAD_PERMISSION
    if isinstance(exc, NgqlSemanticError):
        return CT.ErrorCode.E_SEMANTIC_ERROR
    return CT.ErrorCode.E_EXECUTION_ERROR  # timeouts included


def _error_message(exc: NgqlError) -> str:
    """graphd prefixes syntax and semantic errors with their family."""
    return f"{exc.family}: {exc.message}" if exc.family != "ExecutionError" else exc.message


# ------------------------------------------------------------------ the service


class GraphHandler(GraphService.Iface):
    """graphd's GraphService on one embedded database."""

    def __init__(
        self,
        db: NgqlDatabase,
        user: str = "root",
        password: str = "nebula",
        read_only: bool = False,
        timeout_s: float | None = None,
    ):
        self.db = db
        self.user, self.password = user, password
        self.read_only = read_only
        self.timeout_s = timeout_s
        self._sessions: dict[int, Any] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    # --- sessions
    def authenticate(self, username=None, password=None):
        if (username or b"").decode("utf-8", "replace") != self.user or (password or b"").decode(
            "utf-8", "replace"
        ) != self.password:
            return GT.AuthResponse(
                error_code=CT.ErrorCode.E_BAD_USERNAME_PASSWORD, error_msg=b"Invalid password or username"
            )
        with self._lock:
            sid = next(self._ids)
            self._sessions[sid] = self.db.session(None, read_only=self.read_only)
        return GT.AuthResponse(
            error_code=CT.ErrorCode.SUCCEEDED, session_id=sid, time_zone_offset_seconds=0, time_zone_name=b"UTC"
        )

    def signout(self, sessionId=None):
        with self._lock:
            self._sessions.pop(sessionId, None)

    def verifyClientVersion(self, req=None):
        return GT.VerifyClientVersionResp(error_code=CT.ErrorCode.SUCCEEDED)

    # --- queries
    def _run(self, session_id: int, stmt: bytes) -> tuple[ResultSet | None, NgqlError | None, int, Any]:
        session = self._sessions.get(session_id)
        if session is None:
            return None, None, CT.ErrorCode.E_SESSION_INVALID, None
        text = (stmt or b"").decode("utf-8", "replace")
        if not text.strip():
            return None, None, CT.ErrorCode.E_STATEMENT_EMPTY, session
        with self._lock:
            try:
                return session.execute(text, timeout_s=self.timeout_s), None, CT.ErrorCode.SUCCEEDED, session
            except NgqlError as exc:
                return None, exc, _error_code(exc), session

    def execute(self, sessionId=None, stmt=None):
        started = time.perf_counter()
        rs, exc, code, session = self._run(sessionId, stmt)
        space = _b(session.space) if session is not None and session.space else None
        latency = int((time.perf_counter() - started) * 1e6)
        if code != CT.ErrorCode.SUCCEEDED:
            message = _error_message(exc) if exc is not None else _CODE_MESSAGES.get(code, "")
            return GT.ExecutionResponse(error_code=code, latency_in_us=latency, space_name=space, error_msg=_b(message))
        data = None
        if rs.columns:
            data = CT.DataSet(
                column_names=[_b(c) for c in rs.columns],
                rows=[CT.Row(values=[to_thrift(v) for v in row]) for row in rs.rows],
            )
        return GT.ExecutionResponse(error_code=code, latency_in_us=latency, data=data, space_name=space)

    def executeWithParameter(self, sessionId=None, stmt=None, parameterMap=None):
        if parameterMap:
            return GT.ExecutionResponse(
                error_code=CT.ErrorCode.E_SEMANTIC_ERROR,
                latency_in_us=0,
                error_msg=b"SemanticError: query parameters are not supported",
            )
        return self.execute(sessionId, stmt)

    def executeJson(self, sessionId=None, stmt=None):
        started = time.perf_counter()
        rs, exc, code, session = self._run(sessionId, stmt)
        latency = int((time.perf_counter() - started) * 1e6)
        if code != CT.ErrorCode.SUCCEEDED:
            message = _error_message(exc) if exc is not None else _CODE_MESSAGES.get(code, "")
            body: dict[str, Any] = {"errors": [{"code": code, "message": message}]}
        else:
            result = {
                "spaceName": session.space or "",
                "latencyInUs": latency,
                "columns": list(rs.columns),
                "data": [{"row": [to_json(v) for v in row], "meta": [_meta(v) for v in row]} for row in rs.rows],
                "errors": {"code": 0},
            }
            body = {"errors": [{"code": 0}], "results": [result]}
        return _b(json.dumps(body, default=str))

    def executeJsonWithParameter(self, sessionId=None, stmt=None, parameterMap=None):
        if parameterMap:
            body = {
                "errors": [
                    {
                        "code": CT.ErrorCode.E_SEMANTIC_ERROR,
                        "message": "SemanticError: query parameters are not supported",
                    }
                ]
            }
            return _b(json.dumps(body))
        return self.executeJson(sessionId, stmt)


_CODE_MESSAGES = {
    CT.ErrorCode.E_SESSION_INVALID: "Session not existed!",
    CT.ErrorCode.E_STATEMENT_EMPTY: "Statement empty.",
}


class GraphServer:
    """Listens on a loopback address and serves each connection in a thread."""

    def __init__(self, handler: GraphHandler, host: str = "127.0.0.1", port: int = 9669):
        if host not in LOOPBACK:
            raise ConfigError(f"the server only listens on a loopback address ({', '.join(LOOPBACK)}), not {host!r}")
        self.handler = handler
        try:
            self._listener = socket.create_server(
                (host, port), family=socket.AF_INET6 if ":" in host else socket.AF_INET
            )
        except OSError as exc:
            raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
        self.host, self.port = host, self._listener.getsockname()[1]
        # graphd's clients frame their requests with the header transport; plain framed
        # or unframed binary/compact Thrift clients are understood too
        self._server = TServer(
            GraphService.Processor(handler),
            None,
            TTransport.TTransportFactoryBase(),
            THeaderProtocolFactory(client_types=_CLIENT_TYPES),
        )
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def serve_forever(self) -> None:
        while not self._stopping.is_set():
            try:
                conn, _ = self._listener.accept()
            except OSError:
                break
            client = TSocket.TSocket()
            client.setHandle(conn)
            threading.Thread(target=self._server.handle, args=(client,), daemon=True).start()

    def start(self) -> GraphServer:
        """Serve in a background thread (for tests and embedding)."""
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        try:
            self._listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._listener.close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> GraphServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
