"""``casekit grade SUBMISSIONS_DIR``: grade a class safely, in parallel, into a gradebook.

Layout: ``SUBMISSIONS_DIR/<student_id>/<NN_slug>.ipynb`` (what ``casekit assign --roster``
hands out). For each submission the grader

1. reads it defensively (invalid JSON, not a notebook, an empty notebook each get a status);
2. derives the student's parameters from the student id and the exercise (never from the
   submission, which the student may have edited) and obtains the expected answers by
   running the *solution* with them (cached per parameter set);
3. runs the submission in its own sandboxed kernel (``casekit.course.sandbox``) in a scratch
   folder holding only that notebook, with the student's parameters injected, a per-cell and
   a per-notebook timeout, a memory limit, and errors allowed so one broken cell costs only
   its own questions; a final cell exports the answer variables as JSON;
4. compares answers with the hidden checks (``metadata.casekit.exercise`` of the solution)
   in the grader's process, outside the student's kernel;
5. writes every question's score to a SQLite gradebook in one transaction per submission
   (re-grading a student replaces only that student's rows for that exercise), per-student
   HTML feedback that shows results and hints but never checks or expected values, and a CSV
   for Chinese Excel (UTF-8 with BOM).
"""

from __future__ import annotations

import copy
import csv
import hashlib
import io
import json
import multiprocessing
import os
import re
import shutil
import sqlite3
import sys
import threading
from collections import defaultdict
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from casekit.course import notebooks as N
from casekit.course import params as P
from casekit.course.answers import assess, compare, option_order  # noqa: F401  (compare: public)
from casekit.course.forkserver import read_untrusted_json
from casekit.errors import CasekitError, Interrupted
from casekit.fileio import atomic_write_bytes

CELL_TIMEOUT_S = 60
NOTEBOOK_TIMEOUT_S = 300
MEMORY_MB = 1024
ANSWERS_FILE = "answers.json"
# Fresh worker interpreters (see build._SPAWN): forking a threaded parent can hang kernels.
_SPAWN = multiprocessing.get_context("spawn")



@dataclass
class QuestionResult:
    question_id: str
    title_zh: str
    score: float
    max_score: float
    status: str
    feedback_zh: str
    answer: Any = None  # the submitted value as exported to JSON (None when unanswered)
    mistake: str | None = None  # id of the declared known mistake the answer matched


@dataclass
class SubmissionResult:
    student_id: str
    exercise_id: str
    file: str
    sha256: str
    status: str
    notes: list[str] = field(default_factory=list)
    questions: list[QuestionResult] = field(default_factory=list)

    @property
    def score(self) -> float:
        return sum(q.score for q in self.questions)

    @property
    def max_score(self) -> float:
        return sum(q.max_score for q in self.questions)


# --- comparing answers ----------------------------------------------------------------------


MISTAKE_KEY = "{qid}#mistake:{mid}"


def score_answers(
    spec: dict,
    got: dict,
    expected: dict,
    *,
    student_id: str | None = None,
    params: dict | None = None,
) -> list[QuestionResult]:
    """One result per question: the student's ``got`` against the solution's ``expected``.

    ``expected`` also holds each declared mistake's value under ``"q1#mistake:<id>"``;
    ``student_id`` gives the order in which that student saw shuffled options (letters are
    mapped back to option ids); ``params`` are the student's parameters (check functions).
    """
    results = []
    for q in spec["questions"]:
        qid = q["id"]
        order = option_order(q, student_id, spec["id"]) if student_id is not None else None
        mistakes = {m["id"]: expected.get(MISTAKE_KEY.format(qid=qid, mid=m["id"]))
                    for m in q.get("mistakes", [])}
        answer = got.get(qid)
        verdict = assess(q, answer, expected.get(qid), order=order, mistakes=mistakes,
                         params=params)
        results.append(
            QuestionResult(
                qid, q.get("title_zh", ""), verdict.score, float(q["points"]), verdict.status,
                verdict.feedback_zh, answer, verdict.mistake,
            )
        )
    return results


# --- running notebooks ----------------------------------------------------------------------


def dump_source(spec: dict, *, mistakes: bool = False, path: str = ANSWERS_FILE) -> str:
    """Code that writes the answer variables (and, for a solution, each mistake's) as JSON."""
    mapping = {q["id"]: q["answer"] for q in spec["questions"]}
    if mistakes:  # the solution run also reports what each known mistake gives
        mapping.update({MISTAKE_KEY.format(qid=q["id"], mid=m["id"]): m["answer"]
                        for q in spec["questions"] for m in q.get("mistakes", [])})
    return (
        "import casekit.exercise as _casekit_exercise\n"
        f"_casekit_exercise.dump_answers({mapping!r}, globals(), {path!r})"
    )


