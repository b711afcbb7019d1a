"""A synthetic enterprise in the custvalue-kg ontology, at any size, for benchmarks and tests.

``generate(triples, seed, gap_share)`` yields pyoxigraph triples, one business unit at a time,
so ten million triples never sit in memory. Every business unit has customer-facing systems
(market promise, value stream and owner, segments, flight levels, system types), supporting,
enabling and pop-up systems, customer segments with velcro, functions classified by function
type, journeys on both reference stage models (stage chains, positions, first stage, renewal
loops, end-to-end monitoring), qualified stage coverage with its shortcut, every hand-off the
coverage calls for (with its shortcut), jobs, barriers and hurdles with what addresses them,
benefits, initiatives, objectives, insights, hypotheses, decisions, metrics and measurements,
stated the way the sample enterprise states them.

Apart from a controlled share of deliberate gaps (missing hand-offs, uncovered stages,
unaddressed challenges: SHACL warnings that the named queries ``missing-handoffs``,
``uncovered-stages`` and ``unaddressed-challenges`` find) the data is valid against the
shipped shapes and raises no other warning or info. The gaps are recorded in a ``GapPlan``.

The output is deterministic: the same seed and size give the same triples in the same order.
The size is hit exactly: whole business units while they fit, then measurements of the last
unit's metrics (3 to 5 triples each) fill the rest.
"""

from __future__ import annotations

import json
import random
import sys
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import click
import pyoxigraph as ox

from .errors import CustvalueError

BASE = "https://example.org/generated/"
GENERATED_GRAPH = "https://w3id.org/custvalue/graph/generated"
MIN_TRIPLES = 1_000

_CV = "https://w3id.org/custvalue/ontology#"
_CVS = "https://w3id.org/custvalue/scheme/"
_XSD = "http://www.w3.org/2001/XMLSchema#"


def _cv(name: str) -> ox.NamedNode:
    return ox.NamedNode(_CV + name)


def _cvs(name: str) -> ox.NamedNode:
    return ox.NamedNode(_CVS + name)


A = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
COMMENT = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#comment")
DESCRIPTION = ox.NamedNode("http://purl.org/dc/terms/description")
ORG = "http://www.w3.org/ns/org#"
ORG_UNIT = ox.NamedNode(ORG + "OrganizationalUnit")
HAS_UNIT = ox.NamedNode(ORG + "hasUnit")
UNIT_OF = ox.NamedNode(ORG + "unitOf")
CLASSIFICATION = ox.NamedNode(ORG + "classification")
PERSON = ox.NamedNode("http://xmlns.com/foaf/0.1/Person")
FOAF_NAME = ox.NamedNode("http://xmlns.com/foaf/0.1/name")
PROV = "http://www.w3.org/ns/prov#"
USED = ox.NamedNode(PROV + "used")
GENERATED_AT = ox.NamedNode(PROV + "generatedAtTime")
ASSOCIATED_WITH = ox.NamedNode(PROV + "wasAssociatedWith")
STARTED_AT = ox.NamedNode(PROV + "startedAtTime")
RESULT_TIME = ox.NamedNode("http://www.w3.org/ns/sosa/resultTime")
XSD_INTEGER = ox.NamedNode(_XSD + "integer")
XSD_DECIMAL = ox.NamedNode(_XSD + "decimal")
XSD_DATE = ox.NamedNode(_XSD + "date")
XSD_DATETIME = ox.NamedNode(_XSD + "dateTime")

# The two reference stage models of schemes.ttl: (stage type, pre-purchase?) in order.
FIVE_STAGES = (("awareness", True), ("consideration", True), ("acquisition", True),
               ("service", False), ("loyalty", False))
EIGHT_PARTS = (("solutions", True), ("evaluation", True), ("selection", True),
               ("purchase", True), ("take-home-deliver", False), ("use", False),
               ("maintain", False), ("dispose", False))
STAGE_MODELS = {"five-stage-model": FIVE_STAGES, "eight-part-model": EIGHT_PARTS}
# Where a renewal loop returns to, per model (an earlier stage, as in the sample).
RENEWAL_TARGETS = {"five-stage-model": ("consideration", "acquisition"),
                   "eight-part-model": ("selection", "evaluation")}
STAGE_NAMES = {"take-home-deliver": "Take Home/Deliver"}

