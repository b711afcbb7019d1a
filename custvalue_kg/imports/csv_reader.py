"""Read a folder of CSV templates into an ImportBatch, checking every row first.

All files are read and every cell checked before anything is built; the problems of all files
come back together in one :class:`CsvTemplateError`, each as ``FILE, row N, column NAME: ...``
with N the row number Excel shows (the header is row 1). Nothing is written unless every file
and row is good (the batch is written in one transaction by the import framework).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from ..errors import CustvalueError, InputError
from ..kg import KnowledgeGraph
from ..parameters import is_absolute_iri
from .csv_templates import (
    CLASS,
    CONCEPT,
    ID,
    IRI,
    LIST_SEPARATOR,
    RDF_TYPE,
    REF,
    TEMPLATES,
    TEMPLATES_BY_NAME,
    Column,
    Template,
    template_for_file,
)
from .csv_terms import (
    CellError,
    Vocabularies,
    default_base,
    normalize_base,
    parse_literal,
    resolve_id,
)
from .provenance import VOID, ImportBatch, source_graph_iri

IMPORTER = "csv"
MAX_SHOWN = 50  # problems listed in the message; all are kept on the exception
UNNAMED = "urn:x-custvalue:unnamed-row"  # stands in for a bad id while its row is checked
_LOOKUP_CHUNK = 400


@dataclass(frozen=True)
class Problem:
    """One thing wrong in the templates, located as a spreadsheet user would look for it."""

    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.message}"


class CsvTemplateError(InputError):
    """Every problem found in a folder of templates, in file, row and column order."""

    def __init__(self, folder: str, problems: list[Problem]) -> None:
        self.problems = problems
        self.source, self.line, self.column = folder, None, None
        lines = [f"{len(problems)} problem(s) in the CSV templates in {folder}; "
                 "nothing was imported:"]
        lines += [f"  {p}" for p in problems[:MAX_SHOWN]]
        if len(problems) > MAX_SHOWN:
            lines.append(f"  ... and {len(problems) - MAX_SHOWN} more")
        CustvalueError.__init__(self, "\n".join(lines))


@dataclass
class SheetRow:
    """One data row of one file: its cells by column name (empty cells left out)."""

    template: Template
    file: str
    number: int
    cells: dict[str, str]
    decimal_comma: bool = False
    iri: str | None = None


@dataclass
class Sheets:
    """What the files of a folder hold, before any checking against the store."""

    rows: list[SheetRow] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)  # template name -> file name
    problems: list[Problem] = field(default_factory=list)


# --- the whole import ---------------------------------------------------------------------

def read_folder(
    folder: str | Path, kg: KnowledgeGraph, *, base: str | None = None,
    graph: str | None = None,
) -> ImportBatch:
    """Check every file and row of a folder of templates and turn them into an import batch.

    References may point at rows of any file or at resources already in ``kg`` (outside the
    graph this import replaces); concepts are looked up in the store's schemes.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise CustvalueError(f"{folder}: no such folder")
    try:
        base = normalize_base(base) if base else default_base(folder)
    except CellError as exc:
        raise CustvalueError(str(exc)) from None
    if graph is not None and not is_absolute_iri(graph):
        raise CustvalueError(f"--graph {graph!r}: give an absolute IRI")
    target = graph or source_graph_iri(IMPORTER, folder.resolve().name)

    sheets = read_sheets(folder)
    checker = RowChecker(kg, base, target, sheets.problems)
    checker.index_ids(sheets.rows)
    triples = checker.triples(sheets.rows)
    if sheets.problems:
        raise CsvTemplateError(str(folder), sorted(sheets.problems, key=_problem_order))

    named = ox.NamedNode(target)
    quads = [ox.Quad(s, p, o, named) for s, p, o in dict.fromkeys(triples)]
    counts = {name: sum(1 for r in sheets.rows if r.template.name == name)
              for name in (t.name for t in TEMPLATES) if name in sheets.files}
    counts["rows"] = len(sheets.rows)
    return ImportBatch(
        importer=IMPORTER, graph=target, source=folder.resolve().as_uri(),
        title=f"CSV templates in {folder.resolve().name}", quads=quads, counts=counts,
        details=[(VOID + "uriSpace", ox.Literal(base))],
    )


