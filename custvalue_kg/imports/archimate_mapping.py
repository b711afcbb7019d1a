"""The declarative mapping from ArchiMate concepts to the customer-value graph, and the links.

A mapping (``mappings/archimate.yaml`` by default) says which element types link to which of
our resources, with which property. An element finds its counterpart by an explicit property
holding the IRI (it wins), or else by name among the target resources already in the store;
Flow/Triggering relationships between linked functions realise the hand-offs between them.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from ..errors import InputError
from ..namespaces import PREFIXES
from ..parameters import is_absolute_iri
from .archimate_model import ELEMENT_TYPES, RELATIONSHIP_TYPES, ArchimateModel, Concept

if TYPE_CHECKING:
    from ..kg import KnowledgeGraph

CV = PREFIXES["cv"]
SKOS_EXACT_MATCH = PREFIXES["skos"] + "exactMatch"
OWL_SAME_AS = PREFIXES["owl"] + "sameAs"
IDENTITY_LINKS = frozenset({SKOS_EXACT_MATCH, OWL_SAME_AS})
LINK_PROPERTIES = IDENTITY_LINKS | {PREFIXES["skos"] + "closeMatch", CV + "realises",
                                    CV + "supports"}
DEFAULT_LABELS = ("rdfs:label", "skos:prefLabel")  # as a mapping file writes them

Link = tuple[str, str, str]  # (ArchiMate resource, link property, our resource)


@dataclass(frozen=True)
class Target:
    """Where counterparts are looked for: instances of a class, or objects of a property."""

    kind: str  # "class" | "objectOf"
    iri: str


@dataclass(frozen=True)
class LinkRule:
    types: tuple[str, ...]
    link: str
    targets: tuple[Target, ...]


@dataclass(frozen=True)
class HandOffRule:
    relationships: tuple[str, ...]
    between: tuple[str, ...]
    link: str


@dataclass(frozen=True)
class Mapping:
    source: str
    property_name: str
    labels: tuple[str, ...]
    rules: tuple[LinkRule, ...]
    handoffs: HandOffRule | None

    def rule_for(self, concept_type: str) -> LinkRule | None:
        return next((r for r in self.rules if concept_type in r.types), None)


# --- reading and checking a mapping file -------------------------------------------------------

def load_mapping(path: str | Path) -> Mapping:
    """Read a mapping file; a structural mistake raises an InputError naming file and key."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read the mapping: {exc.strerror or exc}",
                         source=source) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError(f"not valid YAML: {getattr(exc, 'problem', None) or exc}",
                         source=source, line=mark.line + 1 if mark else None,
                         column=mark.column + 1 if mark else None) from None
    return parse_mapping(data, source)


def parse_mapping(data: Any, source: str) -> Mapping:
    def fail(where: str, message: str):
        raise InputError(f"{where}: {message}", source=source)

    if not isinstance(data, dict):
        fail("mapping", "expected a YAML mapping with 'links' (and 'property', 'labels', "
                        "'handoffs')")
    _only_keys(data, {"property", "labels", "links", "handoffs"}, "mapping", fail)
    prop = data.get("property", "custvalue")
    if not isinstance(prop, str) or not prop.strip():
        fail("property", "expected the name of an ArchiMate property")
    labels = tuple(_iri(v, f"labels[{i}]", fail)
                   for i, v in enumerate(_list(data.get("labels", list(DEFAULT_LABELS)),
                                               "labels", fail)))
    rules = tuple(_link_rule(rule, f"links[{i}]", fail)
                  for i, rule in enumerate(_list(data.get("links", []), "links", fail)))
    seen: dict[str, int] = {}
    for i, rule in enumerate(rules):
        for concept_type in rule.types:
            if concept_type in seen:
                fail(f"links[{i}].types", f"{concept_type} is already mapped in "
                                          f"links[{seen[concept_type]}]")
            seen[concept_type] = i
    handoffs = data.get("handoffs")
    return Mapping(source, prop.strip(), labels, rules,
                   _handoff_rule(handoffs, fail) if handoffs is not None else None)


