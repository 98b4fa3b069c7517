"""A simple customer lifetime value (客户终身价值, CLV) from order history."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from casekit._checks import number, rate
from casekit.audience.orders import purchases
from casekit.errors import BadParameterError


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

    Parameters
    ----------
    orders : pandas.DataFrame
        One row per order (user, time, optional amount in CNY), or an event log whose
        ``buy`` events are the orders.
    margin_rate : float
        Gross margin (毛利率) as a proportion in [0, 1], before ad cost.
    discount_rate_annual : float
        Yearly discount rate for future profit, a proportion.
    retention_rate_annual : float
        Share of customers kept each year, a proportion.
    horizon_years : int or None
        Years of future profit counted; None: no limit.
    purchases_per_year : float or None
        Orders per customer per year; None: estimated from ``orders``.
    aov_cny : float or None
        Average order value, CNY; None: estimated from ``orders``.
    user_col : str, optional
        Column of user ids.
    time_col : str, optional
        Column of order times (Unix seconds, date-times or date strings, Beijing time).
    amount_col : str or None
        Column of order amounts, CNY; None counts orders only.

    Returns
    -------
    ClvEstimate
        Inputs used and the lifetime value per customer, CNY.
    """
    margin = rate(margin_rate, "margin_rate", zh="毛利率")
    d = number(discount_rate_annual, "discount_rate_annual", zh="年折现率", minimum=0)
    r = rate(retention_rate_annual, "retention_rate_annual", zh="年留存率")
    horizon = None
    if horizon_years is not None:
        horizon = int(number(horizon_years, "horizon_years", zh="年限", minimum=1, integer=True))
    od = purchases(orders, user_col=user_col, time_col=time_col, amount_col=amount_col)
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
