"""Run queries where they can be stopped: a pool of worker processes with a per-query deadline.

pyoxigraph cannot interrupt a running query from Python, so a query limit is enforced by running
the query in a worker process and killing that process when the deadline passes. Workers see the
store as it was when they started:

- an in-memory store is shared by ``fork`` (copy-on-write, a few milliseconds), and workers are
  forked again after every write;
- an on-disk store is opened read-only by each worker, which reopens it after every write.

Results are serialised inside the worker by Oxigraph's own writers and travel back as bytes, so
the workers also take serialisation off the web process. Remote stores enforce their own limits;
their queries run inline (``InlineExecutor``), with the client's HTTP timeout.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import queue
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection

import pyoxigraph as ox
from rdflib.term import Node

from .errors import CustvalueError, QueryError
from .formats import RDF_FORMATS, rdf_format
from .parameters import parse_term
from .results import QueryResult, serialize_graph
from .store import EmbeddedStore, Store, oxigraph_query, result_from_sparql_json

RESULT_MEDIA_TYPES = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}
_OX_RESULT_FORMATS = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}


class QueryTimeout(QueryError):
    """The query ran longer than its limit and was stopped."""


@dataclass(frozen=True)
class Execution:
    """A finished query: its form, the serialised answer and whether rows were cut."""

    kind: str  # "select" | "ask" | "graph"
    body: bytes
    media_type: str
    fmt: str
    truncated: bool = False

    def result(self) -> QueryResult:
        """Decode an answer serialised as SPARQL JSON back into a QueryResult."""
        if self.fmt != "json":
            raise CustvalueError(f"cannot decode a {self.fmt} answer; ask for json")
        return result_from_sparql_json(json.loads(self.body))


@dataclass(frozen=True)
class QueryRequest:
    sparql: str
    bindings: dict[str, str]  # variable -> term in N-Triples syntax (picklable, exact)
    result_format: str = "json"  # for SELECT / ASK
    graph_format: str = "ntriples"  # for CONSTRUCT / DESCRIBE
    max_rows: int | None = None
    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None


def make_request(
    sparql: str,
    bindings: Mapping[str, Node] | None = None,
    *,
    result_format: str = "json",
    graph_format: str = "ntriples",
    max_rows: int | None = None,
    default_graphs: Sequence[str] | None = None,
    named_graphs: Sequence[str] | None = None,
) -> QueryRequest:
    if result_format not in RESULT_MEDIA_TYPES:
        raise CustvalueError(f"unknown result format {result_format!r}")
    rdf_format(graph_format)  # raises for an unknown one
    return QueryRequest(
        sparql=sparql,
        bindings={k: v.n3() for k, v in (bindings or {}).items()},
        result_format=result_format,
        graph_format=graph_format,
        max_rows=max_rows,
        default_graphs=tuple(default_graphs) if default_graphs is not None else None,
        named_graphs=tuple(named_graphs) if named_graphs is not None else None,
    )


# --- what a worker does (also used inline) --------------------------------------------------

def execute_on_oxigraph(store: ox.Store, request: QueryRequest) -> Execution:
    """Run one request against a pyoxigraph store and serialise the answer natively."""
    answer = oxigraph_query(
        store, request.sparql, {k: parse_term(v) for k, v in request.bindings.items()},
        default_graphs=request.default_graphs, named_graphs=request.named_graphs,
    )
    fmt = request.result_format
    if isinstance(answer, ox.QueryBoolean):
        body = answer.serialize(format=_OX_RESULT_FORMATS[fmt])
        return Execution("ask", body, RESULT_MEDIA_TYPES[fmt], fmt)
    if isinstance(answer, ox.QuerySolutions):
        if request.max_rows is None:
            body = answer.serialize(format=_OX_RESULT_FORMATS[fmt])
            return Execution("select", body, RESULT_MEDIA_TYPES[fmt], fmt)
        return _capped_solutions(answer, request.max_rows, fmt)
    graph_fmt = RDF_FORMATS[rdf_format(request.graph_format).name]
    triples = list(answer)
    truncated = False
    if request.max_rows is not None and len(triples) > request.max_rows:
        triples, truncated = triples[: request.max_rows], True
    body = ox.serialize(triples, format=graph_fmt.oxigraph)
    return Execution("graph", body, graph_fmt.media_type, graph_fmt.name, truncated)


def _capped_solutions(answer: ox.QuerySolutions, max_rows: int, fmt: str) -> Execution:
    """Keep the first ``max_rows`` solutions, re-serialised through our own writers."""
    from .terms import from_oxigraph

    variables = [v.value for v in answer.variables]
    rows = []
    truncated = False
    for solution in answer:
        if len(rows) == max_rows:
            truncated = True
            break
        rows.append(tuple(from_oxigraph(solution[i]) for i in range(len(variables))))
    text = QueryResult("select", variables=variables, rows=rows).serialize(fmt)
    return Execution("select", text.encode("utf-8"), RESULT_MEDIA_TYPES[fmt], fmt, truncated)


def _open_read_only(path: str) -> ox.Store:
    """Open a read-only view; retry while the writer's compaction swaps files under us."""
    for attempt in range(20):
        try:
            return ox.Store.read_only(path)
        except (OSError, RuntimeError):
            if attempt == 19:
                raise
            time.sleep(0.01 * (attempt + 1))
    raise AssertionError("unreachable")


