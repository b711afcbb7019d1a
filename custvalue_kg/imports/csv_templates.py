"""The CSV template set: one file per kind of thing, each a table of column specifications.

Everything the importer checks and writes, and everything the exporter reads, follows from the
declarations below: a column says which property it fills (and, for a qualified link, which
inverse property too), what kind of value it holds (text, number, date, a reference to another
row, a concept of a SKOS scheme), whether it is required and whether a cell may hold several
values separated by ``;``. Shortcut triples that the shapes demand beside a qualified statement
(a coverage's ``cv:coversStage``, a hand-off's ``cv:handsOffTo``, ...) are declared per template
and derived, never typed in.

``python -m custvalue_kg.imports.csv_writer DIR`` writes the blank template set (header-only
files and a README explaining every file and column, both generated from this table) into DIR.
"""

from __future__ import annotations

from dataclasses import dataclass

CV = "https://w3id.org/custvalue/ontology#"
CVS = "https://w3id.org/custvalue/scheme/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
RDFS_COMMENT = "http://www.w3.org/2000/01/rdf-schema#comment"
ORG_CLASSIFICATION = "http://www.w3.org/ns/org#classification"
SOSA_RESULT_TIME = "http://www.w3.org/ns/sosa/resultTime"

# Kinds of cell. Each maps to one RDF term type; see csv_terms for parsing and formatting.
ID = "id"              # the row's own IRI: a local name under --base, or an absolute IRI
TEXT = "text"          # English text: an @en literal
STRING = "string"      # a plain string literal (a unit such as "%")
INTEGER = "integer"    # xsd:integer
NUMBER = "number"      # xsd:integer, xsd:decimal or xsd:double, after the way it is written
DATE = "date"          # xsd:date, YYYY-MM-DD
DATETIME = "datetime"  # xsd:dateTime, YYYY-MM-DDThh:mm:ss with optional zone
REF = "ref"            # the id of a row of another template (or of a resource in the store)
IRI = "iri"            # any resource kept elsewhere (a person, a post): not checked
CONCEPT = "concept"    # a concept of a vocabulary, by notation, label, local name or IRI
CLASS = "class"        # one of a fixed list of classes (the row's rdf:type)

LIST_SEPARATOR = ";"


@dataclass(frozen=True)
class Vocabulary:
    """The concepts a concept column accepts, found in the store by a SPARQL pattern.

    ``pattern`` binds ``?concept``; ``class_property``, when given, links a concept (or a
    broader one) to the class a row gets when the concept is its type.
    """

    name: str
    title: str
    pattern: str
    class_property: str | None = None


def _scheme(name: str, title: str, class_property: str | None = None) -> Vocabulary:
    # As in the shapes: a concept of the scheme, or a refinement of one (skos:broader).
    return Vocabulary(name, title, f"?concept skos:broader*/skos:inScheme <{CVS}{name}> .",
                      class_property)


VOCABULARIES: dict[str, Vocabulary] = {v.name: v for v in (
    _scheme("system-types", "work system types", class_property=CV + "correspondingClass"),
    _scheme("flight-levels", "flight levels"),
    _scheme("value-focuses", "value focus"),
    _scheme("popup-purposes", "pop-up purposes"),
    _scheme("function-types", "function types"),
    _scheme("orientations", "orientations"),
    _scheme("characteristics", "journey characteristics"),
    _scheme("value-perspectives", "value perspectives"),
    Vocabulary("stage-types", "stage types of a reference stage model",
               "?concept skos:inScheme ?scheme ; skos:broader*/cv:phase ?phase ."),
    Vocabulary("stage-models", "reference stage models",
               "?concept a skos:ConceptScheme . "
               "FILTER EXISTS { ?stage skos:inScheme ?concept ; skos:broader*/cv:phase ?phase }"),
)}


