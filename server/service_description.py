"""The SPARQL 1.1 Service Description of /sparql, with VoID triple counts of every graph.

https://www.w3.org/TR/sparql11-service-description/: a GET of the endpoint without a query
returns an RDF description of the service (``sd:Service``) naming its endpoint, languages,
result formats, features and its default dataset: the default graph (the union of all graphs)
and every named graph, each with its ``void:triples`` count.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, XSD

from custvalue_kg.errors import CustvalueError
from custvalue_kg.executor import make_request

from .context import service

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = Namespace("http://rdfs.org/ns/void#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
SIMPLE_ENTAILMENT = URIRef("http://www.w3.org/ns/entailment/Simple")

# Our format names -> the W3C format IRIs (https://www.w3.org/ns/formats/).
RESULT_FORMAT_IRIS: dict[str, URIRef] = {
    "json": FORMATS.SPARQL_Results_JSON,
    "xml": FORMATS.SPARQL_Results_XML,
    "csv": FORMATS.SPARQL_Results_CSV,
    "tsv": FORMATS.SPARQL_Results_TSV,
    "turtle": FORMATS.Turtle,
    "ntriples": FORMATS["N-Triples"],
    "rdfxml": FORMATS.RDF_XML,
    "jsonld": FORMATS["JSON-LD"],
    "nquads": FORMATS["N-Quads"],
    "trig": FORMATS.TriG,
}

# How the description itself is served: format name -> (media type, rdflib serializer).
DESCRIPTION_FORMATS: dict[str, tuple[str, str | None]] = {
    "turtle": ("text/turtle", "turtle"),
    "rdfxml": ("application/rdf+xml", "xml"),
    "jsonld": ("application/ld+json", "json-ld"),
    "ntriples": ("application/n-triples", "nt"),
    "html": ("text/html", None),
}

# Distinct triples of the union default graph (the same triple in two graphs counts once).
_DEFAULT_GRAPH_COUNT = (
    "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }"
)


def describe(
    endpoint: str,
    *,
    named_graphs: Sequence[tuple[str, int]],
    default_graph_triples: int | None,
    federation: bool,
    writable: bool,
) -> Graph:
    """The Service Description graph of the endpoint at ``endpoint``."""
    graph = Graph()
    for prefix, namespace in (("sd", SD), ("void", VOID), ("formats", FORMATS),
                              ("dcterms", DCTERMS)):
        graph.bind(prefix, namespace)
    node = URIRef(endpoint + "#service")
    graph.add((node, RDF.type, SD.Service))
    graph.add((node, SD.endpoint, URIRef(endpoint)))
    graph.add((node, DCTERMS.title, Literal("custvalue-kg SPARQL endpoint")))
    graph.add((node, RDFS.comment, Literal(
        "SPARQL 1.1 Query and Update over the custvalue-kg knowledge graph. Queries see the "
        "union of all named graphs unless the request or the query names a dataset. "
        + ("Updates need 'Authorization: Bearer <token>'." if writable
           else "This service is read-only: updates are refused.")
    )))
    for language in (SD.SPARQL11Query, SD.SPARQL11Update):
        graph.add((node, SD.supportedLanguage, language))
    for iri in RESULT_FORMAT_IRIS.values():
        graph.add((node, SD.resultFormat, iri))
    graph.add((node, SD.feature, SD.UnionDefaultGraph))
    if federation:
        graph.add((node, SD.feature, SD.BasicFederatedQuery))
    graph.add((node, SD.defaultEntailmentRegime, SIMPLE_ENTAILMENT))
    # No sd:extensionFunction, sd:extensionAggregate or sd:languageExtension: there are none.

    dataset = URIRef(endpoint + "#dataset")
    graph.add((node, SD.defaultDataset, dataset))
    graph.add((dataset, RDF.type, SD.Dataset))
    graph.add((dataset, DCTERMS.title, Literal("custvalue-kg knowledge graph")))
    default = BNode()
    graph.add((dataset, SD.defaultGraph, default))
    graph.add((default, RDF.type, SD.Graph))
    graph.add((default, RDF.type, VOID.Dataset))
    graph.add((default, RDFS.comment, Literal("The union of all named graphs.")))
    if default_graph_triples is not None:
        graph.add((default, VOID.triples, Literal(default_graph_triples, datatype=XSD.integer)))
    for name, count in named_graphs:
        entry, described = BNode(), BNode()
        graph.add((dataset, SD.namedGraph, entry))
        graph.add((entry, RDF.type, SD.NamedGraph))
        graph.add((entry, SD.name, URIRef(name)))
        graph.add((entry, SD.graph, described))
        graph.add((described, RDF.type, SD.Graph))
        graph.add((described, RDF.type, VOID.Dataset))
        graph.add((described, VOID.triples, Literal(count, datatype=XSD.integer)))
    return graph


def current_description(endpoint: str) -> tuple[Graph, list[tuple[str, int]], int | None]:
    """The description of this service now, with the counts it is built from."""
    svc = service()
    named = list(svc.kg.store.named_graphs())
    try:
        # Through the executor, so that a huge store cannot hang the request past the limit.
        execution = svc.executor.run(make_request(_DEFAULT_GRAPH_COUNT))
        rows = json.loads(execution.body)["results"]["bindings"]
        total: int | None = int(rows[0]["n"]["value"]) if rows else 0
    except (CustvalueError, KeyError, ValueError):
        total = None  # the description is still useful without this one number
    graph = describe(
        endpoint, named_graphs=named, default_graph_triples=total,
        federation=bool(svc.settings.federation_allowlist),
        writable=bool(svc.settings.update_token),
    )
    return graph, named, total


def serialize(graph: Graph, fmt: str) -> bytes:
    """The description in one of DESCRIPTION_FORMATS other than html."""
    serializer = DESCRIPTION_FORMATS[fmt][1]
    if serializer is None:
        raise ValueError(f"{fmt} is not an RDF format")
    return graph.serialize(format=serializer, encoding="utf-8")


def render_html(endpoint: str, named: Sequence[tuple[str, int]], total: int | None,
                *, federation: bool, writable: bool) -> bytes:
    """A small page for people who open the endpoint in a browser: a query form and the data."""
    e = html.escape
    rows = "\n".join(
        f"<tr><td><code>{e(name)}</code></td><td>{count}</td></tr>" for name, count in named
    )
    formats = ", ".join(
        f'<a href="?format={name}">{e(media)}</a>'
        for name, (media, serializer) in DESCRIPTION_FORMATS.items() if serializer
    )
    result_formats = "json, xml, csv, tsv (SELECT/ASK); turtle, ntriples, rdfxml, jsonld, " \
                     "nquads, trig (CONSTRUCT/DESCRIBE)"
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>custvalue-kg SPARQL endpoint</title></head>
<body>
<h1>custvalue-kg SPARQL endpoint</h1>
<p>Endpoint: <code>{e(endpoint)}</code> — SPARQL 1.1 Query and Update
({'updates need the bearer token' if writable else 'read-only'};
federation {'to allow-listed endpoints' if federation else 'off'}).</p>
<form method="get" action="{e(endpoint)}">
<textarea name="query" rows="8" cols="80">SELECT * WHERE {{ ?s ?p ?o }} LIMIT 10</textarea><br>
<label>format <select name="format">
<option>json</option><option>xml</option><option>csv</option><option>tsv</option>
<option>turtle</option><option>ntriples</option><option>rdfxml</option><option>jsonld</option>
</select></label>
<button type="submit">Run query</button>
</form>
<p>Result formats: {e(result_formats)}.</p>
<p>This description as RDF: {formats}.</p>
<h2>Dataset</h2>
<p>Default graph: the union of all named graphs
({'unknown' if total is None else total} distinct triples).</p>
<table><thead><tr><th>named graph</th><th>triples</th></tr></thead>
<tbody>
{rows}
</tbody></table>
</body></html>
"""
    return page.encode("utf-8")
