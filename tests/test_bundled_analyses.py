"""Every analysis module run on the bundled datasets, as the notebooks run it."""

from __future__ import annotations

import pandas as pd
import pytest

from casekit import ads, audience, campaign, charts, compliance, data, diagnose, experiment, funnel


@pytest.fixture(scope="module")
def events() -> pd.DataFrame:
    return data.load("events_618")


def test_funnel_on_the_618_event_log(events):
    users = funnel.stage_counts(events).iloc[0]
    assert users["pv"] >= users["cart_or_fav"] >= users["buy"] > 0
    by_day = funnel.stage_counts(events, by="day", unit="event")
    peak = by_day.loc[by_day["buy"].idxmax(), "day"]
    assert peak == pd.Timestamp("2026-06-18"), "the simulated 大促 peak is on 18 June"
    rates = funnel.funnel_rates(events)
    assert rates["step_rate"].between(0, 1).all()
    assert charts.funnel_chart(rates.rename(columns={"users": "count"})).to_dict()


def test_aipl_partitions_the_users_of_the_log(events):
    states = audience.aipl_states(events)
    assert states["user_id"].is_unique
    assert set(states["user_id"]) == set(events["user_id"].unique())
    summary = audience.aipl_summary(states)
    assert summary["users"].sum() == len(states)


def test_auction_on_one_keyword_of_the_report():
    report = data.load("keyword_report")
    bids = report[["keyword", "bid_cny", "quality_score"]].rename(columns={"keyword": "advertiser"})
    result = ads.keyword_auction(bids, slots=5)
    shown = result[result["position"].notna()]
    assert len(shown) == 5
    priced = result.dropna(subset=["actual_cpc_cny"])
    assert len(priced) >= 5 and (priced["actual_cpc_cny"] <= priced["bid_cny"] + 1e-9).all()
    assert (report["cost_cny"] <= report["clicks"] * report["bid_cny"] + 1e-9).all()


def test_ab_summary_finds_the_real_lift_and_the_null():
    summary = experiment.ab_summary(data.load("ab_tests"))
    assert len(summary) == 3
    assert summary["p_value"].between(0, 1).all()
    assert summary["significant"].sum() >= 1, "the simulated 20% lift must be detected"
    assert (~summary["significant"]).sum() >= 1, "the simulated null result must not be"


def test_rfm_and_customer_types_on_member_orders():
    orders = data.load("member_orders")
    as_of = orders["order_time"].max()
    rfm = audience.rfm_scores(orders, as_of, time_col="order_time")
    assert rfm["user_id"].is_unique and rfm[["R", "F", "M"]].isin(range(1, 6)).all().all()
    retention = audience.cohort_retention(orders, period="M", time_col="order_time")
    assert (retention.iloc[:, 0] == 1).all()


def test_diagnosis_of_the_store_finds_the_stock_out():
    daily = data.load("store_daily")
    result = diagnose.diagnose(daily)
    causes = set(result.episodes["cause"])
    assert "stock_out" in causes and "traffic_drop" in causes
    flagged = set(result.anomalies["date"])
    truth = set(daily.loc[daily["injected_anomaly"] == "stock_out", "date"])
    assert len(flagged & truth) >= len(truth) // 2


def test_fan_day_reproduces_the_article_figure():
    fan_day = data.load("fan_day_maybelline")
    figures = data.load("key_figures").set_index("figure_id")
    cart_fans = figures.loc["maybelline_fan_day_cart_fans", "value"]
    assert fan_day["fans_adding_to_cart"].max() > cart_fans
    growth = audience.fan_growth(fan_day, new_col="new_fans")
    assert growth.peak_date == fan_day.loc[fan_day["new_fans"].idxmax(), "date"]
    assert 0 < growth.peak_day_share < 1


def test_618_calendar_matches_the_phase_fact_table():
    phases = data.load("campaign_618_phases")
    calendar = campaign.calendar_618(2020)
    assert len(calendar) == len(phases) == 4
    assert charts.calendar_chart(calendar).to_dict()


def test_compliance_rules_catch_the_618_banned_wording():
    rules = data.load("campaign_618_rules")
    banned = rules["example_banned"].dropna()
    assert len(banned) > 0
    for phrase in banned:
        if "618" in phrase and "便宜" in phrase:
            assert not compliance.check_copy(f"全场{phrase}！").empty
