"""Tests of casekit.compliance: the ad-copy checker and its rule table."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casekit import compliance as cp
from casekit import data
from casekit.errors import BadParameterError, MissingColumnError, SchemaViolationError

A004 = "A004"
REF = "R-adlaw-art9; R-adlaw-art57"
ABSOLUTE_SOURCE = "R-adlaw-art9; R-adlaw-art57; R-extreme-word-lists"


@pytest.fixture(scope="module")
def rules() -> pd.DataFrame:
    return data.load("compliance_rules")


def spans(findings: pd.DataFrame) -> list[tuple[int, int, str, str]]:
    return list(
        zip(findings["start"], findings["end"], findings["text"], findings["rule_id"], strict=True)
    )


def ids(findings: pd.DataFrame) -> list[str]:
    return list(findings["rule_id"])


# ------------------------------------------------------------------------------------------
# The rule table
# ------------------------------------------------------------------------------------------


def test_every_rule_has_a_source_a_rewrite_and_messages(rules):
    for col in ("source", "suggested_rewrite", "message_zh", "message_en"):
        assert rules[col].notna().all(), col
        assert rules[col].str.strip().str.len().gt(0).all(), col
    for src in rules["source"]:
        assert {s.strip() for s in src.split(";")} <= set(data.load("sources")["source_id"]), src


def test_statutory_list_is_exactly_the_three_terms_of_article_9_3(rules):
    statutory = rules[rules["category"] == "statutory_absolute"]
    assert sorted(statutory["pattern"]) == sorted(["国家级", "最高级", "最佳"])
    assert (statutory["severity"] == "statutory").all()
    assert (statutory["source"] == REF).all()
    assert (statutory["basis_certainty"] == "high").all()
    assert statutory["message_zh"].str.contains("第九条第（三）项", regex=False).all()
    assert statutory["message_en"].str.contains("Art. 9(3)", regex=False).all()


def test_absolute_and_superlative_claims_block_with_legal_basis_and_penalty(rules):
    absolute = rules[rules["category"] == "absolute_claim"]
    named = {"最高", "最低", "第一", "唯一", "首选", "顶级", "极致", "全网最低", "销量冠军",
             "No.1"}
    assert named <= set(
        absolute["pattern"]
    )
    assert (absolute["severity"] == "statutory").all()
    blocking = rules[rules["category"].isin(["statutory_absolute", "absolute_claim"])]
    assert blocking["legal_basis_zh"].str.contains("第九条第（三）项", regex=False).all()
    assert blocking["legal_basis_en"].str.contains("Art. 9(3)", regex=False).all()
    # the penalty range of Art. 57, in both languages, with its source cited
    assert blocking["penalty_zh"].str.contains("20万元以上100万元以下", regex=False).all()
    assert blocking["penalty_en"].str.contains("200,000–1,000,000 CNY", regex=False).all()
    assert blocking["source"].str.contains("R-adlaw-art57", regex=False).all()
    # the course is sure of the statute's own words, less so of how far "similar terms" reach
    assert (absolute["basis_certainty"] == "medium").all()
    # 全网最低价 also raises the price-law question
    lowest = rules.set_index("rule_id").loc[["PX-07", "PX-12"]]
    assert lowest["source"].str.contains("R-price-law-art14", regex=False).all()
    assert lowest["message_zh"].str.contains("价格法", regex=False).all()
    # only genuine wording preferences stay below the blocking line
    soft = rules[rules["severity"] == "platform"]
    assert set(soft["category"]) == {"style_preference"}
    assert set(soft["pattern"]) <= {"绝对", "100%|百分之?百"}


def test_rewrites_that_need_efficacy_evidence_are_marked(rules):
    # A rewrite is marked exactly when the checker itself asks for evidence on it.
    for row in rules.itertuples():
        found = cp.check_copy(row.suggested_rewrite, product_type="cosmetics")
        assert not (set(found["severity"]) & set(cp.BLOCKING_SEVERITIES)), row.rule_id
        asks = cp.verdict(found) == "needs_evidence"
        assert asks == bool(row.rewrite_needs_evidence), (row.rule_id, row.suggested_rewrite)
    marked = set(rules.loc[rules["rewrite_needs_evidence"], "suggested_rewrite"])
    assert {"提亮气色", "温和清洁"} <= marked
    assert "衬肤色" not in marked  # a colour description, not an efficacy claim


def test_rule_table_is_well_formed(rules):
    assert rules["severity"].cat.ordered
    assert list(rules["severity"].cat.categories) == list(cp.SEVERITIES)
    assert set(rules["category"]) == {
        "statutory_absolute",
        "absolute_claim",
        "style_preference",
        "campaign_618",
        "efficacy_claim",
        "before_after",
    }
    ruleset = cp.compile_rules(rules)  # every pattern and exception compiles
    assert len(ruleset) == len(rules)
    for value in rules["applies_to"]:
        parts = {p.strip() for p in value.split(";")}
        assert parts == {"all"} or parts <= set(cp.PRODUCT_TYPES), value
    # the 618 rules and efficacy rules cite article 004
    cites_004 = rules["category"].isin(["campaign_618", "before_after", "efficacy_claim"])
    cites_004 &= rules["severity"] != "advice"
    assert rules.loc[cites_004, "source"].str.contains(A004, regex=False).all()


def test_only_the_logo_rule_has_the_2020_window(rules):
    windowed = rules[rules["valid_from"].notna() | rules["valid_to"].notna()]
    assert list(windowed["rule_id"]) == ["CP-04"]
    assert windowed["valid_from"].iloc[0] == pd.Timestamp("2020-05-25")
    assert windowed["valid_to"].iloc[0] == pd.Timestamp("2020-06-20")


def test_campaign_rule_ids_point_at_campaign_618_rules(rules):
    if "campaign_618_rules" not in data.raw_catalog():
        pytest.skip("campaign_618_rules not bundled yet")
    known = set(data.load("campaign_618_rules")["rule_id"])
    assert set(rules["campaign_rule_id"].dropna()) <= known


def test_bundled_rules_are_compiled_once_and_cached():
    first = cp.load_rules()
    before = cp.load_rules.cache_info()
    cp.check_copy("最佳口红")
    cp.check_copy("第一名")
    after = cp.load_rules.cache_info()
    assert cp.load_rules() is first
    assert after.misses == before.misses  # no recompilation per call
    assert after.hits >= before.hits + 2


# ------------------------------------------------------------------------------------------
# Worked examples on a lipstick / mascara listing
# ------------------------------------------------------------------------------------------


def test_lipstick_listing_worked_example():
    copy = "美宝莲小灯管口红，国家级品质，全网最低价，销量第一！"
    # 美0 宝1 莲2 小3 灯4 管5 口6 红7 ，8 国9 家10 级11 品12 质13 ，14 全15 网16 最17 低18
    # 价19 ，20 销21 量22 第23 一24 ！25
    # 全网最低价 → PX-07 over 15..19; the nested 最低 (PX-12, same severity) is dropped.
    found = cp.check_copy(copy, product_type="cosmetics")
    assert spans(found) == [
        (9, 12, "国家级", "ST-01"),
        (15, 19, "全网最低", "PX-07"),
        (23, 25, "第一", "PX-01"),
    ]
    assert list(found["severity"]) == ["statutory", "statutory", "statutory"]
    assert list(found["suggested_rewrite"]) == ["品质严选", "超值", "热销"]
    assert found.loc[0, "source"] == REF
    assert "第九条" in found.loc[0, "message_zh"]
    assert cp.summarise(found).to_dict() == {
        "statutory": 3,
        "campaign": 0,
        "platform": 0,
        "advice": 0,
    }
    assert not cp.is_publishable(found)
    assert cp.verdict(found) == "blocking"


def test_mascara_listing_worked_example():
    copy = "美宝莲睫毛膏，ＮＯ．１纤长，7天见效，使用前后对比看得见"
    # 美0 宝1 莲2 睫3 毛4 膏5 ，6 Ｎ7 Ｏ8 ．9 １10 纤11 长12 ，13 7 14 天15 见16 效17 ，18
    # 使19 用20 前21 后22 对23 比24 看25
    found = cp.check_copy(copy, product_type="cosmetics")
    assert spans(found) == [
        (7, 11, "ＮＯ．１", "PX-19"),
        (14, 18, "7天见效", "EF-08"),
        (19, 25, "使用前后对比", "BA-01"),
    ]
    assert list(found["category"]) == ["absolute_claim", "efficacy_claim", "before_after"]
    assert found.loc[2, "source"] == A004
    assert cp.summarise(found).to_dict() == {
        "statutory": 1,
        "campaign": 2,
        "platform": 0,
        "advice": 0,
    }


def test_store_copy_breaking_the_618_wording_rules():
    copy = "美宝莲官方旗舰店主会场：比618还便宜"
    # 美0 … 店7 主8 会9 场10 ：11 比12 6 13 1 14 8 15 还16 便17 宜18
    # CP-02 takes up to 8 name characters before 主会场: 美宝莲官方旗舰店 = 0..7
    found = cp.check_copy(copy)
    assert spans(found) == [
        (0, 11, "美宝莲官方旗舰店主会场", "CP-02"),
        (12, 19, "比618还便宜", "CP-01"),
    ]
    assert (found["source"] == A004).all()
    assert (found["severity"] == "campaign").all()
    assert not cp.is_publishable(found)


def test_each_rule_category_is_triggered():
    examples = {
        "statutory_absolute": ("这是最佳选择", "general"),
        "absolute_claim": ("行业首选", "general"),
        "style_preference": ("绝对划算", "general"),
        "campaign_618": ("比 618 更便宜", "general"),
        "efficacy_claim": ("美白祛斑精华", "cosmetics"),
        "before_after": ("效果对比", "cosmetics"),
    }
    for category, (copy, product) in examples.items():
        found = cp.check_copy(copy, product_type=product)
        assert category in set(found["category"]), (category, copy)


def test_clean_copy_has_no_findings():
    copy = (
        "美宝莲飞箭睫毛膏，纤长卷翘，持久不晕染，防水配方。618期间满300减40，"
        "第一次购买送小样，显白不挑皮。"
    )
    found = cp.check_copy(copy, product_type="cosmetics", on_date=dt.date(2020, 6, 1))
    assert found.empty
    assert list(found.columns) == list(cp.FINDING_COLUMNS)
    assert found["severity"].dtype == cp.SEVERITY_DTYPE
    assert found["start"].dtype == "int64"
    assert cp.is_publishable(found)
    assert cp.summarise(found).sum() == 0


def test_empty_text_is_clean():
    assert cp.check_copy("").empty


def test_wording_preference_only_copy_is_publishable_but_flagged():
    found = cp.check_copy("绝对划算的口红")
    assert ids(found) == ["PX-09"]
    assert (found["severity"] == "platform").all()
    assert cp.is_publishable(found)
    assert cp.verdict(found) == "fine"


@pytest.mark.parametrize("copy", ["口碑首选口红", "销量第一，首选好物", "全网最低价限时抢"])
def test_absolute_claims_block_publication(copy):
    found = cp.check_copy(copy)
    assert (found["severity"] == "statutory").all() and len(found)
    assert not cp.is_publishable(found)
    assert cp.verdict(found) == "blocking"


def test_advice_rules_apply_to_cosmetics_only_and_do_not_block():
    copy = "滋养双唇，修护唇纹"
    found = cp.check_copy(copy, product_type="cosmetics")
    assert ids(found) == ["AD-01", "AD-02"]
    assert (found["severity"] == "advice").all()
    assert cp.is_publishable(found)
    assert cp.check_copy(copy, product_type="food").empty


# ------------------------------------------------------------------------------------------
# Robustness: full-width, separators, case, repeats
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("copy", "rule_id", "matched"),
    [
        ("ＮＯ．１口红", "PX-19", "ＮＯ．１"),
        ("销量第１名", "PX-02", "第１"),
        ("ＴＯＰ１睫毛膏", "PX-20", "ＴＯＰ１"),
        ("１００％好评", "PX-10", "１００％"),
        ("最　佳", "ST-03", "最　佳"),  # ideographic space U+3000
        ("比６１８还便宜", "CP-01", "比６１８还便宜"),
    ],
)
def test_full_width_characters_match(copy, rule_id, matched):
    found = cp.check_copy(copy)
    assert rule_id in ids(found)
    row = found[found["rule_id"] == rule_id].iloc[0]
    assert row["text"] == matched


@pytest.mark.parametrize(
    ("copy", "rule_id", "matched"),
    [
        ("最 佳口红", "ST-03", "最 佳"),
        ("最-佳口红", "ST-03", "最-佳"),
        ("最·佳口红", "ST-03", "最·佳"),
        ("最★佳口红", "ST-03", "最★佳"),
        ("最\u200b佳口红", "ST-03", "最\u200b佳"),  # zero-width space
        ("国 家 级品质", "ST-01", "国 家 级"),
        ("全-网-最-低", "PX-07", "全-网-最-低"),
        ("使用 前/后 对比", "BA-01", "使用 前/后 对比"),
    ],
)
def test_separators_between_characters_are_skipped(copy, rule_id, matched):
    found = cp.check_copy(copy, product_type="cosmetics")
    assert ids(found) == [rule_id]
    assert found.loc[0, "text"] == matched
    assert found.loc[0, "start"] == 0


def test_sentence_break_between_characters_is_not_skipped():
    assert cp.check_copy("哪款最。佳人都爱").empty


@pytest.mark.parametrize(
    "term",
    [
        "NO.1",
        "No.1",
        "no 1",
        "N.O.1",
        "Top 1",
        "top-1",
        "TOP1",
        "Number One",
        "number  one",
        "THE BEST",
        "The Best",
    ],
)
def test_english_absolutes_in_any_case(term):
    copy = f"美宝莲{term}口红"
    found = cp.check_copy(copy)
    assert len(found) == 1
    # "the best" is found by its word "best"
    assert found.loc[0, "text"] == (term[4:] if term.lower().startswith("the ") else term)
    assert found.loc[0, "severity"] == "statutory"


@pytest.mark.parametrize("copy", ["No.10 款", "the bestseller", "piano1", "Top 10 榜单", "第10期"])
def test_ascii_word_boundary_prevents_partial_matches(copy):
    assert cp.check_copy(copy).empty


def test_repeated_matches_are_all_reported():
    copy = "最佳口红，最佳底妆，真的最 佳"
    # 最0 佳1 口2 红3 ，4 最5 佳6 底7 妆8 ，9 真10 的11 最12 (space)13 佳14
    found = cp.check_copy(copy)
    assert spans(found) == [
        (0, 2, "最佳", "ST-03"),
        (5, 7, "最佳", "ST-03"),
        (12, 15, "最 佳", "ST-03"),
    ]
    assert cp.summarise(found)["statutory"] == 3


def test_normalise_shows_what_the_checker_sees():
    assert cp.normalise("ＮＯ．１ 最·佳。Top-1!") == "no1最佳。top1!"


# ------------------------------------------------------------------------------------------
# Ambiguous wording: the documented choices
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "copy",
    [
        "第一次用就爱上",
        "第一步：打底",
        "第一眼就心动",
        "下单后第一时间发货",
        "第一印象",
        "第 一 次",
    ],
)
def test_ordinal_first_is_not_a_ranking(copy):
    assert cp.check_copy(copy).empty


@pytest.mark.parametrize("copy", ["销量第一", "行业第一品牌", "全网第1"])
def test_first_as_ranking_is_flagged(copy):
    assert set(ids(cp.check_copy(copy))) & {"PX-01", "PX-02", "PX-26"}


def test_only_one_shortcoming_trope_is_still_flagged():
    # Documented choice: 唯一 is a disguised superlative even in 唯一的缺点就是太持久.
    found = cp.check_copy("唯一的缺点就是太持久")
    assert ids(found) == ["PX-03"]


def test_negated_statutory_term_is_still_flagged():
    assert ids(cp.check_copy("不是最佳，是更适合你")) == ["ST-03"]


@pytest.mark.parametrize(
    "copy", ["最好在睡前使用", "最高立减50元", "最高可减100", "100%纯棉", "色号对比图", "Top10"]
)
def test_harmless_contexts_are_not_flagged(copy):
    assert cp.check_copy(copy).empty


@pytest.mark.parametrize("copy", ["最好用的口红", "效果最好", "100%有效"])
def test_the_same_words_as_claims_are_flagged(copy):
    assert not cp.check_copy(copy).empty


def test_nested_findings_keep_the_higher_severity_only():
    # 最高级 (statutory) contains 最高 (platform): one finding.
    assert ids(cp.check_copy("最高级面料")) == ["ST-02"]
    # 史上最佳: 史上最 (0..3) and 最佳 (2..4) overlap without nesting: both are kept.
    found = cp.check_copy("史上最佳")
    assert spans(found) == [(0, 3, "史上最", "PX-08"), (2, 4, "最佳", "ST-03")]


# ------------------------------------------------------------------------------------------
# Product types and the 618 logo window
# ------------------------------------------------------------------------------------------


def test_efficacy_rules_skip_drugs_and_health_foods():
    copy = "根治痘痘，7天见效，国家级认证"
    cosmetics = cp.check_copy(copy, product_type="cosmetics")
    assert ids(cosmetics) == ["EF-06", "EF-08", "ST-01"]
    for product in ("drug", "health_food"):
        assert ids(cp.check_copy(copy, product_type=product)) == ["ST-01"]


@pytest.mark.parametrize(
    ("on_date", "flagged"),
    [
        (None, False),  # window rules need a date
        (dt.date(2020, 5, 25), False),  # first day allowed
        ("2020-06-18", False),
        (dt.datetime(2020, 6, 20, 23, 59), False),  # last day, inclusive
        (dt.date(2020, 5, 24), True),
        (dt.date(2020, 6, 21), True),
        (pd.Timestamp("2020-06-20 16:30", tz="UTC"), True),  # = 06-21 00:30 in Beijing
        (dt.date(2021, 6, 1), True),  # the window is the 2020 one
    ],
)
def test_618_logo_wording_only_inside_its_window(on_date, flagged):
    found = cp.check_copy("天猫618年中狂欢，美宝莲睫毛膏", on_date=on_date)
    assert (ids(found) == ["CP-04"]) is flagged
    if flagged:
        assert found.loc[0, "text"] == "天猫618"
        assert (found.loc[0, "start"], found.loc[0, "end"]) == (0, 5)


def test_altered_logo_wording_is_flagged_any_day():
    found = cp.check_copy("天猫六一八 美宝莲狂欢")
    assert ids(found) == ["CP-03"]
    assert found.loc[0, "suggested_rewrite"] == "天猫618"


# ------------------------------------------------------------------------------------------
# Custom rule tables (a small in-test table)
# ------------------------------------------------------------------------------------------


def custom_rules() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "rule_id": ["X-1", "X-2"],
            "category": ["platform_extreme", "campaign_618"],
            "severity": ["platform", "campaign"],
            "match": ["literal", "regex"],
            "pattern": ["秒杀全场", "双1{2}"],
            "applies_to": ["all", "cosmetics; food"],
            "valid_from": [None, "2021-11-01"],
            "valid_to": [None, "2021-11-11"],
            "message_zh": ["测试", "测试"],
            "message_en": ["test", "test"],
            "suggested_rewrite": ["限时优惠", "年末好物节"],
            "source": [REF, A004],
        }
    )


def test_custom_rule_table_and_compiled_ruleset_agree():
    table = custom_rules()
    compiled = cp.compile_rules(table)
    copy = "秒 杀 全 场！双11来了"
    for rules in (table, compiled):
        found = cp.check_copy(copy, rules=rules, on_date="2021-12-01", product_type="food")
        assert spans(found) == [(0, 7, "秒 杀 全 场", "X-1"), (8, 11, "双11", "X-2")]
    inside = cp.check_copy(copy, rules=compiled, on_date="2021-11-05", product_type="food")
    assert ids(inside) == ["X-1"]
    assert ids(cp.check_copy(copy, rules=compiled, on_date="2021-12-01")) == ["X-1"]


# ------------------------------------------------------------------------------------------
# Bad input
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [None, 123, ["最佳"], b"\xe6\x9c\x80"])
def test_non_text_copy_raises(text):
    with pytest.raises(BadParameterError, match=r"'text'.*广告文案.*expected a str"):
        cp.check_copy(text)


def test_unknown_product_type_raises():
    with pytest.raises(BadParameterError, match=r"product_type.*'toys'.*cosmetics"):
        cp.check_copy("最佳", product_type="toys")


@pytest.mark.parametrize("on_date", [20200618, "June 18", "2020-13-01", 3.5, pd.NaT, True])
def test_bad_on_date_raises(on_date):
    with pytest.raises(BadParameterError, match=r"on_date.*投放日期.*expected a date"):
        cp.check_copy("天猫618", on_date=on_date)


def test_bad_rules_argument_raises():
    with pytest.raises(BadParameterError, match=r"'rules'.*RuleSet"):
        cp.check_copy("最佳", rules=["最佳"])


def test_rule_table_missing_a_column_raises():
    with pytest.raises(MissingColumnError, match=r"suggested_rewrite"):
        cp.compile_rules(custom_rules().drop(columns="suggested_rewrite"))


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("pattern", "双(1", "'X-2', column 'pattern'.*not a valid regex"),
        ("pattern", "a*", "'X-2'.*matches the empty string"),
        ("severity", "fatal", "'X-2', column 'severity'.*'fatal'.*statutory"),
        ("match", "glob", "'X-2', column 'match'.*'glob'"),
        ("applies_to", "toys", "'X-2', column 'applies_to'.*toys"),
        ("valid_to", "someday", "'X-2', column 'valid_to'.*'someday'"),
        ("source", "", "'X-2', column 'source'.*non-empty"),
    ],
)
def test_invalid_rule_row_names_the_rule(column, value, message):
    table = custom_rules()
    table.loc[1, column] = value
    with pytest.raises(SchemaViolationError, match=message):
        cp.compile_rules(table)


def test_duplicate_rule_id_raises():
    table = custom_rules()
    table.loc[1, "rule_id"] = "X-1"
    with pytest.raises(SchemaViolationError, match=r"'X-1'.*appears twice"):
        cp.compile_rules(table)


def test_summaries_reject_bad_findings():
    with pytest.raises(BadParameterError, match=r"findings"):
        cp.summarise([("最佳", "statutory")])
    with pytest.raises(MissingColumnError, match=r"severity"):
        cp.is_publishable(pd.DataFrame({"rule_id": ["ST-03"]}))
    with pytest.raises(SchemaViolationError, match=r"'severity'.*'fatal'"):
        cp.summarise(pd.DataFrame({"severity": ["fatal"]}))


def test_summaries_accept_plain_text_severity():
    findings = pd.DataFrame({"severity": ["platform", "advice", "platform"]})
    assert cp.summarise(findings).to_dict() == {
        "statutory": 0,
        "campaign": 0,
        "platform": 2,
        "advice": 1,
    }
    assert cp.is_publishable(findings)


# ------------------------------------------------------------------------------------------
# Properties
# ------------------------------------------------------------------------------------------

SEPARATORS = [
    " ",
    "\u3000",
    "\t",
    "-",
    "_",
    "·",
    "•",
    "*",
    "/",
    "、",
    "，",
    ",",
    ".",
    "~",
    "～",
    "|",
    "★",
    "（",
    "）",
    "\u200b",
    "…",
    "+",
    "&",
    "#",
]
BANNED = [
    "最佳",
    "国家级",
    "最高级",
    "全网最低",
    "销量冠军",
    "独一无二",
    "世界级",
    "No.1",
    "top1",
    "比618还便宜",
    "祛斑",
    "使用前后",
]


@settings(max_examples=150, deadline=None)
@given(
    term=st.sampled_from(BANNED),
    seps=st.lists(st.text(alphabet=SEPARATORS, max_size=3), min_size=12, max_size=12),
)
def test_separators_inserted_into_a_banned_term_are_still_found(term, seps):
    spaced = term[0] + "".join(sep + ch for sep, ch in zip(seps, term[1:], strict=False))
    copy = f"这款{spaced}口红"
    found = cp.check_copy(copy, product_type="cosmetics")
    # the finding covers exactly the spaced term: from its first to its last character
    assert (2, 2 + len(spaced), spaced) in set(
        zip(found["start"], found["end"], found["text"], strict=True)
    )


def _full_width(s: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in s)


@settings(max_examples=60, deadline=None)
@given(
    term=st.sampled_from(["No.1", "Top 1", "number one", "best", "第1", "100%"]),
    upper=st.booleans(),
    wide=st.booleans(),
)
def test_case_and_width_variants_are_found(term, upper, wide):
    variant = term.upper() if upper else term
    variant = _full_width(variant) if wide else variant
    found = cp.check_copy(f"美宝莲{variant}，值得入手")
    assert list(found["text"]) == [variant]


@settings(max_examples=150, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(
            [
                *"最佳国家级第一次唯高低全网史上好No.1ｔｏｐ１天猫618主会场美白7见效 -·、。\n",
                "ﬁ",
                "①",
                "\u0301",
                "İ",
                "😀",
            ]
        ),
        max_size=40,
    ),
    st.sampled_from(cp.PRODUCT_TYPES),
)
def test_spans_always_slice_the_original_text(text, product):
    found = cp.check_copy(text, product_type=product, on_date="2020-07-01")
    for start, end, matched in zip(found["start"], found["end"], found["text"], strict=True):
        assert 0 <= start < end <= len(text)
        assert text[start:end] == matched
        # a span never starts or ends on a separator
        assert cp.normalise(text[start]) and cp.normalise(text[end - 1])
    assert found["start"].is_monotonic_increasing
    assert set(found["severity"]) <= set(cp.SEVERITIES)


def test_rule_patterns_are_lower_case_literals_or_documented_regex(rules):
    # Regexes run on lower-cased text, so an upper-case letter in one could never match.
    for pattern, how in zip(rules["pattern"], rules["match"], strict=True):
        if how == "regex":
            stripped = re.sub(r"\\[A-Za-z]", "", pattern)
            assert stripped == stripped.lower(), pattern


# ------------------------------------------------------------------------------------------
# The labelled set: precision and recall of the verdict per label
# ------------------------------------------------------------------------------------------


def labelled_scores(labelled: pd.DataFrame) -> tuple[float, pd.DataFrame]:
    """Agreement with the labels, and precision/recall/support per label."""
    predicted = [
        cp.verdict(
            cp.check_copy(
                row.copy,
                product_type=row.product_type,
                on_date=None if pd.isna(row.on_date) else row.on_date,
            )
        )
        for row in labelled.itertuples()
    ]
    pred = pd.Series(predicted, index=labelled.index)
    truth = labelled["label"].astype(str)
    rows = {}
    for label in cp.VERDICTS:
        hit = ((pred == label) & (truth == label)).sum()
        rows[label] = {
            "precision": hit / max((pred == label).sum(), 1),
            "recall": hit / max((truth == label).sum(), 1),
            "support": int((truth == label).sum()),
        }
    return float((pred == truth).mean()), pd.DataFrame(rows).T


@pytest.fixture(scope="module")
def labelled() -> pd.DataFrame:
    return data.load("compliance_labelled")


def test_labelled_set_is_big_and_covers_the_hard_cases(labelled):
    assert len(labelled) >= 60
    assert set(labelled["label"].astype(str)) == set(cp.VERDICTS)
    assert labelled["reason_zh"].str.len().gt(0).all()
    copies = " ".join(labelled["copy"])
    for hard in ("最近", "第一次", "首次上市", "最后一天", "ＮＯ．１", "第 一", "N O 1", "No.1",
                 "best", "Best before"):
        assert hard in copies, hard


def test_checker_agrees_with_the_labelled_set(labelled):
    agreement, table = labelled_scores(labelled)
    print(f"\nlabelled set: {len(labelled)} lines, agreement {agreement:.1%}")
    print(table.to_string(float_format=lambda v: f"{v:.3f}"))
    assert agreement >= 0.95
    assert (table["recall"] >= 0.9).all() and (table["precision"] >= 0.9).all()


def test_agreement_score_can_fail(labelled):
    # Guard against a vacuous metric: flipping every label must destroy the agreement.
    flip = {"blocking": "fine", "fine": "needs_evidence", "needs_evidence": "blocking"}
    wrong = labelled.assign(label=labelled["label"].astype(str).map(flip))
    agreement, table = labelled_scores(wrong)
    assert agreement < 0.1
    assert (table["recall"] < 0.5).all()


@pytest.mark.parametrize(
    "copy",
    ["最近上新", "最 近 到 货", "活动最后一天", "最初的味道", "新品首次上市", "首发", "首单立减",
     "第 一 次"],
)
def test_non_claim_words_are_not_flagged(copy):
    assert cp.check_copy(copy).empty


@pytest.mark.parametrize(
    ("copy", "rule_id"),
    [("最近最火的款", "PX-23"), ("全国首家", "PX-25"), ("首款折叠壶", "PX-25"),
     ("Best before 最佳", "ST-03")],
)
def test_claims_next_to_non_claim_words_are_still_flagged(copy, rule_id):
    assert rule_id in ids(cp.check_copy(copy))


def test_best_before_is_a_date_label_not_a_claim():
    assert cp.check_copy("Best before: 2026-12-01", product_type="food").empty
    assert ids(cp.check_copy("Best choice")) == ["PX-22"]


def test_verdict_levels():
    assert cp.verdict(cp.check_copy("质地轻薄")) == "fine"
    assert cp.verdict(cp.check_copy("滋养双唇", product_type="cosmetics")) == "needs_evidence"
    assert cp.verdict(cp.check_copy("滋养双唇，销量第一", product_type="cosmetics")) == "blocking"
    assert cp.verdict(cp.check_copy("绝对划算")) == "fine"
    with pytest.raises(BadParameterError):
        cp.verdict("not a frame")
