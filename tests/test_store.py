"""The store abstraction: embedded (memory, disk, reopened) and remote (a real Oxigraph server)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Literal, URIRef

from custvalue_kg.errors import InputError, QueryError, StoreError
from custvalue_kg.kg import ONTOLOGY_GRAPH, SAMPLE_GRAPH, SCHEMES_GRAPH, KnowledgeGraph
from custvalue_kg.store import EmbeddedStore, RemoteStore, default_update_endpoint

EX = "https://example.org/test/"
GOOD_TTL = f"""@prefix ex: <{EX}> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
ex:a rdfs:label "A" ; ex:knows ex:b , [ rdfs:label "anonymous" ] .
ex:b rdfs:label "B" .
"""
BAD_TTL = f"""@prefix ex: <{EX}> .
ex:a ex:p ex:b .
ex:c ex:p "never closed .
"""
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def count(kg: KnowledgeGraph, graph: str | None = None) -> int:
    if graph is None:
        return int(kg.query(COUNT).rows[0][0])
    return dict(kg.store.named_graphs()).get(graph, 0)


@pytest.fixture(params=["memory", "disk", "remote"])
def empty_kg(request, tmp_path: Path) -> KnowledgeGraph:
    """A store with just the ontology and schemes, in each of the three kinds."""
    if request.param == "memory":
        return KnowledgeGraph.open(None, sample=False)
    if request.param == "disk":
        return KnowledgeGraph.open(tmp_path / "store")
    server = request.getfixturevalue("empty_oxigraph")
    return KnowledgeGraph.open(server.query_endpoint)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_reference_graphs_are_installed(empty_kg: KnowledgeGraph) -> None:
    graphs = dict(empty_kg.store.named_graphs())
    assert graphs[ONTOLOGY_GRAPH] > 400
    assert graphs[SCHEMES_GRAPH] > 300
    assert SAMPLE_GRAPH not in graphs


def test_each_file_goes_to_its_own_graph_and_queries_see_the_union(
    empty_kg: KnowledgeGraph, tmp_path: Path
) -> None:
    first = write(tmp_path, "first.ttl", GOOD_TTL)
    second = write(tmp_path, "second.nt", f"<{EX}c> <{EX}knows> <{EX}a> .\n")
    summary = empty_kg.load([first, second])
    assert summary.graphs == {first.resolve().as_uri(): 5, second.resolve().as_uri(): 1}
    answer = empty_kg.query(
        f"SELECT ?who WHERE {{ ?who <{EX}knows> <{EX}a> }}"
    ).text_rows()
    assert answer == [(EX + "c",)]
    # the ontology graph is part of the union too
    label = empty_kg.query(
        "SELECT ?l WHERE { <https://w3id.org/custvalue/ontology#HandOff> "
        "<http://www.w3.org/2000/01/rdf-schema#label> ?l }"
    )
    assert label.text_rows() == [("Hand-off",)]


def test_a_parse_error_names_file_and_line_and_writes_nothing(
    empty_kg: KnowledgeGraph, tmp_path: Path
) -> None:
    good = write(tmp_path, "good.ttl", GOOD_TTL)
    bad = write(tmp_path, "bad.ttl", BAD_TTL)
    before = count(empty_kg)
    with pytest.raises(InputError) as caught:
        empty_kg.load([good, bad], graph=EX + "graph")
    assert caught.value.source == str(bad)
    assert caught.value.line == 3
    assert str(caught.value).startswith(f"{bad}, line 3, column ")
    assert count(empty_kg) == before
    assert EX + "graph" not in dict(empty_kg.store.named_graphs())


def test_a_failed_bulk_load_into_new_graphs_drops_every_one_of_them(
    empty_kg: KnowledgeGraph, tmp_path: Path
) -> None:
    """New graphs go through Oxigraph's bulk loader, which writes as it parses: a late syntax
    error must still leave nothing behind, in any of the files' graphs."""
    big = write(tmp_path, "big.nt", "".join(
        f"<{EX}s{i}> <{EX}p> \"{i}\" .\n" for i in range(20_000)))
    late = write(tmp_path, "late.nt", "".join(
        f"<{EX}t{i}> <{EX}p> \"{i}\" .\n" for i in range(5_000)) + "<broken> .\n")
    before = sorted(empty_kg.store.named_graphs())
    with pytest.raises(InputError) as caught:
        empty_kg.load([big, late])
    assert str(caught.value).startswith(f"{late}, line 5001")
    assert sorted(empty_kg.store.named_graphs()) == before
    assert empty_kg.load([big]).graphs == {big.resolve().as_uri(): 20_000}


