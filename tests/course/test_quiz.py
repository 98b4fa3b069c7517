"""The pre/post quiz (solutions/00_quiz.ipynb) and ``casekit quiz-gain``."""

from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner

from casekit.course import grade as G
from casekit.course import guide
from casekit.course import notebooks as N
from casekit.course import quiz as Q
from casekit.course import variants as V
from casekit.course.cli import main
from casekit.errors import QuizGainError

ROOT = Path(__file__).resolve().parents[2]
QUIZ = ROOT / "solutions" / "00_quiz.ipynb"
LEVELS = {"remember", "apply", "analyse", "evaluate", "create"}


@pytest.fixture(scope="module")
def spec() -> dict:
    return N.exercise_spec(N.read_notebook(QUIZ), str(QUIZ))


def test_quiz_is_the_one_solution_with_role_quiz(spec):
    assert spec["role"] == "quiz" and spec["id"] == QUIZ.stem
    roles = [guide.read_exercise(p).is_quiz for p in N.discover(ROOT / "solutions")]
    assert roles.count(True) == 1


def test_quiz_items_follow_the_question_contract(spec):
    questions = spec["questions"]
    assert 12 <= len(questions) <= 15
    for q in questions:
        assert q["kind"] == "choice" and q["level"] in LEVELS, q["id"]
        assert isinstance(q["minutes"], int) and q["minutes"] >= 1, q["id"]
        ids = [o["id"] for o in q["options"]]
        assert len(ids) >= 3 and len(set(ids)) == len(ids), q["id"]
        assert all(re.fullmatch(r"[a-z][a-z0-9_]*", i) for i in ids), q["id"]
        assert all(o["zh"].strip() for o in q["options"]), q["id"]
    stated = N.exercise_minutes(N.read_notebook(QUIZ))
    assert abs(sum(q["minutes"] for q in questions) - stated) <= 5
    # the quiz covers the course, not one notebook: at least three levels and eight notebooks
    assert len({q["level"] for q in questions}) >= 3
    notebooks = {re.search(r"笔记本 (\d\d)", q["title_zh"]).group(1) for q in questions}
    assert len(notebooks) >= 8


def test_options_are_listed_in_metadata_order_and_answers_are_letters(spec):
    nb = N.read_notebook(QUIZ)
    cells = [c for c in nb.cells if c.cell_type == "markdown"]
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    for q in spec["questions"]:
        (cell,) = [c.source for c in cells if c.source.startswith("### 问题")
                   and f"（{q['id']} " in c.source]
        listed = re.findall(r"^- ([A-Z])：(.+)$", cell, re.M)
        assert listed == [("ABCDEFG"[i], o["zh"]) for i, o in enumerate(q["options"])], q["id"]
        assert f"{q['answer']} = None" in code


def test_the_right_option_is_not_always_in_the_same_place(spec):
    """Static items put the right option in different places (before any shuffling)."""
    nb = N.read_notebook(QUIZ)
    letters = re.findall(r'^q\d+_choice = "([A-Z])"$', "\n".join(
        c.source for c in nb.cells if c.cell_type == "code"), re.M)
    assert len(letters) >= 5 and len(set(letters)) >= 3


@pytest.mark.slow
def test_quiz_is_gradable_end_to_end(tmp_path):
    """One student submits the solution (all right), one answers "A" everywhere."""
    solutions = tmp_path / "solutions"
    solutions.mkdir()
    shutil.copy2(QUIZ, solutions / QUIZ.name)
    good = tmp_path / "submissions" / "s001"
    guess = tmp_path / "submissions" / "s002"
    good.mkdir(parents=True)
    guess.mkdir(parents=True)
    # s001 answers right: each option's letter in s001's own shuffled order
    spec = N.exercise_spec(N.read_notebook(QUIZ), str(QUIZ))
    (variant,) = V.run_variants(QUIZ, ["s001"])
    letters = {q["answer"]: V.seen_answer(q, variant, spec["id"]) for q in spec["questions"]}
    right = nbformat.read(ROOT / "exercises" / QUIZ.name, as_version=4)
    for cell in right.cells:
        if cell.cell_type == "code":
            cell.source = re.sub(r"^(q\d+_choice) = None$",
                                 lambda m: f"{m.group(1)} = {letters[m.group(1)]!r}",
                                 cell.source, flags=re.M)
    nbformat.write(right, good / QUIZ.name)
    exercise = nbformat.read(ROOT / "exercises" / QUIZ.name, as_version=4)
    for cell in exercise.cells:
        if cell.cell_type == "code":
            cell.source = re.sub(r"^(q\d+_choice) = None$", r'\1 = "A"', cell.source, flags=re.M)
    nbformat.write(exercise, guess / QUIZ.name)
    results = G.grade(tmp_path / "submissions", solutions_dir=solutions, out_dir=tmp_path / "out",
                      jobs=2, progress=False)
    by_student = {r.student_id: r for r in results}
    assert {r.status for r in results} == {"graded"}
    n = len(by_student["s001"].questions)
    assert by_student["s001"].score == by_student["s001"].max_score == n
    assert 0 < by_student["s002"].score < n
    statuses = {q.status for q in by_student["s002"].questions}
    assert statuses == {"correct", "incorrect"}
    feedback = (tmp_path / "out" / "feedback" / "s002.html").read_text(encoding="utf-8")
    assert "q1" in feedback


