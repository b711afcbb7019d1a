"""Reading ArchiMate files: the Open Group exchange format and Archi's native ``.archimate``.

XML is parsed with the standard library's expat into a small tree that remembers each
element's line (ElementTree forgets it, and lxml is not a dependency). Entity declarations are
refused, so a hostile file cannot expand itself (a "billion laughs") or reach outside.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from xml.parsers import expat

from ..errors import InputError
from .archimate_model import (
    ArchimateModel,
    Concept,
    ItemRef,
    Organization,
    PropertyDefinition,
    PropertyValue,
    Text,
    check_model,
)

EXCHANGE_NS = "http://www.opengroup.org/xsd/archimate/3.0/"
ARCHI_NS = "http://www.archimatetool.com/archimate"
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
DC_NAMESPACES = ("http://purl.org/dc/elements/1.1/", "http://purl.org/dc/terms/")

# Archi stores an access relationship's type as a number; absent means Write in both formats.
ARCHI_ACCESS_TYPES = {"0": "Write", "1": "Read", "2": "Access", "3": "ReadWrite"}
ARCHI_VIEW_TYPES = ("ArchimateDiagramModel", "SketchModel", "CanvasModel")


@dataclass
class Node:
    """An XML element: namespace, local name, attributes (namespaced ones as {ns}name)."""

    ns: str
    tag: str
    attrs: dict[str, str]
    line: int
    lang: str | None  # xml:lang, inherited from the ancestors as XML says
    children: list[Node] = field(default_factory=list)
    chunks: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(self.chunks).strip()

    def all(self, tag: str) -> list[Node]:
        """Children named ``tag`` in this element's namespace (or none: Archi's children)."""
        return [c for c in self.children if c.tag == tag and c.ns in (self.ns, "")]

    def first(self, tag: str) -> Node | None:
        found = self.all(tag)
        return found[0] if found else None

    def xsi_type(self) -> str | None:
        value = self.attrs.get(XSI_TYPE)
        return value.rpartition(":")[2] if value else None  # a QName: drop any prefix


def parse_xml(data: bytes, source: str) -> Node:
    """Parse XML into Nodes; a syntax error names the parser's line and column."""
    parser = expat.ParserCreate(namespace_separator=" ")
    stack: list[Node] = []
    roots: list[Node] = []

    def start(name: str, attributes: dict[str, str]) -> None:
        ns, tag = _split(name)
        attrs = {_clark(k): v for k, v in attributes.items()}
        lang = attrs.get(XML_LANG, stack[-1].lang if stack else None) or None
        node = Node(ns, tag, attrs, parser.CurrentLineNumber, lang)
        (stack[-1].children if stack else roots).append(node)
        stack.append(node)

    def refuse_entities(name, *_args) -> None:
        raise InputError(f"entity declarations are not allowed (entity {name!r})",
                         source=source, line=parser.CurrentLineNumber)

    parser.StartElementHandler = start
    parser.EndElementHandler = lambda _name: stack.pop()
    parser.CharacterDataHandler = lambda text: stack[-1].chunks.append(text) if stack else None
    parser.EntityDeclHandler = refuse_entities
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise InputError(f"not well-formed XML: {expat.ErrorString(exc.code)}", source=source,
                         line=exc.lineno, column=exc.offset + 1) from None
    return roots[0]


def read_archimate(path: str | Path) -> ArchimateModel:
    """Read and check an exchange file or an Archi file; any defect raises an InputError."""
    source = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror or exc}", source=source) from None
    root = parse_xml(data, source)
    if root.tag == "model" and root.ns == EXCHANGE_NS:
        model = read_exchange(root, source)
    elif root.tag == "model" and root.ns == ARCHI_NS:
        model = read_archi(root, source)
    else:
        found = f"{{{root.ns}}}{root.tag}" if root.ns else root.tag
        raise InputError(
            f"not an ArchiMate model: the root element is {found}; expected 'model' in the "
            f"ArchiMate 3.x exchange format namespace {EXCHANGE_NS} (or Archi's {ARCHI_NS})",
            source=source, line=root.line)
    check_model(model)
    return model


