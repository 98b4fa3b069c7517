"""How the grader compares one answer with the expected one, and how a question states it.

A numeric question states exactly one tolerance in the solution's metadata, and the grader
applies exactly that rule:

- ``{"decimals": 2}``: an answer rounded to 2 decimals is right (|got − expected| ≤ 0.005);
- ``{"abs_tol": 0.003}``: |got − expected| ≤ 0.003;
- ``{"rel_tol": 0.001}``: |got − expected| ≤ 0.001 × |expected|.

:func:`tolerance_zh` turns the rule into the sentence the student reads under the question,
so the stated and the applied tolerance cannot drift apart (a test holds every solution to it).

Answer forms: a numpy scalar, a Python int or float, or a one-element list all count as the
same number (the answer export turns numpy values into Python ones). A number typed as text
("0.05"), a percentage where a proportion is expected (5 for 0.05), NaN and infinity are
marked wrong with a message that says what to fix. Expected values never appear in feedback.
"""

from __future__ import annotations

import math
from typing import Any

from casekit.errors import NotebookError

TOLERANCE_KEYS = ("decimals", "abs_tol", "rel_tol")
# An answer exported by casekit.exercise.to_json_value for a NaN or infinite number.
NONFINITE_KEY = "$nonfinite"
# Float noise allowed on top of a stated tolerance (binary rounding of the two values).
_FLOAT_SLACK = 1e-9

_DIGITS_ZH = "零一两三四五六七八九"


def tolerance_rule(question: dict, where: str = "") -> tuple[str, float]:
    """``(key, value)`` of a numeric question's one stated tolerance; error if not exactly one."""
    stated = [k for k in TOLERANCE_KEYS if k in question]
    qid = question.get("id", "?")
    if len(stated) != 1:
        found = ", ".join(stated) if stated else "none"
        raise NotebookError(
            f"{where or 'exercise'}: question {qid!r} (kind 'number') must state exactly one "
            f"tolerance of {', '.join(TOLERANCE_KEYS)}; found {found}. Add e.g. "
            '"decimals": 2 (an answer rounded to 2 decimals is right).'
        )
    key = stated[0]
    value = question[key]
    ok = (isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 9) if (
        key == "decimals") else (isinstance(value, int | float) and not isinstance(value, bool)
                                 and math.isfinite(value) and value > 0)
    if not ok:
        need = "a whole number from 0 to 9" if key == "decimals" else "a positive finite number"
        raise NotebookError(f"{where or 'exercise'}: question {qid!r}: {key} = {value!r} "
                            f"must be {need}.")
    return key, float(value)


def tolerance_abs(question: dict, expected: float) -> float:
    """The absolute distance from ``expected`` the question's rule accepts."""
    key, value = tolerance_rule(question)
    if key == "decimals":
        return 0.5 * 10 ** -int(value)
    if key == "abs_tol":
        return value
    return value * abs(expected)


def _fmt_plain(x: float) -> str:
    return f"{x:.10f}".rstrip("0").rstrip(".")


def tolerance_zh(question: dict) -> str:
    """The sentence under a numeric question that states its tolerance in words."""
    key, value = tolerance_rule(question)
    if key == "decimals":
        n = int(value)
        if n == 0:
            return "**精度**：取整到个位即可（与标准答案相差不超过 0.5 算对）。"
        places = _DIGITS_ZH[n]  # tolerance_rule allows 0–9 decimals
        return (f"**精度**：保留{places}位小数即可（与标准答案相差不超过 "
                f"{_fmt_plain(0.5 * 10 ** -n)} 算对），不必更精确。")
    if key == "abs_tol":
        return f"**精度**：与标准答案相差不超过 {_fmt_plain(value)} 算对，不用取整。"
    pct = _fmt_plain(value * 100)
    return f"**精度**：与标准答案的相对误差在 {pct}% 以内算对，不用取整。"


def _hint(question: dict) -> str:
    hint = question.get("hint_zh", "")
    return f"提示：{hint}" if hint else ""


def _as_number(got: Any) -> Any:
    """A one-element list stands for its element; everything else is returned as is."""
    if isinstance(got, list) and len(got) == 1:
        return got[0]
    return got


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _nonfinite(v: Any) -> str | None:
    if isinstance(v, dict) and set(v) == {NONFINITE_KEY}:
        return str(v[NONFINITE_KEY])
    if isinstance(v, float) and not math.isfinite(v):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
    return None


