"""Fact tables on the Tmall marketing ecosystem (articles 000, 001, 004)."""

from __future__ import annotations

import csv
import re

import pandas as pd
import pytest

import casekit.data as data

ECOSYSTEM = (
    "resource_centres",
    "marketing_tools",
    "platforms",
    "tmall_vs_jd",
    "scorecard_dimensions",
    "integrated_strategies",
    "promotion_responsibilities",
)
SOURCE_RE = re.compile(r"^A\d{3}$")  # an article id from the bibliography (sources.csv)
SLUG_RE = re.compile(r"^[a-z][a-z0-9_]*$")
A000 = "A000"


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return {name: data.load(name) for name in ECOSYSTEM}


def _ids(cell) -> list[str]:
    return [] if pd.isna(cell) else cell.split(";")


# --- every table -------------------------------------------------------------------------


@pytest.mark.parametrize("name", ECOSYSTEM)
def test_sources_are_article_files_listed_in_the_entry(tables, name):
    listed = data.describe(name)["sources"]
    assert all(SOURCE_RE.match(s) for s in listed), listed
    used = set(tables[name]["source"])
    assert all(SOURCE_RE.match(s) for s in used), used
    assert used <= set(listed), f"{name}: rows cite {used - set(listed)} not in sources"
    assert set(listed) <= used, f"{name}: sources lists {set(listed) - used}, which no row cites"


@pytest.mark.parametrize("name", ECOSYSTEM)
def test_csv_header_follows_catalogue_order(name):
    entry = data.describe(name)
    with (data.datasets_dir() / entry["file"]).open(encoding="utf-8", newline="") as fh:
        header = next(csv.reader(fh))
    assert header == [c["name"] for c in entry["columns"]]


@pytest.mark.parametrize("name", ECOSYSTEM)
def test_text_cells_have_no_stray_whitespace(tables, name):
    df = tables[name]
    for col in df.select_dtypes(include="string").columns:
        values = df[col].dropna()
        assert (values == values.str.strip()).all(), f"{name}.{col} has padded text"
        assert (values != "").all(), f"{name}.{col} has empty text"


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("resource_centres", "centre_id"),
        ("marketing_tools", "tool_id"),
        ("platforms", "platform_id"),
        ("integrated_strategies", "strategy_id"),
        ("promotion_responsibilities", "resp_id"),
    ],
)
def test_identifiers_are_ascii_slugs(tables, name, key):
    bad = [v for v in tables[name][key] if not SLUG_RE.match(v)]
    assert not bad


# --- resource centres ---------------------------------------------------------------------


def test_six_public_centres_and_one_invitation_only(tables):
    rc = tables["resource_centres"]
    assert len(rc) == 7
    invited = rc[rc["access"] == "invitation"]
    assert invited["centre_id"].tolist() == ["super_brand_centre"]
    assert "超级品牌营销中心" in invited["name_zh"].iloc[0]
    assert {"天猫营销中心", "天猫品牌中心", "天猫商家服务中心", "天猫广告"} <= set(rc["name_zh"])


def test_marketing_centre_sits_in_the_merchant_backend(tables):
    rc = tables["resource_centres"].set_index("centre_id")
    assert rc.loc["marketing_centre", "access"] == "merchant_backend"
    assert rc.loc["training_events", "access"] == "events"


# --- marketing tools ----------------------------------------------------------------------


def test_every_tool_of_article_000_is_catalogued(tables):
    names = " ".join(tables["marketing_tools"]["name_zh"])
    tools_000 = (
        "直通车 钻展 引力魔方 超级推荐 天猫直播 微淘 有好货 必买清单 会员营销 "
        "客户运营中心 大促 优惠券 满减 秒杀 拼团 预售 生意参谋 数据银行"
    )
    for tool in tools_000.split():
        assert tool in names, tool


def test_tools_from_articles_001_and_004_are_catalogued(tables):
    tools = tables["marketing_tools"].set_index("tool_id")
    assert tools.loc["pinxiaobao", "source"] == "A001"
    for tid in ("damopan", "taobaoke", "super_interactive_city", "strategy_centre", "taobao_live"):
        assert tools.loc[tid, "source"] == "A004", tid


@pytest.mark.parametrize(
    ("tool_id", "billing"),
    [
        ("ztc", "CPC"),
        ("zuanzhan", "CPM"),
        ("chaoji_tuijian", "mixed"),
        ("yinli_mofang", "mixed"),
        ("taobaoke", "CPS"),
        ("pinxiaobao", "unknown"),
        ("sycm", "not_applicable"),
        ("coupon", "not_applicable"),
    ],
)
def test_billing_models(tables, tool_id, billing):
    tools = tables["marketing_tools"].set_index("tool_id")
    assert tools.loc[tool_id, "billing_model"] == billing


