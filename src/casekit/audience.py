"""Audience (人群) analytics: AIPL states, RFM, 新客/老客/潜客, cohorts, CLV, fan growth.

The 2020 天猫618 conference (article ``004_9f4c43ce247ab29c.txt``) speaks of 新老潜 crowds and
of moving crowds "from A to I"; the 2013 brand-station article (``002_b90e239677005043.txt``)
describes the three-step path find targets → develop prospects → manage loyalty. This module
gives each of those words a precise, documented definition over data:

* event logs in the Tianchi UserBehavior schema (``user_id, item_id, category_id,
  behavior_type ∈ {pv, cart, fav, buy}, timestamp``), and
* order tables (one row per order: a user column, a time column, optionally an amount in
  CNY). Where a function takes orders it also takes an event log: then every ``buy`` event
  counts as one order.

Days are Beijing calendar days (Asia/Shanghai). An ``as_of`` date includes that whole day.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from casekit._checks import (
    EVENT_ZH,
    choice,
    event_log,
    number,
    rate,
    require_columns,
    require_frame,
    require_numeric_column,
    to_shanghai,
)
from casekit.campaign import _calendar, _date_column, _to_date, phase_of
from casekit.data import engine
from casekit.errors import (
    BadParameterError,
    EmptyDataError,
    MissingColumnError,
    SchemaViolationError,
)

__all__ = [
    "AIPL_STATES",
    "CUSTOMER_TYPES",
    "RFM_SEGMENTS",
    "ClvEstimate",
    "FanGrowth",
    "Overview",
    "RepurchaseRate",
    "aipl_states",
    "aipl_summary",
    "aipl_transitions",
    "cohort_retention",
    "customer_types",
    "fan_growth",
    "overview",
    "repurchase_rate",
    "rfm_scores",
    "simple_clv",
]

#: AIPL states in funnel order: code → (Chinese, English).
AIPL_STATES: dict[str, tuple[str, str]] = {
    "A": ("认知", "Awareness"),
    "I": ("兴趣", "Interest"),
    "P": ("购买", "Purchase"),
    "L": ("忠诚", "Loyalty"),
}
_NONE = "none"
_AIPL_DTYPE = pd.CategoricalDtype(list(AIPL_STATES), ordered=True)

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

#: 新客/老客/潜客 → English.
CUSTOMER_TYPES: dict[str, str] = {"新客": "new", "老客": "returning", "潜客": "prospect"}


# ---------------------------------------------------------------------------------------------
# Module-private helpers
# ---------------------------------------------------------------------------------------------


def _days(ts: pd.Series) -> pd.Series:
    """Beijing calendar day (naive midnight) of Asia/Shanghai date-times."""
    return ts.dt.tz_localize(None).dt.normalize()


def _missing(column: str, df: pd.DataFrame, *, what: str, zh: str | None, hint: str) -> None:
    """Raise ``MissingColumnError`` with an extra hint on how to do without the column."""
    err = MissingColumnError(column, available=df.columns, zh=zh, what=what)
    err.message = f"{err.message} {hint}"
    err.args = (err.message,)
    raise err


def _times(s: pd.Series, column: str, *, what: str) -> pd.Series:
    """Date-times in Asia/Shanghai from Unix seconds, date-times or date strings."""
    if not (
        pd.api.types.is_numeric_dtype(s)
        or pd.api.types.is_datetime64_any_dtype(s)
        or pd.api.types.is_bool_dtype(s)
    ):
        try:
            s = pd.to_datetime(s, format="mixed")
        except (ValueError, TypeError) as exc:
            raise SchemaViolationError(
                f"column {column!r} of {what} has values that are not date-times ({exc}); "
                f"expected Unix seconds, date-times or strings such as '2020-06-18 20:00'",
                column=column,
            ) from exc
    if pd.api.types.is_datetime64_any_dtype(s) and s.isna().any():
        raise SchemaViolationError(
            f"column {column!r} of {what} has missing date-times; fill or drop those rows",
            column=column,
        )
    return to_shanghai(s, column)


def _amounts(rows: pd.DataFrame, amount_col: str | None, df: pd.DataFrame, what: str):
    """The order amounts (CNY) of ``rows`` as floats, None without ``amount_col``."""
    if amount_col is None:
        return None
    if amount_col not in rows.columns:
        _missing(
            amount_col,
            df,
            what=what,
            zh="金额",
            hint="Pass amount_col=None to count orders instead of summing money.",
        )
    return require_numeric_column(rows, amount_col, zh="金额", what=what).to_numpy()


def _purchases(
    data: Any,
    *,
    user_col: str,
    time_col: str,
    amount_col: str | None,
    what: str = "the orders",
) -> pd.DataFrame:
    """Orders as a frame ``user, ts, day[, amount]`` (one row per order).

    An event log (a frame with ``behavior_type``) contributes its ``buy`` events.
    """
    df = require_frame(data, what)
    if "behavior_type" in df.columns:
        log = event_log(df.rename(columns={user_col: "user_id", time_col: "timestamp"}), what=what)
        buys = (log["behavior_type"] == "buy").to_numpy()
        if not buys.any():
            raise EmptyDataError(
                f"{what} has no 'buy' events (购买), so there are no orders to analyse"
            )
        src = df.loc[buys]
        user, ts = log["user_id"].loc[buys], log["timestamp"].loc[buys]
    else:
        require_columns(df, (user_col, time_col), what=what, zh={user_col: "用户ID"})
        if df[user_col].isna().any():
            raise SchemaViolationError(
                f"column {user_col!r} (用户ID) of {what} has missing values; drop those rows",
                column=user_col,
            )
        src, user, ts = df, df[user_col], _times(df[time_col], time_col, what=what)
    out = pd.DataFrame({"user": user.reset_index(drop=True), "ts": ts.reset_index(drop=True)})
    out["day"] = _days(out["ts"])
    amount = _amounts(src, amount_col, df, what)
    if amount is not None:
        out["amount"] = amount
    return out


def _up_to(orders: pd.DataFrame, as_of: pd.Timestamp, what: str) -> pd.DataFrame:
    kept = orders[orders["day"] <= as_of]
    if kept.empty:
        raise EmptyDataError(f"{what} has no orders on or before {as_of:%Y-%m-%d}")
    return kept


def _order_relation(
    data: Any,
    *,
    user_col: str,
    time_col: str,
    amount_col: str | None,
    what: str = "the orders",
) -> engine.Relation:
    """Orders as an engine relation: ``buy`` rows (b = 3), ``ts``, optionally ``amount``.

    An event log (a DataFrame with ``behavior_type``, or a log on disk) keeps all its events;
    the SQL of each analysis picks the ``buy`` ones. Every other row of an order table is
    one order.
    """
    if engine.is_source(data):
        if amount_col is not None:
            _missing(
                amount_col,
                pd.DataFrame(columns=list(EVENT_ZH)),
                what="a UserBehavior log on disk",
                zh="金额",
                hint="Tianchi logs carry no prices: pass amount_col=None to count orders.",
            )
        return engine.relation(data, what=what)
    df = require_frame(data, what)
    if "behavior_type" in df.columns:
        renamed = df.rename(columns={user_col: "user_id", time_col: "timestamp"})
        log = event_log(renamed, what=what)
        buys = (log["behavior_type"] == "buy").to_numpy()
        if not buys.any():
            raise EmptyDataError(
                f"{what} has no 'buy' events (购买), so there are no orders to analyse"
            )
        amount = None
        bought = _amounts(df.loc[buys], amount_col, df, what)  # only buys carry a price
        if bought is not None:
            amount = np.zeros(len(df))
            amount[buys] = bought
        return engine._frame_relation(
            log["user_id"],
            log["behavior_type"].cat.codes.to_numpy(),
            engine._unix_seconds(log["timestamp"]),
            {},
            amount,
            what,
        )
    require_columns(df, (user_col, time_col), what=what, zh={user_col: "用户ID"})
    if df[user_col].isna().any():
        raise SchemaViolationError(
            f"column {user_col!r} (用户ID) of {what} has missing values; drop those rows",
            column=user_col,
        )
    times = _times(df[time_col], time_col, what=what)
    amount = _amounts(df, amount_col, df, what)
    return engine.order_relation(df[user_col], times, amount, what)


def _days_e() -> str:
    """The relation with its Beijing day number ``d``."""
    return f"(SELECT *, {engine.day_sql('ts')} AS d FROM {{events}}) AS e"


def _buy_days(rel: engine.Relation, what: str) -> pd.DataFrame:
    """Distinct (user, Beijing day) pairs with a purchase: ``user`` codes and ``day``."""
    result = rel.query(
        f"SELECT user_id, d FROM {_days_e()} WHERE b = 3 GROUP BY user_id, d ORDER BY user_id, d"
    )
    if result.empty:
        raise EmptyDataError(f"{what} has no 'buy' events (购买), so there are no orders")
    return pd.DataFrame(
        {
            "user": result["user_id"].to_numpy().astype("int64"),
            "day": engine.days_to_datetimes(result["d"].to_numpy()),
        }
    )


# ---------------------------------------------------------------------------------------------
# AIPL
# ---------------------------------------------------------------------------------------------


def aipl_aggregates(
    start: int, end: int, prefix: str = "", *, whole_log: bool = False
) -> dict[str, str]:
    """Per-user SQL aggregates of the AIPL window ``start..end`` (Beijing day numbers).

    Over a relation with ``b`` and day number ``d``; ``buy_days`` counts distinct days with
    a ``buy`` (a 64-bit day mask for windows up to 62 days, else COUNT DISTINCT).
    ``whole_log=True`` says every event is inside the window, so the test is left out.
    """
    inside = "TRUE" if whole_log else f"d BETWEEN {start} AND {end}"
    aggs = {
        f"{prefix}{name}": f"sum(CASE WHEN b = {code} AND {inside} THEN 1 ELSE 0 END)"
        for code, name in enumerate(("pv", "cart", "fav", "buy"))
    }
    if end - start < 62:
        day_bit = f"CAST(pow(2, d - {start}) AS BIGINT)"
        buy_days = f"bit_count(bit_or(CASE WHEN b = 3 AND {inside} THEN {day_bit} ELSE 0 END))"
    else:
        buy_days = f"count(DISTINCT CASE WHEN b = 3 AND {inside} THEN d END)"
    aggs[f"{prefix}buy_days"] = buy_days
    return aggs


def _aipl_window(as_of: pd.Timestamp, lookback: int) -> tuple[int, int]:
    end = engine.day_number(as_of)
    return end - lookback + 1, end


def _aipl_deep_users(rel: engine.Relation, start: int, end: int, interest_pv: int) -> np.ndarray:
    """User codes with at least ``interest_pv`` pv of one category in the window."""
    per_category = (
        f"SELECT user_id, k_category_id, count(*) AS n FROM {_days_e()} "
        f"WHERE b = 0 AND d BETWEEN {start} AND {end} GROUP BY user_id, k_category_id"
    )
    result = rel.query(
        f"SELECT DISTINCT user_id FROM ({per_category}) AS c WHERE n >= {interest_pv}"
    )
    return result["user_id"].to_numpy().astype("int64")


def _aipl_frame(
    per_user: pd.DataFrame,
    rel: engine.Relation,
    loyal_buy_days: int,
    deep_users: np.ndarray | None,
    prefix: str = "",
) -> pd.DataFrame:
    """Per-user window aggregates (from :func:`aipl_aggregates`) → the AIPL states frame."""
    counts = {n: per_user[f"{prefix}{n}"].to_numpy().astype("int64") for n in _AIPL_COUNTS}
    present = (counts["pv"] + counts["cart"] + counts["fav"] + counts["buy"]) > 0
    counts = {n: v[present] for n, v in counts.items()}
    codes = per_user["user_id"].to_numpy().astype("int64")[present]
    interested = (counts["cart"] + counts["fav"]) > 0
    if deep_users is not None:
        interested = interested | np.isin(codes, deep_users)
    state = np.select(
        [counts["buy_days"] >= loyal_buy_days, counts["buy"] > 0, interested],
        ["L", "P", "I"],
        default="A",
    )
    return pd.DataFrame(
        {
            "user_id": rel.users(codes),
            "state": pd.Categorical(state, dtype=_AIPL_DTYPE),
            **counts,
        }
    )


_AIPL_COUNTS = ("pv", "cart", "fav", "buy", "buy_days")


def _aipl(
    rel: engine.Relation,
    as_of: pd.Timestamp,
    lookback: int,
    loyal_buy_days: int,
    interest_pv: int | None,
) -> pd.DataFrame:
    start, end = _aipl_window(as_of, lookback)
    aggs = aipl_aggregates(start, end)
    per_user = rel.query(
        f"SELECT user_id, {engine.select_sql(aggs)} FROM {_days_e()} "
        f"WHERE d BETWEEN {start} AND {end} GROUP BY user_id ORDER BY user_id"
    )
    deep = None if interest_pv is None else _aipl_deep_users(rel, start, end, interest_pv)
    return _aipl_frame(per_user, rel, loyal_buy_days, deep)


def _last_day(rel: engine.Relation, what: str = "the event log") -> pd.Timestamp:
    last = rel.max_ts()
    if last is None:
        raise EmptyDataError(f"{what} has no events")
    return pd.Timestamp(engine.days_to_datetimes([engine.day_of_ts(last)])[0])


def _aipl_params(
    lookback_days: Any, loyal_buy_days: Any, interest_pv: Any, events: Any
) -> tuple[int, int, int | None]:
    lookback = int(number(lookback_days, "lookback_days", zh="回看天数", minimum=1, integer=True))
    loyal = int(
        number(loyal_buy_days, "loyal_buy_days", zh="忠诚购买天数", minimum=2, integer=True)
    )
    pv_n = None
    if interest_pv is not None:
        pv_n = int(number(interest_pv, "interest_pv", zh="兴趣浏览次数", minimum=1, integer=True))
        if not engine.is_source(events):
            require_columns(events, ("category_id",), what="the event log", zh=EVENT_ZH)
    return lookback, loyal, pv_n


def aipl_states(
    events: pd.DataFrame,
    as_of: Any = None,
    *,
    lookback_days: int = 30,
    loyal_buy_days: int = 2,
    interest_pv: int | None = None,
) -> pd.DataFrame:
    """Each user's AIPL state (认知 → 兴趣 → 购买 → 忠诚) as of a date.

    The window is the ``lookback_days`` Beijing calendar days ending with ``as_of``
    (inclusive; default: the day of the last event). Events after ``as_of`` are ignored.
    The population is every user with at least one event in the window (users without are
    not in the result; :func:`aipl_transitions` calls them ``'none'``). Each user is in
    exactly one state, the first that applies:

    * ``L`` Loyalty (忠诚): ``buy`` events on at least ``loyal_buy_days`` (default 2)
      different days — repurchase (复购) within the window;
    * ``P`` Purchase (购买): at least one ``buy``, on fewer days than that;
    * ``I`` Interest (兴趣): no ``buy``, but a ``cart`` or ``fav`` — or, if ``interest_pv``
      is set, at least that many ``pv`` of one ``category_id``;
    * ``A`` Awareness (认知): everyone else, i.e. only ``pv`` (exposure / click) events.

    Returns ``user_id``, ``state`` (ordered category A < I < P < L) and the evidence:
    window counts ``pv, cart, fav, buy`` and ``buy_days``; sorted by ``user_id``.
    """
    as_of_day = None if as_of is None else _to_date(as_of, "as_of", zh="截至日期")
    if not engine.is_source(events):
        event_log(events)  # a bad log fails before the parameters are looked at
    lookback, loyal, pv_n = _aipl_params(lookback_days, loyal_buy_days, interest_pv, events)
    keys = ["category_id"] if pv_n is not None else []
    with engine.relation(events, keys=keys) as rel:
        if as_of_day is None:
            as_of_day = _last_day(rel)
        out = _aipl(rel, as_of_day, lookback, loyal, pv_n)
    if out.empty:
        start = as_of_day - pd.Timedelta(days=lookback - 1)
        raise EmptyDataError(
            f"the event log has no events between {start:%Y-%m-%d} and {as_of_day:%Y-%m-%d} "
            f"(Beijing time); choose another as_of or a longer lookback_days"
        )
    return out


def aipl_summary(states: pd.DataFrame) -> pd.DataFrame:
    """Users and share per AIPL state, from :func:`aipl_states`.

    Returns four rows (A, I, P, L, also when empty) with ``state``, ``name_zh``,
    ``name_en``, ``users`` and ``share`` (users / all users).
    """
    df = require_frame(states, "the AIPL states")
    require_columns(df, ("state",), what="the AIPL states")
    values = pd.unique(df["state"].astype("object"))
    unknown = [v for v in values if v not in AIPL_STATES]
    if unknown:
        raise SchemaViolationError(
            f"column 'state' of the AIPL states has value {unknown[0]!r}; expected one of "
            + ", ".join(AIPL_STATES),
            column="state",
        )
    users = df["state"].astype("object").value_counts().reindex(list(AIPL_STATES), fill_value=0)
    return pd.DataFrame(
        {
            "state": pd.Categorical(list(AIPL_STATES), dtype=_AIPL_DTYPE),
            "name_zh": [zh for zh, _ in AIPL_STATES.values()],
            "name_en": [en for _, en in AIPL_STATES.values()],
            "users": users.to_numpy().astype("int64"),
            "share": users.to_numpy() / len(df),
        }
    )


def aipl_transitions(
    events: pd.DataFrame,
    date_a: Any,
    date_b: Any,
    *,
    lookback_days: int = 30,
    loyal_buy_days: int = 2,
    interest_pv: int | None = None,
    normalize: bool = False,
) -> pd.DataFrame:
    """How users moved between AIPL states from ``date_a`` to ``date_b`` (人群流转).

    States are :func:`aipl_states` at each date with the same parameters. ``'none'`` is a
    user with no event in the window: in the ``from`` row, users new by ``date_b``; in the
    ``to`` column, users who lapsed. The population is every user with an event in either
    window, so ``none → none`` is always 0.

    Returns a 5 × 5 table, index ``from_state`` and columns ``to_state`` in the order none, A,
    I, P, L: user counts, or with ``normalize=True`` row shares (each row sums to 1; NaN for
    a row with no users). ``table.loc['A', 'I']`` is the A → I flow the 618 playbook aims at.
    """
    if not engine.is_source(events):
        event_log(events)
    a = _to_date(date_a, "date_a", zh="起始日期")
    b = _to_date(date_b, "date_b", zh="结束日期")
    if b <= a:
        raise BadParameterError("date_b", date_b, f"a date after date_a ({a:%Y-%m-%d})")
    if not isinstance(normalize, bool):
        raise BadParameterError("normalize", normalize, "True or False")
    lookback, loyal, pv_n = _aipl_params(lookback_days, loyal_buy_days, interest_pv, events)
    keys = ["category_id"] if pv_n is not None else []
    with engine.relation(events, keys=keys) as rel:
        sa = _aipl(rel, a, lookback, loyal, pv_n)[["user_id", "state"]]
        sb = _aipl(rel, b, lookback, loyal, pv_n)[["user_id", "state"]]
    both = sa.merge(sb, on="user_id", how="outer", suffixes=("_a", "_b"))
    if both.empty:
        raise EmptyDataError(
            f"no user has events in the windows ending {a:%Y-%m-%d} or {b:%Y-%m-%d}"
        )
    order = [_NONE, *AIPL_STATES]
    frm = both["state_a"].astype("object").fillna(_NONE)
    to = both["state_b"].astype("object").fillna(_NONE)
    table = (
        pd.crosstab(pd.Categorical(frm, categories=order), pd.Categorical(to, categories=order))
        .reindex(index=order, columns=order, fill_value=0)
        .astype("int64")
    )
    table.index = pd.Index(order, name="from_state")
    table.columns = pd.Index(order, name="to_state")
    if normalize:
        totals = table.sum(axis=1).replace(0, np.nan)
        return table.div(totals, axis=0)
    return table


# ---------------------------------------------------------------------------------------------
# RFM
# ---------------------------------------------------------------------------------------------


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
    """
    day = _to_date(as_of, "as_of", zh="截至日期")
    nbins = int(number(bins, "bins", zh="分档数", minimum=2, maximum=10, integer=True))
    choice(split, "split", ("mean", "median"), zh="高低分界")
    rel = _order_relation(orders, user_col=user_col, time_col=time_col, amount_col=amount_col)
    with rel:
        aggs = rfm_aggregates(engine.day_number(day), with_amount=amount_col is not None)
        per_user = rel.query(
            f"SELECT user_id, {engine.select_sql(aggs)} "
            f"FROM {_days_e()} WHERE b = 3 AND d <= {engine.day_number(day)} "
            f"GROUP BY user_id ORDER BY user_id"
        )
        if per_user.empty:
            any_buy = rel.query(f"SELECT user_id FROM {_days_e()} WHERE b = 3 LIMIT 1")
            raise EmptyDataError(
                "the orders have no 'buy' events (购买), so there are no orders"
                if any_buy.empty
                else f"the orders have no orders on or before {day:%Y-%m-%d}"
            )
        return _rfm_frame(per_user, rel, day, nbins, split, user_col)


