"""Path statistics of an event log, to hold the simulated logs to their calibration targets.

The targets live in ``datasets/catalog.yaml`` (``events_618.calibration.targets``, each with
a value, a tolerance and a source id); ``tests/test_generators.py`` checks that
``event_log`` stays within them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from casekit._checks import event_log as _checked_log

__all__ = ["CALIBRATION_STATS", "calibration_stats", "compare_with_targets"]

#: The statistics :func:`calibration_stats` returns, with their meaning.
CALIBRATION_STATS = {
    "pv_share": "pv events / all events",
    "cart_share": "cart events / all events",
    "fav_share": "fav events / all events",
    "buy_share": "buy events / all events",
    "events_per_user_day": "events / users / days of the log",
    "buyer_share": "users with a buy / all users",
    "buys_per_buyer": "buy events / users with a buy",
    "repurchase_rate": "users with buys on two or more days / users with a buy",
    "direct_buy_event_share": "buy events whose user never carted or faved that item",
    "daily_buyers_no_same_day_cart_fav": "a day's buyers without a cart or fav that day",
    "period_buyers_never_cart_fav": "buyers without any cart or fav in the log",
    "period_buyers_cart_not_fav": "buyers with a cart but no fav in the log",
    "period_buyers_fav_not_cart": "buyers with a fav but no cart in the log",
    "period_buyers_cart_and_fav": "buyers with both a cart and a fav in the log",
    "cart_to_buy_later_day_share": "buys after a cart of the item: last cart on an earlier day",
    "events_per_user_cv": "standard deviation / mean of the events per user",
}


def calibration_stats(events: Any) -> dict[str, float]:
    """Behaviour shares and user-path statistics of an event log (UserBehavior schema).

    Days are Beijing calendar days. The two buyer-path shares use
    :func:`casekit.funnel.path_shares` (by day, and over the whole log), so they are the
    numbers a student gets from the library.

    Parameters
    ----------
    events : DataFrame
        An event log with user_id, item_id, behavior_type and timestamp.

    Returns
    -------
    dict of str to float
        One value per key of ``CALIBRATION_STATS`` (shares in [0, 1], counts per user).
    """
    from casekit import funnel

    log = _checked_log(events, what="the event log")
    code = log["behavior_type"].cat.codes.to_numpy()
    user = log["user_id"].to_numpy()
    item = log["item_id"].to_numpy()
    seconds = log["timestamp"].array.asi8 // 1_000_000_000
    day = (seconds + 8 * 3600) // 86_400
    n = len(log)
    users = pd.unique(user)
    out: dict[str, float] = {}
    for name, c in (("pv", 0), ("cart", 1), ("fav", 2), ("buy", 3)):
        out[f"{name}_share"] = float(np.count_nonzero(code == c) / n)
    out["events_per_user_day"] = float(n / len(users) / (day.max() - day.min() + 1))
    buy = code == 3
    buyers = pd.unique(user[buy])
    out["buyer_share"] = len(buyers) / len(users)
    out["buys_per_buyer"] = float(buy.sum() / len(buyers))
    buy_days = pd.DataFrame({"u": user[buy], "d": day[buy]}).groupby("u")["d"].nunique()
    out["repurchase_rate"] = float((buy_days >= 2).mean())
    frame = pd.DataFrame({"u": user, "i": item, "c": code, "t": seconds, "d": day})
    cart_fav = frame[(frame["c"] == 1) | (frame["c"] == 2)][["u", "i"]].drop_duplicates()
    buys = frame[buy]
    linked = buys.merge(cart_fav.assign(k=1), on=["u", "i"], how="left")["k"].isna()
    out["direct_buy_event_share"] = float(linked.mean())
    daily = funnel.path_shares(log, by="day")
    out["daily_buyers_no_same_day_cart_fav"] = float(daily["direct"].sum() / daily["buyers"].sum())
    period = funnel.path_shares(log).iloc[0]
    out["period_buyers_never_cart_fav"] = float(period["direct_share"])
    out["period_buyers_cart_not_fav"] = float(period["via_cart_share"])
    out["period_buyers_fav_not_cart"] = float(period["via_fav_share"])
    out["period_buyers_cart_and_fav"] = float(period["via_both_share"])
    carts = frame[frame["c"] == 1].sort_values("t", kind="stable")
    after = pd.merge_asof(
        buys.sort_values("t", kind="stable"),
        carts[["u", "i", "t", "d"]].rename(columns={"d": "cart_d", "t": "cart_t"}),
        left_on="t",
        right_on="cart_t",
        by=["u", "i"],
        direction="backward",
    ).dropna(subset=["cart_d"])
    out["cart_to_buy_later_day_share"] = float((after["d"] > after["cart_d"]).mean())
    per_user = np.bincount(pd.factorize(user)[0])
    out["events_per_user_cv"] = float(per_user.std() / per_user.mean())
    return out



def compare_with_targets(path: Any, per_mille: int = 20) -> tuple[pd.DataFrame, int, int]:
    """A real log's statistics next to the calibration targets of ``events_618``.

    Parameters
    ----------
    path : str or Path
        A UserBehavior download (raw Tianchi CSV) or anything ``engine.open_events`` reads.
    per_mille : int
        Users kept per 1,000, picked by a hash of ``user_id`` (20 keeps about 20,000 users
        and 2M rows of the full log); 1000 keeps everyone.

    Returns
    -------
    (DataFrame, int, int)
        One row per statistic (``statistic, measured, target, tolerance, source``; the
        target columns are empty where the catalogue has none), the users and the events
        measured.
    """
    from casekit import data
    from casekit.data import engine

    events = engine.open_events(path).sample_users(per_mille)
    stats = calibration_stats(events)
    targets = data.describe("events_618")["calibration"]["targets"]
    rows = []
    for name in CALIBRATION_STATS:
        t = targets.get(name, {})
        rows.append({"statistic": name, "measured": stats[name], "target": t.get("value"),
                     "tolerance": t.get("tolerance"), "source": t.get("source", "")})
    return pd.DataFrame(rows), int(events["user_id"].nunique()), len(events)
