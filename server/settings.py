"""Service settings: every one documented in the README (a test checks it)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field


def _env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value else default


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


@dataclass(frozen=True)
class Settings:
    """How the service behaves; defaults are the secure ones (read-only, no federation)."""

    # Writes (SPARQL update, Graph Store writes) need this bearer token; None = read-only.
    update_token: str | None = None
    # Seconds a query may run before it is stopped (0 = no limit, queries run in-process).
    query_timeout: float = 30.0
    # Rows at most on HTML pages and in the JSON/CSV API (the SPARQL endpoint is not capped).
    max_rows: int = 10_000
    # Largest request body accepted, in bytes.
    max_body: int = 50 * 1024 * 1024
    # Value of Access-Control-Allow-Origin ("" switches CORS off).
    cors_origins: str = "*"
    # SPARQL endpoints a query may reach with SERVICE; empty = SERVICE refused.
    federation_allowlist: tuple[str, ...] = field(default_factory=tuple)
    # Worker processes that run queries (embedded store with a timeout).
    query_workers: int = 2

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """Settings from CUSTVALUE_KG_* environment variables, then explicit overrides."""
        allow = os.environ.get("CUSTVALUE_KG_FEDERATION_ALLOWLIST", "")
        values: dict[str, object] = {
            "update_token": os.environ.get("CUSTVALUE_KG_UPDATE_TOKEN") or None,
            "query_timeout": _env_float("CUSTVALUE_KG_QUERY_TIMEOUT", 30.0),
            "max_rows": _env_int("CUSTVALUE_KG_MAX_ROWS", 10_000),
            "max_body": _env_int("CUSTVALUE_KG_MAX_BODY", 50 * 1024 * 1024),
            "cors_origins": os.environ.get("CUSTVALUE_KG_CORS_ORIGINS", "*"),
            "federation_allowlist": tuple(u for u in allow.split() if u),
            "query_workers": _env_int("CUSTVALUE_KG_QUERY_WORKERS", 2),
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]
