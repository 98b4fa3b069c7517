"""Tests of casekit.campaign: 618 calendar, coupon / 满减 / 定金 pricing, budget allocation."""

from __future__ import annotations

import datetime as dt
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize

from casekit import campaign as cp
from casekit.errors import (
    BadParameterError,
    EmptyDataError,
    MissingColumnError,
    RuleNotInCartWarning,
    SchemaViolationError,
    UnknownParameterError,
)

PROPS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --------------------------------------------------------------------------------------------
# 618 calendar
# --------------------------------------------------------------------------------------------


def test_calendar_default_2020():
    cal = cp.calendar_618(2020)
    assert cal["phase"].tolist() == ["备货期", "预售期", "品类日", "狂欢日"]
    assert cal["name_en"].tolist() == ["stocking", "presale", "category_days", "carnival"]
    assert cal["phase_order"].tolist() == [1, 2, 3, 4]
    assert cal["start"].dt.strftime("%m-%d").tolist() == ["05-01", "05-25", "06-01", "06-16"]
    assert cal["end"].dt.strftime("%m-%d").tolist() == ["05-24", "05-31", "06-15", "06-18"]
    # 1–24 May = 24 days, 25–31 May = 7, 1–15 June = 15, 16–18 June = 3
    assert cal["days"].tolist() == [24, 7, 15, 3]
    assert str(cal["start"].dtype) == "datetime64[ns]"


def test_calendar_overrides():
    cal = cp.calendar_618(
        2021,
        phases={
            "presale": ("2021-05-24", "2021-05-31"),
            "品类日": (dt.date(2021, 6, 4), "2021-06-15"),
        },
    )
    by = cal.set_index("phase")
    assert by.loc["预售期", "start"] == pd.Timestamp("2021-05-24")
    assert by.loc["品类日", "days"] == 12
    assert by.loc["狂欢日", "start"] == pd.Timestamp("2021-06-16")  # default kept
    # 备货期 follows the presale: the 24 days before 05-24 = 04-30..05-23
    assert by.loc["备货期", "start"] == pd.Timestamp("2021-04-30")
    assert by.loc["备货期", "end"] == pd.Timestamp("2021-05-23")
    # ...unless it is given: then an overlap is an error
    with pytest.raises(
        BadParameterError, match="预售期 starts 2021-05-24 but 备货期 ends 2021-05-24"
    ):
        cp.calendar_618(
            2021,
            phases={"预售期": ("2021-05-24", "2021-05-31"), "备货期": ("2021-05-01", "2021-05-24")},
        )


def test_calendar_bad_inputs():
    with pytest.raises(BadParameterError, match="end date on or after"):
        cp.calendar_618(2020, phases={"狂欢日": ("2020-06-18", "2020-06-16")})
    with pytest.raises(BadParameterError, match="do not overlap"):
        cp.calendar_618(2020, phases={"品类日": ("2020-06-01", "2020-06-17")})
    with pytest.raises(BadParameterError, match="phase names among"):
        cp.calendar_618(2020, phases={"双11": ("2020-11-01", "2020-11-11")})
    with pytest.raises(BadParameterError, match="pair of dates"):
        cp.calendar_618(2020, phases={"狂欢日": "2020-06-18"})
    with pytest.raises(BadParameterError, match="a date such as"):
        cp.calendar_618(2020, phases={"狂欢日": ("2020-06-16", "june 31st")})
    with pytest.raises(BadParameterError, match="year"):
        cp.calendar_618(20.5)


def test_phase_of():
    cal = cp.calendar_618(2020)
    assert cp.phase_of("2020-06-18", cal) == "狂欢日"  # end dates are inclusive
    assert cp.phase_of("2020-05-25", cal) == "预售期"
    assert cp.phase_of("2020-06-19", cal) is None
    # 2020-06-15 17:00 UTC is 06-16 01:00 in Beijing -> 狂欢日
    assert cp.phase_of(pd.Timestamp("2020-06-15 17:00", tz="UTC"), cal) == "狂欢日"
    s = cp.phase_of(["2020-05-01", "2020-06-15", "2020-07-01"], cal)
    assert s.iloc[:2].tolist() == ["备货期", "品类日"] and pd.isna(s.iloc[2])
    with pytest.raises(MissingColumnError, match="end"):
        cp.phase_of("2020-06-18", cal.drop(columns="end"))
    with pytest.raises(BadParameterError, match="date"):
        cp.phase_of(20200618, cal)
    with pytest.raises(EmptyDataError):
        cp.phase_of("2020-06-18", cal.iloc[:0])


