"""Tests of casekit.audience: AIPL, RFM, 新客/老客/潜客, cohorts, repurchase, CLV, fans."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casekit import audience as au
from casekit.campaign import calendar_618
from casekit.errors import (
    BadParameterError,
    EmptyDataError,
    MissingColumnError,
    SchemaViolationError,
)

PROPS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
BJ_2017_11_25 = 1511539200  # 2017-11-25 00:00 Beijing time = 2017-11-24 16:00 UTC


def log(rows: list[tuple[int, str, str]], category: list[int] | None = None) -> pd.DataFrame:
    """An event log from (user_id, behavior_type, 'YYYY-MM-DD HH:MM' Beijing) rows."""
    df = pd.DataFrame(rows, columns=["user_id", "behavior_type", "timestamp"])
    df["timestamp"] = pd.to_datetime(df["timestamp"])
    df["item_id"] = np.arange(len(df)) + 100
    df["category_id"] = category if category is not None else 1
    return df


# The small log used by several worked examples (dates are Beijing time).
SMALL = log(
    [
        (1, "pv", "2017-11-25 10:00"),
        (1, "buy", "2017-11-26 10:00"),
        (2, "cart", "2017-11-27 00:00"),
        (2, "pv", "2017-11-28 00:00"),
        (3, "buy", "2017-11-25 00:00"),
        (3, "pv", "2017-11-29 00:00"),
        (3, "buy", "2017-12-01 00:00"),
        (4, "pv", "2017-12-02 00:00"),
        (5, "fav", "2017-12-03 00:00"),
    ]
)


def synthetic_log(seed: int, n_users: int = 150, n_events: int = 2500) -> pd.DataFrame:
    """A seeded Tianchi-style log over 9 days from 2017-11-25 (Unix seconds)."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "user_id": rng.integers(1, n_users + 1, n_events),
            "item_id": rng.integers(1, 400, n_events),
            "category_id": rng.integers(1, 12, n_events),
            "behavior_type": rng.choice(
                ["pv", "cart", "fav", "buy"], n_events, p=[0.8, 0.08, 0.06, 0.06]
            ),
            "timestamp": BJ_2017_11_25 + rng.integers(0, 9 * 86400, n_events),
        }
    )


# --------------------------------------------------------------------------------------------
# AIPL
# --------------------------------------------------------------------------------------------


def test_aipl_states_worked_example():
    # as_of = last day 2017-12-03, 30-day window covers everything:
    # user 1: pv + 1 buy (1 day)            -> P
    # user 2: cart, no buy                  -> I
    # user 3: buys on 11-25 and 12-01       -> L (2 buy days)
    # user 4: pv only                       -> A
    # user 5: fav only                      -> I
    out = au.aipl_states(SMALL)
    assert out["user_id"].tolist() == [1, 2, 3, 4, 5]
    assert out["state"].astype(str).tolist() == ["P", "I", "L", "A", "I"]
    assert out["state"].cat.ordered
    assert list(out["state"].cat.categories) == ["A", "I", "P", "L"]
    assert out.loc[out["user_id"] == 3, "buy_days"].item() == 2
    summary = au.aipl_summary(out)
    # 5 users: A 1, I 2, P 1, L 1 -> shares 0.2, 0.4, 0.2, 0.2
    assert summary["users"].tolist() == [1, 2, 1, 1]
    assert summary["share"].tolist() == pytest.approx([0.2, 0.4, 0.2, 0.2])
    assert summary["name_zh"].tolist() == ["认知", "兴趣", "购买", "忠诚"]


def test_aipl_window_and_as_of():
    # as_of 11-27 with a 2-day window = 11-26 and 11-27:
    # user 1 bought 11-26 -> P; user 2 carted 11-27 -> I; user 3's buy on 11-25 is outside;
    # later events (after as_of) are ignored, so users 3, 4, 5 are absent.
    out = au.aipl_states(SMALL, "2017-11-27", lookback_days=2)
    assert dict(zip(out["user_id"], out["state"].astype(str), strict=True)) == {1: "P", 2: "I"}


