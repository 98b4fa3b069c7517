"""Orders and event logs as audience analyses read them: purchases, order relations, buy days."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from casekit._checks import (
    EVENT_ZH,
    event_log,
    require_columns,
    require_frame,
    require_numeric_column,
    to_shanghai,
)
from casekit.data import engine
from casekit.errors import EmptyDataError, MissingColumnError, SchemaViolationError


def days_of(ts: pd.Series) -> pd.Series:
    """Beijing calendar day (naive midnight) of Asia/Shanghai date-times."""
    return ts.dt.tz_localize(None).dt.normalize()


def missing_column(column: str, df: pd.DataFrame, *, what: str, zh: str | None, hint: str) -> None:
    """Raise ``MissingColumnError`` with an extra hint on how to do without the column."""
    err = MissingColumnError(column, available=df.columns, zh=zh, what=what)
    err.message = f"{err.message} {hint}"
    err.args = (err.message,)
    raise err


def order_times(s: pd.Series, column: str, *, what: str) -> pd.Series:
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


def order_amounts(rows: pd.DataFrame, amount_col: str | None, df: pd.DataFrame, what: str):
    """The order amounts (CNY) of ``rows`` as floats, None without ``amount_col``."""
    if amount_col is None:
        return None
    if amount_col not in rows.columns:
        missing_column(
            amount_col,
            df,
            what=what,
            zh="金额",
            hint="Pass amount_col=None to count orders instead of summing money.",
        )
    return require_numeric_column(rows, amount_col, zh="金额", what=what).to_numpy()


def purchases(
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
        src, user, ts = df, df[user_col], order_times(df[time_col], time_col, what=what)
    out = pd.DataFrame({"user": user.reset_index(drop=True), "ts": ts.reset_index(drop=True)})
    out["day"] = days_of(out["ts"])
    amount = order_amounts(src, amount_col, df, what)
    if amount is not None:
        out["amount"] = amount
    return out


def orders_up_to(orders: pd.DataFrame, as_of: pd.Timestamp, what: str) -> pd.DataFrame:
    kept = orders[orders["day"] <= as_of]
    if kept.empty:
        raise EmptyDataError(f"{what} has no orders on or before {as_of:%Y-%m-%d}")
    return kept


def order_relation(
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
            missing_column(
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
        bought = order_amounts(df.loc[buys], amount_col, df, what)  # only buys carry a price
        if bought is not None:
            amount = np.zeros(len(df))
            amount[buys] = bought
        return engine.frame_relation(
            log["user_id"],
            log["behavior_type"].cat.codes.to_numpy(),
            engine.unix_seconds(log["timestamp"]),
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
    times = order_times(df[time_col], time_col, what=what)
    amount = order_amounts(df, amount_col, df, what)
    return engine.order_relation(df[user_col], times, amount, what)


def relation_with_days() -> str:
    """The relation with its Beijing day number ``d``."""
    return f"(SELECT *, {engine.day_sql('ts')} AS d FROM {{events}}) AS e"


def buy_days(rel: engine.Relation, what: str) -> pd.DataFrame:
    """Distinct (user, Beijing day) pairs with a purchase: ``user`` codes and ``day``."""
    result = rel.query(
        f"SELECT user_id, d FROM {relation_with_days()} WHERE b = 3 "
        f"GROUP BY user_id, d ORDER BY user_id, d"
    )
    if result.empty:
        raise EmptyDataError(f"{what} has no 'buy' events (购买), so there are no orders")
    return pd.DataFrame(
        {
            "user": result["user_id"].to_numpy().astype("int64"),
            "day": engine.days_to_datetimes(result["d"].to_numpy()),
        }
    )


def last_day(rel: engine.Relation, what: str = "the event log") -> pd.Timestamp:
    last = rel.max_ts()
    if last is None:
        raise EmptyDataError(f"{what} has no events")
    return pd.Timestamp(engine.days_to_datetimes([engine.day_of_ts(last)])[0])
