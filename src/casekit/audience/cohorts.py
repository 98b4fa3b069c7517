"""Cohorts by first-purchase period, their retention and the repurchase rate (复购率)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from casekit._checks import choice, date_value, number
from casekit.audience.orders import buy_days, order_relation, orders_up_to
from casekit.errors import EmptyDataError


def cohort_retention(
    orders: pd.DataFrame,
    period: Literal["D", "W", "M"] = "M",
    *,
    user_col: str = "user_id",
    time_col: str = "timestamp",
    values: Literal["rate", "users"] = "rate",
) -> pd.DataFrame:
    """Cohort retention matrix (同期群留存): first-purchase cohort × periods since then.

    A customer's cohort is the period (D day, W Monday–Sunday week, M month; Beijing time)
    of their first order. Cell (c, k) is the share of cohort c who ordered in period c + k
    (``values='rate'``, so k = 0 is 1 by definition) or their number (``'users'``). Cells
    after the last period in the data are NaN (not yet observed); a last period the data
    only partly cover understates its retention.

    Index ``cohort`` (pandas Periods), columns ``periods_since_first`` 0, 1, 2, ….

    Parameters
    ----------
    orders : pandas.DataFrame
        One row per order (user, time, optional amount in CNY), or an event log whose
        ``buy`` events are the orders.
    period : str, optional
        Cohort period: ``'D'`` day, ``'W'`` week or ``'M'`` month.
    user_col : str, optional
        Column of user ids.
    time_col : str, optional
        Column of order times (Unix seconds, date-times or date strings, Beijing time).
    values : str, optional
        ``'rate'`` for retention proportions, ``'users'`` for counts.

    Returns
    -------
    pandas.DataFrame
        Index cohort (periods), columns periods_since_first 0, 1, 2, …: retention or
        users.
    """
    choice(period, "period", ("D", "W", "M"), zh="周期")
    choice(values, "values", ("rate", "users"))
    with order_relation(orders, user_col=user_col, time_col=time_col, amount_col=None) as rel:
        od = buy_days(rel, "the orders")
    freq = {"D": "D", "W": "W-SUN", "M": "M"}[period]
    per = od["day"].dt.to_period(freq)
    ordinal = pd.Series(per.array.asi8, index=od.index)
    first = ordinal.groupby(od["user"]).transform("min")
    k = ordinal - first
    counts = (
        pd.DataFrame({"cohort": first, "k": k, "user": od["user"]})
        .groupby(["cohort", "k"])["user"]
        .nunique()
        .unstack("k")
    )
    last = int(ordinal.max())
    lo = int(first.min())
    cohorts = np.arange(lo, last + 1)
    ks = np.arange(0, last - lo + 1)
    counts = counts.reindex(index=cohorts, columns=ks)
    observed = (cohorts[:, None] + ks[None, :]) <= last
    has_cohort = counts[0].notna().to_numpy()
    counts = counts.loc[has_cohort]  # periods in which no one bought for the first time
    observed = observed[has_cohort]
    filled = counts.fillna(0).where(observed)
    if values == "rate":
        out = filled.div(filled[0], axis=0).astype("float64")
    else:
        out = filled.astype("Int64")
    out.index = pd.PeriodIndex.from_ordinals(counts.index.to_numpy(), freq=freq, name="cohort")
    out.columns = pd.Index(ks, name="periods_since_first")
    return out


@dataclass(frozen=True)
class RepurchaseRate:
    """Result of :func:`repurchase_rate`: ``rate = repurchasers / customers``."""

    customers: int
    repurchasers: int
    rate: float
    within_days: int | None
    as_of: pd.Timestamp


def repurchase_rate(
    orders: pd.DataFrame,
    within_days: int | None = None,
    *,
    as_of: Any = None,
    user_col: str = "user_id",
    time_col: str = "timestamp",
) -> RepurchaseRate:
    """Repurchase rate (复购率): the share of customers who bought again on a later day.

    Orders on or before ``as_of`` (default: the day of the last order) are used; two
    orders on the same Beijing day are one shopping occasion, not a repurchase.

    * ``within_days=None``: customers = everyone who ordered; repurchasers = those with
      orders on at least 2 different days.
    * ``within_days=N``: customers = those whose first order is at least N days before
      ``as_of`` (so N days after it are observed); repurchasers = those with another order
      1..N days after their first.

    Parameters
    ----------
    orders : pandas.DataFrame
        One row per order (user, time, optional amount in CNY), or an event log whose
        ``buy`` events are the orders.
    within_days : int or None
        Count a repurchase only within this many days of the first order; None: any
        time.
    as_of : date-like or None
        Last day included (Beijing calendar day); None: the day of the last event.
    user_col : str, optional
        Column of user ids.
    time_col : str, optional
        Column of order times (Unix seconds, date-times or date strings, Beijing time).

    Returns
    -------
    RepurchaseRate
        Buyers, repeat buyers and the repurchase rate (proportion).
    """
    with order_relation(orders, user_col=user_col, time_col=time_col, amount_col=None) as rel:
        od = buy_days(rel, "the orders")
    day = od["day"].max() if as_of is None else date_value(as_of, "as_of", zh="截至日期")
    od = orders_up_to(od, day, "the orders")
    n = None
    if within_days is not None:
        n = int(number(within_days, "within_days", zh="复购窗口天数", minimum=1, integer=True))
    first = od.groupby("user")["day"].transform("min")
    gap = (od["day"] - first).dt.days
    first_day = first.groupby(od["user"]).first()
    later = gap[gap > 0].groupby(od.loc[gap > 0, "user"]).min().reindex(first_day.index)
    if n is None:
        eligible = pd.Series(True, index=first_day.index)
        again = later.notna()
    else:
        eligible = (day - first_day).dt.days >= n
        again = later <= n
        if not eligible.any():
            raise EmptyDataError(
                f"no customer's first order is at least {n} days before {day:%Y-%m-%d}; "
                f"use a shorter within_days or more data"
            )
    customers = int(eligible.sum())
    repeaters = int((again & eligible).sum())
    return RepurchaseRate(
        customers=customers,
        repurchasers=repeaters,
        rate=repeaters / customers,
        within_days=n,
        as_of=day,
    )
