"""`custvalue-kg serve`: the service under waitress (never Flask's debug server)."""

from __future__ import annotations

import signal

import click

from custvalue_kg.cli_common import store_option, update_endpoint_option
from custvalue_kg.kg import KnowledgeGraph

from .app import create_app
from .settings import Settings


@click.command()
@click.argument("data", nargs=-1, metavar="[DATA...]")
@store_option
@update_endpoint_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (127.0.0.1: this machine only).")
@click.option("--port", default=8080, show_default=True, type=int)
@click.option("--update-token", envvar="CUSTVALUE_KG_UPDATE_TOKEN", metavar="TOKEN",
              help="Allow writes from requests carrying 'Authorization: Bearer TOKEN'. "
                   "Without it the service is read-only. Environment: CUSTVALUE_KG_UPDATE_TOKEN.")
@click.option("--query-timeout", type=float, metavar="SECONDS",
              help="Stop queries running longer than this (default 30; 0: no limit). "
                   "Environment: CUSTVALUE_KG_QUERY_TIMEOUT.")
@click.option("--max-rows", type=int, help="Row cap of HTML pages and the JSON/CSV API "
              "(default 10000). Environment: CUSTVALUE_KG_MAX_ROWS.")
@click.option("--max-body", type=int, metavar="BYTES", help="Largest request body accepted "
              "(default 50 MiB). Environment: CUSTVALUE_KG_MAX_BODY.")
@click.option("--cors-origins", metavar="ORIGIN", help="Access-Control-Allow-Origin value "
              "(default *; empty: no CORS). Environment: CUSTVALUE_KG_CORS_ORIGINS.")
@click.option("--federation-allow", "federation_allow", multiple=True, metavar="URL",
              help="A SPARQL endpoint that SERVICE may reach (repeatable); without any, "
                   "SERVICE is refused. Environment: CUSTVALUE_KG_FEDERATION_ALLOWLIST.")
@click.option("--query-workers", type=int, help="Worker processes that run queries "
              "(default 2). Environment: CUSTVALUE_KG_QUERY_WORKERS.")
@click.option("--threads", default=8, show_default=True, type=int,
              help="waitress request threads.")
def serve(data, store, update_endpoint, host, port, update_token, query_timeout, max_rows,
          max_body, cors_origins, federation_allow, query_workers, threads) -> None:
    """Serve the graph: SPARQL 1.1 endpoint, Graph Store, named-query API and web UI.

    With no arguments: an in-memory store with the ontology and the sample enterprise.
    DATA files are loaded (all or nothing) before the service starts.
    """
    import waitress

    kg = KnowledgeGraph.open(store, update_endpoint=update_endpoint)
    if data:
        click.echo(kg.load(data).describe(), err=True)
    settings = Settings.from_env(
        update_token=update_token, query_timeout=query_timeout, max_rows=max_rows,
        max_body=max_body, cors_origins=cors_origins,
        federation_allowlist=tuple(federation_allow) or None, query_workers=query_workers,
    )
    app = create_app(kg, settings)
    mode = "read-write (token required)" if settings.update_token else "read-only"
    click.echo(f"custvalue-kg serving {kg.store.location} on http://{host}:{port}/ ({mode})",
               err=True)
    # SIGTERM (kill, systemd, docker stop) must run the cleanup below, or the query workers
    # outlive the server and keep its stdout/stderr pipes open.
    signal.signal(signal.SIGTERM, _exit)
    try:
        waitress.serve(app, host=host, port=port, threads=threads, ident="custvalue-kg",
                       max_request_body_size=settings.max_body)
    finally:
        app.extensions["custvalue_kg"].close()
        kg.close()


def _exit(signum: int, frame: object) -> None:
    raise SystemExit(0)