# --- the Open Group Model Exchange File Format -----------------------------------------------

def read_exchange(root: Node, source: str) -> ArchimateModel:
    model = ArchimateModel(source, "exchange", root.attrs.get("identifier"), root.line,
                           names=_texts(root, "name"), docs=_texts(root, "documentation"),
                           properties=_properties(root, source))
    metadata = root.first("metadata")
    if metadata is not None:
        _read_metadata(model, metadata)
    for container, tag in (("elements", "element"), ("relationships", "relationship")):
        for holder in root.all(container):
            for node in holder.all(tag):
                model.concepts.append(_exchange_concept(node, tag, source))
    for holder in root.all("organizations"):
        model.organizations += _organizations(holder, "")
    for holder in root.all("propertyDefinitions"):
        for node in holder.all("propertyDefinition"):
            model.definitions.append(PropertyDefinition(
                node.attrs.get("identifier"), node.attrs.get("identifier"),
                _texts(node, "name"), node.attrs.get("type"), node.line))
    for views in root.all("views"):
        for diagrams in views.all("diagrams"):
            model.views += [(v.attrs.get("identifier"), v.line) for v in diagrams.all("view")]
    return model


def _exchange_concept(node: Node, kind: str, source: str) -> Concept:
    concept = Concept(kind, node.attrs.get("identifier"), _require_type(node, kind, source),
                      node.line, names=_texts(node, "name"), docs=_texts(node, "documentation"),
                      properties=_properties(node, source))
    if kind == "relationship":
        concept.source = node.attrs.get("source")
        concept.target = node.attrs.get("target")
        _relationship_attributes(concept, node.attrs.get("accessType"),
                                 node.attrs.get("modifier") or node.attrs.get("strength"),
                                 node.attrs.get("isDirected"))
    return concept


def _read_metadata(model: ArchimateModel, metadata: Node) -> None:
    for child in metadata.children:
        text = Text(child.text, child.lang, child.line)
        ours = child.ns in (metadata.ns, "")
        if ours and child.tag == "schema":
            model.metadata_schema = text
        elif ours and child.tag == "schemaversion":
            model.metadata_schema_version = text
        elif child.ns in DC_NAMESPACES and child.text:
            model.metadata.append((child.tag, text))


def _organizations(holder: Node, prefix: str) -> list[Organization | ItemRef]:
    """The items of an organization: references, or nested folders keyed by position."""
    out: list[Organization | ItemRef] = []
    for position, item in enumerate(holder.all("item"), start=1):
        ref = item.attrs.get("identifierRef")
        if ref:
            out.append(ItemRef(ref, item.line))
            continue
        key = f"{prefix}{position}"
        identifier = item.attrs.get("identifier")
        out.append(Organization(identifier or key, identifier, _texts(item, "label"),
                                _texts(item, "documentation"), _organizations(item, key + "/"),
                                item.line))
    return out


def _properties(owner: Node, source: str) -> list[PropertyValue]:
    out = []
    for holder in owner.all("properties"):
        for node in holder.all("property"):
            ref = node.attrs.get("propertyDefinitionRef")
            if not ref:
                raise InputError("a property has no propertyDefinitionRef", source=source,
                                 line=node.line)
            out.append(PropertyValue(ref, _texts(node, "value"), node.line))
    return out


# --- Archi's native .archimate files ----------------------------------------------------------

def read_archi(root: Node, source: str) -> ArchimateModel:
    model = ArchimateModel(source, "archi", root.attrs.get("id"), root.line,
                           names=_name_attribute(root), docs=_texts(root, "purpose"))
    definitions: dict[str, PropertyDefinition] = {}
    model.properties = _archi_properties(root, definitions)
    for position, folder in enumerate(root.all("folder"), start=1):
        model.organizations.append(
            _archi_folder(folder, str(position), model, definitions, source))
    model.definitions = list(definitions.values())
    return model


