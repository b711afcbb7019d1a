"""Write the graph as the CSV template set, and say exactly which triples the templates hold.

The export writes every template file (always with its header row) as UTF-8 with a BOM, ','
separated, CRLF line ends, so Excel opens it with the right characters and columns. Rows are
sorted by id, values inside a cell too, so the same graph always gives the same bytes. All files
are written into a temporary folder first and then moved in: a failure leaves no half set.

:func:`covered_triples` defines what "lossless for what the templates hold" means: export ->
import -> export gives the same files, and the imported graph has the same covered triples.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from ..errors import CustvalueError, StoreError
from ..kg import KnowledgeGraph
from .csv_templates import (
    CLASS,
    CONCEPT,
    ID,
    IRI,
    LIST_SEPARATOR,
    RDF_TYPE,
    REF,
    TEMPLATES,
    Column,
    Template,
)
from .csv_terms import (
    CellError,
    Vocabularies,
    default_base,
    export_literal,
    format_literal,
    literal_matches,
    normalize_base,
    relative_id,
)

BOM = b"\xef\xbb\xbf"
TYPE = URIRef(RDF_TYPE)

# (predicate, object, read backwards): what the store says about one row's resource.
Fact = tuple[URIRef, Node, bool]


@dataclass
class ExportSummary:
    folder: Path
    counts: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(self.counts.values())


# --- the export ---------------------------------------------------------------------------

def export_folder(
    kg: KnowledgeGraph, folder: str | Path, *, base: str | None = None,
    graphs: Sequence[str] | None = None,
) -> ExportSummary:
    """Write every template file into ``folder`` (created if missing) from the union of the
    graphs, or only from ``graphs``. Ids under ``base`` are written relative to it."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise CustvalueError(f"{folder}: exists and is not a folder")
    try:
        base = normalize_base(base) if base else default_base(folder)
    except CellError as exc:
        raise CustvalueError(str(exc)) from None
    graphs = _checked_graphs(kg, graphs)
    summary = ExportSummary(folder)
    vocabularies = Vocabularies(kg)
    files: dict[str, bytes] = {}
    for template in TEMPLATES:
        facts = template_facts(kg, template, graphs)
        rows = template_table(template, facts, base, vocabularies, summary.warnings)
        files[template.filename] = csv_bytes(template.headers, rows)
        summary.counts[template.name] = len(rows)
    write_files(folder, files)
    return summary


def write_blank_set(folder: str | Path) -> None:
    """The blank templates: each file with its header row only, and a README explaining them."""
    files = {t.filename: csv_bytes(t.headers, []) for t in TEMPLATES}
    files["README.md"] = templates_readme().encode("utf-8")
    write_files(Path(folder), files)


def template_table(
    template: Template, facts: dict[str, list[Fact]], base: str, vocabularies: Vocabularies,
    warnings: list[str],
) -> list[list[str]]:
    """One row of cells per resource, sorted by id."""
    rows = []
    for subject, said in facts.items():
        cells = [cell_text(template, column, subject, said, base, vocabularies, warnings)
                 for column in template.columns]
        rows.append(cells)
    return sorted(rows, key=lambda cells: cells[0])


def cell_text(
    template: Template, column: Column, subject: str, said: list[Fact], base: str,
    vocabularies: Vocabularies, warnings: list[str],
) -> str:
    """What one cell shows for one resource."""
    if column.kind == ID:
        return relative_id(subject, base)
    values = column_values(column, said)
    if column.kind in (REF, IRI):
        texts = [relative_id(str(v), base) for v in values]
    elif column.kind == CONCEPT:
        index = vocabularies[column.vocabulary]
        if not values and column.sets_class:  # the class says the type when no concept does
            found = index.concept_for_class({str(o) for p, o, _ in said if p == TYPE})
            values = [URIRef(found)] if found else []
        texts = [index.display(str(v)) for v in values]
    elif column.kind == CLASS:
        labels = dict((cls, label) for label, cls in column.choices)
        texts = [labels[str(v)] for v in values]
    else:
        literals = [o for p, o, back in said
                    if p == URIRef(column.predicate) and not back and isinstance(o, Literal)]
        chosen = export_literal(column, literals)
        texts = [format_literal(column, chosen)] if chosen is not None else []
        if len([o for o in literals if literal_matches(column, o)]) > 1:
            warnings.append(f"{template.filename}: <{subject}> has several values for "
                            f"{column.name}; the template holds one, {texts[0]!r} was written")
    texts = sorted(set(texts))
    if not column.multi and len(texts) > 1:
        warnings.append(f"{template.filename}: <{subject}> has several values for "
                        f"{column.name}; the template holds one, {texts[0]!r} was written")
        texts = texts[:1]
    for text in texts:
        if column.kind in (REF, IRI) and LIST_SEPARATOR in text:
            raise CustvalueError(f"{template.filename}: <{subject}>'s {column.name} value "
                                 f"{text!r} contains ';', which separates values in a cell")
    return f"{LIST_SEPARATOR} ".join(texts)


