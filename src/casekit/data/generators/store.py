"""``store_daily``: simulated daily store metrics with injected anomalies."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from casekit._checks import choice, rate
from casekit.data.generators._common import (
    _cats,
    _count,
    _dates,
    _day,
    _floats,
    _gamma_sum,
    _ints,
    _positive,
    _seed,
    _weekday_factor,
    _window,
    _within,
)
from casekit.errors import BadParameterError

# --------------------------------------------------------------------------------------
# 4. Store daily metrics with injected anomalies (生意参谋 diagnosis)
# --------------------------------------------------------------------------------------

ANOMALIES = ("none", "stock_out", "recovery", "traffic_drop")


def store_daily(
    start: Any = "2020-01-01",
    end: Any = "2020-03-31",
    seed: int = 0,
    *,
    baseline_visitors: int = 11_000,
    low_visitors: int = 200,
    stock_out_start: Any = None,
    restock_date: Any = None,
    recovery_days: int = 6,
    traffic_drop_start: Any = None,
    traffic_drop_days: int = 5,
    paid_share: float = 0.4,
    conversion_rate: float = 0.03,
    aov_cny: float = 168.0,
    anomalies: Sequence[str] = ("stock_out", "traffic_drop"),
) -> pd.DataFrame:
    """Daily metrics of a women's-clothing store with injected, labelled anomalies.

    Columns: date, visitors (访客数), pv (浏览量), paying_buyers (支付买家数), orders,
    gmv_cny, conversion_rate (= paying_buyers / visitors), aov_cny (客单价 = gmv_cny /
    paying_buyers, so GMV = visitors × conversion × AOV up to rounding), stock_out_items
    (售罄商品数), ad_spend_cny (直通车 spend), injected_anomaly (ground truth: none,
    stock_out, recovery, traffic_drop).

    Calibrated to article 004 (生意参谋 智能诊断): a women's-clothing store found an abnormal,
    out-of-stock item, restocked it and its daily visitors went from about 200 to 10,000+.
    Here the hero item sells out on ``stock_out_start``: stock_out_items jumps, conversion
    falls to 30 % of normal, paid traffic for the item stops and search traffic decays over a
    few days to a plateau of about ``low_visitors`` a day; on ``restock_date`` it is back and
    visitors climb geometrically over ``recovery_days`` to ``baseline_visitors`` (11,000,
    so the week after recovery averages 10,000+). Separately, for ``traffic_drop_days``
    from ``traffic_drop_start`` the paid campaign is paused (ad spend near zero): visitors
    lose the ``paid_share`` of paid traffic while conversion and stock stay normal.
    Anomaly dates left as ``None`` fall at 44 %, 69 % and 90 % of the window (for the
    default window: 2020-02-10, 2020-03-04 and 2020-03-23, around 38女王节 2020, when the
    article says the diagnosis was tested; illustrative); such a window needs >= 60 days.
    ``anomalies`` chooses which to inject; ``()`` gives a clean series.
    Weekly seasonality: ``WEEKDAY_WEIGHTS``; daily noise log-normal (σ = 0.06).

    Parameters
    ----------
    start : date-like
        First Beijing calendar day, included.
    end : date-like
        Last Beijing calendar day, included.
    seed : int
        Random seed (≥ 0).
    baseline_visitors : int
        Normal visitors per day.
    low_visitors : int
        Visitors per day at the bottom of the stock-out (below the organic baseline).
    stock_out_start : date-like or None
        Beijing day the hero item sells out; ``None`` for the default position.
    restock_date : date-like or None
        Beijing day the hero item is back in stock; ``None`` for the default position.
    recovery_days : int
        Days visitors take to climb back after the restock.
    traffic_drop_start : date-like or None
        First Beijing day of the paused paid campaign; ``None`` for the default position.
    traffic_drop_days : int
        Length of the pause in days.
    paid_share : float
        Proportion 0–1 of visitors that come from paid traffic.
    conversion_rate : float
        Normal visitor-to-buyer conversion, proportion 0–1.
    aov_cny : float
        Average order value per paying buyer in CNY (> 0).
    anomalies : sequence of str
        Which of ``"stock_out"`` and ``"traffic_drop"`` to inject.

    Returns
    -------
    pandas.DataFrame
        One row per day with the columns listed above; money in CNY, rates as proportions.
    """
    first, last = _window(start, end)
    rng = np.random.default_rng(_seed(seed))
    base = _count(baseline_visitors, "baseline_visitors", zh="基准日访客数")
    low = _count(low_visitors, "low_visitors", zh="缺货期日访客数")
    rec_days = _count(recovery_days, "recovery_days", zh="恢复天数")
    drop_days = _count(traffic_drop_days, "traffic_drop_days", zh="流量下跌天数")
    paid = rate(paid_share, "paid_share", zh="付费流量占比")
    if low >= base * (1 - paid):
        raise BadParameterError(
            "low_visitors",
            low_visitors,
            f"fewer than the organic part of baseline_visitors ({base * (1 - paid):.0f})",
            zh="缺货期日访客数",
        )
    cr = rate(conversion_rate, "conversion_rate", zh="转化率")
    aov = _positive(aov_cny, "aov_cny", zh="客单价")
    if isinstance(anomalies, str) or not isinstance(anomalies, Iterable):
        raise BadParameterError("anomalies", anomalies, "a list such as ['stock_out']")
    chosen = {choice(a, "anomalies", ("stock_out", "traffic_drop"), zh="异常") for a in anomalies}
    n_days = (last - first).days + 1
    day = np.arange(n_days)
    defaults = {"stock_out_start": 0.44, "restock_date": 0.69, "traffic_drop_start": 0.90}
    given = {
        "stock_out_start": stock_out_start,
        "restock_date": restock_date,
        "traffic_drop_start": traffic_drop_start,
    }
    if any(given[k] is None for k in defaults) and chosen and n_days < 60:
        raise BadParameterError(
            "end", end, "a window of at least 60 days, or explicit anomaly dates", zh="结束日期"
        )
    for key, share in defaults.items():
        if given[key] is None:
            given[key] = first + pd.Timedelta(days=round(share * n_days))
    stock_out_start, restock_date, traffic_drop_start = given.values()

    label = np.zeros(n_days, dtype=np.int8)
    level = np.ones(n_days)  # organic traffic level relative to baseline
    paid_on = np.ones(n_days)
    stock_hit = np.zeros(n_days, dtype=bool)
    if "stock_out" in chosen:
        so = _day(stock_out_start, "stock_out_start", zh="缺货开始日期")
        rs = _day(restock_date, "restock_date", zh="补货日期")
        _within(so, first, last, "stock_out_start", stock_out_start, "缺货开始日期")
        _within(rs, first, last, "restock_date", restock_date, "补货日期")
        if rs <= so:
            raise BadParameterError(
                "restock_date",
                restock_date,
                f"a date after stock_out_start ({so.date()})",
                zh="补货日期",
            )
        s, r = (so - first).days, (rs - first).days
        floor = low / (base * (1 - paid))  # paid traffic stops: the plateau is organic
        out = (day >= s) & (day < r)
        k = day - s
        level = np.where(out, floor + (1 - floor) * np.exp(-k / 2.0), level)
        stock_hit = out
        rec = (day >= r) & (day < r + rec_days)
        # geometric climb from the plateau back to the baseline
        level = np.where(rec, floor ** (1 - (day - r + 1) / rec_days), level)
        paid_on = np.where(out, 0.0, np.where(rec, level, paid_on))
        label[out] = ANOMALIES.index("stock_out")
        label[rec] = ANOMALIES.index("recovery")
    if "traffic_drop" in chosen:
        td = _day(traffic_drop_start, "traffic_drop_start", zh="流量下跌开始日期")
        _within(td, first, last, "traffic_drop_start", traffic_drop_start, "流量下跌开始日期")
        d = (td - first).days
        drop = (day >= d) & (day < d + drop_days)
        if (drop & (label != 0)).any():
            raise BadParameterError(
                "traffic_drop_start",
                traffic_drop_start,
                "a date whose drop does not overlap the stock-out or recovery",
                zh="流量下跌开始日期",
            )
        paid_on = np.where(drop, 0.03, paid_on)
        label[drop] = ANOMALIES.index("traffic_drop")

    season = _weekday_factor(first, n_days)
    noise = rng.lognormal(-(0.06**2) / 2, 0.06, (2, n_days))
    organic = rng.poisson(base * (1 - paid) * level * season * noise[0])
    # while the hero item is sold out its ads stop and search sends few shoppers
    paid_visitors = rng.poisson(base * paid * paid_on * season * noise[1])
    visitors = np.maximum(organic + paid_visitors, 1)
    pv = rng.poisson(visitors * rng.normal(3.2, 0.15, n_days).clip(2.0))
    conv = cr * np.where(stock_hit, 0.3, 1.0) * rng.lognormal(0, 0.05, n_days)
    buyers = rng.binomial(visitors, np.clip(conv, 0, 1))
    orders = buyers + rng.binomial(buyers, 0.08)
    gmv = np.round(_gamma_sum(rng, buyers, aov), 2)
    stock_out_items = np.where(stock_hit, 6 + rng.poisson(4, n_days), rng.poisson(0.4, n_days))
    ad_spend = np.round(paid_visitors * rng.lognormal(np.log(0.85), 0.05, n_days), 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        conversion = np.round(buyers / visitors, 4)
        aov_day = np.where(buyers > 0, np.round(gmv / np.maximum(buyers, 1), 2), 0.0)

    return pd.DataFrame(
        {
            "date": _dates(first, n_days),
            "visitors": _ints(visitors),
            "pv": _ints(pv),
            "paying_buyers": _ints(buyers),
            "orders": _ints(orders),
            "gmv_cny": _floats(gmv, 2),
            "conversion_rate": _floats(conversion),
            "aov_cny": _floats(aov_day),
            "stock_out_items": _ints(stock_out_items),
            "ad_spend_cny": _floats(ad_spend, 2),
            "injected_anomaly": _cats(label, ANOMALIES),
        }
    )
