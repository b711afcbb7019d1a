"""``custvalue-kg import ...``, ``sources`` and ``remove-source``: bringing enterprise metadata in.

Each importer's command lives beside the importer and is loaded only when used, so
``custvalue-kg --help`` stays fast and an importer's dependencies are imported on demand.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import click

from .cli_common import Progress, open_kg, store_option, update_endpoint_option
from .imports.provenance import ImportBatch
from .kg import KnowledgeGraph


class LazyGroup(click.Group):
    """A group whose subcommands are ``module:attribute`` references, imported when used."""

    def __init__(self, *args, lazy: dict[str, str] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(self.lazy))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.lazy:
            module, _, attribute = self.lazy[name].partition(":")
            return getattr(importlib.import_module(module), attribute)
        return super().get_command(ctx, name)


@click.group("import", cls=LazyGroup, lazy={
    "archimate": "custvalue_kg.imports.archimate_command:archimate",
    "csv": "custvalue_kg.imports.csv_command:import_csv",
    "sparql": "custvalue_kg.imports.sparql_construct:import_sparql",
    "rdf": "custvalue_kg.imports.rdf_document:import_rdf",
})
def import_group() -> None:
    """Import enterprise metadata, each source into its own named graph with provenance.

    Re-importing a source replaces its graph in one transaction; `custvalue-kg sources` lists
    what was imported and `custvalue-kg remove-source` removes one.
    """


def write_batch(kg: KnowledgeGraph, batch: ImportBatch, *, require_valid: bool) -> None:
    """Write an importer's batch and report it: the shared last step of every import command."""
    summary = kg.import_batch(batch, require_valid=require_valid)
    Progress().step("")
    verb = "replaced" if batch.graph in summary.replaced else "created"
    click.echo(f"imported {batch.summary()}")
    click.echo(f"  {batch.graph}: {summary.triples:,} triples ({verb})")


require_valid_option = click.option(
    "--require-valid", is_flag=True,
    help="Reject the import if the store would then have SHACL violations.")


@click.command("sources")
@store_option
@update_endpoint_option
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
def list_sources(store, update_endpoint, fmt) -> None:
    """List the imported sources: graph, importer, source, when, and what was counted."""
    kg = open_kg(store, update_endpoint)
    found = kg.sources()
    kg.close()
    if fmt == "json":
        click.echo(json.dumps([s.to_dict() for s in found], indent=2))
        return
    if not found:
        click.echo("no imported sources")
        return
    for info in found:
        click.echo(f"{info.graph}")
        click.echo(f"  {info.title} ({info.importer} import of {info.source}, {info.imported})")
        tallies = ", ".join(f"{n:,} {kind}" for kind, n in info.counts.items())
        click.echo(f"  {info.triples:,} triples" + (f"; {tallies}" if tallies else ""))


@click.command("remove-source")
@click.argument("reference", metavar="GRAPH|SOURCE")
@store_option
@update_endpoint_option
def remove_source(reference, store, update_endpoint) -> None:
    """Remove one imported source (by its graph IRI, file or endpoint) and all it brought."""
    kg = open_kg(store, update_endpoint)
    reference = _as_source_reference(reference)
    info = kg.remove_source(reference)
    kg.close()
    click.echo(f"removed {info.graph} ({info.title}, {info.triples:,} triples)")


@click.command("link")
@click.argument("element", metavar="ELEMENT")
@click.argument("resource", metavar="RESOURCE")
@click.option("--as", "kind", type=click.Choice(["exactMatch", "sameAs", "realises", "supports"]),
              default="exactMatch", show_default=True,
              help="exactMatch/sameAs: the same thing; realises/supports: weaker links.")
@click.option("--remove", is_flag=True, help="Remove this hand-made link instead.")
@store_option
@update_endpoint_option
def link(element, resource, kind, remove, store, update_endpoint) -> None:
    """Link an enterprise element (ELEMENT IRI) to one of our resources by hand.

    Hand-made links live in their own graph (https://w3id.org/custvalue/graph/links), apart
    from any import, so a re-import never removes them.
    """
    kg = open_kg(store, update_endpoint)
    changed = kg.link(element, kind, resource, remove=remove)
    kg.close()
    verb = ("removed" if remove else "added") if changed else (
        "not present" if remove else "already present")
    click.echo(f"{verb}: <{element}> {kind} <{resource}>")


def _as_source_reference(reference: str) -> str:
    """A file path names its source by file: URI, as the importers record it."""
    path = Path(reference)
    return path.resolve().as_uri() if path.exists() else reference
