"""`custvalue-kg serve`: the installed command starts waitress and serves the graph."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path

from conftest import free_port, wait_for_http


def start(*args: str, env: dict | None = None) -> tuple[subprocess.Popen, str]:
    port = free_port()
    command = [str(Path(sys.executable).parent / "custvalue-kg"), "serve", "--port", str(port),
               *args]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env={**os.environ, **(env or {})})
    base = f"http://127.0.0.1:{port}"
    wait_for_http(base + "/healthz", process, timeout=60)
    return process, base


def stop(process: subprocess.Popen) -> str:
    process.send_signal(signal.SIGTERM)
    try:
        _, err = process.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        _, err = process.communicate()
    return err.decode()


def ask(base: str, query: str) -> bool:
    url = base + "/sparql?" + urllib.parse.urlencode({"query": query})
    request = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.headers["Server"] == "custvalue-kg"  # waitress, named by us
        return json.load(response)["boolean"]


def test_serve_defaults_to_the_sample_read_only() -> None:
    process, base = start()
    try:
        assert ask(base, "ASK { GRAPH <https://w3id.org/custvalue/graph/sample> { ?s ?p ?o } }")
        request = urllib.request.Request(
            base + "/sparql", data=b"update=CLEAR%20ALL", method="POST",
            headers={"Content-Type": "application/x-www-form-urlencoded"})
        try:
            urllib.request.urlopen(request, timeout=10)
            raise AssertionError("an update without a token must be refused")
        except urllib.error.HTTPError as error:
            assert error.code == 403
    finally:
        err = stop(process)
    assert "read-only" in err


def test_serve_loads_data_into_a_store_directory_and_takes_the_token_from_env(
    tmp_path: Path,
) -> None:
    data = tmp_path / "extra.ttl"
    data.write_text("<https://example.org/x> <https://example.org/p> 'served' .")
    process, base = start(str(data), "--store", str(tmp_path / "store"),
                          env={"CUSTVALUE_KG_UPDATE_TOKEN": "secret-token"})
    try:
        assert ask(base, "ASK { <https://example.org/x> ?p 'served' }")
        assert not ask(base, "ASK { GRAPH <https://w3id.org/custvalue/graph/sample> { ?s ?p ?o } }")
        request = urllib.request.Request(
            base + "/sparql", method="POST",
            data=b"INSERT DATA { <https://example.org/y> <https://example.org/p> 1 }",
            headers={"Content-Type": "application/sparql-update",
                     "Authorization": "Bearer secret-token"})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status in (200, 204)
        assert ask(base, "ASK { <https://example.org/y> ?p 1 }")
    finally:
        err = stop(process)
    assert "read-write" in err
