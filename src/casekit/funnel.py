"""Marketing-funnel metrics, funnels from event logs and the GMV identity.

Metric definitions (every function accepts scalars, aligned pandas Series or numpy arrays):

=============  =========================================  ===========================
function       formula                                    unit
=============  =========================================  ===========================
``ctr``        clicks / impressions (点击率)               proportion in [0, 1]
``cvr``        orders / clicks or visitors (转化率)        proportion in [0, 1]
``cpc``        cost_cny / clicks (平均点击花费)             CNY per click
``cpm``        cost_cny / impressions × 1000 (千次展现成本)  CNY per 1000 impressions
``roas``       revenue_cny / cost_cny (投产比)              CNY of revenue per CNY spent
``roi``        (revenue_cny − cost_cny) / cost_cny          net return per CNY spent
``aov``        gmv_cny / paying buyers (客单价)             CNY per buyer
``uv_value``   gmv_cny / visitors (UV价值)                 CNY per visitor
=============  =========================================  ===========================

**ROI versus ROAS.** In Chinese e-commerce (直通车 reports, 生意参谋, most articles) "ROI"
usually means revenue / ad cost, i.e. ROAS (投产比): "ROI 3" there means 3 CNY of sales
per CNY spent. In this kit ``roas`` is that ratio and ``roi`` is the finance definition,
(revenue − cost) / cost = ROAS − 1, so "ROI 3" in a platform report is ``roi == 2`` here.

**Zero denominators** (one policy for every ratio in this module). A ratio with a zero
denominator is *undefined*, never 0: a keyword with no impressions has no CTR.

- Scalar inputs: a zero denominator raises ``BadParameterError`` naming the parameter,
  because a single undefined number is almost always a mistake in the call.
- Series / array inputs (tables): the result is NaN exactly where the denominator is 0 and
  a number everywhere else, so one idle row does not stop a whole report; the NaN marks
  "not defined" and survives into charts as a gap instead of a false 0.

Other bad inputs always raise: negative counts or amounts, NaN or infinite inputs,
non-numbers, Series with different indexes, and proportions above 1 (more clicks than
impressions, more orders than visitors).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from casekit._checks import (
    EVENT_ZH,
    choice,
    number,
    rate,
    require_columns,
    require_frame,
    require_numeric_column,
)
from casekit.data import engine
from casekit.errors import (
    BadParameterError,
    UnknownParameterError,
)

__all__ = [
    "FACTORS",
    "FACTOR_ZH",
    "PATHS",
    "PATH_ZH",
    "STAGES",
    "STAGE_ZH",
    "VIEWS",
    "VIEW_ZH",
    "GmvFactors",
    "WhatIf",
    "aov",
    "conversion_views",
    "cpc",
    "cpm",
    "ctr",
    "cvr",
    "decompose_gmv_change",
    "funnel_rates",
    "gmv",
    "metrics_table",
    "path_shares",
    "path_shares_sql",
    "roas",
    "roi",
    "stage_counts",
    "stage_counts_sql",
    "uv_value",
    "what_if",
]

Values = float | int | np.ndarray | pd.Series | Sequence[float]

# ---------------------------------------------------------------------------------------
# element-wise ratio machinery
# ---------------------------------------------------------------------------------------


def _where(index: pd.Index | None, position: int) -> str:
    return f"label {index[position]!r}" if index is not None else f"position {position}"


def _operand(value: Any, name: str, zh: str | None) -> tuple[np.ndarray, pd.Index | None, bool]:
    """Check one input; return (float64 values, Series index or None, is_scalar)."""
    if isinstance(value, pd.Series):
        if not pd.api.types.is_numeric_dtype(value) or pd.api.types.is_bool_dtype(value):
            raise BadParameterError(
                name, f"a Series of dtype {value.dtype}", "numbers (use pd.to_numeric)", zh=zh
            )
        arr = value.to_numpy(dtype="float64", na_value=np.nan)
        index: pd.Index | None = value.index
    elif isinstance(value, np.ndarray | list | tuple):
        raw = np.asarray(value)
        if raw.dtype.kind not in "iuf":
            raise BadParameterError(name, f"an array of dtype {raw.dtype}", "numbers", zh=zh)
        arr = raw.astype("float64")
        index = None
    else:
        return np.asarray(number(value, name, zh=zh, minimum=0.0)), None, True
    flat = arr.ravel()
    if np.isnan(flat).any():
        pos = int(np.flatnonzero(np.isnan(flat))[0])
        raise BadParameterError(
            name,
            float("nan"),
            f"numbers without missing values (NaN at {_where(index, pos)}); fill or drop them",
            zh=zh,
        )
    if np.isinf(flat).any():
        pos = int(np.flatnonzero(np.isinf(flat))[0])
        raise BadParameterError(
            name, float(flat[pos]), f"finite numbers (infinite at {_where(index, pos)})", zh=zh
        )
    if (flat < 0).any():
        pos = int(np.flatnonzero(flat < 0)[0])
        raise BadParameterError(
            name,
            float(flat[pos]),
            f"counts or amounts >= 0 (negative at {_where(index, pos)})",
            zh=zh,
        )
    return arr, index, False


def _combine(
    *operands: tuple[Any, str, str | None],
) -> tuple[list[np.ndarray], pd.Index | None, bool]:
    """Check and broadcast inputs; Series must share one index."""
    checked = [(_operand(v, n, z), n) for v, n, z in operands]
    index: pd.Index | None = None
    index_owner = ""
    for (_, idx, _), name in checked:
        if idx is None:
            continue
        if index is None:
            index, index_owner = idx, name
        elif not idx.equals(index):
            raise BadParameterError(
                name,
                "a Series whose index differs",
                f"a Series aligned with {index_owner!r} (same index labels in the same order)",
            )
    shapes = {n: arr.shape for (arr, _, is_scalar), n in checked if not is_scalar}
    if len(set(shapes.values())) > 1:  # only a scalar is broadcast, never a short list
        raise BadParameterError(
            checked[-1][1],
            "shapes " + ", ".join(f"{n}: {shape}" for n, shape in shapes.items()),
            "inputs of the same length (or a single number, which applies to every row)",
        )
    try:
        arrays = list(np.broadcast_arrays(*(arr for (arr, _, _), _ in checked)))
    except ValueError:
        shapes = ", ".join(f"{n}: {arr.shape}" for (arr, _, _), n in checked)
        raise BadParameterError(
            checked[-1][1], f"shapes {shapes}", "inputs of the same length"
        ) from None
    if index is not None and arrays[0].shape != (len(index),):
        raise BadParameterError(
            index_owner,
            f"a Series of length {len(index)}",
            f"the same length as the other inputs (shape {arrays[0].shape})",
        )
    scalar = all(is_scalar for (_, _, is_scalar), _ in checked)
    return arrays, index, scalar


def _wrap(values: np.ndarray, index: pd.Index | None, scalar: bool, name: str) -> Any:
    if np.isinf(values).any():
        raise BadParameterError(
            name,
            "inf",
            "inputs whose result fits in a float (it overflowed to infinity); check the units",
        )
    if scalar:
        return float(values)
    if index is not None:
        return pd.Series(values, index=index, name=name)
    return values


def _ratio(
    num: Any,
    den: Any,
    *,
    num_name: str,
    den_name: str,
    num_zh: str,
    den_zh: str,
    metric: str,
    metric_zh: str,
    scale: float = 1.0,
    proportion: bool = False,
) -> Any:
    """num / den × scale under the module's zero-denominator policy."""
    (n, d), index, scalar = _combine((num, num_name, num_zh), (den, den_name, den_zh))
    if proportion and (n > d).any():
        pos = int(np.flatnonzero((n > d).ravel())[0])
        where = "" if scalar else f" at {_where(index, pos)}"
        raise BadParameterError(
            num_name,
            float(n.ravel()[pos]),
            f"at most {den_name} ({den_zh}) = {float(d.ravel()[pos])!r}{where}: {metric} "
            f"({metric_zh}) is a proportion in [0, 1]; check that the columns are not swapped",
            zh=num_zh,
        )
    zero = d == 0
    if scalar and bool(zero):
        raise BadParameterError(
            den_name,
            0.0,
            f"a number > 0: {metric} ({metric_zh}) is undefined, not 0, when {den_name} is 0",
            zh=den_zh,
        )
    with np.errstate(over="ignore"):  # an overflow is reported by _wrap
        out = np.where(zero, np.nan, n / np.where(zero, 1.0, d)) * scale
    return _wrap(out, index, scalar, metric)


