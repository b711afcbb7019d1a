"""The journey page: a swimlane / service-blueprint picture of one customer journey.

Stages are columns (grouped by phase), covering functions are lanes, coverage cells carry
their characteristics, hand-offs are arrows between lanes; missing hand-offs, uncovered
stages and an unmonitored journey are drawn so they jump out. `/journeys` lists all journeys.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from dataclasses import dataclass, field

from flask import Response, request
from rdflib import URIRef
from rdflib.term import Node

from custvalue_kg.parameters import is_absolute_iri

from ..context import service
from . import blueprint
from .render import prologue, respond, run_query, term_json

CHARACTERISTIC_LETTERS = {"functional": "F", "social": "S", "emotional": "E"}

# Layout of the picture, in SVG user units (pixels at 100 % zoom).
LANE_LABEL_W = 180
FIT_WIDTH = 1150  # the main column at 1366 px: up to eight stages fit without scrolling
COL_W_MIN, COL_W_MAX = 112, 176
LANE_H = 70
HEADER_H = 56
PHASE_H = 26
LOOP_H = 60
MARGIN = 12
CELL_PAD_X = 21  # the gap between cells is where hand-off arrows run
CELL_PAD_Y = 13

STAGES_QUERY = """
SELECT ?stage ?label ?position ?type ?typeLabel ?phase ?phaseLabel ?phasePosition ?renewsTo
WHERE {
  { ?journey cv:hasStage ?stage } UNION { ?stage cv:stageOf ?journey }
  OPTIONAL { ?stage rdfs:label ?label }
  OPTIONAL { ?stage cv:stagePosition ?position }
  OPTIONAL { ?stage cv:renewsTo ?renewsTo }
  OPTIONAL {
    ?stage cv:stageType ?type .
    OPTIONAL { ?type skos:prefLabel ?typeLabel }
    OPTIONAL {
      ?type cv:phase ?phase .
      OPTIONAL { ?phase skos:prefLabel ?phaseLabel }
      OPTIONAL { ?phase cv:referencePosition ?phasePosition }
    }
  }
}
"""

HEADER_QUERY = """
SELECT ?type ?label ?segment ?segmentLabel ?system ?systemLabel ?model ?modelLabel
       ?monitor ?monitorLabel ?loop ?loopLabel ?loopFrom ?loopTo
WHERE {
  { ?journey a ?type } UNION { ?journey cv:hasStage ?anyStage }
  OPTIONAL { ?journey rdfs:label ?label }
  OPTIONAL { ?journey cv:forSegment ?segment .
             OPTIONAL { ?segment rdfs:label ?segmentLabel } }
  OPTIONAL { ?journey cv:journeyOf ?system .
             OPTIONAL { ?system rdfs:label ?systemLabel } }
  OPTIONAL { ?journey cv:stageModel ?model .
             OPTIONAL { ?model skos:prefLabel ?modelLabel } }
  OPTIONAL { ?journey cv:monitoredBy ?monitor .
             OPTIONAL { ?monitor rdfs:label ?monitorLabel } }
  OPTIONAL { ?journey cv:hasRenewalLoop ?loop .
             OPTIONAL { ?loop rdfs:label ?loopLabel }
             OPTIONAL { ?loop cv:loopFrom ?loopFrom }
             OPTIONAL { ?loop cv:loopTo ?loopTo } }
}
"""

# The shortcut cv:coversStage also counts as coverage (the matrix query reads only
# qualified cv:StageCoverage nodes).
SHORTCUT_QUERY = """
SELECT DISTINCT ?stage ?function ?functionLabel WHERE {
  { ?journey cv:hasStage ?stage } UNION { ?stage cv:stageOf ?journey }
  ?function cv:coversStage ?stage .
  OPTIONAL { ?function rdfs:label ?functionLabel }
}
"""

HANDOFF_QUERY = """
SELECT DISTINCT ?handoff ?label ?fromFunction ?fromFunctionLabel ?toFunction ?toFunctionLabel
       ?fromStage ?toStage ?handsOver
