"""The capstone's one-page 618 plan: an empty template, the brand brief and its checks.

A plan is a plain dict (JSON-able, so the grader can read it from a submission):

``goal_zh`` / ``audience_zh``
    One or two sentences each.
``budget_total_cny``
    The paid-media budget of the whole 618 campaign (CNY).
``phases``
    Four dicts in calendar order, one per 618 phase (:data:`PHASES`), each with ``phase``,
    ``budget_cny`` (CNY, ≥ 0) and ``focus_zh`` (what the phase is for).
``copy_lines``
    Two different ad-copy lines that must pass :func:`casekit.compliance.check_copy`.
``kpis``
    ``visitors``, ``conversion_rate`` (a fraction), ``aov_cny``, ``gmv_target_cny``
    (= visitors × conversion rate × AOV) and ``roi_target`` (= (paid GMV − budget) / budget,
    :func:`casekit.funnel.roi`, with the paid GMV that :func:`forecast` gives the phase budgets).

Every ``check_*`` function has the grader's signature ``fn(plan, params) -> list[dict]``:
``params`` are the student's exercise parameters (``total_budget_cny``, ``product``,
``presale_start_day``); each returned criterion is ``{"id", "ok", "points", "zh"}`` with a
Chinese message that names what is wrong, never an expected value beyond what the
student's own parameters give. A malformed plan fails the criteria with a message; bad
``params`` (a programming error, not a student's) raise :class:`casekit.errors.BadParameterError`.

>>> p = template()
>>> [ph["phase"] for ph in p["phases"]]
['备货期', '预售期', '品类日', '狂欢日']
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Mapping
from numbers import Real
from typing import Any

import pandas as pd

from casekit import campaign, compliance, data, funnel
from casekit.errors import BadParameterError, PlanError

__all__ = [
    "CHECKS",
    "ORGANIC_VISITORS_PER_DAY",
    "PHASES",
    "PRODUCTS",
    "RUN_DAY",
    "YEAR",
    "brief",
    "calendar",
    "check_budget",
    "check_copy",
    "check_kpis",
    "check_outline",
    "forecast",
    "render_md",
    "ruleset",
    "self_check",
    "split_budget",
    "template",
    "validate_plan",
]

YEAR = 2026
RUN_DAY = "2026-06-01"  # the day the copy runs (inside the 618 logo window)
PHASES = ("备货期", "预售期", "品类日", "狂欢日")
ORGANIC_VISITORS_PER_DAY = 6_000  # assumption: the brand's organic visitors per day
KPI_KEYS = ("visitors", "conversion_rate", "aov_cny", "gmv_target_cny", "roi_target")
REL_TOL = 0.01  # KPI identities hold within 1 %
BUDGET_TOL_CNY = 1.0  # the phase budgets add up to the total within 1 CNY

# Illustrative assumptions per product (not platform data): base conversion rate, AOV (CNY),
# CPC outside / during the 狂欢日 (CNY), conversion lift in 预售期 and 狂欢日, draft copy.
_BRIEFS = {
    "精华液": ("cosmetics", 0.025, 260.0, 1.5, 3.0, 1.3, 1.8,
             "天猫六一八狂欢价！美白精华7天见效，使用前后对比看得见，深层修护肌底，全网最低价。"),
    "口红": ("cosmetics", 0.035, 150.0, 1.2, 1.8, 1.2, 2.2,
           "比618还划算！本店主会场爆款口红，国家级品质，销量第一，滋养双唇。"),
    "防晒霜": ("cosmetics", 0.030, 120.0, 1.0, 2.0, 1.4, 1.5,
            "天猫618夏日必备，防晒霜首选，绝对不晒黑，祛斑美白两不误，效果对比图见详情。"),
    "坚果礼盒": ("food", 0.040, 98.0, 0.9, 1.2, 1.1, 2.0,
             "坚果礼盒史上最低价，比天猫618更便宜，最佳年货之选，吃出好身体当天见效，唯一正宗。"),
}
PRODUCTS = tuple(_BRIEFS)


# --- the brief and the model ---------------------------------------------------------------


def brief(product: str) -> dict[str, Any]:
    """The brand brief of one product: illustrative assumptions, not platform data.

    Parameters
    ----------
    product : str
        One of :data:`PRODUCTS` (e.g. ``"口红"``).

    Returns
    -------
    dict
        ``product``, ``product_type`` (for the copy checker), ``conversion_rate`` (fraction,
        a normal day), ``aov_cny`` (CNY), ``cpc_cny`` and ``peak_cpc_cny`` (CNY per paid click
        outside / during 狂欢日), ``presale_conversion_lift`` and ``peak_conversion_lift``
        (multipliers of the conversion rate) and ``draft_copy`` (a first draft to rewrite).

    Raises
    ------
    BadParameterError
        ``product`` is not one of :data:`PRODUCTS`.
    """
    if not isinstance(product, str) or product not in _BRIEFS:
        raise BadParameterError("product", product, f"one of {list(PRODUCTS)}", zh="主推商品")
    keys = ("product_type", "conversion_rate", "aov_cny", "cpc_cny", "peak_cpc_cny",
            "presale_conversion_lift", "peak_conversion_lift", "draft_copy")
    return {"product": product, **dict(zip(keys, _BRIEFS[product], strict=True))}


def _params(params: Any) -> tuple[float, str, int]:
    if not isinstance(params, Mapping):
        raise BadParameterError("params", type(params).__name__,
                                "a dict of the exercise parameters", zh="练习参数")
    missing = [k for k in ("total_budget_cny", "product", "presale_start_day") if k not in params]
    if missing:
        raise BadParameterError("params", sorted(params),
                                f"a dict with the keys {missing} too", zh="练习参数")
    total = params["total_budget_cny"]
    if isinstance(total, bool) or not isinstance(total, Real) or not total > 0:
        raise BadParameterError("total_budget_cny", total, "a positive number of CNY",
                                zh="推广总预算")
    day = params["presale_start_day"]
    if isinstance(day, bool) or not isinstance(day, int) or not 1 <= day <= 31:
        raise BadParameterError("presale_start_day", day, "a day of May, 1..31",
                                zh="预售期开始日")
    brief(params["product"])
    return float(total), params["product"], day


def calendar(params: Mapping[str, Any]) -> pd.DataFrame:
    """The student's 618 calendar: 预售期 from May ``presale_start_day`` to May 31.

    Parameters
    ----------
    params : Mapping
        The exercise parameters (``presale_start_day`` is used).

    Returns
    -------
    pandas.DataFrame
        :func:`casekit.campaign.calendar_618` for :data:`YEAR`: phase, start, end, days.
    """
    _, _, day = _params(params)
    return campaign.calendar_618(YEAR, phases={"预售期": (f"{YEAR}-05-{day:02d}", f"{YEAR}-05-31")})


def split_budget(total_budget_cny: float, shares: Mapping[str, float]) -> dict[str, float]:
    """Budget per phase from shares: ``budget_p = total × share_p / Σ shares``.

    Parameters
    ----------
    total_budget_cny : float
        The whole paid-media budget (CNY, > 0).
    shares : Mapping
        A non-negative share per phase of :data:`PHASES` (any scale; only ratios matter).

    Returns
    -------
    dict
        Phase → budget (CNY), in :data:`PHASES` order; the values add up to the total.

    Raises
    ------
    BadParameterError
        A phase is missing or unknown, a share is negative, or all shares are zero.
    """
    if set(shares) != set(PHASES):
        raise BadParameterError("shares", sorted(shares), f"one share for each of {list(PHASES)}",
                                zh="阶段占比")
    values = [float(shares[p]) for p in PHASES]
    if any(not math.isfinite(v) or v < 0 for v in values) or sum(values) <= 0:
        raise BadParameterError("shares", dict(shares),
                                "finite shares ≥ 0 with a positive sum", zh="阶段占比")
    whole = sum(values)
    return {p: float(total_budget_cny) * v / whole for p, v in zip(PHASES, values, strict=True)}


def forecast(phase_budgets: Mapping[str, float], params: Mapping[str, Any]) -> pd.DataFrame:
    """GMV forecast per phase for a budget split, with the brief's assumptions.

    visitors = organic per day × days + budget ÷ CPC; conversion = base × lift (预售期 and
    狂欢日 have their own lift, 狂欢日 its own CPC); GMV = :func:`casekit.funnel.gmv`.

    Parameters
    ----------
    phase_budgets : Mapping
        Phase → paid budget (CNY, ≥ 0) for each of :data:`PHASES`.
    params : Mapping
        The exercise parameters (product and presale start day are used).

    Returns
    -------
    pandas.DataFrame
        One row per phase: phase, days, budget_cny, cpc_cny, visitors, conversion_rate,
        aov_cny, gmv_cny, paid_gmv_cny (the part of the GMV the paid visitors bring, CNY),
        gmv_per_cny (GMV of one more CNY of paid budget, CNY).
    """
    _, product, _ = _params(params)
    b = brief(product)
    if set(phase_budgets) != set(PHASES):
        raise BadParameterError("phase_budgets", sorted(phase_budgets),
                                f"one budget for each of {list(PHASES)}", zh="阶段预算")
    budgets = {p: float(phase_budgets[p]) for p in PHASES}
    if any(not math.isfinite(v) or v < 0 for v in budgets.values()):
        raise BadParameterError("phase_budgets", budgets, "finite budgets ≥ 0 (CNY)",
                                zh="阶段预算")
    cal = calendar(params).set_index("phase")
    cpc = {p: b["peak_cpc_cny"] if p == "狂欢日" else b["cpc_cny"] for p in PHASES}
    lift = {p: 1.0 for p in PHASES}
    lift["预售期"], lift["狂欢日"] = b["presale_conversion_lift"], b["peak_conversion_lift"]
    out = pd.DataFrame({"phase": list(PHASES)})
    out["days"] = [int(cal.loc[p, "days"]) for p in PHASES]
    out["budget_cny"] = [budgets[p] for p in PHASES]
    out["cpc_cny"] = [cpc[p] for p in PHASES]
    out["visitors"] = ORGANIC_VISITORS_PER_DAY * out["days"] + out["budget_cny"] / out["cpc_cny"]
    out["conversion_rate"] = [b["conversion_rate"] * lift[p] for p in PHASES]
    out["aov_cny"] = b["aov_cny"]
    out["gmv_cny"] = funnel.gmv(out["visitors"], out["conversion_rate"], out["aov_cny"])
    out["paid_gmv_cny"] = funnel.gmv(out["budget_cny"] / out["cpc_cny"], out["conversion_rate"],
                                     out["aov_cny"])
    out["gmv_per_cny"] = out["conversion_rate"] * out["aov_cny"] / out["cpc_cny"]
    return out


def ruleset() -> compliance.RuleSet:
    """The bundled compliance rules with their dates moved from 2020 to :data:`YEAR`.

    Returns
    -------
    casekit.compliance.RuleSet
        Compiled rules for :func:`casekit.compliance.check_copy` (same months and days).
    """
    rules = data.load("compliance_rules").copy()
    for column in ("valid_from", "valid_to"):
        rules[column] = rules[column] + pd.DateOffset(years=YEAR - 2020)
    return compliance.compile_rules(rules)


# --- the template and its shape ------------------------------------------------------------


def template() -> dict[str, Any]:
    """An empty plan to fill in (a fresh copy each call).

    Returns
    -------
    dict
        ``goal_zh``, ``audience_zh``, ``budget_total_cny``, ``phases`` (four dicts with
        phase, budget_cny, focus_zh), ``copy_lines`` (two strings), ``kpis`` (visitors,
        conversion_rate, aov_cny, gmv_target_cny, roi_target); unfilled values are None or "".
    """
    return copy.deepcopy({
        "goal_zh": "",
        "audience_zh": "",
        "budget_total_cny": None,
        "phases": [{"phase": p, "budget_cny": None, "focus_zh": ""} for p in PHASES],
        "copy_lines": ["", ""],
        "kpis": {k: None for k in KPI_KEYS},
    })


def validate_plan(plan: Any) -> dict[str, Any]:
    """Check that a plan has the template's shape (not whether its content is right).

    Parameters
    ----------
    plan : Any
        A plan like :func:`template` returns, filled in.

    Returns
    -------
    dict
        The same plan.

    Raises
    ------
    PlanError
        The plan is not a dict, or a key is missing or holds the wrong type; the message
        says which key and what it should hold (in Chinese and English).
    """
    if not isinstance(plan, Mapping):
        raise PlanError("方案应是一个字典（从 plan.template() 开始填写），"
                        f"现在是 {type(plan).__name__}"
                        " / the plan must be a dict from plan.template()")
    missing = [k for k in template() if k not in plan]
    if missing:
        raise PlanError(f"方案缺少这些键：{missing}；请在 plan.template() 的基础上填写"
                        f" / the plan lacks the keys {missing}")
    phases = plan["phases"]
    if not isinstance(phases, list) or not all(isinstance(p, Mapping) for p in phases):
        raise PlanError("phases 应是一个列表，每个阶段一个字典（phase、budget_cny、focus_zh）"
                        " / phases must be a list of dicts")
    if not isinstance(plan["copy_lines"], list):
        raise PlanError("copy_lines 应是一个列表，放两条文案字符串 / copy_lines must be a list")
    if not isinstance(plan["kpis"], Mapping):
        raise PlanError("kpis 应是一个字典（visitors、conversion_rate、aov_cny、gmv_target_cny、"
                        "roi_target） / kpis must be a dict")
    return plan  # type: ignore[return-value]


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, Real):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _crit(cid: str, ok: bool, points: float, good: str, bad: str) -> dict[str, Any]:
    return {"id": cid, "ok": bool(ok), "points": float(points), "zh": good if ok else bad}


def _guard(ids_points: list[tuple[str, float]], plan: Any) -> list[dict[str, Any]] | None:
    """Failing criteria when the plan's shape is wrong, else None."""
    try:
        validate_plan(plan)
    except PlanError as err:
        return [_crit(cid, False, pts, "", f"无法检查：{err.message}") for cid, pts in ids_points]
    return None


