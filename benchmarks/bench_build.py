"""Build benchmark: `casekit build` from scratch vs sequential papermill, and a no-change rebuild.

Run: .venv/bin/python benchmarks/bench_build.py [--jobs N] [--only 00_course_map ...]
Works on a temporary copy of notebooks/ and of the files they declare in
``metadata.casekit.inputs`` (e.g. ``../benchmarks/results/scale.json``, kept at the same place
relative to the copy). Prints a table; no assertions.
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
from casekit.course import notebooks as N

ROOT = Path(__file__).resolve().parents[1]


def copy_inputs(paths: list[Path], source: Path, work: Path) -> None:
    """Copy each notebook's declared inputs to the same place relative to the copy."""
    for path in paths:
        nb = N.read_notebook(path)
        for name in nb.metadata.get("casekit", {}).get("inputs", []):
            src = (source / name).resolve()
            dst = (work / name).resolve()
            if not src.is_file():
                raise SystemExit(f"{path.name} declares input {name}, but {src} does not exist")
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dst)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=os.cpu_count())
    parser.add_argument("--only", nargs="+", metavar="NN_slug",
                        help="benchmark only these notebooks (default: all)")
    args = parser.parse_args()
    import papermill
    from jupyter_client.manager import KernelManager

    with tempfile.TemporaryDirectory(prefix="casekit-bench-build-") as tmp:
        work = Path(tmp) / "notebooks"
        shutil.copytree(ROOT / "notebooks", work)
        paths = N.discover(work)
        if args.only:
            unknown = sorted(set(args.only) - {p.stem for p in paths})
            if unknown:
                parser.error(f"no such notebook(s): {', '.join(unknown)}")
            paths = [p for p in paths if p.stem in args.only]
        copy_inputs(paths, ROOT / "notebooks", work)

        t0 = time.perf_counter()
        for path in paths:
            # IPC, as casekit build does: no "running over TCP without encryption" warnings
            km = KernelManager(kernel_name="casekit", transport="ipc", ip=str(Path(tmp) / "k"))
            papermill.execute_notebook(str(path), str(Path(tmp) / "out.ipynb"),
                                       kernel_name="casekit", cwd=str(work), progress_bar=False,
                                       km=km)
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
