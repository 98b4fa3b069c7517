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
from dataclasses import dataclass
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
    if kind == "choice" and option_ids(question) is not None:  # option objects: by meaning
        verdict = assess(question, got, expected)
        return verdict.status, verdict.feedback_zh
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
    if kind == "check":  # scored by its check function (see assess, which passes params)
        verdict = assess(question, got, expected)
        return verdict.status, verdict.feedback_zh
    return "incorrect", f"unknown question kind {kind!r}"


# --- option objects, known mistakes, check functions and partial scores -------------------------

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def option_ids(question: dict) -> list[str] | None:
    """Ids of a choice question's option objects in metadata order; None for plain options."""
    options = question.get("options") or []
    if options and all(isinstance(o, dict) and "id" in o for o in options):
        return [str(o["id"]) for o in options]
    return None


def option_order(question: dict, student_id: str, exercise_id: str) -> list[str] | None:
    """Option ids in the order one student sees them (A first); None for plain options.

    The order is a pure function of the exercise, question and student ids (a sha256 per
    option), so ``assign`` and the grader agree without trusting the submitted notebook.
    """
    ids = option_ids(question)
    if ids is None:
        return None
    import hashlib

    def key(option_id: str) -> bytes:
        text = f"{exercise_id}\x1f{question['id']}\x1f{student_id}\x1f{option_id}"
        return hashlib.sha256(text.encode("utf-8")).digest()

    return sorted(ids, key=key)


def chosen_option(value: Any, order: list[str]) -> str | None:
    """The option id a choice answer names: a letter of ``order`` or an option id; else None."""
    value = _as_number(value)
    if not isinstance(value, str):
        return None
    text = value.strip()
    if len(text) == 1 and text.upper() in LETTERS[: len(order)]:
        return order[LETTERS.index(text.upper())]
    return text if text in order else None


def load_check(question: dict):
    """The function named by a ``kind: check`` question (``casekit.<module>:<function>``)."""
    import importlib

    name = str(question.get("check", ""))
    module, _, function = name.partition(":")
    if not (module == "casekit" or module.startswith("casekit.")) or not function:
        raise NotebookError(f"question {question.get('id')!r}: check {name!r} must be "
                            "'casekit.<module>:<function>'")
    try:
        fn = getattr(importlib.import_module(module), function)
    except (ImportError, AttributeError) as exc:
        raise NotebookError(f"question {question.get('id')!r}: check {name!r} cannot be "
                            f"loaded ({exc}); is the function in the casekit library?") from None
    return fn


def run_check(question: dict, value: Any, params: dict | None) -> list[dict]:
    """Criteria ``{id, ok, points, zh}`` of a ``kind: check`` answer, as the check returns them."""
    criteria = load_check(question)(value, dict(params or {}))
    out = []
    for c in criteria:
        out.append({"id": str(c["id"]), "ok": bool(c["ok"]), "points": float(c["points"]),
                    "zh": str(c.get("zh", ""))})
    return out


def mistake_feedback_zh(mistake: dict) -> str:
    """Feedback for an answer that matches a declared known mistake (no expected value)."""
    return (f"★ 常见错误：{mistake['zh']}。请回看笔记本「{mistake['section']}」一节，"
            "想清楚错在哪一步，再重新计算。")


def _matches(question: dict, value: Any, target: Any) -> bool:
    """True when a numeric answer equals ``target`` within the question's tolerance."""
    if not (_is_number(value) and _is_number(target)):
        return False
    if question["kind"] == "integer":
        return float(value) == float(target)
    tol = tolerance_abs(question, float(target))
    return abs(float(value) - float(target)) <= tol * (1 + _FLOAT_SLACK) + 1e-12 * abs(target)


@dataclass
class Assessment:
    """The grader's verdict on one answer: status, points earned, feedback, matched mistake."""

    status: str
    score: float
    feedback_zh: str
    mistake: str | None = None


def assess(
    question: dict,
    got: Any,
    expected: Any,
    *,
    order: list[str] | None = None,
    mistakes: dict[str, Any] | None = None,
    params: dict | None = None,
) -> Assessment:
    """Grade one answer with everything the question declares.

    Parameters
    ----------
    question : dict
        The question spec (kind, points, tolerance, options, mistakes, check).
    got : Any
        The student's answer as exported to JSON (None when unanswered).
    expected : Any
        The solution's answer for the student's parameters (for option objects: the letter
        in metadata order, or the option id).
    order : list of str or None
        Option ids in the order this student sees them (see :func:`option_order`).
    mistakes : dict or None
        Mistake id → the value that misconception gives for the student's parameters.
    params : dict or None
        The student's parameters, passed to a ``kind: check`` function.

    Returns
    -------
    Assessment
        ``status`` is ``correct``, ``partial``, ``incorrect``, ``unanswered`` or
        ``needs_review``; the feedback never contains the expected value.
    """
    points = float(question["points"])
    kind = question["kind"]
    if kind == "check":
        if got is None:
            return Assessment("unanswered", 0.0, "尚未作答。" + _hint(question))
        try:
            criteria = run_check(question, got, params)
        except NotebookError:
            raise
        except Exception as exc:  # the student's value may have any shape
            return Assessment("incorrect", 0.0, f"答案的结构无法检查（{type(exc).__name__}）："
                              "请按模板填写。" + _hint(question))
        earned = sum(c["points"] for c in criteria if c["ok"])
        total = sum(c["points"] for c in criteria)
        status = ("correct" if criteria and all(c["ok"] for c in criteria)
                  else "partial" if earned > 0 else "incorrect")
        lines = "；".join(("✓ " if c["ok"] else "✗ ") + c["zh"] for c in criteria)
        score = points * earned / total if total else 0.0
        return Assessment(status, round(score, 6), lines or "没有可检查的条目。")
    ids = option_ids(question) if kind == "choice" else None
    if ids is not None:
        if got is None or (isinstance(got, str) and not got.strip()):
            return Assessment("unanswered", 0.0, "尚未作答。" + _hint(question))
        shown = order or ids
        chosen = chosen_option(got, shown)
        if chosen is None:
            listed = " / ".join(LETTERS[: len(shown)])
            return Assessment("incorrect", 0.0, f"{got!r} 不是可选项之一（可选：{listed}）。"
                              + _hint(question))
        want = chosen_option(expected, ids)
        if chosen == want:
            return Assessment("correct", points, "正确。")
        return Assessment("incorrect", 0.0, "答案与期望不符。" + _hint(question))
    status, feedback = compare(question, got, expected)
    if status == "incorrect" and kind in ("number", "integer") and mistakes:
        value = _as_number(got)
        for m in question.get("mistakes", []):
            target = mistakes.get(m["id"])
            if target is not None and not _matches(question, target, expected) and _matches(
                question, value, target
            ):
                return Assessment("incorrect", 0.0, mistake_feedback_zh(m), m["id"])
    return Assessment(status, points if status == "correct" else 0.0, feedback)
