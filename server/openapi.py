"""The OpenAPI 3.1 document of the service, generated from the named queries' headers.

Every named query becomes one GET path with a query parameter per declared parameter, so the
API documents itself and OpenAPI tools (Swagger UI, schemathesis, client generators) work
against it without a hand-written spec to keep in step.
"""

from __future__ import annotations

import functools
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import pyoxigraph as ox

from custvalue_kg.catalog import NamedQuery, QueryCatalog
from custvalue_kg.parameters import Parameter, query_form

OPENAPI_VERSION = "3.1.0"

# format= values of a SELECT/ASK query and the media type each one answers with.
RESULT_FORMATS = {
    "json": "application/json",
    "sparql-json": "application/sparql-results+json",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "xml": "application/sparql-results+xml",
}
# format= values of a CONSTRUCT/DESCRIBE query (only custom catalogs have them).
GRAPH_FORMATS = {
    "turtle": "text/turtle",
    "ntriples": "application/n-triples",
    "jsonld": "application/ld+json",
}
# Report formats of /api/validate.
REPORT_FORMATS = {"json": "application/json", "turtle": "text/turtle", "text": "text/plain"}
# RDF bodies /api/validate reads.
RDF_BODY_TYPES = (
    "text/turtle", "application/ld+json", "application/n-triples", "application/rdf+xml",
    "application/n-quads", "application/trig",
)

_PARAMETER_SCHEMAS: dict[str, dict[str, Any]] = {
    "iri": {"type": "string", "format": "uri"},
    "string": {"type": "string"},
    "integer": {"type": "integer"},
    "decimal": {"type": "number"},
    "boolean": {"type": "boolean"},
    "date": {"type": "string", "format": "date"},
    "dateTime": {"type": "string", "format": "date-time"},
}


def query_kind(named: NamedQuery) -> str:
    """'select', 'ask' or 'graph' (CONSTRUCT/DESCRIBE), read from the query text."""
    form = query_form(named.text)
    if form == "ASK":
        return "ask"
    if form in ("CONSTRUCT", "DESCRIBE"):
        return "graph"
    return "select"


@functools.lru_cache(maxsize=256)
def _columns_of(text: str) -> tuple[str, ...] | None:
    # Running the query on an empty store is the engine's own reading of its projection.
    try:
        answer = ox.Store().query(text)
    except (SyntaxError, OSError, ValueError):
        return None
    if isinstance(answer, ox.QuerySolutions):
        return tuple(v.value for v in answer.variables)
    return None


def query_columns(named: NamedQuery) -> tuple[str, ...] | None:
    """The result columns of a SELECT query, or None when they cannot be told."""
    return _columns_of(named.text)


def _json_value(type_: str, text: str) -> Any:
    """A header value (always text) as the JSON value of its declared type."""
    try:
        if type_ == "integer":
            return int(text)
        if type_ == "decimal":
            return float(text)
    except ValueError:
        return text
    if type_ == "boolean":
        return text.strip().lower() in ("true", "1")
    return text


def parameter_schema(p: Parameter) -> dict[str, Any]:
    schema = dict(_PARAMETER_SCHEMAS.get(p.type, {"type": "string"}))
    if p.allowed:
        schema["enum"] = [_json_value(p.type, v) for v in p.allowed]
    if p.default is not None:
        schema["default"] = _json_value(p.type, p.default)
    return schema


def _parameter(p: Parameter) -> dict[str, Any]:
    description = p.description or f"A value of type {p.type}."
    if p.type == "iri" and p.rdf_class:
        description += f" (an IRI of a {p.rdf_class})"
    out: dict[str, Any] = {
        "name": p.name, "in": "query", "required": p.required,
        "description": description, "schema": parameter_schema(p),
    }
    if not p.required:
        # An empty value means "not given" (as an empty HTML form field sends it).
        out["allowEmptyValue"] = True
    if p.example is not None:
        out["example"] = _json_value(p.type, p.example)
    return out