def test_aipl_two_buys_same_day_is_purchase_not_loyalty():
    # two buys on one day are one shopping occasion: buy_days = 1 -> P
    ev = log([(1, "buy", "2020-06-18 09:00"), (1, "buy", "2020-06-18 21:00")])
    assert au.aipl_states(ev)["state"].astype(str).tolist() == ["P"]
    # with loyal_buy_days=3, two buy days is still P
    ev2 = log([(1, "buy", "2020-06-17 09:00"), (1, "buy", "2020-06-18 21:00")])
    assert au.aipl_states(ev2)["state"].astype(str).tolist() == ["L"]
    assert au.aipl_states(ev2, loyal_buy_days=3)["state"].astype(str).tolist() == ["P"]


def test_aipl_interest_from_repeated_pv_of_one_category():
    # user 1: 3 pv in category 7 -> I with interest_pv=3; user 2: 3 pv over 3 categories -> A
    ev = log(
        [(1, "pv", "2020-06-01 10:00")] * 3 + [(2, "pv", "2020-06-01 10:00")] * 3,
        category=[7, 7, 7, 1, 2, 3],
    )
    assert au.aipl_states(ev)["state"].astype(str).tolist() == ["A", "A"]
    assert au.aipl_states(ev, interest_pv=3)["state"].astype(str).tolist() == ["I", "A"]
    with pytest.raises(MissingColumnError, match="category_id"):
        au.aipl_states(ev.drop(columns="category_id"), interest_pv=3)


def test_aipl_days_follow_beijing_time():
    # 1511539200 - 60 s = 2017-11-24 23:59 Beijing; 1511539200 = 2017-11-25 00:00 Beijing.
    # A 1-day window ending 11-24 sees only the first event, one ending 11-25 only the second.
    ev = pd.DataFrame(
        {
            "user_id": [1, 2],
            "item_id": [1, 1],
            "category_id": [1, 1],
            "behavior_type": ["pv", "cart"],
            "timestamp": [BJ_2017_11_25 - 60, BJ_2017_11_25],
        }
    )
    assert au.aipl_states(ev, "2017-11-24", lookback_days=1)["user_id"].tolist() == [1]
    assert au.aipl_states(ev, "2017-11-25", lookback_days=1)["user_id"].tolist() == [2]


def test_aipl_transitions_worked_example():
    # 3-day windows. Ending 11-27 (11-25..27): user 1 pv+buy -> P, user 2 cart -> I,
    # user 3 buy -> P. Ending 12-03 (12-01..03): user 3 buy -> P, user 4 pv -> A, user 5 fav -> I.
    # Flows: none->A (4), none->I (5), I->none (2), P->none (1), P->P (3).
    t = au.aipl_transitions(SMALL, "2017-11-27", "2017-12-03", lookback_days=3)
    assert list(t.index) == ["none", "A", "I", "P", "L"]
    assert list(t.columns) == ["none", "A", "I", "P", "L"]
    assert t.index.name == "from_state" and t.columns.name == "to_state"
    assert t.loc["none", "A"] == 1 and t.loc["none", "I"] == 1
    assert t.loc["I", "none"] == 1 and t.loc["P", "none"] == 1 and t.loc["P", "P"] == 1
    assert t.to_numpy().sum() == 5 and t.loc["none", "none"] == 0
    shares = au.aipl_transitions(SMALL, "2017-11-27", "2017-12-03", lookback_days=3, normalize=True)
    # row P: 2 users, one lapsed, one stayed -> 0.5 / 0.5; row A has no users -> NaN
    assert shares.loc["P", "none"] == pytest.approx(0.5)
    assert shares.loc["P", "P"] == pytest.approx(0.5)
    assert shares.loc["A"].isna().all()


def test_aipl_bad_inputs():
    with pytest.raises(EmptyDataError, match="no events between"):
        au.aipl_states(SMALL, "2017-01-31", lookback_days=7)
    with pytest.raises(BadParameterError, match="lookback_days"):
        au.aipl_states(SMALL, lookback_days=0)
    with pytest.raises(BadParameterError, match="loyal_buy_days"):
        au.aipl_states(SMALL, loyal_buy_days=1)
    with pytest.raises(BadParameterError, match="as_of"):
        au.aipl_states(SMALL, as_of="not a date")
    with pytest.raises(SchemaViolationError, match="behavior_type"):
        au.aipl_states(SMALL.assign(behavior_type="click"))
    with pytest.raises(BadParameterError, match="date_b"):
        au.aipl_transitions(SMALL, "2017-12-03", "2017-11-27")
    with pytest.raises(EmptyDataError):
        au.aipl_states(SMALL.iloc[:0])
    with pytest.raises(SchemaViolationError, match="'X'"):
        au.aipl_summary(pd.DataFrame({"user_id": [1], "state": ["X"]}))