# ---------------------------------------------------------------------------------------
# metric definitions
# ---------------------------------------------------------------------------------------


def ctr(clicks: Values, impressions: Values) -> Any:
    """Click-through rate (点击率) = clicks / impressions (曝光/展现量), in [0, 1].

    Raises if clicks exceed impressions. Zero impressions: see the module's policy.

    Parameters
    ----------
    clicks : float, array or Series
        Clicks (count, ≥ 0).
    impressions : float, array or Series
        Impressions (count, ≥ clicks).

    Returns
    -------
    float, numpy.ndarray or pandas.Series
        CTR as a proportion 0–1, shaped like the inputs (a Series named ``ctr``).
    """
    return _ratio(
        clicks,
        impressions,
        num_name="clicks",
        den_name="impressions",
        num_zh="点击量",
        den_zh="展现量",
        metric="ctr",
        metric_zh="点击率",
        proportion=True,
    )


def cvr(orders: Values, clicks_or_visitors: Values) -> Any:
    """Conversion rate (转化率) = orders (or paying buyers) / clicks (or visitors), in [0, 1].

    生意参谋's 支付转化率 is paying buyers / visitors (访客数); an ad report's 点击转化率 is
    orders / clicks. Raises if the numerator exceeds the denominator (count buyers, not
    orders, when one visitor can order several times).

    Parameters
    ----------
    orders : float, array or Series
        Orders or paying buyers (count, ≥ 0).
    clicks_or_visitors : float, array or Series
        Clicks or visitors (count, ≥ orders).

    Returns
    -------
    float, numpy.ndarray or pandas.Series
        Conversion rate as a proportion 0–1, shaped like the inputs (a Series named ``cvr``).
    """
    return _ratio(
        orders,
        clicks_or_visitors,
        num_name="orders",
        den_name="clicks_or_visitors",
        num_zh="成交/买家数",
        den_zh="点击量/访客数",
        metric="cvr",
        metric_zh="转化率",
        proportion=True,
    )


def cpc(cost_cny: Values, clicks: Values) -> Any:
    """Average cost per click (平均点击花费, PPC) in CNY = cost_cny / clicks.

    Parameters
    ----------
    cost_cny : float, array or Series
        Ad spend in CNY (≥ 0).
    clicks : float, array or Series
        Clicks (count, ≥ 0).

    Returns
    -------
    float, numpy.ndarray or pandas.Series
        CNY per click, shaped like the inputs (a Series named ``cpc_cny``).
    """
    return _ratio(
        cost_cny,
        clicks,
        num_name="cost_cny",
        den_name="clicks",
        num_zh="花费",
        den_zh="点击量",
        metric="cpc_cny",
        metric_zh="平均点击花费",
    )


def cpm(cost_cny: Values, impressions: Values) -> Any:
    """Cost per thousand impressions (千次展现成本) in CNY = cost_cny / impressions × 1000.

    Parameters
    ----------
    cost_cny : float, array or Series
        Ad spend in CNY (≥ 0).
    impressions : float, array or Series
        Impressions (count, ≥ 0).

    Returns
    -------
    float, numpy.ndarray or pandas.Series
        CNY per 1000 impressions, shaped like the inputs (a Series named ``cpm_cny``).
    """
    return _ratio(
        cost_cny,
        impressions,
        num_name="cost_cny",
        den_name="impressions",
        num_zh="花费",
        den_zh="展现量",
        metric="cpm_cny",
        metric_zh="千次展现成本",
        scale=1000.0,
    )


def roas(revenue_cny: Values, cost_cny: Values) -> Any:
    """Return on ad spend = revenue_cny / cost_cny (CNY of sales per CNY spent).

    This is what Chinese platforms and articles usually call "ROI" or 投产比: a report's
    "ROI 3" means ``roas == 3``. See :func:`roi` for the finance definition.

    Parameters
    ----------
    revenue_cny : float, array or Series
        Attributed sales in CNY (≥ 0).
    cost_cny : float, array or Series
        Ad spend in CNY (≥ 0).

    Returns
    -------
    float, numpy.ndarray or pandas.Series
        CNY of revenue per CNY spent, shaped like the inputs (a Series named ``roas``).
    """
    return _ratio(
        revenue_cny,
        cost_cny,
        num_name="revenue_cny",
        den_name="cost_cny",
        num_zh="成交金额",
        den_zh="花费",
        metric="roas",
        metric_zh="投产比",
    )


def roi(revenue_cny: Values, cost_cny: Values) -> Any:
    """Return on investment = (revenue_cny − cost_cny) / cost_cny = ROAS − 1.

    0 means break-even on revenue, −1 means no revenue at all. Careful: Chinese e-commerce
    usually says "ROI" (投产比) for revenue / cost, which is :func:`roas` here; a platform's
    "ROI 3" is ``roi == 2``. Revenue is sales, not profit, so this is not a margin.

    Parameters
    ----------
    revenue_cny : float, array or Series
        Attributed sales in CNY (≥ 0).
    cost_cny : float, array or Series
        Ad spend in CNY (≥ 0).

    Returns
    -------
    float, numpy.ndarray or pandas.Series
        Net return per CNY spent (≥ −1), shaped like the inputs (a Series named ``roi``).
    """
    out = roas(revenue_cny, cost_cny)
    if isinstance(out, pd.Series):
        return (out - 1.0).rename("roi")
    return out - 1.0