def _dump_cell(spec: dict, *, mistakes: bool = False):
    import nbformat

    cell = nbformat.v4.new_code_cell(dump_source(spec, mistakes=mistakes))
    cell.metadata["tags"] = ["casekit-answers"]
    return cell


_LOCAL = threading.local()
_SANDBOX_RESOLVED: dict[str, str] = {}


def resolve_sandbox(mode: str, *, warn: bool = True) -> str:
    """'bwrap' or 'python' for ``mode`` in auto|bwrap|python (auto: bwrap where it works)."""
    if mode not in ("auto", "bwrap", "python"):
        raise CasekitError(f"unknown sandbox {mode!r}: use auto, bwrap or python")
    if mode in _SANDBOX_RESOLVED:
        return _SANDBOX_RESOLVED[mode]
    resolved = "python" if mode == "python" else "bwrap"
    if mode != "python":
        from casekit.course.forkserver import bwrap_available

        ok, reason = bwrap_available()
        if not ok and mode == "bwrap":
            raise CasekitError(f"--sandbox bwrap is not possible here: {reason}. "
                               "Install bubblewrap and allow user namespaces, or use "
                               "--sandbox python.")
        if not ok:
            resolved = "python"
            if warn:
                print(f"casekit grade: warning: {reason}; using the Python sandbox only "
                      "(audit hook, no OS isolation)", file=sys.stderr)
    _SANDBOX_RESOLVED[mode] = resolved
    return resolved


def _zygote(sandbox: str):
    """This thread's warm fork server (started on first use, closed when the process ends)."""
    from multiprocessing.util import Finalize

    from casekit.course.forkserver import Zygote

    sandbox = resolve_sandbox(sandbox)
    zygote = getattr(_LOCAL, "zygote", None)
    if zygote is not None and zygote.sandbox == sandbox:
        return zygote
    if zygote is not None:
        zygote.close()
    zygote = Zygote(sandbox)
    zygote.start()
    Finalize(zygote, zygote.close, exitpriority=10)
    _LOCAL.zygote = zygote
    return zygote


def _run_cells(zygote, nb, source_path: Path | None, *, cell_timeout: int,
               notebook_timeout: int, guard: bool, memory_mb: int = MEMORY_MB,
               ) -> tuple[str, list, dict | None]:
    """Run ``nb``'s code cells in a fresh child of ``zygote``: (status, cell errors, answers)."""
    scratch = zygote.new_scratch()
    if source_path is not None:
        shutil.copyfile(source_path, scratch / "submission.ipynb")
    cells = [c.source for c in nb.cells if c.cell_type == "code"]
    status, errors = zygote.run(scratch, cells, cell_timeout=cell_timeout,
                                notebook_timeout=notebook_timeout, guard=guard,
                                memory_mb=memory_mb)
    got = read_untrusted_json(scratch / ANSWERS_FILE)
    shutil.rmtree(scratch, ignore_errors=True)
    return status, errors, got


def _parameterize(nb, values: dict):
    from papermill.parameterize import parameterize_notebook

    P.use_readable_strings()
    nb = copy.deepcopy(nb)
    for cell in nb.cells:  # papermill expects every cell to carry a tags list
        cell.metadata["tags"] = list(cell.metadata.get("tags", []))
    nb.metadata.setdefault("papermill", {})
    return parameterize_notebook(nb, values, report_mode=False)


def expected_cache_file(solution: bytes, values: dict, cache_dir: Path) -> Path:
    """Where the expected answers of ``solution`` (its bytes) for ``values`` are cached."""
    key = hashlib.sha256(b"mistakes-v1" + solution
                         + json.dumps(values, sort_keys=True, ensure_ascii=False).encode())
    return Path(cache_dir) / f"{key.hexdigest()[:24]}.json"


