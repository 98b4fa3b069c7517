"""``casekit assign``: student exercises generated from the single-source solutions.

A solution notebook (``solutions/NN_slug.ipynb``) holds

- a code cell tagged ``parameters`` and the schema in ``metadata.casekit.parameters``;
- answer cells whose solution code sits between ``### BEGIN SOLUTION`` and
  ``### END SOLUTION`` lines (the answer variable is set to ``None`` just before);
- cells tagged ``public-check`` (kept: students get immediate feedback), cells tagged
  ``hidden-check`` or ``solution`` (removed from what students receive);
- ``metadata.casekit.exercise``: the questions with their answer variable, kind, points and
  tolerance: the hidden checks the grader applies outside the student's kernel.

The exercise keeps everything else, with solution regions replaced by a placeholder,
outputs cleared and metadata cleaned. ``exercises/`` is never edited by hand.
"""

from __future__ import annotations

import copy
import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from casekit.course import params as P
from casekit.course.answers import LETTERS, option_ids, option_order
from casekit.course.notebooks import discover, exercise_spec, notebook_bytes, read_notebook
from casekit.errors import BadParameterError, Interrupted, NotebookError
from casekit.fileio import atomic_write_bytes

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
PLACEHOLDER = "# 在这里作答 / write your answer here"
REMOVED_TAGS = {"hidden-check", "solution"}
# What students may see of each question; tolerances and anything else stay in the solution.
PUBLIC_QUESTION_KEYS = ("id", "title_zh", "title_en", "points", "answer", "kind", "options",
                        "level", "minutes", "check")


def _strip_regions(source: str, where: str) -> str:
    lines = source.split("\n")
    out: list[str] = []
    inside = False
    for number, line in enumerate(lines, 1):
        marker = line.strip()
        if marker == BEGIN:
            if inside:
                raise NotebookError(f"{where}: line {number} opens a solution region twice")
            inside = True
            indent = line[: len(line) - len(line.lstrip())]
            out.append(indent + PLACEHOLDER)
        elif marker == END:
            if not inside:
                raise NotebookError(f"{where}: line {number} closes a region never opened")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise NotebookError(f"{where}: a solution region is never closed ({END!r} missing)")
    return "\n".join(out)


def make_exercise(solution, where: str = "solution"):
    """The student version of a solution notebook (a new notebook object)."""
    P.check_notebook(solution, where)
    spec = exercise_spec(solution, where)
    nb = copy.deepcopy(solution)
    cells = []
    for cell in nb.cells:
        tags = set(cell.get("metadata", {}).get("tags", []))
        if tags & REMOVED_TAGS:
            continue
        cell["source"] = _strip_regions(cell["source"], where)
        if cell["cell_type"] == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
        cell["metadata"] = {"tags": sorted(tags)} if tags else {}
        cells.append(cell)
    nb.cells = cells
    shuffle_options(nb, None, where)
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i:03d}"
    casekit_meta = nb.metadata.get("casekit", {})
    nb.metadata = {
        "kernelspec": nb.metadata.get("kernelspec", {}),
        "language_info": {"name": "python"},
        "casekit": {
            "parameters": casekit_meta["parameters"],
            "exercise": {
                "id": spec["id"],
                "title_zh": spec.get("title_zh", ""),
                "questions": [
                    {k: q[k] for k in PUBLIC_QUESTION_KEYS if k in q} for q in spec["questions"]
                ],
            },
        },
    }
    return nb


@dataclass
class AssignResult:
    written: list[Path]
    unchanged: list[Path]


def assign(solutions_dir: Path, exercises_dir: Path) -> AssignResult:
    """Regenerate ``exercises/`` from ``solutions/`` (only files whose bytes change are written)."""
    written, unchanged = [], []
    for sol in discover(solutions_dir):
        target = exercises_dir / sol.name
        data = notebook_bytes(make_exercise(read_notebook(sol), str(sol)))
        if target.exists() and target.read_bytes() == data:
            unchanged.append(target)
            continue
        atomic_write_bytes(target, data)
        written.append(target)
    return AssignResult(written, unchanged)


def stale_exercises(solutions_dir: Path, exercises_dir: Path) -> list[str]:
    """Exercises that differ from what ``assign`` would write now (or are missing/extra)."""
    problems = []
    expected = {s.name for s in discover(solutions_dir)}
    for sol in discover(solutions_dir):
        target = exercises_dir / sol.name
        data = notebook_bytes(make_exercise(read_notebook(sol), str(sol)))
        if not target.exists():
            problems.append(f"{target} is missing")
        elif target.read_bytes() != data:
            problems.append(f"{target} is stale")
    for extra in sorted(exercises_dir.glob("*.ipynb")):
        if extra.name not in expected:
            problems.append(f"{extra} has no solution")
    return problems