def aov(gmv_cny: Values, orders_or_buyers: Values) -> Any:
    """Average spend per buyer (客单价) in CNY = gmv_cny / paying buyers (支付买家数).

    This is 生意参谋's definition (支付金额 / 支付买家数). Passing orders instead of buyers
    gives the average order value per order (笔单价), which is lower when buyers order
    several times.

    Parameters
    ----------
    gmv_cny : float, array or Series
        Sales (GMV) in CNY (≥ 0).
    orders_or_buyers : float, array or Series
        Paying buyers, or orders for the per-order value (count, ≥ 0).

    Returns
    -------
    float, numpy.ndarray or pandas.Series
        CNY per buyer (or per order), shaped like the inputs (a Series named ``aov_cny``).
    """
    return _ratio(
        gmv_cny,
        orders_or_buyers,
        num_name="gmv_cny",
        den_name="orders_or_buyers",
        num_zh="销售额",
        den_zh="支付买家数",
        metric="aov_cny",
        metric_zh="客单价",
    )


def uv_value(gmv_cny: Values, visitors: Values) -> Any:
    """Value per visitor (UV价值) in CNY = gmv_cny / visitors (访客数) = cvr × aov.

    Parameters
    ----------
    gmv_cny : float, array or Series
        Sales (GMV) in CNY (≥ 0).
    visitors : float, array or Series
        Visitors (count, ≥ 0).

    Returns
    -------
    float, numpy.ndarray or pandas.Series
        CNY per visitor, shaped like the inputs (a Series named ``uv_value_cny``).
    """
    return _ratio(
        gmv_cny,
        visitors,
        num_name="gmv_cny",
        den_name="visitors",
        num_zh="销售额",
        den_zh="访客数",
        metric="uv_value_cny",
        metric_zh="UV价值",
    )


def metrics_table(
    df: pd.DataFrame,
    *,
    impressions: str | None = "impressions",
    clicks: str | None = "clicks",
    cost_cny: str | None = "cost_cny",
    orders: str | None = "orders",
    revenue_cny: str | None = "revenue_cny",
) -> pd.DataFrame:
    """Return a copy of ``df`` with every metric its columns allow.

    Pass ``None`` for a column the table does not have; a named column that is missing
    raises. Added columns (recomputed if already present): ``ctr`` (clicks/impressions),
    ``cvr`` (orders/clicks), ``cpc_cny`` (cost/clicks), ``cpm_cny`` (cost/impressions ×
    1000), ``roas`` (revenue/cost), ``roi`` (revenue/cost − 1), ``aov_cny`` (revenue/orders,
    per order), ``cost_per_order_cny`` (cost/orders, 单笔成交成本). Rows with a zero
    denominator get NaN in that metric (module policy).

    Parameters
    ----------
    df : pandas.DataFrame
        The report, one row per keyword/ad/day.
    impressions : str or None
        Column of impressions (count), or ``None``.
    clicks : str or None
        Column of clicks (count), or ``None``.
    cost_cny : str or None
        Column of ad spend in CNY, or ``None``.
    orders : str or None
        Column of orders (count), or ``None``.
    revenue_cny : str or None
        Column of attributed sales in CNY, or ``None``.

    Returns
    -------
    pandas.DataFrame
        A copy of df plus the metric columns above (rates as proportions 0–1, money in
        CNY). Raises when no pair of columns makes a metric.
    """
    df = require_frame(df, "the metrics table")
    names = {
        "impressions": impressions,
        "clicks": clicks,
        "cost_cny": cost_cny,
        "orders": orders,
        "revenue_cny": revenue_cny,
    }
    zh = {
        "impressions": "展现量",
        "clicks": "点击量",
        "cost_cny": "花费",
        "orders": "成交笔数",
        "revenue_cny": "成交金额",
    }
    for key, col in names.items():
        if col is not None and not isinstance(col, str):
            raise BadParameterError(key, col, "a column name (str) or None")
    present = {k: c for k, c in names.items() if c is not None}
    require_columns(
        df, present.values(), what="the metrics table", zh={c: zh[k] for k, c in present.items()}
    )
    s = {
        k: require_numeric_column(df, c, zh=zh[k], what="the metrics table")
        for k, c in present.items()
    }
    recipes = [
        ("ctr", ("clicks", "impressions"), ctr),
        ("cvr", ("orders", "clicks"), cvr),
        ("cpc_cny", ("cost_cny", "clicks"), cpc),
        ("cpm_cny", ("cost_cny", "impressions"), cpm),
        ("roas", ("revenue_cny", "cost_cny"), roas),
        ("roi", ("revenue_cny", "cost_cny"), roi),
        ("aov_cny", ("revenue_cny", "orders"), aov),
        ("cost_per_order_cny", ("cost_cny", "orders"), _cost_per_order),
    ]
    out = df.copy()
    added = 0
    for column, needs, func in recipes:
        if all(k in s for k in needs):
            out[column] = func(*(s[k] for k in needs)).to_numpy()
            added += 1
    if not added:
        raise BadParameterError(
            "columns",
            sorted(present),
            "at least two of impressions, clicks, cost_cny, "
            "orders, revenue_cny that make a metric (e.g. clicks and impressions for ctr)",
        )
    return out


def _cost_per_order(cost_cny: Values, orders: Values) -> Any:
    return _ratio(
        cost_cny,
        orders,
        num_name="cost_cny",
        den_name="orders",
        num_zh="花费",
        den_zh="成交笔数",
        metric="cost_per_order_cny",
        metric_zh="单笔成交成本",
    )


# ---------------------------------------------------------------------------------------
# funnels from an event log
# ---------------------------------------------------------------------------------------

STAGES: tuple[str, ...] = ("pv", "cart", "fav", "cart_or_fav", "buy")
STAGE_ZH = {"pv": "浏览", "cart": "加购", "fav": "收藏", "cart_or_fav": "加购或收藏", "buy": "购买"}
_PREVIOUS = {"pv": "pv", "cart": "pv", "fav": "pv", "cart_or_fav": "pv", "buy": "cart_or_fav"}
_DERIVED_KEYS = {"day", "hour"}
_RESERVED = {"user_id", "behavior_type", "timestamp"}


def _by_names(by: Any) -> list[str]:
    if by is None:
        names: list[str] = []
    elif isinstance(by, str):
        names = [by]
    elif isinstance(by, list | tuple) and all(isinstance(b, str) for b in by):
        names = list(by)
    else:
        raise BadParameterError("by", by, "None, 'day', 'hour', a column name, or a list of them")
    if len(set(names)) != len(names):
        raise BadParameterError("by", by, "each grouping key at most once")
    return names