# --------------------------------------------------------------------------------------------
# 满减 parsing and rules
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "threshold", "off", "repeat"),
    [
        ("每满300减40", 300, 40, True),
        ("满200减20", 200, 20, False),
        (" 每满 300 元 减 40 元，上不封顶", 300, 40, True),
        ("满99.5减10", 99.5, 10, False),
    ],
)
def test_parse_manjian(text, threshold, off, repeat):
    r = cp.parse_manjian(text)
    assert (r.threshold_cny, r.off_cny, r.repeat) == (threshold, off, repeat)


@pytest.mark.parametrize("text", ["满300送40", "每满300", "满40减300", "满0减0", "300-40", "", 300])
def test_parse_manjian_rejects_bad_strings(text):
    with pytest.raises(BadParameterError, match="每满X减Y"):
        cp.parse_manjian(text)


def test_manjian_discount_maths():
    # 每满300减40 on 899: floor(899/300) = 2 -> 80; 满300减40 once -> 40; capped at 60 -> 60
    assert cp.Manjian(300, 40).discount_cny(899) == 80
    assert cp.Manjian(300, 40, repeat=False).discount_cny(899) == 40
    assert cp.Manjian(300, 40, cap_cny=60).discount_cny(899) == 60
    assert cp.Manjian(300, 40).discount_cny(299.99) == 0
    assert cp.Manjian(300, 40, cap_cny=60).label == "每满300减40 (最多减60)"


def test_rule_objects_validate():
    with pytest.raises(BadParameterError, match="exactly one of rate"):
        cp.ItemDiscount("A")
    with pytest.raises(BadParameterError, match="exactly one of rate"):
        cp.ItemDiscount("A", rate=0.9, off_cny=10)
    with pytest.raises(BadParameterError, match=r"write 3% as 0\.03"):
        cp.ItemDiscount("A", rate=9)
    with pytest.raises(BadParameterError, match="worth_cny"):
        cp.PresaleDeposit("A", deposit_cny=100, worth_cny=50)
    with pytest.raises(BadParameterError, match="off_cny"):
        cp.StoreCoupon("S", threshold_cny=100, off_cny=0)
    with pytest.raises(BadParameterError, match="threshold_cny"):
        cp.Manjian(300, 400)


# --------------------------------------------------------------------------------------------
# final_price
# --------------------------------------------------------------------------------------------

CART = [("面霜", 399.0, 1, "A"), ("精华", 599.0, 2, "A"), ("T恤", 99.0, 3, "B")]
RULES = [
    cp.ItemDiscount("T恤", rate=0.9),
    cp.PresaleDeposit("精华", deposit_cny=50, worth_cny=100),
    cp.StoreCoupon("A", threshold_cny=1000, off_cny=80),
    cp.StoreCoupon("A", threshold_cny=500, off_cny=30),
    "每满300减40",
]


