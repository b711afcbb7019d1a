"""Server time of each UI page on the sample enterprise (target: under 300 ms).

Run on purpose (`make bench` or `python bench/pages.py`), never as a unit test. It builds the
real application and times each page through the WSGI interface, so the figure is the
server's own time (queries, rendering), without network or browser.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
from urllib.parse import quote

from server import create_app
from server.settings import Settings

SKY = "https://example.org/skyward/"
PAGES = {
    "overview": "/",
    "journey (five stages)": "/journey?iri=" + quote(SKY + "journey/surveyor-5s"),
    "journey (eight parts)": "/journey?iri=" + quote(SKY + "journey/clinic-8p"),
    "system": "/system?iri=" + quote(SKY + "system/skyhawk-x4"),
    "function": "/function?iri=" + quote(SKY + "function/inside-sales"),
    "resource": "/resource?iri=" + quote(SKY + "journey/surveyor-5s"),
    "validation report": "/validation",
    "SPARQL editor (with a query)": "/query?query=" + quote(
        "SELECT ?s ?l WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l } LIMIT 200"),
    "named query form (run)": "/queries/missing-handoffs",
    "search": "/search?q=sales",
    "overview as JSON": "/?format=json",
}
TARGET_MS = 300.0


def measure(runs: int, timeout: float) -> list[tuple[str, int, float, float, float]]:
    app = create_app(settings=Settings(query_timeout=timeout))
    client = app.test_client()
    rows = []
    try:
        for name, path in PAGES.items():
            status = client.get(path).status_code  # warm-up, and the status to report
            times = []
            for _ in range(runs):
                started = time.perf_counter()
                client.get(path)
                times.append((time.perf_counter() - started) * 1000)
            times.sort()
            p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
            rows.append((name, status, statistics.median(times), p95, max(times)))
    finally:
        app.extensions["custvalue_kg"].close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--query-timeout", type=float, default=30.0,
                        help="0 runs queries in-process instead of in worker processes")
    args = parser.parse_args()
    print(f"# UI page server time, sample enterprise, {args.runs} runs per page")
    print(f"# {platform.node()}: {platform.processor() or platform.machine()}, "
          f"Python {platform.python_version()}, query timeout {args.query_timeout:g} s")
    print()
    print("| page | status | median ms | p95 ms | max ms | under 300 ms |")
    print("|---|---|---|---|---|---|")
    for name, status, median, p95, worst in measure(args.runs, args.query_timeout):
        ok = "yes" if p95 < TARGET_MS else f"no ({p95 / TARGET_MS:.1f}x)"
        print(f"| {name} | {status} | {median:.1f} | {p95:.1f} | {worst:.1f} | {ok} |")


if __name__ == "__main__":
    main()
