"""Work-system pages: /systems (all systems by type) and /system?iri= (one system).

A customer-facing system shows its market promise, value stream owner, segments, flight
levels, offerings, functions, channels, journeys, and a small graph of the systems it depends
on / relies on and the pop-ups it triggered. Supporting, enabling and pop-up systems show
their type, description and the customer-facing systems that use or triggered them.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Mapping
from urllib.parse import urlencode

from flask import Response, request
from rdflib import URIRef
from rdflib.term import Node

from custvalue_kg.namespaces import PREFIXES
from custvalue_kg.parameters import is_absolute_iri

from ..context import service
from . import blueprint
from .render import prologue, respond, run_query

CV = PREFIXES["cv"]
CFS = CV + "CustomerFacingSystem"
SYSTEM_CLASSES = {  # class -> heading, in the order /systems lists them
    CFS: "Customer-facing systems",
    CV + "SupportingSystem": "Supporting systems",
    CV + "EnablingSystem": "Enabling systems",
    CV + "PopUpSystem": "Pop-up systems",
    CV + "WorkSystem": "Other work systems",
}
TYPE_NAMES = {CFS: "Customer-facing system", CV + "SupportingSystem": "Supporting system",
              CV + "EnablingSystem": "Enabling system", CV + "PopUpSystem": "Pop-up system",
              CV + "WorkSystem": "Work system"}


# ---------------------------------------------------------------- helpers shared with function.py

def page_url(path: str, iri: str) -> str:
    """Link to another UI page by path (those pages may live in modules written by others)."""
    return f"{request.script_root}{path}?{urlencode({'iri': iri})}"


def item(iri: str | Node | None, label: str | Node | None = None, path: str = "/resource",
         **extra: object) -> dict[str, object] | None:
    """An IRI with its label and the URL of its page, as pages and JSON twins show it."""
    if iri is None:
        return None
    text = str(iri)
    return {"iri": text, "label": str(label) if label is not None else text,
            "url": page_url(path, text), **extra}


def text(term: Node | None) -> str | None:
    return None if term is None else str(term)


def requested_iri() -> str | None:
    """The ?iri= parameter when it is a well-formed IRI (anything else is a 404)."""
    raw = (request.args.get("iri") or "").strip()
    return raw if raw and is_absolute_iri(raw) else None


def not_found(kind: str, iri: str | None, reason: str, *, known: bool = False) -> Response:
    """A 404 page that says why, linking to the resource page when the IRI exists."""
    data = {"error": "not found", "status": 404, "kind": kind, "iri": iri, "message": reason,
            "resource": page_url("/resource", iri) if iri and known else None}
    return respond("system_function_404.html", data, title=f"No such {kind}", status=404)


def named_rows(name: str, values: Mapping[str, str | None] | None = None) -> list[dict]:
    """Rows of a named query (parameters bound as RDF terms, never pasted in) as dicts."""
    named = service().kg.catalog.get(name)
    return run_query(named.text, named.bind(values or {})).dicts()


def describe(iri: str) -> tuple[bool, dict[str, list[tuple[Node, str | None]]]]:
    """Whether the IRI occurs at all, and its outgoing values per predicate with labels."""
    query = prologue() + """
