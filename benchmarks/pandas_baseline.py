"""The straightforward pandas version of funnel, AIPL and RFM (the pre-DuckDB casekit code).

What a student would write with ``df = pd.read_parquet("UserBehavior.csv.casekit.parquet")``:
group-bys over the whole frame in memory. The frame has the columns of the casekit cache:
``user_id, item_id, category_id`` (int64), ``b`` (int8: 0 pv, 1 cart, 2 fav, 3 buy) and
``ts`` (int64 Unix seconds). A Beijing calendar day is ``floor((ts + 8 h) / 1 day)``.

The results have exactly the columns and dtypes of casekit's ``stage_counts(by=None)``
(closed and open view), ``path_shares(window=None or N)``, ``aipl_states`` and
``rfm_scores(amount_col=None)``, so the tests use this module as an
independent oracle for the SQL implementation and ``bench_scale.py`` as the baseline.
Only the label tables (state and segment names) come from casekit.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from casekit.audience import AIPL_STATES, RFM_SEGMENTS

BEIJING_OFFSET_S = 8 * 3600
PV, CART, FAV, BUY = 0, 1, 2, 3


def beijing_day(ts: pd.Series) -> pd.Series:
    """Days since 1970-01-01 (Beijing calendar) of Unix seconds."""
    return (ts + BEIJING_OFFSET_S) // 86_400


def day_number(as_of: Any, df: pd.DataFrame) -> int:
    """The Beijing day number of ``as_of`` (a date); None → the day of the last event."""
    if as_of is None:
        return int(beijing_day(df["ts"]).max())
    day = pd.Timestamp(as_of)
    if day.tzinfo is not None:
        day = day.tz_convert("Asia/Shanghai").tz_localize(None)
    return (day.normalize() - pd.Timestamp("1970-01-01")).days


def _has(df: pd.DataFrame) -> pd.DataFrame:
    """Per user and behaviour code (columns 0..3): the number of events."""
    counts = df.groupby(["user_id", "b"]).size().unstack(fill_value=0)
    return counts.reindex(columns=[PV, CART, FAV, BUY], fill_value=0)


def funnel_users(df: pd.DataFrame) -> pd.DataFrame:
    """Closed user funnel pv → cart / fav → cart_or_fav → buy, one row (``stage_counts``)."""
    has = _has(df) > 0
    pv = has[PV]
    cart = pv & has[CART]
    fav = pv & has[FAV]
    cart_or_fav = cart | fav
    buy = cart_or_fav & has[BUY]
    stages = {"pv": pv, "cart": cart, "fav": fav, "cart_or_fav": cart_or_fav, "buy": buy}
    return pd.DataFrame({name: [int(flag.sum())] for name, flag in stages.items()}, dtype="int64")


def funnel_open(df: pd.DataFrame) -> pd.DataFrame:
    """Open stage counts: users who did each step, one row (``stage_counts(view="open")``)."""
    has = _has(df) > 0
    stages = {
        "pv": has[PV],
        "cart": has[CART],
        "fav": has[FAV],
        "cart_or_fav": has[CART] | has[FAV],
        "buy": has[BUY],
    }
    return pd.DataFrame({name: [int(flag.sum())] for name, flag in stages.items()}, dtype="int64")


def path_shares(df: pd.DataFrame, window: int | None = None) -> pd.DataFrame:
    """Buyers by path over the whole log, one row (``funnel.path_shares(events, window=…)``).

    ``window=None``: a cart / fav anywhere in the log counts; ``window=N``: only on the day
    of one of the user's buys or up to N days before it (Beijing days).
    """
    has = _has(df) > 0
    buyer = has[BUY]
    if window is None:
        w_cart, w_fav = has[CART], has[FAV]
    else:
        days = df.assign(d=beijing_day(df["ts"]))
        per_day = days.groupby(["user_id", "d", "b"]).size().unstack(fill_value=0) > 0
        per_day = per_day.reindex(columns=[PV, CART, FAV, BUY], fill_value=False).reset_index()
        buys = per_day.loc[per_day[BUY], ["user_id", "d"]]
        acts = per_day.loc[per_day[CART] | per_day[FAV], ["user_id", "d", CART, FAV]]
        pairs = buys.merge(acts, on="user_id", suffixes=("", "_act"))
        near = pairs[(pairs["d_act"] >= pairs["d"] - window) & (pairs["d_act"] <= pairs["d"])]
        hit = near.groupby("user_id")[[CART, FAV]].any().reindex(has.index, fill_value=False)
        w_cart, w_fav = hit[CART], hit[FAV]
    paths = {
        "direct": buyer & ~w_cart & ~w_fav,
        "via_cart": buyer & w_cart & ~w_fav,
        "via_fav": buyer & ~w_cart & w_fav,
        "via_both": buyer & w_cart & w_fav,
    }
    buyers = int(buyer.sum())
    out = pd.DataFrame({"buyers": [buyers]}, dtype="int64")
    for name, flag in paths.items():
        out[name] = np.int64(flag.sum())
    for name in paths:
        out[f"{name}_share"] = out[name] / buyers if buyers else np.nan
    out["attributed_buy"] = np.int64((buyer & has[PV] & (w_cart | w_fav)).sum())
    return out


def aipl_states(
    df: pd.DataFrame, as_of: Any = None, lookback_days: int = 30, loyal_buy_days: int = 2
) -> pd.DataFrame:
    """AIPL state per user with events in the ``lookback_days`` days ending ``as_of``."""
    end = day_number(as_of, df)
    day = beijing_day(df["ts"])
    inside = (day >= end - lookback_days + 1) & (day <= end)
    w = df[inside]
    counts = _has(w)
    buys = w[w["b"] == BUY]
    buy_days = (
        beijing_day(buys["ts"])
        .groupby(buys["user_id"])
        .nunique()
        .reindex(counts.index, fill_value=0)
    )
    state = np.select(
        [
            buy_days.to_numpy() >= loyal_buy_days,
            counts[BUY].to_numpy() > 0,
            (counts[CART] + counts[FAV]).to_numpy() > 0,
        ],
        ["L", "P", "I"],
        default="A",
    )
    return pd.DataFrame(
        {
            "user_id": counts.index.to_numpy().astype("int64"),
            "state": pd.Categorical(
                state, dtype=pd.CategoricalDtype(list(AIPL_STATES), ordered=True)
            ),
            "pv": counts[PV].to_numpy().astype("int64"),
            "cart": counts[CART].to_numpy().astype("int64"),
            "fav": counts[FAV].to_numpy().astype("int64"),
            "buy": counts[BUY].to_numpy().astype("int64"),
            "buy_days": buy_days.to_numpy().astype("int64"),
        }
    )


def _score(values: pd.Series, bins: int) -> np.ndarray:
    """Score 1..bins = floor(bins × (average rank − 0.5) / n) + 1, in exact integers."""
    twice_rank = np.round(values.rank(method="average").to_numpy() * 2).astype("int64")
    return ((twice_rank - 1) * bins) // (2 * len(values)) + 1


def rfm_scores(
    df: pd.DataFrame, as_of: Any = None, bins: int = 5, split: str = "mean"
) -> pd.DataFrame:
    """RFM scores and segments from the ``buy`` events on or before ``as_of`` (M = orders)."""
    end = day_number(as_of, df)
    buys = df[df["b"] == BUY]
    day = beijing_day(buys["ts"])
    keep = day <= end
    buys, day = buys[keep], day[keep]
    by_user = day.groupby(buys["user_id"])
    last = by_user.max()
    freq = by_user.size()
    money = freq.astype("float64")
    recency = end - last
    r = _score(-recency.astype("float64"), bins)
    f = _score(freq.astype("float64"), bins)
    m = _score(money, bins)

    def high(x: np.ndarray) -> np.ndarray:
        return x > (x.mean() if split == "mean" else np.median(x))

    labels = [
        RFM_SEGMENTS[(bool(a), bool(b), bool(c))]
        for a, b, c in zip(high(r), high(f), high(m), strict=True)
    ]
    segments = pd.CategoricalDtype([zh for zh, _ in RFM_SEGMENTS.values()], ordered=True)
    return pd.DataFrame(
        {
            "user_id": last.index.to_numpy().astype("int64"),
            "last_order_date": pd.to_datetime(last.to_numpy(), unit="D").as_unit("ns"),
            "recency_days": recency.to_numpy().astype("int64"),
            "frequency": freq.to_numpy().astype("int64"),
            "monetary": money.to_numpy(),
            "R": r,
            "F": f,
            "M": m,
            "rfm": [f"{a}{b}{c}" for a, b, c in zip(r, f, m, strict=True)],
            "segment": pd.Categorical([zh for zh, _ in labels], dtype=segments),
            "segment_en": [en for _, en in labels],
        }
    )