def _check_by_columns(events: Any, names: Sequence[str]) -> list[str]:
    """The log columns among ``names`` (day and hour are derived), checked for a DataFrame."""
    columns = [n for n in names if n not in _DERIVED_KEYS]
    if engine.is_source(events):
        return columns  # the source says which columns it has
    log = require_frame(events, "the event log")
    require_columns(
        log, ("user_id", "behavior_type", "timestamp"), what="the event log", zh=EVENT_ZH
    )
    for name in columns:
        if name not in log.columns or name in _RESERVED:
            cols = [c for c in log.columns if c not in _RESERVED]
            raise BadParameterError(
                "by",
                name,
                "'day', 'hour' (Beijing time) or a column of the event log: "
                + (", ".join(map(str, cols)) or "none besides user_id/behavior_type/timestamp"),
            )
    return columns


def _keyed(names: Sequence[str]) -> str:
    """The relation with one ``k_<name>`` column per grouping key (day/hour in Beijing time)."""
    derived = {"day": engine.day_sql("ts"), "hour": engine.hour_sql("ts")}
    keys = "".join(f", {derived[n]} AS k_{n}" for n in names if n in derived)
    return f"(SELECT *{keys} FROM {{events}}) AS keyed"


_FLAG_SQL = {  # per user (and group): did the user do it? 1 or 0
    "f_pv": "max(CASE WHEN b = 0 THEN 1 ELSE 0 END)",
    "f_cart": "max(CASE WHEN b = 1 THEN 1 ELSE 0 END)",
    "f_fav": "max(CASE WHEN b = 2 THEN 1 ELSE 0 END)",
    "f_buy": "max(CASE WHEN b = 3 THEN 1 ELSE 0 END)",
}
_STAGE_SQL = {  # per group, from the user flags: the closed funnel
    "pv": "sum(f_pv)",
    "cart": "sum(f_pv * f_cart)",
    "fav": "sum(f_pv * f_fav)",
    "cart_or_fav": "sum(f_pv * greatest(f_cart, f_fav))",
    "buy": "sum(f_pv * greatest(f_cart, f_fav) * f_buy)",
}
_OPEN_SQL = {  # per group, from the user flags: open stage counts (users who did X)
    "pv": "sum(f_pv)",
    "cart": "sum(f_cart)",
    "fav": "sum(f_fav)",
    "cart_or_fav": "sum(greatest(f_cart, f_fav))",
    "buy": "sum(f_buy)",
}
_EVENT_SQL = {
    "pv": "sum(CASE WHEN b = 0 THEN 1 ELSE 0 END)",
    "cart": "sum(CASE WHEN b = 1 THEN 1 ELSE 0 END)",
    "fav": "sum(CASE WHEN b = 2 THEN 1 ELSE 0 END)",
    "cart_or_fav": "sum(CASE WHEN b IN (1, 2) THEN 1 ELSE 0 END)",
    "buy": "sum(CASE WHEN b = 3 THEN 1 ELSE 0 END)",
}


def stage_counts_sql(by: Sequence[str] = (), unit: str = "user", view: str = "closed") -> str:
    """The SQL of :func:`stage_counts` over the relation ``{events}`` (see casekit.data.engine).

    Parameters
    ----------
    by : sequence of str
        Grouping keys (``day``, ``hour`` or log columns, as ``k_<name>`` in the relation).
    unit : {"user", "event"}
        Count distinct users or events.
    view : {"closed", "open"}
        The closed funnel or open stage counts (``unit="user"`` only).

    Returns
    -------
    str
        SQL text with the placeholder ``{events}`` for the relation.
    """
    keys = [f"k_{n}" for n in by]
    group = ", ".join(keys)
    head = f"{group}, " if keys else ""
    # No keys: one row, or none for an empty log (HAVING keeps a global aggregate empty).
    tail = f" GROUP BY {group} ORDER BY {group}" if keys else " HAVING count(*) > 0"
    if unit == "event":
        return f"SELECT {head}{engine.select_sql(_EVENT_SQL)} FROM {_keyed(by)}{tail}"
    flags = engine.select_sql(_FLAG_SQL)
    per_user = f"SELECT {head}user_id, {flags} FROM {_keyed(by)} GROUP BY {head}user_id"
    stages = _OPEN_SQL if view == "open" else _STAGE_SQL
    return f"SELECT {head}{engine.select_sql(stages)} FROM ({per_user}) AS per_user{tail}"


def _stage_frame(
    result: pd.DataFrame,
    names: Sequence[str],
    rel: engine.Relation,
    counts: Sequence[str] = STAGES,
) -> pd.DataFrame:
    """The engine's stage counts → the documented frame (keys decoded, int64 counts)."""
    out = pd.DataFrame(index=pd.RangeIndex(len(result)))
    for name in names:
        codes = result[f"k_{name}"].to_numpy()
        if name == "day":
            out["day"] = engine.days_to_datetimes(codes)
        elif name == "hour":
            out["hour"] = codes.astype("int64")
        else:
            out[name] = rel.decode(f"k_{name}", codes)
    for stage in counts:
        out[stage] = result[stage].to_numpy().astype("int64")
    return out


def user_flag_aggregates() -> dict[str, str]:
    """The per-user SQL aggregates :func:`stage_counts` builds its funnel from.

    Returns
    -------
    dict of str to str
        Column name → SQL aggregate over the engine relation: ``f_pv``, ``f_cart``, ``f_fav``
        and ``f_buy``, each 1 if the user has such an event, else 0.
    """
    return dict(_FLAG_SQL)


def stage_counts_from_flags(per_user: pd.DataFrame) -> pd.DataFrame:
    """The closed user funnel of :func:`stage_counts` from per-user flags.

    Parameters
    ----------
    per_user : pandas.DataFrame
        One row per user with the 0/1 columns of :func:`user_flag_aggregates`.

    Returns
    -------
    pandas.DataFrame
        One row: ``pv, cart, fav, cart_or_fav, buy`` as int64 user counts.
    """
    flags = {name: per_user[name].to_numpy().astype("int64") for name in _FLAG_SQL}
    pv, cart, fav, buy = flags["f_pv"], flags["f_cart"], flags["f_fav"], flags["f_buy"]
    cart_or_fav = pv * np.maximum(cart, fav)
    counts = {
        "pv": pv.sum(),
        "cart": (pv * cart).sum(),
        "fav": (pv * fav).sum(),
        "cart_or_fav": cart_or_fav.sum(),
        "buy": (cart_or_fav * buy).sum(),
    }
    return pd.DataFrame({stage: [int(counts[stage])] for stage in STAGES}).astype("int64")


def open_counts_from_flags(per_user: pd.DataFrame) -> pd.DataFrame:
    """The open stage counts of ``stage_counts(view="open")`` from per-user flags.

    Parameters
    ----------
    per_user : pandas.DataFrame
        One row per user with the 0/1 columns of :func:`user_flag_aggregates`.

    Returns
    -------
    pandas.DataFrame
        One row: ``pv, cart, fav, cart_or_fav, buy`` as int64 counts of users who did each.
    """
    flags = {name: per_user[name].to_numpy().astype("int64") for name in _FLAG_SQL}
    cart, fav = flags["f_cart"], flags["f_fav"]
    counts = {
        "pv": flags["f_pv"].sum(),
        "cart": cart.sum(),
        "fav": fav.sum(),
        "cart_or_fav": np.maximum(cart, fav).sum(),
        "buy": flags["f_buy"].sum(),
    }
    return pd.DataFrame({stage: [int(counts[stage])] for stage in STAGES}).astype("int64")