def _worker_main(connection: Connection, path: str | None, snapshot: ox.Store | None,
                 parent: int) -> None:
    """Serve requests until the pipe closes; the parent kills us when a query overruns."""
    if snapshot is not None:
        # A forked child inherits every descriptor of the parent (sockets, other workers'
        # pipes, a browser driver's pipes): holding them would keep those open after the
        # parent closes them. Keep only stdio and our own pipe.
        keep = connection.fileno()
        os.closerange(3, keep)
        os.closerange(keep + 1, os.sysconf("SC_OPEN_MAX"))
    store = snapshot if snapshot is not None else _open_read_only(path)
    while True:
        try:
            # Sibling workers inherit copies of our pipe's parent end, so a killed parent does
            # not always close it: watch for being orphaned instead.
            while not connection.poll(1.0):
                if os.getppid() != parent:
                    os._exit(0)
            message = connection.recv()
        except (EOFError, OSError):
            break
        if message == "reopen":
            store = _open_read_only(path)
            continue
        try:
            connection.send(("ok", execute_on_oxigraph(store, message)))
        except CustvalueError as exc:
            connection.send(("error", type(exc).__name__, str(exc)))
        except Exception as exc:  # an engine failure must not kill the worker silently
            connection.send(("error", "QueryError", f"the query failed: {exc}"))
    os._exit(0)  # skip destructors: a forked worker must not touch the parent's state


class _Worker:
    def __init__(self, process: multiprocessing.process.BaseProcess, connection: Connection,
                 generation: int) -> None:
        self.process = process
        self.connection = connection
        self.generation = generation

    def stop(self) -> None:
        try:
            self.connection.close()
        finally:
            if self.process.is_alive():
                self.process.kill()
            self.process.join(timeout=5)


class Executor(ABC):
    """Runs queries for a server or a CLI; see IsolatedExecutor and InlineExecutor."""

    timeout: float | None = None

    @abstractmethod
    def run(self, request: QueryRequest, *, timeout: float | None = None) -> Execution:
        """Run one query and return its serialised answer."""

    def invalidate(self) -> None:  # noqa: B027 - nothing to refresh when running inline
        """The store was written to: later queries must see the new data."""

    def close(self) -> None:  # noqa: B027 - nothing to stop when running inline
        """Stop any workers."""


class InlineExecutor(Executor):
    """Runs queries in the calling thread: remote stores, or isolation switched off."""

    def __init__(self, store: Store, timeout: float | None = None) -> None:
        self.store = store
        self.timeout = timeout

    def run(self, request: QueryRequest, *, timeout: float | None = None) -> Execution:
        if isinstance(self.store, EmbeddedStore):
            return execute_on_oxigraph(self.store.oxigraph, request)
        result = self.store.query(
            request.sparql, {k: parse_term(v) for k, v in request.bindings.items()},
            default_graphs=request.default_graphs, named_graphs=request.named_graphs,
        )
        truncated = False
        if request.max_rows is not None and result.kind == "select" \
                and len(result.rows) > request.max_rows:
            result.rows, truncated = result.rows[: request.max_rows], True
        if result.kind == "graph":
            fmt = rdf_format(request.graph_format)
            body = serialize_graph(result.graph, fmt.name).encode("utf-8")
            return Execution("graph", body, fmt.media_type, fmt.name, truncated)
        fmt_name = request.result_format
        body = result.serialize(fmt_name).encode("utf-8")
        return Execution(result.kind, body, RESULT_MEDIA_TYPES[fmt_name], fmt_name, truncated)


