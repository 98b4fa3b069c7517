"""Tests of casekit.ads: GSP keyword auction, budgets and pacing, billing, click risk rules."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casekit import ads
from casekit.errors import (
    BadParameterError,
    EmptyDataError,
    MissingColumnError,
    SchemaViolationError,
)

BJ = "Asia/Shanghai"


# ------------------------------------------------------------------------------------------
# actual_cpc
# ------------------------------------------------------------------------------------------


def test_actual_cpc_worked_example():
    # next bid 1.80 × next quality 7 / own quality 8 + 0.01 = 1.575 + 0.01 = 1.585 (< bid 2.00)
    assert ads.actual_cpc(
        next_bid_cny=1.80, next_quality_score=7, own_quality_score=8, own_bid_cny=2.00
    ) == pytest.approx(1.585)


def test_actual_cpc_higher_quality_pays_less():
    # same competitor, own quality 10 instead of 8: 1.80 × 7 / 10 + 0.01 = 1.27
    assert ads.actual_cpc(
        next_bid_cny=1.80, next_quality_score=7, own_quality_score=10, own_bid_cny=2.00
    ) == pytest.approx(1.27)


def test_actual_cpc_never_above_own_bid():
    # a tie in ad rank: 2.00 × 8 / 8 + 0.01 = 2.01 > own bid 2.00 → capped at 2.00
    price = ads.actual_cpc(
        own_bid_cny=2.00, own_quality_score=8, next_bid_cny=2.00, next_quality_score=8
    )
    assert price == pytest.approx(2.00)


def test_actual_cpc_last_ranked_pays_reserve():
    assert ads.actual_cpc(
        next_bid_cny=None, next_quality_score=None, own_quality_score=8, own_bid_cny=2.00
    ) == pytest.approx(0.05)
    assert ads.actual_cpc(
        next_bid_cny=None,
        next_quality_score=None,
        own_quality_score=8,
        own_bid_cny=2.00,
        reserve_cpc_cny=0.10,
    ) == pytest.approx(0.10)


def test_actual_cpc_floor_at_reserve():
    # 0.05 × 1 / 10 + 0.01 = 0.015 < reserve 0.05 → 0.05
    assert ads.actual_cpc(
        next_bid_cny=0.05, next_quality_score=1, own_quality_score=10, own_bid_cny=1.00
    ) == pytest.approx(0.05)


def _cpc_args(next_bid, next_q, own_q, own_bid):
    return dict(
        next_bid_cny=next_bid,
        next_quality_score=next_q,
        own_quality_score=own_q,
        own_bid_cny=own_bid,
    )


@pytest.mark.parametrize(
    ("args", "name"),
    [
        ((1.0, 7, 0, 2.0), "own_quality_score"),
        ((1.0, 7, 8, -1.0), "own_bid_cny"),
        ((1.0, 7, 8, 0.01), "own_bid_cny"),  # below the 0.05 reserve
        ((1.0, None, 8, 2.0), "next_quality_score"),
        ((float("nan"), 7, 8, 2.0), "next_bid_cny"),
        (("1.0", 7, 8, 2.0), "next_bid_cny"),
        ((2.0, 9, 8, 2.0), "next_bid_cny"),  # 2.0 × 9 = 18 ranks above own 2.0 × 8 = 16
    ],
)
def test_actual_cpc_bad_parameters(args, name):
    with pytest.raises(BadParameterError, match=name):
        ads.actual_cpc(**_cpc_args(*args))


def test_actual_cpc_arguments_are_keyword_only_and_not_swappable():
    with pytest.raises(TypeError, match="positional"):
        ads.actual_cpc(1.80, 7, 8, 2.00)
    # own and next swapped: the "next" ad would rank above this one
    with pytest.raises(BadParameterError, match=r"ad rank 2 × 8 = 16 is above your own 1.8 × 7"):
        ads.actual_cpc(
            own_bid_cny=1.80, own_quality_score=7, next_bid_cny=2.00, next_quality_score=8
        )


# ------------------------------------------------------------------------------------------
# keyword_auction
# ------------------------------------------------------------------------------------------


def _bids() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "advertiser": ["甲", "乙", "丙", "丁", "戊"],
            "bid_cny": [2.00, 1.80, 3.00, 0.50, 0.04],
            "quality_score": [8, 7, 4, 6, 9],
        }
    )


def test_keyword_auction_worked_example():
    out = ads.keyword_auction(_bids(), slots=3, search_volume=1000)
    # ad rank: 甲 2.0×8 = 16, 乙 1.8×7 = 12.6, 丙 3.0×4 = 12, 丁 0.5×6 = 3; 戊 bids 0.04 < 0.05
    # reserve → does not enter. 丙 bids most but ranks third (low quality score).
    assert out["advertiser"].tolist() == ["甲", "乙", "丙", "丁", "戊"]
    assert out["ad_rank"].tolist() == pytest.approx([16, 12.6, 12, 3, 0.36])
    assert out["position"].tolist()[:3] == [1, 2, 3]
    assert out["position"].isna().tolist() == [False, False, False, True, True]
    assert out["rank"].tolist()[:4] == [1, 2, 3, 4] and pd.isna(out["rank"].iloc[4])
    assert out["status"].tolist() == ["shown"] * 3 + ["below_slots", "below_reserve"]
    # prices: 甲 1.8×7/8 + 0.01 = 1.585; 乙 3.0×4/7 + 0.01 = 1.724286;
    # 丙 0.5×6/4 + 0.01 = 0.76 (priced by 丁, who gets no slot)
    assert out["actual_cpc_cny"].iloc[:3].tolist() == pytest.approx([1.585, 1.7242857, 0.76])
    assert out["actual_cpc_cny"].iloc[3:].isna().all()
    # default CTR curve 0.05 × 0.75^(p−1): 0.05, 0.0375, 0.028125; × 1000 searches
    assert out["ctr"].tolist() == pytest.approx([0.05, 0.0375, 0.028125, 0, 0])
    assert out["expected_clicks"].tolist() == pytest.approx([50, 37.5, 28.125, 0, 0])
    # cost: 50 × 1.585 = 79.25; 37.5 × 1.7242857 = 64.660714; 28.125 × 0.76 = 21.375
    assert out["expected_cost_cny"].tolist() == pytest.approx([79.25, 64.660714, 21.375, 0, 0])
    assert out["impression_share"].tolist() == [1, 1, 1, 0, 0]
    assert out["expected_impressions"].tolist() == [1000, 1000, 1000, 0, 0]


def test_keyword_auction_last_entered_pays_reserve():
    out = ads.keyword_auction(_bids(), slots=10)
    # 丁 is the last ad that entered (戊 is below reserve): pays the 0.05 reserve
    assert out.loc[out["advertiser"] == "丁", "actual_cpc_cny"].item() == pytest.approx(0.05)
    assert out["position"].tolist()[:4] == [1, 2, 3, 4]


def test_keyword_auction_tie_breaking_is_deterministic():
    bids = pd.DataFrame(
        {
            "advertiser": ["c", "b", "a", "d"],
            "bid_cny": [1.0, 2.0, 1.0, 5.0],
            "quality_score": [10, 5, 10, 1],
        }
    )
    out = ads.keyword_auction(bids, slots=4)
    # all ad ranks are 10 (1×10, 2×5, 1×10, 5×1): higher quality first (a, c with 10),
    # equal quality → name ascending (a before c), then b (5), then d (1)
    assert out["advertiser"].tolist() == ["a", "c", "b", "d"]
    shuffled = ads.keyword_auction(bids.iloc[::-1], slots=4)
    assert shuffled["advertiser"].tolist() == ["a", "c", "b", "d"]
    # equal ad ranks: next-based price 1×10/10 + 0.01 = 1.01 > bid 1.00 → capped at the bid
    assert out["actual_cpc_cny"].iloc[0] == pytest.approx(1.00)


def test_keyword_auction_custom_curve_and_columns():
    bids = _bids().rename(columns={"advertiser": "shop", "bid_cny": "bid", "quality_score": "qs"})
    out = ads.keyword_auction(
        bids,
        slots=2,
        ctr_curve=[0.1, 0.05, 0.01],
        search_volume=200,
        advertiser_col="shop",
        bid_col="bid",
        quality_col="qs",
    )
    # 200 searches × 0.1 = 20 clicks, 200 × 0.05 = 10
    assert out["expected_clicks"].tolist()[:3] == pytest.approx([20, 10, 0])
    assert out["shop"].tolist()[:2] == ["甲", "乙"]


def test_keyword_auction_bad_inputs():
    with pytest.raises(MissingColumnError, match="quality_score"):
        ads.keyword_auction(_bids().drop(columns="quality_score"))
    with pytest.raises(EmptyDataError):
        ads.keyword_auction(_bids().iloc[:0])
    with pytest.raises(BadParameterError, match="DataFrame"):
        ads.keyword_auction([{"advertiser": "a"}])
    bad = _bids()
    bad.loc[0, "quality_score"] = 0
    with pytest.raises(SchemaViolationError, match="quality score > 0"):
        ads.keyword_auction(bad)
    bad = _bids()
    bad.loc[1, "bid_cny"] = -1.0
    with pytest.raises(SchemaViolationError, match="bid_cny"):
        ads.keyword_auction(bad)
    bad = _bids()
    bad.loc[1, "bid_cny"] = np.nan
    with pytest.raises(SchemaViolationError, match="NaN"):
        ads.keyword_auction(bad)
    dup = pd.concat([_bids(), _bids().iloc[:1]])
    with pytest.raises(SchemaViolationError, match="repeats '甲'"):
        ads.keyword_auction(dup)
    with pytest.raises(BadParameterError, match="at least 3 CTRs"):
        ads.keyword_auction(_bids(), slots=3, ctr_curve=[0.05, 0.03])
    with pytest.raises(BadParameterError, match="between 0 and 1"):
        ads.keyword_auction(_bids(), slots=2, ctr_curve=[5, 3])
    with pytest.raises(BadParameterError, match="slots"):
        ads.keyword_auction(_bids(), slots=0)
    with pytest.raises(BadParameterError, match="search_volume"):
        ads.keyword_auction(_bids(), search_volume=-5)


def test_default_ctr_curve():
    assert ads.default_ctr_curve(3).tolist() == pytest.approx([0.05, 0.0375, 0.028125])
    assert ads.default_ctr_curve(2, top_ctr=0.1, decay=0.5).tolist() == pytest.approx([0.1, 0.05])


bid_tables = st.integers(min_value=1, max_value=15).flatmap(
    lambda n: st.tuples(
        st.lists(st.floats(min_value=0.0, max_value=20.0), min_size=n, max_size=n),
        st.lists(st.integers(min_value=1, max_value=10), min_size=n, max_size=n),
    )
)


@settings(max_examples=150, deadline=None)
@given(table=bid_tables, slots=st.integers(min_value=1, max_value=12))
def test_auction_properties(table, slots):
    bids, quality = table
    df = pd.DataFrame(
        {
            "advertiser": [f"ad{i:02d}" for i in range(len(bids))],
            "bid_cny": np.round(bids, 2),
            "quality_score": quality,
        }
    )
    out = ads.keyword_auction(df, slots=slots)
    shown = out[out["status"] == "shown"]
    entered = out[out["rank"].notna()]
    # actual CPC never above own bid, never below the reserve
    assert (shown["actual_cpc_cny"] <= shown["bid_cny"] + 1e-12).all()
    assert (shown["actual_cpc_cny"] >= ads.MIN_CPC_CNY - 1e-12).all()
    # positions are 1..k, unique, k = min(slots, ads entered)
    k = min(slots, int((df["bid_cny"] >= ads.MIN_CPC_CNY).sum()))
    assert shown["position"].tolist() == list(range(1, k + 1))
    # ad rank ordering respected: non-increasing along rank
    assert (np.diff(entered["ad_rank"].to_numpy()) <= 1e-12).all()
    # the price keeps each ad's rank at least at the next one's, unless capped by the bid
    price = entered["actual_cpc_cny"].to_numpy()[:-1]
    own_q = entered["quality_score"].to_numpy()[:-1]
    next_rank = entered["ad_rank"].to_numpy()[1:]
    bid = entered["bid_cny"].to_numpy()[:-1]
    ok = np.isnan(price) | (price * own_q >= next_rank - 1e-9) | np.isclose(price, bid)
    assert ok.all()
    assert (out["expected_cost_cny"] >= 0).all()


# ------------------------------------------------------------------------------------------
# simulate_day and pacing_summary
# ------------------------------------------------------------------------------------------


def test_simulate_day_standard_delivery_runs_out_at_14():
    # 标准投放 (standard delivery) buys traffic as it comes.
    # 10 clicks every hour at 1 CNY, budget 150: hours 0..14 buy 15 × 10 = 150 clicks,
    # the budget is gone at the end of hour 14 (14:00–15:00); hours 15..23 lose 9 × 10 = 90
    hourly = ads.simulate_day([10] * 24, 1.0, 150, pacing="standard")
    assert hourly.columns.tolist() == [
        "hour",
        "demand_clicks",
        "clicks",
        "clicks_lost",
        "cost_cny",
        "cumulative_cost_cny",
        "budget_exhausted",
    ]
    assert hourly["hour"].tolist() == list(range(24))
    assert hourly["clicks"].tolist() == [10.0] * 15 + [0.0] * 9
    assert hourly["cumulative_cost_cny"].iloc[14] == pytest.approx(150)
    summary = ads.pacing_summary(hourly)
    assert summary.exhausted_hour == 14
    assert summary.clicks == pytest.approx(150)
    assert summary.clicks_lost == pytest.approx(90)
    assert summary.cost_cny == pytest.approx(150)
    assert summary.lost_share == pytest.approx(90 / 240)


def test_simulate_day_even_pacing_spreads_budget():
    # 匀速投放 (even pacing): total demand 240 clicks × 1 CNY = 240 > 150: every hour keeps
    # 150 / 240 = 0.625 of its clicks (6.25), spend lasts until hour 23; clicks lost 240 − 150 = 90
    hourly = ads.simulate_day([10] * 24, 1.0, 150, pacing="even")
    assert hourly["clicks"].tolist() == pytest.approx([6.25] * 24)
    summary = ads.pacing_summary(hourly)
    assert summary.exhausted_hour == 23
    assert summary.clicks_lost == pytest.approx(90)
    assert hourly["cost_cny"].sum() == pytest.approx(150)


def test_simulate_day_hourly_cpc_changes_the_outcome():
    # CPC 0.5 for hours 0–11 and 2.0 for 12–23, demand 10/hour, budget 120.
    # Demand cost = 120 × 0.5 + 120 × 2 = 300.
    # standard delivery: hours 0–11 cost 60 (120 clicks); hours 12, 13, 14 cost 20 each → 120
    #   at hour 14; clicks 120 + 30 = 150.
    # even pacing: factor 120 / 300 = 0.4 of 240 clicks = 96 clicks.
    cpc = [0.5] * 12 + [2.0] * 12
    fast = ads.pacing_summary(ads.simulate_day([10] * 24, cpc, 120, pacing="standard"))
    even = ads.pacing_summary(ads.simulate_day([10] * 24, cpc, 120, pacing="even"))
    assert (fast.exhausted_hour, fast.clicks) == (14, pytest.approx(150))
    assert (even.exhausted_hour, even.clicks) == (23, pytest.approx(96))


def test_simulate_day_names_match_zhitongche():
    # 直通车: 标准投放 = standard delivery (as traffic comes), 匀速投放 = even pacing.
    # The default is even pacing; "accelerated" is an older name for standard delivery.
    args = ([10] * 24, 1.0, 150)
    default = ads.simulate_day(*args)
    even = ads.simulate_day(*args, pacing="even")
    standard = ads.simulate_day(*args, pacing="standard")
    pd.testing.assert_frame_equal(default, even)
    pd.testing.assert_frame_equal(standard, ads.simulate_day(*args, pacing="accelerated"))
    assert ads.pacing_summary(standard).exhausted_hour == 14
    assert ads.pacing_summary(even).exhausted_hour == 23


def test_simulate_day_with_ctr_and_series_input():
    # 1000 impressions per hour × CTR 1% = 10 clicks per hour; budget covers everything
    traffic = pd.Series([1000] * 24, index=list(range(23, -1, -1)))
    hourly = ads.simulate_day(traffic, 1.0, 1000, ctr=0.01)
    assert hourly["demand_clicks"].tolist() == pytest.approx([10] * 24)
    summary = ads.pacing_summary(hourly)
    assert summary.exhausted_hour is None and summary.clicks_lost == 0
    assert not hourly["budget_exhausted"].any()


def test_simulate_day_series_reordered_by_hour():
    demand = pd.Series(np.arange(24.0), index=np.arange(24)[::-1])  # hour 23 → 0 clicks
    hourly = ads.simulate_day(demand, 1.0, 10_000)
    assert hourly["demand_clicks"].tolist() == list(np.arange(24.0)[::-1])


def test_simulate_day_zero_budget():
    hourly = ads.simulate_day([5] * 24, 1.0, 0, pacing="accelerated")
    assert hourly["clicks"].sum() == 0 and hourly["budget_exhausted"].all()
    assert ads.pacing_summary(hourly).exhausted_hour == 0


def test_simulate_day_on_generated_traffic_profile():
    # hourly traffic built from a small generated pv log: Beijing hour of each page view
    rng = np.random.default_rng(7)
    seconds = rng.integers(1511539200, 1511539200 + 86400, 5000)  # 2017-11-25 00:00 UTC+8
    events = pd.DataFrame(
        {"user_id": rng.integers(1, 300, 5000), "behavior_type": "pv", "timestamp": seconds}
    )
    hours = pd.to_datetime(events["timestamp"], unit="s", utc=True).dt.tz_convert(BJ).dt.hour
    pv_by_hour = hours.value_counts().reindex(range(24), fill_value=0)
    hourly = ads.simulate_day(pv_by_hour, 0.8, 50, ctr=0.02, pacing="accelerated")
    # 5000 pv × 2% = 100 clicks × 0.8 = 80 CNY of demand > budget 50 → 62.5 clicks bought
    assert hourly["demand_clicks"].sum() == pytest.approx(100)
    assert hourly["clicks"].sum() == pytest.approx(62.5)
    assert ads.pacing_summary(hourly).exhausted_hour is not None


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"daily_budget_cny": -1}, "daily_budget_cny"),
        ({"cpc_cny": 0}, "cpc_cny"),
        ({"cpc_cny": [1.0] * 23}, "cpc_cny"),
        ({"hourly_clicks": [1] * 23}, "hourly_clicks"),
        ({"hourly_clicks": [1] * 23 + [-1]}, r"hourly_clicks\[23\]"),
        ({"hourly_clicks": [1] * 23 + [float("nan")]}, "hourly_clicks"),
        ({"hourly_clicks": "24 numbers"}, "hourly_clicks"),
        ({"pacing": "fast"}, "pacing"),
        ({"ctr": 3}, "ctr"),
    ],
)
def test_simulate_day_bad_parameters(kwargs, name):
    args = {"hourly_clicks": [10] * 24, "cpc_cny": 1.0, "daily_budget_cny": 100, **kwargs}
    with pytest.raises(BadParameterError, match=name):
        ads.simulate_day(**args)


def test_simulate_day_negative_budget_message():
    with pytest.raises(BadParameterError, match=r"'daily_budget_cny' \(日限额\) is -5"):
        ads.simulate_day([10] * 24, 1.0, -5)


@settings(max_examples=150, deadline=None)
@given(
    demand=st.lists(st.floats(min_value=0, max_value=500), min_size=24, max_size=24),
    cpc=st.floats(min_value=0.05, max_value=10),
    budget=st.floats(min_value=0, max_value=5000),
    pacing=st.sampled_from(["even", "standard", "accelerated"]),
)
def test_simulate_day_properties(demand, cpc, budget, pacing):
    hourly = ads.simulate_day(demand, cpc, budget, pacing=pacing)
    total_demand_cost = sum(demand) * cpc
    # cost never exceeds the budget; spend = min(budget, what the traffic could cost)
    assert hourly["cost_cny"].sum() <= budget + 1e-9 * max(budget, 1)
    assert hourly["cumulative_cost_cny"].max() <= budget
    assert hourly["cost_cny"].sum() == pytest.approx(min(budget, total_demand_cost), abs=1e-6)
    assert (hourly["clicks"] <= hourly["demand_clicks"] + 1e-9).all()
    assert (hourly["clicks"] >= 0).all()
    assert (np.diff(hourly["cumulative_cost_cny"]) >= -1e-9).all()
    # once exhausted, stays exhausted
    flags = hourly["budget_exhausted"].to_numpy()
    if flags.any():
        assert flags[flags.argmax() :].all()


# ------------------------------------------------------------------------------------------
# Bids from unit economics, billing
# ------------------------------------------------------------------------------------------


def test_break_even_and_target_roas_bids():
    # AOV 200 × margin 30% × CVR 2% = 1.20 CNY per click
    assert ads.break_even_bid(200, 0.3, 0.02) == pytest.approx(1.20)
    # AOV 200 × CVR 2% / ROAS 4 = 1.00 CNY
    assert ads.target_roas_bid(200, 0.02, 4) == pytest.approx(1.00)
    # target ROAS = 1 / margin reproduces the break-even bid
    assert ads.target_roas_bid(200, 0.02, ads.break_even_roas(0.3)) == pytest.approx(1.20)
    assert ads.roas(1000, 250) == pytest.approx(4.0)
    assert ads.break_even_roas(0.25) == pytest.approx(4.0)


def test_unit_economics_bad_parameters():
    with pytest.raises(BadParameterError, match="margin_rate"):
        ads.break_even_bid(200, 30, 0.02)
    with pytest.raises(BadParameterError, match="cvr"):
        ads.break_even_bid(200, 0.3, -0.1)
    with pytest.raises(BadParameterError, match="target_roas"):
        ads.target_roas_bid(200, 0.02, 0)
    with pytest.raises(BadParameterError, match="cost_cny"):
        ads.roas(100, 0)
    with pytest.raises(BadParameterError, match="margin_rate"):
        ads.break_even_roas(0)


def test_billing_worked_examples():
    assert ads.cpm_cost(250_000, 6) == pytest.approx(1500)  # 250 thousand × 6 CNY
    assert ads.cpc_cost(300, 0.8) == pytest.approx(240)  # 300 × 0.8
    assert ads.ecpm(0.8, 0.02) == pytest.approx(16)  # 0.8 × 0.02 × 1000
    assert ads.break_even_ctr(6, 0.8) == pytest.approx(0.0075)  # 6 / (0.8 × 1000)


def test_compare_billing_switches_at_break_even_ctr():
    out = ads.compare_billing(6, 0.8, ctr=[0.005, 0.0075, 0.01], impressions=100_000)
    # CPM cost 100 × 6 = 600 each; CPC: 500 × 0.8 = 400, 750 × 0.8 = 600, 1000 × 0.8 = 800
    assert out["cpm_cost_cny"].tolist() == pytest.approx([600, 600, 600])
    assert out["cpc_cost_cny"].tolist() == pytest.approx([400, 600, 800])
    assert out["cheaper"].tolist() == ["CPC", "equal", "CPM"]
    # effective CPC under CPM: 6 / (1000 × 0.005) = 1.2, 0.8, 0.6
    assert out["cpm_effective_cpc_cny"].tolist() == pytest.approx([1.2, 0.8, 0.6])
    single = ads.compare_billing(6, 0.8, ctr=0.02)
    assert single["cheaper"].tolist() == ["CPM"]


def test_billing_bad_parameters():
    with pytest.raises(BadParameterError, match="impressions"):
        ads.cpm_cost(-1, 6)
    with pytest.raises(BadParameterError, match="ctr"):
        ads.ecpm(0.8, 2)
    with pytest.raises(BadParameterError, match="cpc_cny"):
        ads.break_even_ctr(6, 0)
    with pytest.raises(BadParameterError, match=r"ctr\[1\]"):
        ads.compare_billing(6, 0.8, ctr=[0.01, 1.5])
    with pytest.raises(BadParameterError, match="at least one CTR"):
        ads.compare_billing(6, 0.8, ctr=[])


@settings(max_examples=100, deadline=None)
@given(
    cpm=st.floats(min_value=0.1, max_value=100),
    cpc=st.floats(min_value=0.05, max_value=10),
    ctr=st.floats(min_value=0.0001, max_value=0.5),
)
def test_cpm_cheaper_exactly_above_break_even_ctr(cpm, cpc, ctr):
    out = ads.compare_billing(cpm, cpc, ctr=ctr)
    be = ads.break_even_ctr(cpm, cpc)
    if out["cheaper"].item() != "equal":
        assert (out["cheaper"].item() == "CPM") == (ctr > be)
    # eCPM of the CPC ad vs the CPM price tells the same story
    assert ads.ecpm(cpc, ctr) == pytest.approx(out["ecpm_of_cpc_cny"].item())


# ------------------------------------------------------------------------------------------
# flag_suspicious_clicks
# ------------------------------------------------------------------------------------------


def _click_log(seed: int = 3) -> pd.DataFrame:
    """Two Beijing days of background clicks plus three injected patterns."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2017-11-25 00:00", tz=BJ)
    n = 3000
    background = pd.DataFrame(
        {
            "timestamp": start + pd.to_timedelta(rng.integers(0, 2 * 86400, n), unit="s"),
            "keyword": rng.choice(["连衣裙", "T恤", "卫衣"], n),
            "source_ip": [f"10.0.{a}.{b}" for a, b in rng.integers(0, 60, (n, 2))],
            "converted": rng.random(n) < 0.05,
        }
    )
    # burst: 12 clicks 20 s apart from one IP at 10:00
    burst = pd.DataFrame(
        {
            "timestamp": pd.Timestamp("2017-11-25 10:00", tz=BJ)
            + pd.to_timedelta(np.arange(12) * 20, unit="s"),
            "keyword": "连衣裙",
            "source_ip": "6.6.6.6",
            "converted": False,
        }
    )
    # repeat: 25 clicks every 30 minutes on 11-26 from one IP (never 2 within 10 minutes)
    repeat = pd.DataFrame(
        {
            "timestamp": pd.Timestamp("2017-11-26 08:00", tz=BJ)
            + pd.to_timedelta(np.arange(25) * 30, unit="min"),
            "keyword": "T恤",
            "source_ip": "8.8.8.8",
            "converted": False,
        }
    )
    # spike: a quiet keyword (2 clicks an hour, none converted) gets 60 clicks from 60 IPs
    # between 21:00 and 22:00 on 11-25, none converted
    quiet_hours = pd.date_range(start, periods=48, freq="h")
    quiet = pd.DataFrame(
        {
            "timestamp": np.concatenate(
                [quiet_hours + pd.Timedelta(minutes=5), quiet_hours + pd.Timedelta(minutes=35)]
            ),
            "keyword": "羽绒服",
            "source_ip": [f"172.16.0.{i}" for i in range(96)],
            "converted": False,
        }
    )
    spike = pd.DataFrame(
        {
            "timestamp": pd.Timestamp("2017-11-25 21:00", tz=BJ)
            + pd.to_timedelta(np.arange(60) * 50, unit="s"),
            "keyword": "羽绒服",
            "source_ip": [f"192.168.1.{i}" for i in range(60)],
            "converted": False,
        }
    )
    return pd.concat([background, burst, repeat, quiet, spike], ignore_index=True)