def _archi_folder(folder: Node, key: str, model: ArchimateModel,
                  definitions: dict[str, PropertyDefinition], source: str) -> Organization:
    identifier = folder.attrs.get("id")
    organization = Organization(identifier or key, identifier, _name_attribute(folder),
                                _texts(folder, "documentation"), [], folder.line)
    for position, child in enumerate(folder.all("folder"), start=1):
        organization.items.append(
            _archi_folder(child, f"{key}/{position}", model, definitions, source))
    for child in folder.all("element"):
        _archi_item(child, model, definitions, source)
        organization.items.append(ItemRef(child.attrs.get("id") or "", child.line))
    return organization


def _archi_item(node: Node, model: ArchimateModel,
                definitions: dict[str, PropertyDefinition], source: str) -> None:
    """Add a folder's element to the model: a concept, or a view (only counted)."""
    xsi_type = _require_type(node, "element", source)
    if xsi_type in ARCHI_VIEW_TYPES:
        model.views.append((node.attrs.get("id"), node.line))
        return
    kind = "relationship" if xsi_type.endswith("Relationship") else "element"
    if kind == "relationship":
        xsi_type = xsi_type.removesuffix("Relationship")
    elif xsi_type == "Junction":
        xsi_type = "OrJunction" if node.attrs.get("type") == "or" else "AndJunction"
    concept = Concept(kind, node.attrs.get("id"), xsi_type, node.line,
                      names=_name_attribute(node), docs=_texts(node, "documentation"),
                      properties=_archi_properties(node, definitions))
    if kind == "relationship":
        concept.source = node.attrs.get("source")
        concept.target = node.attrs.get("target")
        access = node.attrs.get("accessType")
        _relationship_attributes(concept, ARCHI_ACCESS_TYPES.get(access, access),
                                 node.attrs.get("strength"), node.attrs.get("directed"))
    model.concepts.append(concept)


def _archi_properties(owner: Node, definitions: dict[str, PropertyDefinition]
                      ) -> list[PropertyValue]:
    """Archi properties are key/value pairs: each distinct key becomes one definition."""
    out = []
    for node in owner.all("property"):
        key = node.attrs.get("key", "")
        if key not in definitions:
            definitions[key] = PropertyDefinition(key, None, [Text(key, None, node.line)],
                                                  "string", node.line)
        value = node.attrs.get("value", "")
        out.append(PropertyValue(key, [Text(value, None, node.line)] if value else [],
                                 node.line))
    return out


# --- shared ------------------------------------------------------------------------------------

def _relationship_attributes(concept: Concept, access: str | None, strength: str | None,
                             directed: str | None) -> None:
    if concept.type == "Access":
        concept.access_type = access or "Write"  # the schemas' default
    if concept.type == "Influence" and strength:
        concept.influence_strength = strength
    if concept.type == "Association":
        concept.directed = (directed or "").strip().lower() in ("true", "1")


def _require_type(node: Node, kind: str, source: str) -> str:
    xsi_type = node.xsi_type()
    if not xsi_type:
        identifier = node.attrs.get("identifier") or node.attrs.get("id") or "(no identifier)"
        raise InputError(f"{kind} {identifier} has no xsi:type", source=source, line=node.line)
    return xsi_type


def _texts(node: Node, tag: str) -> list[Text]:
    return [Text(c.text, c.lang, c.line) for c in node.all(tag) if c.text]


def _name_attribute(node: Node) -> list[Text]:
    name = (node.attrs.get("name") or "").strip()
    return [Text(name, None, node.line)] if name else []


def _split(name: str) -> tuple[str, str]:
    ns, _, local = name.rpartition(" ")
    return ns, local


def _clark(name: str) -> str:
    ns, local = _split(name)
    return f"{{{ns}}}{local}" if ns else local
