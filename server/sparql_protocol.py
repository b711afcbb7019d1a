"""The SPARQL 1.1 Protocol endpoint: query and update at /sparql, and its Service Description.

Follows https://www.w3.org/TR/sparql11-protocol/:

- query by GET, by POST application/x-www-form-urlencoded or by POST application/sparql-query;
  ``default-graph-uri`` / ``named-graph-uri`` set the dataset; without them the default graph
  is the union of all graphs (or the query's own FROM / FROM NAMED);
- update by POST form or POST application/sparql-update, only with the update token;
  ``using-graph-uri`` / ``using-named-graph-uri`` become ``USING`` / ``USING NAMED`` clauses in
  front of the WHERE of every operation that has one (pyoxigraph has no API parameter for an
  update's dataset); the IRIs are checked to be absolute IRIs first, so nothing else can enter
  the text;
- relative IRIs resolve against the endpoint URL (a ``BASE`` line is put in front);
- answers are negotiated by Accept with q-values; a ``format`` parameter overrides it;
- a GET without a query answers with the Service Description (server/service_description.py).

Status codes: 400 malformed request or query (with the parser's message and position),
403 update without the token / SERVICE not allowed / LOAD, 405 other methods, 406 the client
excluded every format we have, 415 other content types or a charset other than UTF-8,
503 the query ran past the time limit, 500 a failure of the store.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import parse_qsl

from flask import Blueprint, Response, request
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import (
    BadRequest,
    InternalServerError,
    NotAcceptable,
    ServiceUnavailable,
    UnsupportedMediaType,
)

from custvalue_kg.errors import CustvalueError, ParameterError, QueryError, StoreError
from custvalue_kg.executor import QueryTimeout, make_request
from custvalue_kg.parameters import coerce_value, query_form

from . import service_description as sd
from .conneg import choose, parse_accept
from .context import service
from .security import check_federation, check_update_requests, require_update_token

blueprint = Blueprint("sparql_protocol", __name__)

FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"

# Offered media types -> our format names; the first entry is the default for that form.
RESULT_OFFERS: tuple[tuple[str, str], ...] = (
    ("application/sparql-results+json", "json"),
    ("application/sparql-results+xml", "xml"),
    ("text/csv", "csv"),
    ("text/tab-separated-values", "tsv"),
    ("application/json", "json"),
    ("application/xml", "xml"),
    ("text/xml", "xml"),
)
GRAPH_OFFERS: tuple[tuple[str, str], ...] = (
    ("text/turtle", "turtle"),
    ("application/n-triples", "ntriples"),
    ("application/rdf+xml", "rdfxml"),
    ("application/ld+json", "jsonld"),
    ("application/n-quads", "nquads"),
    ("application/trig", "trig"),
    ("application/x-turtle", "turtle"),
    ("application/turtle", "turtle"),
    ("application/xml", "rdfxml"),
    ("text/xml", "rdfxml"),
    ("application/json", "jsonld"),
)
DESCRIPTION_OFFERS: tuple[tuple[str, str], ...] = (
    *((media, name) for name, (media, _) in sd.DESCRIPTION_FORMATS.items()),
    ("application/xhtml+xml", "html"),
    ("application/xml", "rdfxml"),
    ("application/json", "jsonld"),
)

# Values of the `format` parameter (also what SPARQLWrapper sends: n3, rdf+xml, json-ld, ...).
RESULT_FORMAT_NAMES = {"json": "json", "xml": "xml", "csv": "csv", "tsv": "tsv",
                       **{media: name for media, name in RESULT_OFFERS}}
GRAPH_FORMAT_NAMES = {
    "turtle": "turtle", "ttl": "turtle", "n3": "turtle", "ntriples": "ntriples",
    "nt": "ntriples", "n-triples": "ntriples", "rdfxml": "rdfxml", "rdf+xml": "rdfxml",
    "rdf": "rdfxml", "xml": "rdfxml", "jsonld": "jsonld", "json-ld": "jsonld", "json": "jsonld",
    "nquads": "nquads", "nq": "nquads", "n-quads": "nquads", "trig": "trig",
    **{media: name for media, name in GRAPH_OFFERS},
}
DESCRIPTION_FORMAT_NAMES = {
    **{name: name for name in sd.DESCRIPTION_FORMATS}, "ttl": "turtle", "xml": "rdfxml",
    "rdf+xml": "rdfxml", "json": "jsonld", "json-ld": "jsonld", "nt": "ntriples",
    **{media: name for media, name in DESCRIPTION_OFFERS},
}


@blueprint.route("/sparql", methods=["GET", "POST"])
def sparql() -> Response:
    """Dispatch a protocol request to query, update or the Service Description."""
    url_params = _parse_pairs(request.query_string, "the URL's query string")
    if request.method in ("GET", "HEAD"):  # Flask answers HEAD with the GET view
        params = MultiDict(url_params)
        if "update" in params:
            raise BadRequest("an update must be sent by POST (form-encoded or "
                             "application/sparql-update), never by GET")
        queries = params.getlist("query")
        if not queries:
            return service_description(params)
        _single(queries, "query")
        return run_query(queries[0], params)

    mimetype = request.mimetype
    if mimetype == FORM:
        _require_utf8()
        params = MultiDict(url_params + _parse_pairs(request.get_data(), "the request body"))
        queries, updates = params.getlist("query"), params.getlist("update")
        if queries and updates:
            raise BadRequest("send either a 'query' or an 'update' parameter, not both")
        if queries:
            _single(queries, "query")
            return run_query(queries[0], params)
        if updates:
            _single(updates, "update")
            return run_update(updates[0], params)
        raise BadRequest("a form-encoded POST needs a 'query' or an 'update' parameter")
    if mimetype in (SPARQL_QUERY, SPARQL_UPDATE):
        _require_utf8()
        params = MultiDict(url_params)
        for name in ("query", "update"):
            if name in params:
                raise BadRequest(f"with Content-Type {mimetype} the request body is the "
                                 f"operation; a '{name}' parameter is not allowed as well")
        text = _body_text()
        return run_query(text, params) if mimetype == SPARQL_QUERY else run_update(text, params)
    if not mimetype:
        raise UnsupportedMediaType(
            f"a POST to /sparql needs a Content-Type: {FORM}, {SPARQL_QUERY} or {SPARQL_UPDATE}")
    raise UnsupportedMediaType(
        f"Content-Type {mimetype} is not accepted; use {FORM}, {SPARQL_QUERY} or {SPARQL_UPDATE}")


# --- query -----------------------------------------------------------------------------------

def run_query(sparql: str, params: MultiDict) -> Response:
    """Run a query with the protocol's dataset and negotiated format; 200 with the answer."""
    check_federation(sparql)
    is_graph = query_form(sparql) in ("CONSTRUCT", "DESCRIBE")
    result_fmt, graph_fmt = _query_formats(params.getlist("format"), is_graph)
    default_graphs = _iris(params, "default-graph-uri")
    named_graphs = _iris(params, "named-graph-uri")
    if default_graphs or named_graphs:
        # A protocol dataset replaces the query's own and our union default graph entirely.
        dataset = {"default_graphs": default_graphs, "named_graphs": named_graphs}
    else:
        dataset = {}
    svc = service()
    try:
        execution = svc.executor.run(make_request(
            _with_base(sparql), result_format=result_fmt, graph_format=graph_fmt, **dataset))
    except QueryTimeout as exc:
        svc.metrics.count_timeout()
        raise ServiceUnavailable(
            f"{exc}. Narrow the query (LIMIT, more specific patterns) or ask the operator to "
            "raise --query-timeout.") from None
    except (QueryError, StoreError) as exc:
        raise _failure(exc, "query") from None
    response = Response(execution.body, status=200)
    response.headers["Content-Type"] = f"{execution.media_type}; charset=utf-8"
    response.vary.add("Accept")
    return response