@dataclass(frozen=True)
class Column:
    """One column: its header, the kind of value, and the triples a cell becomes.

    A cell with value V in the row of resource R gives ``R predicate V`` and, with ``inverse``,
    ``V inverse R`` (a column may have only an inverse: the journey of a renewal loop is stated
    from the journey). ``targets`` are the templates a reference may point into, ``vocabulary``
    the concepts a concept column accepts, ``choices`` the (label, class) pairs of a class
    column.
    """

    name: str
    kind: str
    predicate: str | None = None
    inverse: str | None = None
    required: bool = False
    multi: bool = False
    targets: tuple[str, ...] = ()
    vocabulary: str | None = None
    choices: tuple[tuple[str, str], ...] = ()
    minimum: int | None = None
    doc: str = ""

    @property
    def sets_class(self) -> bool:
        """Whether the cell decides the row's class (a class column, or a typing concept)."""
        if self.kind == CLASS:
            return True
        return self.kind == CONCEPT and VOCABULARIES[self.vocabulary].class_property is not None

    def predicates(self) -> list[tuple[str, bool]]:
        """(property, is inverse) pairs this column reads and writes."""
        found = [(self.predicate, False)] if self.predicate else []
        return found + ([(self.inverse, True)] if self.inverse else [])


@dataclass(frozen=True)
class Shortcut:
    """A derived triple: ``<subject column> predicate <object column>`` for every row
    (only rows whose ``when`` column holds the given value, if set)."""

    subject: str
    predicate: str
    object: str
    when: tuple[str, int] | None = None


@dataclass(frozen=True)
class Template:
    """One file of the set: its rows are the instances of ``classes``.

    A template with a single class writes ``rdf:type`` itself; one with several leaves it to
    the column that ``sets_class``. ``base_class`` is what a reference into this template must
    be an instance of (directly or through a subclass) when it is found in the store.
    """

    name: str
    title: str
    base_class: str
    classes: tuple[str, ...]
    columns: tuple[Column, ...]
    shortcuts: tuple[Shortcut, ...] = ()
    doc: str = ""

    @property
    def filename(self) -> str:
        return f"{self.name}.csv"

    @property
    def headers(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)

    @property
    def class_column(self) -> Column | None:
        return next((c for c in self.columns if c.sets_class), None)


# --- column helpers: keep the table below short and readable -----------------------------

def _id() -> Column:
    return Column("id", ID, required=True, doc="Identifier of the row (see the cell conventions).")


def _label(required: bool = True, doc: str = "Name, as architects say it.") -> Column:
    return Column("label", TEXT, RDFS_LABEL, required=required, doc=doc)


def _description() -> Column:
    return Column("description", TEXT, RDFS_COMMENT, doc="A sentence or two (rdfs:comment).")


def _text(name: str, predicate: str, doc: str, required: bool = False) -> Column:
    return Column(name, TEXT, CV + predicate, required=required, doc=doc)


def _ref(name: str, predicate: str | None, targets: str | tuple[str, ...], doc: str, *,
         required: bool = False, multi: bool = False, inverse: str | None = None) -> Column:
    targets = (targets,) if isinstance(targets, str) else targets
    return Column(name, REF, predicate and CV + predicate, inverse=inverse and CV + inverse,
                  required=required, multi=multi, targets=targets, doc=doc)


def _concept(name: str, predicate: str, vocabulary: str, doc: str, *,
             required: bool = False, multi: bool = False) -> Column:
    full = predicate if predicate.startswith("http") else CV + predicate
    return Column(name, CONCEPT, full, required=required, multi=multi, vocabulary=vocabulary,
                  doc=doc)