def test_reloading_a_graph_replaces_it_atomically(
    empty_kg: KnowledgeGraph, tmp_path: Path
) -> None:
    path = write(tmp_path, "data.ttl", GOOD_TTL)
    empty_kg.load([path], graph=EX + "g")
    assert count(empty_kg, EX + "g") == 5
    # the blank node would be duplicated by a naive second add
    summary = empty_kg.load([path], graph=EX + "g")
    assert summary.replaced == [EX + "g"]
    assert count(empty_kg, EX + "g") == 5
    # a failing reload keeps the old content
    write(tmp_path, "data.ttl", BAD_TTL)
    with pytest.raises(InputError):
        empty_kg.load([path], graph=EX + "g")
    assert count(empty_kg, EX + "g") == 5
    # --append adds instead
    write(tmp_path, "more.ttl", f"<{EX}z> <{EX}p> <{EX}y> .\n")
    empty_kg.load([tmp_path / "more.ttl"], graph=EX + "g", replace=False)
    assert count(empty_kg, EX + "g") == 6


def test_every_rdf_syntax_loads(empty_kg: KnowledgeGraph, tmp_path: Path) -> None:
    docs = {
        "a.ttl": f"<{EX}s1> <{EX}p> 'turtle' .",
        "b.nt": f"<{EX}s2> <{EX}p> \"ntriples\" .\n",
        "c.nq": f"<{EX}s3> <{EX}p> \"nquads\" <{EX}named> .\n",
        "d.trig": f"<{EX}trig> {{ <{EX}s4> <{EX}p> 'trig' }}",
        "e.jsonld": f'{{"@id": "{EX}s5", "{EX}p": "jsonld"}}',
        "f.rdf": (
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
            f'xmlns:ex="{EX}"><rdf:Description rdf:about="{EX}s6"><ex:p>rdfxml</ex:p>'
            "</rdf:Description></rdf:RDF>"
        ),
    }
    for name, text in docs.items():
        write(tmp_path, name, text)
    summary = empty_kg.load([tmp_path])  # a folder: every RDF file below it
    assert summary.triples == 6
    # dataset syntaxes keep their named graphs
    assert EX + "named" in summary.graphs and EX + "trig" in summary.graphs
    values = {str(v) for (v,) in empty_kg.query(f"SELECT ?v WHERE {{ ?s <{EX}p> ?v }}").rows}
    assert values == {"turtle", "ntriples", "nquads", "trig", "jsonld", "rdfxml"}


def test_globs_and_missing_sources(empty_kg: KnowledgeGraph, tmp_path: Path) -> None:
    write(tmp_path, "x1.ttl", f"<{EX}x1> <{EX}p> 1 .")
    write(tmp_path, "x2.ttl", f"<{EX}x2> <{EX}p> 2 .")
    assert empty_kg.load([str(tmp_path / "x*.ttl")]).triples == 2
    with pytest.raises(Exception, match="no file matches"):
        empty_kg.load([str(tmp_path / "nothing*.ttl")])
    with pytest.raises(Exception, match="no such file"):
        empty_kg.load([str(tmp_path / "absent.ttl")])


def test_export_round_trips_every_graph(empty_kg: KnowledgeGraph, tmp_path: Path) -> None:
    write(tmp_path, "data.ttl", GOOD_TTL)
    empty_kg.load([tmp_path / "data.ttl"], graph=EX + "g")
    before = dict(empty_kg.store.named_graphs())
    trig = empty_kg.export("trig")
    nquads = empty_kg.export("nquads")
    for data, fmt in ((trig, "trig"), (nquads, "nquads")):
        copy = KnowledgeGraph.open(None, sample=False)
        copy.store.drop_graphs([ONTOLOGY_GRAPH, SCHEMES_GRAPH])
        copy.load([write(tmp_path, f"export.{fmt}", data.decode())])
        assert dict(copy.store.named_graphs()) == before
    turtle = empty_kg.export("turtle", [EX + "g"]).decode()
    assert "@prefix rdfs:" in turtle and '"anonymous"' in turtle
    with pytest.raises(StoreError, match="no named graph"):
        empty_kg.export("turtle", [EX + "absent"])


