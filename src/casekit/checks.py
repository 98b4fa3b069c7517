"""Check functions for structured answers (``kind: check`` questions of the exercises).

A check takes the student's answer as JSON (dict, list, str or number) and the student's
parameters, and returns criteria ``{"id", "ok", "points", "zh"}``: the grader scores the
points of the criteria that hold, and the public self-check
(:func:`casekit.exercise.check_criteria`) prints the same lines, so the student sees at once
what the grader will see. Messages name only what the student's own parameters give.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["budget_split"]


def _amount(v: Any) -> float | None:
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        return None
    return float(v)


def budget_split(value: Any, params: dict) -> list[dict]:
    """Criteria of a budget split ``{channel: amount in yuan}`` against ``params['budget_cny']``.

    Parameters
    ----------
    value : Any
        The student's split, e.g. ``{"直通车": 600, "引力魔方": 400}`` (yuan per channel).
    params : dict
        The student's parameters; ``budget_cny`` is the total budget in yuan.

    Returns
    -------
    list of dict
        Three criteria worth one point each: every amount is a non-negative number; the
        amounts add up to the budget (within 1 yuan); at least two channels get money.
    """
    budget = float(params.get("budget_cny", 0.0))
    if not isinstance(value, dict) or not value:
        shape = "预算分配应写成字典，例如 {\"直通车\": 600, \"引力魔方\": 400}"
        return [{"id": "numbers", "ok": False, "points": 1.0, "zh": shape},
                {"id": "adds_up", "ok": False, "points": 1.0, "zh": "无法核对总额"},
                {"id": "spread", "ok": False, "points": 1.0, "zh": "无法核对渠道数"}]
    amounts = [_amount(v) for v in value.values()]
    numbers = all(a is not None and a >= 0 for a in amounts)
    total = sum(a for a in amounts if a is not None)
    adds_up = numbers and abs(total - budget) <= 1.0
    spread = sum(1 for a in amounts if a is not None and a > 0) >= 2
    return [
        {"id": "numbers", "ok": numbers, "points": 1.0,
         "zh": "每个渠道的金额都是不小于 0 的数字（元）"},
        {"id": "adds_up", "ok": adds_up, "points": 1.0,
         "zh": f"各渠道金额之和等于你的总预算 {budget:g} 元（误差 1 元以内）"},
        {"id": "spread", "ok": spread, "points": 1.0, "zh": "至少两个渠道分到了预算"},
    ]