def _query_formats(requested: Sequence[str], is_graph: bool) -> tuple[str, str]:
    """(result format, graph format) from the `format` parameter, else from Accept."""
    if requested:
        names = GRAPH_FORMAT_NAMES if is_graph else RESULT_FORMAT_NAMES
        for value in requested:  # SPARQLWrapper may send two spellings of one format
            name = names.get(value.strip().lower())
            if name:
                return ("json", name) if is_graph else (name, "turtle")
        kind = "CONSTRUCT/DESCRIBE" if is_graph else "SELECT/ASK"
        choices = "turtle, ntriples, rdfxml, jsonld, nquads, trig" if is_graph \
            else "json, xml, csv, tsv"
        raise BadRequest(f"format {', '.join(requested)!s} does not apply to a {kind} query; "
                         f"use one of {choices}")
    accept = request.headers.get("Accept")
    result_fmt = _negotiate(accept, RESULT_OFFERS)
    graph_fmt = _negotiate(accept, GRAPH_OFFERS)
    if (graph_fmt if is_graph else result_fmt) is None:
        offered = GRAPH_OFFERS if is_graph else RESULT_OFFERS
        raise NotAcceptable("no acceptable format: this query can answer in "
                            + ", ".join(dict.fromkeys(m for m, _ in offered)))
    return result_fmt or "json", graph_fmt or "turtle"


