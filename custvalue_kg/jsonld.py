"""The JSON-LD @context of the ontology, so web developers can write data as plain JSON.

The context is generated from the ontology (classes by name, object properties as IRIs,
datatype properties with their XSD type) and shipped as ``ontology/context.jsonld``; a test
keeps the two in step. Documents that name the context by its published IRI are read with the
shipped copy: we never fetch a context from the network.
"""

from __future__ import annotations

import json
from typing import Any

from rdflib import OWL, RDF, RDFS, Graph, URIRef

from . import assets
from .errors import InputError
from .namespaces import CV, PREFIXES

CONTEXT_IRI = "https://w3id.org/custvalue/context.jsonld"
_CONTEXT_PREFIXES = ("cv", "cvs", "rdf", "rdfs", "xsd", "skos", "dcterms", "org", "prov",
                     "schema", "sosa", "foaf")
_XSD = PREFIXES["xsd"]


def build_context(ontology: Graph) -> dict[str, Any]:
    """The @context for every class and property of the ontology."""
    context: dict[str, Any] = {p: PREFIXES[p] for p in _CONTEXT_PREFIXES}
    context.update({"id": "@id", "type": "@type", "label": "rdfs:label",
                    "comment": "rdfs:comment", "prefLabel": "skos:prefLabel"})

    def local(term: URIRef) -> str:
        return str(term)[len(str(CV)):]

    ours = sorted(t for t in ontology.subjects(RDF.type, None)
                  if isinstance(t, URIRef) and str(t).startswith(str(CV)))
    for term in ours:
        kinds = set(ontology.objects(term, RDF.type))
        name = local(term)
        if OWL.ObjectProperty in kinds:
            context[name] = {"@id": f"cv:{name}", "@type": "@id"}
        elif OWL.DatatypeProperty in kinds:
            datatype = ontology.value(term, RDFS.range)
            if datatype is not None and str(datatype).startswith(_XSD):
                context[name] = {"@id": f"cv:{name}", "@type": f"xsd:{str(datatype)[len(_XSD):]}"}
            else:
                context[name] = f"cv:{name}"
        else:
            context[name] = f"cv:{name}"
    return {"@context": context}


def shipped_context() -> dict[str, Any]:
    """The context file shipped with the package."""
    path = assets.asset_dir("ontology") / "context.jsonld"
    return json.loads(path.read_text(encoding="utf-8"))


def inline_known_contexts(document: bytes | str, source: str = "JSON-LD document") -> bytes:
    """Replace references to our published context by its shipped copy (no network)."""
    try:
        data = json.loads(document)
    except ValueError as exc:
        raise InputError(f"not valid JSON: {exc}", source=source) from None
    known = shipped_context()["@context"]

    def swap(node: Any) -> Any:
        if isinstance(node, dict):
            out = {}
            for key, value in node.items():
                if key == "@context":
                    value = _swap_context(value, known)
                out[key] = swap(value)
            return out
        if isinstance(node, list):
            return [swap(item) for item in node]
        return node

    return json.dumps(swap(data)).encode("utf-8")


def _swap_context(value: Any, known: dict[str, Any]) -> Any:
    if value == CONTEXT_IRI:
        return known
    if isinstance(value, list):
        return [known if item == CONTEXT_IRI else item for item in value]
    return value


def compact_dataset(nquads: bytes) -> bytes:
    """Compact JSON-LD of a dataset (N-Quads in), naming our published context by its IRI.

    Readers with the context (every loader of ours, any JSON-LD processor online) get the same
    quads back; the document itself reads like plain JSON.
    """
    from rdflib import Dataset

    dataset = Dataset()
    dataset.parse(data=nquads, format="nquads")
    text = dataset.serialize(format="json-ld", context=shipped_context()["@context"],
                             auto_compact=True)
    document = json.loads(text)
    document["@context"] = CONTEXT_IRI
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def write_context_file() -> None:  # pragma: no cover - a maintenance helper
    """Regenerate ontology/context.jsonld from the ontology (run after changing it)."""
    ontology = Graph()
    for path in assets.ontology_files():
        ontology.parse(path, format="turtle")
    path = assets.asset_dir("ontology") / "context.jsonld"
    path.write_text(json.dumps(build_context(ontology), indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":  # pragma: no cover
    write_context_file()
