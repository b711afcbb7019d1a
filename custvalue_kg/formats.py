"""The RDF and result formats we read and write, with their names, media types and extensions."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from .errors import CustvalueError


@dataclass(frozen=True)
class RdfFormat:
    name: str
    media_type: str
    extensions: tuple[str, ...]
    oxigraph: ox.RdfFormat
    dataset: bool  # True when the syntax can carry named graphs

    @property
    def extension(self) -> str:
        return self.extensions[0]


RDF_FORMATS: dict[str, RdfFormat] = {
    f.name: f
    for f in (
        RdfFormat("turtle", "text/turtle", ("ttl", "turtle"), ox.RdfFormat.TURTLE, False),
        RdfFormat(
            "ntriples", "application/n-triples", ("nt", "ntriples"), ox.RdfFormat.N_TRIPLES, False
        ),
        RdfFormat("nquads", "application/n-quads", ("nq", "nquads"), ox.RdfFormat.N_QUADS, True),
        RdfFormat("trig", "application/trig", ("trig",), ox.RdfFormat.TRIG, True),
        RdfFormat("jsonld", "application/ld+json", ("jsonld", "json"), ox.RdfFormat.JSON_LD, True),
        RdfFormat(
            "rdfxml", "application/rdf+xml", ("rdf", "owl", "xml"), ox.RdfFormat.RDF_XML, False
        ),
    )
}

FORMAT_ALIASES = {
    "ttl": "turtle", "nt": "ntriples", "n-triples": "ntriples", "nq": "nquads",
    "n-quads": "nquads", "json-ld": "jsonld", "xml": "rdfxml", "rdf/xml": "rdfxml",
    "rdf": "rdfxml", "owl": "rdfxml",
}


def rdf_format(name: str) -> RdfFormat:
    """Look up an RDF format by name or common alias (``ttl``, ``json-ld``, ...)."""
    key = FORMAT_ALIASES.get(name.lower(), name.lower())
    try:
        return RDF_FORMATS[key]
    except KeyError:
        raise CustvalueError(
            f"unknown RDF format {name!r}; expected one of {', '.join(RDF_FORMATS)}"
        ) from None


def rdf_format_for_path(path: Path | str) -> RdfFormat:
    """Guess the RDF format of a file from its extension."""
    suffix = Path(path).suffix.lower().lstrip(".")
    for fmt in RDF_FORMATS.values():
        if suffix in fmt.extensions:
            return fmt
    raise CustvalueError(
        f"{path}: cannot tell the RDF format from the extension '.{suffix}'; known extensions: "
        + ", ".join("." + e for f in RDF_FORMATS.values() for e in f.extensions)
    )


def rdf_format_for_media_type(media_type: str) -> RdfFormat | None:
    """The RDF format served or accepted under a media type, if we know it."""
    base = media_type.split(";")[0].strip().lower()
    for fmt in RDF_FORMATS.values():
        if fmt.media_type == base:
            return fmt
    return {"application/x-turtle": RDF_FORMATS["turtle"], "text/n3": RDF_FORMATS["turtle"],
            "text/plain": RDF_FORMATS["ntriples"], "application/json": RDF_FORMATS["jsonld"],
            "application/xml": RDF_FORMATS["rdfxml"], "text/xml": RDF_FORMATS["rdfxml"],
            "text/x-nquads": RDF_FORMATS["nquads"]}.get(base)


KNOWN_RDF_EXTENSIONS = frozenset(e for f in RDF_FORMATS.values() for e in f.extensions)
