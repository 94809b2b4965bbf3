"""Benchmarks: `fieldwork bench NAME [options]` (and `fieldwork bench --list`).

Each benchmark is a module with `NAME`, `DOC` (one line) and `main(argv) -> int`; it prints
progress on stderr and ends with one JSON line of figures on stdout (see bench.common).
Register a new one with one line in `_MODULES`.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType

# name -> module; the module's NAME must match.
_MODULES = {
    "datagen": "bench.datagen",
    "list-queries": "bench.list_queries",
    "media-render": "bench.media_render",
    "media-memory": "bench.media_memory",
    "media-pipeline": "bench.media_pipeline",
    "media-upload-rate": "bench.media_upload_rate",
    "vrptw": "bench.vrptw",
    "sync-pull": "bench.sync_pull",
    "sync-first-pull": "bench.sync_first",
    "sync-push": "bench.sync_push",
    "sync-http": "bench.sync_http",
    "candidates": "bench.candidates",
    "map-queries": "bench.map_queries",
    "location-pings": "bench.location_pings",
    "parts-stock": "bench.parts_stock",
}


def _load(name: str) -> ModuleType:
    # Imported on demand: one benchmark's imports never slow down or break another.
    module = importlib.import_module(_MODULES[name])
    if name != module.NAME:
        raise RuntimeError(f"{_MODULES[name]}.NAME is {module.NAME!r}, registered as {name!r}")
    return module


def available() -> dict[str, str]:
    """Benchmark name -> its one-line description."""
    out = {}
    for name in _MODULES:
        try:
            out[name] = _load(name).DOC
        except Exception as exc:  # listing must still show the others
            out[name] = f"(cannot be imported: {exc})"
    return out


def run(name: str, args: list[str]) -> int:
    """Run one benchmark with its command-line arguments; returns the exit code."""
    if name not in _MODULES:
        print(f"unknown benchmark {name!r}; available: {', '.join(_MODULES)}", file=sys.stderr)
        return 2
    try:
        return int(_load(name).main(list(args)) or 0)
    except SystemExit as exc:  # argparse --help / usage errors
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
