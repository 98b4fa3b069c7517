"""A synthetic class, for trying out ``casekit grade`` and ``casekit report`` without students.

Two generators:

- :func:`write_class` writes real submissions: each student's personal copy (as
  ``casekit assign --roster`` hands it out) with the answer cells filled from the solution,
  and planted problems where a plan says so (a declared known mistake, a percentage instead
  of a ratio, a wrong choice, missing work, a cell that never ends, a crashing kernel, no
  submission at all). It also writes ``plan.json``: what was planted where.
- :func:`synthetic_gradebook` writes gradebook rows directly (no notebook runs), for
  benchmarks of a large class.

Command line (writes ``OUT/submissions``, ``OUT/roster.csv`` and ``OUT/plan.json``)::

    python -m casekit.course.synthclass --students 12 --out /tmp/class --solutions solutions
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from casekit.errors import CasekitError
from casekit.fileio import atomic_write_bytes

QUESTION_PLANTS = ("correct", "percent", "wrong_choice", "missing")
"""Per-question plants; ``mistake:<id>`` plants a declared known mistake."""
EXERCISE_PLANTS = ("timeout", "kernel_death", "absent")
"""Per-submission plants (key ``"*"`` of an exercise's plan)."""
TIMEOUT_CELL = "while True:  # planted: a cell that never ends\n    pass"
KERNEL_DEATH_CELL = "import os\nos._exit(1)  # planted: the kernel dies"
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


class SynthClassError(CasekitError, ValueError):
    """A plan that cannot be planted."""


def _solution_block(source: str) -> str:
    """The code between ``### BEGIN SOLUTION`` and ``### END SOLUTION``."""
    m = re.search(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", source, re.S)
    return m.group(1) if m else ""


def _answer_cell(cells, variable: str) -> int | None:
    pattern = re.compile(rf"^{re.escape(variable)}\s*=\s*None\b", re.M)
    for i, cell in enumerate(cells):
        if cell.cell_type == "code" and pattern.search(cell.source):
            return i
    return None


def _override(q: dict, plant: str) -> str:
    """Code appended after the solution's code so the answer variable holds the plant."""
    var = q["answer"]
    options = q.get("options") or []
    objects = bool(options) and isinstance(options[0], dict)
    ids = [o["id"] for o in options] if objects else []
    to_id = (f"{var} = {ids!r}[{_LETTERS!r}.index({var})] "
             f"if isinstance({var}, str) and len({var}) == 1 else {var}\n") if objects else ""
    if plant == "correct":
        return to_id
    if plant == "percent":
        return f"{var} = {var} * 100\n"
    if plant.startswith("mistake:"):
        mid = plant.split(":", 1)[1]
        m = next((m for m in q.get("mistakes", []) if m["id"] == mid), None)
        if m is None:
            raise SynthClassError(f"question {q['id']!r} declares no mistake {mid!r}; declared: "
                                  f"{[m['id'] for m in q.get('mistakes', [])]}")
        return f"{var} = {m['answer']}\n"
    if plant == "wrong_choice":
        if q.get("kind") != "choice" or not options:
            raise SynthClassError(f"question {q['id']!r} is not a choice question; plant "
                                  "'wrong_choice' only on kind 'choice'.")
        values = ids if objects else [str(o) for o in options]
        return (to_id + f"{var} = next(o for o in {values!r} "
                f"if o.strip().upper() != str({var}).strip().upper())\n")
    raise SynthClassError(f"unknown plant {plant!r}; use one of {QUESTION_PLANTS} or "
                          "'mistake:<id>'")


def fill(exercise_nb, solution_nb, plants: Mapping[str, str]):
    """``exercise_nb`` with every answer cell filled from ``solution_nb``, per ``plants``.

    ``plants`` maps a question id to a plant (default ``correct``) or ``"*"`` to
    ``timeout`` / ``kernel_death``.
    """
    from casekit.course import notebooks as N

    spec = N.exercise_spec(solution_nb, "solution")
    for q in spec["questions"]:
        plant = plants.get(q["id"], "correct")
        if plant == "missing":
            continue
        at, src = _answer_cell(exercise_nb.cells, q["answer"]), _answer_cell(
            solution_nb.cells, q["answer"])
        if at is None or src is None:
            raise SynthClassError(f"question {q['id']!r}: no cell starting with "
                                  f"'{q['answer']} = None' in the exercise and the solution")
        block = _solution_block(solution_nb.cells[src].source)
        exercise_nb.cells[at].source = (f"{q['answer']} = None\n{block}"
                                        + _override(q, plant))
    extra = plants.get("*")
    if extra in ("timeout", "kernel_death"):
        import nbformat

        index = next((i + 1 for i, c in enumerate(exercise_nb.cells)
                      if "parameters" in c.metadata.get("tags", [])), 1)
        source = TIMEOUT_CELL if extra == "timeout" else KERNEL_DEATH_CELL
        exercise_nb.cells.insert(index, nbformat.v4.new_code_cell(source))
    elif extra not in (None, "absent"):
        raise SynthClassError(f"unknown submission plant {extra!r}; use one of {EXERCISE_PLANTS}")
    return exercise_nb


def random_plan(students: Sequence[str], specs: Mapping[str, dict], seed: int = 0,
                share_wrong: float = 0.25) -> dict:
    """A plausible plan: most answers right, some planted problems of every kind."""
    rng = random.Random(seed)
    plan: dict = {}
    for s in students:
        for exercise, spec in specs.items():
            entry: dict[str, str] = {}
            roll = rng.random()
            if roll < 0.03:
                entry["*"] = "absent"
            elif roll < 0.05:
                entry["*"] = "timeout"
            elif roll < 0.06:
                entry["*"] = "kernel_death"
            for q in spec["questions"]:
                if rng.random() >= share_wrong:
                    continue
                choices = ["missing"]
                if q.get("kind") == "choice" and q.get("options"):
                    choices.append("wrong_choice")
                if q.get("kind") == "number":
                    choices.append("percent")
                choices += [f"mistake:{m['id']}" for m in q.get("mistakes", [])]
                entry[q["id"]] = rng.choice(choices)
            if entry:
                plan.setdefault(s, {})[exercise] = entry
    return plan


def write_class(solutions: Path, out: Path, students: Sequence[str],
                plan: Mapping[str, Mapping[str, Mapping[str, str]]]) -> dict:
    """Write ``out/submissions/<student>/<exercise>.ipynb``, ``out/roster.csv``, ``plan.json``.

    ``plan[student][exercise]`` maps question ids (and ``"*"``) to plants; what is not
    planned is answered correctly. Returns the plan as written (JSON-able).
    """
    import nbformat

    from casekit.course import assign as A
    from casekit.course import notebooks as N

    exercises_dir, handout = out / "exercises", out / "handout"
    A.assign(solutions, exercises_dir)
    roster = [A.Student(s, f"学生{s}") for s in students]
    copies = A.assign_roster(exercises_dir, roster, handout)
    solution_nbs = {p.stem: N.read_notebook(p) for p in N.discover(solutions)}
    written = {}
    for path in copies:
        student, exercise = path.parent.name, path.stem
        plants = dict(plan.get(student, {}).get(exercise, {}))
        if plants.get("*") == "absent":
            continue
        nb = fill(nbformat.read(path, as_version=4), solution_nbs[exercise], plants)
        target = out / "submissions" / student / path.name
        atomic_write_bytes(target, nbformat.writes(nb).encode("utf-8"))
        written[str(target)] = plants
    lines = ["student_id,name"] + [f"{s.id},{s.name}" for s in roster]
    atomic_write_bytes(out / "roster.csv", ("\n".join(lines) + "\n").encode("utf-8"))
    manifest = {s: {e: dict(p) for e, p in ex.items()} for s, ex in plan.items()}
    atomic_write_bytes(out / "plan.json",
                       json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=1).encode())
    return manifest


def synthetic_gradebook(gradebook: Path, specs: Mapping[str, dict], n_students: int = 500,
                        seed: int = 0) -> int:
    """Write a gradebook of ``n_students`` × ``specs`` rows directly (no grading); row count.

    Answers are numbers near a per-student "truth", some ×100, some declared mistakes,
    some missing; statuses include timeouts and kernel deaths.
    """
    from casekit.course.grade import QuestionResult, SubmissionResult

    rng = random.Random(seed)
    results = []
    for i in range(n_students):
        student = f"s{i:04d}"
        for exercise, spec in specs.items():
            roll = rng.random()
            if roll < 0.02:
                continue  # no submission
            status = "timeout" if roll < 0.03 else "kernel_died" if roll < 0.035 else "graded"
            sub = SubmissionResult(student, exercise, f"{exercise}.ipynb",
                                   hashlib.sha256(f"{student}{exercise}".encode()).hexdigest(),
                                   status)
            for q in spec["questions"]:
                pts = float(q["points"])
                if status != "graded":
                    sub.questions.append(QuestionResult(q["id"], q.get("title_zh", ""), 0.0, pts,
                                                        "not_run", ""))
                    continue
                r = rng.random()
                kind = q.get("kind")
                truth: object = round(rng.uniform(0.01, 0.2), 4) if kind == "number" else (
                    rng.randint(1, 20) if kind == "integer" else
                    (q.get("options") or ["A", "B", "C"])[0])
                if isinstance(truth, dict):
                    truth = truth["id"]
                answer, st, mistake = truth, "correct", None
                if r < 0.08:
                    answer, st = None, "unanswered"
                elif r < 0.25:
                    st = "incorrect"
                    if kind == "number":
                        answer = truth * 100 if rng.random() < 0.5 else round(
                            rng.uniform(0.3, 0.5), 4)
                        if q.get("mistakes") and rng.random() < 0.5:
                            mistake = q["mistakes"][0]["id"]
                    elif kind == "integer":
                        answer = truth + rng.choice([-1, 1])
                    elif kind == "choice":
                        opts = q.get("options") or ["A", "B", "C"]
                        answer = rng.choice(
                            [o["id"] if isinstance(o, dict) else o for o in opts[1:]] or ["X"])
                    else:
                        answer = ["x"]
                if kind == "text" and answer is not None:
                    st = "needs_review"
                sub.questions.append(QuestionResult(
                    q["id"], q.get("title_zh", ""), pts if st == "correct" else 0.0, pts, st, "",
                    answer, mistake))
            results.append(sub)
    _record_fast(gradebook, results)
    return sum(len(r.questions) for r in results)


def _record_fast(gradebook: Path, results) -> None:
    """:func:`casekit.course.grade.record`'s rows in one transaction (a fresh gradebook)."""
    import sqlite3

    from casekit.course.grade import SCHEMA

    def answer_json(value):  # as the contract stores it: NULL when unanswered
        return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)

    gradebook.parent.mkdir(parents=True, exist_ok=True)
    gradebook.unlink(missing_ok=True)
    con = sqlite3.connect(gradebook)
    try:
        con.executescript(SCHEMA)
        with con:
            con.executemany("INSERT INTO submissions VALUES (?,?,?,?,?,?,?,?)", [
                (r.student_id, r.exercise_id, r.file, r.sha256, r.status, ";".join(r.notes),
                 r.score, r.max_score) for r in results])
            con.executemany(
                "INSERT INTO scores (student_id, exercise_id, question_id, title_zh, score,"
                " max_score, status, feedback_zh, answer_json, mistake)"
                " VALUES (?,?,?,?,?,?,?,?,?,?)",
                [(r.student_id, r.exercise_id, q.question_id, q.title_zh, q.score, q.max_score,
                  q.status, q.feedback_zh, answer_json(q.answer), q.mistake)
                 for r in results for q in r.questions])
    finally:
        con.close()


def _specs(solutions: Path) -> dict[str, dict]:
    from casekit.course import notebooks as N

    return {p.stem: N.exercise_spec(N.read_notebook(p), str(p)) for p in N.discover(solutions)}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m casekit.course.synthclass",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--solutions", type=Path, default=Path("solutions"))
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--students", type=int, default=12)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--gradebook-only", action="store_true",
                        help="Write OUT/gradebook.sqlite rows directly (fast, no notebooks).")
    args = parser.parse_args(argv)
    specs = _specs(args.solutions)
    if args.gradebook_only:
        rows = synthetic_gradebook(args.out / "gradebook.sqlite", specs, args.students, args.seed)
        print(f"wrote {rows} rows to {args.out / 'gradebook.sqlite'}")
        return 0
    students = [f"s{i:03d}" for i in range(1, args.students + 1)]
    write_class(args.solutions, args.out, students, random_plan(students, specs, args.seed))
    print(f"wrote {args.out / 'submissions'}, {args.out / 'roster.csv'}, {args.out / 'plan.json'}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
