"""One store abstraction over an embedded Oxigraph store and any remote SPARQL 1.1 store.

Data lives in named graphs; queries see their union (the embedded store asks Oxigraph for the
union default graph; a remote store must be configured to offer it, e.g. ``oxigraph serve
--union-default-graph``, Virtuoso by default, Fuseki with ``tdb2:unionDefaultGraph``).
Every write replaces or adds whole graphs in one transaction: all or nothing.
"""

from __future__ import annotations

import json
import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from urllib.error import HTTPError, URLError

import pyoxigraph as ox
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.term import Node

from .errors import QueryError, StoreError
from .formats import RdfFormat
from .namespaces import PREFIXES
from .parameters import has_dataset_clause, inject_values, query_form
from .results import QueryResult
from .terms import from_oxigraph, to_oxigraph

GRAPH_COUNTS_QUERY = (
    "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
)


class Store(ABC):
    """What the library needs from a quad store."""

    location: str

    @abstractmethod
    def query(
        self,
        sparql: str,
        bindings: Mapping[str, Node] | None = None,
        *,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
    ) -> QueryResult:
        """Run a SPARQL query; ``bindings`` pre-bind variables to RDF terms."""

    @abstractmethod
    def update(self, sparql: str) -> None:
        """Run a SPARQL update in one transaction."""

    @abstractmethod
    def write_graphs(self, graphs: Mapping[str, Sequence[ox.Quad]], *, replace: bool) -> None:
        """Write quads grouped by named graph in one transaction.

        With ``replace`` each named graph's previous content is dropped in the same transaction.
        """

    def named_graphs(self) -> list[tuple[str, int]]:
        """Every named graph with its triple count, sorted by IRI."""
        result = self.query(GRAPH_COUNTS_QUERY)
        return [(str(g), int(n)) for g, n in result.rows]

    def has_graph(self, iri: str) -> bool:
        return bool(self.query(f"ASK {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}").boolean)

    def drop_graphs(self, iris: Iterable[str]) -> None:
        """Remove named graphs (missing ones are ignored), in one transaction."""
        statements = [f"DROP SILENT GRAPH <{iri}>" for iri in iris]
        if statements:
            self.update(" ;\n".join(statements))

    def graph_quads(self, iri: str) -> list[ox.Quad]:
        result = self.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}")
        graph = ox.NamedNode(iri)
        return [
            ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o), graph)
            for s, p, o in (result.graph or ())
        ]

    def dump(self, fmt: RdfFormat, graphs: Sequence[str] | None = None) -> bytes:
        """Serialise named graphs (all by default); triple formats get their union."""
        names = list(graphs) if graphs is not None else [g for g, _ in self.named_graphs()]
        quads = [q for name in names for q in self.graph_quads(name)]
        if graphs is None:
            quads += self.default_graph_quads()
        if fmt.dataset:
            return ox.serialize(quads, format=fmt.oxigraph, prefixes=PREFIXES)
        triples = dict.fromkeys(ox.Triple(q.subject, q.predicate, q.object) for q in quads)
        return ox.serialize(list(triples), format=fmt.oxigraph, prefixes=PREFIXES)

    def union_graph(self, exclude: Iterable[str] = ()) -> Graph:
        """The union of the named graphs (minus ``exclude``) as an in-memory rdflib Graph."""
        skip = set(exclude)
        graph = Graph()
        for name, _ in self.named_graphs():
            if name in skip:
                continue
            for q in self.graph_quads(name):
                graph.add((from_oxigraph(q.subject), from_oxigraph(q.predicate),
                           from_oxigraph(q.object)))
        for q in self.default_graph_quads():
            graph.add((from_oxigraph(q.subject), from_oxigraph(q.predicate),
                       from_oxigraph(q.object)))
        return graph

    def default_graph_quads(self) -> list[ox.Quad]:
        """Triples of the store's own default graph (written by updates without GRAPH).

        A remote store configured for a union default graph cannot tell them apart: none.
        """
        return []

    def close(self) -> None:  # noqa: B027 - most stores hold nothing to release
        """Release the store."""


