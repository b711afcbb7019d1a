"""The links page: imported sources, the links between their elements and our resources, and
the gaps on either side (the four link queries)."""

from __future__ import annotations

from collections.abc import Callable

from flask import Response

from custvalue_kg.imports.provenance import SOURCES_QUERY, sources_from_rows

from . import blueprint
from .links import page_link
from .render import compact, labels_for, named_text_rows, respond, run_query, text_rows

CV_FUNCTION = "https://w3id.org/custvalue/ontology#Function"

# Every link between an imported element (anything typed in the archi: vocabulary) and one of
# our resources, stated from either side.
LINKS_QUERY = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX cv: <https://w3id.org/custvalue/ontology#>
SELECT ?element (SAMPLE(?eLabel) AS ?elementLabel) (SAMPLE(?eType) AS ?elementType) ?link
       ?resource (SAMPLE(?rLabel) AS ?resourceLabel) (SAMPLE(?rType) AS ?resourceClass)
WHERE {
  VALUES ?link { skos:exactMatch owl:sameAs cv:realises cv:supports }
  { ?element ?link ?resource } UNION { ?resource ?link ?element }
  ?element a ?eType .
  FILTER (STRSTARTS(STR(?eType), "https://w3id.org/custvalue/archimate#"))
  # the other end is ours: anything that is not itself an imported ArchiMate resource
  FILTER NOT EXISTS { ?resource a ?other .
                      FILTER (STRSTARTS(STR(?other), "https://w3id.org/custvalue/archimate#")) }
  OPTIONAL { ?resource a ?rType
             FILTER (STRSTARTS(STR(?rType), "https://w3id.org/custvalue/ontology#")) }
  OPTIONAL { ?element rdfs:label ?eLabel }
  OPTIONAL { ?resource rdfs:label ?rLabel }
}
GROUP BY ?element ?link ?resource
ORDER BY ?link ?elementLabel ?element ?resource
"""

LINK_COLUMNS = ("element", "elementLabel", "elementType", "link", "resource", "resourceLabel",
                "resourceClass")


def _item(label: str | None, iri: str | None, page: str = "resource") -> dict | None:
    if not iri:
        return None
    return {"iri": iri, "label": label or compact(iri), "url": page_link(page, iri)}


def _unstaged_function(row: dict) -> dict:
    ours = _item(row["functionLabel"], row["function"], "function")
    return {"element": _item(row["elementLabel"], row["element"]),
            "model": _item(row["modelLabel"], row["model"]),
            "text": "is linked to a function that covers no stage" if ours
            else "is the same as none of our functions",
            "links": [ours] if ours else []}


def _function_without_counterpart(row: dict) -> dict:
    return {"element": _item(row["functionLabel"], row["function"], "function"),
            "model": _item(row["journeyLabel"], row["journey"], "journey"),
            "text": f"covers {row['stages']} stage{'s' if row['stages'] != '1' else ''} of the "
                    "journey and has no counterpart in the architecture", "links": []}


def _flow_without_handoff(row: dict) -> dict:
    kind = compact(row["relationshipType"] or "").removeprefix("archi:")
    return {"element": _item(f"{kind}: {row['sourceElementLabel']} → {row['targetElementLabel']}",
                             row["relationship"]),
            "model": _item(None, row["model"]),
            "text": "no journey hands off between these functions",
            "links": [_item(row["fromFunctionLabel"], row["fromFunction"], "function"),
                      _item(row["toFunctionLabel"], row["toFunction"], "function")]}


def _handoff_without_flow(row: dict) -> dict:
    return {"element": _item(f"{row['fromFunctionLabel']} → {row['toFunctionLabel']}",
                             row["handOff"]),
            "model": _item(row["journeyLabel"], row["journey"], "journey"),
            "text": "the architecture has no flow or triggering between their counterparts",
            "links": [_item(None, row["fromElement"]), _item(None, row["toElement"])]}


LINK_GAPS: tuple[tuple[str, str, Callable[[dict], dict]], ...] = (
    ("architecture-functions-without-stage", "Architecture business functions covering no stage",
     _unstaged_function),
    ("functions-without-architecture-counterpart",
     "Journey functions without a counterpart in the architecture", _function_without_counterpart),
    ("flows-missing-as-handoffs", "Architecture flows no journey hands off", _flow_without_handoff),
    ("handoffs-missing-in-architecture", "Hand-offs the architecture has no flow for",
     _handoff_without_flow),
)


def link_rows() -> list[dict[str, str | None]]:
    return text_rows(run_query(LINKS_QUERY))


def _fill_labels(items: list[dict]) -> None:
    """Give items that came without a label (models, counterparts) the one in the store."""
    missing = [i for i in items if i["label"] == compact(i["iri"])]
    labels = labels_for(i["iri"] for i in missing)
    for entry in missing:
        entry["label"] = labels.get(entry["iri"], entry["label"])


@blueprint.route("/links")
def links() -> Response:
    sources = [s.to_dict() for s in sources_from_rows(run_query(SOURCES_QUERY).rows)]
    for source in sources:
        source["url"] = page_link("resource", source["graph"])
    rows = link_rows()
    by_kind: dict[str, int] = {}
    for row in rows:
        by_kind[compact(row["link"])] = by_kind.get(compact(row["link"]), 0) + 1
    linked = [{
        "element": _item(row["elementLabel"], row["element"]),
        "elementType": compact(row["elementType"] or ""),
        "link": compact(row["link"]),
        "resource": _item(row["resourceLabel"], row["resource"],
                          "function" if row["resourceClass"] == CV_FUNCTION else "resource"),
        "resourceClass": compact(row["resourceClass"] or ""),
    } for row in rows]
    gaps = []
    for query, heading, item in LINK_GAPS:
        items = [item(row) for row in named_text_rows(query)]
        gaps.append({"query": query, "heading": heading, "count": len(items), "items": items})
    _fill_labels([entry for gap in gaps for it in gap["items"]
                  for entry in (it["element"], it["model"], *it["links"]) if entry])
    data = {"sources": sources, "linkCounts": by_kind, "links": linked, "gaps": gaps}
    table = (LINK_COLUMNS, [tuple(row[c] for c in LINK_COLUMNS) for row in rows])
    return respond("links.html", data, title="Links to enterprise models", table=table)
