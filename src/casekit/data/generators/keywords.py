"""``keyword_report``: a simulated 直通车 keyword report of a cosmetics store."""

from __future__ import annotations

import numpy as np
import pandas as pd

from casekit._checks import rate
from casekit.data.generators._common import (
    _cats,
    _count,
    _floats,
    _gamma_sum,
    _ints,
    _seed,
    _strs,
)
from casekit.errors import BadParameterError

# --------------------------------------------------------------------------------------
# 2. 直通车 keyword report
# --------------------------------------------------------------------------------------

#: Search keywords of a cosmetics store: (keyword, product, head term?). Head terms (品类词)
#: have large volume, high competition and low intent; long-tail terms the opposite.
KEYWORD_VOCABULARY: tuple[tuple[str, str, bool], ...] = (
    ("口红", "lipstick", True), ("口红正品", "lipstick", False),
    ("哑光口红", "lipstick", False), ("滋润口红", "lipstick", False),
    ("口红小样", "lipstick", False), ("口红套装", "lip_set", False),
    ("口红礼盒", "lip_set", False), ("唇釉", "lipstick", True),
    ("丝绒唇釉", "lipstick", False), ("学生平价口红", "lipstick", False),
    ("粉底液", "foundation", True), ("粉底液油皮", "foundation", False),
    ("粉底液干皮", "foundation", False), ("粉底液持妆", "foundation", False),
    ("粉底液小样", "foundation", False), ("气垫", "foundation", True),
    ("气垫bb霜", "foundation", False), ("遮瑕", "foundation", True),
    ("遮瑕液", "foundation", False), ("睫毛膏", "mascara", True),
    ("防水睫毛膏", "mascara", False), ("纤长睫毛膏", "mascara", False),
    ("浓密睫毛膏", "mascara", False), ("睫毛打底", "mascara", False),
    ("眼线笔", "eye", True), ("眼线液笔", "eye", False),
    ("眉笔", "eye", True), ("眉笔防水", "eye", False),
    ("眼影盘", "eye", True), ("大地色眼影", "eye", False),
    ("腮红", "face", True), ("高光", "face", True),
    ("散粉", "face", True), ("定妆散粉", "face", False),
    ("定妆喷雾", "face", False), ("妆前乳", "face", True),
    ("卸妆水", "remover", True), ("眼唇卸妆液", "remover", False),
    ("彩妆套装", "makeup_set", True), ("化妆品套装新手", "makeup_set", False),
    ("彩妆礼盒", "makeup_set", False), ("美妆蛋", "tool", True),
    ("化妆刷", "tool", True), ("唇线笔", "lipstick", False),
    ("染眉膏", "eye", False), ("修容", "face", False),
)  # fmt: skip
#: Average order value by product (CNY), simulated.
_AOV_CNY = {
    "lipstick": 129.0, "lip_set": 299.0, "foundation": 219.0, "mascara": 109.0,
    "eye": 99.0, "face": 139.0, "remover": 79.0, "makeup_set": 359.0, "tool": 59.0,
}  # fmt: skip


