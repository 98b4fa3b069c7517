"""生意参谋-style diagnosis (智能诊断) of a store's daily metrics.

Input is a daily store table, one row per calendar day. Canonical column names (rename
with ``columns={"paying_buyers": "orders", ...}``):

==================  =============  ==========================================================
name                中文            role
==================  =============  ==========================================================
date                日期            required; dates, date strings or date-times (Beijing time)
visitors            访客数          required
gmv_cny             支付金额        required, CNY
paying_buyers       支付买家数      buyers; if absent, derived from conversion_rate × visitors,
                                   else from gmv_cny / aov_cny
conversion_rate     支付转化率      optional, proportion in [0, 1]; ignored when buyers exist
aov_cny             客单价          optional, CNY per buyer; ignored when buyers exist
stock_out_items     缺货商品数      optional; lets the diagnosis name a stock-out
ad_spend_cny        推广花费        optional; lets a traffic drop be traced to paid traffic
==================  =============  ==========================================================

Conversion rate (buyers / visitors) and AOV (GMV / buyers) are always recomputed from the
counts, so GMV = visitors × conversion rate × AOV holds exactly (exports often round them).

**Anomalies** use a robust score (modified z-score, Iglewicz & Hoaglin 1993) of each day
against its baseline::

    score = 0.6745 · (x − median) / MAD,   MAD = median(|x_i − median|)

over the baseline values x_i. 0.6745 is the 75th percentile of the standard normal, so the
score is on the scale of an ordinary z-score for normal noise; |score| > 3.5 is Iglewicz and
Hoaglin's cut-off.

**Baseline** of a day: the ``window`` most recent earlier days that were not themselves
flagged, looking back at most ``2 × window`` calendar days. Why robust: a mean and standard
deviation would be dragged down by a stock-out week and widened by a 618 peak, hiding the
next problem. Median and MAD resist a few such days, and leaving flagged days out goes
further: a stock-out week, or month, never enters the baseline, every day of it is flagged
(not only the first half, as with a plain rolling median), and the weeks after it are
judged against the last normal weeks. The price: a lasting change of level is flagged for
up to about ``2 × window − min_periods`` days before it becomes the new normal. Days with
fewer than ``min_periods`` baseline values are not scored (and may join later baselines).

When MAD is 0 (over half the baseline values identical) the score falls back to
(x − median) / (1.253314 · mean absolute deviation), and to ±inf when every baseline day is
identical and x differs. A day is flagged when |score| > threshold **and**
|x / median − 1| >= ``min_relative_change`` (default 10 %), so a tiny wobble on a very
steady series is not reported.

False alarms: median and MAD are themselves estimated from a few weeks, so on pure normal
noise a full 28-day window flags about 0.6 % of days at 3.5 (about 1.8 % with only 14 days
of history, 0.06 % at threshold 5). Use a longer window or a higher threshold for fewer.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from casekit import funnel
from casekit._checks import (
    TZ,
    choice,
    number,
    require_columns,
    require_frame,
    require_numeric_column,
)
from casekit.errors import (
    BadParameterError,
    EmptyDataError,
    SchemaViolationError,
    UnknownParameterError,
)

__all__ = [
    "CAUSES",
    "COLUMN_ZH",
    "DEFAULT_COLUMNS",
    "Diagnosis",
    "anomaly_scores",
    "attribute_change",
    "diagnose",
    "find_anomalies",
]

DEFAULT_COLUMNS: dict[str, str] = {
    "date": "date",
    "visitors": "visitors",
    "paying_buyers": "paying_buyers",
    "gmv_cny": "gmv_cny",
    "conversion_rate": "conversion_rate",
    "aov_cny": "aov_cny",
    "stock_out_items": "stock_out_items",
    "ad_spend_cny": "ad_spend_cny",
}
COLUMN_ZH = {
    "date": "日期",
    "visitors": "访客数",
    "paying_buyers": "支付买家数",
    "gmv_cny": "支付金额",
    "conversion_rate": "支付转化率",
    "aov_cny": "客单价",
    "stock_out_items": "缺货商品数",
    "ad_spend_cny": "推广花费",
}
_OUTCOMES = ("gmv_cny", "visitors", "conversion_rate", "aov_cny")  # GMV first: it leads
_DRIVERS = ("stock_out_items", "ad_spend_cny")
_DIRECTION_ZH = {"drop": "下降", "spike": "上升"}
_SCORE_COLUMNS = [
    "date",
    "metric",
    "metric_zh",
    "value",
    "baseline",
    "mad",
    "score",
    "relative_change",
    "direction",
    "direction_zh",
]
CAUSES = {
    "stock_out": "缺货",
    "traffic_drop": "流量下降",
    "conversion_drop": "转化率下降",
    "aov_drop": "客单价下降",
    "traffic_rise": "流量上升",
    "conversion_rise": "转化率上升",
    "aov_rise": "客单价上升",
    "mixed": "多因素共同作用",
    "undetermined": "无法判断",
}

# ---------------------------------------------------------------------------------------
# input
# ---------------------------------------------------------------------------------------


def _column_map(columns: Mapping[str, str] | None) -> tuple[dict[str, str], set[str]]:
    """Canonical → actual column names, and the canonical names the caller set explicitly."""
    if columns is None:
        return dict(DEFAULT_COLUMNS), set()
    if not isinstance(columns, Mapping):
        raise BadParameterError("columns", columns, "a dict such as {'paying_buyers': 'orders'}")
    for key, value in columns.items():
        if key not in DEFAULT_COLUMNS:
            raise UnknownParameterError(key, DEFAULT_COLUMNS, where="columns=")
        if not isinstance(value, str):
            raise BadParameterError(f"columns[{key!r}]", value, "a column name (str)")
    return {**DEFAULT_COLUMNS, **columns}, set(columns)


def _dates(raw: pd.Series, column: str) -> pd.Series:
    if isinstance(raw.dtype, pd.DatetimeTZDtype):
        out = raw.dt.tz_convert(TZ).dt.tz_localize(None)
    elif pd.api.types.is_datetime64_dtype(raw):
        out = raw
    elif pd.api.types.is_numeric_dtype(raw):
        raise SchemaViolationError(
            f"column {column!r} (日期) has dtype {raw.dtype}; expected dates such as '2024-06-18'",
            column=column,
        )
    else:
        out = pd.to_datetime(raw, errors="coerce")
    if out.isna().any():
        bad = raw[out.isna()].iloc[0]
        raise SchemaViolationError(
            f"column {column!r} (日期) has value {bad!r}; expected a date such as '2024-06-18'",
            column=column,
        )
    return out.dt.normalize().astype("datetime64[ns]")


def _prepare(daily: Any, columns: Mapping[str, str] | None) -> pd.DataFrame:
    """Validated table indexed by day with canonical columns and derived rates."""
    cols, explicit = _column_map(columns)
    df = require_frame(daily, "the daily table")
    what = "the daily table"
    require_columns(
        df,
        [cols["date"], cols["visitors"], cols["gmv_cny"]],
        what=what,
        zh={cols[k]: COLUMN_ZH[k] for k in ("date", "visitors", "gmv_cny")},
    )
    for key in explicit - {"date", "visitors", "gmv_cny"}:
        require_columns(df, [cols[key]], what=what, zh={cols[key]: COLUMN_ZH[key]})

    def num(key: str) -> pd.Series:
        return require_numeric_column(df, cols[key], zh=COLUMN_ZH[key], what=what)

    out = pd.DataFrame(index=df.index)
    out["date"] = _dates(df[cols["date"]], cols["date"])
    out["visitors"] = num("visitors")
    out["gmv_cny"] = num("gmv_cny")
    if cols["paying_buyers"] in df.columns:
        out["paying_buyers"] = num("paying_buyers")
    elif cols["conversion_rate"] in df.columns:
        cr = num("conversion_rate")
        if (cr > 1).any():
            raise SchemaViolationError(
                f"column {cols['conversion_rate']!r} (支付转化率) has value "
                f"{cr[cr > 1].iloc[0]!r}; expected a proportion in [0, 1] (write 3% as 0.03)",
                column=cols["conversion_rate"],
            )
        out["paying_buyers"] = out["visitors"] * cr
    elif cols["aov_cny"] in df.columns:
        a = num("aov_cny")
        out["paying_buyers"] = np.where(a > 0, out["gmv_cny"] / a.where(a > 0, 1.0), 0.0)
    else:
        raise SchemaViolationError(
            f"the daily table has no column {cols['paying_buyers']!r} (支付买家数), "
            f"{cols['conversion_rate']!r} (支付转化率) or {cols['aov_cny']!r} (客单价); one "
            f"of them is needed to split GMV. Map your column, e.g. "
            f"columns={{'paying_buyers': 'orders'}}",
            column=cols["paying_buyers"],
        )
    for key in _DRIVERS:
        if cols[key] in df.columns:
            out[key] = num(key)

    dup = out["date"].duplicated()
    if dup.any():
        raise SchemaViolationError(
            f"column {cols['date']!r} (日期) repeats the day "
            f"{out.loc[dup, 'date'].iloc[0].date()}; expected one row per day (sum the "
            f"rows of a day first)",
            column=cols["date"],
        )
    over = out["paying_buyers"] > out["visitors"] + 1e-9
    if over.any():
        day = out.loc[over, "date"].iloc[0].date()
        raise SchemaViolationError(
            f"on {day} paying buyers (支付买家数) exceed visitors (访客数); check the columns",
            column=cols["paying_buyers"],
        )
    orphan = (out["gmv_cny"] > 0) & (out["paying_buyers"] == 0)
    if orphan.any():
        day = out.loc[orphan, "date"].iloc[0].date()
        raise SchemaViolationError(
            f"on {day} GMV (支付金额) is above 0 with no paying buyers (支付买家数)",
            column=cols["gmv_cny"],
        )
    out = out.sort_values("date").set_index("date")
    out["conversion_rate"] = funnel.cvr(out["paying_buyers"], out["visitors"])
    out["aov_cny"] = funnel.aov(out["gmv_cny"], out["paying_buyers"])
    return out


def _metric_key(metric: Any, cols: Mapping[str, str], prepared: pd.DataFrame) -> str:
    by_actual = {actual: key for key, actual in cols.items()}
    key = metric if metric in DEFAULT_COLUMNS else by_actual.get(metric, metric)
    available = [c for c in prepared.columns]
    choice(key, "metric", available)
    return key


def _window_args(window: Any, min_periods: Any, threshold: Any, min_relative_change: Any):
    w = int(number(window, "window", minimum=3, integer=True))
    mp = (
        max(3, w // 2)
        if min_periods is None
        else int(number(min_periods, "min_periods", minimum=3, maximum=w, integer=True))
    )
    t = number(threshold, "threshold", minimum=0.0, strict_min=True)
    r = number(min_relative_change, "min_relative_change", minimum=0.0)
    return w, mp, t, r


# ---------------------------------------------------------------------------------------
# robust anomaly scores
# ---------------------------------------------------------------------------------------


def _modified_z(base: np.ndarray, value: float) -> tuple[float, float, float]:
    """(median, MAD, modified z-score of ``value``) for the baseline values ``base``."""
    median = float(np.median(base))
    absdev = np.abs(base - median)
    mad = float(np.median(absdev))
    dev = value - median
    if mad > 0:
        return median, mad, 0.6745 * dev / mad
    mean_ad = float(absdev.mean())
    if mean_ad > 0:
        return median, mad, dev / (1.253314 * mean_ad)
    return median, mad, 0.0 if dev == 0 else math.copysign(math.inf, dev)


def _scores(
    series: pd.Series,
    metric: str,
    window: int,
    min_periods: int,
    threshold: float,
    min_relative_change: float,
) -> pd.DataFrame:
    """Score each day against the ``window`` latest earlier unflagged days (module docstring).

    Days are visited in order because a day's flag decides whether it may join later
    baselines; each step is a median of at most ``window`` numbers.
    """
    x = series.to_numpy(dtype="float64")
    day = ((series.index - series.index[0]) / pd.Timedelta(days=1)).to_numpy().astype("int64")
    n = len(x)
    usable = ~np.isnan(x)  # may join later baselines
    median = np.full(n, np.nan)
    mad = np.full(n, np.nan)
    score = np.full(n, np.nan)
    flagged = np.zeros(n, dtype=bool)
    first = 0
    for t in range(n):
        while day[first] < day[t] - 2 * window:
            first += 1
        base = np.flatnonzero(usable[first:t])[-window:] + first
        if len(base) < min_periods or np.isnan(x[t]):
            continue
        median[t], mad[t], score[t] = _modified_z(x[base], x[t])
        dev = x[t] - median[t]
        big = abs(dev) >= min_relative_change * abs(median[t]) if median[t] != 0 else dev != 0
        if abs(score[t]) > threshold and big:
            flagged[t] = True
            usable[t] = False
    scored = ~np.isnan(score)
    dev = x - median
    with np.errstate(divide="ignore", invalid="ignore"):
        relative = np.where(median != 0, dev / median, np.nan)
    calendar = series.index
    direction = np.where(dev < 0, "drop", "spike")
    out = pd.DataFrame(
        {
            "date": calendar,
            "metric": metric,
            "metric_zh": COLUMN_ZH[metric],
            "value": x,
            "baseline": np.where(scored, median, np.nan),
            "mad": np.where(scored, mad, np.nan),
            "score": np.where(scored, score, np.nan),
            "relative_change": np.where(scored, relative, np.nan),
            "direction": np.where(flagged, direction, None),
            "direction_zh": np.where(
                flagged, np.where(dev < 0, _DIRECTION_ZH["drop"], _DIRECTION_ZH["spike"]), None
            ),
            "is_anomaly": flagged,
        }
    )
    return out


def anomaly_scores(
    daily: pd.DataFrame,
    metric: str = "visitors",
    *,
    window: int = 28,
    threshold: float = 3.5,
    min_periods: int | None = None,
    min_relative_change: float = 0.10,
    columns: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Every day's robust score for ``metric`` (for charts of the baseline band).

    Columns: ``date, metric, metric_zh, value, baseline`` (trailing median), ``mad``,
    ``score`` (modified z-score), ``relative_change`` (value / baseline − 1, NaN when the
    baseline is 0), ``direction`` / ``direction_zh`` (drop/spike on flagged days, else
    None) and ``is_anomaly``. Days with fewer than ``min_periods`` baseline values
    (default ``max(3, window // 2)``) or with an undefined metric (e.g. conversion on a day
    without visitors) are not scored.
    ``metric`` is a canonical name (visitors, paying_buyers, gmv_cny, conversion_rate,
    aov_cny, stock_out_items, ad_spend_cny) or the matching column of ``daily``.

    Parameters
    ----------
    daily : pandas.DataFrame
        One row per day with the metric columns.
    metric : str, optional
        Metric column to score, e.g. ``'visitors'``.
    window : int, optional
        Trailing days in the robust baseline.
    threshold : float, optional
        Robust z-score above which a day is anomalous.
    min_periods : int or None
        Fewest baseline days before scoring; None: the module default.
    min_relative_change : float, optional
        Smallest relative change from the baseline that counts, a proportion.
    columns : sequence of str or None
        Output columns; None: all.

    Returns
    -------
    pandas.DataFrame
        One row per day: value, trailing-median baseline, MAD, score, relative_change,
        direction and is_anomaly.
    """
    cols, _ = _column_map(columns)
    prepared = _prepare(daily, columns)
    key = _metric_key(metric, cols, prepared)
    w, mp, t, r = _window_args(window, min_periods, threshold, min_relative_change)
    return _scores(prepared[key], key, w, mp, t, r)