def path_shares_from_flags(per_user: pd.DataFrame) -> pd.DataFrame:
    """The whole-log path shares of :func:`path_shares` (``window=None``) from user flags.

    Parameters
    ----------
    per_user : pandas.DataFrame
        One row per user with the 0/1 columns of :func:`user_flag_aggregates`.

    Returns
    -------
    pandas.DataFrame
        One row: ``buyers``, the four path counts, their shares and ``attributed_buy``,
        as :func:`path_shares` gives them.
    """
    flags = {name: per_user[name].to_numpy().astype("int64") for name in _FLAG_SQL}
    pv, cart, fav, buy = flags["f_pv"], flags["f_cart"], flags["f_fav"], flags["f_buy"]
    counts = {
        "buyers": buy.sum(),
        "direct": (buy * (1 - cart) * (1 - fav)).sum(),
        "via_cart": (buy * cart * (1 - fav)).sum(),
        "via_fav": (buy * (1 - cart) * fav).sum(),
        "via_both": (buy * cart * fav).sum(),
    }
    out = pd.DataFrame({k: [int(v)] for k, v in counts.items()}).astype("int64")
    for path in PATHS:
        out[f"{path}_share"] = out[path] / out["buyers"] if counts["buyers"] else np.nan
    out["attributed_buy"] = np.int64((buy * pv * np.maximum(cart, fav)).sum())
    return out


def stage_counts(
    events: Any,
    by: str | Sequence[str] | None = None,
    unit: Literal["user", "event"] = "user",
    view: Literal["closed", "open"] = "closed",
) -> pd.DataFrame:
    """Funnel stage counts pv → cart_or_fav → buy (with cart and fav also apart).

    ``events`` follows the Tianchi UserBehavior schema: a DataFrame, or a log on disk (a path
    to ``UserBehavior.csv`` or its cache, an ``EventSource``, a ``SqlTable``; see
    :mod:`casekit.data.engine`). ``by`` groups the counts: ``"day"``
    (calendar day, Beijing time, as naive midnight), ``"hour"`` (hour of day 0–23, Beijing
    time, pooled over days; use ``["day", "hour"]`` for each hour), any other log column
    such as ``"category_id"``, or a list. Returns one row per group (the key columns, then
    ``pv, cart, fav, cart_or_fav, buy`` as int64); ``by=None`` gives one row.

    Three views of one log answer three different questions (see also :func:`path_shares`
    and :func:`conversion_views`):

    - ``view="open"`` (开放阶段计数): each stage counts the users of the group who did it,
      whatever else they did. ``buy`` is every buyer of the group, so ``buy / pv`` is the
      share of visitors who paid (生意参谋's 支付转化率 when every buyer also viewed).
    - ``view="closed"`` (封闭漏斗, the default): a later stage requires the earlier ones
      *within the group*: cart / fav = users in pv with a cart / fav event; cart_or_fav =
      users in pv with either; buy = users in cart_or_fav with a buy event. The funnel never
      grows, but buyers who bought straight from the item page, or who carted on another
      day (with ``by="day"``), are not in ``buy``: on real Taobao logs about half of a day's
      buyers. Order in time is not checked (a log window cuts sessions).
    - path shares: :func:`path_shares` splits the buyers by the path they took.

    ``unit="event"`` counts events of each type (cart_or_fav = cart + fav events); event
    counts need not shrink along the funnel and have no closed/open view.

    Parameters
    ----------
    events : DataFrame, path, EventSource or SqlTable
        The event log.
    by : str, list of str or None
        Grouping keys; None for the whole log.
    unit : {"user", "event"}
        Distinct users (default) or events.
    view : {"closed", "open"}
        The closed funnel (default) or open stage counts; only for ``unit="user"``.

    Returns
    -------
    DataFrame
        The key columns, then ``pv, cart, fav, cart_or_fav, buy`` (int64 counts).
    """
    choice(unit, "unit", ("user", "event"))
    choice(view, "view", VIEWS[:2])
    if unit == "event" and view != "closed":
        raise BadParameterError("view", view, "'closed' (the default) with unit='event'")
    names = _by_names(by)
    columns = _check_by_columns(events, names)
    with engine.relation(events, keys=columns) as rel:
        result = rel.query(stage_counts_sql(names, unit, view))
        return _stage_frame(result, names, rel)


# ---------------------------------------------------------------------------------------
# path shares and the attribution window
# ---------------------------------------------------------------------------------------

VIEWS: tuple[str, ...] = ("closed", "open", "paths")
VIEW_ZH = {"closed": "封闭漏斗", "open": "开放阶段计数", "paths": "购买路径占比"}
PATHS: tuple[str, ...] = ("direct", "via_cart", "via_fav", "via_both")
PATH_ZH = {
    "direct": "浏览→直接购买",
    "via_cart": "浏览→加购→购买",
    "via_fav": "浏览→收藏→购买",
    "via_both": "浏览→加购和收藏→购买",
}
_PATH_SQL = {  # per group, from buyer flags w_cart / w_fav (cart / fav in the window)
    "buyers": "sum(f_buy)",
    "direct": "sum(f_buy * (1 - w_cart) * (1 - w_fav))",
    "via_cart": "sum(f_buy * w_cart * (1 - w_fav))",
    "via_fav": "sum(f_buy * (1 - w_cart) * w_fav)",
    "via_both": "sum(f_buy * w_cart * w_fav)",
    "attributed_buy": "sum(f_buy * f_pv * greatest(w_cart, w_fav))",
}
_MAX_WINDOW_DAYS = 366


def _window_days(window: Any, names: Sequence[str]) -> int | None:
    if window is None:
        return None
    days = int(number(window, "window", zh="归因窗口天数", minimum=0, integer=True))
    if days > _MAX_WINDOW_DAYS:
        raise BadParameterError("window", window, f"a number of days from 0 to {_MAX_WINDOW_DAYS}")
    if "hour" in names:
        raise BadParameterError(
            "window",
            window,
            "None when grouping by 'hour': an attribution window counts whole days",
            zh="归因窗口天数",
        )
    return days