def expected_answers(solution_path: Path, values: dict, cache_dir: Path, *,
                     sandbox: str = "python") -> dict:
    """Answers of the solution run with ``values`` (cached on disk by solution + values).

    The solution is trusted: it runs in a fresh child of the fork server without the audit
    hook or limits (inside bubblewrap when ``sandbox`` is 'bwrap').
    """
    solved = _solution(str(solution_path))
    cached = expected_cache_file(solved.raw, values, cache_dir)
    if cached.exists():
        return json.loads(cached.read_text(encoding="utf-8"))
    run = _parameterize(solved.notebook, values)
    spec = solved.spec
    run.cells.append(_dump_cell(spec, mistakes=True))
    status, errors, answers = _run_cells(
        _zygote(sandbox), run, None, cell_timeout=600, notebook_timeout=1800,
        guard=False,
    )
    failed = [e for e in errors if e]
    if status != "ok" or failed or not isinstance(answers, dict):
        detail = f"{failed[0][0]}: {failed[0][1]}" if failed else status
        raise CasekitError(f"{solution_path}: the solution failed with {values}: {detail}")
    atomic_write_bytes(cached, json.dumps(answers, ensure_ascii=False, sort_keys=True).encode())
    return answers


# --- one submission ----------------------------------------------------------------------------


@dataclass
class GradeJob:
    student_id: str
    exercise_id: str
    path: str
    solution: str
    cache_dir: str
    cell_timeout: int = CELL_TIMEOUT_S
    notebook_timeout: int = NOTEBOOK_TIMEOUT_S
    memory_mb: int = MEMORY_MB
    sandbox: str = "auto"


def _read_submission(raw: bytes):
    """(notebook or None, status or None)."""
    import nbformat

    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None, "invalid_json"
    if not isinstance(doc, dict) or not isinstance(doc.get("cells"), list):
        return None, "not_a_notebook"
    try:
        nb = nbformat.reads(json.dumps(doc), as_version=4)
    except Exception:
        return None, "not_a_notebook"
    if not [c for c in nb.cells if c.cell_type == "code" and c.source.strip()]:
        return None, "empty"
    return nb, None


@dataclass(frozen=True)
class _Solution:
    raw: bytes
    notebook: Any
    spec: dict
    schema: Any
    public_checks: int


def _public_checks(nb) -> int:
    """How many cells of ``nb`` are tagged ``public-check``."""
    return sum("public-check" in c.get("metadata", {}).get("tags", []) for c in nb.cells)


_SOLUTIONS: dict[tuple[str, int, int], _Solution] = {}


def _solution(path: str) -> _Solution:
    """The parsed solution, read once per worker process (keyed by path, mtime and size:
    an edited solution is read again). Callers must not modify it."""
    st = os.stat(path)
    key = (os.path.realpath(path), st.st_mtime_ns, st.st_size)
    found = _SOLUTIONS.get(key)
    if found is None:
        raw = Path(path).read_bytes()
        nb = N.read_notebook(Path(path))
        found = _Solution(raw, nb, N.exercise_spec(nb, path), P.schema_from_metadata(nb, path),
                          _public_checks(nb))
        if len(_SOLUTIONS) >= 64:  # a course has a dozen exercises; keep memory bounded
            _SOLUTIONS.clear()
        _SOLUTIONS[key] = found
    return found


def grade_one(job: GradeJob) -> SubmissionResult:
    """Grade one submission; never raises (every problem becomes a status)."""
    path = Path(job.path)
    raw = path.read_bytes()
    result = SubmissionResult(job.student_id, job.exercise_id, path.name,
                              hashlib.sha256(raw).hexdigest(), "graded")
    solved = _solution(job.solution)
    spec = solved.spec
    blank = score_answers(spec, {}, {})
    for q in blank:
        q.status, q.feedback_zh = "not_run", "未能运行，未得分。"
    nb, problem = _read_submission(raw)
    if problem:
        result.status, result.questions = problem, blank
        return result
    values = P.student_parameters(solved.schema, job.student_id, job.exercise_id)
    try:
        expected = expected_answers(Path(job.solution), values, Path(job.cache_dir),
                                    sandbox=job.sandbox)
    except CasekitError as exc:
        result.status, result.questions = "solution_failed", blank
        result.notes.append(str(exc))
        return result

    index = P.parameters_cell_index(nb)
    if index is None:
        result.notes.append("parameters_cell_missing")
    elif P.assigned_names(nb.cells[index].source) != values:
        result.notes.append("parameters_changed")
    if _public_checks(nb) < solved.public_checks:
        result.notes.append("public_checks_removed")
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nb.metadata["kernelspec"] = {"name": "casekit-sandbox", "language": "python",
                                 "display_name": "casekit grading sandbox"}
    run = _parameterize(nb, values)
    run.cells.append(_dump_cell(spec))

    status, errors, got = _run_cells(
        _zygote(job.sandbox), run, path, cell_timeout=job.cell_timeout,
        notebook_timeout=job.notebook_timeout, guard=True, memory_mb=job.memory_mb,
    )
    timed_out_cells = sum(1 for e in errors if e and e[0] == "CellTimeout")
    if timed_out_cells:
        result.notes.append(f"cell_timeouts={timed_out_cells}")
    if status != "ok":
        result.status = status
    if not isinstance(got, dict):
        if status == "ok":
            result.status = "no_answers"
        result.questions = blank
        return result
    result.questions = score_answers(spec, got, expected, student_id=job.student_id,
                                     params=values)
    return result


