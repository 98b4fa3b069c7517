"""Student-facing helpers of the exercises: public self-checks and answer export.

Public checks give immediate, specific feedback on the *form* of an answer (type, range,
allowed options, length) with a hint, and never know or reveal the expected value: the
grader computes that by running the solution with the student's parameters. A check never
raises, so an unanswered exercise still runs from top to bottom.

>>> from casekit import exercise as ex
>>> ex.check_number("q1", 0.034, minimum=0, maximum=1, hint="点击率 = 点击 / 曝光")
✓ q1：格式正确（数值在合理范围内）。是否正确将在评分时核对。
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Iterable, Mapping
from numbers import Integral, Real
from typing import Any

__all__ = [
    "check_choice",
    "check_criteria",
    "check_items",
    "check_number",
    "check_text",
    "dump_answers",
    "to_json_value",
]

OK = "✓"
BAD = "✗"
TODO = "…"


def _report(qid: str, ok: bool | None, message: str, hint: str = "") -> None:
    # Prints only: returning the verdict would echo True/False under the line in a notebook.
    mark = TODO if ok is None else (OK if ok else BAD)
    line = f"{mark} {qid}：{message}"
    if hint and ok is not True:
        line += f" 提示 / hint：{hint}"
    print(line)


def _unanswered(qid: str, value: Any, hint: str) -> bool:
    if value is None or value is Ellipsis:
        _report(qid, None, "尚未作答 / not answered yet.", hint)
        return True
    return False


def check_number(
    qid: str,
    value: Any,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    integer: bool = False,
    hint: str = "",
) -> None:
    """Check that an answer is a finite number within a plausible range.

    Parameters
    ----------
    qid : str
        Question id shown in the feedback line (e.g. ``"q1"``).
    value : Any
        The student's answer; ``None`` or ``...`` counts as not answered.
    minimum : float or None
        Smallest plausible value, in the answer's own unit; ``None`` for no lower bound.
    maximum : float or None
        Largest plausible value, in the answer's own unit; ``None`` for no upper bound.
    integer : bool
        Require a whole number (e.g. a count of orders).
    hint : str
        Hint printed after a failed or missing answer.

    Returns
    -------
    None
        Prints one ✓/✗/… feedback line; never raises.
    """
    if _unanswered(qid, value, hint):
        return None
    try:
        import numpy as np

        if isinstance(value, np.generic):
            value = value.item()
    except ImportError:  # pragma: no cover
        pass
    if isinstance(value, bool) or not isinstance(value, Real):
        return _report(
            qid, False,
            f"答案应为一个数字，现在是 {type(value).__name__} / expected a number.", hint
        )
    if not math.isfinite(float(value)):
        return _report(qid, False, "答案不是有限数 / the answer is NaN or infinite.", hint)
    if integer and not (isinstance(value, Integral) or float(value).is_integer()):
        return _report(qid, False, "答案应为整数 / expected a whole number.", hint)
    if minimum is not None and value < minimum:
        return _report(qid, False, f"答案小于 {minimum}，不合理 / below {minimum}.", hint)
    if maximum is not None and value > maximum:
        return _report(qid, False, f"答案大于 {maximum}，不合理 / above {maximum}.", hint)
    return _report(qid, True, "格式正确（数值在合理范围内）。是否正确将在评分时核对。")


def check_choice(qid: str, value: Any, options: Iterable[Any], *, hint: str = "") -> None:
    """Check that an answer is one of the offered options (e.g. "A", "B", "C").

    With option objects (``[{"id": "open", "zh": "…"}, …]``, shuffled per student) any
    letter A, B, … up to the number of options is valid, and so is an option id.

    Parameters
    ----------
    qid : str
        Question id shown in the feedback line.
    value : Any
        The student's answer, a string compared case-insensitively.
    options : Iterable
        The offered options, e.g. ``["A", "B", "C"]``, or option objects ``{id, zh}``.
    hint : str
        Hint printed after a failed or missing answer.

    Returns
    -------
    None
        Prints one feedback line; never raises.
    """
    if _unanswered(qid, value, hint):
        return None
    options = list(options)
    if options and all(isinstance(o, Mapping) and "id" in o for o in options):
        ids = [str(o["id"]) for o in options]
        letters = [chr(ord("A") + i) for i in range(len(ids))]
        if isinstance(value, str) and value.strip() in ids:
            return _report(qid, True, "已选择一个有效选项。是否正确将在评分时核对。")
        options = letters
    options = [str(o) for o in options]
    if not isinstance(value, str) or value.strip().upper() not in [o.upper() for o in options]:
        return _report(
            qid, False,
            f"请从 {', '.join(options)} 中选择一项 / choose one of {', '.join(options)}.", hint
        )
    return _report(qid, True, "已选择一个有效选项。是否正确将在评分时核对。")


def check_items(
    qid: str,
    value: Any,
    *,
    allowed: Iterable[Any] | None = None,
    size: int | None = None,
    hint: str = "",
) -> None:
    """Check a list/set answer: its length and that every item is an allowed value.

    Parameters
    ----------
    qid : str
        Question id shown in the feedback line.
    value : Any
        The student's answer, a list, set or other non-string iterable.
    allowed : Iterable or None
        Allowed items (compared as strings); ``None`` accepts any item.
    size : int or None
        Required number of items; ``None`` accepts any length.
    hint : str
        Hint printed after a failed or missing answer.

    Returns
    -------
    None
        Prints one feedback line; never raises.
    """
    if _unanswered(qid, value, hint):
        return None
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        return _report(qid, False, "答案应为列表 / expected a list.", hint)
    items = list(value)
    if size is not None and len(items) != size:
        return _report(
            qid, False, f"应有 {size} 项，现在有 {len(items)} 项 / expected {size} items.", hint
        )
    if allowed is not None:
        allowed = [str(a) for a in allowed]
        unknown = [i for i in items if str(i) not in allowed]
        if unknown:
            return _report(qid, False, f"{unknown[0]!r} 不是可选项 / not an allowed item.", hint)
    return _report(qid, True, "格式正确。是否正确将在评分时核对。")


def check_text(qid: str, value: Any, *, min_chars: int = 20, hint: str = "") -> None:
    """Check a short written interpretation: a string of at least ``min_chars`` characters.

    Parameters
    ----------
    qid : str
        Question id shown in the feedback line.
    value : Any
        The student's answer, a string.
    min_chars : int
        Minimum length in characters, leading/trailing spaces not counted.
    hint : str
        Hint printed after a failed or missing answer.

    Returns
    -------
    None
        Prints one feedback line; never raises.
    """
    if _unanswered(qid, value, hint):
        return None
    if not isinstance(value, str):
        return _report(qid, False, "答案应为一段文字 / expected text.", hint)
    if len(value.strip()) < min_chars:
        return _report(
            qid, False, f"请至少写 {min_chars} 个字 / write at least {min_chars} characters.", hint
        )
    return _report(qid, True, "已作答，由老师阅读评分 / answered; the trainer reads it.")


def check_criteria(qid: str, value: Any, check: Any, params: Mapping[str, Any] | None = None,
                   *, hint: str = "") -> None:
    """Run a structured answer through its check function and print each criterion.

    Parameters
    ----------
    qid : str
        Question id shown in the feedback lines.
    value : Any
        The student's answer (e.g. a plan as a dict); converted as the grader sees it.
    check : callable or str
        ``fn(value, params) -> [{"id", "ok", "points", "zh"}, …]`` or its name
        ``"casekit.<module>:<function>"`` (the question's ``check`` key).
    params : Mapping or None
        The student's parameters (the values in the ``parameters`` cell).
    hint : str
        Hint printed when a criterion fails.

    Returns
    -------
    None
        Prints one line per criterion (✓/✗ and the points); never raises.
    """
    if _unanswered(qid, value, hint):
        return None
    try:
        if isinstance(check, str):
            import importlib

            module, _, function = check.partition(":")
            if not module.startswith("casekit"):
                raise ValueError(f"{check!r} is not a casekit check")
            check = getattr(importlib.import_module(module), function)
        criteria = list(check(to_json_value(value), dict(params or {})))
    except Exception as exc:  # a self-check must never stop the notebook
        return _report(qid, False, f"无法检查这个答案（{type(exc).__name__}: {exc}）。", hint)
    for c in criteria:
        print(f"{OK if c['ok'] else BAD} {qid}.{c['id']}（{c['points']:g} 分）：{c['zh']}")
    earned = sum(c["points"] for c in criteria if c["ok"])
    total = sum(c["points"] for c in criteria)
    ok = all(c["ok"] for c in criteria)
    return _report(qid, ok, f"自动检查 {earned:g} / {total:g} 分。", hint)


def to_json_value(value: Any) -> Any:
    """A JSON-safe copy of an answer: numbers, text, lists; sets sorted; frames as records.

    Parameters
    ----------
    value : Any
        An answer: number, text, numpy scalar/array, pandas frame/series, set, list, mapping.

    Returns
    -------
    Any
        ``None``, bool, str, int, float (non-finite becomes ``None``), list or dict; a frame
        becomes ``{"columns": [...], "rows": [[...], ...]}``; anything else its ``repr``
        cut to 200 characters.
    """
    try:
        import numpy as np
        import pandas as pd
    except ImportError:  # pragma: no cover
        np = pd = None
    if value is None or isinstance(value, bool | str):
        return value
    if np is not None and isinstance(value, np.generic):
        return to_json_value(value.item())
    if isinstance(value, Integral):
        return int(value)
    if isinstance(value, Real):
        v = float(value)
        return v if math.isfinite(v) else None
    if pd is not None and isinstance(value, pd.DataFrame):
        return {"columns": [str(c) for c in value.columns],
                "rows": [[to_json_value(v) for v in row] for row in value.itertuples(index=False)]}
    if pd is not None and isinstance(value, pd.Series | pd.Index):
        return [to_json_value(v) for v in value.tolist()]
    if np is not None and isinstance(value, np.ndarray):
        if value.ndim == 0:  # np.array(0.5) is one number, and .tolist() gives a float
            return to_json_value(value.item())
        return [to_json_value(v) for v in value.tolist()]
    if isinstance(value, set | frozenset):
        return sorted((to_json_value(v) for v in value), key=str)
    if isinstance(value, list | tuple):
        return [to_json_value(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): to_json_value(v) for k, v in value.items()}
    return repr(value)[:200]


def _nonfinite_marker(value: Any) -> dict | None:
    """``{"$nonfinite": "nan"}`` for a NaN/infinite answer, so the grader can say so."""
    try:
        v = float(value) if isinstance(value, Real) and not isinstance(value, bool) else None
    except (TypeError, ValueError):  # pragma: no cover - Real always converts
        v = None
    if v is None or math.isfinite(v):
        return None
    return {"$nonfinite": "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")}


def dump_answers(answers: Mapping[str, str], namespace: Mapping[str, Any], path: str) -> None:
    """Write ``{question: value of its answer variable}`` to ``path`` as JSON (atomically).

    Parameters
    ----------
    answers : Mapping[str, str]
        Question id → name of the variable holding its answer.
    namespace : Mapping[str, Any]
        The notebook's variables (e.g. ``globals()``); a missing variable gives ``null``.
    path : str
        JSON file to write (replaced atomically).

    Returns
    -------
    None
        Writes ``{question id: JSON value}``; NaN/infinite answers become
        ``{"$nonfinite": "nan" | "inf" | "-inf"}``.
    """
    out = {}
    for qid, variable in answers.items():
        value = namespace.get(variable) if variable in namespace else None
        if getattr(value, "ndim", None) == 0 and hasattr(value, "item"):
            value = value.item()  # a numpy scalar or 0-d array holds one number
        out[qid] = _nonfinite_marker(value) or to_json_value(value)
    text = json.dumps(out, ensure_ascii=False, sort_keys=True)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, path)
