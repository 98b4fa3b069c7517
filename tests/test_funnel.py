"""Tests of casekit.funnel: metric definitions, event-log funnels and the GMV identity."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casekit import funnel
from casekit.errors import (
    BadParameterError,
    EmptyDataError,
    MissingColumnError,
    SchemaViolationError,
    UnknownParameterError,
)

# ------------------------------------------------------------------------------------------
# metric definitions: worked examples
# ------------------------------------------------------------------------------------------


def test_scalar_metrics_worked_examples():
    # 30 clicks on 1,000 impressions: 30 / 1000 = 0.03
    assert funnel.ctr(30, 1000) == pytest.approx(0.03)
    # 3 orders from 120 clicks: 3 / 120 = 0.025
    assert funnel.cvr(3, 120) == pytest.approx(0.025)
    # 45 CNY for 30 clicks: 45 / 30 = 1.5 CNY per click
    assert funnel.cpc(45.0, 30) == pytest.approx(1.5)
    # 45 CNY for 1,000 impressions: 45 / 1000 × 1000 = 45 CNY per mille
    assert funnel.cpm(45.0, 1000) == pytest.approx(45.0)
    # 300 CNY sales on 100 CNY spend: ROAS 300 / 100 = 3, ROI (300 − 100) / 100 = 2
    assert funnel.roas(300.0, 100.0) == pytest.approx(3.0)
    assert funnel.roi(300.0, 100.0) == pytest.approx(2.0)
    # 1,500 CNY from 10 paying buyers: 150 CNY per buyer
    assert funnel.aov(1500.0, 10) == pytest.approx(150.0)
    # 1,500 CNY from 500 visitors: 3 CNY per visitor
    assert funnel.uv_value(1500.0, 500) == pytest.approx(3.0)


def test_scalar_results_are_plain_floats():
    assert type(funnel.ctr(1, 4)) is float
    assert type(funnel.roi(np.int64(5), np.float64(4.0))) is float


def test_roi_is_roas_minus_one_and_break_even_is_zero():
    assert funnel.roi(100.0, 100.0) == 0.0
    assert funnel.roi(0.0, 50.0) == -1.0
    # a platform's "ROI 4" (投产比) is roas 4, i.e. roi 3 in this kit
    assert funnel.roas(400.0, 100.0) - 1 == funnel.roi(400.0, 100.0) == pytest.approx(3.0)


def test_uv_value_equals_cvr_times_aov():
    # 500 visitors, 10 buyers, 1,500 CNY: 10/500 × 1500/10 = 0.02 × 150 = 3 = 1500/500
    assert funnel.cvr(10, 500) * funnel.aov(1500.0, 10) == pytest.approx(
        funnel.uv_value(1500.0, 500)
    )


def test_series_keep_index_and_name_and_nan_only_at_zero_denominator():
    clicks = pd.Series([5, 0, 2], index=["kw_a", "kw_b", "kw_c"])
    impressions = pd.Series([100, 0, 50], index=["kw_a", "kw_b", "kw_c"])
    out = funnel.ctr(clicks, impressions)
    assert isinstance(out, pd.Series)
    assert out.name == "ctr"
    assert list(out.index) == ["kw_a", "kw_b", "kw_c"]
    # 5/100 = 0.05; 0/0 undefined → NaN; 2/50 = 0.04
    assert out["kw_a"] == pytest.approx(0.05)
    assert math.isnan(out["kw_b"])
    assert out["kw_c"] == pytest.approx(0.04)


def test_nan_where_cost_but_no_clicks():
    # CPM-billed spend with no clicks: CPC undefined (NaN), not 0 and not infinite
    out = funnel.cpc(pd.Series([10.0, 4.0]), pd.Series([0, 8]))
    assert math.isnan(out.iloc[0])
    assert out.iloc[1] == pytest.approx(0.5)


def test_arrays_lists_and_broadcast_with_scalar():
    out = funnel.cpm(np.array([30.0, 60.0]), 2000)
    assert isinstance(out, np.ndarray)
    # 30 / 2000 × 1000 = 15; 60 / 2000 × 1000 = 30
    np.testing.assert_allclose(out, [15.0, 30.0])
    np.testing.assert_allclose(funnel.ctr([1, 2], [4, 5]), [0.25, 0.4])
    s = funnel.roas(pd.Series([200.0, 50.0], index=[3, 7]), 100.0)
    assert list(s.index) == [3, 7]
    np.testing.assert_allclose(s, [2.0, 0.5])


def test_nullable_integer_series_are_accepted():
    out = funnel.cvr(pd.Series([1, 2], dtype="Int64"), pd.Series([10, 40], dtype="Int64"))
    np.testing.assert_allclose(out, [0.1, 0.05])


# ------------------------------------------------------------------------------------------
# metric definitions: bad inputs
# ------------------------------------------------------------------------------------------


def test_scalar_zero_denominator_raises():
    with pytest.raises(BadParameterError, match=r"impressions.*undefined, not 0"):
        funnel.ctr(0, 0)
    with pytest.raises(BadParameterError, match="orders_or_buyers"):
        funnel.aov(100.0, 0)
    with pytest.raises(BadParameterError, match="cost_cny"):
        funnel.roi(100.0, 0.0)


@pytest.mark.parametrize(
    ("call", "pattern"),
    [
        (lambda: funnel.ctr(-1, 100), r"'clicks'.*>= 0"),
        (lambda: funnel.cpc(10.0, -5), r"'clicks'.*>= 0"),
        (lambda: funnel.cpc(pd.Series([1.0, -2.0]), pd.Series([1, 1])), r"negative at label 1"),
        (lambda: funnel.ctr(np.array([1.0, np.nan]), 10), r"NaN at position 1"),
        (lambda: funnel.ctr(pd.Series([1, 2]), pd.Series([10.0, np.inf])), r"infinite"),
        (lambda: funnel.ctr(float("nan"), 10), r"finite number"),
        (lambda: funnel.ctr("3", 10), r"a number"),
        (lambda: funnel.ctr(True, 10), r"a number"),
        (lambda: funnel.ctr(pd.Series(["1"]), pd.Series([2])), r"dtype"),
        (lambda: funnel.ctr([1, 2, 3], [4, 5]), r"same length"),
    ],
)
def test_bad_values_raise(call, pattern):
    with pytest.raises(BadParameterError, match=pattern):
        call()


def test_proportions_above_one_raise_with_hint():
    with pytest.raises(BadParameterError, match=r"at most impressions.*swapped"):
        funnel.ctr(120, 100)
    with pytest.raises(BadParameterError, match=r"at label 'b'"):
        funnel.cvr(pd.Series([1, 9], index=["a", "b"]), pd.Series([10, 5], index=["a", "b"]))


def test_misaligned_series_raise():
    a = pd.Series([1, 2], index=[0, 1])
    b = pd.Series([10, 20], index=[1, 0])
    with pytest.raises(BadParameterError, match="aligned with 'clicks'"):
        funnel.ctr(a, b)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 10**6), st.integers(0, 10**6)).map(sorted),
        min_size=1,
        max_size=30,
    )
)
def test_rates_are_proportions(pairs):
    num = np.array([p[0] for p in pairs], dtype=float)
    den = np.array([p[1] for p in pairs], dtype=float)
    for f in (funnel.ctr, funnel.cvr):
        out = f(num, den)
        defined = den > 0
        assert np.all((out[defined] >= 0) & (out[defined] <= 1))
        assert np.all(np.isnan(out[~defined]))


# ------------------------------------------------------------------------------------------
# metrics_table
# ------------------------------------------------------------------------------------------


def _ad_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "keyword": ["口红", "粉底液", "新词"],
            "impressions": [20000, 5000, 0],
            "clicks": [400, 50, 0],
            "cost_cny": [600.0, 100.0, 0.0],
            "orders": [20, 0, 0],
            "revenue_cny": [3000.0, 0.0, 0.0],
        }
    )


def test_metrics_table_worked_example():
    out = funnel.metrics_table(_ad_table())
    row = out.iloc[0]
    # 口红: ctr 400/20000 = 0.02; cvr 20/400 = 0.05; cpc 600/400 = 1.5; cpm 600/20000×1000 = 30
    # roas 3000/600 = 5; roi 5 − 1 = 4; aov 3000/20 = 150; cost per order 600/20 = 30
    expected = {
        "ctr": 0.02,
        "cvr": 0.05,
        "cpc_cny": 1.5,
        "cpm_cny": 30.0,
        "roas": 5.0,
        "roi": 4.0,
        "aov_cny": 150.0,
        "cost_per_order_cny": 30.0,
    }
    for column, value in expected.items():
        assert row[column] == pytest.approx(value), column
    # 粉底液: no orders → cvr 0/50 = 0 but aov and cost per order undefined (NaN)
    assert out.loc[1, "cvr"] == 0.0
    assert math.isnan(out.loc[1, "aov_cny"]) and math.isnan(out.loc[1, "cost_per_order_cny"])
    # 新词: nothing happened → every metric NaN
    assert out.loc[2, list(expected)].isna().all()
    assert list(out.columns[:6]) == list(_ad_table().columns)  # input untouched, copied
    assert "ctr" not in _ad_table().columns


def test_metrics_table_configurable_names_and_absent_columns():
    df = _ad_table().rename(columns={"impressions": "展现量", "cost_cny": "花费"})
    df = df.drop(columns=["orders"])
    out = funnel.metrics_table(df, impressions="展现量", cost_cny="花费", orders=None)
    assert {"ctr", "cpc_cny", "cpm_cny", "roas", "roi"} <= set(out.columns)
    assert not {"cvr", "aov_cny", "cost_per_order_cny"} & set(out.columns)


def test_metrics_table_bad_inputs():
    with pytest.raises(MissingColumnError, match=r"'orders' \(成交笔数\)"):
        funnel.metrics_table(_ad_table().drop(columns=["orders"]))
    with pytest.raises(EmptyDataError):
        funnel.metrics_table(_ad_table().iloc[:0])
    with pytest.raises(BadParameterError, match="make a metric"):
        funnel.metrics_table(_ad_table(), impressions=None, clicks=None, cost_cny=None, orders=None)
    bad = _ad_table().assign(clicks=["400", "50", "0"])
    with pytest.raises(SchemaViolationError, match=r"'clicks'.*dtype"):
        funnel.metrics_table(bad)
    bad = _ad_table().assign(cost_cny=[600.0, -1.0, 0.0])
    with pytest.raises(SchemaViolationError, match=r"'cost_cny'.*-1.0"):
        funnel.metrics_table(bad)
    with pytest.raises(BadParameterError, match="'clicks'"):
        funnel.metrics_table(_ad_table(), clicks=3)


# ------------------------------------------------------------------------------------------
# funnels from an event log
# ------------------------------------------------------------------------------------------

# 2017-11-25 00:00 Beijing = 1511539200 Unix seconds (16:00 UTC the day before)
DAY0 = 1511539200


def _log() -> pd.DataFrame:
    rows = [
        # user 1: pv, cart, buy in category 5 → reaches every stage
        (1, 10, 5, "pv", DAY0 + 3600),
        (1, 10, 5, "cart", DAY0 + 3700),
        (1, 10, 5, "buy", DAY0 + 3800),
        # user 2: pv in category 5, then buys in category 6 without pv or cart there
        (2, 11, 5, "pv", DAY0 + 7200),
        (2, 12, 6, "buy", DAY0 + 7300),
        # user 3: pv and fav in category 6 (next day, 00:30 Beijing), no buy
        (3, 13, 6, "pv", DAY0 + 86400 + 1800),
        (3, 13, 6, "fav", DAY0 + 86400 + 1900),
        (3, 13, 6, "pv", DAY0 + 86400 + 2000),
        # user 4: buys without any pv in the window → only the event count sees it
        (4, 14, 6, "buy", DAY0 + 86400 + 3600),
        # user 5: pv, cart and fav in category 5, buys: counted once in cart_or_fav
        (5, 10, 5, "pv", DAY0 - 1800),  # 2017-11-24 23:30 Beijing
        (5, 10, 5, "cart", DAY0 + 600),
        (5, 10, 5, "fav", DAY0 + 700),
        (5, 10, 5, "buy", DAY0 + 800),
    ]
    return pd.DataFrame(
        rows, columns=["user_id", "item_id", "category_id", "behavior_type", "timestamp"]
    )


def test_stage_counts_user_level_worked_example():
    out = funnel.stage_counts(_log())
    # pv: users 1, 2, 3, 5 = 4; cart: 1, 5 = 2; fav: 3, 5 = 2; cart_or_fav: 1, 3, 5 = 3;
    # buy: in cart_or_fav and bought: 1, 5 = 2 (user 2 bought but never carted/faved,
    # user 4 bought without any pv)
    assert out.to_dict("records") == [{"pv": 4, "cart": 2, "fav": 2, "cart_or_fav": 3, "buy": 2}]
    assert list(out.dtypes) == [np.dtype("int64")] * 5


def test_stage_counts_event_level_worked_example():
    out = funnel.stage_counts(_log(), unit="event")
    # pv events 5; cart 2; fav 2; cart_or_fav 2 + 2 = 4; buy events 4 (users 1, 2, 4, 5)
    assert out.to_dict("records") == [{"pv": 5, "cart": 2, "fav": 2, "cart_or_fav": 4, "buy": 4}]


def test_stage_counts_by_category_is_per_group_funnel():
    out = funnel.stage_counts(_log(), by="category_id")
    # category 5: pv users 1, 2, 5; cart 1, 5; fav 5; cart_or_fav 1, 5; buy 1, 5
    # category 6: pv user 3; fav 3; buy nobody (2 and 4 bought with no pv in category 6)
    assert out.to_dict("records") == [
        {"category_id": 5, "pv": 3, "cart": 2, "fav": 1, "cart_or_fav": 2, "buy": 2},
        {"category_id": 6, "pv": 1, "cart": 0, "fav": 1, "cart_or_fav": 1, "buy": 0},
    ]


def test_stage_counts_days_follow_beijing_time():
    out = funnel.stage_counts(_log(), by="day", unit="event")
    # user 5's pv at 23:30 Beijing on 11-24 falls on 11-24, not on 11-25 (UTC would say 15:30)
    assert list(out["day"]) == list(pd.to_datetime(["2017-11-24", "2017-11-25", "2017-11-26"]))
    assert list(out["pv"]) == [1, 2, 2]
    users = funnel.stage_counts(_log(), by="day")
    # on 11-25 user 5 has cart/fav/buy but its pv was the day before → not in the day's funnel
    day25 = users.loc[users["day"] == pd.Timestamp("2017-11-25")].iloc[0]
    assert (day25["pv"], day25["cart_or_fav"], day25["buy"]) == (2, 1, 1)


def test_stage_counts_by_hour_and_list():
    out = funnel.stage_counts(_log(), by="hour", unit="event")
    # hours of day in Beijing time: 0 (00:10, 00:11, 00:13, 00:30, 00:31, 00:33), 1, 2, 23
    assert list(out["hour"]) == [0, 1, 2, 23]
    assert out["pv"].sum() == 5
    both = funnel.stage_counts(_log(), by=["day", "category_id"])
    assert list(both.columns[:2]) == ["day", "category_id"]
    assert (both[["pv", "cart", "fav", "cart_or_fav", "buy"]] >= 0).all().all()


def test_stage_counts_accepts_datetimes_and_categories():
    log = _log()
    log["timestamp"] = pd.to_datetime(log["timestamp"], unit="s", utc=True).dt.tz_convert(
        "Asia/Shanghai"
    )
    log["behavior_type"] = log["behavior_type"].astype("category")
    pd.testing.assert_frame_equal(funnel.stage_counts(log), funnel.stage_counts(_log()))


def test_funnel_rates_worked_example():
    out = funnel.funnel_rates(_log())
    rates = out.set_index("stage")
    assert list(out["stage"]) == ["pv", "cart", "fav", "cart_or_fav", "buy"]
    # pv 4 users; cart_or_fav 3 → step 3/4 = 0.75; buy 2 → step 2/3, overall 2/4 = 0.5
    assert rates.loc["pv", "step_rate"] == 1.0
    assert rates.loc["cart", "step_rate"] == pytest.approx(0.5)  # 2 / 4
    assert rates.loc["cart_or_fav", "step_rate"] == pytest.approx(0.75)
    assert rates.loc["buy", "step_rate"] == pytest.approx(2 / 3)
    assert rates.loc["buy", "overall_rate"] == pytest.approx(0.5)
    assert rates.loc["buy", "previous_stage"] == "cart_or_fav"
    assert rates.loc["buy", "stage_zh"] == "购买"
    assert pd.isna(rates.loc["pv", "previous_stage"])


def test_funnel_rates_by_group():
    out = funnel.funnel_rates(_log(), by="category_id")
    cat6 = out[out["category_id"] == 6].set_index("stage")
    # category 6: pv 1, fav 1, buy 0 → fav step 1/1, buy step 0/1
    assert cat6.loc["fav", "step_rate"] == 1.0
    assert cat6.loc["buy", "step_rate"] == 0.0
    assert len(out) == 2 * 5


def test_group_without_pv_gets_nan_rates():
    log = pd.DataFrame(
        {
            "user_id": [1, 2],
            "category_id": [1, 2],
            "behavior_type": ["pv", "buy"],
            "timestamp": [DAY0, DAY0],
        }
    )
    out = funnel.funnel_rates(log, by="category_id")
    assert out.loc[out["category_id"] == 2, ["step_rate", "overall_rate"]].isna().all().all()
    cat1 = out[out["category_id"] == 1].set_index("stage")
    # category 1: one pv user, nobody carted → overall rates 1, 0, 0, 0, 0 are defined, but
    # the buy step (0 buyers out of 0 cart_or_fav users) is undefined
    assert cat1["overall_rate"].tolist() == [1.0, 0.0, 0.0, 0.0, 0.0]
    assert math.isnan(cat1.loc["buy", "step_rate"])


@pytest.mark.parametrize(
    ("kwargs", "error", "pattern"),
    [
        ({"by": "shop_id"}, BadParameterError, r"'day', 'hour'.*item_id, category_id"),
        ({"by": "user_id"}, BadParameterError, "'by'"),
        ({"by": ["day", "day"]}, BadParameterError, "at most once"),
        ({"by": 3}, BadParameterError, "'by'"),
        ({"unit": "session"}, BadParameterError, "user, event"),
    ],
)
def test_stage_counts_bad_parameters(kwargs, error, pattern):
    with pytest.raises(error, match=pattern):
        funnel.stage_counts(_log(), **kwargs)


def test_stage_counts_bad_logs():
    with pytest.raises(SchemaViolationError, match="'click'"):
        funnel.stage_counts(_log().replace({"behavior_type": {"pv": "click"}}))
    with pytest.raises(MissingColumnError, match="user_id"):
        funnel.stage_counts(_log().drop(columns="user_id"))
    with pytest.raises(EmptyDataError):
        funnel.stage_counts(_log().iloc[:0])
    missing_cat = _log().astype({"category_id": "float64"})
    missing_cat.loc[0, "category_id"] = np.nan
    with pytest.raises(SchemaViolationError, match=r"'category_id'.*missing"):
        funnel.stage_counts(missing_cat, by="category_id")


def _reference_user_funnel(log: pd.DataFrame) -> dict[str, int]:
    """Plain-Python version of the closed user funnel, for comparison."""
    actions: dict[object, set[str]] = {}
    for user, behavior in zip(log["user_id"], log["behavior_type"], strict=True):
        actions.setdefault(user, set()).add(behavior)
    counts = dict.fromkeys(funnel.STAGES, 0)
    for done in actions.values():
        if "pv" not in done:
            continue
        counts["pv"] += 1
        counts["cart"] += "cart" in done
        counts["fav"] += "fav" in done
        if done & {"cart", "fav"}:
            counts["cart_or_fav"] += 1
            counts["buy"] += "buy" in done
    return counts


event_rows = st.lists(
    st.tuples(
        st.integers(1, 8),  # user
        st.integers(1, 3),  # category
        st.sampled_from(["pv", "pv", "pv", "cart", "fav", "buy"]),
        st.integers(0, 3 * 86400),  # seconds after DAY0
    ),
    min_size=1,
    max_size=60,
)


def _rows_to_log(rows) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "user_id": [r[0] for r in rows],
            "item_id": [r[1] * 100 for r in rows],
            "category_id": [r[1] for r in rows],
            "behavior_type": [r[2] for r in rows],
            "timestamp": [DAY0 + r[3] for r in rows],
        }
    )


@settings(max_examples=25, deadline=None)
@given(event_rows)
def test_user_funnel_never_grows_and_matches_reference(rows):
    log = _rows_to_log(rows)
    total = funnel.stage_counts(log).iloc[0].to_dict()
    assert total == _reference_user_funnel(log)
    for by in ("category_id", ["day", "category_id"]):
        out = funnel.stage_counts(log, by=by)
        assert (out["pv"] >= out["cart_or_fav"]).all()
        assert (out["cart_or_fav"] >= out["buy"]).all()
        assert (out["cart_or_fav"] >= out[["cart", "fav"]].max(axis=1)).all()
        assert (out["cart_or_fav"] <= out["cart"] + out["fav"]).all()
    rates = funnel.funnel_rates(log, by="category_id")
    defined = rates[["step_rate", "overall_rate"]].dropna()
    assert ((defined >= 0) & (defined <= 1)).all().all()


def _reference_paths(log: pd.DataFrame, window: int | None) -> dict[str, int]:
    """Plain-Python path split of the whole log's buyers (Beijing days), for comparison."""
    day = ((log["timestamp"] + 8 * 3600) // 86400).tolist()
    done: dict[object, dict[str, set[int]]] = {}
    for user, behavior, d in zip(log["user_id"], log["behavior_type"], day, strict=True):
        done.setdefault(user, {}).setdefault(behavior, set()).add(d)
    out = dict.fromkeys(("buyers", *funnel.PATHS, "attributed_buy"), 0)
    for acts in done.values():
        if "buy" not in acts:
            continue

        def near(kind: str, acts=acts) -> bool:
            if window is None:
                return kind in acts
            return any(b - window <= d <= b for b in acts["buy"] for d in acts.get(kind, ()))

        cart, fav = near("cart"), near("fav")
        out["buyers"] += 1
        path = {(0, 0): "direct", (1, 0): "via_cart", (0, 1): "via_fav", (1, 1): "via_both"}
        out[path[(int(cart), int(fav))]] += 1
        out["attributed_buy"] += ("pv" in acts) and (cart or fav)
    return out


@settings(max_examples=25, deadline=None)
@given(event_rows, st.sampled_from([None, 0, 1, 2]))
def test_three_views_match_reference(rows, window):
    log = _rows_to_log(rows)
    opened = funnel.stage_counts(log, view="open").iloc[0]
    closed = funnel.stage_counts(log).iloc[0]
    behaviors = log.groupby("behavior_type", observed=True)["user_id"].nunique()
    for stage in ("pv", "cart", "fav", "buy"):
        assert opened[stage] == behaviors.get(stage, 0)
    # the closed funnel is inside the open counts, stage by stage
    assert (closed <= opened).all()
    paths = funnel.path_shares(log, window=window)
    got = paths[["buyers", *funnel.PATHS, "attributed_buy"]].iloc[0].to_dict()
    if opened["buy"] == 0:
        assert got["buyers"] == 0 and paths[["direct_share"]].isna().all().all()
    assert got == _reference_paths(log, window)
    assert got["buyers"] == sum(got[p] for p in funnel.PATHS)
    if window is None:
        assert got["attributed_buy"] == closed["buy"]


def test_conversion_views_worked_example():
    out = funnel.conversion_views(_log(), window=0)
    # 4 pv users (1, 2, 3, 5). open: buyers who viewed = 1, 2, 5 → 3 (user 4 has no pv);
    # closed: 1, 5 → 2; attributed, same day: 1 and 5 carted on 11-25, the day they bought
    # (user 5's pv on 11-24 counts as its pv in the whole log) → 2
    assert out["view"].tolist() == ["open", "closed", "attributed"]
    assert out["buyers"].tolist() == [3, 2, 2]
    assert out["pv_users"].tolist() == [4, 4, 4]
    np.testing.assert_allclose(out["conversion_rate"], [0.75, 0.5, 0.5])
    assert funnel.conversion_views(_log())["view"].tolist() == ["open", "closed"]


@pytest.mark.parametrize(
    ("call", "pattern"),
    [
        (lambda log: funnel.stage_counts(log, view="paths"), "closed, open"),
        (lambda log: funnel.stage_counts(log, unit="event", view="open"), "unit='event'"),
        (lambda log: funnel.path_shares(log, window=-1), "window"),
        (lambda log: funnel.path_shares(log, window=1.5), "window"),
        (lambda log: funnel.path_shares(log, window=400), "0 to 366"),
        (lambda log: funnel.path_shares(log, by="hour", window=1), "whole days"),
        (lambda log: funnel.conversion_views(log, by="shop_id"), "'by'"),
    ],
)
def test_views_bad_parameters(call, pattern):
    with pytest.raises(BadParameterError, match=pattern):
        call(_log())


def test_funnel_on_generated_log():
    # a seeded log of 300 users over 3 days with realistic action shares
    rng = np.random.default_rng(20171125)
    n = 4000
    log = pd.DataFrame(
        {
            "user_id": rng.integers(1, 301, n),
            "item_id": rng.integers(1, 500, n),
            "category_id": rng.integers(1, 6, n),
            "behavior_type": rng.choice(
                ["pv", "cart", "fav", "buy"], n, p=[0.85, 0.07, 0.05, 0.03]
            ),
            "timestamp": DAY0 + rng.integers(0, 3 * 86400, n),
        }
    )
    users = funnel.stage_counts(log)
    events = funnel.stage_counts(log, unit="event")
    assert users.iloc[0].to_dict() == _reference_user_funnel(log)
    assert events["pv"].iloc[0] == (log["behavior_type"] == "pv").sum()
    by_day = funnel.stage_counts(log, by="day", unit="event")
    assert len(by_day) == 3 and by_day["buy"].sum() == (log["behavior_type"] == "buy").sum()
    rates = funnel.funnel_rates(log, by="category_id")
    assert rates["overall_rate"].between(0, 1).all()
    buy = rates[rates["stage"] == "buy"]
    step = rates[rates["stage"] == "cart_or_fav"]
    # overall = product of the steps along pv → cart_or_fav → buy
    np.testing.assert_allclose(
        buy["overall_rate"].to_numpy(),
        step["step_rate"].to_numpy() * buy["step_rate"].to_numpy(),
    )


# ------------------------------------------------------------------------------------------
# GMV identity, what-if, decomposition
# ------------------------------------------------------------------------------------------


def test_gmv_worked_example_and_vectorised():
    # 10,000 visitors × 3 % × 150 CNY = 45,000 CNY
    assert funnel.gmv(10_000, 0.03, 150.0) == pytest.approx(45_000.0)
    s = funnel.gmv(pd.Series([100, 200]), pd.Series([0.1, 0.05]), 20.0)
    # 100 × 0.1 × 20 = 200; 200 × 0.05 × 20 = 200
    np.testing.assert_allclose(s, [200.0, 200.0])
    assert s.name == "gmv_cny"
    with pytest.raises(BadParameterError, match=r"'conversion_rate'.*3% as 0.03"):
        funnel.gmv(100, 3.0, 20.0)
    with pytest.raises(BadParameterError, match="conversion_rate"):
        funnel.gmv(100, np.array([0.1, 1.5]), 20.0)


def test_what_if_worked_example():
    out = funnel.what_if(10_000, 0.03, 150.0, visitors_change=0.10, conversion_change=-0.10)
    # before 10,000 × 0.03 × 150 = 45,000; after 11,000 × 0.027 × 150 = 44,550
    assert out.gmv_before_cny == pytest.approx(45_000.0)
    assert out.gmv_after_cny == pytest.approx(44_550.0)
    assert out.change_cny == pytest.approx(-450.0)
    assert out.change_ratio == pytest.approx(-0.01)  # 1.1 × 0.9 − 1
    assert out.after.visitors == pytest.approx(11_000)
    assert out.after.conversion_rate == pytest.approx(0.027)
    split = out.decomposition()
    assert split["contribution_cny"].sum() == pytest.approx(-450.0)


def test_what_if_changes_compound():
    out = funnel.what_if(
        1000, 0.02, 100.0, visitors_change=0.1, conversion_change=0.1, aov_change=0.1
    )
    # 1.1³ − 1 = 0.331, not 0.30
    assert out.change_ratio == pytest.approx(0.331)


def test_what_if_bad_inputs():
    with pytest.raises(BadParameterError, match=r"'conversion_change'.*at most 9"):
        funnel.what_if(1000, 0.1, 100.0, conversion_change=10.0)  # 0.1 × 11 = 1.1 > 1
    with pytest.raises(BadParameterError, match="'visitors_change'"):
        funnel.what_if(1000, 0.1, 100.0, visitors_change=-1.5)
    with pytest.raises(BadParameterError, match="'visitors'"):
        funnel.what_if(0, 0.1, 100.0)
    with pytest.raises(BadParameterError, match="'conversion_rate'"):
        funnel.what_if(1000, 0.0, 100.0)
    with pytest.raises(BadParameterError, match="'conversion_rate'"):
        funnel.what_if(1000, 5, 100.0)


def test_decompose_worked_example():
    out = funnel.decompose_gmv_change((1000, 0.03, 100.0), (1100, 0.025, 120.0))
    # GMV 3,000 → 3,300: total +300. Shapley, factor x with others y, z:
    #   Δx · [(y0 z0 + y1 z1)/3 + (y0 z1 + y1 z0)/6]
    # visitors: 100 × [(0.03·100 + 0.025·120)/3 + (0.03·120 + 0.025·100)/6]
    #         = 100 × [6/3 + 6.1/6] = 100 × 3.016667 = 301.6667
    # conversion: −0.005 × [(1000·100 + 1100·120)/3 + (1000·120 + 1100·100)/6]
    #         = −0.005 × [77,333.33 + 38,333.33] = −578.3333
    # AOV: 20 × [(1000·0.03 + 1100·0.025)/3 + (1000·0.025 + 1100·0.03)/6]
    #         = 20 × [19.16667 + 9.66667] = 576.6667
    assert list(out.columns) == [
        "factor",
        "factor_zh",
        "before",
        "after",
        "contribution_cny",
        "share",
    ]
    assert list(out["factor"]) == ["visitors", "conversion_rate", "aov_cny"]
    assert list(out["factor_zh"]) == ["访客数", "转化率", "客单价"]
    np.testing.assert_allclose(
        out["contribution_cny"], [301.666667, -578.333333, 576.666667], rtol=1e-6
    )
    assert out["contribution_cny"].sum() == pytest.approx(300.0, abs=1e-9)
    # shares of +300: 1.0056, −1.9278, 1.9222 (opposite moves give shares outside [0, 1])
    np.testing.assert_allclose(out["share"], [1.005556, -1.927778, 1.922222], rtol=1e-5)


def test_decompose_accepts_mappings_and_factors():
    before = {"visitors": 1000, "conversion_rate": 0.03, "aov_cny": 100.0}
    after = funnel.GmvFactors(1000, 0.03, 90.0)
    out = funnel.decompose_gmv_change(before, after)
    # only AOV moved: it takes the whole −300 (3,000 → 2,700), the others exactly 0
    assert out["contribution_cny"].tolist() == pytest.approx([0.0, 0.0, -300.0])
    assert out["share"].tolist() == pytest.approx([0.0, 0.0, 1.0])


def test_decompose_no_change_gives_nan_shares():
    out = funnel.decompose_gmv_change((10, 0.5, 2.0), (10, 0.5, 2.0))
    assert (out["contribution_cny"] == 0).all()
    assert out["share"].isna().all()


def test_decompose_bad_inputs():
    with pytest.raises(UnknownParameterError, match="'visits'"):
        funnel.decompose_gmv_change(
            {"visits": 1, "conversion_rate": 0.1, "aov_cny": 1}, (1, 0.1, 1)
        )
    with pytest.raises(BadParameterError, match="mapping with keys"):
        funnel.decompose_gmv_change({"visitors": 1}, (1, 0.1, 1))
    with pytest.raises(BadParameterError, match="'conversion_rate'"):
        funnel.decompose_gmv_change((100, 3.0, 50.0), (100, 0.03, 50.0))
    with pytest.raises(BadParameterError, match="'visitors'"):
        funnel.decompose_gmv_change((-1, 0.1, 5.0), (1, 0.1, 5.0))
    with pytest.raises(BadParameterError, match="'before'"):
        funnel.decompose_gmv_change("3000", (1, 0.1, 5.0))


factors = st.tuples(
    st.floats(0, 1e6, allow_nan=False),
    st.floats(0, 1, allow_nan=False),
    st.floats(0, 1e4, allow_nan=False),
)


@settings(max_examples=100, deadline=None)
@given(factors, factors)
def test_decomposition_sums_to_total_change(before, after):
    out = funnel.decompose_gmv_change(before, after)
    total = funnel.gmv(*after) - funnel.gmv(*before)
    # exact in algebra; in floating point up to rounding relative to the largest term
    scale = max(out["contribution_cny"].abs().max(), funnel.gmv(*after), funnel.gmv(*before), 1.0)
    assert out["contribution_cny"].sum() == pytest.approx(total, abs=1e-9 * scale)
    # swapping before and after flips every contribution (Shapley is antisymmetric here)
    back = funnel.decompose_gmv_change(after, before)
    np.testing.assert_allclose(
        back["contribution_cny"], -out["contribution_cny"], atol=1e-9 * scale
    )


# ---------------------------------------------------------------------------------------
# Hardened inputs (issue 17)
# ---------------------------------------------------------------------------------------


def test_lists_of_different_lengths_are_refused_not_stretched():
    with pytest.raises(BadParameterError, match=r"clicks: \(2,\), impressions: \(1,\)"):
        funnel.ctr([5, 1], [10])
    with pytest.raises(BadParameterError, match="same length"):
        funnel.gmv([100, 200], [0.1, 0.2, 0.3], 50)
    # a single number still applies to every row
    assert funnel.ctr([5, 1], 10).tolist() == [0.5, 0.1]


@pytest.mark.parametrize(
    "call",
    [
        lambda: funnel.gmv(1e200, 0.5, 1e200),
        lambda: funnel.cpc(1e308, 1e-300),
        lambda: funnel.aov([1e308, 1.0], [1e-10, 1.0]),
        lambda: funnel.what_if(1e300, 0.5, 1e300),
    ],
)
def test_results_beyond_the_float_range_raise(call):
    with pytest.raises(BadParameterError, match="overflowed"):
        call()


@pytest.mark.parametrize("name", ["visitors_change", "conversion_change", "aov_change"])
def test_what_if_changes_are_proportions(name):
    with pytest.raises(BadParameterError, match=r"0\.2 = \+20 %.*did you mean 0\.20\?"):
        funnel.what_if(1000, 0.02, 100, **{name: 20})
    assert funnel.what_if(1000, 0.02, 100, visitors_change=10).change_ratio == pytest.approx(10)
    assert funnel.what_if(1000, 0.02, 100, visitors_change=0.2).change_ratio == pytest.approx(0.2)