def column_values(column: Column, said: list[Fact]) -> list[Node]:
    """The values a column holds for a resource, read in either of its directions."""
    wanted = {(URIRef(p), inverse) for p, inverse in column.predicates()}
    return [o for p, o, inverse in said if (p, inverse) in wanted and value_fits(column, o)]


def value_fits(column: Column, term: Node) -> bool:
    """Whether a value is of the column's kind: IRIs for links, the right literals else."""
    if column.kind == CLASS:
        return str(term) in {cls for _, cls in column.choices}
    if column.kind in (REF, IRI, CONCEPT):
        return isinstance(term, URIRef)
    return literal_matches(column, term)


def template_facts(
    kg: KnowledgeGraph, template: Template, graphs: Sequence[str] | None,
) -> dict[str, list[Fact]]:
    """What the graphs say about each instance of the template's classes, in the template's
    properties (both directions), keyed by IRI. Blank nodes have no id and are left out."""
    forward = {RDF_TYPE} | {c.predicate for c in template.columns if c.predicate}
    backward = {c.inverse for c in template.columns if c.inverse}
    branches = [f"{{ VALUES ?p {{ {_iris(forward)} }} ?s ?p ?o BIND (false AS ?back) }}"]
    if backward:
        branches.append(f"{{ VALUES ?p {{ {_iris(backward)} }} ?o ?p ?s BIND (true AS ?back) }}")
    result = kg.store.query(f"""
        SELECT DISTINCT ?s ?p ?o ?back WHERE {{
          VALUES ?class {{ {_iris(template.classes)} }}
          ?s a ?class .
          {" UNION ".join(branches)}
        }}""", default_graphs=graphs)
    facts: dict[str, list[Fact]] = defaultdict(list)
    for s, p, o, back in result.rows:
        if isinstance(s, BNode):
            continue
        facts[str(s)].append((p, o, bool(back.toPython())))
    return dict(facts)


