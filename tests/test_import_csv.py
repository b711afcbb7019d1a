"""The CSV templates: import and export against a real Oxigraph-backed knowledge graph."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import URIRef

from custvalue_kg.cli import main
from custvalue_kg.errors import CustvalueError
from custvalue_kg.imports.csv_reader import CsvTemplateError, read_folder
from custvalue_kg.imports.csv_templates import TEMPLATES
from custvalue_kg.imports.csv_writer import (
    BOM,
    covered_triples,
    export_folder,
    write_blank_set,
)
from custvalue_kg.kg import SAMPLE_GRAPH, KnowledgeGraph

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SKY = "https://example.org/skyward/"
CV = "https://w3id.org/custvalue/ontology#"
CVS = "https://w3id.org/custvalue/scheme/"
RDFS_LABEL = URIRef("http://www.w3.org/2000/01/rdf-schema#label")
XSD = "http://www.w3.org/2001/XMLSchema#"


@pytest.fixture(scope="module")
def sample() -> KnowledgeGraph:
    """The default in-memory store: ontology, schemes and the sample enterprise (read only)."""
    return KnowledgeGraph.open()


@pytest.fixture
def kg() -> KnowledgeGraph:
    """A store of its own with the sample, for tests that write."""
    return KnowledgeGraph.open()


def make_folder(parent: Path, name: str, files: dict[str, str | bytes]) -> Path:
    """A folder of template files, written byte for byte (str as UTF-8, newlines kept)."""
    folder = parent / name
    folder.mkdir()
    for filename, content in files.items():
        data = content.encode("utf-8") if isinstance(content, str) else content
        (folder / filename).write_bytes(data)
    return folder


def snapshot(kg: KnowledgeGraph) -> list[tuple[str, int]]:
    return kg.store.named_graphs()


def import_folder(kg: KnowledgeGraph, folder: Path, **options):
    batch = read_folder(folder, kg, **options)
    kg.import_batch(batch)
    return batch


def problems_of(kg: KnowledgeGraph, folder: Path, **options) -> list[str]:
    """The problems an import reports; the store must be exactly as it was."""
    before = snapshot(kg)
    with pytest.raises(CsvTemplateError) as caught:
        import_folder(kg, folder, **options)
    assert snapshot(kg) == before
    assert str(caught.value).splitlines()[1:] == [f"  {p}" for p in caught.value.problems]
    return [str(p) for p in caught.value.problems]


def triples_of(kg: KnowledgeGraph, graph: str) -> set:
    return {(q.subject.value, q.predicate.value, q.object) for q in kg.store.graph_quads(graph)}


# --- the round trip -----------------------------------------------------------------------

def test_round_trip_of_the_sample_is_lossless(sample: KnowledgeGraph, tmp_path: Path) -> None:
    first = tmp_path / "one" / "skyward"
    export_folder(sample, first)
    fresh = KnowledgeGraph.open(sample=False)  # ontology and schemes only
    batch = import_folder(fresh, first)
    second = tmp_path / "two" / "skyward"
    export_folder(fresh, second)

    # (a) the two exports are the same bytes, file by file
    assert sorted(p.name for p in first.iterdir()) == sorted(t.filename for t in TEMPLATES)
    for path in first.iterdir():
        assert path.read_bytes() == (second / path.name).read_bytes(), path.name

    # (b) the triples the templates hold are the same in the sample and in the import
    original = covered_triples(sample, [SAMPLE_GRAPH])
    imported = covered_triples(fresh, [batch.graph])
    assert original == imported
    assert len(original) > 1000
    # ... and the sample exercises every column and every derived shortcut
    predicates = {str(p) for _, p, _ in original}
    for template in TEMPLATES:
        for column in template.columns:
            for predicate, _ in column.predicates():
                assert predicate in predicates, (template.name, column.name)
        for shortcut in template.shortcuts:
            assert shortcut.predicate in predicates, shortcut

    # (c) the import adds nothing the sample does not say (its provenance aside)
    data = {t for t in triples_of(fresh, batch.graph)
            if not t[0].startswith("https://w3id.org/custvalue/")}
    assert data <= triples_of(sample, SAMPLE_GRAPH)
    assert len(data) == len(original)


def test_the_shipped_example_is_the_export_of_the_sample(
    sample: KnowledgeGraph, tmp_path: Path,
) -> None:
    exported = tmp_path / "skyward"
    export_folder(sample, exported)
    shipped = EXAMPLES / "csv" / "skyward"
    assert sorted(p.name for p in shipped.iterdir()) == sorted(p.name for p in exported.iterdir())
    for path in exported.iterdir():
        assert (shipped / path.name).read_bytes() == path.read_bytes(), path.name


def test_the_blank_templates_are_generated_from_the_declarations(tmp_path: Path) -> None:
    write_blank_set(tmp_path / "blank")
    shipped = EXAMPLES / "csv-templates"
    names = sorted(p.name for p in (tmp_path / "blank").iterdir())
    assert names == sorted(p.name for p in shipped.iterdir())
    for name in names:
        assert (shipped / name).read_bytes() == (tmp_path / "blank" / name).read_bytes(), name
    readme = (shipped / "README.md").read_text(encoding="utf-8")
    for template in TEMPLATES:
        data = (shipped / template.filename).read_bytes()
        assert data == BOM + (",".join(template.headers) + "\r\n").encode()
        assert f"## {template.filename}" in readme
        for column in template.columns:
            assert f"| `{column.name}`" in readme, (template.name, column.name)


def test_the_example_imports_valid_into_an_empty_store() -> None:
    fresh = KnowledgeGraph.open(sample=False)
    batch = read_folder(EXAMPLES / "csv" / "skyward", fresh)
    fresh.import_batch(batch, require_valid=True)  # no SHACL violation
    [source] = fresh.sources()
    assert source.graph == "https://w3id.org/custvalue/graph/source/csv/skyward"
    assert source.importer == "csv"
    assert source.source == (EXAMPLES / "csv" / "skyward").resolve().as_uri()
    assert source.title == "CSV templates in skyward"
    assert source.counts["rows"] == 143
    assert source.counts["systems"] == 11 and source.counts["coverage"] == 35
    assert source.counts["stages"] == 26 and source.counts["handoffs"] == 18
    answer = fresh.run_named("missing-handoffs")
    assert len(answer.rows) == 3  # the sample's three deliberate gaps travel through the CSV


# --- validation: every kind of problem, with file, row and column ---------------------------

SEGMENTS = "id,label\nsegment/a,Segment A\n"


@pytest.mark.parametrize(("files", "expected"), [
    pytest.param({"segments.csv": "id,label,description\nsegment/a,,About A\n"},
                 ["segments.csv, row 2, column label: required, but empty"], id="required"),
    pytest.param({"segments.csv": "label\nA\n"},
                 ["segments.csv, row 1, column id: required column is missing"],
                 id="required-column"),
    pytest.param({"systems.csv": "id,label,type\nsystem/a,A,Suporting\n"},
                 ["systems.csv, row 2, column type: 'Suporting' is not one of the work system "
                  "types; allowed: Customer-facing, Enabling, Pop-up, Supporting"],
                 id="concept"),
    pytest.param({"jobs.csv": "id,label,segments\njob/a,A,segment/a; segment/b\n",
                  "segments.csv": SEGMENTS},
                 ["jobs.csv, row 2, column segments: 'segment/b' is no id in segments.csv, "
                  "nor one of the customer segments in the store"], id="reference"),
    pytest.param({"jobs.csv": "id,label,segments\njob/a,A,job/a\n"},
                 ["jobs.csv, row 2, column segments: 'job/a' is a row of jobs.csv, not of "
                  "segments.csv"], id="reference-to-wrong-kind"),
    pytest.param({"segments.csv": "id,label\nsegment a,A\nhttps://x.org/a<b>,B\n"},
                 ["segments.csv, row 2, column id: 'segment a' is not a valid id: use letters, "
                  "digits and - _ . / (no spaces), or an absolute IRI",
                  "segments.csv, row 3, column id: 'https://x.org/a<b>' is not a valid id: use "
                  "letters, digits and - _ . / (no spaces), or an absolute IRI"],
                 id="malformed-iri"),
    pytest.param({"jobs.csv": "id,label,segments\njob/a,A,sky:segment/survey-firms\n"},
                 ["jobs.csv, row 2, column segments: 'sky:segment/survey-firms' looks like a "
                  "prefixed name: write a local name under --base or a full IRI (https://..., "
                  "urn:...)"], id="prefixed-name"),
    pytest.param({"metrics.csv": "id,label,target\nmetric/a,A,35%\nmetric/b,B,\"1,5\"\n"},
                 ["metrics.csv, row 2, column target: '35%' is not a number: write it like 35, "
                  "35.5 or 3.5E4, with a '.' before the decimals",
                  "metrics.csv, row 3, column target: '1,5' is not a number: write it like 35, "
                  "35.5 or 3.5E4, with a '.' before the decimals"], id="number"),
    pytest.param({"systems.csv": "id,label,type,active_from,active_until\n"
                                 "system/a,A,Supporting,01/03/2026,2026-02-30\n"},
                 ["systems.csv, row 2, column active_from: '01/03/2026' is not a date: write "
                  "YYYY-MM-DD (2026-09-30); in Excel, format the column as text so it keeps "
                  "that form",
                  "systems.csv, row 2, column active_until: '2026-02-30' is not a date: write "
                  "YYYY-MM-DD (2026-09-30); in Excel, format the column as text so it keeps "
                  "that form"], id="date"),
    pytest.param({"stages.csv": "id,label,journey,position,stage_type\n"
                                "s/a,A,journey/surveyor-5s,0,Awareness\n"},
                 ["stages.csv, row 2, column position: 0 is less than 1"],
                 id="position"),
    pytest.param({"segments.csv": "id,label\nsegment/a,A\nsegment/b,B\nsegment/a,C\n",
                  "jobs.csv": "id,label\nsegment/b,Job B\n"},
                 ["segments.csv, row 4, column id: duplicate id 'segment/a' (also segments.csv, "
                  "row 2)",
                  "jobs.csv, row 2, column id: duplicate id 'segment/b' (also segments.csv, "
                  "row 3)"], id="duplicate-id"),
    pytest.param({"segments.csv": "id,label,colour\nsegment/a,A,blue\n"},
                 ["segments.csv, row 1, column colour: unknown column; the columns of "
                  "segments.csv are id, label, description"], id="unknown-column"),
    pytest.param({"segment.csv": SEGMENTS},
                 ["segment.csv: not a template file; the templates are "
                  + ", ".join(t.filename for t in TEMPLATES)], id="unknown-file"),
    pytest.param({"journeys.csv": "id,label,system\n"
                                  "journey/a,A,system/skyhawk-x4;system/skydrop\n"},
                 ["journeys.csv, row 2, column system: takes one value, not a list: "
                  "'system/skyhawk-x4;system/skydrop'"], id="one-value"),
    pytest.param({"challenges.csv": "id,label,kind\nchallenge/a,A,Obstacle\n"},
                 ["challenges.csv, row 2, column kind: 'Obstacle' is not allowed; allowed: "
                  "Barrier to consumption, Hurdle to satisfaction"], id="class"),
    pytest.param({"segments.csv": "id,label\nsegment/a,A,extra\n"},
                 ["segments.csv, row 2, column C: a value in a column without a header"],
                 id="value-beyond-header"),
    pytest.param({"segments.csv": b"id,label\r\nsegment/a,A\r\nsegment/b,Caf\xe9\r\n"},
                 ["segments.csv, row 3: not UTF-8 text: in Excel, save as 'CSV UTF-8 (Comma "
                  "delimited)'"], id="encoding"),
])
def test_each_problem_names_file_row_and_column_and_nothing_is_written(
    kg: KnowledgeGraph, tmp_path: Path, files: dict, expected: list[str],
) -> None:
    folder = make_folder(tmp_path, "skyward", files)
    assert problems_of(kg, folder) == expected


def test_all_problems_of_all_files_are_reported_at_once(kg: KnowledgeGraph, tmp_path: Path) -> None:
    folder = make_folder(tmp_path, "acme", {
        "systems.csv": "id,label,type,flight_levels\n"
                       "system/crm,CRM,Suporting,FL1\n"
                       "system/crm,CRM again,Supporting,FL9\n"
                       ",No id,Enabling,\n",
        "stages.csv": "id,label,journey,position,stage_type\n"
                      "stage/a,A,journey/nope,two,Awarenes\n",
    })
    assert problems_of(kg, folder) == [
        "systems.csv, row 2, column type: 'Suporting' is not one of the work system types; "
        "allowed: Customer-facing, Enabling, Pop-up, Supporting",
        "systems.csv, row 3, column id: duplicate id 'system/crm' (also systems.csv, row 2)",
        "systems.csv, row 3, column flight_levels: 'FL9' is not one of the flight levels; "
        "allowed: FL1, FL2, FL3",
        "systems.csv, row 4, column id: required, but empty",
        "stages.csv, row 2, column journey: 'journey/nope' is no id in journeys.csv, nor one of "
        "the customer journeys in the store",
        "stages.csv, row 2, column position: 'two' is not a whole number",
        "stages.csv, row 2, column stage_type: 'Awarenes' is not one of the stage types of a "
        "reference stage model; allowed: Acquisition, Awareness, Consideration, Dispose, "
        "Evaluation, Loyalty, Maintain, Purchase, Selection, Service, Solutions, Take "
        "Home/Deliver, Use",
    ]


def test_a_long_list_of_problems_is_cut_in_the_message_but_kept(
    sample: KnowledgeGraph, tmp_path: Path,
) -> None:
    rows = "".join(f"segment/{n},\n" for n in range(60))
    folder = make_folder(tmp_path, "acme", {"segments.csv": "id,label\n" + rows})
    with pytest.raises(CsvTemplateError) as caught:
        read_folder(folder, sample)
    assert len(caught.value.problems) == 60
    message = str(caught.value)
    assert message.startswith("60 problem(s) in the CSV templates in ")
    assert message.endswith("  ... and 10 more")
    assert "segments.csv, row 61, column label: required, but empty" in \
        [str(p) for p in caught.value.problems]


def test_bad_options_and_empty_folders_are_errors(sample: KnowledgeGraph, tmp_path: Path) -> None:
    folder = make_folder(tmp_path, "acme", {"segments.csv": SEGMENTS})
    with pytest.raises(CustvalueError, match="--base 'acme' is not an absolute IRI"):
        read_folder(folder, sample, base="acme")
    with pytest.raises(CustvalueError, match="--graph 'g1': give an absolute IRI"):
        read_folder(folder, sample, graph="g1")
    empty = make_folder(tmp_path, "empty", {"notes.txt": "not a template"})
    with pytest.raises(CustvalueError, match="no template files"):
        read_folder(empty, sample)


# --- what Excel writes ----------------------------------------------------------------------

def test_excel_semicolons_bom_crlf_and_stray_whitespace(kg: KnowledgeGraph, tmp_path: Path) -> None:
    systems = ("Id ; Label ;Type; Flight levels ;Market-Promise;Active_From;;\r\n"
               ' system/crm ; CRM ; supporting ;" fl1 ; FL2 ";;2026-01-05;;\r\n'
               "system/portal;Portal;Customer-facing;FL2;'=Always on;;;\r\n"
               ";;;;;;;\r\n"
               "\r\n")
    metrics = ("id;label;target;unit\r\n"
               "metric/nps;\"Net promoter score; quarterly\";42,5;score\r\n"
               "metric/count;\"Two\r\nlines\";12;\r\n")
    segments = "\ufeffid,label\nsegment/a,\"Quoted, with comma\"\n"
    folder = make_folder(tmp_path, "acme", {
        "Systems.csv": BOM + systems.encode("utf-8"),
        "metrics.csv": BOM + metrics.encode("utf-8"),
        "segments.csv": segments,
    })
    batch = import_folder(kg, folder)
    assert batch.counts == {"segments": 1, "systems": 2, "metrics": 2, "rows": 5}
    got = triples_of(kg, batch.graph)
    acme = "https://example.org/acme/"
    assert (acme + "system/crm", CV + "flightLevel", _iri(CVS + "fl1")) in _plain(got)
    assert (acme + "system/crm", CV + "flightLevel", _iri(CVS + "fl2")) in _plain(got)
    assert (acme + "system/crm", CV + "activeFrom", ("2026-01-05", XSD + "date")) in _plain(got)
    assert (acme + "system/crm", "http://www.w3.org/1999/02/22-rdf-syntax-ns#type",
            _iri(CV + "SupportingSystem")) in _plain(got)
    assert (acme + "system/crm", str(RDFS_LABEL), ("CRM", "en")) in _plain(got)
    # an apostrophe that kept Excel from running a formula is not part of the text
    assert (acme + "system/portal", CV + "marketPromise", ("=Always on", "en")) in _plain(got)
    # in a ';' file a decimal comma is a decimal point; quoted cells keep ';' and line breaks
    assert (acme + "metric/nps", CV + "targetValue", ("42.5", XSD + "decimal")) in _plain(got)
    assert (acme + "metric/nps", str(RDFS_LABEL), ("Net promoter score; quarterly", "en")) \
        in _plain(got)
    assert (acme + "metric/count", str(RDFS_LABEL), ("Two\r\nlines", "en")) in _plain(got)
    assert (acme + "metric/count", CV + "targetValue", ("12", XSD + "integer")) in _plain(got)
    assert (acme + "segment/a", str(RDFS_LABEL), ("Quoted, with comma", "en")) in _plain(got)


def test_excel_row_numbers_count_blank_rows_and_multi_line_cells(
    sample: KnowledgeGraph, tmp_path: Path,
) -> None:
    folder = make_folder(tmp_path, "acme", {
        "segments.csv": 'id,label,description\r\nsegment/a,A,"two\r\nlines"\r\n\r\n'
                        "segment/b,,B\r\n",
    })
    with pytest.raises(CsvTemplateError) as caught:
        read_folder(folder, sample)
    assert [str(p) for p in caught.value.problems] == [
        "segments.csv, row 4, column label: required, but empty"]


def test_concepts_by_notation_label_local_name_or_iri(kg: KnowledgeGraph, tmp_path: Path) -> None:
    folder = make_folder(tmp_path, "acme", {
        "functions.csv": "id,label,function_type,organisation_level,orientation\n"
                         "f/a,A,inside sales,fl3,https://w3id.org/custvalue/scheme/outside-in\n"
                         "f/b,B,EVENTS-MARKETING,Flight level 1: operational,Inside-out\n",
        "journeys.csv": "id,label,system,stage_model\n"
                        f"j/a,A,{SKY}system/skydrop,eight-part-model\n"
                        f"j/b,B,{SKY}system/skydrop,Five-stage customer journey\n",
    })
    got = _plain(triples_of(kg, import_folder(kg, folder).graph))
    acme = "https://example.org/acme/"
    assert (acme + "f/a", "http://www.w3.org/ns/org#classification",
            _iri(CVS + "inside-sales")) in got
    assert (acme + "f/a", CV + "organisationLevel", _iri(CVS + "fl3")) in got
    assert (acme + "f/a", CV + "orientation", _iri(CVS + "outside-in")) in got
    assert (acme + "f/b", "http://www.w3.org/ns/org#classification",
            _iri(CVS + "events-marketing")) in got
    assert (acme + "f/b", CV + "organisationLevel", _iri(CVS + "fl1")) in got
    assert (acme + "j/a", CV + "stageModel", _iri(CVS + "eight-part-model")) in got
    assert (acme + "j/b", CV + "stageModel", _iri(CVS + "five-stage-model")) in got


# --- references, re-imports and graphs ------------------------------------------------------

def test_references_to_resources_already_in_the_store(kg: KnowledgeGraph, tmp_path: Path) -> None:
    files = {
        "coverage.csv": "id,function,stage,characteristic\n"
                        "coverage/clinic-dispose,function/customer-success,"
                        "journey/clinic-8p/dispose,Emotional\n",
        "handoffs.csv": "id,from_function,from_stage,to_function,to_stage,hands_over\n"
                        "handoff/x,function/customer-service,journey/clinic-8p/maintain,"
                        "function/customer-success,journey/clinic-8p/dispose,Contract history\n",
    }
    folder = make_folder(tmp_path, "skyward", files)  # base https://example.org/skyward/
    batch = import_folder(kg, folder)
    got = _plain(triples_of(kg, batch.graph))
    assert (SKY + "function/customer-success", CV + "coversStage",
            _iri(SKY + "journey/clinic-8p/dispose")) in got  # the derived shortcut
    assert (SKY + "function/customer-service", CV + "handsOffTo",
            _iri(SKY + "function/customer-success")) in got
    assert kg.run_named("uncovered-stages").rows == []  # the sample's gap 4 is closed

    fresh = KnowledgeGraph.open(sample=False)  # the same rows without the sample
    assert problems_of(fresh, folder)[0] == (
        "coverage.csv, row 2, column function: 'function/customer-success' is no id in "
        "functions.csv, nor one of the functions in the store")
    # a resource of another kind is named as such
    wrong = make_folder(tmp_path, "wrong", {"jobs.csv": (
        f"id,label,segments\njob/a,A,{SKY}function/finance\n")})
    assert problems_of(kg, wrong) == [
        f"jobs.csv, row 2, column segments: '{SKY}function/finance' is in the store, but not as "
        "one of the customer segments"]


def test_reimport_replaces_the_graph(kg: KnowledgeGraph, tmp_path: Path) -> None:
    folder = make_folder(tmp_path, "acme", {
        "segments.csv": "id,label\nsegment/a,A\nsegment/b,B\n",
        "jobs.csv": "id,label,segments\njob/a,Job,segment/a;segment/b\n",
    })
    first = import_folder(kg, folder)
    (folder / "segments.csv").write_text("id,label\nsegment/a,A renamed\n", encoding="utf-8")
    (folder / "jobs.csv").write_text("id,label,segments\njob/a,Job,segment/a\n",
                                     encoding="utf-8")
    second = import_folder(kg, folder)
    assert first.graph == second.graph == "https://w3id.org/custvalue/graph/source/csv/acme"
    [source] = kg.sources()
    assert source.counts == {"segments": 1, "jobs": 1, "rows": 2}
    labels = {o.value for s, p, o in triples_of(kg, second.graph) if p == str(RDFS_LABEL)}
    assert labels >= {"A renamed", "Job"} and "B" not in labels

    # a reference to a row that only the replaced import held is no longer good
    (folder / "segments.csv").unlink()
    assert problems_of(kg, folder) == [
        "jobs.csv, row 2, column segments: 'segment/a' is no id in segments.csv, nor one of the "
        "customer segments in the store"]


def test_graph_and_base_options(kg: KnowledgeGraph, tmp_path: Path) -> None:
    folder = make_folder(tmp_path, "acme", {"segments.csv": "id,label\nsmb,Small firms\n"
                                            "https://other.org/big,Big firms\n"
                                            "urn:acme:segment:7,Urn firms\n"})
    batch = import_folder(kg, folder, base="https://acme.example/kg", graph="https://g.example/x")
    assert batch.graph == "https://g.example/x"
    subjects = {s for s, _, _ in triples_of(kg, batch.graph)}
    assert {"https://acme.example/kg/smb", "https://other.org/big",
            "urn:acme:segment:7"} <= subjects

    out = tmp_path / "out"
    export_folder(kg, out, base="https://acme.example/kg/", graphs=[batch.graph])
    assert (out / "segments.csv").read_text(encoding="utf-8-sig").splitlines() == [
        "id,label,description", "https://other.org/big,Big firms,", "smb,Small firms,",
        "urn:acme:segment:7,Urn firms,"]
    assert (out / "systems.csv").read_bytes() == BOM + b"id,label,type,description,flight_levels," \
        b"value_focus,market_promise,value_streams,segments,integrates_functions,depends_on," \
        b"relies_on,triggered_by,trigger_purpose,trigger_reason,active_from,active_until\r\n"


# --- the export -----------------------------------------------------------------------------

def test_export_never_leaves_half_a_set(sample: KnowledgeGraph, tmp_path: Path) -> None:
    target = tmp_path / "out"
    target.mkdir()
    (target / "segments.csv").write_bytes(b"old")
    (target / "systems.csv").mkdir()  # cannot be replaced by a file
    with pytest.raises(CustvalueError, match=r"systems\.csv: exists and is not a file"):
        export_folder(sample, target)
    assert (target / "segments.csv").read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no staging folder left

    with pytest.raises(CustvalueError, match=r"no named graph <https://nowhere\.example/g>"):
        export_folder(sample, tmp_path / "new", graphs=["https://nowhere.example/g"])
    assert not (tmp_path / "new").exists()


def test_export_warns_when_a_single_valued_cell_has_several_values(tmp_path: Path) -> None:
    kg = KnowledgeGraph.open(sample=False)
    kg.load_data("""
        @prefix cv: <https://w3id.org/custvalue/ontology#> .
        @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        <https://example.org/out/segment/a> a cv:CustomerSegment ;
            rdfs:label "Zeta"@en, "Alpha"@en, "Alfa"@de ;
            rdfs:comment "untagged text" .
    """, fmt="turtle", graph="https://example.org/g")
    summary = export_folder(kg, tmp_path / "out")
    assert summary.counts["segments"] == 1
    assert summary.warnings == [
        "segments.csv: <https://example.org/out/segment/a> has several values for label; the "
        "template holds one, 'Alpha' was written"]
    rows = (tmp_path / "out" / "segments.csv").read_text(encoding="utf-8-sig").splitlines()
    assert rows[1] == "segment/a,Alpha,untagged text"


# --- the command line -----------------------------------------------------------------------

def test_cli_import_and_export(tmp_path: Path) -> None:
    runner = CliRunner()
    store = str(tmp_path / "store")
    result = runner.invoke(main, ["import", "csv", str(EXAMPLES / "csv" / "skyward"),
                                  "--store", store, "--require-valid"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "imported CSV templates in skyward: 3 segments, 11 systems, 3 value-streams, "
        "13 functions, 4 journeys, 26 stages, 3 renewal-loops, 35 coverage, 18 handoffs, "
        "4 jobs, 8 challenges, 4 benefits, 6 metrics, 5 measurements, 143 rows",
        "  https://w3id.org/custvalue/graph/source/csv/skyward: 1,120 triples (created)",
    ]
    again = runner.invoke(main, ["import", "csv", str(EXAMPLES / "csv" / "skyward"),
                                 "--store", store])
    assert again.exit_code == 0 and again.stdout.endswith("1,120 triples (replaced)\n")

    out = tmp_path / "exported" / "skyward"
    result = runner.invoke(main, ["export", "csv", str(out), "--store", store])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("wrote 14 CSV templates (143 rows) to ")
    for path in (EXAMPLES / "csv" / "skyward").iterdir():
        assert (out / path.name).read_bytes() == path.read_bytes(), path.name

    # the export group's own options work too: `export --store DIR csv OUT`
    outer = tmp_path / "outer" / "skyward"
    result = runner.invoke(main, ["export", "--store", store, "csv", str(outer)])
    assert result.exit_code == 0, result.output
    assert (outer / "coverage.csv").read_bytes() == (out / "coverage.csv").read_bytes()


def test_cli_reports_problems_with_exit_code_2(tmp_path: Path) -> None:
    folder = make_folder(tmp_path, "acme", {"systems.csv": "id,label,type\nsystem/a,,Pop up\n"})
    store = str(tmp_path / "store")
    result = CliRunner().invoke(main, ["import", "csv", str(folder), "--store", store])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"error: 2 problem(s) in the CSV templates in {folder}; nothing was imported:",
        "  systems.csv, row 2, column label: required, but empty",
        "  systems.csv, row 2, column type: 'Pop up' is not one of the work system types; "
        "allowed: Customer-facing, Enabling, Pop-up, Supporting",
    ]
    missing = CliRunner().invoke(main, ["import", "csv", str(tmp_path / "nope")])
    assert missing.exit_code == 2


# --- helpers --------------------------------------------------------------------------------

def _iri(value: str) -> tuple[str, None]:
    return (value, None)


def _plain(triples: set) -> set:
    """Triples as comparable tuples: IRIs as (text, None), literals as (text, lang|datatype)."""
    out = set()
    for s, p, o in triples:
        if hasattr(o, "datatype"):
            o = (o.value, o.language or o.datatype.value)
        else:
            o = (o.value, None)
        out.add((s, p, o))
    return out