def naive_state(rows: pd.DataFrame, loyal: int) -> str:
    buys = rows[rows["behavior_type"] == "buy"]
    if buys["day"].nunique() >= loyal:
        return "L"
    if len(buys):
        return "P"
    if rows["behavior_type"].isin(["cart", "fav"]).any():
        return "I"
    return "A"


event_rows = st.lists(
    st.tuples(
        st.integers(1, 8),
        st.sampled_from(["pv", "cart", "fav", "buy"]),
        st.integers(0, 20 * 86400 - 1),
    ),
    min_size=1,
    max_size=40,
)


@PROPS
@given(rows=event_rows, as_of_offset=st.integers(0, 20), lookback=st.integers(1, 12))
def test_aipl_states_partition_users(rows, as_of_offset, lookback):
    ev = pd.DataFrame(rows, columns=["user_id", "behavior_type", "seconds"])
    ev["timestamp"] = BJ_2017_11_25 + ev["seconds"]
    as_of = pd.Timestamp("2017-11-25") + pd.Timedelta(days=as_of_offset)
    ev["day"] = pd.Timestamp("2017-11-25") + pd.to_timedelta(ev["seconds"] // 86400, unit="D")
    window = ev[(ev["day"] <= as_of) & (ev["day"] > as_of - pd.Timedelta(days=lookback))]
    if window.empty:
        with pytest.raises(EmptyDataError):
            au.aipl_states(ev, as_of, lookback_days=lookback)
        return
    out = au.aipl_states(ev, as_of, lookback_days=lookback)
    # every user with an event in the window appears exactly once, nobody else
    assert out["user_id"].is_unique
    assert set(out["user_id"]) == set(window["user_id"])
    assert out["state"].notna().all()
    expected = {u: naive_state(g, 2) for u, g in window.groupby("user_id")}
    assert dict(zip(out["user_id"], out["state"].astype(str), strict=True)) == expected
    assert au.aipl_summary(out)["users"].sum() == len(out)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=event_rows, a=st.integers(0, 10), gap=st.integers(1, 10))
def test_aipl_transitions_margins_match_states(rows, a, gap):
    ev = pd.DataFrame(rows, columns=["user_id", "behavior_type", "seconds"])
    ev["timestamp"] = BJ_2017_11_25 + ev["seconds"]
    date_a = pd.Timestamp("2017-11-25") + pd.Timedelta(days=a)
    date_b = date_a + pd.Timedelta(days=gap)
    try:
        t = au.aipl_transitions(ev, date_a, date_b, lookback_days=5)
    except EmptyDataError:
        return
    for date, margin in ((date_a, t.sum(axis=1)), (date_b, t.sum(axis=0))):
        try:
            counts = au.aipl_summary(au.aipl_states(ev, date, lookback_days=5))
            expected = counts.set_index(counts["state"].astype(str))["users"]
        except EmptyDataError:
            expected = pd.Series(0, index=["A", "I", "P", "L"])
        assert margin[["A", "I", "P", "L"]].tolist() == expected.tolist()
    assert t.loc["none", "none"] == 0


# --------------------------------------------------------------------------------------------
# RFM
# --------------------------------------------------------------------------------------------

ORDERS = pd.DataFrame(
    {
        "user_id": [1, 1, 2, 3, 3, 3, 4],
        "timestamp": pd.to_datetime(
            [
                "2020-01-05",
                "2020-02-10",
                "2020-01-20",
                "2020-02-01",
                "2020-02-15",
                "2020-03-01",
                "2020-03-05",
            ]
        ),
        "amount_cny": [100, 50, 300, 20, 20, 20, 999.0],
    }
)


