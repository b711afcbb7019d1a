"""Import an ArchiMate model into its own named graph, linked to the customer-value graph.

``read_archimate`` reads and checks a file (the Open Group exchange format or Archi's native
format), ``archimate_quads`` turns it into RDF (namespace ``archi:``, see
ontology/archimate.ttl), ``find_links`` adds the links the mapping finds in the store, and
``archimate_batch`` puts it all in one ImportBatch. Nothing is written until the whole file has
been read, checked and converted, so a defect leaves the store as it was.

IRIs are stable across re-imports: a concept is ``{base}{identifier}``, the model is ``{base}``
itself, with ``{base}`` = ``https://w3id.org/custvalue/archimate/model/{model identifier}/``
unless given.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

import pyoxigraph as ox
from rdflib import URIRef
from rdflib.namespace import DCTERMS

from .. import assets
from ..errors import InputError, ParameterError
from ..namespaces import PREFIXES
from ..parameters import is_absolute_iri
from .archimate_mapping import Mapping, find_links, load_mapping
from .archimate_model import ArchimateModel, Concept, ItemRef, Organization, PropertyValue, Text
from .archimate_xml import read_archimate
from .provenance import ImportBatch, source_graph_iri

if TYPE_CHECKING:
    from ..kg import KnowledgeGraph

__all__ = ["DEFAULT_BASE", "archimate_batch", "archimate_quads", "default_base",
           "import_archimate", "load_mapping", "read_archimate"]

ARCHI = PREFIXES["archi"]
RDF_TYPE = PREFIXES["rdf"] + "type"
RDF_VALUE = PREFIXES["rdf"] + "value"
RDFS_LABEL = PREFIXES["rdfs"] + "label"
XSD_BOOLEAN = PREFIXES["xsd"] + "boolean"
VOID_ROOT_RESOURCE = "http://rdfs.org/ns/void#rootResource"
DEFAULT_BASE = "https://w3id.org/custvalue/archimate/model/"


def default_base(model_identifier: str) -> str:
    """The base IRI of a model's resources when ``--base`` is not given."""
    slug = re.sub(r"[^A-Za-z0-9._~-]+", "-", model_identifier).strip("-") or "model"
    return f"{DEFAULT_BASE}{slug}/"


class _Iris:
    """The IRI scheme of one import: every IRI is the base plus something a file keeps."""

    def __init__(self, model: ArchimateModel, base: str) -> None:
        self.base = base
        self.model = base
        self.definitions = {d.key: (self.of(d.identifier) if d.identifier
                                    else f"{base}property-definition/{quote(d.key, safe='')}")
                            for d in model.definitions}

    def of(self, identifier: str) -> str:
        return self.base + quote(identifier, safe="-._~")

    def concept(self, concept: Concept) -> str:
        return self.of(concept.identifier)

    def organization(self, organization: Organization) -> str:
        if organization.identifier:
            return self.of(organization.identifier)
        return f"{self.base}organization/{organization.key}"


def archimate_quads(model: ArchimateModel, base: str, graph: str
                    ) -> tuple[list[ox.Quad], dict[str, int]]:
    """The model as RDF in ``graph`` (without links) and the counts of what it holds."""
    iris = _Iris(model, base)
    out = _Writer(ImportBatch("archimate", graph, "", model.name), model.source)
    m = iris.model
    out.add(m, RDF_TYPE, ARCHI + "Model")
    out.add(m, ARCHI + "identifier", ox.Literal(model.identifier))
    out.texts(m, RDFS_LABEL, model.names)
    out.texts(m, ARCHI + "documentation", model.docs)
    out.texts(m, ARCHI + "metadataSchema", [model.metadata_schema] if model.metadata_schema
              else [])
    out.texts(m, ARCHI + "metadataSchemaVersion",
              [model.metadata_schema_version] if model.metadata_schema_version else [])
    for local, text in model.metadata:
        if URIRef(f"{DCTERMS}{local}") in DCTERMS:  # Dublin Core terms only, never made up
            out.texts(m, f"{DCTERMS}{local}", [text])
    out.properties(m, f"{base}property/", model.properties, iris)

    for concept in model.concepts:
        c = iris.concept(concept)
        out.add(c, RDF_TYPE, ARCHI + concept.type)
        out.add(c, ARCHI + "identifier", ox.Literal(concept.identifier))
        out.add(c, ARCHI + "inModel", m)
        out.texts(c, RDFS_LABEL, concept.names)
        out.texts(c, ARCHI + "documentation", concept.docs)
        out.properties(c, f"{c}/property/", concept.properties, iris)
        if concept.kind == "relationship":
            out.add(c, ARCHI + "source", iris.of(concept.source))
            out.add(c, ARCHI + "target", iris.of(concept.target))
            if concept.access_type:
                out.add(c, ARCHI + "accessType", ox.Literal(concept.access_type))
            if concept.influence_strength:
                out.add(c, ARCHI + "influenceStrength", ox.Literal(concept.influence_strength))
            if concept.directed:
                out.add(c, ARCHI + "isDirected",
                        ox.Literal("true", datatype=ox.NamedNode(XSD_BOOLEAN)))

    concepts = {c.identifier for c in model.concepts}
    out.items(m, model.organizations, concepts, iris)
    for organization in model.all_organizations():
        o = iris.organization(organization)
        out.add(o, RDF_TYPE, ARCHI + "Organization")
        out.add(o, ARCHI + "inModel", m)
        if organization.identifier:
            out.add(o, ARCHI + "identifier", ox.Literal(organization.identifier))
        out.texts(o, RDFS_LABEL, organization.labels)
        out.texts(o, ARCHI + "documentation", organization.docs)
        out.items(o, organization.items, concepts, iris)

    for definition in model.definitions:
        d = iris.definitions[definition.key]
        out.add(d, RDF_TYPE, ARCHI + "PropertyDefinition")
        out.add(d, ARCHI + "inModel", m)
        if definition.identifier:
            out.add(d, ARCHI + "identifier", ox.Literal(definition.identifier))
        out.texts(d, RDFS_LABEL, definition.names)
        if definition.type:
            out.add(d, ARCHI + "propertyType", ox.Literal(definition.type))

    counts = {
        "elements": len(model.elements()),
        "relationships": len(model.relationships()),
        "organizations": sum(1 for _ in model.all_organizations()),
        "properties": sum(1 for _ in model.all_properties()),
        "property definitions": len(model.definitions),
        "views": len(model.views),
    }
    return out.batch.quads, counts


