"""``member_orders``: simulated member orders for RFM / CLV."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from casekit._checks import rate
from casekit.data.generators._common import (
    HOURLY_WEIGHTS,
    _bools,
    _cats,
    _count,
    _datetimes,
    _epoch,
    _floats,
    _ints,
    _positive,
    _seed,
    _weekday_factor,
    _window,
)
from casekit.errors import BadParameterError

# --------------------------------------------------------------------------------------
# 6. Member orders (RFM / CLV)
# --------------------------------------------------------------------------------------

CHANNELS = ("search", "recommendation", "live", "campaign")
#: (month, day, extra weight) of the big shopping days, with a ten-day ramp before each.
_PROMO_DAYS = ((3, 8, 1.0), (6, 18, 4.0), (11, 11, 5.0), (12, 12, 1.5))


def _promo_weight(dates: pd.DatetimeIndex) -> np.ndarray:
    extra = np.zeros(len(dates))
    for month, dom, height in _PROMO_DAYS:
        for year in np.unique(dates.year):
            delta = (dates - pd.Timestamp(int(year), month, dom)).days.to_numpy()
            extra += np.where((delta <= 0) & (delta > -10), height * np.exp(delta / 2.0), 0.0)
            extra += np.where(delta == 1, height * 0.2, 0.0)
    return extra


def member_orders(
    n_users: int = 2000,
    start: Any = "2024-07-01",
    end: Any = "2026-06-30",
    seed: int = 0,
    *,
    member_share: float = 0.3,
    orders_per_year: float = 3.0,
    churn_rate: float = 0.3,
    mean_amount_cny: float = 180.0,
) -> pd.DataFrame:
    """Orders of a store's customers for RFM and CLV lessons: one row per order.

    Columns: order_id (1 … in time order), user_id, order_time (Beijing time), amount_cny,
    is_member (会员), channel (search 搜索, recommendation 推荐, live 直播, campaign 大促会场).

    A BG/NBD-style process: each customer makes a first purchase at a random time in the
    window, then buys as a Poisson process with a gamma-distributed rate (mean
    ``orders_per_year``, shape 1.2: a few very frequent buyers) and after each purchase drops
    out (churns) with a beta-distributed probability (mean ``churn_rate``). Order amounts
    follow the Gamma-Gamma spend model (customer mean spend gamma around
    ``mean_amount_cny``, orders gamma around it). Members (``member_share``) buy 1.5 times
    as often, churn at 0.6 times the rate and spend 15 % more. Time runs faster around
    38节, 618, 双11 and 双12 (more orders, more of them from the campaign channel) and follows
    the hourly profile of ``HOURLY_WEIGHTS``.

    Parameters
    ----------
    n_users : int
        Number of customers.
    start : date-like
        First Beijing calendar day, included.
    end : date-like
        Last Beijing calendar day, included.
    seed : int
        Random seed (≥ 0).
    member_share : float
        Proportion 0–1 of customers who are members.
    orders_per_year : float
        Mean purchase rate of a customer while active, orders per year (> 0).
    churn_rate : float
        Mean probability (0–1, above 0) of dropping out after each purchase.
    mean_amount_cny : float
        Mean order amount in CNY (> 0).

    Returns
    -------
    pandas.DataFrame
        One row per order with the columns listed above; amount_cny in CNY.
    """
    n_users = _count(n_users, "n_users", zh="用户数")
    first, last = _window(start, end)
    rng = np.random.default_rng(_seed(seed))
    members_p = rate(member_share, "member_share", zh="会员占比")
    per_year = _positive(orders_per_year, "orders_per_year", zh="年均购买次数")
    churn = rate(churn_rate, "churn_rate", zh="流失率")
    if churn == 0.0:
        raise BadParameterError("churn_rate", churn_rate, "a proportion above 0", zh="流失率")
    mean_amount = _positive(mean_amount_cny, "mean_amount_cny", zh="平均订单金额")

    n_days = (last - first).days + 1
    dates = pd.date_range(first, periods=n_days, freq="D")
    promo = _promo_weight(dates)
    day_w = _weekday_factor(first, n_days) * (1 + promo)
    day_w = day_w / day_w.mean()  # operational time: one unit = one average day
    cum = np.concatenate([[0.0], np.cumsum(day_w)])
    horizon = cum[-1]

    member = rng.random(n_users) < members_p
    lam = rng.gamma(1.2, per_year / 1.2 / 365.0, n_users) * np.where(member, 1.5, 1.0)
    a = 2.0
    b = a * (1 - churn) / churn
    drop = np.clip(rng.beta(a, b, n_users) * np.where(member, 0.6, 1.0), 1e-6, 1.0)
    spend = rng.gamma(4.0, mean_amount / 4.0, n_users) * np.where(member, 1.15, 1.0)

    t_first = rng.random(n_users) * horizon
    alive_buys = rng.geometric(drop) - 1  # repeat purchases before dropping out
    m = rng.poisson(lam * (horizon - t_first))  # Poisson arrivals left in the window
    n_repeat = np.minimum(alive_buys, m)
    # Given m arrivals, their times are sorted uniforms; keep the first n_repeat.
    arr_user = np.repeat(np.arange(n_users), m)
    u = rng.random(len(arr_user))
    order = np.lexsort((u, arr_user))
    arr_user, u = arr_user[order], u[order]
    rank = np.arange(len(arr_user)) - np.repeat(np.cumsum(m) - m, m)
    keep = rank < n_repeat[arr_user]
    rep_user = arr_user[keep]
    rep_t = t_first[rep_user] + u[keep] * (horizon - t_first[rep_user])
    user = np.concatenate([np.arange(n_users), rep_user])
    op_t = np.concatenate([t_first, rep_t])

    day_i = np.clip(np.searchsorted(cum, op_t, side="right") - 1, 0, n_days - 1)
    hour = rng.choice(24, size=len(user), p=HOURLY_WEIGHTS)
    secs = _epoch(first) + day_i * 86_400 + hour * 3600 + rng.integers(0, 3600, len(user))
    amount = np.maximum(np.round(rng.gamma(3.0, spend[user] / 3.0), 2), 9.9)
    is_promo = promo[day_i] > 0.3
    channel_p = np.where(is_promo[:, None], [[0.30, 0.22, 0.13, 0.35]], [[0.42, 0.30, 0.16, 0.12]])
    channel = (rng.random(len(user))[:, None] > np.cumsum(channel_p, axis=1)).sum(axis=1)
    channel = np.minimum(channel, len(CHANNELS) - 1)

    order = np.lexsort((user, secs))
    user, secs, amount, channel = user[order], secs[order], amount[order], channel[order]
    return pd.DataFrame(
        {
            "order_id": _ints(np.arange(1, len(user) + 1)),
            "user_id": _ints(user + 1),
            "order_time": _datetimes(secs),
            "amount_cny": _floats(amount),
            "is_member": _bools(member[user]),
            "channel": _cats(channel, CHANNELS),
        }
    )