# --- per-student variants -------------------------------------------------------------------


@dataclass(frozen=True)
class Student:
    id: str
    name: str


def read_roster(path: Path) -> list[Student]:
    """A roster CSV with columns ``student_id`` and ``name`` (UTF-8, BOM allowed)."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        fields = set(reader.fieldnames or ())
        if not {"student_id", "name"} <= fields:
            raise BadParameterError(
                "roster", str(path), "a CSV with the columns student_id and name"
            )
        students = [Student(r["student_id"].strip(), r["name"].strip()) for r in reader]
    ids = [s.id for s in students]
    bad = [i for i in ids if not re.fullmatch(r"[A-Za-z0-9_.-]+", i)]
    if bad:
        raise BadParameterError(
            "student_id", bad[0], "letters, digits, '_', '.' or '-' (it becomes a folder name)"
        )
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise BadParameterError("student_id", dupes[0], "a student id listed only once")
    return students


def personalise(exercise, student: Student, where: str = "exercise"):
    """A copy of an exercise whose parameters cell holds the student's values."""
    schema = P.check_notebook(exercise, where)
    exercise_id = exercise.metadata["casekit"]["exercise"]["id"]
    values = P.student_parameters(schema, student.id, exercise_id)
    nb = copy.deepcopy(exercise)
    index = P.parameters_cell_index(nb)
    nb.cells[index]["source"] = P.parameters_source(values, schema)
    orders = shuffle_options(nb, student.id, where)
    nb.metadata["casekit"]["student"] = {"id": student.id, "name": student.name}
    if orders:
        nb.metadata["casekit"]["student"]["options"] = orders
    return nb


def option_lines(question: dict, order: list[str]) -> list[str]:
    """The Markdown lines ``- A：<zh>`` of a choice question, in ``order``."""
    zh = {o["id"]: o["zh"] for o in question["options"]}
    return [f"- {LETTERS[i]}：{zh[oid]}" for i, oid in enumerate(order)]


def shuffle_options(nb, student_id: str | None, where: str = "exercise") -> dict[str, list[str]]:
    """Rewrite each option-object question's ``- A：…`` lines in the student's order (in place).

    Returns question id → option ids in the order shown. The order is
    :func:`casekit.course.answers.option_order`, which the grader recomputes from the
    student id, so letters are graded by meaning. ``student_id=None`` keeps the metadata
    order (it only checks that every question's option lines are there).
    """
    spec = nb.metadata["casekit"]["exercise"]
    orders: dict[str, list[str]] = {}
    for q in spec["questions"]:
        ids = option_ids(q) if q.get("kind") == "choice" else None
        if ids is None:
            continue
        block = "\n".join(option_lines(q, ids))
        cells = [c for c in nb.cells if c.cell_type == "markdown" and block in c.source]
        if len(cells) != 1:
            raise NotebookError(
                f"{where}: question {q['id']!r}: its options must appear exactly once in a "
                f"Markdown cell as consecutive lines '- A：<zh>', '- B：<zh>', … in the "
                f"metadata order; found {len(cells)} cells with them"
            )
        order = ids if student_id is None else option_order(q, student_id, spec["id"])
        cells[0].source = cells[0].source.replace(block, "\n".join(option_lines(q, order)))
        orders[q["id"]] = order
    return orders


def assign_roster(
    exercises_dir: Path, roster: Iterable[Student], out_dir: Path
) -> list[Path]:
    """Write ``out_dir/<student_id>/<NN_slug>.ipynb`` for every student and exercise.

    A stop (Ctrl-C) raises :class:`casekit.errors.Interrupted` saying how many students got
    their copies; every file written is complete, and a rerun writes the same bytes.
    """
    written = []
    exercises = [(p, read_notebook(p)) for p in discover(exercises_dir)]
    roster = list(roster)
    done = 0
    try:
        for student in roster:
            for path, nb in exercises:
                target = out_dir / student.id / path.name
                atomic_write_bytes(target, notebook_bytes(personalise(nb, student, str(path))))
                written.append(target)
            done += 1
    except KeyboardInterrupt:
        raise Interrupted(
            f"interrupted: personal copies written for {done} of {len(roster)} students, "
            f"{len(roster) - done} not; run `casekit assign --roster …` again to write them all "
            "(a copy is the same each time)"
        ) from None
    return written
