"""Page modules register here; each adds its routes to the UI blueprint."""

from __future__ import annotations

import importlib

PAGE_MODULES = ("overview", "journey", "system", "function", "resource", "validation_page",
                "editor", "search", "architecture")

for _name in PAGE_MODULES:
    try:
        importlib.import_module(f"{__package__}.{_name}")
    except ModuleNotFoundError as exc:  # a page not written yet must not break the others
        if exc.name != f"{__package__}.{_name}":
            raise
