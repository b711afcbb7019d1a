"""The synthetic enterprise generator: exact size, determinism, validity apart from its gaps."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from custvalue_kg.cli import main
from custvalue_kg.generate import GapPlan, fill_sizes, generate, parse_size
from custvalue_kg.kg import KnowledgeGraph

CV = "https://w3id.org/custvalue/ontology#"
SHAPES = "https://w3id.org/custvalue/shapes#"
GAP_SHAPES = {SHAPES + "MissingHandOff", SHAPES + "UncoveredStage",
              SHAPES + "ChallengeNotAddressed"}


def as_bytes(triples: int, seed: int = 0, gap_share: float = 0.05) -> bytes:
    return ox.serialize(generate(triples, seed, gap_share), format=ox.RdfFormat.N_TRIPLES)


def generated_kg(triples: int, seed: int, gap_share: float) -> tuple[KnowledgeGraph, GapPlan]:
    """An in-memory store with the ontology, the schemes and a generated enterprise only."""
    plan = GapPlan()
    data = list(generate(triples, seed, gap_share, plan))
    kg = KnowledgeGraph.open(sample=False)
    graph = ox.NamedNode("https://w3id.org/custvalue/graph/generated")
    kg.store.oxigraph.extend(ox.Quad(t.subject, t.predicate, t.object, graph) for t in data)
    return kg, plan


@pytest.fixture(scope="module")
def gapped() -> tuple[KnowledgeGraph, GapPlan]:
    return generated_kg(5_000, seed=7, gap_share=0.05)


def test_same_seed_and_size_give_identical_bytes() -> None:
    assert as_bytes(4_000, seed=3) == as_bytes(4_000, seed=3)


def test_different_seeds_differ() -> None:
    assert as_bytes(4_000, seed=1) != as_bytes(4_000, seed=2)


@pytest.mark.parametrize("size", [1_000, 2_345, 5_000, 31_337, 100_000])
def test_size_is_hit_exactly_and_no_triple_repeats(size: int) -> None:
    triples = list(generate(size, seed=size))
    assert len(triples) == size
    assert len(set(triples)) == size  # a store holds exactly that many


def test_fill_sizes_split_any_residual_into_measurements() -> None:
    for residual in range(3, 60):
        sizes = fill_sizes(residual)
        assert sum(sizes) == residual and all(3 <= s <= 5 for s in sizes)


def test_sizes_read_with_suffixes() -> None:
    assert parse_size("100k") == 100_000
    assert parse_size("1M") == 1_000_000
    assert parse_size("2_500") == 2_500


def test_both_stage_models_and_every_kind_of_gap(gapped) -> None:
    kg, plan = gapped
    models = {str(row[0]) for row in kg.query(
        f"SELECT DISTINCT ?m WHERE {{ ?j <{CV}stageModel> ?m }}").rows}
    assert models == {"https://w3id.org/custvalue/scheme/five-stage-model",
                      "https://w3id.org/custvalue/scheme/eight-part-model"}
    assert plan.missing_handoffs and plan.uncovered_stages and plan.unaddressed_challenges
    assert plan.triples == 5_000


def test_valid_apart_from_the_planned_gaps(gapped) -> None:
    kg, plan = gapped
    report = kg.validate()
    counts = report.counts()
    assert counts["Violation"] == 0, report.to_text()
    assert counts["Info"] == 0, report.to_text()
    warnings = [r for r in report.results if r.severity == "Warning"]
    assert {r.source_shape for r in warnings} <= GAP_SHAPES, report.to_text()
    found = Counter((r.source_shape.rsplit("#", 1)[1], r.focus_node, r.value if
                     r.source_shape.endswith("MissingHandOff") else None) for r in warnings)
    planned = Counter(
        [("MissingHandOff", g.from_stage, g.to_function) for g in plan.missing_handoffs]
        + [("UncoveredStage", g.stage, None) for g in plan.uncovered_stages]
        + [("ChallengeNotAddressed", g.challenge, None) for g in plan.unaddressed_challenges]
    )
    assert found == planned


def test_named_queries_find_exactly_the_planned_gaps(gapped) -> None:
    kg, plan = gapped

    def rows(name: str, columns: list[str]) -> Counter:
        result = kg.run_named(name)
        index = [result.variables.index(c) for c in columns]
        return Counter(tuple(str(row[i]) for i in index) for row in result.rows)

    assert rows("missing-handoffs", ["journey", "fromStage", "fromFunction", "toStage",
                                     "toFunction"]) == Counter(
        (g.journey, g.from_stage, g.from_function, g.to_stage, g.to_function)
        for g in plan.missing_handoffs)
    assert rows("uncovered-stages", ["journey", "stage"]) == Counter(
        (g.journey, g.stage) for g in plan.uncovered_stages)
    assert rows("unaddressed-challenges", ["challenge", "kind", "stage"]) == Counter(
        (g.challenge, g.kind, g.stage) for g in plan.unaddressed_challenges)


def test_gap_share_zero_gives_a_graph_without_warnings() -> None:
    kg, plan = generated_kg(3_000, seed=11, gap_share=0.0)
    assert plan.gaps == 0
    assert kg.validate().counts() == {"Violation": 0, "Warning": 0, "Info": 0}


def test_cli_writes_a_file_that_load_accepts(tmp_path: Path) -> None:
    runner = CliRunner()
    data, plan_file = tmp_path / "enterprise.nt", tmp_path / "plan.json"
    result = runner.invoke(main, ["generate", "--triples", "2k", "--seed", "5", "-o", str(data),
                                  "--plan", str(plan_file)])
    assert result.exit_code == 0, result.output
    assert "wrote 2,000 triples" in result.output
    assert json.loads(plan_file.read_text())["triples"] == 2_000
    store = tmp_path / "store"
    result = runner.invoke(main, ["load", str(data), "--store", str(store)])
    assert result.exit_code == 0, result.output
    kg = KnowledgeGraph.open(store)
    try:
        assert dict(kg.store.named_graphs())[data.resolve().as_uri()] == 2_000
    finally:
        kg.close()


@pytest.mark.parametrize("suffix", [".ttl", ".nq"])
def test_turtle_and_nquads_hold_the_same_triples(tmp_path: Path, suffix: str) -> None:
    target = tmp_path / ("enterprise" + suffix)
    result = CliRunner().invoke(main, ["generate", "--triples", "1500", "-o", str(target)])
    assert result.exit_code == 0, result.output
    parsed = ox.parse(path=str(target))
    as_triples = {ox.Triple(q.subject, q.predicate, q.object) for q in parsed}
    assert as_triples == set(generate(1_500))


def test_too_small_a_size_is_an_error() -> None:
    result = CliRunner().invoke(main, ["generate", "--triples", "10"])
    assert result.exit_code == 2
    assert "at least" in result.output


def test_the_scale_benchmark_runs_end_to_end_and_leaves_no_server(tmp_path: Path) -> None:
    """A smoke run of bench/scale.py at 1,000 triples (rdflib-endpoint is a bench extra)."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    output = tmp_path / "benchmarks.md"
    run = subprocess.run(
        [sys.executable, str(root / "bench" / "scale.py"), "--sizes", "1000", "--runs", "1",
         "--warmups", "0", "--duration", "0.5", "--clients", "2", "--validation-timeout", "60",
         "--skip-rdflib", "--workdir", str(tmp_path), "--output", str(output)],
        capture_output=True, text=True, timeout=120,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    text = output.read_text()
    assert "| `missing-handoffs`" in text and "Oxigraph server, disk" in text
    assert "throughput at least 0.8x" in text
    leftovers = subprocess.run(["pgrep", "-f", str(tmp_path)], capture_output=True, text=True)
    assert leftovers.stdout.strip() == ""
