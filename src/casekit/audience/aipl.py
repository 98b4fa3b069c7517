"""AIPL states (认知 → 兴趣 → 购买 → 忠诚) of users from an event log, and moves between them."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from casekit._checks import EVENT_ZH, date_value, event_log, number, require_columns, require_frame
from casekit.audience.orders import last_day, relation_with_days
from casekit.data import engine
from casekit.errors import BadParameterError, EmptyDataError, SchemaViolationError

#: AIPL states in funnel order: code → (Chinese, English).
AIPL_STATES: dict[str, tuple[str, str]] = {
    "A": ("认知", "Awareness"),
    "I": ("兴趣", "Interest"),
    "P": ("购买", "Purchase"),
    "L": ("忠诚", "Loyalty"),
}


_NONE = "none"


_AIPL_DTYPE = pd.CategoricalDtype(list(AIPL_STATES), ordered=True)


def aipl_aggregates(
    start: int, end: int, prefix: str = "", *, whole_log: bool = False
) -> dict[str, str]:
    """Per-user SQL aggregates of the AIPL window ``start..end`` (Beijing day numbers).

    Over a relation with ``b`` and day number ``d``; ``buy_days`` counts distinct days with
    a ``buy`` (a 64-bit day mask for windows up to 62 days, else COUNT DISTINCT).
    ``whole_log=True`` says every event is inside the window, so the test is left out.

    Parameters
    ----------
    start : int
        First Beijing day number of the window (days since 1970-01-01).
    end : int
        Last Beijing day number of the window, inclusive.
    prefix : str, optional
        Prefix of the aggregate column names.
    whole_log : bool, optional
        True when every event lies in the window (simpler SQL).

    Returns
    -------
    dict of str to str
        Column name → SQL aggregate over the engine relation.
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


def aipl_window(as_of: pd.Timestamp, lookback: int) -> tuple[int, int]:
    end = engine.day_number(as_of)
    return end - lookback + 1, end


def _aipl_deep_users(rel: engine.Relation, start: int, end: int, interest_pv: int) -> np.ndarray:
    """User codes with at least ``interest_pv`` pv of one category in the window."""
    per_category = (
        f"SELECT user_id, k_category_id, count(*) AS n FROM {relation_with_days()} "
        f"WHERE b = 0 AND d BETWEEN {start} AND {end} GROUP BY user_id, k_category_id"
    )
    result = rel.query(
        f"SELECT DISTINCT user_id FROM ({per_category}) AS c WHERE n >= {interest_pv}"
    )
    return result["user_id"].to_numpy().astype("int64")


def aipl_frame(
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
    start, end = aipl_window(as_of, lookback)
    aggs = aipl_aggregates(start, end)
    per_user = rel.query(
        f"SELECT user_id, {engine.select_sql(aggs)} FROM {relation_with_days()} "
        f"WHERE d BETWEEN {start} AND {end} GROUP BY user_id ORDER BY user_id"
    )
    deep = None if interest_pv is None else _aipl_deep_users(rel, start, end, interest_pv)
    return aipl_frame(per_user, rel, loyal_buy_days, deep)


def aipl_params(
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
    interest_pv : int or None
        Page views of one item that show interest (I); None: the module default.

    Returns
    -------
    pandas.DataFrame
        One row per user: user_id, state and the window counts pv, cart, fav, buy,
        buy_days.
    """
    as_of_day = None if as_of is None else date_value(as_of, "as_of", zh="截至日期")
    if not engine.is_source(events):
        event_log(events)  # a bad log fails before the parameters are looked at
    lookback, loyal, pv_n = aipl_params(lookback_days, loyal_buy_days, interest_pv, events)
    keys = ["category_id"] if pv_n is not None else []
    with engine.relation(events, keys=keys) as rel:
        if as_of_day is None:
            as_of_day = last_day(rel)
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

    Parameters
    ----------
    states : pandas.DataFrame
        An :func:`aipl_states` table.

    Returns
    -------
    pandas.DataFrame
        Four rows (A, I, P, L): state, name_zh, name_en, users and share (proportion).
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

    Parameters
    ----------
    events : pandas.DataFrame or path
        Event log in the Tianchi UserBehavior schema (DataFrame, path, EventSource or
        SqlTable).
    date_a : date-like
        First date of the comparison (Beijing day).
    date_b : date-like
        Second, later date of the comparison.
    lookback_days : int, optional
        Days of history before ``as_of`` that count, >= 1.
    loyal_buy_days : int, optional
        Distinct purchase days that make a user loyal (L).
    interest_pv : int or None
        Page views of one item that show interest (I); None: the module default.
    normalize : bool, optional
        True for row shares (proportions) instead of user counts.

    Returns
    -------
    pandas.DataFrame
        5 × 5 table from_state × to_state (none, A, I, P, L): users, or row shares.
    """
    if not engine.is_source(events):
        event_log(events)
    a = date_value(date_a, "date_a", zh="起始日期")
    b = date_value(date_b, "date_b", zh="结束日期")
    if b <= a:
        raise BadParameterError("date_b", date_b, f"a date after date_a ({a:%Y-%m-%d})")
    if not isinstance(normalize, bool):
        raise BadParameterError("normalize", normalize, "True or False")
    lookback, loyal, pv_n = aipl_params(lookback_days, loyal_buy_days, interest_pv, events)
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
