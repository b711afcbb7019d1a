"""Where the time goes on the in-process path, for the goals bench/scale.py finds missed.

Run on purpose: `python bench/profile_scale.py DATA.nt [--validate]`. Prints markdown:

- load: each stage of `KnowledgeGraph.load` into memory and on disk next to pyoxigraph's bulk
  loader alone;
- queries: per named query, the median time of each layer a request passes through (the
  engine, our executor inline and through a worker process, the Flask application in process),
  so the overhead of each layer shows apart from the engine's time;
- validation (with --validate): the functions cProfile finds most time in.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/ is no package

from scale import named_queries

from custvalue_kg.executor import InlineExecutor, IsolatedExecutor, make_request
from custvalue_kg.kg import KnowledgeGraph


def timed(action, runs: int) -> float:
    """Median seconds of ``runs`` calls after one warm-up."""
    action()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def load_stages(data: Path) -> list[str]:
    lines = ["| stage | memory (s) | disk (s) |", "|---|---|---|"]
    rows: dict[str, list[float]] = {}
    for location in (None, Path(tempfile.mkdtemp(prefix="profile-load-")) / "store"):
        kg = KnowledgeGraph.open(location)
        store = kg.store
        started = time.perf_counter()
        files = [data]
        plan = kg._bulk_plan(files, None, None)  # what load() decides first (graph counts)
        planned = time.perf_counter()
        graph = ox.NamedNode(data.resolve().as_uri())
        store.oxigraph.bulk_load(path=str(data), format=ox.RdfFormat.N_TRIPLES, to_graph=graph)
        store.oxigraph.add_graph(graph)
        loaded = time.perf_counter()
        store.oxigraph.flush()
        flushed = time.perf_counter()
        store._count(plan[0][2])
        counted = time.perf_counter()
        kg.close()
        closed = time.perf_counter()
        for name, seconds in (("plan: list named graphs with counts", planned - started),
                              ("Oxigraph bulk_load", loaded - planned),
                              ("flush", flushed - loaded),
                              ("count the new graph's triples", counted - flushed),
                              ("close", closed - counted)):
            rows.setdefault(name, []).append(seconds)
    for name, (memory, disk) in rows.items():
        lines.append(f"| {name} | {memory:.2f} | {disk:.2f} |")
    return lines


def query_layers(data: Path, runs: int) -> list[str]:
    from server import create_app
    from server.settings import Settings

    kg = KnowledgeGraph.open()
    kg.load([data])
    store = kg.store.oxigraph
    inline = InlineExecutor(kg.store)
    isolated = IsolatedExecutor(kg.store, timeout=30, workers=1)
    apps = {name: create_app(kg, Settings(query_timeout=timeout))
            for name, timeout in (("inline", 0), ("workers", 30))}
    clients = {name: app.test_client() for name, app in apps.items()}
    headers = {"Content-Type": "application/sparql-query",
               "Accept": "application/sparql-results+json"}
    lines = ["| query | engine + JSON | executor inline | executor, worker | Flask app, inline "
             "| Flask app, workers |", "|---|---|---|---|---|---|"]
    try:
        for name, sparql in named_queries():
            request = make_request(sparql)
            cells = [
                timed(lambda s=sparql: store.query(s, use_default_graph_as_union=True)
                      .serialize(format=ox.QueryResultsFormat.JSON), runs),
                timed(lambda r=request: inline.run(r), runs),
                timed(lambda r=request: isolated.run(r), runs),
                timed(lambda s=sparql: clients["inline"].post("/sparql", data=s,
                                                              headers=headers), runs),
                timed(lambda s=sparql: clients["workers"].post("/sparql", data=s,
                                                               headers=headers), runs),
            ]
            lines.append(f"| `{name}` | " + " | ".join(f"{c * 1000:.2f}" for c in cells)
                         + " |")
    finally:
        isolated.close()
        for app in apps.values():
            app.extensions["custvalue_kg"].close()
    return lines


def validation_profile(data: Path, top: int) -> list[str]:
    kg = KnowledgeGraph.open(sample=False)
    kg.load([data])
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    report = kg.validate()
    profiler.disable()
    elapsed = time.perf_counter() - started
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(top)
    return [f"validation: {elapsed:.1f} s, {report.counts()}", "", "```text",
            *[line for line in out.getvalue().splitlines() if line.strip()][:top + 12],
            "```"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--validate", action="store_true")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    print("## Load, stage by stage\n")
    print("\n".join(load_stages(args.data)))
    print("\n## Query latency, layer by layer (median ms, in process)\n")
    print("\n".join(query_layers(args.data, args.runs)))
    if args.validate:
        print("\n## Validation profile (cProfile, cumulative)\n")
        print("\n".join(validation_profile(args.data, args.top)))


if __name__ == "__main__":
    main()
