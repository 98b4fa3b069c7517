"""The DuckDB engine path: DataFrame and on-disk sources agree, cleaning, cache, errors."""

from __future__ import annotations

import gzip
import os

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest

from casekit import audience, funnel
from casekit.data import engine, generators, tianchi
from casekit.errors import (
    BadParameterError,
    EmptyDataError,
    MissingColumnError,
    SchemaViolationError,
    WrongFileError,
)

T0 = 1511539200  # 2017-11-25 00:00 Beijing time, in Unix seconds


def _raw(log: pd.DataFrame) -> pd.DataFrame:
    """A generated log in the raw download's form: text behaviour, Unix seconds."""
    return pd.DataFrame(
        {
            "user_id": log["user_id"].astype("int64"),
            "item_id": log["item_id"].astype("int64"),
            "category_id": log["category_id"].astype("int64"),
            "behavior_type": log["behavior_type"].astype(str),
            "timestamp": log["timestamp"].dt.tz_convert("UTC").astype("int64") // 10**9,
        }
    )


@pytest.fixture(scope="module")
def raw_csv(tmp_path_factory):
    """A simulated UserBehavior.csv with the real file's quirks, and its clean DataFrame."""
    folder = tmp_path_factory.mktemp("ub")
    path = folder / "UserBehavior.csv"
    summary = generators.user_behavior_csv(
        path,
        60_000,
        seed=5,
        users_per_chunk=400,
        outside_window_share=0.002,
        duplicate_share=0.002,
    )
    clean, report = tianchi.read_user_behavior(path, report=True)
    return path, summary, clean, report


@pytest.fixture(scope="module")
def source(raw_csv):
    return engine.open_events(raw_csv[0], progress=False)


def test_cleaning_report_matches_the_pandas_reader(raw_csv, source):
    _, summary, clean, report = raw_csv
    assert source.report == report
    assert report.dropped_duplicates == summary.duplicate_rows > 0
    assert report.dropped_outside_window == summary.outside_window_rows > 0
    assert source.rows == len(clean)
    back = source.to_pandas()
    key = ["user_id", "timestamp", "item_id", "category_id", "behavior_type"]
    expected = clean.sort_values(key, kind="stable").reset_index(drop=True)
    pdt.assert_frame_equal(back, expected)


BY = [None, "day", "hour", ["day", "hour"], "category_id", ["category_id", "day"]]


@pytest.mark.parametrize("by", BY, ids=str)
@pytest.mark.parametrize("unit", ["user", "event"])
def test_stage_counts_agree_on_both_paths(raw_csv, source, by, unit):
    clean = raw_csv[2]
    expected = funnel.stage_counts(clean, by=by, unit=unit)
    pdt.assert_frame_equal(funnel.stage_counts(source, by=by, unit=unit), expected)
    assert expected[["pv", "buy"]].to_numpy().sum() > 0


@pytest.mark.parametrize("by", BY, ids=str)
def test_open_view_and_path_shares_agree_on_both_paths(raw_csv, source, by):
    clean = raw_csv[2]
    pdt.assert_frame_equal(
        funnel.stage_counts(source, by=by, view="open"),
        funnel.stage_counts(clean, by=by, view="open"),
    )
    pdt.assert_frame_equal(funnel.path_shares(source, by=by), funnel.path_shares(clean, by=by))


@pytest.mark.parametrize("by", [None, "day", "category_id", ["category_id", "day"]], ids=str)
@pytest.mark.parametrize("window", [0, 2])
def test_attribution_window_agrees_on_both_paths(raw_csv, source, by, window):
    clean = raw_csv[2]
    expected = funnel.path_shares(clean, by=by, window=window)
    pdt.assert_frame_equal(funnel.path_shares(source, by=by, window=window), expected)
    pdt.assert_frame_equal(
        funnel.conversion_views(source, by=by, window=window),
        funnel.conversion_views(clean, by=by, window=window),
    )
    assert expected["buyers"].sum() > 0


