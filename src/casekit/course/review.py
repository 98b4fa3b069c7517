"""``casekit review GRADING_DIR``: the trainer marks free-text answers against their rubrics.

``casekit grade`` scores a ``kind: text`` answer ``needs_review`` (0 points). This module
writes, next to the gradebook,

- ``review/index.html`` and one offline page per free-text question
  (``review/<exercise>__<question>.html``): the rubric (criteria, points, a full-marks and
  a partial example) and every student's answer beside it, with the current mark;
- ``review/marks.csv`` (UTF-8 with BOM, opens in Chinese Excel): one row per answer, a
  column per rubric criterion, ``points`` and ``comment`` for the trainer to fill in.

``casekit review GRADING_DIR --apply marks.csv`` stores the marks in the gradebook's
``manual_marks`` table (keyed by the sha256 of the answer) and rewrites the feedback pages
and ``grades.csv``. A mark applies only while the answer it was given to is unchanged, so
re-grading keeps it unless the student changed the answer.
"""

from __future__ import annotations

import csv
import io
import json
import math
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from casekit.course import grade as G
from casekit.course import notebooks as N
from casekit.errors import BadParameterError
from casekit.fileio import atomic_write_bytes

__all__ = ["ApplyReport", "apply_marks", "read_marks", "text_questions", "write_review"]

REVIEW_DIR = "review"
MARKS_CSV = "marks.csv"
BASE_COLUMNS = ("exercise_id", "question_id", "student_id", "answer_sha", "max_points",
                "points", "comment", "answer")
CRITERION_PREFIX = "crit:"


def text_questions(solutions_dir: Path) -> dict[tuple[str, str], dict]:
    """``(exercise id, question id)`` → spec of every ``kind: text`` question of the solutions."""
    out = {}
    for path in N.discover(solutions_dir):
        spec = N.exercise_spec(N.read_notebook(path), str(path))
        for q in spec["questions"]:
            if q["kind"] == "text":
                out[(spec["id"], q["id"])] = q
    return out


def _page_name(exercise_id: str, question_id: str) -> str:
    return f"{exercise_id}__{question_id}.html"


def _rows(gradebook: Path, questions: dict[tuple[str, str], dict]) -> list[dict]:
    """Every recorded free-text answer with its current mark (ordered by question, student)."""
    G.open_gradebook(gradebook).close()
    con = sqlite3.connect(f"file:{gradebook}?mode=ro", uri=True)
    try:
        scores = con.execute(
            "SELECT s.exercise_id, s.question_id, s.student_id, s.answer_json, s.score, "
            "s.max_score, s.status, m.points, m.comment FROM scores s LEFT JOIN manual_marks m "
            "USING (student_id, exercise_id, question_id) "
            "ORDER BY s.exercise_id, s.question_id, s.student_id").fetchall()
    finally:
        con.close()
    rows = []
    for ex, qid, student, answer, _score, max_score, status, mark, comment in scores:
        if (ex, qid) not in questions:
            continue
        text = json.loads(answer) if answer is not None else None
        rows.append({"exercise_id": ex, "question_id": qid, "student_id": student,
                     "answer": text if isinstance(text, str) else ("" if text is None
                                                                  else json.dumps(text)),
                     "answer_sha": G.answer_sha(answer) if answer is not None else "",
                     "max_points": float(max_score), "status": status,
                     "points": mark, "comment": comment or ""})
    return rows


def write_review(grading_dir: Path, solutions_dir: Path) -> list[Path]:
    """Write the review pages and ``marks.csv`` under ``grading_dir/review``; return them."""
    from casekit.course.templating import render

    gradebook = grading_dir / "gradebook.sqlite"
    if not gradebook.exists():
        raise BadParameterError("grading_dir", str(grading_dir),
                                "a folder written by `casekit grade` (with gradebook.sqlite)")
    questions = text_questions(solutions_dir)
    rows = _rows(gradebook, questions)
    out = grading_dir / REVIEW_DIR
    written = []
    pages = []
    criteria_ids: list[str] = []
    for (ex, qid), q in sorted(questions.items()):
        answers = [r for r in rows if (r["exercise_id"], r["question_id"]) == (ex, qid)]
        if not answers:
            continue
        rubric = q.get("rubric") or {}
        for c in rubric.get("criteria", []):
            if c["id"] not in criteria_ids:
                criteria_ids.append(c["id"])
        name = _page_name(ex, qid)
        html = render("review/question.html.j2", exercise_id=ex, question=q, rubric=rubric,
                      answers=answers)
        atomic_write_bytes(out / name, html.encode("utf-8"))
        written.append(out / name)
        pages.append({"href": name, "exercise_id": ex, "question": q, "count": len(answers),
                      "pending": sum(r["points"] is None for r in answers)})
    index = render("review/index.html.j2", pages=pages)
    atomic_write_bytes(out / "index.html", index.encode("utf-8"))
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([*BASE_COLUMNS, *(CRITERION_PREFIX + c for c in criteria_ids)])
    for r in rows:
        writer.writerow([r["exercise_id"], r["question_id"], r["student_id"], r["answer_sha"],
                         f"{r['max_points']:g}",
                         "" if r["points"] is None else f"{r['points']:g}", r["comment"],
                         r["answer"], *([""] * len(criteria_ids))])
    atomic_write_bytes(out / MARKS_CSV, buf.getvalue().encode("utf-8-sig"))
    return [out / "index.html", *written, out / MARKS_CSV]