def _problem_order(problem: Problem) -> tuple:
    """Files in template order (unknown files last), then rows as they come."""
    template = template_for_file(problem.file)
    rank = TEMPLATES.index(template) if template is not None else len(TEMPLATES)
    return (rank, problem.file, problem.row or 0)


# --- reading the files --------------------------------------------------------------------

def read_sheets(folder: Path) -> Sheets:
    """Read every template file of a folder; unknown CSV files and columns are problems."""
    sheets = Sheets()
    found: list[tuple[int, str, Path, Template]] = []
    for path in folder.iterdir():
        if not path.is_file() or path.name.startswith((".", "~$")):
            continue  # hidden files and Excel's lock files (~$systems.csv)
        if path.suffix.lower() != ".csv":
            continue
        template = template_for_file(path.name)
        if template is None:
            sheets.problems.append(Problem(path.name, None, None, (
                "not a template file; the templates are "
                + ", ".join(t.filename for t in TEMPLATES))))
            continue
        found.append((TEMPLATES.index(template), path.name, path, template))
    # In template order, so the first of two rows with the same id is the earlier kind's.
    for _, _, path, template in sorted(found, key=lambda f: f[:2]):
        if template.name in sheets.files:
            sheets.problems.append(Problem(path.name, None, None, (
                f"a second file for {template.filename} (also {sheets.files[template.name]})")))
            continue
        sheets.files[template.name] = path.name
        sheets.rows += read_sheet(path, template, sheets.problems)
    if not sheets.files and not sheets.problems:
        raise CustvalueError(f"{folder}: no template files (expected some of "
                             + ", ".join(t.filename for t in TEMPLATES) + ")")
    return sheets


def read_sheet(path: Path, template: Template, problems: list[Problem]) -> list[SheetRow]:
    """The data rows of one file, or none if its encoding or header is wrong."""
    name = path.name
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")  # with or without the BOM Excel writes
    except UnicodeDecodeError as exc:
        row = data[: exc.start].count(b"\n") + 1
        problems.append(Problem(name, row, None, "not UTF-8 text: in Excel, save as "
                                "'CSV UTF-8 (Comma delimited)'"))
        return []
    if not text.strip():
        return []
    delimiter = sniff_delimiter(text.splitlines()[0])
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        problems.append(Problem(name, None, None, f"not readable as CSV: {exc}"))
        return []
    headers, ok = read_header(name, template, records[0], problems)
    if not ok:
        return []
    rows = []
    for number, record in enumerate(records[1:], start=2):
        cells: dict[str, str] = {}
        for index, raw in enumerate(record):
            value = raw.strip()
            if not value:
                continue
            if index >= len(headers) or headers[index] is None:
                problems.append(Problem(name, number, column_letter(index),
                                        "a value in a column without a header"))
            else:
                cells[headers[index]] = value
        if cells:  # rows left empty (Excel keeps some at the end) are skipped
            rows.append(SheetRow(template, name, number, cells, decimal_comma=delimiter == ";"))
    return rows


def read_header(
    name: str, template: Template, header: list[str], problems: list[Problem],
) -> tuple[list[str | None], bool]:
    """Column names by position (None for an empty header cell) and whether they are usable."""
    headers: list[str | None] = []
    before = len(problems)
    for raw in header:
        column = normalize_header(raw)
        if not column:
            headers.append(None)
        elif column not in template.headers:
            problems.append(Problem(name, 1, raw.strip(), (
                f"unknown column; the columns of {template.filename} are "
                + ", ".join(template.headers))))
            headers.append(None)
        elif column in headers:
            problems.append(Problem(name, 1, column, "the column appears twice"))
            headers.append(None)
        else:
            headers.append(column)
    for column in template.columns:
        if column.required and column.name not in headers:
            problems.append(Problem(name, 1, column.name, "required column is missing"))
    return headers, len(problems) == before


def normalize_header(text: str) -> str:
    """'Market promise' and 'market-promise' name the column market_promise."""
    return "_".join(text.strip().casefold().replace("-", " ").split())


