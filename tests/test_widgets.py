"""Tests for casekit.widgets: each explorer recomputes through the library, shows errors
instead of raising, and renders a deterministic static snapshot."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casekit import ads, campaign, funnel, widgets
from casekit.errors import BadParameterError, MissingColumnError, SchemaViolationError

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def _assert_error_shown(w: widgets.Explorer, *fragments: str) -> None:
    assert w.result is None
    assert w.error is not None
    assert "输入有误" in w.output.value and "Invalid input" in w.output.value
    for fragment in fragments:
        assert fragment in w.output.value


# ---------------------------------------------------------------------------------------------
# funnel what-if
# ---------------------------------------------------------------------------------------------


def test_funnel_default_matches_library():
    w = widgets.funnel_what_if(10_000, 0.02, 150)
    assert set(w.controls) == {"visitors_change", "conversion_change", "aov_change"}
    assert w.result == funnel.what_if(10_000, 0.02, 150)
    # 10,000 × 0.02 × 150 = 30,000 CNY, unchanged
    assert w.result.gmv_before_cny == pytest.approx(30_000)
    assert "¥30,000.00 → ¥30,000.00" in w.output.value


def test_funnel_slider_recomputes():
    w = widgets.funnel_what_if(10_000, 0.02, 150)
    w.controls["visitors_change"].value = 0.2
    # 12,000 × 0.02 × 150 = 36,000 CNY: +6,000 (+20.0%)
    assert w.result == funnel.what_if(10_000, 0.02, 150, visitors_change=0.2)
    assert w.result.gmv_after_cny == pytest.approx(36_000)
    assert "¥36,000.00" in w.output.value
    assert "+¥6,000.00 (+20.0%)" in w.output.value
    w.controls["conversion_change"].value = 0.1
    w.controls["aov_change"].value = -0.5
    expected = funnel.what_if(
        10_000, 0.02, 150, visitors_change=0.2, conversion_change=0.1, aov_change=-0.5
    )
    assert w.result == expected
    # 12,000 × 0.022 × 75 = 19,800 CNY: −10,200 (−34.0%)
    assert w.result.gmv_after_cny == pytest.approx(19_800)
    assert "-¥10,200.00 (-34.0%)" in w.output.value
    # the Shapley decomposition is shown and sums to the change
    assert "Shapley" in w.output.value


def test_funnel_conversion_above_one_is_shown_not_raised():
    w = widgets.funnel_what_if(10_000, 0.6, 150)
    w.controls["conversion_change"].value = 0.8  # 0.6 × 1.8 = 1.08 > 1
    _assert_error_shown(w, "conversion_change")
    w.controls["conversion_change"].value = 0.5  # 0.6 × 1.5 = 0.9: valid again
    assert w.error is None
    assert w.result == funnel.what_if(10_000, 0.6, 150, conversion_change=0.5)


def test_funnel_bad_arguments_raise():
    with pytest.raises(BadParameterError, match="conversion_rate"):
        widgets.funnel_what_if(10_000, 1.5, 150)
    with pytest.raises(BadParameterError, match="change_max"):
        widgets.funnel_what_if(10_000, 0.02, 150, change_min=0.5, change_max=0.2)


@settings(max_examples=25, deadline=None)
@given(
    dv=st.floats(-0.5, 1.0),
    dc=st.floats(-0.5, 1.0),
    da=st.floats(-0.5, 1.0),
)
def test_funnel_property_matches_library(dv, dc, da):
    w = widgets.funnel_what_if(5_000, 0.03, 88)
    w.controls["visitors_change"].value = dv
    w.controls["conversion_change"].value = dc
    w.controls["aov_change"].value = da
    v = w.values()
    assert w.result == funnel.what_if(
        5_000, 0.03, 88, visitors_change=v["visitors_change"],
        conversion_change=v["conversion_change"], aov_change=v["aov_change"],
    )


# ---------------------------------------------------------------------------------------------
# bid simulator
# ---------------------------------------------------------------------------------------------


def _auction_with_own(competitors, bid, quality, **kwargs):
    own = pd.DataFrame({"advertiser": ["我的店铺"], "bid_cny": [bid], "quality_score": [quality]})
    table = pd.concat([competitors.astype({"advertiser": object}), own], ignore_index=True)
    return ads.keyword_auction(table, **kwargs)


def test_bid_default_matches_library_and_hand_numbers():
    w = widgets.bid_simulator()
    expected = _auction_with_own(widgets.default_competitors(), 1.5, 7, slots=4)
    pd.testing.assert_frame_equal(w.result, expected)
    own = w.result.set_index("advertiser").loc["我的店铺"]
    # ad ranks: C 1.5×9=13.5, A 2.2×6=13.2, B 1.8×7=12.6, own 1.5×7=10.5, D 1.2×8=9.6
    assert own["position"] == 4
    # CPC = 1.20 × 8 / 7 + 0.01 = 1.3814; CTR(4) = 0.05 × 0.75³ = 2.109%; clicks 21.09
    assert own["actual_cpc_cny"] == pytest.approx(1.20 * 8 / 7 + 0.01)
    by_library = ads.actual_cpc(
        own_bid_cny=1.5, own_quality_score=7, next_bid_cny=1.20, next_quality_score=8
    )
    assert own["actual_cpc_cny"] == pytest.approx(by_library)
    assert own["expected_clicks"] == pytest.approx(1000 * 0.05 * 0.75**3)
    assert "第 4 位" in w.output.value and "¥1.381" in w.output.value
    assert "1.20 × 8 ÷ 7 + 0.01 = 1.381" in w.output.value
    assert "★ 我的店铺" in w.output.value
    for name in ("店铺A", "店铺E"):
        assert name in w.output.value


def test_bid_sliders_recompute():
    w = widgets.bid_simulator()
    w.controls["own_bid_cny"].value = 3.0
    w.controls["own_quality_score"].value = 10
    expected = _auction_with_own(widgets.default_competitors(), 3.0, 10, slots=4)
    pd.testing.assert_frame_equal(w.result, expected)
    own = w.result.set_index("advertiser").loc["我的店铺"]
    # rank 30 → position 1; CPC = 1.50 × 9 / 10 + 0.01 = 1.36; 1000 × 5% = 50 clicks, ¥68
    assert own["position"] == 1
    assert own["actual_cpc_cny"] == pytest.approx(1.36)
    assert own["expected_cost_cny"] == pytest.approx(68.0)
    assert "第 1 位" in w.output.value and "¥68.00" in w.output.value


def test_bid_below_slots_and_below_reserve():
    w = widgets.bid_simulator()
    w.controls["own_bid_cny"].value = 0.5  # rank 3.5 → 6th of 6, 4 slots
    assert w.error is None
    assert "不展示" in w.output.value and "below the 4 ad slots" in w.output.value
    w.controls["own_bid_cny"].value = 0.01  # below the 0.05 CNY reserve
    assert "低于底价" in w.output.value and "reserve price" in w.output.value
    status = w.result.set_index("advertiser").loc["我的店铺", "status"]
    assert status == "below_reserve"


def test_bid_in_test_competitors():
    competitors = pd.DataFrame(
        {"advertiser": ["X", "Y"], "bid_cny": [1.0, 2.0], "quality_score": [10, 4]}
    )
    w = widgets.bid_simulator(competitors, own_bid_cny=1.0, own_quality_score=5, slots=2,
                              search_volume=2000)
    # ranks X 10, Y 8, own 5 → own is 3rd with 2 slots
    assert pd.isna(w.result.set_index("advertiser").loc["我的店铺", "position"])
    w.controls["own_bid_cny"].value = 2.5  # 12.5 → 1st; CPC = 1.0 × 10 / 5 + 0.01 = 2.01
    own = w.result.set_index("advertiser").loc["我的店铺"]
    assert own["position"] == 1
    assert own["actual_cpc_cny"] == pytest.approx(2.01)
    # 2000 searches × 5% = 100 clicks × 2.01 = 201 CNY
    assert own["expected_cost_cny"] == pytest.approx(201.0)
    assert "每 2,000 次搜索" in w.output.value


def test_bid_bad_arguments_raise():
    competitors = widgets.default_competitors()
    with pytest.raises(BadParameterError, match="advertiser"):
        widgets.bid_simulator(competitors, advertiser="店铺A")
    with pytest.raises(MissingColumnError, match="quality_score"):
        widgets.bid_simulator(competitors.drop(columns="quality_score"))
    bad = competitors.assign(quality_score=[6, 7, 0, 8, 5])
    with pytest.raises(SchemaViolationError, match="quality score > 0"):
        widgets.bid_simulator(bad)
    with pytest.raises(BadParameterError, match="own_quality_score"):
        widgets.bid_simulator(own_quality_score=11)


# ---------------------------------------------------------------------------------------------
# scorecard
# ---------------------------------------------------------------------------------------------


def _two_dimensions() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "dimension_id": ["a", "b"],
            "name_zh": ["维度甲", "维度乙"],
            "name_en": ["Dim A", "Dim B"],
            "default_weight": [0.5, 0.5],
            "tmall_score": [5, 1],
            "jd_score": [1, 4],
        }
    )


def test_scorecard_totals_hand_numbers():
    r = widgets.scorecard_totals(_two_dimensions())
    # Tmall 0.5×5 + 0.5×1 = 3.0; JD 0.5×1 + 0.5×4 = 2.5
    assert (r.tmall_total, r.jd_total, r.winner) == (pytest.approx(3.0), pytest.approx(2.5),
                                                     "tmall")
    r = widgets.scorecard_totals(_two_dimensions(), {"a": 3, "b": 4})
    # normalised 3/7, 4/7: Tmall (15 + 4)/7 = 19/7; JD (3 + 16)/7 = 19/7 → tie
    assert r.winner == "tie"
    assert r.table["weight_normalised"].tolist() == pytest.approx([3 / 7, 4 / 7])


def test_scorecard_totals_bad_inputs():
    with pytest.raises(BadParameterError, match="at least one weight > 0"):
        widgets.scorecard_totals(_two_dimensions(), {"a": 0, "b": 0})
    with pytest.raises(BadParameterError, match="dimension ids"):
        widgets.scorecard_totals(_two_dimensions(), {"zzz": 1})
    with pytest.raises(BadParameterError, match="weights"):
        widgets.scorecard_totals(_two_dimensions(), {"a": -1})
    with pytest.raises(MissingColumnError, match="jd_score"):
        widgets.scorecard_totals(_two_dimensions().drop(columns="jd_score"))
    dup = _two_dimensions().assign(dimension_id=["a", "a"])
    with pytest.raises(SchemaViolationError, match="repeats 'a'"):
        widgets.scorecard_totals(dup)
    # every weight given: default_weight is not needed
    r = widgets.scorecard_totals(_two_dimensions().drop(columns="default_weight"), {"a": 1, "b": 1})
    assert r.tmall_total == pytest.approx(3.0)


def test_scorecard_widget_renormalises_and_switches_winner():
    w = widgets.scorecard(_two_dimensions())
    assert set(w.controls) == {"weight_a", "weight_b"}
    assert w.result.winner == "tmall"
    assert "天猫 Tmall 胜出" in w.output.value
    w.controls["weight_b"].value = 1.0  # raw 0.5 / 1.0 → normalised 1/3, 2/3
    # Tmall 5/3 + 2/3 = 2.33; JD 1/3 + 8/3 = 3.0
    assert w.result.table["weight_normalised"].sum() == pytest.approx(1.0)
    assert w.result.table["weight_normalised"].tolist() == pytest.approx([1 / 3, 2 / 3])
    assert w.result.winner == "jd"
    assert w.result.jd_total == pytest.approx(3.0)
    assert "京东 JD 胜出" in w.output.value and "100.0%" in w.output.value
    assert w.controls["weight_a"].value == 0.5  # sliders are not moved
    w.controls["weight_a"].value = 0.0
    w.controls["weight_b"].value = 0.0
    _assert_error_shown(w, "at least one weight &gt; 0")


def test_scorecard_labels_course_judgement():
    w = widgets.scorecard(_two_dimensions())
    assert "课程" in w.static_html() and "judgement" in w.static_html()
    assert "course's judgement" in w.summary_text()


def test_scorecard_default_dataset():
    from casekit import data

    dims = data.load("scorecard_dimensions")
    w = widgets.scorecard()
    assert len(w.controls) == len(dims)
    expected = widgets.scorecard_totals(dims)
    assert w.result.tmall_total == pytest.approx(expected.tmall_total)
    assert w.result.jd_total == pytest.approx(expected.jd_total)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=2, max_size=2).filter(lambda ws: sum(ws) > 1e-6))
def test_scorecard_property_normalised(ws):
    r = widgets.scorecard_totals(_two_dimensions(), {"a": ws[0], "b": ws[1]})
    assert r.table["weight_normalised"].sum() == pytest.approx(1.0)
    assert 1 - 1e-9 <= r.tmall_total <= 5 + 1e-9
    assert 1 - 1e-9 <= r.jd_total <= 4 + 1e-9


# ---------------------------------------------------------------------------------------------
# coupon calculator
# ---------------------------------------------------------------------------------------------


def _cart(price=399.0, qty=1):
    return pd.DataFrame({"item": ["商品"], "list_price_cny": [price], "qty": [qty],
                         "store": ["本店"]})


def test_coupon_default_matches_library():
    w = widgets.coupon_calculator()
    expected = campaign.final_price(
        _cart(), rules=[campaign.StoreCoupon("本店", 200, 20), "每满300减40"]
    )
    # 399 − 20 (满200减20) = 379; floor(379 / 300) × 40 = 40 → 339
    assert w.result.total_final_cny == 339.0 == expected.total_final_cny
    pd.testing.assert_frame_equal(w.result.rules, expected.rules)
    assert "¥339.00" in w.output.value
    assert "满200减20 (本店)" in w.output.value and "每满300减40" in w.output.value


def test_coupon_controls_recompute():
    w = widgets.coupon_calculator()
    w.controls["discount_rate"].value = 0.9
    w.controls["qty"].value = 2
    # 399 × 0.9 = 359.10 × 2 = 718.20; − 20 = 698.20; floor(698.2/300) = 2 → −80 → 618.20
    assert w.result.total_final_cny == pytest.approx(618.2)
    expected = campaign.final_price(
        _cart(qty=2),
        rules=[campaign.ItemDiscount(rate=0.9), campaign.StoreCoupon("本店", 200, 20),
               campaign.parse_manjian("每满300减40")],
    )
    pd.testing.assert_frame_equal(w.result.items, expected.items)
    assert "¥618.20" in w.output.value and "9折" in w.output.value


def test_coupon_presale_deposit():
    w = widgets.coupon_calculator()
    w.controls["deposit_worth_cny"].value = 100
    w.controls["deposit_cny"].value = 50
    # 定金50抵100: 50 + (399 − 100) = 349; − 20 = 329; 每满300减40 → 289; balance 289 − 50
    assert w.result.total_final_cny == pytest.approx(289.0)
    assert w.result.deposit_cny == pytest.approx(50.0)
    assert "尾款 balance later ¥239.00" in w.output.value
    assert "定金50抵100" in w.output.value


@pytest.mark.parametrize("text", ["满减40", "每满300减500", "abc"])
def test_coupon_bad_manjian_is_shown_not_raised(text):
    w = widgets.coupon_calculator()
    w.controls["manjian_text"].value = text
    _assert_error_shown(w, "满减规则", "每满300减40", text)
    # fixing the text recovers; an empty text means no 满减
    w.controls["manjian_text"].value = ""
    assert w.error is None
    assert w.result.total_final_cny == pytest.approx(379.0)  # 399 − 20
    assert "跨店满减" not in w.result.rules["rule_type"].tolist()


def test_coupon_bad_deposit_is_shown_not_raised():
    w = widgets.coupon_calculator()
    w.controls["deposit_cny"].value = 50  # worth still 0 < deposit
    _assert_error_shown(w, "worth_cny")


def test_coupon_bad_arguments_raise():
    with pytest.raises(BadParameterError, match="满减规则"):
        widgets.coupon_calculator(manjian_text="买一送一")
    with pytest.raises(BadParameterError, match="qty"):
        widgets.coupon_calculator(qty=0)


# ---------------------------------------------------------------------------------------------
# budget allocator
# ---------------------------------------------------------------------------------------------


def test_budget_default_matches_library():
    w = widgets.budget_allocator()
    expected = campaign.allocate_budget(100_000, widgets.default_curves())
    pd.testing.assert_frame_equal(w.result, expected)
    assert w.result["spend_cny"].sum() == pytest.approx(100_000)
    assert list(w.result["tool"]) == ["直通车", "引力魔方/钻展", "超级推荐", "淘宝客"]
    assert "模拟" in w.static_html() and "simulated" in w.static_html()


def test_budget_controls_recompute():
    w = widgets.budget_allocator()
    w.controls["total_budget_cny"].value = 200_000
    pd.testing.assert_frame_equal(
        w.result, campaign.allocate_budget(200_000, widgets.default_curves())
    )
    assert "¥200,000" in w.output.value
    w.controls["max_share[直通车]"].value = 0.3
    expected = campaign.allocate_budget(
        200_000, widgets.default_curves(), max_spend={"直通车": 60_000}
    )
    pd.testing.assert_frame_equal(w.result, expected)
    assert w.result.loc[0, "spend_cny"] <= 60_000


def test_budget_infeasible_caps_are_shown_not_raised():
    w = widgets.budget_allocator()
    for tool in widgets.default_curves():
        w.controls[f"max_share[{tool}]"].value = 0.2  # 4 × 20% = 80% < budget
    _assert_error_shown(w, "max_spend")


def test_budget_in_test_curves_split_evenly():
    curve = campaign.ExponentialCurve(vmax_cny=50_000, scale_cny=10_000)
    w = widgets.budget_allocator({"甲": curve, "乙": curve}, total_budget_cny=10_000)
    # identical concave curves: the best split is symmetric, 5,000 CNY each
    assert w.result["spend_cny"].tolist() == [5_000.0, 5_000.0]
    # revenue per tool = 50,000 × (1 − e^−0.5) = 19,673.47
    assert w.result["expected_revenue_cny"].tolist() == pytest.approx([19_673.467] * 2)


def test_budget_bad_arguments_raise():
    with pytest.raises(BadParameterError, match="curves"):
        widgets.budget_allocator({})
    with pytest.raises(BadParameterError, match="kind"):
        widgets.budget_allocator({"x": {"kind": "linear"}})


# ---------------------------------------------------------------------------------------------
# static rendering
# ---------------------------------------------------------------------------------------------

FACTORIES = {
    "funnel_what_if": lambda: widgets.funnel_what_if(10_000, 0.02, 150),
    "bid_simulator": widgets.bid_simulator,
    "scorecard": lambda: widgets.scorecard(_two_dimensions()),
    "coupon_calculator": widgets.coupon_calculator,
    "budget_allocator": widgets.budget_allocator,
}


@pytest.mark.parametrize("kind", FACTORIES)
def test_static_rendering_is_stable(kind):
    a, b = FACTORIES[kind](), FACTORIES[kind]()
    assert a.kind == kind
    assert a.summary_text() == b.summary_text()
    assert a.static_html() == b.static_html()
    bundle = a._repr_mimebundle_()
    assert WIDGET_VIEW in bundle  # live widget in JupyterLab
    text, page = bundle["text/plain"], bundle["text/html"]
    assert text == a.summary_text() and page == a.static_html()
    assert text.startswith("小部件：") and "run in JupyterLab to interact" in text
    model_id = bundle[WIDGET_VIEW]["model_id"]
    for rendered in (text, page):
        assert model_id not in rendered
        assert not re.search(r"0x[0-9a-fA-F]{6,}", rendered)
    assert repr(a) == f"Explorer({kind!r})"


def test_static_snapshot_follows_controls():
    w = widgets.funnel_what_if(10_000, 0.02, 150)
    w.controls["visitors_change"].value = 0.2
    assert "<td" in w.static_html() and ">20%<" in w.static_html()
    assert "+20.0%" in w.static_html() and "¥36,000.00" in w.static_html()
    assert "¥36,000.00" in w.summary_text()
    c = widgets.coupon_calculator()
    c.controls["manjian_text"].value = "乱写"
    assert "输入有误" in c.summary_text() and "乱写" in c.static_html()


def _table_structure(html: str) -> list[tuple[str, tuple[str, ...], int]]:
    """(style, header cells, number of rows) of every table in an HTML fragment."""
    out = []
    for attrs, body in re.findall(r"<table([^>]*)>(.*?)</table>", html, flags=re.S):
        style = re.search(r'style="([^"]*)"', attrs)
        heads = tuple(re.findall(r"<th(?:\s[^>]*)?>(.*?)</th>", body))
        rows = len(re.findall(r"<tr>", body)) - 1
        out.append((style.group(1) if style else "", heads, rows))
    return out


@pytest.mark.parametrize("kind", FACTORIES)
def test_live_view_tables_match_the_snapshot(kind):
    """The live widget's HTML and the static snapshot use the same styled tables: the
    snapshot is the settings table followed by exactly the live output."""
    w = FACTORIES[kind]()
    live = _table_structure(w.output.value)
    snapshot = _table_structure(w.static_html())
    assert live and snapshot[1:] == live
    assert snapshot[0][1] == ("控件 control", "取值 value")
    for style, heads, _ in snapshot:
        assert "border-collapse:collapse" in style and heads
    # every cell carries the same inline style in both (headers never wrap)
    cells = re.findall(r"<t[dh] style=\"([^\"]*)\"", w.static_html())
    assert cells and all("white-space:nowrap" in c for c in cells)
    assert re.findall(r"<t[dh][^>]*>", w.output.value) == re.findall(
        r"<t[dh][^>]*>", w.static_html())[-len(re.findall(r"<t[dh][^>]*>", w.output.value)):]


@pytest.mark.parametrize("kind", FACTORIES)
def test_controls_share_one_label_width(kind):
    """Input boxes start at the same x: every control of a panel has one label width."""
    w = FACTORIES[kind]()
    widths = {c.style.description_width for c in w.controls.values()}
    assert len(widths) == 1 and widths.pop().endswith("px")


def test_slider_residue_from_the_browser_is_snapped_to_zero():
    """A browser slider reports -0.5 + 50 × 0.01 as -1e-16: shown as 0, never "−0%"."""
    w = widgets.funnel_what_if(10_000, 0.02, 150)
    w.controls["visitors_change"].value = -5.551115123125783e-17
    assert w.controls["visitors_change"].value == 0.0
    assert str(w.controls["visitors_change"].value) == "0.0"  # not -0.0
    page = w.static_html()
    assert ">0%<" in page and not re.search(r"[-−]0(\.0+)?%", page)
    w.controls["visitors_change"].value = 0.12000000000000001
    assert w.controls["visitors_change"].value == 0.12


def test_tables_show_missing_as_dash():
    html = widgets._table(pd.DataFrame({"a": ["x", None], "b": [float("nan"), -0.0]}))
    assert "NaN" not in html and "None" not in html and "-0.0" not in html
    assert html.count(">—<") == 2


# ---------------------------------------------------------------------------------------------
# notebook display helpers the widgets share (casekit.nb)
# ---------------------------------------------------------------------------------------------


def test_nb_tables_show_missing_as_dash_and_no_signed_zero():
    import numpy as np

    from casekit import nb

    frame = pd.DataFrame({
        "n": pd.array([1, None], dtype="Int64"),
        "x": [np.nan, -0.0],
        "s": pd.array(["a", None], dtype="string"),
        "o": pd.Series([None, 1], dtype=object),
        "t": pd.to_datetime(["2026-06-18", None]),
        "f": pd.array([1.5, None], dtype="Float64"),
    })
    for rendered in (nb.table_html(frame), nb.table_text(frame)):
        assert not re.search(r"NaN|NaT|None|<NA>|&lt;NA&gt;|-0\.0", rendered), rendered
        assert rendered.count(nb.MISSING) == 6
    assert "2026-06-18" in nb.table_text(frame) and "1.5" in nb.table_text(frame)
    assert nb.fmt_pct(-1e-9) == "0.0%" and nb.fmt_pct(-0.0) == "0.0%"
    assert nb.fmt_pct(-0.034) == "-3.4%" and nb.fmt_cny(-0.001) == "¥0.00"
    assert nb.fmt_cny(-5) == "-¥5.00"


def test_nb_setup_makes_ipython_display_frames_with_dashes():
    from IPython.core.interactiveshell import InteractiveShell

    from casekit import nb

    shell = InteractiveShell.instance()
    nb.setup()
    data, _ = shell.display_formatter.format(pd.DataFrame({"a": [None, "x"]}, dtype=object))
    assert "—" in data["text/html"] and "None" not in data["text/html"]
    assert "—" in data["text/plain"] and "None" not in data["text/plain"]