def test_rfm_worked_example():
    # as_of 2020-03-31.  user: last order, recency, F, M
    #   1: 02-10, 50 days, 2, 150      2: 01-20, 71 days, 1, 300
    #   3: 03-01, 30 days, 3, 60       4: 03-05, 26 days, 1, 999
    # score = floor(5 × (avg rank − 0.5) / 4) + 1
    # R (rank of −recency): users 2,1,3,4 ranks 1..4 -> PR .125,.375,.625,.875 -> 1,2,4,5
    #   so R = [2, 1, 4, 5] for users 1..4, mean 3 -> high: users 3, 4
    # F = [2,1,3,1]: the two 1s share rank 1.5 (PR .25 -> 2), 2 has rank 3 (PR .625 -> 4),
    #   3 rank 4 (-> 5): F = [4, 2, 5, 2], mean 3.25 -> high: users 1, 3
    # M = [150,300,60,999] ranks 2,3,1,4 -> M = [2, 4, 1, 5], mean 3 -> high: users 2, 4
    out = au.rfm_scores(ORDERS, "2020-03-31")
    assert out["recency_days"].tolist() == [50, 71, 30, 26]
    assert out["frequency"].tolist() == [2, 1, 3, 1]
    assert out["monetary"].tolist() == [150, 300, 60, 999]
    assert out["R"].tolist() == [2, 1, 4, 5]
    assert out["F"].tolist() == [4, 2, 5, 2]
    assert out["M"].tolist() == [2, 4, 1, 5]
    assert out["rfm"].tolist() == ["242", "124", "451", "525"]
    # (R, F, M) high: 1 (n, y, n) 一般保持; 2 (n, n, y) 重要挽留; 3 (y, y, n) 一般价值;
    # 4 (y, n, y) 重要发展
    assert out["segment"].astype(str).tolist() == [
        "一般保持客户",
        "重要挽留客户",
        "一般价值客户",
        "重要发展客户",
    ]
    assert out["segment_en"].iloc[3] == "high-value, to develop"
    assert len(out["segment"].cat.categories) == 8


def test_rfm_orders_after_as_of_are_ignored_and_median_split():
    # as_of 2020-02-10 keeps user 1's two orders, user 2's and user 3's first one
    out = au.rfm_scores(ORDERS, "2020-02-10", split="median")
    assert out["user_id"].tolist() == [1, 2, 3]
    assert out["frequency"].tolist() == [2, 1, 1]
    assert out["recency_days"].tolist() == [0, 21, 9]


def test_rfm_from_event_log_counts_orders():
    # buy events are orders; without amounts M is the number of orders, so M == F
    out = au.rfm_scores(SMALL, "2017-12-03", amount_col=None)
    assert out["user_id"].tolist() == [1, 3]
    assert out["frequency"].tolist() == [1, 2]
    assert out["monetary"].tolist() == [1, 2]
    assert (out["M"] == out["F"]).all()


def test_rfm_ties_share_a_score():
    # all customers alike -> everyone has PR 0.5 -> score 3, nobody is "high"
    orders = pd.DataFrame(
        {"user_id": [1, 2, 3], "timestamp": ["2020-06-18"] * 3, "amount_cny": [10.0] * 3}
    )
    out = au.rfm_scores(orders, "2020-06-18")
    assert out[["R", "F", "M"]].to_numpy().tolist() == [[3, 3, 3]] * 3
    assert set(out["segment"].astype(str)) == {"一般挽留客户"}


@PROPS
@given(
    data=st.lists(
        st.tuples(st.integers(1, 30), st.integers(0, 90), st.floats(0, 5000)),
        min_size=1,
        max_size=80,
    ),
    bins=st.integers(2, 10),
)
def test_rfm_scores_in_range_and_monotone(data, bins):
    orders = pd.DataFrame(data, columns=["user_id", "day", "amount_cny"])
    orders["timestamp"] = pd.Timestamp("2020-01-01") + pd.to_timedelta(orders["day"], unit="D")
    out = au.rfm_scores(orders, "2020-04-30", bins=bins)
    for score, raw, sign in (
        ("R", "recency_days", -1),
        ("F", "frequency", 1),
        ("M", "monetary", 1),
    ):
        assert out[score].between(1, bins).all()
        # equal values -> equal scores; larger (better) values -> score not lower
        ordered = out.assign(v=sign * out[raw]).sort_values("v")
        assert ordered[score].is_monotonic_increasing
    assert out["segment"].notna().all()


