"""Namespaces of the ontology and the vocabularies it reuses, with their preferred prefixes."""

from __future__ import annotations

from rdflib import Namespace

CV = Namespace("https://w3id.org/custvalue/ontology#")
CVS = Namespace("https://w3id.org/custvalue/scheme/")
CVSH = Namespace("https://w3id.org/custvalue/shapes#")
ARCHI = Namespace("https://w3id.org/custvalue/archimate#")

PREFIXES: dict[str, str] = {
    "cv": str(CV),
    "cvs": str(CVS),
    "cvsh": str(CVSH),
    "archi": str(ARCHI),
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "org": "http://www.w3.org/ns/org#",
    "prov": "http://www.w3.org/ns/prov#",
    "schema": "https://schema.org/",
    "sosa": "http://www.w3.org/ns/sosa/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "dcat": "http://www.w3.org/ns/dcat#",
    "sh": "http://www.w3.org/ns/shacl#",
}


def sparql_prologue() -> str:
    """PREFIX lines for every known namespace, for editors and ad hoc queries."""
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())
