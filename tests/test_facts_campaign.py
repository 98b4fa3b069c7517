"""The campaign fact tables (articles 002-004) and the key figures of all five articles."""

from __future__ import annotations

import re

import pandas as pd
import pytest

import casekit.data as data
from casekit.data import schema

NAMES = [
    "brand_station_cohort",
    "brand_station_kinds",
    "brand_station_functions",
    "consumer_path_steps",
    "marketing_ip_matrix",
    "marketing_ips",
    "campaign_618_dimensions",
    "campaign_618_phases",
    "campaign_618_rules",
    "consumer_insight_618",
    "key_figures",
]
SEED_NAME = re.compile(r"^A\d{3}$")  # an article id from the bibliography (sources.csv)


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return {name: data.load(name) for name in NAMES}


def by(df: pd.DataFrame, key: str) -> pd.DataFrame:
    return df.set_index(key, drop=False)


@pytest.mark.parametrize("name", NAMES)
def test_every_row_cites_a_listed_seed_article(tables, name):
    entry = data.describe(name)
    assert entry["kind"] == "fact"
    assert all(SEED_NAME.match(s) for s in entry["sources"]), entry["sources"]
    sources = tables[name]["source"]
    assert sources.notna().all()
    assert all(SEED_NAME.match(s) for s in sources), sorted(set(sources))
    assert set(sources) <= set(entry["sources"])


@pytest.mark.parametrize("name", NAMES)
def test_csv_column_order_matches_catalogue(name):
    entry = data.describe(name)
    raw = schema.read_raw(data.datasets_dir() / entry["file"])
    assert list(raw.columns) == [c["name"] for c in entry["columns"]]


def test_brand_station_cohort_launch_and_size(tables):
    df = by(tables["brand_station_cohort"], "fact_id")
    assert df.loc["first_cohort_size", "value_num"] == 44
    assert df.loc["launch_date", "value_date"] == pd.Timestamp("2013-09-11")
    assert (df["topic"] == "aim").sum() == 2
    assert set(df.loc[df["topic"] == "vertical", "item_zh"]) == {
        "母婴",
        "服装",
        "医药",
        "洗护",
        "百货",
        "电器",
    }
    brands = df[df["topic"] == "example_brand"]
    assert set(brands["item_zh"]) == {
        "宝洁",
        "联合利华",
        "NBA中国",
        "微软",
        "茵曼",
        "阿芙",
        "海尔",
        "完美世界",
    }
    # Kinds are filled only where the article ties a brand to one.
    kinds = brands.dropna(subset=["illustrates_kind"]).set_index("item_zh")["illustrates_kind"]
    assert kinds.to_dict() == {"微软": "separate", "海尔": "merged", "完美世界": "film_tv"}


def test_brand_station_kinds_are_three_and_match_the_cohort(tables):
    kinds = tables["brand_station_kinds"]
    assert list(kinds["name_zh"]) == ["站店分离", "站店合一", "影视类纯品牌站"]
    cohort = tables["brand_station_cohort"]
    used = set(cohort["illustrates_kind"].dropna())
    assert used == set(kinds["kind_id"])


def test_brand_station_functions_are_seven_in_two_groups_of_three_and_four(tables):
    df = tables["brand_station_functions"]
    assert len(df) == 7
    counts = df["group"].value_counts()
    assert counts.to_dict() == {"consumer_discovers_goods": 4, "brand_reaches_consumer": 3}
    reach = set(df.loc[df["group"] == "brand_reaches_consumer", "name_zh"])
    assert reach == {"试用", "预售", "手机端推送店铺到桌面"}
    # The Chinese group label must agree with the English one on every row.
    pairs = set(zip(df["group"], df["group_zh"], strict=True))
    assert len(pairs) == 2


def test_consumer_path_is_three_steps_in_aipl_order(tables):
    df = tables["consumer_path_steps"].sort_values("step")
    assert list(df["step_id"]) == ["find_targets", "develop_prospects", "loyalty_management"]
    assert df["aipl_state"].is_monotonic_increasing
    assert df["aipl_state"].iloc[-1] == "L"


def test_marketing_ip_matrix_has_six_directions_and_ips_are_not_guessed(tables):
    matrix = tables["marketing_ip_matrix"]
    assert list(matrix.sort_values("direction_order")["name_zh"]) == [
        "平台大促",
        "行业IP",
        "新品营销",
        "品牌营销",
        "趋势品类",
        "特色玩法",
    ]
    ips = tables["marketing_ips"]
    assert {"天猫小黑盒", "天猫超级品牌日", "天猫超级粉丝日", "38女王节", "天猫粉丝圈"} == set(
        ips["name_zh"]
    )
    # The article links no IP to a direction.
    assert ips["direction_id"].isna().all()


def test_618_dimensions_are_six(tables):
    df = tables["campaign_618_dimensions"].sort_values("dimension_order")
    assert len(df) == 6
    assert df["name_zh"].iloc[0] == "超级人群策略"
    assert df["name_zh"].iloc[-1] == "超级服务体系"


