"""Find RDF source files and parse them into quads, staged in memory before any write.

Parsing happens completely before a store is touched, so a syntax error anywhere leaves the
store exactly as it was (all-or-nothing loads).
"""

from __future__ import annotations

import glob
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from .errors import CustvalueError, InputError
from .formats import KNOWN_RDF_EXTENSIONS, RdfFormat, rdf_format, rdf_format_for_path

ProgressCallback = Callable[[str, int], None]

_POSITION_PREFIX = re.compile(r"^Parser error (at|between) [^:]*: ")


def expand_sources(patterns: Sequence[str | Path]) -> list[Path]:
    """Turn files, folders (searched recursively for RDF files) and globs into a file list."""
    files: list[Path] = []
    for pattern in patterns:
        text = str(pattern)
        path = Path(text)
        if path.is_dir():
            found = sorted(
                p for p in path.rglob("*")
                if p.is_file() and p.suffix.lower().lstrip(".") in KNOWN_RDF_EXTENSIONS
            )
            if not found:
                raise CustvalueError(f"{text}: the folder holds no RDF files")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        elif glob.has_magic(text):
            found = sorted(Path(p) for p in glob.glob(text, recursive=True) if Path(p).is_file())
            if not found:
                raise CustvalueError(f"{text}: no file matches this pattern")
            files.extend(found)
        else:
            raise CustvalueError(f"{text}: no such file or folder")
    seen: set[Path] = set()
    unique = []
    for f in files:
        key = f.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(f)
    return unique


def graph_iri_for_file(path: Path) -> str:
    """The named graph a file is loaded into when none is given: its file: URI."""
    return path.resolve().as_uri()


@dataclass
class StagedData:
    """Quads parsed and held in memory, grouped by target named graph, ready to be written."""

    graphs: dict[str, list[ox.Quad]] = field(default_factory=dict)
    sources: dict[str, list[str]] = field(default_factory=dict)

    def add(self, graph: str, quads: Iterable[ox.Quad], source: str) -> None:
        self.graphs.setdefault(graph, []).extend(quads)
        self.sources.setdefault(graph, []).append(source)

    @property
    def quad_count(self) -> int:
        return sum(len(q) for q in self.graphs.values())


def parse_rdf(
    data: bytes | str | Path,
    *,
    fmt: RdfFormat,
    graph: str,
    source_name: str,
    base_iri: str | None = None,
    progress: ProgressCallback | None = None,
) -> dict[str, list[ox.Quad]]:
    """Parse one document; triples go to ``graph``, named graphs of datasets keep their names.

    Raises InputError naming the source, line and column of the first syntax error.
    """
    target = ox.NamedNode(graph)
    if fmt.name == "jsonld":
        # Our published context is read from the shipped copy, never fetched.
        from .jsonld import inline_known_contexts

        raw = _read(data, source_name) if isinstance(data, Path) else data
        data = inline_known_contexts(raw, source_name)
    kwargs = {"path": str(data)} if isinstance(data, Path) else {"input": data}
    by_graph: dict[str, list[ox.Quad]] = {}
    count = 0
    try:
        for quad in ox.parse(format=fmt.oxigraph, base_iri=base_iri, **kwargs):
            if isinstance(quad.graph_name, ox.DefaultGraph):
                quad = ox.Quad(quad.subject, quad.predicate, quad.object, target)
            by_graph.setdefault(quad.graph_name.value, []).append(quad)
            count += 1
            if progress is not None and count % 100_000 == 0:
                progress(source_name, count)
    except SyntaxError as exc:
        raise syntax_error(exc, source_name) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read: {exc}", source=source_name) from None
    if progress is not None:
        progress(source_name, count)
    return by_graph


def syntax_error(exc: SyntaxError, source_name: str) -> InputError:
    """pyoxigraph's parse error as ours: file, line and column, the position said once."""
    message = _POSITION_PREFIX.sub("", str(getattr(exc, "msg", exc)))
    return InputError(message, source=source_name, line=exc.lineno, column=exc.offset)


def bulk_loadable(path: Path, fmt: str | None) -> RdfFormat | None:
    """The format of a file the store's bulk loader can read as is (triples, no JSON-LD)."""
    rdf = rdf_format(fmt) if fmt else rdf_format_for_path(path)
    return None if rdf.dataset or rdf.name == "jsonld" else rdf


def _read(path: Path, source_name: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read: {exc}", source=source_name) from None


def stage_files(
    files: Sequence[Path],
    *,
    graph: str | None = None,
    fmt: str | None = None,
    progress: ProgressCallback | None = None,
) -> StagedData:
    """Parse every file into memory; nothing is written anywhere."""
    staged = StagedData()
    for path in files:
        rdf = rdf_format(fmt) if fmt else rdf_format_for_path(path)
        target = graph or graph_iri_for_file(path)
        parsed = parse_rdf(
            path, fmt=rdf, graph=target, source_name=str(path),
            base_iri=path.resolve().as_uri(), progress=progress,
        )
        if not parsed:
            staged.add(target, [], str(path))
        for name, quads in parsed.items():
            staged.add(name, quads, str(path))
    return staged