def test_paths_and_raw_parquet_give_the_same_results(raw_csv, source, tmp_path):
    path, _, clean, _ = raw_csv
    pdt.assert_frame_equal(funnel.stage_counts(str(path)), funnel.stage_counts(clean))
    pdt.assert_frame_equal(funnel.stage_counts(source.path), funnel.stage_counts(clean))
    # The Parquet copy made by tianchi.user_behavior_to_parquet is a raw file too.
    raw_parquet = tianchi.user_behavior_to_parquet(path, tmp_path / "ub.parquet")
    other = engine.open_events(raw_parquet, progress=False)
    assert other.report == source.report
    pdt.assert_frame_equal(
        funnel.funnel_rates(other, by="day"), funnel.funnel_rates(clean, by="day")
    )


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"lookback_days": 3}, {"interest_pv": 3}, {"lookback_days": 90}, {"loyal_buy_days": 3}],
    ids=str,
)
def test_aipl_agrees_on_both_paths(raw_csv, source, kwargs):
    clean = raw_csv[2]
    for as_of in (None, "2017-11-29"):
        expected = audience.aipl_states(clean, as_of, **kwargs)
        pdt.assert_frame_equal(audience.aipl_states(source, as_of, **kwargs), expected)
    assert set(expected["state"]) == {"A", "I", "P", "L"}
    pdt.assert_frame_equal(
        audience.aipl_transitions(source, "2017-11-28", "2017-12-03", **kwargs),
        audience.aipl_transitions(clean, "2017-11-28", "2017-12-03", **kwargs),
    )


def test_rfm_cohorts_and_repurchase_agree_on_both_paths(raw_csv, source):
    clean = raw_csv[2]
    for as_of in ("2017-12-03", "2017-11-30"):
        pdt.assert_frame_equal(
            audience.rfm_scores(source, as_of, amount_col=None, bins=4, split="median"),
            audience.rfm_scores(clean, as_of, amount_col=None, bins=4, split="median"),
        )
    for period in ("D", "W"):
        pdt.assert_frame_equal(
            audience.cohort_retention(source, period),
            audience.cohort_retention(clean, period),
        )
    assert audience.repurchase_rate(source, 3) == audience.repurchase_rate(clean, 3)


def test_overview_is_the_three_analyses_in_one_pass(raw_csv, source):
    clean = raw_csv[2]
    ov = audience.overview(source)
    assert ov.as_of == pd.Timestamp("2017-12-03")
    pdt.assert_frame_equal(ov.funnel, funnel.stage_counts(clean))
    pdt.assert_frame_equal(ov.aipl, audience.aipl_states(clean, ov.as_of))
    pdt.assert_frame_equal(ov.rfm, audience.rfm_scores(clean, ov.as_of, amount_col=None))
    # the other two funnel views of the whole log come with it
    pdt.assert_frame_equal(ov.open_funnel, funnel.stage_counts(clean, view="open"))
    pdt.assert_frame_equal(ov.paths, funnel.path_shares(clean))
    small = audience.overview(clean, "2017-11-30", lookback_days=2, bins=3)
    pdt.assert_frame_equal(small.aipl, audience.aipl_states(clean, "2017-11-30", lookback_days=2))
    pdt.assert_frame_equal(
        small.rfm, audience.rfm_scores(clean, "2017-11-30", amount_col=None, bins=3)
    )


def test_overview_scans_the_log_once_with_all_views(source, monkeypatch):
    queries: list[str] = []
    original = engine.Relation.query

    def counting(self, sql):
        queries.append(sql)
        return original(self, sql)

    monkeypatch.setattr(engine.Relation, "query", counting)
    ov = audience.overview(source)
    # one query over the log (the per-user GROUP BY); first/last day from Parquet statistics
    assert len(queries) == 1 and "GROUP BY user_id" in queries[0]
    assert ov.paths["buyers"].iloc[0] == ov.open_funnel["buy"].iloc[0] > 0


def test_dataframe_path_keeps_any_user_id_and_key_type():
    log = generators.event_log(120, seed=3)
    named = log.assign(
        user_id="u" + log["user_id"].astype(str).str.zfill(4),
        channel=np.where(log["item_id"].to_numpy() % 2 == 0, "搜索", "推荐"),
    )
    counts = funnel.stage_counts(named, by="channel")
    assert list(counts["channel"]) == ["推荐", "搜索"]  # sorted, as pandas sorts
    states = audience.aipl_states(named)
    assert states["user_id"].str.startswith("u").all()
    assert states["user_id"].is_monotonic_increasing
    numeric = audience.aipl_states(log)
    assert (states["user_id"].str[1:].astype(int).to_numpy() == numeric["user_id"]).all()


