"""Campaign maths: the 618 calendar, coupon / 满减 / 预售定金 pricing, budget allocation.

Three small, transparent models for teaching:

* :func:`calendar_618` and :func:`phase_of`: the four phases of a 618 campaign
  (备货期 → 预售期 → 品类日 → 狂欢日), after the 2020 天猫618 merchant conference
  (article ``A004``, see docs/sources.md).
* :func:`final_price`: what a shopper pays for a cart after single-item discounts (单品折扣),
  presale deposits (预售定金膨胀), store coupons (店铺优惠券) and cross-store 满减, applied
  in one documented order, with a breakdown per rule and per item. Real platforms' stacking
  rules differ between campaigns and years; this is a simplified model of them.
* :func:`allocate_budget`: split a budget across marketing tools whose revenue saturates
  with spend (diminishing returns), by greedy marginal-return allocation — a tiny version of
  the budget optimisers in PyMC-Marketing and Google Meridian.

All money is in CNY; cart and budget arithmetic is done in whole 分 (0.01 CNY) so that
totals add up exactly.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd

from casekit._checks import (
    date_column,
    date_value,
    number,
    rate,
    require_columns,
    require_frame,
    require_numeric_column,
)
from casekit.errors import (
    BadParameterError,
    RuleNotInCartWarning,
    SchemaViolationError,
    UnknownParameterError,
)

__all__ = [
    "MAX_CART_CNY",
    "PHASES_618",
    "AllocationCurve",
    "ExponentialCurve",
    "HillCurve",
    "ItemDiscount",
    "Manjian",
    "PresaleDeposit",
    "PriceResult",
    "StoreCoupon",
    "allocate_budget",
    "calendar_618",
    "check_calendar",
    "final_price",
    "parse_manjian",
    "phase_of",
    "price_curve",
]

# ---------------------------------------------------------------------------------------------
# 618 calendar
# ---------------------------------------------------------------------------------------------

#: The four phases of a 618 campaign in order: (Chinese name, English key).
PHASES_618: tuple[tuple[str, str], ...] = (
    ("备货期", "stocking"),
    ("预售期", "presale"),
    ("品类日", "category_days"),
    ("狂欢日", "carnival"),
)

# Default (month, day) spans. A simplified model of recent years' schedules (2020–2021:
# presale opened around 24–26 May, the opening days 1–3 June are folded into 品类日 here,
# 品类日 ran to 15 June, the 狂欢日 peak was 16–18 June); 备货期 is the merchant's stocking
# and warm-up time before presale. Check the platform's announcement for a given year.
_DEFAULT_618 = {
    "备货期": ((5, 1), (5, 24)),
    "预售期": ((5, 25), (5, 31)),
    "品类日": ((6, 1), (6, 15)),
    "狂欢日": ((6, 16), (6, 18)),
}
_STOCKING_DAYS = 24
_PHASE_EN = dict(PHASES_618)
_PHASE_ZH = {en: zh for zh, en in PHASES_618}


def _check_phase_order(frame: pd.DataFrame, *, name: str = "phases") -> None:
    """Raise unless every phase ends on/after its start and each starts after the previous."""
    for row in frame.itertuples(index=False):
        if row.end < row.start:
            raise BadParameterError(
                name,
                f"{row.phase}: {row.start:%Y-%m-%d} → {row.end:%Y-%m-%d}",
                "an end date on or after the start date",
                zh="活动阶段",
            )
    prev = frame.iloc[:-1].reset_index(drop=True)
    nxt = frame.iloc[1:].reset_index(drop=True)
    bad = nxt["start"] <= prev["end"]
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise BadParameterError(
            name,
            f"{nxt['phase'][i]} starts {nxt['start'][i]:%Y-%m-%d} but {prev['phase'][i]} "
            f"ends {prev['end'][i]:%Y-%m-%d}",
            "phases in order (" + " → ".join(frame["phase"]) + ") that do not overlap",
            zh="活动阶段",
        )


def calendar_618(year: int, *, phases: Mapping[str, tuple[Any, Any]] | None = None) -> pd.DataFrame:
    """The 618 campaign phases of ``year`` as a table.

    Default dates (a simplified model of recent years, not the platform's rule for any one
    year): 备货期 (stocking) 1–24 May, 预售期 (presale) 25–31 May, 品类日 (category days)
    1–15 June, 狂欢日 (carnival, the 爆发 peak) 16–18 June. ``phases`` overrides some or all
    of them: ``{"预售期": ("2021-05-24", "2021-05-31")}`` (keys in Chinese or English:
    stocking, presale, category_days, carnival). Unless given, 备货期 is the 24 days just
    before 预售期 starts.

    Returns columns ``phase_order`` (1–4), ``phase``, ``name_en``, ``start``, ``end``
    (inclusive dates, ``datetime64[ns]``) and ``days`` (end − start + 1). Raises
    ``BadParameterError`` when a phase ends before it starts or phases overlap / are out of
    order.

    Parameters
    ----------
    year : int
        Campaign year, e.g. 2020.
    phases : mapping or None
        Phase name → (start, end) dates to override the default spans.

    Returns
    -------
    pandas.DataFrame
        One row per phase: phase, name_en, start, end (inclusive Beijing days), days.
    """
    y = int(number(year, "year", zh="年份", minimum=2000, maximum=2100, integer=True))
    spans = {
        zh: (pd.Timestamp(y, m0, d0), pd.Timestamp(y, m1, d1))
        for zh, ((m0, d0), (m1, d1)) in _DEFAULT_618.items()
    }
    if phases is not None:
        if not isinstance(phases, Mapping):
            raise BadParameterError(
                "phases", phases, "a dict such as {'预售期': ('2021-05-24', '2021-05-31')}"
            )
        for key, span in phases.items():
            zh = _PHASE_ZH.get(key, key)
            if zh not in _PHASE_EN:
                raise BadParameterError(
                    "phases",
                    key,
                    "phase names among " + ", ".join(f"{z} ({e})" for z, e in PHASES_618),
                    zh="活动阶段",
                )
            if not (isinstance(span, Sequence) and not isinstance(span, str) and len(span) == 2):
                raise BadParameterError(
                    f"phases[{key!r}]", span, "a (start, end) pair of dates", zh="活动阶段"
                )
            spans[zh] = (
                date_value(span[0], f"phases[{key!r}] start"),
                date_value(span[1], f"phases[{key!r}] end"),
            )
        if not any(_PHASE_ZH.get(k, k) == "备货期" for k in phases):
            presale = spans["预售期"][0]  # default 备货期: the days just before 预售期
            spans["备货期"] = (
                presale - pd.Timedelta(days=_STOCKING_DAYS),
                presale - pd.Timedelta(days=1),
            )
    frame = pd.DataFrame(
        {
            "phase_order": np.arange(1, len(PHASES_618) + 1),
            "phase": [zh for zh, _ in PHASES_618],
            "name_en": [en for _, en in PHASES_618],
            "start": pd.to_datetime([spans[zh][0] for zh, _ in PHASES_618]).astype(
                "datetime64[ns]"
            ),
            "end": pd.to_datetime([spans[zh][1] for zh, _ in PHASES_618]).astype("datetime64[ns]"),
        }
    )
    _check_phase_order(frame)
    frame["days"] = (frame["end"] - frame["start"]).dt.days + 1
    return frame


def check_calendar(calendar: Any) -> pd.DataFrame:
    """Validate a calendar table (``phase``, ``start``, ``end``) and sort it by start.

    Parameters
    ----------
    calendar : pandas.DataFrame
        Phase table with ``phase``, ``start`` and ``end`` (inclusive Beijing days).

    Returns
    -------
    pandas.DataFrame
        The calendar with ``phase``, ``start``, ``end`` as naive midnights, sorted by
        start.
    """
    what = "the calendar"
    cal = require_frame(calendar, what)
    require_columns(cal, ("phase", "start", "end"), what=what)
    out = pd.DataFrame(
        {
            "phase": cal["phase"].astype("object"),
            "start": date_column(cal["start"], "start", what=what),
            "end": date_column(cal["end"], "end", what=what),
        }
    )
    out = out.sort_values("start", kind="stable").reset_index(drop=True)
    _check_phase_order(out, name="calendar")
    return out


def phase_of(date: Any, calendar: pd.DataFrame) -> Any:
    """The campaign phase each date falls in.

    ``date`` is one date (returns the phase name, or ``None`` outside every phase) or a
    Series / list of dates (returns a Series of phase names, NaN outside the phases). Dates
    are Beijing calendar days; phase ``start`` and ``end`` are inclusive. ``calendar`` is a
    table such as :func:`calendar_618` returns.

    Parameters
    ----------
    date : date-like or sequence
        One date, or a Series / list of dates (Beijing calendar days).
    calendar : pandas.DataFrame
        Phase table with ``phase``, ``start`` and ``end`` (inclusive Beijing days).

    Returns
    -------
    str, None or pandas.Series
        The phase of each date (None / NaN outside every phase).
    """
    cal = check_calendar(calendar)
    if isinstance(date, pd.Series | pd.Index | np.ndarray | list | tuple):
        s = pd.Series(date) if not isinstance(date, pd.Series) else date
        days = date_column(s, "date", what="the dates")
        out = pd.Series(None, index=s.index, dtype="object", name="phase")
        for row in cal.itertuples(index=False):  # a handful of phases, not a loop over rows
            out[(days >= row.start) & (days <= row.end)] = row.phase
        return out
    day = date_value(date, "date", zh="日期")
    hit = cal[(cal["start"] <= day) & (cal["end"] >= day)]
    return None if hit.empty else str(hit["phase"].iloc[0])


# ---------------------------------------------------------------------------------------------
# Coupons, 满减 and presale deposits
# ---------------------------------------------------------------------------------------------


def _fen(value: float) -> int:
    """CNY → whole 分, rounded to the nearest 分."""
    return round(value * 100)


#: The largest cart total (CNY) :func:`final_price` prices: 10 trillion CNY, so every amount
#: in 分 stays exact in int64 and float64 arithmetic.
MAX_CART_CNY = 1e13


def _rule_amount(value: Any, name: str, zh: str, *, minimum_fen: int = 1) -> float:
    """A rule's CNY amount: finite, and at least ``minimum_fen`` 分 once rounded to 分."""
    v = number(value, name, zh=zh, minimum=0, maximum=MAX_CART_CNY)
    if _fen(v) < minimum_fen:
        raise BadParameterError(
            name, value, "an amount of at least 0.01 CNY (one 分); amounts round to 分", zh=zh
        )
    return v