def _link_rule(rule: Any, where: str, fail) -> LinkRule:
    if not isinstance(rule, dict):
        fail(where, "expected a mapping with 'types', 'link' and 'targets'")
    _only_keys(rule, {"types", "link", "targets"}, where, fail, required=True)
    types = _types(rule["types"], ELEMENT_TYPES, f"{where}.types", fail)
    targets = []
    for i, target in enumerate(_list(rule["targets"], f"{where}.targets", fail)):
        at = f"{where}.targets[{i}]"
        if isinstance(target, dict):
            _only_keys(target, {"objectOf"}, at, fail, required=True)
            targets.append(Target("objectOf", _iri(target["objectOf"], at, fail)))
        else:
            targets.append(Target("class", _iri(target, at, fail)))
    if not targets:
        fail(f"{where}.targets", "expected at least one target class")
    return LinkRule(types, _link(rule["link"], f"{where}.link", fail), tuple(targets))


def _handoff_rule(rule: Any, fail) -> HandOffRule:
    if not isinstance(rule, dict):
        fail("handoffs", "expected a mapping with 'relationships', 'between' and 'link'")
    _only_keys(rule, {"relationships", "between", "link"}, "handoffs", fail, required=True)
    return HandOffRule(
        _types(rule["relationships"], RELATIONSHIP_TYPES, "handoffs.relationships", fail),
        _types(rule["between"], ELEMENT_TYPES, "handoffs.between", fail),
        _link(rule["link"], "handoffs.link", fail))


def _only_keys(data: dict, allowed: set[str], where: str, fail, required: bool = False) -> None:
    unknown = sorted(str(k) for k in data if k not in allowed)
    if unknown:
        fail(where, f"unknown key(s) {', '.join(unknown)} (expected {', '.join(sorted(allowed))})")
    missing = sorted(allowed - set(data)) if required else []
    if missing:
        fail(where, f"missing {', '.join(missing)}")


def _list(value: Any, where: str, fail) -> list:
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list):
        fail(where, "expected a list")
    return value


def _types(value: Any, known: frozenset[str], where: str, fail) -> tuple[str, ...]:
    types = _list(value, where, fail)
    for concept_type in types:
        if concept_type not in known:
            fail(where, f"unknown ArchiMate type {concept_type!r}")
    if not types:
        fail(where, "expected at least one ArchiMate type")
    return tuple(types)


def _link(value: Any, where: str, fail) -> str:
    iri = _iri(value, where, fail)
    if iri not in LINK_PROPERTIES:
        fail(where, f"{value!r} is not a link property (use skos:exactMatch, owl:sameAs, "
                    "skos:closeMatch, cv:realises or cv:supports)")
    return iri


def _iri(value: Any, where: str, fail) -> str:
    """A prefixed name with a known prefix (cv:Function) or a full IRI in <...>, as in SPARQL.

    The brackets keep a typo in a prefix (cvv:Function) from passing as an IRI of scheme cvv.
    """
    if not isinstance(value, str):
        fail(where, f"expected a prefixed name or an <IRI>, not {value!r}")
    if value.startswith("<") and value.endswith(">") and is_absolute_iri(value[1:-1]):
        return value[1:-1]
    prefix, _, local = value.partition(":")
    if prefix in PREFIXES and local and is_absolute_iri(PREFIXES[prefix] + local):
        return PREFIXES[prefix] + local
    fail(where, f"{value!r} is neither a prefixed name with a known prefix "
                f"({', '.join(PREFIXES)}) nor an absolute IRI in <...>")
    raise AssertionError  # unreachable: fail raises


# --- finding the links ----------------------------------------------------------------------

def normalise(name: str) -> str:
    """Case, accent, whitespace and punctuation insensitive form of a name."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", name).casefold() if ch.isalnum())


def find_links(model: ArchimateModel, mapping: Mapping, kg: KnowledgeGraph,
               iri: Callable[[Concept], str]) -> list[Link]:
    """The links of a model's concepts to resources in the store (read, never written)."""
    lookup = _Lookup(kg, mapping.labels)
    links: list[Link] = []
    explicit = explicit_links(model, mapping)
    for concept in model.elements():
        rule = mapping.rule_for(concept.type)
        if concept.identifier in explicit:
            link = rule.link if rule else SKOS_EXACT_MATCH
            links += [(iri(concept), link, ours) for ours in explicit[concept.identifier]]
        elif rule is not None:
            links += [(iri(concept), rule.link, ours) for ours in lookup.match(concept, rule)]
    handoffs = mapping.handoffs
    for concept in model.relationships():
        if concept.identifier in explicit:
            link = handoffs.link if handoffs and concept.type in handoffs.relationships \
                else SKOS_EXACT_MATCH
            links += [(iri(concept), link, ours) for ours in explicit[concept.identifier]]
    if handoffs is not None:
        links += handoff_links(model, handoffs, links, lookup, iri, skip=set(explicit))
    return list(dict.fromkeys(links))


