"""Every setting and every endpoint of the service is documented in the README."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from server import create_app
from server.cli import serve
from server.settings import Settings

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_every_setting_has_a_documented_option_and_environment_variable() -> None:
    options = {opt for param in serve.params for opt in getattr(param, "opts", [])}
    fields = [f.name for f in dataclasses.fields(Settings)]
    assert len(fields) >= 7
    for name in fields:
        option = "--" + name.replace("_", "-")
        option = {"--federation-allowlist": "--federation-allow"}.get(option, option)
        assert option in options, f"setting {name} has no serve option {option}"
        assert f"`{option}" in README, f"README does not document {option}"
        variable = "CUSTVALUE_KG_" + name.upper()
        assert variable in README, f"README does not document {variable}"
    for param in serve.params:
        for opt in getattr(param, "opts", []):
            if opt.startswith("--"):
                assert opt in README, f"README does not document serve option {opt}"


def test_every_endpoint_is_documented() -> None:
    app = create_app()
    try:
        rules = {r.rule for r in app.url_map.iter_rules() if r.endpoint != "static"}
        assert {"/sparql", "/rdf-graph-store", "/api/queries", "/healthz", "/metrics"} <= rules
        for rule in rules:
            documented = re.sub(r"<[^>]+>", "", rule).rstrip("/") or "/"
            assert f"`{documented}" in README or f"{documented} " in README, \
                f"README does not document {rule}"
    finally:
        app.extensions["custvalue_kg"].close()