SELECT ?p ?o (SAMPLE(?l) AS ?label) WHERE {
  ?s ?p ?o . OPTIONAL { ?o rdfs:label|skos:prefLabel ?l }
} GROUP BY ?p ?o"""
    values: dict[str, list[tuple[Node, str | None]]] = {}
    for row in run_query(query, {"s": URIRef(iri)}).dicts():
        values.setdefault(str(row["p"]), []).append((row["o"], text(row.get("label"))))
    # an IRI only used as an object still exists (its /resource page has something to show)
    exists = bool(values) or bool(run_query("ASK { ?x ?y ?s }", {"s": URIRef(iri)}).boolean)
    for found in values.values():
        found.sort(key=lambda pair: (pair[1] or str(pair[0])).lower())
    return exists, values


def first(values: Mapping[str, list[tuple[Node, str | None]]], prop: str) -> str | None:
    found = values.get(prop) or []
    return str(found[0][0]) if found else None


def items(values: Mapping[str, list[tuple[Node, str | None]]], prop: str,
          path: str = "/resource") -> list[dict]:
    return [item(o, label, path) for o, label in values.get(prop, []) if isinstance(o, URIRef)]


def label_of(values: Mapping[str, list[tuple[Node, str | None]]], iri: str) -> str:
    return (first(values, PREFIXES["rdfs"] + "label")
            or first(values, PREFIXES["skos"] + "prefLabel") or iri)


# ---------------------------------------------------------------- the small graph

NODE_W, NODE_H, CENTRE_W, CENTRE_H = 230, 56, 250, 72
ROW_GAP, COL_GAP, MARGIN = 84, 150, 16


def _lines(label: str, width: int = 28) -> list[str]:
    lines = textwrap.wrap(label, width) or [label]
    if len(lines) > 2:  # two lines fit a box; the full label is in the <title> and the list
        lines = [lines[0], textwrap.shorten(" ".join(lines[1:]), width, placeholder="…")]
    return lines


def diagram(centre: Mapping[str, object], neighbours: Iterable[Mapping[str, object]]) -> dict:
    """Geometry of a star graph: left/right columns and a bottom row around the centre.

    Each neighbour has ``side`` (left, right or bottom), ``edge`` (the label on its line) and
    ``outgoing`` (arrow from the centre to it, else from it to the centre). Only numbers and
    text are computed here; the SVG is written by the template, so every label is escaped.
    """
    sides: dict[str, list[Mapping[str, object]]] = {"left": [], "right": [], "bottom": []}
    for n in neighbours:
        sides[str(n["side"])].append(n)
    rows = max(len(sides["left"]), len(sides["right"]), 1)
    column_h = rows * ROW_GAP
    bottom = sides["bottom"]
    width = max(2 * MARGIN + 2 * NODE_W + 2 * COL_GAP + CENTRE_W,
                2 * MARGIN + len(bottom) * (NODE_W + 24))
    mid = width / 2
    cy = MARGIN + column_h / 2
    height = MARGIN * 2 + column_h + (ROW_GAP + NODE_H if bottom else 0)
    box = {"x": mid - CENTRE_W / 2, "y": cy - CENTRE_H / 2, "w": CENTRE_W, "h": CENTRE_H,
           "lines": _lines(str(centre["label"]), 30), **centre}
    nodes = []
    for side, members in sides.items():
        for i, n in enumerate(members):
            if side == "bottom":
                x = mid - len(members) * (NODE_W + 24) / 2 + 12 + i * (NODE_W + 24)
                y = MARGIN + column_h + ROW_GAP
                a, b = (mid, cy + CENTRE_H / 2), (x + NODE_W / 2, y)
            else:
                x = MARGIN if side == "left" else width - MARGIN - NODE_W
                y = MARGIN + (column_h - len(members) * ROW_GAP) / 2 + i * ROW_GAP \
                    + (ROW_GAP - NODE_H) / 2
                edge_x = box["x"] if side == "left" else box["x"] + CENTRE_W
                # spread the lines over the centre's side so arrowheads do not pile up
                spread = min(16, (CENTRE_H - 20) / max(len(members) - 1, 1))
                a = (edge_x, cy + (i - (len(members) - 1) / 2) * spread)
                b = (x + NODE_W if side == "left" else x, y + NODE_H / 2)
            start, end = (a, b) if n.get("outgoing", True) else (b, a)
            # the label sits two thirds of the way towards the neighbour, clear of the centre
            lx, ly = a[0] + (b[0] - a[0]) * 0.62, a[1] + (b[1] - a[1]) * 0.62 - 6
            nodes.append({**n, "x": x, "y": y, "w": NODE_W, "h": NODE_H,
                          "lines": _lines(str(n["label"])),
                          "x1": start[0], "y1": start[1], "x2": end[0], "y2": end[1],
                          "lx": lx, "ly": ly})
    return {"width": round(width), "height": round(height), "centre": box, "nodes": nodes}


# ---------------------------------------------------------------- /systems

SYSTEMS_QUERY = prologue() + """
SELECT ?system ?class (SAMPLE(?l) AS ?label) (SAMPLE(?p) AS ?promise)
       (GROUP_CONCAT(DISTINCT ?fl; separator=", ") AS ?levels)