def test_flag_suspicious_clicks_finds_the_injected_patterns():
    flags = ads.flag_suspicious_clicks(_click_log())
    assert flags.columns.tolist() == [
        "rule",
        "source",
        "window_start",
        "window_end",
        "count",
        "reason_zh",
        "reason_en",
    ]
    assert flags["rule"].tolist() == ["burst", "repeat_source", "zero_conversion_spike"]
    burst, repeat, spike = (flags.iloc[i] for i in range(3))
    # 12 clicks 20 s apart span 0..220 s, all inside one 10-minute window
    assert burst["source"] == "6.6.6.6" and burst["count"] == 12
    assert burst["window_start"] == pd.Timestamp("2017-11-25 10:00", tz=BJ)
    assert burst["window_end"] == pd.Timestamp("2017-11-25 10:03:40", tz=BJ)
    assert "10 分钟内点击 12 次" in burst["reason_zh"]
    assert "12 times within 10 minutes" in burst["reason_en"]
    assert repeat["source"] == "8.8.8.8" and repeat["count"] == 25
    assert repeat["window_start"] == pd.Timestamp("2017-11-26", tz=BJ)
    assert "2017-11-26" in repeat["reason_zh"]
    # 60 injected + 2 quiet clicks (21:05, 21:35) = 62; baseline median 2, MAD 0 → threshold 2
    assert spike["source"] == "羽绒服" and spike["count"] == 62
    assert spike["window_start"] == pd.Timestamp("2017-11-25 21:00", tz=BJ)
    assert spike["window_end"] == pd.Timestamp("2017-11-25 22:00", tz=BJ)
    assert "没有转化" in spike["reason_zh"] and "no conversions" in spike["reason_en"]
    assert str(flags["window_start"].dtype) == f"datetime64[ns, {BJ}]"