def test_rfm_bad_inputs():
    with pytest.raises(MissingColumnError, match="amount_col=None"):
        au.rfm_scores(ORDERS.drop(columns="amount_cny"), "2020-03-31")
    with pytest.raises(EmptyDataError, match="2019-12-31"):
        au.rfm_scores(ORDERS, "2019-12-31")
    with pytest.raises(BadParameterError, match="bins"):
        au.rfm_scores(ORDERS, "2020-03-31", bins=1)
    with pytest.raises(BadParameterError, match="split"):
        au.rfm_scores(ORDERS, "2020-03-31", split="mode")
    with pytest.raises(SchemaViolationError, match="amount_cny"):
        au.rfm_scores(ORDERS.assign(amount_cny=-1.0), "2020-03-31")
    with pytest.raises(SchemaViolationError, match="NaN"):
        au.rfm_scores(ORDERS.assign(amount_cny=np.nan), "2020-03-31")
    with pytest.raises(SchemaViolationError, match="not date-times"):
        au.rfm_scores(ORDERS.assign(timestamp="soon"), "2020-03-31")
    with pytest.raises(EmptyDataError, match="no 'buy' events"):
        au.rfm_scores(SMALL[SMALL["behavior_type"] != "buy"], "2017-12-03", amount_col=None)
    with pytest.raises(MissingColumnError, match="user_id"):
        au.rfm_scores(ORDERS.rename(columns={"user_id": "buyer"}), "2020-03-31")
    # ...but a custom user column works
    out = au.rfm_scores(ORDERS.rename(columns={"user_id": "buyer"}), "2020-03-31", user_col="buyer")
    assert "buyer" in out.columns


# --------------------------------------------------------------------------------------------
# 新客 / 老客 / 潜客
# --------------------------------------------------------------------------------------------


def test_customer_types_worked_example():
    # period 11-26..11-30; population = users with an event up to 11-30: 1, 2, 3
    # user 1: first buy 11-26 (in period)           -> 新客, bought in period
    # user 2: cart/pv, never bought                  -> 潜客, active in period
    # user 3: first buy 11-25 (before), pv on 11-29  -> 老客, active but no buy in period
    out = au.customer_types(SMALL, "2017-11-26", "2017-11-30")
    assert out["user_id"].tolist() == [1, 2, 3]
    assert out["customer_type"].astype(str).tolist() == ["新客", "潜客", "老客"]
    assert out["type_en"].tolist() == ["new", "prospect", "returning"]
    assert out["bought_in_period"].tolist() == [True, False, False]
    assert out["active_in_period"].tolist() == [True, True, True]
    assert pd.isna(out["first_purchase_date"].iloc[1])


def test_customer_types_from_orders():
    # orders only: no 潜客 possible. Period = March 2020:
    # user 1 first 01-05 -> 老客 (no March order); 2 -> 老客; 3 first 02-01 -> 老客, bought 03-01;
    # user 4 first 03-05 -> 新客
    out = au.customer_types(ORDERS, "2020-03-01", "2020-03-31")
    assert out["customer_type"].astype(str).tolist() == ["老客", "老客", "老客", "新客"]
    assert out["bought_in_period"].tolist() == [False, False, True, True]
    with pytest.raises(BadParameterError, match="period_end"):
        au.customer_types(ORDERS, "2020-03-31", "2020-03-01")
    with pytest.raises(EmptyDataError):
        au.customer_types(ORDERS, "2019-01-01", "2019-01-31")


# --------------------------------------------------------------------------------------------
# Cohorts and repurchase
# --------------------------------------------------------------------------------------------


def test_cohort_retention_monthly_worked_example():
    # first orders: Jan cohort = users 1, 2; Feb = user 3; Mar = user 4.
    # Jan: month+1 (Feb) user 1 ordered -> 1/2; month+2 (Mar): nobody -> 0.
    # Feb: month+1 (Mar) user 3 ordered -> 1/1; month+2 is April, not in the data -> NaN.
    out = au.cohort_retention(ORDERS, "M")
    assert [str(p) for p in out.index] == ["2020-01", "2020-02", "2020-03"]
    assert out.columns.tolist() == [0, 1, 2]
    expected = [[1.0, 0.5, 0.0], [1.0, 1.0, np.nan], [1.0, np.nan, np.nan]]
    np.testing.assert_allclose(out.to_numpy(), expected)
    users = au.cohort_retention(ORDERS, "M", values="users")
    assert users[0].tolist() == [2, 1, 1]
    assert pd.isna(users.loc[users.index[2], 1])