def test_days_and_hours_follow_beijing_time():
    # 15:59:59 UTC is 23:59:59 in Beijing; one second later it is the next day, hour 0.
    seconds = [T0 - 1, T0, T0 + 3600 * 15 + 59 * 60 + 59, T0 + 16 * 3600]
    log = pd.DataFrame(
        {
            "user_id": [1, 2, 3, 4],
            "behavior_type": ["pv"] * 4,
            "timestamp": seconds,
        }
    )
    by_day = funnel.stage_counts(log, by=["day", "hour"])
    assert list(by_day["day"].dt.strftime("%m-%d")) == ["11-24", "11-25", "11-25", "11-25"]
    assert list(by_day["hour"]) == [23, 0, 15, 16]


def test_cache_is_reused_rebuilt_and_byte_stable(raw_csv, tmp_path):
    path = tmp_path / "UserBehavior.csv"
    path.write_bytes(raw_csv[0].read_bytes())
    first = engine.open_events(path, progress=False)
    assert first.path == tmp_path / ("UserBehavior.csv" + engine.CACHE_SUFFIX)
    built = first.path.stat().st_mtime_ns
    data = first.path.read_bytes()
    again = engine.open_events(path, progress=False)
    assert again.path.stat().st_mtime_ns == built  # reused, not rebuilt
    rebuilt = engine.open_events(path, progress=False, rebuild=True)
    assert rebuilt.path.read_bytes() == data  # same input → the same bytes
    narrower = engine.open_events(path, progress=False, window=("2017-11-26", "2017-12-02"))
    assert narrower.rows < first.rows  # another window, another cache
    assert narrower.window == ("2017-11-26", "2017-12-02")
    with path.open("a") as fh:  # the raw file changed: the cache is stale
        fh.write(f"1,1,1,buy,{T0 + 5}\n")
    fresh = engine.open_events(path, progress=False)
    assert fresh.report.rows_read == first.report.rows_read + 1
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "UserBehavior.csv",
        "UserBehavior.csv.casekit.parquet",
    ]


def test_header_line_gzip_and_custom_cache_path(raw_csv, tmp_path):
    body = raw_csv[0].read_bytes()
    with_header = tmp_path / "with_header.csv"
    with_header.write_bytes(b"user_id,item_id,category_id,behavior_type,timestamp\n" + body)
    zipped = tmp_path / "UserBehavior.csv.gz"
    with gzip.open(zipped, "wb") as fh:
        fh.write(body)
    expected = raw_csv[2]
    for raw in (with_header, zipped):
        src = engine.open_events(raw, progress=False, cache_path=tmp_path / "c" / f"{raw.stem}.pq")
        assert src.path.parent == tmp_path / "c"
        assert src.rows == len(expected)


def test_progress_bar_shows_the_cleaning_steps(raw_csv, tmp_path, capsys):
    engine.open_events(raw_csv[0], cache_path=tmp_path / "c.parquet", progress=True)
    err = capsys.readouterr().err
    assert "cleaning UserBehavior.csv" in err
    assert "2/2" in err


def test_failed_build_leaves_nothing_behind(raw_csv, tmp_path, monkeypatch):
    path = tmp_path / "UserBehavior.csv"
    path.write_bytes(raw_csv[0].read_bytes())

    def boom(self, batch):
        raise KeyboardInterrupt

    monkeypatch.setattr(engine._RowGroupWriter, "write", boom)
    with pytest.raises(KeyboardInterrupt):
        engine.open_events(path, progress=False)
    assert [p.name for p in tmp_path.iterdir()] == ["UserBehavior.csv"]


