"""``ab_test``: simulated main-image and title A/B tests with known true CTRs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from casekit._checks import choice, rate
from casekit.data.generators._common import (
    _cats,
    _count,
    _dates,
    _ints,
    _seed,
    _strs,
    _weekday_factor,
    _window,
)
from casekit.errors import BadParameterError, UnknownParameterError

# --------------------------------------------------------------------------------------
# 3. Creative A/B tests
# --------------------------------------------------------------------------------------

ELEMENTS = ("main_image", "title")
#: Default tests: a main image whose B version truly lifts CTR by 20 %, a title test with
#: no true difference (a null result) and a small 4 % lift that 14 days cannot detect.
DEFAULT_AB_TESTS: tuple[dict[str, Any], ...] = (
    {"test_id": "IMG-01", "element": "main_image", "ctr_a": 0.030, "ctr_b": 0.036},
    {"test_id": "TTL-01", "element": "title", "ctr_a": 0.025, "ctr_b": 0.025},
    {"test_id": "IMG-02", "element": "main_image", "ctr_a": 0.028, "ctr_b": 0.0291},
)


def ab_test(
    tests: Sequence[Mapping[str, Any]] | None = None,
    start: Any = "2026-05-11",
    end: Any = "2026-05-24",
    seed: int = 0,
    *,
    daily_impressions: int = 6000,
    share_b: float = 0.5,
) -> pd.DataFrame:
    """Daily impressions and clicks of creative A/B tests with known true CTRs.

    ``tests`` is a list of ``{test_id, element, ctr_a, ctr_b}`` (element ``main_image`` 主图
    or ``title`` 标题; CTRs are proportions); default ``DEFAULT_AB_TESTS`` (a real 20 %
    lift, a null result, an underpowered 4 % lift). Each day a test gets about
    ``daily_impressions`` × weekday factor impressions, a ``share_b`` part of them shown
    version B (binomial split). Clicks are binomial with the true CTR times a day effect
    shared by both versions (log-normal, σ = 0.05), so the relative lift is the same every
    day. One row per (date, test_id, variant).

    Parameters
    ----------
    tests : sequence of mappings or None
        Test specs ``{test_id, element, ctr_a, ctr_b}``, CTRs as proportions 0–1;
        ``None`` uses ``DEFAULT_AB_TESTS``.
    start : date-like
        First Beijing calendar day, included.
    end : date-like
        Last Beijing calendar day, included.
    seed : int
        Random seed (≥ 0); the same seed gives the same data.
    daily_impressions : int
        Mean impressions per test per day, before the weekday factor.
    share_b : float
        Proportion 0–1 of each test's impressions shown version B.

    Returns
    -------
    pandas.DataFrame
        Columns date, test_id, element, variant (A/B), impressions, clicks.
    """
    first, last = _window(start, end)
    rng = np.random.default_rng(_seed(seed))
    daily = _count(daily_impressions, "daily_impressions", zh="日曝光量")
    split = rate(share_b, "share_b", zh="B版流量占比")
    specs = _ab_specs(DEFAULT_AB_TESTS if tests is None else tests)
    n_days = (last - first).days + 1
    n_tests = len(specs)

    ctr = np.array([[s["ctr_a"], s["ctr_b"]] for s in specs])  # (test, variant)
    mean_imps = daily * _weekday_factor(first, n_days)[:, None]  # (day, 1)
    total = rng.poisson(np.broadcast_to(mean_imps, (n_days, n_tests)))
    imps_b = rng.binomial(total, split)
    imps = np.stack([total - imps_b, imps_b], axis=2)  # (day, test, variant)
    day_effect = rng.lognormal(-(0.05**2) / 2, 0.05, (n_days, n_tests, 1))
    clicks = rng.binomial(imps, np.clip(ctr[None, :, :] * day_effect, 0, 1))

    dates = _dates(first, n_days)
    shape = (n_days, n_tests, 2)
    d_idx, t_idx, v_idx = (a.ravel() for a in np.indices(shape))
    elements = np.array([ELEMENTS.index(s["element"]) for s in specs])
    return pd.DataFrame(
        {
            "date": dates[d_idx],
            "test_id": _strs(specs[i]["test_id"] for i in t_idx),
            "element": _cats(elements[t_idx], ELEMENTS),
            "variant": _cats(v_idx, ["A", "B"]),
            "impressions": _ints(imps.ravel()),
            "clicks": _ints(clicks.ravel()),
        }
    )


def _ab_specs(tests: Any) -> list[dict[str, Any]]:
    if isinstance(tests, Mapping | str) or not isinstance(tests, Sequence) or not tests:
        raise BadParameterError(
            "tests", tests, "a non-empty list of {test_id, element, ctr_a, ctr_b}", zh="测试"
        )
    specs, seen = [], set()
    keys = {"test_id", "element", "ctr_a", "ctr_b"}
    for i, t in enumerate(tests):
        if not isinstance(t, Mapping):
            raise BadParameterError(f"tests[{i}]", t, "a mapping {test_id, element, ctr_a, ctr_b}")
        extra = set(t) - keys
        if extra:
            raise UnknownParameterError(sorted(extra)[0], keys, where=f"tests[{i}]")
        missing = keys - set(t)
        if missing:
            raise BadParameterError(f"tests[{i}]", dict(t), f"also {', '.join(sorted(missing))}")
        test_id = t["test_id"]
        if not isinstance(test_id, str) or not test_id or test_id in seen:
            raise BadParameterError(
                f"tests[{i}].test_id", test_id, "a non-empty text unique among the tests"
            )
        seen.add(test_id)
        specs.append(
            {
                "test_id": test_id,
                "element": choice(t["element"], f"tests[{i}].element", ELEMENTS, zh="测试元素"),
                "ctr_a": rate(t["ctr_a"], f"tests[{i}].ctr_a", zh="A版点击率"),
                "ctr_b": rate(t["ctr_b"], f"tests[{i}].ctr_b", zh="B版点击率"),
            }
        )
    return specs