def path_shares_sql(by: Sequence[str] = (), window: int | None = None) -> str:
    """The SQL of :func:`path_shares` over the relation ``{events}``.

    Parameters
    ----------
    by : sequence of str
        Grouping keys (``day``, ``hour`` or log columns).
    window : int or None
        Attribution window in Beijing days; None: the group itself.

    Returns
    -------
    str
        SQL text with the placeholder ``{events}``; one row per group with the counts
        ``buyers, direct, via_cart, via_fav, via_both, attributed_buy``.
    """
    keys = [f"k_{n}" for n in by]
    group = ", ".join(keys)
    head = f"{group}, " if keys else ""
    tail = f" GROUP BY {group} ORDER BY {group}" if keys else " HAVING count(*) > 0"
    sums = engine.select_sql(_PATH_SQL)
    if window is None:
        flags = engine.select_sql(_FLAG_SQL)
        per_user = (
            f"SELECT {head}user_id, {flags}, max(CASE WHEN b = 1 THEN 1 ELSE 0 END) AS w_cart, "
            f"max(CASE WHEN b = 2 THEN 1 ELSE 0 END) AS w_fav "
            f"FROM {_keyed(by)} GROUP BY {head}user_id"
        )
        return f"SELECT {head}{sums} FROM ({per_user}) AS per_user{tail}"
    # Per user and Beijing day (and the other keys): what the user did that day. A buyer's
    # day d counts a cart / fav of the same user (same other keys) on days d - window … d.
    others = [f"k_{n}" for n in by if n != "day"]
    other_cols = "".join(f", {k}" for k in others)
    flags = engine.select_sql(_FLAG_SQL)
    keyed = _keyed([n for n in by if n != "day"])
    day_rel = f"(SELECT *, {engine.day_sql('ts')} AS d FROM {keyed}) AS dayed"
    ud = f"SELECT user_id, d{other_cols}, {flags} FROM {day_rel} GROUP BY user_id, d{other_cols}"
    same = "".join(f" AND c.{k} = u.{k}" for k in others)
    b_others = "".join(f", u.{k}" for k in others)
    attributed = (
        f"SELECT u.user_id, u.d{b_others}, u.f_pv, u.f_buy, "
        f"coalesce(max(c.f_cart), 0) AS w_cart, coalesce(max(c.f_fav), 0) AS w_fav "
        f"FROM ({ud}) AS u LEFT JOIN ({ud}) AS c ON u.f_buy = 1 AND c.user_id = u.user_id"
        f"{same} AND c.d >= u.d - {window} AND c.d <= u.d "
        f"GROUP BY u.user_id, u.d{b_others}, u.f_pv, u.f_buy"
    )
    if "day" in by:
        per_user = f"SELECT *, d AS k_day FROM ({attributed}) AS att"
    else:
        per_user = (
            f"SELECT user_id{other_cols}, max(f_pv) AS f_pv, max(f_buy) AS f_buy, "
            f"max(f_buy * w_cart) AS w_cart, max(f_buy * w_fav) AS w_fav "
            f"FROM ({attributed}) AS att GROUP BY user_id{other_cols}"
        )
    return f"SELECT {head}{sums} FROM ({per_user}) AS per_user{tail}"


def path_shares(
    events: Any,
    by: str | Sequence[str] | None = None,
    window: int | None = None,
) -> pd.DataFrame:
    """Buyers split by their path: pv→buy direct, pv→cart→buy, pv→fav→buy, or both.

    The third view of a log (购买路径占比), next to the open stage counts and the closed
    funnel of :func:`stage_counts`. Every buyer of a group is counted once, in one path:

    - ``direct``: no cart and no fav (直接购买: bought from the item page);
    - ``via_cart`` / ``via_fav``: a cart only / a fav only;
    - ``via_both``: a cart and a fav.

    ``window`` is the attribution window (归因窗口) in Beijing calendar days: ``None``
    looks for the cart / fav in the buyer's group only (with ``by="day"``: the same day, as
    the closed funnel does); ``window=N`` counts a cart / fav of the same user on the
    buy's day or up to N days before it (also outside the group), never after it. A buyer
    with buys on several days takes a path if any buy day has it. With other keys than the
    day (e.g. ``category_id``) the cart / fav must have the same key. Not with ``"hour"``.

    Parameters
    ----------
    events : DataFrame, path, EventSource or SqlTable
        The event log (see :func:`stage_counts`).
    by : str, list of str or None
        Grouping keys; None for the whole log.
    window : int or None
        Attribution window in days (0 = same day); None: within the group.

    Returns
    -------
    DataFrame
        One row per group with at least one event: the key columns; ``buyers`` and the
        four path counts (int64, they add up to ``buyers``); their shares of the buyers
        ``direct_share`` … ``via_both_share`` (NaN with no buyer); and ``attributed_buy``:
        buyers with a pv in the group and a cart or fav in the window, i.e. the closed
        funnel's buy stage under the window (with ``window=None`` it equals
        ``stage_counts(events, by).buy``).
    """
    names = _by_names(by)
    days = _window_days(window, names)
    columns = _check_by_columns(events, names)
    with engine.relation(events, keys=columns) as rel:
        return _path_frame(rel.query(path_shares_sql(names, days)), names, rel)


def _path_frame(result: pd.DataFrame, names: Sequence[str], rel: engine.Relation) -> pd.DataFrame:
    """The engine's path counts → the documented frame (keys decoded, shares added)."""
    out = _stage_frame(result, names, rel, counts=("buyers", *PATHS))
    buyers = out["buyers"].to_numpy().astype("float64")
    for path in PATHS:
        share = np.full(len(out), np.nan)
        ok = buyers > 0
        share[ok] = out[path].to_numpy()[ok] / buyers[ok]
        out[f"{path}_share"] = share
    out["attributed_buy"] = result["attributed_buy"].to_numpy().astype("int64")
    return out


def conversion_views(
    events: Any,
    by: str | Sequence[str] | None = None,
    window: int | None = None,
) -> pd.DataFrame:
    """The conversion rate (buyers / visitors) under each view, side by side.

    One row per group and view: ``open`` (every buyer of the group who also viewed an
    item in it, over pv users), ``closed`` (the closed funnel's buy stage over pv users)
    and, with ``window``, ``attributed`` (buyers with a pv in the group and a cart or fav
    within the window before the buy, over pv users). The gap between ``open`` and
    ``closed`` is the share of visitors who bought directly or carted on another day.

    Parameters
    ----------
    events : DataFrame, path, EventSource or SqlTable
        The event log (see :func:`stage_counts`).
    by : str, list of str or None
        Grouping keys; None for the whole log.
    window : int or None
        Attribution window in days for the ``attributed`` view; None leaves it out.

    Returns
    -------
    DataFrame
        The key columns, ``view``, ``view_zh``, ``buyers`` (int64), ``pv_users`` (int64)
        and ``conversion_rate`` in [0, 1] (NaN for a group without pv users).
    """
    names = _by_names(by)
    days = _window_days(window, names)
    columns = _check_by_columns(events, names)
    with engine.relation(events, keys=columns) as rel:
        closed = rel.query(stage_counts_sql(names, "user", "closed"))
        paths = rel.query(path_shares_sql(names, days)) if days is not None else None
        # open view: buyers who also viewed = pv ∩ buy, from the same per-user flags
        flags = engine.select_sql(_FLAG_SQL)
        keys = [f"k_{n}" for n in names]
        head = "".join(f"{k}, " for k in keys)
        group = ", ".join(keys)
        tail = f" GROUP BY {group} ORDER BY {group}" if keys else " HAVING count(*) > 0"
        opened = rel.query(
            f"SELECT {head}sum(f_pv * f_buy) AS buy FROM (SELECT {head}user_id, {flags} "
            f"FROM {_keyed(names)} GROUP BY {head}user_id) AS per_user{tail}"
        )
        frame = _stage_frame(closed, names, rel)
    pv = frame["pv"].to_numpy().astype("int64")
    parts = [("open", opened["buy"].to_numpy()), ("closed", frame["buy"].to_numpy())]
    if paths is not None:
        parts.append(("attributed", paths["attributed_buy"].to_numpy()))
    rows = []
    for order, (view, buyers) in enumerate(parts):
        part = frame[names].copy()
        part["_order"] = order
        part["view"] = view
        part["view_zh"] = _CONVERSION_ZH[view]
        part["buyers"] = buyers.astype("int64")
        part["pv_users"] = pv
        rate_ = np.full(len(part), np.nan)
        ok = pv > 0
        rate_[ok] = buyers[ok] / pv[ok]
        part["conversion_rate"] = rate_
        rows.append(part)
    long = pd.concat(rows, ignore_index=True)
    long = long.sort_values([*names, "_order"], kind="stable").drop(columns="_order")
    return long.reset_index(drop=True)


