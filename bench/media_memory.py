"""Peak memory of processing a 50-megapixel photo, measured in a child process.

The child imports the processing code, reads the JPEG from disk, renders both derivatives and
stores them content-addressed (what the worker's job does minus the database row); its peak RSS
is the child's own high-water mark (VmHWM of its address space), printed as it exits. A second
child that only imports and reads the file gives the baseline.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.common import add_database_option, emit, progress, resolve_database_url
from bench.media_fixtures import MP50, load_average

NAME = "media-memory"
DOC = "peak RSS while processing a 50 MP photo in a child process (target ≤ 300 MB)"
TARGET_MB = 300.0

CHILD = """
import hashlib, json, sys, time
from pathlib import Path
from media import imaging
from media.storage import LocalStorage, variant_key
data = Path(sys.argv[1]).read_bytes()
if sys.argv[3] == "process":
    sha = hashlib.sha256(data).hexdigest()
    store = LocalStorage(Path(sys.argv[2]))
    start = time.perf_counter()
    for name, r in imaging.render(data, max_pixels=80_000_000).items():
        store.put(variant_key(sha, name), r.data, r.content_type)
    seconds = time.perf_counter() - start
else:
    seconds = 0
hwm = [line for line in open("/proc/self/status") if line.startswith("VmHWM:")]
print(json.dumps({"seconds": seconds, "hwm_kb": int(hwm[0].split()[1])}))
"""


MAKE = """
import sys
from pathlib import Path
from bench.media_fixtures import MP50, phone_jpeg
Path(sys.argv[1]).write_bytes(phone_jpeg(MP50))
"""


def _run(code: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          timeout=300, check=True)


def _child_peak_mb(photo: Path, out: Path, mode: str) -> tuple[float, float]:
    # The child reports its own high-water mark, VmHWM: ru_maxrss survives exec and so counts the
    # pages of the forked parent; RUSAGE_CHILDREN would be the largest child so far (the one that
    # generated the 50 MP image).
    done = _run(CHILD, str(photo), str(out), mode)
    figures = json.loads(done.stdout)
    return figures["hwm_kb"] / 1024, figures["seconds"]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog=f"fieldwork bench {NAME}", description=DOC)
    add_database_option(parser)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        photo = Path(tmp) / "50mp.jpg"
        progress("making a 50 MP JPEG (in a child process)")
        _run(MAKE, str(photo))
        baseline, _ = _child_peak_mb(photo, Path(tmp), "baseline")
        peak, seconds = _child_peak_mb(photo, Path(tmp), "process")
        size = photo.stat().st_size
    emit(NAME, resolve_database_url(args.database_url),
         {"photo": {"pixels": list(MP50), "bytes": size}},
         {"peak_rss_mb": round(peak, 1), "baseline_rss_mb": round(baseline, 1),
          "processing_seconds": round(seconds, 3), "target_mb": TARGET_MB,
          "meets_target": peak <= TARGET_MB, "load_average": load_average()})
    return 0