def csv_bytes(headers: list[str], rows: list[list[str]]) -> bytes:
    """A file as Excel reads it without asking: UTF-8 with BOM, ',' separated, CRLF."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(rows)
    return BOM + buffer.getvalue().encode("utf-8")


def write_files(folder: Path, files: dict[str, bytes]) -> None:
    """Write a set of files into ``folder`` all together: first into a temporary folder beside
    it, then moved in (a new folder is renamed into place in one step)."""
    folder = folder.resolve()
    for name in files:  # checked before anything moves: a move must not fail half-way
        target = folder / name
        if target.exists() and not target.is_file():
            raise CustvalueError(f"{target}: exists and is not a file; nothing was written")
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = folder.parent / f".{folder.name}.partial-{uuid.uuid4().hex[:8]}"
    staging.mkdir()
    try:
        for name, data in files.items():
            (staging / name).write_bytes(data)
        if not folder.exists():
            staging.rename(folder)
            return
        for name in files:
            os.replace(staging / name, folder / name)
    except OSError as exc:
        raise CustvalueError(f"{folder}: could not write the templates: {exc}") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _checked_graphs(kg: KnowledgeGraph, graphs: Sequence[str] | None) -> list[str] | None:
    if not graphs:
        return None
    known = {g for g, _ in kg.store.named_graphs()}
    for graph in graphs:
        if graph not in known:
            raise StoreError(f"no named graph <{graph}> in {kg.store.location}")
    return list(graphs)


def _iris(iris) -> str:
    return " ".join(f"<{iri}>" for iri in sorted(iris))


# --- what the templates hold --------------------------------------------------------------

def covered_triples(
    kg: KnowledgeGraph, graphs: Sequence[str] | None = None,
) -> set[tuple[Node, Node, Node]]:
    """Exactly the triples the templates hold, as found in the graphs (all by default).

    For every resource typed with one of a template's classes:
    its ``rdf:type`` triples with those classes; for every column, its triples in the
    column's property whose value is of the column's kind (an IRI for references, ids and
    concepts; an @en literal for text; a plain string; an xsd:integer; an xsd:integer,
    xsd:decimal or xsd:double for numbers; an xsd:date; an xsd:dateTime), and the same
    in the column's inverse property; and every shortcut triple (``cv:coversStage``,
    ``cv:handsOffTo``, ``cv:renewsTo``, ``cv:firstStage``) that one of those rows backs.
    """
    graphs = _checked_graphs(kg, graphs)
    found: set[tuple[Node, Node, Node]] = set()
    for template in TEMPLATES:
        facts = template_facts(kg, template, graphs)
        backed: dict[str, set[tuple[Node, Node]]] = defaultdict(set)
        for subject, said in facts.items():
            me = URIRef(subject)
            found |= {(me, TYPE, o) for p, o, _ in said
                      if p == TYPE and str(o) in template.classes}
            values: dict[str, list[Node]] = {"id": [me]}
            for column in template.columns:
                if column.kind in (ID, CLASS):  # a class column's triples are the types
                    continue
                values[column.name] = column_values(column, said)
                for p, o, back in said:
                    if not value_fits(column, o):
                        continue
                    if not back and column.predicate and p == URIRef(column.predicate):
                        found.add((me, p, o))
                    if back and column.inverse and p == URIRef(column.inverse):
                        found.add((o, p, me))
            for shortcut in template.shortcuts:
                if shortcut.when and str(shortcut.when[1]) not in {
                        str(v) for v in values.get(shortcut.when[0], [])}:
                    continue
                for s in values.get(shortcut.subject, []):
                    for o in values.get(shortcut.object, []):
                        backed[shortcut.predicate].add((s, o))
        for predicate, pairs in backed.items():
            present = kg.store.query(
                f"SELECT ?s ?o WHERE {{ ?s <{predicate}> ?o }}", default_graphs=graphs).rows
            found |= {(s, URIRef(predicate), o) for s, o in present if (s, o) in pairs}
    return found


# --- the README of the blank set ------------------------------------------------------------

KIND_TEXT = {
    "id": "id", "text": "text", "string": "text (no language)", "integer": "whole number",
    "number": "number", "date": "date YYYY-MM-DD", "datetime": "date and time",
    "ref": "id in {targets}", "iri": "id or IRI (not checked)", "concept": "concept ({vocab})",
    "class": "one of: {choices}",
}


def templates_readme() -> str:
    """A short guide to every file and column, generated from the declarations."""
    from .csv_templates import VOCABULARIES

    out = [
        "# CSV templates",
        "",
        "Blank templates for `custvalue-kg import csv DIR`: copy the folder, fill in the files "
        "you need (in Excel or any editor), delete or leave empty the others, and import. "
        "`custvalue-kg export csv DIR` writes the same files from a graph; "
        "`../csv/skyward/` is the sample enterprise filled in.",
        "",
        "Cells: `id` is a local name appended to `--base` (default "
        "`https://example.org/<folder name>/`) or an absolute IRI; a reference is the `id` of a "
        "row in another file (or of a resource already in the store); a concept is written "
        "by its notation or label (`FL2`, `Customer-facing`), its local name or its IRI; "
        "several values in one cell are separated by `;`; numbers use a `.` (a `,` is read as "
        "the decimal point in `;`-separated files); dates are `YYYY-MM-DD`, dates and times "
        "`YYYY-MM-DDThh:mm:ssZ`; text is English. Column names are case-insensitive; "
        "columns marked * are required.",
        "",
        "Excel: save each sheet as *CSV UTF-8*; `,` or `;` separators, CRLF line ends, empty "
        "trailing rows and columns and spaces around values are all fine. Format date columns "
        "as text so Excel keeps `YYYY-MM-DD`. A file may be missing; a CSV file with another "
        "name, or a column not listed here, is an error.",
        "",
    ]
    for template in TEMPLATES:
        out += [f"## {template.filename}: {template.title}", "", template.doc, "",
                "| column | holds | RDF | meaning |", "|---|---|---|---|"]
        for column in template.columns:
            holds = KIND_TEXT[column.kind].format(
                targets=" or ".join(f"{t}.csv" for t in column.targets),
                vocab=VOCABULARIES[column.vocabulary].title if column.vocabulary else "",
                choices=", ".join(label for label, _ in column.choices))
            if column.multi:
                holds += ", `;`-separated list"
            rdf = " / ".join(f"^{_curie(p)}" if back else _curie(p)
                             for p, back in column.predicates()) or "the row's IRI"
            name = f"`{column.name}`" + (" *" if column.required else "")
            out.append(f"| {name} | {holds} | {rdf} | {column.doc} |")
        for shortcut in template.shortcuts:
            when = (f" (rows with {shortcut.when[0]} {shortcut.when[1]})"
                    if shortcut.when else "")
            out.append("")
            out.append(f"Derived: `{shortcut.subject}` {_curie(shortcut.predicate)} "
                       f"`{shortcut.object}`{when}.")
        out.append("")
    return "\n".join(out)


def _curie(iri: str) -> str:
    from ..namespaces import PREFIXES

    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace):
            return f"{prefix}:{iri[len(namespace):]}"
    return f"<{iri}>"


if __name__ == "__main__":  # python -m custvalue_kg.imports.csv_writer examples/csv-templates
    import sys

    write_blank_set(sys.argv[1])