def keyword_report(
    n_keywords: int = 40,
    days: int = 7,
    seed: int = 0,
    *,
    base_ctr: float = 0.02,
    base_cvr: float = 0.04,
) -> pd.DataFrame:
    """A simulated 直通车 keyword report of a cosmetics store over ``days`` days.

    Columns: keyword, match_type, bid_cny, quality_score (1–10), avg_position, impressions,
    clicks, cost_cny, orders, revenue_cny; one row per keyword, ``n_keywords`` of the
    46-keyword vocabulary (口红, 粉底液, 睫毛膏 … and their long-tail variants).

    Teaching model (a simplification, not the platform's exact rule): ads rank by
    bid × quality score against a keyword-level competition; the charged price is the
    generalised second price, next rank score / own quality score + 0.01 CNY, never above
    the bid, so ``cost_cny <= clicks × bid_cny`` always (computed in fen). CTR is
    ``base_ctr`` × (quality_score / 7)^1.2 × position^-0.5 (head terms lower); conversion
    is ``base_cvr`` × intent (long-tail higher); ``revenue_cny`` is a sum of Gamma-distributed
    order values around the product's average order value. Clicks and orders are binomial,
    so clicks ≤ impressions and orders ≤ clicks.

    Parameters
    ----------
    n_keywords : int
        Keywords in the report (1 to the vocabulary size, 46).
    days : int
        Length of the reporting period in days.
    seed : int
        Random seed (≥ 0).
    base_ctr : float
        Baseline click-through rate, proportion 0–1.
    base_cvr : float
        Baseline click-to-order conversion rate, proportion 0–1.

    Returns
    -------
    pandas.DataFrame
        One row per keyword with the columns listed above; money in CNY.
    """
    n_keywords = _count(n_keywords, "n_keywords", zh="关键词数")
    if n_keywords > len(KEYWORD_VOCABULARY):
        raise BadParameterError(
            "n_keywords",
            n_keywords,
            f"at most {len(KEYWORD_VOCABULARY)} (the vocabulary size)",
            zh="关键词数",
        )
    days = _count(days, "days", zh="天数")
    rng = np.random.default_rng(_seed(seed))
    ctr0 = rate(base_ctr, "base_ctr", zh="基准点击率")
    cvr0 = rate(base_cvr, "base_cvr", zh="基准转化率")

    pick = np.sort(rng.choice(len(KEYWORD_VOCABULARY), size=n_keywords, replace=False))
    words = [KEYWORD_VOCABULARY[i] for i in pick]
    head = np.array([w[2] for w in words])
    aov = np.array([_AOV_CNY[w[1]] for w in words])
    n = n_keywords

    searches = np.where(
        head, rng.lognormal(np.log(9000), 0.6, n), rng.lognormal(np.log(700), 0.8, n)
    )
    market_cpc = np.where(
        head, rng.lognormal(np.log(1.6), 0.25, n), rng.lognormal(np.log(0.9), 0.3, n)
    )
    quality = np.clip(np.round(rng.normal(np.where(head, 6.5, 7.5), 1.5, n)), 1, 10).astype(int)
    bid_fen = np.maximum(np.round(market_cpc * rng.lognormal(0.0, 0.3, n) * 100), 5)
    bid = bid_fen / 100
    match = np.where(rng.random(n) < np.where(head, 0.3, 0.7), 1, 0)  # 1 exact (精准), 0 broad

    # Rank score relative to the keyword's competition (a typical rival: quality 7, market bid).
    score = bid * quality / (market_cpc * 7)
    position = np.clip(1 + 9 / (1 + np.exp(3 * (score - 1))) + rng.normal(0, 0.4, n), 1, 20)
    share = np.clip(0.9 / position**0.7, 0.02, 0.9)  # share of searches where the ad shows
    impressions = rng.poisson(searches * days * share)
    ctr = np.clip(ctr0 * (quality / 7) ** 1.2 * position**-0.5 * np.where(head, 0.8, 1.15), 0, 1)
    clicks = rng.binomial(impressions, ctr)
    # Generalised second price: the next ad's score is a fraction of ours.
    next_score = bid * quality * rng.beta(8, 2, n)
    cpc_fen = np.minimum(next_score / quality * 100 + 1, bid_fen)
    cost_fen = np.minimum(np.round(clicks * cpc_fen), clicks * bid_fen)
    intent = np.where(head, 0.7, 1.3) * np.where(match == 1, 1.15, 1.0)
    cvr = np.clip(cvr0 * intent * (0.85 + 0.03 * quality), 0, 1)
    orders = rng.binomial(clicks, cvr)
    revenue = _gamma_sum(rng, orders, aov * rng.lognormal(0, 0.1, n))

    return pd.DataFrame(
        {
            "keyword": _strs(w[0] for w in words),
            "match_type": _cats(match, ["broad", "exact"]),
            "bid_cny": _floats(bid, 2),
            "quality_score": _ints(quality),
            "avg_position": _floats(position, 1),
            "impressions": _ints(impressions),
            "clicks": _ints(clicks),
            "cost_cny": _floats(cost_fen / 100, 2),
            "orders": _ints(orders),
            "revenue_cny": _floats(revenue, 2),
        }
    )