# The functions of every business unit: (key, label, function type, value focus, level).
FUNCTIONS = (
    ("brand-marketing", "Brand marketing", "marketing", "value-creation", "fl2"),
    ("events-marketing", "Events marketing", "events-marketing", "value-creation", "fl1"),
    ("community", "User community", "social-communities", "value-creation", "fl1"),
    ("inside-sales", "Inside sales", "inside-sales", "value-creation", "fl1"),
    ("field-sales", "Field sales", "sales", "value-creation", "fl2"),
    ("finance", "Finance and billing", "finance", "value-creation", "fl2"),
    ("supply-chain", "Supply chain and fulfilment", "supply-chain", "value-production", "fl1"),
    ("customer-service", "Customer service", "customer-service", "value-creation", "fl1"),
    ("customer-success", "Customer success", "customer-success", "value-creation", "fl2"),
    ("operations", "Service operations", "operations", "value-creation", "fl1"),
    ("product-management", "Product management", "product-management", "value-creation",
     "fl3"),
)
# Which functions can cover a stage of each type.
AFFINITY = {
    "awareness": ("brand-marketing", "events-marketing", "community"),
    "solutions": ("brand-marketing", "events-marketing", "community"),
    "consideration": ("brand-marketing", "events-marketing", "inside-sales", "field-sales"),
    "evaluation": ("brand-marketing", "field-sales", "product-management", "inside-sales"),
    "selection": ("field-sales", "inside-sales", "product-management"),
    "acquisition": ("inside-sales", "field-sales", "finance"),
    "purchase": ("field-sales", "inside-sales", "finance"),
    "take-home-deliver": ("supply-chain", "operations"),
    "service": ("customer-service", "operations", "community", "customer-success"),
    "use": ("customer-success", "operations", "customer-service", "community"),
    "maintain": ("customer-service", "operations", "customer-success"),
    "loyalty": ("customer-success", "field-sales", "community"),
    "dispose": ("customer-success", "operations", "field-sales"),
}
SECTORS = ("Marine", "Agri", "Health", "Retail", "Energy", "Mobility", "Logistics", "Education",
           "Construction", "Insurance", "Media", "Hospitality", "Mining", "Water", "Security",
           "Telecom")
PRODUCTS = ("fleet service", "booking portal", "sensor kit", "delivery network", "analytics suite",
            "subscription box", "repair plan", "marketplace", "training academy", "payment app")
CHARACTERISTICS = ("functional", "social", "emotional")
INNOVATION_AREAS = ("product-innovation", "sales-innovation", "marketing-innovation",
                    "supply-chain-innovation", "journey-innovation")
STATUSES = ("proposed", "testing", "supported", "refuted")
UNITS = ("%", "days", "EUR", "score")


@dataclass(frozen=True)
class MissingHandOff:
    journey: str
    from_stage: str
    from_function: str
    to_stage: str
    to_function: str


@dataclass(frozen=True)
class UncoveredStage:
    journey: str
    stage: str


@dataclass(frozen=True)
class UnaddressedChallenge:
    challenge: str
    kind: str  # the class IRI: cv:BarrierToConsumption or cv:HurdleToSatisfaction
    stage: str


@dataclass
class GapPlan:
    """The deliberate gaps of a generated enterprise, as IRIs (filled while generating)."""

    missing_handoffs: list[MissingHandOff] = field(default_factory=list)
    uncovered_stages: list[UncoveredStage] = field(default_factory=list)
    unaddressed_challenges: list[UnaddressedChallenge] = field(default_factory=list)
    triples: int = 0
    business_units: int = 0

    def extend(self, other: GapPlan) -> None:
        self.missing_handoffs += other.missing_handoffs
        self.uncovered_stages += other.uncovered_stages
        self.unaddressed_challenges += other.unaddressed_challenges

    @property
    def gaps(self) -> int:
        return (len(self.missing_handoffs) + len(self.uncovered_stages)
                + len(self.unaddressed_challenges))

    def to_json(self) -> dict:
        return {
            "triples": self.triples,
            "business_units": self.business_units,
            "missing_handoffs": [asdict(g) for g in self.missing_handoffs],
            "uncovered_stages": [asdict(g) for g in self.uncovered_stages],
            "unaddressed_challenges": [asdict(g) for g in self.unaddressed_challenges],
        }


# --- one business unit -----------------------------------------------------------------------