WHERE {
  { ?journey cv:hasStage ?fromStage } UNION { ?fromStage cv:stageOf ?journey }
  ?handoff cv:fromStage ?fromStage ;
           cv:toStage ?toStage ;
           cv:fromFunction ?fromFunction ;
           cv:toFunction ?toFunction .
  OPTIONAL { ?handoff rdfs:label ?label }
  OPTIONAL { ?handoff cv:handsOver ?handsOver }
  OPTIONAL { ?fromFunction rdfs:label ?fromFunctionLabel }
  OPTIONAL { ?toFunction rdfs:label ?toFunctionLabel }
}
"""

# Challenges and benefits at the journey's stages, with the jobs they touch.
STAGE_VALUE_QUERY = """
SELECT DISTINCT ?stage ?what ?item ?itemLabel ?kind ?kindLabel ?addressed ?job ?jobLabel
WHERE {
  { ?journey cv:hasStage ?stage } UNION { ?stage cv:stageOf ?journey }
  {
    ?item cv:occursAt ?stage ; a ?kind .
    ?kind rdfs:subClassOf* cv:Challenge .
    FILTER (?kind != cv:Challenge)
    OPTIONAL { ?kind rdfs:label ?kindLabel }
    OPTIONAL { ?item cv:hinders ?job }
    BIND ("challenge" AS ?what)
    BIND (EXISTS { ?anything cv:addresses ?item } AS ?addressed)
  } UNION {
    ?item cv:realisedAt ?stage .
    OPTIONAL { ?item cv:benefitOf ?job }
    BIND ("benefit" AS ?what)
  }
  OPTIONAL { ?item rdfs:label ?itemLabel }
  OPTIONAL { ?job rdfs:label ?jobLabel }
}
"""

JOBS_QUERY = """
SELECT DISTINCT ?job ?jobLabel WHERE {
  ?journey cv:servesJob ?job .
  OPTIONAL { ?job rdfs:label ?jobLabel }
}
"""

JOURNEYS_QUERY = """
SELECT ?journey (SAMPLE(?l) AS ?label) (SAMPLE(?seg) AS ?segment)
       (SAMPLE(?segL) AS ?segmentLabel) (SAMPLE(?sys) AS ?system)
       (SAMPLE(?sysL) AS ?systemLabel) (SAMPLE(?m) AS ?model) (SAMPLE(?mL) AS ?modelLabel)
       (COUNT(DISTINCT ?stage) AS ?stages) (SAMPLE(?mon) AS ?monitor)
       (SAMPLE(?monL) AS ?monitorLabel) (SAMPLE(?loop) AS ?renewalLoop)
