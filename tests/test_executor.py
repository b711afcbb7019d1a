"""Query execution in worker processes: answers, limits that stop, fresh data after writes."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from rdflib import URIRef

from custvalue_kg.errors import QueryError
from custvalue_kg.executor import (
    InlineExecutor,
    IsolatedExecutor,
    QueryTimeout,
    make_executor,
    make_request,
)
from custvalue_kg.kg import KnowledgeGraph

EX = "https://example.org/exec/"
# A cross product over the ontology and schemes: tens of millions of rows, many seconds.
HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@pytest.fixture(params=["memory", "disk"])
def kg(request, tmp_path: Path) -> KnowledgeGraph:
    location = None if request.param == "memory" else tmp_path / "store"
    return KnowledgeGraph.open(location, sample=False)


def labels(execution) -> list[str]:
    data = json.loads(execution.body)
    return [b["l"]["value"] for b in data["results"]["bindings"]]


def test_answers_come_back_serialised(kg: KnowledgeGraph) -> None:
    executor = IsolatedExecutor(kg.store, timeout=10, workers=2)
    try:
        query = ("SELECT ?l WHERE { ?c <http://www.w3.org/2004/02/skos/core#prefLabel> ?l ; "
                 "<http://www.w3.org/2004/02/skos/core#inScheme> ?s } ORDER BY ?l")
        request = make_request(query, {"s": URIRef("https://w3id.org/custvalue/scheme/phases")})
        execution = executor.run(request)
        assert execution.kind == "select"
        assert execution.media_type == "application/sparql-results+json"
        assert labels(execution) == ["Post-purchase", "Pre-purchase"]
        csv = executor.run(make_request("ASK { ?s ?p ?o }", result_format="csv"))
        assert csv.body.decode().split() == ["true"]
        graph = executor.run(make_request(
            "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 3", graph_format="turtle"))
        assert graph.kind == "graph" and graph.media_type == "text/turtle"
        capped = executor.run(make_request("SELECT * WHERE { ?s ?p ?o }", max_rows=5))
        assert capped.truncated and len(capped.result().rows) == 5
        with pytest.raises(QueryError, match="malformed query"):
            executor.run(make_request("SELECT * WHERE { ?s ?p }"))
    finally:
        executor.close()


def test_a_query_over_its_limit_is_stopped_and_the_pool_recovers(kg: KnowledgeGraph) -> None:
    executor = IsolatedExecutor(kg.store, timeout=1.0, workers=1)
    try:
        started = time.monotonic()
        with pytest.raises(QueryTimeout, match="longer than 1 s"):
            executor.run(make_request(HEAVY))
        assert time.monotonic() - started < 5
        # the worker was killed, not left running: a fresh one answers at once
        assert executor._idle.qsize() == 0
        assert executor.run(make_request("ASK { ?s ?p ?o }")).body
    finally:
        executor.close()


def test_workers_see_writes_after_invalidate(kg: KnowledgeGraph, tmp_path: Path) -> None:
    executor = IsolatedExecutor(kg.store, timeout=10, workers=1, write_lock=None)
    ask = make_request(f"ASK {{ <{EX}s> ?p ?o }}", result_format="json")
    try:
        assert json.loads(executor.run(ask).body)["boolean"] is False
        data = tmp_path / "d.ttl"
        data.write_text(f"<{EX}s> <{EX}p> <{EX}o> .")
        kg.load([data])
        executor.invalidate()
        assert json.loads(executor.run(ask).body)["boolean"] is True
    finally:
        executor.close()


def test_workers_exit_when_their_parent_is_killed(tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys

    script = tmp_path / "parent.py"
    script.write_text(
        "import sys, time\n"
        "from custvalue_kg.kg import KnowledgeGraph\n"
        "from custvalue_kg.executor import IsolatedExecutor, make_request\n"
        "kg = KnowledgeGraph.open(None, sample=False)\n"
        "ex = IsolatedExecutor(kg.store, timeout=10, workers=2)\n"
        "ex.run(make_request('ASK {}'))\n"
        "print(ex._idle.queue[0].process.pid, flush=True)\n"
        "time.sleep(60)\n")
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    worker = int(parent.stdout.readline())
    os.kill(worker, 0)  # alive while the parent lives
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(worker, 0)
        except ProcessLookupError:
            return
        time.sleep(0.2)
    raise AssertionError("the worker outlived its killed parent")


def test_inline_executor_for_remote_stores(remote_sample_kg: KnowledgeGraph) -> None:
    executor = make_executor(remote_sample_kg.store, timeout=30)
    assert isinstance(executor, InlineExecutor)
    execution = executor.run(make_request(
        "SELECT ?l WHERE { <https://w3id.org/custvalue/scheme/use> "
        "<http://www.w3.org/2004/02/skos/core#prefLabel> ?l }"))
    assert labels(execution) == ["Use"]
