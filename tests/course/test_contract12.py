"""Issue 12 contract, unit level: schema shapes, option ids, known mistakes, check kinds."""

from __future__ import annotations

import copy

import pytest

from casekit import schemas
from casekit.course import answers as ans
from casekit.course import assign as A
from casekit.course import grade as G
from casekit.errors import NotebookError
from tests.fixtures import rich_exercise as rich

Q = {q["id"]: q for q in rich.QUESTIONS}


def _meta(**changes):
    questions = copy.deepcopy(rich.QUESTIONS)
    for qid, patch in changes.items():
        q = next(q for q in questions if q["id"] == qid)
        for k, v in patch.items():
            if v is None:
                q.pop(k, None)
            else:
                q[k] = v
    return {"parameters": rich.PARAMETERS,
            "exercise": {"id": rich.EXERCISE_ID, "questions": questions}}


def test_the_rich_fixture_passes_the_schema():
    schemas.check_notebook_metadata(_meta(), "rich")


@pytest.mark.parametrize(("changes", "field"), [
    ({"q1": {"level": "understand"}}, "level"),
    ({"q1": {"minutes": 0}}, "minutes"),
    ({"q3": {"options": [{"id": "Bad Id", "zh": "x"}, {"id": "b", "zh": "y"}]}}, "options"),
    ({"q3": {"options": [{"id": "a"}, {"id": "b", "zh": "y"}]}}, "options"),
    ({"q1": {"mistakes": [{"id": "m", "answer": "x", "zh": "错"}]}}, "mistakes"),
    ({"q1": {"mistakes": [{"id": "m", "answer": "x", "zh": "错", "section": "点击率"}]}},
     "section"),
    ({"q5": {"rubric": {"criteria": [], "full_example_zh": "a", "partial_example_zh": "b"}}},
     "criteria"),
    ({"q5": {"rubric": {"criteria": [{"id": "a", "zh": "b", "points": 1}]}}}, "example"),
    ({"q6": {"check": None}}, "check"),
    ({"q6": {"check": "os.path:join"}}, "check"),
    ({"q2": {"rubric": Q["q5"]["rubric"]}}, "kind"),
    ({"q3": {"mistakes": Q["q1"]["mistakes"]}}, "kind"),
])
def test_schema_rejects_bad_shapes_and_names_the_field(changes, field):
    with pytest.raises(NotebookError, match=field):
        schemas.check_notebook_metadata(_meta(**changes), "rich")


def test_schema_keeps_extra_keys_allowed():
    schemas.check_notebook_metadata(_meta(q1={"note_for_trainer": "任意"}), "rich")


def test_option_order_is_deterministic_and_differs_between_students():
    q = Q["q3"]
    orders = {tuple(ans.option_order(q, f"s{i}", rich.EXERCISE_ID)) for i in range(20)}
    assert len(orders) > 5
    assert ans.option_order(q, "s1", rich.EXERCISE_ID) == ans.option_order(q, "s1",
                                                                             rich.EXERCISE_ID)
    assert sorted(ans.option_order(q, "s1", rich.EXERCISE_ID)) == sorted(ans.option_ids(q))
    assert ans.option_order({"id": "q", "options": ["A", "B"]}, "s1", "x") is None


def _two_students_with_different_orders(q):
    first = ans.option_order(q, "s0", rich.EXERCISE_ID)
    for i in range(1, 50):
        other = ans.option_order(q, f"s{i}", rich.EXERCISE_ID)
        if other.index("day1") != first.index("day1"):
            return ("s0", first), (f"s{i}", other)
    raise AssertionError("no two orders differ")


def test_shuffled_letters_are_graded_by_meaning():
    q = Q["q3"]
    (s_a, order_a), (s_b, order_b) = _two_students_with_different_orders(q)
    spec = {"id": rich.EXERCISE_ID, "questions": [q]}
    expected = {"q3": "A"}  # canonical order: A = day1
    for student, order in ((s_a, order_a), (s_b, order_b)):
        letter = ans.LETTERS[order.index("day1")]
        (r,) = G.score_answers(spec, {"q3": letter}, expected, student_id=student)
        assert (r.status, r.score) == ("correct", 2.0)
        (r,) = G.score_answers(spec, {"q3": "day1"}, expected, student_id=student)
        assert r.status == "correct"  # the option id itself also counts
    wrong = ans.LETTERS[order_a.index("day1")]  # student a's letter, in student b's order
    (r,) = G.score_answers(spec, {"q3": wrong}, expected, student_id=s_b)
    assert (r.status, r.score) == ("incorrect", 0.0)
    (r,) = G.score_answers(spec, {"q3": "E"}, expected, student_id=s_b)
    assert r.status == "incorrect" and "可选：A / B / C / D" in r.feedback_zh


def test_plain_value_options_are_still_graded_by_value():
    q = {"id": "q", "kind": "choice", "points": 1, "options": ["2026-06-10", "2026-06-18"]}
    assert ans.assess(q, "2026-06-18", "2026-06-18").status == "correct"
    assert ans.assess(q, "2026-06-10", "2026-06-18").status == "incorrect"


def test_known_mistake_names_misconception_and_section_not_the_value():
    q = Q["q1"]
    expected = 0.0421
    mistakes = {"ctr_percent": 4.21, "inverted": 1 / 0.0421}
    for mid, value in mistakes.items():
        v = ans.assess(q, value, expected, mistakes=mistakes)
        m = next(m for m in q["mistakes"] if m["id"] == mid)
        assert (v.status, v.score, v.mistake) == ("incorrect", 0.0, mid)
        assert m["zh"] in v.feedback_zh and m["section"] in v.feedback_zh
        assert "0.0421" not in v.feedback_zh
    plain = ans.assess(q, 0.5, expected, mistakes=mistakes)
    assert plain.mistake is None and plain.status == "incorrect"
    assert ans.assess(q, 0.0421, expected, mistakes=mistakes).status == "correct"


