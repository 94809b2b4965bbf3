"""A 12-megapixel phone JPEG → display (1600 px) + thumbnail (320 px), on one core.

The timer wraps `media.imaging.render`, the worker's whole image step: JPEG draft decode, EXIF
orientation, resampling and JPEG encoding of both derivatives. The process is pinned to one CPU.
Wall time and this process's CPU time are both reported: on a shared machine the wall time
includes waiting for the core, the CPU time is what one photo costs.
"""

from __future__ import annotations

import argparse
import os
import time

from bench.common import add_database_option, emit, progress, resolve_database_url, summary_ms
from bench.media_fixtures import MP12, load_average, phone_jpeg
from media import imaging

NAME = "media-render"
DOC = "12 MP JPEG → display + thumbnail on one core (target ≤ 150 ms per photo)"
TARGET_MS = 150.0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog=f"fieldwork bench {NAME}", description=DOC)
    parser.add_argument("--iterations", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    add_database_option(parser)
    args = parser.parse_args(argv)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[-1]})
    progress("making a 12 MP JPEG")
    photo = phone_jpeg(MP12)
    load_before = load_average()
    times, cpu = [], []
    for i in range(args.warmup + args.iterations):
        start, cpu_start = time.perf_counter(), time.process_time()
        out = imaging.render(photo, max_pixels=80_000_000)
        if i >= args.warmup:
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - cpu_start)
    figures = summary_ms(times)
    figures["cpu"] = summary_ms(cpu)
    emit(NAME, resolve_database_url(args.database_url),
         {"photo": {"pixels": MP12, "bytes": len(photo)},
          "derivatives": {k: [v.width, v.height, len(v.data)] for k, v in out.items()}},
         {**figures, "target_ms": TARGET_MS,
          "meets_target_wall_p95": figures["p95_ms"] <= TARGET_MS,
          "meets_target_cpu_p95": figures["cpu"]["p95_ms"] <= TARGET_MS,
          "cpus_used": 1, "load_average_before": load_before,
          "load_average_after": load_average()})
    return 0