# --- quiz-gain on two synthetic gradebooks ---------------------------------------------------


def _book(folder: Path, marks: dict[str, list[float]], status: dict[str, str] | None = None,
          exercise: str = "00_quiz") -> Path:
    results = []
    for student, scores in marks.items():
        qs = [G.QuestionResult(f"q{i}", f"第 {i} 题", s, 1.0,
                               "correct" if s else "incorrect", "")
              for i, s in enumerate(scores, 1)]
        results.append(G.SubmissionResult(student, exercise, f"{exercise}.ipynb", "0" * 64,
                                          (status or {}).get(student, "graded"), [], qs))
    G.record(folder / "gradebook.sqlite", results)
    return folder


@pytest.fixture()
def rounds(tmp_path):
    pre = _book(tmp_path / "pre", {"s1": [0, 0, 1], "s2": [1, 0, 1], "s3": [0, 0, 0],
                                   "s4": [1, 1, 1]}, status={"s3": "timeout"})
    post = _book(tmp_path / "post", {"s1": [1, 1, 1], "s2": [1, 0, 1], "s3": [1, 1, 1],
                                     "s5": [1, 1, 1]})
    return pre, post


def test_gain_per_item_and_overall_over_matched_students(rounds):
    result = Q.quiz_gain(*rounds)
    # s3's pre-test timed out and s4 / s5 took one round only: s1 and s2 are matched
    assert result.students == ("s1", "s2")
    assert result.only_pre == ("s4",) and result.only_post == ("s3", "s5")
    by_q = {i.question_id: i for i in result.items}
    assert [i.question_id for i in result.items] == ["q1", "q2", "q3"]
    assert (by_q["q1"].pre, by_q["q1"].post) == (0.5, 1.0)
    assert by_q["q1"].gain == 0.5 and by_q["q1"].normalized == 1.0
    assert (by_q["q2"].pre, by_q["q2"].post, by_q["q2"].normalized) == (0.0, 0.5, 0.5)
    assert by_q["q3"].normalized is None  # both right before: nothing left to gain
    assert result.overall.pre == pytest.approx((1 / 3 + 2 / 3) / 2)
    assert result.overall.post == pytest.approx((1 + 2 / 3) / 2)
    assert result.overall.normalized == pytest.approx((5 / 6 - 1 / 2) / (1 - 1 / 2))


def test_cli_prints_the_table_and_writes_csv(rounds, tmp_path):
    out = tmp_path / "gain.csv"
    res = CliRunner().invoke(main, ["quiz-gain", str(rounds[0]), str(rounds[1]),
                                    "--csv", str(out)])
    assert res.exit_code == 0, res.output
    assert "q1 | 第 1 题 | 2 | 50% | 100% | +50.0 | 1.00" in res.output
    assert "total | 全卷 | 2 | 50% | 83% | +33.3 | 0.67" in res.output
    assert "only post-test (left out): s3, s5" in res.output
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert table[0][0] == "题号 question" and [r[0] for r in table[1:]] == ["q1", "q2", "q3",
                                                                          "total"]
    assert table[3][6] == ""  # q3: no normalised gain


def test_bad_folders_are_named(rounds, tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(QuizGainError, match=r"no gradebook\.sqlite"):
        Q.quiz_gain(tmp_path / "empty", rounds[1])
    other = _book(tmp_path / "other", {"s1": [1]}, exercise="04_paid_traffic")
    with pytest.raises(QuizGainError, match=r"no '00_quiz' submissions \(exercises: "
                                            r"04_paid_traffic\)"):
        Q.quiz_gain(rounds[0], other)
    lone = _book(tmp_path / "lone", {"s9": [1, 1, 1]})
    with pytest.raises(QuizGainError, match="no student has a graded 00_quiz in both"):
        Q.quiz_gain(rounds[0], lone)
    res = CliRunner().invoke(main, ["quiz-gain", str(rounds[0]), str(lone)])
    assert res.exit_code == 1 and "no student" in res.output
    assert json.dumps(Q.rows(Q.quiz_gain(*rounds)), ensure_ascii=False)
