"""Calibration constants, argument checks and typed columns shared by the generators."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from casekit._checks import BEHAVIOR_TYPES, TZ, number
from casekit.errors import BadParameterError

# --------------------------------------------------------------------------------------
# Calibration constants (documented once, used by several generators)
# --------------------------------------------------------------------------------------

#: Shares of behaviour types in the Tianchi UserBehavior log (rounded): pv, cart, fav, buy.
TIANCHI_SHARES = {"pv": 0.895, "cart": 0.055, "fav": 0.029, "buy": 0.020}
#: Tianchi UserBehavior: 100,150,807 rows / 987,994 users / 9 days ≈ 11.3 events a user a day.
TIANCHI_EVENTS_PER_USER_DAY = 11.3
#: Tianchi: 4,162,024 items / 987,994 users ≈ 4.2; 4,162,024 items / 9,439 categories ≈ 440.
TIANCHI_ITEMS_PER_USER = 4.2
TIANCHI_ITEMS_PER_CATEGORY = 440

#: Relative activity by hour of the day, Beijing time (00:00 … 23:00): a late-evening peak
#: (20–22 h), a lunch plateau and a trough at 3–6 am, the usual shape of Taobao traffic.
HOURLY_WEIGHTS = np.array(
    [3.0, 1.6, 0.9, 0.5, 0.4, 0.45, 0.9, 1.8, 2.8, 3.6, 4.2, 4.3,
     4.6, 4.5, 4.3, 4.3, 4.3, 4.2, 4.3, 5.0, 6.0, 6.6, 6.2, 4.6]
)  # fmt: skip
HOURLY_WEIGHTS = HOURLY_WEIGHTS / HOURLY_WEIGHTS.sum()
#: Relative activity Monday … Sunday (weekends a little busier), mean 1.
WEEKDAY_WEIGHTS = np.array([1.0, 0.98, 0.98, 1.0, 1.0, 1.08, 1.1])
WEEKDAY_WEIGHTS = WEEKDAY_WEIGHTS / WEEKDAY_WEIGHTS.mean()

_BEHAVIOR_CODE = {b: i for i, b in enumerate(BEHAVIOR_TYPES)}  # pv 0, cart 1, fav 2, buy 3


# --------------------------------------------------------------------------------------
# Argument checks
# --------------------------------------------------------------------------------------


def _seed(seed: Any) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise BadParameterError("seed", seed, "a whole number >= 0 (e.g. seed=42)", zh="随机种子")
    return int(seed)


def _count(value: Any, name: str, *, zh: str | None = None, minimum: int = 1) -> int:
    return int(number(value, name, zh=zh, minimum=minimum, integer=True))


def _positive(value: Any, name: str, *, zh: str | None = None) -> float:
    return number(value, name, zh=zh, minimum=0.0, strict_min=True)


def _day(value: Any, name: str, *, zh: str | None = None) -> pd.Timestamp:
    """A calendar date (naive midnight) from 'YYYY-MM-DD', a date or a Timestamp."""
    expected = "a date such as '2026-06-18'"
    if not isinstance(value, str | _dt.date | np.datetime64):  # pd.Timestamp is a date too
        raise BadParameterError(name, value, expected, zh=zh)
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError):
        raise BadParameterError(name, value, expected, zh=zh) from None
    if ts is pd.NaT:
        raise BadParameterError(name, value, expected, zh=zh)
    if ts.tzinfo is not None:
        ts = ts.tz_convert(TZ).tz_localize(None)
    if ts != ts.normalize():
        raise BadParameterError(name, value, expected + " without a time of day", zh=zh)
    return ts


def _window(start: Any, end: Any) -> tuple[pd.Timestamp, pd.Timestamp]:
    first = _day(start, "start", zh="开始日期")
    last = _day(end, "end", zh="结束日期")
    if last < first:
        raise BadParameterError(
            "end", end, f"a date on or after start ({first.date()})", zh="结束日期"
        )
    return first, last


def _within(
    day: pd.Timestamp, first: pd.Timestamp, last: pd.Timestamp, name: str, value: Any, zh: str
) -> None:
    if not first <= day <= last:
        raise BadParameterError(
            name, value, f"a date between start ({first.date()}) and end ({last.date()})", zh=zh
        )


# --------------------------------------------------------------------------------------
# Typed columns
# --------------------------------------------------------------------------------------


def _ints(values: Any) -> pd.arrays.IntegerArray:
    arr = np.ascontiguousarray(values, dtype=np.int64)
    return pd.arrays.IntegerArray(arr, np.zeros(arr.shape, dtype=bool))


def _floats(values: Any, decimals: int | None = None) -> np.ndarray:
    arr = np.asarray(values, dtype=np.float64)
    return np.round(arr, decimals) if decimals is not None else arr


def _cats(codes: Any, categories: Sequence[str]) -> pd.Categorical:
    return pd.Categorical.from_codes(np.asarray(codes, dtype=np.int8), categories=list(categories))


def _strs(values: Iterable[str]) -> pd.arrays.StringArray:
    return pd.array(list(values), dtype=pd.StringDtype())


def _bools(values: Any) -> pd.arrays.BooleanArray:
    arr = np.asarray(values, dtype=bool)
    return pd.arrays.BooleanArray(arr, np.zeros(arr.shape, dtype=bool))


def _dates(first: pd.Timestamp, n_days: int) -> pd.DatetimeIndex:
    return pd.date_range(first, periods=n_days, freq="D").astype("datetime64[ns]")


def _datetimes(unix_seconds: np.ndarray) -> pd.DatetimeIndex:
    ns = np.asarray(unix_seconds, dtype=np.int64) * np.int64(1_000_000_000)
    return pd.DatetimeIndex(ns.view("datetime64[ns]")).tz_localize("UTC").tz_convert(TZ)


def _epoch(day: pd.Timestamp) -> int:
    """Unix seconds of Beijing midnight of ``day``."""
    return int(day.tz_localize(TZ).tz_convert("UTC").value // 1_000_000_000)


def _weekday_factor(first: pd.Timestamp, n_days: int) -> np.ndarray:
    return WEEKDAY_WEIGHTS[(first.day_of_week + np.arange(n_days)) % 7]


def _gamma_sum(rng: np.random.Generator, counts: np.ndarray, mean: Any, shape: float = 4.0):
    """Sum of ``counts`` order amounts, each Gamma(shape, mean/shape); 0 where counts is 0."""
    counts = np.asarray(counts, dtype=np.float64)
    mean = np.broadcast_to(np.asarray(mean, dtype=np.float64), counts.shape)
    safe = np.maximum(counts * shape, 1e-9)
    return np.where(counts > 0, rng.gamma(safe, mean / shape), 0.0)