WHERE {
  ?journey a cv:CustomerJourney .
  OPTIONAL { ?journey rdfs:label ?l }
  OPTIONAL { ?journey cv:forSegment ?seg . OPTIONAL { ?seg rdfs:label ?segL } }
  OPTIONAL { ?journey cv:journeyOf ?sys . OPTIONAL { ?sys rdfs:label ?sysL } }
  OPTIONAL { ?journey cv:stageModel ?m . OPTIONAL { ?m skos:prefLabel ?mL } }
  OPTIONAL { ?journey cv:monitoredBy ?mon . OPTIONAL { ?mon rdfs:label ?monL } }
  OPTIONAL { ?journey cv:hasRenewalLoop ?loop }
  OPTIONAL { { ?journey cv:hasStage ?stage } UNION { ?stage cv:stageOf ?journey } }
}
GROUP BY ?journey
ORDER BY ?label ?journey
"""


def _text(term: Node | None) -> str | None:
    return None if term is None else str(term)


def _query(sparql: str, journey: str) -> list[dict[str, Node]]:
    return run_query(prologue() + sparql, {"journey": URIRef(journey)}).dicts()


def _named(name: str, journey: str) -> list[dict[str, Node]]:
    named = service().kg.catalog.get(name)
    return run_query(named.text, named.bind({"journey": journey})).dicts()


def _short_labels(labels: list[str]) -> list[str]:
    """Drop a prefix all stage labels share ("Survey firms: ") so columns stay narrow."""
    if len(labels) < 2:
        return labels
    heads = {label.rsplit(": ", 1)[0] for label in labels if ": " in label}
    if len(heads) == 1 and all(": " in label for label in labels):
        return [label.rsplit(": ", 1)[1] for label in labels]
    return labels


def _wrap(text: str, width: int, lines: int = 2) -> list[str]:
    """Break a label into at most `lines` lines of about `width` characters."""
    wrapped = textwrap.wrap(text, width) or [""]
    if len(wrapped) > lines:
        wrapped = wrapped[:lines]
        wrapped[-1] = wrapped[-1][: max(width - 1, 1)].rstrip() + "…"
    return wrapped


def _fit(text: str, pixels: float, char_px: float = 6.6) -> str:
    limit = max(int(pixels / char_px), 4)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@dataclass
class Journey:
    """Everything the page shows about one journey, gathered from the graph."""

    iri: str
    header: dict = field(default_factory=dict)
    stages: list[dict] = field(default_factory=list)
    functions: list[dict] = field(default_factory=list)
    coverage: list[dict] = field(default_factory=list)
    handoffs: list[dict] = field(default_factory=list)
    missing: list[dict] = field(default_factory=list)
    uncovered: list[str] = field(default_factory=list)
    renewal: dict | None = None
    jobs: list[dict] = field(default_factory=list)
    challenges: list[dict] = field(default_factory=list)
    benefits: list[dict] = field(default_factory=list)


def load_journey(iri: str) -> Journey | None:
    """Read one journey from the graph; None when the IRI is not a journey."""
    header_rows = _query(HEADER_QUERY, iri)
    is_journey = any(
        _text(r.get("type")) == "https://w3id.org/custvalue/ontology#CustomerJourney"
        for r in header_rows
    )
    stage_rows = _query(STAGES_QUERY, iri)
    if not is_journey and not stage_rows:
        return None
    j = Journey(iri)

    def first(key: str) -> str | None:
        return next((str(r[key]) for r in header_rows if key in r), None)

    def pairs(key: str, label_key: str) -> list[dict]:
        seen: dict[str, str | None] = {}
        for r in header_rows:
            if key in r:
                seen.setdefault(str(r[key]), _text(r.get(label_key)))
        return [{"iri": k, "label": v} for k, v in sorted(seen.items())]

    j.header = {
        "label": first("label") or iri,
        "segment": next(iter(pairs("segment", "segmentLabel")), None),
        "system": next(iter(pairs("system", "systemLabel")), None),
        "stageModel": next(iter(pairs("model", "modelLabel")), None),
        "monitoredBy": pairs("monitor", "monitorLabel"),
    }

    # Stages, each once, in position order (then label, then IRI for a stable picture).
    stages: dict[str, dict] = {}
    for r in stage_rows:
        s = stages.setdefault(str(r["stage"]), {"iri": str(r["stage"])})
        for key in ("label", "type", "typeLabel", "phase", "phaseLabel", "renewsTo"):
            if key in r and key not in s:
                s[key] = str(r[key])
        for key in ("position", "phasePosition"):
            if key in r and key not in s:
                s[key] = term_json(r[key])
    ordered = sorted(stages.values(), key=lambda s: (
        s.get("position") if isinstance(s.get("position"), (int, float)) else 1e9,
        s.get("label") or "", s["iri"]))
    shorts = _short_labels([s.get("label") or s["iri"] for s in ordered])
    for index, (s, short) in enumerate(zip(ordered, shorts, strict=True)):
        j.stages.append({
            "iri": s["iri"], "label": s.get("label") or s["iri"], "short": short,
            "position": s.get("position"), "column": index,
            "stageType": s.get("type"), "stageTypeLabel": s.get("typeLabel"),
            "phase": s.get("phase"), "phaseLabel": s.get("phaseLabel"),
            "renewsTo": s.get("renewsTo"),
        })
    column = {s["iri"]: s["column"] for s in j.stages}

    # Coverage: qualified coverages from the journey matrix, plus the cv:coversStage shortcut.
    cells: dict[tuple[str, str], set[str]] = {}
    labels: dict[str, str] = {}
    for r in _named("journey-matrix", iri):
        if "function" not in r:
            continue
        key = (str(r["stage"]), str(r["function"]))
        chars = {c.strip() for c in str(r.get("characteristics", "")).split(",") if c.strip()}
        cells.setdefault(key, set()).update(chars)
        labels[str(r["function"])] = _text(r.get("functionLabel")) or str(r["function"])
    for r in _query(SHORTCUT_QUERY, iri):
        cells.setdefault((str(r["stage"]), str(r["function"])), set())
        labels.setdefault(str(r["function"]), _text(r.get("functionLabel")) or str(r["function"]))

    for r in _query(HANDOFF_QUERY, iri):
        ho = {
            "iri": str(r["handoff"]), "label": _text(r.get("label")),
            "fromFunction": str(r["fromFunction"]), "toFunction": str(r["toFunction"]),
            "fromStage": str(r["fromStage"]), "toStage": str(r["toStage"]),
            "handsOver": _text(r.get("handsOver")),
        }
        j.handoffs.append(ho)
        for end in ("from", "to"):
            labels.setdefault(ho[f"{end}Function"],
                              _text(r.get(f"{end}FunctionLabel")) or ho[f"{end}Function"])
    j.handoffs.sort(key=lambda h: (column.get(h["fromStage"], 0), h["iri"]))

    for r in _named("missing-handoffs", iri):
        j.missing.append({k: str(r[k]) for k in (
            "fromStage", "fromFunction", "toStage", "toFunction",
            "fromStageLabel", "fromFunctionLabel", "toStageLabel", "toFunctionLabel") if k in r})
    j.uncovered = [str(r["stage"]) for r in _named("uncovered-stages", iri)]

    # Lanes: functions in order of the first stage they cover, then by label.
    first_col: dict[str, int] = {}
    for (stage, function) in cells:
        first_col[function] = min(first_col.get(function, 10**6), column.get(stage, 10**6))
    for function in labels:
        first_col.setdefault(function, 10**6)
    lanes = sorted(first_col, key=lambda f: (first_col[f], labels[f].lower(), f))
    j.functions = [{"iri": f, "label": labels[f], "lane": i} for i, f in enumerate(lanes)]
    for (stage, function), chars in sorted(
            cells.items(), key=lambda kv: (column.get(kv[0][0], 0), lanes.index(kv[0][1]))):
        j.coverage.append({"stage": stage, "function": function,
                           "characteristics": sorted(chars, key=_char_order)})

    # The renewal loop: a cv:RenewalLoop node, else the cv:renewsTo shortcut on a stage.
    loop_from, loop_to = first("loopFrom"), first("loopTo")
    if first("loop") or (loop_from and loop_to):
        j.renewal = {"iri": first("loop"), "label": first("loopLabel"),
                     "from": loop_from, "to": loop_to}
    else:
        renewing = next((s for s in j.stages if s["renewsTo"]), None)
        if renewing:
            j.renewal = {"iri": None, "label": None, "from": renewing["iri"],
                         "to": renewing["renewsTo"]}

    j.jobs = [{"iri": str(r["job"]), "label": _text(r.get("jobLabel")) or str(r["job"])}
              for r in _query(JOBS_QUERY, iri)]
    j.jobs.sort(key=lambda x: x["label"].lower())
    items: dict[tuple[str, str, str], dict] = {}
    for r in _query(STAGE_VALUE_QUERY, iri):
        what = str(r["what"])
        key = (what, str(r["item"]), str(r["stage"]))
        item = items.setdefault(key, {
            "iri": str(r["item"]), "label": _text(r.get("itemLabel")) or str(r["item"]),
            "stage": str(r["stage"]), "jobs": [],
        })
        if what == "challenge":
            item["kind"] = _text(r.get("kind"))
            item["kindLabel"] = _text(r.get("kindLabel"))
            item["addressed"] = bool(term_json(r.get("addressed")))
        if "job" in r and str(r["job"]) not in [x["iri"] for x in item["jobs"]]:
            item["jobs"].append({"iri": str(r["job"]),
                                 "label": _text(r.get("jobLabel")) or str(r["job"])})
    for (what, _, _), item in sorted(items.items(), key=lambda kv: (
            column.get(kv[1]["stage"], 0), kv[1]["label"])):
        (j.challenges if what == "challenge" else j.benefits).append(item)
    return j


def _char_order(label: str) -> tuple[int, str]:
    order = list(CHARACTERISTIC_LETTERS)
    low = label.lower()
    return (order.index(low) if low in order else len(order), low)


def journey_json(j: Journey) -> dict:
    """The machine-readable twin of the page."""
    return {
        "journey": j.iri,
        "label": j.header["label"],
        "segment": j.header["segment"],
        "system": j.header["system"],
        "stageModel": j.header["stageModel"],
        "monitoredBy": j.header["monitoredBy"],
        "stages": [{"iri": s["iri"], "label": s["label"], "position": s["position"],
                    "stageType": s["stageType"], "phase": s["phase"],
                    "phaseLabel": s["phaseLabel"]} for s in j.stages],
        "functions": [{"iri": f["iri"], "label": f["label"]} for f in j.functions],
        "coverage": j.coverage,
        "handoffs": j.handoffs,
        "missingHandoffs": j.missing,
        "uncoveredStages": j.uncovered,
        "renewalLoop": j.renewal,
        "jobs": j.jobs,
        "challenges": j.challenges,
        "benefits": j.benefits,
    }


def _cubic(x1: float, y1: float, x2: float, y2: float, same_column: bool) -> tuple[str, float,
                                                                                  float]:
    """An arrow path between two cells, and the point halfway along it (for a label)."""
    if same_column:  # bulge out to the right of the column
        c1x, c2x = x1 + 34, x2 + 34
    else:
        bend = max(abs(x2 - x1) / 2.5, 28)
        c1x, c2x = x1 + bend, x2 - bend
    path = f"M{x1:.1f},{y1:.1f} C{c1x:.1f},{y1:.1f} {c2x:.1f},{y2:.1f} {x2:.1f},{y2:.1f}"
    mx = (x1 + 3 * c1x + 3 * c2x + x2) / 8
    my = (y1 + 3 * y1 + 3 * y2 + y2) / 8
    return path, mx, my


def layout(j: Journey) -> dict:
    """Coordinates of everything in the SVG (the template only draws them, escaped)."""
    n_cols = max(len(j.stages), 1)
    n_lanes = max(len(j.functions), 1)
    col_w = min(max((FIT_WIDTH - LANE_LABEL_W - 2 * MARGIN - 30) // n_cols, COL_W_MIN),
                COL_W_MAX)
    top = MARGIN + (LOOP_H if j.renewal else 0)
    phase_y = top
    header_y = phase_y + PHASE_H + 4
    lanes_y = header_y + HEADER_H + 6
    left = MARGIN + LANE_LABEL_W
    width = left + n_cols * col_w + MARGIN + 30
    height = lanes_y + n_lanes * LANE_H + MARGIN
    col = {s["iri"]: s["column"] for s in j.stages}
    lane = {f["iri"]: f["lane"] for f in j.functions}
    uncovered = set(j.uncovered)

    def col_x(c: int) -> float:
        return left + c * col_w

    def lane_y(i: int) -> float:
        return lanes_y + i * LANE_H

    # Phase bands over runs of consecutive stages in the same phase.
    phases: list[dict] = []
    for s in j.stages:
        name = s["phaseLabel"] or ("" if s["phase"] is None else s["phase"])
        if phases and phases[-1]["key"] == s["phase"]:
            phases[-1]["w"] += col_w
        else:
            phases.append({"key": s["phase"], "label": name, "x": col_x(s["column"]) + 2,
                           "w": col_w, "post": "post" in (s["phase"] or "").lower()})
    for p in phases:
        p["w"] -= 4
        p["text"] = _fit(p["label"] or "phase not stated", p["w"] - 8, 7.2)

    columns = []
    for s in j.stages:
        x = col_x(s["column"])
        columns.append({
            **s, "x": x, "cx": x + col_w / 2,
            "lines": _wrap(s["short"], int((col_w - 12) / 8)),
            "uncovered": s["iri"] in uncovered,
        })

    lane_rows = []
    for f in j.functions:
        y = lane_y(f["lane"])
        lane_rows.append({**f, "y": y, "cy": y + LANE_H / 2, "lines": _wrap(f["label"], 22)})

    cells = []
    for c in j.coverage:
        if c["stage"] not in col or c["function"] not in lane:
            continue
        x, y = col_x(col[c["stage"]]), lane_y(lane[c["function"]])
        markers = []
        first_cx = x + col_w / 2 - (len(c["characteristics"]) - 1) * 11
        for i, label in enumerate(c["characteristics"]):
            key = label.lower()
            markers.append({"letter": CHARACTERISTIC_LETTERS.get(key, label[:1].upper() or "?"),
                            "css": key if key in CHARACTERISTIC_LETTERS else "other",
                            "label": label, "cx": first_cx + i * 22,
                            "cy": y + LANE_H / 2})
        cells.append({**c, "x": x + CELL_PAD_X, "y": y + CELL_PAD_Y,
                      "w": col_w - 2 * CELL_PAD_X, "h": LANE_H - 2 * CELL_PAD_Y,
                      "markers": markers,
                      "stageLabel": next(s["label"] for s in j.stages if s["iri"] == c["stage"]),
                      "functionLabel": j.functions[lane[c["function"]]]["label"]})

    # Arrows leave a cell at its right edge and enter the next at its left edge; several
    # arrows at the same edge are spread vertically so they do not lie on top of each other.
    arrows = [dict(h, missing=False) for h in j.handoffs] + [
        dict(m, missing=True) for m in j.missing]
    arrows = [a for a in arrows if a["fromStage"] in col and a["toStage"] in col
              and a["fromFunction"] in lane and a["toFunction"] in lane]
    outs: dict[tuple[str, str], list[int]] = {}
    ins: dict[tuple[str, str], list[int]] = {}
    for i, a in enumerate(arrows):
        outs.setdefault((a["fromStage"], a["fromFunction"]), []).append(i)
        ins.setdefault((a["toStage"], a["toFunction"]), []).append(i)

    def spread(group: list[int], i: int) -> float:
        k, n = group.index(i), len(group)
        return (k - (n - 1) / 2) * 9

    drawn = []
    names = {f["iri"]: f["label"] for f in j.functions}
    stage_names = {s["iri"]: s["label"] for s in j.stages}
    for i, a in enumerate(arrows):
        c1, c2 = col[a["fromStage"]], col[a["toStage"]]
        l1, l2 = lane[a["fromFunction"]], lane[a["toFunction"]]
        y1 = lane_y(l1) + LANE_H / 2 + spread(outs[(a["fromStage"], a["fromFunction"])], i)
        y2 = lane_y(l2) + LANE_H / 2 + spread(ins[(a["toStage"], a["toFunction"])], i)
        x1 = col_x(c1) + col_w - CELL_PAD_X
        same = c1 == c2
        x2 = col_x(c2) + (col_w - CELL_PAD_X if same else CELL_PAD_X) + (4 if same else -2)
        path, mx, my = _cubic(x1, y1, x2, y2, same)
        what = a.get("handsOver") or ("nothing: the hand-off is missing" if a["missing"]
                                      else "not stated")
        title = (f"{names[a['fromFunction']]} ({stage_names[a['fromStage']]}) → "
                 f"{names[a['toFunction']]} ({stage_names[a['toStage']]}): {what}")
        drawn.append({**a, "path": path, "mx": mx, "my": my, "title": title})

    loop = None
    if j.renewal and j.renewal.get("from") in col and j.renewal.get("to") in col:
        xf = col_x(col[j.renewal["from"]]) + col_w / 2
        xt = col_x(col[j.renewal["to"]]) + col_w / 2
        y0 = phase_y - 2
        # A cubic's top lies 3/4 of the way to its control points: keep it under the label.
        top = MARGIN + 24
        control = y0 - (y0 - top) / 0.75
        label = j.renewal.get("label") or "Renewal loop"
        loop = {"path": f"M{xf:.1f},{y0:.1f} C{xf:.1f},{control:.1f} {xt:.1f},{control:.1f} "
                        f"{xt:.1f},{y0 - 2:.1f}",
                "tx": (xf + xt) / 2, "ty": MARGIN + 14,
                # the label may run past the arc, but not past the stage columns
                "text": _fit("↺ " + label, 2 * min((xf + xt) / 2 - left,
                                                   left + n_cols * col_w - (xf + xt) / 2) - 10),
                "title": f"{label}: from {stage_names[j.renewal['from']]} back to "
                         f"{stage_names[j.renewal['to']]}"}

    return {
        "width": width, "height": height, "left": left, "lanes_y": lanes_y,
        "lanes_h": n_lanes * LANE_H, "header_y": header_y, "header_h": HEADER_H,
        "phase_y": phase_y, "phase_h": PHASE_H, "col_w": col_w, "lane_h": LANE_H,
        "margin": MARGIN, "label_w": LANE_LABEL_W, "phases": phases, "columns": columns,
        "lanes": lane_rows, "cells": cells, "arrows": drawn, "loop": loop,
    }


def _per_stage(j: Journey) -> list[dict]:
    """One entry per stage: covering functions, jobs touched, challenges, benefits."""
    names = {f["iri"]: f["label"] for f in j.functions}
    rows = []
    for s in j.stages:
        challenges = [c for c in j.challenges if c["stage"] == s["iri"]]
        benefits = [b for b in j.benefits if b["stage"] == s["iri"]]
        jobs: dict[str, str] = {}
        for item in challenges + benefits:
            for job in item["jobs"]:
                jobs.setdefault(job["iri"], job["label"])
        rows.append({
            **s, "uncovered": s["iri"] in j.uncovered,
            "functions": [{"iri": c["function"], "label": names.get(c["function"], c["function"]),
                           "characteristics": c["characteristics"]}
                          for c in j.coverage if c["stage"] == s["iri"]],
            "jobs": [{"iri": k, "label": v} for k, v in jobs.items()],
            "challenges": challenges, "benefits": benefits,
        })
    return rows


def _matrix_table(j: Journey) -> tuple[list[str], list[list[object]]]:
    """The journey matrix for CSV: a row per stage and covering function."""
    columns = ["position", "stage", "stageLabel", "phase", "function", "functionLabel",
               "characteristics"]
    names = {f["iri"]: f["label"] for f in j.functions}
    rows: list[list[object]] = []
    for s in j.stages:
        covering = [c for c in j.coverage if c["stage"] == s["iri"]]
        base = [s["position"], s["iri"], s["label"], s["phaseLabel"]]
        if not covering:
            rows.append([*base, None, None, None])
        for c in covering:
            rows.append([*base, c["function"], names.get(c["function"]),
                         ", ".join(c["characteristics"])])
    return columns, rows


def _not_found(message: str, iri: str | None) -> Response:
    return respond("journey.html", {"error": message, "journey": iri},
                   title="Journey not found", status=404)


@blueprint.route("/journey")
def journey() -> Response:
    """One journey as a swimlane picture, with its matrix and per-stage value."""
    iri = (request.args.get("iri") or "").strip()
    if not iri:
        return _not_found("No journey given: add ?iri= with the IRI of a customer journey.",
                          None)
    if not is_absolute_iri(iri):
        return _not_found("This is not an IRI, so it cannot name a journey.", iri)
    j = load_journey(iri)
    if j is None:
        return _not_found("There is no customer journey with this IRI in the graph.", iri)
    data = journey_json(j)
    page = {"layout": layout(j), "per_stage": _per_stage(j)}
    return _respond_journey(data, page, j)


def _respond_journey(data: Mapping[str, object], page: dict, j: Journey) -> Response:
    # The template gets the JSON twin as `data` plus the drawing under `data.view`;
    # the twin itself stays free of layout numbers.
    from .render import page_format

    if page_format() == "html":
        data = {**data, "view": page}
    return respond("journey.html", data, title=j.header["label"], table=_matrix_table(j))


@blueprint.route("/journeys")
def journeys() -> Response:
    """All customer journeys, with segment, system, stage model and who monitors them."""
    rows = run_query(prologue() + JOURNEYS_QUERY).dicts()
    items = [{
        "journey": str(r["journey"]),
        "label": _text(r.get("label")) or str(r["journey"]),
        "segment": _text(r.get("segment")), "segmentLabel": _text(r.get("segmentLabel")),
        "system": _text(r.get("system")), "systemLabel": _text(r.get("systemLabel")),
        "stageModel": _text(r.get("model")), "stageModelLabel": _text(r.get("modelLabel")),
        "stages": term_json(r.get("stages")),
        "monitoredBy": _text(r.get("monitor")), "monitoredByLabel": _text(r.get("monitorLabel")),
        "renewalLoop": _text(r.get("renewalLoop")),
    } for r in rows]
    columns = list(items[0]) if items else ["journey", "label"]
    table = (columns, [[item[c] for c in columns] for item in items])
    return respond("journeys.html", {"journeys": items}, title="Customer journeys", table=table)