def sniff_delimiter(header_line: str) -> str:
    """',' or ';' (Excel's choice in locales with a decimal comma), by which names more
    known columns in the header line."""
    known = {c.name for t in TEMPLATES for c in t.columns}

    def score(delimiter: str) -> tuple[int, int]:
        cells = header_line.split(delimiter)
        return sum(normalize_header(c.strip('"')) in known for c in cells), len(cells)

    return ";" if score(";") > score(",") else ","


def column_letter(index: int) -> str:
    """Excel's name for a column position: A, B, ..., Z, AA, ..."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


# --- checking rows and building triples ---------------------------------------------------

Triple = tuple[ox.NamedNode, ox.NamedNode, ox.NamedNode | ox.Literal]


class RowChecker:
    """Checks cells against their columns, the other files and the store; builds triples."""

    def __init__(self, kg: KnowledgeGraph, base: str, graph: str,
                 problems: list[Problem]) -> None:
        self.kg = kg
        self.base = base
        self.graph = graph
        self.problems = problems
        self.vocabularies = Vocabularies(kg)
        self.rows_by_iri: dict[str, SheetRow] = {}
        self._in_store: dict[str, set[str]] = {}

    def problem(self, row: SheetRow, column: str | None, message: str) -> None:
        self.problems.append(Problem(row.file, row.number, column, message))

    def index_ids(self, rows: Iterable[SheetRow]) -> None:
        """Give each row its IRI; ids must be well-formed and unique across all files."""
        for row in rows:
            text = row.cells.get("id")
            if text is None:
                self.problem(row, "id", "required, but empty")
                continue
            try:
                iri = resolve_id(text, self.base)
            except CellError as exc:
                self.problem(row, "id", str(exc))
                continue
            first = self.rows_by_iri.get(iri)
            if first is not None:
                self.problem(row, "id", f"duplicate id {text!r} (also {first.file}, "
                                        f"row {first.number})")
                continue
            row.iri = iri
            self.rows_by_iri[iri] = row

    def triples(self, rows: list[SheetRow]) -> list[Triple]:
        """Every triple of every good row (problems are collected, not raised)."""
        self._look_up_references(rows)
        out: list[Triple] = []
        for row in rows:
            triples = self.row_triples(row)  # checks the cells even when the id is bad
            if row.iri is not None:
                out += triples
        return out

    def row_triples(self, row: SheetRow) -> list[Triple]:
        subject = ox.NamedNode(row.iri or UNNAMED)
        values: dict[str, list] = {"id": [subject]}
        out: list[Triple] = []
        classes: list[str] = []
        for column in row.template.columns:
            if column.kind == ID:
                continue
            text = row.cells.get(column.name)
            if text is None:
                if column.required:
                    self.problem(row, column.name, "required, but empty")
                continue
            terms = self.cell_terms(row, column, text)
            values[column.name] = terms
            for term in terms:
                if column.sets_class:
                    classes += self._class_of(row, column, term)
                if column.predicate and column.predicate != RDF_TYPE:
                    out.append((subject, ox.NamedNode(column.predicate), term))
                if column.inverse:
                    out.append((term, ox.NamedNode(column.inverse), subject))
        if row.template.class_column is None:
            classes = list(row.template.classes[:1])
        out += [(subject, ox.NamedNode(RDF_TYPE), ox.NamedNode(c)) for c in classes]
        for shortcut in row.template.shortcuts:
            if shortcut.when and not _holds(values.get(shortcut.when[0]), shortcut.when[1]):
                continue
            for s in values.get(shortcut.subject, []):
                for o in values.get(shortcut.object, []):
                    out.append((s, ox.NamedNode(shortcut.predicate), o))
        return out

    def cell_terms(self, row: SheetRow, column: Column, text: str) -> list:
        """The terms of one cell; a bad value is reported and left out."""
        parts = split_cell(text) if column.multi else [text]
        if not column.multi and column.kind in (REF, IRI, CONCEPT, CLASS) \
                and LIST_SEPARATOR in text:
            self.problem(row, column.name, f"takes one value, not a list: {text!r}")
            return []
        terms = []
        for part in parts:
            try:
                terms.append(self.term(row, column, part))
            except CellError as exc:
                self.problem(row, column.name, str(exc))
        return terms

    def term(self, row: SheetRow, column: Column, text: str):
        if column.kind == REF:
            return ox.NamedNode(self._reference(column, text))
        if column.kind == IRI:
            return ox.NamedNode(resolve_id(text, self.base))
        if column.kind == CONCEPT:
            return ox.NamedNode(self.vocabularies[column.vocabulary].resolve(text))
        if column.kind == CLASS:
            return ox.NamedNode(choose_class(column, text))
        return parse_literal(column, text, decimal_comma=row.decimal_comma)

    def _class_of(self, row: SheetRow, column: Column, term) -> list[str]:
        if column.kind == CLASS:
            return [term.value]
        found = self.vocabularies[column.vocabulary].classes.get(term.value)
        if found is None:
            self.problem(row, column.name, f"{term.value} names no class "
                                           "(cv:correspondingClass) for the row")
            return []
        return [found]

    def _reference(self, column: Column, text: str) -> str:
        iri = resolve_id(text, self.base)
        target = self.rows_by_iri.get(iri)
        if target is not None:
            if target.template.name not in column.targets:
                raise CellError(f"{text!r} is a row of {target.file}, not of "
                                f"{_files(column.targets)}")
            return iri
        wanted = {TEMPLATES_BY_NAME[t].base_class for t in column.targets}
        found = self._in_store.get(iri, set())
        if found & wanted:
            return iri
        kinds = " or ".join(TEMPLATES_BY_NAME[t].title.lower() for t in column.targets)
        if found:
            raise CellError(f"{text!r} is in the store, but not as one of the {kinds}")
        raise CellError(f"{text!r} is no id in {_files(column.targets)}, nor one of the "
                        f"{kinds} in the store")

    def _look_up_references(self, rows: list[SheetRow]) -> None:
        """Which referenced IRIs the store holds, as instances of which template classes.

        One query per few hundred references; the graph this import replaces does not count.
        """
        wanted: set[str] = set()
        for row in rows:
            for column in row.template.columns:
                text = row.cells.get(column.name)
                if column.kind != REF or text is None:
                    continue
                for part in split_cell(text) if column.multi else [text]:
                    try:
                        iri = resolve_id(part, self.base)
                    except CellError:
                        continue
                    if iri not in self.rows_by_iri:
                        wanted.add(iri)
        classes = " ".join(f"<{t.base_class}>" for t in TEMPLATES)
        ordered = sorted(wanted)
        for start in range(0, len(ordered), _LOOKUP_CHUNK):
            chunk = " ".join(f"<{iri}>" for iri in ordered[start:start + _LOOKUP_CHUNK])
            result = self.kg.query(f"""
                PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
                SELECT DISTINCT ?resource ?class WHERE {{
                  VALUES ?resource {{ {chunk} }}
                  VALUES ?class {{ {classes} }}
                  GRAPH ?g {{ ?resource a ?type }}
                  FILTER (?g != <{self.graph}>)
                  ?type rdfs:subClassOf* ?class .
                }}""")
            for resource, cls in result.rows:
                self._in_store.setdefault(str(resource), set()).add(str(cls))


def split_cell(text: str) -> list[str]:
    """The values of a multi-valued cell: separated by ';', blanks ignored."""
    return [part.strip() for part in text.split(LIST_SEPARATOR) if part.strip()]


def choose_class(column: Column, text: str) -> str:
    """The class a class column names, by its label, its local name or its IRI."""
    folded = " ".join(text.split()).casefold()
    for label, cls in column.choices:
        if folded in (label.casefold(), cls.casefold(), cls.rsplit("#", 1)[-1].casefold()):
            return cls
    raise CellError(f"{text!r} is not allowed; allowed: "
                    + ", ".join(label for label, _ in column.choices))


def _holds(terms: list | None, value: int) -> bool:
    return bool(terms) and any(getattr(t, "value", None) == str(value) for t in terms)


def _files(targets: tuple[str, ...]) -> str:
    return " or ".join(TEMPLATES_BY_NAME[t].filename for t in targets)
