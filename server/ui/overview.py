"""The overview: what is in the graph, the gaps the named queries find, the validation status."""

from __future__ import annotations

from collections.abc import Callable

from flask import Response

from . import blueprint
from .links import page_link
from .render import named_text_rows, prologue, respond, run_query, text_rows
from .validation_page import store_report

CV = "https://w3id.org/custvalue/ontology#"
# The count cards, in this order: (class local name, plural).
COUNTED = (
    ("CustomerFacingSystem", "Customer-facing systems"), ("SupportingSystem", "Supporting systems"),
    ("EnablingSystem", "Enabling systems"), ("PopUpSystem", "Pop-up systems"),
    ("CustomerJourney", "Journeys"), ("JourneyStage", "Journey stages"),
    ("Function", "Functions"), ("CustomerSegment", "Customer segments"),
    ("HandOff", "Hand-offs"), ("Job", "Customer jobs"), ("Challenge", "Challenges"),
    ("Hypothesis", "Hypotheses"),
)
SYSTEM_TYPES = COUNTED[:4]

COUNTS_QUERY = (
    "SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE {\n"
    "  VALUES ?class { " + " ".join(f"cv:{name}" for name, _ in COUNTED) + " }\n"
    "  ?sub rdfs:subClassOf* ?class .\n"
    "  ?s a ?sub .\n"
    "} GROUP BY ?class\n"
)

SYSTEMS_QUERY = """
SELECT ?system ?label ?class ?segment ?segmentLabel ?promise WHERE {
  VALUES ?class { cv:CustomerFacingSystem cv:SupportingSystem cv:EnablingSystem cv:PopUpSystem }
  ?system a ?class .
  OPTIONAL { ?system rdfs:label ?label }
  OPTIONAL { ?system cv:marketPromise ?promise }
  OPTIONAL { ?system cv:servesSegment ?segment OPTIONAL { ?segment rdfs:label ?segmentLabel } }
} ORDER BY ?label ?system ?segmentLabel
"""

JOURNEYS_QUERY = """
SELECT ?journey ?label ?system ?systemLabel ?segment ?segmentLabel ?model ?modelLabel
       (COUNT(DISTINCT ?stage) AS ?stages) WHERE {
  ?journey a cv:CustomerJourney .
  OPTIONAL { ?journey rdfs:label ?label }
  OPTIONAL { ?journey cv:journeyOf ?system OPTIONAL { ?system rdfs:label ?systemLabel } }
  OPTIONAL { ?journey cv:forSegment ?segment OPTIONAL { ?segment rdfs:label ?segmentLabel } }
  OPTIONAL { ?journey cv:stageModel ?model OPTIONAL { ?model skos:prefLabel ?modelLabel } }
  OPTIONAL { ?journey cv:hasStage ?stage }
} GROUP BY ?journey ?label ?system ?systemLabel ?segment ?segmentLabel ?model ?modelLabel
ORDER BY ?label ?journey
"""

FUNCTIONS_QUERY = """
SELECT ?function ?label ?type ?typeLabel (COUNT(DISTINCT ?stage) AS ?stages) WHERE {
  ?function a cv:Function .
  OPTIONAL { ?function rdfs:label ?label }
  OPTIONAL { ?function org:classification ?type OPTIONAL { ?type skos:prefLabel ?typeLabel } }
  OPTIONAL { ?function cv:coversStage ?stage }
} GROUP BY ?function ?label ?type ?typeLabel ORDER BY ?label ?function
"""

SEGMENTS_QUERY = """
SELECT ?segment ?label (COUNT(DISTINCT ?journey) AS ?journeys) WHERE {
  ?segment a cv:CustomerSegment .
  OPTIONAL { ?segment rdfs:label ?label }
  OPTIONAL { ?journey cv:forSegment ?segment ; a cv:CustomerJourney }
} GROUP BY ?segment ?label ORDER BY ?label ?segment
"""


def _rows(query: str) -> list[dict[str, str | None]]:
    return text_rows(run_query(prologue() + query))


def _item(label: str | None, iri: str | None, page: str = "resource") -> dict:
    return {"iri": iri, "label": label or iri, "url": page_link(page, iri)}


# --- the gap kinds: (key, heading, named query, one row -> list item) -------------------------

def _missing_handoff(row: dict) -> dict:
    return {
        "text": f"{row['fromFunctionLabel'] or row['fromFunction']} at "
                f"{row['fromStageLabel'] or row['fromStage']} hands nothing to "
                f"{row['toFunctionLabel'] or row['toFunction']} at "
                f"{row['toStageLabel'] or row['toStage']}",
        "where": _item(row["journeyLabel"], row["journey"], "journey"),
        "links": [_item(row["fromFunctionLabel"], row["fromFunction"], "function"),
                  _item(row["toFunctionLabel"], row["toFunction"], "function")],
    }