# --- the gradebook ---------------------------------------------------------------------------

SCHEMA = """
CREATE TABLE IF NOT EXISTS submissions (
    student_id TEXT NOT NULL, exercise_id TEXT NOT NULL, file TEXT NOT NULL,
    sha256 TEXT NOT NULL, status TEXT NOT NULL, notes TEXT NOT NULL,
    score REAL NOT NULL, max_score REAL NOT NULL,
    PRIMARY KEY (student_id, exercise_id));
CREATE TABLE IF NOT EXISTS scores (
    student_id TEXT NOT NULL, exercise_id TEXT NOT NULL, question_id TEXT NOT NULL,
    title_zh TEXT NOT NULL, score REAL NOT NULL, max_score REAL NOT NULL,
    status TEXT NOT NULL, feedback_zh TEXT NOT NULL,
    answer_json TEXT, mistake TEXT,
    PRIMARY KEY (student_id, exercise_id, question_id));
CREATE TABLE IF NOT EXISTS manual_marks (
    student_id TEXT NOT NULL, exercise_id TEXT NOT NULL, question_id TEXT NOT NULL,
    answer_sha TEXT NOT NULL, points REAL NOT NULL, comment TEXT NOT NULL,
    PRIMARY KEY (student_id, exercise_id, question_id));
"""
# Columns added after the first release: an older gradebook gains them on open.
_ADDED_COLUMNS = (("scores", "answer_json", "TEXT"), ("scores", "mistake", "TEXT"))


def answer_json(answer: Any) -> str | None:
    """The stored form of an answer (None when unanswered): sorted keys, Chinese kept."""
    if answer is None:
        return None
    return json.dumps(answer, ensure_ascii=False, sort_keys=True)


def answer_sha(answer_text: str | None) -> str:
    """sha256 of a stored ``answer_json`` (a manual mark holds while this is unchanged)."""
    return hashlib.sha256((answer_text or "").encode("utf-8")).hexdigest()


def open_gradebook(gradebook: Path) -> sqlite3.Connection:
    """Connect, create missing tables and migrate an older gradebook's ``scores`` table."""
    gradebook.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(gradebook)
    con.executescript(SCHEMA)
    for table, column, kind in _ADDED_COLUMNS:
        have = {row[1] for row in con.execute(f"PRAGMA table_info({table})")}
        if column not in have:
            con.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
    con.commit()
    return con


def _mark_feedback(points: float, comment: str) -> str:
    return "老师已评分" + (f"：{comment}" if comment else "。")


def apply_manual_marks(con: sqlite3.Connection, student_id: str, exercise_id: str) -> None:
    """Put the trainer's marks into one submission's scores (only for unchanged answers).

    A mark whose answer changed since it was given is deleted: the new answer needs review.
    """
    marks = con.execute(
        "SELECT question_id, answer_sha, points, comment FROM manual_marks "
        "WHERE student_id=? AND exercise_id=?", (student_id, exercise_id)).fetchall()
    for question_id, sha, points, comment in marks:
        row = con.execute("SELECT answer_json FROM scores WHERE student_id=? AND exercise_id=? "
                          "AND question_id=?", (student_id, exercise_id, question_id)).fetchone()
        if row is None or row[0] is None or answer_sha(row[0]) != sha:
            con.execute("DELETE FROM manual_marks WHERE student_id=? AND exercise_id=? "
                        "AND question_id=?", (student_id, exercise_id, question_id))
            continue
        con.execute("UPDATE scores SET score=MIN(?, max_score), status='reviewed', feedback_zh=? "
                    "WHERE student_id=? AND exercise_id=? AND question_id=?",
                    (points, _mark_feedback(points, comment), student_id, exercise_id,
                     question_id))
    con.execute("UPDATE submissions SET score=(SELECT COALESCE(SUM(score), 0) FROM scores "
                "WHERE scores.student_id=submissions.student_id "
                "AND scores.exercise_id=submissions.exercise_id) "
                "WHERE student_id=? AND exercise_id=?", (student_id, exercise_id))


