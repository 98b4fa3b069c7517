"""Issue 12 through the real grader: shuffled options, known mistakes, check kinds, the
rubric round trip (review CSV → --apply → gradebook → feedback/CSV; re-grading keeps a mark
unless the answer changed), gradebook migration, and `casekit run` on a personal copy."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner

from casekit.course import answers as ans
from casekit.course import assign as A
from casekit.course import grade as G
from casekit.course import params as P
from casekit.course.cli import main
from tests.fixtures import rich_exercise as rich

pytestmark = pytest.mark.slow
NB = f"{rich.EXERCISE_ID}.ipynb"
ROOT = Path(__file__).resolve().parents[2]


def _copy(tmp: Path, student: str):
    A.assign(tmp / "solutions", tmp / "exercises")
    (path,) = A.assign_roster(tmp / "exercises", [A.Student(student, student)], tmp / "handout")
    return nbformat.read(path, as_version=4)


def _answer(nb, answers: dict[str, str]):
    for cell in nb.cells:
        for variable, expression in answers.items():
            if cell.cell_type == "code" and cell.source.startswith(f"{variable} = None"):
                cell.source = f"{variable} = None\n{variable} = {expression}"
    return nb


def _letter_of(nb, qid: str, expression: str) -> str:
    """Code picking the student's own letter for the option id ``expression`` evaluates to."""
    order = nb.metadata["casekit"]["student"]["options"][qid]
    return f'"ABCD"[{order!r}.index({expression})]'


RIGHT_DAY = '"day1" if clicks[0] / views[0] > clicks[1] / views[1] else "day2"'
WRONG_DAY = '"day2" if clicks[0] / views[0] > clicks[1] / views[1] else "day1"'


def _submission(tmp: Path, student: str, *, q1="clicks[0] / views[0]", day=RIGHT_DAY,
                text="方案 X 每次点击更便宜，同样预算点击更多，所以选 X。",
                split='{"直通车": budget_cny * 0.5, "引力魔方": budget_cny * 0.5}'):
    nb = _copy(tmp, student)
    nb = _answer(nb, {"q1_ctr": q1, "q2_days": "days", "q3_cause": _letter_of(nb, "q3", day),
                      "q4_plan": _letter_of(nb, "q4", '"plan_x"'), "q5_why": repr(text),
                      "q6_split": split})
    target = tmp / "submissions" / student / NB
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, target)
    return nb


def _grade(tmp: Path):
    results = G.grade(tmp / "submissions", solutions_dir=tmp / "solutions", out_dir=tmp / "out",
                      jobs=2, cell_timeout=60, notebook_timeout=180, progress=False)
    return {r.student_id: {q.question_id: q for q in r.questions} for r in results}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("rich")
    rich.write_solution(tmp / "solutions")
    _submission(tmp, "s1")
    _submission(tmp, "s2", q1="clicks[0] / views[0] * 100", day=WRONG_DAY,
                split='{"直通车": budget_cny * 0.5, "引力魔方": 1}')
    _submission(tmp, "s3", text="选 X，因为便宜。")
    return tmp, _grade(tmp)


def test_right_answers_in_each_students_own_order_get_full_automatic_marks(graded):
    tmp, results = graded
    orders = set()
    for student in ("s1", "s3"):
        r = results[student]
        assert {q: (x.status, x.score) for q, x in r.items() if q != "q5"} == {
            "q1": ("correct", 2), "q2": ("correct", 1), "q3": ("correct", 2),
            "q4": ("correct", 2), "q6": ("correct", 3)}
        assert r["q5"].status == "needs_review"
        nb = nbformat.read(tmp / "submissions" / student / NB, as_version=4)
        orders.add(tuple(nb.metadata["casekit"]["student"]["options"]["q3"]))
    assert len(orders) == 2, "the two students saw the options in different orders"


def test_wrong_reading_mistake_and_partial_plan_are_graded_as_such(graded):
    tmp, results = graded
    r = results["s2"]
    assert (r["q1"].status, r["q1"].mistake) == ("incorrect", "ctr_percent")
    assert r["q3"].status == "incorrect"
    assert (r["q6"].status, r["q6"].score) == ("partial", 2)
    page = (tmp / "out" / "feedback" / "s2.html").read_text(encoding="utf-8")
    assert "把点击率写成了百分数（×100）" in page and "02 · 点击率" in page
    assert "◐ 部分正确" in page
    schema = P.schema_from_metadata(nbformat.read(tmp / "solutions" / NB, as_version=4))
    expected = G.expected_answers(tmp / "solutions" / NB, P.student_parameters(
        schema, "s2", rich.EXERCISE_ID), tmp / "out" / ".expected-cache")
    assert f"{expected['q1']:.4f}" not in page and f"{expected['q1'] * 100:.3f}" not in page


