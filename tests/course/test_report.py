"""`casekit report`: a small synthetic class is graded for real, and the report finds exactly
what was planted (known mistakes, percentages, wrong choices, missing work, a cell that never
ends, a student who handed in nothing); --compare; CSVs; atomic output."""

from __future__ import annotations

import json
import shutil
import sqlite3

import nbformat
import pytest
from click.testing import CliRunner

from casekit.course import grade as G
from casekit.course import report as R
from casekit.course import synthclass as S
from casekit.course.cli import main
from tests.fixtures import report_class as RC
from tests.fixtures import toy_exercise as toy

pytestmark = pytest.mark.slow
EX = toy.EXERCISE_ID


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("report-class")
    solutions, notebooks = RC.write(root)
    S.write_class(solutions, root, RC.STUDENTS, RC.PLAN)
    # generous limits: the shared test machine may be slow; the planted loop is stopped by
    # the per-cell limit
    G.grade(root / "submissions", solutions_dir=solutions, out_dir=root / "grading", jobs=1,
            cell_timeout=30, notebook_timeout=600, progress=False)
    return root, solutions, notebooks


@pytest.fixture(scope="module")
def made(graded):
    root, solutions, notebooks = graded
    result = R.report(root / "grading", solutions=solutions, notebooks=notebooks,
                      roster=root / "roster.csv", threshold=0.35)
    return root, result


def _groups(result, qid: str) -> dict[tuple[str, str], set[str]]:
    w = result.tables["wrong_answers"]
    w = w[(w["exercise_id"] == EX) & (w["question_id"] == qid)]
    return {(g, a): set(ids.split()) for g, a, ids in zip(w["group"], w["answer_zh"],
                                                          w["student_ids"], strict=True)}


def test_generator_plants_what_the_plan_says(graded):
    root, _, _ = graded
    subs = root / "submissions"
    assert sorted(p.name for p in subs.iterdir()) == [s for s in RC.STUDENTS if s != "s11"]
    plan = json.loads((root / "plan.json").read_text(encoding="utf-8"))
    assert plan["s05"][EX] == {"q1": "percent"}
    nb = nbformat.read(subs / "s05" / f"{EX}.ipynb", as_version=4)
    q1 = next(c.source for c in nb.cells if c.source.startswith("q1_ctr = None"))
    assert "q1_ctr = q1_ctr * 100" in q1
    untouched = nbformat.read(subs / "s08" / f"{EX}.ipynb", as_version=4)
    assert any(c.source.strip() == "q1_ctr = None" or c.source.startswith("q1_ctr = None\n#")
               for c in untouched.cells)


def test_gradebook_keeps_answers_and_known_mistakes(graded):
    root, _, _ = graded
    con = sqlite3.connect(root / "grading" / "gradebook.sqlite")
    rows = {(s, q): (a, m) for s, q, a, m in con.execute(
        "SELECT student_id, question_id, answer_json, mistake FROM scores")}
    con.close()
    assert rows[("s03", "q1")][1] == "ctr_inverted"
    assert rows[("s05", "q1")][1] is None and json.loads(rows[("s05", "q1")][0]) > 1
    assert rows[("s08", "q1")][0] is None
    assert json.loads(rows[("s07", "q3")][0]) in ("A", "B")
    feedback = (root / "grading" / "feedback" / "s03.html").read_text(encoding="utf-8")
    assert RC.MISTAKE["zh"] in feedback and RC.MISTAKE["section"] in feedback


def test_report_finds_exactly_the_planted_wrong_answers(made):
    _, result = made
    q1 = _groups(result, "q1")
    assert q1 == {
        ("mistake", RC.MISTAKE["zh"]): {"s03", "s04"},
        ("ratio", "约为正确值的 100 倍（把比例写成了百分数？）"): {"s05", "s06", "s10"},
        ("unanswered", "未作答"): {"s08"},
    }
    assert _groups(result, "q2") == {("unanswered", "未作答"): {"s08", "s10"}}
    q3 = _groups(result, "q3")  # each wrong letter is its own group (right letters vary)
    assert {g for g, _ in q3} == {"choice"}
    assert set().union(*q3.values()) == {"s07", "s10"}
    assert _groups(result, "q4") == {}  # free text waits for the trainer: never "wrong"
    w = result.tables["wrong_answers"]
    sections = dict(zip(w["group"] + "/" + w["question_id"], w["section"], strict=True))
    assert sections["mistake/q1"] == RC.MISTAKE["section"]  # the mistake's own section
    assert sections["ratio/q1"] == "01 · 曝光、点击与点击率的计算"  # nearest course section
    assert sections["unanswered/q2"] == "01 · 品牌名称与字数统计"