def _negotiate(accept: str | None, offers: Sequence[tuple[str, str]]) -> str | None:
    """The preferred format; the default (first offer) when nothing matches, as most clients
    and browsers prefer an answer to a 406; None only when the client gave the default q=0."""
    chosen = choose(accept, [media for media, _ in offers])
    if chosen is not None:
        return dict(offers)[chosen]
    default_media, default_name = offers[0]
    return None if _refused(accept, default_media) else default_name


def _refused(accept: str | None, media: str) -> bool:
    """Whether the most specific Accept range matching ``media`` has q=0."""
    kind = media.split("/")[0]
    matching = [(0 if m == "*/*" else 1 if m == kind + "/*" else 2, q)
                for m, q in parse_accept(accept) if m in ("*/*", kind + "/*", media)]
    return bool(matching) and max(matching)[1] <= 0


# --- update ----------------------------------------------------------------------------------

def run_update(update: str, params: MultiDict) -> Response:
    """Run an update in one transaction, with the token; 204 on success, nothing kept on failure."""
    require_update_token()
    using = _iris(params, "using-graph-uri")
    using_named = _iris(params, "using-named-graph-uri")
    check_update_requests(update)
    text = add_using(update, using, using_named) if using or using_named else update
    svc = service()
    store = svc.kg.store
    statement = _with_base(text)
    try:
        svc.write(lambda: store.update(statement))
    except (QueryError, StoreError) as exc:
        raise _failure(exc, "update") from None
    except (RuntimeError, OSError) as exc:  # pyoxigraph's evaluation errors (rolled back)
        raise InternalServerError(f"the update failed and nothing of it was applied: {exc}") \
            from None
    response = Response(status=204)
    del response.headers["Content-Type"]  # no body, so no type
    return response


_MASKED = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n]|\\.)*"'
    r"|'(?:[^'\\\n]|\\.)*'"
    r"|<[^<>\"{}|^`\\\x00-\x20]*>"
    r"|#[^\n]*"
)
# Braces and the keywords that shape an update, not inside ?var, prefix:name or name:local.
_UPDATE_TOKENS = re.compile(r"[{}]|(?<![\w:?$@.\-])(WHERE|USING|WITH)(?![\w:\-])", re.IGNORECASE)
_DELETE_BEFORE = re.compile(r"(?<![\w:?$@.\-])DELETE\s*$", re.IGNORECASE)


def add_using(update: str, using: Sequence[str], using_named: Sequence[str]) -> str:
    """Put USING / USING NAMED clauses before the WHERE of every operation of ``update``.

    ``using`` and ``using_named`` must already be checked absolute IRIs. Operations without a
    WHERE (INSERT DATA, CLEAR, ...) read no dataset and stay as they are. Raises BadRequest
    when the update names its own dataset (USING or WITH: the protocol forbids both at once)
    or uses the DELETE WHERE shorthand (whose grammar has no USING).
    """
    masked = _MASKED.sub(lambda m: " " * len(m.group(0)), update)
    clauses = "".join(f"USING <{iri}> " for iri in using) + "".join(
        f"USING NAMED <{iri}> " for iri in using_named)
    depth = 0
    positions = []
    for match in _UPDATE_TOKENS.finditer(masked):
        token = match.group(0)
        if token == "{":
            depth += 1
        elif token == "}":
            depth -= 1
        elif depth == 0:
            keyword = token.upper()
            if keyword in ("USING", "WITH"):
                raise BadRequest(
                    f"the update names its dataset with {keyword} and the request with "
                    "using-graph-uri/using-named-graph-uri; the protocol allows only one")
            if _DELETE_BEFORE.search(masked[: match.start()]):
                raise BadRequest(
                    "using-graph-uri/using-named-graph-uri cannot apply to DELETE WHERE "
                    "{ ... }; write it as DELETE { ... } WHERE { ... }")
            positions.append(match.start())
    for position in reversed(positions):
        update = update[:position] + clauses + update[position:]
    return update


# --- service description ---------------------------------------------------------------------

