"""The custvalue-kg command line, run as the installed console script in a real process."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from custvalue_kg import assets


def cli_path() -> str:
    candidate = Path(sys.executable).parent / "custvalue-kg"
    found = str(candidate) if candidate.exists() else shutil.which("custvalue-kg")
    assert found, "the custvalue-kg console script is not installed"
    return found


def run(
    *args: str, stdin: str | None = None, env: dict | None = None
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [cli_path(), *args], capture_output=True, text=True, input=stdin, timeout=120, env=env,
    )


def test_help_lists_every_command() -> None:
    result = run("--help")
    assert result.returncode == 0
    for command in ("load", "validate", "queries", "query", "export", "stats"):
        assert f"  {command} " in result.stdout
    for command in ("load", "validate", "queries", "query", "export", "stats"):
        sub = run(command, "--help")
        assert sub.returncode == 0 and "Usage: custvalue-kg " + command in sub.stdout


def test_queries_lists_all_named_queries_with_parameters() -> None:
    result = run("queries", "--format", "json")
    assert result.returncode == 0
    listed = json.loads(result.stdout)
    assert sorted(q["question"] for q in listed) == list(range(1, 19))
    by_name = {q["name"]: q for q in listed}
    stage = by_name["functions-covering-stage"]["parameters"]
    assert [(p["name"], p["type"], p["required"]) for p in stage] == [("stage", "iri", True)]
    table = run("queries").stdout
    assert "missing-handoffs  [CQ2]" in table and "--param stage=<iri>  (required" in table


def test_query_answers_at_once_on_the_sample() -> None:
    result = run("query", "missing-handoffs", "--format", "csv")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) >= 2
    assert all(row["journey"].startswith("https://example.org/skyward/") for row in rows)


def test_query_formats() -> None:
    for fmt, check in {
        "json": lambda out: json.loads(out)["head"]["vars"],
        "tsv": lambda out: out.startswith("?"),
        "xml": lambda out: "<sparql" in out,
        "table": lambda out: out.rstrip().endswith("rows)") or out.rstrip().endswith("row)"),
    }.items():
        result = run("query", "uncovered-stages", "--format", fmt)
        assert result.returncode == 0 and check(result.stdout), (fmt, result.stderr)


def test_query_parameters_are_checked() -> None:
    missing = run("query", "functions-covering-stage")
    assert missing.returncode == 2
    assert "error: parameter 'stage': is required" in missing.stderr
    bad = run("query", "functions-covering-stage", "--param", "stage=not an iri")
    assert bad.returncode == 2 and "parameter 'stage'" in bad.stderr
    unknown = run("query", "no-such-query")
    assert unknown.returncode == 2 and "no named query 'no-such-query'" in unknown.stderr


def test_query_from_file_and_stdin(tmp_path: Path) -> None:
    path = tmp_path / "count.rq"
    path.write_text("#+ parameters:\n#+   c: {type: iri, required: true}\n"
                    "SELECT (COUNT(?x) AS ?n) WHERE { ?x a ?c }")
    result = run("query", str(path), "-p", "c=https://w3id.org/custvalue/ontology#Function",
                 "--format", "csv")
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.splitlines()[1]) >= 10
    piped = run("query", "-", "--format", "csv", stdin="ASK { ?s ?p ?o }")
    assert piped.stdout.splitlines() == ["true"]
    construct = run("query", "-", stdin="CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 2",
                    env=None)
    assert construct.returncode == 0 and construct.stdout.count(" .") >= 1


def test_load_into_a_directory_store_then_query_and_export(tmp_path: Path) -> None:
    store = str(tmp_path / "store")
    sample = str(assets.sample_files()[0])
    loaded = run("load", sample, "--store", store, "--graph", "https://example.org/g")
    assert loaded.returncode == 0, loaded.stderr
    assert "into 1 named graph(s)" in loaded.stdout and "https://example.org/g" in loaded.stdout
    stats = json.loads(run("stats", "--store", store, "--format", "json").stdout)
    graphs = {g["graph"]: g["triples"] for g in stats["graphs"]}
    assert graphs["https://example.org/g"] > 500
    assert "https://w3id.org/custvalue/graph/ontology" in graphs
    out = tmp_path / "export.trig"
    exported = run("export", "--store", store, "--format", "trig", "-o", str(out))
    assert exported.returncode == 0 and out.stat().st_size > 10_000
    result = run("query", "missing-handoffs", "--store", store, "--format", "csv")
    assert len(result.stdout.splitlines()) >= 3


def test_load_error_names_file_and_line_and_exits_2(tmp_path: Path) -> None:
    store = str(tmp_path / "store")
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix ex: <http://e/> .\nex:a ex:b ex:c .\nex:a ex:b .\n")
    result = run("load", str(bad), "--store", store)
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: {bad}, line 3, column ")
    stats = json.loads(run("stats", "--store", store, "--format", "json").stdout)
    assert bad.resolve().as_uri() not in {g["graph"] for g in stats["graphs"]}


def test_validate_exit_codes_and_formats() -> None:
    sample = run("validate")
    assert sample.returncode == 0, sample.stdout + sample.stderr
    invalid = run("validate", str(assets.invalid_example_file()), "--format", "json")
    assert invalid.returncode == 1
    report = json.loads(invalid.stdout)
    assert report["conforms"] is False and report["counts"]["Violation"] > 0
    turtle = run("validate", str(assets.invalid_example_file()), "--format", "turtle")
    assert turtle.returncode == 1 and "sh:ValidationReport" in turtle.stdout
    missing = run("validate", "/nonexistent.ttl")
    assert missing.returncode == 2 and "no such file" in missing.stderr


def test_require_valid_rejects_violations_and_writes_nothing(tmp_path: Path) -> None:
    store = str(tmp_path / "store")
    result = run("load", str(assets.invalid_example_file()), "--store", store, "--require-valid")
    assert result.returncode == 1
    assert "nothing was written" in result.stderr
    stats = json.loads(run("stats", "--store", store, "--format", "json").stdout)
    loaded = {g["graph"] for g in stats["graphs"]}
    assert assets.invalid_example_file().resolve().as_uri() not in loaded


@pytest.mark.parametrize("command", ["stats", "export"])
def test_default_store_holds_the_sample(command: str) -> None:
    result = run(command)
    assert result.returncode == 0
    assert "https://w3id.org/custvalue/graph/sample" in result.stdout
