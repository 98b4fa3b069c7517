"""Tests of casekit.experiment: z test, Bayesian probability, sample size, verdicts, summary."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from casekit import experiment as ex
from casekit.errors import (
    BadParameterError,
    EmptyDataError,
    MissingColumnError,
    SchemaViolationError,
)

# ------------------------------------------------------------------------------------------
# two_proportion_ztest
# ------------------------------------------------------------------------------------------


def test_ztest_worked_example():
    # A: 200 clicks / 10,000 impressions = 2.0%; B: 260 / 10,000 = 2.6%
    # pooled p = 460 / 20,000 = 0.023; SE_pooled = √(0.023 × 0.977 × (1/10000 + 1/10000))
    #   = √(4.4942e-6) = 0.00211996; z = 0.006 / 0.00211996 = 2.8303
    # two-sided p = 2 × (1 − Φ(2.8303)) = 0.00465
    # SE_unpooled = √(0.02 × 0.98 / 10000 + 0.026 × 0.974 / 10000) = √(4.4924e-6) = 0.00211953
    # 95% CI = 0.006 ± 1.959964 × 0.00211953 = 0.006 ± 0.0041542 = (0.0018458, 0.0101542)
    r = ex.two_proportion_ztest(200, 10_000, 260, 10_000)
    assert (r.ctr_a, r.ctr_b) == (pytest.approx(0.02), pytest.approx(0.026))
    assert r.abs_lift == pytest.approx(0.006)
    assert r.rel_lift == pytest.approx(0.30)
    assert r.z == pytest.approx(2.8303, abs=1e-4)
    assert r.p_value == pytest.approx(0.00465, abs=1e-5)
    assert r.ci_low == pytest.approx(0.0018458, abs=1e-7)
    assert r.ci_high == pytest.approx(0.0101542, abs=1e-7)
    assert r.significant
    assert (r.alpha, r.alternative) == (0.05, "two-sided")


def test_ztest_one_sided():
    # greater: p = 1 − Φ(2.8303) = 0.002326; less: Φ(2.8303) = 0.997674
    greater = ex.two_proportion_ztest(200, 10_000, 260, 10_000, alternative="greater")
    less = ex.two_proportion_ztest(200, 10_000, 260, 10_000, alternative="less")
    assert greater.p_value == pytest.approx(0.002326, abs=1e-6)
    assert less.p_value == pytest.approx(0.997674, abs=1e-6)
    assert greater.significant and not less.significant
    # one-sided bound: 0.006 − 1.644854 × 0.00211953 = 0.0025137, upper end +1
    assert greater.ci_low == pytest.approx(0.0025137, abs=1e-7) and greater.ci_high == 1.0
    assert less.ci_low == -1.0


def test_ztest_not_significant_small_sample():
    # A 20/1000, B 26/1000: pooled 0.023, SE = √(0.023 × 0.977 × 0.002) = 0.0067037,
    # z = 0.006 / 0.0067037 = 0.895, p = 0.371
    r = ex.two_proportion_ztest(20, 1000, 26, 1000)
    assert r.z == pytest.approx(0.895, abs=1e-3)
    assert r.p_value == pytest.approx(0.371, abs=1e-3)
    assert not r.significant


def test_ztest_degenerate_counts():
    r = ex.two_proportion_ztest(0, 100, 0, 50)
    assert (r.z, r.p_value, r.significant) == (0.0, 1.0, False)
    assert math.isnan(r.rel_lift)
    r = ex.two_proportion_ztest(0, 100, 100, 100)
    assert r.abs_lift == 1.0 and r.p_value < 1e-10


@pytest.mark.parametrize(
    ("args", "kwargs", "name"),
    [
        ((11, 10, 5, 10), {}, "clicks_a"),
        ((5, 0, 5, 10), {}, "n_a"),
        ((5, 10, -1, 10), {}, "clicks_b"),
        ((5, 10, 5.5, 10), {}, "clicks_b"),
        ((5, 10, 5, float("nan")), {}, "n_b"),
        ((5, 10, 5, 10), {"alpha": 0}, "alpha"),
        ((5, 10, 5, 10), {"alpha": 0.5}, "alpha"),
        ((5, 10, 5, 10), {"alternative": "bigger"}, "alternative"),
    ],
)
def test_ztest_bad_parameters(args, kwargs, name):
    with pytest.raises(BadParameterError, match=name):
        ex.two_proportion_ztest(*args, **kwargs)


def test_ztest_clicks_above_impressions_message():
    with pytest.raises(BadParameterError, match="clicks cannot exceed impressions"):
        ex.two_proportion_ztest(11, 10, 5, 10)


counts = st.integers(min_value=1, max_value=20_000).flatmap(
    lambda n: st.tuples(st.integers(min_value=0, max_value=n), st.just(n))
)


@settings(max_examples=200, deadline=None)
@given(a=counts, b=counts, alternative=st.sampled_from(ex.ALTERNATIVES))
def test_ztest_properties(a, b, alternative):
    r = ex.two_proportion_ztest(a[0], a[1], b[0], b[1], alternative=alternative)
    assert 0.0 <= r.p_value <= 1.0
    assert r.ci_low <= r.abs_lift <= r.ci_high
    assert r.significant == (r.p_value < r.alpha)


@settings(max_examples=200, deadline=None)
@given(a=counts, b=counts)
def test_ztest_swap_flips_sign_keeps_p(a, b):
    ab = ex.two_proportion_ztest(a[0], a[1], b[0], b[1])
    ba = ex.two_proportion_ztest(b[0], b[1], a[0], a[1])
    assert ba.abs_lift == pytest.approx(-ab.abs_lift, abs=1e-15)
    assert ba.z == pytest.approx(-ab.z, abs=1e-12)
    assert ba.p_value == pytest.approx(ab.p_value, rel=1e-9, abs=1e-15)
    if not (math.isnan(ab.rel_lift) or math.isnan(ba.rel_lift)) and ab.abs_lift != 0:
        assert np.sign(ba.rel_lift) == -np.sign(ab.rel_lift)
    assert ba.ci_low == pytest.approx(-ab.ci_high, abs=1e-12)


# ------------------------------------------------------------------------------------------
# Bayesian
# ------------------------------------------------------------------------------------------


def test_prob_b_beats_a_hand_case():
    # uniform prior; A 0/1 → Beta(1, 2), B 1/1 → Beta(2, 1).
    # P(B > A) = ∫ 2x · (1 − (1 − x)²) dx = ∫ (4x² − 2x³) dx = 4/3 − 1/2 = 5/6
    assert ex.prob_b_beats_a(0, 1, 1, 1) == pytest.approx(5 / 6, abs=1e-12)
    mc = ex.prob_b_beats_a(0, 1, 1, 1, method="monte_carlo", draws=200_000, seed=1)
    assert mc == pytest.approx(5 / 6, abs=0.005)


def test_prob_b_beats_a_symmetric_and_clear_cases():
    assert ex.prob_b_beats_a(20, 1000, 20, 1000) == pytest.approx(0.5, abs=1e-9)
    assert ex.prob_b_beats_a(0, 10, 0, 10) == pytest.approx(0.5, abs=1e-9)
    assert ex.prob_b_beats_a(100, 10_000, 300, 10_000) > 0.999999
    assert ex.prob_b_beats_a(300, 10_000, 100, 10_000) < 1e-6


def test_prob_b_beats_a_monte_carlo_is_seeded_and_close_to_exact():
    exact = ex.prob_b_beats_a(200, 10_000, 260, 10_000)
    one = ex.prob_b_beats_a(200, 10_000, 260, 10_000, method="monte_carlo", seed=5)
    two = ex.prob_b_beats_a(200, 10_000, 260, 10_000, method="monte_carlo", seed=5)
    assert one == two
    assert one == pytest.approx(exact, abs=0.002)
    assert exact == pytest.approx(0.99768, abs=1e-4)


def test_prob_b_beats_a_priors():
    # Jeffreys prior (0.5, 0.5) has a non-whole alpha: exact form not available
    with pytest.raises(BadParameterError, match="monte_carlo"):
        ex.prob_b_beats_a(20, 1000, 25, 1000, prior=(0.5, 0.5))
    mc = ex.prob_b_beats_a(20, 1000, 20, 1000, prior=(0.5, 0.5), method="monte_carlo")
    assert mc == pytest.approx(0.5, abs=0.005)
    with pytest.raises(BadParameterError, match="prior"):
        ex.prob_b_beats_a(20, 1000, 25, 1000, prior=(1, 0))
    with pytest.raises(BadParameterError, match="prior"):
        ex.prob_b_beats_a(20, 1000, 25, 1000, prior=1)
    with pytest.raises(BadParameterError, match="method"):
        ex.prob_b_beats_a(20, 1000, 25, 1000, method="guess")
    with pytest.raises(BadParameterError, match="draws"):
        ex.prob_b_beats_a(20, 1000, 25, 1000, method="monte_carlo", draws=10)


def test_expected_loss_hand_case():
    # A ~ Beta(1, 2), B ~ Beta(2, 1) as above. Choosing B loses E[max(A − B, 0)]
    #   = ∫_0^1 2(1 − y) ∫_0^y (y − x) 2x dx dy = ∫ 2(1 − y) · y³/3 dy = (2/3)(1/4 − 1/5) = 1/30.
    # Choosing A loses that plus E[B] − E[A] = 1/30 + (2/3 − 1/3) = 11/30.
    loss = ex.expected_loss(0, 1, 1, 1)
    assert loss.choose_b == pytest.approx(1 / 30, abs=1e-12)
    assert loss.choose_a == pytest.approx(11 / 30, abs=1e-12)
    mc = ex.expected_loss(0, 1, 1, 1, method="monte_carlo", seed=2)
    assert mc.choose_b == pytest.approx(1 / 30, abs=0.002)
    assert mc.choose_a == pytest.approx(11 / 30, abs=0.002)


small_counts = st.integers(min_value=1, max_value=1500).flatmap(
    lambda n: st.tuples(st.integers(min_value=0, max_value=n), st.just(n))
)


@settings(max_examples=100, deadline=None)
@given(a=small_counts, b=small_counts)
def test_bayes_properties(a, b):
    p_b = ex.prob_b_beats_a(a[0], a[1], b[0], b[1])
    p_a = ex.prob_b_beats_a(b[0], b[1], a[0], a[1])
    assert 0.0 <= p_b <= 1.0
    assert p_b + p_a == pytest.approx(1.0, abs=1e-9)
    # expected losses differ by the difference of posterior means (E[B − A])
    loss = ex.expected_loss(a[0], a[1], b[0], b[1])
    mean_a, mean_b = (a[0] + 1) / (a[1] + 2), (b[0] + 1) / (b[1] + 2)
    assert loss.choose_a - loss.choose_b == pytest.approx(mean_b - mean_a, abs=1e-9)
    assert loss.choose_a >= 0 and loss.choose_b >= 0


# ------------------------------------------------------------------------------------------
# sample_size_per_group
# ------------------------------------------------------------------------------------------


def test_sample_size_textbook_numbers():
    # R: power.prop.test(p1 = .50, p2 = .75, power = .90) → n = 76.7 per group → 77
    # z = 1.959964, z_β = 1.281552, p̄ = 0.625:
    # (1.959964 × √(2 × 0.625 × 0.375) + 1.281552 × √(0.25 + 0.1875))² / 0.25² = 76.71
    assert ex.sample_size_per_group(0.5, min_detectable_effect=0.25, power=0.9) == 77
    # 10% → 12%, power 0.8: (1.959964 × √(2 × 0.11 × 0.89) + 0.841621 × √(0.09 + 0.1056))²
    #   / 0.02² = (0.867271 + 0.372222)² / 0.0004 = 3840.8 → 3841 (power.prop.test: 3840.8)
    assert ex.sample_size_per_group(0.10, 0.20) == 3841
    assert ex.sample_size_per_group(0.10, min_detectable_effect=0.02) == 3841
    # a drop is as hard to detect as a rise of the same size around the same mean
    assert ex.sample_size_per_group(0.12, min_detectable_effect=-0.02) == 3841


def test_sample_size_one_sided_and_ctr_scale():
    one = ex.sample_size_per_group(0.10, 0.20, alternative="greater")
    assert one < 3841
    # 2% CTR, +10% relative: far more impressions (ad CTRs are small)
    assert ex.sample_size_per_group(0.02, 0.10) == 80_682


@pytest.mark.parametrize(
    ("args", "kwargs", "name"),
    [
        ((0.0, 0.1), {}, "baseline_ctr"),
        ((1.5, 0.1), {}, "baseline_ctr"),
        ((0.1,), {}, "relative_lift"),
        ((0.1, 0.1), {"min_detectable_effect": 0.01}, "relative_lift"),
        ((0.1, 0.0), {}, "relative_lift"),
        ((0.6, 1.0), {}, "relative_lift"),  # 1.2 is not a CTR
        ((0.1, 0.1), {"power": 0.3}, "power"),
        ((0.1, 0.1), {"alpha": 5}, "alpha"),
    ],
)
def test_sample_size_bad_parameters(args, kwargs, name):
    with pytest.raises(BadParameterError, match=name):
        ex.sample_size_per_group(*args, **kwargs)


# ------------------------------------------------------------------------------------------
# verdict
# ------------------------------------------------------------------------------------------


def test_verdict_adopt_b_with_underpowered_caution():
    v = ex.verdict(ex.two_proportion_ztest(200, 10_000, 260, 10_000))
    assert v.decision == "adopt_b"
    assert "B 的点击率比 A 高 30.0%" in v.zh and "p=0.005" in v.zh and "可以采用 B" in v.zh
    assert "adopt B" in v.en
    # 10% relative lift at CTR 2% needs 80,682 per group > 10,000: warn about small samples
    assert v.underpowered and v.required_n_per_group == 80_682
    assert "80,682" in v.zh and "高估" in v.zh and "overstate" in v.en
    assert "一显著就停" in v.zh and "stopping at the first significant" in v.en
    assert str(v) == v.zh + "\n" + v.en


def test_verdict_inconclusive_small_sample():
    v = ex.verdict(ex.two_proportion_ztest(20, 1000, 26, 1000))
    assert v.decision == "inconclusive"
    assert v.zh.startswith("样本不足，尚不能下结论")
    assert "Not enough data" in v.en and "p=0.371" in v.en
    assert "一显著就停" in v.zh


def test_verdict_no_clear_difference_when_powered():
    v = ex.verdict(ex.two_proportion_ztest(20_000, 1_000_000, 20_100, 1_000_000))
    assert v.decision == "no_clear_difference" and not v.underpowered
    assert "差异不显著" in v.zh and "keep A" in v.en


def test_verdict_keep_a_when_b_is_worse():
    v = ex.verdict(ex.two_proportion_ztest(2600, 100_000, 2000, 100_000), relative_lift=0.2)
    assert v.decision == "keep_a"
    assert "低" in v.zh and "保留 A" in v.zh and "lower" in v.en
    assert not v.underpowered  # 10,000-ish needed for +20% at 2.6%


def test_verdict_p_below_0001_and_zero_baseline():
    v = ex.verdict(ex.two_proportion_ztest(100, 10_000, 300, 10_000))
    assert "p<0.001" in v.zh
    v = ex.verdict(ex.two_proportion_ztest(0, 50, 0, 50))
    assert v.decision == "inconclusive" and v.required_n_per_group is None
    assert "无法估算" in v.zh
    v = ex.verdict(ex.two_proportion_ztest(0, 5000, 40, 5000))
    assert "个百分点" in v.zh and "percentage points" in v.en


def test_verdict_bad_parameters():
    with pytest.raises(BadParameterError, match="result"):
        ex.verdict({"p_value": 0.01})
    r = ex.two_proportion_ztest(20, 1000, 26, 1000)
    with pytest.raises(BadParameterError, match="relative_lift"):
        ex.verdict(r, relative_lift=0)


# ------------------------------------------------------------------------------------------
# ab_summary
# ------------------------------------------------------------------------------------------


def _test_table(seed: int = 11) -> pd.DataFrame:
    """7 days × 2 tests × 2 variants of simulated impressions and clicks."""
    rng = np.random.default_rng(seed)
    rows = []
    true_ctr = {("T1", "A"): 0.020, ("T1", "B"): 0.026, ("T2", "A"): 0.031, ("T2", "B"): 0.031}
    element = {"T1": "主图", "T2": "标题"}
    for day in pd.date_range("2020-06-01", periods=7, freq="D"):
        for (test, variant), ctr in true_ctr.items():
            impressions = int(rng.integers(4000, 6000))
            rows.append(
                {
                    "date": day.date(),
                    "test_id": test,
                    "element": element[test],
                    "variant": variant,
                    "impressions": impressions,
                    "clicks": int(rng.binomial(impressions, ctr)),
                }
            )
    return pd.DataFrame(rows)


def test_ab_summary_on_generated_table():
    table = _test_table()
    out = ex.ab_summary(table)
    assert out["test_id"].tolist() == ["T1", "T2"]
    assert out["element"].tolist() == ["主图", "标题"]
    assert out["days"].tolist() == [7, 7]
    for _, row in out.iterrows():
        part = table[table["test_id"] == row["test_id"]]
        a, b = part[part["variant"] == "A"], part[part["variant"] == "B"]
        assert row["impressions_a"] == a["impressions"].sum()
        assert row["clicks_b"] == b["clicks"].sum()
        r = ex.two_proportion_ztest(
            a["clicks"].sum(), a["impressions"].sum(), b["clicks"].sum(), b["impressions"].sum()
        )
        assert row["p_value"] == pytest.approx(r.p_value)
        assert row["ci_low"] == pytest.approx(r.ci_low)
        assert row["rel_lift"] == pytest.approx(r.rel_lift)
        assert row["significant"] == r.significant
        assert row["prob_b_beats_a"] == pytest.approx(
            ex.prob_b_beats_a(r.clicks_a, r.n_a, r.clicks_b, r.n_b)
        )
        assert row["verdict_zh"] == ex.verdict(r).zh
    # T1 has a real +30% lift on ~35,000 impressions per group; T2 none
    t1, t2 = out.iloc[0], out.iloc[1]
    assert t1["decision"] == "adopt_b" and t1["prob_b_beats_a"] > 0.99
    assert t2["decision"] in {"inconclusive", "no_clear_difference"}
    assert out["required_n_per_group"].dtype == "Int64"


def test_ab_summary_custom_labels_and_optional_columns():
    table = _test_table().drop(columns=["element", "date"])
    table = table.groupby(["test_id", "variant"], as_index=False)[["impressions", "clicks"]].sum()
    table["variant"] = table["variant"].map({"A": "control", "B": "new"})
    out = ex.ab_summary(table, element_col=None, date_col=None, control="control",
                        treatment="new")
    assert "element" not in out.columns and "days" not in out.columns
    assert out["impressions_a"].sum() + out["impressions_b"].sum() == table["impressions"].sum()


def test_ab_summary_bad_inputs():
    table = _test_table()
    with pytest.raises(MissingColumnError, match="clicks"):
        ex.ab_summary(table.drop(columns="clicks"))
    with pytest.raises(EmptyDataError):
        ex.ab_summary(table.iloc[:0])
    bad = table.copy()
    bad.loc[0, "variant"] = "C"
    with pytest.raises(SchemaViolationError, match="'C'"):
        ex.ab_summary(bad)
    with pytest.raises(SchemaViolationError, match="no rows for variant 'B'"):
        ex.ab_summary(table[~((table["test_id"] == "T2") & (table["variant"] == "B"))])
    bad = table.copy()
    bad.loc[3, "clicks"] = bad.loc[3, "impressions"] + 1
    with pytest.raises(SchemaViolationError, match="more clicks"):
        ex.ab_summary(bad)
    bad = table.copy()
    bad.loc[3, "clicks"] = -2
    with pytest.raises(SchemaViolationError, match="clicks"):
        ex.ab_summary(bad)
    bad = table.astype({"clicks": "float64"})
    bad.loc[3, "clicks"] = 2.5
    with pytest.raises(SchemaViolationError, match="whole counts"):
        ex.ab_summary(bad)
    with pytest.raises(SchemaViolationError, match="more than one row"):
        ex.ab_summary(pd.concat([table, table.iloc[:1]]))
    bad = table.copy()
    bad.loc[0, "element"] = "标题"
    with pytest.raises(SchemaViolationError, match="one test changes one element"):
        ex.ab_summary(bad)
    bad = table.copy()
    bad.loc[table["test_id"] == "T1", "impressions"] = 0
    bad.loc[table["test_id"] == "T1", "clicks"] = 0
    with pytest.raises(SchemaViolationError, match="0 impressions"):
        ex.ab_summary(bad)
    with pytest.raises(BadParameterError, match="treatment"):
        ex.ab_summary(table, control="A", treatment="A")


@settings(max_examples=30, deadline=None)
@given(
    clicks=st.lists(st.integers(min_value=0, max_value=300), min_size=4, max_size=4),
    extra=st.lists(st.integers(min_value=0, max_value=5000), min_size=4, max_size=4),
)
def test_ab_summary_matches_scalar_test(clicks, extra):
    impressions = [c + e for c, e in zip(clicks, extra, strict=True)]
    assume(impressions[0] > 0 and impressions[1] > 0 and impressions[2] > 0
           and impressions[3] > 0)
    table = pd.DataFrame(
        {
            "test_id": ["x", "x", "x", "x"],
            "date": ["d1", "d1", "d2", "d2"],
            "variant": ["A", "B", "A", "B"],
            "impressions": impressions,
            "clicks": clicks,
        }
    )
    out = ex.ab_summary(table, element_col=None)
    r = ex.two_proportion_ztest(
        clicks[0] + clicks[2], impressions[0] + impressions[2],
        clicks[1] + clicks[3], impressions[1] + impressions[3],
    )
    assert out["p_value"].item() == pytest.approx(r.p_value)
    assert out["abs_lift"].item() == pytest.approx(r.abs_lift)



def test_huge_counts_are_guarded_not_allocated():
    # the exact sum has one term per click: 1e12 clicks would need terabytes
    with pytest.raises(BadParameterError, match=r"monte_carlo.*one term per click"):
        ex.prob_b_beats_a(10**12, 10**13, 10**12 + 10**6, 10**13)
    with pytest.raises(BadParameterError, match="monte_carlo"):
        ex.expected_loss(10**12, 10**13, 10**12, 10**13)
    p = ex.prob_b_beats_a(10**12, 10**13, 10**12 + 10**6, 10**13, method="monte_carlo")
    assert 0.7 < p < 0.85  # normal approximation: Φ(1e6 / sqrt(2 × 1e12 × 0.9)) ≈ 0.77
    loss = ex.expected_loss(10**12, 10**13, 10**12, 10**13, method="monte_carlo")
    assert 0 <= loss.choose_a < 1e-6 and 0 <= loss.choose_b < 1e-6
    # just below the bound, the exact sum still runs
    assert ex.prob_b_beats_a(10**5, 10**6, 10**5, 10**6) == pytest.approx(0.5, abs=1e-9)


def test_ab_summary_of_huge_tests_uses_seeded_draws():
    data = pd.DataFrame(
        {
            "test_id": ["t1", "t1"],
            "variant": ["A", "B"],
            "impressions": [10**13, 10**13],
            "clicks": [10**12, 10**12 + 10**6],
        }
    )
    out = ex.ab_summary(data, element_col=None, date_col=None)
    assert 0.7 < out["prob_b_beats_a"].item() < 0.85
