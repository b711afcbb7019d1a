"""The JSON API: named queries (/api/queries), their OpenAPI document, SHACL validation."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, jsonify, request, url_for
from rdflib import BNode
from rdflib.term import Node
from werkzeug.exceptions import NotAcceptable, NotFound
from werkzeug.http import HTTP_STATUS_CODES

from custvalue_kg.catalog import NamedQuery
from custvalue_kg.errors import (
    InputError,
    ParameterError,
    QueryError,
    StoreError,
    UnknownQueryError,
)
from custvalue_kg.executor import Execution, QueryTimeout, make_request
from custvalue_kg.formats import rdf_format_for_media_type
from custvalue_kg.sources import parse_rdf
from custvalue_kg.terms import from_oxigraph
from custvalue_kg.validation import ValidationReport, load_schemes, validate

from .conneg import choose
from .context import service
from .openapi import GRAPH_FORMATS, REPORT_FORMATS, RESULT_FORMATS, build_document, query_kind

blueprint = Blueprint("api", __name__)

# The executor's result format behind each format= value of a SELECT/ASK query.
_EXECUTOR_FORMAT = {"json": "json", "sparql-json": "json", "csv": "csv", "tsv": "tsv",
                    "xml": "xml"}
_TEXT_TYPES = ("text/csv", "text/tab-separated-values", "text/turtle", "text/plain",
               "application/n-triples")
# Posted data is parsed into this graph name; validation sees the union of all graphs anyway.
_BODY_GRAPH = "urn:custvalue-kg:request-body"


def _error(status: int, message: str, **extra: Any) -> Response:
    """A JSON error in the shape the app uses for every /api/ error, plus details."""
    body = {"error": HTTP_STATUS_CODES.get(status, "Error"), "status": status,
            "message": message, **extra}
    response = jsonify(body)
    response.status_code = status
    return response


@blueprint.errorhandler(ParameterError)
def _parameter_error(exc: ParameterError) -> Response:
    # Like the app's 400 for input errors, plus the parameter's name for clients to show.
    return _error(400, str(exc), parameter=exc.parameter)


def _content_type(media_type: str) -> str:
    return media_type + "; charset=utf-8" if media_type in _TEXT_TYPES else media_type


def _choose_format(formats: dict[str, str], reserved: bool = True) -> str:
    """The format= value if given (and not a parameter of the query), else by Accept."""
    # An empty format= (an empty form field) means "not given", like any optional parameter.
    explicit = (request.args.get("format") or None) if reserved else None
    if explicit is not None:
        if explicit not in formats:
            raise ParameterError("format", f"{explicit!r} is not one of {', '.join(formats)}")
        return explicit
    media = choose(request.headers.get("Accept"), list(formats.values()))
    if media is None:
        raise NotAcceptable("acceptable here: " + ", ".join(formats.values()))
    return next(name for name, m in formats.items() if m == media)


# --- named queries -------------------------------------------------------------------------

@blueprint.get("/api/queries")
def list_queries() -> Response:
    queries = []
    for named in service().kg.catalog:
        entry = named.to_dict()
        entry["url"] = url_for("api.run_query", name=named.name)
        queries.append(entry)
    response = jsonify({"queries": queries})
    response.headers["Link"] = (f'<{url_for("api.openapi")}>; rel="service-desc"; '
                                'type="application/vnd.oai.openapi+json;version=3.1"')
    return response


@blueprint.get("/api/queries/<name>")
def run_query(name: str) -> Response:
    svc = service()
    try:
        named = svc.kg.catalog.get(name)
    except UnknownQueryError as exc:
        raise NotFound(str(exc)) from None
    kind = query_kind(named)
    declared = {p.name for p in named.parameters}
    formats = GRAPH_FORMATS if kind == "graph" else RESULT_FORMATS
    fmt = _choose_format(formats, reserved="format" not in declared)
    bindings = named.bind(_parameter_values(declared))
    query = make_request(
        named.text, bindings, max_rows=svc.settings.max_rows,
        result_format=_EXECUTOR_FORMAT.get(fmt, "json"),
        graph_format=fmt if kind == "graph" else "ntriples",
    )
    try:
        execution = svc.executor.run(query)
    except QueryTimeout as exc:
        svc.metrics.count_timeout()
        return _error(503, str(exc))
    except StoreError as exc:
        return _error(503, str(exc))
    except QueryError as exc:
        return _error(500, f"the named query '{name}' failed: {exc}")
    if fmt == "json" and kind != "graph":
        response = jsonify(_document(named, bindings, execution))
    else:
        response = Response(execution.body, content_type=_content_type(formats[fmt]))
    response.headers["X-Truncated"] = "true" if execution.truncated else "false"
    response.headers["Link"] = ", ".join(_alternates(formats, fmt))
    response.headers["Vary"] = "Accept"
    response.headers["Access-Control-Expose-Headers"] = "Content-Type, Link, X-Truncated"
    return response


def _parameter_values(declared: set[str]) -> dict[str, str]:
    values: dict[str, str] = {}
    for key in request.args:
        if key == "format" and key not in declared:
            continue
        given = request.args.getlist(key)
        if len(given) > 1:
            raise ParameterError(key, f"is given {len(given)} times; give it once")
        values[key] = given[0]
    return values


def _cell(term: Node | None) -> str | None:
    if term is None:
        return None
    return f"_:{term}" if isinstance(term, BNode) else str(term)


def _document(named: NamedQuery, bindings: dict[str, Node], execution: Execution) -> dict:
    """The friendly JSON answer: rows as text, and the same rows as typed terms."""
    base = {"query": named.name, "title": named.title,
            "parameters": {k: _cell(v) for k, v in bindings.items()}}
    raw = json.loads(execution.body)
    if execution.kind == "ask":
        return {**base, "boolean": bool(raw.get("boolean"))}
    result = execution.result()
    columns = list(result.variables)
    rows = [{c: _cell(t) for c, t in zip(columns, row, strict=True)} for row in result.rows]
    return {**base, "columns": columns, "rows": rows, "terms": raw["results"]["bindings"],
            "truncated": execution.truncated, "row_count": len(rows)}


def _alternates(formats: dict[str, str], current: str) -> list[str]:
    """Link headers to the same answer in the other formats."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "format"]
    links = []
    for name, media in formats.items():
        if name != current:
            target = request.path + "?" + urlencode([*args, ("format", name)])
            links.append(f'<{target}>; rel="alternate"; type="{media}"')
    return links