WHERE {
  VALUES ?class { cv:CustomerFacingSystem cv:SupportingSystem cv:EnablingSystem cv:PopUpSystem }
  ?system a ?class .
  OPTIONAL { ?system rdfs:label ?l }
  OPTIONAL { ?system cv:marketPromise ?p }
  OPTIONAL { ?system cv:flightLevel/skos:prefLabel ?fl }
} GROUP BY ?system ?class ORDER BY ?class ?label ?system"""


@blueprint.route("/systems")
def systems() -> Response:
    groups: dict[str, list[dict]] = {cls: [] for cls in SYSTEM_CLASSES}
    for row in run_query(SYSTEMS_QUERY).dicts():
        cls = str(row["class"])
        groups[cls].append(item(row["system"], row.get("label"), "/system",
                                type=TYPE_NAMES[cls], market_promise=text(row.get("promise")),
                                flight_levels=text(row.get("levels")) or None))
    data = {"groups": [{"type": TYPE_NAMES[cls], "heading": SYSTEM_CLASSES[cls],
                        "systems": members} for cls, members in groups.items() if members]}
    rows = [(s["type"], s["iri"], s["label"], s["market_promise"], s["flight_levels"])
            for g in data["groups"] for s in g["systems"]]
    return respond("systems.html", data, title="Work systems",
                   table=(["type", "system", "label", "market_promise", "flight_levels"], rows))


# ---------------------------------------------------------------- /system?iri=

JOURNEYS_QUERY = prologue() + """
SELECT ?journey (SAMPLE(?l) AS ?label) (SAMPLE(?seg) AS ?segment) (SAMPLE(?sl) AS ?segmentLabel)
       (SAMPLE(?ml) AS ?model) (COUNT(DISTINCT ?stage) AS ?stages)
