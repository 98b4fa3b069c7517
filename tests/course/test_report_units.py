"""`casekit report` and the gradebook additions without running notebooks (fast)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from casekit.course import grade as G
from casekit.course import report as R
from tests.fixtures import report_class as RC
from tests.fixtures import toy_exercise as toy

OLD_SCHEMA = """
CREATE TABLE submissions (student_id TEXT NOT NULL, exercise_id TEXT NOT NULL, file TEXT NOT NULL,
    sha256 TEXT NOT NULL, status TEXT NOT NULL, notes TEXT NOT NULL, score REAL NOT NULL,
    max_score REAL NOT NULL, PRIMARY KEY (student_id, exercise_id));
CREATE TABLE scores (student_id TEXT NOT NULL, exercise_id TEXT NOT NULL,
    question_id TEXT NOT NULL, title_zh TEXT NOT NULL, score REAL NOT NULL,
    max_score REAL NOT NULL, status TEXT NOT NULL, feedback_zh TEXT NOT NULL,
    PRIMARY KEY (student_id, exercise_id, question_id));
"""


def _sub(student: str, answers: dict[str, tuple[str, object]]) -> G.SubmissionResult:
    r = G.SubmissionResult(student, toy.EXERCISE_ID, "01_toy.ipynb", "0" * 64, "graded")
    for q in toy.QUESTIONS:
        status, answer = answers.get(q["id"], ("correct", 1))
        pts = float(q["points"])
        r.questions.append(G.QuestionResult(q["id"], q["title_zh"],
                                            pts if status == "correct" else 0.0, pts, status,
                                            "", answer))
    return r


def test_an_old_gradebook_gains_the_answer_columns(tmp_path: Path):
    book = tmp_path / "gradebook.sqlite"
    con = sqlite3.connect(book)
    con.executescript(OLD_SCHEMA)
    con.execute("INSERT INTO scores VALUES ('s00','01_toy','q1','t',0,2,'incorrect','')")
    con.commit()
    con.close()
    _, scores = G.read_gradebook(book)  # read-only: the columns are there, empty
    assert scores["answer_json"].isna().all() and "mistake" in scores
    G.record(book, [_sub("s01", {"q1": ("incorrect", [0.5])})])
    _, scores = G.read_gradebook(book)
    row = scores[scores["student_id"] == "s01"].set_index("question_id").loc["q1"]
    assert row["answer_json"] == "[0.5]" and row["mistake"] is None


def test_known_mistake_is_matched_with_the_question_tolerance():
    q = {**toy.QUESTIONS[0], "mistakes": [RC.MISTAKE]}
    spec = {"questions": [q]}
    expected = {"q1": 0.05, G.MISTAKE_KEY.format(qid="q1", mid="ctr_inverted"): 20.0}
    (hit,) = G.score_answers(spec, {"q1": 20.0 * (1 + 5e-7)}, expected)
    assert (hit.status, hit.mistake, hit.answer) == ("incorrect", "ctr_inverted", 20.0 * (1 + 5e-7))
    assert RC.MISTAKE["section"] in hit.feedback_zh and "20" not in hit.feedback_zh
    (miss,) = G.score_answers(spec, {"q1": 20.1}, expected)
    assert miss.mistake is None
    (right,) = G.score_answers(spec, {"q1": 0.05}, expected)
    assert right.status == "correct" and right.mistake is None


def test_wrong_numbers_are_grouped_by_value_without_the_grader_cache(tmp_path: Path):
    solutions, notebooks = RC.write(tmp_path)
    G.record(tmp_path / "grading" / "gradebook.sqlite", [
        _sub("s01", {"q1": ("incorrect", 0.5)}), _sub("s02", {"q1": ("incorrect", 0.502)}),
        _sub("s03", {"q1": ("incorrect", 0.9)}), _sub("s04", {"q3": ("incorrect", "b")}),
        _sub("s05", {"q3": ("incorrect", "B ")}), _sub("s06", {}),
    ])
    tables = R.class_tables(tmp_path / "grading", solutions=solutions, notebooks=notebooks)
    w = tables["wrong_answers"]
    got = {(q, a, n) for q, a, n in zip(w["question_id"], w["answer_zh"], w["students"],
                                        strict=True)}
    assert got == {("q1", "0.5 – 0.502", 2), ("q1", "0.9", 1), ("q3", "B", 2)}
    q = tables["questions"].set_index("question_id")
    assert q.loc["q1", "pass_rate"] == pytest.approx(3 / 6)
    assert q.loc["q1", "level"] == "apply"


def test_report_without_a_gradebook_says_what_to_run(tmp_path: Path):
    with pytest.raises(R.ReportError, match="casekit grade"):
        R.report(tmp_path)


def test_threshold_must_be_a_share(tmp_path: Path):
    G.record(tmp_path / "gradebook.sqlite", [_sub("s01", {})])
    with pytest.raises(R.ReportError, match="between 0 and 1"):
        R.class_tables(tmp_path, threshold=60, solutions=tmp_path, notebooks=tmp_path)


def test_timeouts_and_dead_kernels_put_a_student_at_risk(tmp_path: Path):
    dead = _sub("s02", {})
    dead.status, dead.questions = "kernel_died", []
    slow = _sub("s03", {})
    slow.notes = ["cell_timeouts=1"]
    stopped = _sub("s04", {})
    stopped.status, stopped.questions = "timeout", []
    G.record(tmp_path / "gradebook.sqlite", [_sub("s01", {}), dead, slow, stopped])
    risk = R.class_tables(tmp_path, solutions=tmp_path, notebooks=tmp_path, threshold=0.1)[
        "at_risk"].set_index("student_id")
    assert set(risk.index) == {"s02", "s03", "s04"}
    assert risk.loc["s02", "kernel_died"] == toy.EXERCISE_ID
    assert risk.loc["s03", "timeouts"] == toy.EXERCISE_ID and not risk.loc["s03",
                                                                             "below_threshold"]
    assert risk.loc["s04", "timeouts"] == toy.EXERCISE_ID


def test_shuffled_wrong_choices_are_counted_by_meaning():
    import json

    import pandas as pd

    from casekit.course.answers import option_order

    q = {"id": "q2", "kind": "choice", "points": 2, "title_zh": "口径",
         "options": [{"id": "open", "zh": "开放口径"}, {"id": "closed", "zh": "封闭漏斗"},
                     {"id": "paths", "zh": "路径占比"}]}
    students = [f"s{i:02d}" for i in range(1, 9)]
    rows = []
    for s in students:  # every student picks "closed", each with their own letter
        letter = "ABC"[option_order(q, s, "03_x").index("closed")]
        rows.append({"exercise_id": "03_x", "question_id": "q2", "status": "incorrect",
                     "student_id": s, "mistake": None, "answer_json": json.dumps(letter)})
    letters = {json.loads(r["answer_json"]) for r in rows}
    assert len(letters) > 1, "the shuffle gives the same meaning different letters"
    info = {"03_x": {"questions": {"q2": q}, "sections": {}}}
    table = R._wrong_answers(pd.DataFrame(rows), info, {}, 0.01)
    assert list(zip(table["answer_zh"], table["students"], strict=True)) == [
        ("closed：封闭漏斗", len(students))]
