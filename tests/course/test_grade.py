"""`casekit grade`: correct, partial and hostile submissions, gradebook, feedback, CSV."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import nbformat
import pytest

from casekit.course import assign as A
from casekit.course import grade as G
from tests.fixtures import toy_exercise as toy

pytestmark = pytest.mark.slow
NB = f"{toy.EXERCISE_ID}.ipynb"


def _student_copy(tmp: Path, student: str):
    roster = [A.Student(student, student)]
    A.assign(tmp / "solutions", tmp / "exercises")
    (path,) = A.assign_roster(tmp / "exercises", roster, tmp / "handout")
    return nbformat.read(path, as_version=4)


def _submit(tmp: Path, student: str, nb=None, *, raw: str | None = None, name: str = NB) -> Path:
    target = tmp / "submissions" / student / name
    target.parent.mkdir(parents=True, exist_ok=True)
    if raw is not None:
        target.write_text(raw, encoding="utf-8")
    else:
        nbformat.write(nb, target)
    return target


def _code(nb, source: str, at: int | None = None):
    cell = nbformat.v4.new_code_cell(source)
    nb.cells.insert(len(nb.cells) if at is None else at, cell)
    return nb


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("grading")
    toy.write_solution(tmp / "solutions")
    answered = lambda s, **extra: toy.answer(_student_copy(tmp, s), {**toy.CORRECT, **extra})  # noqa: E731

    _submit(tmp, "s01", answered("s01"))
    _submit(tmp, "s02", answered("s02", q1_ctr="0.5"))
    _submit(tmp, "s03", raw="{ this is not json")
    _submit(tmp, "s04", raw=json.dumps({"hello": "world"}))
    _submit(tmp, "s05", nbformat.v4.new_notebook())
    nb = answered("s06")
    for cell in nb.cells:
        cell.metadata["tags"] = [t for t in cell.metadata.get("tags", []) if t != "parameters"]
    _submit(tmp, "s06", nb)
    _submit(tmp, "s07", _code(answered("s07"), "while True:\n    pass", at=5))
    _submit(tmp, "s08", _code(answered("s08"), "import sys\nsys.exit()"))
    _submit(tmp, "s09", _code(answered("s09"), "import os\nos._exit(1)", at=3))
    _submit(tmp, "s10", _code(answered("s10"), "import ctypes\nctypes.string_at(0)", at=3))
    _submit(tmp, "s11", _code(answered("s11"), "for i in range(200000):\n    print('x' * 100)"))
    _submit(tmp, "s12", _code(answered("s12"), "big = bytearray(8 * 2**30)"))
    nb = answered("s13")
    nb.cells = [c for c in nb.cells if "public-check" not in c.metadata.get("tags", [])]
    _submit(tmp, "s13", nb)
    solution_path = str(tmp / "solutions" / NB)
    gradebook = str(tmp / "out" / "gradebook.sqlite")
    _submit(tmp, "s14", _code(answered("s14"), f"stolen = open({solution_path!r}).read()"))
    _submit(tmp, "s15", _code(answered("s15"),
                              f"import sqlite3\nsqlite3.connect({gradebook!r})"
                              ".execute('DROP TABLE scores')"))
    _submit(tmp, "s16", _code(answered("s16"), "open('/tmp/casekit-escape.txt', 'w').write('x')"))
    _submit(tmp, "s17", _code(answered("s17"), "import subprocess\nsubprocess.run(['ls', '/'])"))
    _submit(tmp, "s18", answered("s18", q1_ctr="0.5"), name=f"{toy.EXERCISE_ID} (old).ipynb")
    time.sleep(0.05)
    _submit(tmp, "s18", answered("s18"))
    results = G.grade(tmp / "submissions", solutions_dir=tmp / "solutions", out_dir=tmp / "out",
                      jobs=2, cell_timeout=8, notebook_timeout=120, memory_mb=1024,
                      names={"s01": "张三"}, progress=False)
    return tmp, {(r.student_id, r.exercise_id): r for r in results}


def _result(graded, student):
    return graded[1][(student, toy.EXERCISE_ID)]


def _scores(result):
    return {q.question_id: (q.score, q.status) for q in result.questions}


def test_correct_submission_gets_full_automatic_marks(graded):
    r = _result(graded, "s01")
    assert r.status == "graded" and r.notes == []
    assert _scores(r) == {"q1": (2, "correct"), "q2": (1, "correct"), "q3": (1, "correct"),
                          "q4": (0, "needs_review")}


def test_wrong_answer_costs_only_its_question(graded):
    s = _scores(_result(graded, "s02"))
    assert s["q1"] == (0, "incorrect") and s["q2"] == (1, "correct")


@pytest.mark.parametrize(("student", "status"), [
    ("s03", "invalid_json"), ("s04", "not_a_notebook"), ("s05", "empty"),
])
def test_unreadable_submissions_get_a_status_and_zero(graded, student, status):
    r = _result(graded, student)
    assert r.status == status and r.score == 0
    assert {q.status for q in r.questions} == {"not_run"}


def test_missing_parameters_cell_is_noted_and_still_graded(graded):
    r = _result(graded, "s06")
    assert "parameters_cell_missing" in r.notes
    assert r.score > 0


def test_infinite_loop_times_out_one_cell_and_the_rest_is_graded(graded):
    r = _result(graded, "s07")
    assert any(n.startswith("cell_timeouts=") for n in r.notes)
    assert r.score >= 3


def test_sys_exit_does_not_stop_grading(graded):
    assert _result(graded, "s08").score == 4


@pytest.mark.parametrize("student", ["s09", "s10"])
def test_process_exit_or_crash_is_a_dead_kernel_with_zero(graded, student):
    r = _result(graded, student)
    assert r.status == "kernel_died" and r.score == 0


def test_huge_output_is_truncated_and_graded(graded):
    r = _result(graded, "s11")
    assert r.status == "graded" and r.score == 4


def test_memory_bomb_fails_in_its_cell_only(graded):
    r = _result(graded, "s12")
    assert r.status == "graded" and r.score == 4


def test_removed_public_checks_are_noted_without_changing_the_grade(graded):
    r = _result(graded, "s13")
    assert "public_checks_removed" in r.notes and r.score == 4


@pytest.mark.parametrize("student", ["s14", "s15", "s16", "s17"])
def test_reading_solutions_writing_gradebook_or_escaping_is_refused(graded, student):
    r = _result(graded, student)
    assert r.status == "graded" and r.score == 4, "the rest of the notebook still counts"
    assert not Path("/tmp/casekit-escape.txt").exists()


def test_gradebook_is_intact_and_has_every_submission(graded):
    tmp, _ = graded
    con = sqlite3.connect(tmp / "out" / "gradebook.sqlite")
    students = [r[0] for r in con.execute("SELECT student_id FROM submissions ORDER BY 1")]
    n_scores = con.execute("SELECT COUNT(*) FROM scores").fetchone()[0]
    con.close()
    assert students == [f"s{i:02d}" for i in range(1, 19)]
    assert n_scores == 18 * 4


def test_duplicate_submission_grades_the_newest(graded):
    _, results = graded
    assert _result(graded, "s18").score == 4 and "duplicate" in _result(graded, "s18").notes
    dups = [r for key, r in results.items() if r.status == "duplicate_ignored"]
    assert [d.student_id for d in dups] == ["s18"]


def test_feedback_shows_results_and_hints_but_no_expected_values(graded):
    tmp, _ = graded
    page = (tmp / "out" / "feedback" / "s02.html").read_text(encoding="utf-8")
    expected = G.expected_answers(tmp / "solutions" / NB, A.P.student_parameters(
        A.P.schema_from_metadata(nbformat.read(tmp / "solutions" / NB, as_version=4)), "s02",
        toy.EXERCISE_ID), tmp / "out" / ".expected-cache")
    assert "✗ 不正确" in page and "点击率 = 点击 / 曝光" in page
    assert repr(expected["q1"])[:8] not in page
    for secret in ("BEGIN SOLUTION", "clicks / impressions", "hidden-check", "rel_tol"):
        assert secret not in page


def test_csv_opens_in_chinese_excel(graded):
    tmp, _ = graded
    raw = (tmp / "out" / "grades.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("学号 student_id,姓名 name,01_toy")
    assert "s01,张三,4,4,5" in text


def test_regrading_one_student_replaces_only_their_rows(graded, tmp_path):
    tmp, _ = graded
    book = tmp / "out" / "gradebook.sqlite"
    before = sqlite3.connect(book).execute(
        "SELECT * FROM scores WHERE student_id != 's02' ORDER BY 1, 2, 3").fetchall()
    fixed = G.SubmissionResult("s02", toy.EXERCISE_ID, NB, "x", "graded", [],
                               [G.QuestionResult("q1", "点击率", 2, 2, "correct", "正确。")])
    G.record(book, [fixed])
    con = sqlite3.connect(book)
    after = con.execute(
        "SELECT * FROM scores WHERE student_id != 's02' ORDER BY 1, 2, 3"
    ).fetchall()
    mine = con.execute("SELECT question_id, score FROM scores WHERE student_id = 's02'").fetchall()
    con.close()
    assert after == before and mine == [("q1", 2.0)]
