"""Every funnel view on a small hand-written UserBehavior file, worked out by hand.

``tests/fixtures/userbehavior_small.csv`` is in the raw Tianchi format (no header; user_id,
item_id, category_id, behavior_type, Unix seconds). Its rows are invented for this test;
day n below is 2017-11-25 + n (Beijing time). What the 27 rows hold:

    user 101  d0 pv, cart (item 1)   d1 pv, buy       -> carts one day before the buy
    user 102  d0 pv, buy (item 2)    + a cart on 2017-11-24 (outside the window, dropped)
    user 103  d2 pv, fav, buy        -> via fav, same day
    user 104  d3 pv, pv (an exact duplicate row, dropped), cart, fav, buy -> via both
    user 105  d4 pv                  -> a user with a single event
    user 106  d0 cart (item 6)       d5 pv, buy       -> carts five days before the buy
    user 107  d6 pv, cart            + a buy on 2017-12-04 (outside the window, dropped)
    user 108  d7 pv, buy (item 8)    d8 pv, cart, buy (item 9) -> buys on two days

Items 1-5 are in category 10 (users 101-105), items 6-9 in category 20 (users 106-108).
Cleaning: 27 rows read, 2 outside the window, 1 duplicate, 24 kept.

The same expectations are checked on the three readers: the pandas reader
(``tianchi.read_user_behavior``), the DuckDB file path (``engine.open_events``) and Spark
through ``engine.SqlTable`` over the raw rows.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from casekit import funnel
from casekit.data import engine, tianchi
from tests.data.test_spark import _java_missing, _run

FIXTURE = Path(__file__).parent / "fixtures" / "userbehavior_small.csv"
COLUMNS = ["user_id", "item_id", "category_id", "behavior_type", "timestamp"]

pytestmark = pytest.mark.filterwarnings(
    "ignore:PySpark does not yet fully support pandas:FutureWarning"
)


@pytest.fixture(scope="module")
def spark_table():
    if _java_missing():
        pytest.skip("Spark needs Java 17 or newer")
    from pyspark.sql import SparkSession

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SPARK_LOCAL_IP", "127.0.0.1")
        session = (
            SparkSession.builder.master("local[1]")
            .appName("casekit-fixture")
            .config("spark.sql.shuffle.partitions", "1")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.sql.catalogImplementation", "in-memory")
            .config("spark.sql.session.timeZone", "UTC")
            .getOrCreate()
        )
    session.sparkContext.setLogLevel("ERROR")
    raw = pd.read_csv(FIXTURE, header=None, names=COLUMNS)
    session.createDataFrame(
        raw,
        schema="user_id BIGINT, item_id BIGINT, category_id BIGINT, "
        "behavior_type STRING, `timestamp` BIGINT",
    ).createOrReplaceTempView("ub_small")
    yield engine.SqlTable(run=_run(session), table="ub_small", dialect="spark")
    session.stop()


@pytest.fixture(params=["pandas", "duckdb_file", "spark"])
def log(request, tmp_path_factory):
    """The fixture through one reader."""
    if request.param == "pandas":
        return tianchi.read_user_behavior(FIXTURE)
    if request.param == "duckdb_file":
        cache = tmp_path_factory.mktemp("ub") / "ub.casekit.parquet"
        return engine.open_events(FIXTURE, cache_path=cache, progress=False)
    return request.getfixturevalue("spark_table")


def _counts(frame: pd.DataFrame, columns) -> list[list[int]]:
    return frame[list(columns)].to_numpy().tolist()


def test_the_readers_clean_it_the_same_way(tmp_path):
    frame, report = tianchi.read_user_behavior(FIXTURE, report=True)
    # 27 rows: 102's cart on 11-24 and 107's buy on 12-04 are outside, 104's pv repeats.
    assert (report.rows_read, report.dropped_outside_window) == (27, 2)
    assert (report.dropped_duplicates, report.rows_kept) == (1, 24)
    source = engine.open_events(FIXTURE, cache_path=tmp_path / "c.parquet", progress=False)
    assert source.report == report
    assert frame["user_id"].nunique() == 8


def test_open_stage_counts(log):
    # pv: all 8 users viewed something (106 on d5, 107 on d6).
    # cart: 101, 104, 106, 107, 108 = 5; fav: 103, 104 = 2; cart or fav: + 103 = 6.
    # buy: 101, 102, 103, 104, 106, 108 = 6 (107's buy is outside the window).
    out = funnel.stage_counts(log, view="open")
    assert _counts(out, funnel.STAGES) == [[8, 5, 2, 6, 6]]


def test_closed_funnel(log):
    # Every cart / fav user also viewed, so pv..cart_or_fav are as open: 8, 5, 2, 6.
    # buy: buyers with a cart or fav in the period = 101, 103, 104, 106, 108 = 5 (102 is a
    # direct buyer; its cart on 11-24 was dropped with the window).
    out = funnel.stage_counts(log)
    assert _counts(out, funnel.STAGES) == [[8, 5, 2, 6, 5]]


def test_event_counts(log):
    # pv events: 101 two, 108 two, six users one each = 10; cart 5; fav 2; cart+fav 7;
    # buy: 101, 102, 103, 104, 106 one each and 108 two = 7. 10 + 5 + 2 + 7 = 24 kept rows.
    out = funnel.stage_counts(log, unit="event")
    assert _counts(out, funnel.STAGES) == [[10, 5, 2, 7, 7]]


def test_daily_open_and_closed(log):
    # day: users (what they did that day)          open pv,cart,fav,cof,buy  closed buy
    # d0: 101 pv+cart, 102 pv+buy, 106 cart          2, 2, 0, 2, 1             0 (102 direct)
    # d1: 101 pv+buy                                 1, 0, 0, 0, 1             0 (cart was d0)
    # d2: 103 pv+fav+buy                             1, 0, 1, 1, 1             1
    # d3: 104 pv+cart+fav+buy                        1, 1, 1, 1, 1             1
    # d4: 105 pv                                     1, 0, 0, 0, 0             0
    # d5: 106 pv+buy                                 1, 0, 0, 0, 1             0 (cart was d0)
    # d6: 107 pv+cart                                1, 1, 0, 1, 0             0
    # d7: 108 pv+buy                                 1, 0, 0, 0, 1             0
    # d8: 108 pv+cart+buy                            1, 1, 0, 1, 1             1
    opened = funnel.stage_counts(log, by="day", view="open")
    assert _counts(opened, funnel.STAGES) == [
        [2, 2, 0, 2, 1], [1, 0, 0, 0, 1], [1, 0, 1, 1, 1], [1, 1, 1, 1, 1], [1, 0, 0, 0, 0],
        [1, 0, 0, 0, 1], [1, 1, 0, 1, 0], [1, 0, 0, 0, 1], [1, 1, 0, 1, 1],
    ]  # fmt: skip
    closed = funnel.stage_counts(log, by="day")
    # closed cart on d0 is 1: 106 carted without a pv that day
    assert closed["cart"].tolist() == [1, 0, 0, 1, 0, 0, 1, 0, 1]
    assert closed["buy"].tolist() == [0, 0, 1, 1, 0, 0, 0, 0, 1]
    assert list(closed["day"]) == list(pd.date_range("2017-11-25", periods=9))
    # 7 buyer-days, of which 4 (d0 102, d1 101, d5 106, d7 108) lack a same-day cart/fav
    lacking = (opened["buy"] - closed["buy"]).sum() / opened["buy"].sum()
    assert lacking == pytest.approx(4 / 7)


PATH_COLUMNS = ("buyers", *funnel.PATHS, "attributed_buy")


@pytest.mark.parametrize(
    ("window", "expected"),
    [
        # within the period: 101 cart, 102 direct, 103 fav, 104 both, 106 cart, 108 cart
        (None, [6, 1, 3, 1, 1, 5]),
        # same day only: 101 (cart d0, buy d1), 102 and 106 (cart d0, buy d5) are direct;
        # 108 buys directly on d7 but via cart on d8, so 108 is via cart
        (0, [6, 3, 1, 1, 1, 3]),
        # one day back: 101's cart on d0 now counts; 106's is 5 days back; 102's was dropped
        (1, [6, 2, 2, 1, 1, 4]),
        (4, [6, 2, 2, 1, 1, 4]),
        # five days back reaches 106's cart on d0: as within the period
        (5, [6, 1, 3, 1, 1, 5]),
    ],
)
def test_path_shares_and_the_attribution_window(log, window, expected):
    out = funnel.path_shares(log, window=window)
    assert _counts(out, PATH_COLUMNS) == [expected]
    shares = out[[f"{p}_share" for p in funnel.PATHS]].to_numpy()[0]
    np.testing.assert_allclose(shares, np.array(expected[1:5]) / 6)


def test_daily_path_shares_with_a_window(log):
    same_day = funnel.path_shares(log, by="day")
    # by day, no window: d0 102 direct; d1 101 direct; d2 103 fav; d3 104 both; d4 none;
    # d5 106 direct; d6 none; d7 108 direct; d8 108 cart
    assert same_day["buyers"].tolist() == [1, 1, 1, 1, 0, 1, 0, 1, 1]
    assert same_day["direct"].tolist() == [1, 1, 0, 0, 0, 1, 0, 1, 0]
    assert same_day["via_cart"].tolist() == [0, 0, 0, 0, 0, 0, 0, 0, 1]
    assert np.isnan(same_day["direct_share"].iloc[4])  # no buyer on d4
    # window=0 by day is the same day: equal to the group view
    pd.testing.assert_frame_equal(funnel.path_shares(log, by="day", window=0), same_day)
    # window=1: d1's buyer 101 carted on d0 -> via cart; d5 (106, cart 5 days back) stays direct
    one = funnel.path_shares(log, by="day", window=1)
    assert one["direct"].tolist() == [1, 0, 0, 0, 0, 1, 0, 1, 0]
    assert one["via_cart"].tolist() == [0, 1, 0, 0, 0, 0, 0, 0, 1]
    assert one["attributed_buy"].tolist() == [0, 1, 1, 1, 0, 0, 0, 0, 1]


def test_path_shares_by_category(log):
    # category 10: 101 cart, 102 direct, 103 fav, 104 both; category 20: 106 cart, 108 cart
    out = funnel.path_shares(log, by="category_id")
    assert out["category_id"].tolist() == [10, 20]
    assert _counts(out, PATH_COLUMNS) == [[4, 1, 1, 1, 1, 3], [2, 0, 2, 0, 0, 2]]


def test_conversion_views(log):
    # 8 pv users; open: 6 buyers who also viewed; closed: 5; attributed (1 day): 4
    out = funnel.conversion_views(log, window=1)
    assert out["view"].tolist() == ["open", "closed", "attributed"]
    assert out["buyers"].tolist() == [6, 5, 4]
    assert out["pv_users"].tolist() == [8, 8, 8]
    np.testing.assert_allclose(out["conversion_rate"], [6 / 8, 5 / 8, 4 / 8])
