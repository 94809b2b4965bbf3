"""The benchmarks still run end to end, at a tiny size: a smoke test, not a measurement."""

from __future__ import annotations

import json

import pytest

import bench
from bench import list_queries

TINY = ["--work-orders", "2000", "--technicians", "50", "--sites", "500"]


def _json_line(capsys) -> dict:
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines, "the benchmark printed nothing on stdout"
    return json.loads(lines[-1])


def test_registry_lists_the_dataset_and_list_benchmarks():
    names = bench.available()
    assert {"datagen", "list-queries"} <= set(names)
    assert all(doc and "\n" not in doc for doc in names.values())


def test_unknown_benchmark_is_a_usage_error():
    assert bench.run("no-such-benchmark", []) == 2


@pytest.mark.committing
def test_datagen_then_list_queries_each_end_with_one_json_line(fresh_database_url, capsys):
    url = ["--database-url", fresh_database_url]

    assert bench.run("datagen", TINY + url) == 0
    loaded = _json_line(capsys)
    assert loaded["name"] == "datagen" and loaded["skipped"] is False
    assert loaded["dataset"]["counts"]["bench"]["work_orders"] == 2000
    assert loaded["dataset"]["counts"]["bench-other"]["work_orders"] == 40
    assert {"cpu", "cores", "ram_gib", "python", "postgres"} <= set(loaded["machine"])

    assert bench.run("datagen", TINY + url) == 0
    assert _json_line(capsys)["skipped"] is True  # same sizes and seed: reused

    assert bench.run("list-queries", ["--iterations", "3", "--warmup", "1"] + url) == 0
    figures = _json_line(capsys)
    assert figures["name"] == "list-queries"
    assert figures["p95_ms"] > 0 and figures["throughput_per_s"] > 0
    assert set(figures["kinds"]) == set(list_queries.KINDS)
    assert all(kind["p95_ms"] > 0 for kind in figures["kinds"].values())