@blueprint.get("/api/openapi.json")
def openapi() -> Response:
    # A relative server URL keeps the document right behind proxies and under a prefix.
    document = build_document(service().kg.catalog, server_url=request.script_root + "/")
    return jsonify(document)


# --- validation -----------------------------------------------------------------------------

@blueprint.get("/api/validate")
def validate_store() -> Response:
    fmt = _choose_format(REPORT_FORMATS)
    try:
        report = service().kg.validate()
    except StoreError as exc:
        return _error(503, str(exc))
    return _report_response(report, fmt)


@blueprint.post("/api/validate")
def validate_data() -> Response:
    fmt = _choose_format(REPORT_FORMATS)
    media = request.mimetype
    rdf = rdf_format_for_media_type(media) if media else None
    if rdf is None:
        return _error(415, f"cannot read a body of type {media or '(none given)'!r}; send "
                           "text/turtle, application/ld+json, application/n-triples, "
                           "application/rdf+xml, application/n-quads or application/trig")
    try:
        # No base IRI and no document loader: nothing in the body makes us fetch a URL
        # (pyoxigraph refuses JSON-LD remote contexts).
        parsed = parse_rdf(request.get_data(), fmt=rdf, graph=_BODY_GRAPH,
                           source_name="request body")
    except InputError as exc:
        return _error(400, str(exc), line=exc.line, column=exc.column)
    # The shapes check SKOS values by their scheme, so the data goes in with the schemes,
    # as `custvalue-kg validate FILE` does; nothing is written to the store.
    data = load_schemes()
    for quads in parsed.values():
        for q in quads:
            data.add((from_oxigraph(q.subject), from_oxigraph(q.predicate),
                      from_oxigraph(q.object)))
    return _report_response(validate(data), fmt)


def _report_response(report: ValidationReport, fmt: str) -> Response:
    if fmt == "json":
        response = jsonify(report.to_json())
    else:
        text = report.to_turtle() if fmt == "turtle" else report.to_text()
        response = Response(text, content_type=_content_type(REPORT_FORMATS[fmt]))
    response.headers["Vary"] = "Accept"
    return response


