"""Direct tests at the edges where a formula is easy to get subtly wrong.

- ``engine.day_of_ts``, the Python twin of the Beijing-day SQL: 16:00–16:59 UTC already
  belongs to the next Beijing day (a lost +8 h offset puts it on the previous day).
- The two-proportion z test uses the pooled standard error, its interval the unpooled one;
  on very unbalanced groups the two differ widely, so a swap cannot hide in a tolerance.
"""

from __future__ import annotations

import math

import duckdb
import pandas as pd
import pytest

from casekit import experiment
from casekit.data import engine


def _utc(text: str) -> int:
    return int(pd.Timestamp(text, tz="UTC").timestamp())


@pytest.mark.parametrize(
    ("utc", "beijing_day"),
    [
        ("2017-11-25 15:59:59", "2017-11-25"),  # 23:59:59 in Beijing
        ("2017-11-25 16:00:00", "2017-11-26"),  # Beijing midnight
        ("2017-11-25 16:30:00", "2017-11-26"),
        ("2017-11-25 16:59:59", "2017-11-26"),
        ("2017-11-26 00:00:00", "2017-11-26"),  # 08:00 in Beijing, same day as UTC
        ("2017-11-25 23:59:59", "2017-11-26"),
        ("1969-12-31 15:59:59", "1969-12-31"),  # negative Unix seconds floor, not truncate
        ("1969-12-31 16:00:00", "1970-01-01"),
    ],
)
def test_day_of_ts_counts_beijing_days(utc, beijing_day):
    seconds = _utc(utc)
    expected = engine.day_number(pd.Timestamp(beijing_day))
    assert engine.day_of_ts(seconds) == expected
    # the SQL it mirrors gives the same day
    sql_day = duckdb.sql(f"SELECT {engine.day_sql(str(seconds))}").fetchall()[0][0]
    assert sql_day == expected


def test_day_of_ts_changes_exactly_at_16_utc():
    midnight = _utc("2017-12-01 16:00:00")
    assert engine.day_of_ts(midnight) - engine.day_of_ts(midnight - 1) == 1
    assert engine.day_of_ts(midnight + 3599) == engine.day_of_ts(midnight)
    assert engine.day_of_ts(midnight + 86_399) == engine.day_of_ts(midnight)
    assert engine.day_of_ts(midnight + 86_400) == engine.day_of_ts(midnight) + 1


def test_ztest_uses_the_pooled_se_and_the_interval_the_unpooled_one_on_unbalanced_groups():
    # 100,000 impressions at 3% vs 500 at 5%: pooled and unpooled SEs differ by ~27%
    ca, na, cb, nb = 3000, 100_000, 25, 500
    pa, pb = ca / na, cb / nb
    pooled = (ca + cb) / (na + nb)
    se_pooled = math.sqrt(pooled * (1 - pooled) * (1 / na + 1 / nb))
    se_unpooled = math.sqrt(pa * (1 - pa) / na + pb * (1 - pb) / nb)
    z_pooled, z_unpooled = (pb - pa) / se_pooled, (pb - pa) / se_unpooled
    assert z_pooled == pytest.approx(2.6111, abs=1e-3)  # worked by hand
    assert z_unpooled == pytest.approx(2.0488, abs=1e-3)

    r = experiment.two_proportion_ztest(ca, na, cb, nb)
    assert r.z == pytest.approx(z_pooled, rel=1e-9)
    assert abs(r.z - z_unpooled) > 0.5
    p_pooled = math.erfc(abs(z_pooled) / math.sqrt(2))  # two-sided: 2 (1 − Φ(|z|))
    assert r.p_value == pytest.approx(p_pooled, rel=1e-6)
    assert r.p_value == pytest.approx(0.00902, abs=5e-5)
    z975 = 1.959963984540054
    assert r.ci_low == pytest.approx(pb - pa - z975 * se_unpooled, rel=1e-9)
    assert r.ci_high == pytest.approx(pb - pa + z975 * se_unpooled, rel=1e-9)
    assert r.ci_high - r.ci_low == pytest.approx(2 * z975 * se_unpooled, rel=1e-9)
    assert abs((r.ci_high - r.ci_low) - 2 * z975 * se_pooled) > 0.005


def test_ztest_is_symmetric_in_which_group_is_small():
    big_small = experiment.two_proportion_ztest(3000, 100_000, 25, 500)
    small_big = experiment.two_proportion_ztest(25, 500, 3000, 100_000)
    assert small_big.z == pytest.approx(-big_small.z, rel=1e-12)
    assert small_big.p_value == pytest.approx(big_small.p_value, rel=1e-12)


def test_ztest_one_sided_bounds_and_clipping_to_minus_one_one():
    # 1 of 2 vs 0 of 2: the Wald interval would reach beyond ±1, and is clipped there
    up = experiment.two_proportion_ztest(0, 2, 1, 2)
    assert up.abs_lift == 0.5 and up.ci_high == 1.0
    assert up.ci_low == pytest.approx(0.5 - 1.959963984540054 * math.sqrt(0.25 / 2), rel=1e-9)
    down = experiment.two_proportion_ztest(1, 2, 0, 2)
    assert down.ci_low == -1.0
    # one-sided alternatives: one bound at ±1, the other at diff ± z_{1-α} · SE_unpooled
    ca, na, cb, nb = 300, 10_000, 360, 10_000
    pa, pb = ca / na, cb / nb
    se = math.sqrt(pa * (1 - pa) / na + pb * (1 - pb) / nb)
    z95 = 1.6448536269514722
    less = experiment.two_proportion_ztest(ca, na, cb, nb, alternative="less")
    assert less.ci_low == -1.0
    assert less.ci_high == pytest.approx(pb - pa + z95 * se, rel=1e-9)
    greater = experiment.two_proportion_ztest(ca, na, cb, nb, alternative="greater")
    assert greater.ci_high == 1.0
    assert greater.ci_low == pytest.approx(pb - pa - z95 * se, rel=1e-9)
