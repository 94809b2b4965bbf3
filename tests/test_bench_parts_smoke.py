"""The spare-parts benchmark still runs end to end at a tiny size: a smoke test, not a
measurement (the figures are in docs/benchmarks.md, "Spare parts")."""

from __future__ import annotations

import json

import pytest

import bench


def test_registry_lists_the_parts_benchmark():
    names = bench.available()
    assert "parts-stock" in names and not names["parts-stock"].startswith("(cannot")


@pytest.mark.committing
def test_parts_benchmark_loads_measures_and_ends_with_one_json_line(fresh_database_url,
                                                                   capsys):
    args = ["--parts", "300", "--locations", "40", "--movements", "4000", "--lookups", "20",
            "--pushes", "4", "--lines", "10", "--technicians", "2", "--workers", "2", "--check",
            "--database-url", fresh_database_url]
    assert bench.run("parts-stock", args) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["name"] == "parts-stock"
    assert out["dataset"]["counts"]["stock_movements"] == 4000
    assert out["dataset"]["counts"]["stock_levels"] == 400
    assert out["lookup"]["api"]["p95_ms"] > 0 and out["push"]["lines"] == 40
    assert out["push"]["usage_movements_added"] == 40 and out["push"]["lines_per_s"] > 0
    assert out["check"]["differences"] == 0
