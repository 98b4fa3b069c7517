"""Paid traffic (付费流量): keyword auctions, budgets and pacing, billing models, click risk.

These are *simplified teaching models* of Tmall/Taobao advertising, not the platform's exact
current rules (sources R-ztc-pricing and R-zuanzhan-cpm in docs/sources.md):

- 直通车 (keyword ads, now 关键词推广): a generalised second-price (GSP) auction that ranks ads
  by bid × quality score (质量分) and charges the price quoted in the platform's help text:
  next advertiser's bid × next quality score / own quality score + 0.01 CNY, never above
  one's own bid.
- 钻展 / 引力魔方 (display ads): billed per thousand impressions (CPM) or per click (CPC);
  compare them through eCPM and the break-even click-through rate.
- Daily budget caps (日限额) with standard delivery (标准投放: buy traffic as it comes) or even
  pacing (匀速投放, 智能化均匀投放: spread the budget over the day).

All money is in CNY (元), rates are proportions (3% is 0.03), hours are Beijing time.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from casekit._checks import (
    TZ,
    choice,
    number,
    rate,
    require_columns,
    require_frame,
    require_numeric_column,
    to_shanghai,
)
from casekit.errors import BadParameterError, SchemaViolationError

__all__ = [
    "DEFAULT_CTR_DECAY",
    "DEFAULT_TOP_CTR",
    "MIN_CPC_CNY",
    "PRICE_INCREMENT_CNY",
    "PacingSummary",
    "actual_cpc",
    "break_even_bid",
    "break_even_ctr",
    "break_even_roas",
    "compare_billing",
    "cpc_cost",
    "cpm_cost",
    "default_ctr_curve",
    "ecpm",
    "flag_suspicious_clicks",
    "keyword_auction",
    "pacing_summary",
    "roas",
    "simulate_day",
    "target_roas_bid",
]

#: Reserve price (底价) in CNY per click: the minimum bid, and what the lowest-ranked ad pays.
MIN_CPC_CNY = 0.05
#: The 0.01 CNY (一分钱) added on top of the price that keeps an ad above the next one.
PRICE_INCREMENT_CNY = 0.01
#: Illustrative CTR of ad position 1 in the default position curve.
DEFAULT_TOP_CTR = 0.05
#: Each lower position keeps this share of the CTR of the position above it.
DEFAULT_CTR_DECAY = 0.75

HOURS = 24
_AUCTION_ZH = {"advertiser": "广告主", "bid_cny": "出价", "quality_score": "质量分"}


# --------------------------------------------------------------------------------------------
# 直通车 keyword auction
# --------------------------------------------------------------------------------------------


def default_ctr_curve(
    slots: int, *, top_ctr: float = DEFAULT_TOP_CTR, decay: float = DEFAULT_CTR_DECAY
) -> np.ndarray:
    """Position click-through curve: ``ctr[p] = top_ctr × decay ** (p − 1)`` for p = 1..slots.

    An illustrative geometric decay (5%, 3.75%, 2.81%, … by default), not platform data:
    real curves depend on device, page layout and category.

    Parameters
    ----------
    slots : int
        Number of ad slots (展示位) on the results page.
    top_ctr : float, optional
        CTR of the first slot, a proportion.
    decay : float, optional
        Share of the previous slot's CTR each lower slot keeps, a proportion.

    Returns
    -------
    numpy.ndarray
        CTR of each slot, proportions, best slot first.
    """
    slots = int(number(slots, "slots", zh="展示位数", minimum=1, integer=True))
    top_ctr = rate(top_ctr, "top_ctr", zh="首位点击率")
    decay = rate(decay, "decay", zh="逐位衰减")
    return top_ctr * decay ** np.arange(slots, dtype="float64")


def _gsp_prices(
    bids_cny: np.ndarray,
    quality: np.ndarray,
    *,
    reserve_cpc_cny: float,
    increment_cny: float,
) -> np.ndarray:
    """Actual CPC of ads already sorted by ad rank (best first); see :func:`actual_cpc`."""
    with np.errstate(over="ignore"):  # an infinite rank price is capped at the bid below
        next_rank = np.append(bids_cny[1:] * quality[1:], np.nan)
        price = next_rank / quality + increment_cny
    price = np.where(np.isnan(price), reserve_cpc_cny, np.maximum(price, reserve_cpc_cny))
    return np.minimum(price, bids_cny)


def actual_cpc(
    *,
    own_bid_cny: float,
    own_quality_score: float,
    next_bid_cny: float | None,
    next_quality_score: float | None,
    reserve_cpc_cny: float = MIN_CPC_CNY,
    increment_cny: float = PRICE_INCREMENT_CNY,
) -> float:
    """Price per click (实际扣费) of one ad in the GSP keyword auction, in CNY.

    ``min(own_bid, max(reserve, next_bid × next_quality / own_quality + increment))``.
    The ad ranked last has no one below it (pass ``None`` for both ``next_*``) and pays the
    reserve price, still capped at its own bid. The result is not rounded to 分 (0.01 CNY).

    Every argument is keyword-only, so own and next cannot be swapped silently; the next ad
    must rank below this one (``next_bid × next_quality ≤ own_bid × own_quality``).

    Example: own bid 2.00, quality 8; next bid 1.80, quality 7 →
    1.80 × 7 / 8 + 0.01 = 1.585 CNY.

    Parameters
    ----------
    own_bid_cny : float
        This ad's bid per click, CNY (at least ``reserve_cpc_cny``).
    own_quality_score : float
        This ad's quality score (质量分), > 0.
    next_bid_cny : float or None
        Bid of the ad ranked just below, CNY; None for the last-ranked ad.
    next_quality_score : float or None
        Quality score of the ad ranked just below; None together with ``next_bid_cny``.
    reserve_cpc_cny : float
        Reserve price per click (底价), CNY.
    increment_cny : float
        Price step added to the next ad's rank price, CNY.

    Returns
    -------
    float
        The actual price per click, CNY.
    """
    own_bid = number(own_bid_cny, "own_bid_cny", zh="自己的出价", minimum=0)
    own_q = number(own_quality_score, "own_quality_score", zh="自己的质量分", minimum=0,
                   strict_min=True)
    reserve = number(reserve_cpc_cny, "reserve_cpc_cny", zh="底价", minimum=0)
    inc = number(increment_cny, "increment_cny", zh="加价", minimum=0)
    if own_bid < reserve:
        raise BadParameterError(
            "own_bid_cny", own_bid_cny,
            f"a bid >= the reserve price {reserve} CNY (bids below it do not enter the auction)",
            zh="自己的出价",
        )
    if (next_bid_cny is None) != (next_quality_score is None):
        raise BadParameterError(
            "next_quality_score", next_quality_score,
            "None together with next_bid_cny (last-ranked ad) or a number for both",
            zh="下一名质量分",
        )
    if next_bid_cny is None:
        return float(min(own_bid, reserve))
    nb = number(next_bid_cny, "next_bid_cny", zh="下一名出价", minimum=0)
    nq = number(next_quality_score, "next_quality_score", zh="下一名质量分", minimum=0,
                strict_min=True)
    if nb * nq > own_bid * own_q * (1 + 1e-12):
        raise BadParameterError(
            "next_bid_cny", next_bid_cny,
            f"the bid of the ad ranked below yours: its ad rank {nb:g} × {nq:g} = {nb * nq:g} "
            f"is above your own {own_bid:g} × {own_q:g} = {own_bid * own_q:g} "
            f"(did you swap own_* and next_*?)",
            zh="下一名出价",
        )
    price = _gsp_prices(
        np.array([own_bid, nb]), np.array([own_q, nq]),
        reserve_cpc_cny=reserve, increment_cny=inc,
    )
    return float(price[0])


def keyword_auction(
    bids: pd.DataFrame,
    *,
    slots: int = 10,
    ctr_curve: Sequence[float] | np.ndarray | None = None,
    search_volume: float = 1000,
    reserve_cpc_cny: float = MIN_CPC_CNY,
    increment_cny: float = PRICE_INCREMENT_CNY,
    advertiser_col: str = "advertiser",
    bid_col: str = "bid_cny",
    quality_col: str = "quality_score",
) -> pd.DataFrame:
    """Run one 直通车 keyword auction (generalised second price) and its expected outcome.

    - Ad rank (综合排名分) = bid_cny × quality_score. Ties are broken by the higher quality
      score, then by advertiser name (ascending, as text), so the order is deterministic.
    - Bids below ``reserve_cpc_cny`` (the minimum bid) do not enter (status ``below_reserve``).
    - Each entered ad pays ``actual_cpc`` against the next-ranked entered ad (even if that
      one gets no position); the last one pays the reserve price; never above its own bid.
    - The top ``slots`` ads get positions 1..slots; the rest are ``below_slots``.
    - In this single-auction model every shown ad appears on every search, so
      impression_share (展现份额, share of the keyword's searches showing the ad) is 1 or 0;
      expected_impressions = search_volume × impression_share;
      expected_clicks = search_volume × ctr[position];
      expected_cost_cny = expected_clicks × actual_cpc_cny.

    ``ctr_curve`` gives the CTR of positions 1, 2, … (at least ``slots`` values); default
    :func:`default_ctr_curve`. ``search_volume`` is the number of searches of the keyword.
    Returns one row per advertiser, sorted by rank (shown ads first, by position).

    Parameters
    ----------
    bids : pandas.DataFrame
        One row per advertiser: advertiser name, bid (CNY per click) and quality score.
    slots : int, optional
        Number of ad slots (展示位) on the results page.
    ctr_curve : sequence of float or None
        CTR of each slot (proportions); None uses :func:`default_ctr_curve`.
    search_volume : float, optional
        Searches of the keyword in the period, >= 0.
    reserve_cpc_cny : float, optional
        Reserve price per click (底价), CNY.
    increment_cny : float, optional
        Price step added to the next ad's rank price, CNY.
    advertiser_col : str, optional
        Column of advertiser names.
    bid_col : str, optional
        Column of bids, CNY per click.
    quality_col : str, optional
        Column of quality scores (质量分), > 0.

    Returns
    -------
    pandas.DataFrame
        One row per advertiser, by ad rank: position, status, actual_cpc_cny (CNY), ctr,
        expected clicks and cost (CNY).
    """
    what = "the bids table (出价表)"
    df = require_frame(bids, what)
    zh = {advertiser_col: "广告主", bid_col: "出价", quality_col: "质量分"}
    require_columns(df, (advertiser_col, bid_col, quality_col), what=what, zh=zh)
    bid = require_numeric_column(df, bid_col, zh="出价", what=what).to_numpy()
    quality = require_numeric_column(df, quality_col, zh="质量分", what=what).to_numpy()
    if (quality <= 0).any():
        raise SchemaViolationError(
            f"column {quality_col!r} (质量分) of {what} has value {quality[quality <= 0][0]!r}; "
            f"expected a quality score > 0 (typically 1–10)",
            column=quality_col,
        )
    names = df[advertiser_col]
    if names.isna().any():
        raise SchemaViolationError(
            f"column {advertiser_col!r} (广告主) of {what} has missing values",
            column=advertiser_col,
        )
    if names.duplicated().any():
        raise SchemaViolationError(
            f"column {advertiser_col!r} (广告主) of {what} repeats "
            f"{names[names.duplicated()].iloc[0]!r}; one bid per advertiser per keyword",
            column=advertiser_col,
        )
    slots = int(number(slots, "slots", zh="展示位数", minimum=1, integer=True))
    volume = number(search_volume, "search_volume", zh="搜索量", minimum=0)
    reserve = number(reserve_cpc_cny, "reserve_cpc_cny", zh="底价", minimum=0)
    inc = number(increment_cny, "increment_cny", zh="加价", minimum=0)
    curve = _ctr_curve(ctr_curve, slots)

    out = pd.DataFrame(
        {
            advertiser_col: names.to_numpy(),
            bid_col: bid,
            quality_col: quality,
            "ad_rank": bid * quality,
        }
    )
    out["_name"] = out[advertiser_col].astype(str)
    out["_entered"] = bid >= reserve
    out = out.sort_values(
        ["_entered", "ad_rank", quality_col, "_name"],
        ascending=[False, False, False, True],
        kind="stable",
    ).reset_index(drop=True)
    entered = out["_entered"].to_numpy()
    n_entered = int(entered.sum())
    rank = np.arange(1, len(out) + 1)
    shown = entered & (rank <= slots)

    price = np.full(len(out), np.nan)
    price[:n_entered] = _gsp_prices(
        out[bid_col].to_numpy()[:n_entered],
        out[quality_col].to_numpy()[:n_entered],
        reserve_cpc_cny=reserve,
        increment_cny=inc,
    )
    ctr = np.zeros(len(out))
    ctr[shown] = curve[rank[shown] - 1]
    out["rank"] = pd.array(np.where(entered, rank, 0), dtype="Int64")
    out.loc[~entered, "rank"] = pd.NA
    out["position"] = pd.array(np.where(shown, rank, 0), dtype="Int64")
    out.loc[~shown, "position"] = pd.NA
    out["status"] = np.where(shown, "shown", np.where(entered, "below_slots", "below_reserve"))
    out["actual_cpc_cny"] = np.where(shown, price, np.nan)
    out["ctr"] = ctr
    out["impression_share"] = shown.astype("float64")
    out["expected_impressions"] = volume * out["impression_share"]
    out["expected_clicks"] = volume * ctr
    out["expected_cost_cny"] = np.where(shown, out["expected_clicks"] * price, 0.0)
    return out.drop(columns=["_name", "_entered"])


def _ctr_curve(ctr_curve: Any, slots: int) -> np.ndarray:
    if ctr_curve is None:
        return default_ctr_curve(slots)
    if isinstance(ctr_curve, str) or not isinstance(ctr_curve, Sequence | np.ndarray | pd.Series):
        raise BadParameterError("ctr_curve", ctr_curve, "a sequence of CTRs by position",
                                zh="位置点击率曲线")
    values = [rate(v, f"ctr_curve[{i}]", zh="位置点击率") for i, v in enumerate(ctr_curve)]
    if len(values) < slots:
        raise BadParameterError(
            "ctr_curve", ctr_curve, f"at least {slots} CTRs (one per slot)", zh="位置点击率曲线"
        )
    return np.asarray(values[:slots], dtype="float64")


# --------------------------------------------------------------------------------------------
# Daily budget and pacing
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PacingSummary:
    """Outcome of one simulated day: see :func:`pacing_summary`."""

    exhausted_hour: int | None
    clicks: float
    clicks_lost: float
    cost_cny: float
    lost_share: float


def _hourly(values: Any, name: str, zh: str) -> np.ndarray:
    """24 non-negative finite numbers for hours 0..23 (Series indexed by hour is reordered)."""
    if isinstance(values, pd.Series):
        idx = values.index
        if len(values) != HOURS or sorted(idx.tolist()) != list(range(HOURS)):
            raise BadParameterError(name, f"Series indexed {list(idx)[:5]}…",
                                    "24 values indexed by hour 0..23", zh=zh)
        values = values.sort_index()
    if isinstance(values, str | bytes) or not isinstance(
        values, Sequence | np.ndarray | pd.Series
    ):
        raise BadParameterError(name, values, "24 numbers, one per hour 0..23", zh=zh)
    if len(values) != HOURS:
        raise BadParameterError(name, f"{len(values)} values", "24 values, one per hour 0..23",
                                zh=zh)
    return np.array(
        [number(v, f"{name}[{h}]", zh=zh, minimum=0) for h, v in enumerate(values)],
        dtype="float64",
    )


def simulate_day(
    hourly_clicks: Sequence[float] | np.ndarray | pd.Series,
    cpc_cny: float | Sequence[float] | np.ndarray | pd.Series,
    daily_budget_cny: float,
    *,
    pacing: str = "even",
    ctr: float | None = None,
) -> pd.DataFrame:
    """Spend a daily budget (日限额) over 24 Beijing hours under a pacing rule.

    ``hourly_clicks`` are the clicks the ad would get each hour 0..23 without a budget cap
    (expected, may be fractional); with ``ctr`` given they are read as impressions and
    converted as impressions × ctr. ``cpc_cny`` is one price or 24 hourly prices (> 0).

    - ``"standard"`` (标准投放, standard delivery): buy every click as it comes until the
      budget is gone; cumulative cost = min(Σ demand × cpc so far, budget). Evening traffic
      is lost. ``"accelerated"`` is accepted as an older name for it.
    - ``"even"`` (匀速投放, even pacing): throttle every hour by the same factor
      f = min(1, budget / Σ_h demand_h × cpc_h), so clicks_h = f × demand_h and the budget
      lasts until the last hour with traffic.

    Columns: hour, demand_clicks, clicks, clicks_lost, cost_cny, cumulative_cost_cny,
    budget_exhausted (True from the hour in which spend reaches the budget).

    Parameters
    ----------
    hourly_clicks : sequence of float
        24 expected clicks (or impressions with ``ctr``), hours 0–23 Beijing time.
    cpc_cny : float or sequence of float
        One price per click, or 24 hourly prices, CNY (> 0).
    daily_budget_cny : float
        Daily budget cap (日限额), CNY.
    pacing : str, optional
        ``'even'`` (匀速投放, the default), ``'standard'`` (标准投放: spends as traffic
        comes) or ``'accelerated'`` (older name for ``'standard'``).
    ctr : float or None
        If given, ``hourly_clicks`` are impressions and clicks = impressions × ctr.

    Returns
    -------
    pandas.DataFrame
        24 rows: hour, demand_clicks, clicks, clicks_lost, cost_cny, cumulative_cost_cny
        (CNY), budget_exhausted.
    """
    pacing = choice(pacing, "pacing", ("even", "standard", "accelerated"), zh="投放方式")
    demand = _hourly(hourly_clicks, "hourly_clicks", "每小时点击量")
    if ctr is not None:
        demand = demand * rate(ctr, "ctr", zh="点击率")
    if isinstance(cpc_cny, Sequence | np.ndarray | pd.Series) and not isinstance(cpc_cny, str):
        cpc = _hourly(cpc_cny, "cpc_cny", "点击单价")
        if (cpc <= 0).any():
            raise BadParameterError("cpc_cny", cpc_cny, "prices > 0 CNY in every hour",
                                    zh="点击单价")
    else:
        cpc = np.full(HOURS, number(cpc_cny, "cpc_cny", zh="点击单价", minimum=0,
                                    strict_min=True))
    budget = number(daily_budget_cny, "daily_budget_cny", zh="日限额", minimum=0)

    with np.errstate(over="ignore"):  # an overflow is reported just below
        demand_cost = demand * cpc
        total = float(demand_cost.sum())
    if not math.isfinite(total):
        raise BadParameterError(
            "hourly_clicks", "clicks × cpc_cny beyond the float range",
            "a day's cost (clicks × price) that fits in a float; check the units",
            zh="每小时点击量",
        )
    if pacing in ("standard", "accelerated"):
        cumulative = np.minimum(np.cumsum(demand_cost), budget)
        cost = np.diff(cumulative, prepend=0.0)
        clicks = np.minimum(cost / cpc, demand)
    else:
        factor = 1.0 if total <= budget else budget / total
        clicks = factor * demand
        cost = clicks * cpc
        cumulative = np.minimum(np.cumsum(cost), budget)
    # exhausted once spend reaches the budget (within float error) while demand is unmet
    tolerance = 1e-12 * max(budget, 1.0)
    exhausted = (cumulative >= budget - tolerance) & (total >= budget - tolerance)
    return pd.DataFrame(
        {
            "hour": np.arange(HOURS),
            "demand_clicks": demand,
            "clicks": clicks,
            "clicks_lost": np.maximum(demand - clicks, 0.0),
            "cost_cny": cost,
            "cumulative_cost_cny": cumulative,
            "budget_exhausted": exhausted,
        }
    )


def pacing_summary(hourly: pd.DataFrame) -> PacingSummary:
    """Summarise a :func:`simulate_day` table.

    exhausted_hour is the first hour (0–23, Beijing) in which spend reached the budget, or
    None; lost_share = clicks_lost / demand_clicks (0 when there was no demand).

    Parameters
    ----------
    hourly : pandas.DataFrame
        A :func:`simulate_day` table: hour, demand_clicks, clicks, clicks_lost, cost_cny
        (CNY), budget_exhausted.

    Returns
    -------
    PacingSummary
        Exhausted hour, clicks, clicks lost, cost (CNY) and lost share (proportion).
    """
    what = "the hourly table (分时表)"
    df = require_frame(hourly, what)
    cols = ("hour", "demand_clicks", "clicks", "clicks_lost", "cost_cny", "budget_exhausted")
    require_columns(df, cols, what=what)
    zh = {"hour": "小时", "demand_clicks": "需求点击", "clicks": "点击", "clicks_lost": "损失点击",
          "cost_cny": "花费"}
    num = {c: require_numeric_column(df, c, zh=zh[c], what=what) for c in zh}
    exhausted = _bool_column(df, "budget_exhausted", what, zh="预算耗尽")
    hours = num["hour"][exhausted]
    demand = _finite_sum(num["demand_clicks"], "demand_clicks", what)
    lost = _finite_sum(num["clicks_lost"], "clicks_lost", what)
    return PacingSummary(
        exhausted_hour=int(hours.min()) if len(hours) else None,
        clicks=_finite_sum(num["clicks"], "clicks", what),
        clicks_lost=lost,
        cost_cny=_finite_sum(num["cost_cny"], "cost_cny", what),
        lost_share=lost / demand if demand > 0 else 0.0,
    )


def _finite_sum(values: pd.Series, column: str, what: str) -> float:
    with np.errstate(over="ignore"):  # an overflow is reported below, by column
        total = float(values.sum())
    if not np.isfinite(total):
        raise SchemaViolationError(
            f"column {column!r} of {what} sums beyond the float range; check its units",
            column=column,
        )
    return total


# --------------------------------------------------------------------------------------------
# Bids from unit economics
# --------------------------------------------------------------------------------------------


def _finite(value: float, function: str) -> float:
    """``value`` if it is a finite float, else a BadParameterError (an overflow to inf)."""
    if not math.isfinite(value):
        raise BadParameterError(
            function, value, "inputs whose result fits in a float (it overflowed); check the units"
        )
    return value


def break_even_bid(aov_cny: float, margin_rate: float, cvr: float) -> float:
    """Highest CPC (CNY) at which a click pays for itself: AOV × margin_rate × CVR.

    Derivation: one click brings cvr orders on average, each worth aov_cny of sales and
    aov_cny × margin_rate of gross profit (after product cost, before ads). Profit per click
    = cvr × aov_cny × margin_rate − cpc ≥ 0  ⇔  cpc ≤ aov_cny × margin_rate × cvr.
    Example: AOV 200, margin 30%, CVR 2% → 200 × 0.3 × 0.02 = 1.20 CNY.

    Parameters
    ----------
    aov_cny : float
        Average order value (客单价), CNY per paying order.
    margin_rate : float
        Gross margin (毛利率) as a proportion in [0, 1], before ad cost.
    cvr : float
        Conversion rate (转化率): orders per click, a proportion in [0, 1].

    Returns
    -------
    float
        Highest break-even price per click, CNY.
    """
    aov = number(aov_cny, "aov_cny", zh="客单价", minimum=0)
    margin = rate(margin_rate, "margin_rate", zh="毛利率")
    return _finite(aov * margin * rate(cvr, "cvr", zh="转化率"), "break_even_bid")


def target_roas_bid(aov_cny: float, cvr: float, target_roas: float) -> float:
    """Highest CPC (CNY) that still meets a target ROAS (投产比): AOV × CVR / target_roas.

    ROAS = ad revenue / ad cost = (cvr × aov_cny) / cpc per click, so ROAS ≥ target
    ⇔ cpc ≤ aov_cny × cvr / target_roas. With target_roas = 1 / margin_rate this is
    :func:`break_even_bid`. Example: AOV 200, CVR 2%, target 4 → 200 × 0.02 / 4 = 1.00 CNY.

    Parameters
    ----------
    aov_cny : float
        Average order value (客单价), CNY per paying order.
    cvr : float
        Conversion rate (转化率): orders per click, a proportion in [0, 1].
    target_roas : float
        Target ROAS (投产比), revenue per CNY of ad cost, > 0.

    Returns
    -------
    float
        Highest price per click that meets the target, CNY.
    """
    aov = number(aov_cny, "aov_cny", zh="客单价", minimum=0)
    c = rate(cvr, "cvr", zh="转化率")
    target = number(target_roas, "target_roas", zh="目标投产比", minimum=0, strict_min=True)
    return _finite(aov * c / target, "target_roas_bid")


def roas(revenue_cny: float, cost_cny: float) -> float:
    """Return on ad spend (投产比, ROAS) = attributed revenue / ad cost (a ratio, not %).

    Parameters
    ----------
    revenue_cny : float
        Revenue attributed to the ads (成交金额), CNY.
    cost_cny : float
        Ad cost (花费), CNY, > 0.

    Returns
    -------
    float
        ROAS, revenue per CNY of ad cost (a ratio, not %).
    """
    revenue = number(revenue_cny, "revenue_cny", zh="成交金额", minimum=0)
    cost = number(cost_cny, "cost_cny", zh="花费", minimum=0, strict_min=True)
    return _finite(revenue / cost, "roas")


def break_even_roas(margin_rate: float) -> float:
    """ROAS at which ads break even: 1 / margin_rate (30% margin → 3.33).

    Parameters
    ----------
    margin_rate : float
        Gross margin (毛利率) as a proportion in [0, 1], before ad cost.

    Returns
    -------
    float
        Break-even ROAS (revenue per CNY of ad cost).
    """
    margin = rate(margin_rate, "margin_rate", zh="毛利率")
    if margin == 0:
        raise BadParameterError("margin_rate", margin_rate, "a margin > 0", zh="毛利率")
    return _finite(1.0 / margin, "break_even_roas")


# --------------------------------------------------------------------------------------------
# Billing models: CPC vs CPM
# --------------------------------------------------------------------------------------------


def cpm_cost(impressions: float, cpm_cny: float) -> float:
    """Cost in CNY of impressions bought per mille (千次展现, CPM): impressions / 1000 × CPM.

    Parameters
    ----------
    impressions : float
        Number of impressions (展现量), >= 0.
    cpm_cny : float
        Price per 1000 impressions (千次展现价格), CNY.

    Returns
    -------
    float
        Cost, CNY.
    """
    imp = number(impressions, "impressions", zh="展现量", minimum=0)
    price = number(cpm_cny, "cpm_cny", zh="千次展现价格", minimum=0)
    return _finite(imp / 1000.0 * price, "cpm_cost")


def cpc_cost(clicks: float, cpc_cny: float) -> float:
    """Cost in CNY of clicks bought per click (CPC): clicks × CPC.

    Parameters
    ----------
    clicks : float
        Number of clicks (点击量), >= 0.
    cpc_cny : float
        Price per click (点击单价), CNY.

    Returns
    -------
    float
        Cost, CNY.
    """
    n = number(clicks, "clicks", zh="点击量", minimum=0)
    return _finite(n * number(cpc_cny, "cpc_cny", zh="点击单价", minimum=0), "cpc_cost")


def ecpm(cpc_cny: float, ctr: float) -> float:
    """Effective CPM (CNY per 1000 impressions) of a CPC ad: CPC × CTR × 1000.

    Parameters
    ----------
    cpc_cny : float
        Price per click (点击单价), CNY.
    ctr : float
        Click-through rate (点击率), a proportion in [0, 1].

    Returns
    -------
    float
        Effective price per 1000 impressions, CNY.
    """
    price = number(cpc_cny, "cpc_cny", zh="点击单价", minimum=0)
    return _finite(price * rate(ctr, "ctr", zh="点击率") * 1000.0, "ecpm")


def break_even_ctr(cpm_cny: float, cpc_cny: float) -> float:
    """CTR at which CPM and CPC billing cost the same: CPM / (CPC × 1000).

    Above it CPM is cheaper (the clicks come "free" with the impressions); below it CPC is.
    The value may exceed 1, meaning CPC is cheaper at any CTR.

    Parameters
    ----------
    cpm_cny : float
        Price per 1000 impressions (千次展现价格), CNY.
    cpc_cny : float
        Price per click (点击单价), CNY.

    Returns
    -------
    float
        CTR (proportion, may exceed 1) at which both billings cost the same.
    """
    cpm = number(cpm_cny, "cpm_cny", zh="千次展现价格", minimum=0)
    cpc = number(cpc_cny, "cpc_cny", zh="点击单价", minimum=0, strict_min=True)
    return _finite(cpm / (cpc * 1000.0), "break_even_ctr")


def compare_billing(
    cpm_cny: float,
    cpc_cny: float,
    *,
    ctr: float | Sequence[float] | np.ndarray = (0.002, 0.005, 0.01, 0.02, 0.03, 0.05),
    impressions: float = 100_000,
) -> pd.DataFrame:
    """Cost of the same impressions under CPM (钻展-style) and CPC billing, for several CTRs.

    Per CTR: clicks = impressions × ctr; cpm_cost_cny = impressions / 1000 × CPM;
    cpc_cost_cny = clicks × CPC; cpm_effective_cpc_cny = CPM / (1000 × ctr) (the price per
    click you effectively pay under CPM); cheaper ∈ {"CPM", "CPC", "equal"}. CPM is cheaper
    exactly when ctr > :func:`break_even_ctr`.

    Parameters
    ----------
    cpm_cny : float
        Price per 1000 impressions (千次展现价格), CNY.
    cpc_cny : float
        Price per click (点击单价), CNY.
    ctr : float or sequence of float, optional
        One or several CTRs (proportions in [0, 1]) to compare at.
    impressions : float, optional
        Number of impressions (展现量), >= 0.

    Returns
    -------
    pandas.DataFrame
        One row per CTR: clicks, costs under CPM and CPC (CNY) and which is cheaper.
    """
    cpm = number(cpm_cny, "cpm_cny", zh="千次展现价格", minimum=0)
    cpc = number(cpc_cny, "cpc_cny", zh="点击单价", minimum=0, strict_min=True)
    imp = number(impressions, "impressions", zh="展现量", minimum=0)
    if isinstance(ctr, Sequence | np.ndarray | pd.Series) and not isinstance(ctr, str):
        ctrs = np.array([rate(v, f"ctr[{i}]", zh="点击率") for i, v in enumerate(ctr)])
        if len(ctrs) == 0:
            raise BadParameterError("ctr", ctr, "at least one CTR", zh="点击率")
    else:
        ctrs = np.array([rate(ctr, "ctr", zh="点击率")])
    clicks = imp * ctrs
    cpm_total = np.full(len(ctrs), imp / 1000.0 * cpm)
    cpc_total = clicks * cpc
    with np.errstate(divide="ignore"):
        effective = np.where(ctrs > 0, cpm / (1000.0 * np.where(ctrs > 0, ctrs, 1.0)), np.inf)
    equal = np.isclose(cpm_total, cpc_total, rtol=1e-12, atol=1e-9)
    cheaper = np.where(equal, "equal", np.where(cpm_total < cpc_total, "CPM", "CPC"))
    return pd.DataFrame(
        {
            "ctr": ctrs,
            "impressions": imp,
            "clicks": clicks,
            "cpm_cost_cny": cpm_total,
            "cpc_cost_cny": cpc_total,
            "cpm_effective_cpc_cny": effective,
            "ecpm_of_cpc_cny": cpc * ctrs * 1000.0,
            "cheaper": cheaper,
        }
    )


# --------------------------------------------------------------------------------------------
# Click risk control (异常点击)
# --------------------------------------------------------------------------------------------

_FLAG_COLUMNS = ["rule", "source", "window_start", "window_end", "count", "reason_zh",
                 "reason_en"]
_MAD_TO_SD = 1.4826  # MAD × 1.4826 estimates the standard deviation of normal data


def _window(value: Any, name: str, zh: str) -> pd.Timedelta:
    expected = "a duration with a unit, such as '10min' or pd.Timedelta(minutes=10)"
    if isinstance(value, np.timedelta64):
        has_unit = np.datetime_data(value.dtype)[0] != "generic"
    elif isinstance(value, str):
        has_unit = any(ch.isalpha() for ch in value)  # a bare "10" would be 10 nanoseconds
    else:
        has_unit = isinstance(value, pd.Timedelta | dt.timedelta)  # not a bare number
    if not has_unit:
        raise BadParameterError(name, value, expected, zh=zh)
    try:
        td = pd.Timedelta(value)
    except (TypeError, ValueError):
        raise BadParameterError(name, value, "a duration such as '10min'", zh=zh) from None
    if pd.isna(td) or td <= pd.Timedelta(0):
        raise BadParameterError(name, value, "a positive duration such as '10min'", zh=zh)
    return td


def _fmt_td(td: pd.Timedelta) -> tuple[str, str]:
    minutes = td.total_seconds() / 60
    if minutes == int(minutes):
        return f"{int(minutes)} 分钟", f"{int(minutes)} minutes"
    return f"{td.total_seconds():g} 秒", f"{td.total_seconds():g} seconds"


def flag_suspicious_clicks(
    clicks_log: pd.DataFrame,
    *,
    timestamp_col: str = "timestamp",
    source_col: str = "source_ip",
    keyword_col: str | None = "keyword",
    converted_col: str = "converted",
    burst_window: str | pd.Timedelta = "10min",
    burst_min_clicks: int = 5,
    daily_min_clicks: int = 20,
    spike_mads: float = 5.0,
    spike_min_clicks: int = 30,
) -> pd.DataFrame:
    """Flag click patterns that look like invalid traffic (恶意点击) under three rules.

    One row per click in ``clicks_log`` (timestamp as Unix seconds or date-times, read in
    Beijing time; ``source_col`` an IP or visitor id; ``converted_col`` bool or 0/1).

    - ``burst`` (短时连点): a source with ≥ ``burst_min_clicks`` clicks within any window of
      ``burst_window`` (the window (t − w, t] ending at one of its clicks). One row per source,
      for its busiest window.
    - ``repeat_source`` (同源重复): a source with ≥ ``daily_min_clicks`` clicks on one Beijing
      calendar day. One row per source and day.
    - ``zero_conversion_spike`` (零转化突增): per keyword (or the whole log if ``keyword_col``
      is None), hourly clicks over every hour of the log (hours without clicks count as 0);
      baseline = median, spread = 1.4826 × MAD (median absolute deviation). An hour is flagged
      when clicks > median + ``spike_mads`` × spread, clicks ≥ ``spike_min_clicks`` and none
      of its clicks converted.

    Returns columns rule, source, window_start, window_end, count, reason_zh, reason_en
    (empty if nothing is flagged). Flags are leads for a human check, not proof of fraud.

    Parameters
    ----------
    clicks_log : pandas.DataFrame
        One row per click: timestamp, source, converted flag and optionally keyword.
    timestamp_col : str, optional
        Column of click times (Unix seconds or date-times, Beijing time).
    source_col : str, optional
        Column of the click source (IP address or visitor id).
    keyword_col : str or None
        Column of keywords, or None to treat the log as one keyword.
    converted_col : str, optional
        Column of conversion flags (True/False or 0/1).
    burst_window : str or pandas.Timedelta, optional
        Length of the burst window, with a unit (e.g. ``'10min'``).
    burst_min_clicks : int, optional
        Clicks from one source within the window that count as a burst.
    daily_min_clicks : int, optional
        Clicks from one source on one Beijing day that count as repeated.
    spike_mads : float, optional
        How many robust standard deviations (1.4826 × MAD) above the median make a
        spike.
    spike_min_clicks : int, optional
        Fewest clicks in an hour for a spike.

    Returns
    -------
    pandas.DataFrame
        One row per flag: rule, source, window_start, window_end, count, reason_zh,
        reason_en.
    """
    what = "the click log (点击日志)"
    df = require_frame(clicks_log, what)
    cols = [timestamp_col, source_col, converted_col] + ([keyword_col] if keyword_col else [])
    zh = {timestamp_col: "时间戳", source_col: "来源", converted_col: "是否转化",
          **({keyword_col: "关键词"} if keyword_col else {})}
    require_columns(df, cols, what=what, zh=zh)
    window = _window(burst_window, "burst_window", "连点时间窗")
    burst_min = int(number(burst_min_clicks, "burst_min_clicks", zh="连点阈值", minimum=2,
                           integer=True))
    daily_min = int(number(daily_min_clicks, "daily_min_clicks", zh="单日点击阈值", minimum=2,
                           integer=True))
    mads = number(spike_mads, "spike_mads", zh="突增倍数", minimum=0)
    spike_min = int(number(spike_min_clicks, "spike_min_clicks", zh="突增最少点击", minimum=1,
                           integer=True))
    for col in (source_col, *([keyword_col] if keyword_col else [])):
        if df[col].isna().any():
            raise SchemaViolationError(
                f"column {col!r} ({zh[col]}) of {what} has missing values; drop or fill them",
                column=col,
            )
    converted = _bool_column(df, converted_col, what)
    log = pd.DataFrame(
        {
            "ts": to_shanghai(df[timestamp_col], timestamp_col).array,
            "source": df[source_col].to_numpy(),
            "keyword": df[keyword_col].to_numpy() if keyword_col else "(all)",
            "converted": converted,
        }
    )
    frames = [
        _burst_flags(log, window, burst_min),
        _repeat_flags(log, daily_min),
        _spike_flags(log, mads, spike_min, by_keyword=keyword_col is not None),
    ]
    frames = [f for f in frames if len(f)]
    if not frames:
        dtypes = {"rule": "str", "source": "object", "window_start": f"datetime64[ns, {TZ}]",
                  "window_end": f"datetime64[ns, {TZ}]", "count": "int64", "reason_zh": "str",
                  "reason_en": "str"}
        return pd.DataFrame({c: pd.Series(dtype=dtypes[c]) for c in _FLAG_COLUMNS})
    out = pd.concat(frames, ignore_index=True)
    out["_src"] = out["source"].astype(str)
    out = out.sort_values(["rule", "window_start", "_src"], kind="stable")
    return out.drop(columns="_src").reset_index(drop=True)[_FLAG_COLUMNS]


def _bool_column(df: pd.DataFrame, col: str, what: str, *, zh: str = "是否转化") -> np.ndarray:
    """A True/False or 0/1 column as a bool array (text such as "False" is refused)."""
    s = df[col]
    if pd.api.types.is_bool_dtype(s):
        if s.isna().any():
            raise SchemaViolationError(
                f"column {col!r} ({zh}) of {what} has missing values", column=col
            )
        return s.astype(bool).to_numpy()
    if not pd.api.types.is_numeric_dtype(s):
        example = repr(s.iloc[0]) if len(s) else "none"
        raise SchemaViolationError(
            f"column {col!r} ({zh}) of {what} has dtype {s.dtype} (first value {example}); "
            f"expected True/False or 0/1, not text",
            column=col,
        )
    values = require_numeric_column(df, col, zh=zh, what=what)
    if not values.isin([0.0, 1.0]).all():
        bad = values[~values.isin([0.0, 1.0])].iloc[0]
        raise SchemaViolationError(
            f"column {col!r} ({zh}) of {what} has value {bad!r}; expected True/False or 0/1",
            column=col,
        )
    return values.to_numpy() == 1.0


def _burst_flags(log: pd.DataFrame, window: pd.Timedelta, min_clicks: int) -> pd.DataFrame:
    srt = log[["source", "ts"]].copy()
    srt["_key"] = srt["source"].astype(str)
    srt = srt.sort_values(["_key", "ts"], kind="stable").reset_index(drop=True)
    srt["one"] = 1.0
    counts = (
        srt.groupby("_key", sort=False).rolling(window, on="ts")["one"].sum().to_numpy()
    ).astype("int64")
    srt["count"] = counts
    starts = np.arange(len(srt)) - counts + 1
    srt["window_start"] = srt["ts"].array[starts]
    hits = srt[srt["count"] >= min_clicks]
    if hits.empty:
        return hits
    # busiest window per source; earliest one on ties
    best = hits.sort_values(["_key", "count", "ts"], ascending=[True, False, True],
                            kind="stable").drop_duplicates("_key")
    zh_w, en_w = _fmt_td(window)
    src = best["source"].astype(str)
    n = best["count"].astype(str)
    return pd.DataFrame(
        {
            "rule": "burst",
            "source": best["source"].to_numpy(),
            "window_start": best["window_start"].array,
            "window_end": best["ts"].array,
            "count": best["count"].to_numpy(),
            "reason_zh": ("来源 " + src + f" 在 {zh_w}内点击 " + n
                          + f" 次（阈值 {min_clicks} 次），疑似短时连续点击").to_numpy(),
            "reason_en": ("source " + src + " clicked " + n + f" times within {en_w} "
                          f"(threshold {min_clicks}): possible click burst").to_numpy(),
        }
    )


def _repeat_flags(log: pd.DataFrame, min_clicks: int) -> pd.DataFrame:
    day = log["ts"].dt.floor("D")
    counts = (
        pd.DataFrame({"_key": log["source"].astype(str), "day": day, "source": log["source"]})
        .groupby(["_key", "day"], sort=True)
        .agg(source=("source", "first"), count=("source", "size"))
        .reset_index()
    )
    hits = counts[counts["count"] >= min_clicks]
    if hits.empty:
        return hits
    src = hits["source"].astype(str)
    n = hits["count"].astype(str)
    date = hits["day"].dt.strftime("%Y-%m-%d")
    return pd.DataFrame(
        {
            "rule": "repeat_source",
            "source": hits["source"].to_numpy(),
            "window_start": hits["day"].array,
            "window_end": (hits["day"] + pd.Timedelta(days=1)).array,
            "count": hits["count"].to_numpy().astype("int64"),
            "reason_zh": ("来源 " + src + " 在 " + date + " 当天点击 " + n
                          + f" 次（阈值 {min_clicks} 次），同一来源重复点击").to_numpy(),
            "reason_en": ("source " + src + " clicked " + n + " times on " + date
                          + f" (threshold {min_clicks}): repeated clicks from one source")
            .to_numpy(),
        }
    )


def _spike_flags(
    log: pd.DataFrame, mads: float, min_clicks: int, *, by_keyword: bool
) -> pd.DataFrame:
    hour = log["ts"].dt.floor("h")
    grid = pd.date_range(hour.min(), hour.max(), freq="h")
    frame = pd.DataFrame({"keyword": log["keyword"].astype(str), "hour": hour,
                          "converted": log["converted"].astype("int64")})
    grouped = frame.groupby(["keyword", "hour"])["converted"]
    clicks = grouped.size().unstack("hour", fill_value=0).reindex(columns=grid, fill_value=0)
    conv = grouped.sum().unstack("hour", fill_value=0).reindex(columns=grid, fill_value=0)
    values = clicks.to_numpy(dtype="float64")
    median = np.median(values, axis=1, keepdims=True)
    spread = _MAD_TO_SD * np.median(np.abs(values - median), axis=1, keepdims=True)
    threshold = median + mads * spread
    mask = (values > threshold) & (values >= min_clicks) & (conv.to_numpy() == 0)
    rows, cols = np.nonzero(mask)
    if len(rows) == 0:
        return pd.DataFrame()
    start = grid[cols]
    count = values[rows, cols].astype("int64")
    base = median[rows, 0]
    kw = pd.Series(clicks.index[rows].astype(str))
    n = pd.Series(count).astype(str)
    when = pd.Series(start.strftime("%Y-%m-%d %H:00"))
    base_s = pd.Series(base).map(lambda v: f"{v:g}")
    thr_s = pd.Series(threshold[rows, 0]).map(lambda v: f"{v:.1f}")
    label_zh = "关键词 " + kw if by_keyword else pd.Series("全部关键词", index=kw.index)
    label_en = "keyword " + kw if by_keyword else pd.Series("all keywords", index=kw.index)
    return pd.DataFrame(
        {
            "rule": "zero_conversion_spike",
            "source": kw.to_numpy() if by_keyword else "(all)",
            "window_start": start,
            "window_end": start + pd.Timedelta(hours=1),
            "count": count,
            "reason_zh": (label_zh + " 在 " + when + " 这一小时点击 " + n
                          + " 次，平时每小时中位数 " + base_s + " 次（阈值 " + thr_s
                          + " 次），且没有转化").to_numpy(),
            "reason_en": (label_en + ": " + n + " clicks in the hour from " + when
                          + ", hourly median " + base_s + " (threshold " + thr_s
                          + "), with no conversions").to_numpy(),
        }
    )
