"""Operations: /healthz (is the store answering) and /metrics (Prometheus text format)."""

from __future__ import annotations

import json

from flask import Blueprint, Response, jsonify

from custvalue_kg.errors import CustvalueError
from custvalue_kg.executor import make_request

from .context import service

blueprint = Blueprint("ops", __name__)

PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# Seconds a health probe waits for the store; a probe must answer quickly either way.
HEALTH_TIMEOUT = 5.0
_ASK = "ASK {}"
# Quads in named graphs: the sum of `custvalue-kg stats`' per-graph counts.
_COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


@blueprint.get("/healthz")
def healthz() -> Response:
    """200 when a trivial ASK goes through the executor to the store, 503 otherwise."""
    svc = service()
    location = svc.kg.store.location
    try:
        # Through the executor, so a probe also notices dead or stuck query workers.
        answer = svc.executor.run(make_request(_ASK), timeout=HEALTH_TIMEOUT)
        if json.loads(answer.body).get("boolean") is not True:
            raise CustvalueError("the store answered ASK {} with false")
    except CustvalueError as exc:
        response = jsonify({"status": "unavailable", "store": location, "error": str(exc)})
        response.status_code = 503
        return _no_cache(response)
    try:
        counted = svc.executor.run(make_request(_COUNT), timeout=HEALTH_TIMEOUT).result()
        triples: int | None = int(counted.rows[0][0])  # type: ignore[arg-type]
    except CustvalueError:
        triples = None  # the store answers; counting a very large one may take too long
    return _no_cache(jsonify({"status": "ok", "store": location, "triples": triples}))


@blueprint.get("/metrics")
def metrics() -> Response:
    """Request counts, latency histograms and query timeouts, in Prometheus text 0.0.4."""
    return _no_cache(Response(service().metrics.render(), content_type=PROMETHEUS_CONTENT_TYPE))


def _no_cache(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.get("/context.jsonld")
def jsonld_context() -> Response:
    """The ontology's JSON-LD @context (published as https://w3id.org/custvalue/context.jsonld)."""
    from custvalue_kg.jsonld import shipped_context

    response = Response(json.dumps(shipped_context(), indent=2),
                        mimetype="application/ld+json")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response