def test_gradebook_stores_answers_and_mistakes(graded):
    tmp, _ = graded
    con = sqlite3.connect(tmp / "out" / "gradebook.sqlite")
    rows = dict(((s, q), (a, m)) for s, q, a, m in con.execute(
        "SELECT student_id, question_id, answer_json, mistake FROM scores"))
    con.close()
    assert rows[("s2", "q1")][1] == "ctr_percent"
    assert json.loads(rows[("s3", "q5")][0]) == "选 X，因为便宜。"
    assert rows[("s1", "q1")][1] is None


def _fill(marks_csv: Path, fills: dict[str, dict[str, str]]) -> Path:
    text = marks_csv.read_bytes().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    for row in rows:
        row.update(fills.get(row["student_id"], {}))
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    marks_csv.write_bytes(buf.getvalue().encode("utf-8-sig"))
    return marks_csv


def _score(tmp: Path, student: str, qid: str):
    con = sqlite3.connect(tmp / "out" / "gradebook.sqlite")
    row = con.execute("SELECT score, status FROM scores WHERE student_id=? AND question_id=?",
                      (student, qid)).fetchone()
    total = con.execute("SELECT score FROM submissions WHERE student_id=?", (student,)).fetchone()
    con.close()
    return row, total[0]


def test_rubric_round_trip_review_apply_regrade(graded):
    tmp, _ = graded
    runner = CliRunner()
    res = runner.invoke(main, ["review", str(tmp / "out"), "--solutions", str(tmp / "solutions")])
    assert res.exit_code == 0, res.output
    review = tmp / "out" / "review"
    page = (review / f"{rich.EXERCISE_ID}__q5.html").read_text(encoding="utf-8")
    for needle in ("引用了自己数据里的两个数", "满分示例", "部分得分示例", "选 X，因为便宜。",
                   "待评"):
        assert needle in page
    marks = review / "marks.csv"
    raw = marks.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    header = raw.decode("utf-8-sig").splitlines()[0]
    assert "crit:uses_numbers" in header and "points" in header
    _fill(marks, {"s1": {"points": "3", "comment": "数字与结论都到位"},
                  "s3": {"crit:uses_numbers": "0", "crit:tradeoff": "1", "crit:decision": "1"}})
    res = runner.invoke(main, ["review", str(tmp / "out"), "--apply", str(marks)])
    assert res.exit_code == 0, res.output
    assert "applied 2 marks" in res.output
    assert _score(tmp, "s1", "q5") == ((3.0, "reviewed"), 13.0)
    assert _score(tmp, "s3", "q5") == ((2.0, "reviewed"), 12.0)
    feedback = (tmp / "out" / "feedback" / "s1.html").read_text(encoding="utf-8")
    assert "老师已评分：数字与结论都到位" in feedback and "13 / 13" in feedback
    assert "s1,,13,13,13" in (tmp / "out" / "grades.csv").read_bytes().decode("utf-8-sig")

    # re-grading with the same answers keeps both marks; a changed answer drops its mark
    _submission(tmp, "s3", text="我改了主意：方案 Y 的点击质量更高，所以选 Y。")
    _grade(tmp)
    assert _score(tmp, "s1", "q5") == ((3.0, "reviewed"), 13.0)
    assert _score(tmp, "s3", "q5") == ((0.0, "needs_review"), 10.0)
    con = sqlite3.connect(tmp / "out" / "gradebook.sqlite")
    kept = con.execute("SELECT student_id FROM manual_marks ORDER BY 1").fetchall()
    con.close()
    assert kept == [("s1",)]
    # a stale CSV row (answer changed since the review) is skipped and said so
    res = runner.invoke(main, ["review", str(tmp / "out"), "--apply", str(marks)])
    assert res.exit_code == 0 and "the answer changed" in res.output


