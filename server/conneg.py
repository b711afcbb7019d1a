"""Content negotiation: pick the best offered media type for an Accept header (RFC 9110)."""

from __future__ import annotations

from collections.abc import Sequence


def parse_accept(header: str | None) -> list[tuple[str, float]]:
    """Media ranges with their q-values, most preferred first (stable for equal q)."""
    if not header:
        return [("*/*", 1.0)]
    ranges = []
    for position, part in enumerate(header.split(",")):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if not media:
            continue
        q = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        ranges.append((media, q, position))
    ranges.sort(key=lambda r: (-r[1], -_specificity(r[0]), r[2]))
    return [(m, q) for m, q, _ in ranges]


def _specificity(media: str) -> int:
    if media == "*/*":
        return 0
    return 1 if media.endswith("/*") else 2


def _matches(media_range: str, offer: str) -> bool:
    if media_range == "*/*":
        return True
    if media_range.endswith("/*"):
        return offer.split("/")[0] == media_range[:-2]
    return media_range == offer


def choose(header: str | None, offers: Sequence[str]) -> str | None:
    """The offer the client prefers most (first offer wins ties), or None if none is acceptable.

    Each offer gets the q of the most specific range that matches it; q=0 excludes it.
    """
    ranges = parse_accept(header)
    best: tuple[float, int, str] | None = None
    for index, offer in enumerate(offers):
        matching = [(_specificity(m), q) for m, q in ranges if _matches(m, offer.lower())]
        if not matching:
            continue
        q = max(matching)[1]
        if q <= 0:
            continue
        key = (q, -index, offer)
        if best is None or key > best:
            best = key
    return best[2] if best else None
