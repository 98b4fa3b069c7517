"""The grader's comparison at its boundaries: stated tolerances, answer forms, odd values.

Every numeric case is checked just inside (0.9 ×) and just outside (2 ×) the stated
tolerance, so loosening or tightening the rule by 10 × fails here.
"""

from __future__ import annotations

import json
import math
import os
import tempfile

import numpy as np
import pytest

from casekit import exercise
from casekit.course.answers import compare, tolerance_abs, tolerance_rule, tolerance_zh
from casekit.errors import NotebookError


def q(kind="number", **extra):
    return {"id": "q1", "kind": kind, "points": 1, "answer": "a", "title_zh": "t", **extra}


def exported(value):
    """What the grader sees after the student's kernel exports ``value``."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "answers.json")
        exercise.dump_answers({"q": "v"}, {"v": value}, path)
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)["q"]


# --- number: each tolerance rule at its boundary -------------------------------------------

RULES = [
    ({"decimals": 2}, 3.14159, 0.005),
    ({"decimals": 4}, 0.0312, 0.00005),
    ({"decimals": 0}, 1234.4, 0.5),
    ({"abs_tol": 0.003}, 0.7421, 0.003),
    ({"rel_tol": 0.001}, 0.0421, 0.001 * 0.0421),
    ({"rel_tol": 1e-4}, 2_345_678.9, 1e-4 * 2_345_678.9),
    ({"rel_tol": 0.001}, -12.5, 0.001 * 12.5),
]


@pytest.mark.parametrize(("rule", "expected", "tol"), RULES)
def test_number_just_inside_is_correct_and_just_outside_is_wrong(rule, expected, tol):
    question = q(**rule)
    assert tolerance_abs(question, expected) == pytest.approx(tol)
    for sign in (1, -1):
        assert compare(question, expected + sign * 0.9 * tol, expected)[0] == "correct"
        assert compare(question, expected + sign * 2 * tol, expected)[0] == "incorrect"
        # a tenfold tighter or looser rule would flip one of these two
        assert compare(question, expected + sign * 0.2 * tol, expected)[0] == "correct"
        assert compare(question, expected + sign * 1.2 * tol, expected)[0] == "incorrect"


@pytest.mark.parametrize("expected", [0.123456, 0.125, 2.675, 1e6 + 0.005, -0.0449999])
@pytest.mark.parametrize("n", [0, 1, 2, 3, 4])
def test_an_answer_rounded_as_the_question_allows_is_correct(expected, n):
    question = q(decimals=n)
    assert compare(question, round(expected, n), expected)[0] == "correct"
    assert compare(question, float(f"{expected:.{n}f}"), expected)[0] == "correct"
    # rounded one place too coarsely is not enough (when that changes the value enough)
    coarse = round(expected, n - 1) if n else round(expected, -1)
    if abs(coarse - expected) > 0.5 * 10 ** -n * 1.01:
        assert compare(question, coarse, expected)[0] == "incorrect"


@pytest.mark.parametrize(
    "form",
    [0.0312, np.float64(0.0312), np.float32(0.0312), [0.0312], np.array([0.0312]),
     np.array(0.0312)],
    ids=["float", "np.float64", "np.float32", "list1", "array1", "array0d"],
)
def test_the_same_value_in_any_numeric_form_is_treated_the_same(form):
    assert compare(q(decimals=4), exported(form), 0.0312)[0] == "correct"


@pytest.mark.parametrize("form", [3, np.int64(3), 3.0, np.float64(3.0), [3]])
def test_integer_forms(form):
    assert compare(q("integer"), exported(form), 3)[0] == "correct"
    assert compare(q(decimals=2), exported(form), 3.0)[0] == "correct"


def test_a_number_typed_as_text_is_wrong_with_a_message():
    status, feedback = compare(q(decimals=2), "0.05", 0.05)
    assert status == "incorrect" and "去掉引号" in feedback and "0.05" in feedback
    status, feedback = compare(q("integer"), "5", 5)
    assert status == "incorrect" and "去掉引号" in feedback


def test_a_percentage_where_a_proportion_is_expected_is_named():
    status, feedback = compare(q(decimals=4), 5, 0.05)
    assert status == "incorrect" and "百分数" in feedback and "0.05" in feedback
    status, feedback = compare(q(rel_tol=0.001), 3.12, 0.0312)
    assert status == "incorrect" and "百分数" in feedback
    # a proportion that is simply wrong gets the plain message
    status, feedback = compare(q(decimals=4), 0.07, 0.05)
    assert status == "incorrect" and "百分数" not in feedback


@pytest.mark.parametrize(("value", "word"), [(float("nan"), "NaN"), (float("inf"), "无穷大"),
                                             (np.float64("-inf"), "无穷大")])
def test_nan_and_infinity_are_wrong_with_a_message(value, word):
    got = exported(value)
    assert got == {"$nonfinite": "nan" if math.isnan(value) else
                   ("inf" if value > 0 else "-inf")}
    for question, expected in ((q(decimals=2), 1.0), (q("integer"), 1)):
        status, feedback = compare(question, got, expected)
        assert status == "incorrect" and word in feedback and "除以了 0" in feedback
    # also when a raw float reaches the comparison
    assert compare(q(decimals=2), value, 1.0)[0] == "incorrect"


def test_feedback_never_reveals_the_expected_value():
    expected = 0.03717
    for got in (0.5, 3.717, "x", [1, 2], True):
        _, feedback = compare(q(decimals=5, hint_zh="点击 / 曝光"), got, expected)
        assert "0.03717" not in feedback and "3717" not in feedback.replace("3.717", "")


def test_booleans_and_lists_are_not_numbers():
    assert compare(q(decimals=2), True, 1.0)[0] == "incorrect"
    assert "列表" in compare(q(decimals=2), [1.0, 2.0], 1.0)[1]


def test_unanswered():
    assert compare(q(decimals=2), None, 1.0)[0] == "unanswered"
    assert compare(q("text"), "   ", "x")[0] == "unanswered"


# --- integer -------------------------------------------------------------------------------


def test_integer_is_exact():
    assert compare(q("integer"), 42, 42)[0] == "correct"
    assert compare(q("integer"), 41, 42)[0] == "incorrect"
    assert compare(q("integer"), 43, 42)[0] == "incorrect"
    status, feedback = compare(q("integer"), 42.5, 42)
    assert status == "incorrect" and "整数" in feedback
    assert compare(q("integer"), True, 1)[0] == "incorrect"


# --- choice, items, sequence, text ---------------------------------------------------------


def test_choice_ignores_case_and_spaces_but_not_the_option():
    question = q("choice", options=["A", "B", "C"])
    assert compare(question, " a ", "A")[0] == "correct"
    assert compare(question, ["B"], "B")[0] == "correct"
    assert compare(question, "B", "A")[0] == "incorrect"
    status, feedback = compare(question, "E", "A")
    assert status == "incorrect" and "不是可选项" in feedback and "A / B / C" in feedback
    status, feedback = compare(question, 1, "A")
    assert status == "incorrect" and "选项本身" in feedback


def test_items_ignore_order_sequence_does_not():
    assert compare(q("items"), ["b", "a"], ["a", "b"])[0] == "correct"
    assert compare(q("items"), ["a"], ["a", "b"])[0] == "incorrect"
    assert compare(q("items"), ["a", "a", "b"], ["a", "b"])[0] == "incorrect"
    assert compare(q("sequence"), ["a", "b"], ["a", "b"])[0] == "correct"
    status, feedback = compare(q("sequence"), ["b", "a"], ["a", "b"])
    assert status == "incorrect" and "顺序" in feedback
    assert compare(q("sequence"), exported(np.array([1, 2])), [1, 2])[0] == "correct"
    assert compare(q("items"), exported((2, 1)), [1, 2])[0] == "correct"
    assert "列表" in compare(q("items"), "a, b", ["a", "b"])[1]


def test_text_goes_to_the_trainer():
    assert compare(q("text"), "理由如下……", None)[0] == "needs_review"
    assert compare(q("text"), 12, None)[0] == "incorrect"


# --- the stated tolerance ------------------------------------------------------------------


def test_tolerance_sentences_say_what_the_rule_applies():
    assert tolerance_zh(q(decimals=2)) == (
        "**精度**：保留两位小数即可（与标准答案相差不超过 0.005 算对），不必更精确。")
    four = tolerance_zh(q(decimals=4))
    assert "保留四位小数" in four and "0.00005" in four
    assert "取整到个位" in tolerance_zh(q(decimals=0))
    assert "0.003 算对" in tolerance_zh(q(abs_tol=0.003))
    assert "0.1% 以内" in tolerance_zh(q(rel_tol=0.001))
    assert "0.01% 以内" in tolerance_zh(q(rel_tol=0.0001))


@pytest.mark.parametrize(
    ("extra", "message"),
    [({}, "exactly one"), ({"decimals": 2, "rel_tol": 0.01}, "exactly one"),
     ({"decimals": 2.5}, "whole number"), ({"decimals": -1}, "whole number"),
     ({"rel_tol": 0}, "positive"), ({"abs_tol": float("nan")}, "positive"),
     ({"abs_tol": "0.01"}, "positive")],
)
def test_a_number_question_must_state_exactly_one_valid_tolerance(extra, message):
    with pytest.raises(NotebookError, match=message):
        tolerance_rule(q(**extra), "solutions/x.ipynb")


# --- the exact feedback of every branch (what the student reads) ----------------------------

HINT = {"hint_zh": "看第 3 节"}
FEEDBACK = [
    (q(decimals=2, **HINT), None, 1.0, "unanswered", "尚未作答。提示：看第 3 节"),
    (q(decimals=2), None, 1.0, "unanswered", "尚未作答。"),
    (q(decimals=2, **HINT), 1.0, 1.0, "correct", "正确。"),
    (q(decimals=2, **HINT), 1.5, 1.0, "incorrect",
     "答案与期望不符。提示：看第 3 节 精度：保留两位小数即可（与标准答案相差不超过 0.005 算对），"
     "不必更精确。"),
    (q(decimals=4, **HINT), 5, 0.05, "incorrect",
     "看起来你填的是百分数：这一题要的是比例，例如 5% 应写成 0.05，而不是 5。提示：看第 3 节"),
    (q(decimals=2, **HINT), "0.05", 0.05, "incorrect",
     "答案是文字 '0.05'，不是数字：去掉引号，直接写数字本身（例如 0.05，而不是 \"0.05\"）。"
     "提示：看第 3 节"),
    (q(decimals=2), "5%", 0.05, "incorrect",
     "答案是文字 '5%'，不是数字：去掉引号，直接写数字本身（例如 0.05，而不是 \"0.05\"）。"),
    (q("integer"), "七", 7, "incorrect", "答案应为一个整数，现在是一段文字。"),
    (q(decimals=2, **HINT), "很多", 1.0, "incorrect",
     "答案应为一个数字，现在是一段文字。提示：看第 3 节"),
    (q(decimals=2, **HINT), True, 1.0, "incorrect",
     "答案应为一个数字，现在是 True/False。提示：看第 3 节"),
    (q(decimals=2, **HINT), [1, 2], 1.0, "incorrect",
     "答案应为一个数字，现在是含 2 个元素的列表。提示：看第 3 节"),
    (q(decimals=2, **HINT), {"a": 1}, 1.0, "incorrect", "答案应为一个数字。提示：看第 3 节"),
    (q(decimals=2, **HINT), {"$nonfinite": "nan"}, 1.0, "incorrect",
     "答案是 NaN（不是一个数）：检查是否除以了 0、对空表求了均值，或筛选条件把数据全筛掉了。"
     "提示：看第 3 节"),
    (q("integer"), {"$nonfinite": "-inf"}, 1, "incorrect",
     "答案是 无穷大（inf）：检查是否除以了 0、对空表求了均值，或筛选条件把数据全筛掉了。"),
    (q("integer", **HINT), 2.5, 2, "incorrect",
     "答案应为整数（人数、天数、名次这类量不会有小数）。提示：看第 3 节"),
    (q("integer", **HINT), 3, 2, "incorrect", "答案与期望不符。提示：看第 3 节"),
    (q("choice", options=["A", "B"], **HINT), "B", "A", "incorrect",
     "答案与期望不符。提示：看第 3 节"),
    (q("choice", options=["A", "B"], **HINT), "C", "A", "incorrect",
     "'C' 不是可选项之一（可选：A / B）。提示：看第 3 节"),
    (q("choice", options=["A", "B"], **HINT), 2, "A", "incorrect",
     "答案应为选项本身（带引号的文字，例如 \"A\"）。提示：看第 3 节"),
    (q("items", **HINT), "a", ["a"], "incorrect",
     "答案应为列表，例如 [\"a\", \"b\"]。提示：看第 3 节"),
    (q("sequence", **HINT), ["b", "a"], ["a", "b"], "incorrect",
     "元素都对了，但顺序不对：这一题要求按顺序排列。提示：看第 3 节"),
    (q("sequence", **HINT), ["a", "c"], ["a", "b"], "incorrect", "答案与期望不符。提示：看第 3 节"),
    (q("text", **HINT), 3, None, "incorrect",
     "这一题要写一段文字（放在引号里的字符串）。提示：看第 3 节"),
    (q("text"), "见下", None, "needs_review", "已作答，由老师阅读评分。"),
    (q("ranking"), 1, 1, "incorrect", "unknown question kind 'ranking'"),
    (q("integer"), 7, 7, "correct", "正确。"),
    (q("choice", options=["A", "B"]), "a", "A", "correct", "正确。"),
    (q("choice", **HINT), "B", "A", "incorrect", "答案与期望不符。提示：看第 3 节"),
    (q("items"), ["b", "a"], ["a", "b"], "correct", "正确。"),
    (q("sequence"), ["a", "b"], ["a", "b"], "correct", "正确。"),
]


@pytest.mark.parametrize(("question", "got", "expected", "status", "feedback"), FEEDBACK,
                         ids=[f"{i:02d}-{c[0]['kind']}" for i, c in enumerate(FEEDBACK)])
def test_each_branch_gives_its_exact_feedback(question, got, expected, status, feedback):
    assert compare(question, got, expected) == (status, feedback)


def test_percentage_detection_has_the_same_boundary_as_the_answer():
    question = q(decimals=4)  # ± 0.00005 around 0.05, so 5 ± 0.005 as a percentage
    assert "百分数" in compare(question, 5.0045, 0.05)[1]
    assert "百分数" not in compare(question, 5.011, 0.05)[1]
    assert "百分数" not in compare(q(decimals=2), 150, 1.5)[1]  # only proportions below 1
    assert "百分数" not in compare(q(abs_tol=0.5), 0, 0.0)[1]


def test_nonfinite_kinds():
    from casekit.course.answers import _nonfinite

    assert _nonfinite(float("nan")) == "nan"
    assert _nonfinite(float("inf")) == "inf"
    assert _nonfinite(float("-inf")) == "-inf"
    assert _nonfinite(0.5) is None and _nonfinite({"$nonfinite": "inf", "x": 1}) is None
    assert "无穷大" in compare(q(decimals=2), float("inf"), 1.0)[1]
    assert "NaN" in compare(q(decimals=2), float("nan"), 1.0)[1]


def test_tolerance_of_relative_and_absolute_rules():
    assert tolerance_abs(q(rel_tol=0.01), -200.0) == pytest.approx(2.0)
    assert tolerance_abs(q(abs_tol=0.25), 1e9) == 0.25
    assert tolerance_abs(q(decimals=3), 7.0) == pytest.approx(0.0005)
    assert tolerance_rule(q(decimals=9)) == ("decimals", 9.0)
    with pytest.raises(NotebookError, match="whole number"):
        tolerance_rule(q(decimals=10))
    with pytest.raises(NotebookError, match="whole number"):
        tolerance_rule(q(decimals=True))
    with pytest.raises(NotebookError, match="positive"):
        tolerance_rule(q(rel_tol=True))
    with pytest.raises(NotebookError, match="positive"):
        tolerance_rule(q(abs_tol=float("inf")))
    with pytest.raises(NotebookError, match=r"^solutions/x.ipynb: question 'q1'"):
        tolerance_rule(q(), "solutions/x.ipynb")
    with pytest.raises(NotebookError, match=r"^exercise: question 'q1'.*found none"):
        tolerance_rule(q())
    with pytest.raises(NotebookError, match="found decimals, abs_tol"):
        tolerance_rule(q(decimals=1, abs_tol=0.1))


def test_tolerance_messages_in_full():
    with pytest.raises(NotebookError) as err:
        tolerance_rule({"kind": "number"}, "sol.ipynb")
    assert str(err.value) == (
        "sol.ipynb: question '?' (kind 'number') must state exactly one tolerance of "
        "decimals, abs_tol, rel_tol; found none. Add e.g. \"decimals\": 2 (an answer "
        "rounded to 2 decimals is right).")
    with pytest.raises(NotebookError) as err:
        tolerance_rule(q(decimals=12))
    assert str(err.value) == (
        "exercise: question 'q1': decimals = 12 must be a whole number from 0 to 9.")
    with pytest.raises(NotebookError) as err:
        tolerance_rule(q(abs_tol=-1), "s.ipynb")
    assert str(err.value) == (
        "s.ipynb: question 'q1': abs_tol = -1 must be a positive finite number.")
    assert tolerance_zh(q(decimals=0)) == (
        "**精度**：取整到个位即可（与标准答案相差不超过 0.5 算对）。")
    assert tolerance_zh(q(abs_tol=2.0)) == "**精度**：与标准答案相差不超过 2 算对，不用取整。"
    assert tolerance_zh(q(abs_tol=0.25)) == "**精度**：与标准答案相差不超过 0.25 算对，不用取整。"