def _migrate(con: sqlite3.Connection) -> None:
    """Add the columns an older gradebook lacks (answer_json, mistake)."""
    have = {row[1] for row in con.execute("PRAGMA table_info(scores)")}
    for column in ("answer_json", "mistake"):
        if column not in have:
            con.execute(f"ALTER TABLE scores ADD COLUMN {column} TEXT")
    con.commit()


def _answer_json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def record(gradebook: Path, results: Iterable[SubmissionResult]) -> None:
    """Replace each (student, exercise)'s rows; one transaction per submission."""
    con = open_gradebook(gradebook)
    try:
        for r in results:
            with con:  # a transaction: all rows of this submission or none
                con.execute("DELETE FROM scores WHERE student_id=? AND exercise_id=?",
                            (r.student_id, r.exercise_id))
                con.execute("DELETE FROM submissions WHERE student_id=? AND exercise_id=?",
                            (r.student_id, r.exercise_id))
                con.execute(
                    "INSERT INTO submissions VALUES (?,?,?,?,?,?,?,?)",
                    (r.student_id, r.exercise_id, r.file, r.sha256, r.status,
                     ";".join(r.notes), r.score, r.max_score),
                )
                con.executemany(
                    "INSERT INTO scores VALUES (?,?,?,?,?,?,?,?,?,?)",
                    [(r.student_id, r.exercise_id, q.question_id, q.title_zh, q.score,
                      q.max_score, q.status, q.feedback_zh, answer_json(q.answer), q.mistake)
                     for q in r.questions],
                )
                apply_manual_marks(con, r.student_id, r.exercise_id)
    finally:
        con.close()


def read_gradebook(gradebook: Path):
    """``(submissions, scores)`` frames; an older gradebook is migrated first."""
    import pandas as pd

    open_gradebook(gradebook).close()
    con = sqlite3.connect(f"file:{gradebook}?mode=ro", uri=True)
    try:
        subs = pd.read_sql("SELECT * FROM submissions ORDER BY student_id, exercise_id", con)
        scores = pd.read_sql(
            "SELECT * FROM scores ORDER BY student_id, exercise_id, question_id", con
        )
    finally:
        con.close()
    for column in ("answer_json", "mistake"):  # an older gradebook, opened read-only
        if column not in scores.columns:
            scores[column] = None
    return subs, scores


def results_from_gradebook(gradebook: Path) -> list[SubmissionResult]:
    """Every recorded submission with its question rows (to rewrite feedback after review)."""
    open_gradebook(gradebook).close()
    con = sqlite3.connect(f"file:{gradebook}?mode=ro", uri=True)
    try:
        subs = con.execute("SELECT student_id, exercise_id, file, sha256, status, notes "
                           "FROM submissions ORDER BY student_id, exercise_id").fetchall()
        scores = con.execute(
            "SELECT student_id, exercise_id, question_id, title_zh, score, max_score, status, "
            "feedback_zh, answer_json, mistake FROM scores "
            "ORDER BY student_id, exercise_id, question_id").fetchall()
    finally:
        con.close()
    by_key: dict[tuple[str, str], list[QuestionResult]] = defaultdict(list)
    for student, exercise, qid, title, score, max_score, status, feedback, answer, mistake in (
        scores
    ):
        by_key[(student, exercise)].append(QuestionResult(
            qid, title, float(score), float(max_score), status, feedback,
            None if answer is None else json.loads(answer), mistake))
    return [SubmissionResult(student, exercise, file, sha, status,
                             [n for n in str(notes).split(";") if n],
                             by_key.get((student, exercise), []))
            for student, exercise, file, sha, status, notes in subs]


def write_reports(out_dir: Path, names: dict[str, str] | None = None) -> None:
    """Rewrite ``feedback/<student>.html`` and ``grades.csv`` from ``out_dir``'s gradebook."""
    gradebook = out_dir / "gradebook.sqlite"
    by_student: dict[str, list[SubmissionResult]] = defaultdict(list)
    for r in results_from_gradebook(gradebook):
        by_student[r.student_id].append(r)
    for student, rows in by_student.items():
        text = feedback_html(student, (names or {}).get(student, ""), rows)
        atomic_write_bytes(out_dir / "feedback" / f"{student}.html", text.encode("utf-8"))
    export_csv(gradebook, out_dir / "grades.csv", names)


