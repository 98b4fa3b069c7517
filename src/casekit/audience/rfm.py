"""RFM scores (最近一次消费, 消费频率, 消费金额) and the eight RFM segments."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd

from casekit._checks import choice, date_value, number
from casekit.audience.orders import order_relation, relation_with_days
from casekit.data import engine
from casekit.errors import EmptyDataError

#: The 8 RFM segments: (R high, F high, M high) → (Chinese, English).
RFM_SEGMENTS: dict[tuple[bool, bool, bool], tuple[str, str]] = {
    (True, True, True): ("重要价值客户", "champions"),
    (True, False, True): ("重要发展客户", "high-value, to develop"),
    (False, True, True): ("重要保持客户", "high-value, to keep"),
    (False, False, True): ("重要挽留客户", "high-value, to win back"),
    (True, True, False): ("一般价值客户", "regular, loyal"),
    (True, False, False): ("一般发展客户", "regular, to develop"),
    (False, True, False): ("一般保持客户", "regular, to keep"),
    (False, False, False): ("一般挽留客户", "regular, lapsing"),
}


def _score(values: pd.Series, bins: int) -> np.ndarray:
    """Quantile score 1..bins from the mid-rank percentile (higher value → higher score).

    Percentile rank PR = (rank_avg − 0.5) / n (ties share their average rank), score =
    floor(bins × PR) + 1, computed in integers so bin edges are exact.
    """
    n = len(values)
    twice_rank = np.round(values.rank(method="average").to_numpy() * 2).astype("int64")
    return ((twice_rank - 1) * bins) // (2 * n) + 1


def rfm_scores(
    orders: pd.DataFrame,
    as_of: Any,
    *,
    user_col: str = "user_id",
    time_col: str = "timestamp",
    amount_col: str | None = "amount_cny",
    bins: int = 5,
    split: Literal["mean", "median"] = "mean",
) -> pd.DataFrame:
    """RFM scores and the 8 RFM segments (RFM模型) per customer as of a date.

    Orders (one row each, or ``buy`` events of an event log) on or before ``as_of``
    (inclusive Beijing day) are used:

    * ``recency_days`` = ``as_of`` − the day of the last order (0 = bought that day);
    * ``frequency`` = number of orders;
    * ``monetary`` = sum of ``amount_col`` in CNY; with ``amount_col=None`` (e.g. Tianchi
      logs, which carry no prices) it is the number of orders, so M repeats F.

    Scores ``R, F, M`` run 1..``bins`` (5 = best; R ranks recent first). Each is the
    quantile of the mid-rank percentile ``PR = (average rank − 0.5) / n``:
    ``score = floor(bins × PR) + 1``. Equal values always get the same score (ties share
    their average rank), so a value held by many customers lands in the middle of its range.

    Segments: each score is "high" when above the ``split`` (mean or median) of that score
    over all customers; (R, F, M) high/low give the 8 segments of :data:`RFM_SEGMENTS`,
    e.g. high R, F, M = 重要价值客户, low R and F but high M = 重要挽留客户.

    Returns ``user_col``, ``last_order_date``, ``recency_days``, ``frequency``,
    ``monetary``, ``R``, ``F``, ``M``, ``rfm`` (e.g. ``'545'``), ``segment`` (Chinese,
    ordered category) and ``segment_en``; sorted by user.

    Parameters
    ----------
    orders : pandas.DataFrame
        One row per order (user, time, optional amount in CNY), or an event log whose
        ``buy`` events are the orders.
    as_of : date-like
        Day the recency is measured from (Beijing calendar day, included).
    user_col : str, optional
        Column of user ids.
    time_col : str, optional
        Column of order times (Unix seconds, date-times or date strings, Beijing time).
    amount_col : str or None
        Column of order amounts, CNY; None counts orders only.
    bins : int, optional
        Score bins per R, F and M (2–10).
    split : str, optional
        ``'mean'`` or ``'median'``: how scores split into high and low.

    Returns
    -------
    pandas.DataFrame
        One row per user: recency_days, frequency, monetary (CNY), R, F, M scores and
        segment.
    """
    day = date_value(as_of, "as_of", zh="截至日期")
    nbins = int(number(bins, "bins", zh="分档数", minimum=2, maximum=10, integer=True))
    choice(split, "split", ("mean", "median"), zh="高低分界")
    rel = order_relation(orders, user_col=user_col, time_col=time_col, amount_col=amount_col)
    with rel:
        aggs = rfm_aggregates(engine.day_number(day), with_amount=amount_col is not None)
        per_user = rel.query(
            f"SELECT user_id, {engine.select_sql(aggs)} "
            f"FROM {relation_with_days()} WHERE b = 3 AND d <= {engine.day_number(day)} "
            f"GROUP BY user_id ORDER BY user_id"
        )
        if per_user.empty:
            any_buy = rel.query(f"SELECT user_id FROM {relation_with_days()} WHERE b = 3 LIMIT 1")
            raise EmptyDataError(
                "the orders have no 'buy' events (购买), so there are no orders"
                if any_buy.empty
                else f"the orders have no orders on or before {day:%Y-%m-%d}"
            )
        return rfm_frame(per_user, rel, day, nbins, split, user_col)


def rfm_aggregates(
    as_of: int, *, with_amount: bool = False, prefix: str = "", whole_log: bool = False
) -> dict[str, str]:
    """Per-user SQL aggregates of RFM as of Beijing day number ``as_of`` (``b``, ``d``).

    ``whole_log=True`` says no event is after ``as_of``, so the test is left out.

    Parameters
    ----------
    as_of : int
        Beijing day number the recency is measured from.
    with_amount : bool, optional
        True to also aggregate order amounts (CNY).
    prefix : str, optional
        Prefix of the aggregate column names.
    whole_log : bool, optional
        True when every event lies in the window (simpler SQL).

    Returns
    -------
    dict of str to str
        Column name → SQL aggregate over the engine relation.
    """
    bought = "b = 3" if whole_log else f"b = 3 AND d <= {as_of}"
    aggs = {
        f"{prefix}last_day": f"max(CASE WHEN {bought} THEN d END)",
        f"{prefix}orders": f"sum(CASE WHEN {bought} THEN 1 ELSE 0 END)",
    }
    if with_amount:
        aggs[f"{prefix}amount"] = f"sum(CASE WHEN {bought} THEN amount ELSE 0 END)"
    return aggs


def rfm_frame(
    per_user: pd.DataFrame,
    rel: engine.Relation,
    day: pd.Timestamp,
    nbins: int,
    split: str,
    user_col: str,
    prefix: str = "",
) -> pd.DataFrame:
    """Per-user aggregates (from :func:`rfm_aggregates`) → the RFM scores frame."""
    per_user = per_user[per_user[f"{prefix}orders"].to_numpy() > 0]
    codes = per_user["user_id"].to_numpy().astype("int64")
    last_day = per_user[f"{prefix}last_day"].to_numpy().astype("int64")
    freq = pd.Series(per_user[f"{prefix}orders"].to_numpy().astype("int64"))
    with_amount = f"{prefix}amount" in per_user.columns
    if with_amount:
        money = pd.Series(per_user[f"{prefix}amount"].to_numpy().astype("float64"))
    else:
        money = freq.astype("float64")
    recency = pd.Series(engine.day_number(day) - last_day)
    last = engine.days_to_datetimes(last_day)
    r = _score(-recency.astype("float64"), nbins)
    f = _score(freq.astype("float64"), nbins)
    m = _score(money.astype("float64"), nbins) if with_amount else f  # M repeats F

    def high(x: np.ndarray) -> np.ndarray:
        cut = x.mean() if split == "mean" else np.median(x)
        return x > cut

    rh, fh, mh = high(r), high(f), high(m)
    # Vectorised (a million customers is common): segment and score text by lookup.
    segments = list(RFM_SEGMENTS)
    by_flags = np.empty(8, dtype="int8")
    for i, (a, b, c) in enumerate(segments):
        by_flags[a * 4 + b * 2 + c] = i
    seg_code = by_flags[rh.astype(int) * 4 + fh.astype(int) * 2 + mh.astype(int)]
    seg_dtype = pd.CategoricalDtype([zh for zh, _ in RFM_SEGMENTS.values()], ordered=True)
    seg_en = np.array([en for _, en in RFM_SEGMENTS.values()], dtype=object)
    rfm_text = np.array([f"{i:03d}" for i in range(1000)], dtype=object)
    return pd.DataFrame(
        {
            user_col: rel.users(codes),
            "last_order_date": last,
            "recency_days": recency.to_numpy().astype("int64"),
            "frequency": freq.to_numpy().astype("int64"),
            "monetary": money.to_numpy().astype("float64"),
            "R": r,
            "F": f,
            "M": m,
            "rfm": (
                rfm_text[r * 100 + f * 10 + m]
                if nbins <= 9
                else [f"{a}{b}{c}" for a, b, c in zip(r, f, m, strict=True)]
            ),
            "segment": pd.Categorical.from_codes(seg_code, dtype=seg_dtype),
            "segment_en": seg_en[seg_code],
        }
    )
