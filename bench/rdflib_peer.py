"""Serve RDF files with rdflib-endpoint, as bench/scale.py's rdflib peer.

The files are parsed into one rdflib Dataset with a union default graph (what rdflib-endpoint's
own `serve` command builds), each parse timed and reported as a JSON line, then the SPARQL
endpoint runs under uvicorn on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import time

import uvicorn
from rdflib import Dataset
from rdflib.util import guess_format
from rdflib_endpoint import SparqlEndpoint


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    dataset = Dataset(default_union=True)
    for path in args.files:
        before = len(dataset)
        started = time.perf_counter()
        dataset.parse(path, format=guess_format(path))
        elapsed = time.perf_counter() - started
        print(json.dumps({"parsed": path, "seconds": elapsed,
                          "triples": len(dataset) - before}), flush=True)
    uvicorn.run(SparqlEndpoint(graph=dataset), host="127.0.0.1", port=args.port,
                log_level="warning")


if __name__ == "__main__":
    main()