def _format_parameter(formats: dict[str, str], default: str) -> dict[str, Any]:
    return {
        "name": "format", "in": "query", "required": False,
        "description": "The answer's format; overrides the Accept header. "
                       + ", ".join(f"{k}: {v}" for k, v in formats.items()) + ".",
        "schema": {"type": "string", "enum": list(formats), "default": default},
        "allowEmptyValue": True,
    }


def _error_response(description: str) -> dict[str, Any]:
    return {"description": description, "content": {
        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def _text(media_type: str) -> dict[str, Any]:
    return {media_type: {"schema": {"type": "string"}}}


_TRUNCATED_HEADER = {
    "description": "true when the rows were cut at the service's row cap (--max-rows).",
    "required": True,
    "schema": {"type": "string", "enum": ["true", "false"]},
}


def _select_document_schema(named: NamedQuery) -> dict[str, Any]:
    columns = query_columns(named)
    cell = {"type": ["string", "null"]}
    if columns is None:
        row: dict[str, Any] = {"type": "object", "additionalProperties": cell}
        column_items: dict[str, Any] = {"type": "string"}
    else:
        row = {"type": "object", "properties": {c: cell for c in columns},
               "required": list(columns), "additionalProperties": False}
        column_items = {"type": "string", "enum": list(columns)}
    return {
        "type": "object",
        "required": ["query", "title", "parameters", "columns", "rows", "terms", "truncated",
                     "row_count"],
        "properties": {
            "query": {"type": "string", "const": named.name},
            "title": {"type": "string"},
            "parameters": {"$ref": "#/components/schemas/BoundParameters"},
            "columns": {"type": "array", "items": column_items},
            "rows": {"type": "array", "items": row,
                     "description": "One object per row: each column's value as text (IRIs "
                                    "and literals' lexical forms, _:id for blank nodes), null "
                                    "when unbound."},
            "terms": {"type": "array",
                      "items": {"$ref": "#/components/schemas/SparqlJsonBinding"},
                      "description": "The same rows as typed RDF terms, in the W3C SPARQL "
                                     "JSON results form (unbound columns left out)."},
            "truncated": {"type": "boolean"},
            "row_count": {"type": "integer", "minimum": 0},
        },
    }


def _ask_document_schema(named: NamedQuery) -> dict[str, Any]:
    return {
        "type": "object", "required": ["query", "title", "parameters", "boolean"],
        "properties": {
            "query": {"type": "string", "const": named.name},
            "title": {"type": "string"},
            "parameters": {"$ref": "#/components/schemas/BoundParameters"},
            "boolean": {"type": "boolean"},
        },
    }


def query_operation(named: NamedQuery) -> dict[str, Any]:
    """The GET operation of one named query."""
    kind = query_kind(named)
    if kind == "graph":
        formats, default = GRAPH_FORMATS, "turtle"
        content = {t: {"schema": {"type": "string"}} for t in GRAPH_FORMATS.values()}
        content["application/ld+json"] = {"schema": {}}
    else:
        formats, default = RESULT_FORMATS, "json"
        document = (_select_document_schema if kind == "select" else _ask_document_schema)(named)
        content = {
            "application/json": {"schema": document},
            "application/sparql-results+json": {
                "schema": {"$ref": "#/components/schemas/SparqlJsonResults"}},
            **_text("text/csv"), **_text("text/tab-separated-values"),
            **_text("application/sparql-results+xml"),
        }
    parameters = [_parameter(p) for p in named.parameters]
    if not any(p.name == "format" for p in named.parameters):
        parameters.append(_format_parameter(formats, default))
    description = named.description
    if named.question is not None:
        description = f"Competency question {named.question}. {description}"
    return {
        "operationId": "query_" + named.name.replace("-", "_"),
        "summary": named.title,
        "description": description,
        "tags": ["named queries"],
        "parameters": parameters,
        "responses": {
            "200": {"description": "The answer, by content negotiation or format=.",
                    "headers": {"X-Truncated": _TRUNCATED_HEADER}, "content": content},
            "400": _error_response("A parameter is missing, unknown or not of its type; "
                                   "the error names it."),
            "404": _error_response("No named query by this name."),
            "406": _error_response("None of the answer's formats is acceptable."),
            "503": _error_response("The query ran past the time limit, or the store is not "
                                   "answering."),
        },
        "x-sparql": named.text,
    }


def _package_version() -> str:
    try:
        return version("custvalue-kg")
    except PackageNotFoundError:
        return "0"


def build_document(catalog: QueryCatalog, server_url: str = "/") -> dict[str, Any]:
    """The OpenAPI 3.1 document of the named-query API, validation and operations."""
    paths: dict[str, Any] = {
        "/api/queries": {"get": {
            "operationId": "list_queries",
            "summary": "The named queries with their metadata",
            "tags": ["named queries"],
            "responses": {"200": {"description": "Every named query.", "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/QueryList"}}}}},
        }},
    }
    for named in catalog:
        paths[f"/api/queries/{named.name}"] = {"get": query_operation(named)}
    report_format = _format_parameter(REPORT_FORMATS, "json")
    report_content = {
        "application/json": {"schema": {"$ref": "#/components/schemas/ValidationReport"}},
        **_text("text/turtle"), **_text("text/plain"),
    }
    paths["/api/validate"] = {
        "get": {
            "operationId": "validate_store",
            "summary": "SHACL report of the whole store",
            "tags": ["validation"],
            "parameters": [report_format],
            "responses": {
                "200": {"description": "The report (conforms is false only with violations).",
                        "content": report_content},
                "400": _error_response("An unknown format= value."),
                "406": _error_response("None of the report's formats is acceptable."),
                "503": _error_response("The store is not answering."),
            },
        },
        "post": {
            "operationId": "validate_data",
            "summary": "SHACL report of posted RDF, against the shipped shapes; nothing is stored",
            "tags": ["validation"],
            "parameters": [report_format],
            "requestBody": {
                "required": True,
                "description": "RDF data; its format is read from Content-Type. It is "
                               "validated together with the shipped SKOS schemes.",
                "content": {t: {"schema": {"type": "string"}} for t in RDF_BODY_TYPES},
            },
            "responses": {
                "200": {"description": "The report.", "content": report_content},
                "400": _error_response("The body is not valid in its format (line and "
                                       "column given), or an unknown format= value."),
                "406": _error_response("None of the report's formats is acceptable."),
                "413": _error_response("The body is larger than --max-body."),
                "415": _error_response("The Content-Type is not an RDF format read here."),
            },
        },
    }
    health = {"application/json": {"schema": {"$ref": "#/components/schemas/Health"}}}
    paths["/healthz"] = {"get": {
        "operationId": "health",
        "summary": "Is the store answering?",
        "tags": ["operations"],
        "responses": {
            "200": {"description": "The store answers.", "content": health},
            "503": {"description": "The store does not answer.", "content": health},
        },
    }}
    paths["/metrics"] = {"get": {
        "operationId": "metrics",
        "summary": "Request counts and latencies (Prometheus text format 0.0.4)",
        "tags": ["operations"],
        "responses": {"200": {"description": "The metrics.", "content": _text("text/plain")}},
    }}
    paths["/api/openapi.json"] = {"get": {
        "operationId": "openapi",
        "summary": "This document",
        "tags": ["operations"],
        "responses": {"200": {"description": "The OpenAPI document.",
                              "content": {"application/json": {"schema": {"type": "object"}}}}},
    }}
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "custvalue-kg",
            "version": _package_version(),
            "description": "Named SPARQL queries over a knowledge graph of customer value, "
                           "SHACL validation and operations. Generated from the named "
                           "queries' #+ headers.",
            "license": {"name": "MIT", "identifier": "MIT"},
        },
        "servers": [{"url": server_url}],
        "tags": [
            {"name": "named queries", "description": "One query per competency question."},
            {"name": "validation", "description": "SHACL reports; nothing is stored."},
            {"name": "operations", "description": "Health, metrics and this document."},
        ],
        "paths": paths,
        "components": {"schemas": _COMPONENT_SCHEMAS},
    }