def find_anomalies(
    daily: pd.DataFrame,
    metric: str = "visitors",
    *,
    window: int = 28,
    threshold: float = 3.5,
    min_periods: int | None = None,
    min_relative_change: float = 0.10,
    columns: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Days where ``metric`` breaks from its trailing baseline; one row per flagged day.

    Flagged when the modified z-score against the ``window`` days before the day exceeds
    ``threshold`` in size and the day differs from the baseline median by at least
    ``min_relative_change`` (module docstring). Columns: ``date, metric, metric_zh, value,
    baseline, mad, score, relative_change, direction`` ("drop"/"spike"), ``direction_zh``.
    Empty (same columns) when nothing is flagged.

    Parameters
    ----------
    daily : pandas.DataFrame
        One row per day with the metric columns.
    metric : str, optional
        Metric column to score, e.g. ``'visitors'``.
    window : int, optional
        Trailing days in the robust baseline.
    threshold : float, optional
        Robust z-score above which a day is anomalous.
    min_periods : int or None
        Fewest baseline days before scoring; None: the module default.
    min_relative_change : float, optional
        Smallest relative change from the baseline that counts, a proportion.
    columns : sequence of str or None
        Output columns; None: all.

    Returns
    -------
    pandas.DataFrame
        One row per flagged day (same columns as :func:`anomaly_scores`, without
        is_anomaly); empty when none.
    """
    scores = anomaly_scores(
        daily,
        metric,
        window=window,
        threshold=threshold,
        min_periods=min_periods,
        min_relative_change=min_relative_change,
        columns=columns,
    )
    return scores.loc[scores["is_anomaly"], _SCORE_COLUMNS].reset_index(drop=True)


# ---------------------------------------------------------------------------------------
# attribution
# ---------------------------------------------------------------------------------------


def _period(value: Any, name: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    parts = list(value) if isinstance(value, list | tuple) else [value, value]
    if len(parts) != 2:
        raise BadParameterError(name, value, "a day or a (start, end) pair of days, inclusive")
    days = []
    for part in parts:
        try:
            ts = pd.Timestamp(part)
        except (TypeError, ValueError):
            ts = pd.NaT
        if ts is pd.NaT or pd.isna(ts):
            raise BadParameterError(name, value, "dates such as ('2024-06-01', '2024-06-07')")
        if ts.tzinfo is not None:
            ts = ts.tz_convert(TZ).tz_localize(None)
        days.append(ts.normalize())
    if days[0] > days[1]:
        raise BadParameterError(name, value, "a (start, end) pair with start <= end")
    return days[0], days[1]


def _factors(rows: pd.DataFrame, label: str) -> funnel.GmvFactors:
    """Per-day GMV factors of a set of days: mean visitors, pooled conversion and AOV."""
    if rows.empty:
        raise EmptyDataError(f"{label} has no days in the daily table; pick days it covers")
    visitors = rows["visitors"].sum()
    buyers = rows["paying_buyers"].sum()
    if visitors == 0 or buyers == 0:
        what = "visitors (访客数)" if visitors == 0 else "paying buyers (支付买家数)"
        raise EmptyDataError(
            f"{label} has no {what}, so conversion rate or AOV is undefined; pick other days"
        )
    return funnel.GmvFactors(
        visitors / len(rows), min(buyers / visitors, 1.0), rows["gmv_cny"].sum() / buyers
    )


def attribute_change(
    daily: pd.DataFrame,
    period_a: Any,
    period_b: Any,
    *,
    columns: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """GMV per day in period_b versus period_a, split into visitors / conversion / AOV.

    Periods are a day or an inclusive ``(start, end)`` pair. Each period is summarised per
    day: visitors = mean daily visitors, conversion rate = Σ buyers / Σ visitors, AOV =
    Σ GMV / Σ buyers, so their product is the mean daily GMV and periods of different
    lengths compare fairly. The split is :func:`casekit.funnel.decompose_gmv_change`
    (Shapley); ``contribution_cny`` is CNY per day and sums to the change in mean daily GMV
    (multiply by the days of period_b for a total).

    Parameters
    ----------
    daily : pandas.DataFrame
        One row per day with the metric columns.
    period_a : tuple of date-like
        First period (start, end), inclusive Beijing days.
    period_b : tuple of date-like
        Second period (start, end).
    columns : sequence of str or None
        Output columns; None: all.

    Returns
    -------
    pandas.DataFrame
        One row per factor (visitors, conversion, AOV): its contribution to the change
        in mean daily GMV, CNY per day.
    """
    prepared = _prepare(daily, columns)
    a0, a1 = _period(period_a, "period_a")
    b0, b1 = _period(period_b, "period_b")
    rows_a = prepared.loc[(prepared.index >= a0) & (prepared.index <= a1)]
    rows_b = prepared.loc[(prepared.index >= b0) & (prepared.index <= b1)]
    return funnel.decompose_gmv_change(_factors(rows_a, "period_a"), _factors(rows_b, "period_b"))


# ---------------------------------------------------------------------------------------
# diagnosis
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Diagnosis:
    """Result of :func:`diagnose`.

    ``anomalies``: every flagged day of every metric checked (``find_anomalies`` columns).
    ``episodes``: one row per anomaly period with its baseline, factor changes, cause and
    explanations. ``attribution``: the worst episode's GMV split (``decompose_gmv_change``
    columns, CNY per day) or None. ``worst``: that episode's number or None.
    """

    anomalies: pd.DataFrame
    episodes: pd.DataFrame
    attribution: pd.DataFrame | None
    worst: int | None
    summary_zh: str
    summary_en: str

    def __str__(self) -> str:
        return f"{self.summary_zh}\n{self.summary_en}"


_EPISODE_COLUMNS = [
    "episode",
    "start",
    "end",
    "days",
    "metrics",
    "direction",
    "baseline_days",
    "gmv_baseline_cny",
    "gmv_episode_cny",
    "gmv_change_cny",
    "visitors_change",
    "conversion_change",
    "aov_change",
    "stock_out_rose",
    "ad_spend_change",
    "cause",
    "cause_zh",
    "explanation_zh",
    "explanation_en",
    "visitors_contribution_cny",
    "conversion_contribution_cny",
    "aov_contribution_cny",
]


def _episodes(days: pd.DatetimeIndex, merge_gap_days: int) -> list[tuple[pd.Timestamp, ...]]:
    """Runs of flagged days; gaps of at most ``merge_gap_days`` unflagged days are bridged."""
    if len(days) == 0:
        return []
    days = days.sort_values().unique()
    gaps = np.diff(days.to_numpy()).astype("timedelta64[D]").astype(int)
    run = np.concatenate([[0], np.cumsum(gaps > merge_gap_days + 1)])
    frame = pd.DataFrame({"day": days, "run": run})
    bounds = frame.groupby("run")["day"].agg(["min", "max"])
    return list(bounds.itertuples(index=False, name=None))


def _spans(start: pd.Timestamp, end: pd.Timestamp, days: int) -> tuple[str, str]:
    """'2024-03-31至2024-04-06（7天）' and '2024-03-31 to 2024-04-06 (7 days)'."""
    if start == end:
        return f"{start.date()}（1天）", f"{start.date()} (1 day)"
    return (
        f"{start.date()}至{end.date()}（{days}天）",
        f"{start.date()} to {end.date()} ({days} days)",
    )


def _pct(x: float) -> str:
    return "n/a" if not np.isfinite(x) else f"{x:+.0%}"


def _name_cause(
    gmv_change: float,
    baseline_gmv: float,
    contrib: dict[str, float],
    changes: dict[str, float],
    stock_out_rose: bool,
    min_change: float,
) -> str:
    """The cause rules documented in :func:`diagnose`."""
    if abs(gmv_change) < min_change * baseline_gmv:
        return "mixed"
    if gmv_change < 0:
        if stock_out_rose and changes["conversion_rate"] <= -min_change:
            return "stock_out"
        dominant = min(contrib, key=lambda k: contrib[k])
        if changes[dominant] > -min_change:
            return "mixed"
        return {
            "visitors": "traffic_drop",
            "conversion_rate": "conversion_drop",
            "aov_cny": "aov_drop",
        }[dominant]
    dominant = max(contrib, key=lambda k: contrib[k])
    if changes[dominant] < min_change:
        return "mixed"
    return {
        "visitors": "traffic_rise",
        "conversion_rate": "conversion_rise",
        "aov_cny": "aov_rise",
    }[dominant]


_ADVICE_ZH = {
    "stock_out": "缺货商品增多的同时转化率下降：访客进店却买不到。"
    "优先补货或替换缺货款，检查主推款库存。",
    "traffic_drop": "访客数下降而转化率基本稳定：问题在引流端。"
    "查看搜索排名、活动资源位和各流量来源。",
    "traffic_drop_paid": "访客数随推广花费一起下降，转化率基本稳定：付费流量减少。"
    "检查推广预算、出价与计划是否暂停。",
    "conversion_drop": "转化率下降是主因：检查价格与竞品、评价、详情页和客服响应。",
    "aov_drop": "客单价下降是主因：检查折扣力度、满减门槛和商品结构是否偏向低价款。",
    "traffic_rise": "访客数上升是主因：确认流量来源（活动、推广、内容）并评估其质量。",
    "conversion_rise": "转化率上升是主因：找出起作用的改动（价格、页面、活动）并保持。",
    "aov_rise": "客单价上升是主因：多为搭配购买、满减门槛或高价款占比提高。",
    "mixed": "没有单一主因：各因素反向变动或都只小幅变动，请分别查看。",
    "undetermined": "基线期没有可用的访客或买家数据，无法拆分原因。",
}
_ADVICE_EN = {
    "stock_out": "More items were out of stock while conversion fell: visitors came but could "
    "not buy. Restock or replace the sold-out items, check the hero products.",
    "traffic_drop": "Visitors fell while conversion held: the problem is traffic. Check search "
    "ranking, campaign placements and each traffic source.",
    "traffic_drop_paid": "Visitors fell together with ad spend while conversion held: less "
    "paid traffic. Check budgets, bids and paused campaigns.",
    "conversion_drop": "Lower conversion drove the drop: check prices against competitors, "
    "reviews, the product page and customer service.",
    "aov_drop": "Lower spend per buyer drove the drop: check discount depth, 满减 thresholds "
    "and a shift towards cheaper items.",
    "traffic_rise": "More visitors drove the rise: confirm the source (campaign, ads, content) "
    "and its quality.",
    "conversion_rise": "Higher conversion drove the rise: find the change that worked and keep it.",
    "aov_rise": "Higher spend per buyer drove the rise: bundles, 满减 thresholds or pricier items.",
    "mixed": "No single cause: the factors moved in opposite directions or each only a little; "
    "look at each factor.",
    "undetermined": "The baseline has no usable visitors or buyers, so the change cannot be split.",
}


def diagnose(
    daily: pd.DataFrame,
    *,
    window: int = 28,
    threshold: float = 3.5,
    min_periods: int | None = None,
    min_relative_change: float = 0.10,
    merge_gap_days: int = 1,
    columns: Mapping[str, str] | None = None,
) -> Diagnosis:
    """Find anomaly periods in a daily store table, split their GMV change and name a cause.

    1. Anomalies: :func:`find_anomalies` on GMV, visitors, conversion rate and AOV and,
       when present, stock-out items and ad spend.
    2. Episodes: days on which GMV (支付金额, what the business feels) is flagged, joined
       into one period when at most ``merge_gap_days`` unflagged days lie between them.
       Leading with GMV keeps chance flags of single factors (each metric crosses the
       threshold on roughly 1 calm day in 150) from becoming episodes; they stay listed in
       ``anomalies`` and in each episode's ``metrics``.
    3. Baseline of an episode: the ``window`` most recent days before it that belong to no
       episode, within ``2 × window`` days. Episode and baseline are compared per day as in
       :func:`attribute_change`.
    4. Cause (rules in this order; "meaningful" means a relative change of at least
       ``min_relative_change``):

       - ``mixed``: over the whole episode, mean daily GMV moved less than meaningfully;
       - GMV fell:
         ``stock_out`` if the table has stock-out items, at least one episode day is
         flagged as a stock-out spike, the episode's mean is above the baseline's, and
         conversion fell meaningfully; otherwise the factor with the most negative
         contribution names it, provided that factor itself fell meaningfully (else
         ``mixed``): visitors → ``traffic_drop`` (the explanation says "paid traffic" when
         ad spend is present and fell meaningfully too); conversion → ``conversion_drop``;
         AOV → ``aov_drop``;
       - GMV rose: the factor with the largest positive contribution, provided it rose
         meaningfully (else ``mixed``): ``traffic_rise``, ``conversion_rise`` or
         ``aov_rise``;
       - ``undetermined`` when baseline or episode has no visitors or no buyers.

    The worst episode is the one losing the most GMV in total (per-day change × days);
    without any loss, the largest change. ``summary_zh`` / ``summary_en`` explain it.

    Parameters
    ----------
    daily : pandas.DataFrame
        One row per day with the metric columns.
    window : int, optional
        Trailing days in the robust baseline.
    threshold : float, optional
        Robust z-score above which a day is anomalous.
    min_periods : int or None
        Fewest baseline days before scoring; None: the module default.
    min_relative_change : float, optional
        Smallest relative change from the baseline that counts, a proportion.
    merge_gap_days : int, optional
        Anomalous days at most this far apart form one incident.
    columns : sequence of str or None
        Output columns; None: all.

    Returns
    -------
    Diagnosis
        Anomalies, incidents and their attribution.
    """
    prepared = _prepare(daily, columns)
    w, mp, t, r = _window_args(window, min_periods, threshold, min_relative_change)
    gap = int(number(merge_gap_days, "merge_gap_days", minimum=0, integer=True))

    metrics = [m for m in (*_OUTCOMES, *_DRIVERS) if m in prepared.columns]
    scores = {m: _scores(prepared[m], m, w, mp, t, r) for m in metrics}
    anomalies = pd.concat(
        [s.loc[s["is_anomaly"], _SCORE_COLUMNS] for s in scores.values()], ignore_index=True
    )
    anomalies = anomalies.sort_values(["date", "metric"], kind="stable").reset_index(drop=True)
    lead = anomalies[anomalies["metric"] == "gmv_cny"]
    runs = _episodes(pd.DatetimeIndex(lead["date"]), gap)
    in_episode = np.zeros(len(prepared), dtype=bool)
    for start, end in runs:
        in_episode |= (prepared.index >= start) & (prepared.index <= end)

    rows: list[dict[str, Any]] = []
    attributions: list[pd.DataFrame | None] = []
    for number_, (start, end) in enumerate(runs, start=1):
        episode = prepared.loc[(prepared.index >= start) & (prepared.index <= end)]
        lookback = (prepared.index >= start - pd.Timedelta(days=2 * w)) & (prepared.index < start)
        base = prepared.loc[lookback & ~in_episode].iloc[-w:]
        flagged = anomalies.loc[(anomalies["date"] >= start) & (anomalies["date"] <= end), "metric"]
        row: dict[str, Any] = {
            "episode": number_,
            "start": start,
            "end": end,
            "days": len(episode),
            "metrics": ", ".join(sorted(set(flagged))),
            "baseline_days": len(base),
        }
        try:
            f0, f1 = _factors(base, "the baseline"), _factors(episode, "the episode")
        except EmptyDataError:
            f0 = f1 = None
        if f0 is None or f1 is None:
            span_zh, span_en = _spans(start, end, len(episode))
            row.update(
                direction=None,
                cause="undetermined",
                explanation_zh=f"{span_zh}：{_ADVICE_ZH['undetermined']}",
                explanation_en=f"{span_en}: {_ADVICE_EN['undetermined']}",
            )
            attributions.append(None)
            rows.append(row)
            continue
        split = funnel.decompose_gmv_change(f0, f1)
        attributions.append(split)
        contrib = dict(zip(split["factor"], split["contribution_cny"], strict=True))
        changes = dict(zip(split["factor"], split["after"] / split["before"] - 1, strict=True))
        per_day = f1.gmv_cny - f0.gmv_cny
        stock_rose: Any = pd.NA
        if "stock_out_items" in prepared.columns:
            so = anomalies[
                (anomalies["metric"] == "stock_out_items")
                & (anomalies["direction"] == "spike")
                & (anomalies["date"] >= start)
                & (anomalies["date"] <= end)
            ]
            stock_rose = bool(
                len(so) > 0 and episode["stock_out_items"].mean() > base["stock_out_items"].mean()
            )
        ad_change = np.nan
        if "ad_spend_cny" in prepared.columns and base["ad_spend_cny"].mean() > 0:
            ad_change = episode["ad_spend_cny"].mean() / base["ad_spend_cny"].mean() - 1
        cause = _name_cause(per_day, f0.gmv_cny, contrib, changes, stock_rose is True, r)
        advice = cause
        row.update(
            direction="drop" if per_day < 0 else "spike",
            gmv_baseline_cny=f0.gmv_cny,
            gmv_episode_cny=f1.gmv_cny,
            gmv_change_cny=per_day * len(episode),
            visitors_change=changes["visitors"],
            conversion_change=changes["conversion_rate"],
            aov_change=changes["aov_cny"],
            stock_out_rose=stock_rose,
            ad_spend_change=ad_change,
            cause=cause,
            visitors_contribution_cny=contrib["visitors"],
            conversion_contribution_cny=contrib["conversion_rate"],
            aov_contribution_cny=contrib["aov_cny"],
        )
        extra_zh = extra_en = ""
        if cause == "stock_out":
            s0, s1 = base["stock_out_items"].mean(), episode["stock_out_items"].mean()
            extra_zh = f"缺货商品数日均 {s0:.1f} → {s1:.1f} 件；"
            extra_en = f"out-of-stock items {s0:.1f} → {s1:.1f} a day; "
        elif cause == "traffic_drop" and ad_change <= -r:  # False for NaN
            advice = "traffic_drop_paid"
            extra_zh = f"推广花费 {_pct(ad_change)}；"
            extra_en = f"ad spend {_pct(ad_change)}; "
        span_zh, span_en = _spans(start, end, len(episode))
        row["explanation_zh"] = (
            f"{span_zh}{CAUSES[cause]}：日均支付金额 {f0.gmv_cny:,.0f} → "
            f"{f1.gmv_cny:,.0f} 元（{_pct(per_day / f0.gmv_cny)}），访客数 "
            f"{_pct(changes['visitors'])}，转化率 {f0.conversion_rate:.2%} → "
            f"{f1.conversion_rate:.2%}（{_pct(changes['conversion_rate'])}），客单价 "
            f"{_pct(changes['aov_cny'])}；{extra_zh}{_ADVICE_ZH[advice]}"
        )
        row["explanation_en"] = (
            f"{span_en}, {cause.replace('_', ' ')}: GMV per day "
            f"{f0.gmv_cny:,.0f} → {f1.gmv_cny:,.0f} CNY ({_pct(per_day / f0.gmv_cny)}); "
            f"visitors {_pct(changes['visitors'])}, conversion {f0.conversion_rate:.2%} → "
            f"{f1.conversion_rate:.2%} ({_pct(changes['conversion_rate'])}), AOV "
            f"{_pct(changes['aov_cny'])}; {extra_en}{_ADVICE_EN[advice]}"
        )
        rows.append(row)

    episodes = pd.DataFrame(rows, columns=_EPISODE_COLUMNS)
    episodes = episodes.astype(
        {
            "episode": "int64",
            "start": "datetime64[ns]",
            "end": "datetime64[ns]",
            "days": "int64",
            "baseline_days": "int64",
            "stock_out_rose": "boolean",
        }
    )
    episodes["cause_zh"] = episodes["cause"].map(CAUSES)
    worst = _worst(episodes)
    attribution = attributions[worst - 1] if worst is not None else None
    summary_zh, summary_en = _summaries(episodes, worst, len(prepared))
    return Diagnosis(anomalies, episodes, attribution, worst, summary_zh, summary_en)


def _worst(episodes: pd.DataFrame) -> int | None:
    change = pd.to_numeric(episodes["gmv_change_cny"], errors="coerce")
    if change.notna().sum() == 0:
        return None
    if (change < 0).any():
        return int(episodes.loc[change.idxmin(), "episode"])
    return int(episodes.loc[change.abs().idxmax(), "episode"])


def _summaries(episodes: pd.DataFrame, worst: int | None, n_days: int) -> tuple[str, str]:
    if episodes.empty:
        return (
            f"{n_days} 天内未发现异常：访客数、转化率、客单价和支付金额都在各自基线范围内。",
            f"No anomalies in {n_days} days: visitors, conversion, AOV and GMV stayed "
            f"within their baselines.",
        )
    head_zh = f"发现 {len(episodes)} 个异常时段。"
    head_en = f"Found {len(episodes)} anomaly period{'s' if len(episodes) > 1 else ''}."
    if worst is None:
        return (
            head_zh + "均无法拆分原因：" + _ADVICE_ZH["undetermined"],
            head_en + " None can be split: " + _ADVICE_EN["undetermined"],
        )
    row = episodes.loc[episodes["episode"] == worst].iloc[0]
    return (
        f"{head_zh}影响最大的是第 {worst} 个：{row['explanation_zh']}",
        f"{head_en} The largest is #{worst}: {row['explanation_en']}",
    )
