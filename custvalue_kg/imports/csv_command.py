"""`custvalue-kg import csv DIR` and `custvalue-kg export csv DIR`: the spreadsheet templates."""

from __future__ import annotations

from pathlib import Path

import click

from ..cli_common import open_kg, store_option, update_endpoint_option
from ..import_commands import require_valid_option, write_batch
from .csv_reader import read_folder
from .csv_writer import export_folder

base_option = click.option(
    "--base", metavar="IRI",
    help="Namespace of the ids: an id 'system/crm' stands for <IRI>system/crm (a missing final "
         "'/' is added). Default: https://example.org/<folder name>/. Use the same base to "
         "export and to import.")


@click.command("csv")
@click.argument("folder", metavar="DIR",
                type=click.Path(exists=True, file_okay=False, path_type=Path))
@base_option
@click.option("--graph", metavar="IRI",
              help="The named graph to import into (default: .../graph/source/csv/<folder "
                   "name>).")
@store_option
@update_endpoint_option
@require_valid_option
def import_csv(folder, base, graph, store, update_endpoint, require_valid) -> None:
    """Import a folder of CSV templates (systems.csv, journeys.csv, ...) into its own graph.

    Every row of every file is checked first; the problems are listed by file, row and column
    and nothing is written unless all rows are good. Re-importing the folder replaces its graph.
    """
    kg = open_kg(store, update_endpoint)
    try:
        batch = read_folder(folder, kg, base=base, graph=graph)
        write_batch(kg, batch, require_valid=require_valid)
    finally:
        kg.close()


@click.command("csv")
@click.argument("folder", metavar="DIR", type=click.Path(file_okay=False, path_type=Path))
@base_option
@click.option("--graph", "graphs", multiple=True, metavar="IRI",
              help="Export only from this named graph (repeatable; default: all of them).")
@store_option
@update_endpoint_option
@click.pass_context
def export_csv(ctx, folder, base, graphs, store, update_endpoint) -> None:
    """Write the graph as the CSV template set into DIR (created if missing).

    Every template file is written, with its header row even when empty, as UTF-8 with BOM and
    ',' separators; rows are sorted by id. All files are moved in together at the end.
    """
    # `custvalue-kg export --store X csv DIR` puts the options on the group: honour them too.
    outer = ctx.parent.params if ctx.parent is not None else {}
    store = store or outer.get("store")
    update_endpoint = update_endpoint or outer.get("update_endpoint")
    graphs = list(graphs) or list(outer.get("graphs") or ())
    kg = open_kg(store, update_endpoint)
    try:
        summary = export_folder(kg, folder, base=base, graphs=graphs or None)
    finally:
        kg.close()
    for warning in summary.warnings:
        click.echo(f"warning: {warning}", err=True)
    tallies = ", ".join(f"{n:,} {name}" for name, n in summary.counts.items())
    click.echo(f"wrote {len(summary.counts)} CSV templates ({summary.rows:,} rows) to "
               f"{folder}: {tallies}")