def rfm_aggregates(
    as_of: int, *, with_amount: bool = False, prefix: str = "", whole_log: bool = False
) -> dict[str, str]:
    """Per-user SQL aggregates of RFM as of Beijing day number ``as_of`` (``b``, ``d``).

    ``whole_log=True`` says no event is after ``as_of``, so the test is left out.
    """
    bought = "b = 3" if whole_log else f"b = 3 AND d <= {as_of}"
    aggs = {
        f"{prefix}last_day": f"max(CASE WHEN {bought} THEN d END)",
        f"{prefix}orders": f"sum(CASE WHEN {bought} THEN 1 ELSE 0 END)",
    }
    if with_amount:
        aggs[f"{prefix}amount"] = f"sum(CASE WHEN {bought} THEN amount ELSE 0 END)"
    return aggs


def _rfm_frame(
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


# ---------------------------------------------------------------------------------------------
# 新客 / 老客 / 潜客
# ---------------------------------------------------------------------------------------------


def customer_types(
    data: pd.DataFrame,
    period_start: Any,
    period_end: Any,
    *,
    user_col: str = "user_id",
    time_col: str = "timestamp",
) -> pd.DataFrame:
    """新客 / 老客 / 潜客 (new / returning / prospect) for a period such as a 618 campaign.

    ``data`` is an event log (``buy`` events are purchases) or an order table (every row a
    purchase). The period runs from ``period_start`` to ``period_end``, inclusive Beijing
    days. The population is every user with any row on or before ``period_end``:

    * 新客 (new): first purchase ever (in the data) falls in the period;
    * 老客 (returning): first purchase before the period (whether or not they bought again);
    * 潜客 (prospect): no purchase up to ``period_end`` but some ``pv``/``cart``/``fav`` —
      only possible with an event log.

    Returns ``user_col``, ``customer_type`` (category 新客/老客/潜客), ``type_en``,
    ``first_purchase_date`` (NaT for 潜客), ``bought_in_period`` (e.g. 老客 recalled by the
    campaign) and ``active_in_period`` (any row in the period); sorted by user.
    """
    start = _to_date(period_start, "period_start", zh="开始日期")
    end = _to_date(period_end, "period_end", zh="结束日期")
    if end < start:
        raise BadParameterError(
            "period_end", period_end, f"a date on or after period_start ({start:%Y-%m-%d})"
        )
    df = require_frame(data, "the data")
    if "behavior_type" in df.columns:
        log = event_log(df.rename(columns={user_col: "user_id", time_col: "timestamp"}))
        rows = pd.DataFrame(
            {
                "user": log["user_id"].to_numpy(),
                "day": _days(log["timestamp"]).to_numpy(),
                "buy": (log["behavior_type"] == "buy").to_numpy(),
            }
        )
    else:
        od = _purchases(df, user_col=user_col, time_col=time_col, amount_col=None)
        rows = pd.DataFrame({"user": od["user"], "day": od["day"], "buy": True})
    rows = rows[rows["day"] <= end]
    if rows.empty:
        raise EmptyDataError(f"the data has no rows on or before {end:%Y-%m-%d}")
    in_period = (rows["day"] >= start) & (rows["day"] <= end)
    users = pd.Index(np.sort(pd.unique(rows["user"])), name="user")
    buys = rows[rows["buy"]]
    first = buys.groupby("user")["day"].min().reindex(users)
    bought = rows.loc[in_period & rows["buy"], "user"].unique()
    active = rows.loc[in_period, "user"].unique()
    kind = np.select(
        [first.isna().to_numpy(), (first < start).to_numpy()], ["潜客", "老客"], default="新客"
    )
    return pd.DataFrame(
        {
            user_col: users.to_numpy(),
            "customer_type": pd.Categorical(kind, categories=list(CUSTOMER_TYPES)),
            "type_en": [CUSTOMER_TYPES[k] for k in kind],
            "first_purchase_date": first.to_numpy(),
            "bought_in_period": users.isin(bought),
            "active_in_period": users.isin(active),
        }
    )


# ---------------------------------------------------------------------------------------------
# Cohorts, repurchase, CLV
# ---------------------------------------------------------------------------------------------


def cohort_retention(
    orders: pd.DataFrame,
    period: Literal["D", "W", "M"] = "M",
    *,
    user_col: str = "user_id",
    time_col: str = "timestamp",
    values: Literal["rate", "users"] = "rate",
) -> pd.DataFrame:
    """Cohort retention matrix (同期群留存): first-purchase cohort × periods since then.

    A customer's cohort is the period (D day, W Monday–Sunday week, M month; Beijing time)
    of their first order. Cell (c, k) is the share of cohort c who ordered in period c + k
    (``values='rate'``, so k = 0 is 1 by definition) or their number (``'users'``). Cells
    after the last period in the data are NaN (not yet observed); a last period the data
    only partly cover understates its retention.

    Index ``cohort`` (pandas Periods), columns ``periods_since_first`` 0, 1, 2, ….
    """
    choice(period, "period", ("D", "W", "M"), zh="周期")
    choice(values, "values", ("rate", "users"))
    with _order_relation(orders, user_col=user_col, time_col=time_col, amount_col=None) as rel:
        od = _buy_days(rel, "the orders")
    freq = {"D": "D", "W": "W-SUN", "M": "M"}[period]
    per = od["day"].dt.to_period(freq)
    ordinal = pd.Series(per.array.asi8, index=od.index)
    first = ordinal.groupby(od["user"]).transform("min")
    k = ordinal - first
    counts = (
        pd.DataFrame({"cohort": first, "k": k, "user": od["user"]})
        .groupby(["cohort", "k"])["user"]
        .nunique()
        .unstack("k")
    )
    last = int(ordinal.max())
    lo = int(first.min())
    cohorts = np.arange(lo, last + 1)
    ks = np.arange(0, last - lo + 1)
    counts = counts.reindex(index=cohorts, columns=ks)
    observed = (cohorts[:, None] + ks[None, :]) <= last
    has_cohort = counts[0].notna().to_numpy()
    counts = counts.loc[has_cohort]  # periods in which no one bought for the first time
    observed = observed[has_cohort]
    filled = counts.fillna(0).where(observed)
    if values == "rate":
        out = filled.div(filled[0], axis=0).astype("float64")
    else:
        out = filled.astype("Int64")
    out.index = pd.PeriodIndex.from_ordinals(counts.index.to_numpy(), freq=freq, name="cohort")
    out.columns = pd.Index(ks, name="periods_since_first")
    return out


@dataclass(frozen=True)
class RepurchaseRate:
    """Result of :func:`repurchase_rate`: ``rate = repurchasers / customers``."""

    customers: int
    repurchasers: int
    rate: float
    within_days: int | None
    as_of: pd.Timestamp


def repurchase_rate(
    orders: pd.DataFrame,
    within_days: int | None = None,
    *,
    as_of: Any = None,
    user_col: str = "user_id",
    time_col: str = "timestamp",
) -> RepurchaseRate:
    """Repurchase rate (复购率): the share of customers who bought again on a later day.

    Orders on or before ``as_of`` (default: the day of the last order) are used; two
    orders on the same Beijing day are one shopping occasion, not a repurchase.

    * ``within_days=None``: customers = everyone who ordered; repurchasers = those with
      orders on at least 2 different days.
    * ``within_days=N``: customers = those whose first order is at least N days before
      ``as_of`` (so N days after it are observed); repurchasers = those with another order
      1..N days after their first.
    """
    with _order_relation(orders, user_col=user_col, time_col=time_col, amount_col=None) as rel:
        od = _buy_days(rel, "the orders")
    day = od["day"].max() if as_of is None else _to_date(as_of, "as_of", zh="截至日期")
    od = _up_to(od, day, "the orders")
    n = None
    if within_days is not None:
        n = int(number(within_days, "within_days", zh="复购窗口天数", minimum=1, integer=True))
    first = od.groupby("user")["day"].transform("min")
    gap = (od["day"] - first).dt.days
    first_day = first.groupby(od["user"]).first()
    later = gap[gap > 0].groupby(od.loc[gap > 0, "user"]).min().reindex(first_day.index)
    if n is None:
        eligible = pd.Series(True, index=first_day.index)
        again = later.notna()
    else:
        eligible = (day - first_day).dt.days >= n
        again = later <= n
        if not eligible.any():
            raise EmptyDataError(
                f"no customer's first order is at least {n} days before {day:%Y-%m-%d}; "
                f"use a shorter within_days or more data"
            )
    customers = int(eligible.sum())
    repeaters = int((again & eligible).sum())
    return RepurchaseRate(
        customers=customers,
        repurchasers=repeaters,
        rate=repeaters / customers,
        within_days=n,
        as_of=day,
    )


@dataclass(frozen=True)
class ClvEstimate:
    """Result of :func:`simple_clv` (money in CNY, rates per year)."""

    customers: int
    orders: int
    aov_cny: float
    purchases_per_year: float
    annual_margin_cny: float
    retention_rate_annual: float
    discount_rate_annual: float
    horizon_years: int | None
    multiplier: float
    clv_cny: float


_MIN_SPAN_DAYS = 30


def simple_clv(
    orders: pd.DataFrame,
    *,
    margin_rate: float,
    discount_rate_annual: float,
    retention_rate_annual: float,
    horizon_years: int | None,
    purchases_per_year: float | None = None,
    aov_cny: float | None = None,
    user_col: str = "user_id",
    time_col: str = "timestamp",
    amount_col: str | None = "amount_cny",
) -> ClvEstimate:
    """Customer lifetime value (客户终身价值) of an average customer, a simple textbook model.

    * average order value ``AOV = Σ amount / orders`` (CNY; or pass ``aov_cny``, needed
      when ``amount_col=None``);
    * purchases per customer per year ``f = orders / customers × 365 / span_days``, span =
      first to last order day inclusive (at least 30 days; otherwise pass
      ``purchases_per_year``);
    * annual margin ``m = AOV × f × margin_rate`` (CNY);
    * a customer still active after year t−1 stays with probability ``r`` (retention) and
      margins are discounted at ``d`` per year, paid at the end of each year:
      ``CLV = Σ_{t=1..T} m × (r / (1 + d))^t`` = ``m × q(1 − q^T)/(1 − q)`` with
      ``q = r/(1 + d)``; with ``horizon_years=None`` (T = ∞): ``CLV = m × r / (1 + d − r)``.

    It values the future margins of a customer (year 1 on), assumes every customer is
    alike and constant rates. The next step is a probabilistic model per customer, such as
    the BG/NBD and Gamma-Gamma models in PyMC-Marketing.
    """
    margin = rate(margin_rate, "margin_rate", zh="毛利率")
    d = number(discount_rate_annual, "discount_rate_annual", zh="年折现率", minimum=0)
    r = rate(retention_rate_annual, "retention_rate_annual", zh="年留存率")
    horizon = None
    if horizon_years is not None:
        horizon = int(number(horizon_years, "horizon_years", zh="年限", minimum=1, integer=True))
    od = _purchases(orders, user_col=user_col, time_col=time_col, amount_col=amount_col)
    n_orders, n_customers = len(od), int(od["user"].nunique())
    if aov_cny is not None:
        aov = number(aov_cny, "aov_cny", zh="客单价", minimum=0)
    elif amount_col is None:
        raise BadParameterError(
            "aov_cny", None, "an average order value in CNY when amount_col is None", zh="客单价"
        )
    else:
        aov = float(od["amount"].sum()) / n_orders
    if purchases_per_year is not None:
        f = number(purchases_per_year, "purchases_per_year", zh="年购买次数", minimum=0)
    else:
        span = int((od["day"].max() - od["day"].min()).days) + 1
        if span < _MIN_SPAN_DAYS:
            raise BadParameterError(
                "purchases_per_year",
                None,
                f"a number: the orders span only {span} days, too short to annualise "
                f"(need {_MIN_SPAN_DAYS}); pass purchases per customer per year",
                zh="年购买次数",
            )
        f = n_orders / n_customers * 365 / span
    q = r / (1 + d)
    if horizon is None:
        if q >= 1:
            raise BadParameterError(
                "retention_rate_annual",
                retention_rate_annual,
                "a rate below 1 + discount_rate_annual for an unlimited horizon "
                "(horizon_years=None), or a finite horizon_years",
                zh="年留存率",
            )
        mult = r / (1 + d - r)
    elif q == 1:
        mult = float(horizon)
    else:
        mult = q * (1 - q**horizon) / (1 - q)
    m = aov * f * margin
    return ClvEstimate(
        customers=n_customers,
        orders=n_orders,
        aov_cny=aov,
        purchases_per_year=f,
        annual_margin_cny=m,
        retention_rate_annual=r,
        discount_rate_annual=d,
        horizon_years=horizon,
        multiplier=mult,
        clv_cny=m * mult,
    )


# ---------------------------------------------------------------------------------------------
# Fan / member growth
# ---------------------------------------------------------------------------------------------

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
    """
    what = "the daily fan table"
    df = require_frame(daily, what)
    require_columns(df, (date_col,), what=what, zh={date_col: "日期"})
    dates = _date_column(df[date_col], date_col, what=what, zh="日期")
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
            _missing(
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
        cal = _calendar(calendar)
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


# ---------------------------------------------------------------------------------------------
# Funnel + AIPL + RFM in one pass (large logs)
# ---------------------------------------------------------------------------------------------


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
    """
    from casekit.funnel import (
        _FLAG_SQL,
        _OPEN_SQL,
        _PATH_SQL,
        _STAGE_SQL,
        _path_frame,
        _stage_frame,
    )

    day = None if as_of is None else _to_date(as_of, "as_of", zh="截至日期")
    if not engine.is_source(events):
        event_log(events)
    lookback, loyal, _ = _aipl_params(lookback_days, loyal_buy_days, None, events)
    nbins = int(number(bins, "bins", zh="分档数", minimum=2, maximum=10, integer=True))
    choice(split, "split", ("mean", "median"), zh="高低分界")
    with engine.relation(events) as rel:
        if day is None:
            day = _last_day(rel)
        start, end = _aipl_window(day, lookback)
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
                **_FLAG_SQL,
                **aipl_aggregates(start, end, prefix="a_"),
                **rfm_aggregates(end, prefix="r_"),
            }
        per_user = rel.query(
            f"SELECT user_id, {engine.select_sql(aggs)} FROM {_days_e()} "
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
        aipl = _aipl_frame(per_user, rel, loyal, None, prefix="a_")
        if aipl.empty:
            raise EmptyDataError(
                f"the event log has no events between {start} and {day:%Y-%m-%d}; choose "
                f"another as_of or a longer lookback_days"
            )
        if not (per_user["r_orders"].to_numpy() > 0).any():
            raise EmptyDataError(f"the event log has no 'buy' events on or before {day:%Y-%m-%d}")
        rfm = _rfm_frame(per_user, rel, day, nbins, split, "user_id", prefix="r_")
        con = engine._duckdb(threads=1)
        try:
            con.register("per_user", per_user)
            stages = con.sql(f"SELECT {engine.select_sql(_STAGE_SQL)} FROM per_user").df()
            opened = con.sql(f"SELECT {engine.select_sql(_OPEN_SQL)} FROM per_user").df()
            paths = con.sql(
                f"SELECT {engine.select_sql(_PATH_SQL)} FROM "
                "(SELECT *, f_cart AS w_cart, f_fav AS w_fav FROM per_user) AS flags"
            ).df()
        finally:
            con.close()
        return Overview(
            funnel=_stage_frame(stages, [], rel),
            aipl=aipl,
            rfm=rfm,
            as_of=day,
            open_funnel=_stage_frame(opened, [], rel),
            paths=_path_frame(paths, [], rel),
        )