def test_618_phases_are_four_in_order_ending_with_the_peak(tables):
    df = tables["campaign_618_phases"].sort_values("phase_order")
    assert list(df["phase_order"]) == [1, 2, 3, 4]
    assert [n[:3] for n in df["name_zh"]] == ["备货期", "预售期", "品类日", "狂欢日"]
    assert df["phase_id"].is_monotonic_increasing  # ordered category agrees with phase_order
    assert list(df["role"]) == ["build_up", "build_up", "build_up", "peak"]


def test_618_logo_window_is_2020_05_25_to_06_20(tables):
    rules = tables["campaign_618_rules"]
    window = rules[rules["category"] == "logo_window"]
    assert len(window) == 1
    assert window["valid_from"].iloc[0] == pd.Timestamp("2020-05-25")
    assert window["valid_to"].iloc[0] == pd.Timestamp("2020-06-20")
    others = rules[rules["category"] != "logo_window"]
    assert others[["valid_from", "valid_to"]].isna().all().all()


def test_618_banned_phrases_are_one_per_row_and_matched_by_their_pattern(tables):
    rules = tables["campaign_618_rules"]
    text = rules[rules["check"] == "text_match"]
    assert set(text["example_banned"]) == {"比618还便宜", "xx主会场"}
    for phrase, pattern in zip(text["example_banned"], text["pattern"], strict=True):
        assert re.search(pattern, phrase), (pattern, phrase)
    assert re.search(text["pattern"].iloc[0], "全场比 618 还便宜！")
    assert not re.search(text["pattern"].iloc[0], "618当天下单享优惠")
    # Patterns exist exactly where a text match is the check.
    assert (rules["pattern"].notna() == (rules["check"] == "text_match")).all()


def test_618_rule_groups_cover_images_and_efficacy(tables):
    rules = tables["campaign_618_rules"]
    assert set(rules["rule_group"]) == {1, 2, 3}
    assert (rules["category"] == "image_content").sum() == 4
    efficacy = rules[rules["category"] == "efficacy_claim"]
    assert len(efficacy) == 2
    assert (efficacy["product_scope"] == "non_health_non_drug").all()


def test_consumer_insight_618_figures(tables):
    df = by(tables["consumer_insight_618"], "insight_id")
    traits = df[df["topic"] == "scene_trait"]["item_zh"]
    assert list(traits) == ["宅", "护", "康", "愈"]
    share = df.loc["new_products_share"]
    assert (share["value_num"], share["qualifier"], share["data_year"]) == (50, ">", 2019)
    assert set(df.loc[df["topic"] == "interaction_scene", "item_zh"]) == {
        "天猫农场",
        "淘金币",
        "淘宝人生",
        "省钱消消乐",
    }
    assert df.loc["credit_sesame_threshold", "value_num"] == 650
    assert df.loc["credit_sesame_threshold", "qualifier"] == "≥"
    # A qualifier only makes sense next to a number.
    assert (df["qualifier"].notna() == df["value_num"].notna()).all()


def test_key_figures_are_faithful(tables):
    df = by(tables["key_figures"], "figure_id")
    maybelline = df.loc["maybelline_fan_day_cart_fans"]
    assert (maybelline["value"], maybelline["qualifier"], maybelline["year"]) == (380000, ">", 2018)
    assert df.loc["alibaba_monthly_active_users", "value"] == 700_000_000
    assert df.loc["brand_station_first_cohort", "value"] == 44
    assert df.loc["sesame_credit_threshold", "qualifier"] == "≥"
    assert (
        df.loc["diagnosis_visitors_before", "value"],
        df.loc["diagnosis_visitors_after", "value"],
    ) == (200, 10_000)
    assert df.loc["logo_window_start", "date"] == pd.Timestamp("2020-05-25")
    assert df.loc["logo_window_end", "date"] == pd.Timestamp("2020-06-20")
    assert set(df["source"]) == set(data.describe("key_figures")["sources"])


def test_key_figures_shape_rules(tables):
    df = tables["key_figures"]
    # Every figure is a number or a date.
    assert (df["value"].notna() | df["date"].notna()).all()
    # value_max belongs to ranges and magnitudes only, and is above value.
    spans = df["qualifier"].isin(["range", "order_of_magnitude"])
    assert (df["value_max"].notna() == spans).all()
    assert (df.loc[spans, "value_max"] > df.loc[spans, "value"]).all()
    # Dates carry their year.
    dated = df[df["date"].notna()]
    assert (dated["date"].dt.year == dated["year"]).all()


def test_key_figures_agree_with_the_structured_tables(tables):
    figures = by(tables["key_figures"], "figure_id")["value"]
    assert figures["brand_station_kinds"] == len(tables["brand_station_kinds"])
    assert figures["brand_station_functions"] == len(tables["brand_station_functions"])
    assert figures["consumer_path_steps"] == len(tables["consumer_path_steps"])
    assert figures["ip_matrix_directions"] == len(tables["marketing_ip_matrix"])
    assert figures["upgrade_dimensions_618"] == len(tables["campaign_618_dimensions"])
    assert figures["campaign_phases_618"] == len(tables["campaign_618_phases"])
    assert figures["compliance_rule_points"] == tables["campaign_618_rules"]["rule_group"].nunique()
