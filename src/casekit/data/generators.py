"""Seeded simulators of the course's datasets (模拟数据).

Every generator takes a ``seed`` (a non-negative ``int`` fed to ``numpy.random.default_rng``)
and returns the same bytes for the same arguments on the same numpy version; a different seed
gives different data. Output columns and dtypes are exactly those of the dataset's entry in
``datasets/catalog.yaml`` (integers ``Int64``, amounts ``float64``, categories over the
catalogue's allowed values, date-times ``datetime64[ns, Asia/Shanghai]``, dates naive
``datetime64[ns]``), so a generated frame equals ``casekit.data.load`` of the bundled file.

=================  ==========================================================================
generator          what it simulates, calibrated to
=================  ==========================================================================
``event_log``      a Taobao UserBehavior-style log (Tianchi schema) with a 大促 peak; shares
                   of pv/cart/fav/buy, events per user per day and items per category from
                   the public Tianchi dataset (R-tianchi-userbehavior in docs/sources.md)
``keyword_report`` a 直通车 keyword report of a cosmetics store: bid × quality score ranking,
                   second-price actual CPC, CTR rising with quality score and position
``ab_test``        daily impressions and clicks of main-image and title A/B tests with known
                   true CTRs (one real lift, one null result by default)
``store_daily``    90 days of store metrics with an injected stock-out (daily visitors ~200,
                   then 10,000+ after restocking: the 生意参谋 diagnosis case of article 004)
                   and a separate paid-traffic drop
``fan_day``        a 超级粉丝日 campaign window: > 380,000 fans adding to cart on the day and
                   ~385,000 new fans in the week (the 2018 Maybelline case of article 003)
``member_orders``  two years of member orders for RFM / CLV from a BG/NBD-style process with
                   gamma-distributed purchase rates and spend (Gamma-Gamma)
=================  ==========================================================================

``user_behavior_csv()`` streams a full-size simulated ``UserBehavior.csv`` (the raw Tianchi
format, with its out-of-window and duplicate rows) to disk, chunk by chunk.

``build_bundled()`` regenerates every synthetic file in ``datasets/`` from its catalogue
entry (function, seed, params) and writes it through ``casekit.data.schema.write``.
"""

from __future__ import annotations

import datetime as _dt
import importlib
import inspect
import os
import secrets
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from casekit._checks import BEHAVIOR_TYPES, TZ, choice, number, rate
from casekit.errors import BadParameterError, UnknownParameterError

__all__ = [
    "UserBehaviorCsvSummary",
    "ab_test",
    "build_bundled",
    "event_log",
    "fan_day",
    "from_catalog",
    "keyword_report",
    "member_orders",
    "store_daily",
    "user_behavior_csv",
]

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


# --------------------------------------------------------------------------------------
# 1. Event log (Tianchi UserBehavior schema)
# --------------------------------------------------------------------------------------

_MEAN_PV_PER_EPISODE = 2.0
_EVENTS_PER_EPISODE = _MEAN_PV_PER_EPISODE / TIANCHI_SHARES["pv"]
_P_CART = TIANCHI_SHARES["cart"] * _EVENTS_PER_EPISODE
_P_FAV = TIANCHI_SHARES["fav"] * _EVENTS_PER_EPISODE
_P_BUY = TIANCHI_SHARES["buy"] * _EVENTS_PER_EPISODE
_BUY_GIVEN_CART = 0.20
#: Extra events after an episode's page views, in time order: fav, then cart, then buy.
#: Row (fav*4 + cart*2 + buy) lists the codes of the present extras (-1 where none).
_EXTRA_CODES = np.array(
    [
        [-1, -1, -1],
        [3, -1, -1],
        [1, -1, -1],
        [1, 3, -1],
        [2, -1, -1],
        [2, 3, -1],
        [2, 1, -1],
        [2, 1, 3],
    ],
    dtype=np.int8,
)
#: Mean seconds before an event, by code (pv, cart, fav, buy) within one episode.
_GAP_SECONDS = np.array([75.0, 25.0, 20.0, 150.0])


def _peak_profiles(days: np.ndarray, peak: int | None, peak_lift: float):
    """Traffic, cart and buy multipliers by day index around the peak day."""
    n = len(days)
    traffic = np.ones(n)
    cart = np.ones(n)
    buy = np.ones(n)
    if peak is not None:
        delta = (days - peak).astype(np.float64)
        ramp = np.where(delta <= 0, np.exp(-(delta**2) / (2 * 1.5**2)), np.exp(-delta / 0.7))
        traffic = 1.0 + peak_lift * ramp
        cart = np.where((delta >= -3) & (delta <= -1), 1.6, 1.0)  # 加购 before the day
        buy = np.where(delta == 0, 3.0, np.where(delta > 0, 1.2, 1.0))  # the day converts
    return traffic, cart, buy


