"""Performance at enterprise scale, side by side with the peers (issue 6).

Run on purpose (`make bench-scale`, or `python bench/scale.py --sizes 100k 1M`), never as a unit
test. For each size it generates an enterprise (`custvalue-kg generate`), loads it everywhere and
starts, one after another and each as its own process on 127.0.0.1:

- our service in memory (`custvalue-kg serve DATA`), with query workers and inline
  (`--query-timeout 0`);
- our service on a disk store (`custvalue-kg load` + `serve --store`), both ways;
- Oxigraph's own server (`oxigraph load` + `oxigraph serve --union-default-graph`);
- rdflib-endpoint over an rdflib Dataset with a union default graph.

Every server holds the same data: the ontology, the schemes, the sample enterprise and the
generated graph. Every server gets the same SPARQL text: each named query with its `#+` example
parameters bound by a VALUES block (`custvalue_kg.parameters.inject_values`). It measures load
times (against pyoxigraph's bulk loader), the median and p95 latency of every named query over
HTTP, throughput with concurrent clients, full SHACL validation, peak memory, and prints one
markdown table per size, writes docs/benchmarks.md (keeping its hand-written notes) and says
which goals are met.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/ is no package

import peers

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"
NOTES_MARKER = "<!-- notes below are kept when bench/scale.py rewrites this file -->"
SAMPLE_GRAPH = "https://w3id.org/custvalue/graph/sample"
ACCEPT = "application/sparql-results+json"
MB = 1024 * 1024
SLOW_WARMUP = 5.0  # seconds

# Goals of issue 6.
LATENCY_RATIO = 1.3  # every named query's median within 1.3x of Oxigraph server's
RDFLIB_FACTOR = 20.0  # at least 20x faster than rdflib-endpoint on the heavy queries
THROUGHPUT_RATIO = 0.8  # at least 0.8x Oxigraph's throughput
LOAD_RATIO = 1.3  # bulk load within 1.3x of pyoxigraph's bulk loader
VALIDATION_SECONDS = 30.0  # validating 1M triples
MEMORY_BYTES = 1.5 * 1024 * MB  # service memory at 1M


def installed_version(package: str) -> str:
    """A package's version, or "not installed" (rdflib-endpoint is a bench extra)."""
    try:
        return version(package)
    except PackageNotFoundError:
        return "not installed"


# --- queries -----------------------------------------------------------------------------------


def named_queries() -> list[tuple[str, str]]:
    """(name, SPARQL) of every named query with its example parameters bound by VALUES."""
    from custvalue_kg.catalog import QueryCatalog
    from custvalue_kg.parameters import inject_values

    queries = []
    for query in QueryCatalog.default():
        examples = {p.name: p.example for p in query.parameters if p.example}
        text = inject_values(query.text, query.bind(examples)) if examples else query.text
        queries.append((query.name, text))
    return queries


@dataclass
class Latency:
    times: list[float] = field(default_factory=list)  # seconds
    rows: int | None = None
    timed_out: bool = False
    error: str | None = None

    @property
    def median(self) -> float | None:
        return statistics.median(self.times) if self.times else None

    @property
    def p95(self) -> float | None:
        if not self.times:
            return None
        ordered = sorted(self.times)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def post(session: requests.Session, endpoint: str, sparql: str, timeout: float) -> bytes:
    response = session.post(endpoint, data=sparql.encode("utf-8"), timeout=timeout,
                            headers={"Content-Type": "application/sparql-query",
                                     "Accept": ACCEPT})
    if response.status_code != 200:
        raise RuntimeError(f"HTTP {response.status_code}: {response.text[:200]}")
    return response.content