def test_flag_suspicious_clicks_spike_with_a_conversion_is_not_flagged():
    log = _click_log()
    idx = log.index[(log["source_ip"] == "192.168.1.0")]
    log.loc[idx, "converted"] = True
    flags = ads.flag_suspicious_clicks(log)
    assert "zero_conversion_spike" not in flags["rule"].tolist()


def test_flag_suspicious_clicks_thresholds_are_parameters():
    log = _click_log()
    strict = ads.flag_suspicious_clicks(
        log, burst_min_clicks=13, daily_min_clicks=26, spike_min_clicks=100
    )
    assert strict.empty
    assert strict.columns.tolist()[0] == "rule"
    assert str(strict["window_start"].dtype) == f"datetime64[ns, {BJ}]"
    # a 3-minute window (t − 180 s, t] holds 9 of the 20-second clicks, e.g. 20..180 s
    short = ads.flag_suspicious_clicks(log, burst_window="3min", burst_min_clicks=5)
    burst = short[short["rule"] == "burst"]
    assert burst["count"].tolist() == [9]


def test_flag_burst_window_is_half_open():
    # 5 clicks at 0, 2.5, 5, 7.5, 10 minutes: the window ending at 10 min is (0, 10] → 4 clicks
    t0 = pd.Timestamp("2017-11-25 09:00", tz=BJ)
    times = t0 + pd.to_timedelta([0, 150, 300, 450, 600], unit="s")
    log = pd.DataFrame(
        {"timestamp": times, "keyword": "x", "source_ip": "1.1.1.1", "converted": False}
    )
    assert ads.flag_suspicious_clicks(log, burst_min_clicks=5).empty
    flags = ads.flag_suspicious_clicks(log, burst_min_clicks=4, spike_min_clicks=100)
    assert flags["count"].tolist() == [4]
    assert flags["window_start"].iloc[0] == t0  # earliest busiest window (0..7.5 min)


