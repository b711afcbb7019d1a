"""The OpenAPI document: valid OpenAPI 3.1, generated from the query headers, and true.

"True" is checked by schemathesis: it generates requests from the document (valid and invalid
parameter values) and checks every answer of the live service against it (no 5xx, documented
status codes, content types, headers and JSON schemas).
"""

from __future__ import annotations

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from openapi_spec_validator import validate
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.errors import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from custvalue_kg.catalog import QueryCatalog, named_query_from_text
from custvalue_kg.kg import KnowledgeGraph

CONFORMANCE = [not_a_server_error, status_code_conformance, content_type_conformance,
               response_headers_conformance, response_schema_conformance]


def document(server) -> dict:
    response = requests.get(server.base + "/api/openapi.json", timeout=30)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    return response.json()


def test_the_document_is_valid_openapi_3_1(live_server) -> None:
    doc = document(live_server)
    assert doc["openapi"] == "3.1.0"
    validate(doc)  # raises on any violation of the OpenAPI 3.1 schema
    assert doc["servers"] == [{"url": "/"}]


def test_one_path_per_named_query_with_its_declared_parameters(live_server) -> None:
    doc = document(live_server)
    catalog = live_server.kg.catalog
    query_paths = {p for p in doc["paths"] if p.startswith("/api/queries/")}
    assert query_paths == {f"/api/queries/{q.name}" for q in catalog}
    for named in catalog:
        operation = doc["paths"][f"/api/queries/{named.name}"]["get"]
        assert operation["summary"] == named.title
        params = {p["name"]: p for p in operation["parameters"]}
        assert set(params) == {p.name for p in named.parameters} | {"format"}
        for declared in named.parameters:
            param = params[declared.name]
            assert param["in"] == "query"
            assert param["required"] is declared.required
            assert param["schema"]["type"] == "string"
            assert param["schema"]["format"] == "uri"  # every shipped parameter is an IRI
            assert param["example"] == declared.example
        assert params["format"]["schema"]["enum"] == ["json", "sparql-json", "csv", "tsv", "xml"]
        responses = operation["responses"]
        assert {"200", "400", "404"} <= set(responses)
        assert {"application/json", "application/sparql-results+json", "text/csv",
                "text/tab-separated-values", "application/sparql-results+xml"} \
            == set(responses["200"]["content"])
        assert responses["400"]["content"]["application/json"]["schema"] == \
            {"$ref": "#/components/schemas/Error"}
    stage = doc["paths"]["/api/queries/functions-covering-stage"]["get"]["parameters"][0]
    assert stage["required"] is True and "allowEmptyValue" not in stage
    kind = doc["paths"]["/api/queries/unaddressed-challenges"]["get"]["parameters"][0]
    assert kind["schema"]["enum"] == [
        "https://w3id.org/custvalue/ontology#BarrierToConsumption",
        "https://w3id.org/custvalue/ontology#HurdleToSatisfaction"]
    assert kind["required"] is False and kind["allowEmptyValue"] is True


def test_the_row_schema_names_the_columns_the_library_returns(live_server) -> None:
    doc = document(live_server)
    kg = live_server.kg
    for named in kg.catalog:
        params = {p.name: p.example for p in named.parameters if p.required}
        columns = kg.run_named(named.name, params).variables
        content = doc["paths"][f"/api/queries/{named.name}"]["get"]["responses"]["200"]["content"]
        schema = content["application/json"]["schema"]
        assert schema["properties"]["columns"]["items"]["enum"] == columns
        assert schema["properties"]["rows"]["items"]["required"] == columns


def test_other_operations_are_documented(live_server) -> None:
    paths = document(live_server)["paths"]
    assert set(paths) >= {"/api/queries", "/api/validate", "/healthz", "/metrics",
                          "/api/openapi.json"}
    post = paths["/api/validate"]["post"]
    assert set(post["requestBody"]["content"]) >= {
        "text/turtle", "application/ld+json", "application/n-triples", "application/rdf+xml"}
    assert {"200", "400", "415"} <= set(post["responses"])
    assert set(paths["/api/validate"]["get"]["responses"]["200"]["content"]) == {
        "application/json", "text/turtle", "text/plain"}
    assert set(paths["/healthz"]["get"]["responses"]) == {"200", "503"}


TYPED = """\
#+ title: Every parameter type
#+ parameters:
#+   i: {type: integer, default: 3}
#+   d: {type: decimal, example: "2.5"}
#+   b: {type: boolean, required: true, example: true}
#+   day: {type: date, example: "2024-05-01"}
#+   moment: {type: dateTime}
#+   s: {type: string, enum: [a, b]}
SELECT ?i ?d ?b ?day ?moment ?s WHERE { }
"""