class _Unit:
    """Builds the triples of one business unit into a list (a few thousand at most)."""

    def __init__(self, index: int, rng: random.Random, gap_share: float, small: bool,
                 enterprise: ox.NamedNode, force_gaps: bool) -> None:
        self.index = index
        self.rng = rng
        self.gap_share = gap_share
        self.small = small
        self.enterprise = enterprise
        self.force_gaps = force_gaps
        self.base = f"{BASE}bu{index}/"
        self.sector = f"{SECTORS[index % len(SECTORS)]} {index}"
        self.triples: list[ox.Triple] = []
        self.plan = GapPlan()
        self.functions: dict[str, ox.NamedNode] = {}
        self.function_labels: dict[str, str] = {}
        self.covering: dict[str, int] = {}  # function key -> stages it covers
        self.metrics: list[ox.NamedNode] = []
        self.handoff_pairs: dict[tuple[str, str], None] = {}
        self.addressed: list[ox.NamedNode] = []  # challenges left for an initiative to address

    # -- helpers --

    def iri(self, path: str) -> ox.NamedNode:
        return ox.NamedNode(self.base + path)

    def add(self, s: ox.NamedNode, p: ox.NamedNode, o: ox.NamedNode | ox.Literal) -> None:
        self.triples.append(ox.Triple(s, p, o))

    def text(self, s: ox.NamedNode, p: ox.NamedNode, value: str) -> None:
        self.add(s, p, ox.Literal(value, language="en"))

    def gap(self) -> bool:
        return self.gap_share > 0 and self.rng.random() < self.gap_share

    # -- the unit --

    def build(self) -> _Unit:
        rng = self.rng
        unit = self.iri("unit")
        self.add(unit, A, ORG_UNIT)
        self.text(unit, LABEL, f"{self.sector} business unit")
        self.add(unit, UNIT_OF, self.enterprise)
        self.add(self.enterprise, HAS_UNIT, unit)
        for key, label, ftype, focus, level in FUNCTIONS:
            fn = self.iri(f"function/{key}")
            self.functions[key] = fn
            self.function_labels[key] = f"{label} ({self.sector})"
            self.add(fn, A, _cv("Function"))
            self.text(fn, LABEL, self.function_labels[key])
            self.add(fn, CLASSIFICATION, _cvs(ftype))
            self.add(fn, _cv("valueFocus"), _cvs(focus))
            self.add(fn, _cv("organisationLevel"), _cvs(level))
            self.add(self.enterprise, HAS_UNIT, fn)
            self.add(unit, HAS_UNIT, fn)
            self.covering[key] = 0
        supporting = [self._system("supporting", i) for i in range(1 if self.small else
                                                                     rng.randint(1, 3))]
        enabling = [self._system("enabling", i) for i in range(1 if self.small else
                                                                 rng.randint(1, 2))]
        segments = [self._segment(i) for i in range(1 if self.small else rng.randint(2, 3))]
        jobs = {seg: [self._job(seg, i, k) for k in range(rng.randint(1, 2))]
                for i, seg in enumerate(segments)}
        model = self._sense_making_model()
        systems = 1 if self.small else rng.randint(2, 4)
        journeys_seen = 0
        for i in range(systems):
            segment = segments[i % len(segments)]
            cfs = self._customer_facing(i, segment, supporting, enabling)
            for k in range(1 if self.small else rng.randint(1, 2)):
                # Alternate the models so that every unit has both once it has two journeys.
                name = "five-stage-model" if (journeys_seen + self.index) % 2 == 0 \
                    else "eight-part-model"
                self._journey(f"j{i}-{k}", cfs, segment, jobs[segment], name, model)
                journeys_seen += 1
        for key, fn in self.functions.items():
            if self.covering[key] == 0:  # serves a job, so never inside-out
                self.add(fn, _cv("servesJob"), jobs[segments[0]][0])
        self._initiative(jobs[segments[0]][0])
        self._objective(jobs[segments[-1]][0])
        return self

    def _system(self, kind: str, i: int) -> ox.NamedNode:
        system = self.iri(f"system/{kind}-{i}")
        cls = {"supporting": "SupportingSystem", "enabling": "EnablingSystem"}[kind]
        self.add(system, A, _cv(cls))
        self.text(system, LABEL, f"{self.sector} {kind} platform {i}")
        self.add(system, _cv("systemType"), _cvs(kind))
        self.add(system, _cv("flightLevel"), _cvs("fl1" if kind == "supporting" else "fl2"))
        self.add(self.enterprise, _cv("hasSystem"), system)
        return system

    def _segment(self, i: int) -> ox.NamedNode:
        segment = self.iri(f"segment/{i}")
        self.add(segment, A, _cv("CustomerSegment"))
        self.text(segment, LABEL, f"{self.sector} customers, segment {i}")
        for k in range(self.rng.randint(1, 2)):
            cu = self.iri(f"customer-unit/{i}-{k}")
            self.add(cu, A, _cv("CustomerUnit"))
            self.text(cu, LABEL, f"{'Procurement' if k == 0 else 'Operations'} of segment {i}")
            self.add(cu, _cv("unitOf"), segment)
            self.add(cu, _cv("organisationLevel"), _cvs("fl2" if k == 0 else "fl1"))
            ours = "field-sales" if k == 0 else "customer-success"
            velcro = self.iri(f"velcro/{i}-{k}")
            self.add(velcro, A, _cv("VelcroCorrespondence"))
            self.add(velcro, _cv("customerUnit"), cu)
            self.add(velcro, _cv("ourUnit"), self.functions[ours])
            self.add(velcro, _cv("forSegment"), segment)
            self.add(self.functions[ours], _cv("correspondsTo"), cu)
        return segment

    def _job(self, segment: ox.NamedNode, i: int, k: int) -> ox.NamedNode:
        job = self.iri(f"job/{i}-{k}")
        self.add(job, A, _cv("Job"))
        self.text(job, LABEL, f"Get job {k} of segment {i} done ({self.sector})")
        self.add(job, _cv("performedBy"), segment)
        return job

    def _customer_facing(self, i: int, segment: ox.NamedNode, supporting: list,
                         enabling: list) -> ox.NamedNode:
        rng = self.rng
        product = PRODUCTS[rng.randrange(len(PRODUCTS))]
        cfs = self.iri(f"system/cfs-{i}")
        self.add(cfs, A, _cv("CustomerFacingSystem"))
        self.text(cfs, LABEL, f"{self.sector} {product} {i}")
        self.add(cfs, _cv("systemType"), _cvs("customer-facing"))
        self.add(cfs, _cv("flightLevel"), _cvs("fl2"))
        self.add(cfs, _cv("flightLevel"), _cvs("fl3"))
        self.text(cfs, _cv("marketPromise"), f"The {product} that gets the job done in "
                                             f"{rng.randint(1, 30)} days, not months.")
        self.add(cfs, _cv("valueFocus"), _cvs("value-creation"))
        self.add(cfs, _cv("activeFrom"), _date(rng))
        self.add(cfs, _cv("servesSegment"), segment)
        self.add(cfs, _cv("dependsOn"), supporting[rng.randrange(len(supporting))])
        self.add(cfs, _cv("reliesOn"), enabling[rng.randrange(len(enabling))])
        self.add(self.enterprise, _cv("hasSystem"), cfs)
        stream = self.iri(f"value-stream/{i}")
        owner = self.iri(f"agent/owner-{i}")
        self.add(cfs, _cv("hasValueStream"), stream)
        self.add(stream, A, _cv("ValueStream"))
        self.text(stream, LABEL, f"{self.sector} {product} {i}: from need to renewal")
        self.add(stream, _cv("valueStreamOwner"), owner)
        name = f"Owner {self.index}-{i}"
        self.add(owner, A, PERSON)
        self.text(owner, LABEL, name)
        self.add(owner, FOAF_NAME, ox.Literal(name))
        for key in ("brand-marketing", "inside-sales", "customer-service", "customer-success"):
            self.add(cfs, _cv("integratesFunction"), self.functions[key])
        if rng.random() < 0.25:
            popup = self.iri(f"system/popup-{i}")
            self.add(popup, A, _cv("PopUpSystem"))
            self.text(popup, LABEL, f"{self.sector} task force {i}")
            self.add(popup, _cv("systemType"), _cvs("pop-up"))
            self.add(popup, _cv("flightLevel"), _cvs("fl2"))
            self.add(popup, _cv("triggeredBy"), cfs)
            self.add(cfs, _cv("triggered"), popup)
            crisis = rng.random() < 0.5
            self.add(popup, _cv("triggerPurpose"), _cvs("crisis-response" if crisis
                                                        else "innovation"))
            self.text(popup, _cv("triggerReason"), "Customers reported an outage." if crisis
                      else "Customers asked for a new way of working.")
            self.add(popup, _cv("activeFrom"), ox.Literal("2026-01-05", datatype=XSD_DATE))
            self.add(popup, _cv("activeUntil"), ox.Literal("2026-06-30", datatype=XSD_DATE))
            self.add(self.enterprise, _cv("hasSystem"), popup)
        return cfs

    def _sense_making_model(self) -> ox.NamedNode:
        model = self.iri("sense-making-model/journey-map")
        self.add(model, A, _cv("SenseMakingModel"))
        self.text(model, LABEL, f"{self.sector} journey map")
        self.add(model, _cv("perspective"), _cvs("customer-centred"))
        self.text(model, _cv("designedFor"), "Understanding customers' situations.")
        return model

    # -- journeys --

    def _journey(self, key: str, cfs: ox.NamedNode, segment: ox.NamedNode, jobs: list,
                 model_name: str, model: ox.NamedNode) -> None:
        rng = self.rng
        journey = self.iri(f"journey/{key}")
        label = f"{self.sector} journey {key}"
        job = jobs[rng.randrange(len(jobs))]
        customer_success = self.functions["customer-success"]
        self.add(journey, A, _cv("CustomerJourney"))
        self.text(journey, LABEL, label)
        self.add(journey, _cv("journeyOf"), cfs)
        self.add(journey, _cv("forSegment"), segment)
        self.add(journey, _cv("stageModel"), _cvs(model_name))
        self.add(journey, _cv("servesJob"), job)
        self.add(journey, _cv("monitoredBy"), customer_success)
        stages = []
        for position, (stage_type, pre) in enumerate(STAGE_MODELS[model_name], start=1):
            stage = self.iri(f"journey/{key}/{stage_type}")
            stages.append((stage, stage_type, pre))
            self.add(journey, _cv("hasStage"), stage)
            self.add(stage, A, _cv("JourneyStage"))
            name = STAGE_NAMES.get(stage_type, stage_type.capitalize())
            self.text(stage, LABEL, f"{label}: {name}")
            self.add(stage, _cv("stageOf"), journey)
            self.add(stage, _cv("stageType"), _cvs(stage_type))
            self.add(stage, _cv("stagePosition"), ox.Literal(str(position), datatype=XSD_INTEGER))
            if position > 1:
                self.add(stages[-2][0], _cv("nextStage"), stage)
        self.add(journey, _cv("firstStage"), stages[0][0])
        if rng.random() < 0.9:
            target = RENEWAL_TARGETS[model_name][rng.randrange(2)]
            loop_to = next(s for s, t, _ in stages if t == target)
            loop = self.iri(f"journey/{key}/renewal-loop")
            self.add(journey, _cv("hasRenewalLoop"), loop)
            self.add(loop, A, _cv("RenewalLoop"))
            self.text(loop, LABEL, f"{label}: renewal")
            self.add(loop, _cv("loopFrom"), stages[-1][0])
            self.add(loop, _cv("loopTo"), loop_to)
            self.add(loop, _cv("monitoredBy"), customer_success)
            self.add(stages[-1][0], _cv("renewsTo"), loop_to)
        coverage = self._coverage(journey, key, stages)
        self._handoffs(journey, key, stages, coverage)
        self._challenges(key, stages, coverage, job, model)
        self._benefit_and_metric(key, stages, job)

    def _coverage(self, journey: ox.NamedNode, key: str, stages: list) -> list[dict]:
        """Which functions cover each stage, with the coverage nodes (empty for a gap)."""
        rng = self.rng
        result: list[dict] = []
        forced = self.force_gaps and not self.plan.uncovered_stages
        previous: list[str] = []
        for position, (stage, stage_type, _) in enumerate(stages):
            # A unit that must show every kind of gap leaves its first journey's third stage
            # uncovered (never the first two: the forced missing hand-off needs them).
            if (forced and position == 2) or (position != 1 and self.gap()):
                self.plan.uncovered_stages.append(UncoveredStage(journey.value, stage.value))
                result.append({})
                previous = []
                continue
            candidates = list(AFFINITY[stage_type])
            chosen = [f for f in previous if f in candidates and rng.random() < 0.5]
            for f in rng.sample(candidates, rng.randint(1, min(3, len(candidates)))):
                if f not in chosen:
                    chosen.append(f)
            covers: dict[str, list[ox.NamedNode]] = {}
            for f in chosen:
                fn = self.functions[f]
                chars = rng.sample(CHARACTERISTICS, 1 if rng.random() < 0.7 else 2)
                nodes = []
                for char in chars:
                    cov = self.iri(f"coverage/{key}-{stage_type}-{f}-{char}")
                    self.add(cov, A, _cv("StageCoverage"))
                    self.text(cov, LABEL, f"{self.function_labels[f]} at "
                                          f"{stage_type} of {key} ({char})")
                    self.add(cov, _cv("coveringFunction"), fn)
                    self.add(cov, _cv("coveredStage"), stage)
                    self.add(cov, _cv("characteristic"), _cvs(char))
                    nodes.append(cov)
                self.add(fn, _cv("coversStage"), stage)
                self.covering[f] += 1
                covers[f] = nodes
            result.append(covers)
            previous = chosen
        return result

    def _handoffs(self, journey: ox.NamedNode, key: str, stages: list,
                  coverage: list[dict]) -> None:
        """Every hand-off the coverage calls for (the shapes' rule), less the planned gaps."""
        forced = self.force_gaps and not self.plan.missing_handoffs
        for i in range(len(stages) - 1):
            (s1, t1, _), (s2, t2, _) = stages[i], stages[i + 1]
            for f1 in coverage[i]:
                if f1 in coverage[i + 1]:
                    continue  # it goes on with the customer: nobody is dropped
                for f2 in coverage[i + 1]:
                    if forced or self.gap():
                        forced = False
                        self.plan.missing_handoffs.append(MissingHandOff(
                            journey.value, s1.value, self.functions[f1].value, s2.value,
                            self.functions[f2].value))
                        continue
                    handoff = self.iri(f"handoff/{key}-{t1}-{f1}-to-{f2}")
                    self.add(handoff, A, _cv("HandOff"))
                    self.text(handoff, LABEL, f"{self.function_labels[f1]} to "
                                              f"{self.function_labels[f2]}, {t1} to {t2}")
                    self.add(handoff, _cv("fromFunction"), self.functions[f1])
                    self.add(handoff, _cv("fromStage"), s1)
                    self.add(handoff, _cv("toFunction"), self.functions[f2])
                    self.add(handoff, _cv("toStage"), s2)
                    self.text(handoff, _cv("handsOver"), "The customer's history and open "
                                                         "questions")
                    if (f1, f2) not in self.handoff_pairs:
                        self.handoff_pairs[(f1, f2)] = None
                        self.add(self.functions[f1], _cv("handsOffTo"), self.functions[f2])

    def _challenges(self, key: str, stages: list, coverage: list[dict], job: ox.NamedNode,
                    model: ox.NamedNode) -> None:
        rng = self.rng
        forced = self.force_gaps and not self.plan.unaddressed_challenges
        for c in range(rng.randint(1, 3)):
            position = rng.randrange(len(stages))
            stage, stage_type, pre = stages[position]
            kind = "BarrierToConsumption" if pre else "HurdleToSatisfaction"
            challenge = self.iri(f"challenge/{key}-{c}")
            self.add(challenge, A, _cv(kind))
            self.text(challenge, LABEL, f"{'Barrier' if pre else 'Hurdle'} {c} at "
                                        f"{stage_type} of {key} ({self.sector})")
            self.add(challenge, _cv("hinders"), job)
            self.add(challenge, _cv("occursAt"), stage)
            if forced or self.gap():
                forced = False
                self.plan.unaddressed_challenges.append(
                    UnaddressedChallenge(challenge.value, _CV + kind, stage.value))
                continue
            covers = coverage[position]
            remedy = rng.random()
            if covers and remedy < 0.6:
                nodes = covers[sorted(covers)[0]]
                self.add(nodes[0], _cv("addresses"), challenge)
            elif remedy < 0.85:
                self.add(self.functions["product-management"], _cv("addresses"), challenge)
            else:
                self.addressed.append(challenge)  # an initiative takes it on
            if c == 0:
                self._evidence(key, challenge, job, model)

    def _evidence(self, key: str, challenge: ox.NamedNode, job: ox.NamedNode,
                  model: ox.NamedNode) -> None:
        """Customer evidence, a hypothesis and a decision about a journey's first challenge."""
        rng = self.rng
        insight = self.iri(f"insight/{key}")
        self.add(insight, A, _cv("CustomerEvidence"))
        self.text(insight, LABEL, f"Interviews about {key} ({self.sector})")
        self.add(insight, _cv("organisedBy"), model)
        self.add(insight, _cv("about"), challenge)
        self.add(insight, GENERATED_AT, _datetime(rng))
        metric = self._metric(f"{key}-challenge", challenge, "business-value")
        hypothesis = self.iri(f"hypothesis/{key}")
        self.add(hypothesis, A, _cv("Hypothesis"))
        self.text(hypothesis, LABEL, f"Removing the challenge of {key} wins customers")
        self.add(hypothesis, _cv("hypothesisStatus"), _cvs(STATUSES[rng.randrange(4)]))
        self.add(hypothesis, _cv("evidence"), insight)
        self.add(hypothesis, _cv("customerProblem"), challenge)
        self.add(hypothesis, _cv("measuredBy"), metric)
        decision = self.iri(f"decision/{key}")
        self.add(decision, A, _cv("Decision"))
        self.text(decision, LABEL, f"Act on the challenge of {key}")
        self.add(decision, _cv("basedOn"), hypothesis)
        self.add(decision, USED, insight)
        self.add(decision, _cv("customerProblem"), job)
        self.add(decision, _cv("measuredBy"), metric)
        self.add(decision, ASSOCIATED_WITH, self.functions["product-management"])
        self.add(decision, STARTED_AT, _datetime(rng))

    def _benefit_and_metric(self, key: str, stages: list, job: ox.NamedNode) -> None:
        post = [s for s, _, pre in stages if not pre]
        benefit = self.iri(f"benefit/{key}")
        self.add(benefit, A, _cv("Benefit"))
        self.text(benefit, LABEL, f"Job done sooner with {key} ({self.sector})")
        self.add(benefit, _cv("benefitOf"), job)
        self.add(benefit, _cv("realisedAt"), post[self.rng.randrange(len(post))])
        self._metric(f"{key}-benefit", benefit, "customer-value")

    def _metric(self, key: str, measured: ox.NamedNode, perspective: str) -> ox.NamedNode:
        rng = self.rng
        metric = self.iri(f"metric/{key}")
        self.add(metric, A, _cv("Metric"))
        self.text(metric, LABEL, f"Metric {key} ({self.sector})")
        self.add(metric, _cv("measures"), measured)
        self.add(metric, _cv("valuePerspective"), _cvs(perspective))
        self.add(metric, _cv("unitOfMeasure"), ox.Literal(UNITS[rng.randrange(len(UNITS))]))
        self.add(metric, _cv("targetValue"), _decimal(rng))
        self.add(metric, _cv("ownedBy"), self.functions["customer-success"])
        self.metrics.append(metric)
        for quarter in range(rng.randint(1, 4)):
            self.measurement(metric, f"{key}-q{quarter + 1}", 5)
        return metric

    def measurement(self, metric: ox.NamedNode, key: str, size: int) -> None:
        """A measurement of 3, 4 or 5 triples (the sizes the exact fill needs)."""
        rng = self.rng
        node = self.iri(f"measurement/{key}")
        self.add(node, A, _cv("Measurement"))
        self.add(node, _cv("ofMetric"), metric)
        self.add(node, _cv("measuredValue"), _decimal(rng))
        if size >= 4:
            self.add(node, RESULT_TIME, _datetime(rng))
        if size >= 5:
            self.text(node, LABEL, f"Measurement {key}")

    def _initiative(self, job: ox.NamedNode) -> None:
        initiative = self.iri("initiative/0")
        self.add(initiative, A, _cv("Initiative"))
        self.text(initiative, LABEL, f"{self.sector} customer programme")
        self.add(initiative, _cv("orientation"), _cvs("outside-in"))
        area = INNOVATION_AREAS[self.rng.randrange(len(INNOVATION_AREAS))]
        self.add(initiative, _cv("innovationArea"), _cvs(area))
        self.add(initiative, _cv("servesJob"), job)
        for challenge in self.addressed:
            self.add(initiative, _cv("addresses"), challenge)
        self.add(initiative, _cv("ownedBy"), self.functions["product-management"])

    def _objective(self, job: ox.NamedNode) -> None:
        objective = self.iri("objective/0")
        self.add(objective, A, _cv("Objective"))
        self.text(objective, LABEL, f"{self.sector}: customers get their job done")
        self.add(objective, _cv("orientation"), _cvs("outside-in"))
        self.add(objective, _cv("servesJob"), job)
        self.add(objective, _cv("ownedBy"), self.functions["customer-success"])
        self.add(self.functions["customer-success"], _cv("pursues"), objective)


