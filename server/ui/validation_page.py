"""The validation page: SHACL results by severity, then shape and focus node, in plain words."""

from __future__ import annotations

import functools
from collections.abc import Sequence

from flask import Response
from rdflib import RDFS, URIRef

from custvalue_kg.validation import ValidationReport, ValidationResult, load_shapes

from ..context import service
from . import blueprint
from .links import page_link
from .render import compact, respond

SEVERITIES = ("Violation", "Warning", "Info")
CSV_COLUMNS = ("severity", "shape", "shapeLabel", "focusNode", "focusLabel", "path", "value",
               "message")

def store_report() -> ValidationReport:
    """The validation report of the whole store, reused until the next write."""
    return service().validation_report()


@functools.lru_cache(maxsize=1)
def shape_labels() -> dict[str, str]:
    """rdfs:label of every shipped shape (they never change while the service runs)."""
    shapes = load_shapes()
    return {str(s): str(o) for s, o in shapes.subject_objects(RDFS.label)
            if isinstance(s, URIRef)}


def _shape_label(shape: str | None) -> str:
    if not shape:
        return "(unnamed shape)"
    return shape_labels().get(shape) or compact(shape)


def _result_dict(result: ValidationResult) -> dict:
    return {
        "focusNode": result.focus_node,
        "focusLabel": result.focus_label or None,
        "focusUrl": page_link("resource", result.focus_node),
        "path": compact(result.path) if result.path else None,
        "value": result.value,
        "valueUrl": page_link("resource", result.value)
        if result.value and result.value.startswith(("http://", "https://", "urn:")) else None,
        "constraintComponent": result.constraint_component,
        "message": result.message,
    }


def grouped(report: ValidationReport) -> list[dict]:
    """Severity -> shape -> focus node, with counts, in the report's order."""
    groups: list[dict] = []
    for severity in SEVERITIES:
        results = [r for r in report.results if r.severity == severity]
        shapes: dict[str, dict] = {}
        for result in results:
            key = result.source_shape or ""
            shape = shapes.setdefault(key, {
                "shape": result.source_shape, "label": _shape_label(result.source_shape),
                "shapeUrl": page_link("resource", result.source_shape), "count": 0,
                "focusNodes": {},
            })
            shape["count"] += 1
            focus = shape["focusNodes"].setdefault(result.focus_node, {
                "focusNode": result.focus_node, "focusLabel": result.focus_label or None,
                "focusUrl": page_link("resource", result.focus_node), "results": [],
            })
            focus["results"].append(_result_dict(result))
        shape_list = sorted(shapes.values(), key=lambda s: (s["label"].lower(), s["shape"] or ""))
        for shape in shape_list:
            shape["focusNodes"] = list(shape["focusNodes"].values())
        groups.append({"severity": severity, "count": len(results), "shapes": shape_list})
    return groups


def csv_rows(report: ValidationReport) -> list[Sequence[object]]:
    return [(r.severity, r.source_shape, _shape_label(r.source_shape), r.focus_node,
             r.focus_label, compact(r.path) if r.path else None, r.value, r.message)
            for r in report.results]


@blueprint.route("/validation")
def validation_report() -> Response:
    report = store_report()
    data = {
        "conforms": report.conforms,
        "counts": report.counts(),
        "total": len(report.results),
        "groups": grouped(report),
    }
    return respond("validation.html", data, title="Validation",
                   table=(CSV_COLUMNS, csv_rows(report)))