_CONVERSION_ZH = {
    "open": "开放口径（所有浏览过的买家）",
    "closed": "封闭漏斗（同组内加购或收藏过的买家）",
    "attributed": "归因窗口（窗口内加购或收藏过的买家）",
}


def funnel_rates(events: Any, by: str | Sequence[str] | None = None) -> pd.DataFrame:
    """Step and overall conversion of the user-level funnel, all in [0, 1].

    One row per group and stage (``pv, cart, fav, cart_or_fav, buy``) with columns: the
    ``by`` keys, ``stage``, ``stage_zh``, ``previous_stage``, ``users``, ``step_rate`` =
    users / users of the previous stage (pv for cart, fav and cart_or_fav; cart_or_fav for
    buy; 1 for pv) and ``overall_rate`` = users / pv users. Stage counts are those of
    ``stage_counts(events, by, unit="user")``; a group with no pv users gets NaN rates.
    Only the user-level funnel is offered: event-count ratios are not proportions.

    Parameters
    ----------
    events : DataFrame, path, EventSource or SqlTable
        The event log.
    by : str, list of str or None
        Grouping keys (e.g. ``"day"``, Beijing day); ``None`` for the whole log.

    Returns
    -------
    pandas.DataFrame
        Long table, one row per group and stage, with the columns above; rates are
        proportions 0–1, ``users`` a count.
    """
    counts = stage_counts(events, by=by, unit="user")
    names = [c for c in counts.columns if c not in STAGES]
    parts = []
    for order, stage in enumerate(STAGES):
        previous = _PREVIOUS[stage]
        part = counts[names].copy()
        part["_order"] = order
        part["stage"] = stage
        part["stage_zh"] = STAGE_ZH[stage]
        part["previous_stage"] = None if stage == "pv" else previous
        part["users"] = counts[stage]
        part["step_rate"] = _ratio(
            counts[stage],
            counts[previous],
            num_name=stage,
            den_name=previous,
            num_zh=STAGE_ZH[stage],
            den_zh=STAGE_ZH[previous],
            metric="step_rate",
            metric_zh="环节转化率",
            proportion=True,
        )
        part["overall_rate"] = _ratio(
            counts[stage],
            counts["pv"],
            num_name=stage,
            den_name="pv",
            num_zh=STAGE_ZH[stage],
            den_zh="浏览",
            metric="overall_rate",
            metric_zh="整体转化率",
            proportion=True,
        )
        parts.append(part)
    long = pd.concat(parts, ignore_index=True)
    long = long.sort_values([*names, "_order"], kind="stable").drop(columns="_order")
    return long.reset_index(drop=True)


# ---------------------------------------------------------------------------------------
# GMV identity: 销售额 = 访客数 × 转化率 × 客单价
# ---------------------------------------------------------------------------------------

FACTORS: tuple[str, ...] = ("visitors", "conversion_rate", "aov_cny")
FACTOR_ZH = {"visitors": "访客数", "conversion_rate": "转化率", "aov_cny": "客单价"}


def gmv(visitors: Values, conversion_rate: Values, aov_cny: Values) -> Any:
    """GMV (销售额) in CNY = visitors (访客数) × conversion_rate (转化率) × aov_cny (客单价).

    ``conversion_rate`` is paying buyers / visitors in [0, 1] and ``aov_cny`` GMV per paying
    buyer, so the identity is exact. Accepts scalars or aligned Series/arrays.

    Parameters
    ----------
    visitors : float, array or Series
        Visitors (count, ≥ 0).
    conversion_rate : float, array or Series
        Paying buyers / visitors, proportion 0–1.
    aov_cny : float, array or Series
        GMV per paying buyer in CNY (≥ 0).

    Returns
    -------
    float, numpy.ndarray or pandas.Series
        GMV in CNY, shaped like the inputs (a Series named ``gmv_cny``).
    """
    (v, c, a), index, scalar = _combine(
        (visitors, "visitors", "访客数"),
        (conversion_rate, "conversion_rate", "转化率"),
        (aov_cny, "aov_cny", "客单价"),
    )
    if (c > 1).any():
        pos = int(np.flatnonzero((c > 1).ravel())[0])
        raise BadParameterError(
            "conversion_rate",
            float(c.ravel()[pos]),
            "a proportion between 0 and 1 (write 3% as 0.03)",
            zh="转化率",
        )
    with np.errstate(over="ignore"):  # an overflow is reported by _wrap
        product = v * c * a
    return _wrap(product, index, scalar, "gmv_cny")


@dataclass(frozen=True)
class GmvFactors:
    """The three factors of GMV: visitors, conversion_rate (buyers/visitors), aov_cny."""

    visitors: float
    conversion_rate: float
    aov_cny: float

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "visitors", number(self.visitors, "visitors", zh="访客数", minimum=0.0)
        )
        object.__setattr__(
            self, "conversion_rate", rate(self.conversion_rate, "conversion_rate", zh="转化率")
        )
        object.__setattr__(
            self, "aov_cny", number(self.aov_cny, "aov_cny", zh="客单价", minimum=0.0)
        )

    @property
    def gmv_cny(self) -> float:
        """visitors × conversion_rate × aov_cny, in CNY."""
        return self.visitors * self.conversion_rate * self.aov_cny


@dataclass(frozen=True)
class WhatIf:
    """Result of :func:`what_if`: GMV before and after relative changes of its factors."""

    before: GmvFactors
    after: GmvFactors
    gmv_before_cny: float
    gmv_after_cny: float
    change_cny: float
    change_ratio: float  # gmv_after / gmv_before − 1

    def decomposition(self) -> pd.DataFrame:
        """The change split over the three factors (see :func:`decompose_gmv_change`)."""
        return decompose_gmv_change(self.before, self.after)


