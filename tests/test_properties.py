"""Property tests over the public API: a result is finite and non-negative, or a clear error.

Inputs range over the whole float line (tiny, huge, near the float limit), so a formula that
overflows to inf, divides into NaN or wraps around to a negative price fails here.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casekit import ads, campaign, experiment, funnel
from casekit.errors import CasekitError, RuleNotInCartWarning

PROPS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# every magnitude a float can take, plus the usual small ones
amount = st.one_of(
    st.floats(min_value=0, max_value=1e308, allow_nan=False, allow_infinity=False),
    st.sampled_from([0.0, 1e-300, 0.004, 0.01, 1.0, 9e7, 1e13, 1e300, 1.7e308]),
)
proportion = st.floats(min_value=0, max_value=1, allow_nan=False)
count = st.one_of(st.integers(0, 10**6), st.integers(0, 2**62))


def finite_non_negative(value) -> None:
    """Assert every number in ``value`` (scalar, array, Series or DataFrame) is finite and >= 0."""
    if isinstance(value, pd.DataFrame):
        values = value.select_dtypes("number").to_numpy(dtype="float64").ravel()
    else:
        values = np.atleast_1d(np.asarray(value, dtype="float64")).ravel()
    values = values[~np.isnan(values)] if values.size else values
    assert np.isfinite(values).all(), value
    assert (values >= 0).all(), value


def outcome(call):
    """The call's result, or None if it raised a CasekitError (any other error fails)."""
    try:
        return call()
    except CasekitError:
        return None


@PROPS
@given(num=amount, den=amount)
def test_funnel_ratios_are_finite(num, den):
    for metric in (funnel.cpc, funnel.cpm, funnel.roas, funnel.aov, funnel.uv_value):
        result = outcome(lambda m=metric: m(num, den))
        if result is not None:
            finite_non_negative(result)
            assert not math.isnan(result)  # a scalar zero denominator raises instead


@PROPS
@given(visitors=amount, cvr=proportion, aov=amount)
def test_gmv_is_finite(visitors, cvr, aov):
    result = outcome(lambda: funnel.gmv(visitors, cvr, aov))
    if result is not None:
        finite_non_negative(result)


@PROPS
@given(
    visitors=amount,
    cvr=proportion,
    aov=amount,
    change=st.floats(min_value=-1, max_value=100, allow_nan=False),
)
def test_what_if_is_finite(visitors, cvr, aov, change):
    result = outcome(lambda: funnel.what_if(visitors, cvr, aov, visitors_change=change))
    if result is not None:
        finite_non_negative([result.gmv_before_cny, result.gmv_after_cny])
        assert math.isfinite(result.change_ratio) and result.change_ratio >= -1


@PROPS
@given(a=amount, b=amount, r=proportion)
def test_ads_unit_economics_are_finite(a, b, r):
    calls = [
        lambda: ads.cpm_cost(a, b),
        lambda: ads.cpc_cost(a, b),
        lambda: ads.ecpm(a, r),
        lambda: ads.break_even_ctr(a, b),
        lambda: ads.break_even_bid(a, r, r),
        lambda: ads.target_roas_bid(a, r, b),
        lambda: ads.roas(a, b),
        lambda: ads.break_even_roas(r),
    ]
    for call in calls:
        result = outcome(call)
        if result is not None:
            finite_non_negative(result)


@PROPS
@given(own_bid=amount, own_q=amount, next_bid=amount, next_q=amount)
def test_actual_cpc_is_finite_and_at_most_the_bid(own_bid, own_q, next_bid, next_q):
    price = outcome(
        lambda: ads.actual_cpc(
            own_bid_cny=own_bid,
            own_quality_score=own_q,
            next_bid_cny=next_bid,
            next_quality_score=next_q,
        )
    )
    if price is not None:
        finite_non_negative(price)
        assert price <= own_bid


@PROPS
@given(demand=amount, cpc=amount, budget=amount)
def test_simulate_day_costs_are_finite(demand, cpc, budget):
    day = outcome(lambda: ads.simulate_day([demand] * 24, cpc, budget))
    if day is not None:
        finite_non_negative(day.drop(columns="budget_exhausted"))
        summary = outcome(lambda: ads.pacing_summary(day))
        if summary is not None:
            finite_non_negative([summary.clicks, summary.cost_cny, summary.lost_share])


cart_line = st.tuples(
    st.sampled_from(["a", "b", "c"]), amount, st.one_of(st.integers(1, 5), st.integers(1, 2**62))
)


@PROPS
@given(
    lines=st.lists(cart_line, min_size=1, max_size=4),
    threshold=amount,
    off=amount,
    coupon=amount,
)
@pytest.mark.filterwarnings("ignore::casekit.errors.RuleNotInCartWarning")
def test_final_price_is_never_negative_or_infinite(lines, threshold, off, coupon):
    cart = [(item, price, qty, "S") for item, price, qty in lines]

    def price():
        rules = [campaign.Manjian(threshold, min(off, threshold))]
        return campaign.final_price(cart, rules=[*rules, campaign.StoreCoupon("S", 0, coupon)])

    result = outcome(price)
    if result is not None:
        finite_non_negative(result.items)
        finite_non_negative(
            [result.total_list_cny, result.total_discount_cny, result.total_final_cny]
        )
        assert result.total_final_cny <= result.total_list_cny


@PROPS
@given(base=st.one_of(amount, st.floats(), st.text(max_size=3), st.none()))
def test_manjian_discount_is_finite_and_at_most_the_base(base):
    off = outcome(lambda: campaign.Manjian(300, 40).discount_cny(base))
    if off is not None:
        finite_non_negative(off)
        assert off <= base


@PROPS
@given(ca=count, na=count, cb=count, nb=count)
def test_ab_statistics_are_finite_probabilities(ca, na, cb, nb):
    for method in ("exact", "monte_carlo"):
        p = outcome(
            lambda m=method: experiment.prob_b_beats_a(ca, na, cb, nb, method=m, draws=1000)
        )
        if p is not None:
            assert 0.0 <= p <= 1.0
    test = outcome(lambda: experiment.two_proportion_ztest(ca, na, cb, nb))
    if test is not None:
        assert 0.0 <= test.p_value <= 1.0
        finite_non_negative([test.ctr_a, test.ctr_b])


@PROPS
@given(ctr=proportion, lift=st.floats(min_value=1e-6, max_value=10, allow_nan=False))
def test_sample_size_is_a_whole_positive_number(ctr, lift):
    n = outcome(lambda: experiment.sample_size_per_group(ctr, lift))
    if n is not None:
        assert isinstance(n, int) and n >= 1


def test_the_checker_catches_what_it_should():
    with pytest.raises(AssertionError):
        finite_non_negative(float("inf"))
    with pytest.raises(AssertionError):
        finite_non_negative(pd.DataFrame({"x": [1.0, -0.01]}))
    assert RuleNotInCartWarning.__mro__[1] is UserWarning