WHERE {
  ?journey cv:journeyOf ?system .
  OPTIONAL { ?journey rdfs:label ?l }
  OPTIONAL { ?journey cv:forSegment ?seg OPTIONAL { ?seg rdfs:label ?sl } }
  OPTIONAL { ?journey cv:stageModel/skos:prefLabel ?ml }
  OPTIONAL { { ?journey cv:hasStage ?stage } UNION { ?stage cv:stageOf ?journey } }
} GROUP BY ?journey ORDER BY ?label ?journey"""

USERS_QUERY = prologue() + """
SELECT DISTINCT ?user ?relation (SAMPLE(?l) AS ?label) ?cfs WHERE {
  VALUES ?relation { cv:dependsOn cv:reliesOn cv:triggered }
  { ?user ?relation ?system }
  UNION { ?system cv:triggeredBy ?user BIND (cv:triggered AS ?relation) }
  OPTIONAL { ?user rdfs:label ?l }
  OPTIONAL { ?user a cv:CustomerFacingSystem BIND (true AS ?cfs) }
} GROUP BY ?user ?relation ?cfs ORDER BY ?label ?user"""

RELATION_TEXT = {CV + "dependsOn": "depends on", CV + "reliesOn": "relies on",
                 CV + "triggered": "triggered"}


def _system_type(values: Mapping[str, list]) -> str | None:
    classes = {str(o) for o, _ in values.get(PREFIXES["rdf"] + "type", [])}
    return next((cls for cls in SYSTEM_CLASSES if cls in classes), None)


def _customer_facing(iri: str, values: Mapping[str, list]) -> dict:
    bound = {"system": iri}
    dependencies = named_rows("system-dependencies", bound)
    owners = [r for r in named_rows("value-stream-owners") if str(r["system"]) == iri]
    popups = [r for r in named_rows("popup-triggers") if str(r.get("system")) == iri]
    supporting = [item(r["dependency"], r.get("dependencyLabel"),
                       relation=RELATION_TEXT[str(r["relation"])],
                       type=text(r.get("dependencyTypeLabel")))
                  for r in dependencies if str(r["relation"]) == CV + "dependsOn"]
    enabling = [item(r["dependency"], r.get("dependencyLabel"),
                     relation=RELATION_TEXT[str(r["relation"])],
                     type=text(r.get("dependencyTypeLabel")))
                for r in dependencies if str(r["relation"]) == CV + "reliesOn"]
    triggered = [item(r["popUp"], r.get("popUpLabel"), purpose=text(r.get("purposeLabel")),
                      reason=text(r.get("reason")), active_from=text(r.get("activeFrom")),
                      active_until=text(r.get("activeUntil"))) for r in popups]
    for group in (supporting, enabling, triggered):  # other systems' pages are /system too
        for entry in group:
            entry["url"] = page_url("/system", entry["iri"])
    journeys = [item(r["journey"], r.get("label"), "/journey",
                     segment=item(r.get("segment"), r.get("segmentLabel")),
                     stage_model=text(r.get("model")), stages=int(r["stages"].toPython()))
                for r in run_query(JOURNEYS_QUERY, {"system": URIRef(iri)}).dicts()]
    return {
        "market_promise": first(values, CV + "marketPromise"),
        "value_streams": [
            {**item(r.get("valueStream"), r.get("valueStreamLabel")),
             "owner": item(r.get("owner"), r.get("ownerLabel")),
             "holder": item(r.get("holder"), r.get("holderLabel"))}
            for r in owners if r.get("valueStream") is not None],
        "segments": items(values, CV + "servesSegment"),
        "offerings": items(values, CV + "offering"),
        "functions": items(values, CV + "integratesFunction", "/function"),
        "channels": items(values, CV + "integratesChannel"),
        "depends_on": supporting,
        "relies_on": enabling,
        "triggered": triggered,
        "journeys": journeys,
    }


def _used_by(iri: str) -> list[dict]:
    users = []
    for r in run_query(USERS_QUERY, {"system": URIRef(iri)}).dicts():
        path = "/system" if r.get("cfs") is not None else "/resource"
        users.append(item(r["user"], r.get("label"), path,
                          relation=RELATION_TEXT[str(r["relation"])]))
    return users


@blueprint.route("/system")
def system() -> Response:
    iri = requested_iri()
    if iri is None:
        return not_found("work system", None, "Give the IRI of a work system as ?iri=; "
                         "the list of all systems is at /systems.")
    exists, values = describe(iri)
    if not exists:
        return not_found("work system", iri, "Nothing in the knowledge graph has this IRI.")
    cls = _system_type(values)
    if cls is None:
        return not_found("work system", iri, "This IRI is in the graph, but it is not a work "
                         "system (customer-facing, supporting, enabling or pop-up).", known=True)
    data: dict[str, object] = {
        "iri": iri,
        "label": label_of(values, iri),
        "type": TYPE_NAMES[cls],
        "customer_facing": cls == CFS,
        "description": first(values, PREFIXES["rdfs"] + "comment"),
        "system_type": items(values, CV + "systemType"),
        "flight_levels": items(values, CV + "flightLevel"),
        "value_focus": items(values, CV + "valueFocus"),
        "active_from": first(values, CV + "activeFrom"),
        "active_until": first(values, CV + "activeUntil"),
        "resource": page_url("/resource", iri),
    }
    centre = {"iri": iri, "label": data["label"], "type": TYPE_NAMES[cls]}
    if cls == CFS:
        data.update(_customer_facing(iri, values))
        neighbours = (
            [{**n, "side": "left", "edge": "depends on", "kind": "supporting"}
             for n in data["depends_on"]]
            + [{**n, "side": "right", "edge": "relies on", "kind": "enabling"}
               for n in data["relies_on"]]
            + [{**n, "side": "bottom", "kind": "popup",
                "edge": "triggered" + (f" ({n['purpose']})" if n.get("purpose") else "")}
               for n in data["triggered"]])
    else:
        data["purpose"] = items(values, CV + "triggerPurpose")
        data["trigger_reason"] = first(values, CV + "triggerReason")
        data["used_by"] = _used_by(iri)
        neighbours = [{**n, "side": "left", "edge": n["relation"], "outgoing": False,
                       "kind": "customer-facing"} for n in data["used_by"]]
    data["graph"] = diagram(centre, neighbours) if neighbours else None
    return respond("system.html", data, title=str(data["label"]))
