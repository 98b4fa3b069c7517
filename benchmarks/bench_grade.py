"""Grading benchmark: `casekit grade` on N generated submissions vs one-by-one papermill.

Run: .venv/bin/python benchmarks/bench_grade.py [--n 100] [--exercise 03_promotion_funnel]
         [--jobs 2] [--sandbox auto] [--cluster-workers 2] [--skip-papermill]
         [--nbgrader PATH] [--json PATH]

Submissions are the exercise's solution personalised for N generated student ids (so every
one is fully answered, and every one has its own parameters). "papermill one by one" executes
each submission once, sequentially, with papermill and nothing else: no sandbox, no expected
answers, no gradebook. `casekit grade` does all of that (fork server, sandbox, the solution
run once per parameter set, the gradebook, feedback and CSV), from a cold start: the fork
servers start and the expected-answers cache is empty. With --cluster-workers the same
submissions are graded again on a Dask LocalCluster (processes) of that many workers; its
start-up is not counted, its workers' fork servers are.

nbgrader (0.9.6, ``benchmarks/requirements-nbgrader.txt``) is timed when its command is found
(``--nbgrader``, default ``.venv-nbgrader/bin/nbgrader``, which ``make bench-grade`` installs).
It lives in its own environment because it enables its server and JupyterLab extensions
wherever it is installed, and the course's JupyterLab must not show them; its kernels are the
course kernel. ``nbgrader autograde`` grades the same submissions with one locked test cell
per automatically graded question (``assert <answer> is not None``: nbgrader has no
per-student expected answers, so these cells check less than casekit does). It is timed from
the command's start to its end; the assignment is generated before the clock starts.
Prints a table; no assertions.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import casekit  # noqa: F401  (skips jsonschema's slow optional import)
from casekit.course import assign as A
from casekit.course import grade as G
from casekit.course import notebooks as N

ROOT = Path(__file__).resolve().parents[1]


def _grade(tmp: Path, out: str, args, **extra) -> tuple[float, list]:
    t0 = time.perf_counter()
    results = G.grade(tmp / "submissions", solutions_dir=tmp / "solutions", out_dir=tmp / out,
                      jobs=args.jobs, progress=False, sandbox=args.sandbox, **extra)
    return time.perf_counter() - t0, results


def _own_letters(solution, student_id: str):
    """A last cell that rewrites each shuffled choice answer (the solution's canonical letter)
    as the letter of the same option in this student's order: a student who answers right."""
    import nbformat

    from casekit.course import answers as ANS

    spec = N.exercise_spec(solution)
    lines = []
    for q in spec["questions"]:
        ids = ANS.option_ids(q) if q["kind"] == "choice" else None
        if ids is None:
            continue
        order = ANS.option_order(q, student_id, spec["id"])
        remap = {ANS.LETTERS[i]: ANS.LETTERS[order.index(oid)] for i, oid in enumerate(ids)}
        lines.append(f"{q['answer']} = {remap!r}.get({q['answer']}, {q['answer']})")
    return nbformat.v4.new_code_cell("\n".join(lines) or "pass")


_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION")


def _nbgrader_checks(spec: dict) -> list:
    """One locked nbgrader test cell per automatically graded question."""
    import nbformat

    cells = []
    for q in spec["questions"]:
        if q["kind"] == "text":
            continue
        cell = nbformat.v4.new_code_cell(f"assert {q['answer']} is not None")
        cell.metadata["nbgrader"] = {
            "grade": True, "grade_id": f"check_{q['id']}", "locked": True,
            "points": q.get("points", 1), "schema_version": 3, "solution": False,
            "task": False,
        }
        cells.append(cell)
    return cells


def _nbgrader(exe: Path, tmp: Path, solution, solution_path: Path, students) -> dict:
    """Time ``nbgrader autograde`` on the submissions; the row of the table."""
    course = tmp / "nbgrader"
    spec = N.exercise_spec(solution)
    checks = _nbgrader_checks(spec)
    source = copy.deepcopy(solution)
    for cell in source.cells:  # nbgrader wants its own solution cells; keep the code
        if cell.cell_type == "code":
            cell.source = "\n".join(line for line in cell.source.splitlines()
                                    if line.strip() not in _MARKERS)
    source.cells += copy.deepcopy(checks)
    target = course / "source" / "ex" / solution_path.name
    target.parent.mkdir(parents=True)
    target.write_bytes(N.notebook_bytes(source))
    for student in students:
        nb = N.read_notebook(tmp / "submissions" / student.id / solution_path.name)
        nb.cells += copy.deepcopy(checks)
        target = course / "submitted" / student.id / "ex" / solution_path.name
        target.parent.mkdir(parents=True)
        target.write_bytes(N.notebook_bytes(nb))
    env = dict(os.environ, PATH=f"{exe.parent}{os.pathsep}{os.environ.get('PATH', '')}",
               JUPYTER_PATH=str(ROOT / ".venv" / "share" / "jupyter"))
    root = f"--CourseDirectory.root={course}"

    def nbgrader(*args: str) -> None:
        proc = subprocess.run([str(exe), *args, root], env=env, cwd=course,
                              capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise SystemExit(f"nbgrader {args[0]} failed:\n{proc.stderr[-3000:]}")

    nbgrader("generate_assignment", "ex", "--force")
    t0 = time.perf_counter()
    nbgrader("autograde", "ex", "--force")
    seconds = time.perf_counter() - t0
    nbgrader("export", f"--to={course / 'grades.csv'}")
    import csv

    with open(course / "grades.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    full = sum(float(r["score"]) == float(r["max_score"]) for r in rows)
    return {"method": "nbgrader 0.9.6 autograde", "seconds": seconds, "full_marks": full}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--exercise", default="03_promotion_funnel")
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--sandbox", default="auto", choices=["auto", "bwrap", "python"])
    parser.add_argument("--cluster-workers", type=int, default=0,
                        help="also grade on a Dask LocalCluster with this many workers")
    parser.add_argument("--skip-papermill", action="store_true")
    parser.add_argument("--nbgrader", type=Path,
                        default=ROOT / ".venv-nbgrader" / "bin" / "nbgrader",
                        help="nbgrader command to time as well (skipped when missing)")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args()
    import papermill as pm
    from jupyter_client.manager import KernelManager

    solution_path = ROOT / "solutions" / f"{args.exercise}.ipynb"
    solution = N.read_notebook(solution_path)
    rows: list[dict] = []
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="casekit-bench-grade-") as tmp:
        tmp = Path(tmp)
        students = [A.Student(f"b{i:03d}", f"学生{i}") for i in range(args.n)]
        for student in students:
            nb = A.personalise(solution, student, str(solution_path))
            nb.cells.append(_own_letters(solution, student.id))
            target = tmp / "submissions" / student.id / solution_path.name
            target.parent.mkdir(parents=True)
            target.write_bytes(N.notebook_bytes(nb))
        (tmp / "solutions").mkdir()
        shutil.copy(solution_path, tmp / "solutions")

        papermill_s = None
        if not args.skip_papermill:
            t0 = time.perf_counter()
            for student in students:
                src = tmp / "submissions" / student.id / solution_path.name
                km = KernelManager(kernel_name="casekit", transport="ipc", ip=str(tmp / "k"))
                try:
                    pm.execute_notebook(str(src), str(tmp / "pm-out.ipynb"),
                                        kernel_name="casekit", progress_bar=False, km=km)
                finally:  # papermill leaves a kernel it did not start running
                    if km.has_kernel:
                        km.shutdown_kernel(now=True)
            papermill_s = time.perf_counter() - t0
            rows.append({"method": "papermill, one by one", "seconds": papermill_s})

        load_grade = os.getloadavg()[0]
        grade_s, results = _grade(tmp, "out", args)
        full = sum(r.score == r.max_score - _manual(r) for r in results)
        rows.append({"method": "casekit grade (local pool)", "seconds": grade_s,
                     "full_marks": full})

        if args.cluster_workers:
            from dask.distributed import LocalCluster

            # cold like the local run: workers keep expected answers in their temp folder
            shutil.rmtree(Path(tempfile.gettempdir()) / "casekit-expected-cache",
                          ignore_errors=True)
            with LocalCluster(n_workers=args.cluster_workers, threads_per_worker=1,
                              processes=True, dashboard_address=None) as cluster:
                cluster_s, _ = _grade(tmp, "out-cluster", args,
                                         cluster=cluster.scheduler_address)
            same = _table(tmp / "out") == _table(tmp / "out-cluster")
            rows.append({"method": f"casekit grade (Dask, {args.cluster_workers} workers)",
                         "seconds": cluster_s, "same_grades_as_local": same})

        nbgrader_s = None
        if args.nbgrader.exists():
            rows.append(_nbgrader(args.nbgrader, tmp, solution, solution_path, students))
            nbgrader_s = rows[-1]["seconds"]
        else:
            print(f"nbgrader: not timed ({args.nbgrader} not found; make bench-grade "
                  "installs it)")

    print(f"{'method':36s} {'seconds':>9s} {'per submission':>15s} {'submissions/s':>14s}")
    for row in rows:
        row["per_submission_s"] = round(row["seconds"] / args.n, 3)
        row["submissions_per_s"] = round(args.n / row["seconds"], 2)
        row["seconds"] = round(row["seconds"], 2)
        print(f"{row['method']:36s} {row['seconds']:9.1f} {row['per_submission_s']:15.2f} "
              f"{row['submissions_per_s']:14.2f}")
    if papermill_s is not None:
        print(f"ratio papermill / grade: {papermill_s / grade_s:.2f}x faster; "
              f"grade / papermill: {grade_s / papermill_s:.2f}")
    if nbgrader_s is not None:
        print(f"ratio nbgrader / grade: {nbgrader_s / grade_s:.2f}x faster")
    print(f"{full}/{len(results)} submissions got every automatic mark; sandbox "
          f"{G.resolve_sandbox(args.sandbox, warn=False)}; load average before "
          f"{load_before:.2f}, before grading {load_grade:.2f}")
    if args.json is not None:
        out = {
            "exercise": args.exercise, "n": args.n, "jobs": args.jobs or os.cpu_count(),
            "sandbox": G.resolve_sandbox(args.sandbox, warn=False),
            "machine": {"cores": os.cpu_count(), "load_avg_1m_before": round(load_before, 2),
                        "load_avg_1m_before_grading": round(load_grade, 2),
                        "platform": platform.platform()},
            "python": platform.python_version(),
            "command": " ".join([".venv/bin/python", "benchmarks/bench_grade.py",
                                 *sys.argv[1:]]),
            "rows": rows,
            "speedup_vs_papermill": (round(papermill_s / grade_s, 2)
                                     if papermill_s is not None else None),
            "speedup_vs_nbgrader": (round(nbgrader_s / grade_s, 2)
                                    if nbgrader_s is not None else None),
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n",
                             encoding="utf-8")
        print(f"wrote {args.json}")


def _table(out: Path) -> list:
    _, scores = G.read_gradebook(out / "gradebook.sqlite")
    return scores[["student_id", "question_id", "score", "status"]].values.tolist()


def _manual(result) -> float:
    return sum(q.max_score for q in result.questions if q.status == "needs_review")


if __name__ == "__main__":
    main()