class EmbeddedStore(Store):
    """Oxigraph in this process, in memory or persistent in a directory.

    SPARQL runs natively in Oxigraph; ``rdflib_dataset()`` gives the same data as an rdflib
    Dataset (through oxrdflib) for code written against rdflib.
    """

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else None
        self.location = str(self.path) if self.path else ":memory:"
        try:
            self._store = ox.Store(str(self.path)) if self.path else ox.Store()
        except OSError as exc:
            raise StoreError(f"cannot open the store at {self.location}: {exc}") from None

    @property
    def oxigraph(self) -> ox.Store:
        """The underlying pyoxigraph store, for bulk work that must bypass the abstraction."""
        return self._store

    def rdflib_dataset(self) -> Dataset:
        """An rdflib Dataset over this store (oxrdflib): SPARQL strings still run in Oxigraph."""
        from oxrdflib import OxigraphStore

        return Dataset(store=OxigraphStore(store=self._store), default_union=True)

    def query(
        self,
        sparql: str,
        bindings: Mapping[str, Node] | None = None,
        *,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
    ) -> QueryResult:
        answer = oxigraph_query(self._store, sparql, bindings, default_graphs=default_graphs,
                                named_graphs=named_graphs)
        try:
            return _convert_oxigraph_result(answer)
        except OSError as exc:  # lazy evaluation fails while iterating
            raise QueryError(f"the query failed: {exc}") from None

    def update(self, sparql: str) -> None:
        try:
            self._store.update(sparql)
        except SyntaxError as exc:
            raise QueryError(f"malformed update: {exc}") from None
        except OSError as exc:
            raise StoreError(f"the update failed and was rolled back: {exc}") from None

    def write_graphs(self, graphs: Mapping[str, Sequence[ox.Quad]], *, replace: bool) -> None:
        existing = {g.value for g in self._store.named_graphs()}
        try:
            if replace and existing.intersection(graphs):
                # Dropping and inserting in one update makes the replacement a single transaction.
                self._store.update(_replace_update(graphs))
            else:
                self._store.extend(q for quads in graphs.values() for q in quads)
                for name in graphs:
                    self._store.add_graph(ox.NamedNode(name))
        except (OSError, SyntaxError) as exc:
            raise StoreError(f"writing to {self.location} failed; nothing was written: {exc}") \
                from None

    def bulk_load_new_graphs(self, plan: Sequence[tuple[Path, RdfFormat, str]]) -> dict[str, int]:
        """Load files with Oxigraph's bulk loader into graphs that do not exist yet.

        The bulk loader is several times faster than a transaction on disk but writes as it
        parses; since every target graph is new, dropping them all undoes a failed load, so the
        store is left exactly as it was.
        """
        from .sources import syntax_error

        targets = list(dict.fromkeys(graph for _, _, graph in plan))
        if any(self._store.contains_named_graph(ox.NamedNode(g)) for g in targets):
            raise StoreError("bulk loads go into new graphs only")
        current = ""
        try:
            for path, fmt, graph in plan:
                current = str(path)
                self._store.bulk_load(path=str(path), format=fmt.oxigraph,
                                      to_graph=ox.NamedNode(graph),
                                      base_iri=path.resolve().as_uri())
            for graph in targets:
                self._store.add_graph(ox.NamedNode(graph))
        except BaseException as exc:
            for graph in targets:
                self._store.remove_graph(ox.NamedNode(graph))
            if isinstance(exc, SyntaxError):
                raise syntax_error(exc, current) from None
            if isinstance(exc, (OSError, UnicodeDecodeError)):
                raise StoreError(f"loading {current} failed; nothing was written: {exc}") \
                    from None
            raise
        self._store.flush()
        return {g: self._count(g) for g in targets}

    def _count(self, graph: str) -> int:
        count = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
        answer = self._store.query(count)
        return int(next(iter(answer))["n"].value)

    def named_graphs(self) -> list[tuple[str, int]]:
        counts = dict(super().named_graphs())
        for g in self._store.named_graphs():  # empty graphs count too
            counts.setdefault(g.value, 0)
        return sorted(counts.items())

    def graph_quads(self, iri: str) -> list[ox.Quad]:
        return list(self._store.quads_for_pattern(None, None, None, ox.NamedNode(iri)))

    def default_graph_quads(self) -> list[ox.Quad]:
        return list(self._store.quads_for_pattern(None, None, None, ox.DefaultGraph()))

    def dump(self, fmt: RdfFormat, graphs: Sequence[str] | None = None) -> bytes:
        if graphs is None and fmt.dataset:
            return self._store.dump(format=fmt.oxigraph, prefixes=PREFIXES)
        return super().dump(fmt, graphs)

    def close(self) -> None:
        if self.path is not None:
            self._store.flush()
        del self._store