def test_cohort_retention_weeks_start_on_monday():
    # 2020-06-14 is a Sunday, 06-15 a Monday: two different weeks
    orders = pd.DataFrame(
        {"user_id": [1, 1, 2], "timestamp": ["2020-06-14 23:00", "2020-06-15 01:00", "2020-06-15"]}
    )
    out = au.cohort_retention(orders, "W")
    assert len(out) == 2  # cohort weeks of 06-08..06-14 and 06-15..06-21
    assert out.iloc[0].tolist() == [1.0, 1.0]


@PROPS
@given(
    data=st.lists(st.tuples(st.integers(1, 15), st.integers(0, 120)), min_size=1, max_size=60),
    period=st.sampled_from(["D", "W", "M"]),
)
def test_cohort_retention_rates_are_proportions(data, period):
    orders = pd.DataFrame(data, columns=["user_id", "day"])
    orders["timestamp"] = pd.Timestamp("2020-01-01") + pd.to_timedelta(orders["day"], unit="D")
    out = au.cohort_retention(orders, period)
    values = out.to_numpy()
    observed = values[~np.isnan(values)]
    assert ((observed >= 0) & (observed <= 1)).all()
    assert (out[0] == 1.0).all()
    users = au.cohort_retention(orders, period, values="users")
    assert users[0].sum() == orders["user_id"].nunique()


def test_repurchase_rate_worked_example():
    # overall: users with orders on ≥ 2 days: 1 (01-05, 02-10) and 3 -> 2 of 4 = 0.5
    r = au.repurchase_rate(ORDERS)
    assert (r.customers, r.repurchasers, r.rate) == (4, 2, 0.5)
    assert r.as_of == pd.Timestamp("2020-03-05")
    # within 30 days, as_of 03-05: eligible = first order on/before 02-04: users 1, 2, 3.
    # user 1 came back after 36 days (no), user 2 never, user 3 after 14 days (yes) -> 1/3
    r30 = au.repurchase_rate(ORDERS, 30)
    assert (r30.customers, r30.repurchasers) == (3, 1)
    assert r30.rate == pytest.approx(1 / 3)
    with pytest.raises(EmptyDataError, match="at least 400 days"):
        au.repurchase_rate(ORDERS, 400)
    with pytest.raises(BadParameterError, match="within_days"):
        au.repurchase_rate(ORDERS, 0)


def test_repurchase_same_day_is_not_repurchase():
    orders = pd.DataFrame(
        {"user_id": [1, 1], "timestamp": ["2020-06-18 10:00", "2020-06-18 23:59"]}
    )
    assert au.repurchase_rate(orders).rate == 0.0


# --------------------------------------------------------------------------------------------
# CLV
# --------------------------------------------------------------------------------------------


def test_simple_clv_worked_example():
    # 7 orders worth 1,509 CNY -> AOV 215.571...; 4 customers; span 01-05..03-05 = 61 days
    # f = 7/4 × 365/61 = 10.4713 orders per customer per year
    # m = 215.571 × 10.4713 × 0.3 = 677.19 CNY per year
    # infinite horizon: r/(1 + d − r) = 0.6/0.5 = 1.2 -> CLV = 812.63 CNY
    est = au.simple_clv(
        ORDERS,
        margin_rate=0.3,
        discount_rate_annual=0.1,
        retention_rate_annual=0.6,
        horizon_years=None,
    )
    assert est.aov_cny == pytest.approx(1509 / 7)
    assert est.purchases_per_year == pytest.approx(7 / 4 * 365 / 61)
    assert est.multiplier == pytest.approx(1.2)
    assert est.clv_cny == pytest.approx(1509 / 7 * 7 / 4 * 365 / 61 * 0.3 * 1.2)