def test_final_price_worked_example():
    # list: 399 + 2×599 + 3×99 = 1,894
    # 1 单品折扣: T恤 9折 -> 89.10 each, saves 3 × 9.90 = 29.70
    # 2 定金50抵100: 精华 pays 50 + (599 − 100) = 549 each, saves 2 × 50 = 100
    # 3 store A subtotal 399 + 1,098 = 1,497 ≥ 1,000 -> best coupon 80 (not 30), allocated
    #   over what is still to pay: 399 and 1,098 − 100 deposit = 998 (total 1,397):
    #   399/1397 × 80 = 22.85 and 998/1397 × 80 = 57.15
    # 4 cart 1,417 + 267.30 = 1,684.30 -> floor(1684.3/300) = 5 × 40 = 200,
    #   so 1,684.30 → 1,484.30
    r = cp.final_price(CART, rules=RULES)
    assert r.total_list_cny == 1894
    assert r.total_final_cny == pytest.approx(1484.30)
    assert r.total_discount_cny == pytest.approx(409.70)
    assert r.deposit_cny == 100
    items = r.items.set_index("item")
    assert items.loc["T恤", "item_discount_cny"] == pytest.approx(29.70)
    assert items.loc["精华", "deposit_bonus_cny"] == 100
    assert items.loc["面霜", "store_coupon_cny"] == pytest.approx(22.85)
    assert items.loc["精华", "store_coupon_cny"] == pytest.approx(57.15)
    assert items["manjian_cny"].sum() == pytest.approx(200)
    assert items.loc["T恤", "store_coupon_cny"] == 0  # store B has no coupon
    assert r.rules["rule_type"].tolist() == ["单品折扣", "定金膨胀", "店铺优惠券", "跨店满减"]
    assert r.rules["discount_cny"].tolist() == pytest.approx([29.7, 100, 80, 200])
    assert r.rules["base_cny"].tolist() == pytest.approx([297, 1198, 1497, 1684.3])
    assert r.rules["rule"].tolist() == [
        "9折 (T恤)",
        "定金50抵100 (精华)",
        "满1000减80 (A)",
        "每满300减40",
    ]
    # per-line identity: list − each step = final
    steps = ["item_discount_cny", "deposit_bonus_cny", "store_coupon_cny", "manjian_cny"]
    np.testing.assert_allclose(
        r.items["list_amount_cny"] - r.items[steps].sum(axis=1), r.items["final_amount_cny"]
    )
    assert (r.items["final_amount_cny"] >= r.items["deposit_paid_cny"]).all()


def test_final_price_without_rules_is_list_price():
    r = cp.final_price(
        pd.DataFrame(CART, columns=["item", "list_price_cny", "qty", "store"]), rules=[]
    )
    assert r.total_final_cny == r.total_list_cny == 1894
    assert r.rules.empty


def test_final_price_caps_and_best_rules():
    cart = [("袜子", 20.0, 1, "S")]
    # 立减 30 on a 20 item -> 0, never negative; the better of 9折 / 立减30 wins
    r = cp.final_price(cart, rules=[cp.ItemDiscount(rate=0.9), cp.ItemDiscount("袜子", off_cny=30)])
    assert r.total_final_cny == 0
    assert r.rules["rule"].tolist() == ["立减30元 (袜子)"]
    # a 无门槛 coupon bigger than the subtotal takes it to 0, not below
    r = cp.final_price(cart, rules=[cp.StoreCoupon("S", 0, 50)])
    assert r.total_final_cny == 0 and r.rules["discount_cny"].tolist() == [20]
    # deposit worth more than the price: balance 0, pays the deposit only
    r = cp.final_price(cart, rules=[cp.PresaleDeposit("袜子", deposit_cny=5, worth_cny=30)])
    assert r.total_final_cny == 5 and r.deposit_cny == 5
    # coupons reduce only the balance (尾款) of a presale line: 100 CNY item, 定金50抵60 ->
    # pays 50 + 40 = 90; a 无门槛 80 coupon can take off only the 40 balance -> 50 = deposit
    cart3 = [("面霜", 100.0, 1, "S")]
    r = cp.final_price(
        cart3, rules=[cp.PresaleDeposit("面霜", 50, 60), cp.StoreCoupon("S", 0, 80), "满10减5"]
    )
    assert r.total_final_cny == 50 and r.deposit_cny == 50
    assert r.rules["discount_cny"].tolist() == [10, 40]  # 满10减5 had nothing left to reduce
    # 满 (once) vs 每满: the rule saving more is used
    cart2 = [("大衣", 700.0, 1, "S")]
    r = cp.final_price(cart2, rules=["满300减50", "每满300减40"])
    assert r.total_final_cny == 620 and r.rules["rule"].tolist() == ["每满300减40"]


def test_final_price_accepts_dict_rules():
    rules = [
        {"type": "item_discount", "item": "T恤", "rate": 0.9},
        {"type": "deposit", "item": "精华", "deposit_cny": 50, "worth_cny": 100},
        {"type": "store_coupon", "store": "A", "threshold_cny": 1000, "off_cny": 80},
        {"type": "manjian", "text": "每满300减40"},
    ]
    assert cp.final_price(CART, rules=rules).total_final_cny == pytest.approx(1484.30)
    r = cp.final_price(CART, rules=[{"type": "manjian", "threshold_cny": 300, "off_cny": 40}])
    assert r.rules["discount_cny"].tolist() == [240]  # floor(1894/300) = 6 × 40