def _text(value: Any, min_chars: int = 4) -> bool:
    return isinstance(value, str) and len(value.strip()) >= min_chars


# --- the checks (grader signature: fn(plan, params) -> list[criterion]) --------------------


def check_outline(plan: Any, params: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Goal and audience written; the four 618 phases present in order, each with a focus.

    Parameters
    ----------
    plan : Any
        The student's plan (see :func:`template`).
    params : Mapping
        The exercise parameters.

    Returns
    -------
    list of dict
        Criteria ``goal_audience`` (1 point), ``four_phases`` (1), ``phase_focus`` (1).
    """
    _params(params)
    ids = [("goal_audience", 1.0), ("four_phases", 1.0), ("phase_focus", 1.0)]
    bad = _guard(ids, plan)
    if bad:
        return bad
    names = [p.get("phase") for p in plan["phases"]]
    in_order = names == list(PHASES)
    focus_ok = in_order and all(_text(p.get("focus_zh")) for p in plan["phases"])
    return [
        _crit("goal_audience", _text(plan["goal_zh"]) and _text(plan["audience_zh"]), 1,
              "目标和人群都写了。", "goal_zh 和 audience_zh 各写一两句话（至少 4 个字）。"),
        _crit("four_phases", in_order, 1, "四个阶段齐全，顺序正确。",
              f"phases 应按顺序包含 {'、'.join(PHASES)} 四个阶段，现在是 {names}。"),
        _crit("phase_focus", focus_ok, 1, "每个阶段都写了重点。",
              "每个阶段的 focus_zh 都要写这一阶段做什么（至少 4 个字）。"),
    ]


def check_budget(plan: Any, params: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The phase budgets add up to the student's total and none is negative.

    Parameters
    ----------
    plan : Any
        The student's plan (see :func:`template`).
    params : Mapping
        The exercise parameters (``total_budget_cny`` is the total to match, CNY).

    Returns
    -------
    list of dict
        Criteria ``total_matches`` (2 points: ``budget_total_cny`` equals the parameter and
        the phase budgets add up to it within 1 CNY) and ``non_negative`` (1).
    """
    total, _, _ = _params(params)
    ids = [("total_matches", 2.0), ("non_negative", 1.0)]
    bad = _guard(ids, plan)
    if bad:
        return bad
    budgets = [_number(p.get("budget_cny")) for p in plan["phases"]]
    numeric = len(budgets) == len(PHASES) and all(b is not None for b in budgets)
    stated = _number(plan["budget_total_cny"])
    adds_up = (numeric and stated is not None and abs(stated - total) <= BUDGET_TOL_CNY
               and abs(sum(budgets) - total) <= BUDGET_TOL_CNY)
    if not numeric:
        why = "每个阶段的 budget_cny 都要填一个数字（元），共四个阶段。"
    elif stated is None or abs(stated - total) > BUDGET_TOL_CNY:
        why = "budget_total_cny 应等于你的参数 total_budget_cny。"
    else:
        why = (f"四个阶段的预算之和是 {sum(budgets):,.0f} 元，"
               f"应等于你的总预算 {total:,.0f} 元（误差不超过 1 元）。")
    return [
        _crit("total_matches", adds_up, 2, "各阶段预算之和等于总预算。", why),
        _crit("non_negative", numeric and all(b >= 0 for b in budgets), 1,
              "没有负数预算。", "阶段预算不能是负数，也不能空着。"),
    ]


def check_copy(plan: Any, params: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Two different copy lines, both publishable under the compliance checker.

    Each line is checked with :func:`casekit.compliance.check_copy` (rules of :func:`ruleset`,
    on :data:`RUN_DAY`, the product's type) and must pass
    :func:`casekit.compliance.is_publishable`.

    Parameters
    ----------
    plan : Any
        The student's plan (see :func:`template`).
    params : Mapping
        The exercise parameters (``product`` gives the product type).

    Returns
    -------
    list of dict
        Criteria ``two_lines`` (1 point: two different non-empty lines) and
        ``publishable`` (2: both pass; the message names the blocking words).
    """
    _, product, _ = _params(params)
    ids = [("two_lines", 1.0), ("publishable", 2.0)]
    bad = _guard(ids, plan)
    if bad:
        return bad
    lines = plan["copy_lines"]
    two = (len(lines) == 2 and all(_text(x) for x in lines)
           and lines[0].strip() != lines[1].strip())
    blocked: list[str] = []
    if two:
        rules, ptype = ruleset(), brief(product)["product_type"]
        for line in lines:
            found = compliance.check_copy(line, rules=rules, on_date=RUN_DAY, product_type=ptype)
            if not compliance.is_publishable(found):
                hits = found[found["severity"].isin(compliance.BLOCKING_SEVERITIES)]
                blocked += [str(t) for t in hits["text"]]
    why_pub = ("先写好两条不同的文案。" if not two
               else f"还不能发布，请改掉：{'、'.join(dict.fromkeys(blocked))}。")
    return [
        _crit("two_lines", two, 1, "两条文案都写了，且不相同。",
              "copy_lines 要放两条不同的文案（字符串，各至少 4 个字）。"),
        _crit("publishable", two and not blocked, 2,
              "两条文案都通过了合规检查，可以发布。", why_pub),
    ]


def check_kpis(plan: Any, params: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The KPI arithmetic holds and the visitors are reachable with the plan's budgets.

    Parameters
    ----------
    plan : Any
        The student's plan (see :func:`template`).
    params : Mapping
        The exercise parameters.

    Returns
    -------
    list of dict
        Criteria ``kpi_form`` (1 point: five positive numbers, conversion rate a fraction
        below 1), ``gmv_identity`` (1: GMV target = visitors × conversion rate × AOV within
        1 %), ``roi_identity`` (1: ROI target = (paid GMV − total budget) ÷ total budget
        within 1 %, at least 0.01, the paid GMV from :func:`forecast` of the phase budgets)
        and ``reachable`` (1: visitors no more than the phase budgets and organic traffic
        bring in :func:`forecast`, + 1 %).
    """
    total, _, _ = _params(params)
    ids = [("kpi_form", 1.0), ("gmv_identity", 1.0), ("roi_identity", 1.0), ("reachable", 1.0)]
    bad = _guard(ids, plan)
    if bad:
        return bad
    k = {key: _number(plan["kpis"].get(key)) for key in KPI_KEYS}
    form = (all(v is not None for v in k.values())
            and all(k[key] > 0 for key in ("visitors", "aov_cny", "gmv_target_cny"))
            and 0 < k["conversion_rate"] < 1)
    if not form:
        return [
            _crit("kpi_form", False, 1, "",
                  "kpis 的五项都要填数字；visitors、aov_cny、gmv_target_cny 大于 0，"
                  "conversion_rate 是小于 1 的小数（3% 写成 0.03）。"),
            *(_crit(cid, False, pts, "", "先把 kpis 的五项填成合理的数字。")
              for cid, pts in ids[1:]),
        ]
    product_gmv = k["visitors"] * k["conversion_rate"] * k["aov_cny"]
    gmv_ok = abs(k["gmv_target_cny"] - product_gmv) <= REL_TOL * product_gmv
    budgets = [_number(p.get("budget_cny")) for p in plan["phases"]]
    names = [p.get("phase") for p in plan["phases"]]
    can_model = names == list(PHASES) and all(b is not None and b >= 0 for b in budgets)
    if can_model:
        model = forecast(dict(zip(PHASES, budgets, strict=True)), params)
        reach = float(model["visitors"].sum())
        reach_ok = k["visitors"] <= reach * (1 + REL_TOL)
        why_reach = (f"按你的阶段预算和自然流量，模型最多带来约 {reach:,.0f} 位访客，"
                     "你的 visitors 目标超出了它；降低目标或说明额外的流量来源。")
        roi = float(funnel.roi(float(model["paid_gmv_cny"].sum()), total))
        roi_ok = abs(k["roi_target"] - roi) <= max(REL_TOL * abs(roi), 0.01)
    else:
        reach_ok = roi_ok = False
        why_reach = "阶段预算还不完整，无法估算能带来多少访客。"
    return [
        _crit("kpi_form", True, 1, "KPI 五项都是合理的数字。", ""),
        _crit("gmv_identity", gmv_ok, 1, "GMV 目标 = 访客 × 转化率 × 客单价，算得对。",
              "GMV 目标应等于 visitors × conversion_rate × aov_cny（误差 1% 以内）。"),
        _crit("roi_identity", roi_ok, 1, "ROI 目标与你的预算和预测一致。",
              "roi_target 应等于 (付费带来的 GMV − 总预算) ÷ 总预算（funnel.roi），付费 GMV 是"
              " plan.forecast 对你的阶段预算算出的 paid_gmv_cny 之和；自然流量的成交不算给广告，"
              "ROI 也不是投产比 ROAS。"),
        _crit("reachable", reach_ok, 1, "访客目标在你的预算能带来的范围内。", why_reach),
    ]


CHECKS: dict[str, Callable[[Any, Mapping[str, Any]], list[dict[str, Any]]]] = {
    "outline": check_outline,
    "budget": check_budget,
    "copy": check_copy,
    "kpis": check_kpis,
}


def self_check(plan: Any, params: Mapping[str, Any], parts: tuple[str, ...] | None = None) -> None:
    """Print a ✓/✗ line per criterion of the chosen checks (the student's self-check).

    Parameters
    ----------
    plan : Any
        The student's plan; ``None`` prints "not answered yet".
    params : Mapping
        The exercise parameters.
    parts : tuple of str or None
        Keys of :data:`CHECKS` to run (default: all, in order).

    Returns
    -------
    None
        Prints only; a malformed plan gives ✗ lines with the reason, never an exception.
    """
    if plan is None:
        print("… 方案尚未填写 / the plan is not filled in yet.")
        return None
    for name in parts or tuple(CHECKS):
        for c in CHECKS[name](plan, params):
            mark = "✓" if c["ok"] else "✗"
            print(f"{mark} {name}·{c['id']}（{c['points']:g} 分）：{c['zh']}")
    return None


def render_md(plan: Mapping[str, Any]) -> str:
    """The plan as a one-page Markdown summary (for :func:`casekit.nb.md`).

    Parameters
    ----------
    plan : Mapping
        A plan with the template's shape (see :func:`validate_plan`).

    Returns
    -------
    str
        Markdown: goal, audience, a phase table (budget in CNY), the copy lines and KPIs.
    """
    validate_plan(plan)
    rows = "\n".join(
        f"| {p.get('phase', '')} | {_cny(p.get('budget_cny'))} | {p.get('focus_zh', '')} |"
        for p in plan["phases"]
    )
    k = plan["kpis"]
    rate = _number(k.get("conversion_rate"))
    roi = _number(k.get("roi_target"))
    copies = "\n".join(f"{i}. “{line}”" for i, line in enumerate(plan["copy_lines"], 1))
    return (
        f"**目标**：{plan['goal_zh']}\n\n**人群**：{plan['audience_zh']}\n\n"
        f"**推广总预算**：{_cny(plan['budget_total_cny'])}\n\n"
        f"| 阶段 | 预算 | 重点 |\n|---|---|---|\n{rows}\n\n**文案**：\n\n{copies}\n\n"
        f"**KPI**：访客 {_int(k.get('visitors'))}，转化率 "
        f"{'—' if rate is None else f'{rate:.1%}'}，客单价 {_cny(k.get('aov_cny'))}，"
        f"GMV 目标 {_cny(k.get('gmv_target_cny'))}，"
        f"ROI 目标 {'—' if roi is None else f'{roi:.2f}'}。"
    )


def _cny(value: Any) -> str:
    v = _number(value)
    return "—" if v is None else f"{v:,.0f} 元"


def _int(value: Any) -> str:
    v = _number(value)
    return "—" if v is None else f"{v:,.0f}"