def test_simple_clv_finite_horizon_matches_the_sum():
    # AOV 200, 2 orders/year, margin 25% -> m = 100 CNY/year. r = 0.8, d = 0.1, T = 3:
    # q = 0.8/1.1; CLV = 100 × (q + q² + q³) = 100 × (0.72727 + 0.52893 + 0.38468) = 164.09
    est = au.simple_clv(
        ORDERS,
        margin_rate=0.25,
        discount_rate_annual=0.1,
        retention_rate_annual=0.8,
        horizon_years=3,
        purchases_per_year=2,
        aov_cny=200,
    )
    q = 0.8 / 1.1
    assert est.annual_margin_cny == pytest.approx(100)
    assert est.clv_cny == pytest.approx(100 * (q + q**2 + q**3))
    assert est.clv_cny == pytest.approx(164.09, abs=0.01)
    # r = 1, d = 0 over 5 years: five full margins
    est = au.simple_clv(
        ORDERS,
        margin_rate=0.25,
        discount_rate_annual=0,
        retention_rate_annual=1,
        horizon_years=5,
        purchases_per_year=2,
        aov_cny=200,
    )
    assert est.clv_cny == pytest.approx(500)


def test_simple_clv_bad_inputs():
    kw = {"margin_rate": 0.3, "discount_rate_annual": 0.1, "retention_rate_annual": 0.6}
    with pytest.raises(BadParameterError, match="only 1 days"):
        au.simple_clv(ORDERS.iloc[:1], horizon_years=None, **kw)
    with pytest.raises(BadParameterError, match="aov_cny"):
        au.simple_clv(SMALL, horizon_years=3, amount_col=None, purchases_per_year=4, **kw)
    with pytest.raises(BadParameterError, match="margin_rate"):
        au.simple_clv(ORDERS, horizon_years=3, **{**kw, "margin_rate": 30})
    with pytest.raises(BadParameterError, match="unlimited horizon"):
        au.simple_clv(
            ORDERS,
            horizon_years=None,
            **{**kw, "retention_rate_annual": 1, "discount_rate_annual": 0},
        )
    with pytest.raises(BadParameterError, match="horizon_years"):
        au.simple_clv(ORDERS, horizon_years=2.5, **kw)


# --------------------------------------------------------------------------------------------
# Fan growth
# --------------------------------------------------------------------------------------------


def test_fan_growth_from_new_fans_worked_example():
    # start 100 fans; new 10, 30, 60 -> cumulative 110, 140, 200; total 100 new
    # growth: 10/100 = 0.1, 30/110 = 0.2727, 60/140 = 0.4286; peak day 3 with 60% of growth
    daily = pd.DataFrame(
        {"date": ["2020-06-16", "2020-06-17", "2020-06-18"], "new_fans": [10, 30, 60]}
    )
    g = au.fan_growth(daily, start_fans=100)
    assert g.daily["cumulative_fans"].tolist() == [110, 140, 200]
    assert g.daily["growth_rate"].tolist() == pytest.approx([0.1, 30 / 110, 60 / 140])
    assert g.daily["share_of_growth"].tolist() == pytest.approx([0.1, 0.3, 0.6])
    assert g.total_new_fans == 100
    assert g.peak_date == pd.Timestamp("2020-06-18")
    assert g.peak_day_share == pytest.approx(0.6)
    assert g.by_phase is None


def test_fan_growth_from_cumulative_with_calendar():
    # cumulative 1000 (opening balance, 05-31), 1050, 1100 (品类日 06-01, 06-02), then
    # 1400 on 06-16 (狂欢日)... dates must be consecutive, so use 05-31..06-02 plus the
    # calendar's 品类日 starting 06-01: new = NaN, 50, 50; total 100; 品类日 has 100%.
    daily = pd.DataFrame(
        {"date": pd.date_range("2020-05-31", periods=3), "fans": [1000, 1050, 1100]}
    )
    g = au.fan_growth(daily, cumulative_col="fans", calendar=calendar_618(2020))
    assert math.isnan(g.daily["new_fans"].iloc[0])
    assert g.daily["new_fans"].iloc[1:].tolist() == [50, 50]
    assert g.daily["growth_rate"].iloc[1:].tolist() == pytest.approx([0.05, 50 / 1050])
    assert g.total_new_fans == 100
    assert g.peak_date == pd.Timestamp("2020-06-01")  # first of the tied days
    assert g.daily["phase"].tolist() == ["预售期", "品类日", "品类日"]
    by = g.by_phase.set_index("phase")
    # the opening day (预售期) is not counted: 0 days, 0 fans
    assert by.loc["品类日", "new_fans"] == 100 and by.loc["品类日", "days"] == 2
    assert by.loc["预售期", "days"] == 0
    assert g.peak_phase == "品类日" and g.peak_phase_share == pytest.approx(1.0)
    assert "活动外" not in by.index
    # with start_fans the first day counts: 1000 - 900 = 100 new on 05-31
    g2 = au.fan_growth(daily, cumulative_col="fans", start_fans=900)
    assert g2.daily["new_fans"].tolist() == [100, 50, 50]


