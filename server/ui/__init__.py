"""The web UI for architects: one module per kind of page, each page also as JSON (and CSV).

Pages are rendered on the server with Jinja (autoescaping on: every value from the graph is
escaped); the few scripts and the stylesheet are served by us, nothing comes from a CDN.
"""

from __future__ import annotations

from flask import Blueprint

blueprint = Blueprint(
    "ui", __name__, template_folder="templates", static_folder="static",
    static_url_path="/static",
)



@blueprint.record_once
def _template_helpers(state) -> None:
    # Globals, not a context processor: imported macros see globals without "with context".
    from .render import compact, resource_url

    state.app.jinja_env.globals.update(resource_url=resource_url, compact=compact)


# Importing the page modules registers their routes on the blueprint.
from . import pages  # noqa: E402,F401