def event_log(
    n_users: int = 1000,
    start: Any = "2017-11-25",
    end: Any = "2017-12-03",
    seed: int = 0,
    peak_date: Any = None,
    *,
    n_items: int | None = None,
    n_categories: int | None = None,
    events_per_user_day: float = TIANCHI_EVENTS_PER_USER_DAY,
    peak_lift: float = 1.5,
    home_category_share: float = 0.55,
    revisit_share: float = 0.25,
) -> pd.DataFrame:
    """A simulated Taobao UserBehavior log: user_id, item_id, category_id, behavior_type, timestamp.

    ``start`` and ``end`` are Beijing dates, both included (default: the Tianchi window
    2017-11-25 … 2017-12-03). Expected rows ≈ ``n_users × events_per_user_day × days``, more
    with a peak. ``n_items`` defaults to 4.2 per user and ``n_categories`` to one per 440
    items (Tianchi ratios). ``peak_date`` (between start and end) adds a 大促 day with
    ``1 + peak_lift`` times the traffic of an ordinary day, a ramp before it, more 加购 in
    the three days before, three times the purchase rate on the day and a midnight rush
    (0 点开抢); ``None`` gives no peak.

    How it is simulated (vectorised, no loop over users or rows):

    * users: activity is log-normal (σ = 0.9, heavy-tailed); every user has >= 1 episode;
    * items: popularity is Zipf-Mandelbrot, weight ∝ (rank + 5)^-0.9; each item belongs to
      exactly one category; each user has a home category (``home_category_share`` of
      their episodes) and re-opens the item of their previous episode with probability
      ``revisit_share`` (so some users buy the same item twice);
    * an *episode* is one user looking at one item: 1 + geometric page views (mean 2), then
      possibly fav, cart and buy, each a few seconds to minutes after the previous event.
      Every buy therefore follows a pv of the same item by the same user (in the real
      Tianchi log a few buys do not, because the window cuts sessions);
    * probabilities are set so the expected shares are Tianchi's pv 89.5 %, cart 5.5 %,
      fav 2.9 %, buy 2.0 % over the whole window, peak or not;
    * episode start times follow the day weights (weekday × peak) and the hourly profile
      ``HOURLY_WEIGHTS`` (evening peak, few events at 3–6 am).

    Rows are sorted by (timestamp, user_id, item_id), ties in event order. IDs: users
    1 … n_users; items and categories scattered in Tianchi's ID ranges.
    """
    n_users = _count(n_users, "n_users", zh="用户数")
    first, last = _window(start, end)
    rng = np.random.default_rng(_seed(seed))
    peak = None
    if peak_date is not None:
        peak_day = _day(peak_date, "peak_date", zh="大促日")
        _within(peak_day, first, last, "peak_date", peak_date, "大促日")
        peak = (peak_day - first).days
    rate_ = _positive(events_per_user_day, "events_per_user_day", zh="人均日行为数")
    lift = number(peak_lift, "peak_lift", zh="大促流量提升", minimum=0.0)
    home_share = rate(home_category_share, "home_category_share", zh="偏好类目占比")
    revisit = rate(revisit_share, "revisit_share", zh="回访同一商品占比")
    if n_items is None:
        n_items = max(50, round(TIANCHI_ITEMS_PER_USER * n_users))
    n_items = _count(n_items, "n_items", zh="商品数")
    if n_categories is None:
        n_categories = max(5, round(n_items / TIANCHI_ITEMS_PER_CATEGORY))
    n_categories = _count(n_categories, "n_categories", zh="类目数")
    if n_categories > n_items:
        raise BadParameterError(
            "n_categories", n_categories, f"at most n_items ({n_items})", zh="类目数"
        )

    n_days = (last - first).days + 1
    day_idx = np.arange(n_days)
    traffic, cart_mult, buy_mult = _peak_profiles(day_idx, peak, lift)
    day_weight = _weekday_factor(first, n_days) * traffic
    slot_w = day_weight[:, None] * HOURLY_WEIGHTS[None, :]  # (day, hour)
    if peak is not None:
        slot_w[peak, 0] *= 4.0  # 0 点开抢: the midnight rush on the big day
    day_share = slot_w.sum(axis=1) / slot_w.sum()
    # Expected shares must hold over the whole window: rescale the day multipliers.
    cart_mult = cart_mult / float(day_share @ cart_mult)
    p_cart_day = np.minimum(_P_CART * cart_mult, 1.0)
    q0 = (_P_BUY - _P_CART * _BUY_GIVEN_CART) / (1 - _P_CART)
    buy_base = p_cart_day * _BUY_GIVEN_CART + (1 - p_cart_day) * q0
    buy_mult = buy_mult * _P_BUY / float(day_share @ (buy_base * buy_mult))

    # Items and categories: Tianchi-like scattered IDs, sorted so index order is ID order.
    item_space, cat_space = max(5_163_070, 2 * n_items), max(5_162_429, 2 * n_categories)
    item_ids = np.sort(rng.choice(item_space, size=n_items, replace=False) + 1)
    cat_ids = np.sort(rng.choice(cat_space, size=n_categories, replace=False) + 1)
    ranks = rng.permutation(n_items)
    popularity = (ranks + 5.0) ** -0.9
    size_w = (np.arange(n_categories) + 2.0) ** -1.0
    item_cat = np.concatenate(
        [
            np.arange(n_categories),
            rng.choice(n_categories, size=n_items - n_categories, p=size_w / size_w.sum()),
        ]
    )
    item_cat = rng.permutation(item_cat).astype(np.int32)
    by_cat = np.argsort(item_cat, kind="stable").astype(np.int32)
    cum = np.cumsum(popularity[by_cat])
    cat_total = np.bincount(item_cat, weights=popularity, minlength=n_categories)
    cat_lo = np.concatenate([[0.0], np.cumsum(cat_total)[:-1]])
    cat_hi_pos = np.cumsum(np.bincount(item_cat, minlength=n_categories)) - 1
    cat_p = cat_total / cat_total.sum()

    # Users: heavy-tailed activity, at least one episode each.
    activity = rng.lognormal(-(0.9**2) / 2, 0.9, size=n_users)
    lam = rate_ * day_weight.sum() / _EVENTS_PER_EPISODE * activity
    n_ep_user = 1 + rng.poisson(np.maximum(lam - 1.0, 0.0))
    ep_user = np.repeat(np.arange(n_users, dtype=np.int32), n_ep_user)
    n_ep = len(ep_user)
    home_cat = rng.choice(n_categories, size=n_users, p=cat_p).astype(np.int32)

    # Which item each episode is about.
    ep_cat = np.where(
        rng.random(n_ep) < home_share,
        home_cat[ep_user],
        rng.choice(n_categories, size=n_ep, p=cat_p).astype(np.int32),
    )
    x = cat_lo[ep_cat] + rng.random(n_ep) * cat_total[ep_cat]
    pos = np.minimum(np.searchsorted(cum, x, side="right"), cat_hi_pos[ep_cat])
    ep_item = by_cat[pos]
    reuse = rng.random(n_ep) < revisit
    reuse[0] = False
    reuse[1:] &= ep_user[1:] == ep_user[:-1]
    run_start = np.maximum.accumulate(np.where(reuse, 0, np.arange(n_ep)))
    ep_item = ep_item[run_start]
    del ep_cat, x, pos, reuse, run_start

    # When: a (day, hour) slot, then a second within the hour.
    slot = rng.choice(n_days * 24, size=n_ep, p=(slot_w / slot_w.sum()).ravel())
    ep_day = (slot // 24).astype(np.int32)
    ep_start = slot * 3600 + rng.integers(0, 3600, size=n_ep)
    del slot

    # What happens in the episode.
    n_pv = rng.geometric(1.0 / _MEAN_PV_PER_EPISODE, size=n_ep).astype(np.int32)
    has_fav = rng.random(n_ep) < _P_FAV
    p_cart = p_cart_day[ep_day]
    has_cart = rng.random(n_ep) < p_cart
    p_buy = np.where(has_cart, _BUY_GIVEN_CART, q0) * buy_mult[ep_day]
    has_buy = rng.random(n_ep) < np.minimum(p_buy, 1.0)
    del p_cart, p_buy, ep_day
    combo = (has_fav.astype(np.int8) * 4 + has_cart * 2 + has_buy).astype(np.int8)
    n_ev = n_pv + has_fav + has_cart + has_buy
    del has_fav, has_cart, has_buy

    # Expand episodes to events (one row each).
    total = int(n_ev.sum())
    ev_ep = np.repeat(np.arange(n_ep, dtype=np.int32), n_ev)
    first_row = np.cumsum(n_ev, dtype=np.int64) - n_ev
    k = (np.arange(total, dtype=np.int64) - first_row[ev_ep]).astype(np.int32)
    k -= n_pv[ev_ep]  # < 0: a page view; 0, 1, 2: the extras in order
    code = np.where(k < 0, np.int8(0), _EXTRA_CODES[combo[ev_ep], np.clip(k, 0, 2)])
    del k, combo, n_pv
    gap = np.floor(rng.exponential(size=total) * _GAP_SECONDS[code]).astype(np.int64) + 1
    gap[first_row] = 0
    offset = np.cumsum(gap)
    offset -= offset[first_row][ev_ep]
    span = offset[first_row + n_ev - 1]
    del gap
    duration = n_days * 86_400
    ep_start = np.minimum(ep_start, duration - 1 - span)  # keep the episode in the window
    t_rel = ep_start[ev_ep] + offset
    del offset, ep_start, span
    user = ep_user[ev_ep]
    item = ep_item[ev_ep]
    del ev_ep

    order = _sort_events(t_rel, user, item, duration, n_users, n_items)
    t_rel, user, item, code = t_rel[order], user[order], item[order], code[order]
    del order
    t0 = _epoch(first)
    return pd.DataFrame(
        {
            "user_id": _ints(user.astype(np.int64) + 1),
            "item_id": _ints(item_ids[item]),
            "category_id": _ints(cat_ids[item_cat[item]]),
            "behavior_type": _cats(code, BEHAVIOR_TYPES),
            "timestamp": _datetimes(t_rel + t0),
        }
    )


def _sort_events(t_rel, user, item, duration, n_users, n_items) -> np.ndarray:
    """Stable order by (time, user, item): one packed int64 key when it fits, else lexsort."""
    bits = [max(1, int(n - 1).bit_length()) for n in (duration, n_users, n_items)]
    if sum(bits) <= 63:
        key = t_rel.astype(np.int64) << (bits[1] + bits[2])
        key |= user.astype(np.int64) << bits[2]
        key |= item.astype(np.int64)
        return np.argsort(key, kind="stable")
    return np.lexsort((item, user, t_rel))


# --------------------------------------------------------------------------------------
# 1b. A full-size UserBehavior.csv, streamed to disk
# --------------------------------------------------------------------------------------

#: Kinds of out-of-window timestamp and their shares: a day or two before the window, a day
#: or two after it, 0-ish (1970), 2037, negative (before 1970).
_OUTSIDE_KINDS = np.array([0.35, 0.35, 0.15, 0.10, 0.05])
_TWO_DAYS = 2 * 86_400
_YEAR_2037 = 2_114_380_800  # 2037-01-01 00:00:00 UTC; 2037 timestamps stay below 2**31


@dataclass(frozen=True)
class UserBehaviorCsvSummary:
    """What ``user_behavior_csv`` wrote: ``rows`` data lines (quirks included) of ``users``
    users, ``outside_window_rows`` rows dated outside the window, ``duplicate_rows`` exact
    copies of the row before them, with ``seed``, in a file of ``bytes`` bytes at ``path``."""

    path: Path
    rows: int
    users: int
    outside_window_rows: int
    duplicate_rows: int
    seed: int
    bytes: int


def _share(value: Any, name: str, zh: str) -> float:
    v = number(value, name, zh=zh, minimum=0.0)
    if v >= 0.5:
        raise BadParameterError(name, value, "a share >= 0 and < 0.5 (e.g. 0.0005)", zh=zh)
    return v


def _csv_target(path: Any) -> Path:
    expected = "a file path (str or pathlib.Path) whose folder exists or can be created"
    if not isinstance(path, str | os.PathLike) or str(path) == "":
        raise BadParameterError("path", path, expected)
    dest = Path(path).expanduser()
    if dest.is_dir():
        raise BadParameterError("path", path, "a file path, not a folder")
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BadParameterError("path", path, f"{expected} ({exc.strerror})") from None
    return dest


def _chunk_seeds(seed: int, chunk: int) -> tuple[int, np.random.Generator]:
    """Seed of chunk ``chunk``'s ``event_log`` and the generator of its quirks."""
    events = np.random.SeedSequence(seed, spawn_key=(chunk, 0))
    quirks = np.random.SeedSequence(seed, spawn_key=(chunk, 1))
    return int(events.generate_state(1, np.uint64)[0]), np.random.default_rng(quirks)


def _by_user(user, t, item, code) -> np.ndarray:
    """Row order (user, timestamp, item, behavior code) of one ``event_log`` chunk."""
    # event_log sorts by (time, user, item): a stable sort by user (radix for <= 16 bits)
    # gives (user, time, item); only ties of (user, time, item) still need the code.
    small = int(user.max()) < 1 << 16
    order = np.argsort(user.astype(np.uint16 if small else np.int64), kind="stable")
    u, tt, it = user[order], t[order], item[order]
    same_user = u[1:] == u[:-1]
    later = (tt[1:] > tt[:-1]) | ((tt[1:] == tt[:-1]) & (it[1:] >= it[:-1]))
    if not (later | ~same_user).all():  # not event_log's documented order: sort fully
        return np.lexsort((code, item, t, user))
    tie = same_user & (tt[1:] == tt[:-1]) & (it[1:] == it[:-1])
    if tie.any():
        rows = np.flatnonzero(np.r_[tie, False] | np.r_[False, tie])
        run = np.cumsum(np.r_[True, ~tie])[rows]  # tie runs are contiguous: sort in place
        order[rows] = order[rows][np.lexsort((code[order[rows]], run))]
    return order


def _outside_timestamps(rng: np.random.Generator, n: int, t0: int, t_end: int) -> np.ndarray:
    kind = rng.choice(len(_OUTSIDE_KINDS), size=n, p=_OUTSIDE_KINDS)
    values = np.stack(
        [
            t0 - rng.integers(1, _TWO_DAYS + 1, n),  # a day or two before the window
            t_end + rng.integers(0, _TWO_DAYS, n),  # a day or two after it
            rng.integers(0, 3 * 86_400, n),  # 1970-01-01 .. 03
            _YEAR_2037 + rng.integers(0, 365 * 86_400, n),  # 2037
            -rng.integers(1, 1 << 31, n),  # before 1970
        ]
    )
    return values[kind, np.arange(n)]


def user_behavior_csv(
    path: str | os.PathLike[str],
    n_rows: int,
    *,
    seed: int = 0,
    users_per_chunk: int = 20_000,
    outside_window_share: float = 0.0005,
    duplicate_share: float = 0.0002,
    progress: bool = False,
) -> UserBehaviorCsvSummary:
    """Write a simulated Taobao UserBehavior.csv of exactly ``n_rows`` lines (模拟数据).

    The format is that of the Tianchi download: no header; user_id, item_id, category_id,
    behavior_type (pv, cart, fav, buy as bare text), timestamp (Unix seconds). The data are
    simulated, in chunks of ``users_per_chunk`` users: chunk k is ``event_log`` over
    2017-11-25 … 2017-12-03 seeded from ``SeedSequence(seed, spawn_key=(k, 0))``, user ids
    shifted so they run 1 … N over the file, rows grouped by user in ascending order and
    sorted by (user, timestamp, item, behavior). Memory stays that of one chunk (~400 MB
    peak with the default 20,000 users) whatever ``n_rows``; 100 million rows take one to
    two minutes. Items are consistent within a chunk only: an item id met in two chunks
    may have two categories.

    Quirks of the real file, placed with ``SeedSequence(seed, spawn_key=(k, 1))``:

    * ``outside_window_share`` of the rows get, in place, a timestamp outside the window:
      mostly a day or two before or after it, some near 0 (1970), in 2037 or negative;
    * ``duplicate_share`` of the rows are exact copies of the row just before them (only
      in-window rows are copied, and the simulated log itself has no other repeated row).

    ``read_user_behavior(path, report=True)`` finds exactly ``outside_window_rows`` and
    ``duplicate_rows`` of the returned ``UserBehaviorCsvSummary``. The same arguments give
    the same bytes. The file is written beside ``path`` under a hidden name and moved into
    place at the end, so a failure or Ctrl-C leaves no partial file. ``progress=True``
    shows a progress bar on stderr.
    """
    n_rows = _count(n_rows, "n_rows", zh="行数")
    seed = _seed(seed)
    per_chunk = _count(users_per_chunk, "users_per_chunk", zh="每块用户数")
    p_out = _share(outside_window_share, "outside_window_share", "窗口外时间戳占比")
    p_dup = _share(duplicate_share, "duplicate_share", "重复行占比")
    if p_out + p_dup >= 0.5:
        raise BadParameterError(
            "duplicate_share",
            duplicate_share,
            f"a share with outside_window_share + duplicate_share < 0.5 "
            f"(outside_window_share is {p_out})",
            zh="重复行占比",
        )
    if not isinstance(progress, bool | np.bool_):
        raise BadParameterError("progress", progress, "True or False", zh="进度条")
    dest = _csv_target(path)

    import pyarrow as pa
    import pyarrow.csv as pacsv
    from tqdm.auto import tqdm

    from casekit.data.tianchi import USER_BEHAVIOR_WINDOW

    first, last = _window(*USER_BEHAVIOR_WINDOW)
    t0 = _epoch(first)
    t_end = _epoch(last + pd.Timedelta(days=1))
    # Quirks per base (simulated) row, so that they are these shares of all written rows.
    dup_rate = p_dup / (1 - p_dup)
    out_rate = p_out / (1 - p_dup)
    behaviors = pa.array(list(BEHAVIOR_TYPES), pa.string())
    schema = pa.schema(
        [
            ("user_id", pa.int64()),
            ("item_id", pa.int64()),
            ("category_id", pa.int64()),
            ("behavior_type", pa.string()),
            ("timestamp", pa.int64()),
        ]
    )
    options = pacsv.WriteOptions(include_header=False, quoting_style="none")

    written = base = users = n_out = n_dup = 0
    tmp = dest.with_name(f".{dest.name}.{secrets.token_hex(6)}.tmp")
    tmp.touch(exist_ok=False)
    try:
        with (
            pa.OSFile(str(tmp), "wb") as sink,
            pacsv.CSVWriter(sink, schema, write_options=options) as writer,
            tqdm(
                total=n_rows,
                unit="rows",
                unit_scale=True,
                file=sys.stderr,
                disable=not progress,
                desc=dest.name,
            ) as bar,
        ):
            chunk = 0
            while written < n_rows:
                event_seed, rng = _chunk_seeds(seed, chunk)
                df = event_log(per_chunk, first, last, seed=event_seed)
                user = df["user_id"].to_numpy(dtype=np.int64)
                item = df["item_id"].to_numpy(dtype=np.int64)
                cat = df["category_id"].to_numpy(dtype=np.int64)
                code = df["behavior_type"].cat.codes.to_numpy()
                ts = df["timestamp"].array.asi8 // 1_000_000_000
                del df
                order = _by_user(user, ts, item, code)
                user, item, cat, code, ts = (a[order] for a in (user, item, cat, code, ts))
                del order
                repeat = np.r_[
                    True,
                    (user[1:] != user[:-1])
                    | (ts[1:] != ts[:-1])
                    | (item[1:] != item[:-1])
                    | (code[1:] != code[:-1]),
                ]  # drop the log's own rare repeats: every duplicate is an injected one
                kept = np.flatnonzero(repeat)
                need = n_rows - written
                target = np.floor(dup_rate * (base + np.arange(1, len(kept) + 1)) + 0.5)
                lines = np.arange(1, len(kept) + 1) + target - n_dup  # lines for m base rows
                m = min(int(np.searchsorted(lines, need)) + 1, len(kept))
                d = min(int(lines[m - 1]) - m, need - m, m)
                del target, lines
                o = int(np.floor(out_rate * (base + m) + 0.5)) - n_out
                o = max(0, min(o, m - d))
                picked = rng.choice(m, size=o + d, replace=False)
                repeat = np.zeros(len(user), dtype=np.int64)
                repeat[kept[:m]] = 1
                repeat[kept[picked[o:]]] = 2  # an exact copy right after the row
                at = np.cumsum(repeat) - repeat  # line of each base row in this chunk
                moved = at[kept[picked[:o]]]
                del kept, at
                rows = np.repeat(np.arange(len(user)), repeat)
                del repeat
                ts = ts[rows]
                ts[moved] = _outside_timestamps(rng, o, t0, t_end)
                user = user[rows] + chunk * per_chunk
                table = pa.Table.from_arrays(
                    [
                        pa.array(user),
                        pa.array(item[rows]),
                        pa.array(cat[rows]),
                        behaviors.take(pa.array(code[rows])),
                        pa.array(ts),
                    ],
                    schema=schema,
                )
                del rows, item, cat, code, ts
                writer.write_table(table)
                del table
                users += 1 + int(np.count_nonzero(user[1:] != user[:-1]))
                written += len(user)
                base += m
                n_dup += d
                n_out += o
                bar.update(len(user))
                del user
                chunk += 1
        size = tmp.stat().st_size
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return UserBehaviorCsvSummary(
        path=dest,
        rows=written,
        users=users,
        outside_window_rows=n_out,
        duplicate_rows=n_dup,
        seed=seed,
        bytes=size,
    )


# --------------------------------------------------------------------------------------
# 2. 直通车 keyword report
# --------------------------------------------------------------------------------------

#: Search keywords of a cosmetics store: (keyword, product, head term?). Head terms (品类词)
#: have large volume, high competition and low intent; long-tail terms the opposite.
_KEYWORDS: tuple[tuple[str, str, bool], ...] = (
    ("口红", "lipstick", True), ("口红正品", "lipstick", False),
    ("哑光口红", "lipstick", False), ("滋润口红", "lipstick", False),
    ("口红小样", "lipstick", False), ("口红套装", "lip_set", False),
    ("口红礼盒", "lip_set", False), ("唇釉", "lipstick", True),
    ("丝绒唇釉", "lipstick", False), ("学生平价口红", "lipstick", False),
    ("粉底液", "foundation", True), ("粉底液油皮", "foundation", False),
    ("粉底液干皮", "foundation", False), ("粉底液持妆", "foundation", False),
    ("粉底液小样", "foundation", False), ("气垫", "foundation", True),
    ("气垫bb霜", "foundation", False), ("遮瑕", "foundation", True),
    ("遮瑕液", "foundation", False), ("睫毛膏", "mascara", True),
    ("防水睫毛膏", "mascara", False), ("纤长睫毛膏", "mascara", False),
    ("浓密睫毛膏", "mascara", False), ("睫毛打底", "mascara", False),
    ("眼线笔", "eye", True), ("眼线液笔", "eye", False),
    ("眉笔", "eye", True), ("眉笔防水", "eye", False),
    ("眼影盘", "eye", True), ("大地色眼影", "eye", False),
    ("腮红", "face", True), ("高光", "face", True),
    ("散粉", "face", True), ("定妆散粉", "face", False),
    ("定妆喷雾", "face", False), ("妆前乳", "face", True),
    ("卸妆水", "remover", True), ("眼唇卸妆液", "remover", False),
    ("彩妆套装", "makeup_set", True), ("化妆品套装新手", "makeup_set", False),
    ("彩妆礼盒", "makeup_set", False), ("美妆蛋", "tool", True),
    ("化妆刷", "tool", True), ("唇线笔", "lipstick", False),
    ("染眉膏", "eye", False), ("修容", "face", False),
)  # fmt: skip
#: Average order value by product (CNY), simulated.
_AOV_CNY = {
    "lipstick": 129.0, "lip_set": 299.0, "foundation": 219.0, "mascara": 109.0,
    "eye": 99.0, "face": 139.0, "remover": 79.0, "makeup_set": 359.0, "tool": 59.0,
}  # fmt: skip


def keyword_report(
    n_keywords: int = 40,
    days: int = 7,
    seed: int = 0,
    *,
    base_ctr: float = 0.02,
    base_cvr: float = 0.04,
) -> pd.DataFrame:
    """A simulated 直通车 keyword report of a cosmetics store over ``days`` days.

    Columns: keyword, match_type, bid_cny, quality_score (1–10), avg_position, impressions,
    clicks, cost_cny, orders, revenue_cny; one row per keyword, ``n_keywords`` of the
    46-keyword vocabulary (口红, 粉底液, 睫毛膏 … and their long-tail variants).

    Teaching model (a simplification, not the platform's exact rule): ads rank by
    bid × quality score against a keyword-level competition; the charged price is the
    generalised second price, next rank score / own quality score + 0.01 CNY, never above
    the bid, so ``cost_cny <= clicks × bid_cny`` always (computed in fen). CTR is
    ``base_ctr`` × (quality_score / 7)^1.2 × position^-0.5 (head terms lower); conversion
    is ``base_cvr`` × intent (long-tail higher); ``revenue_cny`` is a sum of Gamma-distributed
    order values around the product's average order value. Clicks and orders are binomial,
    so clicks ≤ impressions and orders ≤ clicks.
    """
    n_keywords = _count(n_keywords, "n_keywords", zh="关键词数")
    if n_keywords > len(_KEYWORDS):
        raise BadParameterError(
            "n_keywords",
            n_keywords,
            f"at most {len(_KEYWORDS)} (the vocabulary size)",
            zh="关键词数",
        )
    days = _count(days, "days", zh="天数")
    rng = np.random.default_rng(_seed(seed))
    ctr0 = rate(base_ctr, "base_ctr", zh="基准点击率")
    cvr0 = rate(base_cvr, "base_cvr", zh="基准转化率")

    pick = np.sort(rng.choice(len(_KEYWORDS), size=n_keywords, replace=False))
    words = [_KEYWORDS[i] for i in pick]
    head = np.array([w[2] for w in words])
    aov = np.array([_AOV_CNY[w[1]] for w in words])
    n = n_keywords

    searches = np.where(
        head, rng.lognormal(np.log(9000), 0.6, n), rng.lognormal(np.log(700), 0.8, n)
    )
    market_cpc = np.where(
        head, rng.lognormal(np.log(1.6), 0.25, n), rng.lognormal(np.log(0.9), 0.3, n)
    )
    quality = np.clip(np.round(rng.normal(np.where(head, 6.5, 7.5), 1.5, n)), 1, 10).astype(int)
    bid_fen = np.maximum(np.round(market_cpc * rng.lognormal(0.0, 0.3, n) * 100), 5)
    bid = bid_fen / 100
    match = np.where(rng.random(n) < np.where(head, 0.3, 0.7), 1, 0)  # 1 exact (精准), 0 broad

    # Rank score relative to the keyword's competition (a typical rival: quality 7, market bid).
    score = bid * quality / (market_cpc * 7)
    position = np.clip(1 + 9 / (1 + np.exp(3 * (score - 1))) + rng.normal(0, 0.4, n), 1, 20)
    share = np.clip(0.9 / position**0.7, 0.02, 0.9)  # share of searches where the ad shows
    impressions = rng.poisson(searches * days * share)
    ctr = np.clip(ctr0 * (quality / 7) ** 1.2 * position**-0.5 * np.where(head, 0.8, 1.15), 0, 1)
    clicks = rng.binomial(impressions, ctr)
    # Generalised second price: the next ad's score is a fraction of ours.
    next_score = bid * quality * rng.beta(8, 2, n)
    cpc_fen = np.minimum(next_score / quality * 100 + 1, bid_fen)
    cost_fen = np.minimum(np.round(clicks * cpc_fen), clicks * bid_fen)
    intent = np.where(head, 0.7, 1.3) * np.where(match == 1, 1.15, 1.0)
    cvr = np.clip(cvr0 * intent * (0.85 + 0.03 * quality), 0, 1)
    orders = rng.binomial(clicks, cvr)
    revenue = _gamma_sum(rng, orders, aov * rng.lognormal(0, 0.1, n))

    return pd.DataFrame(
        {
            "keyword": _strs(w[0] for w in words),
            "match_type": _cats(match, ["broad", "exact"]),
            "bid_cny": _floats(bid, 2),
            "quality_score": _ints(quality),
            "avg_position": _floats(position, 1),
            "impressions": _ints(impressions),
            "clicks": _ints(clicks),
            "cost_cny": _floats(cost_fen / 100, 2),
            "orders": _ints(orders),
            "revenue_cny": _floats(revenue, 2),
        }
    )


# --------------------------------------------------------------------------------------
# 3. Creative A/B tests
# --------------------------------------------------------------------------------------

ELEMENTS = ("main_image", "title")
#: Default tests: a main image whose B version truly lifts CTR by 20 %, a title test with
#: no true difference (a null result) and a small 4 % lift that 14 days cannot detect.
DEFAULT_AB_TESTS: tuple[dict[str, Any], ...] = (
    {"test_id": "IMG-01", "element": "main_image", "ctr_a": 0.030, "ctr_b": 0.036},
    {"test_id": "TTL-01", "element": "title", "ctr_a": 0.025, "ctr_b": 0.025},
    {"test_id": "IMG-02", "element": "main_image", "ctr_a": 0.028, "ctr_b": 0.0291},
)


def ab_test(
    tests: Sequence[Mapping[str, Any]] | None = None,
    start: Any = "2026-05-11",
    end: Any = "2026-05-24",
    seed: int = 0,
    *,
    daily_impressions: int = 6000,
    share_b: float = 0.5,
) -> pd.DataFrame:
    """Daily impressions and clicks of creative A/B tests with known true CTRs.

    ``tests`` is a list of ``{test_id, element, ctr_a, ctr_b}`` (element ``main_image`` 主图
    or ``title`` 标题; CTRs are proportions); default ``DEFAULT_AB_TESTS`` (a real 20 %
    lift, a null result, an underpowered 4 % lift). Each day a test gets about
    ``daily_impressions`` × weekday factor impressions, a ``share_b`` part of them shown
    version B (binomial split). Clicks are binomial with the true CTR times a day effect
    shared by both versions (log-normal, σ = 0.05), so the relative lift is the same every
    day. One row per (date, test_id, variant).
    """
    first, last = _window(start, end)
    rng = np.random.default_rng(_seed(seed))
    daily = _count(daily_impressions, "daily_impressions", zh="日曝光量")
    split = rate(share_b, "share_b", zh="B版流量占比")
    specs = _ab_specs(DEFAULT_AB_TESTS if tests is None else tests)
    n_days = (last - first).days + 1
    n_tests = len(specs)

    ctr = np.array([[s["ctr_a"], s["ctr_b"]] for s in specs])  # (test, variant)
    mean_imps = daily * _weekday_factor(first, n_days)[:, None]  # (day, 1)
    total = rng.poisson(np.broadcast_to(mean_imps, (n_days, n_tests)))
    imps_b = rng.binomial(total, split)
    imps = np.stack([total - imps_b, imps_b], axis=2)  # (day, test, variant)
    day_effect = rng.lognormal(-(0.05**2) / 2, 0.05, (n_days, n_tests, 1))
    clicks = rng.binomial(imps, np.clip(ctr[None, :, :] * day_effect, 0, 1))

    dates = _dates(first, n_days)
    shape = (n_days, n_tests, 2)
    d_idx, t_idx, v_idx = (a.ravel() for a in np.indices(shape))
    elements = np.array([ELEMENTS.index(s["element"]) for s in specs])
    return pd.DataFrame(
        {
            "date": dates[d_idx],
            "test_id": _strs(specs[i]["test_id"] for i in t_idx),
            "element": _cats(elements[t_idx], ELEMENTS),
            "variant": _cats(v_idx, ["A", "B"]),
            "impressions": _ints(imps.ravel()),
            "clicks": _ints(clicks.ravel()),
        }
    )


def _ab_specs(tests: Any) -> list[dict[str, Any]]:
    if isinstance(tests, Mapping | str) or not isinstance(tests, Sequence) or not tests:
        raise BadParameterError(
            "tests", tests, "a non-empty list of {test_id, element, ctr_a, ctr_b}", zh="测试"
        )
    specs, seen = [], set()
    keys = {"test_id", "element", "ctr_a", "ctr_b"}
    for i, t in enumerate(tests):
        if not isinstance(t, Mapping):
            raise BadParameterError(f"tests[{i}]", t, "a mapping {test_id, element, ctr_a, ctr_b}")
        extra = set(t) - keys
        if extra:
            raise UnknownParameterError(sorted(extra)[0], keys, where=f"tests[{i}]")
        missing = keys - set(t)
        if missing:
            raise BadParameterError(f"tests[{i}]", dict(t), f"also {', '.join(sorted(missing))}")
        test_id = t["test_id"]
        if not isinstance(test_id, str) or not test_id or test_id in seen:
            raise BadParameterError(
                f"tests[{i}].test_id", test_id, "a non-empty text unique among the tests"
            )
        seen.add(test_id)
        specs.append(
            {
                "test_id": test_id,
                "element": choice(t["element"], f"tests[{i}].element", ELEMENTS, zh="测试元素"),
                "ctr_a": rate(t["ctr_a"], f"tests[{i}].ctr_a", zh="A版点击率"),
                "ctr_b": rate(t["ctr_b"], f"tests[{i}].ctr_b", zh="B版点击率"),
            }
        )
    return specs


# --------------------------------------------------------------------------------------
# 4. Store daily metrics with injected anomalies (生意参谋 diagnosis)
# --------------------------------------------------------------------------------------

ANOMALIES = ("none", "stock_out", "recovery", "traffic_drop")


def store_daily(
    start: Any = "2020-01-01",
    end: Any = "2020-03-31",
    seed: int = 0,
    *,
    baseline_visitors: int = 11_000,
    low_visitors: int = 200,
    stock_out_start: Any = None,
    restock_date: Any = None,
    recovery_days: int = 6,
    traffic_drop_start: Any = None,
    traffic_drop_days: int = 5,
    paid_share: float = 0.4,
    conversion_rate: float = 0.03,
    aov_cny: float = 168.0,
    anomalies: Sequence[str] = ("stock_out", "traffic_drop"),
) -> pd.DataFrame:
    """Daily metrics of a women's-clothing store with injected, labelled anomalies.

    Columns: date, visitors (访客数), pv (浏览量), paying_buyers (支付买家数), orders,
    gmv_cny, conversion_rate (= paying_buyers / visitors), aov_cny (客单价 = gmv_cny /
    paying_buyers, so GMV = visitors × conversion × AOV up to rounding), stock_out_items
    (售罄商品数), ad_spend_cny (直通车 spend), injected_anomaly (ground truth: none,
    stock_out, recovery, traffic_drop).

    Calibrated to article 004 (生意参谋 智能诊断): a women's-clothing store found an abnormal,
    out-of-stock item, restocked it and its daily visitors went from about 200 to 10,000+.
    Here the hero item sells out on ``stock_out_start``: stock_out_items jumps, conversion
    falls to 30 % of normal, paid traffic for the item stops and search traffic decays over a
    few days to a plateau of about ``low_visitors`` a day; on ``restock_date`` it is back and
    visitors climb geometrically over ``recovery_days`` to ``baseline_visitors`` (11,000,
    so the week after recovery averages 10,000+). Separately, for ``traffic_drop_days``
    from ``traffic_drop_start`` the paid campaign is paused (ad spend near zero): visitors
    lose the ``paid_share`` of paid traffic while conversion and stock stay normal.
    Anomaly dates left as ``None`` fall at 44 %, 69 % and 90 % of the window (for the
    default window: 2020-02-10, 2020-03-04 and 2020-03-23, around 38女王节 2020, when the
    article says the diagnosis was tested; illustrative); such a window needs >= 60 days.
    ``anomalies`` chooses which to inject; ``()`` gives a clean series.
    Weekly seasonality: ``WEEKDAY_WEIGHTS``; daily noise log-normal (σ = 0.06).
    """
    first, last = _window(start, end)
    rng = np.random.default_rng(_seed(seed))
    base = _count(baseline_visitors, "baseline_visitors", zh="基准日访客数")
    low = _count(low_visitors, "low_visitors", zh="缺货期日访客数")
    rec_days = _count(recovery_days, "recovery_days", zh="恢复天数")
    drop_days = _count(traffic_drop_days, "traffic_drop_days", zh="流量下跌天数")
    paid = rate(paid_share, "paid_share", zh="付费流量占比")
    if low >= base * (1 - paid):
        raise BadParameterError(
            "low_visitors",
            low_visitors,
            f"fewer than the organic part of baseline_visitors ({base * (1 - paid):.0f})",
            zh="缺货期日访客数",
        )
    cr = rate(conversion_rate, "conversion_rate", zh="转化率")
    aov = _positive(aov_cny, "aov_cny", zh="客单价")
    if isinstance(anomalies, str) or not isinstance(anomalies, Iterable):
        raise BadParameterError("anomalies", anomalies, "a list such as ['stock_out']")
    chosen = {choice(a, "anomalies", ("stock_out", "traffic_drop"), zh="异常") for a in anomalies}
    n_days = (last - first).days + 1
    day = np.arange(n_days)
    defaults = {"stock_out_start": 0.44, "restock_date": 0.69, "traffic_drop_start": 0.90}
    given = {
        "stock_out_start": stock_out_start,
        "restock_date": restock_date,
        "traffic_drop_start": traffic_drop_start,
    }
    if any(given[k] is None for k in defaults) and chosen and n_days < 60:
        raise BadParameterError(
            "end", end, "a window of at least 60 days, or explicit anomaly dates", zh="结束日期"
        )
    for key, share in defaults.items():
        if given[key] is None:
            given[key] = first + pd.Timedelta(days=round(share * n_days))
    stock_out_start, restock_date, traffic_drop_start = given.values()

    label = np.zeros(n_days, dtype=np.int8)
    level = np.ones(n_days)  # organic traffic level relative to baseline
    paid_on = np.ones(n_days)
    stock_hit = np.zeros(n_days, dtype=bool)
    if "stock_out" in chosen:
        so = _day(stock_out_start, "stock_out_start", zh="缺货开始日期")
        rs = _day(restock_date, "restock_date", zh="补货日期")
        _within(so, first, last, "stock_out_start", stock_out_start, "缺货开始日期")
        _within(rs, first, last, "restock_date", restock_date, "补货日期")
        if rs <= so:
            raise BadParameterError(
                "restock_date",
                restock_date,
                f"a date after stock_out_start ({so.date()})",
                zh="补货日期",
            )
        s, r = (so - first).days, (rs - first).days
        floor = low / (base * (1 - paid))  # paid traffic stops: the plateau is organic
        out = (day >= s) & (day < r)
        k = day - s
        level = np.where(out, floor + (1 - floor) * np.exp(-k / 2.0), level)
        stock_hit = out
        rec = (day >= r) & (day < r + rec_days)
        # geometric climb from the plateau back to the baseline
        level = np.where(rec, floor ** (1 - (day - r + 1) / rec_days), level)
        paid_on = np.where(out, 0.0, np.where(rec, level, paid_on))
        label[out] = ANOMALIES.index("stock_out")
        label[rec] = ANOMALIES.index("recovery")
    if "traffic_drop" in chosen:
        td = _day(traffic_drop_start, "traffic_drop_start", zh="流量下跌开始日期")
        _within(td, first, last, "traffic_drop_start", traffic_drop_start, "流量下跌开始日期")
        d = (td - first).days
        drop = (day >= d) & (day < d + drop_days)
        if (drop & (label != 0)).any():
            raise BadParameterError(
                "traffic_drop_start",
                traffic_drop_start,
                "a date whose drop does not overlap the stock-out or recovery",
                zh="流量下跌开始日期",
            )
        paid_on = np.where(drop, 0.03, paid_on)
        label[drop] = ANOMALIES.index("traffic_drop")

    season = _weekday_factor(first, n_days)
    noise = rng.lognormal(-(0.06**2) / 2, 0.06, (2, n_days))
    organic = rng.poisson(base * (1 - paid) * level * season * noise[0])
    # while the hero item is sold out its ads stop and search sends few shoppers
    paid_visitors = rng.poisson(base * paid * paid_on * season * noise[1])
    visitors = np.maximum(organic + paid_visitors, 1)
    pv = rng.poisson(visitors * rng.normal(3.2, 0.15, n_days).clip(2.0))
    conv = cr * np.where(stock_hit, 0.3, 1.0) * rng.lognormal(0, 0.05, n_days)
    buyers = rng.binomial(visitors, np.clip(conv, 0, 1))
    orders = buyers + rng.binomial(buyers, 0.08)
    gmv = np.round(_gamma_sum(rng, buyers, aov), 2)
    stock_out_items = np.where(stock_hit, 6 + rng.poisson(4, n_days), rng.poisson(0.4, n_days))
    ad_spend = np.round(paid_visitors * rng.lognormal(np.log(0.85), 0.05, n_days), 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        conversion = np.round(buyers / visitors, 4)
        aov_day = np.where(buyers > 0, np.round(gmv / np.maximum(buyers, 1), 2), 0.0)

    return pd.DataFrame(
        {
            "date": _dates(first, n_days),
            "visitors": _ints(visitors),
            "pv": _ints(pv),
            "paying_buyers": _ints(buyers),
            "orders": _ints(orders),
            "gmv_cny": _floats(gmv, 2),
            "conversion_rate": _floats(conversion),
            "aov_cny": _floats(aov_day),
            "stock_out_items": _ints(stock_out_items),
            "ad_spend_cny": _floats(ad_spend, 2),
            "injected_anomaly": _cats(label, ANOMALIES),
        }
    )


# --------------------------------------------------------------------------------------
# 5. 超级粉丝日 (Maybelline 2018, article 003)
# --------------------------------------------------------------------------------------

FAN_DAY_PHASES = ("warm_up", "fan_day", "after")


def fan_day(
    fan_day_date: Any = "2018-09-20",
    seed: int = 0,
    *,
    warm_up_days: int = 6,
    after_days: int = 3,
    fans_adding_to_cart: int = 392_000,
    new_fans_week: int = 385_000,
    base_fans: int = 1_500_000,
    aov_cny: float = 118.0,
) -> pd.DataFrame:
    """A simulated 天猫超级粉丝日 window: warm-up days, the fan day, a few days after.

    Columns: date, phase (warm_up 预热, fan_day 粉丝日, after 返场), day_offset (0 on the fan
    day), new_fans, cumulative_new_fans, total_fans, visitors, fans_adding_to_cart (加购粉丝
    数), paying_buyers, orders, gmv_cny.

    Calibrated to article 003: at Maybelline's first 超级粉丝日 (2018) more than 380,000
    fans added to cart on the day, and the brand gathered 380,000 fans within a week. Here
    the fan day's ``fans_adding_to_cart`` is the parameter × (1 ± at most 1.5 %), so the
    default (392,000) stays above 380,000 for every seed, and the new fans of the week
    ending on the fan day (the fan day and up to six warm-up days before it) sum exactly to
    ``new_fans_week``. Everything else (base of 1.5 million fans, visitors, buyers, GMV,
    the date) is simulated: the article gives no date or sales figures.
    """
    day0 = _day(fan_day_date, "fan_day_date", zh="粉丝日日期")
    rng = np.random.default_rng(_seed(seed))
    warm = _count(warm_up_days, "warm_up_days", zh="预热天数")
    after = _count(after_days, "after_days", zh="返场天数", minimum=0)
    cart_target = _count(fans_adding_to_cart, "fans_adding_to_cart", zh="加购粉丝数")
    week_fans = _count(new_fans_week, "new_fans_week", zh="一周新增粉丝数")
    base = _count(base_fans, "base_fans", zh="活动前粉丝数", minimum=0)
    aov = _positive(aov_cny, "aov_cny", zh="客单价")
    n = warm + 1 + after
    offset = np.arange(-warm, after + 1)
    phase = np.where(offset < 0, 0, np.where(offset == 0, 1, 2))

    # New fans: a rising warm-up (teasers, fan-only coupons), most on the day, then a tail.
    ramp = np.where(offset <= 0, np.exp(0.25 * offset), 0.0)
    ramp[offset == 0] *= 1.3
    ramp *= rng.lognormal(0, 0.08, n) * (offset <= 0)
    week = (offset <= 0) & (offset > -7)
    share = ramp / ramp[week].sum()
    new_fans = np.floor(share * week_fans).astype(np.int64)
    new_fans[offset == 0] += week_fans - new_fans[week].sum()  # exact weekly total
    tail = np.exp(-0.8 * offset) * 0.06 * week_fans * rng.lognormal(0, 0.1, n)
    new_fans = np.where(offset > 0, np.round(tail), new_fans).astype(np.int64)
    cumulative = np.cumsum(new_fans)
    total_fans = base + cumulative

    day_cart = cart_target * (1 + rng.uniform(-0.015, 0.015))
    pre = 0.12 * np.exp(0.3 * (offset + 1))  # pre-加购 rises towards the day
    post = 0.12 * np.exp(-0.9 * (offset - 1))
    cart_share = np.where(offset < 0, pre, np.where(offset == 0, 1.0, post))
    cart_share *= np.where(offset == 0, 1.0, rng.lognormal(0, 0.08, n))
    carts = np.minimum(np.round(day_cart * cart_share), total_fans).astype(np.int64)
    visitors = np.round(carts * np.where(offset == 0, 3.6, 5.5) * rng.lognormal(0, 0.05, n))
    visitors = visitors.astype(np.int64)
    buy_rate = np.where(offset == 0, 0.42, 0.18)
    fan_buyers = rng.binomial(carts, buy_rate)
    other_buyers = rng.binomial(np.maximum(visitors - carts, 0), 0.004)
    buyers = fan_buyers + other_buyers
    orders = buyers + rng.binomial(buyers, 0.06)
    gmv = _gamma_sum(rng, buyers, aov * np.where(offset == 0, 1.15, 1.0))

    return pd.DataFrame(
        {
            "date": _dates(day0 - pd.Timedelta(days=warm), n),
            "phase": _cats(phase, FAN_DAY_PHASES),
            "day_offset": _ints(offset),
            "new_fans": _ints(new_fans),
            "cumulative_new_fans": _ints(cumulative),
            "total_fans": _ints(total_fans),
            "visitors": _ints(visitors),
            "fans_adding_to_cart": _ints(carts),
            "paying_buyers": _ints(buyers),
            "orders": _ints(orders),
            "gmv_cny": _floats(gmv, 2),
        }
    )


# --------------------------------------------------------------------------------------
# 6. Member orders (RFM / CLV)
# --------------------------------------------------------------------------------------

CHANNELS = ("search", "recommendation", "live", "campaign")
#: (month, day, extra weight) of the big shopping days, with a ten-day ramp before each.
_PROMO_DAYS = ((3, 8, 1.0), (6, 18, 4.0), (11, 11, 5.0), (12, 12, 1.5))


def _promo_weight(dates: pd.DatetimeIndex) -> np.ndarray:
    extra = np.zeros(len(dates))
    for month, dom, height in _PROMO_DAYS:
        for year in np.unique(dates.year):
            delta = (dates - pd.Timestamp(int(year), month, dom)).days.to_numpy()
            extra += np.where((delta <= 0) & (delta > -10), height * np.exp(delta / 2.0), 0.0)
            extra += np.where(delta == 1, height * 0.2, 0.0)
    return extra


def member_orders(
    n_users: int = 2000,
    start: Any = "2024-07-01",
    end: Any = "2026-06-30",
    seed: int = 0,
    *,
    member_share: float = 0.3,
    orders_per_year: float = 3.0,
    churn_rate: float = 0.3,
    mean_amount_cny: float = 180.0,
) -> pd.DataFrame:
    """Orders of a store's customers for RFM and CLV lessons: one row per order.

    Columns: order_id (1 … in time order), user_id, order_time (Beijing time), amount_cny,
    is_member (会员), channel (search 搜索, recommendation 推荐, live 直播, campaign 大促会场).

    A BG/NBD-style process: each customer makes a first purchase at a random time in the
    window, then buys as a Poisson process with a gamma-distributed rate (mean
    ``orders_per_year``, shape 1.2: a few very frequent buyers) and after each purchase drops
    out (churns) with a beta-distributed probability (mean ``churn_rate``). Order amounts
    follow the Gamma-Gamma spend model (customer mean spend gamma around
    ``mean_amount_cny``, orders gamma around it). Members (``member_share``) buy 1.5 times
    as often, churn at 0.6 times the rate and spend 15 % more. Time runs faster around
    38节, 618, 双11 and 双12 (more orders, more of them from the campaign channel) and follows
    the hourly profile of ``HOURLY_WEIGHTS``.
    """
    n_users = _count(n_users, "n_users", zh="用户数")
    first, last = _window(start, end)
    rng = np.random.default_rng(_seed(seed))
    members_p = rate(member_share, "member_share", zh="会员占比")
    per_year = _positive(orders_per_year, "orders_per_year", zh="年均购买次数")
    churn = rate(churn_rate, "churn_rate", zh="流失率")
    if churn == 0.0:
        raise BadParameterError("churn_rate", churn_rate, "a proportion above 0", zh="流失率")
    mean_amount = _positive(mean_amount_cny, "mean_amount_cny", zh="平均订单金额")

    n_days = (last - first).days + 1
    dates = pd.date_range(first, periods=n_days, freq="D")
    promo = _promo_weight(dates)
    day_w = _weekday_factor(first, n_days) * (1 + promo)
    day_w = day_w / day_w.mean()  # operational time: one unit = one average day
    cum = np.concatenate([[0.0], np.cumsum(day_w)])
    horizon = cum[-1]

    member = rng.random(n_users) < members_p
    lam = rng.gamma(1.2, per_year / 1.2 / 365.0, n_users) * np.where(member, 1.5, 1.0)
    a = 2.0
    b = a * (1 - churn) / churn
    drop = np.clip(rng.beta(a, b, n_users) * np.where(member, 0.6, 1.0), 1e-6, 1.0)
    spend = rng.gamma(4.0, mean_amount / 4.0, n_users) * np.where(member, 1.15, 1.0)

    t_first = rng.random(n_users) * horizon
    alive_buys = rng.geometric(drop) - 1  # repeat purchases before dropping out
    m = rng.poisson(lam * (horizon - t_first))  # Poisson arrivals left in the window
    n_repeat = np.minimum(alive_buys, m)
    # Given m arrivals, their times are sorted uniforms; keep the first n_repeat.
    arr_user = np.repeat(np.arange(n_users), m)
    u = rng.random(len(arr_user))
    order = np.lexsort((u, arr_user))
    arr_user, u = arr_user[order], u[order]
    rank = np.arange(len(arr_user)) - np.repeat(np.cumsum(m) - m, m)
    keep = rank < n_repeat[arr_user]
    rep_user = arr_user[keep]
    rep_t = t_first[rep_user] + u[keep] * (horizon - t_first[rep_user])
    user = np.concatenate([np.arange(n_users), rep_user])
    op_t = np.concatenate([t_first, rep_t])

    day_i = np.clip(np.searchsorted(cum, op_t, side="right") - 1, 0, n_days - 1)
    hour = rng.choice(24, size=len(user), p=HOURLY_WEIGHTS)
    secs = _epoch(first) + day_i * 86_400 + hour * 3600 + rng.integers(0, 3600, len(user))
    amount = np.maximum(np.round(rng.gamma(3.0, spend[user] / 3.0), 2), 9.9)
    is_promo = promo[day_i] > 0.3
    channel_p = np.where(is_promo[:, None], [[0.30, 0.22, 0.13, 0.35]], [[0.42, 0.30, 0.16, 0.12]])
    channel = (rng.random(len(user))[:, None] > np.cumsum(channel_p, axis=1)).sum(axis=1)
    channel = np.minimum(channel, len(CHANNELS) - 1)

    order = np.lexsort((user, secs))
    user, secs, amount, channel = user[order], secs[order], amount[order], channel[order]
    return pd.DataFrame(
        {
            "order_id": _ints(np.arange(1, len(user) + 1)),
            "user_id": _ints(user + 1),
            "order_time": _datetimes(secs),
            "amount_cny": _floats(amount),
            "is_member": _bools(member[user]),
            "channel": _cats(channel, CHANNELS),
        }
    )


# --------------------------------------------------------------------------------------
# Catalogue: regenerate and bundle
# --------------------------------------------------------------------------------------

GENERATORS = {
    "event_log": event_log,
    "keyword_report": keyword_report,
    "ab_test": ab_test,
    "store_daily": store_daily,
    "fan_day": fan_day,
    "member_orders": member_orders,
}


_MODULE = "casekit.data.generators"  # not __name__: this file also runs as __main__


def _resolve(function: str):
    module, _, name = function.rpartition(".")
    if module != _MODULE or name not in GENERATORS:
        raise BadParameterError(
            "generator.function",
            function,
            "one of " + ", ".join(f"{_MODULE}.{g}" for g in GENERATORS),
        )
    return getattr(importlib.import_module(module), name)


def from_catalog(name: str) -> pd.DataFrame:
    """Generate synthetic dataset ``name`` now, from its catalogue generator, seed and params."""
    from casekit.data import describe

    entry = describe(name)
    if entry["kind"] != "synthetic":
        raise BadParameterError("name", name, "a synthetic dataset (kind: synthetic)")
    gen = entry["generator"]
    fn = _resolve(gen["function"])
    params = dict(gen.get("params") or {})
    allowed = set(inspect.signature(fn).parameters) - {"seed"}
    for key in params:
        if key not in allowed:
            raise UnknownParameterError(key, allowed, where=f"{gen['function']} ({name})")
    return fn(seed=gen["seed"], **params)


def build_bundled(
    datasets_dir: str | Path | None = None, names: Iterable[str] | None = None
) -> dict[str, Path]:
    """Regenerate the synthetic files of the catalogue; return {dataset name: path written}.

    ``datasets_dir`` defaults to ``casekit.data.datasets_dir()``; ``names`` to every
    synthetic dataset. Files are validated and written atomically and byte-deterministically
    by ``casekit.data.schema.write``.
    """
    from casekit.data import _catalog, schema

    root = Path(datasets_dir) if datasets_dir is not None else _catalog.datasets_dir()
    entries = _catalog.raw_catalog()
    wanted = (
        list(names)
        if names is not None
        else [n for n, e in entries.items() if e["kind"] == "synthetic"]
    )
    written = {}
    for name in wanted:
        df = from_catalog(name)
        path = root / entries[name]["file"]
        schema.write(df, entries[name], path, dataset=name)
        written[name] = path
    return written


if __name__ == "__main__":  # python -m casekit.data.generators
    for dataset, where in build_bundled().items():
        print(f"{dataset:22s} {where}  {where.stat().st_size:,} bytes")