def test_final_price_bad_inputs():
    with pytest.raises(BadParameterError, match="rules\\[0\\]\\['type'\\]"):
        cp.final_price(CART, rules=[{"type": "秒杀"}])
    with pytest.raises(UnknownParameterError, match="discount"):
        cp.final_price(CART, rules=[{"type": "store_coupon", "store": "A", "discount": 5}])
    with pytest.raises(BadParameterError, match="rules\\[0\\]"):
        cp.final_price(CART, rules=[{"type": "store_coupon", "store": "A"}])
    with pytest.raises(BadParameterError, match="rules\\[1\\]"):
        cp.final_price(CART, rules=["每满300减40", 42])
    with pytest.raises(BadParameterError, match="list of rules"):
        cp.final_price(CART, rules="每满300减40")
    with pytest.raises(BadParameterError, match="rows of"):
        cp.final_price([("A", 10.0, 1)], rules=[])
    with pytest.raises(SchemaViolationError, match="qty"):
        cp.final_price([("A", 10.0, 1.5, "S")], rules=[])
    with pytest.raises(SchemaViolationError, match="qty"):
        cp.final_price([("A", 10.0, 0, "S")], rules=[])
    with pytest.raises(SchemaViolationError, match="list_price_cny"):
        cp.final_price([("A", -10.0, 1, "S")], rules=[])
    with pytest.raises(MissingColumnError, match="store"):
        cp.final_price(pd.DataFrame({"item": ["A"], "list_price_cny": [1.0], "qty": [1]}), rules=[])
    with pytest.raises(EmptyDataError):
        cp.final_price([], rules=[])


money = st.integers(0, 200_000).map(lambda f: f / 100)
item_names = st.sampled_from(["a", "b", "c", "d"])
store_names = st.sampled_from(["S1", "S2", "S3"])
rule_strategy = st.one_of(
    st.builds(cp.ItemDiscount, item=st.one_of(st.none(), item_names), rate=st.floats(0.01, 1)),
    st.builds(cp.ItemDiscount, item=item_names, off_cny=money),
    st.integers(1, 50_000).flatmap(
        lambda d: st.builds(
            cp.PresaleDeposit,
            item=item_names,
            deposit_cny=st.just(d / 100),
            worth_cny=st.integers(d, 100_000).map(lambda w: w / 100),
        )
    ),
    st.builds(cp.StoreCoupon, store=store_names, threshold_cny=money, off_cny=money.filter(bool)),
    st.integers(100, 100_000).flatmap(
        lambda x: st.builds(
            cp.Manjian,
            threshold_cny=st.just(x / 100),
            off_cny=st.integers(1, x).map(lambda y: y / 100),
            repeat=st.booleans(),
        )
    ),
)


@pytest.mark.filterwarnings("ignore::casekit.errors.RuleNotInCartWarning")
@PROPS
@given(
    cart=st.lists(
        st.tuples(item_names, money, st.integers(1, 5), store_names), min_size=1, max_size=6
    ),
    rules=st.lists(rule_strategy, max_size=6),
)
def test_final_price_never_negative_never_above_list(cart, rules):
    r = cp.final_price(cart, rules=rules)
    items = r.items
    assert (items["final_amount_cny"] >= 0).all()
    assert (items["final_amount_cny"] <= items["list_amount_cny"] + 1e-9).all()
    steps = ["item_discount_cny", "deposit_bonus_cny", "store_coupon_cny", "manjian_cny"]
    assert (items[steps] >= 0).all().all()
    # lines and rules add up to the totals (to the 分)
    assert round(items["final_amount_cny"].sum() * 100) == round(r.total_final_cny * 100)
    assert round(r.rules["discount_cny"].sum() * 100) == round(r.total_discount_cny * 100)
    assert round((r.total_list_cny - r.total_discount_cny) * 100) == round(r.total_final_cny * 100)
    assert (items["deposit_paid_cny"] <= items["final_amount_cny"] + 1e-9).all()


