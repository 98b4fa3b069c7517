"""A/B tests of creatives (创意测试): main image (主图) and title (标题) click-through rates.

Frequentist: :func:`two_proportion_ztest` (z test, Wald interval), :func:`sample_size_per_group`.
Bayesian: :func:`prob_b_beats_a` and :func:`expected_loss` under Beta-Binomial posteriors.
Reporting: :func:`verdict` (plain Chinese and English) and :func:`ab_summary` over a
per-day per-variant table. Variant A is the control (现有创意), B the challenger (新创意).
CTR (点击率) = clicks / impressions, a proportion (3% is 0.03).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import special, stats

from casekit._checks import (
    choice,
    number,
    rate,
    require_columns,
    require_frame,
    require_numeric_column,
)
from casekit.errors import BadParameterError, SchemaViolationError

__all__ = [
    "ABTestResult",
    "ExpectedLoss",
    "Verdict",
    "ab_summary",
    "expected_loss",
    "prob_b_beats_a",
    "sample_size_per_group",
    "two_proportion_ztest",
    "verdict",
]

ALTERNATIVES = ("two-sided", "greater", "less")


# --------------------------------------------------------------------------------------------
# Frequentist test
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ABTestResult:
    """Result of :func:`two_proportion_ztest`; lifts are B − A (positive: B clicks more)."""

    clicks_a: int
    n_a: int
    clicks_b: int
    n_b: int
    ctr_a: float
    ctr_b: float
    abs_lift: float
    rel_lift: float
    z: float
    p_value: float
    ci_low: float
    ci_high: float
    alpha: float
    alternative: str
    significant: bool


#: The largest impression or click count taken: 2**53, the last whole number a float
#: holds exactly.
MAX_COUNT = 2**53


def _counts(clicks: Any, n: Any, side: str) -> tuple[int, int]:
    n_ = int(number(n, f"n_{side}", zh=f"{side.upper()} 组曝光量", minimum=1,
                    maximum=MAX_COUNT, integer=True))
    c_ = int(number(clicks, f"clicks_{side}", zh=f"{side.upper()} 组点击量", minimum=0,
                    maximum=MAX_COUNT, integer=True))
    if c_ > n_:
        raise BadParameterError(
            f"clicks_{side}", clicks, f"at most n_{side} = {n_} (clicks cannot exceed impressions)",
            zh=f"{side.upper()} 组点击量",
        )
    return c_, n_


def _alpha(alpha: Any) -> float:
    a = number(alpha, "alpha", zh="显著性水平", minimum=0, strict_min=True)
    if a >= 0.5:
        raise BadParameterError("alpha", alpha, "a significance level < 0.5 such as 0.05",
                                zh="显著性水平")
    return a


def _ztest_arrays(
    ca: np.ndarray, na: np.ndarray, cb: np.ndarray, nb: np.ndarray, alpha: float,
    alternative: str,
) -> dict[str, np.ndarray]:
    """Vectorised core of :func:`two_proportion_ztest` over arrays of counts."""
    ca, na, cb, nb = (np.asarray(v, dtype="float64") for v in (ca, na, cb, nb))
    pa, pb = ca / na, cb / nb
    diff = pb - pa
    pooled = (ca + cb) / (na + nb)
    se_pooled = np.sqrt(pooled * (1 - pooled) * (1 / na + 1 / nb))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(se_pooled > 0, diff / np.where(se_pooled > 0, se_pooled, 1.0), 0.0)
        rel = np.where(pa > 0, diff / np.where(pa > 0, pa, 1.0), np.nan)
    se = np.sqrt(pa * (1 - pa) / na + pb * (1 - pb) / nb)
    if alternative == "two-sided":
        p = 2 * stats.norm.sf(np.abs(z))
        q = stats.norm.isf(alpha / 2)
        low, high = diff - q * se, diff + q * se
    else:
        q = stats.norm.isf(alpha)
        if alternative == "greater":
            p = stats.norm.sf(z)
            low, high = diff - q * se, np.ones_like(diff)
        else:
            p = stats.norm.cdf(z)
            low, high = -np.ones_like(diff), diff + q * se
    p = np.clip(p, 0.0, 1.0)
    return {
        "ctr_a": pa, "ctr_b": pb, "abs_lift": diff, "rel_lift": rel, "z": z, "p_value": p,
        "ci_low": np.clip(low, -1.0, 1.0), "ci_high": np.clip(high, -1.0, 1.0),
        "significant": p < alpha,
    }


def two_proportion_ztest(
    clicks_a: int,
    n_a: int,
    clicks_b: int,
    n_b: int,
    *,
    alpha: float = 0.05,
    alternative: str = "two-sided",
) -> ABTestResult:
    """Two-proportion z test of CTR_B vs CTR_A (双比例 z 检验).

    - ctr = clicks / n (n = impressions); abs_lift = ctr_b − ctr_a;
      rel_lift = abs_lift / ctr_a (NaN when ctr_a = 0).
    - z = abs_lift / SE_pooled, SE_pooled = √(p̂(1 − p̂)(1/n_a + 1/n_b)),
      p̂ = (clicks_a + clicks_b) / (n_a + n_b) (the null hypothesis says both CTRs are p̂);
      z = 0 when SE_pooled = 0 (no clicks at all, or all clicked).
    - p_value: "two-sided" 2·(1 − Φ(|z|)); "greater" (B > A) 1 − Φ(z); "less" Φ(z).
    - Confidence interval of the difference (Wald, unpooled):
      abs_lift ± z_{1−α/2} · √(ctr_a(1 − ctr_a)/n_a + ctr_b(1 − ctr_b)/n_b); one-sided
      alternatives give a one-sided bound with z_{1−α} (the other end is ±1). Clipped to
      [−1, 1]. Because the test uses the pooled and the interval the unpooled SE, the two can
      disagree right at the boundary; ``significant`` follows the p-value (p < alpha).

    Parameters
    ----------
    clicks_a : int
        Clicks of variant A (count).
    n_a : int
        Impressions of variant A (count, >= 1).
    clicks_b : int
        Clicks of variant B (count).
    n_b : int
        Impressions of variant B (count, >= 1).
    alpha : float, optional
        Significance level (显著性水平), e.g. 0.05.
    alternative : str, optional
        ``'two-sided'``, ``'greater'`` (B > A) or ``'less'``.

    Returns
    -------
    ABTestResult
        CTRs, lifts, z, p-value, confidence interval and significance.
    """
    ca, na = _counts(clicks_a, n_a, "a")
    cb, nb = _counts(clicks_b, n_b, "b")
    a = _alpha(alpha)
    alt = choice(alternative, "alternative", ALTERNATIVES, zh="备择假设")
    r = _ztest_arrays(np.array([ca]), np.array([na]), np.array([cb]), np.array([nb]), a, alt)
    return ABTestResult(
        clicks_a=ca, n_a=na, clicks_b=cb, n_b=nb,
        ctr_a=float(r["ctr_a"][0]), ctr_b=float(r["ctr_b"][0]),
        abs_lift=float(r["abs_lift"][0]), rel_lift=float(r["rel_lift"][0]),
        z=float(r["z"][0]), p_value=float(r["p_value"][0]),
        ci_low=float(r["ci_low"][0]), ci_high=float(r["ci_high"][0]),
        alpha=a, alternative=alt, significant=bool(r["significant"][0]),
    )


# --------------------------------------------------------------------------------------------
# Bayesian view
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExpectedLoss:
    """Expected CTR given up (absolute, e.g. 0.001 = 0.1 percentage point) by each choice."""

    choose_a: float
    choose_b: float


def _posteriors(
    clicks_a: Any, n_a: Any, clicks_b: Any, n_b: Any, prior: Any
) -> tuple[float, float, float, float]:
    ca, na = _counts(clicks_a, n_a, "a")
    cb, nb = _counts(clicks_b, n_b, "b")
    if isinstance(prior, str) or not isinstance(prior, tuple | list) or len(prior) != 2:
        raise BadParameterError("prior", prior, "a pair (alpha, beta) such as (1, 1)", zh="先验")
    pa = number(prior[0], "prior[0]", zh="先验 alpha", minimum=0, strict_min=True)
    pb = number(prior[1], "prior[1]", zh="先验 beta", minimum=0, strict_min=True)
    return pa + ca, pb + (na - ca), pa + cb, pb + (nb - cb)  # differences in whole numbers


def _prob_greater(a1: float, b1: float, a2: float, b2: float) -> float:
    """P(X > Y) for X ~ Beta(a1, b1), Y ~ Beta(a2, b2), a1 a whole number (closed form).

    Σ_{i=0}^{a1−1} B(a2 + i, b1 + b2) / ((b1 + i) · B(1 + i, b1) · B(a2, b2)), summed in
    log space (Evan Miller, "Formulas for Bayesian A/B testing").
    """
    i = np.arange(round(a1), dtype="float64")
    log_terms = (
        special.betaln(a2 + i, b1 + b2)
        - np.log(b1 + i)
        - special.betaln(1 + i, b1)
        - special.betaln(a2, b2)
    )
    return float(min(1.0, max(0.0, math.fsum(np.exp(log_terms)))))


#: The exact Bayesian sums take one term per click (posterior alpha); above this many
#: terms they would need too much memory and time, and ``method="exact"`` is refused.
MAX_EXACT_TERMS = 1_000_000


def _method(method: Any, prior_alpha: float, *alphas: float) -> str:
    m = choice(method, "method", ("exact", "monte_carlo"), zh="计算方法")
    if m == "exact" and prior_alpha != int(prior_alpha):
        raise BadParameterError(
            "prior", prior_alpha,
            "a whole-number prior alpha for method='exact' (or use method='monte_carlo')",
            zh="先验",
        )
    if m == "exact" and max(alphas, default=0) > MAX_EXACT_TERMS:
        raise BadParameterError(
            "method", method,
            f"method='monte_carlo' for this many clicks: the exact sum takes one term per "
            f"click ({max(alphas):.4g} here, at most {MAX_EXACT_TERMS:,})",
            zh="计算方法",
        )
    return m


def _draws(alpha_a, beta_a, alpha_b, beta_b, draws, seed) -> tuple[np.ndarray, np.ndarray]:
    n = int(number(draws, "draws", zh="抽样次数", minimum=1000, integer=True))
    s = int(number(seed, "seed", zh="随机种子", minimum=0, integer=True))
    rng = np.random.default_rng(s)
    return rng.beta(alpha_a, beta_a, n), rng.beta(alpha_b, beta_b, n)


def prob_b_beats_a(
    clicks_a: int,
    n_a: int,
    clicks_b: int,
    n_b: int,
    *,
    prior: tuple[float, float] = (1, 1),
    method: str = "exact",
    draws: int = 200_000,
    seed: int = 0,
) -> float:
    """Posterior probability that B's true CTR exceeds A's (B 胜出概率).

    Each CTR gets a Beta(prior) prior (default (1, 1): uniform); after the data the
    posteriors are Beta(prior_α + clicks, prior_β + n − clicks), independent.
    ``method="exact"`` uses the closed-form sum of :func:`_prob_greater` (needs a
    whole-number prior α; cost grows with clicks_b); ``"monte_carlo"`` averages
    1{p_B > p_A} over ``draws`` seeded posterior draws (any prior). Identical data give 0.5.

    Parameters
    ----------
    clicks_a : int
        Clicks of variant A (count).
    n_a : int
        Impressions of variant A (count, >= 1).
    clicks_b : int
        Clicks of variant B (count).
    n_b : int
        Impressions of variant B (count, >= 1).
    prior : tuple of float, optional
        Beta prior (alpha, beta) of each CTR; (1, 1) is uniform.
    method : str, optional
        ``'exact'`` (closed form, up to ``MAX_EXACT_TERMS`` clicks) or
        ``'monte_carlo'``.
    draws : int, optional
        Posterior draws for ``'monte_carlo'`` (>= 1000).
    seed : int, optional
        Random seed of the draws.

    Returns
    -------
    float
        Posterior probability that B's CTR exceeds A's, in [0, 1].
    """
    aa, ba, ab, bb = _posteriors(clicks_a, n_a, clicks_b, n_b, prior)
    if _method(method, aa - clicks_a, ab) == "exact":
        return _prob_greater(ab, bb, aa, ba)
    pa, pb = _draws(aa, ba, ab, bb, draws, seed)
    return float(np.mean(pb > pa))


def expected_loss(
    clicks_a: int,
    n_a: int,
    clicks_b: int,
    n_b: int,
    *,
    prior: tuple[float, float] = (1, 1),
    method: str = "exact",
    draws: int = 200_000,
    seed: int = 0,
) -> ExpectedLoss:
    """Expected CTR lost by each decision (期望损失): E[max(p_A − p_B, 0)] if B is chosen, etc.

    Exact form: E[max(p_A − p_B, 0)] = E[p_A]·P(A⁺ > B) − E[p_B]·P(A > B⁺), where A⁺ is
    A's posterior with α + 1 (and B⁺ likewise), using the same closed-form probability as
    :func:`prob_b_beats_a`. ``"monte_carlo"`` averages over seeded draws. A common stopping
    rule is to pick a variant once its expected loss is below a threshold you can live with.

    Parameters
    ----------
    clicks_a : int
        Clicks of variant A (count).
    n_a : int
        Impressions of variant A (count, >= 1).
    clicks_b : int
        Clicks of variant B (count).
    n_b : int
        Impressions of variant B (count, >= 1).
    prior : tuple of float, optional
        Beta prior (alpha, beta) of each CTR; (1, 1) is uniform.
    method : str, optional
        ``'exact'`` (closed form, up to ``MAX_EXACT_TERMS`` clicks) or
        ``'monte_carlo'``.
    draws : int, optional
        Posterior draws for ``'monte_carlo'`` (>= 1000).
    seed : int, optional
        Random seed of the draws.

    Returns
    -------
    ExpectedLoss
        Expected CTR given up by choosing A and by choosing B (absolute proportions).
    """
    aa, ba, ab, bb = _posteriors(clicks_a, n_a, clicks_b, n_b, prior)
    if _method(method, aa - clicks_a, aa + 1, ab + 1) == "exact":
        mean_a, mean_b = aa / (aa + ba), ab / (ab + bb)
        loss_b = mean_a * _prob_greater(aa + 1, ba, ab, bb) - mean_b * _prob_greater(
            aa, ba, ab + 1, bb
        )
        loss_a = mean_b * _prob_greater(ab + 1, bb, aa, ba) - mean_a * _prob_greater(
            ab, bb, aa + 1, ba
        )
        return ExpectedLoss(choose_a=max(loss_a, 0.0), choose_b=max(loss_b, 0.0))
    pa, pb = _draws(aa, ba, ab, bb, draws, seed)
    return ExpectedLoss(
        choose_a=float(np.mean(np.maximum(pb - pa, 0.0))),
        choose_b=float(np.mean(np.maximum(pa - pb, 0.0))),
    )


# --------------------------------------------------------------------------------------------
# Planning
# --------------------------------------------------------------------------------------------


def sample_size_per_group(
    baseline_ctr: float,
    relative_lift: float | None = None,
    *,
    min_detectable_effect: float | None = None,
    alpha: float = 0.05,
    power: float = 0.8,
    alternative: str = "two-sided",
) -> int:
    """Impressions needed in each group to detect a CTR change (每组所需样本量).

    Give the change either as ``relative_lift`` (0.1: CTR × 1.1) or as an absolute
    ``min_detectable_effect`` (0.002: +0.2 percentage point). With p1 = baseline,
    p2 = the CTR to detect and p̄ = (p1 + p2) / 2 (Fleiss' formula without continuity
    correction, as in R's ``power.prop.test``):

        n = (z_{1−α/2}·√(2·p̄(1 − p̄)) + z_{power}·√(p1(1 − p1) + p2(1 − p2)))² / (p2 − p1)²

    rounded up; one-sided alternatives use z_{1−α}. Example: 10% → 12%, α = 0.05, power 0.8
    → 3,841 per group.

    Parameters
    ----------
    baseline_ctr : float
        Current CTR, a proportion strictly between 0 and 1.
    relative_lift : float or None
        Relative CTR change to detect (0.1 = +10 %); or give ``min_detectable_effect``.
    min_detectable_effect : float or None
        Absolute CTR change to detect (0.002 = +0.2 percentage point).
    alpha : float, optional
        Significance level (显著性水平), e.g. 0.05.
    power : float, optional
        Statistical power (统计功效), e.g. 0.8.
    alternative : str, optional
        ``'two-sided'``, ``'greater'`` (B > A) or ``'less'``.

    Returns
    -------
    int
        Impressions needed in each group.
    """
    p1 = rate(baseline_ctr, "baseline_ctr", zh="基准点击率")
    if not 0 < p1 < 1:
        raise BadParameterError("baseline_ctr", baseline_ctr, "a CTR strictly between 0 and 1",
                                zh="基准点击率")
    if (relative_lift is None) == (min_detectable_effect is None):
        raise BadParameterError(
            "relative_lift", relative_lift,
            "exactly one of relative_lift or min_detectable_effect", zh="相对提升",
        )
    if relative_lift is not None:
        lift = number(relative_lift, "relative_lift", zh="相对提升", minimum=-1)
        p2 = p1 * (1 + lift)
        name, value, zh = "relative_lift", relative_lift, "相对提升"
    else:
        mde = number(min_detectable_effect, "min_detectable_effect", zh="最小可检测差异")
        p2 = p1 + mde
        name, value, zh = "min_detectable_effect", min_detectable_effect, "最小可检测差异"
    if p2 == p1 or not 0 < p2 < 1:
        raise BadParameterError(
            name, value, f"a non-zero change keeping the new CTR within (0, 1); got {p2!r}",
            zh=zh,
        )
    a = _alpha(alpha)
    pw = number(power, "power", zh="统计功效", minimum=0.5, maximum=0.9999)
    alt = choice(alternative, "alternative", ALTERNATIVES, zh="备择假设")
    z_a = stats.norm.isf(a / 2 if alt == "two-sided" else a)
    z_b = stats.norm.ppf(pw)
    p_bar = (p1 + p2) / 2
    numerator = z_a * math.sqrt(2 * p_bar * (1 - p_bar)) + z_b * math.sqrt(
        p1 * (1 - p1) + p2 * (1 - p2)
    )
    with np.errstate(over="ignore"):
        n = float(np.float64(numerator / (p2 - p1)) ** 2)
    if not n <= MAX_COUNT:
        raise BadParameterError(
            name, value,
            f"a change large enough to detect: here it would take {n:.3g} impressions per "
            f"group (more than {MAX_COUNT:.3g})",
            zh=zh,
        )
    # guard against 3841.0000000001 style float noise before rounding up
    return math.ceil(n - 1e-9)


# --------------------------------------------------------------------------------------------
# Plain-language verdict
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """Plain-language reading of a test.

    decision ∈ {"adopt_b", "keep_a", "no_clear_difference", "inconclusive"};
    required_n_per_group is None when it cannot be computed (no clicks in A).
    """

    decision: str
    zh: str
    en: str
    underpowered: bool
    required_n_per_group: int | None

    def __str__(self) -> str:
        return f"{self.zh}\n{self.en}"


_PEEKING_ZH = (
    "提示：只有在达到事先定好的样本量后看一次结果，p 值才可靠；边跑边看、一显著就停，"
    "会大大增加误判（假阳性）的概率。"
)
_PEEKING_EN = (
    "Note: the p-value holds only if you look once, at a sample size fixed in advance; "
    "checking repeatedly and stopping at the first significant result inflates false "
    "positives."
)


def _fmt_p(p: float) -> str:
    return "p<0.001" if p < 0.001 else f"p={p:.3f}"


def _lift_words(r: ABTestResult) -> tuple[str, str]:
    up = r.abs_lift >= 0
    if math.isnan(r.rel_lift):
        pp = abs(r.abs_lift) * 100
        zh = f"{'高' if up else '低'} {pp:.2f} 个百分点"
        en = f"{pp:.2f} percentage points {'higher' if up else 'lower'}"
    else:
        zh = f"{'高' if up else '低'} {abs(r.rel_lift):.1%}"
        en = f"{abs(r.rel_lift):.1%} {'higher' if up else 'lower'}"
    return zh, en


def _required_n(r: ABTestResult, relative_lift: float, power: float) -> int | None:
    pooled = (r.clicks_a + r.clicks_b) / (r.n_a + r.n_b)
    base = r.ctr_a if 0 < r.ctr_a < 1 else pooled
    if not 0 < base < 1 or not 0 < base * (1 + relative_lift) < 1:
        return None
    return sample_size_per_group(
        base, relative_lift, alpha=r.alpha, power=power, alternative=r.alternative
    )


def verdict(
    result: ABTestResult,
    *,
    relative_lift: float = 0.10,
    power: float = 0.8,
) -> Verdict:
    """Say in Chinese and English what the test allows us to conclude.

    ``relative_lift`` is the smallest relative CTR change worth acting on; the test is
    under-powered (样本不足) when the smaller group has fewer impressions than
    :func:`sample_size_per_group` needs for it at ``power`` (baseline ctr_a, or the pooled CTR
    if A has no clicks). Decisions: significant and B higher → "adopt_b"; significant and B
    lower → "keep_a"; not significant → "inconclusive" if under-powered, else
    "no_clear_difference" (keep A, or treat them as equal). Every text ends with a warning
    about peeking (repeated looks / early stopping).

    Parameters
    ----------
    result : ABTestResult
        A :func:`two_proportion_ztest` result.
    relative_lift : float, optional
        Relative CTR change to detect, e.g. 0.1 = +10 %.
    power : float, optional
        Statistical power (统计功效), e.g. 0.8.

    Returns
    -------
    Verdict
        Decision, power check and plain-language verdict in Chinese and English.
    """
    if not isinstance(result, ABTestResult):
        raise BadParameterError("result", type(result).__name__,
                                "an ABTestResult from two_proportion_ztest", zh="检验结果")
    lift = number(relative_lift, "relative_lift", zh="相对提升", minimum=0, strict_min=True)
    pw = number(power, "power", zh="统计功效", minimum=0.5, maximum=0.9999)
    required = _required_n(result, lift, pw)
    smaller = min(result.n_a, result.n_b)
    underpowered = required is None or smaller < required
    lift_zh, lift_en = _lift_words(result)
    p = _fmt_p(result.p_value)
    ctrs = f"{result.ctr_a:.2%} → {result.ctr_b:.2%}"
    need_zh = (
        f"要检测 {lift:.0%} 的相对变化，每组约需 {required:,} 次曝光，目前较少的一组只有 "
        f"{smaller:,} 次"
        if required is not None
        else "A 组还没有点击，无法估算所需样本量"
    )
    need_en = (
        f"detecting a {lift:.0%} relative change needs about {required:,} impressions per group; "
        f"the smaller group has {smaller:,}"
        if required is not None
        else "A has no clicks yet, so the sample size needed cannot be estimated"
    )
    if result.significant and result.abs_lift > 0:
        decision = "adopt_b"
        zh = f"B 的点击率比 A {lift_zh}（{ctrs}），{p}，差异显著，可以采用 B。"
        en = f"B's CTR is {lift_en} than A's ({ctrs}), {p}: significant, adopt B."
    elif result.significant and result.abs_lift < 0:
        decision = "keep_a"
        zh = f"B 的点击率比 A {lift_zh}（{ctrs}），{p}，差异显著，保留 A。"
        en = f"B's CTR is {lift_en} than A's ({ctrs}), {p}: significant, keep A."
    elif underpowered:
        decision = "inconclusive"
        zh = f"样本不足，尚不能下结论：B 的点击率比 A {lift_zh}（{ctrs}），{p}；{need_zh}。"
        en = (f"Not enough data to conclude yet: B's CTR is {lift_en} than A's ({ctrs}), "
              f"{p}; {need_en}.")
    else:
        decision = "no_clear_difference"
        zh = (f"差异不显著（{ctrs}，{p}）：样本已足以检测 {lift:.0%} 的相对变化，"
              f"没有证据表明 B 更好，可保留 A 或视为效果相当。")
        en = (f"No significant difference ({ctrs}, {p}) although the sample could detect a "
              f"{lift:.0%} relative change: no evidence that B is better; keep A or treat "
              f"them as equal.")
    if result.significant and underpowered:
        zh += f"注意：{need_zh}；样本偏小时显著的结果常会高估差异，建议跑满样本量再确认。"
        en += (f" Caution: {need_en}; significant results from small samples tend to "
               f"overstate the difference, so confirm at the full sample size.")
    return Verdict(
        decision=decision,
        zh=zh + _PEEKING_ZH,
        en=en + " " + _PEEKING_EN,
        underpowered=underpowered,
        required_n_per_group=required,
    )


# --------------------------------------------------------------------------------------------
# Summary of a test table
# --------------------------------------------------------------------------------------------


def ab_summary(
    df: pd.DataFrame,
    *,
    test_col: str = "test_id",
    variant_col: str = "variant",
    impressions_col: str = "impressions",
    clicks_col: str = "clicks",
    element_col: str | None = "element",
    date_col: str | None = "date",
    control: Any = "A",
    treatment: Any = "B",
    alpha: float = 0.05,
    alternative: str = "two-sided",
    relative_lift: float = 0.10,
    power: float = 0.8,
    prior: tuple[float, float] = (1, 1),
) -> pd.DataFrame:
    """One row per test from a per-day, per-variant table of impressions and clicks.

    Sums impressions and clicks per test and variant (``control`` is A, ``treatment`` B),
    then adds the z test (:func:`two_proportion_ztest`), P(B > A)
    (:func:`prob_b_beats_a`, exact; seeded Monte Carlo from ``MAX_EXACT_TERMS`` clicks on),
    the impressions needed per group and the verdict
    (:func:`verdict`). ``element_col`` (e.g. 主图 / 标题) and ``date_col`` are optional
    (None to skip); with a date column, rows must be unique per test, date and variant and
    ``days`` counts the distinct dates. Rows are sorted by test id.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per test, variant (and date): impressions and clicks.
    test_col : str, optional
        Column of test ids.
    variant_col : str, optional
        Column of variant labels.
    impressions_col : str, optional
        Column of impressions (counts).
    clicks_col : str, optional
        Column of clicks (counts).
    element_col : str or None
        Column naming the tested element (主图, 标题), or None.
    date_col : str or None
        Column of dates, or None.
    control : object, optional
        Label of the control variant (A).
    treatment : object, optional
        Label of the treatment variant (B).
    alpha : float, optional
        Significance level (显著性水平), e.g. 0.05.
    alternative : str, optional
        ``'two-sided'``, ``'greater'`` (B > A) or ``'less'``.
    relative_lift : float, optional
        Relative CTR change to detect, e.g. 0.1 = +10 %.
    power : float, optional
        Statistical power (统计功效), e.g. 0.8.
    prior : tuple of float, optional
        Beta prior (alpha, beta) of each CTR; (1, 1) is uniform.

    Returns
    -------
    pandas.DataFrame
        One row per test: counts, CTRs, z test, P(B > A), required sample size and
        verdict.
    """
    what = "the A/B test table (测试数据表)"
    data = require_frame(df, what)
    zh = {test_col: "测试编号", variant_col: "版本", impressions_col: "曝光量",
          clicks_col: "点击量"}
    if element_col:
        zh[element_col] = "测试元素"
    if date_col:
        zh[date_col] = "日期"
    require_columns(data, list(zh), what=what, zh=zh)
    a = _alpha(alpha)
    alt = choice(alternative, "alternative", ALTERNATIVES, zh="备择假设")
    if control == treatment:
        raise BadParameterError("treatment", treatment, "a label different from control",
                                zh="实验版本")
    imp = require_numeric_column(data, impressions_col, zh="曝光量", what=what)
    clk = require_numeric_column(data, clicks_col, zh="点击量", what=what)
    for col, values in ((impressions_col, imp), (clicks_col, clk)):
        if (values != np.floor(values)).any():
            raise SchemaViolationError(
                f"column {col!r} ({zh[col]}) of {what} has value "
                f"{values[values != np.floor(values)].iloc[0]!r}; expected whole counts",
                column=col,
            )
    if (clk > imp).any():
        row = clk.index[clk > imp][0]
        raise SchemaViolationError(
            f"row {row!r} of {what} has more clicks ({clk[row]:g}) than impressions "
            f"({imp[row]:g}); clicks are a subset of impressions",
            column=clicks_col,
        )
    for col in (test_col, variant_col, *([element_col] if element_col else [])):
        if data[col].isna().any():
            raise SchemaViolationError(
                f"column {col!r} ({zh[col]}) of {what} has missing values", column=col
            )
    bad = ~data[variant_col].isin([control, treatment])
    if bad.any():
        raise SchemaViolationError(
            f"column {variant_col!r} (版本) of {what} has value {data[variant_col][bad].iloc[0]!r};"
            f" expected {control!r} (control) or {treatment!r} (treatment)",
            column=variant_col,
        )
    if date_col:
        keys = [test_col, date_col, variant_col]
        dup = data.duplicated(keys)
        if dup.any():
            first = data.loc[dup, keys].iloc[0].tolist()
            raise SchemaViolationError(
                f"{what} has more than one row for (test, date, variant) = {first!r}; "
                f"sum them first or fix the duplicate",
                column=date_col,
            )

    work = pd.DataFrame({"test": data[test_col], "variant": data[variant_col],
                         "imp": imp, "clk": clk})
    totals = work.groupby(["test", "variant"], sort=True)[["imp", "clk"]].sum()
    wide = totals.unstack("variant")
    for label in (control, treatment):
        missing = wide.index[wide[("imp", label)].isna()] if ("imp", label) in wide else wide.index
        if len(missing):
            raise SchemaViolationError(
                f"test {missing[0]!r} in {what} has no rows for variant {label!r}; each test "
                f"needs both {control!r} and {treatment!r}",
                column=variant_col,
            )
    n_a = wide[("imp", control)].to_numpy()
    n_b = wide[("imp", treatment)].to_numpy()
    c_a = wide[("clk", control)].to_numpy()
    c_b = wide[("clk", treatment)].to_numpy()
    for label, n in ((control, n_a), (treatment, n_b)):
        if (n == 0).any():
            raise SchemaViolationError(
                f"test {wide.index[n == 0][0]!r} in {what} has 0 impressions for variant "
                f"{label!r}; a CTR needs impressions",
                column=impressions_col,
            )
    out = pd.DataFrame({test_col: wide.index.to_numpy()})
    if element_col:
        elements = data.groupby(test_col, sort=True)[element_col].agg(["nunique", "first"])
        if (elements["nunique"] > 1).any():
            raise SchemaViolationError(
                f"test {elements.index[elements['nunique'] > 1][0]!r} in {what} has more than "
                f"one value in {element_col!r} (测试元素); one test changes one element",
                column=element_col,
            )
        out[element_col] = elements["first"].reindex(wide.index).to_numpy()
    if date_col:
        out["days"] = data.groupby(test_col, sort=True)[date_col].nunique().reindex(
            wide.index).to_numpy()
    out["impressions_a"] = n_a.astype("int64")
    out["clicks_a"] = c_a.astype("int64")
    out["impressions_b"] = n_b.astype("int64")
    out["clicks_b"] = c_b.astype("int64")
    stats_ = _ztest_arrays(c_a, n_a, c_b, n_b, a, alt)
    for key, values in stats_.items():
        out[key] = values
    results = [
        two_proportion_ztest(int(ca), int(na), int(cb), int(nb), alpha=a, alternative=alt)
        for ca, na, cb, nb in zip(c_a, n_a, c_b, n_b, strict=True)
    ]
    out["prob_b_beats_a"] = [
        prob_b_beats_a(
            r.clicks_a, r.n_a, r.clicks_b, r.n_b, prior=prior,
            # seeded draws where the exact sum would take more than MAX_EXACT_TERMS terms
            method="exact" if r.clicks_b < MAX_EXACT_TERMS - 100 else "monte_carlo",
        )
        for r in results
    ]
    verdicts = [verdict(r, relative_lift=relative_lift, power=power) for r in results]
    out["required_n_per_group"] = pd.array(
        [v.required_n_per_group for v in verdicts], dtype="Int64"
    )
    out["underpowered"] = [v.underpowered for v in verdicts]
    out["decision"] = [v.decision for v in verdicts]
    out["verdict_zh"] = [v.zh for v in verdicts]
    out["verdict_en"] = [v.en for v in verdicts]
    return out