def test_report_questions_carry_level_points_and_pass_rate(made):
    _, result = made
    q = result.tables["questions"].set_index("question_id")
    assert q.loc["q1", "level"] == "apply" and q.loc["q3", "level"] == "analyse"
    assert q.loc["q1", "points"] == 2
    assert q.loc["q1", "known_mistakes"] == 2
    # 10 submissions; right on q1: s01, s02, s07, s09 (its endless cell was stopped)
    assert q.loc["q1", "submitted"] == 10
    assert q.loc["q1", "pass_rate"] == pytest.approx(4 / 10)


def test_report_lists_exactly_the_students_at_risk(made):
    _, result = made
    risk = result.tables["at_risk"].set_index("student_id")
    assert set(risk.index) == {"s08", "s09", "s10", "s11"}
    assert risk.loc["s11", "missing"] == EX and risk.loc["s11", "name"] == "学生s11"
    assert risk.loc["s09", "timeouts"] == EX and not risk.loc["s09", "below_threshold"]
    assert risk.loc["s10", "below_threshold"] and risk.loc["s10", "score"] == 0
    # q4 (free text) waits for the trainer, so the best automatic score is 4 of 5
    assert risk.loc["s08", "below_threshold"] and risk.loc["s08", "score_pct"] == 0.2
    ex = result.tables["exercises"].iloc[0]
    assert (ex["submitted"], ex["missing"]) == (10, 1)


def test_report_writes_html_and_one_csv_per_table(made):
    root, result = made
    html = result.html.read_text(encoding="utf-8")
    assert result.html == root / "grading" / "report.html"
    assert "班级学情报告" in html and html.count('class="casekit-chart"') == 3
    assert "http://" not in html.replace("http://www.w3.org", "") or "vegaEmbed" in html
    names = sorted(p.name for p in result.csv)
    assert names == sorted(f"report-{t}.csv" for t in result.tables)
    raw = (root / "grading" / "report-wrong_answers.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and "未作答".encode() in raw
    assert not list((root / "grading").glob("*.tmp*"))


def test_compare_shows_what_changed(graded, tmp_path):
    root, solutions, notebooks = graded
    before = tmp_path / "before"
    before.mkdir()
    shutil.copy(root / "grading" / "gradebook.sqlite", before / "gradebook.sqlite")
    con = sqlite3.connect(before / "gradebook.sqlite")
    with con:  # in the earlier run s08 had answered q1 correctly
        con.execute("UPDATE scores SET status='correct', score=max_score "
                    "WHERE student_id='s08' AND question_id='q1'")
        con.execute("UPDATE submissions SET score=score+2 WHERE student_id='s08'")
    con.close()
    out = tmp_path / "r" / "class.html"
    runner = CliRunner()
    res = runner.invoke(main, ["report", str(root / "grading"), "--compare", str(before),
                               "--out", str(out), "--solutions", str(solutions),
                               "--notebooks", str(notebooks), "--threshold", "0.35"])
    assert res.exit_code == 0, res.output
    changes = __import__("pandas").read_csv(out.with_name("class-changes.csv"),
                                            encoding="utf-8-sig", keep_default_na=False)
    q1 = changes[(changes["measure"] == "pass_rate") & (changes["question_id"] == "q1")]
    assert float(q1["change"].iloc[0]) == pytest.approx(-0.1)
    others = changes[(changes["measure"] == "pass_rate") & (changes["question_id"] != "q1")]
    assert (others["change"].astype(float) == 0).all()
    new = changes.loc[changes["measure"] == "at_risk_new", "student_ids"].iloc[0]
    assert new == "s08"
    assert "与上一次的变化" in out.read_text(encoding="utf-8")
