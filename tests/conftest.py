"""Shared fixtures: the sample knowledge graph and a real Oxigraph server on 127.0.0.1."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from custvalue_kg.kg import KnowledgeGraph


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--store-backend", choices=("embedded", "oxigraph"), default="embedded",
        help="The store behind the live service in the service and UI tests: the embedded "
             "in-memory store, or a real `oxigraph serve` reached over the SPARQL protocol.")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "embedded_only: tests of the embedded store's own machinery (worker "
                   "processes, time limits), skipped with --store-backend=oxigraph")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--store-backend") != "oxigraph":
        return
    skip = pytest.mark.skip(reason="embedded store only")
    for item in items:
        if "embedded_only" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def store_backend(request: pytest.FixtureRequest) -> str:
    return request.config.getoption("--store-backend")


@pytest.fixture(scope="session")
def embedded_sample_kg() -> KnowledgeGraph:
    """An in-memory store with the ontology, the schemes and the sample enterprise."""
    return KnowledgeGraph.open()


@pytest.fixture(scope="session", params=["embedded", "oxigraph-server", "virtuoso"])
def sample_kg(request: pytest.FixtureRequest) -> KnowledgeGraph:
    """The sample enterprise on each kind of store: a test using it runs on all three, so the
    named queries are shown to give the same answers embedded and over the SPARQL protocol,
    on Oxigraph's server and on Virtuoso (Debian's virtuoso-opensource)."""
    if request.param == "embedded":
        return request.getfixturevalue("embedded_sample_kg")
    if request.param == "virtuoso":
        return request.getfixturevalue("virtuoso_sample_kg")
    return request.getfixturevalue("remote_sample_kg")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_http(url: str, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with code {process.returncode} before answering")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"no answer from {url} within {timeout} s")


def oxigraph_binary() -> str:
    """The `oxigraph` CLI from PyPI, installed beside this interpreter."""
    candidate = Path(sys.executable).parent / "oxigraph"
    found = str(candidate) if candidate.exists() else shutil.which("oxigraph")
    if not found:
        pytest.fail("the oxigraph server is not installed: pip install oxigraph (make test does)")
    return found


VIRTUOSO = "/usr/bin/virtuoso-t"
VIRTUOSO_INI = """[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
[Parameters]
ServerPort = 127.0.0.1:{sql_port}
NumberOfBuffers = 20000
MaxDirtyBuffers = 15000
DirsAllowed = {dir}
[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {dir}
ServerThreads = 8
[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 120
"""


class VirtuosoServer:
    """A real Virtuoso (Debian's virtuoso-opensource) on loopback, in a fresh database.

    Its default graph is the union of all graphs already; the SPARQL user is granted updates.
    """

    def __init__(self, location: Path) -> None:
        if not Path(VIRTUOSO).exists():
            pytest.fail("Virtuoso is not installed: apt-get install virtuoso-opensource-7-bin "
                        "(make test does)")
        self.sql_port, http_port = free_port(), free_port()
        ini = location / "virtuoso.ini"
        ini.write_text(VIRTUOSO_INI.format(dir=location, sql_port=self.sql_port,
                                           http_port=http_port))
        self.query_endpoint = f"http://127.0.0.1:{http_port}/sparql"
        self.process = subprocess.Popen(
            [VIRTUOSO, "+foreground", "+configfile", str(ini)], cwd=location,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        wait_for_http(self.query_endpoint + "?query=ASK%7B%7D", self.process, timeout=90)
        subprocess.run(["isql-vt", str(self.sql_port), "dba", "dba",
                        'exec=GRANT SPARQL_UPDATE TO "SPARQL";'],
                       check=True, capture_output=True, timeout=60)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


@pytest.fixture(scope="session")
def virtuoso_sample_kg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KnowledgeGraph]:
    """The sample enterprise in a real Virtuoso, reached over the SPARQL protocol."""
    server = VirtuosoServer(tmp_path_factory.mktemp("virtuoso"))
    yield KnowledgeGraph.open(server.query_endpoint, sample=True)
    server.stop()


class OxigraphServer:
    """A real `oxigraph serve` process with a union default graph, like our embedded store."""

    def __init__(self, location: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.query_endpoint = self.base + "/query"
        self.update_endpoint = self.base + "/update"
        self.process = subprocess.Popen(
            [oxigraph_binary(), "serve", "--location", str(location),
             "--bind", f"127.0.0.1:{self.port}", "--union-default-graph"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=os.environ.copy(),
        )
        wait_for_http(self.query_endpoint + "?query=ASK%7B%7D", self.process)

    def clear(self) -> None:
        request = urllib.request.Request(
            self.update_endpoint, data=b"update=DROP%20ALL", method="POST",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        urllib.request.urlopen(request, timeout=10).close()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OxigraphServer]:
    server = OxigraphServer(tmp_path_factory.mktemp("oxigraph"))
    yield server
    server.stop()


@pytest.fixture()
def empty_oxigraph(oxigraph_server: OxigraphServer) -> OxigraphServer:
    """The session's Oxigraph server, emptied for one test."""
    oxigraph_server.clear()
    return oxigraph_server


@pytest.fixture(scope="session")
def sample_oxigraph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OxigraphServer]:
    """A second Oxigraph server holding the sample enterprise; tests only read from it."""
    server = OxigraphServer(tmp_path_factory.mktemp("oxigraph-sample"))
    KnowledgeGraph.open(server.query_endpoint, sample=True)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def remote_sample_kg(sample_oxigraph: OxigraphServer) -> KnowledgeGraph:
    """The sample enterprise in a real Oxigraph server, reached over the SPARQL protocol."""
    return KnowledgeGraph.open(sample_oxigraph.query_endpoint)


class LiveServer:
    """The real service (waitress + the Flask app) on 127.0.0.1, in a background thread."""

    def __init__(self, kg: KnowledgeGraph, **settings: object) -> None:
        import threading

        import waitress

        from server import create_app
        from server.settings import Settings

        self.kg = kg
        self.app = create_app(kg, Settings(**settings))
        self.server = waitress.create_server(self.app, host="127.0.0.1", port=0, threads=8)
        self.port = self.server.effective_port
        self.base = f"http://127.0.0.1:{self.port}"
        self.sparql = self.base + "/sparql"
        self.stopping = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        try:
            self.server.run()
        except OSError:
            # closing the listening socket under a running select loop ends it with EBADF
            if not self.stopping:
                raise

    def stop(self) -> None:
        self.stopping = True
        self.server.task_dispatcher.shutdown(timeout=1)
        self.server.close()
        self.thread.join(timeout=5)
        self.app.extensions["custvalue_kg"].close()


@pytest.fixture(scope="session")
def backend_oxigraph(
    store_backend: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[OxigraphServer | None]:
    """With --store-backend=oxigraph: the Oxigraph server behind every fresh service."""
    if store_backend != "oxigraph":
        yield None
        return
    server = OxigraphServer(tmp_path_factory.mktemp("oxigraph-backend"))
    yield server
    server.stop()


@pytest.fixture()
def fresh_sample_kg(backend_oxigraph: OxigraphServer | None):
    """A factory of stores holding just the sample: in memory, or (--store-backend=oxigraph)
    the backend Oxigraph server emptied and refilled, so each test starts from the sample."""

    def open_fresh() -> KnowledgeGraph:
        if backend_oxigraph is None:
            return KnowledgeGraph.open()
        backend_oxigraph.clear()
        return KnowledgeGraph.open(backend_oxigraph.query_endpoint, sample=True)

    return open_fresh


@pytest.fixture()
def make_server(fresh_sample_kg) -> Iterator:
    """A factory of live servers with chosen settings (and store), stopped after the test."""
    servers: list[LiveServer] = []

    def start(kg: KnowledgeGraph | None = None, **settings: object) -> LiveServer:
        server = LiveServer(kg if kg is not None else fresh_sample_kg(), **settings)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(scope="session")
def live_server(store_backend: str, tmp_path_factory) -> Iterator[LiveServer]:
    """A read-only service on the sample enterprise, shared by the tests that only read.

    With --store-backend=oxigraph its store is a real Oxigraph server of its own.
    """
    oxigraph = None
    if store_backend == "oxigraph":
        oxigraph = OxigraphServer(tmp_path_factory.mktemp("oxigraph-live"))
        kg = KnowledgeGraph.open(oxigraph.query_endpoint, sample=True)
    else:
        kg = KnowledgeGraph.open()
    server = LiveServer(kg)
    yield server
    server.stop()
    if oxigraph is not None:
        oxigraph.stop()


TOKEN = "test-token-0123456789"


@pytest.fixture()
def writable_server(make_server) -> LiveServer:
    """A fresh service on its own in-memory sample store that accepts writes with TOKEN."""
    return make_server(update_token=TOKEN)


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


@pytest.fixture(scope="session")
def browser() -> Iterator:
    """Debian's headless chromium driven by Playwright (never a downloaded browser)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is not installed: apt-get install chromium (make test does)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                              args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture()
def page(browser) -> Iterator:
    """A fresh browser page; `page.console_errors` collects console errors and page errors."""
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    tab = context.new_page()
    errors: list[str] = []
    tab.on("console", lambda message: errors.append(message.text)
           if message.type == "error" else None)
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.console_errors = errors
    yield tab
    context.close()
