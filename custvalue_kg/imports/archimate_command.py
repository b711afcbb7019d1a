"""``custvalue-kg import archimate FILE``: an ArchiMate model into its own named graph."""

from __future__ import annotations

from pathlib import Path

import click

from .. import assets
from ..cli_common import open_kg, store_option, update_endpoint_option
from ..import_commands import require_valid_option, write_batch
from .archimate import archimate_batch
from .archimate_mapping import load_mapping
from .archimate_xml import read_archimate


@click.command("archimate")
@click.argument("file", type=click.Path(path_type=Path), metavar="FILE")
@store_option
@update_endpoint_option
@click.option("--mapping", type=click.Path(path_type=Path), metavar="FILE",
              help="A YAML mapping from ArchiMate types to customer-value classes and links, "
                   "replacing the shipped mappings/archimate.yaml.")
@click.option("--base", metavar="IRI",
              help="Base IRI of the model's resources (ending in / or #); each element and "
                   "relationship is the base followed by its identifier. Default: "
                   "https://w3id.org/custvalue/archimate/model/{model identifier}/")
@click.option("--graph", metavar="IRI",
              help="The named graph to import into. Default: "
                   "https://w3id.org/custvalue/graph/source/archimate/{model identifier}")
@require_valid_option
def archimate(file: Path, store: str | None, update_endpoint: str | None,
              mapping: Path | None, base: str | None, graph: str | None,
              require_valid: bool) -> None:
    """Import an ArchiMate model: an Open Group exchange file (.xml) or an Archi .archimate file.

    Elements, relationships, properties, property definitions and organizations become RDF
    (namespace archi:); views are counted, not converted. Elements are linked to the resources
    of the store they correspond to (explicit 'custvalue' property or same name), as the
    mapping says. Any defect in the file stops the import before anything is written.
    """
    rules = load_mapping(mapping if mapping is not None else assets.mapping_file("archimate"))
    model = read_archimate(file)  # a bad file fails before the store is even opened
    kg = open_kg(store, update_endpoint)
    try:
        batch = archimate_batch(model, kg, rules, base=base, graph=graph)
        write_batch(kg, batch, require_valid=require_valid)
    finally:
        kg.close()
