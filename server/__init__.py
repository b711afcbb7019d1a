"""The custvalue-kg web service: SPARQL 1.1 endpoint, Graph Store, named-query API and UI."""

from .app import create_app

__all__ = ["create_app"]
