"""Query results, independent of the store that produced them, and their serialisations."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr

from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.term import Node

from .errors import CustvalueError
from .formats import rdf_format

SELECT_FORMATS = ("table", "csv", "tsv", "json", "xml")
GRAPH_FORMATS = ("turtle", "ntriples", "nquads", "trig", "jsonld", "rdfxml")


@dataclass
class QueryResult:
    """A query's answer: solutions (SELECT), a boolean (ASK) or triples (CONSTRUCT/DESCRIBE)."""

    kind: str  # "select" | "ask" | "graph"
    variables: list[str] = field(default_factory=list)
    rows: list[tuple[Node | None, ...]] = field(default_factory=list)
    boolean: bool | None = None
    graph: Graph | None = None

    def __len__(self) -> int:
        if self.kind == "select":
            return len(self.rows)
        if self.kind == "graph":
            return len(self.graph or ())
        return 1

    def dicts(self) -> list[dict[str, Node]]:
        """Rows as dicts of bound variables."""
        return [
            {v: t for v, t in zip(self.variables, row, strict=True) if t is not None}
            for row in self.rows
        ]

    def text_rows(self) -> list[tuple[str | None, ...]]:
        """Rows as plain text: IRIs as strings, literals as lexical forms, unbound as None."""
        return [tuple(None if t is None else str(t) for t in row) for row in self.rows]

    def column(self, variable: str) -> list[Node | None]:
        index = self.variables.index(variable)
        return [row[index] for row in self.rows]

    def serialize(self, fmt: str) -> str:
        """Serialise in one of SELECT_FORMATS (solutions, booleans) or GRAPH_FORMATS (triples)."""
        if self.kind == "graph":
            if fmt in ("table", "json", "csv", "tsv", "xml"):
                fmt = {"json": "jsonld", "xml": "rdfxml"}.get(fmt, "turtle")
            return serialize_graph(self.graph or Graph(), fmt)
        writers = {"table": to_table, "csv": to_csv, "tsv": to_tsv, "json": to_json, "xml": to_xml}
        if fmt not in writers:
            raise CustvalueError(
                f"format {fmt!r} does not fit a {self.kind.upper()} result; "
                f"use one of {', '.join(SELECT_FORMATS)}"
            )
        return writers[fmt](self)


def serialize_graph(graph: Graph, fmt: str) -> str:
    """Serialise triples with rdflib under our format names."""
    name = rdf_format(fmt).name
    rdflib_name = {"turtle": "turtle", "ntriples": "nt", "nquads": "nquads", "trig": "trig",
                   "jsonld": "json-ld", "rdfxml": "xml"}[name]
    if rdflib_name in ("nquads", "trig") and not graph.context_aware:
        # Triples from a remote store come as a plain Graph: they sit in the default graph.
        dataset = Dataset()
        for triple in graph:
            dataset.add(triple)
        graph = dataset
    return graph.serialize(format=rdflib_name)


# --- SELECT / ASK writers -------------------------------------------------------------------

def _json_term(term: Node) -> dict[str, str]:
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    assert isinstance(term, Literal)
    out = {"type": "literal", "value": str(term)}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype is not None:
        out["datatype"] = str(term.datatype)
    return out


def to_json(result: QueryResult) -> str:
    """SPARQL 1.1 Query Results JSON Format."""
    if result.kind == "ask":
        return json.dumps({"head": {}, "boolean": bool(result.boolean)})
    bindings = [
        {v: _json_term(t) for v, t in zip(result.variables, row, strict=False) if t is not None}
        for row in result.rows
    ]
    return json.dumps({"head": {"vars": result.variables}, "results": {"bindings": bindings}})


def to_xml(result: QueryResult) -> str:
    """SPARQL Query Results XML Format."""
    out = ['<?xml version="1.0"?>', '<sparql xmlns="http://www.w3.org/2005/sparql-results#">']
    if result.kind == "ask":
        value = "true" if result.boolean else "false"
        out += ["<head/>", f"<boolean>{value}</boolean>", "</sparql>"]
        return "\n".join(out) + "\n"
    out.append("<head>" + "".join(f"<variable name={quoteattr(v)}/>" for v in result.variables)
               + "</head>")
    out.append("<results>")
    for row in result.rows:
        cells = []
        for v, t in zip(result.variables, row, strict=False):
            if t is None:
                continue
            if isinstance(t, URIRef):
                inner = f"<uri>{xml_escape(str(t))}</uri>"
            elif isinstance(t, BNode):
                inner = f"<bnode>{xml_escape(str(t))}</bnode>"
            else:
                assert isinstance(t, Literal)
                attr = ""
                if t.language:
                    attr = f" xml:lang={quoteattr(t.language)}"
                elif t.datatype is not None:
                    attr = f" datatype={quoteattr(str(t.datatype))}"
                inner = f"<literal{attr}>{xml_escape(str(t))}</literal>"
            cells.append(f"<binding name={quoteattr(v)}>{inner}</binding>")
        out.append("<result>" + "".join(cells) + "</result>")
    out += ["</results>", "</sparql>"]
    return "\n".join(out) + "\n"


def to_csv(result: QueryResult) -> str:
    """SPARQL 1.1 CSV results: plain values, the form spreadsheets read."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if result.kind == "ask":
        # CSV/TSV define no boolean form; we write the bare value, as Oxigraph does.
        return "true\r\n" if result.boolean else "false\r\n"
    writer.writerow(result.variables)
    for row in result.rows:
        writer.writerow(["" if t is None else (f"_:{t}" if isinstance(t, BNode) else str(t))
                         for t in row])
    return buffer.getvalue()


def _tsv_term(term: Node | None) -> str:
    return "" if term is None else term.n3()


def to_tsv(result: QueryResult) -> str:
    """SPARQL 1.1 TSV results: RDF terms in Turtle syntax."""
    if result.kind == "ask":
        return "true\n" if result.boolean else "false\n"
    lines = ["\t".join("?" + v for v in result.variables)]
    lines += ["\t".join(_tsv_term(t) for t in row) for row in result.rows]
    return "\n".join(lines) + "\n"


def to_table(result: QueryResult, max_width: int = 60) -> str:
    """A fixed-width text table for terminals."""
    if result.kind == "ask":
        return "yes\n" if result.boolean else "no\n"

    def cell(t: Node | None) -> str:
        text = "" if t is None else str(t)
        text = text.replace("\n", " ")
        return text if len(text) <= max_width else text[: max_width - 1] + "…"

    header = list(result.variables)
    body = [[cell(t) for t in row] for row in result.rows]
    widths = [max([len(h)] + [len(r[i]) for r in body]) for i, h in enumerate(header)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=False)).rstrip()

    out = [line(header), line(["-" * w for w in widths])] + [line(r) for r in body]
    out.append(f"({len(body)} row{'s' if len(body) != 1 else ''})")
    return "\n".join(out) + "\n"
