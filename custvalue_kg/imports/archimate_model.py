"""An ArchiMate model as read from a file, before it becomes RDF, and the checks it must pass.

Both readers (the Open Group exchange format and Archi's native files) produce this neutral
form, so the checks and the RDF are written once. Every item keeps the line it came from, so an
error can say where it is.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from ..errors import InputError

# The element types of ArchiMate 3.1/3.2 by layer, named as the exchange format's xsi:type
# values; the keys are the layer classes of ontology/archimate.ttl (a test keeps them in step).
ELEMENT_LAYERS: dict[str, tuple[str, ...]] = {
    "BusinessElement": (
        "BusinessActor", "BusinessRole", "BusinessCollaboration", "BusinessInterface",
        "BusinessProcess", "BusinessFunction", "BusinessInteraction", "BusinessEvent",
        "BusinessService", "BusinessObject", "Contract", "Representation", "Product",
    ),
    "ApplicationElement": (
        "ApplicationComponent", "ApplicationCollaboration", "ApplicationInterface",
        "ApplicationFunction", "ApplicationInteraction", "ApplicationProcess",
        "ApplicationEvent", "ApplicationService", "DataObject",
    ),
    "TechnologyElement": (
        "Node", "Device", "SystemSoftware", "TechnologyCollaboration", "TechnologyInterface",
        "Path", "CommunicationNetwork", "TechnologyFunction", "TechnologyProcess",
        "TechnologyInteraction", "TechnologyEvent", "TechnologyService", "Artifact",
    ),
    "PhysicalElement": ("Equipment", "Facility", "DistributionNetwork", "Material"),
    "MotivationElement": (
        "Stakeholder", "Driver", "Assessment", "Goal", "Outcome", "Principle", "Requirement",
        "Constraint", "Meaning", "Value",
    ),
    "StrategyElement": ("Resource", "Capability", "ValueStream", "CourseOfAction"),
    "ImplementationMigrationElement": (
        "WorkPackage", "Deliverable", "ImplementationEvent", "Plateau", "Gap",
    ),
    "CompositeElement": ("Location", "Grouping"),
    "Junction": ("AndJunction", "OrJunction"),
}
ELEMENT_TYPES = frozenset(t for types in ELEMENT_LAYERS.values() for t in types)
RELATIONSHIP_TYPES = frozenset({
    "Composition", "Aggregation", "Assignment", "Realization", "Serving", "Access", "Influence",
    "Triggering", "Flow", "Specialization", "Association",
})
ACCESS_TYPES = ("Read", "Write", "Access", "ReadWrite")


@dataclass(frozen=True)
class Text:
    """A name, label, documentation or value, with its xml:lang (None when the file has none)."""

    value: str
    lang: str | None
    line: int


@dataclass
class PropertyValue:
    definition: str  # the key of a PropertyDefinition
    values: list[Text]
    line: int


@dataclass
class PropertyDefinition:
    key: str  # the identifier (exchange format) or the property's key (Archi)
    identifier: str | None
    names: list[Text]
    type: str | None
    line: int


@dataclass
class Concept:
    """An element or a relationship: ``kind`` tells which, ``type`` is its xsi:type."""

    kind: str  # "element" | "relationship"
    identifier: str | None
    type: str
    line: int
    names: list[Text] = field(default_factory=list)
    docs: list[Text] = field(default_factory=list)
    properties: list[PropertyValue] = field(default_factory=list)
    source: str | None = None
    target: str | None = None
    access_type: str | None = None
    influence_strength: str | None = None
    directed: bool = False

    def describe(self) -> str:
        return f"{self.kind} {self.identifier or '(no identifier)'} ({self.type})"


@dataclass
class ItemRef:
    """An organization's reference to a concept (or a view) by identifier."""

    ref: str
    line: int


@dataclass
class Organization:
    """A folder: ``key`` is its identifier, or its position ("2/1") when the file gives none."""

    key: str
    identifier: str | None
    labels: list[Text]
    docs: list[Text]
    items: list[Organization | ItemRef]
    line: int


