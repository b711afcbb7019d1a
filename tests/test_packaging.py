"""The package carries its declarative assets, and the README documents what ships."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

import custvalue_kg
from custvalue_kg import assets
from custvalue_kg.catalog import QueryCatalog
from custvalue_kg.cli import main

README = Path(__file__).resolve().parent.parent / "README.md"


def test_every_asset_kind_is_found_with_its_files() -> None:
    expected = {"ontology": "custvalue.ttl", "shapes": "*.ttl", "queries": "*.rq",
                "examples": "sample-enterprise.ttl", "mappings": "archimate.yaml"}
    package_dir = Path(custvalue_kg.__file__).resolve().parent
    installed = "site-packages" in package_dir.parts
    for kind, pattern in expected.items():
        folder = assets.asset_dir(kind)
        assert list(folder.glob(pattern)), f"{kind} assets missing in {folder}"
        if installed:  # a regular install must not depend on the source checkout
            assert folder.is_relative_to(package_dir / "assets"), folder


def test_shipped_mappings_are_found_by_name() -> None:
    assert assets.mapping_file("archimate") == assets.asset_dir("mappings") / "archimate.yaml"
    assert assets.mapping_file("archimate.yaml").is_file()
    with pytest.raises(FileNotFoundError):
        assets.mapping_file("no-such-importer")


def test_readme_documents_every_named_query_and_command() -> None:
    text = README.read_text(encoding="utf-8")
    for query in QueryCatalog.default():
        assert f"`{query.name}`" in text, f"README does not document query {query.name}"
    commands = command_paths(main)
    assert {"load", "import archimate", "import csv", "export csv", "sources"} <= set(commands)
    for command in commands:
        assert re.search(rf"custvalue-kg {command}\b", text), f"README lacks `{command}`"
    assert "make run" in text and "make test" in text


def command_paths(group: click.Group, prefix: str = "") -> list[str]:
    """Every command and subcommand of the CLI, as typed after `custvalue-kg`."""
    ctx = click.Context(group)
    found = []
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        found.append(prefix + name)
        if isinstance(command, click.Group):
            found += command_paths(command, f"{prefix}{name} ")
    return found
