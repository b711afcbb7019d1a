"""Shared page machinery: queries for pages, labels, links, and the HTML/JSON/CSV twins."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from urllib.parse import urlencode

from flask import Response, jsonify, render_template, request, url_for
from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from custvalue_kg.executor import make_request
from custvalue_kg.namespaces import PREFIXES
from custvalue_kg.parameters import is_absolute_iri
from custvalue_kg.results import QueryResult

from ..conneg import choose
from ..context import service

PAGE_FORMATS = {"html": "text/html", "json": "application/json", "csv": "text/csv"}


def run_query(sparql: str, bindings: Mapping[str, Node] | None = None) -> QueryResult:
    """Run a page's query through the executor (time limit), capped at the row limit."""
    request_ = make_request(sparql, bindings, max_rows=service().settings.max_rows)
    return service().executor.run(request_).result()


def text_rows(result: QueryResult) -> list[dict[str, str | None]]:
    """Each solution as {variable: its value as text, or None when unbound}."""
    return [{v: None if t is None else str(t) for v, t in zip(result.variables, row, strict=True)}
            for row in result.rows]


def named_text_rows(name: str) -> list[dict[str, str | None]]:
    """A named query's rows (no parameters bound), as text, through the executor."""
    named = service().kg.catalog.get(name)
    return text_rows(run_query(named.text, named.bind({})))


def prologue() -> str:
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())


def compact(iri: str) -> str:
    """A prefixed name when a known prefix fits, else the IRI."""
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace):]}"
    return iri


def resource_url(iri: str) -> str:
    return url_for("ui.resource", iri=iri)


def term_json(term: Node | None) -> object:
    """A JSON-friendly value: IRIs and literals as text (with a type for literals)."""
    if term is None:
        return None
    if isinstance(term, Literal):
        return term.toPython() if isinstance(term.toPython(), (int, float, bool)) else str(term)
    if isinstance(term, BNode):
        return f"_:{term}"
    return str(term)


def term_cell(term: Node | None, labels: Mapping[str, str]) -> dict | None:
    """One RDF term for a template and a JSON twin: an IRI with its label, or a literal."""
    if term is None:
        return None
    if isinstance(term, URIRef):
        return {"iri": str(term), "label": labels.get(str(term))}
    if isinstance(term, Literal):
        return {"value": str(term), "lang": term.language,
                "datatype": compact(str(term.datatype)) if term.datatype else None}
    if isinstance(term, BNode):
        return {"bnode": f"_:{term}"}
    return {"value": str(term)}


def page_format() -> str:
    """html, json or csv: the ?format= parameter, else the Accept header."""
    asked = request.args.get("format")
    if asked in PAGE_FORMATS:
        return asked
    chosen = choose(request.headers.get("Accept"), list(PAGE_FORMATS.values()))
    return {v: k for k, v in PAGE_FORMATS.items()}.get(chosen or "text/html", "html")


def alternate_url(fmt: str) -> str:
    args = request.args.to_dict(flat=True)
    args["format"] = fmt
    return request.path + "?" + urlencode(args)


def respond(
    template: str,
    data: Mapping[str, object],
    *,
    title: str,
    table: tuple[Sequence[str], Iterable[Sequence[object]]] | None = None,
    status: int = 200,
) -> Response:
    """Render a page as HTML, or its machine-readable twin (JSON always, CSV when tabular)."""
    fmt = page_format()
    links = [f'<{alternate_url("json")}>; rel="alternate"; type="application/json"']
    if table is not None:
        links.append(f'<{alternate_url("csv")}>; rel="alternate"; type="text/csv"')
    if fmt == "json":
        response = jsonify(data)
    elif fmt == "csv" and table is not None:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        columns, rows = table
        writer.writerow(columns)
        writer.writerows(["" if v is None else v for v in row] for row in rows)
        response = Response(buffer.getvalue(), mimetype="text/csv")
    else:
        html = render_template(template, title=title, data=data,
                               json_url=alternate_url("json"),
                               csv_url=alternate_url("csv") if table is not None else None)
        response = Response(html, mimetype="text/html")
    response.status_code = status
    response.headers["Link"] = ", ".join(links)
    response.headers["Vary"] = "Accept"
    return response


def labels_for(iris: Iterable[str]) -> dict[str, str]:
    """Labels (rdfs:label, else skos:prefLabel) of many IRIs in one query."""
    unique = sorted({i for i in iris if i})
    if not unique:
        return {}
    # Graph IRIs were checked by the parser; the filter keeps the VALUES text well-formed anyway.
    values = " ".join(f"<{i}>" for i in unique if is_absolute_iri(i))
    query = (
        "SELECT ?s (SAMPLE(?l) AS ?label) WHERE { VALUES ?s { " + values + " } "
        "{ ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l } UNION "
        "{ ?s <http://www.w3.org/2004/02/skos/core#prefLabel> ?l } } GROUP BY ?s"
    )
    return {str(s): str(label) for s, label in run_query(query).rows if label is not None}


def is_iri(term: object) -> bool:
    return isinstance(term, URIRef)