def test_flag_days_follow_beijing_time_and_unix_seconds():
    # 23:50 and 00:10 Beijing time on consecutive days (same UTC day 2017-11-25):
    # Unix 1511625000 = 2017-11-25 23:50 +08:00, 1511626200 = 2017-11-26 00:10 +08:00
    log = pd.DataFrame(
        {
            "timestamp": [1511625000, 1511626200],
            "visitor_id": [42, 42],
            "converted": [0, 0],
        }
    )
    flags = ads.flag_suspicious_clicks(
        log,
        source_col="visitor_id",
        keyword_col=None,
        daily_min_clicks=2,
        burst_min_clicks=3,
        spike_min_clicks=100,
    )
    assert flags.empty  # one click per Beijing day
    flags = ads.flag_suspicious_clicks(
        log,
        source_col="visitor_id",
        keyword_col=None,
        daily_min_clicks=2,
        burst_window="30min",
        burst_min_clicks=2,
        spike_min_clicks=100,
    )
    assert flags["rule"].tolist() == ["burst"]
    assert flags["source"].tolist() == [42]


def test_flag_spike_over_whole_log_without_keywords():
    # only the quiet keyword and its spike: 2 clicks an hour, 62 in 21:00–22:00 on 11-25
    log = _click_log()
    log = log[log["keyword"] == "羽绒服"].drop(columns="keyword")
    flags = ads.flag_suspicious_clicks(log, keyword_col=None)
    assert flags["rule"].tolist() == ["zero_conversion_spike"]
    assert flags["source"].tolist() == ["(all)"]
    assert flags["count"].tolist() == [62]
    assert flags["reason_en"].iloc[0].startswith("all keywords")


