"""Named query headers and typed parameters."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Literal, Namespace, URIRef

from custvalue_kg.catalog import QueryCatalog, named_query_from_text, read_header
from custvalue_kg.errors import CustvalueError, ParameterError, QueryError, UnknownQueryError
from custvalue_kg.parameters import coerce_value, inject_values, outer_where_brace, query_form

XSD = Namespace("http://www.w3.org/2001/XMLSchema#")  # a plain one: pytest probes module names

HEADED = """#+ title: Stages of a journey
#+ description: |
#+   Lists the stages.
#+ question: 3
#+ tags: [journey, stages]
#+ parameters:
#+   journey:
#+     type: iri
#+     required: true
#+     example: https://example.org/j
#+   limit:
#+     type: integer
#+     default: 10
#+   phase:
#+     type: string
#+     enum: [pre, post]
PREFIX cv: <https://w3id.org/custvalue/ontology#>
SELECT ?stage WHERE { ?journey cv:hasStage ?stage }
"""


def test_header_is_read_into_metadata() -> None:
    query = named_query_from_text(HEADED, name="stages")
    assert (query.name, query.title, query.description, query.question, query.tags) == (
        "stages", "Stages of a journey", "Lists the stages.", 3, ("journey", "stages"))
    assert [(p.name, p.type, p.required, p.default, p.allowed) for p in query.parameters] == [
        ("journey", "iri", True, None, ()),
        ("limit", "integer", False, "10", ()),
        ("phase", "string", False, None, ("pre", "post")),
    ]


def test_binding_types_defaults_and_errors() -> None:
    query = named_query_from_text(HEADED, name="stages")
    bound = query.bind({"journey": "https://example.org/j"})
    assert bound == {"journey": URIRef("https://example.org/j"),
                     "limit": Literal(10, datatype=XSD.integer)}
    with pytest.raises(ParameterError, match=r"parameter 'journey': is required .*example.org/j"):
        query.bind({})
    with pytest.raises(ParameterError, match="parameter 'journey': 'not an iri' is not an"):
        query.bind({"journey": "not an iri"})
    with pytest.raises(ParameterError, match="parameter 'limit': 'ten' is not an integer"):
        query.bind({"journey": "https://example.org/j", "limit": "ten"})
    with pytest.raises(ParameterError, match="parameter 'phase': 'during' is not one of"):
        query.bind({"journey": "https://example.org/j", "phase": "during"})
    with pytest.raises(ParameterError, match="parameter 'colour': query 'stages' has no such"):
        query.bind({"journey": "https://example.org/j", "colour": "red"})


@pytest.mark.parametrize(("type_", "text", "expected"), [
    ("iri", "urn:x:1", URIRef("urn:x:1")),
    ("string", "a \"quoted\" } value", Literal("a \"quoted\" } value")),
    ("integer", "-42", Literal(-42, datatype=XSD.integer)),
    ("decimal", "2.50", Literal("2.50", datatype=XSD.decimal)),
    ("boolean", "TRUE", Literal(True, datatype=XSD.boolean)),
    ("date", "2026-11-23", Literal("2026-11-23", datatype=XSD.date)),
])
def test_coercion(type_: str, text: str, expected) -> None:
    assert coerce_value("p", type_, text) == expected


@pytest.mark.parametrize("bad_iri", ["http://x/> } DROP ALL {", "http://x/a b", "no-scheme", ""])
def test_iris_that_could_break_out_are_refused(bad_iri: str) -> None:
    with pytest.raises(ParameterError):
        coerce_value("p", "iri", bad_iri)


def test_values_block_goes_into_the_outer_where_group() -> None:
    query = ('PREFIX ex: <http://e/> # a { in a comment\n'
             'CONSTRUCT { ?s ex:p "{" } WHERE { ?s ?p ?o FILTER(?o != "}") }')
    bound = inject_values(query, {"s": URIRef("http://e/s"), "o": Literal('x"y')})
    assert bound.endswith(
        'WHERE { VALUES (?o ?s) { ("x\\"y" <http://e/s>) }  ?s ?p ?o FILTER(?o != "}") }')
    assert outer_where_brace("ASK { ?s ?p ?o }") == 4
    with pytest.raises(QueryError):
        outer_where_brace("PREFIX ex: <http://e/>")


def test_query_form_ignores_comments_strings_and_iris() -> None:
    assert query_form("# drops the customer\nSELECT * WHERE { ?s ?p 'DELETE' }") == "SELECT"
    assert query_form("PREFIX d: <http://e/DROP/>\nASK { ?s d:x ?o }") == "ASK"
    assert query_form("prefix x: <http://e/> insert data { x:a x:b x:c }") == "INSERT"
    assert query_form("# nothing") is None


def test_bad_headers_are_reported_with_the_file() -> None:
    with pytest.raises(CustvalueError, match=r"q\.rq: the #\+ header is not valid YAML"):
        read_header("#+ title: [unclosed\nSELECT * {}", "q.rq")
    with pytest.raises(CustvalueError, match="unknown type 'colour'"):
        named_query_from_text("#+ parameters:\n#+   x: {type: colour}\nASK {}", name="q")


def test_catalog_lookup(tmp_path: Path) -> None:
    (tmp_path / "one.rq").write_text("#+ title: One\n#+ question: 2\nASK {}")
    (tmp_path / "two.rq").write_text("#+ title: Two\n#+ question: 1\nASK {}")
    catalog = QueryCatalog.from_folders(tmp_path)
    assert [q.name for q in catalog] == ["two", "one"]
    assert "one" in catalog and len(catalog) == 2
    with pytest.raises(UnknownQueryError, match=r"no named query 'three'; known queries: one, two"):
        catalog.get("three")