class RemoteStore(Store):
    """Any SPARQL 1.1 store reached over the SPARQL Protocol (through SPARQLWrapper)."""

    # Above this many quads a load is sent in chunks to staging graphs, then moved in one update.
    CHUNK = 50_000

    def __init__(
        self, query_endpoint: str, update_endpoint: str | None = None, *, timeout: float = 120
    ) -> None:
        self.query_endpoint = query_endpoint
        self.update_endpoint = update_endpoint or default_update_endpoint(query_endpoint)
        self.location = query_endpoint
        self.timeout = timeout

    def _wrapper(self, endpoint: str):
        from SPARQLWrapper import SPARQLWrapper

        client = SPARQLWrapper(endpoint, agent="custvalue-kg")
        client.setTimeout(int(self.timeout))
        return client

    def query(
        self,
        sparql: str,
        bindings: Mapping[str, Node] | None = None,
        *,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
    ) -> QueryResult:
        from SPARQLWrapper import JSON, POST

        text = inject_values(sparql, bindings) if bindings else sparql
        client = self._wrapper(self.query_endpoint)
        client.setMethod(POST)
        client.setQuery(text)
        # SPARQLWrapper guesses the form with a regex that also reads comments ("... drops the
        # customer" became a DROP update); our reading skips comments, strings and IRIs.
        client.queryType = query_form(text) or client.queryType
        for g in default_graphs or ():
            client.addDefaultGraph(g)
        for g in named_graphs or ():
            client.addNamedGraph(g)
        form = client.queryType
        if form in ("CONSTRUCT", "DESCRIBE"):
            client.addCustomHttpHeader("Accept", "application/n-triples")
            body = self._send(client)
            graph = Graph()
            for triple in ox.parse(body, format=ox.RdfFormat.N_TRIPLES):
                graph.add((from_oxigraph(triple.subject), from_oxigraph(triple.predicate),
                           from_oxigraph(triple.object)))
            return QueryResult("graph", graph=graph)
        client.setReturnFormat(JSON)
        return result_from_sparql_json(json.loads(self._send(client)))

    def construct(self, sparql: str) -> bytes:
        """Send a CONSTRUCT or DESCRIBE query as written and return its N-Triples answer."""
        from SPARQLWrapper import POST

        client = self._wrapper(self.query_endpoint)
        client.setMethod(POST)
        client.setQuery(sparql)
        client.queryType = query_form(sparql) or client.queryType
        client.addCustomHttpHeader("Accept", "application/n-triples")
        return self._send(client)

    def _send(self, client, what: str = "query") -> bytes:
        from SPARQLWrapper.SPARQLExceptions import QueryBadFormed, SPARQLWrapperException

        try:
            return client.query().response.read()
        except QueryBadFormed as exc:
            # the same words as the embedded store's, with the remote store's own reason
            raise QueryError(f"malformed {what}: {_remote_reason(exc)} "
                             f"(said {self.location})") from None
        except SPARQLWrapperException as exc:
            raise QueryError(f"{self.location} rejected the request: {exc}") from None
        except HTTPError as exc:
            raise QueryError(f"{self.location} answered HTTP {exc.code}: {exc.reason}") from None
        except (URLError, OSError) as exc:
            raise StoreError(f"cannot reach the SPARQL endpoint {self.location}: {exc}") from None

    def update(self, sparql: str) -> None:
        from SPARQLWrapper import POST, URLENCODED

        client = self._wrapper(self.update_endpoint)
        client.setMethod(POST)
        client.setRequestMethod(URLENCODED)
        client.setQuery(sparql)
        self._send(client, "update")

    def write_graphs(self, graphs: Mapping[str, Sequence[ox.Quad]], *, replace: bool) -> None:
        total = sum(len(q) for q in graphs.values())
        if total <= self.CHUNK:
            self.update(_replace_update(graphs) if replace else _insert_data(graphs))
            return
        # Too big for one request: fill private staging graphs, then move them in one update.
        # Blank nodes are skolemised so that one spanning two chunks stays one node.
        run = uuid.uuid4().hex
        staging = {g: f"urn:custvalue-kg:staging:{run}:{i}" for i, g in enumerate(graphs)}
        try:
            for name, quads in graphs.items():
                target = ox.NamedNode(staging[name])
                moved = [ox.Quad(_skolem(q.subject, run), q.predicate, _skolem(q.object, run),
                                 target) for q in quads]
                for start in range(0, len(moved), self.CHUNK):
                    self.update(_insert_data({staging[name]: moved[start:start + self.CHUNK]}))
            finish = []
            for name, stage in staging.items():
                if replace:
                    finish.append(f"DROP SILENT GRAPH <{name}>")
                finish.append(f"ADD <{stage}> TO <{name}>")
                finish.append(f"DROP GRAPH <{stage}>")
            self.update(" ;\n".join(finish))
        except Exception:
            self.drop_graphs(staging.values())
            raise


def _remote_reason(exc: Exception) -> str:
    """The body of a remote store's error answer, which SPARQLWrapper appends to its text."""
    text = str(exc)
    body = text.split("Response:", 1)[-1].strip()
    if body.startswith(("b'", 'b"')):
        body = body[2:-1]
    return body.replace("\\n", " ").strip() or text