def test_default_graph_triples_are_seen_validated_and_exported() -> None:
    kg = KnowledgeGraph.open(None, sample=False)
    kg.store.update(f"INSERT DATA {{ <{EX}d> <{EX}p> <{EX}o> }}")  # no GRAPH: the default graph
    assert kg.query(f"ASK {{ <{EX}d> <{EX}p> <{EX}o> }}").boolean is True
    assert (URIRef(EX + "d"), URIRef(EX + "p"), URIRef(EX + "o")) in kg.data_graph()
    assert f"<{EX}d>".encode() in kg.export("nquads")
    assert f"<{EX}d>".encode() in kg.export("turtle")


def test_malformed_query_is_a_clear_error(empty_kg: KnowledgeGraph) -> None:
    with pytest.raises(QueryError):
        empty_kg.query("SELECT * WHERE { ?s ?p }")


def test_bound_parameters_are_terms_not_text(empty_kg: KnowledgeGraph, tmp_path: Path) -> None:
    write(tmp_path, "data.ttl", GOOD_TTL)
    empty_kg.load([tmp_path / "data.ttl"])
    query = "SELECT ?l WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l } ORDER BY ?l"
    assert empty_kg.query(query, {"s": URIRef(EX + "b")}).text_rows() == [("B",)]
    # a literal that looks like SPARQL stays a literal and matches nothing
    evil = Literal('"} ?s ?p ?o {"')
    assert empty_kg.query(query, {"l": evil}).rows == []


def test_disk_store_survives_reopening(tmp_path: Path) -> None:
    location = tmp_path / "store"
    kg = KnowledgeGraph.open(location)
    kg.load([write(tmp_path, "d.ttl", GOOD_TTL)], graph=EX + "g")
    before = dict(kg.store.named_graphs())
    kg.close()
    reopened = KnowledgeGraph.open(location)
    assert dict(reopened.store.named_graphs()) == before
    assert reopened.query(f"ASK {{ <{EX}a> <{EX}knows> <{EX}b> }}").boolean is True
    reopened.close()


def test_rdflib_view_of_the_embedded_store_runs_sparql_in_oxigraph() -> None:
    store = EmbeddedStore()
    kg = KnowledgeGraph(store)
    kg.install_reference_graphs()
    dataset = store.rdflib_dataset()
    rows = list(dataset.query(
        "SELECT ?l WHERE { <https://w3id.org/custvalue/scheme/use> "
        "<http://www.w3.org/2004/02/skos/core#prefLabel> ?l }"
    ))
    assert [str(r[0]) for r in rows] == ["Use"]


def test_remote_big_load_goes_through_staging_and_keeps_blank_nodes(
    empty_oxigraph, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(RemoteStore, "CHUNK", 3)
    kg = KnowledgeGraph.open(empty_oxigraph.query_endpoint)
    lines = [f"<{EX}s{i}> <{EX}p> _:shared ." for i in range(7)]
    kg.load([write(tmp_path, "big.nt", "\n".join(lines) + "\n")], graph=EX + "big")
    graphs = dict(kg.store.named_graphs())
    assert graphs[EX + "big"] == 7
    assert not [g for g in graphs if g.startswith("urn:custvalue-kg:staging")]
    objects = kg.query(f"SELECT DISTINCT ?o WHERE {{ GRAPH <{EX}big> {{ ?s ?p ?o }} }}").rows
    assert len(objects) == 1  # one node, though it spans three chunks


def test_unreachable_remote_store_is_a_clear_error() -> None:
    from conftest import free_port

    kg = KnowledgeGraph(RemoteStore(f"http://127.0.0.1:{free_port()}/query"))
    with pytest.raises(StoreError, match="cannot reach"):
        kg.store.named_graphs()


def test_update_endpoint_defaults() -> None:
    assert default_update_endpoint("http://h:7878/query") == "http://h:7878/update"
    assert default_update_endpoint("http://h/ds/query/") == "http://h/ds/update"
    assert default_update_endpoint("http://h/sparql") == "http://h/sparql"
