"""Cells <-> RDF terms for the CSV templates: ids, literals and concepts, both ways.

The reader and the writer share these functions, so what the export writes is exactly what the
import reads back (the round trip is lossless by construction, and the tests check it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import pyoxigraph as ox
from rdflib import Literal, URIRef
from rdflib.term import Node

from ..kg import KnowledgeGraph
from ..parameters import is_absolute_iri
from .csv_templates import (
    DATE,
    DATETIME,
    INTEGER,
    LIST_SEPARATOR,
    NUMBER,
    STRING,
    TEXT,
    VOCABULARIES,
    Column,
)

XSD = "http://www.w3.org/2001/XMLSchema#"
XSD_STRING = XSD + "string"
LANGUAGE = "en"  # text cells are English; see README "Spreadsheets (CSV templates)"
DEFAULT_BASE_ROOT = "https://example.org/"

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_OPAQUE_SCHEMES = {"urn", "tag", "mailto", "did"}  # absolute IRIs without '://'
_UNSAFE = re.compile(r"[^A-Za-z0-9._~-]+")
_INTEGER = re.compile(r"^[+-]?\d+$")
_DECIMAL = re.compile(r"^[+-]?(\d+\.\d*|\.\d+)$")
_DOUBLE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)[eE][+-]?\d+$")
_COMMA_DECIMAL = re.compile(r"^[+-]?\d+,\d+$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$")
# Excel runs a cell starting with one of these as a formula; the export guards such text with
# a leading apostrophe and the import drops it again.
_FORMULA_START = ("=", "+", "-", "@")


class CellError(ValueError):
    """A cell's text is not a value of its column; the message says what would be."""


# --- ids and the base ---------------------------------------------------------------------

def default_base(folder: Path) -> str:
    """The placeholder namespace of a folder's ids: https://example.org/<folder name>/."""
    slug = _UNSAFE.sub("-", folder.resolve().name).strip("-") or "csv"
    return f"{DEFAULT_BASE_ROOT}{slug}/"


def normalize_base(base: str) -> str:
    """An absolute IRI that ids are appended to; a missing final '/' is added."""
    if not is_absolute_iri(base):
        raise CellError(f"--base {base!r} is not an absolute IRI")
    return base if base.endswith(("/", "#", ":")) else base + "/"


def resolve_id(text: str, base: str) -> str:
    """An id cell as an IRI: absolute as written, or a local name appended to the base."""
    scheme = _SCHEME.match(text)
    if scheme and "://" not in text and scheme.group(0)[:-1].lower() not in _OPAQUE_SCHEMES:
        # 'sky:journey/x' is a prefixed name, which a spreadsheet has no prefixes for.
        raise CellError(f"{text!r} looks like a prefixed name: write a local name under "
                        "--base or a full IRI (https://..., urn:...)")
    iri = text if scheme else base + text
    if not is_absolute_iri(iri) or any(c.isspace() for c in text):
        raise CellError(f"{text!r} is not a valid id: use letters, digits and - _ . / "
                        "(no spaces), or an absolute IRI")
    return iri


def relative_id(iri: str, base: str) -> str:
    """The id the export writes: relative to the base when that reads back the same IRI."""
    if iri.startswith(base):
        local = iri[len(base):]
        if local and not _SCHEME.match(local) and not local[0].isspace():
            return local
    return iri


# --- literals -----------------------------------------------------------------------------

def parse_literal(column: Column, text: str, *, decimal_comma: bool = False) -> ox.Literal:
    """The literal of a text, number or date cell; raises CellError with what is expected."""
    kind = column.kind
    if kind == TEXT:
        return ox.Literal(unguard(text), language=LANGUAGE)
    if kind == STRING:
        return ox.Literal(unguard(text))
    if kind == INTEGER:
        if not _INTEGER.match(text):
            raise CellError(f"{text!r} is not a whole number")
        if column.minimum is not None and int(text) < column.minimum:
            raise CellError(f"{text} is less than {column.minimum}")
        return _typed(str(int(text)), "integer")
    if kind == NUMBER:
        if decimal_comma and _COMMA_DECIMAL.match(text):
            text = text.replace(",", ".")  # a ';'-separated file comes from a ',' locale
        for pattern, datatype in ((_INTEGER, "integer"), (_DECIMAL, "decimal"),
                                  (_DOUBLE, "double")):
            if pattern.match(text):
                return _typed(text, datatype)
        raise CellError(f"{text!r} is not a number: write it like 35, 35.5 or 3.5E4, "
                        "with a '.' before the decimals")
    if kind == DATE:
        if not _DATE.match(text) or not _valid(date.fromisoformat, text):
            raise CellError(f"{text!r} is not a date: write YYYY-MM-DD (2026-09-30); in Excel, "
                            "format the column as text so it keeps that form")
        return _typed(text, "date")
    if kind == DATETIME:
        if not _DATETIME.match(text) or not _valid(datetime.fromisoformat, text):
            raise CellError(f"{text!r} is not a date and time: write YYYY-MM-DDThh:mm:ss with "
                            "an optional zone (2026-09-30T23:59:59Z)")
        return _typed(text, "dateTime")
    raise ValueError(f"column {column.name} of kind {kind} holds no literal")


def literal_matches(column: Column, term: Node) -> bool:
    """Whether a literal in the graph is one a cell of this column writes (a covered value)."""
    if not isinstance(term, Literal):
        return False
    datatype = str(term.datatype) if term.datatype is not None else None
    if column.kind == TEXT:
        return term.language == LANGUAGE
    if column.kind == STRING:
        return term.language is None and datatype in (None, XSD_STRING)
    wanted = {INTEGER: ("integer",), NUMBER: ("integer", "decimal", "double"),
              DATE: ("date",), DATETIME: ("dateTime",)}[column.kind]
    return datatype in {XSD + w for w in wanted}


