"""Measuring a real log against the calibration targets: `casekit data calibrate`.

The missing targets (repurchase rate, cart-to-buy lag, spread of events per user) have no
published full-log figure; a maintainer with the Tianchi download fills them in with this
command. Here it runs on the hand-written fixture of tests/test_userbehavior_fixture.py,
whose statistics are worked out by hand below, and on a simulated raw file for sampling.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from casekit.course.cli import main
from casekit.data import engine
from casekit.data.generators import calibration
from casekit.data.generators.raw_csv import user_behavior_csv
from casekit.errors import BadParameterError

FIXTURE = Path(__file__).parents[1] / "fixtures" / "userbehavior_small.csv"

# After cleaning, 8 users and 24 events (see the fixture's table). Buyers: 101, 102, 103,
# 104, 106, 108; only 108 buys on two days.
BY_HAND = {
    "pv_share": 10 / 24,
    "cart_share": 5 / 24,  # 101, 104, 106, 107, 108 (102's cart is outside the window)
    "buyer_share": 6 / 8,
    "buys_per_buyer": 7 / 6,
    "repurchase_rate": 1 / 6,
    # buys of an item the user never carted or faved: 102's item 2 and 108's item 8
    "direct_buy_event_share": 2 / 7,
    # buyer-days without a cart or fav that day: 101 d1, 102 d0, 106 d5, 108 d7 of 7
    "daily_buyers_no_same_day_cart_fav": 4 / 7,
    # over the period: 102 neither; 101, 106, 108 cart only; 103 fav only; 104 both
    "period_buyers_never_cart_fav": 1 / 6,
    "period_buyers_cart_not_fav": 3 / 6,
    "period_buyers_fav_not_cart": 1 / 6,
    "period_buyers_cart_and_fav": 1 / 6,
    # buys after a cart of the item: 101 (a day later), 104 (same day), 106 (five days
    # later), 108's item 9 (same day)
    "cart_to_buy_later_day_share": 2 / 4,
}


@pytest.fixture()
def fixture_csv(tmp_path):
    # a copy: open_events writes its Parquet cache beside the file
    return Path(shutil.copy(FIXTURE, tmp_path / "UserBehavior.csv"))


def test_the_fixtures_statistics_match_the_hand_count(fixture_csv):
    table, users, events = calibration.compare_with_targets(fixture_csv, per_mille=1000)
    assert (users, events) == (8, 24)
    measured = dict(zip(table["statistic"], table["measured"], strict=True))
    for name, value in BY_HAND.items():
        assert measured[name] == pytest.approx(value), name
    untargeted = table[table["target"].isna()]["statistic"].tolist()
    assert {"repurchase_rate", "cart_to_buy_later_day_share"} <= set(untargeted)
    row = table.set_index("statistic").loc["period_buyers_cart_not_fav"]
    assert (row["target"], row["source"]) == (0.485, "R-ub-paths-full")


def test_the_command_prints_every_statistic_with_its_target(fixture_csv):
    result = CliRunner().invoke(main, ["data", "calibrate", str(fixture_csv),
                                       "--per-mille", "1000"])
    assert result.exit_code == 0, result.output
    out = result.stdout.splitlines()  # the cleaning progress goes to stderr
    lines = {line.split()[0]: line.split()[1:] for line in out[2:]}
    assert set(lines) == set(calibration.CALIBRATION_STATS)
    assert lines["repurchase_rate"] == ["0.1667", "(none)"]
    assert lines["period_buyers_cart_not_fav"] == ["0.5000", "0.485", "±", "0.04",
                                                   "R-ub-paths-full"]
    assert "8 users, 24 events" in out[0]


def test_a_user_sample_keeps_whole_users_and_is_repeatable(tmp_path):
    raw = tmp_path / "UserBehavior.csv"
    user_behavior_csv(raw, 60_000, seed=5, users_per_chunk=2_000)
    source = engine.open_events(raw)
    everyone = source.to_pandas()
    sample = source.sample_users(200)
    assert sample.equals(source.sample_users(200))
    n_all, n_kept = everyone["user_id"].nunique(), sample["user_id"].nunique()
    assert 0.1 * n_all < n_kept < 0.3 * n_all  # about 200 in 1,000
    kept = everyone[everyone["user_id"].isin(sample["user_id"].unique())]
    assert len(kept) == len(sample)  # every event of a kept user, nothing else
    assert source.sample_users(1000)["user_id"].nunique() == n_all


@pytest.mark.parametrize("bad", [0, 1001, 2.5])
def test_a_bad_sampling_rate_is_a_clear_error(fixture_csv, bad):
    with pytest.raises(BadParameterError, match="per_mille"):
        engine.open_events(fixture_csv).sample_users(bad)