class IsolatedExecutor(Executor):
    """A pool of worker processes over an embedded store, each query with a deadline."""

    def __init__(self, store: EmbeddedStore, *, timeout: float, workers: int = 2,
                 write_lock: threading.RLock | None = None) -> None:
        if timeout <= 0:
            raise ValueError("an isolated executor needs a positive timeout")
        self.store = store
        self.timeout = timeout
        self.size = max(1, workers)
        # Writers hold this lock; forking under it means no worker copies a half-done write.
        self.write_lock = write_lock or threading.RLock()
        self._generation = 0
        self._idle: queue.LifoQueue[_Worker] = queue.LifoQueue()
        self._slots = threading.BoundedSemaphore(self.size)
        self._closed = False
        if store.path is None:
            self._context = multiprocessing.get_context("fork")
        else:
            # A forked child must not share the parent's RocksDB handle; spawn opens its own.
            self._context = multiprocessing.get_context("spawn")

    def _start_worker(self) -> _Worker:
        parent_end, child_end = self._context.Pipe()
        if self.store.path is None:
            with self.write_lock:
                generation = self._generation
                process = self._context.Process(
                    target=_worker_main, args=(child_end, None, self.store.oxigraph, os.getpid()),
                    daemon=True,
                )
                process.start()
        else:
            generation = self._generation
            process = self._context.Process(
                target=_worker_main, args=(child_end, str(self.store.path), None, os.getpid()),
                daemon=True,
            )
            process.start()
        child_end.close()
        return _Worker(process, parent_end, generation)

    def _acquire(self) -> _Worker:
        while True:
            try:
                worker = self._idle.get_nowait()
            except queue.Empty:
                return self._start_worker()
            if not worker.process.is_alive():
                worker.stop()
                continue
            if worker.generation != self._generation:
                if self.store.path is None:
                    worker.stop()  # a forked snapshot cannot be refreshed: fork anew
                    continue
                worker.connection.send("reopen")
                worker.generation = self._generation
            return worker

    def run(self, request: QueryRequest, *, timeout: float | None = None) -> Execution:
        if self._closed:
            raise QueryError("the query executor is closed")
        limit = timeout if timeout is not None else self.timeout
        started = time.monotonic()
        if not self._slots.acquire(timeout=limit):
            raise QueryTimeout(f"no query worker became free within {limit:g} s")
        try:
            worker = self._acquire()
            remaining = max(0.001, limit - (time.monotonic() - started))
            try:
                worker.connection.send(request)
                if not worker.connection.poll(remaining):
                    worker.stop()
                    raise QueryTimeout(
                        f"the query ran longer than {limit:g} s and was stopped"
                    )
                reply = worker.connection.recv()
            except (EOFError, OSError, BrokenPipeError):
                worker.stop()
                raise QueryError("the query worker died while running the query") from None
            self._idle.put(worker)
        finally:
            self._slots.release()
        if reply[0] == "ok":
            return reply[1]
        _, kind, message = reply
        raise QueryTimeout(message) if kind == "QueryTimeout" else QueryError(message)

    def invalidate(self) -> None:
        with self.write_lock:
            self._generation += 1

    def close(self) -> None:
        self._closed = True
        while True:
            try:
                self._idle.get_nowait().stop()
            except queue.Empty:
                break


def make_executor(
    store: Store, *, timeout: float | None, workers: int = 2,
    write_lock: threading.RLock | None = None,
) -> Executor:
    """Isolated workers for an embedded store with a limit; inline otherwise."""
    if isinstance(store, EmbeddedStore) and timeout and timeout > 0:
        return IsolatedExecutor(store, timeout=timeout, workers=workers, write_lock=write_lock)
    return InlineExecutor(store, timeout)


__all__ = [
    "Execution", "Executor", "InlineExecutor", "IsolatedExecutor", "QueryRequest",
    "QueryTimeout", "make_executor", "make_request",
]