def test_marks_above_the_maximum_or_not_numbers_are_clear_errors(graded, tmp_path):
    tmp, _ = graded
    runner = CliRunner()
    runner.invoke(main, ["review", str(tmp / "out"), "--solutions", str(tmp / "solutions")])
    marks = tmp / "out" / "review" / "marks.csv"
    bad = tmp_path / "bad.csv"
    bad.write_bytes(marks.read_bytes())
    _fill(bad, {"s1": {"points": "9"}})
    res = runner.invoke(main, ["review", str(tmp / "out"), "--apply", str(bad)])
    assert res.exit_code != 0 and "at most the question's 3 points" in res.output
    _fill(bad, {"s1": {"points": "三分"}})
    res = runner.invoke(main, ["review", str(tmp / "out"), "--apply", str(bad)])
    assert res.exit_code != 0 and "a number of points" in res.output


def test_an_old_gradebook_is_migrated_on_open(tmp_path):
    book = tmp_path / "gradebook.sqlite"
    con = sqlite3.connect(book)
    con.executescript("""
        CREATE TABLE submissions (student_id TEXT, exercise_id TEXT, file TEXT, sha256 TEXT,
            status TEXT, notes TEXT, score REAL, max_score REAL,
            PRIMARY KEY (student_id, exercise_id));
        CREATE TABLE scores (student_id TEXT, exercise_id TEXT, question_id TEXT, title_zh TEXT,
            score REAL, max_score REAL, status TEXT, feedback_zh TEXT,
            PRIMARY KEY (student_id, exercise_id, question_id));
        INSERT INTO submissions VALUES ('s1', '01_toy', 'x.ipynb', 'h', 'graded', '', 1, 2);
        INSERT INTO scores VALUES ('s1', '01_toy', 'q1', 't', 1, 2, 'correct', '正确。');
    """)
    con.commit()
    con.close()
    subs, scores = G.read_gradebook(book)
    assert list(scores.columns)[-2:] == ["answer_json", "mistake"]
    assert scores["answer_json"].isna().all() and len(subs) == 1
    G.record(book, [G.SubmissionResult("s2", "01_toy", "y.ipynb", "h", "graded", [], [
        G.QuestionResult("q1", "t", 0, 2, "incorrect", "×", 5.0, "ctr_percent")])])
    _, scores = G.read_gradebook(book)
    assert scores.set_index("student_id").loc["s2", "mistake"] == "ctr_percent"


def _exercise_with(parameter: str) -> Path:
    for path in sorted((ROOT / "exercises").glob("*.ipynb")):
        if parameter in nbformat.read(path, as_version=4).metadata["casekit"]["parameters"]:
            return path
    pytest.skip(f"no exercise has the parameter {parameter!r}")


def test_casekit_run_works_on_a_personal_copy(tmp_path):
    source = _exercise_with("aov_cny")
    ex_dir = tmp_path / "exercises"
    ex_dir.mkdir()
    (ex_dir / source.name).write_bytes(source.read_bytes())
    roster = tmp_path / "roster.csv"
    roster.write_text("student_id,name\ns042,王五\n", encoding="utf-8")
    (copy,) = A.assign_roster(ex_dir, A.read_roster(roster), tmp_path / "handout")
    nb = nbformat.read(copy, as_version=4)
    schema = P.schema_from_metadata(nb)
    values = P.student_parameters(schema, "s042", nb.metadata["casekit"]["exercise"]["id"])
    assert values["aov_cny"] != schema["aov_cny"].default, "the variant really differs"
    exe = Path(sys.executable).with_name("casekit")
    out = tmp_path / "ran.ipynb"
    res = subprocess.run([str(exe), "run", str(copy), str(out)], capture_output=True, text=True,
                         cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "defaults to" not in res.stderr and out.exists()
    # an edited parameters cell is still refused, naming the student's own value
    cell = P.parameters_cell_index(nb)
    nb.cells[cell].source = nb.cells[cell].source.replace(
        f"aov_cny: float = {values['aov_cny']!r}", "aov_cny: float = 299.0")
    nbformat.write(nb, copy)
    res = subprocess.run([str(exe), "run", str(copy), str(out)], capture_output=True, text=True,
                         cwd=tmp_path)
    assert res.returncode != 0 and "in this student's variant" in res.stderr


def test_option_order_recorded_in_the_copy_is_the_graders(graded):
    tmp, _ = graded
    nb = nbformat.read(tmp / "submissions" / "s1" / NB, as_version=4)
    q = next(q for q in rich.QUESTIONS if q["id"] == "q3")
    assert nb.metadata["casekit"]["student"]["options"]["q3"] == ans.option_order(
        q, "s1", rich.EXERCISE_ID)
