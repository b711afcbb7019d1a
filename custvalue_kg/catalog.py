"""Named queries: SPARQL files with a ``#+`` YAML header (title, description, parameters)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from rdflib.term import Node

from . import assets
from .errors import CustvalueError, ParameterError, UnknownQueryError
from .parameters import PARAMETER_TYPES, Parameter

HEADER_PREFIX = "#+"


@dataclass(frozen=True)
class NamedQuery:
    """A named, parameterised SPARQL query read from a ``.rq`` file."""

    name: str
    title: str
    description: str
    text: str
    path: Path | None = None
    question: int | None = None
    tags: tuple[str, ...] = ()
    parameters: tuple[Parameter, ...] = field(default_factory=tuple)

    def parameter(self, name: str) -> Parameter:
        for p in self.parameters:
            if p.name == name:
                return p
        raise ParameterError(name, f"query '{self.name}' has no such parameter"
                             + self._known_parameters())

    def _known_parameters(self) -> str:
        if not self.parameters:
            return " (it takes none)"
        return " (it takes " + ", ".join(p.name for p in self.parameters) + ")"

    def bind(self, values: Mapping[str, str | None]) -> dict[str, Node]:
        """Check user values against the declared parameters and coerce them to RDF terms."""
        bound: dict[str, Node] = {}
        for name in values:
            self.parameter(name)  # raises for an unknown parameter
        for p in self.parameters:
            raw = values.get(p.name)
            if raw is None or raw == "":
                if p.default is not None:
                    raw = p.default
                elif p.required:
                    raise ParameterError(
                        p.name, f"is required by query '{self.name}'"
                        + (f" (for example {p.example})" if p.example else "")
                    )
                else:
                    continue
            bound[p.name] = p.coerce(raw)
        return bound

    def to_dict(self) -> dict:
        """Metadata as plain data (for JSON listings and OpenAPI)."""
        return {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "question": self.question,
            "tags": list(self.tags),
            "parameters": [
                {
                    "name": p.name, "type": p.type, "required": p.required,
                    "default": p.default, "example": p.example,
                    "description": p.description, "class": p.rdf_class,
                    **({"enum": list(p.allowed)} if p.allowed else {}),
                }
                for p in self.parameters
            ],
            "sparql": self.text,
        }


def read_header(text: str, source: str) -> dict:
    """The YAML document formed by the leading ``#+`` lines (empty when there are none)."""
    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith(HEADER_PREFIX):
            lines.append(stripped[len(HEADER_PREFIX):].removeprefix(" "))
        elif stripped == "" or stripped.startswith("#"):
            continue
        else:
            break
    if not lines:
        return {}
    try:
        header = yaml.safe_load("\n".join(lines))
    except yaml.YAMLError as exc:
        raise CustvalueError(f"{source}: the #+ header is not valid YAML: {exc}") from None
    if not isinstance(header, dict):
        raise CustvalueError(f"{source}: the #+ header must be a mapping of keys to values")
    return header


def parse_parameters(raw: object, source: str) -> tuple[Parameter, ...]:
    if raw in (None, {}):
        return ()
    if not isinstance(raw, dict):
        raise CustvalueError(f"{source}: 'parameters' must map parameter names to settings")
    params = []
    for name, spec in raw.items():
        spec = spec or {}
        if not isinstance(spec, dict):
            raise CustvalueError(f"{source}: parameter '{name}' must be a mapping")
        type_ = str(spec.get("type", "string"))
        if type_ not in PARAMETER_TYPES:
            raise CustvalueError(
                f"{source}: parameter '{name}' has unknown type {type_!r}; "
                f"use one of {', '.join(PARAMETER_TYPES)}"
            )

        def text(key: str, spec: dict = spec) -> str | None:
            value = spec.get(key)
            if value is None:
                return None
            return str(value).lower() if isinstance(value, bool) else str(value)

        params.append(Parameter(
            name=str(name), type=type_, required=bool(spec.get("required", False)),
            default=text("default"), example=text("example"),
            description=str(spec.get("description", "")).strip(), rdf_class=text("class"),
            allowed=tuple(str(v) for v in spec.get("enum", ()) or ()),
        ))
    return tuple(params)


def read_query_file(path: Path) -> NamedQuery:
    """Read one named query file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CustvalueError(f"{path}: cannot read: {exc}") from None
    return named_query_from_text(text, name=path.stem, path=path)


def named_query_from_text(text: str, *, name: str, path: Path | None = None) -> NamedQuery:
    source = str(path) if path else name
    header = read_header(text, source)
    question = header.get("question")
    return NamedQuery(
        name=str(header.get("name", name)),
        title=str(header.get("title", name)).strip(),
        description=str(header.get("description", "")).strip(),
        text=text,
        path=path,
        question=int(question) if question is not None else None,
        tags=tuple(str(t) for t in header.get("tags", ()) or ()),
        parameters=parse_parameters(header.get("parameters"), source),
    )


class QueryCatalog:
    """The named queries available to a knowledge graph, by name."""

    def __init__(self, queries: Iterable[NamedQuery]) -> None:
        self._queries: dict[str, NamedQuery] = {}
        for q in queries:
            if q.name in self._queries:
                raise CustvalueError(f"two named queries are called '{q.name}'")
            self._queries[q.name] = q

    @classmethod
    def from_folders(cls, *folders: Path) -> QueryCatalog:
        return cls(read_query_file(p) for folder in folders for p in sorted(folder.glob("*.rq")))

    @classmethod
    def default(cls) -> QueryCatalog:
        """The queries shipped with custvalue-kg."""
        return cls(read_query_file(p) for p in assets.query_files())

    def __iter__(self) -> Iterator[NamedQuery]:
        return iter(sorted(self._queries.values(), key=lambda q: (q.question or 999, q.name)))

    def __len__(self) -> int:
        return len(self._queries)

    def __contains__(self, name: object) -> bool:
        return name in self._queries

    def get(self, name: str) -> NamedQuery:
        try:
            return self._queries[name]
        except KeyError:
            raise UnknownQueryError(
                f"no named query '{name}'; known queries: {', '.join(sorted(self._queries))}"
            ) from None
