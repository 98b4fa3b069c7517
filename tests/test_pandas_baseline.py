"""The pandas baseline of benchmarks/ equals casekit's DuckDB analyses exactly.

``benchmarks/pandas_baseline.py`` is the straightforward pandas code (group-bys in memory)
that ``bench_scale.py`` compares against; here it serves as an independent oracle for the
SQL of ``overview``, ``stage_counts``, ``aipl_states`` and ``rfm_scores``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pandas.testing as pdt
import pytest

from casekit import audience, funnel
from casekit.data import engine, generators

sys.path.insert(0, str(Path(__file__).parents[1] / "benchmarks"))
import pandas_baseline as base

EPOCH = pd.Timestamp("1970-01-01", tz="UTC")


def _cache_frame(log: pd.DataFrame) -> pd.DataFrame:
    """A generated log in the columns of the casekit Parquet cache (b codes, Unix seconds)."""
    return pd.DataFrame(
        {
            "user_id": log["user_id"].astype("int64"),
            "item_id": log["item_id"].astype("int64"),
            "category_id": log["category_id"].astype("int64"),
            "b": log["behavior_type"].cat.codes.astype("int8"),
            "ts": (log["timestamp"] - EPOCH) // pd.Timedelta(seconds=1),
        }
    )


def _assert_agree(
    events, frame: pd.DataFrame, as_of, lookback: int, loyal: int, bins: int, split: str
) -> None:
    ov = audience.overview(
        events, as_of, lookback_days=lookback, loyal_buy_days=loyal, bins=bins, split=split
    )
    funnel_ = base.funnel_users(frame)
    aipl = base.aipl_states(frame, as_of, lookback_days=lookback, loyal_buy_days=loyal)
    rfm = base.rfm_scores(frame, as_of, bins=bins, split=split)
    pdt.assert_frame_equal(ov.funnel, funnel_)
    pdt.assert_frame_equal(ov.aipl, aipl)
    pdt.assert_frame_equal(ov.rfm, rfm)
    pdt.assert_frame_equal(ov.open_funnel, base.funnel_open(frame))
    pdt.assert_frame_equal(ov.paths, base.path_shares(frame))
    for window in (0, 2):
        pdt.assert_frame_equal(
            funnel.path_shares(events, window=window), base.path_shares(frame, window)
        )
    pdt.assert_frame_equal(funnel.stage_counts(events), funnel_)
    pdt.assert_frame_equal(
        audience.aipl_states(events, as_of, lookback_days=lookback, loyal_buy_days=loyal), aipl
    )
    pdt.assert_frame_equal(
        audience.rfm_scores(events, ov.as_of, amount_col=None, bins=bins, split=split), rfm
    )
    assert set(aipl["state"]) == {"A", "I", "P", "L"}


CASES = [  # n_users, seed, peak_date, as_of, lookback_days, loyal_buy_days, bins, split
    (60, 0, None, None, 30, 2, 5, "mean"),
    (400, 1, "2017-12-01", "2017-11-30", 3, 2, 4, "median"),
    (1500, 2, None, None, 30, 3, 3, "mean"),
    (1500, 3, "2017-11-27", "2017-12-02", 5, 2, 5, "median"),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"users{c[0]}-seed{c[1]}")
def test_baseline_equals_casekit_on_generated_logs(case):
    n_users, seed, peak, as_of, lookback, loyal, bins, split = case
    log = generators.event_log(n_users=n_users, seed=seed, peak_date=peak)
    _assert_agree(log, _cache_frame(log), as_of, lookback, loyal, bins, split)


def test_baseline_equals_casekit_on_a_cleaned_csv(tmp_path):
    csv = tmp_path / "UserBehavior.csv"
    generators.user_behavior_csv(
        csv,
        80_000,
        seed=7,
        users_per_chunk=300,
        outside_window_share=0.003,
        duplicate_share=0.003,
    )
    source = engine.open_events(csv, progress=False)
    assert source.report.dropped_outside_window > 0 and source.report.dropped_duplicates > 0
    frame = pd.read_parquet(source.path)
    for as_of, lookback, loyal, bins, split in [
        (None, 30, 2, 5, "mean"),
        ("2017-11-29", 4, 3, 4, "median"),
    ]:
        _assert_agree(source.path, frame, as_of, lookback, loyal, bins, split)
        _assert_agree(source, frame, as_of, lookback, loyal, bins, split)


def test_beijing_day_boundary():
    """Events at 15:59:59 and 16:00:00 UTC fall on two Beijing days (buy on two days = L)."""
    t = 1512086400 - 8 * 3600  # 2017-12-01 00:00 Beijing time (= 2017-11-30 16:00 UTC)
    log = pd.DataFrame(
        {
            "user_id": [1, 1, 1, 2, 2, 2],
            "item_id": [5, 5, 5, 6, 6, 6],
            "category_id": [9, 9, 9, 9, 9, 9],
            "behavior_type": pd.Categorical(
                ["pv", "buy", "buy", "pv", "buy", "buy"], categories=["pv", "cart", "fav", "buy"]
            ),
            "timestamp": pd.to_datetime(
                [t - 5, t - 1, t, t + 1, t + 2, t + 3], unit="s", utc=True
            ).tz_convert("Asia/Shanghai"),
        }
    )
    frame = _cache_frame(log)
    states = base.aipl_states(frame)
    assert list(states["state"]) == ["L", "P"]
    pdt.assert_frame_equal(audience.aipl_states(log), states)
    rfm = base.rfm_scores(frame, "2017-12-01")
    assert list(rfm["last_order_date"]) == [pd.Timestamp("2017-12-01")] * 2
    pdt.assert_frame_equal(audience.rfm_scores(log, "2017-12-01", amount_col=None), rfm)