def export_literal(column: Column, candidates: list[Literal]) -> Literal | None:
    """The literal a single-valued cell shows: a covered one, or untagged text for text."""
    covered = sorted((t for t in candidates if literal_matches(column, t)), key=_literal_key)
    if covered:
        return covered[0]
    if column.kind == TEXT:  # untagged text is still the name; it comes back tagged @en
        plain = sorted((t for t in candidates if t.language is None and t.datatype in
                        (None, URIRef(XSD_STRING))), key=_literal_key)
        return plain[0] if plain else None
    return None


def format_literal(column: Column, term: Literal) -> str:
    text = str(term)
    if column.kind in (TEXT, STRING):
        return guard(text)
    if column.kind == NUMBER and term.datatype == URIRef(XSD + "decimal") and "." not in text:
        return text + ".0"  # Oxigraph stores 35.0 as "35"; the '.' keeps it a decimal
    return text


def guard(text: str) -> str:
    """Keep Excel from running text as a formula: a leading apostrophe (dropped on import)."""
    return "'" + text if text.startswith(_FORMULA_START) or text.startswith("'") else text


def unguard(text: str) -> str:
    if text.startswith("'") and (text[1:].startswith(_FORMULA_START) or text[1:2] == "'"):
        return text[1:]
    return text


def _typed(text: str, datatype: str) -> ox.Literal:
    return ox.Literal(text, datatype=ox.NamedNode(XSD + datatype))


def _valid(parse, text: str) -> bool:
    try:
        parse(text.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _literal_key(term: Literal) -> tuple[str, str, str]:
    return (str(term), term.language or "", str(term.datatype or ""))


# --- concepts -----------------------------------------------------------------------------

@dataclass
class ConceptIndex:
    """The concepts of one vocabulary, findable by notation, label, local name or IRI."""

    title: str
    concepts: dict[str, list[str]] = field(default_factory=dict)  # IRI -> names, best first
    classes: dict[str, str] = field(default_factory=dict)          # concept IRI -> class IRI
    keys: dict[str, set[str]] = field(default_factory=dict)        # folded name -> IRIs

    def add(self, concept: str, name: str | None) -> None:
        names = self.concepts.setdefault(concept, [])
        if name and name not in names:
            names.append(name)
        for key in filter(None, (name, concept, local_name(concept))):
            self.keys.setdefault(_fold(key), set()).add(concept)

    def resolve(self, text: str) -> str:
        found = self.keys.get(_fold(text), set())
        if len(found) == 1:
            return next(iter(found))
        if found:
            raise CellError(f"{text!r} is ambiguous in the {self.title} ("
                            f"{', '.join(sorted(found))}): write the concept's IRI")
        raise CellError(f"{text!r} is not one of the {self.title}; allowed: "
                        f"{', '.join(self.allowed())}")

    def display(self, concept: str) -> str:
        """The name the export writes: the first that reads back as this concept."""
        for name in self.concepts.get(concept, []):
            if self.keys.get(_fold(name)) == {concept} and LIST_SEPARATOR not in name:
                return name
        return concept

    def allowed(self) -> list[str]:
        return sorted({self.display(c) for c in self.concepts}, key=str.casefold)

    def concept_for_class(self, classes: set[str]) -> str | None:
        found = sorted(c for c, cls in self.classes.items() if cls in classes)
        return found[0] if found else None


class Vocabularies:
    """Concept indexes loaded from the store once per vocabulary, on first use."""

    def __init__(self, kg: KnowledgeGraph) -> None:
        self.kg = kg
        self._loaded: dict[str, ConceptIndex] = {}

    def __getitem__(self, name: str) -> ConceptIndex:
        if name not in self._loaded:
            self._loaded[name] = self._load(name)
        return self._loaded[name]

    def _load(self, name: str) -> ConceptIndex:
        vocabulary = VOCABULARIES[name]
        index = ConceptIndex(vocabulary.title)
        klass = (f"OPTIONAL {{ ?concept skos:broader* ?typed . "
                 f"?typed <{vocabulary.class_property}> ?class }}"
                 if vocabulary.class_property else "")
        # Names in order of preference: notation, English label, untagged label, other labels.
        rows = self.kg.query(f"""
            PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
            PREFIX cv: <https://w3id.org/custvalue/ontology#>
            SELECT DISTINCT ?concept ?name ?rank ?class WHERE {{
              {{ SELECT DISTINCT ?concept WHERE {{ {vocabulary.pattern} }} }}
              OPTIONAL {{
                {{ ?concept skos:notation ?name BIND (0 AS ?rank) }}
                UNION
                {{ ?concept skos:prefLabel ?name
                   BIND (IF(LANGMATCHES(LANG(?name), "{LANGUAGE}"), 1,
                            IF(LANG(?name) = "", 2, 3)) AS ?rank) }}
              }}
              {klass}
            }} ORDER BY ?concept ?rank STR(?name)
        """).rows
        for concept, name, _rank, cls in rows:
            if not isinstance(concept, URIRef):
                continue
            index.add(str(concept), str(name) if name is not None else None)
            if cls is not None:
                index.classes.setdefault(str(concept), str(cls))
        return index


def local_name(iri: str) -> str:
    return re.split(r"[/#:]", iri.rstrip("/#"))[-1]


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()
