"""A page for every IRI in the graph, and the same URL as Turtle, JSON-LD or N-Triples.

Linked-data style dereferencing: ``/resource?iri=...`` answers browsers with HTML (label, types,
properties out and in, named graphs) and RDF clients, by Accept or ``?format=``, with the
resource's triples (out and in). The IRI is always bound as a query parameter, never pasted in.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import quote

from flask import Response, abort, request
from rdflib import URIRef
from rdflib.namespace import RDF
from rdflib.term import Node
from werkzeug.exceptions import BadRequest, ServiceUnavailable

from custvalue_kg.errors import ParameterError, QueryError, StoreError
from custvalue_kg.executor import QueryTimeout, make_request
from custvalue_kg.parameters import coerce_value
from custvalue_kg.results import QueryResult

from ..conneg import choose
from ..context import service
from . import blueprint
from .render import compact, labels_for, respond, term_cell

# Media types offered on the resource URL; the first is what a browser (*/*) gets.
OFFERS = {
    "text/html": "html",
    "application/json": "json",
    "text/turtle": "turtle",
    "application/ld+json": "jsonld",
    "application/n-triples": "ntriples",
}
RDF_FORMATS = ("turtle", "jsonld", "ntriples")
FORMAT_ALIASES = {"ttl": "turtle", "nt": "ntriples", "json-ld": "jsonld", "n-triples": "ntriples"}

OUT = "SELECT ?p ?o WHERE { ?this ?p ?o }"
IN = "SELECT ?s ?p WHERE { ?s ?p ?this }"
# Properties get a page too: they are mentioned as predicates, often in no other position.
AS_PROPERTY = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?this ?o }"
COMMENTS = (URIRef("http://www.w3.org/2000/01/rdf-schema#comment"),
            URIRef("http://www.w3.org/2004/02/skos/core#definition"))
GRAPHS = """SELECT ?g (COUNT(*) AS ?triples) WHERE {
  GRAPH ?g { { ?this ?p ?o } UNION { ?s ?p ?this } }
} GROUP BY ?g ORDER BY ?g"""
TRIPLES = "CONSTRUCT { ?this ?p ?o . ?s ?q ?this } WHERE { { ?this ?p ?o } UNION { ?s ?q ?this } }"


def _format() -> str:
    asked = request.args.get("format", "").lower()
    asked = FORMAT_ALIASES.get(asked, asked)
    if asked in OFFERS.values():
        return asked
    chosen = choose(request.headers.get("Accept"), list(OFFERS))
    return OFFERS.get(chosen or "text/html", "html")


def _select(sparql: str, this: URIRef) -> tuple[QueryResult, bool]:
    """Rows of a page query about ``this``, capped at the row limit, and whether it was cut."""
    svc = service()
    execution = svc.executor.run(make_request(sparql, {"this": this},
                                              max_rows=svc.settings.max_rows))
    return execution.result(), execution.truncated


_term = term_cell


def _sort_key(value: dict) -> tuple:
    return ((value.get("label") or value.get("value") or value.get("iri") or "").lower(),
            value.get("iri") or "")


def _grouped(pairs: Iterable[tuple[Node, Node]], labels: dict[str, str]) -> list[dict]:
    """(predicate, value) pairs grouped by predicate, predicates and values sorted by label."""
    groups: dict[str, list[dict]] = {}
    for predicate, value in pairs:
        groups.setdefault(str(predicate), []).append(_term(value, labels))
    result = [
        {"predicate": p, "label": labels.get(p), "values": sorted(vs, key=_sort_key)}
        for p, vs in groups.items()
    ]
    return sorted(result, key=lambda g: ((g["label"] or compact(g["predicate"])).lower()))


def _rdf(this: URIRef, fmt: str) -> Response:
    """The resource's triples (out and in) in an RDF syntax."""
    execution = service().executor.run(make_request(TRIPLES, {"this": this}, graph_format=fmt))
    response = Response(execution.body, status=200)
    response.headers["Content-Type"] = f"{execution.media_type}; charset=utf-8"
    response.headers["Vary"] = "Accept"
    return response


@blueprint.route("/resource", endpoint="resource")
def resource() -> Response:
    raw = request.args.get("iri", "").strip()
    if not raw:
        raise BadRequest("give the IRI of a resource: /resource?iri=...")
    try:
        this = coerce_value("iri", "iri", raw)
    except ParameterError as exc:
        raise BadRequest(str(exc)) from None
    assert isinstance(this, URIRef)
    fmt = _format()
    try:
        out, out_cut = _select(OUT, this)
        incoming, in_cut = _select(IN, this)
        uses, _ = _select(AS_PROPERTY, this)
        used_as_property = int(uses.rows[0][0]) if uses.rows and uses.rows[0][0] else 0
        if not out.rows and not incoming.rows and not used_as_property:
            return _missing(str(this), fmt)
        if fmt in RDF_FORMATS:
            return _rdf(this, fmt)
        graphs, _ = _select(GRAPHS, this)
    except QueryTimeout as exc:
        raise ServiceUnavailable(str(exc)) from None
    except (QueryError, StoreError) as exc:
        abort(500, str(exc))

    iris = [str(t) for row in out.rows + incoming.rows for t in row if isinstance(t, URIRef)]
    labels = labels_for([*iris, str(this)])
    types = sorted((_term(o, labels) for p, o in out.rows if p == RDF.type), key=_sort_key)
    data = {
        "iri": str(this),
        "label": labels.get(str(this)),
        "comment": next((str(o) for p, o in out.rows if p in COMMENTS), None),
        "types": types,
        "used_as_property": used_as_property,
        "out": _grouped(((p, o) for p, o in out.rows if p != RDF.type), labels),
        "in": _grouped(((p, s) for s, p in incoming.rows), labels),
        "graphs": [{"graph": str(g), "triples": int(n)} for g, n in graphs.rows if g is not None],
        "truncated": out_cut or in_cut,
        "max_rows": service().settings.max_rows,
        "rdf": {name: f"{request.path}?iri={_quoted(str(this))}&format={name}"
                for name in RDF_FORMATS},
    }
    title = data["label"] or compact(str(this))
    return respond("resource.html", data, title=title)


def _quoted(iri: str) -> str:
    return quote(iri, safe="")


def _missing(iri: str, fmt: str) -> Response:
    """404: nothing in the graph mentions this IRI (an HTML page for people)."""
    if fmt in RDF_FORMATS:
        abort(404, f"no triples mention <{iri}>")
    data = {"iri": iri, "error": f"no triples in the graph mention <{iri}>"}
    return respond("resource_missing.html", data, title="Resource not found", status=404)