class _Writer:
    """Adds triples to a batch; literals with a bad xml:lang are reported at their line."""

    def __init__(self, batch: ImportBatch, source: str) -> None:
        self.batch = batch
        self.source = source

    def add(self, subject: str, predicate: str, obj: str | ox.Literal) -> None:
        self.batch.add(subject, predicate, obj)

    def texts(self, subject: str, predicate: str, texts: list[Text]) -> None:
        for text in texts:
            self.add(subject, predicate, self.literal(text, subject))

    def literal(self, text: Text, subject: str) -> ox.Literal:
        if not text.lang:
            return ox.Literal(text.value)
        try:
            return ox.Literal(text.value, language=text.lang)
        except ValueError:
            raise InputError(f"<{subject}>: invalid xml:lang {text.lang!r}", source=self.source,
                             line=text.line) from None

    def properties(self, owner: str, prefix: str, properties: list[PropertyValue],
                   iris: _Iris) -> None:
        # one resource per value, named by its definition (and its rank when it repeats)
        seen: Counter[str] = Counter()
        for prop in properties:
            seen[prop.definition] += 1
            p = prefix + quote(prop.definition, safe="")
            if seen[prop.definition] > 1:
                p += f"/{seen[prop.definition]}"
            self.add(owner, ARCHI + "property", p)
            self.add(p, RDF_TYPE, ARCHI + "Property")
            self.add(p, ARCHI + "propertyDefinition", iris.definitions[prop.definition])
            self.texts(p, RDF_VALUE, prop.values)

    def items(self, holder: str, items: list[Organization | ItemRef], concepts: set[str],
              iris: _Iris) -> None:
        for item in items:
            if isinstance(item, Organization):
                self.add(holder, ARCHI + "hasItem", iris.organization(item))
            elif item.ref in concepts:  # views are counted, not converted
                self.add(holder, ARCHI + "hasItem", iris.of(item.ref))


def archimate_batch(
    model: ArchimateModel, kg: KnowledgeGraph, mapping: Mapping, *, base: str | None = None,
    graph: str | None = None,
) -> ImportBatch:
    """The whole import of a checked model, links included, ready for ``import_batch``."""
    if base is not None and not (is_absolute_iri(base) and base.endswith(("/", "#"))):
        raise ParameterError("base", f"{base!r} is not an absolute IRI ending in / or #")
    if graph is not None and not is_absolute_iri(graph):
        raise ParameterError("graph", f"{graph!r} is not an absolute IRI")
    base = base or default_base(model.identifier)
    graph = graph or source_graph_iri("archimate", model.identifier)
    quads, counts = archimate_quads(model, base, graph)
    links = find_links(model, mapping, kg, _Iris(model, base).concept)
    batch = ImportBatch("archimate", graph, Path(model.source).resolve().as_uri(), model.name,
                        quads=quads, counts={**counts, "links": len(links)},
                        details=[(VOID_ROOT_RESOURCE, ox.NamedNode(base))])
    for subject, link, ours in links:
        batch.add(subject, link, ours)
    return batch


def import_archimate(
    kg: KnowledgeGraph, path: str | Path, *, mapping: str | Path | None = None,
    base: str | None = None, graph: str | None = None, require_valid: bool = False,
) -> ImportBatch:
    """Read, convert, link and write one ArchiMate file (the default mapping unless given)."""
    rules = load_mapping(mapping if mapping is not None else assets.mapping_file("archimate"))
    batch = archimate_batch(read_archimate(path), kg, rules, base=base, graph=graph)
    kg.import_batch(batch, require_valid=require_valid)
    return batch