def explicit_links(model: ArchimateModel, mapping: Mapping) -> dict[str, list[str]]:
    """Concept identifier -> the IRIs its explicit property (``custvalue``) names."""
    wanted = mapping.property_name.casefold()
    definitions = {d.key for d in model.definitions
                   if any(n.value.casefold() == wanted for n in d.names)}
    found: dict[str, list[str]] = {}
    for concept in model.concepts:
        for prop in concept.properties:
            if prop.definition not in definitions:
                continue
            for value in prop.values:
                iri = value.value.strip()
                if not is_absolute_iri(iri):
                    raise InputError(
                        f"{concept.describe()}: property '{mapping.property_name}' must be the "
                        f"absolute IRI of a resource, not {value.value!r}",
                        source=model.source, line=value.line)
                found.setdefault(concept.identifier, []).append(iri)
    return found


def handoff_links(model: ArchimateModel, rule: HandOffRule, links: Iterable[Link],
                  lookup: _Lookup, iri: Callable[[Concept], str], skip: set[str]) -> list[Link]:
    """Flows between functions linked to F1 and F2 realise every hand-off from F1 to F2."""
    functions = lookup.members(Target("class", CV + "Function"))
    identity: dict[str, set[str]] = {}
    for subject, link, ours in links:
        if link in IDENTITY_LINKS and ours in functions:
            identity.setdefault(subject, set()).add(ours)
    between = lookup.handoffs()
    by_id = {c.identifier: c for c in model.concepts}
    out = []
    for relationship in model.relationships():
        if relationship.type not in rule.relationships or relationship.identifier in skip:
            continue
        source, target = by_id[relationship.source], by_id[relationship.target]
        if source.type not in rule.between or target.type not in rule.between:
            continue
        for f1 in sorted(identity.get(iri(source), ())):
            for f2 in sorted(identity.get(iri(target), ())):
                out += [(iri(relationship), rule.link, h) for h in between.get((f1, f2), [])]
    return out


class _Lookup:
    """The store's candidate resources per target, each fetched once per import."""

    def __init__(self, kg: KnowledgeGraph, labels: tuple[str, ...]) -> None:
        self.kg = kg
        self.labels = labels
        self._cache: dict[Target, tuple[set[str], dict[str, list[str]]]] = {}

    def _load(self, target: Target) -> tuple[set[str], dict[str, list[str]]]:
        if target not in self._cache:
            if target.kind == "class":
                pattern = (f"?resource a ?type . ?type <{PREFIXES['rdfs']}subClassOf>* "
                           f"<{target.iri}> .")
            else:
                pattern = f"?subject <{target.iri}> ?resource . FILTER(isIRI(?resource))"
            path = "|".join(f"<{p}>" for p in self.labels)
            rows = self.kg.query(
                f"SELECT DISTINCT ?resource ?label WHERE {{ {pattern} "
                f"OPTIONAL {{ ?resource {path} ?label }} }}").rows
            members: set[str] = set()
            by_name: dict[str, list[str]] = {}
            for resource, label in sorted(rows, key=lambda r: (str(r[0]), str(r[1]))):
                members.add(str(resource))
                if label is not None and normalise(str(label)):
                    by_name.setdefault(normalise(str(label)), []).append(str(resource))
            self._cache[target] = members, by_name
        return self._cache[target]

    def members(self, target: Target) -> set[str]:
        return self._load(target)[0]

    def match(self, concept: Concept, rule: LinkRule) -> list[str]:
        """The resources named like the concept, in the first target that has any."""
        names = {normalise(n.value) for n in concept.names} - {""}
        for target in rule.targets:
            by_name = self._load(target)[1]
            found = sorted({r for name in names for r in by_name.get(name, [])})
            if found:
                return found
        return []

    def handoffs(self) -> dict[tuple[str, str], list[str]]:
        rows = self.kg.query(
            f"SELECT ?handoff ?from ?to WHERE {{ ?handoff a <{CV}HandOff> ; "
            f"<{CV}fromFunction> ?from ; <{CV}toFunction> ?to }} ORDER BY ?handoff").rows
        out: dict[tuple[str, str], list[str]] = {}
        for handoff, f1, f2 in rows:
            out.setdefault((str(f1), str(f2)), []).append(str(handoff))
        return out