def _date(rng: random.Random) -> ox.Literal:
    return ox.Literal(f"20{rng.randint(18, 25)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                      datatype=XSD_DATE)


def _datetime(rng: random.Random) -> ox.Literal:
    return ox.Literal(f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T12:00:00Z",
                      datatype=XSD_DATETIME)


def _decimal(rng: random.Random) -> ox.Literal:
    return ox.Literal(f"{rng.randint(1, 999)}.{rng.randint(0, 9)}", datatype=XSD_DECIMAL)


# --- the enterprise --------------------------------------------------------------------------

def fill_sizes(residual: int) -> list[int]:
    """Split ``residual`` (at least 3) into measurement sizes of 3 to 5 triples."""
    if residual < 3:
        raise ValueError("a fill needs at least 3 triples")
    sizes = []
    while residual > 0:
        size = 5 if residual - 5 >= 3 or residual == 5 else residual if residual <= 5 else 3
        sizes.append(size)
        residual -= size
    return sizes


def generate(
    triples: int, seed: int = 0, gap_share: float = 0.05, plan: GapPlan | None = None
) -> Iterator[ox.Triple]:
    """Yield exactly ``triples`` triples of a synthetic enterprise, one business unit at a time.

    ``plan``, when given, receives the deliberate gaps of the units actually yielded. With
    ``gap_share`` > 0 the first unit carries at least one gap of each kind.
    """
    if triples < MIN_TRIPLES:
        raise CustvalueError(f"--triples {triples}: generate at least {MIN_TRIPLES} triples")
    if not 0 <= gap_share <= 1:
        raise CustvalueError(f"--gap-share {gap_share}: give a share between 0 and 1")
    plan = plan if plan is not None else GapPlan()
    enterprise = ox.NamedNode(BASE + "enterprise")
    header = [ox.Triple(enterprise, A, _cv("Enterprise")),
              ox.Triple(enterprise, LABEL, ox.Literal(f"Synthetic enterprise {seed}",
                                                      language="en"))]
    yield from header
    count = len(header)
    last: _Unit | None = None
    index = 0
    while True:
        unit = None
        for small in (False, True):
            # Each unit has its own random stream, so it is the same at every size.
            rng = random.Random(f"custvalue-kg:{seed}:{index}:{small}")
            candidate = _Unit(index, rng, gap_share, small, enterprise,
                              force_gaps=index == 0 and gap_share > 0).build()
            if count + len(candidate.triples) <= triples - 3:
                unit = candidate
                break
        if unit is None:
            break
        yield from unit.triples
        count += len(unit.triples)
        plan.extend(unit.plan)
        last = unit
        index += 1
    if last is None:
        raise CustvalueError(f"--triples {triples} is too small for one business unit")
    filler = _Unit(last.index, random.Random(f"custvalue-kg:{seed}:fill"), 0, True,
                   enterprise, False)
    for n, size in enumerate(fill_sizes(triples - count)):
        filler.measurement(last.metrics[n % len(last.metrics)], f"fill-{n}", size)
    yield from filler.triples
    plan.triples = count + len(filler.triples)
    plan.business_units = index


# --- command line ----------------------------------------------------------------------------

FORMATS = {
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "turtle": ox.RdfFormat.TURTLE,
    "nquads": ox.RdfFormat.N_QUADS,
}
_EXTENSIONS = {".nt": "ntriples", ".ttl": "turtle", ".nq": "nquads"}
PREFIXES = {
    "cv": _CV, "cvs": _CVS, "rdfs": "http://www.w3.org/2000/01/rdf-schema#", "org": ORG,
    "xsd": _XSD, "prov": PROV, "sosa": "http://www.w3.org/ns/sosa/",
    "foaf": "http://xmlns.com/foaf/0.1/", "gen": BASE,
}


def parse_size(text: str) -> int:
    """'100k', '1M', '10m' or a plain number of triples."""
    value = text.strip().lower().replace("_", "").replace(",", "")
    factor = {"k": 1_000, "m": 1_000_000}.get(value[-1:], 1)
    number = value[:-1] if factor > 1 else value
    try:
        return int(float(number) * factor)
    except ValueError:
        raise click.BadParameter(f"{text!r} is not a size (e.g. 100k, 1M, 250000)") from None


def write(
    output: str | Path | None, triples: int, seed: int, gap_share: float, fmt: str,
    graph: str = GENERATED_GRAPH,
) -> GapPlan:
    """Stream a generated enterprise to a file (written whole, then renamed) or stdout."""
    plan = GapPlan()
    stream: Iterator = generate(triples, seed, gap_share, plan)
    if fmt == "nquads":
        name = ox.NamedNode(graph)
        stream = (ox.Quad(t.subject, t.predicate, t.object, name) for t in stream)
    prefixes = PREFIXES if fmt == "turtle" else None
    if output is None or str(output) == "-":
        ox.serialize(stream, sys.stdout.buffer, format=FORMATS[fmt], prefixes=prefixes)
        sys.stdout.buffer.flush()
        return plan
    target = Path(output)
    partial = target.with_name(target.name + ".partial")
    try:
        with partial.open("wb") as handle:
            ox.serialize(stream, handle, format=FORMATS[fmt], prefixes=prefixes)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return plan


@click.command("generate")
@click.option("--triples", "size", required=True, metavar="N",
              help="How many triples (100k, 1M, 10M or a number); hit exactly.")
@click.option("--seed", default=0, show_default=True, type=int,
              help="The same seed and size give byte-identical output.")
@click.option("--gap-share", default=0.05, show_default=True, type=float,
              help="Share of stages left uncovered, hand-offs left out and challenges left "
                   "unaddressed (SHACL warnings, found by the gap queries).")
@click.option("--output", "-o", metavar="FILE",
              help="Write to this file (default: standard output).")
@click.option("--format", "fmt", type=click.Choice(sorted(FORMATS)),
              help="Output syntax (default: from the file extension, else N-Triples).")
@click.option("--graph", default=GENERATED_GRAPH, show_default=True, metavar="IRI",
              help="The named graph of N-Quads output.")
@click.option("--plan", "plan_file", metavar="FILE",
              help="Also write the deliberate gaps (IRIs) as JSON to this file.")
def generate_command(size, seed, gap_share, output, fmt, graph, plan_file) -> None:
    """Generate a synthetic enterprise of N triples in the custvalue-kg ontology.

    Business units with customer-facing, supporting, enabling and pop-up systems, segments,
    journeys on both stage models, functions, coverage, hand-offs, jobs, challenges, benefits,
    metrics and measurements, valid against the shapes except for --gap-share deliberate gaps.
    The output is streamed: 10M triples need little memory.
    """
    triples = parse_size(size)
    if fmt is None:
        fmt = _EXTENSIONS.get(Path(output).suffix.lower(), "ntriples") if output else "ntriples"
    plan = write(output, triples, seed, gap_share, fmt, graph)
    if plan_file:
        Path(plan_file).write_text(json.dumps(plan.to_json(), indent=1), encoding="utf-8")
    where = output if output and output != "-" else "standard output"
    click.echo(
        f"wrote {plan.triples:,} triples ({plan.business_units} business units; gaps: "
        f"{len(plan.missing_handoffs)} missing hand-offs, {len(plan.uncovered_stages)} "
        f"uncovered stages, {len(plan.unaddressed_challenges)} unaddressed challenges) "
        f"to {where}", err=True)


__all__ = ["GENERATED_GRAPH", "GapPlan", "generate", "generate_command", "parse_size", "write"]