def test_paid_traffic_billing_comes_from_public_references(tables):
    tools = tables["marketing_tools"].set_index("tool_id")
    expected = {
        "ztc": "R-ztc-pricing",
        "zuanzhan": "R-zuanzhan-cpm",
        "chaoji_tuijian": "R-alimama-products",
        "yinli_mofang": "R-alimama-products",
        "taobaoke": "R-taobao-union-cps",
    }
    for tid, source in expected.items():
        assert tools.loc[tid, "billing_source"] == source, tid


def test_billing_source_present_exactly_when_billing_is_known(tables):
    tools = tables["marketing_tools"]
    undetermined = tools["billing_model"].isin(["not_applicable", "unknown"])
    assert tools.loc[undetermined, "billing_source"].isna().all()
    known = tools.loc[~undetermined, "billing_source"]
    assert known.notna().all()
    # A billing fact cites a bibliography entry (a public reference or an article).
    listed = set(data.load("sources")["source_id"])
    assert known.isin(listed).all(), known[~known.isin(listed)].tolist()


def test_no_paid_traffic_tool_is_marked_not_applicable(tables):
    tools = tables["marketing_tools"]
    paid = tools[tools["category"] == "paid_traffic"]
    assert (paid["billing_model"] != "not_applicable").all()


def test_category_labels_match_one_to_one(tables):
    pairs = tables["marketing_tools"][["category", "category_zh"]].astype(str).drop_duplicates()
    assert pairs["category"].is_unique and pairs["category_zh"].is_unique


def test_renamings_come_from_reference(tables):
    tools = tables["marketing_tools"].set_index("tool_id")
    assert tools.loc["ztc", "renamed_to_zh"] == "关键词推广"
    assert tools.loc["yinli_mofang", "renamed_to_zh"] == "人群推广"


# --- platforms ------------------------------------------------------------------------------


def test_tmall_app_is_the_only_primary_platform(tables):
    pf = tables["platforms"]
    assert pf.loc[pf["is_primary"], "platform_id"].tolist() == ["tmall_app"]
    assert {"alipay_app", "taobao_app", "wechat", "other_partners"} <= set(pf["platform_id"])


# --- Tmall vs JD and the scorecard ----------------------------------------------------------


def test_each_platform_has_strengths_and_weaknesses(tables):
    counts = tables["tmall_vs_jd"].groupby(["platform", "kind"], observed=False).size()
    assert (counts > 0).all(), counts


def test_every_comparison_dimension_is_on_the_scorecard(tables):
    used = set(tables["tmall_vs_jd"]["dimension_id"].astype(str))
    scored = set(tables["scorecard_dimensions"]["dimension_id"].astype(str))
    assert used == scored


def test_matched_dimensions_are_mirror_images(tables):
    """Where both platforms speak to a dimension, one's strength is the other's weakness,
    except authenticity, where the article credits both."""
    vs = tables["tmall_vs_jd"].astype({"platform": str, "kind": str, "dimension_id": str})
    wide = vs.pivot(index="dimension_id", columns="platform", values="kind").dropna()
    assert set(wide.index) >= {"brand_range", "content_ecosystem", "price", "logistics"}
    for dim, row in wide.iterrows():
        if dim == "authenticity":
            assert row["tmall"] == row["jd"] == "strength"
        else:
            assert row["tmall"] != row["jd"], dim
    assert wide.loc["logistics", "jd"] == "strength"
    assert wide.loc["price", "tmall"] == "weakness"


def test_scores_agree_with_the_article(tables):
    vs = tables["tmall_vs_jd"].astype({"platform": str, "kind": str, "dimension_id": str})
    sc = tables["scorecard_dimensions"].astype({"dimension_id": str}).set_index("dimension_id")
    for _, point in vs.iterrows():
        score = sc.loc[point["dimension_id"], f"{point['platform']}_score"]
        if point["kind"] == "strength":
            assert score >= 4, (point["platform"], point["dimension_id"], score)
        else:
            assert score <= 3, (point["platform"], point["dimension_id"], score)
    # A platform the article is silent about on a dimension gets the neutral 3.
    said = set(zip(vs["platform"], vs["dimension_id"], strict=True))
    for dim, row in sc.iterrows():
        for platform in ("tmall", "jd"):
            if (platform, dim) not in said:
                assert row[f"{platform}_score"] == 3, (platform, dim)


