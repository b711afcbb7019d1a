"""Locate the declarative assets (ontology, shapes, queries, sample data).

In a wheel they are packaged as ``custvalue_kg/assets/<kind>``; in a source checkout (or an
editable install) they sit at the top of the repository. Both layouts are supported so the same
code runs from a clone and from ``pip install custvalue-kg``.
"""

from __future__ import annotations

from pathlib import Path

ASSET_KINDS = ("ontology", "shapes", "queries", "examples", "mappings")

# The ontology graph, in load order: the core, its modules, then the alignments.
ONTOLOGY_MODULES = ("custvalue.ttl", "linking.ttl", "archimate.ttl", "alignments.ttl")

_PACKAGE_DIR = Path(__file__).resolve().parent


def asset_dir(kind: str) -> Path:
    """Return the folder holding one kind of asset."""
    if kind not in ASSET_KINDS:
        raise ValueError(f"unknown asset kind {kind!r}; expected one of {', '.join(ASSET_KINDS)}")
    for candidate in (_PACKAGE_DIR / "assets" / kind, _PACKAGE_DIR.parent / kind):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"the {kind} assets are missing from the installation ({_PACKAGE_DIR})")


def ontology_files() -> list[Path]:
    """The core ontology, its modules and its alignments (the ontology graph)."""
    folder = asset_dir("ontology")
    return [folder / name for name in ONTOLOGY_MODULES]


def scheme_files() -> list[Path]:
    """The SKOS reference schemes."""
    return [asset_dir("ontology") / "schemes.ttl"]


def shape_files() -> list[Path]:
    """Every shipped SHACL shapes file."""
    return sorted(asset_dir("shapes").glob("*.ttl"))


def query_files() -> list[Path]:
    """Every shipped named query."""
    return sorted(asset_dir("queries").glob("*.rq"))


def sample_files() -> list[Path]:
    """The sample enterprise loaded by default."""
    return [asset_dir("examples") / "sample-enterprise.ttl"]


def invalid_example_file() -> Path:
    """A small graph with known validation results."""
    return asset_dir("examples") / "invalid-example.ttl"


def mapping_file(name: str) -> Path:
    """A shipped importer mapping by name: ``mapping_file("archimate")`` is archimate.yaml."""
    path = asset_dir("mappings") / f"{name.removesuffix('.yaml')}.yaml"
    if not path.is_file():
        raise FileNotFoundError(f"no shipped mapping {name!r} in {path.parent}")
    return path