def test_flag_suspicious_clicks_bad_inputs():
    log = _click_log()
    with pytest.raises(MissingColumnError, match="source_ip"):
        ads.flag_suspicious_clicks(log.drop(columns="source_ip"))
    with pytest.raises(EmptyDataError):
        ads.flag_suspicious_clicks(log.iloc[:0])
    bad = log.copy()
    bad["converted"] = 2
    with pytest.raises(SchemaViolationError, match="True/False or 0/1"):
        ads.flag_suspicious_clicks(bad)
    bad = log.copy()
    bad["converted"] = "yes"
    with pytest.raises(SchemaViolationError, match="converted"):
        ads.flag_suspicious_clicks(bad)
    bad = log.astype({"source_ip": "object"})
    bad.loc[0, "source_ip"] = None
    with pytest.raises(SchemaViolationError, match="missing values"):
        ads.flag_suspicious_clicks(bad)
    bad = log.copy()
    bad["timestamp"] = "yesterday"
    with pytest.raises(SchemaViolationError, match="timestamp"):
        ads.flag_suspicious_clicks(bad)
    with pytest.raises(BadParameterError, match="burst_window"):
        ads.flag_suspicious_clicks(log, burst_window="soon")
    with pytest.raises(BadParameterError, match="burst_window"):
        ads.flag_suspicious_clicks(log, burst_window="-5min")
    with pytest.raises(BadParameterError, match="burst_min_clicks"):
        ads.flag_suspicious_clicks(log, burst_min_clicks=1)


