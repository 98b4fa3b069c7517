"""``event_log``: a simulated Taobao UserBehavior log (Tianchi schema) with a 大促 peak."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from casekit._checks import BEHAVIOR_TYPES, number, rate
from casekit.data.generators._common import (
    HOURLY_WEIGHTS,
    TIANCHI_EVENTS_PER_USER_DAY,
    TIANCHI_ITEMS_PER_CATEGORY,
    TIANCHI_ITEMS_PER_USER,
    TIANCHI_SHARES,
    _cats,
    _count,
    _datetimes,
    _day,
    _epoch,
    _ints,
    _positive,
    _seed,
    _weekday_factor,
    _window,
    _within,
)
from casekit.errors import BadParameterError

# --------------------------------------------------------------------------------------
# 1. Event log (Tianchi UserBehavior schema)
# --------------------------------------------------------------------------------------

_MEAN_PV_PER_EPISODE = 2.0
_EVENTS_PER_EPISODE = _MEAN_PV_PER_EPISODE / TIANCHI_SHARES["pv"]
_P_CART = TIANCHI_SHARES["cart"] * _EVENTS_PER_EPISODE
_P_FAV = TIANCHI_SHARES["fav"] * _EVENTS_PER_EPISODE
_P_BUY = TIANCHI_SHARES["buy"] * _EVENTS_PER_EPISODE
#: Buy probability of an episode with a cart or a fav; the rest of the buys are direct
#: (no cart or fav of the item), so about 3/4 of buy events are direct as in Tianchi.
_BUY_GIVEN_CART_OR_FAV = 0.022
#: Users differ in how often they cart and, independently, in how often they fav: two
#: multipliers Gamma(shape, 1/shape), mean 1. A large cart shape (almost every cart user
#: carts) and a small fav shape (many never fav) split the buyers as in the full Tianchi
#: log (R-ub-paths-full: 48.5 % cart but never fav, 30.4 % do both, 10.7 % only fav,
#: 10.3 % neither).
_CART_SHAPE = 6.0
_FAV_SHAPE = 0.2
#: Some users never use the cart and keep items in their favourites instead (buyers who
#: fav but never cart are as common as buyers who do neither): their cart multiplier is 0
#: and their fav multiplier is Gamma(_FAV_LIST_SHAPE) with mean _FAV_LIST_BOOST (before
#: both multipliers are rescaled to mean 1).
_FAV_LIST_SHARE = 0.17
_FAV_LIST_BOOST = 2.0
_FAV_LIST_SHAPE = 0.4
#: Share of the buys after a cart or fav that come on a later day (bought from the cart
#: or the favourites list), and the mean extra days (1 + geometric).
_DEFER_BUY = 0.55
_DEFER_MEAN_DAYS = 1.6
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
      Every buy therefore follows a pv of the same item by the same user, the same day or
      earlier (in the real Tianchi log a few buys do not, because the window cuts sessions);
    * probabilities are set so the expected shares are Tianchi's pv 89.5 %, cart 5.5 %,
      fav 2.9 %, buy 2.0 % over the whole window, peak or not;
    * user paths (calibrated, see ``calibration_stats`` and the catalogue's
      ``calibration.targets``): users differ in how often they cart and in how often they
      fav (independent Gamma multipliers, mean 1; 17 % of users never use the cart and
      keep favourites instead), and an episode with a cart or fav buys about as often as
      one without, so about three quarters of buys are direct (no cart or fav of the item)
      and the buyers split over the four paths as in the full Tianchi log (about 10 %
      neither, 48 % cart only, 11 % fav only, 30 % both); 55 % of the buys after a cart or
      fav come 1 + geometric (mean 1.6) days later, from the cart (no new page view),
      unless that leaves the window (a course setting: no published figure);
    * episode start times follow the day weights (weekday × peak) and the hourly profile
      ``HOURLY_WEIGHTS`` (evening peak, few events at 3–6 am).

    Rows are sorted by (timestamp, user_id, item_id), ties in event order. IDs: users
    1 … n_users; items and categories scattered in Tianchi's ID ranges.

    Parameters
    ----------
    n_users : int
        Number of users (≥ 1).
    start : date-like
        First Beijing calendar day, included.
    end : date-like
        Last Beijing calendar day, included.
    seed : int
        Random seed (≥ 0); the same seed gives the same log.
    peak_date : date-like or None
        Beijing day of a 大促 peak within the window; ``None`` for no peak.
    n_items : int or None
        Number of items; ``None`` for 4.2 per user.
    n_categories : int or None
        Number of categories; ``None`` for one per 440 items.
    events_per_user_day : float
        Mean events per user per ordinary day (> 0).
    peak_lift : float
        Extra traffic of the peak day as a multiple of an ordinary day (≥ 0; 1.5 = +150 %).
    home_category_share : float
        Proportion 0–1 of a user's episodes in their home category.
    revisit_share : float
        Probability 0–1 that an episode re-opens the user's previous item.

    Returns
    -------
    pandas.DataFrame
        Columns user_id, item_id, category_id, behavior_type (pv/cart/fav/buy) and
        timestamp (Beijing time), one row per event.
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
    # P(cart or fav) of an episode, averaged over the users' independent multipliers
    # (mean 1 each): E[1 - (1 - pc c)(1 - pf f)] = pc + pf - pc pf.
    p_cf_day = p_cart_day + _P_FAV - p_cart_day * _P_FAV
    p_cf = float(day_share @ p_cf_day)
    q0 = (_P_BUY - p_cf * _BUY_GIVEN_CART_OR_FAV) / (1 - p_cf)
    buy_base = p_cf_day * _BUY_GIVEN_CART_OR_FAV + (1 - p_cf_day) * q0
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
    cart_user = rng.gamma(_CART_SHAPE, 1.0 / _CART_SHAPE, size=n_users)
    fav_user = rng.gamma(_FAV_SHAPE, 1.0 / _FAV_SHAPE, size=n_users)
    fav_list = rng.random(n_users) < _FAV_LIST_SHARE
    cart_user[fav_list] = 0.0
    fav_user[fav_list] = rng.gamma(
        _FAV_LIST_SHAPE, _FAV_LIST_BOOST / _FAV_LIST_SHAPE, size=int(fav_list.sum())
    )
    # Mean 1 over episodes (not only in expectation), so the cart and fav shares hold.
    cart_user /= float(n_ep_user @ cart_user) / float(n_ep_user.sum())
    fav_user /= float(n_ep_user @ fav_user) / float(n_ep_user.sum())
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
    has_fav = rng.random(n_ep) < _P_FAV * fav_user[ep_user]
    p_cart = p_cart_day[ep_day] * cart_user[ep_user]
    has_cart = rng.random(n_ep) < p_cart
    p_buy = np.where(has_cart | has_fav, _BUY_GIVEN_CART_OR_FAV, q0) * buy_mult[ep_day]
    has_buy = rng.random(n_ep) < np.minimum(p_buy, 1.0)
    # A buy after a cart or fav comes on a later day for some episodes.
    defer_days = np.where(
        (has_cart | has_fav) & has_buy & (rng.random(n_ep) < _DEFER_BUY),
        rng.geometric(1.0 / _DEFER_MEAN_DAYS, size=n_ep),
        0,
    ).astype(np.int64)
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
    # Deferred buys move whole days later, unless that leaves the window.
    shift = np.where(code == 3, defer_days[ev_ep] * 86_400, 0)
    t_rel = np.where(t_rel + shift < duration, t_rel + shift, t_rel)
    del shift, defer_days
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
