"""Tests of casekit.diagnose: robust anomalies, GMV attribution and cause naming."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casekit import diagnose, funnel
from casekit.errors import (
    BadParameterError,
    EmptyDataError,
    MissingColumnError,
    SchemaViolationError,
    UnknownParameterError,
)

START = pd.Timestamp("2024-03-01")
STOCK_OUT = (30, 36)  # day numbers: 2024-03-31 … 2024-04-06
TRAFFIC_DROP = (50, 54)  # 2024-04-20 … 2024-04-24


def make_daily(
    seed: int = 2,
    n_days: int = 70,
    *,
    noise: float = 0.03,
    stock_out: tuple[int, int] | None = STOCK_OUT,
    traffic_drop: tuple[int, int] | None = TRAFFIC_DROP,
    ad_cut: bool = False,
    aov_drop: tuple[int, int] | None = None,
) -> pd.DataFrame:
    """A store's daily table: ~8,000 visitors, 3 % conversion, 150 CNY AOV, 3 % noise each.

    Stock-out: 20–29 items out of stock and conversion × 0.55, visitors unchanged.
    Traffic drop: visitors × 0.55 with conversion and stock normal (ad spend × 0.4 if
    ``ad_cut``). AOV drop: AOV × 0.6.
    """
    rng = np.random.default_rng(seed)
    visitors = 8000 * (1 + rng.normal(0, noise, n_days))
    cr = 0.03 * (1 + rng.normal(0, noise, n_days))
    aov = 150 * (1 + rng.normal(0, noise, n_days))
    stock = rng.integers(0, 3, n_days)
    ad = 2000 * (1 + rng.normal(0, noise, n_days))
    if stock_out:
        days = slice(stock_out[0], stock_out[1] + 1)
        stock[days] = rng.integers(20, 30, stock_out[1] - stock_out[0] + 1)
        cr[days] *= 0.55
    if traffic_drop:
        days = slice(traffic_drop[0], traffic_drop[1] + 1)
        visitors[days] *= 0.55
        if ad_cut:
            ad[days] *= 0.4
    if aov_drop:
        aov[aov_drop[0] : aov_drop[1] + 1] *= 0.6
    visitors = np.round(visitors).astype(int)
    buyers = np.round(visitors * cr).astype(int)
    return pd.DataFrame(
        {
            "date": pd.date_range(START, periods=n_days, freq="D").strftime("%Y-%m-%d"),
            "visitors": visitors,
            "paying_buyers": buyers,
            "gmv_cny": np.round(buyers * aov, 2),
            "stock_out_items": stock,
            "ad_spend_cny": ad.round(2),
        }
    )


def day(n: int) -> pd.Timestamp:
    return START + pd.Timedelta(days=n)


def tiny(values, **extra) -> pd.DataFrame:
    """A daily table whose visitors are ``values``; buyers 10 % of visitors, AOV 100 CNY."""
    visitors = np.asarray(values, dtype=float)
    return pd.DataFrame(
        {
            "date": pd.date_range("2024-01-01", periods=len(visitors), freq="D"),
            "visitors": visitors,
            "paying_buyers": visitors / 10,
            "gmv_cny": visitors * 10,
            **extra,
        }
    )


# ------------------------------------------------------------------------------------------
# robust anomaly scores, worked by hand
# ------------------------------------------------------------------------------------------


def test_modified_z_score_worked_example():
    daily = tiny([100, 102, 98, 101, 99, 60, 100])
    out = diagnose.anomaly_scores(daily, "visitors", window=5, min_periods=5)
    # day 6 (60): baseline 100, 102, 98, 101, 99 → median 100; |x − 100| = 0, 2, 2, 1, 1 →
    # MAD 1; score 0.6745 × (60 − 100) / 1 = −26.98; relative change −40 %
    d6 = out.iloc[5]
    assert d6["baseline"] == 100 and d6["mad"] == 1
    assert d6["score"] == pytest.approx(-26.98)
    assert d6["relative_change"] == pytest.approx(-0.4)
    assert d6["is_anomaly"] and d6["direction"] == "drop" and d6["direction_zh"] == "下降"
    # day 7 (100): the flagged day 6 stays out of the baseline, which is again days 1–5
    # (reaching back one day further): median 100, score 0
    d7 = out.iloc[6]
    assert d7["baseline"] == 100 and d7["score"] == 0 and not d7["is_anomaly"]
    # the first five days have no full baseline and are not scored
    assert out["score"].iloc[:5].isna().all()
    found = diagnose.find_anomalies(daily, "visitors", window=5, min_periods=5)
    assert found["date"].tolist() == [pd.Timestamp("2024-01-06")]
    assert list(found.columns) == [
        "date",
        "metric",
        "metric_zh",
        "value",
        "baseline",
        "mad",
        "score",
        "relative_change",
        "direction",
        "direction_zh",
    ]


def test_zero_mad_falls_back_to_mean_absolute_deviation():
    out = diagnose.anomaly_scores(tiny([100, 100, 100, 100, 104, 110]), window=5, min_periods=5)
    # baseline 100 ×4, 104: median 100, MAD 0; mean |x − 100| = 4/5 = 0.8
    # score = (110 − 100) / (1.253314 × 0.8) = 9.973
    assert out["score"].iloc[5] == pytest.approx(10 / (1.253314 * 0.8))
    flat = diagnose.anomaly_scores(tiny([100] * 5 + [120, 100]), window=5, min_periods=5)
    # every baseline day identical: a different value scores +inf, an equal one 0
    assert flat["score"].iloc[5] == math.inf and flat["is_anomaly"].iloc[5]
    assert flat["score"].iloc[6] == 0


def test_min_relative_change_ignores_tiny_moves_on_steady_series():
    daily = tiny([1000, 1001, 999, 1000, 1002, 998, 1000, 950])
    # 950 is −5 %: score 0.6745 × (−50) / 1 = −33.7, but below the 10 % default floor
    assert diagnose.find_anomalies(daily, window=7, min_periods=7).empty
    found = diagnose.find_anomalies(daily, window=7, min_periods=7, min_relative_change=0)
    assert len(found) == 1 and found["relative_change"].iloc[0] == pytest.approx(-0.05)


def test_spike_direction_and_other_metrics():
    daily = tiny([100, 102, 98, 101, 99, 100, 180])
    found = diagnose.find_anomalies(daily, "gmv_cny", window=6)
    assert found["direction"].tolist() == ["spike"] and found["metric_zh"].tolist() == ["支付金额"]
    # conversion is constant (10 %) on every day: nothing to flag
    assert diagnose.find_anomalies(daily, "conversion_rate", window=6).empty


def test_stock_out_week_does_not_inflate_the_baseline():
    scores = diagnose.anomaly_scores(make_daily(traffic_drop=None), "conversion_rate")
    scores = scores.set_index("date")
    before = scores.loc[day(STOCK_OUT[0]), "baseline"]
    after = scores.loc[day(STOCK_OUT[1] + 3), "baseline"]
    # the seven stock-out days (conversion −45 %) are flagged and left out of later baselines
    assert scores.loc[day(STOCK_OUT[0]) : day(STOCK_OUT[1]), "is_anomaly"].all()
    assert after == pytest.approx(before, rel=0.03)


def test_long_outage_is_flagged_every_day():
    # a 20-day stock-out: a plain 28-day rolling median would adopt it after ~14 days
    daily = make_daily(n_days=90, stock_out=(35, 54), traffic_drop=None)
    found = diagnose.find_anomalies(daily, "conversion_rate")
    assert set(pd.date_range(day(35), day(54))) <= set(found["date"])


def test_gaps_in_the_calendar_are_allowed():
    daily = make_daily().drop(index=[10, 11, 40]).reset_index(drop=True)
    found = diagnose.find_anomalies(daily, "visitors")
    assert set(pd.date_range(day(TRAFFIC_DROP[0]), day(TRAFFIC_DROP[1]))) <= set(found["date"])


# ------------------------------------------------------------------------------------------
# diagnosis of the injected stock-out and traffic drop
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(7))
def test_diagnose_finds_stock_out_and_traffic_drop(seed):
    result = diagnose.diagnose(make_daily(seed=seed))
    ep = result.episodes
    assert ep["cause"].tolist() == ["stock_out", "traffic_drop"]
    assert ep["cause_zh"].tolist() == ["缺货", "流量下降"]
    stock, traffic = ep.iloc[0], ep.iloc[1]
    assert (stock["start"], stock["end"]) == (day(STOCK_OUT[0]), day(STOCK_OUT[1]))
    assert (traffic["start"], traffic["end"]) == (day(TRAFFIC_DROP[0]), day(TRAFFIC_DROP[1]))
    # stock-out: conversion carries the loss, visitors barely move
    assert stock["conversion_change"] == pytest.approx(-0.45, abs=0.05)
    assert abs(stock["visitors_change"]) < 0.05
    assert bool(stock["stock_out_rose"])
    assert "stock_out_items" in stock["metrics"] and "conversion_rate" in stock["metrics"]
    # traffic drop: visitors carry it, conversion stable, no stock-out
    assert traffic["visitors_change"] == pytest.approx(-0.45, abs=0.05)
    assert abs(traffic["conversion_change"]) < 0.05
    assert not bool(traffic["stock_out_rose"])
    assert "缺货" in stock["explanation_zh"] and "out of stock" in stock["explanation_en"]
    assert "引流" in traffic["explanation_zh"] and "traffic" in traffic["explanation_en"]
    # the worst episode (largest GMV loss: 7 days at −45 %) is the stock-out
    assert result.worst == 1
    assert "缺货" in result.summary_zh and "stock out" in result.summary_en
    assert str(result).startswith(result.summary_zh)


def test_diagnosis_attribution_sums_to_episode_change():
    result = diagnose.diagnose(make_daily())
    split = result.attribution
    stock = result.episodes.iloc[0]
    per_day = stock["gmv_episode_cny"] - stock["gmv_baseline_cny"]
    assert split["contribution_cny"].sum() == pytest.approx(per_day, rel=1e-9)
    assert per_day * stock["days"] == pytest.approx(stock["gmv_change_cny"])
    assert split.loc[split["factor"] == "conversion_rate", "share"].iloc[0] > 0.9
    for ep in result.episodes.itertuples():
        total = (
            ep.visitors_contribution_cny + ep.conversion_contribution_cny + ep.aov_contribution_cny
        )
        assert total == pytest.approx(ep.gmv_episode_cny - ep.gmv_baseline_cny, rel=1e-9)


@pytest.mark.parametrize("seed", [0, 2, 3])
def test_calm_series_has_no_anomalies(seed):
    # a statistical method: each metric crosses 3.5 by chance on roughly 1 calm day in 150
    # (module docstring), so a few seeds of this noise level do show a false alarm
    daily = make_daily(seed=seed, stock_out=None, traffic_drop=None)
    result = diagnose.diagnose(daily)
    assert result.anomalies.empty and result.episodes.empty
    assert result.attribution is None and result.worst is None
    assert "未发现异常" in result.summary_zh and "No anomalies" in result.summary_en
    for metric in ("visitors", "gmv_cny", "conversion_rate", "aov_cny"):
        assert diagnose.find_anomalies(daily, metric).empty


def test_paid_traffic_drop_is_explained_by_ad_spend():
    result = diagnose.diagnose(make_daily(stock_out=None, ad_cut=True))
    ep = result.episodes.iloc[0]
    assert ep["cause"] == "traffic_drop"
    assert ep["ad_spend_change"] == pytest.approx(-0.6, abs=0.05)
    assert "推广花费" in ep["explanation_zh"] and "ad spend" in ep["explanation_en"]


def test_conversion_drop_without_stock_column():
    daily = make_daily(traffic_drop=None).drop(columns="stock_out_items")
    ep = diagnose.diagnose(daily).episodes
    assert ep["cause"].tolist() == ["conversion_drop"]
    assert pd.isna(ep["stock_out_rose"].iloc[0])


def test_aov_drop():
    daily = make_daily(stock_out=None, traffic_drop=None, aov_drop=(40, 44))
    ep = diagnose.diagnose(daily).episodes
    assert ep["cause"].tolist() == ["aov_drop"]
    assert ep["aov_change"].iloc[0] == pytest.approx(-0.4, abs=0.05)


def test_spike_is_a_rise():
    daily = make_daily(stock_out=None, traffic_drop=None)
    daily.loc[45:46, ["visitors", "paying_buyers", "gmv_cny"]] *= 2
    ep = diagnose.diagnose(daily).episodes
    assert ep["cause"].tolist() == ["traffic_rise"] and ep["direction"].tolist() == ["spike"]


def test_diagnose_reads_other_column_names_and_date_types():
    daily = make_daily().rename(
        columns={"date": "日期", "visitors": "访客数", "paying_buyers": "orders"}
    )
    daily["日期"] = pd.to_datetime(daily["日期"]).dt.tz_localize("Asia/Shanghai")
    result = diagnose.diagnose(
        daily, columns={"date": "日期", "visitors": "访客数", "paying_buyers": "orders"}
    )
    assert result.episodes["cause"].tolist() == ["stock_out", "traffic_drop"]
    found = diagnose.find_anomalies(
        daily, "访客数", columns={"date": "日期", "visitors": "访客数", "paying_buyers": "orders"}
    )
    assert set(found["metric"]) == {"visitors"}


def test_buyers_derived_from_conversion_rate_column():
    daily = make_daily()
    daily["conversion_rate"] = daily["paying_buyers"] / daily["visitors"]
    daily = daily.drop(columns="paying_buyers")
    assert diagnose.diagnose(daily).episodes["cause"].tolist() == ["stock_out", "traffic_drop"]


# ------------------------------------------------------------------------------------------
# attribute_change
# ------------------------------------------------------------------------------------------


def test_attribute_change_worked_example():
    daily = pd.DataFrame(
        {
            "date": ["2024-06-01", "2024-06-02", "2024-06-03"],
            "visitors": [1000, 1000, 1200],
            "paying_buyers": [30, 30, 30],
            "gmv_cny": [3000.0, 3000.0, 3600.0],
        }
    )
    out = diagnose.attribute_change(daily, ("2024-06-01", "2024-06-02"), "2024-06-03")
    # period a per day: 1,000 visitors, 60/2,000 = 3 %, 6,000/60 = 100 CNY → 3,000 CNY
    # period b: 1,200 visitors, 30/1,200 = 2.5 %, 3,600/30 = 120 CNY → 3,600 CNY
    assert out["before"].tolist() == pytest.approx([1000, 0.03, 100])
    assert out["after"].tolist() == pytest.approx([1200, 0.025, 120])
    assert out["contribution_cny"].sum() == pytest.approx(600.0)
    expected = funnel.decompose_gmv_change((1000, 0.03, 100), (1200, 0.025, 120))
    pd.testing.assert_frame_equal(out, expected, check_exact=False)


def test_attribute_change_sums_to_total_on_generated_table():
    daily = make_daily()
    out = diagnose.attribute_change(
        daily, ("2024-03-01", "2024-03-28"), ("2024-03-31", "2024-04-06")
    )
    dates = pd.to_datetime(daily["date"])
    a = daily.loc[dates <= "2024-03-28", "gmv_cny"].mean()
    b = daily.loc[(dates >= "2024-03-31") & (dates <= "2024-04-06"), "gmv_cny"].mean()
    assert out["contribution_cny"].sum() == pytest.approx(b - a, rel=1e-9)


@settings(max_examples=30, deadline=None)
@given(
    st.integers(0, 40),
    st.integers(0, 20),
    st.integers(0, 40),
    st.integers(0, 20),
    st.integers(0, 10_000),
)
def test_attribution_property_sums_to_mean_daily_gmv_change(a0, a_len, b0, b_len, seed):
    daily = make_daily(seed=seed, n_days=61, noise=0.1)
    pa = (day(a0), day(a0 + a_len))
    pb = (day(b0), day(b0 + b_len))
    out = diagnose.attribute_change(daily, pa, pb)
    dates = pd.to_datetime(daily["date"])
    mean_a = daily.loc[(dates >= pa[0]) & (dates <= pa[1]), "gmv_cny"].mean()
    mean_b = daily.loc[(dates >= pb[0]) & (dates <= pb[1]), "gmv_cny"].mean()
    assert out["contribution_cny"].sum() == pytest.approx(mean_b - mean_a, rel=1e-9, abs=1e-6)


# ------------------------------------------------------------------------------------------
# bad inputs
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mutate", "error", "pattern"),
    [
        (lambda d: d.iloc[:0], EmptyDataError, "no rows"),
        (lambda d: d.drop(columns="visitors"), MissingColumnError, r"'visitors' \(访客数\)"),
        (
            lambda d: d.drop(columns="paying_buyers"),
            SchemaViolationError,
            r"columns=\{'paying_buyers': 'orders'\}",
        ),
        (lambda d: pd.concat([d, d.iloc[[3]]]), SchemaViolationError, "repeats the day 2024-03-04"),
        (lambda d: d.assign(date="someday"), SchemaViolationError, "'someday'"),
        (lambda d: d.assign(date=range(len(d))), SchemaViolationError, "expected dates"),
        (lambda d: d.assign(visitors=-d["visitors"]), SchemaViolationError, r"'visitors'.*>= 0"),
        (
            lambda d: d.assign(gmv_cny=d["gmv_cny"].where(d.index != 5)),
            SchemaViolationError,
            r"'gmv_cny'.*missing value",
        ),
        (
            lambda d: d.assign(paying_buyers=d["visitors"] + 1),
            SchemaViolationError,
            "exceed visitors",
        ),
        (
            lambda d: d.assign(paying_buyers=0),
            SchemaViolationError,
            "no paying buyers",
        ),
        (
            lambda d: d.drop(columns="paying_buyers").assign(conversion_rate=3.0),
            SchemaViolationError,
            "3% as 0.03",
        ),
        (lambda d: d.assign(visitors=d["visitors"].astype(str)), SchemaViolationError, "dtype"),
    ],
)
def test_bad_tables_raise(mutate, error, pattern):
    with pytest.raises(error, match=pattern):
        diagnose.diagnose(mutate(make_daily()))


@pytest.mark.parametrize(
    ("kwargs", "error", "pattern"),
    [
        ({"metric": "sales"}, BadParameterError, r"'metric'.*visitors"),
        ({"window": 2}, BadParameterError, "'window'"),
        ({"window": 7.5}, BadParameterError, "whole number"),
        ({"window": 10, "min_periods": 20}, BadParameterError, "'min_periods'"),
        ({"threshold": 0}, BadParameterError, "'threshold'"),
        ({"min_relative_change": -0.1}, BadParameterError, "'min_relative_change'"),
        ({"columns": {"buyers": "orders"}}, UnknownParameterError, "'buyers'.*paying_buyers"),
        ({"columns": {"paying_buyers": "orders"}}, MissingColumnError, "'orders'"),
        ({"columns": ["date"]}, BadParameterError, "'columns'"),
    ],
)
def test_bad_parameters_raise(kwargs, error, pattern):
    with pytest.raises(error, match=pattern):
        diagnose.find_anomalies(make_daily(), **kwargs)


def test_bad_periods_raise():
    daily = make_daily()
    with pytest.raises(BadParameterError, match="start <= end"):
        diagnose.attribute_change(daily, ("2024-03-10", "2024-03-01"), "2024-03-20")
    with pytest.raises(BadParameterError, match="'period_b'"):
        diagnose.attribute_change(daily, "2024-03-01", ("2024-03-01", "x", "y"))
    with pytest.raises(BadParameterError, match="'period_a'"):
        diagnose.attribute_change(daily, "not a date", "2024-03-20")
    with pytest.raises(EmptyDataError, match="period_b has no days"):
        diagnose.attribute_change(daily, "2024-03-01", ("2025-01-01", "2025-01-31"))
    with pytest.raises(BadParameterError, match="merge_gap_days"):
        diagnose.diagnose(daily, merge_gap_days=-1)