def what_if(
    visitors: float,
    conversion_rate: float,
    aov_cny: float,
    *,
    visitors_change: float = 0.0,
    conversion_change: float = 0.0,
    aov_change: float = 0.0,
) -> WhatIf:
    """GMV after relative changes of its factors (0.1 = +10 %, −0.2 = −20 %).

    after = visitors × (1 + visitors_change) × conversion_rate × (1 + conversion_change) ×
    aov_cny × (1 + aov_change). So +10 % on each factor gives 1.1³ − 1 = +33.1 % GMV, not
    +30 %. Starting factors must be > 0 (a relative change of zero stays zero); changes
    must be between −1 and ``MAX_CHANGE`` (10 = +1000 %; 20 is refused as a likely
    "20 %" typed as 20) and keep the conversion rate <= 1.

    Parameters
    ----------
    visitors : float
        Starting visitors (> 0).
    conversion_rate : float
        Starting paying buyers / visitors, proportion 0–1 (> 0).
    aov_cny : float
        Starting GMV per paying buyer in CNY (> 0).
    visitors_change : float
        Relative change of visitors (0.1 = +10 %), −1 to ``MAX_CHANGE``.
    conversion_change : float
        Relative change of the conversion rate, −1 to ``MAX_CHANGE``; the new rate stays ≤ 1.
    aov_change : float
        Relative change of AOV, −1 to ``MAX_CHANGE``.

    Returns
    -------
    WhatIf
        Factors before and after, GMV before and after and the change in CNY, and
        ``change_ratio`` (GMV after / before − 1, a proportion).
    """
    v = number(visitors, "visitors", zh="访客数", minimum=0.0, strict_min=True)
    c = rate(conversion_rate, "conversion_rate", zh="转化率")
    if c == 0:
        raise BadParameterError("conversion_rate", conversion_rate, "a proportion > 0", zh="转化率")
    a = number(aov_cny, "aov_cny", zh="客单价", minimum=0.0, strict_min=True)
    dv = _change(visitors_change, "visitors_change")
    dc = _change(conversion_change, "conversion_change")
    da = _change(aov_change, "aov_change")
    if c * (1 + dc) > 1:
        raise BadParameterError(
            "conversion_change",
            conversion_change,
            f"at most {1 / c - 1:.4g} so that the conversion rate stays <= 1",
        )
    before = GmvFactors(v, c, a)
    after = GmvFactors(v * (1 + dv), min(c * (1 + dc), 1.0), a * (1 + da))
    g0, g1 = before.gmv_cny, after.gmv_cny
    if not (np.isfinite(g0) and np.isfinite(g1)):
        raise BadParameterError(
            "visitors", visitors, "factors whose GMV fits in a float (it overflowed)"
        )
    if g0 == 0:  # each factor > 0, but their product underflowed
        raise BadParameterError(
            "visitors", visitors, "factors whose GMV is above 0 as a float (it underflowed)"
        )
    return WhatIf(before, after, g0, g1, g1 - g0, g1 / g0 - 1.0)


#: The largest relative change :func:`what_if` takes: 10 = +1000 %.
MAX_CHANGE = 10.0


def _change(value: Any, name: str) -> float:
    """A relative change >= −1 and <= MAX_CHANGE (0.2 = +20 %, not 20)."""
    v = number(value, name, minimum=-1.0)
    if v > MAX_CHANGE:
        raise BadParameterError(
            name,
            value,
            f"a relative change, 0.2 = +20 %, at most {MAX_CHANGE:g} (+{MAX_CHANGE:.0%}); "
            f"did you mean {v / 100:.2f}?",
        )
    return v


def _as_factors(value: Any, name: str) -> GmvFactors:
    if isinstance(value, GmvFactors):
        return value
    if isinstance(value, Mapping):
        unknown = set(value) - set(FACTORS)
        if unknown:
            raise UnknownParameterError(sorted(unknown)[0], FACTORS, where=name)
        missing = [f for f in FACTORS if f not in value]
        if missing:
            raise BadParameterError(name, dict(value), "a mapping with keys " + ", ".join(FACTORS))
        return GmvFactors(**{f: value[f] for f in FACTORS})
    if isinstance(value, Sequence) and not isinstance(value, str) and len(value) == 3:
        return GmvFactors(*value)
    raise BadParameterError(
        name,
        value,
        "GmvFactors, a mapping of visitors/conversion_rate/aov_cny, or a "
        "(visitors, conversion_rate, aov_cny) tuple",
    )


def decompose_gmv_change(before: Any, after: Any) -> pd.DataFrame:
    """Split a GMV change into the contributions of visitors, conversion rate and AOV.

    ``before`` / ``after`` are :class:`GmvFactors`, mappings with keys ``visitors``,
    ``conversion_rate``, ``aov_cny``, or tuples in that order. Method: Shapley values of
    GMV = x·y·z, i.e. each factor's change averaged over the six orders in which the three
    factors could be switched from before to after. For factor x with others y, z::

        contribution_x = Δx · [ (y0·z0 + y1·z1) / 3 + (y0·z1 + y1·z0) / 6 ]

    The three contributions add up to GMV_after − GMV_before exactly (algebraically; to
    floating-point rounding), a factor that does not move gets 0, and unlike the log/LMDI
    method it works when a factor is 0. Returns one row per factor: ``factor``,
    ``factor_zh``, ``before``, ``after``, ``contribution_cny`` and ``share`` =
    contribution / total change (NaN when the total change is 0; a share is negative or
    above 1 when factors move in opposite directions).

    Parameters
    ----------
    before : GmvFactors, mapping or tuple
        Starting visitors, conversion_rate (proportion 0–1) and aov_cny (CNY).
    after : GmvFactors, mapping or tuple
        The same three factors after the change.

    Returns
    -------
    pandas.DataFrame
        Three rows (visitors, conversion_rate, aov_cny) with the columns above;
        ``contribution_cny`` in CNY, ``share`` a proportion of the total change.
    """
    b = _as_factors(before, "before")
    a = _as_factors(after, "after")
    x0 = np.array([b.visitors, b.conversion_rate, b.aov_cny])
    x1 = np.array([a.visitors, a.conversion_rate, a.aov_cny])
    contributions = []
    for i in range(3):
        j, k = [m for m in range(3) if m != i]
        weight = (x0[j] * x0[k] + x1[j] * x1[k]) / 3 + (x0[j] * x1[k] + x1[j] * x0[k]) / 6
        contributions.append((x1[i] - x0[i]) * weight)
    total = a.gmv_cny - b.gmv_cny
    contribution = pd.Series(contributions, dtype="float64")
    share = contribution / total if total != 0 else pd.Series(np.nan, index=contribution.index)
    return pd.DataFrame(
        {
            "factor": list(FACTORS),
            "factor_zh": [FACTOR_ZH[f] for f in FACTORS],
            "before": x0,
            "after": x1,
            "contribution_cny": contribution,
            "share": share,
        }
    )