def _uncovered(row: dict) -> dict:
    return {
        "text": f"No function covers {row['stageLabel'] or row['stage']}",
        "where": _item(row["journeyLabel"], row["journey"], "journey"),
        "links": [_item(row["stageLabel"], row["stage"])],
    }


def _challenge(row: dict) -> dict:
    at = f" at {row['stageLabel'] or row['stage']}" if row["stage"] else ""
    return {
        "text": f"{row['kindLabel'] or 'Challenge'}{at}, addressed by nothing",
        "where": _item(row["challengeLabel"], row["challenge"]),
        "links": [_item(row["stageLabel"], row["stage"])] if row["stage"] else [],
    }


def _inside_out(row: dict) -> dict:
    page = "function" if row["kind"] == CV + "Function" else "resource"
    declared = row["declaredOrientationLabel"] or row["declaredOrientation"]
    text = f"{row['kindLabel'] or 'Item'} linked to no customer job or benefit"
    return {
        "text": text + (f" (declared {declared})" if declared else ""),
        "where": _item(row["itemLabel"], row["item"], page),
        "links": [],
    }


def _unevidenced(row: dict) -> dict:
    return {
        "text": f"{row['kindLabel'] or 'Item'} without {row['missing']}",
        "where": _item(row["itemLabel"], row["item"]),
        "links": [],
    }


def _inconsistent(row: dict) -> dict:
    ends = [end for end, covered in (("from", row["fromCovered"]), ("to", row["toCovered"]))
            if covered == "false"]
    return {
        "text": f"the {' and '.join(ends)}-function does not cover its stage",
        "where": _item(row["handOffLabel"], row["handOff"]),
        "links": [_item(row["fromFunctionLabel"], row["fromFunction"], "function"),
                  _item(row["toFunctionLabel"], row["toFunction"], "function")],
    }


GAP_KINDS: tuple[tuple[str, str, str, Callable[[dict], dict]], ...] = (
    ("missing-handoffs", "Missing hand-offs", "missing-handoffs", _missing_handoff),
    ("uncovered-stages", "Uncovered stages", "uncovered-stages", _uncovered),
    ("unaddressed-challenges", "Unaddressed barriers and hurdles", "unaddressed-challenges",
     _challenge),
    ("inside-out", "Inside-out functions, initiatives and objectives", "inside-out",
     _inside_out),
    ("unevidenced-hypotheses", "Hypotheses and decisions without evidence or metric",
     "unevidenced-hypotheses", _unevidenced),
    ("inconsistent-handoffs", "Inconsistent hand-offs", "inconsistent-handoffs", _inconsistent),
)


def gaps() -> list[dict]:
    """One entry per gap kind, with its items (each linking to where the gap is)."""
    found = []
    for key, heading, query, item in GAP_KINDS:
        items = [item(row) for row in named_text_rows(query)]
        found.append({"kind": key, "heading": heading, "query": query, "count": len(items),
                      "items": items})
    return found


def contents() -> dict:
    """Counts, systems, journeys, functions and segments of the graph."""
    counts = {row["class"]: int(row["n"] or 0) for row in _rows(COUNTS_QUERY)}
    cards = [{"class": "cv:" + name, "label": label, "count": counts.get(CV + name, 0)}
             for name, label in COUNTED]

    systems: dict[str, dict] = {}
    for row in _rows(SYSTEMS_QUERY):
        system = systems.setdefault(row["system"], {
            **_item(row["label"], row["system"], "system"), "type": row["class"],
            "promise": row["promise"], "segments": [],
        })
        if row["segment"] and all(s["iri"] != row["segment"] for s in system["segments"]):
            system["segments"].append(_item(row["segmentLabel"], row["segment"]))
    by_type = [{"class": "cv:" + name, "label": label,
                "systems": [s for s in systems.values() if s["type"] == CV + name]}
               for name, label in SYSTEM_TYPES]

    journeys = [{
        **_item(row["label"], row["journey"], "journey"),
        "system": _item(row["systemLabel"], row["system"], "system") if row["system"] else None,
        "segment": _item(row["segmentLabel"], row["segment"]) if row["segment"] else None,
        "stageModel": row["modelLabel"] or row["model"],
        "stages": int(row["stages"] or 0),
    } for row in _rows(JOURNEYS_QUERY)]
    functions = [{
        **_item(row["label"], row["function"], "function"),
        "type": row["typeLabel"] or row["type"], "stagesCovered": int(row["stages"] or 0),
    } for row in _rows(FUNCTIONS_QUERY)]
    segments = [{**_item(row["label"], row["segment"]), "journeys": int(row["journeys"] or 0)}
                for row in _rows(SEGMENTS_QUERY)]
    return {"counts": cards, "systemsByType": by_type, "journeys": journeys,
            "functions": functions, "segments": segments}


@blueprint.route("/")
def overview() -> Response:
    report = store_report()
    data = {
        **contents(),
        "gaps": gaps(),
        "validation": {"conforms": report.conforms, "counts": report.counts(),
                       "url": "/validation"},
    }
    return respond("overview.html", data, title="Overview")
