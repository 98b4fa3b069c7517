"""Fan growth (粉丝增长) of a store, by day and by campaign phase."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from casekit._checks import (
    date_column,
    number,
    require_columns,
    require_frame,
    require_numeric_column,
)
from casekit.audience.orders import missing_column
from casekit.campaign import check_calendar, phase_of
from casekit.errors import EmptyDataError, SchemaViolationError

_OUTSIDE = "活动外"


@dataclass(frozen=True, eq=False)
class FanGrowth:
    """Result of :func:`fan_growth`.

    ``daily``: date, new_fans, cumulative_fans, growth_rate, share_of_growth (and phase).
    ``by_phase``: per phase (with a calendar) or None. Peak = the day (phase) with most new
    fans; shares are of all new fans in the table (NaN when there were none).
    """

    total_new_fans: float
    peak_date: pd.Timestamp
    peak_new_fans: float
    peak_day_share: float
    peak_phase: str | None
    peak_phase_share: float | None
    daily: pd.DataFrame = field(repr=False)
    by_phase: pd.DataFrame | None = field(repr=False)


def fan_growth(
    daily: pd.DataFrame,
    *,
    date_col: str = "date",
    new_col: str = "new_fans",
    cumulative_col: str | None = None,
    start_fans: float | None = None,
    calendar: pd.DataFrame | None = None,
) -> FanGrowth:
    """Fan / member growth (粉丝/会员增长) over a campaign from a daily table.

    The table has one row per day, no gaps, and either new fans per day (``new_col``) or,
    with ``cumulative_col``, the fan count at the end of each day. Then:

    * ``new_fans`` = the daily column, or the day-to-day increase of the cumulative one;
    * ``cumulative_fans`` = ``start_fans`` (fans before the first day; default 0) + running
      sum — or the cumulative column itself;
    * ``growth_rate`` = new_fans / cumulative fans at the end of the previous day (NaN when
      that is 0);
    * ``share_of_growth`` = new_fans / all new fans in the table.

    With a cumulative column and ``start_fans=None``, the first day is the opening balance:
    its new fans are unknown (NaN) and it is left out of totals and shares. Counts are gross
    new fans (≥ 0; a falling cumulative count raises). With ``calendar`` (e.g.
    :func:`casekit.campaign.calendar_618`) each day gets its ``phase`` (活动外 outside the
    phases) and ``by_phase`` sums them.

    Parameters
    ----------
    daily : pandas.DataFrame
        One row per day with the metric columns.
    date_col : str, optional
        Column of dates.
    new_col : str, optional
        Column of new fans per day (count).
    cumulative_col : str or None
        Column of the fan total per day, or None.
    start_fans : float or None
        Fans before the first day, or None.
    calendar : pandas.DataFrame or None
        Optional phase table (``phase``, ``start``, ``end``) to total fans by phase.

    Returns
    -------
    FanGrowth
        Daily fan totals and growth, and totals by phase when a calendar is given.
    """
    what = "the daily fan table"
    df = require_frame(daily, what)
    require_columns(df, (date_col,), what=what, zh={date_col: "日期"})
    dates = date_column(df[date_col], date_col, what=what, zh="日期")
    order = np.argsort(dates.to_numpy(), kind="stable")
    df, dates = df.iloc[order], dates.iloc[order]
    if dates.duplicated().any():
        dup = dates[dates.duplicated()].iloc[0]
        raise SchemaViolationError(
            f"column {date_col!r} (日期) of {what} has {dup:%Y-%m-%d} twice; one row per day",
            column=date_col,
        )
    gaps = dates.diff().dt.days.iloc[1:]
    if (gaps > 1).any():
        after = dates.iloc[1:][(gaps > 1).to_numpy()].iloc[0]
        raise SchemaViolationError(
            f"{what} skips days before {after:%Y-%m-%d}; add the missing days (with 0 new "
            f"fans) so daily rates are day on day",
            column=date_col,
        )
    opening = None
    if start_fans is not None:
        opening = number(start_fans, "start_fans", zh="期初粉丝数", minimum=0)
    if cumulative_col is None:
        if new_col not in df.columns:
            missing_column(
                new_col,
                df,
                what=what,
                zh="新增粉丝",
                hint="Pass cumulative_col='...' if the table has cumulative fan counts.",
            )
        new = require_numeric_column(df, new_col, zh="新增粉丝", what=what).to_numpy()
        cum = (opening or 0.0) + np.cumsum(new)
        prev = np.concatenate([[opening or 0.0], cum[:-1]])
    else:
        require_columns(df, (cumulative_col,), what=what, zh={cumulative_col: "累计粉丝"})
        cum = require_numeric_column(df, cumulative_col, zh="累计粉丝", what=what).to_numpy()
        prev = np.concatenate([[np.nan if opening is None else opening], cum[:-1]])
        new = cum - prev
        if (new < 0).any():
            bad = dates.iloc[int(np.flatnonzero(new < 0)[0])]
            raise SchemaViolationError(
                f"column {cumulative_col!r} (累计粉丝) of {what} falls on {bad:%Y-%m-%d} "
                f"(or start_fans is above the first day); expected a non-decreasing count",
                column=cumulative_col,
            )
    with np.errstate(divide="ignore", invalid="ignore"):
        growth = np.where(prev > 0, new / np.where(prev > 0, prev, 1.0), np.nan)
    total = float(np.nansum(new))
    share = new / total if total > 0 else np.full(len(new), np.nan)
    out = pd.DataFrame(
        {
            "date": dates.to_numpy(),
            "new_fans": new,
            "cumulative_fans": cum,
            "growth_rate": growth,
            "share_of_growth": share,
        }
    )
    known = out["new_fans"].notna()
    if not known.any():
        raise EmptyDataError(f"{what} has only the opening day; add days or pass start_fans")
    peak_i = int(out.loc[known, "new_fans"].idxmax())
    by_phase = None
    peak_phase = peak_phase_share = None
    if calendar is not None:
        cal = check_calendar(calendar)
        phases = phase_of(out["date"], cal).fillna(_OUTSIDE)
        out["phase"] = phases.to_numpy()
        labels = [*cal["phase"], _OUTSIDE]
        sums = out.loc[known].groupby("phase")["new_fans"].agg(["size", "sum"])
        sums = sums.reindex(labels)
        sums = sums[sums["size"].notna() | (sums.index != _OUTSIDE)].fillna(0)
        by_phase = pd.DataFrame(
            {
                "phase": sums.index.to_numpy(),
                "days": sums["size"].to_numpy().astype("int64"),
                "new_fans": sums["sum"].to_numpy(),
                "share_of_growth": sums["sum"].to_numpy() / total if total > 0 else np.nan,
            }
        )
        if total > 0:
            top = int(by_phase["new_fans"].to_numpy().argmax())
            peak_phase = str(by_phase["phase"].iloc[top])
            peak_phase_share = float(by_phase["share_of_growth"].iloc[top])
    return FanGrowth(
        total_new_fans=total,
        peak_date=pd.Timestamp(out["date"].iloc[peak_i]),
        peak_new_fans=float(out["new_fans"].iloc[peak_i]),
        peak_day_share=float(out["share_of_growth"].iloc[peak_i]),
        peak_phase=peak_phase,
        peak_phase_share=peak_phase_share,
        daily=out,
        by_phase=by_phase,
    )