def measure_latency(server: peers.Server, sparql: str, *, warmups: int, runs: int,
                    timeout: float, budget: float) -> Latency:
    """Warm up, then time ``runs`` requests (fewer once ``budget`` seconds are spent)."""
    result = Latency()
    session = requests.Session()
    spent = 0.0
    try:
        for attempt in range(warmups + runs):
            started = time.perf_counter()
            body = post(session, server.endpoint, sparql, timeout)
            elapsed = time.perf_counter() - started
            spent += elapsed
            if result.rows is None:
                result.rows = len(json.loads(body)["results"]["bindings"])
            # A warm-up of seconds is all evaluation (parsing the query is milliseconds): count it.
            if attempt >= warmups or elapsed > SLOW_WARMUP:
                result.times.append(elapsed)
            if spent > budget and result.times:
                break
    except requests.Timeout:
        result.timed_out = True
    except (requests.RequestException, RuntimeError, ValueError, KeyError) as exc:
        result.error = str(exc)[:200]
    finally:
        session.close()
    return result


@dataclass
class Throughput:
    completed: int = 0
    errors: int = 0
    seconds: float = 0.0
    mix: int = 0

    @property
    def qps(self) -> float:
        return self.completed / self.seconds if self.seconds else 0.0


def measure_throughput(server: peers.Server, queries: list[tuple[str, str]], *, clients: int,
                       duration: float, timeout: float) -> Throughput:
    """``clients`` threads, each running the queries in a loop until ``duration`` is over."""
    result = Throughput(mix=len(queries))
    lock = threading.Lock()
    started = time.perf_counter()
    deadline = started + duration

    def client(offset: int) -> None:
        session = requests.Session()
        done = errors = 0
        index = offset
        while time.perf_counter() < deadline:
            try:
                post(session, server.endpoint, queries[index % len(queries)][1], timeout)
                if time.perf_counter() <= deadline:
                    done += 1
            except (requests.RequestException, RuntimeError):
                errors += 1
            index += 1
        session.close()
        with lock:
            result.completed += done
            result.errors += errors

    threads = [threading.Thread(target=client, args=(i * len(queries) // clients,))
               for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.seconds = duration
    return result


# --- probes: in-process measurements in a fresh interpreter ----------------------------------

def probe(kind: str, data: Path, extra: Path | None, runs: int) -> dict:
    """One in-process measurement; runs in its own process so memory and caches start clean."""
    import pyoxigraph as ox

    from custvalue_kg.kg import KnowledgeGraph

    graph = ox.NamedNode(data.resolve().as_uri())
    if kind in ("ours-memory", "ours-disk"):
        kg = KnowledgeGraph.open(extra if kind == "ours-disk" else None)
        started = time.perf_counter()
        kg.load([data])  # flushes a disk store, like the reference below
        elapsed = time.perf_counter() - started
        kg.close()  # not timed: dropping an in-memory store is no part of loading
        return {"seconds": elapsed}
    if kind in ("pyoxigraph-memory", "pyoxigraph-disk"):
        store = ox.Store(str(extra)) if kind == "pyoxigraph-disk" else ox.Store()
        started = time.perf_counter()
        store.bulk_load(path=str(data), format=ox.RdfFormat.N_TRIPLES, to_graph=graph)
        store.flush()
        return {"seconds": time.perf_counter() - started}
    if kind == "validate-memory":
        # KnowledgeGraph.validate in process, on the same data in an in-memory store.
        kg = KnowledgeGraph.open()
        kg.load([data])
        started = time.perf_counter()
        kg.validate()
        return {"seconds": time.perf_counter() - started}
    if kind == "engine":
        # The engine alone: pyoxigraph in this process, answer serialised as SPARQL JSON.
        store = ox.Store()
        store.bulk_load(path=str(data), format=ox.RdfFormat.N_TRIPLES, to_graph=graph)
        store.bulk_load(path=str(extra), format=ox.RdfFormat.N_QUADS)
        medians = {}
        for name, sparql in named_queries():
            times = []
            for attempt in range(runs + 1):
                started = time.perf_counter()
                answer = store.query(sparql, use_default_graph_as_union=True)
                answer.serialize(format=ox.QueryResultsFormat.JSON)
                if attempt:
                    times.append(time.perf_counter() - started)
            medians[name] = statistics.median(times)
        return {"medians": medians}
    raise SystemExit(f"unknown probe {kind}")


def run_probe(kind: str, data: Path, extra: Path | None, log: Path, runs: int = 10) -> dict:
    args = [sys.executable, str(Path(__file__).resolve()), "--probe", kind, str(data),
            str(extra or ""), "--runs", str(runs)]
    peers.run_timed(args, log, timeout=3600)
    return json.loads(log.read_text().strip().splitlines()[-1])


# --- one size --------------------------------------------------------------------------------

@dataclass
class ServerResult:
    name: str
    latency: dict[str, Latency] = field(default_factory=dict)
    throughput: Throughput | None = None
    peak_memory: int = 0
    ready_seconds: float = 0.0
    restarts: int = 0
    note: str = ""
    other_load: float = 0.0  # share of the machine's CPU other processes used meanwhile


@dataclass
class SizeResult:
    triples: int
    generate_seconds: float = 0.0
    loads: dict[str, float | None] = field(default_factory=dict)
    engine: dict[str, float] = field(default_factory=dict)
    servers: dict[str, ServerResult] = field(default_factory=dict)
    validation_seconds: float | None = None  # the command line on the disk store
    validation_memory_seconds: float | None = None  # KnowledgeGraph.validate in memory
    validation_timeout: float = 0.0
    queries: list[str] = field(default_factory=list)


def cli(*args: str) -> list[str]:
    return [str(peers.BIN / "custvalue-kg"), *args]


def prepare(size: int, work: Path, args: argparse.Namespace, result: SizeResult) -> dict:
    """Generate the data and load it into every store; fills the load times."""
    data = work / "generated.nt"
    reference = work / "reference.nq"
    result.generate_seconds = peers.run_timed(
        cli("generate", "--triples", str(size), "--seed", str(args.seed), "-o", str(data),
            "--plan", str(work / "plan.json")), work / "generate.log", timeout=3600)
    # The ontology, schemes and sample enterprise, as our in-memory store holds them.
    from custvalue_kg.kg import KnowledgeGraph

    kg = KnowledgeGraph.open()
    reference.write_bytes(kg.export("nquads"))
    kg.close()
    loads = result.loads
    say(f"  loading {size:,} triples")
    loads["cli-memory"] = peers.run_timed(cli("load", str(data)), work / "load-cli-memory.log",
                                          timeout=3600)
    ours_store = work / "ours-store"
    loads["cli-disk"] = peers.run_timed(cli("load", str(data), "--store", str(ours_store)),
                                        work / "load-cli-disk.log", timeout=3600)
    peers.run_timed(cli("load", str(ROOT / "examples" / "sample-enterprise.ttl"), "--store",
                        str(ours_store), "--graph", SAMPLE_GRAPH), work / "load-sample.log",
                    timeout=600)
    ox_store = work / "oxigraph-store"
    loads["oxigraph-cli"] = peers.run_timed(
        [str(peers.BIN / "oxigraph"), "load", "--location", str(ox_store), "--file", str(data),
         "--graph", data.resolve().as_uri()], work / "load-oxigraph.log", timeout=3600)
    peers.run_timed([str(peers.BIN / "oxigraph"), "load", "--location", str(ox_store),
                     "--file", str(reference)], work / "load-oxigraph-reference.log", timeout=600)
    for kind in ("ours-memory", "pyoxigraph-memory", "ours-disk", "pyoxigraph-disk"):
        scratch = work / f"probe-{kind}"
        outcome = run_probe(kind, data, scratch, work / f"probe-{kind}.log")
        loads[kind] = outcome["seconds"]
        shutil.rmtree(scratch, ignore_errors=True)
    say("  engine alone (pyoxigraph in process)")
    result.engine = run_probe("engine", data, reference, work / "probe-engine.log",
                              runs=args.runs)["medians"]
    return {"data": data, "reference": reference, "ours_store": ours_store,
            "ox_store": ox_store}


def servers_for(work: Path, paths: dict, skip_rdflib: bool) -> list[tuple[str, peers.Server]]:
    data = paths["data"]
    chosen = [
        ("ours-memory", peers.ours("ours, in memory", peers.free_port(), work / "ours-mem.log",
                                   data=[data])),
        ("ours-memory-inline", peers.ours("ours, in memory, inline", peers.free_port(),
                                          work / "ours-mem-inline.log", data=[data],
                                          timeout=0)),
        ("ours-disk", peers.ours("ours, on disk", peers.free_port(), work / "ours-disk.log",
                                 store=paths["ours_store"])),
        ("ours-disk-inline", peers.ours("ours, on disk, inline", peers.free_port(),
                                        work / "ours-disk-inline.log",
                                        store=paths["ours_store"], timeout=0)),
        ("oxigraph-memory", peers.oxigraph(
            peers.free_port(), work / "oxigraph-memory.log",
            preload=[(paths["reference"], "application/n-quads", None),
                     (data, "application/n-triples", data.resolve().as_uri())])),
        ("oxigraph", peers.oxigraph(peers.free_port(), work / "oxigraph.log",
                                    location=paths["ox_store"])),
    ]
    if not skip_rdflib:
        chosen.append(("rdflib", peers.rdflib_endpoint(
            peers.free_port(), [paths["reference"], data], work / "rdflib.log")))
    return chosen


def measure_server(key: str, server: peers.Server, queries: list[tuple[str, str]],
                   args: argparse.Namespace) -> ServerResult:
    slow = key == "rdflib"
    result = ServerResult(server.name)
    say(f"  {server.name}: starting")
    server.start()
    result.ready_seconds = server.ready_seconds
    try:
        with peers.MemorySampler(server.process.pid) as memory, \
                peers.OtherLoad(server.process.pid) as others:
            for name, sparql in queries:
                latency = measure_latency(
                    server, sparql, warmups=1 if slow else args.warmups,
                    runs=args.rdflib_runs if slow else args.runs, timeout=args.timeout,
                    budget=args.timeout if slow else 600)
                result.latency[name] = latency
                if latency.timed_out:
                    # The peer keeps computing the abandoned query: start it afresh.
                    server.restart()
                    result.restarts += 1
            mix = [(n, q) for n, q in queries
                   if not result.latency[n].timed_out and not result.latency[n].error]
            say(f"  {server.name}: throughput, {args.clients} clients for {args.duration:g} s")
            result.throughput = measure_throughput(server, mix, clients=args.clients,
                                                   duration=args.duration, timeout=args.timeout)
            if len(mix) < len(queries):
                result.note = f"throughput over the {len(mix)} queries that did not time out"
        result.peak_memory = max(memory.peak, server.peak_rss())
        result.other_load = others.share
    finally:
        server.stop()
    return result


def run_size(size: int, args: argparse.Namespace) -> SizeResult:
    work = Path(tempfile.mkdtemp(prefix=f"scale-{size}-", dir=args.workdir))
    result = SizeResult(size, validation_timeout=args.validation_timeout)
    say(f"size {size:,}: working in {work}")
    try:
        paths = prepare(size, work, args, result)
        queries = named_queries()
        result.queries = [name for name, _ in queries]
        for key, server in servers_for(work, paths, args.skip_rdflib):
            result.servers[key] = measure_server(key, server, queries, args)
        say("  validating the disk store (custvalue-kg validate --store)")
        result.validation_seconds = peers.run_timed(
            cli("validate", "--store", str(paths["ours_store"])), work / "validate.log",
            timeout=args.validation_timeout)
        say("  validating in memory (KnowledgeGraph.validate)")
        result.validation_memory_seconds = run_probe(
            "validate-memory", paths["data"], None, work / "probe-validate.log")["seconds"]
        result.loads["rdflib-parse"] = rdflib_parse_seconds(work / "rdflib.log",
                                                            paths["data"])
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return result


def rdflib_parse_seconds(log: Path, data: Path) -> float | None:
    """The parse time of the generated file, from the rdflib peer's first start."""
    if not log.exists():
        return None
    for line in log.read_text(errors="replace").splitlines():
        if line.startswith("{") and str(data) in line:
            return json.loads(line)["seconds"]
    return None


# --- report ----------------------------------------------------------------------------------

COLUMNS = [("ours-memory", "ours, memory"), ("ours-memory-inline", "ours, memory, inline"),
           ("ours-disk", "ours, disk"), ("ours-disk-inline", "ours, disk, inline"),
           ("oxigraph-memory", "Oxigraph server, memory"), ("oxigraph", "Oxigraph server, disk"),
           ("rdflib", "rdflib-endpoint")]
OURS = [key for key, _ in COLUMNS if key.startswith("ours")]
# Like for like: our in-memory service against Oxigraph's in-memory server, disk against disk.
PEER = {"ours-memory": "oxigraph-memory", "ours-memory-inline": "oxigraph-memory",
        "ours-disk": "oxigraph", "ours-disk-inline": "oxigraph"}


def ms(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    value = seconds * 1000
    return f"{value:.2f}" if value < 10 else f"{value:.1f}" if value < 1000 else f"{value:,.0f}"


def cell(latency: Latency | None, timeout: float) -> str:
    if latency is None:
        return "–"
    if latency.timed_out:
        return f"> {timeout:g} s"
    if latency.error:
        return "error"
    return f"{ms(latency.median)} / {ms(latency.p95)}"


def ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def fmt_ratio(value: float | None, prefix: str = "") -> str:
    return "–" if value is None else f"{prefix}{value:.2f}x"


def paired(result: SizeResult, value) -> str:
    """ours/Oxigraph for the two default configurations, each against its like."""
    parts = []
    for key in ("ours-memory", "ours-disk"):
        peer = PEER[key]
        if key in result.servers and peer in result.servers:
            parts.append(fmt_ratio(ratio(value(result.servers[key]), value(result.servers[peer]))))
    return ", ".join(parts) or "–"


def heavy_queries(result: SizeResult) -> list[str]:
    """The queries whose Oxigraph median is in the top half."""
    oxigraph = result.servers.get("oxigraph")
    if oxigraph is None:
        return []
    ranked = sorted(result.queries, key=lambda n: oxigraph.latency[n].median or 0, reverse=True)
    return ranked[: len(ranked) // 2]


def rdflib_over(result: SizeResult, name: str, key: str, timeout: float) -> tuple[float, str]:
    """How many times slower rdflib-endpoint is than ``key`` on a query (a bound on timeout)."""
    rdflib, ours = result.servers["rdflib"].latency[name], result.servers[key].latency[name]
    if rdflib.timed_out:
        return timeout / ours.median, "> "
    return (rdflib.median or 0) / ours.median, ""


def table(result: SizeResult, args: argparse.Namespace) -> str:
    present = [(k, label) for k, label in COLUMNS if k in result.servers]
    heavy = heavy_queries(result)
    head = ["measure", *[label for _, label in present], "pyoxigraph in process",
            "ours/Oxigraph (memory/memory, disk/disk)"]
    if "rdflib" in result.servers:
        head.append("rdflib/ours (memory, disk)")
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]

    def row(label: str, cells: dict[str, str], engine: str, ratios: str, rdflib: str = "") -> None:
        values = [label, *[cells.get(k, "–") for k, _ in present], engine, ratios]
        if "rdflib" in result.servers:
            values.append(rdflib or "–")
        lines.append("| " + " | ".join(values) + " |")

    loads = result.loads
    seconds = {k: (f"{v:.1f}" if v is not None else "–") for k, v in loads.items()}
    row("load, command line (s)",
        {"ours-memory": seconds.get("cli-memory", "–"), "ours-disk": seconds.get("cli-disk", "–"),
         "oxigraph": seconds.get("oxigraph-cli", "–")}, "–",
        fmt_ratio(ratio(loads.get("cli-disk"), loads.get("oxigraph-cli")), "disk: "))
    row("load, in process (s)",
        {"ours-memory": seconds.get("ours-memory", "–"), "ours-disk": seconds.get("ours-disk", "–"),
         "rdflib": seconds.get("rdflib-parse", "–")},
        f"bulk_load: {seconds.get('pyoxigraph-memory', '–')} memory, "
        f"{seconds.get('pyoxigraph-disk', '–')} disk",
        "vs bulk_load: " + fmt_ratio(ratio(loads.get("ours-memory"),
                                           loads.get("pyoxigraph-memory")))
        + ", " + fmt_ratio(ratio(loads.get("ours-disk"), loads.get("pyoxigraph-disk"))))
    for name in result.queries:
        cells = {k: cell(result.servers[k].latency.get(name), args.timeout) for k, _ in present}
        ratios = paired(result, lambda s, n=name: s.latency[n].median)
        rdflib = ""
        if "rdflib" in result.servers:
            parts = []
            for key in ("ours-memory", "ours-disk"):
                if key in result.servers and result.servers[key].latency[name].median:
                    factor, bound = rdflib_over(result, name, key, args.timeout)
                    parts.append(f"{bound}{factor:,.0f}x" if factor >= 10 else
                                 f"{bound}{factor:.1f}x")
            rdflib = ", ".join(parts)
        rows = {label: result.servers[k].latency[name].rows for k, label in present
                if result.servers[k].latency[name].rows is not None}
        label = f"`{name}`" + (" (heavy)" if name in heavy else "")
        if len(set(rows.values())) > 1:
            label += " **rows differ: " + ", ".join(f"{s} {n}" for s, n in rows.items()) + "**"
        row(label, cells, ms(result.engine.get(name)), ratios, rdflib)
    qps = {k: (f"{s.throughput.qps:.1f}" + (f" ({s.throughput.errors} errors)"
                                            if s.throughput.errors else ""))
           for k, s in result.servers.items() if s.throughput}
    row(f"throughput, {args.clients} clients, {args.duration:g} s (queries/s)", qps, "–",
        paired(result, lambda s: s.throughput.qps))
    validation = ("–" if result.validation_seconds is None and not result.validation_timeout
                  else f"> {result.validation_timeout:g}" if result.validation_seconds is None
                  else f"{result.validation_seconds:.1f}")
    in_memory = result.validation_memory_seconds
    row("full SHACL validation (s): memory `KnowledgeGraph.validate`, disk `custvalue-kg "
        "validate --store`", {"ours-disk": validation, "ours-memory": "–" if in_memory is None
                              else f"{in_memory:.1f}"}, "–", "–")
    memory = {k: f"{s.peak_memory / MB:,.0f}" for k, s in result.servers.items()}
    row("peak memory (MB)", memory, "–", paired(result, lambda s: s.peak_memory))
    ready = {k: f"{s.ready_seconds:.1f}" for k, s in result.servers.items()}
    row("ready to answer after start (s)", ready, "–", "–")
    busy = {k: f"{s.other_load:.0%}" for k, s in result.servers.items()}
    row("CPU used by other processes meanwhile (share of all cores)", busy, "–", "–")
    restarts = {k: str(s.restarts) for k, s in result.servers.items() if s.restarts}
    if restarts:
        row("restarts after a timed-out query", restarts, "–", "–")
    return "\n".join(lines)


@dataclass
class Goal:
    text: str
    met: bool | None  # None: not measured at this size
    detail: str


def goals(result: SizeResult, args: argparse.Namespace) -> list[Goal]:
    found: list[Goal] = []
    servers = result.servers
    for key in OURS:
        if key not in servers or PEER[key] not in servers:
            continue
        oxigraph = servers[PEER[key]]
        ratios = {n: ratio(servers[key].latency[n].median, oxigraph.latency[n].median)
                  for n in result.queries}
        known = {n: r for n, r in ratios.items() if r is not None}
        worst = max(known, key=known.get)
        within = sum(1 for r in known.values() if r <= LATENCY_RATIO)
        gap = (servers[key].latency[worst].median - oxigraph.latency[worst].median) * 1000
        found.append(Goal(
            f"every median within {LATENCY_RATIO}x of Oxigraph's ({servers[key].name} vs "
            f"{oxigraph.name})", within == len(result.queries),
            f"{within} of {len(result.queries)} queries within; worst `{worst}` "
            f"{known[worst]:.2f}x ({gap:+.1f} ms)"))
        ox_qps = oxigraph.throughput.qps
        r = servers[key].throughput.qps / ox_qps
        found.append(Goal(f"throughput at least {THROUGHPUT_RATIO}x Oxigraph's "
                          f"({servers[key].name} vs {oxigraph.name})",
                          r >= THROUGHPUT_RATIO,
                          f"{r:.2f}x ({servers[key].throughput.qps:.1f} vs "
                          f"{ox_qps:.1f} queries/s)"))
    if "rdflib" in servers and "oxigraph" in servers:
        heavy = heavy_queries(result)
        for key in ("ours-memory", "ours-disk"):
            if key not in servers:
                continue
            factors = {n: rdflib_over(result, n, key, args.timeout) for n in heavy
                       if not servers["rdflib"].latency[n].error}
            if not factors:
                continue
            worst = min(factors, key=lambda n: factors[n][0])
            factor, bound = factors[worst]
            found.append(Goal(f"at least {RDFLIB_FACTOR:g}x faster than rdflib-endpoint on the "
                              f"heavy queries ({servers[key].name})",
                              all(f >= RDFLIB_FACTOR for f, _ in factors.values()),
                              f"least: `{worst}` {bound}{factor:,.1f}x"))
    for kind in ("memory", "disk"):
        r = ratio(result.loads.get(f"ours-{kind}"), result.loads.get(f"pyoxigraph-{kind}"))
        if r is not None:
            found.append(Goal(f"load within {LOAD_RATIO}x of pyoxigraph's bulk loader ({kind})",
                              r <= LOAD_RATIO,
                              f"{r:.2f}x ({result.loads[f'ours-{kind}']:.1f} s vs "
                              f"{result.loads[f'pyoxigraph-{kind}']:.1f} s)"))
    at_scale = result.triples >= 1_000_000
    for where, seconds in (("in memory", result.validation_memory_seconds),
                           ("on disk", result.validation_seconds)):
        found.append(Goal(
            f"validation of 1M triples under {VALIDATION_SECONDS:g} s ({where})",
            (seconds is not None and seconds < VALIDATION_SECONDS) if at_scale else None,
            (f"> {result.validation_timeout:g} s (stopped)" if seconds is None
             else f"{seconds:.1f} s") + ("" if at_scale else f" at {result.triples:,} triples")))
    for key in OURS:
        if key in servers:
            peak = servers[key].peak_memory
            found.append(Goal(f"service memory under 1.5 GB at 1M ({servers[key].name})",
                              peak < MEMORY_BYTES if at_scale else None,
                              f"{peak / MB:,.0f} MB" + ("" if at_scale else
                                                       f" at {result.triples:,} triples")))
    return found


def goal_lines(result: SizeResult, args: argparse.Namespace) -> list[str]:
    marks = {True: "met", False: "**missed**", None: "not judged at this size"}
    return [f"- {marks[g.met]}: {g.text}: {g.detail}" for g in goals(result, args)]


def machine() -> list[str]:
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    cores = sum(1 for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("processor"))
    memory = next((int(line.split()[1]) for line in Path("/proc/meminfo").read_text()
                   .splitlines() if line.startswith("MemTotal")), 0)
    oxigraph_cli = subprocess.run([str(peers.BIN / "oxigraph"), "--version"], text=True,
                                  capture_output=True).stdout.strip()
    packages = ", ".join(f"{p} {installed_version(p)}" for p in
                         ("pyoxigraph", "rdflib", "pyshacl", "rdflib-endpoint", "uvicorn",
                          "waitress", "flask"))
    return [f"- machine: {cpu}, {cores} cores, {memory / 1024 / 1024:.1f} GiB memory "
            f"({platform.system()} {platform.release()})",
            f"- Python {platform.python_version()}; {packages}; {oxigraph_cli} (server CLI)"]


def report(results: list[SizeResult], args: argparse.Namespace, command: str) -> str:
    parts = ["# Benchmarks: enterprise scale, side by side with the peers", "",
             "Written by `bench/scale.py` (`make bench-scale`); the notes at the end are "
             "hand-written.", "",
             f"- date: {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}",
             f"- command: `{command}`", *machine(),
             f"- method: each server alone on 127.0.0.1, one after another, same data "
             f"(ontology, schemes, sample enterprise, generated graph) and the same SPARQL text "
             f"(example parameters bound by VALUES); latency = {args.warmups} warm-ups then "
             f"{args.runs} timed POSTs per query (rdflib-endpoint: 1 warm-up, counted when over "
             f"{SLOW_WARMUP:g} s, up to {args.rdflib_runs} runs within {args.timeout:g} s, "
             f"{args.timeout:g} s timeout per request, restarted after a timeout); "
             f"throughput = {args.clients} client threads looping over the queries for "
             f"{args.duration:g} s; memory = the larger of the server's VmHWM and the sampled "
             f"PSS of its process group (our workers included); ratios and goals pair our "
             f"in-memory service with Oxigraph's in-memory server and disk with disk; "
             f"\"heavy\" = the queries whose median on Oxigraph's disk server is in the top "
             f"half; \"inline\" = "
             f"`--query-timeout 0`, queries in the web process instead of worker processes; "
             f"\"pyoxigraph in process\" = the engine alone, query and JSON serialisation "
             f"in one Python process, no HTTP.", ""]
    for result in results:
        parts += [f"## {result.triples:,} triples", "",
                  f"Generated in {result.generate_seconds:.1f} s. Cells: median / p95 in ms "
                  f"unless the row says otherwise.",
                  "", table(result, args), ""]
        notes = [f"- {s.name}: {s.note}" for s in result.servers.values() if s.note]
        parts += [*notes, *([""] if notes else []),
                  "Goals:", "", *goal_lines(result, args), ""]
    return "\n".join(parts)


def write_doc(text: str, path: Path) -> None:
    """Write the measured part; keep the hand-written notes after the marker."""
    notes = ""
    if path.exists():
        old = path.read_text(encoding="utf-8")
        if NOTES_MARKER in old:
            notes = old[old.index(NOTES_MARKER):]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + "\n" + (notes or NOTES_MARKER + "\n"), encoding="utf-8")


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def main() -> None:
    from custvalue_kg.generate import parse_size

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["100k", "1M"],
                        help="triples per run (100k, 1M, 10M, ...)")
    parser.add_argument("--runs", type=int, default=30, help="timed requests per query")
    parser.add_argument("--warmups", type=int, default=3)
    parser.add_argument("--rdflib-runs", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per request")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--duration", type=float, default=20.0,
                        help="seconds of the throughput run")
    parser.add_argument("--validation-timeout", type=float, default=900.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--skip-rdflib", action="store_true")
    parser.add_argument("--workdir", default=None, help="where data and stores go (temporary)")
    parser.add_argument("--keep", action="store_true", help="keep data, stores and logs")
    parser.add_argument("--output", default=str(DOC),
                        help="the markdown file to write ('-': none)")
    parser.add_argument("--probe", nargs=2, metavar=("KIND", "FILE"), help=argparse.SUPPRESS)
    parser.add_argument("probe_extra", nargs="?", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.probe:
        kind, data = args.probe
        extra = Path(args.probe_extra) if args.probe_extra else None
        print(json.dumps(probe(kind, Path(data), extra, args.runs)))
        return
    peers.install_cleanup()
    command = "python bench/scale.py " + " ".join(sys.argv[1:])
    results = []
    for size in args.sizes:
        results.append(run_size(parse_size(size), args))
        text = report(results, args, command)
        print(text, flush=True)
        if args.output != "-":
            write_doc(text, Path(args.output))


if __name__ == "__main__":
    main()