def test_wrong_files_fail_with_what_was_found(tmp_path):
    bad_value = tmp_path / "bad.csv"
    bad_value.write_text("".join(f"1,2,3,pv,{T0 + i}\n" for i in range(300)) + f"1,2,3,like,{T0}\n")
    with pytest.raises(WrongFileError, match=r"behavior_type.*'like'.*pv, cart, fav or buy"):
        engine.open_events(bad_value, progress=False)
    other = tmp_path / "user_log_format1.csv"
    other.write_text("user_id,item_id,cat_id,seller_id,brand_id,time_stamp,action_type\n")
    with pytest.raises(WrongFileError, match="read_user_log"):
        engine.open_events(other, progress=False)
    broken = tmp_path / "broken.csv"
    broken.write_text("".join(f"1,2,3,pv,{T0 + i}\n" for i in range(300)) + "1,2,x,pv,5\n")
    with pytest.raises(WrongFileError, match="cannot read it as UserBehavior"):
        engine.open_events(broken, progress=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["bad.csv", "user_log_format1.csv", "broken.csv"]
    )
    with pytest.raises(FileNotFoundError, match="Tianchi dataset 649"):
        engine.open_events(tmp_path / "missing.csv")


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"progress": "yes"}, "progress"),
        ({"rebuild": 1}, "rebuild"),
        ({"memory_limit_mb": 10}, "memory_limit_mb"),
        ({"threads": 0}, "threads"),
        ({"window": ("2017-12-03", "2017-11-25")}, "window"),
    ],
)
def test_open_events_bad_parameters(raw_csv, kwargs, name):
    with pytest.raises(BadParameterError, match=name):
        engine.open_events(raw_csv[0], **kwargs)


def test_source_specific_errors(source):
    with pytest.raises(BadParameterError, match="'item_id' or 'category_id'"):
        funnel.stage_counts(source, by="seller_id")
    with pytest.raises(MissingColumnError, match="amount_col=None"):
        audience.rfm_scores(source, "2017-12-03")
    with pytest.raises(EmptyDataError, match="on or before 2017-11-01"):
        audience.rfm_scores(source, "2017-11-01", amount_col=None)
    with pytest.raises(EmptyDataError, match="no events between"):
        audience.aipl_states(source, "2017-11-01", lookback_days=3)


def test_empty_window_gives_an_empty_cache_and_clear_errors(tmp_path):
    path = tmp_path / "old.csv"
    path.write_text("".join(f"{u},2,3,pv,{1_400_000_000 + u}\n" for u in range(1, 50)))
    src = engine.open_events(path, progress=False)
    assert src.rows == 0
    assert src.report.dropped_outside_window == 49
    with pytest.raises(EmptyDataError, match="no events"):
        audience.overview(src)
    assert funnel.stage_counts(src).empty


def test_sql_table_runs_the_same_sql_on_another_duckdb(raw_csv):
    """SqlTable is the bridge to other engines; here DuckDB stands in for Spark."""
    import duckdb

    con = duckdb.connect()
    raw = pd.read_csv(raw_csv[0], header=None, names=list(tianchi.USER_BEHAVIOR.columns))
    con.register("ub", raw)
    table = engine.SqlTable(run=lambda q: con.sql(q).df(), table="ub", dialect="duckdb")
    clean = raw_csv[2]
    pdt.assert_frame_equal(
        funnel.stage_counts(table, by="day"), funnel.stage_counts(clean, by="day")
    )
    pdt.assert_frame_equal(audience.aipl_states(table), audience.aipl_states(clean))
    with pytest.raises(BadParameterError, match="dialect"):
        engine.SqlTable(run=print, table="ub", dialect="oracle")
    with pytest.raises(BadParameterError, match="run"):
        engine.SqlTable(run="SELECT", table="ub")


def test_environment_leaves_no_duckdb_temp_files(raw_csv):
    assert not any(
        name.endswith((".tmp", ".staged.parquet")) for name in os.listdir(raw_csv[0].parent)
    )


def test_missing_times_are_an_error_not_a_day_in_1677():
    log = generators.event_log(50, seed=1)
    log.loc[3, "timestamp"] = pd.NaT
    with pytest.raises(SchemaViolationError, match=r"'timestamp'.*missing"):
        funnel.stage_counts(log, by="day")


def test_group_keys_keep_their_dtype():
    log = generators.event_log(150, seed=2)
    log = log.assign(
        tier=pd.Categorical(np.where(log["item_id"] % 3 == 0, "高", "低"), categories=["低", "高"])
    )
    counts = funnel.stage_counts(log, by=["tier", "category_id"])
    assert isinstance(counts["tier"].dtype, pd.CategoricalDtype)
    assert counts["category_id"].dtype == log["category_id"].dtype
    assert audience.aipl_states(log)["user_id"].dtype == np.dtype("int64")