_TERM = {
    "type": "object",
    "required": ["type", "value"],
    "properties": {
        "type": {"type": "string", "enum": ["uri", "literal", "bnode", "triple"]},
        "value": {},
        "datatype": {"type": "string"},
        "xml:lang": {"type": "string"},
    },
}

_COMPONENT_SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error", "status", "message"],
        "properties": {
            "error": {"type": "string"},
            "status": {"type": "integer"},
            "message": {"type": "string"},
            "parameter": {"type": "string", "description": "The parameter at fault."},
            "line": {"type": ["integer", "null"]},
            "column": {"type": ["integer", "null"]},
        },
    },
    "BoundParameters": {
        "type": "object",
        "description": "The parameters bound for this answer (defaults included), as text.",
        "additionalProperties": {"type": "string"},
    },
    "SparqlJsonTerm": _TERM,
    "SparqlJsonBinding": {"type": "object",
                          "additionalProperties": {"$ref": "#/components/schemas/SparqlJsonTerm"}},
    "SparqlJsonResults": {
        "type": "object",
        "description": "SPARQL 1.1 Query Results JSON Format (W3C).",
        "required": ["head"],
        "properties": {
            "head": {"type": "object", "properties": {
                "vars": {"type": "array", "items": {"type": "string"}},
                "link": {"type": "array", "items": {"type": "string"}}}},
            "results": {"type": "object", "required": ["bindings"], "properties": {
                "bindings": {"type": "array",
                             "items": {"$ref": "#/components/schemas/SparqlJsonBinding"}}}},
            "boolean": {"type": "boolean"},
        },
    },
    "QueryParameter": {
        "type": "object",
        "required": ["name", "type", "required"],
        "properties": {
            "name": {"type": "string"},
            "type": {"type": "string", "enum": list(_PARAMETER_SCHEMAS)},
            "required": {"type": "boolean"},
            "default": {"type": ["string", "null"]},
            "example": {"type": ["string", "null"]},
            "description": {"type": "string"},
            "class": {"type": ["string", "null"]},
            "enum": {"type": "array", "items": {"type": "string"}},
        },
    },
    "QueryMetadata": {
        "type": "object",
        "required": ["name", "title", "description", "parameters", "url"],
        "properties": {
            "name": {"type": "string"},
            "title": {"type": "string"},
            "description": {"type": "string"},
            "question": {"type": ["integer", "null"]},
            "tags": {"type": "array", "items": {"type": "string"}},
            "parameters": {"type": "array",
                           "items": {"$ref": "#/components/schemas/QueryParameter"}},
            "sparql": {"type": "string"},
            "url": {"type": "string"},
        },
    },
    "QueryList": {
        "type": "object",
        "required": ["queries"],
        "properties": {"queries": {"type": "array",
                                   "items": {"$ref": "#/components/schemas/QueryMetadata"}}},
    },
    "ValidationResult": {
        "type": "object",
        "required": ["severity", "focus_node", "source_shape", "constraint_component",
                     "message"],
        "properties": {
            "severity": {"type": "string", "enum": ["Violation", "Warning", "Info"]},
            "focus_node": {"type": "string"},
            "focus_label": {"type": ["string", "null"]},
            "path": {"type": ["string", "null"]},
            "value": {"type": ["string", "null"]},
            "source_shape": {"type": "string"},
            "constraint_component": {"type": "string"},
            "message": {"type": "string"},
        },
    },
    "ValidationReport": {
        "type": "object",
        "required": ["conforms", "counts", "results"],
        "properties": {
            "conforms": {"type": "boolean",
                         "description": "false only when there is a Violation"},
            "counts": {"type": "object", "additionalProperties": {"type": "integer"},
                       "required": ["Violation", "Warning", "Info"]},
            "results": {"type": "array",
                        "items": {"$ref": "#/components/schemas/ValidationResult"}},
        },
    },
    "Health": {
        "type": "object",
        "required": ["status", "store"],
        "properties": {
            "status": {"type": "string", "enum": ["ok", "unavailable"]},
            "store": {"type": "string"},
            "triples": {"type": ["integer", "null"]},
            "error": {"type": "string"},
        },
    },
}