def export_csv(gradebook: Path, target: Path, names: dict[str, str] | None = None) -> None:
    """One row per student, one column per exercise, and the total (UTF-8 with BOM)."""
    subs, _ = read_gradebook(gradebook)
    names = names or {}
    exercises = sorted(subs["exercise_id"].unique())
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(["学号 student_id", "姓名 name", *exercises, "总分 total", "满分 max"])
    for student, rows in subs.groupby("student_id", sort=True):
        by_ex = dict(zip(rows["exercise_id"], rows["score"], strict=True))
        writer.writerow([
            student, names.get(student, ""),
            *[f"{by_ex[e]:g}" if e in by_ex else "" for e in exercises],
            f"{rows['score'].sum():g}", f"{rows['max_score'].sum():g}",
        ])
    atomic_write_bytes(target, buf.getvalue().encode("utf-8-sig"))


_STATUS_ZH = {
    "correct": "✓ 正确", "incorrect": "✗ 不正确", "unanswered": "… 未作答",
    "needs_review": "✎ 待老师评阅", "not_run": "— 未运行",
    "partial": "◐ 部分正确", "reviewed": "✎ 老师已评分",
    "graded": "已评分", "invalid_json": "文件不是有效的 JSON",
    "not_a_notebook": "不是 Jupyter 笔记本",
    "empty": "笔记本是空的", "kernel_died": "运行时内核崩溃", "timeout": "运行超时",
    "no_answers": "未能读取答案", "solution_failed": "参考答案运行失败（请联系老师）",
    "unknown_exercise": "未知练习",
}
_NOTES_ZH = {
    "parameters_cell_missing": "找不到 parameters 单元格，已按你的个人参数运行。",
    "parameters_changed": "parameters 单元格被修改过，已按你的个人参数重新运行。",
    "public_checks_removed": "部分自检单元格被删除或修改（不影响评分）。",
    "duplicate": "同一练习提交了多份，只评了最新的一份。",
}


def feedback_html(student_id: str, name: str, results: Sequence[SubmissionResult]) -> str:
    """Per-student feedback: scores, statuses and hints; never checks or expected values."""
    from casekit.course.templating import render

    def note_zh(note: str) -> str:
        key = note.split("=")[0]
        timeout = "有单元格运行超时，已中断。"
        return _NOTES_ZH.get(key, timeout if key == "cell_timeouts" else note)

    return render(
        "grade/feedback.html.j2",
        student_id=student_id,
        name=name,
        results=results,
        status_zh=lambda status: _STATUS_ZH.get(status, status),
        note_zh=note_zh,
    )


# --- the batch -----------------------------------------------------------------------------


def find_submissions(
    submissions_dir: Path, solutions_dir: Path
) -> tuple[list[GradeJob], list[SubmissionResult]]:
    """Jobs for the newest submission per (student, exercise); statuses for the rest."""
    solutions = {p.stem: p for p in N.discover(solutions_dir)}
    candidates: dict[tuple[str, str], list[Path]] = defaultdict(list)
    skipped: list[SubmissionResult] = []
    for student_dir in sorted(p for p in submissions_dir.iterdir() if p.is_dir()):
        for path in sorted(student_dir.glob("*.ipynb")):
            match = re.match(r"^(\d\d_[a-z0-9_]+)", path.stem)
            exercise = match.group(1) if match else ""
            if exercise not in solutions:
                skipped.append(SubmissionResult(student_dir.name, path.stem, path.name,
                                                hashlib.sha256(path.read_bytes()).hexdigest(),
                                                "unknown_exercise"))
                continue
            candidates[(student_dir.name, exercise)].append(path)
    jobs = []
    for (student, exercise), paths in sorted(candidates.items()):
        newest = max(paths, key=lambda p: (p.stat().st_mtime_ns, p.name))
        job = GradeJob(student, exercise, str(newest), str(solutions[exercise]), "")
        jobs.append(job)
        for other in paths:
            if other != newest:
                digest = hashlib.sha256(other.read_bytes()).hexdigest()
                skipped.append(SubmissionResult(student, exercise + "#dup:" + other.name,
                                                other.name, digest, "duplicate_ignored"))
    return jobs, skipped