# ------------------------------------------------------------------------------------------
# Hardened inputs (issue 17)
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "window", [10, 10.0, np.int64(600), np.timedelta64(600), "10", " 600 ", True, [10]]
)
def test_burst_window_needs_a_unit(window):
    # 10 used to be read as 10 nanoseconds, so nothing was ever flagged
    with pytest.raises(BadParameterError, match=r"burst_window.*with a unit"):
        ads.flag_suspicious_clicks(_click_log(), burst_window=window)


@pytest.mark.parametrize(
    "window", ["10min", pd.Timedelta(minutes=10), dt.timedelta(minutes=10), np.timedelta64(10, "m")]
)
def test_burst_window_with_a_unit_flags_the_burst(window):
    flags = ads.flag_suspicious_clicks(_click_log(), burst_window=window)
    assert "6.6.6.6" in set(flags.loc[flags["rule"] == "burst", "source"])


def test_millisecond_timestamps_get_a_clear_error():
    log = _click_log()
    epoch = pd.Timestamp("1970-01-01", tz="UTC")
    log["timestamp"] = (log["timestamp"] - epoch) // pd.Timedelta(milliseconds=1)  # Unix ms
    with pytest.raises(SchemaViolationError, match="look like milliseconds"):
        ads.flag_suspicious_clicks(log)


