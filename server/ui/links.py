"""Links from my pages to the pages for one IRI (by path, so a page not built yet only 404s)."""

from __future__ import annotations

from urllib.parse import urlencode

# Pages that show one IRI; anything else goes to the generic resource page.
PAGES = ("resource", "journey", "system", "function")


def page_link(page: str, iri: str | None) -> str | None:
    """/<page>?iri=<urlencoded IRI>, or None when there is no IRI."""
    if not iri:
        return None
    if page not in PAGES:
        raise ValueError(f"unknown page {page!r}")
    return f"/{page}?{urlencode({'iri': iri})}"