def _cny_label(value: float) -> str:
    return f"{value:g}"


@dataclass(frozen=True)
class ItemDiscount:
    """单品折扣: a per-unit discount on one item (``item``) or on every item (``None``).

    Give exactly one of ``rate`` (the share paid: 0.9 is 9折, unit price × 0.9) or
    ``off_cny`` (立减: CNY off each unit). Base: the list price.
    """

    item: str | None = None
    rate: float | None = None
    off_cny: float | None = None

    def __post_init__(self) -> None:
        if (self.rate is None) == (self.off_cny is None):
            raise BadParameterError(
                "ItemDiscount",
                f"rate={self.rate!r}, off_cny={self.off_cny!r}",
                "exactly one of rate (0.9 for 9折) or off_cny (立减, CNY per unit)",
                zh="单品折扣",
            )
        if self.rate is not None:
            r = rate(self.rate, "rate", zh="折扣率")
            if r == 0:
                raise BadParameterError("rate", self.rate, "a share paid > 0 (0.9 is 9折)")
        else:
            number(self.off_cny, "off_cny", zh="立减金额", minimum=0)

    @property
    def label(self) -> str:
        what = "全部商品" if self.item is None else str(self.item)
        if self.rate is not None:
            return f"{_cny_label(round(self.rate * 10, 4))}折 ({what})"
        return f"立减{_cny_label(self.off_cny)}元 ({what})"


