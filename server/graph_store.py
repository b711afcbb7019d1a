"""The SPARQL 1.1 Graph Store HTTP Protocol at /rdf-graph-store (W3C Recommendation, 2013).

Graphs are named indirectly (``?graph=IRI``, ``?default``) or directly (the request URL under
``/rdf-graph-store/...`` is the graph IRI; POST to the store itself mints such a graph).
``?default`` is the store's real default graph, not the union that queries see.
Every payload is parsed completely before the store is touched, and each write is one
SPARQL update, which Oxigraph runs as one transaction: all or nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

import pyoxigraph as ox
from flask import Blueprint, Response, request, url_for
from werkzeug.exceptions import (
    BadRequest,
    InternalServerError,
    NotAcceptable,
    NotFound,
    UnsupportedMediaType,
)
from werkzeug.exceptions import NotImplemented as NotImplementedHere
from werkzeug.http import parse_options_header
from werkzeug.sansio.multipart import Data, Epilogue, Field, File, MultipartDecoder, NeedData

from custvalue_kg.errors import CustvalueError, InputError, StoreError
from custvalue_kg.formats import (
    RDF_FORMATS,
    RdfFormat,
    rdf_format_for_media_type,
    rdf_format_for_path,
)
from custvalue_kg.namespaces import PREFIXES
from custvalue_kg.sources import parse_rdf
from custvalue_kg.store import EmbeddedStore, Store

from .conneg import choose
from .context import service
from .security import require_update_token

blueprint = Blueprint("graph_store", __name__)

PATH = "/rdf-graph-store"
# GET offers, most preferred first: Turtle is what a client without an Accept header gets.
OFFERS = {f.media_type: f for f in (RDF_FORMATS[n] for n in (
    "turtle", "ntriples", "rdfxml", "jsonld", "nquads", "trig"))}
# Text syntaxes whose media types take a charset parameter (JSON and XML carry their own).
CHARSET_TYPES = frozenset({"turtle", "ntriples", "nquads", "trig"})
# Part types that say nothing about the syntax (curl -F sends octet-stream for .ttl files).
GENERIC_PART_TYPES = frozenset({"", "application/octet-stream", "text/plain"})
MAX_PARTS = 1000
UTF8_NAMES = frozenset({"utf-8", "utf8", "us-ascii", "ascii"})


@dataclass(frozen=True)
class Target:
    """One graph of the store: a named graph, or the real default graph (iri None)."""

    iri: str | None

    @property
    def sparql(self) -> str:
        """The graph as a SPARQL graph reference (the IRI was validated by ox.NamedNode)."""
        return "DEFAULT" if self.iri is None else f"GRAPH {ox.NamedNode(self.iri)}"


DEFAULT = Target(None)


@blueprint.route(PATH, methods=["GET", "PUT", "POST", "DELETE"])
@blueprint.route(PATH + "/<path:subpath>", methods=["GET", "PUT", "POST", "DELETE"])
def graph_store(subpath: str | None = None) -> Response:
    """One handler for both ways of naming a graph; Flask answers HEAD through GET."""
    if request.method in ("GET", "HEAD"):
        return _get(_target(subpath))
    require_update_token()  # the same rule for every write, before anything else is looked at
    if request.method == "DELETE":
        return _delete(_target(subpath))
    if request.method == "PUT":
        return _put(_target(subpath))
    return _post(_target(subpath, store_allowed=True))


# --- handlers -----------------------------------------------------------------------------


def _get(target: Target | None) -> Response:
    if target is None:
        raise BadRequest("name the graph: ?graph=IRI or ?default")
    media_type = choose(request.headers.get("Accept"), list(OFFERS))
    if media_type is None:
        raise NotAcceptable("a graph is served as " + ", ".join(OFFERS))
    graphs = _Graphs(service().kg.store)
    if not graphs.exists(target):
        raise NotFound(f"no graph <{target.iri}> in the store")
    fmt = OFFERS[media_type]
    triples = graphs.triples(target)
    prefixes = _used_prefixes(triples)
    # Dataset syntaxes write the graph as their default graph, so a GET can be PUT back.
    data = (ox.serialize([ox.Quad(t.subject, t.predicate, t.object) for t in triples],
                         format=fmt.oxigraph, prefixes=prefixes)
            if fmt.dataset else ox.serialize(triples, format=fmt.oxigraph, prefixes=prefixes))
    content_type = fmt.media_type + ("; charset=utf-8" if fmt.name in CHARSET_TYPES else "")
    response = Response(data, status=200, content_type=content_type)
    response.headers["Vary"] = "Accept"
    return response


def _used_prefixes(triples: list[ox.Triple]) -> dict[str, str]:
    """The known prefixes the graph uses (all of them would clutter a small graph)."""
    iris = {t.predicate.value for t in triples}
    iris.update(term.value for t in triples for term in (t.subject, t.object)
                if isinstance(term, ox.NamedNode))
    return {p: ns for p, ns in PREFIXES.items() if any(i.startswith(ns) for i in iris)}


def _existed(graphs: _Graphs, target: Target) -> bool:
    """Whether the target graph exists; the default graph counts only when it has triples."""
    return graphs.exists(target) and (target.iri is not None or graphs.has_triples(target))


def _put(target: Target | None) -> Response:
    if target is None:
        raise BadRequest("name the graph to replace: ?graph=IRI or ?default")
    triples = _payload(_base_iri(target), multipart_allowed=False)
    graphs = _Graphs(service().kg.store)

    def replace() -> bool:
        existed = _existed(graphs, target)
        graphs.replace(target, triples)
        return existed

    return _written(_run_write(replace))


def _post(target: Target | None) -> Response:
    location = None
    if target is None:
        # POST to the Graph Store itself: a new graph with an IRI of our own under the service.
        location = url_for("graph_store.graph_store", subpath=uuid.uuid4().hex, _external=True)
        target = Target(_absolute_iri(location, "minted graph IRI"))
    triples = _payload(_base_iri(target), multipart_allowed=True)
    graphs = _Graphs(service().kg.store)

    def merge() -> bool:
        existed = _existed(graphs, target)
        graphs.add(target, triples)
        return existed

    existed = _run_write(merge)
    response = _written(existed)
    if location is not None:
        response.headers["Location"] = location
    return response


def _delete(target: Target | None) -> Response:
    if target is None:
        raise BadRequest("name the graph to delete: ?graph=IRI or ?default")
    graphs = _Graphs(service().kg.store)

    def drop() -> bool:
        if not graphs.exists(target):
            return False
        graphs.drop(target)
        return True

    if not _run_write(drop):
        raise NotFound(f"no graph <{target.iri}> in the store")
    return _no_content()


def _no_content() -> Response:
    response = Response(status=204)
    del response.headers["Content-Type"]  # nothing to describe
    return response


def _written(existed: bool) -> Response:
    """201 when the write made a new graph (or filled an empty default graph), else 204."""
    if existed:
        return _no_content()
    return Response("201 Created\n", status=201, mimetype="text/plain")


def _run_write(action: Callable[[], bool]) -> bool:
    try:
        return service().write(action)
    except StoreError as exc:  # the store failed, not the client: never a 400
        raise InternalServerError(str(exc)) from None


# --- which graph ---------------------------------------------------------------------------


def _target(subpath: str | None, *, store_allowed: bool = False) -> Target | None:
    """The graph a request names; None when it names the Graph Store itself (POST only)."""
    graph_values = request.args.getlist("graph")
    has_default = "default" in request.args
    if subpath is not None:
        if graph_values or has_default:
            raise BadRequest("a graph URL under /rdf-graph-store/ takes neither ?graph nor "
                             "?default")
        target = Target(_absolute_iri(request.base_url, "graph URL"))
    elif graph_values and has_default:
        raise BadRequest("give either ?graph=IRI or ?default, not both")
    elif len(graph_values) > 1:
        raise BadRequest("give one ?graph=IRI")
    elif graph_values:
        target = Target(_absolute_iri(graph_values[0], "?graph"))
    elif has_default:
        target = DEFAULT
    elif store_allowed:
        return None
    else:
        raise BadRequest("name the graph: ?graph=IRI or ?default (only POST may omit both)")
    if target.iri is None and not isinstance(service().kg.store, EmbeddedStore):
        # A remote store is run with a union default graph: its real one cannot be read back.
        raise NotImplementedHere("?default needs the embedded store; on a remote store address "
                             "named graphs with ?graph=IRI")
    return target


def _absolute_iri(value: str, what: str) -> str:
    try:
        return ox.NamedNode(value).value
    except ValueError as exc:
        raise BadRequest(f"{what}: {value!r} is not an absolute IRI ({exc})") from None


def _base_iri(target: Target) -> str:
    """Relative IRIs in a payload resolve against the graph's IRI (the service's URL for the
    default graph)."""
    return target.iri if target.iri is not None else request.base_url


# --- payloads --------------------------------------------------------------------------------


def _payload(base_iri: str, *, multipart_allowed: bool) -> list[ox.Triple]:
    """Every triple of the request body, parsed completely before anything is written."""
    mimetype = request.mimetype
    if mimetype == "multipart/form-data":
        if not multipart_allowed:
            raise UnsupportedMediaType("multipart/form-data is for POST; PUT takes one document")
        return _multipart(base_iri)
    body = request.get_data(cache=False)  # raises 413 above MAX_CONTENT_LENGTH
    if not mimetype:
        if not body:
            return []  # an empty body is an empty graph in any syntax
        raise UnsupportedMediaType("say the payload's syntax with Content-Type: "
                                   + ", ".join(OFFERS))
    fmt = rdf_format_for_media_type(mimetype)
    if fmt is None:
        raise UnsupportedMediaType(f"{mimetype} is not an RDF syntax this service reads; "
                                   "send one of " + ", ".join(OFFERS))
    return _parse(body, fmt, base_iri, "request body", request.mimetype_params.get("charset"))


def _multipart(base_iri: str) -> list[ox.Triple]:
    """Each part is a document in the syntax its own Content-Type (or file name) says."""
    boundary = request.mimetype_params.get("boundary")
    if not boundary:
        raise BadRequest("multipart/form-data without a boundary parameter")
    decoder = MultipartDecoder(boundary.encode("latin-1"), max_parts=MAX_PARTS)
    decoder.receive_data(request.get_data(cache=False))
    decoder.receive_data(None)
    parts: list[tuple[str, str | None, bytearray]] = []
    try:
        while True:
            event = decoder.next_event()
            if isinstance(event, Field | File):
                label = (event.filename if isinstance(event, File) else None) or event.name
                parts.append((label, event.headers.get("Content-Type"), bytearray()))
            elif isinstance(event, Data):
                parts[-1][2].extend(event.data)
            elif isinstance(event, Epilogue):
                break
            elif isinstance(event, NeedData):
                raise BadRequest("the multipart body ends before its closing boundary")
    except ValueError as exc:
        raise BadRequest(f"malformed multipart/form-data: {exc}") from None
    if not parts:
        raise BadRequest("the multipart/form-data body has no parts")
    triples: list[ox.Triple] = []
    for number, (label, content_type, data) in enumerate(parts, 1):
        source = f"part {number} ({label})"
        mimetype, params = parse_options_header(content_type or "")
        fmt = _part_format(mimetype.lower(), label)
        if fmt is None:
            raise UnsupportedMediaType(
                f"{source}: cannot tell its RDF syntax from Content-Type {mimetype or '(none)'} "
                "or its file name; give the part an RDF Content-Type or extension")
        triples.extend(_parse(bytes(data), fmt, base_iri, source, params.get("charset")))
    return triples


def _part_format(mimetype: str, label: str) -> RdfFormat | None:
    if mimetype not in GENERIC_PART_TYPES:
        found = rdf_format_for_media_type(mimetype)
        if found is not None:
            return found
    try:
        return rdf_format_for_path(label)
    except CustvalueError:
        return RDF_FORMATS["ntriples"] if mimetype == "text/plain" else None


def _parse(data: bytes, fmt: RdfFormat, base_iri: str, source: str,
           charset: str | None) -> list[ox.Triple]:
    """One document's triples, with fresh blank nodes so that documents merged together
    never share one by accident of equal labels."""
    if charset and charset.lower() not in UTF8_NAMES and fmt.name != "rdfxml":
        try:
            data = data.decode(charset).encode("utf-8")
        except LookupError:
            raise UnsupportedMediaType(f"{source}: unknown charset {charset!r}") from None
        except UnicodeDecodeError as exc:
            raise BadRequest(f"{source}: not valid {charset}: {exc}") from None
    # A private name for the payload's default graph, so that a named graph inside a
    # dataset syntax (TriG, N-Quads, JSON-LD) stands out.
    payload_graph = f"urn:uuid:{uuid.uuid4()}"
    try:
        parsed = parse_rdf(data, fmt=fmt, graph=payload_graph, source_name=source,
                           base_iri=base_iri)
    except InputError as exc:
        if fmt.name == "jsonld" and "remote context" in str(exc):
            raise InputError("JSON-LD remote contexts are never fetched: put the @context "
                             "inline", source=source) from None
        raise
    named = sorted(g for g in parsed if g != payload_graph)
    if named:
        raise BadRequest(f"{source}: the payload holds named graphs (<{named[0]}>"
                         + (f" and {len(named) - 1} more" if len(named) > 1 else "")
                         + "); a Graph Store write takes one graph: send its triples alone")
    fresh: dict[str, ox.BlankNode] = {}

    def renamed(term):
        if isinstance(term, ox.BlankNode):
            return fresh.setdefault(term.value, ox.BlankNode())
        return term

    return [ox.Triple(renamed(q.subject), q.predicate, renamed(q.object))
            for q in parsed.get(payload_graph, [])]


# --- the store ------------------------------------------------------------------------------


class _Graphs:
    """Graph Store operations on a store; every write is one SPARQL update (one transaction)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.embedded = store.oxigraph if isinstance(store, EmbeddedStore) else None

    def exists(self, target: Target) -> bool:
        """Named graphs exist once created, even empty; the default graph always exists."""
        if target.iri is None:
            return True
        if self.embedded is not None:
            return self.embedded.contains_named_graph(ox.NamedNode(target.iri))
        return bool(self.store.query(f"ASK {{ {target.sparql} {{ }} }}").boolean)

    def has_triples(self, target: Target) -> bool:
        if self.embedded is not None:
            name = ox.DefaultGraph() if target.iri is None else ox.NamedNode(target.iri)
            return next(iter(self.embedded.quads_for_pattern(None, None, None, name)),
                        None) is not None
        return bool(self.store.query(f"ASK {{ {target.sparql} {{ ?s ?p ?o }} }}").boolean)

    def triples(self, target: Target) -> list[ox.Triple]:
        if self.embedded is not None:
            name = ox.DefaultGraph() if target.iri is None else ox.NamedNode(target.iri)
            quads = self.embedded.quads_for_pattern(None, None, None, name)
        else:
            quads = self.store.graph_quads(target.iri or "")
        return [ox.Triple(q.subject, q.predicate, q.object) for q in quads]

    def replace(self, target: Target, triples: list[ox.Triple]) -> None:
        steps = [f"DROP SILENT {target.sparql}"]
        if target.iri is not None:
            steps.append(f"CREATE SILENT {target.sparql}")  # an empty PUT still makes a graph
        self._update(steps, target, triples)

    def add(self, target: Target, triples: list[ox.Triple]) -> None:
        steps = [f"CREATE SILENT {target.sparql}"] if target.iri is not None else []
        self._update(steps, target, triples)

    def drop(self, target: Target) -> None:
        self._update([f"DROP SILENT {target.sparql}"], target, [])

    def _update(self, steps: list[str], target: Target, triples: list[ox.Triple]) -> None:
        if triples:
            body = "\n".join(f"{t.subject} {t.predicate} {t.object} ." for t in triples)
            block = body if target.iri is None else f"{target.sparql} {{\n{body}\n}}"
            steps.append(f"INSERT DATA {{\n{block}\n}}")
        if steps:
            self.store.update(" ;\n".join(steps))