def open_store(location: str | Path | None, *, update_endpoint: str | None = None) -> Store:
    """Open a store: None = in memory, an http(s) URL = remote, anything else = a directory."""
    if location is None or str(location) in ("", ":memory:"):
        return EmbeddedStore()
    text = str(location)
    if text.startswith(("http://", "https://")):
        return RemoteStore(text, update_endpoint)
    return EmbeddedStore(Path(text))


def default_update_endpoint(query_endpoint: str) -> str:
    """Oxigraph and Fuseki name their endpoints .../query and .../update; others share one."""
    if query_endpoint.rstrip("/").endswith("/query"):
        return query_endpoint.rstrip("/")[: -len("query")] + "update"
    return query_endpoint


def oxigraph_query(
    store: ox.Store,
    sparql: str,
    bindings: Mapping[str, Node] | None = None,
    *,
    default_graphs: Sequence[str] | None = None,
    named_graphs: Sequence[str] | None = None,
):
    """Run a query on a pyoxigraph store over the union default graph, binding variables.

    Oxigraph binds natively (SEP-0007 substitutions) only variables the query projects; the
    others get the VALUES pre-binding a remote store gets.
    """
    kwargs: dict = {}
    if default_graphs is None and not has_dataset_clause(sparql):
        # Oxigraph's union flag would override the query's own FROM / FROM NAMED.
        kwargs["use_default_graph_as_union"] = True
    elif default_graphs is not None:
        kwargs["default_graph"] = [ox.NamedNode(g) for g in default_graphs]
    if named_graphs is not None:
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
    try:
        if not bindings:
            return store.query(sparql, **kwargs)
        try:
            return store.query(
                sparql, substitutions={ox.Variable(k): to_oxigraph(v) for k, v in bindings.items()},
                **kwargs,
            )
        except RuntimeError as exc:
            if "projection" not in str(exc):
                raise
            return store.query(inject_values(sparql, bindings), **kwargs)
    except SyntaxError as exc:
        raise QueryError(f"malformed query: {exc}") from None
    except (OSError, RuntimeError) as exc:
        raise QueryError(f"the query failed: {exc}") from None


def result_from_sparql_json(data: dict) -> QueryResult:
    """A QueryResult from a SPARQL 1.1 JSON results document."""
    if "boolean" in data:
        return QueryResult("ask", boolean=bool(data["boolean"]))
    variables = list(data["head"].get("vars", []))
    rows = [tuple(_term_from_json(b.get(v)) for v in variables)
            for b in data["results"]["bindings"]]
    return QueryResult("select", variables=variables, rows=rows)


def _term_from_json(binding: dict | None) -> Node | None:
    if binding is None:
        return None
    kind, value = binding["type"], binding["value"]
    if kind == "uri":
        return URIRef(value)
    if kind == "bnode":
        from rdflib import BNode

        return BNode(value)
    if "xml:lang" in binding:
        return Literal(value, lang=binding["xml:lang"])
    if "datatype" in binding:
        return Literal(value, datatype=URIRef(binding["datatype"]))
    return Literal(value)


def _convert_oxigraph_result(answer) -> QueryResult:
    if isinstance(answer, ox.QueryBoolean):
        return QueryResult("ask", boolean=bool(answer))
    if isinstance(answer, ox.QuerySolutions):
        variables = [v.value for v in answer.variables]
        rows = [tuple(from_oxigraph(s[i]) for i in range(len(variables))) for s in answer]
        return QueryResult("select", variables=variables, rows=rows)
    graph = Graph()
    for triple in answer:
        graph.add((from_oxigraph(triple.subject), from_oxigraph(triple.predicate),
                   from_oxigraph(triple.object)))
    return QueryResult("graph", graph=graph)


def _triples_text(quads: Iterable[ox.Quad]) -> str:
    return "\n".join(f"{q.subject} {q.predicate} {q.object} ." for q in quads)


def _insert_data(graphs: Mapping[str, Sequence[ox.Quad]]) -> str:
    blocks = [f"GRAPH <{name}> {{\n{_triples_text(quads)}\n}}" for name, quads in graphs.items()]
    return "INSERT DATA {\n" + "\n".join(blocks) + "\n}"


def _replace_update(graphs: Mapping[str, Sequence[ox.Quad]]) -> str:
    drops = [f"DROP SILENT GRAPH <{name}>" for name in graphs]
    return " ;\n".join([*drops, _insert_data(graphs)])


def _skolem(term, run: str):
    if isinstance(term, ox.BlankNode):
        return ox.NamedNode(f"urn:custvalue-kg:bnode:{run}:{term.value}")
    return term


__all__ = ["EmbeddedStore", "RemoteStore", "Store", "open_store"]