def test_a_mistake_equal_to_the_right_value_is_never_reported():
    q = Q["q1"]
    v = ans.assess(q, 0.3, 0.05, mistakes={"ctr_percent": 0.05, "inverted": 0.3})
    assert v.mistake == "inverted"
    v = ans.assess(q, 0.05, 0.05, mistakes={"ctr_percent": 0.05})
    assert v.status == "correct" and v.mistake is None


def test_check_kind_scores_criteria_partially():
    q = Q["q6"]
    params = {"budget_cny": 1000.0}
    full = ans.assess(q, {"a": 600, "b": 400}, None, params=params)
    assert (full.status, full.score) == ("correct", 3.0)
    part = ans.assess(q, {"a": 600, "b": 300}, None, params=params)
    assert (part.status, part.score) == ("partial", 2.0)
    assert "✗ 各渠道金额之和等于你的总预算 1000 元" in part.feedback_zh
    assert ans.assess(q, "全部投直通车", None, params=params).status == "incorrect"
    assert ans.assess(q, None, None, params=params).status == "unanswered"


def test_check_names_must_be_casekit_functions():
    with pytest.raises(NotebookError, match=r"casekit\.<module>"):
        ans.load_check({"id": "q", "check": "os:system"})
    with pytest.raises(NotebookError, match="cannot be loaded"):
        ans.load_check({"id": "q", "check": "casekit.checks:nothing_here"})


def test_text_is_needs_review_until_marked():
    v = ans.assess(Q["q5"], "方案 X 更便宜，所以选 X。", "模型答案")
    assert (v.status, v.score) == ("needs_review", 0.0)


def test_score_answers_fills_answer_and_mistake():
    spec = {"id": rich.EXERCISE_ID, "questions": [Q["q1"], Q["q2"]]}
    expected = {"q1": 0.05, "q2": 7, "q1#mistake:ctr_percent": 5.0,
                "q1#mistake:inverted": 20.0}
    r1, r2 = G.score_answers(spec, {"q1": 5.0}, expected, student_id="s1")
    assert (r1.answer, r1.mistake, r1.status) == (5.0, "ctr_percent", "incorrect")
    assert (r2.answer, r2.mistake, r2.status) == (None, None, "unanswered")


def test_exercise_self_check_accepts_shuffled_letters_and_ids(capsys):
    from casekit import exercise as ex

    ex.check_choice("q3", "D", rich.Q3_OPTIONS)
    ex.check_choice("q3", "more_views", rich.Q3_OPTIONS)
    ex.check_choice("q3", "E", rich.Q3_OPTIONS)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("✓") and lines[1].startswith("✓") and lines[2].startswith("✗")
    ex.check_criteria("q6", {"a": 600, "b": 300}, "casekit.checks:budget_split",
                      {"budget_cny": 1000.0})
    out = capsys.readouterr().out
    assert "✗ q6.adds_up" in out and "自动检查 2 / 3 分" in out


def test_personalise_shuffles_option_lines_and_records_the_order():
    sol = rich.solution_notebook()
    exercise = A.make_exercise(sol, "rich")
    nb = A.personalise(exercise, A.Student("s7", "七"), "rich")
    order = nb.metadata["casekit"]["student"]["options"]["q3"]
    assert order == ans.option_order(Q["q3"], "s7", rich.EXERCISE_ID)
    cell = next(c for c in nb.cells if c.cell_type == "markdown" and "问题 3" in c.source)
    zh = {o["id"]: o["zh"] for o in rich.Q3_OPTIONS}
    expected_lines = [f"- {'ABCD'[i]}：{zh[oid]}" for i, oid in enumerate(order)]
    assert "\n".join(expected_lines) in cell.source
    assert nb.metadata["casekit"]["exercise"]["questions"][0]["level"] == "apply"
    assert "mistakes" not in nb.metadata["casekit"]["exercise"]["questions"][0]
    assert "rubric" not in nb.metadata["casekit"]["exercise"]["questions"][4]


def test_option_lines_missing_from_the_markdown_is_a_clear_error():
    sol = rich.solution_notebook()
    for cell in sol.cells:
        cell.source = cell.source.replace("- B：第 2 天", "- B：第二天")
    with pytest.raises(NotebookError, match=r"q3.*'- A：<zh>'"):
        A.make_exercise(sol, "rich")


def test_site_exercise_pages_show_the_level_mix_and_minutes(tmp_path):
    from pathlib import Path

    from casekit.course.site import pages
    from casekit.course.templating import render

    exercise = A.make_exercise(rich.solution_notebook(), "rich")
    info = pages.exercise_info(exercise, Path(f"{rich.EXERCISE_ID}.ipynb"))
    mix = {m["level"]: (m["count"], m["points"], m["minutes"]) for m in info.level_mix}
    assert mix == {"remember": (1, 1, 1), "apply": (1, 2, 3), "analyse": (1, 2, 4),
                   "evaluate": (2, 5, 9), "create": (1, 3, 8)}
    assert [m["level"] for m in info.level_mix] == list(pages.LEVEL_LABELS)
    assert info.minutes == info.question_minutes == 25
    page = render("site/exercise.html.j2", here="exercises/x.html", e=info, related=None,
                  rendered="", kind_label=lambda k: k, level_labels=pages.LEVEL_LABELS)
    assert "评价 evaluate</span> 2 题 5 分 9 分钟" in page and "各题用时合计 25 分钟" in page
    index = render("site/exercises.html.j2", here="exercises/index.html", exercises=[info],
                   notebooks_by_slug={}, total_points=info.points)
    assert "分析 analyse 2 分" in index
