"""The ``custvalue-kg`` command line.

Exit codes: 0 success (for ``validate``: no violations), 1 SHACL violations, 2 bad input or
usage. Commands from other installed packages (``serve`` from the service) are added through
the ``custvalue_kg.commands`` entry-point group, so this package never imports them.
"""

from __future__ import annotations

import json
import sys
from importlib.metadata import entry_points
from pathlib import Path

import click

from . import __version__
from .catalog import NamedQuery, named_query_from_text, read_query_file
from .cli_common import (
    EXIT_BAD_INPUT,
    EXIT_VIOLATIONS,
    Progress,
    open_kg,
    store_option,
    update_endpoint_option,
)
from .errors import CustvalueError
from .formats import RDF_FORMATS
from .generate import generate_command
from .import_commands import LazyGroup, import_group, link, list_sources, remove_source
from .kg import KnowledgeGraph, ValidationFailed, validate_files
from .results import GRAPH_FORMATS, SELECT_FORMATS


class CommandGroup(click.Group):
    """Turns our errors into one clear line and exit code 2, and loads plug-in commands."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ValidationFailed as exc:
            click.echo(exc.report.to_text(), err=True)
            click.echo(f"error: {exc}", err=True)
            ctx.exit(EXIT_VIOLATIONS)
        except CustvalueError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(EXIT_BAD_INPUT)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(_plugin_commands()))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        command = super().get_command(ctx, name)
        if command is None and name in _plugin_commands():
            command = _plugin_commands()[name].load()
        return command


def _plugin_commands() -> dict:
    return {ep.name: ep for ep in entry_points(group="custvalue_kg.commands")}


@click.group(cls=CommandGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="custvalue-kg")
def main() -> None:
    """custvalue-kg: a knowledge graph of how your organisation creates customer value.

    Without --store every command works on an in-memory store holding the ontology and the
    sample enterprise, so `custvalue-kg query missing-handoffs` answers at once.
    """


@main.command()
@click.argument("sources", nargs=-1, required=True, metavar="FILE|DIR|GLOB...")
@store_option
@update_endpoint_option
@click.option("--graph", metavar="IRI",
              help="Load everything into this named graph (default: one graph per file, named "
                   "by its file: URI).")
@click.option("--format", "fmt", type=click.Choice(sorted(RDF_FORMATS)),
              help="The RDF syntax of all sources (default: from each file's extension).")
@click.option("--append", is_flag=True,
              help="Add to the target graphs instead of replacing their content.")
@click.option("--require-valid", is_flag=True,
              help="Reject the whole load if the store would then have SHACL violations.")
def load(sources, store, update_endpoint, graph, fmt, append, require_valid) -> None:
    """Load RDF files (Turtle, N-Triples, N-Quads, TriG, JSON-LD, RDF/XML) into the store.

    Every file is parsed before anything is written, and the write is one transaction: a
    syntax error (reported with file, line and column) or, with --require-valid, a SHACL
    violation leaves the store exactly as it was.
    """
    kg = open_kg(store, update_endpoint)
    progress = Progress()
    summary = kg.load(sources, graph=graph, fmt=fmt, replace=not append,
                      require_valid=require_valid, progress=progress)
    progress.step("")
    click.echo(summary.describe())
    kg.close()


@main.command()
@click.argument("files", nargs=-1, metavar="[FILE|DIR|GLOB...]")
@store_option
@update_endpoint_option
@click.option("--shapes", "extra_shapes", multiple=True, type=click.Path(exists=True),
              metavar="FILE", help="Additional SHACL shapes (repeatable).")
@click.option("--format", "fmt", type=click.Choice(["text", "turtle", "json"]), default="text",
              show_default=True, help="Report format.")
def validate(files, store, update_endpoint, extra_shapes, fmt) -> None:
    """Validate data against the shipped SHACL shapes (and --shapes).

    With FILEs, validates those files (with the reference schemes); otherwise the store.
    Exit code 0: no violations (warnings and info allowed); 1: violations; 2: bad input.
    """
    progress = Progress()
    if files:
        report = validate_files(files, extra_shapes=extra_shapes, progress=progress)
    else:
        kg = open_kg(store, update_endpoint)
        progress.step("validating ...")
        report = kg.validate(extra_shapes=extra_shapes)
        kg.close()
    if fmt == "json":
        click.echo(json.dumps(report.to_json(), indent=2))
    elif fmt == "turtle":
        click.echo(report.to_turtle())
    else:
        click.echo(report.to_text())
    sys.exit(0 if report.conforms else EXIT_VIOLATIONS)


@main.command("queries")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
def list_queries(fmt) -> None:
    """List the named queries with their parameters."""
    from .catalog import QueryCatalog

    catalog = QueryCatalog.default()
    if fmt == "json":
        data = [{k: v for k, v in q.to_dict().items() if k != "sparql"} for q in catalog]
        click.echo(json.dumps(data, indent=2))
        return
    for q in catalog:
        number = f"CQ{q.question}" if q.question else "   "
        click.echo(f"{q.name}  [{number}]  {q.title}")
        for p in q.parameters:
            need = "required" if p.required else "optional"
            extra = f", e.g. {p.example}" if p.example else ""
            click.echo(f"    --param {p.name}=<{p.type}>  ({need}{extra}) {p.description}")


def _resolve_query(kg: KnowledgeGraph, reference: str) -> NamedQuery:
    if reference == "-":
        return named_query_from_text(sys.stdin.read(), name="stdin")
    path = Path(reference)
    if reference.endswith(".rq") or (path.is_file() and reference not in kg.catalog):
        if not path.is_file():
            raise CustvalueError(f"{reference}: no such query file")
        return read_query_file(path)
    return kg.catalog.get(reference)


def _parse_params(values: tuple[str, ...]) -> dict[str, str]:
    params: dict[str, str] = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise CustvalueError(f"--param {item!r}: write it as name=value")
        if name in params:
            raise CustvalueError(f"--param {name} is given twice")
        params[name] = value
    return params


@main.command()
@click.argument("reference", metavar="NAME|FILE|-")
@click.option("--param", "-p", "params", multiple=True, metavar="NAME=VALUE",
              help="A parameter value (repeatable); typed and bound as an RDF term.")
@click.option("--format", "fmt", type=click.Choice(SELECT_FORMATS + GRAPH_FORMATS),
              default="table", show_default=True,
              help="Result format (CONSTRUCT results: an RDF format, default Turtle).")
@store_option
@update_endpoint_option
def query(reference, params, fmt, store, update_endpoint) -> None:
    """Run a named query (see `custvalue-kg queries`), a .rq file, or SPARQL from stdin (-)."""
    kg = open_kg(store, update_endpoint)
    named = _resolve_query(kg, reference)
    bindings = named.bind(_parse_params(params))
    result = kg.store.query(named.text, bindings)
    click.echo(result.serialize(fmt), nl=False)
    kg.close()


@main.group(cls=LazyGroup, invoke_without_command=True,
            lazy={"csv": "custvalue_kg.imports.csv_command:export_csv"})
@store_option
@update_endpoint_option
@click.option("--format", "fmt", type=click.Choice(sorted(RDF_FORMATS)), default="trig",
              show_default=True, help="Triple formats (turtle, ...) get the union of the graphs.")
@click.option("--graph", "graphs", multiple=True, metavar="IRI",
              help="Export only this named graph (repeatable).")
@click.option("--context", is_flag=True,
              help="JSON-LD only: compact it with the ontology's @context "
                   "(https://w3id.org/custvalue/context.jsonld).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True),
              help="Write to this file instead of stdout (written whole, or not at all).")
@click.pass_context
def export(ctx, store, update_endpoint, fmt, graphs, context, output) -> None:
    """Export the named graphs as TriG, N-Quads, Turtle, N-Triples, JSON-LD or RDF/XML.

    `custvalue-kg export csv DIR` writes the spreadsheet templates instead.
    """
    if ctx.invoked_subcommand is not None:
        return
    kg = open_kg(store, update_endpoint)
    data = kg.export(fmt, list(graphs) or None, context=context)
    kg.close()
    if output:
        target = Path(output)
        partial = target.with_name(target.name + ".partial")
        partial.write_bytes(data)
        partial.replace(target)  # atomic: a reader never sees half a file
        click.echo(f"wrote {len(data):,} bytes to {target}", err=True)
    else:
        sys.stdout.buffer.write(data)


@main.command()
@store_option
@update_endpoint_option
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
def stats(store, update_endpoint, fmt) -> None:
    """Named graphs with triple counts, and instances per ontology class."""
    kg = open_kg(store, update_endpoint)
    result = kg.stats()
    kg.close()
    if fmt == "json":
        click.echo(json.dumps(result.to_dict(), indent=2))
        return
    click.echo(f"{result.triples:,} triples in {len(result.graphs)} named graphs")
    for graph, count in result.graphs:
        click.echo(f"  {count:>10,}  {graph}")
    click.echo("instances per class")
    for _, label, count in result.classes:
        click.echo(f"  {count:>10,}  {label}")


main.add_command(import_group)
main.add_command(list_sources)
main.add_command(remove_source)
main.add_command(link)
main.add_command(generate_command)


if __name__ == "__main__":  # pragma: no cover
    main()