@dataclass(frozen=True)
class PresaleDeposit:
    """预售定金膨胀: pay ``deposit_cny`` now and it counts as ``worth_cny`` off the unit price.

    E.g. 定金50抵100: the shopper saves ``worth − deposit`` = 50 CNY per unit. Base: the unit
    price after 单品折扣; the balance (尾款) never goes below 0.
    """

    item: str
    deposit_cny: float
    worth_cny: float

    def __post_init__(self) -> None:
        d = _rule_amount(self.deposit_cny, "deposit_cny", "定金")
        w = number(self.worth_cny, "worth_cny", zh="抵扣金额", maximum=MAX_CART_CNY)
        if w < d:
            raise BadParameterError(
                "worth_cny", self.worth_cny, f"an amount >= deposit_cny ({d:g})", zh="抵扣金额"
            )

    @property
    def label(self) -> str:
        return f"定金{_cny_label(self.deposit_cny)}抵{_cny_label(self.worth_cny)} ({self.item})"


@dataclass(frozen=True)
class StoreCoupon:
    """店铺优惠券: ``off_cny`` off a store's subtotal when it reaches ``threshold_cny``.

    ``threshold_cny = 0`` is a no-threshold coupon (无门槛券). Base: the store's subtotal
    after 单品折扣 and 定金膨胀. One coupon per store: the largest usable one.
    """

    store: str
    threshold_cny: float
    off_cny: float

    def __post_init__(self) -> None:
        number(self.threshold_cny, "threshold_cny", zh="使用门槛", minimum=0)
        number(self.threshold_cny, "threshold_cny", zh="使用门槛", maximum=MAX_CART_CNY)
        _rule_amount(self.off_cny, "off_cny", "优惠金额")

    @property
    def label(self) -> str:
        if self.threshold_cny == 0:
            return f"无门槛减{_cny_label(self.off_cny)} ({self.store})"
        return f"满{_cny_label(self.threshold_cny)}减{_cny_label(self.off_cny)} ({self.store})"


