"""The offline-sync benchmarks still run end to end, at a tiny size: a smoke test, not a
measurement (the figures are in docs/benchmarks.md)."""

from __future__ import annotations

import json

import pytest

import bench

TINY = ["--work-orders", "1000", "--technicians", "24", "--sites", "200", "--sync-records"]
SYNC_BENCHMARKS = {"sync-pull", "sync-first-pull", "sync-push", "sync-http"}


def _json_line(capsys) -> dict:
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines, "the benchmark printed nothing on stdout"
    return json.loads(lines[-1])


def test_registry_lists_the_sync_benchmarks():
    names = bench.available()
    assert set(names) >= SYNC_BENCHMARKS
    assert not any(names[n].startswith("(cannot be imported") for n in SYNC_BENCHMARKS)


@pytest.mark.committing
def test_sync_benchmarks_each_end_with_one_json_line(fresh_database_url, capsys):
    url = ["--database-url", fresh_database_url]
    assert bench.run("datagen", TINY + url) == 0
    loaded = _json_line(capsys)
    counts = loaded["dataset"]["counts"]["bench"]
    assert loaded["dataset"]["sync_records"] is True
    assert counts["checklist_items"] > 0 and counts["work_order_notes"] > 0

    assert bench.run("sync-pull", ["--technicians", "2", "--rounds", "2", "--scope", "30",
                                   "--changes", "12", "--compare-database-url",
                                   fresh_database_url] + url) == 0
    pulled = _json_line(capsys)
    assert pulled["name"] == "sync-pull" and pulled["large"]["p95_ms"] > 0
    assert pulled["large"]["records_per_pull"] >= 12 and pulled["ratio_p95"] > 0

    assert bench.run("sync-first-pull", ["--technicians", "2", "--rounds", "1", "--scope",
                                         "30"] + url) == 0
    first = _json_line(capsys)
    assert first["p95_ms"] > 0 and first["rows_per_table"]["work_orders"] >= 30

    assert bench.run("sync-push", ["--iterations", "1", "--changes", "20", "--scope", "30",
                                   "--open", "4"] + url) == 0
    pushed = _json_line(capsys)
    assert pushed["push"]["p95_ms"] > 0 and pushed["replay"]["p95_ms"] > 0
    assert pushed["outcomes"].get("rejected", 0) == 0

    assert bench.run("sync-http", ["--devices", "2", "--seconds", "2", "--batch", "10",
                                   "--scope", "30", "--workers", "1"] + url) == 0
    http = _json_line(capsys)
    assert http["applied"] > 0 and http["errors"] == 0 and http["applied_per_s"] > 0
