"""The user funnel, AIPL states and RFM scores of an event log in one scan of it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd

from casekit._checks import choice, date_value, event_log, number
from casekit.audience.aipl import aipl_aggregates, aipl_frame, aipl_params, aipl_window
from casekit.audience.orders import last_day, relation_with_days
from casekit.audience.rfm import rfm_aggregates, rfm_frame
from casekit.data import engine
from casekit.errors import EmptyDataError


@dataclass(frozen=True)
class Overview:
    """Result of :func:`overview`: the three standard views of one event log."""

    funnel: pd.DataFrame  # = funnel.stage_counts(events)
    aipl: pd.DataFrame  # = aipl_states(events, as_of, lookback_days=…, loyal_buy_days=…)
    rfm: pd.DataFrame  # = rfm_scores(events, as_of, amount_col=None, bins=…, split=…)
    as_of: pd.Timestamp
    open_funnel: pd.DataFrame  # = funnel.stage_counts(events, view="open")
    paths: pd.DataFrame  # = funnel.path_shares(events)


def overview(
    events: Any,
    as_of: Any = None,
    *,
    lookback_days: int = 30,
    loyal_buy_days: int = 2,
    bins: int = 5,
    split: Literal["mean", "median"] = "mean",
) -> Overview:
    """The user funnel, AIPL states and RFM scores of an event log, in one scan of it.

    Equal to calling :func:`casekit.funnel.stage_counts`, :func:`aipl_states` and
    :func:`rfm_scores` (with ``amount_col=None``) one by one, and built from the same SQL
    pieces, but all per-user aggregates come from a single pass over the log — what
    matters on a 100-million-row file. ``as_of`` defaults to the day of the last event.
    The other two funnel views of the whole log come from the same per-user flags, with no
    further scan: ``open_funnel`` (= ``stage_counts(events, view="open")``) and ``paths``
    (= ``funnel.path_shares(events)``).

    Parameters
    ----------
    events : pandas.DataFrame or path
        Event log in the Tianchi UserBehavior schema (DataFrame, path, EventSource or
        SqlTable).
    as_of : date-like or None
        Last day included (Beijing calendar day); None: the day of the last event.
    lookback_days : int, optional
        Days of history before ``as_of`` that count, >= 1.
    loyal_buy_days : int, optional
        Distinct purchase days that make a user loyal (L).
    bins : int, optional
        Score bins per R, F and M (2–10).
    split : str, optional
        ``'mean'`` or ``'median'``: how scores split into high and low.

    Returns
    -------
    Overview
        The funnel, AIPL and RFM tables of the log, plus its open stage counts and
        path shares.
    """
    from casekit.funnel import (
        open_counts_from_flags,
        path_shares_from_flags,
        stage_counts_from_flags,
        user_flag_aggregates,
    )

    day = None if as_of is None else date_value(as_of, "as_of", zh="截至日期")
    if not engine.is_source(events):
        event_log(events)
    lookback, loyal, _ = aipl_params(lookback_days, loyal_buy_days, None, events)
    nbins = int(number(bins, "bins", zh="分档数", minimum=2, maximum=10, integer=True))
    choice(split, "split", ("mean", "median"), zh="高低分界")
    with engine.relation(events) as rel:
        if day is None:
            day = last_day(rel)
        start, end = aipl_window(day, lookback)
        first, last = rel.min_ts(), rel.max_ts()
        whole = (
            first is not None
            and last is not None
            and start <= engine.day_of_ts(first)
            and engine.day_of_ts(last) <= end
        )
        if whole:
            # Every event is in the AIPL window and on or before as_of (the usual case, e.g.
            # the 9-day Tianchi log with a 30-day lookback): the funnel flags and the RFM
            # order counts follow from the AIPL counts, so 6 aggregates instead of 11.
            aggs = {
                **aipl_aggregates(start, end, prefix="a_", whole_log=True),
                "r_last_day": rfm_aggregates(end, prefix="r_", whole_log=True)["r_last_day"],
            }
        else:
            aggs = {
                **user_flag_aggregates(),
                **aipl_aggregates(start, end, prefix="a_"),
                **rfm_aggregates(end, prefix="r_"),
            }
        per_user = rel.query(
            f"SELECT user_id, {engine.select_sql(aggs)} FROM {relation_with_days()} "
            f"GROUP BY user_id ORDER BY user_id"
        )
        if whole:
            for flag, count in (
                ("f_pv", "a_pv"),
                ("f_cart", "a_cart"),
                ("f_fav", "a_fav"),
                ("f_buy", "a_buy"),
            ):
                per_user[flag] = (per_user[count].to_numpy() > 0).astype("int64")
            per_user["r_orders"] = per_user["a_buy"]
        aipl = aipl_frame(per_user, rel, loyal, None, prefix="a_")
        if aipl.empty:
            raise EmptyDataError(
                f"the event log has no events between {start} and {day:%Y-%m-%d}; choose "
                f"another as_of or a longer lookback_days"
            )
        if not (per_user["r_orders"].to_numpy() > 0).any():
            raise EmptyDataError(f"the event log has no 'buy' events on or before {day:%Y-%m-%d}")
        rfm = rfm_frame(per_user, rel, day, nbins, split, "user_id", prefix="r_")
        return Overview(
            funnel=stage_counts_from_flags(per_user),
            aipl=aipl,
            rfm=rfm,
            as_of=day,
            open_funnel=open_counts_from_flags(per_user),
            paths=path_shares_from_flags(per_user),
        )
