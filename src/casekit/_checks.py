"""Boundary checks shared by the analysis modules.

Every public analysis function validates its inputs with these helpers, so a learner gets
one consistent, specific message (``casekit.errors``) instead of a silent wrong number.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from numbers import Real
from typing import Any

import numpy as np
import pandas as pd

from casekit.errors import (
    BadParameterError,
    EmptyDataError,
    MissingColumnError,
    SchemaViolationError,
)

TZ = "Asia/Shanghai"
BEHAVIOR_TYPES = ("pv", "cart", "fav", "buy")
EVENT_COLUMNS = ("user_id", "item_id", "category_id", "behavior_type", "timestamp")
EVENT_ZH = {
    "user_id": "用户ID",
    "item_id": "商品ID",
    "category_id": "类目ID",
    "behavior_type": "行为类型",
    "timestamp": "时间戳",
}


def require_frame(df: Any, what: str = "the input") -> pd.DataFrame:
    """Raise unless ``df`` is a non-empty DataFrame.

    Parameters
    ----------
    df : object
        The input that must be a DataFrame.
    what : str, optional
        What the input is, for the message (e.g. 'the cart').

    Returns
    -------
    pandas.DataFrame
        ``df``, if it is a non-empty DataFrame.
    """
    if not isinstance(df, pd.DataFrame):
        raise BadParameterError(what, type(df).__name__, "a pandas DataFrame")
    if df.empty:
        raise EmptyDataError(f"{what} has no rows; pass a table with at least one row")
    return df


def require_columns(
    df: pd.DataFrame,
    columns: Iterable[str],
    *,
    what: str = "the input",
    zh: Mapping[str, str] | None = None,
) -> None:
    """Raise ``MissingColumnError`` for the first of ``columns`` absent from ``df``.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per test, variant (and date): impressions and clicks.
    columns : iterable of str
        Columns that must be present.
    what : str, optional
        What the input is, for the message (e.g. 'the cart').
    zh : mapping or None
        Column → Chinese term, for the message.

    Returns
    -------
    None
        Nothing; raises ``MissingColumnError`` if a column is missing.
    """
    zh = zh or {}
    for col in columns:
        if col not in df.columns:
            raise MissingColumnError(col, available=df.columns, zh=zh.get(col), what=what)


def require_numeric_column(
    df: pd.DataFrame,
    column: str,
    *,
    zh: str | None = None,
    non_negative: bool = True,
    allow_na: bool = False,
    what: str = "the input",
) -> pd.Series:
    """Return ``df[column]`` as float64 after checking type, missing values and sign.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per test, variant (and date): impressions and clicks.
    column : str
        Column name, for the message.
    zh : str or None
        Chinese term, for the message.
    non_negative : bool, optional
        True to refuse negative values.
    allow_na : bool, optional
        True to allow missing values.
    what : str, optional
        What the input is, for the message (e.g. 'the cart').

    Returns
    -------
    pandas.Series
        The column as float64.
    """
    s = df[column]
    label = f"{column!r} ({zh})" if zh else repr(column)
    if not (pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)):
        raise SchemaViolationError(
            f"column {label} of {what} has dtype {s.dtype}; expected numbers. "
            f"Convert it with pd.to_numeric first.",
            column=column,
        )
    values = s.astype("float64")
    if not allow_na and values.isna().any():
        row = values.index[values.isna()][0]
        raise SchemaViolationError(
            f"column {label} of {what} has a missing value (NaN) at row {row!r}; "
            f"fill or drop it first",
            column=column,
        )
    if non_negative and (values < 0).any():
        bad = values[values < 0].iloc[0]
        raise SchemaViolationError(
            f"column {label} of {what} has value {bad!r}; expected a count or amount >= 0",
            column=column,
        )
    if np.isinf(values).any():
        raise SchemaViolationError(
            f"column {label} of {what} has an infinite value; expected finite numbers",
            column=column,
        )
    return values


def number(
    value: Any,
    name: str,
    *,
    zh: str | None = None,
    minimum: float | None = None,
    maximum: float | None = None,
    strict_min: bool = False,
    integer: bool = False,
) -> float:
    """Check a scalar parameter (finite real, optional bounds) and return it as float.

    Parameters
    ----------
    value : object
        The value to check.
    name : str
        Parameter name, for the message.
    zh : str or None
        Chinese term, for the message.
    minimum : float or None
        Lower bound.
    maximum : float or None
        Upper bound, inclusive.
    strict_min : bool, optional
        True if the lower bound is excluded.
    integer : bool, optional
        True to require a whole number.

    Returns
    -------
    float
        The value as a float.
    """
    if isinstance(value, bool) or not isinstance(value, Real | np.integer | np.floating):
        raise BadParameterError(name, value, "a number", zh=zh)
    v = float(value)
    if math.isnan(v) or math.isinf(v):
        raise BadParameterError(name, value, "a finite number", zh=zh)
    if integer and v != int(v):
        raise BadParameterError(name, value, "a whole number", zh=zh)
    if minimum is not None and (v <= minimum if strict_min else v < minimum):
        sign = ">" if strict_min else ">="
        raise BadParameterError(name, value, f"a number {sign} {minimum}", zh=zh)
    if maximum is not None and v > maximum:
        raise BadParameterError(name, value, f"a number <= {maximum}", zh=zh)
    return v


def rate(value: Any, name: str, *, zh: str | None = None) -> float:
    """Check a proportion in [0, 1] (e.g. a CTR of 0.03, not 3).

    Parameters
    ----------
    value : object
        The value to check.
    name : str
        Parameter name, for the message.
    zh : str or None
        Chinese term, for the message.

    Returns
    -------
    float
        The proportion as a float.
    """
    v = number(value, name, zh=zh)
    if not 0.0 <= v <= 1.0:
        raise BadParameterError(
            name, value, "a proportion between 0 and 1 (write 3% as 0.03)", zh=zh
        )
    return v


def choice(value: Any, name: str, allowed: Iterable[Any], *, zh: str | None = None) -> Any:
    """Check that ``value`` is one of ``allowed``.

    Parameters
    ----------
    value : object
        The value to check.
    name : str
        Parameter name, for the message.
    allowed : iterable
        The allowed values.
    zh : str or None
        Chinese term, for the message.

    Returns
    -------
    object
        ``value``, if allowed.
    """
    allowed = list(allowed)
    if value not in allowed:
        raise BadParameterError(
            name, value, "one of " + ", ".join(map(str, allowed)), zh=zh
        )
    return value


def to_shanghai(ts: pd.Series, column: str = "timestamp") -> pd.Series:
    """Date-times in Asia/Shanghai from tz-aware, naive (read as Beijing time) or Unix seconds.

    Parameters
    ----------
    ts : pandas.Series
        Date-times (tz-aware or naive Beijing) or Unix seconds.
    column : str, optional
        Column name, for the message.

    Returns
    -------
    pandas.Series
        ``datetime64[ns, Asia/Shanghai]`` date-times.
    """
    return _to_shanghai(ts, column).astype(f"datetime64[ns, {TZ}]")


#: Unix seconds pandas can hold as datetime64[ns]: years 1677 to 2262.
MAX_UNIX_SECONDS = 9_223_372_036


def check_unix_seconds(ts: pd.Series, column: str) -> None:
    """Raise ``SchemaViolationError`` for Unix times too large to be seconds (e.g. milliseconds).

    Parameters
    ----------
    ts : pandas.Series
        Unix times, seconds since 1970-01-01 UTC.
    column : str
        Column name, for the message.

    Returns
    -------
    None
    """
    if not len(ts):
        return
    biggest = float(np.nanmax(np.abs(ts.to_numpy(dtype="float64"))))
    if biggest > MAX_UNIX_SECONDS:
        unit = "milliseconds" if biggest < MAX_UNIX_SECONDS * 1000 else "micro- or nanoseconds"
        raise SchemaViolationError(
            f"column {column!r} ({EVENT_ZH.get(column, '时间')}) has Unix times up to "
            f"{biggest:.0f}, which as seconds lie beyond the year 2262; they look like "
            f"{unit}: convert them to seconds first (e.g. // 1000 for milliseconds)",
            column=column,
        )


def _to_shanghai(ts: pd.Series, column: str) -> pd.Series:
    if isinstance(ts.dtype, pd.DatetimeTZDtype):
        return ts.dt.tz_convert(TZ)
    if pd.api.types.is_datetime64_dtype(ts):
        return ts.dt.tz_localize(TZ)
    if pd.api.types.is_numeric_dtype(ts) and not pd.api.types.is_bool_dtype(ts):
        if ts.isna().any():
            raise SchemaViolationError(
                f"column {column!r} ({EVENT_ZH.get(column, '时间')}) has missing values",
                column=column,
            )
        check_unix_seconds(ts, column)
        return pd.to_datetime(ts.astype("int64"), unit="s", utc=True).dt.tz_convert(TZ)
    raise SchemaViolationError(
        f"column {column!r} ({EVENT_ZH.get(column, '时间')}) has dtype {ts.dtype}; expected "
        f"Unix seconds or date-times",
        column=column,
    )


def date_value(value: Any, name: str, *, zh: str | None = None) -> pd.Timestamp:
    """A calendar date (Beijing time) as a naive midnight ``pd.Timestamp``.

    Accepts ``'2020-06-18'``, ``datetime.date``, ``datetime``/``pd.Timestamp`` (naive ones are
    read as Beijing time, aware ones converted to it); the time of day is dropped.

    Parameters
    ----------
    value : date-like
        A date: string, date, datetime or Timestamp.
    name : str
        Parameter name, for the message.
    zh : str or None
        Chinese term, for the message.

    Returns
    -------
    pandas.Timestamp
        A naive midnight (Beijing calendar day).
    """
    expected = "a date such as '2020-06-18'"
    if isinstance(value, bool | int | float | np.integer | np.floating) or value is None:
        raise BadParameterError(name, value, expected, zh=zh)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise BadParameterError(name, value, expected, zh=zh) from exc
    if pd.isna(ts):
        raise BadParameterError(name, value, expected, zh=zh)
    if ts.tzinfo is not None:
        ts = ts.tz_convert(TZ).tz_localize(None)
    return ts.normalize().as_unit("ns")


def date_column(s: pd.Series, column: str, *, what: str, zh: str | None = None) -> pd.Series:
    """A column of dates as naive ``datetime64[ns]`` midnights (Beijing calendar days).

    Parameters
    ----------
    s : pandas.Series
        Dates (strings, dates or date-times).
    column : str
        Column name, for the message.
    what : str
        What the input is, for the message (e.g. 'the cart').
    zh : str or None
        Chinese term, for the message.

    Returns
    -------
    pandas.Series
        Naive ``datetime64[ns]`` midnights (Beijing calendar days).
    """
    label = f"{column!r} ({zh})" if zh else repr(column)
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        out = s.dt.tz_convert(TZ).dt.tz_localize(None)
    elif pd.api.types.is_datetime64_dtype(s):
        out = s
    elif pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
        raise SchemaViolationError(
            f"column {label} of {what} has dtype {s.dtype}; expected dates such as "
            f"'2020-06-18' (convert numbers with pd.to_datetime first)",
            column=column,
        )
    else:
        try:
            out = pd.to_datetime(s, format="mixed")
        except (ValueError, TypeError) as exc:
            raise SchemaViolationError(
                f"column {label} of {what} has values that are not dates ({exc}); "
                f"expected dates such as '2020-06-18'",
                column=column,
            ) from exc
        if isinstance(out.dtype, pd.DatetimeTZDtype):
            out = out.dt.tz_convert(TZ).dt.tz_localize(None)
    if out.isna().any():
        row = out.index[out.isna()][0]
        raise SchemaViolationError(
            f"column {label} of {what} has a missing date at row {row!r}; fill or drop it",
            column=column,
        )
    return out.dt.normalize().astype("datetime64[ns]")


def event_log(events: Any, *, what: str = "the event log") -> pd.DataFrame:
    """Validate a Tianchi UserBehavior-style log and return it with normalised types.

    Accepts ``behavior_type`` as text or category and ``timestamp`` as Unix seconds or
    date-times. Returns a new frame whose ``behavior_type`` is a category over
    ``pv, cart, fav, buy`` and whose ``timestamp`` is ``datetime64[ns, Asia/Shanghai]``.

    Parameters
    ----------
    events : pandas.DataFrame or path
        Event log in the Tianchi UserBehavior schema (DataFrame, path, EventSource or
        SqlTable).
    what : str, optional
        What the input is, for the message (e.g. 'the cart').

    Returns
    -------
    pandas.DataFrame
        A copy with ``behavior_type`` as a category and ``timestamp`` in Asia/Shanghai.
    """
    df = require_frame(events, what)
    require_columns(df, ("user_id", "behavior_type", "timestamp"), what=what, zh=EVENT_ZH)
    bt = df["behavior_type"]
    if bt.isna().any():
        raise SchemaViolationError(
            "column 'behavior_type' (行为类型) has missing values; expected one of "
            + ", ".join(BEHAVIOR_TYPES),
            column="behavior_type",
        )
    values = pd.unique(bt.astype("object"))
    unknown = [v for v in values if v not in BEHAVIOR_TYPES]
    if unknown:
        raise SchemaViolationError(
            f"column 'behavior_type' (行为类型) has value {unknown[0]!r}; expected one of "
            + ", ".join(BEHAVIOR_TYPES),
            column="behavior_type",
        )
    out = df.copy(deep=False)
    out["behavior_type"] = pd.Categorical(bt.astype("object"), categories=list(BEHAVIOR_TYPES))
    out["timestamp"] = to_shanghai(df["timestamp"])
    if df["user_id"].isna().any():
        raise SchemaViolationError(
            "column 'user_id' (用户ID) has missing values; drop those rows first",
            column="user_id",
        )
    return out
