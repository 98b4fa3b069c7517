"""新客 / 老客 / 潜客: new, returning and prospect customers of a period."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from casekit._checks import date_value, event_log, require_frame
from casekit.audience.orders import days_of, purchases
from casekit.errors import BadParameterError, EmptyDataError

#: 新客/老客/潜客 → English.
CUSTOMER_TYPES: dict[str, str] = {"新客": "new", "老客": "returning", "潜客": "prospect"}


def customer_types(
    data: pd.DataFrame,
    period_start: Any,
    period_end: Any,
    *,
    user_col: str = "user_id",
    time_col: str = "timestamp",
) -> pd.DataFrame:
    """新客 / 老客 / 潜客 (new / returning / prospect) for a period such as a 618 campaign.

    ``data`` is an event log (``buy`` events are purchases) or an order table (every row a
    purchase). The period runs from ``period_start`` to ``period_end``, inclusive Beijing
    days. The population is every user with any row on or before ``period_end``:

    * 新客 (new): first purchase ever (in the data) falls in the period;
    * 老客 (returning): first purchase before the period (whether or not they bought again);
    * 潜客 (prospect): no purchase up to ``period_end`` but some ``pv``/``cart``/``fav`` —
      only possible with an event log.

    Returns ``user_col``, ``customer_type`` (category 新客/老客/潜客), ``type_en``,
    ``first_purchase_date`` (NaT for 潜客), ``bought_in_period`` (e.g. 老客 recalled by the
    campaign) and ``active_in_period`` (any row in the period); sorted by user.

    Parameters
    ----------
    data : pandas.DataFrame
        Orders or an event log (see :func:`customer_types` above).
    period_start : date-like
        First day of the period (Beijing).
    period_end : date-like
        Last day of the period, inclusive.
    user_col : str, optional
        Column of user ids.
    time_col : str, optional
        Column of order times (Unix seconds, date-times or date strings, Beijing time).

    Returns
    -------
    pandas.DataFrame
        One row per user: user_col, customer_type (新客/老客/潜客), type_en and the first
        purchase date.
    """
    start = date_value(period_start, "period_start", zh="开始日期")
    end = date_value(period_end, "period_end", zh="结束日期")
    if end < start:
        raise BadParameterError(
            "period_end", period_end, f"a date on or after period_start ({start:%Y-%m-%d})"
        )
    df = require_frame(data, "the data")
    if "behavior_type" in df.columns:
        log = event_log(df.rename(columns={user_col: "user_id", time_col: "timestamp"}))
        rows = pd.DataFrame(
            {
                "user": log["user_id"].to_numpy(),
                "day": days_of(log["timestamp"]).to_numpy(),
                "buy": (log["behavior_type"] == "buy").to_numpy(),
            }
        )
    else:
        od = purchases(df, user_col=user_col, time_col=time_col, amount_col=None)
        rows = pd.DataFrame({"user": od["user"], "day": od["day"], "buy": True})
    rows = rows[rows["day"] <= end]
    if rows.empty:
        raise EmptyDataError(f"the data has no rows on or before {end:%Y-%m-%d}")
    in_period = (rows["day"] >= start) & (rows["day"] <= end)
    users = pd.Index(np.sort(pd.unique(rows["user"])), name="user")
    buys = rows[rows["buy"]]
    first = buys.groupby("user")["day"].min().reindex(users)
    bought = rows.loc[in_period & rows["buy"], "user"].unique()
    active = rows.loc[in_period, "user"].unique()
    kind = np.select(
        [first.isna().to_numpy(), (first < start).to_numpy()], ["潜客", "老客"], default="新客"
    )
    return pd.DataFrame(
        {
            user_col: users.to_numpy(),
            "customer_type": pd.Categorical(kind, categories=list(CUSTOMER_TYPES)),
            "type_en": [CUSTOMER_TYPES[k] for k in kind],
            "first_purchase_date": first.to_numpy(),
            "bought_in_period": users.isin(bought),
            "active_in_period": users.isin(active),
        }
    )