def _day():
    return ads.simulate_day([10.0] * 24, 1.0, 150.0, pacing="accelerated")


def test_pacing_summary_of_a_good_table():
    s = ads.pacing_summary(_day())
    assert s.exhausted_hour == 14 and s.cost_cny == pytest.approx(150.0)
    as_ints = _day().astype({"budget_exhausted": "int64"})  # 0/1 is fine too
    assert ads.pacing_summary(as_ints) == s


@pytest.mark.parametrize(
    ("column", "values", "pattern"),
    [
        ("budget_exhausted", "False", "budget_exhausted.*not text"),
        ("budget_exhausted", 2, "budget_exhausted.*True/False or 0/1"),
        ("cost_cny", "1.0", "cost_cny.*expected numbers"),
        ("clicks", "5", "clicks.*expected numbers"),
        ("demand_clicks", -1.0, "demand_clicks.*>= 0"),
        ("hour", "0", "hour.*expected numbers"),
        ("cost_cny", 1e308, "cost_cny.*float range"),
    ],
)
def test_pacing_summary_checks_dtypes(column, values, pattern):
    # strings used to be concatenated and "False" counted as true
    day = _day()
    day[column] = values
    with pytest.raises(SchemaViolationError, match=pattern):
        ads.pacing_summary(day)