def service_description(params: MultiDict) -> Response:
    """The Service Description, in the format the client asks for."""
    requested = params.getlist("format")
    if requested:
        fmt = next((DESCRIPTION_FORMAT_NAMES[v.strip().lower()] for v in requested
                    if v.strip().lower() in DESCRIPTION_FORMAT_NAMES), None)
        if fmt is None:
            raise BadRequest(f"unknown format {requested[0]!r} for the service description; "
                             f"use one of {', '.join(sd.DESCRIPTION_FORMATS)}")
    else:
        fmt = _negotiate(request.headers.get("Accept"), DESCRIPTION_OFFERS)
        if fmt is None:
            raise NotAcceptable("the service description is available as "
                                + ", ".join(m for m, _ in sd.DESCRIPTION_FORMATS.values()))
    endpoint = request.base_url
    graph, named, total = sd.current_description(endpoint)
    svc = service()
    if fmt == "html":
        body = sd.render_html(endpoint, named, total,
                              federation=bool(svc.settings.federation_allowlist),
                              writable=bool(svc.settings.update_token))
    else:
        body = sd.serialize(graph, fmt)
    response = Response(body, status=200)
    response.headers["Content-Type"] = f"{sd.DESCRIPTION_FORMATS[fmt][0]}; charset=utf-8"
    response.vary.add("Accept")
    return response


# --- request helpers -------------------------------------------------------------------------

def _parse_pairs(raw: bytes, where: str) -> list[tuple[str, str]]:
    """Name/value pairs of a query string or form body, decoded strictly as UTF-8."""
    try:
        return parse_qsl(raw.decode("utf-8"), keep_blank_values=True, encoding="utf-8",
                         errors="strict")
    except UnicodeDecodeError:
        raise BadRequest(f"{where} is not valid UTF-8 (percent-encoded UTF-8 is required)") \
            from None


def _require_utf8() -> None:
    charset = request.mimetype_params.get("charset")
    if charset and charset.strip().lower() not in ("utf-8", "utf8"):
        raise UnsupportedMediaType(f"charset={charset} is not supported: the SPARQL protocol "
                                   "requires UTF-8")


def _body_text() -> str:
    try:
        return request.get_data().decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise BadRequest(f"the request body is not valid UTF-8 (byte {exc.start})") from None


def _single(values: list[str], name: str) -> None:
    if len(values) > 1:
        raise BadRequest(f"exactly one '{name}' parameter is allowed, this request has "
                         f"{len(values)}")


def _iris(params: MultiDict, name: str) -> list[str]:
    """The values of a graph-IRI parameter, each checked to be an absolute IRI."""
    try:
        return [str(coerce_value(name, "iri", value.strip())) for value in params.getlist(name)]
    except ParameterError as exc:
        raise BadRequest(str(exc)) from None


def _base_iri() -> str | None:
    """The endpoint URL as the base IRI, when it is one (the Host header is the client's)."""
    try:
        return str(coerce_value("base", "iri", request.base_url))
    except ParameterError:
        return None


def _with_base(text: str) -> str:
    """The operation with a BASE line in front, so that relative IRIs resolve to the endpoint.

    A BASE of the client's own comes later in the text and takes over.
    """
    base = _base_iri()
    return f"BASE <{base}>\n{text}" if base else text


_POSITION = re.compile(r"\b(error at )(\d+)(:\d+)(?:-(\d+)(:\d+))?")


def _located(message: str) -> str:
    """The parser's message with its line numbers counted in the client's text (no BASE line)."""
    if _base_iri() is None:
        return message

    def shift(match: re.Match) -> str:
        text = f"{match.group(1)}{max(1, int(match.group(2)) - 1)}{match.group(3)}"
        if match.group(4):
            text += f"-{max(1, int(match.group(4)) - 1)}{match.group(5)}"
        return text

    return _POSITION.sub(shift, message)


def _failure(exc: CustvalueError, what: str) -> Exception:
    """400 when the client's text was at fault (with the parser's position), 500 otherwise."""
    message = _located(str(exc))
    client_fault = message.startswith("malformed") or "rejected the request" in message \
        or "answered HTTP 4" in message
    if isinstance(exc, QueryError) and client_fault:
        return BadRequest(message)
    if what == "update":
        return InternalServerError(f"the update failed and nothing of it was applied: {message}")
    return InternalServerError(message)


__all__ = ["add_using", "blueprint", "run_query", "run_update", "service_description"]