@dataclass
class Mark:
    student_id: str
    exercise_id: str
    question_id: str
    answer_sha: str
    points: float
    comment: str


def _number(text: str, where: str) -> float:
    try:
        value = float(text.strip())
    except ValueError:
        raise BadParameterError(where, text, "a number of points, e.g. 2 or 1.5") from None
    if not math.isfinite(value) or value < 0:
        raise BadParameterError(where, text, "a number of points ≥ 0")
    return value


def read_marks(path: Path) -> list[Mark]:
    """The filled-in rows of a ``marks.csv`` (a row with no points and no criteria is skipped).

    ``points`` wins; when it is empty, the ``crit:<id>`` columns are added up.
    """
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in ("exercise_id", "question_id", "student_id", "answer_sha",
                               "points") if c not in (reader.fieldnames or ())]
        if missing:
            raise BadParameterError("marks", str(path),
                                    f"the CSV written by `casekit review` (missing {missing})")
        marks = []
        for line, row in enumerate(reader, start=2):
            where = f"{path.name} line {line}"
            points = (row.get("points") or "").strip()
            crits = [v for k, v in row.items() if k and k.startswith(CRITERION_PREFIX)
                     and (v or "").strip()]
            if not points and not crits:
                continue
            value = (_number(points, f"{where} points") if points
                     else sum(_number(v, f"{where} criterion") for v in crits))
            marks.append(Mark(row["student_id"].strip(), row["exercise_id"].strip(),
                              row["question_id"].strip(), row["answer_sha"].strip(), value,
                              (row.get("comment") or "").strip()))
    return marks


@dataclass
class ApplyReport:
    applied: int = 0
    skipped: list[str] = field(default_factory=list)


def apply_marks(grading_dir: Path, marks_csv: Path, names: dict[str, str] | None = None
                ) -> ApplyReport:
    """Store the trainer's marks in the gradebook and rewrite feedback and ``grades.csv``.

    A row is skipped (and reported) when its answer is not in the gradebook or has changed
    since the CSV was written; points above the question's maximum are an error.
    """
    gradebook = grading_dir / "gradebook.sqlite"
    if not gradebook.exists():
        raise BadParameterError("grading_dir", str(grading_dir),
                                "a folder written by `casekit grade` (with gradebook.sqlite)")
    marks = read_marks(marks_csv)
    report = ApplyReport()
    con = G.open_gradebook(gradebook)
    try:
        with con:
            touched = set()
            for m in marks:
                key = (m.student_id, m.exercise_id, m.question_id)
                row = con.execute("SELECT answer_json, max_score FROM scores WHERE student_id=? "
                                  "AND exercise_id=? AND question_id=?", key).fetchone()
                label = "/".join(key)
                if row is None or row[0] is None:
                    report.skipped.append(f"{label}: no answer in the gradebook")
                    continue
                if G.answer_sha(row[0]) != m.answer_sha:
                    report.skipped.append(f"{label}: the answer changed since the review CSV "
                                          "was written; run `casekit review` again")
                    continue
                if m.points > row[1] + 1e-9:
                    raise BadParameterError(f"{label} points", m.points,
                                            f"at most the question's {row[1]:g} points")
                con.execute("INSERT OR REPLACE INTO manual_marks VALUES (?,?,?,?,?,?)",
                            (*key, m.answer_sha, m.points, m.comment))
                touched.add((m.student_id, m.exercise_id))
                report.applied += 1
            for student, exercise in sorted(touched):
                G.apply_manual_marks(con, student, exercise)
    finally:
        con.close()
    G.write_reports(grading_dir, names)
    return report