TEMPLATES: tuple[Template, ...] = (
    Template(
        "segments", "Customer segments", CV + "CustomerSegment", (CV + "CustomerSegment",), (
            _id(), _label(), _description(),
        ), doc="Groups of customers with similar jobs and journeys."),
    Template(
        "systems", "Work systems", CV + "WorkSystem",
        (CV + "CustomerFacingSystem", CV + "SupportingSystem", CV + "EnablingSystem",
         CV + "PopUpSystem"), (
            _id(), _label(),
            _concept("type", "systemType", "system-types", required=True,
                     doc="Customer-facing, Supporting, Enabling or Pop-up; also gives the "
                         "system its class."),
            _description(),
            _concept("flight_levels", "flightLevel", "flight-levels", multi=True,
                     doc="Flight levels it operates at: FL1, FL2, FL3."),
            _concept("value_focus", "valueFocus", "value-focuses",
                     doc="Value creation or Value production."),
            _text("market_promise", "marketPromise",
                  "What a customer-facing system promises its market."),
            _ref("value_streams", "hasValueStream", "value-streams", multi=True,
                 doc="The end-to-end value streams it owns (ids in value-streams.csv)."),
            _ref("segments", "servesSegment", "segments", multi=True,
                 doc="Segments a customer-facing system serves."),
            _ref("integrates_functions", "integratesFunction", "functions", multi=True,
                 doc="Internal functions it integrates into its value stream."),
            _ref("depends_on", "dependsOn", "systems", multi=True,
                 doc="Supporting systems a customer-facing system depends on."),
            _ref("relies_on", "reliesOn", "systems", multi=True,
                 doc="Enabling systems a customer-facing system relies on."),
            _ref("triggered_by", "triggeredBy", "systems", inverse="triggered",
                 doc="For a pop-up system: the customer-facing system that triggered it."),
            _concept("trigger_purpose", "triggerPurpose", "popup-purposes",
                     doc="For a pop-up system: Innovation or Crisis response."),
            _text("trigger_reason", "triggerReason",
                  "For a pop-up system: the situation that triggered it, in words."),
            Column("active_from", DATE, CV + "activeFrom", doc="First day it operates."),
            Column("active_until", DATE, CV + "activeUntil",
                   doc="Last day a temporary system operates."),
        ), doc="Customer-facing, supporting, enabling and pop-up work systems."),
    Template(
        "value-streams", "Value streams", CV + "ValueStream", (CV + "ValueStream",), (
            _id(), _label(), _description(),
            Column("owner", IRI, CV + "valueStreamOwner",
                   doc="The one accountable owner: a person, post or unit, kept elsewhere "
                       "(not checked)."),
        ), doc="End-to-end value streams of customer-facing systems, with their owners."),
    Template(
        "functions", "Functions", CV + "Function", (CV + "Function",), (
            _id(), _label(), _description(),
            _concept("function_type", ORG_CLASSIFICATION, "function-types",
                     doc="Marketing, Events marketing, Sales, Inside sales, Customer success, "
                         "..."),
            _concept("value_focus", "valueFocus", "value-focuses",
                     doc="Value creation or Value production."),
            _concept("orientation", "orientation", "orientations",
                     doc="Declared orientation: Outside-in or Inside-out."),
            _concept("organisation_level", "organisationLevel", "flight-levels",
                     doc="Level it works at: FL1, FL2 or FL3."),
            _ref("serves_jobs", "servesJob", "jobs", multi=True,
                 doc="Customer jobs it is designed for."),
            _ref("realises_benefits", "realisesBenefit", "benefits", multi=True,
                 doc="Benefits it helps customers realise."),
            _ref("addresses", "addresses", "challenges", multi=True,
                 doc="Challenges it works to remove."),
        ), doc="Organisational functions (marketing, sales, customer success, ...)."),
    Template(
        "journeys", "Customer journeys", CV + "CustomerJourney", (CV + "CustomerJourney",), (
            _id(), _label(), _description(),
            _ref("system", "journeyOf", "systems", required=True,
                 doc="The customer-facing system the journey is taken with."),
            _ref("segments", "forSegment", "segments", multi=True,
                 doc="The customer segments taking it."),
            Column("stage_model", CONCEPT, CV + "stageModel", vocabulary="stage-models",
                   doc="Five-stage customer journey or Eight-part customer journey (The Art "
                       "of Opportunity)."),
            _ref("serves_jobs", "servesJob", "jobs", multi=True,
                 doc="Customer jobs the journey serves."),
            _ref("monitored_by", "monitoredBy", "functions", multi=True,
                 doc="Functions (customer success) that monitor it end to end."),
        ), doc="Journeys a segment takes with a customer-facing system."),
    Template(
        "stages", "Journey stages", CV + "JourneyStage", (CV + "JourneyStage",), (
            _id(), _label(),
            _ref("journey", "stageOf", "journeys", inverse="hasStage", required=True,
                 doc="The journey the stage belongs to."),
            Column("position", INTEGER, CV + "stagePosition", required=True, minimum=1,
                   doc="1 for the first stage, then 2, 3, ... along the journey."),
            _concept("stage_type", "stageType", "stage-types", required=True,
                     doc="Awareness, ..., Loyalty or Solutions, ..., Dispose (from the "
                         "journey's stage model)."),
            _ref("next_stage", "nextStage", "stages",
                 doc="The stage that follows (empty for the last)."),
            _description(),
        ),
        shortcuts=(Shortcut("journey", CV + "firstStage", "id", when=("position", 1)),),
        doc="The stages of each journey, in order; the stage at position 1 is the journey's "
            "first stage."),
    Template(
        "renewal-loops", "Renewal loops", CV + "RenewalLoop", (CV + "RenewalLoop",), (
            _id(), _label(required=False),
            _ref("journey", None, "journeys", inverse="hasRenewalLoop", required=True,
                 doc="The journey the loop closes."),
            _ref("from_stage", "loopFrom", "stages", required=True,
                 doc="The late stage the loop starts from."),
            _ref("to_stage", "loopTo", "stages", required=True,
                 doc="The earlier stage it returns to."),
            _ref("monitored_by", "monitoredBy", "functions", multi=True,
                 doc="Functions (customer success) that watch the loop."),
            _description(),
        ),
        shortcuts=(Shortcut("from_stage", CV + "renewsTo", "to_stage"),),
        doc="How a journey closes into a circular business; from_stage renews to to_stage."),
    Template(
        "coverage", "Stage coverage", CV + "StageCoverage", (CV + "StageCoverage",), (
            _id(),
            _ref("function", "coveringFunction", "functions", required=True,
                 doc="The function covering the stage."),
            _ref("stage", "coveredStage", "stages", required=True, doc="The stage covered."),
            _concept("characteristic", "characteristic", "characteristics", required=True,
                     doc="Functional, Social or Emotional."),
            _ref("addresses", "addresses", "challenges", multi=True,
                 doc="Challenges this coverage removes."),
            _label(required=False, doc="Optional name."), _description(),
        ),
        shortcuts=(Shortcut("function", CV + "coversStage", "stage"),),
        doc="Which function covers which stage, with which characteristic (one per row)."),
    Template(
        "handoffs", "Hand-offs", CV + "HandOff", (CV + "HandOff",), (
            _id(),
            _ref("from_function", "fromFunction", "functions", required=True,
                 doc="The upstream function."),
            _ref("from_stage", "fromStage", "stages", required=True,
                 doc="The stage it hands off at."),
            _ref("to_function", "toFunction", "functions", required=True,
                 doc="The downstream function."),
            _ref("to_stage", "toStage", "stages", required=True,
                 doc="The stage it takes over at: the same or the next one."),
            _text("hands_over", "handsOver", "What is handed over with the customer."),
            _label(required=False, doc="Optional name."), _description(),
        ),
        shortcuts=(Shortcut("from_function", CV + "handsOffTo", "to_function"),),
        doc="Hand-offs of the customer from one function at one stage to another."),
    Template(
        "jobs", "Customer jobs", CV + "Job", (CV + "Job",), (
            _id(), _label(), _description(),
            _ref("segments", "performedBy", "segments", multi=True,
                 doc="Segments trying to get the job done."),
        ), doc="What customers are trying to get done."),
    Template(
        "challenges", "Challenges", CV + "Challenge",
        (CV + "BarrierToConsumption", CV + "HurdleToSatisfaction"), (
            _id(), _label(),
            Column("kind", CLASS, RDF_TYPE, required=True, choices=(
                ("Barrier to consumption", CV + "BarrierToConsumption"),
                ("Hurdle to satisfaction", CV + "HurdleToSatisfaction"),
            ), doc="Barrier to consumption (before purchase) or Hurdle to satisfaction "
                   "(after)."),
            _description(),
            _ref("hinders", "hinders", "jobs", multi=True, doc="Jobs it stands in the way of."),
            _ref("occurs_at", "occursAt", "stages", multi=True,
                 doc="Stages at which it shows up."),
        ), doc="Barriers to consumption and hurdles to satisfaction."),
    Template(
        "benefits", "Benefits", CV + "Benefit", (CV + "Benefit",), (
            _id(), _label(), _description(),
            _ref("benefit_of", "benefitOf", "jobs", multi=True,
                 doc="Jobs whose completion yields it."),
            _ref("realised_at", "realisedAt", "stages", multi=True,
                 doc="Stages at which customers realise it."),
        ), doc="What customers gain from getting their jobs done."),
    Template(
        "metrics", "Metrics", CV + "Metric", (CV + "Metric",), (
            _id(), _label(), _description(),
            _ref("measures", "measures", ("benefits", "jobs", "challenges", "stages", "systems"),
                 multi=True, doc="What it measures: benefits, jobs, challenges, stages or "
                                 "systems."),
            _concept("value_perspective", "valuePerspective", "value-perspectives",
                     doc="Value to the customer or Value to the business."),
            Column("unit", STRING, CV + "unitOfMeasure", doc="Unit: %, days, EUR, score."),
            Column("target", NUMBER, CV + "targetValue", doc="The value it should reach."),
            Column("owner", IRI, CV + "ownedBy",
                   doc="Who is accountable: a function's id or any agent (not checked)."),
        ), doc="The measurement system: what is measured, in which unit, to which target."),
    Template(
        "measurements", "Measurements", CV + "Measurement", (CV + "Measurement",), (
            _id(),
            _ref("metric", "ofMetric", "metrics", required=True,
                 doc="The metric this is a value of."),
            Column("value", NUMBER, CV + "measuredValue", required=True,
                   doc="The observed value."),
            Column("time", DATETIME, SOSA_RESULT_TIME,
                   doc="When: 2026-09-30T23:59:59Z (sosa:resultTime)."),
            _label(required=False, doc="Optional name."), _description(),
        ), doc="Observed values of metrics over time."),
)

TEMPLATES_BY_NAME: dict[str, Template] = {t.name: t for t in TEMPLATES}


def template_for_file(filename: str) -> Template | None:
    """The template a file name stands for; case, '_' or '-' do not matter (Excel renames)."""
    stem = filename[:-4] if filename.lower().endswith(".csv") else filename
    return TEMPLATES_BY_NAME.get(stem.strip().casefold().replace("_", "-").replace(" ", "-"))


def _check_declarations() -> None:
    """Fail at import time on a typo in the table above rather than at a user's import."""
    for template in TEMPLATES:
        names = template.headers
        assert names[0] == "id" and len(set(names)) == len(names), template.name
        assert (template.class_column is not None) == (len(template.classes) > 1), template.name
        for column in template.columns:
            assert all(t in TEMPLATES_BY_NAME for t in column.targets), column
            assert column.kind != CONCEPT or column.vocabulary in VOCABULARIES, column
            assert column.kind == ID or column.predicates(), column
        for shortcut in template.shortcuts:
            assert shortcut.subject in names and shortcut.object in names, shortcut


_check_declarations()