# --------------------------------------------------------------------------------------------
# Budget allocation
# --------------------------------------------------------------------------------------------


def test_allocate_budget_worked_example():
    # revenue_i = a_i (1 − exp(−x_i / b_i)); marginal = (a_i/b_i) exp(−x_i/b_i).
    # a = 1000, 2000; b = 100, 200 -> both start at 10 CNY per CNY; equal marginals need
    # x1/100 = x2/200, so with 300 CNY: x1 = 100, x2 = 200 (marginal 10/e = 3.68).
    curves = {"直通车": cp.ExponentialCurve(1000, 100), "引力魔方": cp.ExponentialCurve(2000, 200)}
    out = cp.allocate_budget(300, curves, step_cny=1)
    assert out["tool"].tolist() == ["直通车", "引力魔方"]
    assert out["spend_cny"].tolist() == pytest.approx([100, 200], abs=1)
    assert out["spend_cny"].sum() == 300
    assert out["expected_revenue_cny"].iloc[0] == pytest.approx(1000 * (1 - np.exp(-1)), rel=0.01)
    assert out["marginal_roas"].tolist() == pytest.approx([10 / np.e] * 2, rel=0.01)


def test_allocate_budget_identical_tools_split_evenly_and_bounds():
    curve = cp.HillCurve(vmax_cny=50_000, half_sat_cny=10_000)
    out = cp.allocate_budget(30_000, {"A": curve, "B": curve, "C": curve}, step_cny=100)
    assert out["spend_cny"].tolist() == [10_000, 10_000, 10_000]
    # Hill at k: revenue = vmax/2 = 25,000 each
    assert out["expected_revenue_cny"].tolist() == pytest.approx([25_000] * 3)
    out = cp.allocate_budget(
        30_000,
        {"A": curve, "B": curve, "C": curve},
        min_spend={"A": 20_000},
        max_spend=25_000,
        step_cny=100,
    )
    assert out["spend_cny"].tolist() == [20_000, 5_000, 5_000]
    # a budget that is not a multiple of the step still adds up to the 分
    out = cp.allocate_budget(1000.37, {"A": curve, "B": curve}, step_cny=100)
    assert round(out["spend_cny"].sum() * 100) == 100_037


def test_allocate_budget_dict_curves_and_default_step():
    out = cp.allocate_budget(
        10_000,
        {
            "A": {"kind": "hill", "vmax_cny": 40_000, "half_sat_cny": 5_000, "shape": 0.8},
            "B": {"kind": "exponential", "vmax_cny": 20_000, "scale_cny": 3_000},
        },
    )
    assert out["spend_cny"].sum() == 10_000
    assert (out["spend_cny"] % 10 == 0).all()  # default step = 1/1000 of the budget = 10 CNY


def test_allocate_budget_bad_inputs():
    c = {"A": cp.ExponentialCurve(1000, 100), "B": cp.ExponentialCurve(1000, 100)}
    with pytest.raises(BadParameterError, match="at most the budget"):
        cp.allocate_budget(100, c, min_spend=60)
    with pytest.raises(BadParameterError, match="at least the budget"):
        cp.allocate_budget(100, c, max_spend=40)
    with pytest.raises(BadParameterError, match="at most max_spend"):
        cp.allocate_budget(100, c, min_spend={"A": 50}, max_spend={"A": 40})
    with pytest.raises(BadParameterError, match="tool names among A, B"):
        cp.allocate_budget(100, c, min_spend={"直通车": 10})
    with pytest.raises(BadParameterError, match="whole 分"):
        cp.allocate_budget(100.001, c)
    with pytest.raises(BadParameterError, match="at most 1,000,000 steps"):
        cp.allocate_budget(100_000_000, c, step_cny=0.01)
    with pytest.raises(BadParameterError, match="total_budget_cny"):
        cp.allocate_budget(-5, c)
    with pytest.raises(BadParameterError, match="non-empty dict"):
        cp.allocate_budget(100, {})
    with pytest.raises(BadParameterError, match="'hill' or 'exponential'"):
        cp.allocate_budget(100, {"A": {"kind": "linear"}})
    with pytest.raises(UnknownParameterError, match="vmax"):
        cp.allocate_budget(100, {"A": {"kind": "hill", "vmax": 5}})
    with pytest.raises(BadParameterError, match="half_sat_cny"):
        cp.HillCurve(100, 0)