@dataclass
class ArchimateModel:
    source: str  # the file, as the user named it
    file_format: str  # "exchange" | "archi"
    identifier: str | None
    line: int
    names: list[Text] = field(default_factory=list)
    docs: list[Text] = field(default_factory=list)
    metadata: list[tuple[str, Text]] = field(default_factory=list)  # (dcterms local name, text)
    metadata_schema: Text | None = None
    metadata_schema_version: Text | None = None
    properties: list[PropertyValue] = field(default_factory=list)
    concepts: list[Concept] = field(default_factory=list)
    organizations: list[Organization] = field(default_factory=list)
    definitions: list[PropertyDefinition] = field(default_factory=list)
    views: list[tuple[str | None, int]] = field(default_factory=list)  # (identifier, line)

    @property
    def name(self) -> str:
        return self.names[0].value if self.names else (self.identifier or "ArchiMate model")

    def elements(self) -> list[Concept]:
        return [c for c in self.concepts if c.kind == "element"]

    def relationships(self) -> list[Concept]:
        return [c for c in self.concepts if c.kind == "relationship"]

    def all_organizations(self) -> Iterator[Organization]:
        stack = list(reversed(self.organizations))
        while stack:
            organization = stack.pop()
            yield organization
            stack.extend(reversed([i for i in organization.items
                                   if isinstance(i, Organization)]))

    def all_properties(self) -> Iterator[tuple[Concept | None, PropertyValue]]:
        """Every property value with its owner (None for the model's own properties)."""
        for prop in self.properties:
            yield None, prop
        for concept in self.concepts:
            for prop in concept.properties:
                yield concept, prop


def check_model(model: ArchimateModel) -> None:
    """Raise an InputError at the first thing that would make the RDF wrong or dangling."""
    fail = _failer(model.source)
    if not model.identifier:
        fail(model.line, "the model has no identifier")
    seen: dict[str, int] = {model.identifier: model.line}

    def claim(identifier: str | None, line: int, what: str) -> None:
        if not identifier:
            fail(line, f"{what} has no identifier")
        if identifier in seen:
            fail(line, f"{what}: duplicate identifier (first used on line {seen[identifier]})")
        seen[identifier] = line

    for concept in model.concepts:
        claim(concept.identifier, concept.line, concept.describe())
        known = ELEMENT_TYPES if concept.kind == "element" else RELATIONSHIP_TYPES
        if concept.type not in known:
            fail(concept.line, f"{concept.describe()}: unknown {concept.kind} type "
                               f"{concept.type!r}")
    for definition in model.definitions:
        if definition.identifier is not None or model.file_format == "exchange":
            claim(definition.identifier, definition.line,
                  f"property definition {definition.identifier or '(no identifier)'}")
    for organization in model.all_organizations():
        if organization.identifier is not None:
            claim(organization.identifier, organization.line,
                  f"organization {organization.identifier}")
    for identifier, line in model.views:
        claim(identifier, line, f"view {identifier or '(no identifier)'}")
    _check_references(model, fail)


def _check_references(model: ArchimateModel, fail) -> None:
    concepts = {c.identifier for c in model.concepts}
    views = {identifier for identifier, _ in model.views}
    definitions = {d.key for d in model.definitions}
    for relationship in model.relationships():
        for end, ref in (("source", relationship.source), ("target", relationship.target)):
            if not ref:
                fail(relationship.line, f"{relationship.describe()} has no {end}")
            if ref not in concepts:
                fail(relationship.line, f"{relationship.describe()}: its {end} {ref!r} is no "
                                        "element or relationship of the model")
        if relationship.access_type is not None and relationship.access_type not in ACCESS_TYPES:
            fail(relationship.line, f"{relationship.describe()}: unknown accessType "
                                    f"{relationship.access_type!r} (expected one of "
                                    f"{', '.join(ACCESS_TYPES)})")
    known = concepts | views
    for organization in model.all_organizations():
        for item in organization.items:
            if isinstance(item, ItemRef) and item.ref not in known:
                fail(item.line, f"organization item points at {item.ref!r}, which is no "
                                "element, relationship or view of the model")
    for owner, prop in model.all_properties():
        if prop.definition not in definitions:
            who = owner.describe() if owner else f"model {model.identifier}"
            fail(prop.line, f"{who}: property points at the undefined property definition "
                            f"{prop.definition!r}")


def _failer(source: str):
    def fail(line: int, message: str):
        raise InputError(message, source=source, line=line)
    return fail
