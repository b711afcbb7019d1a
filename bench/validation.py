"""SHACL validation time at enterprise scale: the native engine against pyshacl (issue 6).

Run on purpose (``python bench/validation.py``), never as a unit test. Synthetic enterprises are
copies of the sample (its IRIs under https://example.org/skyward/ renamed per copy, each copy in
its own named graph, every tenth copy with deliberate defects), with the ontology and schemes
graphs once, loaded in bulk into an in-memory pyoxigraph store. Each measurement runs in its own
process, so its peak RSS is its own. pyshacl is measured only up to 200k triples (it takes
minutes there), on an rdflib copy of the store as KnowledgeGraph.validate used to make it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from custvalue_kg import assets
from custvalue_kg.kg import ONTOLOGY_GRAPH, SCHEMES_GRAPH

SKY = "https://example.org/skyward/"
CV = "https://w3id.org/custvalue/ontology#"
CVS = "https://w3id.org/custvalue/scheme/"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
XSD = "http://www.w3.org/2001/XMLSchema#"
SIZES = {"100k": 100_000, "200k": 200_000, "1M": 1_000_000}
PYSHACL_UP_TO = 200_000


def _iri(text: str) -> ox.NamedNode:
    return ox.NamedNode(text)


def _sample() -> list[ox.Triple]:
    return [ox.Triple(q.subject, q.predicate, q.object)
            for path in assets.sample_files() for q in ox.parse(path=str(path))]


_Object = ox.NamedNode | ox.Literal | None
_DATE = _iri(XSD + "date")
_INTEGER = _iri(XSD + "integer")

# Defects put into every tenth copy: (subject, predicate, old object or None to add, new object
# or None to remove). Subjects are relative to the sample's namespace.
_DEFECTS: list[tuple[str, str, _Object, _Object]] = [
    # a date that is not a date (sh:datatype)
    ("system/skyhawk-x4", CV + "activeFrom", ox.Literal("2023-03-01", datatype=_DATE),
     ox.Literal("next spring", datatype=_DATE)),
    # a stage type from the wrong scheme (sh:node, with nested results; SPARQL rules)
    ("journey/surveyor-5s/awareness", CV + "stageType", _iri(CVS + "awareness"),
     _iri(CVS + "marketing")),
    # a stage without a label (sh:minCount)
    ("journey/surveyor-5s/awareness", RDFS_LABEL,
     ox.Literal("Survey firms: Awareness", language="en"), None),
    # a customer problem that is a function (sh:or of sh:class)
    ("hypothesis/field-demos-convince", CV + "customerProblem",
     _iri(SKY + "challenge/accuracy-doubt"), _iri(SKY + "function/inside-sales")),
    # position 0 (sh:minInclusive; the chain rules)
    ("journey/surveyor-5s/consideration", CV + "stagePosition",
     ox.Literal("2", datatype=_INTEGER), ox.Literal("0", datatype=_INTEGER)),
    # a second system type that contradicts the class (sh:maxCount, SPARQL)
    ("system/skyhawk-x4", CV + "systemType", None, _iri(CVS + "supporting")),
    # a market promise that is not text (sh:nodeKind)
    ("system/skyhawk-x4", CV + "marketPromise", None, _iri(SKY + "promise")),
]


def _renamed(term, prefix: str):
    if isinstance(term, ox.NamedNode) and term.value.startswith(SKY):
        return ox.NamedNode(prefix + term.value[len(SKY):])
    return term


def _with_defects(sample: list[ox.Triple]) -> list[ox.Triple]:
    triples = list(sample)
    for subject, predicate, old, new in _DEFECTS:
        s, p = _iri(SKY + subject), _iri(predicate)
        if old is not None:
            triples.remove(ox.Triple(s, p, old))
        if new is not None:
            triples.append(ox.Triple(s, p, new))
    return triples


def replicate(copies: int, *, defects_every: int = 10) -> Iterator[ox.Quad]:
    """``copies`` renamed copies of the sample, each in its own graph; some with defects."""
    sample = _sample()
    broken = _with_defects(sample)
    for i in range(copies):
        prefix = f"https://example.org/skyward-{i}/"
        graph = ox.NamedNode(f"https://example.org/bench/copy/{i}")
        for t in broken if defects_every and i % defects_every == 0 else sample:
            yield ox.Quad(_renamed(t.subject, prefix), t.predicate,
                          _renamed(t.object, prefix), graph)


def reference_quads() -> Iterator[ox.Quad]:
    """The ontology and schemes graphs, once."""
    for name, files in ((ONTOLOGY_GRAPH, assets.ontology_files()),
                        (SCHEMES_GRAPH, assets.scheme_files())):
        for path in files:
            for t in ox.parse(path=str(path)):
                yield ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(name))


def copies_for(triples: int) -> int:
    reference = sum(1 for _ in reference_quads())
    return max(1, round((triples - reference) / len(_sample())))


def build_store(copies: int, *, defects_every: int = 10) -> ox.Store:
    store = ox.Store()
    store.bulk_extend(reference_quads())
    store.bulk_extend(replicate(copies, defects_every=defects_every))
    return store


# --------------------------------------------------------------------------------------------
# One measurement (in a child process)
# --------------------------------------------------------------------------------------------

def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(size: str, engine: str) -> dict:
    from custvalue_kg.validation import validate, validate_store

    copies = copies_for(SIZES[size])
    started = time.perf_counter()
    store = build_store(copies)
    loaded = time.perf_counter() - started
    timings: list[tuple[float, str, int]] = []
    started = time.perf_counter()
    if engine == "native":
        report = validate_store(store, ontology_graph=ONTOLOGY_GRAPH, timings=timings)
    else:
        from rdflib import Graph

        from custvalue_kg.terms import from_oxigraph

        data = Graph()  # what KnowledgeGraph.validate handed to pyshacl before the native engine
        for q in store:
            if q.graph_name != ox.NamedNode(ONTOLOGY_GRAPH):
                data.add((from_oxigraph(q.subject), from_oxigraph(q.predicate),
                          from_oxigraph(q.object)))
        report = validate(data, engine="pyshacl")
    seconds = time.perf_counter() - started
    results = Counter(
        (r.severity, r.focus_node, r.path, r.value, _blank(r.source_shape),
         r.constraint_component, r.message) for r in report.results)
    return {
        "size": size, "engine": report.engine, "copies": copies, "triples": len(store),
        "load_s": loaded, "validate_s": seconds, "counts": report.counts(),
        "peak_rss_mb": _peak_rss_mb(), "queries": len(timings),
        "slowest": sorted(timings, reverse=True)[:10],
        "digest": sorted([[*k, n] for k, n in results.items()], key=str),
    }


def _blank(text: str) -> str:
    # Blank node shapes get new ids in every process: compare them as one.
    return "_:b" if text.startswith("_:") else text


def _child(size: str, engine: str) -> dict:
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    done = subprocess.run([sys.executable, __file__, "--one", size, engine], env=env,
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


# --------------------------------------------------------------------------------------------
# The table
# --------------------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="*", default=list(SIZES), choices=list(SIZES))
    parser.add_argument("--no-pyshacl", action="store_true", help="native engine only")
    parser.add_argument("--one", nargs=2, metavar=("SIZE", "ENGINE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(*args.one)))
        return

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, pyoxigraph {ox.__version__}")
    print(f"{'size':>5} {'triples':>9} {'engine':>8} {'load s':>7} {'validate s':>10} "
          f"{'peak RSS MB':>11} {'queries':>7}  results (V/W/I)  same report")
    largest = None
    for size in args.sizes:
        native = _child(size, "native")
        rows = [native]
        if not args.no_pyshacl and SIZES[size] <= PYSHACL_UP_TO:
            rows.append(_child(size, "pyshacl"))
        for row in rows:
            counts = row["counts"]
            same = "" if row is native else ("yes" if row["digest"] == native["digest"] else "NO")
            print(f"{size:>5} {row['triples']:>9,} {row['engine']:>8} {row['load_s']:>7.1f} "
                  f"{row['validate_s']:>10.1f} {row['peak_rss_mb']:>11.0f} {row['queries']:>7}  "
                  f"{counts['Violation']}/{counts['Warning']}/{counts['Info']}  {same}")
        if SIZES[size] > PYSHACL_UP_TO and not args.no_pyshacl:
            print(f"{size:>5} {native['triples']:>9,} {'pyshacl':>8}  not run: it takes minutes "
                  "already at 200k triples")
        largest = native
    if largest is not None:
        print(f"\nThe 10 slowest queries at {largest['size']} ({largest['triples']:,} triples):")
        for seconds, what, rows in largest["slowest"]:
            print(f"  {seconds:6.2f} s  {rows:>6} rows  {what}")


if __name__ == "__main__":
    main()
