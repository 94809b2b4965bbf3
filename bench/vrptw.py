"""Route optimisation quality and speed on the 56 Solomon VRPTW instances (F11).

Every instance goes through `dispatch.routing.optimizer.solve`, the function route plans use,
fed from the parsed instance: distances ×precision rounded to integers as both cost and travel
time, the VEHICLE block's capacity, the instance's whole fleet, total distance minimised. The
distance reported is recomputed in real numbers from the routes found and compared with the
best-known distance (`NAME_distance` in BKS.json).

    fieldwork bench vrptw [--level 1 | --searches 8 --depth 1] [--threads 2] [--only 'R2*']
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import statistics
import sys
from collections import defaultdict
from dataclasses import asdict, replace
from pathlib import Path

from bench.common import _cpu_model, _ram_gib, progress, utc_now_iso
from dispatch.routing import optimizer, solomon
from dispatch.routing.config import DEFAULT_EFFORT

NAME = "vrptw"
DOC = "Solomon VRPTW: gap to best-known distance and solve time through the optimiser"
DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "vrptw"
# The service's own effort (dispatch.routing.config), unless overridden on the command line.
DEFAULT = DEFAULT_EFFORT


def _args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog=f"fieldwork bench {NAME}", description=DOC)
    p.add_argument("--data", type=Path,
                   default=Path(os.environ.get("FIELDWORK_VRPTW_DIR", DEFAULT_DATA)),
                   help="folder with solomon/*.txt and BKS.json (default: %(default)s)")
    p.add_argument("--level", type=int, default=None,
                   help="VROOM exploration level 0-5 (overrides --searches/--depth)")
    p.add_argument("--searches", type=int, default=DEFAULT.searches)
    p.add_argument("--depth", type=int, default=DEFAULT.depth)
    p.add_argument("--threads", type=int, default=DEFAULT.threads)
    p.add_argument("--timeout", type=float, default=None, help="seconds per VROOM run")
    p.add_argument("--rounds", type=int, default=DEFAULT.rounds, help="ruin-and-recreate rounds")
    p.add_argument("--round-depth", type=int, default=DEFAULT.round_depth)
    p.add_argument("--ruin-share", type=float, default=DEFAULT.ruin_share)
    p.add_argument("--precision", type=int, default=solomon.DEFAULT_PRECISION)
    p.add_argument("--only", default="*", help="glob on instance names, e.g. 'RC2*'")
    p.add_argument("--markdown", type=Path, help="also write the per-instance table here")
    return p.parse_args(argv)


def _effort(a: argparse.Namespace) -> optimizer.Effort:
    if a.level is not None:
        base = optimizer.Effort.level(a.level, threads=a.threads, timeout_s=a.timeout)
    else:
        base = optimizer.Effort(searches=a.searches, depth=a.depth, threads=a.threads,
                                timeout_s=a.timeout)
    return replace(base, rounds=a.rounds, round_depth=a.round_depth, ruin_share=a.ruin_share)


def run_instance(path: Path, bks: dict, effort: optimizer.Effort, precision: int) -> dict:
    instance = solomon.load(path)
    solution = optimizer.solve(solomon.to_problem(instance, precision), effort)
    distance = solomon.solution_length(instance, solution)
    best = bks[f"{instance.name}_distance"]
    return {
        "instance": instance.name, "distance": round(distance, 2),
        "best_known": best["best_known_cost"],
        "gap_pct": round(100 * (distance - best["best_known_cost"]) / best["best_known_cost"], 3),
        "vehicles": len(solution.routes), "best_known_vehicles": best["solved_with_vehicles"],
        "unassigned": len(solution.unassigned),
        "late_stops": solomon.late_stops(instance, solution),
        "seconds": round(solution.solve_seconds, 3), "cpu_seconds": round(solution.cpu_seconds, 3),
    }


def _family(name: str) -> str:
    return name.rstrip("0123456789") + name.lstrip("CR")[:1]


def summarise(rows: list[dict]) -> dict:
    def stats(group: list[dict]) -> dict:
        return {"instances": len(group),
                "avg_gap_pct": round(statistics.fmean(r["gap_pct"] for r in group), 3),
                "avg_seconds": round(statistics.fmean(r["seconds"] for r in group), 3),
                "avg_cpu_seconds": round(statistics.fmean(r["cpu_seconds"] for r in group), 3)}
    families = defaultdict(list)
    for r in rows:
        families[_family(r["instance"])].append(r)
    return {**stats(rows), "max_gap_pct": max(r["gap_pct"] for r in rows),
            "max_seconds": max(r["seconds"] for r in rows),
            "unassigned": sum(r["unassigned"] for r in rows),
            "late_stops": sum(r["late_stops"] for r in rows),
            "families": {f: stats(g) for f, g in sorted(families.items())}}


def markdown(rows: list[dict]) -> str:
    lines = ["| instance | distance | best known | gap % | vehicles (BKS) | time s | CPU s |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['instance']} | {r['distance']:.2f} | {r['best_known']:.2f} | "
                     f"{r['gap_pct']:.2f} | {r['vehicles']} ({r['best_known_vehicles']}) | "
                     f"{r['seconds']:.2f} | {r['cpu_seconds']:.2f} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    a = _args(argv)
    effort = _effort(a)
    bks = json.loads((a.data / "BKS.json").read_text(encoding="utf-8"))
    paths = sorted(p for p in (a.data / "solomon").glob("*.txt")
                   if fnmatch.fnmatch(p.stem, a.only))
    if not paths:
        print(f"no instance matches {a.only!r} in {a.data / 'solomon'}", file=sys.stderr)
        return 2
    load_before = os.getloadavg()
    progress(f"{len(paths)} instances, {effort}, precision ×{a.precision}, "
             f"load {load_before[0]:.2f}")
    rows = []
    for path in paths:
        rows.append(run_instance(path, bks, effort, a.precision))
        r = rows[-1]
        progress(f"{r['instance']:6} {r['distance']:9.2f} gap {r['gap_pct']:6.2f}% "
                 f"vehicles {r['vehicles']:2} ({r['best_known_vehicles']:2}) "
                 f"{r['seconds']:.2f}s cpu {r['cpu_seconds']:.2f}s")
    if a.markdown:
        a.markdown.write_text(markdown(rows), encoding="utf-8")
    record = {"name": NAME, "date": utc_now_iso(),
              "machine": {"cpu": _cpu_model(), "cores": os.cpu_count(), "ram_gib": _ram_gib(),
                          "load_before": [round(x, 2) for x in load_before],
                          "load_after": [round(x, 2) for x in os.getloadavg()]},
              "effort": {**asdict(effort), "precision": a.precision},
              "summary": summarise(rows), "instances": rows}
    print(json.dumps(record), flush=True)
    return 0
