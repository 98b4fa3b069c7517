"""Grading benchmark: `casekit grade` on N generated submissions vs one-by-one papermill.

Run: .venv/bin/python benchmarks/bench_grade.py [--n 100] [--exercise 03_promotion_funnel]

Submissions are the exercise's solution personalised for N generated student ids (so every
one is fully answered). "papermill one by one" executes each submission once, sequentially,
with papermill and nothing else: no sandbox, no expected answers, no gradebook. The grader
does all of that, in parallel. Prints a table; no assertions.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import casekit  # noqa: F401  (skips jsonschema's slow optional import)
from casekit.course import assign as A
from casekit.course import grade as G
from casekit.course import notebooks as N

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--exercise", default="03_promotion_funnel")
    parser.add_argument("--jobs", type=int, default=None)
    args = parser.parse_args()
    import papermill as pm
    from jupyter_client.manager import KernelManager

    solution_path = ROOT / "solutions" / f"{args.exercise}.ipynb"
    solution = N.read_notebook(solution_path)
    with tempfile.TemporaryDirectory(prefix="casekit-bench-grade-") as tmp:
        tmp = Path(tmp)
        students = [A.Student(f"b{i:03d}", f"学生{i}") for i in range(args.n)]
        for student in students:
            nb = A.personalise(solution, student, str(solution_path))
            target = tmp / "submissions" / student.id / solution_path.name
            target.parent.mkdir(parents=True)
            target.write_bytes(N.notebook_bytes(nb))
        (tmp / "solutions").mkdir()
        shutil.copy(solution_path, tmp / "solutions")

        t0 = time.perf_counter()
        for student in students:
            src = tmp / "submissions" / student.id / solution_path.name
            km = KernelManager(kernel_name="casekit", transport="ipc", ip=str(tmp / "k"))
            pm.execute_notebook(str(src), str(tmp / "pm-out.ipynb"), kernel_name="casekit",
                                progress_bar=False, km=km)
        papermill_s = time.perf_counter() - t0

        t0 = time.perf_counter()
        results = G.grade(tmp / "submissions", solutions_dir=tmp / "solutions",
                          out_dir=tmp / "out", jobs=args.jobs, progress=False)
        grade_s = time.perf_counter() - t0
        full = sum(r.score == r.max_score - _manual(r) for r in results)

    print(f"{'method':36s} {'seconds':>9s} {'per submission':>15s}")
    print(f"{'papermill, one by one':36s} {papermill_s:9.1f} {papermill_s / args.n:15.2f}")
    print(f"{'casekit grade (sandbox + checks)':36s} {grade_s:9.1f} {grade_s / args.n:15.2f}")
    print(f"ratio grade / papermill: {grade_s / papermill_s:.2f}; "
          f"{full}/{len(results)} submissions got every automatic mark")


def _manual(result) -> float:
    return sum(q.max_score for q in result.questions if q.status == "needs_review")


if __name__ == "__main__":
    main()
