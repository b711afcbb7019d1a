"""Search by label: case-insensitive substring match over rdfs:label and SKOS labels."""

from __future__ import annotations

from flask import Response, request
from rdflib import Literal

from . import blueprint
from .links import page_link
from .render import compact, prologue, respond, run_query

MIN_LENGTH = 2
MAX_RESULTS = 100
CV = "https://w3id.org/custvalue/ontology#"
# Types that have a page of their own, besides the generic resource page.
TYPE_PAGES = {
    CV + "CustomerJourney": "journey",
    CV + "CustomerFacingSystem": "system", CV + "SupportingSystem": "system",
    CV + "EnablingSystem": "system", CV + "PopUpSystem": "system", CV + "WorkSystem": "system",
    CV + "Function": "function",
}

# ?q is bound as a term by the executor, never pasted into the text. Labels that start with the
# text come first, then shorter ones, so "sales" shows the functions before the hand-offs.
SEARCH_QUERY = """
SELECT ?s (SAMPLE(?label) AS ?l) (GROUP_CONCAT(DISTINCT STR(?type); SEPARATOR=" ") AS ?types)
       (MIN(?rank) AS ?r) (MIN(STRLEN(STR(?label))) AS ?len)
WHERE {
  VALUES ?p { rdfs:label skos:prefLabel skos:altLabel }
  ?s ?p ?label .
  FILTER (isIRI(?s) && CONTAINS(LCASE(STR(?label)), LCASE(STR(?q))))
  BIND (IF(STRSTARTS(LCASE(STR(?label)), LCASE(STR(?q))), 0, 1) AS ?rank)
  OPTIONAL { ?s a ?type }
}
GROUP BY ?s ORDER BY ?r ?len LCASE(STR(?l)) ?s
LIMIT %d
"""


def find(text: str) -> tuple[list[dict], bool]:
    """Resources whose label contains ``text``; True when there were more than the cap."""
    query = prologue() + SEARCH_QUERY.replace("%d", str(MAX_RESULTS + 1))
    rows = run_query(query, {"q": Literal(text)}).rows
    results = []
    for iri, label, types, _rank, _length in rows[:MAX_RESULTS]:
        type_iris = sorted(str(types).split()) if types else []
        pages = sorted({TYPE_PAGES[t] for t in type_iris if t in TYPE_PAGES})
        results.append({
            "iri": str(iri), "label": str(label) if label is not None else str(iri),
            "types": [compact(t) for t in type_iris], "url": page_link("resource", str(iri)),
            "pages": [{"page": p, "url": page_link(p, str(iri))} for p in pages],
        })
    return results, len(rows) > MAX_RESULTS


@blueprint.route("/search")
def search() -> Response:
    text = request.args.get("q", "").strip()
    data: dict[str, object] = {"q": text, "results": [], "truncated": False,
                               "limit": MAX_RESULTS, "message": None}
    if len(text) < MIN_LENGTH:
        data["message"] = (f"Type at least {MIN_LENGTH} characters of a label to search."
                           if text else "Type part of a label to search, e.g. “sales”.")
    else:
        results, truncated = find(text)
        data.update(results=results, truncated=truncated)
        if not results:
            data["message"] = f"No label contains “{text}”."
    rows = [(r["iri"], r["label"], " ".join(r["types"])) for r in data["results"]]  # type: ignore[attr-defined]
    return respond("search.html", data, title="Search",
                   table=(("iri", "label", "types"), rows))