concave_curve = st.one_of(
    st.builds(
        cp.HillCurve,
        vmax_cny=st.floats(1_000, 1_000_000),
        half_sat_cny=st.floats(500, 50_000),
        shape=st.floats(0.3, 1.0),
    ),
    st.builds(
        cp.ExponentialCurve, vmax_cny=st.floats(1_000, 1_000_000), scale_cny=st.floats(500, 50_000)
    ),
)


@PROPS
@given(
    curves=st.lists(concave_curve, min_size=1, max_size=4),
    budget_fen=st.integers(0, 10_000_000),
    step_fen=st.integers(1, 500_000),
    data=st.data(),
)
def test_allocation_sums_to_budget_within_bounds(curves, budget_fen, step_fen, data):
    tools = [f"t{i}" for i in range(len(curves))]
    budget = budget_fen / 100
    lo = {t: data.draw(st.integers(0, budget_fen // len(tools))) / 100 for t in tools}
    hi = {t: lo[t] + data.draw(st.integers(0, budget_fen)) / 100 for t in tools}
    assume(sum(hi.values()) >= budget)
    assume((budget_fen - sum(lo.values()) * 100) / step_fen <= 20_000)
    out = cp.allocate_budget(
        budget,
        dict(zip(tools, curves, strict=True)),
        min_spend=lo,
        max_spend=hi,
        step_cny=step_fen / 100,
    )
    assert round(out["spend_cny"].sum() * 100) == budget_fen
    assert out["spend_cny"].sum() == pytest.approx(budget, abs=1e-6)
    for t, s in zip(out["tool"], out["spend_cny"], strict=True):
        assert lo[t] - 1e-9 <= s <= hi[t] + 1e-9
    assert (out["expected_revenue_cny"] >= 0).all()


@PROPS
@given(
    curves=st.lists(concave_curve, min_size=2, max_size=4),
    n_steps=st.integers(0, 300),
    factor=st.floats(1.01, 5),
)
def test_better_curve_never_gets_less_spend(curves, n_steps, factor):
    # For concave curves on the step grid (budget a multiple of the step, no bounds), scaling
    # a tool's curve up multiplies every one of its step gains, so it can only win more steps.
    step = 100.0
    named = {f"t{i}": c for i, c in enumerate(curves)}
    before = cp.allocate_budget(n_steps * step, named, step_cny=step)
    c0 = curves[0]
    better = (
        cp.HillCurve(c0.vmax_cny * factor, c0.half_sat_cny, c0.shape)
        if isinstance(c0, cp.HillCurve)
        else cp.ExponentialCurve(c0.vmax_cny * factor, c0.scale_cny)
    )
    after = cp.allocate_budget(n_steps * step, {**named, "t0": better}, step_cny=step)
    assert after["spend_cny"].iloc[0] >= before["spend_cny"].iloc[0]


@settings(max_examples=15, deadline=None)
@given(curves=st.lists(concave_curve, min_size=2, max_size=3), budget=st.integers(1_000, 100_000))
def test_greedy_matches_scipy_slsqp(curves, budget):
    # The continuous optimum found by SLSQP is at most one step's worth of revenue better.
    named = {f"t{i}": c for i, c in enumerate(curves)}
    step = budget / 1000
    out = cp.allocate_budget(budget, named, step_cny=round(step, 2))
    greedy = out["expected_revenue_cny"].sum()

    def neg(x):
        return -sum(float(c.revenue_cny(max(v, 0.0))) for c, v in zip(curves, x, strict=True))

    n = len(curves)
    res = minimize(
        neg,
        np.full(n, budget / n),
        method="SLSQP",
        bounds=[(0, budget)] * n,
        constraints=[{"type": "eq", "fun": lambda x: x.sum() - budget}],
    )
    best = -res.fun
    assert greedy >= best - 1e-3 * max(best, 1.0)


# --------------------------------------------------------------------------------------------
# Hardened inputs (issue 17)
# --------------------------------------------------------------------------------------------


def test_big_carts_are_exact_not_negative():
    # 9e7 CNY = 9e9 分: the proportional split of the 满减 used to wrap around in int64
    r = cp.final_price([("x", 9e7, 1, "S")], rules=["每满300减40"])
    assert r.total_discount_cny == 12_000_000.0  # floor(9e7 / 300) × 40
    assert r.total_final_cny == 78_000_000.0
    r = cp.final_price(
        [("x", 9e12, 1, "S"), ("y", 1e11, 3, "S")],
        rules=["每满300减40", cp.StoreCoupon("S", 0, 7)],
    )
    assert (r.items["final_amount_cny"] >= 0).all()
    assert r.items["manjian_cny"].sum() == pytest.approx((9.3e12 - 7) // 300 * 40)
    assert r.total_final_cny + r.total_discount_cny == r.total_list_cny


def test_allocation_is_exact_beyond_int64_products():
    weights = [3 * 10**14, 10**14, 1]
    total = 10**14 - 1
    parts = cp._allocate_fen(total, np.array(weights, dtype="int64"))
    # reference: largest remainder in Python integers
    floors = [w * total // sum(weights) for w in weights]
    rema = [w * total % sum(weights) for w in weights]
    for i in sorted(range(3), key=lambda i: -rema[i])[: total - sum(floors)]:
        floors[i] += 1
    assert parts.tolist() == floors
    assert parts.sum() == total and (parts >= 0).all()


def test_carts_too_big_to_price_exactly_are_refused():
    with pytest.raises(SchemaViolationError, match=r"above the 1e\+13 CNY"):
        cp.final_price([("x", 100.0, 10**17, "S")], rules=[])
    with pytest.raises(SchemaViolationError, match="above the 1e\\+13 CNY"):
        cp.final_price([("x", 1e300, 1, "S")], rules=[])


@pytest.mark.parametrize("base", [-1, float("nan"), float("inf"), "300", None, True, 1e300])
def test_manjian_discount_rejects_bad_bases(base):
    with pytest.raises(BadParameterError, match="base_cny"):
        cp.Manjian(300, 40).discount_cny(base)


def test_manjian_discount_of_good_bases():
    assert cp.Manjian(300, 40).discount_cny(0) == 0
    assert cp.Manjian(300, 40).discount_cny(650) == 80
    assert cp.Manjian(300, 40, repeat=False).discount_cny(650) == 40


@pytest.mark.parametrize(
    "make, name",
    [
        (lambda: cp.Manjian(0.004, 0.004), "threshold_cny"),
        (lambda: cp.Manjian(300, 0.004), "off_cny"),
        (lambda: cp.Manjian(300, 40, cap_cny=0.001), "cap_cny"),
        (lambda: cp.StoreCoupon("A", 0, 0.004), "off_cny"),
        (lambda: cp.PresaleDeposit("x", 0.004, 10), "deposit_cny"),
    ],
)
def test_rule_amounts_below_one_fen_are_refused_at_construction(make, name):
    with pytest.raises(BadParameterError, match=f"{name}.*one 分"):
        make()


def test_rules_naming_a_store_or_item_not_in_the_cart_warn():
    cart = [("lipstick", 100.0, 1, "A")]
    with pytest.warns(RuleNotInCartWarning, match=r"rule 0 .*store 'B'.*stores: 'A'"):
        r = cp.final_price(cart, rules=[cp.StoreCoupon("B", 0, 10)])
    assert r.total_discount_cny == 0
    with pytest.warns(RuleNotInCartWarning, match=r"rule 1 .*item 'mascara'.*'lipstick'"):
        cp.final_price(cart, rules=["满50减5", cp.ItemDiscount("mascara", rate=0.9)])
    with pytest.warns(RuleNotInCartWarning, match="item 'mascara'"):
        cp.final_price(cart, rules=[cp.PresaleDeposit("mascara", 10, 20)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # rules for what is in the cart (or for all) are quiet
        cp.final_price(
            cart,
            rules=[cp.StoreCoupon("A", 0, 10), cp.ItemDiscount(rate=0.9), "满50减5"],
        )