def test_fan_growth_over_a_campaign_table():
    # one new fan per day from 05-20 to 06-20 = 32 days, new fans 0..31
    daily = pd.DataFrame({"date": pd.date_range("2020-05-20", "2020-06-20"), "new_fans": range(32)})
    g = au.fan_growth(daily, calendar=calendar_618(2020))
    by = g.by_phase.set_index("phase")
    # 狂欢日 06-16..18 = days 27, 28, 29 -> 84 of 496
    assert by.loc["狂欢日", "new_fans"] == 84
    assert by["share_of_growth"].sum() == pytest.approx(1.0)
    assert by.loc["活动外", "days"] == 2  # 06-19, 06-20
    assert g.peak_phase == "品类日"


def test_fan_growth_bad_inputs():
    base = pd.DataFrame({"date": pd.date_range("2020-06-01", periods=3), "new_fans": [1, 2, 3]})
    with pytest.raises(SchemaViolationError, match="skips days"):
        au.fan_growth(base.drop(index=1))
    with pytest.raises(SchemaViolationError, match="twice"):
        au.fan_growth(pd.concat([base, base.iloc[:1]]))
    with pytest.raises(SchemaViolationError, match="new_fans"):
        au.fan_growth(base.assign(new_fans=[1, -2, 3]))
    with pytest.raises(MissingColumnError, match="cumulative_col"):
        au.fan_growth(base.rename(columns={"new_fans": "fans"}))
    with pytest.raises(SchemaViolationError, match="falls on 2020-06-02"):
        au.fan_growth(base.assign(fans=[5, 4, 6]), cumulative_col="fans")
    with pytest.raises(EmptyDataError, match="opening day"):
        au.fan_growth(base.iloc[:1].assign(fans=[5]), cumulative_col="fans")
    with pytest.raises(SchemaViolationError, match="expected dates"):
        au.fan_growth(base.assign(date=[1, 2, 3]))


# --------------------------------------------------------------------------------------------
# A generated event log through the whole module
# --------------------------------------------------------------------------------------------


def test_generated_log_end_to_end():
    ev = synthetic_log(seed=618)
    states = au.aipl_states(ev, "2017-12-03", lookback_days=9)
    assert set(states["user_id"]) == set(ev["user_id"])  # all events are in the window
    buyers = set(ev.loc[ev["behavior_type"] == "buy", "user_id"])
    assert set(states.loc[states["state"] >= "P", "user_id"]) == buyers
    t = au.aipl_transitions(ev, "2017-11-29", "2017-12-03", lookback_days=5)
    assert t.to_numpy().sum() == ev["user_id"].nunique()  # windows cover all 9 days

    types = au.customer_types(ev, "2017-12-01", "2017-12-03")
    counts = types["customer_type"].value_counts()
    assert counts["新客"] + counts["老客"] == len(buyers)
    assert counts.sum() == ev["user_id"].nunique()

    rfm = au.rfm_scores(ev, "2017-12-03", amount_col=None)
    assert set(rfm["user_id"]) == buyers
    assert rfm[["R", "F", "M"]].isin(range(1, 6)).all().all()

    ret = au.cohort_retention(ev, "D")
    assert (ret[0] == 1).all() and len(ret) <= 9
    rep = au.repurchase_rate(ev)
    assert 0 <= rep.rate <= 1 and rep.customers == len(buyers)
