"""``fan_day``: a simulated 超级粉丝日 campaign window."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

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
)

# --------------------------------------------------------------------------------------
# 5. 超级粉丝日 (Maybelline 2018, article 003)
# --------------------------------------------------------------------------------------

FAN_DAY_PHASES = ("warm_up", "fan_day", "after")


def fan_day(
    fan_day_date: Any = "2018-09-20",
    seed: int = 0,
    *,
    warm_up_days: int = 6,
    after_days: int = 3,
    fans_adding_to_cart: int = 392_000,
    new_fans_week: int = 385_000,
    base_fans: int = 1_500_000,
    aov_cny: float = 118.0,
) -> pd.DataFrame:
    """A simulated 天猫超级粉丝日 window: warm-up days, the fan day, a few days after.

    Columns: date, phase (warm_up 预热, fan_day 粉丝日, after 返场), day_offset (0 on the fan
    day), new_fans, cumulative_new_fans, total_fans, visitors, fans_adding_to_cart (加购粉丝
    数), paying_buyers, orders, gmv_cny.

    Calibrated to article 003: at Maybelline's first 超级粉丝日 (2018) more than 380,000
    fans added to cart on the day, and the brand gathered 380,000 fans within a week. Here
    the fan day's ``fans_adding_to_cart`` is the parameter × (1 ± at most 1.5 %), so the
    default (392,000) stays above 380,000 for every seed, and the new fans of the week
    ending on the fan day (the fan day and up to six warm-up days before it) sum exactly to
    ``new_fans_week``. Everything else (base of 1.5 million fans, visitors, buyers, GMV,
    the date) is simulated: the article gives no date or sales figures.

    Parameters
    ----------
    fan_day_date : date-like
        Beijing calendar day of the fan day.
    seed : int
        Random seed (≥ 0).
    warm_up_days : int
        Warm-up days before the fan day (≥ 1).
    after_days : int
        Days after the fan day (≥ 0).
    fans_adding_to_cart : int
        Target fans adding to cart on the fan day (count, ±1.5 %).
    new_fans_week : int
        Exact new fans of the week ending on the fan day.
    base_fans : int
        Fans before the window.
    aov_cny : float
        Average order value in CNY (> 0).

    Returns
    -------
    pandas.DataFrame
        One row per day with the columns listed above; money in CNY.
    """
    day0 = _day(fan_day_date, "fan_day_date", zh="粉丝日日期")
    rng = np.random.default_rng(_seed(seed))
    warm = _count(warm_up_days, "warm_up_days", zh="预热天数")
    after = _count(after_days, "after_days", zh="返场天数", minimum=0)
    cart_target = _count(fans_adding_to_cart, "fans_adding_to_cart", zh="加购粉丝数")
    week_fans = _count(new_fans_week, "new_fans_week", zh="一周新增粉丝数")
    base = _count(base_fans, "base_fans", zh="活动前粉丝数", minimum=0)
    aov = _positive(aov_cny, "aov_cny", zh="客单价")
    n = warm + 1 + after
    offset = np.arange(-warm, after + 1)
    phase = np.where(offset < 0, 0, np.where(offset == 0, 1, 2))

    # New fans: a rising warm-up (teasers, fan-only coupons), most on the day, then a tail.
    ramp = np.where(offset <= 0, np.exp(0.25 * offset), 0.0)
    ramp[offset == 0] *= 1.3
    ramp *= rng.lognormal(0, 0.08, n) * (offset <= 0)
    week = (offset <= 0) & (offset > -7)
    share = ramp / ramp[week].sum()
    new_fans = np.floor(share * week_fans).astype(np.int64)
    new_fans[offset == 0] += week_fans - new_fans[week].sum()  # exact weekly total
    tail = np.exp(-0.8 * offset) * 0.06 * week_fans * rng.lognormal(0, 0.1, n)
    new_fans = np.where(offset > 0, np.round(tail), new_fans).astype(np.int64)
    cumulative = np.cumsum(new_fans)
    total_fans = base + cumulative

    day_cart = cart_target * (1 + rng.uniform(-0.015, 0.015))
    pre = 0.12 * np.exp(0.3 * (offset + 1))  # pre-加购 rises towards the day
    post = 0.12 * np.exp(-0.9 * (offset - 1))
    cart_share = np.where(offset < 0, pre, np.where(offset == 0, 1.0, post))
    cart_share *= np.where(offset == 0, 1.0, rng.lognormal(0, 0.08, n))
    carts = np.minimum(np.round(day_cart * cart_share), total_fans).astype(np.int64)
    visitors = np.round(carts * np.where(offset == 0, 3.6, 5.5) * rng.lognormal(0, 0.05, n))
    visitors = visitors.astype(np.int64)
    buy_rate = np.where(offset == 0, 0.42, 0.18)
    fan_buyers = rng.binomial(carts, buy_rate)
    other_buyers = rng.binomial(np.maximum(visitors - carts, 0), 0.004)
    buyers = fan_buyers + other_buyers
    orders = buyers + rng.binomial(buyers, 0.06)
    gmv = _gamma_sum(rng, buyers, aov * np.where(offset == 0, 1.15, 1.0))

    return pd.DataFrame(
        {
            "date": _dates(day0 - pd.Timedelta(days=warm), n),
            "phase": _cats(phase, FAN_DAY_PHASES),
            "day_offset": _ints(offset),
            "new_fans": _ints(new_fans),
            "cumulative_new_fans": _ints(cumulative),
            "total_fans": _ints(total_fans),
            "visitors": _ints(visitors),
            "fans_adding_to_cart": _ints(carts),
            "paying_buyers": _ints(buyers),
            "orders": _ints(orders),
            "gmv_cny": _floats(gmv, 2),
        }
    )