def test_parameter_types_map_to_json_schema(make_server) -> None:
    catalog = QueryCatalog([named_query_from_text(TYPED, name="typed")])
    server = make_server(kg=KnowledgeGraph.open(catalog=catalog))
    doc = document(server)
    validate(doc)
    params = {p["name"]: p for p in doc["paths"]["/api/queries/typed"]["get"]["parameters"]}
    assert params["i"]["schema"] == {"type": "integer", "default": 3}
    assert params["d"]["schema"] == {"type": "number"} and params["d"]["example"] == 2.5
    assert params["b"]["schema"] == {"type": "boolean"} and params["b"]["example"] is True
    assert params["day"]["schema"] == {"type": "string", "format": "date"}
    assert params["moment"]["schema"] == {"type": "string", "format": "date-time"}
    assert params["s"]["schema"] == {"type": "string", "enum": ["a", "b"]}
    # and the service takes those values as the document says
    answer = requests.get(server.base + "/api/queries/typed", timeout=30, params={
        "b": "true", "d": "2.5", "day": "2024-05-01", "moment": "2024-05-01T10:00:00Z",
        "s": "a"}).json()
    assert answer["terms"] == [{
        "i": {"type": "literal", "value": "3",
              "datatype": "http://www.w3.org/2001/XMLSchema#integer"},
        "d": {"type": "literal", "value": "2.5",
              "datatype": "http://www.w3.org/2001/XMLSchema#decimal"},
        "b": {"type": "literal", "value": "true",
              "datatype": "http://www.w3.org/2001/XMLSchema#boolean"},
        "day": {"type": "literal", "value": "2024-05-01",
                "datatype": "http://www.w3.org/2001/XMLSchema#date"},
        "moment": {"type": "literal", "value": "2024-05-01T10:00:00+00:00",
                   "datatype": "http://www.w3.org/2001/XMLSchema#dateTime"},
        "s": {"type": "literal", "value": "a"},
    }]


# --- schemathesis against the live service ---------------------------------------------------

def run_schemathesis(base: str, schema, mode: GenerationMode, checks: list,
                     max_examples: int) -> int:
    """Run every operation of ``schema``; returns how many requests were sent."""
    sent = 0
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=max_examples, deadline=None, database=None, derandomize=True,
                  phases=[Phase.explicit, Phase.generate],
                  suppress_health_check=list(HealthCheck))
        def check(case) -> None:
            nonlocal sent
            sent += 1
            case.call_and_validate(base_url=base, checks=checks)

        check()
    return sent


@pytest.mark.timeout(120)
def test_schemathesis_finds_nothing_wrong_with_the_named_queries(live_server) -> None:
    schema = schemathesis.openapi.from_url(live_server.base + "/api/openapi.json")
    queries = schema.include(path_regex=r"^/api/queries/")
    # Valid values must be accepted (2xx) and invalid ones refused (4xx), never a 5xx.
    sent = run_schemathesis(live_server.base, queries, GenerationMode.POSITIVE,
                            [*CONFORMANCE, positive_data_acceptance], max_examples=25)
    sent += run_schemathesis(live_server.base, queries, GenerationMode.NEGATIVE,
                             [*CONFORMANCE, negative_data_rejection], max_examples=25)
    assert sent > 14 * 10


@pytest.mark.timeout(120)
def test_schemathesis_finds_nothing_wrong_with_the_other_operations(live_server) -> None:
    schema = schemathesis.openapi.from_url(live_server.base + "/api/openapi.json")
    others = schema.include(path_regex=r"^/(api/queries$|api/validate|api/openapi|healthz|metrics)")
    # No acceptance check: a body of type string need not be valid Turtle.
    sent = run_schemathesis(live_server.base, others, GenerationMode.POSITIVE, CONFORMANCE,
                            max_examples=8)
    assert sent >= 6


def test_schemathesis_would_catch_an_undocumented_answer(live_server) -> None:
    """The harness above can fail: with 400 left out of the document, bad values are caught."""
    doc = document(live_server)
    del doc["paths"]["/api/queries/journey-matrix"]["get"]["responses"]["400"]
    schema = schemathesis.openapi.from_dict(doc).include(path="/api/queries/journey-matrix")
    with pytest.raises(FailureGroup, match="Undocumented status code"):
        run_schemathesis(live_server.base, schema, GenerationMode.NEGATIVE, CONFORMANCE,
                         max_examples=25)
