"""The application factory: one Flask app, a blueprint per concern."""

from __future__ import annotations

import time

from flask import Flask, Response, g, jsonify, request
from werkzeug.exceptions import HTTPException

from custvalue_kg.errors import CustvalueError
from custvalue_kg.kg import KnowledgeGraph

from .context import EXTENSION, Service
from .settings import Settings


def create_app(kg: KnowledgeGraph | None = None, settings: Settings | None = None) -> Flask:
    """Build the service around a knowledge graph (default: in memory with the sample)."""
    app = Flask(__name__, static_folder=None)  # the UI blueprint serves /static
    settings = settings or Settings.from_env()
    kg = kg if kg is not None else KnowledgeGraph.open()
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body
    app.json.sort_keys = False
    app.extensions[EXTENSION] = Service.create(kg, settings)

    from . import api, graph_store, ops, sparql_protocol, ui

    for module in (sparql_protocol, graph_store, api, ops, ui):
        app.register_blueprint(module.blueprint)

    _install_hooks(app, settings)
    return app


def _install_hooks(app: Flask, settings: Settings) -> None:
    @app.before_request
    def _start_timer() -> None:
        g.started = time.perf_counter()

    @app.after_request
    def _finish(response: Response) -> Response:
        if settings.cors_origins:
            response.headers.setdefault("Access-Control-Allow-Origin", settings.cors_origins)
            response.headers.setdefault("Access-Control-Expose-Headers", "Content-Type, Link")
            if request.method == "OPTIONS":
                response.headers["Access-Control-Allow-Methods"] = (
                    "GET, HEAD, POST, PUT, DELETE, OPTIONS")
                response.headers["Access-Control-Allow-Headers"] = (
                    request.headers.get("Access-Control-Request-Headers")
                    or "Content-Type, Accept, Authorization")
                response.headers["Access-Control-Max-Age"] = "600"
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        started = g.get("started")
        if started is not None:
            endpoint = request.url_rule.rule if request.url_rule else "unmatched"
            app.extensions[EXTENSION].metrics.observe(
                endpoint, request.method, response.status_code, time.perf_counter() - started)
        return response

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        """Errors as plain text for protocol clients, JSON under /api."""
        message = error.description or error.name
        if request.path.startswith("/api/"):
            response = jsonify({"error": error.name, "status": error.code, "message": message})
        else:
            response = Response(f"{error.code} {error.name}: {message}\n",
                                mimetype="text/plain")
        response.status_code = error.code or 500
        for name, value in (error.get_headers() or []):
            if name.lower() not in ("content-type", "content-length"):
                response.headers[name] = value
        return response

    @app.errorhandler(CustvalueError)
    def _input_error(error: CustvalueError):
        if request.path.startswith("/api/"):
            return jsonify({"error": "Bad Request", "status": 400, "message": str(error)}), 400
        return Response(f"400 Bad Request: {error}\n", status=400, mimetype="text/plain")
