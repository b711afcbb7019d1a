"""The security rules: writes need the token; no server-side request nobody allowed."""

from __future__ import annotations

import hmac
import re

from flask import request
from werkzeug.exceptions import Forbidden

from .context import service

_SERVICE = re.compile(r"\bSERVICE\s+(?:SILENT\s+)?(<[^>]*>|[?$]\w+)", re.IGNORECASE)
_LOAD = re.compile(r"\bLOAD\s+(?:SILENT\s+)?(<[^>]*>)", re.IGNORECASE)


def require_update_token() -> None:
    """Refuse a write unless the server has an update token and the request carries it."""
    token = service().settings.update_token
    if not token:
        raise Forbidden("this service is read-only: start it with --update-token (or "
                        "CUSTVALUE_KG_UPDATE_TOKEN) to allow writes")
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip(), token):
        raise Forbidden("writes need the update token as 'Authorization: Bearer <token>'")


def _masked(sparql: str) -> str:
    """The text with strings and comments blanked, IRIs kept (they are what we check)."""
    return re.sub(r"#[^\n]*|\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\\n]|\\.)*'",
                  lambda m: " " * len(m.group(0)), sparql)


def federated_endpoints(sparql: str) -> list[str]:
    """The SERVICE targets of a query: IRIs, or '?var' for a variable endpoint."""
    return [m.strip("<>") for m in _SERVICE.findall(_masked(sparql))]


def check_federation(sparql: str) -> None:
    """Refuse SERVICE unless every endpoint it names is on the allow-list."""
    allowed = set(service().settings.federation_allowlist)
    for endpoint in federated_endpoints(sparql):
        if endpoint.startswith(("?", "$")):
            raise Forbidden("SERVICE with a variable endpoint is not allowed")
        if endpoint not in allowed:
            raise Forbidden(
                f"SERVICE <{endpoint}> is not allowed: federation reaches only the endpoints "
                "on the allow-list (--federation-allow)"
            )


def check_update_requests(sparql: str) -> None:
    """Refuse LOAD: an update must not make the server fetch a URL a client chose."""
    loads = _LOAD.findall(_masked(sparql))
    if loads:
        raise Forbidden(f"LOAD {loads[0]} is not allowed: the service fetches no URL on a "
                        "client's say-so; load files with the CLI or the Graph Store Protocol")
    check_federation(sparql)
