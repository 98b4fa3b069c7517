"""Build benchmark: `casekit build` from scratch vs sequential papermill, and a no-change rebuild.

Run: .venv/bin/python benchmarks/bench_build.py [--jobs N]
Works on a temporary copy of notebooks/. Prints a table; no assertions.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

import casekit  # noqa: F401  (skips jsonschema's slow optional import)
from casekit.course import build as B

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=os.cpu_count())
    args = parser.parse_args()
    import papermill as pm

    with tempfile.TemporaryDirectory(prefix="casekit-bench-build-") as tmp:
        work = Path(tmp) / "notebooks"
        shutil.copytree(ROOT / "notebooks", work)
        paths = B.discover([work])

        t0 = time.perf_counter()
        for path in paths:
            pm.execute_notebook(str(path), str(Path(tmp) / "out.ipynb"), kernel_name="casekit",
                                cwd=str(work), progress_bar=False)
        sequential = time.perf_counter() - t0

        t0 = time.perf_counter()
        report = B.build(paths, jobs=args.jobs, force=True, progress=False)
        scratch = time.perf_counter() - t0
        assert report.ok, report.summary()

        t0 = time.perf_counter()
        report = B.build(paths, jobs=args.jobs, progress=False)
        cached = time.perf_counter() - t0

    n = len(paths)
    print(f"{n} notebooks, {args.jobs} jobs")
    print(f"{'method':40s} {'seconds':>8s}")
    print(f"{'sequential papermill':40s} {sequential:8.1f}")
    print(f"{'casekit build, from scratch':40s} {scratch:8.1f}")
    print(f"{'casekit build, no change (' + report.summary() + ')':40s} {cached:8.2f}")
    print(f"speed-up from scratch: {sequential / scratch:.2f}x")


if __name__ == "__main__":
    main()