def _number_problem(question: dict, got: Any, *, integer: bool) -> str | None:
    """Why ``got`` is not a usable number (message in Chinese), or None."""
    kind_zh = "整数" if integer else "数字"
    special = _nonfinite(got)
    if special is not None:
        what = "NaN（不是一个数）" if special == "nan" else "无穷大（inf）"
        return (f"答案是 {what}：检查是否除以了 0、对空表求了均值，或筛选条件把数据全筛掉了。"
                + _hint(question))
    if isinstance(got, str):
        try:
            float(got.strip().rstrip("%"))
            looks = True
        except ValueError:
            looks = False
        if looks:
            return (f"答案是文字 {got!r}，不是{kind_zh}：去掉引号，直接写数字本身"
                    f"（例如 0.05，而不是 \"0.05\"）。" + _hint(question))
        return f"答案应为一个{kind_zh}，现在是一段文字。" + _hint(question)
    if isinstance(got, bool):
        return f"答案应为一个{kind_zh}，现在是 True/False。" + _hint(question)
    if isinstance(got, list):
        return f"答案应为一个{kind_zh}，现在是含 {len(got)} 个元素的列表。" + _hint(question)
    if not _is_number(got):
        return f"答案应为一个{kind_zh}。" + _hint(question)
    return None


def compare(question: dict, got: Any, expected: Any) -> tuple[str, str]:
    """(status, feedback) for one answer against the expected value, per the question kind.

    Parameters
    ----------
    question : dict
        One entry of ``metadata.casekit.exercise.questions`` (kind, tolerance, options, hint).
    got : Any
        The student's answer as exported to JSON (None when unanswered).
    expected : Any
        The solution's answer for the same parameters.

    Returns
    -------
    tuple of (str, str)
        Status (``correct``, ``incorrect``, ``unanswered``, ``needs_review``) and the
        feedback in Chinese, which never contains the expected value.
    """
    kind = question["kind"]
    if got is None or (isinstance(got, str) and not got.strip()):
        return "unanswered", "尚未作答。" + _hint(question)
    if kind == "text":
        if not isinstance(got, str):
            return "incorrect", "这一题要写一段文字（放在引号里的字符串）。" + _hint(question)
        return "needs_review", "已作答，由老师阅读评分。"
    wrong = "答案与期望不符。" + _hint(question)
    if kind == "number":
        value = _as_number(got)
        problem = _number_problem(question, value, integer=False)
        if problem:
            return "incorrect", problem
        exp = float(expected)
        tol = tolerance_abs(question, exp)
        if abs(value - exp) <= tol * (1 + _FLOAT_SLACK) + 1e-12 * abs(exp):
            return "correct", "正确。"
        if exp != 0 and abs(exp) < 1 and abs(value / 100 - exp) <= tol * (1 + _FLOAT_SLACK):
            return "incorrect", ("看起来你填的是百分数：这一题要的是比例，例如 5% 应写成 0.05，"
                                 "而不是 5。" + _hint(question))
        return "incorrect", wrong + " " + tolerance_zh(question).replace("**", "")
    if kind == "integer":
        value = _as_number(got)
        problem = _number_problem(question, value, integer=True)
        if problem:
            return "incorrect", problem
        if float(value) != int(value):
            return "incorrect", ("答案应为整数（人数、天数、名次这类量不会有小数）。"
                                 + _hint(question))
        return ("correct", "正确。") if int(value) == int(expected) else ("incorrect", wrong)
    if kind == "choice":
        value = _as_number(got)
        if not isinstance(value, str):
            return "incorrect", "答案应为选项本身（带引号的文字，例如 \"A\"）。" + _hint(question)
        norm = value.strip().upper()
        options = [str(o).strip().upper() for o in question.get("options", [])]
        if norm == str(expected).strip().upper():
            return "correct", "正确。"
        if options and norm not in options:
            listed = " / ".join(str(o) for o in question["options"])
            return "incorrect", f"{value!r} 不是可选项之一（可选：{listed}）。" + _hint(question)
        return "incorrect", wrong
    if kind in ("items", "sequence"):
        if not isinstance(got, list):
            return "incorrect", "答案应为列表，例如 [\"a\", \"b\"]。" + _hint(question)
        a, b = [str(x) for x in got], [str(x) for x in expected]
        if kind == "items":
            return ("correct", "正确。") if sorted(a) == sorted(b) else ("incorrect", wrong)
        if a == b:
            return "correct", "正确。"
        if sorted(a) == sorted(b):
            return "incorrect", "元素都对了，但顺序不对：这一题要求按顺序排列。" + _hint(question)
        return "incorrect", wrong
    return "incorrect", f"unknown question kind {kind!r}"
