"""Typed query parameters: coercion of user text into RDF terms, and binding into queries.

Values are never pasted into query text as text. The embedded store binds them natively
(Oxigraph substitutions); a remote store gets them as a VALUES block holding the term in
N-Triples syntax, placed at the start of the outermost WHERE group, which is the portable way to
pre-bind a variable over the SPARQL protocol.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from rdflib import Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from .errors import ParameterError, QueryError

PARAMETER_TYPES = ("iri", "string", "integer", "decimal", "boolean", "date", "dateTime")

# RFC 3987 forbids these in an IRI; rejecting them also rules out breaking out of <...>.
_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]*$")


@dataclass(frozen=True)
class Parameter:
    """One declared parameter of a named query."""

    name: str
    type: str = "string"
    required: bool = False
    default: str | None = None
    example: str | None = None
    description: str = ""
    rdf_class: str | None = None  # for iri parameters: the class of acceptable resources
    allowed: tuple[str, ...] = ()  # a closed list of values, when declared

    def coerce(self, value: str) -> Node:
        """Turn user text into the RDF term of this parameter's type, or explain the problem."""
        return coerce_value(self.name, self.type, value, self.allowed)


def is_absolute_iri(text: str) -> bool:
    """An absolute IRI with none of the characters RFC 3987 forbids (safe inside <...>)."""
    return bool(_IRI.match(text))


def coerce_value(name: str, type_: str, value: str, allowed: tuple[str, ...] = ()) -> Node:
    if allowed and value not in allowed:
        raise ParameterError(name, f"{value!r} is not one of {', '.join(allowed)}")
    if type_ == "iri":
        if not _IRI.match(value):
            raise ParameterError(name, f"{value!r} is not an absolute IRI")
        return URIRef(value)
    if type_ == "string":
        return Literal(value)
    if type_ == "integer":
        if not re.fullmatch(r"[+-]?\d+", value.strip()):
            raise ParameterError(name, f"{value!r} is not an integer")
        return Literal(int(value), datatype=XSD.integer)
    if type_ == "decimal":
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            raise ParameterError(name, f"{value!r} is not a decimal number") from None
        if not number.is_finite():
            raise ParameterError(name, f"{value!r} is not a decimal number")
        return Literal(number, datatype=XSD.decimal)
    if type_ == "boolean":
        lowered = value.strip().lower()
        if lowered not in ("true", "false", "1", "0"):
            raise ParameterError(name, f"{value!r} is not a boolean (true or false)")
        return Literal(lowered in ("true", "1"), datatype=XSD.boolean)
    if type_ == "date":
        try:
            return Literal(dt.date.fromisoformat(value.strip()), datatype=XSD.date)
        except ValueError:
            raise ParameterError(name, f"{value!r} is not a date (YYYY-MM-DD)") from None
    if type_ == "dateTime":
        try:
            return Literal(dt.datetime.fromisoformat(value.strip()), datatype=XSD.dateTime)
        except ValueError:
            raise ParameterError(name, f"{value!r} is not a date-time (ISO 8601)") from None
    raise ParameterError(name, f"unknown parameter type {type_!r}; use one of {PARAMETER_TYPES}")


def parse_term(text: str) -> Node:
    """Read back a term written in N-Triples syntax (how bindings cross process boundaries)."""
    from rdflib.util import from_n3

    term = from_n3(text)
    if term is None:
        raise QueryError(f"not an RDF term: {text!r}")
    return term


def inject_values(query: str, bindings: Mapping[str, Node]) -> str:
    """Pre-bind variables by a VALUES block at the start of the outermost WHERE group."""
    if not bindings:
        return query
    position = outer_where_brace(query)
    names = sorted(bindings)
    block = (
        " VALUES (" + " ".join("?" + n for n in names) + ") { ("
        + " ".join(bindings[n].n3() for n in names) + ") } "
    )
    return query[: position + 1] + block + query[position + 1:]


_SKIP = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'      # long strings
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n]|\\.)*"'              # short strings
    r"|'(?:[^'\\\n]|\\.)*'"
    r"|<[^<>\"{}|^`\\\x00-\x20]*>"       # IRIs
    r"|#[^\n]*",                         # comments
)
_FORM = re.compile(
    r"\b(SELECT|CONSTRUCT|ASK|DESCRIBE|INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD|WITH)\b",
    re.IGNORECASE,
)
QUERY_FORMS = ("SELECT", "CONSTRUCT", "ASK", "DESCRIBE")


def query_form(text: str) -> str | None:
    """The first query or update keyword, ignoring comments, strings and IRIs (upper case)."""
    match = _FORM.search(_SKIP.sub(lambda m: " " * len(m.group(0)), text))
    return match.group(1).upper() if match else None


# FROM <iri>, FROM NAMED <iri>, FROM prefix:name; not ?from, ex:from or "FROM" in a string
_DATASET_CLAUSE = re.compile(
    r"(?<![\w:?$@.\-])FROM\s+(?:NAMED\s+)?(?:<|[A-Za-z][\w.\-]*:|:)", re.IGNORECASE
)


def has_dataset_clause(text: str) -> bool:
    """Whether a query names its own dataset with FROM or FROM NAMED (comments, strings skipped)."""
    masked = _SKIP.sub(
        lambda m: m.group(0) if m.group(0).startswith("<") else " " * len(m.group(0)), text
    )
    return bool(_DATASET_CLAUSE.search(masked))


_BEFORE_TEMPLATE = re.compile(r"\bCONSTRUCT\s*$", re.IGNORECASE)


def outer_where_brace(query: str) -> int:
    """Index of the '{' opening the outermost WHERE group (strings, IRIs, comments skipped)."""
    masked = _SKIP.sub(lambda m: " " * len(m.group(0)), query)
    depth = 0
    for index, char in enumerate(masked):
        if char == "{":
            # At depth 0 the first group is the WHERE group, unless it is a CONSTRUCT template.
            if depth == 0 and not _BEFORE_TEMPLATE.search(masked[:index]):
                return index
            depth += 1
        elif char == "}":
            depth -= 1
    raise QueryError("cannot bind parameters: the query has no WHERE group")