def test_scorecard_weights_sum_to_one(tables):
    weights = tables["scorecard_dimensions"]["default_weight"]
    assert weights.sum() == pytest.approx(1.0)
    assert (weights > 0).all()


def test_scorecard_is_labelled_as_course_judgement(tables):
    sc = tables["scorecard_dimensions"]
    assert (sc["basis"] == f"course judgement from {A000}").all()
    description = data.describe("scorecard_dimensions")["description"]
    assert "course's teaching judgement" in description["en"]
    assert "教学判断" in description["zh"]


def test_default_scorecard_is_close_enough_for_reweighting_to_matter(tables):
    sc = tables["scorecard_dimensions"]
    tmall = (sc["default_weight"] * sc["tmall_score"]).sum()
    jd = (sc["default_weight"] * sc["jd_score"]).sum()
    assert abs(tmall - jd) < 0.5
    # A shopper who only cares about price and logistics should prefer JD.
    fast_cheap = sc["dimension_id"].isin(["price", "logistics"]).astype(float)
    assert (fast_cheap * sc["jd_score"]).sum() > (fast_cheap * sc["tmall_score"]).sum()


# --- integrated strategies -------------------------------------------------------------------


def test_seven_strategies_in_article_order(tables):
    st = tables["integrated_strategies"]
    assert st["order"].tolist() == list(range(1, 8))
    assert st["strategy_id"].iloc[0] == "full_funnel"
    assert st["strategy_id"].iloc[-1] == "tiered_operations"
    assert "公域与私域" in st.loc[st["order"] == 4, "name_zh"].iloc[0]


def test_strategy_tools_exist_in_the_catalogue(tables):
    known = set(tables["marketing_tools"]["tool_id"])
    for _, row in tables["integrated_strategies"].iterrows():
        ids = _ids(row["tools_used"])
        assert len(ids) == len(set(ids)), row["strategy_id"]
        assert set(ids) <= known, (row["strategy_id"], set(ids) - known)


def test_strategies_name_the_tools_the_article_names(tables):
    st = tables["integrated_strategies"].set_index("strategy_id")
    assert {"ztc", "zuanzhan", "tmall_live"} <= set(_ids(st.loc["full_funnel", "tools_used"]))
    assert _ids(st.loc["data_driven", "tools_used"]) == ["sycm"]
    assert pd.isna(st.loc["tiered_operations", "tools_used"])


# --- promotion responsibilities --------------------------------------------------------------


def test_responsibilities_follow_the_article(tables):
    pr = tables["promotion_responsibilities"]
    assert pr["order"].tolist() == list(range(1, 15))
    assert pr["resp_id"].tolist()[:4] == ["exposure", "click", "conversion", "brand_building"]
    order = dict(zip(pr["resp_id"], pr["order"], strict=True))
    assert order["customer_relationships"] < order["risk_control"] < order["teamwork"]
    assert pr["resp_id"].iloc[-1] == "innovation"


def test_funnel_responsibilities_carry_their_metric(tables):
    pr = tables["promotion_responsibilities"].set_index("resp_id")
    assert pr.loc["exposure", "key_metric"] == "impressions"
    assert pr.loc["click", "key_metric"] == "ctr"
    assert pr.loc["conversion", "key_metric"] == "cvr"
    assert pr.loc["customer_relationships", "funnel_stage"] == "retention"
    assert pd.isna(pr.loc["teamwork", "funnel_stage"])


def test_click_responsibility_mentions_ab_tests_of_images_and_titles(tables):
    pr = tables["promotion_responsibilities"].set_index("resp_id")
    assert "A/B" in pr.loc["click", "summary_en"]
    assert "主图" in pr.loc["click", "summary_zh"] and "标题" in pr.loc["click", "summary_zh"]


def test_risk_control_covers_budget_caps_malicious_clicks_and_fake_orders(tables):
    pr = tables["promotion_responsibilities"].set_index("resp_id")
    text = pr.loc["risk_control", "summary_zh"]
    for term in ("预算上限", "恶意点击", "虚假交易"):
        assert term in text, term


def test_named_tools_exist_in_the_catalogue(tables):
    known = set(tables["marketing_tools"]["tool_id"])
    pr = tables["promotion_responsibilities"].set_index("resp_id")
    for resp, cell in pr["tools_named"].items():
        assert set(_ids(cell)) <= known, resp
    assert _ids(pr.loc["tool_mastery", "tools_named"]) == ["ztc", "chaoji_tuijian", "pinxiaobao"]
