"""Operating the service safely: CORS for browser tools, body limit, no request nobody allowed."""

from __future__ import annotations

import requests

QUERY = "ASK { ?s ?p ?o }"


def test_cors_headers_let_browser_tools_call_the_endpoint(live_server) -> None:
    response = requests.get(live_server.sparql, params={"query": QUERY},
                            headers={"Origin": "https://yasgui.example"}, timeout=10)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    preflight = requests.options(
        live_server.sparql, timeout=10,
        headers={"Origin": "https://yasgui.example", "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "content-type, authorization"})
    assert preflight.status_code in (200, 204)
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert preflight.headers["Access-Control-Allow-Headers"] == "content-type, authorization"


def test_cors_can_be_switched_off(make_server) -> None:
    server = make_server(cors_origins="")
    response = requests.get(server.sparql, params={"query": QUERY}, timeout=10)
    assert "Access-Control-Allow-Origin" not in response.headers


def test_request_bodies_over_the_limit_are_refused(make_server) -> None:
    server = make_server(max_body=2000)
    big = "ASK { ?s ?p ?o } #" + "x" * 5000
    response = requests.post(server.sparql, data=big, timeout=10,
                             headers={"Content-Type": "application/sparql-query"})
    assert response.status_code == 413
    small = requests.post(server.sparql, data=QUERY, timeout=10,
                          headers={"Content-Type": "application/sparql-query",
                                   "Accept": "application/sparql-results+json"})
    assert small.status_code == 200 and small.json()["boolean"] is True


def test_service_and_load_are_refused_without_an_allow_list(live_server) -> None:
    federated = requests.get(live_server.sparql, timeout=10, params={
        "query": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"})
    assert federated.status_code == 403
    assert "allow-list" in federated.text
    variable = requests.get(live_server.sparql, timeout=10, params={
        "query": "SELECT * WHERE { ?e a ?t SERVICE ?e { ?s ?p ?o } }"})
    assert variable.status_code == 403
    # a SERVICE keyword inside a string or comment is not a request
    harmless = requests.get(live_server.sparql, timeout=10, params={
        "query": "# SERVICE <http://127.0.0.1:9/x>\nASK { ?s ?p 'SERVICE <http://x/>' }"},
        headers={"Accept": "application/sparql-results+json"})
    assert harmless.status_code == 200