_RESUME_SCHEMA = """
CREATE TABLE IF NOT EXISTS graded_inputs (
    student_id TEXT NOT NULL, exercise_id TEXT NOT NULL, input_key TEXT NOT NULL,
    PRIMARY KEY (student_id, exercise_id));
"""
# statuses that say nothing about the submission itself: always graded again
_RETRY_STATUSES = {"grader_error", "solution_failed"}


def _input_key(job: GradeJob) -> str:
    """What a grade depends on: the submission, the solution and the limits (sha256)."""
    digest = hashlib.sha256()
    for part in (Path(job.path).read_bytes(), Path(job.solution).read_bytes(),
                 json.dumps([job.cell_timeout, job.notebook_timeout, job.memory_mb]).encode()):
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()


def _graded_keys(gradebook: Path) -> dict[tuple[str, str], str]:
    if not gradebook.exists():
        return {}
    con = sqlite3.connect(gradebook)
    try:
        con.executescript(SCHEMA + _RESUME_SCHEMA)
        rows = con.execute(
            "SELECT g.student_id, g.exercise_id, g.input_key, s.status FROM graded_inputs g "
            "JOIN submissions s USING (student_id, exercise_id)"
        ).fetchall()
    finally:
        con.close()
    return {(st, ex): key for st, ex, key, status in rows if status not in _RETRY_STATUSES}


def _record_one(gradebook: Path, result: SubmissionResult, key: str) -> None:
    """Record one submission, then the key that lets a later run skip it.

    Each step is its own transaction; a kill between them only means one more regrade.
    """
    record(gradebook, [result])
    con = sqlite3.connect(gradebook)
    try:
        con.executescript(_RESUME_SCHEMA)
        with con:
            con.execute("INSERT OR REPLACE INTO graded_inputs VALUES (?,?,?)",
                        (result.student_id, result.exercise_id, key))
    finally:
        con.close()


def _stored_results(gradebook: Path, pairs: set[tuple[str, str]]) -> list[SubmissionResult]:
    """The SubmissionResults of ``pairs`` as recorded (skipped on resume)."""
    return [r for r in results_from_gradebook(gradebook)
            if (r.student_id, r.exercise_id) in pairs]


def _run_local(todo: list[GradeJob], workers: int):
    """Yield (job, result) as the local process pool finishes them."""
    from casekit.course import interrupt

    pool = ProcessPoolExecutor(max_workers=workers, mp_context=_SPAWN,
                               initializer=interrupt.quiet_worker)
    try:
        futures = {pool.submit(grade_one, job): job for job in todo}
        for future in as_completed(futures):
            job = futures[future]
            try:
                result = future.result()
            except Exception as exc:
                result = _grader_error(job, exc)
            yield job, result
    except BaseException:  # Ctrl-C, SIGTERM or the caller stopped: no waiting for workers
        interrupt.stop_children()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def _grader_error(job: GradeJob, exc: BaseException) -> SubmissionResult:
    return SubmissionResult(job.student_id, job.exercise_id, Path(job.path).name, "",
                            "grader_error", [f"{type(exc).__name__}: {exc}"])


def grade_remote(job: GradeJob, submission: bytes, solution: bytes) -> SubmissionResult:
    """``grade_one`` on a cluster worker: the files travel with the job, not as paths.

    The worker keeps its own expected-answers cache and fork server between jobs.
    """
    import tempfile

    base = Path(tempfile.gettempdir()) / f"casekit-grade-worker-{os.getpid()}"
    work = base / hashlib.sha256(submission + solution).hexdigest()[:16]
    (work / "submission").mkdir(parents=True, exist_ok=True)
    (work / "solution").mkdir(parents=True, exist_ok=True)
    sub_path = work / "submission" / Path(job.path).name
    sol_path = work / "solution" / Path(job.solution).name
    sub_path.write_bytes(submission)
    sol_path.write_bytes(solution)
    local = copy.copy(job)
    local.path, local.solution = str(sub_path), str(sol_path)
    local.cache_dir = str(base.parent / "casekit-expected-cache")
    Path(local.cache_dir).mkdir(exist_ok=True)
    try:
        return grade_one(local)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _run_cluster(todo: list[GradeJob], address):
    """Yield (job, result) as Dask workers finish them; only this process writes results."""
    try:
        from dask.distributed import Client
        from dask.distributed import as_completed as dask_completed
    except ImportError as exc:
        raise CasekitError("--cluster needs Dask distributed: pip install distributed") from exc
    client = Client(address, set_as_default=False)
    try:
        solutions = {s: Path(s).read_bytes() for s in {job.solution for job in todo}}
        futures = {}
        for job in todo:
            future = client.submit(grade_remote, job, Path(job.path).read_bytes(),
                                   solutions[job.solution], pure=False,
                                   key=f"casekit-grade-{job.student_id}-{job.exercise_id}")
            futures[future] = job
        for future in dask_completed(futures, loop=client.loop):
            job = futures[future]
            try:
                yield job, future.result()
            except Exception as exc:
                yield job, _grader_error(job, exc)
    finally:
        client.close()


