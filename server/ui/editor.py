"""The SPARQL editor (/query) and the named queries as forms (/queries, /queries/<name>).

Everything is a GET form, so a query and its parameters always live in the URL and can be
shared; results come from the executor (time limit, row cap) and link IRIs to resource pages.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode

import pyoxigraph as ox
from flask import Response, request
from rdflib import URIRef
from rdflib.term import Node
from werkzeug.exceptions import Forbidden

from custvalue_kg.catalog import NamedQuery
from custvalue_kg.errors import ParameterError, QueryError, StoreError
from custvalue_kg.executor import QueryTimeout, make_request
from custvalue_kg.namespaces import PREFIXES

from ..context import service
from ..security import check_federation
from . import blueprint
from .render import alternate_url, compact, labels_for, prologue, respond, term_cell

SAMPLE_BODY = """
# Every customer journey with the system it belongs to
SELECT ?journey ?journeyLabel ?system ?systemLabel WHERE {
  ?journey a cv:CustomerJourney ;
           rdfs:label ?journeyLabel ;
           cv:journeyOf ?system .
  OPTIONAL { ?system rdfs:label ?systemLabel }
}
ORDER BY ?journeyLabel
"""

INSTANCES = """SELECT ?instance (SAMPLE(?l) AS ?label) WHERE {
  ?instance a ?class .
  OPTIONAL { ?instance <http://www.w3.org/2000/01/rdf-schema#label> ?l }
} GROUP BY ?instance ORDER BY ?label ?instance"""

# Input type of each declared parameter type (enums and booleans get a select instead).
INPUT_TYPES = {"iri": "url", "integer": "number", "decimal": "number", "date": "date",
               "dateTime": "datetime-local", "string": "text"}


@dataclass
class Outcome:
    """A query's answer made ready for a page, or the reason it has none."""

    kind: str | None = None  # select | ask | graph
    variables: list[str] = field(default_factory=list)
    rows: list[tuple[Node | None, ...]] = field(default_factory=list)
    boolean: bool | None = None
    turtle: str | None = None
    count: int = 0
    truncated: bool = False
    error: str | None = None
    status: int = 200


def execute(sparql: str, bindings: Mapping[str, Node] | None = None) -> Outcome:
    """Run user SPARQL through the executor; errors become messages with an HTTP status."""
    svc = service()
    try:
        check_federation(sparql)
        execution = svc.executor.run(make_request(
            sparql, bindings, graph_format="turtle", max_rows=svc.settings.max_rows))
        if execution.kind == "graph":
            text = execution.body.decode("utf-8")
            count = len(list(ox.parse(execution.body, format=ox.RdfFormat.TURTLE)))
            return Outcome(kind="graph", turtle=text, count=count,
                           truncated=execution.truncated)
        result = execution.result()
    except Forbidden as exc:
        return Outcome(error=exc.description, status=403)
    except QueryTimeout as exc:
        return Outcome(error=f"{exc}. Narrow the query (LIMIT, more specific patterns).",
                       status=503)
    except QueryError as exc:
        return Outcome(error=str(exc), status=400)
    except StoreError as exc:
        return Outcome(error=str(exc), status=502)
    if result.kind == "ask":
        return Outcome(kind="ask", boolean=result.boolean, count=1)
    return Outcome(kind="select", variables=list(result.variables), rows=list(result.rows),
                   count=len(result.rows), truncated=execution.truncated)


cell = term_cell  # the editor's name for it, used by the named-query forms too


def results_data(outcome: Outcome) -> dict:
    """The results part of a page's data (template and JSON twin alike)."""
    labels = labels_for(str(t) for row in outcome.rows for t in row if isinstance(t, URIRef))
    return {
        "kind": outcome.kind,
        "variables": outcome.variables,
        "rows": [{v: cell(t, labels) for v, t in zip(outcome.variables, row, strict=True)}
                 for row in outcome.rows],
        "boolean": outcome.boolean,
        "turtle": outcome.turtle,
        "count": outcome.count,
        "truncated": outcome.truncated,
        "max_rows": service().settings.max_rows,
        "error": outcome.error,
        "status": outcome.status,
    }


def table(outcome: Outcome) -> tuple[list[str], list[list[str]]] | None:
    """The CSV twin of a SELECT (plain text values) or an ASK (one boolean)."""
    if outcome.kind == "select":
        return outcome.variables, [["" if t is None else str(t) for t in row]
                                   for row in outcome.rows]
    if outcome.kind == "ask":
        return ["boolean"], [["true" if outcome.boolean else "false"]]
    return None


def example_text(query: NamedQuery) -> str:
    """A named query's SPARQL without its #+ header, titled by a comment."""
    body = "\n".join(line for line in query.text.splitlines() if not line.startswith("#+"))
    return f"# {query.title}\n{body.strip()}\n"


def _sparql_link(sparql: str, fmt: str) -> str:
    return "/sparql?" + urlencode({"query": sparql, "format": fmt})


@blueprint.route("/query", endpoint="editor")
def editor() -> Response:
    catalog = service().kg.catalog
    examples = [{"name": q.name, "title": q.title} for q in catalog]
    sparql = request.args.get("query")
    example = request.args.get("example")
    data: dict = {"query": sparql, "example": example, "examples": examples, "results": None,
                  "error": None, "downloads": []}
    status = 200
    if sparql is None and example:
        if example in catalog:
            data["query"] = example_text(catalog.get(example))
        else:
            data["error"] = f"no named query is called {example!r}"
            status = 404
    if data["query"] is None:
        data["query"] = prologue() + SAMPLE_BODY
    outcome = None
    if sparql is not None and sparql.strip():
        outcome = execute(sparql)
        data["results"] = results_data(outcome)
        status = outcome.status
        if outcome.error is None:
            formats = {"select": ("csv", "json"), "ask": ("json",),
                       "graph": ("turtle", "jsonld")}[outcome.kind or "select"]
            data["downloads"] = [{"label": f"Download {fmt.upper()}" if fmt in ("csv", "json")
                                  else f"Download {'Turtle' if fmt == 'turtle' else 'JSON-LD'}",
                                  "href": _sparql_link(sparql, fmt)} for fmt in formats]
    return respond("editor.html", data, title="SPARQL query", status=status,
                   table=table(outcome) if outcome else None)


@blueprint.route("/queries", endpoint="named_queries")
def named_queries() -> Response:
    queries = [{"name": q.name, "title": q.title, "description": q.description,
                "question": q.question, "parameters": [p.name for p in q.parameters]}
               for q in service().kg.catalog]
    return respond("named_queries.html", {"queries": queries}, title="Named queries")


def _expand(name: str | None) -> str | None:
    """A class given as prefix:local (as in the query headers) as a full IRI."""
    if not name:
        return None
    prefix, _, local = name.partition(":")
    return PREFIXES[prefix] + local if prefix in PREFIXES and not local.startswith("//") \
        else name


def _options(rdf_class: str | None) -> list[dict]:
    """Instances of a parameter's class, labelled, for a datalist."""
    iri = _expand(rdf_class)
    if not iri:
        return []
    svc = service()
    try:
        result = svc.executor.run(make_request(
            INSTANCES, {"class": URIRef(iri)}, max_rows=svc.settings.max_rows)).result()
    except (QueryError, StoreError):
        return []  # the form still works without suggestions
    return [{"value": str(i), "label": str(label) if label is not None else compact(str(i))}
            for i, label in result.rows if isinstance(i, URIRef)]


def _fields(query: NamedQuery) -> list[dict]:
    fields = []
    for p in query.parameters:
        given = request.args.get(p.name)
        value = given if given is not None else (p.default or "")
        kind = "select" if p.allowed or p.type == "boolean" else "input"
        choices: list[dict] = []
        if p.allowed:
            labels = labels_for(p.allowed) if p.type == "iri" else {}
            choices = [{"value": a, "label": labels.get(a) or compact(a)} for a in p.allowed]
        elif p.type == "boolean":
            choices = [{"value": "true", "label": "yes"}, {"value": "false", "label": "no"}]
        fields.append({
            "name": p.name, "type": p.type, "kind": kind,
            "input_type": INPUT_TYPES.get(p.type, "text"),
            "step": "1" if p.type == "integer" else "any" if p.type == "decimal" else None,
            "required": p.required, "example": p.example, "default": p.default,
            "description": p.description, "rdf_class": p.rdf_class, "value": value,
            "choices": choices,
            "options": _options(p.rdf_class) if p.type == "iri" and not p.allowed else [],
        })
    return fields


@blueprint.route("/queries/<name>", endpoint="named_query_form")
def named_query_form(name: str) -> Response:
    catalog = service().kg.catalog
    if name not in catalog:
        return respond("resource_missing.html",
                       {"error": f"no named query is called {name!r}; see /queries"},
                       title="Named query not found", status=404)
    query = catalog.get(name)
    declared = {p.name for p in query.parameters}
    # Run once the form was submitted (any declared parameter in the URL), or at once when
    # the query takes no parameters.
    submitted = not declared or any(key in request.args for key in declared)
    data: dict = {
        "name": query.name, "title": query.title, "description": query.description,
        "fields": _fields(query), "results": None, "error": None,
        "editor_url": "/query?" + urlencode({"example": query.name}),
        "downloads": [],
    }
    status = 200
    outcome = None
    if submitted:
        values = {key: request.args.get(key) for key in declared}
        try:
            bindings = query.bind(values)
        except ParameterError as exc:
            data["error"] = str(exc)
            data["error_parameter"] = exc.parameter
            status = 400
        else:
            outcome = execute(query.text, bindings)
            data["results"] = results_data(outcome)
            status = outcome.status
            if outcome.error is None:
                data["downloads"] = [{"label": "Download CSV", "href": alternate_url("csv")},
                                     {"label": "Download JSON", "href": alternate_url("json")}]
    return respond("query_form.html", data, title=query.title, status=status,
                   table=table(outcome) if outcome else None)
