"""The event-log analyses on Spark (local mode) through SqlTable equal the DataFrame path.

The Spark session runs in one local JVM bound to 127.0.0.1. Only a missing Java skips the
module: pyspark itself is a test dependency. docs/distributed.md's code blocks are run as
written (test_the_docs_example_runs_as_written).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pandas as pd
import pandas.testing as pdt
import pytest
from pyspark.sql import SparkSession

from casekit import audience, funnel
from casekit.data import engine, generators
from casekit.errors import BadParameterError

ROOT = Path(__file__).resolve().parents[2]
T0 = 1511539200  # 2017-11-25 00:00 Beijing time, in Unix seconds
DAY = 86_400
WINDOW = ("2017-11-25", "2017-12-03")  # SqlTable's default window, the Tianchi one

# PySpark 4.3 warns on import of its test helpers that it does not fully support pandas 3.
# Results reach pandas through toArrow().to_pandas(), i.e. pyarrow, not PySpark's pandas code.
pytestmark = pytest.mark.filterwarnings(
    "ignore:PySpark does not yet fully support pandas:FutureWarning"
)


def _java_missing() -> bool:
    java_home = os.environ.get("JAVA_HOME")
    if java_home and (Path(java_home) / "bin" / "java").exists():
        return False
    return shutil.which("java") is None


@pytest.fixture(scope="module")
def spark():
    if _java_missing():
        pytest.skip("Spark needs Java 17 or newer: no `java` on PATH and no JAVA_HOME")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SPARK_LOCAL_IP", "127.0.0.1")  # read by the JVM at start-up
        session = (
            SparkSession.builder.master("local[1]")
            .appName("casekit-tests")
            .config("spark.sql.shuffle.partitions", "1")
            .config("spark.default.parallelism", "1")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.sql.catalogImplementation", "in-memory")
            .config("spark.sql.session.timeZone", "UTC")
            .getOrCreate()
        )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def _raw(log: pd.DataFrame) -> pd.DataFrame:
    """A generated log as the raw download has it: text behaviour, Unix seconds."""
    seconds = (log["timestamp"] - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(seconds=1)
    return pd.DataFrame(
        {
            "user_id": log["user_id"].astype("int64"),
            "item_id": log["item_id"].astype("int64"),
            "category_id": log["category_id"].astype("int64"),
            "behavior_type": log["behavior_type"].astype(str),
            "timestamp": seconds.astype("int64"),
        }
    )


@pytest.fixture(scope="module")
def logs():
    """(raw log with out-of-window rows and exact duplicates, the same log cleaned)."""
    log = _raw(generators.event_log(n_users=300, seed=11))
    first = log.iloc[0]
    outside = pd.DataFrame(
        {
            "user_id": [first["user_id"], 7, 8, 9],
            "item_id": [first["item_id"], 1, 2, 3],
            "category_id": [first["category_id"], 10, 10, 20],
            "behavior_type": ["buy", "pv", "cart", "buy"],
            # the second before the window, the first after it, 1970 and 2037 (Tianchi quirks)
            "timestamp": [T0 - 1, T0 + 9 * DAY, 0, 2_136_000_000],
        }
    )
    duplicates = log.sample(40, random_state=3)
    raw = pd.concat([log, outside, duplicates], ignore_index=True)
    inside = (raw["timestamp"] >= T0) & (raw["timestamp"] < T0 + 9 * DAY)
    clean = raw[inside].drop_duplicates().reset_index(drop=True)
    assert len(clean) == len(log) and len(raw) == len(log) + 44
    return raw, clean


def _run(spark: SparkSession):
    return lambda sql: spark.sql(sql).toArrow().to_pandas()


@pytest.fixture(scope="module")
def events(spark, logs):
    """The raw log as the Spark view ``events``, wrapped in a SqlTable."""
    import pyarrow as pa

    spark.createDataFrame(
        pa.Table.from_pandas(logs[0], preserve_index=False),
        schema="user_id BIGINT, item_id BIGINT, category_id BIGINT, "
        "behavior_type STRING, `timestamp` BIGINT",
    ).createOrReplaceTempView("events")
    return engine.SqlTable(
        run=_run(spark), table="events", dialect="spark", window=WINDOW, drop_duplicates=True
    )


@pytest.mark.parametrize("unit", ["user", "event"])
@pytest.mark.parametrize("by", [None, "day", "hour", ["day", "hour"], "category_id"])
def test_stage_counts(events, logs, by, unit):
    expected = funnel.stage_counts(logs[1], by=by, unit=unit)
    pdt.assert_frame_equal(funnel.stage_counts(events, by=by, unit=unit), expected)
    assert len(expected) > 0


@pytest.mark.parametrize("by", [None, "day", "category_id"])
def test_open_view_and_path_shares(events, logs, by):
    pdt.assert_frame_equal(
        funnel.stage_counts(events, by=by, view="open"),
        funnel.stage_counts(logs[1], by=by, view="open"),
    )
    pdt.assert_frame_equal(funnel.path_shares(events, by=by), funnel.path_shares(logs[1], by=by))


@pytest.mark.parametrize("by", [None, "day", ["category_id", "day"]], ids=str)
def test_attribution_window(events, logs, by):
    expected = funnel.path_shares(logs[1], by=by, window=2)
    pdt.assert_frame_equal(funnel.path_shares(events, by=by, window=2), expected)
    pdt.assert_frame_equal(
        funnel.conversion_views(events, by=by, window=2),
        funnel.conversion_views(logs[1], by=by, window=2),
    )
    assert expected["buyers"].sum() > 0


def test_funnel_rates(events, logs):
    pdt.assert_frame_equal(funnel.funnel_rates(events), funnel.funnel_rates(logs[1]))
    pdt.assert_frame_equal(
        funnel.funnel_rates(events, by="day"), funnel.funnel_rates(logs[1], by="day")
    )


@pytest.mark.parametrize(
    "params",
    [{}, {"interest_pv": 2}, {"lookback_days": 90, "interest_pv": 2, "loyal_buy_days": 3}],
    ids=["default", "interest_pv", "lookback_90_count_distinct"],
)
def test_aipl_states(events, logs, params):
    expected = audience.aipl_states(logs[1], **params)
    pdt.assert_frame_equal(audience.aipl_states(events, **params), expected)
    assert {"I", "P", "L"} <= set(expected["state"])


def test_aipl_transitions(events, logs):
    args = ("2017-11-29", "2017-12-03")
    for normalize in (False, True):
        pdt.assert_frame_equal(
            audience.aipl_transitions(events, *args, lookback_days=3, normalize=normalize),
            audience.aipl_transitions(logs[1], *args, lookback_days=3, normalize=normalize),
        )


def test_rfm_scores(events, logs):
    expected = audience.rfm_scores(logs[1], "2017-12-03", amount_col=None)
    pdt.assert_frame_equal(audience.rfm_scores(events, "2017-12-03", amount_col=None), expected)


def test_cohort_retention_and_repurchase_rate(events, logs):
    pdt.assert_frame_equal(
        audience.cohort_retention(events, period="D"),
        audience.cohort_retention(logs[1], period="D"),
    )
    spark_rate = audience.repurchase_rate(events)
    assert spark_rate == audience.repurchase_rate(logs[1])
    assert spark_rate.repurchasers > 0


def test_overview(events, logs):
    got, expected = audience.overview(events), audience.overview(logs[1])
    assert got.as_of == expected.as_of == pd.Timestamp("2017-12-03")
    pdt.assert_frame_equal(got.funnel, expected.funnel)
    pdt.assert_frame_equal(got.open_funnel, expected.open_funnel)
    pdt.assert_frame_equal(got.paths, expected.paths)
    pdt.assert_frame_equal(got.aipl, expected.aipl)
    pdt.assert_frame_equal(got.rfm, expected.rfm)


def test_spark_session_time_zone_does_not_move_days_or_hours(spark, events, logs):
    """Days and hours come from Unix seconds + 8 h in integer arithmetic, not session time.

    Also for a Spark TIMESTAMP column: casting it to BIGINT gives its Unix seconds.
    """
    expected = funnel.stage_counts(logs[1], by=["day", "hour"])
    spark.conf.set("spark.sql.session.timeZone", "America/New_York")
    try:
        got = funnel.stage_counts(events, by=["day", "hour"])
        spark.sql(
            "SELECT user_id, item_id, category_id, behavior_type, "
            "CAST(`timestamp` AS TIMESTAMP) AS `timestamp` FROM events"
        ).createOrReplaceTempView("events_ts")
        typed = engine.SqlTable(run=_run(spark), table="events_ts", dialect="spark")
        got_typed = funnel.stage_counts(typed, by=["day", "hour"])
    finally:
        spark.conf.set("spark.sql.session.timeZone", "UTC")
        spark.catalog.dropTempView("events_ts")
    pdt.assert_frame_equal(got, expected)
    pdt.assert_frame_equal(got_typed, expected)
    assert sorted(got["hour"].unique()) == list(range(24))


def test_a_column_the_sql_table_does_not_offer_raises(events):
    with pytest.raises(BadParameterError, match="'day', 'hour', 'item_id' or 'category_id'"):
        funnel.stage_counts(events, by="seller_id")


def test_the_docs_example_runs_as_written(spark, logs, tmp_path):
    """docs/distributed.md: its Python blocks, in order, on the raw log as Parquet files."""
    text = (ROOT / "docs" / "distributed.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^```python\n(.*?)^```", text, flags=re.S | re.M)
    assert len(blocks) == 3
    path = tmp_path / "user_behavior"
    path.mkdir()
    logs[0].to_parquet(path / "part-0.parquet", index=False)
    ns: dict = {"path": str(path)}
    try:
        for block in blocks:
            exec(compile(block, "docs/distributed.md", "exec"), ns)
    finally:
        spark.catalog.clearCache()
        for view in ("user_behavior", "user_behavior_clean"):
            spark.catalog.dropTempView(view)
    clean = logs[1]
    assert ns["spark"] is spark  # getOrCreate() found the running session
    pdt.assert_frame_equal(ns["by_day"], funnel.stage_counts(clean, by="day"))
    pdt.assert_frame_equal(ns["rates"], funnel.funnel_rates(clean))
    pdt.assert_frame_equal(ns["states"], audience.aipl_states(clean))
    pdt.assert_frame_equal(ns["rfm"], audience.rfm_scores(clean, "2017-12-03", amount_col=None))
    pdt.assert_frame_equal(ns["retention"], audience.cohort_retention(clean, period="D"))
    expected = audience.overview(clean)
    for ov in (ns["ov"], ns["ov_clean"]):
        pdt.assert_frame_equal(ov.funnel, expected.funnel)
        pdt.assert_frame_equal(ov.aipl, expected.aipl)
        pdt.assert_frame_equal(ov.rfm, expected.rfm)