def grade(
    submissions_dir: Path,
    *,
    solutions_dir: Path,
    out_dir: Path,
    jobs: int | None = None,
    names: dict[str, str] | None = None,
    cell_timeout: int = CELL_TIMEOUT_S,
    notebook_timeout: int = NOTEBOOK_TIMEOUT_S,
    memory_mb: int = MEMORY_MB,
    progress: bool = True,
    sandbox: str = "auto",
    cluster: str | None = None,
    resume: bool = True,
) -> list[SubmissionResult]:
    """Grade every submission; write gradebook.sqlite, feedback/*.html and grades.csv.

    Each finished submission is recorded at once (one transaction), so an interrupted run
    loses nothing; with ``resume`` a later run skips submissions whose submission, solution
    and limits are unchanged (``graded_inputs`` table). ``cluster`` is a Dask scheduler
    address: the same per-submission job then runs on its workers.
    """
    from tqdm import tqdm

    out_dir.mkdir(parents=True, exist_ok=True)
    cache = out_dir / ".expected-cache"
    cache.mkdir(exist_ok=True)
    gradebook = out_dir / "gradebook.sqlite"
    todo, skipped = find_submissions(submissions_dir, solutions_dir)
    for solution in sorted({job.solution for job in todo}):
        # a broken solution is the trainer's problem: say so once, before any kernel starts
        nb = N.read_notebook(Path(solution))
        N.exercise_spec(nb, solution)
        P.schema_from_metadata(nb, solution)
    # On a cluster each worker resolves 'auto' for itself; locally, once (one warning line).
    job_sandbox = sandbox if cluster else resolve_sandbox(sandbox)
    for job in todo:
        job.cache_dir = str(cache)
        job.cell_timeout, job.notebook_timeout = cell_timeout, notebook_timeout
        job.memory_mb, job.sandbox = memory_mb, job_sandbox
    keys = {(job.student_id, job.exercise_id): _input_key(job) for job in todo}
    done = _graded_keys(gradebook) if resume else {}
    unchanged = {pair for pair, key in keys.items() if done.get(pair) == key}
    todo = [job for job in todo if (job.student_id, job.exercise_id) not in unchanged]
    dup_students = {(r.student_id, r.exercise_id.split("#dup:")[0]) for r in skipped
                    if r.status == "duplicate_ignored"}
    results: list[SubmissionResult] = []
    counts: dict[str, int] = defaultdict(int)
    bar = tqdm(total=len(todo), desc="casekit grade", unit="nb", disable=not progress,
               dynamic_ncols=True)
    if unchanged and progress:
        bar.write(f"casekit grade: {len(unchanged)} unchanged submission(s) already graded, "
                  "skipped", file=sys.stderr)
    if todo:
        workers = max(1, min(jobs or os.cpu_count() or 1, len(todo)))
        stream = _run_cluster(todo, cluster) if cluster else _run_local(todo, workers)
        try:
            for job, res in stream:
                if (res.student_id, res.exercise_id) in dup_students:
                    res.notes.append("duplicate")
                _record_one(gradebook, res, keys[(job.student_id, job.exercise_id)])
                results.append(res)
                counts[res.status] += 1
                bar.set_postfix(dict(sorted(counts.items())), refresh=False)
                bar.update()
        except KeyboardInterrupt:
            stream.close()
            bar.close()
            raise Interrupted(
                f"interrupted: {len(results)} of {len(todo)} submissions graded and recorded, "
                f"{len(todo) - len(results)} not; run `casekit grade` again to resume "
                "(graded submissions are skipped)"
            ) from None
    bar.close()
    results += _stored_results(gradebook, unchanged) if unchanged else []
    results.sort(key=lambda r: (r.student_id, r.exercise_id))
    # feedback and CSV come from the gradebook, so the trainer's kept marks are in them
    write_reports(out_dir, names)
    return results + skipped
