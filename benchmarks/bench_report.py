"""Class report benchmark: `casekit report` on a synthetic gradebook of N students × the
course's exercises (rows written directly by `casekit.course.synthclass`, no grading).

Run: .venv/bin/python benchmarks/bench_report.py [--students 500] [--repeat 3] [--json FILE]

Times the whole command `casekit report GRADING` in a fresh process (wall clock, and the
child's CPU time: Python start, imports, the vega bundle (from its cache after the first run),
tables, charts, HTML, CSVs), and `report()` called again in a warm process. Prints a table;
no assertions. The target of issue #15: ≤ 10 s for 500 × 9.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import casekit  # noqa: F401  (skips jsonschema's slow optional import)
from casekit.course import notebooks as N
from casekit.course import report as R
from casekit.course import synthclass as S

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, default=None, help="Also write the figures here.")
    args = parser.parse_args()
    specs = {p.stem: N.exercise_spec(N.read_notebook(p), str(p))
             for p in N.discover(ROOT / "solutions")}
    casekit_cli = Path(sys.executable).with_name("casekit")
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="casekit-bench-report-") as tmp:
        grading = Path(tmp) / "grading"
        rows = S.synthetic_gradebook(grading / "gradebook.sqlite", specs, args.students,
                                     args.seed)
        cold, cold_cpu, warm = [], [], []
        for _ in range(args.repeat):
            ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            subprocess.run([str(casekit_cli), "report", str(grading), "--solutions",
                            str(ROOT / "solutions"), "--notebooks", str(ROOT / "notebooks")],
                           check=True, capture_output=True, cwd=tmp)
            cold.append(time.perf_counter() - t0)
            ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            cold_cpu.append(ru1.ru_utime - ru0.ru_utime + ru1.ru_stime - ru0.ru_stime)
        R.report(grading, solutions=ROOT / "solutions", notebooks=ROOT / "notebooks")
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            result = R.report(grading, solutions=ROOT / "solutions", notebooks=ROOT / "notebooks")
            warm.append(time.perf_counter() - t0)
        html_mib = result.html.stat().st_size / 2**20
    figures = {
        "students": args.students, "exercises": len(specs), "score_rows": rows,
        "cli_cold_s": {"min": round(min(cold), 2), "median": round(statistics.median(cold), 2)},
        "cli_cold_cpu_s": {"min": round(min(cold_cpu), 2),
                           "median": round(statistics.median(cold_cpu), 2)},
        "warm_s": {"min": round(min(warm), 2), "median": round(statistics.median(warm), 2)},
        "html_mib": round(html_mib, 2),
        "machine": {"cores": os.cpu_count(), "load_avg_1m_before": round(load_before, 1),
                    "platform": platform.platform()},
        "command": "benchmarks/bench_report.py " + " ".join(sys.argv[1:]),
    }
    print(f"{args.students} students × {len(specs)} exercises = {rows} score rows")
    print(f"{'casekit report (fresh process)':34s} min {min(cold):6.2f} s  "
          f"median {statistics.median(cold):6.2f} s")
    print(f"{'  its CPU time (user + sys)':34s} min {min(cold_cpu):6.2f} s  "
          f"median {statistics.median(cold_cpu):6.2f} s")
    print(f"{'report() (warm process)':34s} min {min(warm):6.2f} s  "
          f"median {statistics.median(warm):6.2f} s")
    print(f"HTML {html_mib:.2f} MiB; load average before: {load_before:.1f} on "
          f"{os.cpu_count()} cores")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
