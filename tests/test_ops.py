"""Operations: /healthz tells whether the store answers; /metrics counts requests for Prometheus."""

from __future__ import annotations

import requests
from conftest import OxigraphServer, free_port
from prometheus_client.parser import text_string_to_metric_families

from custvalue_kg.kg import KnowledgeGraph
from custvalue_kg.store import RemoteStore

PROMETHEUS = "text/plain; version=0.0.4; charset=utf-8"


def test_healthz_reports_the_store_and_its_size(live_server) -> None:
    response = requests.get(live_server.base + "/healthz", timeout=10)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.json() == {"status": "ok", "store": live_server.kg.store.location,
                               "triples": live_server.kg.stats().triples}
    assert response.json()["triples"] > 2000


def test_healthz_is_503_when_the_remote_store_stops(make_server, tmp_path) -> None:
    oxigraph = OxigraphServer(tmp_path / "oxigraph")
    try:
        kg = KnowledgeGraph.open(oxigraph.query_endpoint)  # the ontology and schemes only
        server = make_server(kg=kg)
        up = requests.get(server.base + "/healthz", timeout=30)
        assert up.status_code == 200
        assert up.json() == {"status": "ok", "store": oxigraph.query_endpoint,
                             "triples": kg.stats().triples}
    finally:
        oxigraph.stop()
    down = requests.get(server.base + "/healthz", timeout=30)
    assert down.status_code == 503
    body = down.json()
    assert body["status"] == "unavailable" and body["store"] == oxigraph.query_endpoint
    assert "cannot reach" in body["error"]


def test_healthz_is_503_for_a_store_that_never_answered(make_server) -> None:
    dead = f"http://127.0.0.1:{free_port()}/query"
    server = make_server(kg=KnowledgeGraph(RemoteStore(dead)))
    response = requests.get(server.base + "/healthz", timeout=30)
    assert response.status_code == 503
    assert response.json()["store"] == dead
    # the API says the same, in its own JSON errors
    api = requests.get(server.base + "/api/queries/missing-handoffs", timeout=30)
    assert api.status_code == 503 and "cannot reach" in api.json()["message"]


def samples(text: str) -> dict[tuple[str, tuple], float]:
    """Every sample of a Prometheus text page, by name and sorted labels."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_metrics_count_requests_and_their_latencies(make_server) -> None:
    server = make_server()
    for _ in range(3):
        assert requests.get(server.base + "/api/queries", timeout=10).status_code == 200
    assert requests.get(server.base + "/api/queries/nope", timeout=10).status_code == 404
    assert requests.get(server.base + "/api/queries/missing-handoffs",
                        timeout=10).status_code == 200
    response = requests.get(server.base + "/metrics", timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == PROMETHEUS
    found = samples(response.text)

    def requests_total(endpoint: str, status: str) -> float:
        labels = (("endpoint", endpoint), ("method", "GET"), ("status", status))
        return found[("custvalue_kg_http_requests_total", labels)]

    assert requests_total("/api/queries", "200") == 3
    assert requests_total("/api/queries/<name>", "404") == 1
    assert requests_total("/api/queries/<name>", "200") == 1
    histogram = "custvalue_kg_http_request_duration_seconds"
    endpoint = (("endpoint", "/api/queries"),)
    assert found[(histogram + "_count", endpoint)] == 3
    assert found[(histogram + "_bucket", (*endpoint, ("le", "+Inf")))] == 3
    assert 0 < found[(histogram + "_sum", endpoint)] < 30
    assert found[("custvalue_kg_query_timeouts_total", ())] == 0
    # the scrape itself is counted, and shows up in the next one
    again = samples(requests.get(server.base + "/metrics", timeout=10).text)
    metrics_label = (("endpoint", "/metrics"), ("method", "GET"), ("status", "200"))
    assert again[("custvalue_kg_http_requests_total", metrics_label)] == 1