@dataclass(frozen=True)
class Manjian:
    """跨店满减: a cart-level discount over all stores.

    ``repeat=True`` is 每满X减Y: ``floor(base / X) × Y`` off (stackable); ``repeat=False`` is
    满X减Y: ``Y`` off once when ``base ≥ X``. ``cap_cny`` optionally limits the total (None:
    上不封顶). Base: the cart total after 单品折扣, 定金膨胀 and store coupons.
    """

    threshold_cny: float
    off_cny: float
    repeat: bool = True
    cap_cny: float | None = None

    def __post_init__(self) -> None:
        x = _rule_amount(self.threshold_cny, "threshold_cny", "满减门槛")
        y = _rule_amount(self.off_cny, "off_cny", "满减金额")
        if y > x:
            raise BadParameterError(
                "off_cny", self.off_cny, f"an amount <= threshold_cny ({x:g})", zh="满减金额"
            )
        if not isinstance(self.repeat, bool):
            raise BadParameterError("repeat", self.repeat, "True (每满) or False (满)")
        if self.cap_cny is not None:
            _rule_amount(self.cap_cny, "cap_cny", "封顶金额")

    def discount_cny(self, base_cny: float) -> float:
        """The discount on a cart worth ``base_cny`` (never more than the base).

        Parameters
        ----------
        base_cny : float
            The cart total the rule applies to, in CNY (finite, >= 0, at most
            ``MAX_CART_CNY``).

        Returns
        -------
        float
            The discount in CNY, rounded to 分.
        """
        base = number(base_cny, "base_cny", zh="满减基数", minimum=0, maximum=MAX_CART_CNY)
        return self._discount_fen(_fen(base)) / 100

    def _discount_fen(self, base_fen: int) -> int:
        x, y = _fen(self.threshold_cny), _fen(self.off_cny)
        off = (base_fen // x) * y if self.repeat else (y if base_fen >= x else 0)
        if self.cap_cny is not None:
            off = min(off, _fen(self.cap_cny))
        return min(off, base_fen)

    @property
    def label(self) -> str:
        text = f"{'每' if self.repeat else ''}满{_cny_label(self.threshold_cny)}减" + _cny_label(
            self.off_cny
        )
        if self.cap_cny is not None:
            text += f" (最多减{_cny_label(self.cap_cny)})"
        return text


_NUM = r"(\d+(?:\.\d+)?)"
_MANJIAN_RE = re.compile(rf"^(每)?满{_NUM}元?减{_NUM}元?(?:[,，]?\s*上不封顶)?$")


def parse_manjian(text: str) -> Manjian:
    """Parse a 满减 rule: ``'每满300减40'`` (stackable) or ``'满300减40'`` (once).

    Spaces, a trailing 元 after amounts and a trailing ``上不封顶`` are accepted. Raises
    ``BadParameterError`` with the expected form for anything else.

    Parameters
    ----------
    text : str
        A 满减 rule such as ``'每满300减40'`` or ``'满300减40'`` (amounts in CNY).

    Returns
    -------
    Manjian
        The parsed rule.
    """
    expected = "'满X减Y' or '每满X减Y' with amounts in CNY and 0 < Y <= X, e.g. '每满300减40'"
    if not isinstance(text, str):
        raise BadParameterError("text", text, expected, zh="满减规则")
    m = _MANJIAN_RE.match(re.sub(r"\s+", "", text))
    if m is None:
        raise BadParameterError("text", text, expected, zh="满减规则")
    x, y = float(m.group(2)), float(m.group(3))
    if not 0 < y <= x:
        raise BadParameterError("text", text, expected, zh="满减规则")
    return Manjian(threshold_cny=x, off_cny=y, repeat=m.group(1) is not None)


Rule = ItemDiscount | PresaleDeposit | StoreCoupon | Manjian
_RULE_TYPES: dict[str, type] = {
    "item_discount": ItemDiscount,
    "deposit": PresaleDeposit,
    "store_coupon": StoreCoupon,
    "manjian": Manjian,
}
_STEP_ZH = {
    ItemDiscount: "单品折扣",
    PresaleDeposit: "定金膨胀",
    StoreCoupon: "店铺优惠券",
    Manjian: "跨店满减",
}


def _rule(spec: Any, i: int) -> Rule:
    """A rule object from an object, a 满减 string or a dict with a ``type`` key."""
    if isinstance(spec, ItemDiscount | PresaleDeposit | StoreCoupon | Manjian):
        return spec
    if isinstance(spec, str):
        return parse_manjian(spec)
    if isinstance(spec, Mapping):
        kind = spec.get("type")
        if kind not in _RULE_TYPES:
            raise BadParameterError(
                f"rules[{i}]['type']", kind, "one of " + ", ".join(_RULE_TYPES), zh="优惠规则"
            )
        params = {k: v for k, v in spec.items() if k != "type"}
        if kind == "manjian" and "text" in params:
            if len(params) > 1:
                raise BadParameterError(
                    f"rules[{i}]",
                    spec,
                    "either {'type': 'manjian', 'text': '每满300减40'} "
                    "or threshold_cny/off_cny/repeat/cap_cny",
                )
            return parse_manjian(params["text"])
        cls = _RULE_TYPES[kind]
        allowed = set(cls.__dataclass_fields__)
        for key in params:
            if key not in allowed:
                raise UnknownParameterError(key, allowed, where=f"a {kind!r} rule")
        try:
            return cls(**params)
        except TypeError as exc:  # a required field is missing
            raise BadParameterError(
                f"rules[{i}]", spec, f"the fields {', '.join(sorted(allowed))} ({exc})"
            ) from exc
    raise BadParameterError(
        f"rules[{i}]",
        spec,
        "an ItemDiscount, PresaleDeposit, StoreCoupon or Manjian, a 满减 string such as "
        "'每满300减40', or a dict with a 'type' key",
        zh="优惠规则",
    )


def _cart(items: Any) -> pd.DataFrame:
    """Validate the cart: item, list_price_cny, qty, store (DataFrame or list of rows)."""
    what = "the cart (items)"
    cols = ("item", "list_price_cny", "qty", "store")
    if isinstance(items, list | tuple):
        if items and not isinstance(items[0], Mapping):
            try:
                items = pd.DataFrame(list(items), columns=list(cols))
            except (ValueError, TypeError) as exc:
                raise BadParameterError(
                    "items", items[0], "rows of (item, list_price_cny, qty, store)", zh="商品"
                ) from exc
        else:
            items = pd.DataFrame(list(items))
    df = require_frame(items, what)
    zh = {"item": "商品", "list_price_cny": "标价", "qty": "数量", "store": "店铺"}
    require_columns(df, cols, what=what, zh=zh)
    for col in ("item", "store"):
        if df[col].isna().any():
            raise SchemaViolationError(
                f"column {col!r} ({zh[col]}) of {what} has missing values", column=col
            )
    price = require_numeric_column(df, "list_price_cny", zh="标价", what=what)
    qty = require_numeric_column(df, "qty", zh="数量", what=what)
    if ((qty != np.round(qty)) | (qty < 1)).any():
        bad = qty[(qty != np.round(qty)) | (qty < 1)].iloc[0]
        raise SchemaViolationError(
            f"column 'qty' (数量) of {what} has value {bad!r}; expected whole numbers >= 1",
            column="qty",
        )
    total = float((price * qty).sum())  # float: cannot wrap around like int64
    if not total <= MAX_CART_CNY:
        raise SchemaViolationError(
            f"{what} is worth {total:.4g} CNY (list_price_cny × qty), above the "
            f"{MAX_CART_CNY:.0e} CNY this model prices exactly; check the prices (CNY, not 分) "
            f"and the quantities",
            column="qty",
        )
    return pd.DataFrame(
        {
            "item": df["item"].to_numpy(dtype=object),
            "store": df["store"].to_numpy(dtype=object),
            "qty": qty.to_numpy().astype("int64"),
            "list_price_cny": price.to_numpy(),
        }
    )


def _allocate_fen(total_fen: int, weights_fen: np.ndarray) -> np.ndarray:
    """Split ``total_fen`` over lines in proportion to ``weights_fen`` (largest remainder).

    The parts are whole 分, add up to ``total_fen`` exactly and never exceed their weight
    (when ``total_fen`` ≤ the sum of weights). Ties go to the earlier line.
    """
    w = weights_fen.astype("int64")
    out = np.zeros(len(w), dtype="int64")
    wsum = int(w.sum())
    if total_fen <= 0 or wsum == 0:
        return out
    if int(w.max()) * total_fen >= 2**63:
        w = w.astype(object)  # Python integers: the products would wrap around in int64
    prod = w * total_fen
    out = (prod // wsum).astype("int64")
    left = total_fen - int(out.sum())
    order = np.argsort(-(prod % wsum).astype("float64"), kind="stable")
    out[order[:left]] += 1
    return out


@dataclass(frozen=True, eq=False)
class PriceResult:
    """The result of :func:`final_price`.

    ``items``: one row per cart line with the list amount, each step's discount, the
    deposit paid and the final amount (all CNY). ``rules``: one row per rule that saved
    money, with its step, base and discount. Totals in CNY.
    """

    total_list_cny: float
    total_discount_cny: float
    total_final_cny: float
    deposit_cny: float
    items: pd.DataFrame = field(repr=False)
    rules: pd.DataFrame = field(repr=False)


def _warn_rules_not_in_cart(parsed: list[Any], cart: pd.DataFrame) -> None:
    """Warn (RuleNotInCartWarning) about each rule naming a store or item not in the cart."""
    for i, rule in enumerate(parsed):
        if isinstance(rule, StoreCoupon):
            kind, name, present = "store", rule.store, cart["store"]
        elif isinstance(rule, PresaleDeposit | ItemDiscount) and rule.item is not None:
            kind, name, present = "item", rule.item, cart["item"]
        else:
            continue
        if not (present == name).any():
            known = ", ".join(repr(v) for v in pd.unique(present))
            warnings.warn(
                f"rule {i} ({rule.label}) names {kind} {name!r}, which is not in the cart "
                f"({kind}s: {known}), so it saves nothing; check the spelling or drop the rule",
                RuleNotInCartWarning,
                stacklevel=3,
            )


def final_price(items: Any, *, rules: Iterable[Any]) -> PriceResult:
    """The price a shopper pays for a cart after stacking promotions (a simplified model).

    ``items``: DataFrame or list of rows ``(item, list_price_cny, qty, store)``. ``rules``:
    :class:`ItemDiscount`, :class:`PresaleDeposit`, :class:`StoreCoupon`, :class:`Manjian`
    objects, 满减 strings (``'每满300减40'``) or dicts (``{'type': 'store_coupon', 'store':
    'A', 'threshold_cny': 200, 'off_cny': 20}``; types item_discount, deposit, store_coupon,
    manjian).

    Order and base of each step (real platforms' rules vary between campaigns and years):

    1. 单品折扣 (single-item discount), per unit on the list price: ``p1 = p0 × rate`` or
       ``p0 − off``, rounded to 分, at least 0. Several matching an item: the cheapest wins.
    2. 定金膨胀 (presale deposit), per unit on ``p1``: pay ``deposit`` now and ``max(p1 −
       worth, 0)`` later (尾款), so ``p2 = min(p1, deposit + max(p1 − worth, 0))``. Several
       matching an item: the cheapest wins.
    3. 店铺优惠券 (store coupon), on each store's subtotal of ``p2 × qty``: the largest
       ``off`` whose threshold the subtotal reaches, at most the subtotal.
    4. 跨店满减 (cross-store), on the cart total after step 3: ``floor(base / X) × Y``
       (每满) or ``Y`` once (满), capped; several rules: the one saving most.

    Steps 3–4 reduce what is still to be paid: the line amount, or for a presale line its
    balance (尾款) — the deposit is already paid, so such a line never ends below it. Their
    thresholds use the full amounts. They are allocated to lines in proportion to what each
    still has to pay, in whole 分 (largest remainder), so per-line amounts add up exactly.
    Every line ends between 0 and its list amount.

    Parameters
    ----------
    items : pandas.DataFrame or list of tuple
        Cart lines ``(item, list_price_cny, qty, store)``; prices in CNY, qty whole >=
        1.
    rules : iterable
        Pricing rules: rule objects, 满减 strings or dicts (see above).

    Returns
    -------
    PriceResult
        Totals in CNY plus per-line and per-rule tables.
    """
    cart = _cart(items)
    if isinstance(rules, str | Mapping) or not isinstance(rules, Iterable):
        raise BadParameterError("rules", rules, "a list of rules (possibly empty)", zh="优惠规则")
    parsed = [_rule(spec, i) for i, spec in enumerate(rules)]
    _warn_rules_not_in_cart(parsed, cart)
    n = len(cart)
    qty = cart["qty"].to_numpy()
    p0 = np.round(cart["list_price_cny"].to_numpy() * 100).astype("int64")
    items_arr = cart["item"].to_numpy()
    stores_arr = cart["store"].to_numpy()
    rule_rows: list[dict[str, Any]] = []

    def record(step: int, rule: Rule, base_fen: int, off_fen: int) -> None:
        if off_fen > 0:
            rule_rows.append(
                {
                    "step": step,
                    "rule_type": _STEP_ZH[type(rule)],
                    "rule": rule.label,
                    "base_cny": base_fen / 100,
                    "discount_cny": off_fen / 100,
                }
            )

    # Step 1: 单品折扣, best per line.
    discounts = [r for r in parsed if isinstance(r, ItemDiscount)]
    p1 = p0.copy()
    used1 = np.full(n, -1)
    for j, r in enumerate(discounts):
        match = np.ones(n, bool) if r.item is None else items_arr == r.item
        if r.rate is not None:
            cand = np.round(p0 * r.rate).astype("int64")
        else:
            cand = np.maximum(p0 - _fen(r.off_cny), 0)
        better = match & (cand < p1)
        p1 = np.where(better, cand, p1)
        used1 = np.where(better, j, used1)
    for j, r in enumerate(discounts):
        sel = used1 == j
        record(1, r, int((p0[sel] * qty[sel]).sum()), int(((p0 - p1)[sel] * qty[sel]).sum()))

    # Step 2: 定金膨胀, best per line.
    deposits = [r for r in parsed if isinstance(r, PresaleDeposit)]
    p2 = p1.copy()
    dep = np.zeros(n, dtype="int64")
    used2 = np.full(n, -1)
    for j, r in enumerate(deposits):
        d, w = _fen(r.deposit_cny), _fen(r.worth_cny)
        cand = np.minimum(p1, d + np.maximum(p1 - w, 0))
        better = (items_arr == r.item) & (cand < p2)
        p2 = np.where(better, cand, p2)
        dep = np.where(better, np.minimum(d, cand), dep)
        used2 = np.where(better, j, used2)
    for j, r in enumerate(deposits):
        sel = used2 == j
        record(2, r, int((p1[sel] * qty[sel]).sum()), int(((p1 - p2)[sel] * qty[sel]).sum()))
    line2 = p2 * qty

    # Step 3: one store coupon per store, allocated within the store. Coupons and 满减 reduce
    # what is still to be paid: for presale lines the balance (尾款), as the deposit is paid.
    coupons = [r for r in parsed if isinstance(r, StoreCoupon)]
    coupon_off = np.zeros(n, dtype="int64")
    deposit_line = dep * qty
    payable = line2 - deposit_line
    for store in pd.unique(stores_arr):  # a few stores per cart
        sel = stores_arr == store
        base = int(line2[sel].sum())
        usable = [c for c in coupons if c.store == store and base >= _fen(c.threshold_cny)]
        if not usable:
            continue
        best = max(usable, key=lambda c: c.off_cny)  # first of equals
        off = min(_fen(best.off_cny), int(payable[sel].sum()))
        coupon_off[sel] = _allocate_fen(off, payable[sel])
        record(3, best, base, off)
    line3 = line2 - coupon_off

    # Step 4: cross-store 满减 on the whole cart.
    manjian = [r for r in parsed if isinstance(r, Manjian)]
    manjian_off = np.zeros(n, dtype="int64")
    base4 = int(line3.sum())
    if manjian:
        offs = [r._discount_fen(base4) for r in manjian]
        j = int(np.argmax(offs))
        payable = line3 - deposit_line
        off = min(offs[j], int(payable.sum()))
        manjian_off = _allocate_fen(off, payable)
        record(4, manjian[j], base4, off)
    final = line3 - manjian_off

    list_line = p0 * qty
    table = pd.DataFrame(
        {
            "item": cart["item"],
            "store": cart["store"],
            "qty": qty,
            "list_price_cny": p0 / 100,
            "list_amount_cny": list_line / 100,
            "item_discount_cny": (p0 - p1) * qty / 100,
            "deposit_bonus_cny": (p1 - p2) * qty / 100,
            "store_coupon_cny": coupon_off / 100,
            "manjian_cny": manjian_off / 100,
            "final_amount_cny": final / 100,
            "final_unit_price_cny": final / qty / 100,
            "deposit_paid_cny": deposit_line / 100,
        }
    )
    rules_table = pd.DataFrame(
        rule_rows, columns=["step", "rule_type", "rule", "base_cny", "discount_cny"]
    )
    return PriceResult(
        total_list_cny=int(list_line.sum()) / 100,
        total_discount_cny=int((list_line - final).sum()) / 100,
        total_final_cny=int(final.sum()) / 100,
        deposit_cny=int((dep * qty).sum()) / 100,
        items=table,
        rules=rules_table,
    )


# ---------------------------------------------------------------------------------------------
# Budget allocation with diminishing returns
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HillCurve:
    """Hill saturation curve: ``revenue = vmax × x^s / (k^s + x^s)`` (CNY for spend x CNY).

    ``vmax_cny``: the revenue the tool approaches at unlimited spend; ``half_sat_cny`` (k):
    the spend that earns half of it; ``shape`` (s): 1 or below gives a concave curve (each
    extra CNY earns less than the one before), above 1 an S-shaped one.
    """

    vmax_cny: float
    half_sat_cny: float
    shape: float = 1.0

    def __post_init__(self) -> None:
        number(self.vmax_cny, "vmax_cny", zh="饱和收入", minimum=0)
        number(self.half_sat_cny, "half_sat_cny", zh="半饱和花费", minimum=0, strict_min=True)
        number(self.shape, "shape", zh="形状参数", minimum=0, strict_min=True)

    def revenue_cny(self, spend_cny: Any) -> Any:
        """Expected revenue (CNY) at ``spend_cny`` (scalar or array)."""
        r = np.asarray(spend_cny, dtype="float64") / self.half_sat_cny
        rs = np.power(r, self.shape)
        return self.vmax_cny * rs / (1.0 + rs)

    def _rev(self, x: float) -> float:
        rs = (x / self.half_sat_cny) ** self.shape
        return self.vmax_cny * rs / (1.0 + rs)


@dataclass(frozen=True)
class ExponentialCurve:
    """Exponential saturation: ``revenue = vmax × (1 − exp(−x / scale))`` (CNY for x CNY).

    Concave everywhere; ``scale_cny`` is the spend that reaches 63% of ``vmax_cny``.
    """

    vmax_cny: float
    scale_cny: float

    def __post_init__(self) -> None:
        number(self.vmax_cny, "vmax_cny", zh="饱和收入", minimum=0)
        number(self.scale_cny, "scale_cny", zh="尺度花费", minimum=0, strict_min=True)

    def revenue_cny(self, spend_cny: Any) -> Any:
        """Expected revenue (CNY) at ``spend_cny`` (scalar or array)."""
        x = np.asarray(spend_cny, dtype="float64")
        return -self.vmax_cny * np.expm1(-x / self.scale_cny)

    def _rev(self, x: float) -> float:
        return -self.vmax_cny * math.expm1(-x / self.scale_cny)


AllocationCurve = HillCurve | ExponentialCurve
_MAX_STEPS = 1_000_000


def _curve(tool: str, spec: Any) -> AllocationCurve:
    if isinstance(spec, HillCurve | ExponentialCurve):
        return spec
    if isinstance(spec, Mapping):
        kinds = {"hill": HillCurve, "exponential": ExponentialCurve}
        kind = spec.get("kind")
        if kind not in kinds:
            raise BadParameterError(
                f"curves[{tool!r}]['kind']", kind, "'hill' or 'exponential'", zh="响应曲线"
            )
        cls = kinds[kind]
        params = {k: v for k, v in spec.items() if k != "kind"}
        allowed = set(cls.__dataclass_fields__)
        for key in params:
            if key not in allowed:
                raise UnknownParameterError(key, allowed, where=f"a {kind!r} curve")
        try:
            return cls(**params)
        except TypeError as exc:
            raise BadParameterError(
                f"curves[{tool!r}]", spec, f"the fields {', '.join(sorted(allowed))}"
            ) from exc
    raise BadParameterError(
        f"curves[{tool!r}]",
        spec,
        "a HillCurve, an ExponentialCurve or a dict with 'kind'",
        zh="响应曲线",
    )


def _fen_param(value: Any, name: str, *, zh: str | None = None, positive: bool = False) -> int:
    """A CNY amount in whole 分 (raises for fractions of a 分 or negatives)."""
    v = number(value, name, zh=zh, minimum=0, strict_min=positive)
    f = round(v * 100)
    if abs(v * 100 - f) > 1e-6 * max(1.0, abs(v * 100)):
        raise BadParameterError(name, value, "an amount in whole 分 (0.01 CNY)", zh=zh)
    return f


def _bounds(value: Any, tools: list[str], name: str, default: int, zh: str) -> np.ndarray:
    if value is None:
        return np.full(len(tools), default, dtype="int64")
    if isinstance(value, Mapping):
        for tool in value:
            if tool not in tools:
                raise BadParameterError(name, tool, "tool names among " + ", ".join(tools), zh=zh)
        return np.array(
            [
                _fen_param(value[t], f"{name}[{t!r}]", zh=zh) if t in value else default
                for t in tools
            ],
            dtype="int64",
        )
    return np.full(len(tools), _fen_param(value, name, zh=zh), dtype="int64")


def allocate_budget(
    total_budget_cny: float,
    curves: Mapping[str, Any],
    *,
    min_spend: float | Mapping[str, float] | None = None,
    max_spend: float | Mapping[str, float] | None = None,
    step_cny: float | None = None,
) -> pd.DataFrame:
    """Split a budget across tools by greedy marginal return (边际收益) in fixed steps.

    ``curves`` maps each tool (e.g. 直通车, 引力魔方) to its response curve
    (:class:`HillCurve`, :class:`ExponentialCurve` or a dict with ``kind``). Each tool first
    gets its ``min_spend``; then the rest is handed out ``step_cny`` at a time (default: 1/1000
    of the budget), each step to the tool whose revenue rises most per CNY from it, never past
    its ``max_spend``. Bounds are one CNY amount for every tool or a dict per tool. The last
    step may be smaller so the spends add up to the budget exactly (in whole 分).

    Why it works: for concave curves (ExponentialCurve; HillCurve with shape ≤ 1) each
    tool's next step earns less than its previous one, so taking the best step each time
    picks the best steps overall — the optimum on the step grid — and it leaves the tools'
    marginal ROAS nearly equal (within one step), the condition for the best continuous
    split. For S-shaped curves (shape > 1) the greedy result is only a heuristic.

    Returns one row per tool, in the given order: ``tool``, ``spend_cny``,
    ``expected_revenue_cny`` and ``marginal_roas`` (revenue per CNY of the next step beyond
    the allocated spend). Raises ``BadParameterError`` when the bounds cannot be met
    (Σ min_spend > budget, Σ max_spend < budget, or min > max for a tool).

    Parameters
    ----------
    total_budget_cny : float
        Budget to split, CNY.
    curves : mapping of str to curve
        Tool name → :class:`HillCurve`, :class:`ExponentialCurve` or a dict with
        ``kind``.
    min_spend : float, mapping or None
        Least spend per tool, CNY (one number for all, or per tool).
    max_spend : float, mapping or None
        Most spend per tool, CNY (one number for all, or per tool).
    step_cny : float or None
        Size of each greedy step, CNY; None: 1/1000 of the budget.

    Returns
    -------
    pandas.DataFrame
        One row per tool: tool, spend_cny, expected_revenue_cny (CNY) and marginal_roas.
    """
    budget = _fen_param(total_budget_cny, "total_budget_cny", zh="总预算")
    if not isinstance(curves, Mapping) or not curves:
        raise BadParameterError("curves", curves, "a non-empty dict {tool: curve}", zh="响应曲线")
    tools = [str(t) for t in curves]
    fitted = [_curve(t, curves[t]) for t in curves]
    lo = _bounds(min_spend, tools, "min_spend", 0, "最低花费")
    hi = _bounds(max_spend, tools, "max_spend", budget, "最高花费")
    for i, t in enumerate(tools):
        if lo[i] > hi[i]:
            raise BadParameterError(
                f"min_spend[{t!r}]", lo[i] / 100, f"at most max_spend ({hi[i] / 100:g} CNY)"
            )
    if int(lo.sum()) > budget:
        raise BadParameterError(
            "min_spend",
            lo.sum() / 100,
            f"a total of at most the budget ({budget / 100:g} CNY)",
            zh="最低花费",
        )
    if int(hi.sum()) < budget:
        raise BadParameterError(
            "max_spend",
            hi.sum() / 100,
            f"a total of at least the budget ({budget / 100:g} CNY), or a smaller budget",
            zh="最高花费",
        )
    step = (
        max(1, budget // 1000)
        if step_cny is None
        else _fen_param(step_cny, "step_cny", zh="步长", positive=True)
    )
    remaining = budget - int(lo.sum())
    if remaining / step > _MAX_STEPS:
        raise BadParameterError(
            "step_cny",
            step / 100,
            f"a step of at least {math.ceil(remaining / _MAX_STEPS) / 100:g} CNY "
            f"(at most {_MAX_STEPS:,} steps)",
            zh="步长",
        )

    spend = [int(v) for v in lo]
    head = [int(h - v) for h, v in zip(hi, lo, strict=True)]

    def gain(i: int) -> float:
        inc = min(step, remaining, head[i])
        if inc <= 0:
            return -math.inf
        s = spend[i] / 100
        return (fitted[i]._rev(s + inc / 100) - fitted[i]._rev(s)) / (inc / 100)

    # A loop over budget steps (the algorithm itself), not over data rows.
    gains = [gain(i) for i in range(len(tools))]
    while remaining > 0:
        best = max(range(len(tools)), key=gains.__getitem__)  # first of equals
        inc = min(step, remaining, head[best])
        spend[best] += inc
        head[best] -= inc
        remaining -= inc
        if remaining < step:
            gains = [gain(i) for i in range(len(tools))]
        else:
            gains[best] = gain(best)

    spend_cny = np.array(spend, dtype="int64") / 100
    revenue = np.array([c._rev(s) for c, s in zip(fitted, spend_cny, strict=True)])
    nxt = np.array([c._rev(s + step / 100) for c, s in zip(fitted, spend_cny, strict=True)])
    return pd.DataFrame(
        {
            "tool": tools,
            "spend_cny": spend_cny,
            "expected_revenue_cny": revenue,
            "marginal_roas": (nxt - revenue) / (step / 100),
        }
    )


# ---------------------------------------------------------------------------------------------
# Final price over a range of list prices (for charts of 满减 thresholds)
# ---------------------------------------------------------------------------------------------


def _price_signature(result: PriceResult) -> tuple[float, ...]:
    """The piecewise-constant parts of one line's price: they change only at a breakpoint."""
    line = result.items.iloc[0]
    saturated = float(line["deposit_bonus_cny"]) > 0 and float(line["final_amount_cny"]) > 0
    return (float(line["item_discount_cny"]), float(line["store_coupon_cny"]),
            float(line["manjian_cny"]), float(saturated))


def price_curve(list_prices_cny: Iterable[float], *, rules: Iterable[Any]) -> pd.DataFrame:
    """Final price of one item at each list price, with every breakpoint of the rules sampled.

    The final price jumps where a 满减 or coupon threshold is crossed, so a curve sampled
    on a grid alone hides where (and how far) it jumps, and a value read between two grid
    points is wrong. Between consecutive grid prices whose discounts differ, the first
    price (in 分) at which they change is found by bisection; it and the price one 分
    below it are added.

    Parameters
    ----------
    list_prices_cny : iterable of float
        Grid of list prices (CNY, > 0), e.g. ``range(300, 1001, 10)``.
    rules : iterable
        Promotion rules as for :func:`final_price` (one item, quantity 1, store 本店).

    Returns
    -------
    DataFrame
        ``list_price_cny``, ``final_price_cny`` (CNY) and ``breakpoint`` (True for the first
        price of a new discount level), sorted by list price, one row per price.
    """
    rules = list(rules)
    grid = sorted({_fen(number(p, "list_prices_cny", zh="标价", minimum=0, strict_min=True))
                   for p in list_prices_cny})
    if not grid:
        raise BadParameterError("list_prices_cny", list_prices_cny, "at least one list price",
                                zh="标价")
    cache: dict[int, PriceResult] = {}

    def at(fen: int) -> PriceResult:
        if fen not in cache:
            item = pd.DataFrame([("商品", fen / 100, 1, "本店")],
                                columns=["item", "list_price_cny", "qty", "store"])
            cache[fen] = final_price(item, rules=rules)
        return cache[fen]

    breaks: set[int] = set()

    def search(lo: int, hi: int) -> None:
        if _price_signature(at(lo)) == _price_signature(at(hi)):
            return
        if hi - lo == 1:
            breaks.add(hi)
            return
        mid = (lo + hi) // 2
        search(lo, mid)
        search(mid, hi)

    for lo, hi in pairwise(grid):
        search(lo, hi)
    fens = sorted(set(grid) | breaks | {b - 1 for b in breaks})
    return pd.DataFrame(
        {
            "list_price_cny": [f / 100 for f in fens],
            "final_price_cny": [at(f).total_final_cny for f in fens],
            "breakpoint": [f in breaks for f in fens],
        }
    )
