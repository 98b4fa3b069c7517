"""Readers of real Tianchi downloads, on small files written in exactly their formats."""

from __future__ import annotations

import inspect
import zipfile
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from casekit._checks import BEHAVIOR_TYPES, TZ
from casekit.data import tianchi
from casekit.errors import BadParameterError, WrongFileError

BEIJING = ZoneInfo(TZ)
UB_SAMPLE = "1,2268318,2520377,pv,1511544070"


def unix(*args: int) -> int:
    """Unix seconds of a Beijing wall-clock time."""
    return int(datetime(*args, tzinfo=BEIJING).timestamp())


WINDOW_START = unix(2017, 11, 25)  # 1511539200
WINDOW_END = unix(2017, 12, 4)  # first second after the window


def user_behavior_lines() -> list[str]:
    """~80 lines: in-window rows, out-of-window rows and exact duplicates, in file order."""
    rng = np.random.default_rng(7)
    lines = [UB_SAMPLE]
    for _ in range(60):
        user, item, cat = rng.integers(1, 1000), rng.integers(1, 5_000_000), rng.integers(1, 9000)
        behavior = BEHAVIOR_TYPES[rng.integers(0, 4)]
        ts = int(rng.integers(WINDOW_START, WINDOW_END))
        lines.append(f"{user},{item},{cat},{behavior},{ts}")
    lines += [
        f"7,70,700,pv,{WINDOW_START - 1}",  # 2017-11-24 23:59:59 Beijing: dropped
        f"7,70,700,pv,{WINDOW_START}",  # 2017-11-25 00:00:00: kept
        f"7,70,700,buy,{WINDOW_END - 1}",  # 2017-12-03 23:59:59: kept
        f"7,70,700,buy,{WINDOW_END}",  # 2017-12-04 00:00:00: dropped
        "8,80,800,fav,-2134949234",  # a 1902 timestamp, as in the real download
        "8,80,800,cart,0",
        "9,90,900,cart,1514736000",  # 2018
    ]
    lines.insert(10, lines[3])  # duplicates, some far apart (across read batches)
    lines.insert(40, lines[5])
    lines.append(lines[20])
    lines.append(lines[20])
    lines.append(f"7,70,700,pv,{WINDOW_START - 1}")  # duplicate of an out-of-window row
    lines.append(f"7,70,700,fav,{WINDOW_START}")  # same but behaviour: not a duplicate
    return lines


def expected_kept(lines: list[str], window: bool = True, dedupe: bool = True) -> list[str]:
    kept, seen = [], set()
    for line in lines:
        ts = int(line.rsplit(",", 1)[1])
        if window and not WINDOW_START <= ts < WINDOW_END:
            continue
        if dedupe and line in seen:
            continue
        seen.add(line)
        kept.append(line)
    return kept


def write(path: Path, lines: list[str], header: str | None = None) -> Path:
    text = "\n".join(([header] if header else []) + lines) + "\n"
    path.write_text(text, encoding="utf-8")
    return path


def unix_seconds(ts: pd.Series) -> pd.Series:
    return (ts - pd.Timestamp("1970-01-01", tz="UTC")) // pd.Timedelta(seconds=1)


def user_behavior_text(df: pd.DataFrame) -> list[str]:
    """The frame written back in the UserBehavior format (no header)."""
    out = df.assign(timestamp=unix_seconds(df["timestamp"]))
    return out.to_csv(header=False, index=False, lineterminator="\n").splitlines()


@pytest.fixture
def ub_csv(tmp_path: Path) -> Path:
    return write(tmp_path / "UserBehavior.csv", user_behavior_lines())


# --------------------------------------------------------------------------- UserBehavior


def test_user_behavior_types_and_values(ub_csv: Path) -> None:
    df = tianchi.read_user_behavior(ub_csv)
    assert list(df.columns) == ["user_id", "item_id", "category_id", "behavior_type", "timestamp"]
    for col in ("user_id", "item_id", "category_id"):
        assert df[col].dtype == np.dtype("int64")
    assert df["behavior_type"].dtype == pd.CategoricalDtype(list(BEHAVIOR_TYPES))
    assert df["timestamp"].dtype == pd.DatetimeTZDtype("ns", TZ)
    first = df.iloc[0]
    assert (first["user_id"], first["item_id"], first["category_id"]) == (1, 2268318, 2520377)
    assert first["behavior_type"] == "pv"
    assert first["timestamp"] == pd.Timestamp("2017-11-25 01:21:10", tz=TZ)
    assert df.index.equals(pd.RangeIndex(len(df)))


@pytest.mark.parametrize("block_size_bytes", [1024, tianchi.DEFAULT_BLOCK_SIZE_BYTES])
def test_user_behavior_round_trip_and_report(ub_csv: Path, block_size_bytes: int) -> None:
    lines = user_behavior_lines()
    df, report = tianchi.read_user_behavior(ub_csv, report=True, block_size_bytes=block_size_bytes)
    kept = expected_kept(lines)
    assert user_behavior_text(df) == kept
    in_window = expected_kept(lines, dedupe=False)
    assert report == tianchi.UserBehaviorReport(
        rows_read=len(lines),
        dropped_outside_window=len(lines) - len(in_window),
        dropped_duplicates=len(in_window) - len(kept),
        rows_kept=len(kept),
    )
    assert report.dropped_outside_window == 6
    assert report.dropped_duplicates == 4


def test_user_behavior_beijing_day_boundaries(tmp_path: Path) -> None:
    lines = [
        f"1,1,1,pv,{WINDOW_START - 1}",
        f"1,1,1,pv,{WINDOW_START}",
        f"1,1,1,pv,{WINDOW_END - 1}",
        f"1,1,1,pv,{WINDOW_END}",
    ]
    df = tianchi.read_user_behavior(write(tmp_path / "ub.csv", lines))
    assert df["timestamp"].tolist() == [
        pd.Timestamp("2017-11-25 00:00:00", tz=TZ),
        pd.Timestamp("2017-12-03 23:59:59", tz=TZ),
    ]
    # dates in another time zone name the same Beijing days; one-day windows work
    one_day = tianchi.read_user_behavior(
        write(tmp_path / "ub.csv", lines), window=("2017-11-24", "2017-11-24")
    )
    assert one_day["timestamp"].tolist() == [pd.Timestamp("2017-11-24 23:59:59", tz=TZ)]
    ts = datetime(2017, 11, 25, tzinfo=BEIJING) - timedelta(seconds=1)
    assert int(ts.timestamp()) == WINDOW_START - 1 == 1511539199


def test_user_behavior_without_cleaning(ub_csv: Path) -> None:
    lines = user_behavior_lines()
    df, report = tianchi.read_user_behavior(ub_csv, window=None, drop_duplicates=False, report=True)
    assert user_behavior_text(df) == lines
    assert report == tianchi.UserBehaviorReport(len(lines), 0, 0, len(lines))
    only_dupes = tianchi.read_user_behavior(ub_csv, window=None)
    assert user_behavior_text(only_dupes) == expected_kept(lines, window=False)


def test_user_behavior_nrows_and_columns(ub_csv: Path) -> None:
    lines = user_behavior_lines()
    df, report = tianchi.read_user_behavior(ub_csv, nrows=12, report=True, block_size_bytes=1024)
    assert report.rows_read == 12
    assert user_behavior_text(df) == expected_kept(lines[:12])
    some = tianchi.read_user_behavior(ub_csv, columns=["timestamp", "user_id"])
    full = tianchi.read_user_behavior(ub_csv)
    pd.testing.assert_frame_equal(some, full[["timestamp", "user_id"]])
    lean = tianchi.read_user_behavior(
        ub_csv, columns=["behavior_type"], window=None, drop_duplicates=False
    )
    assert lean["behavior_type"].dtype == pd.CategoricalDtype(list(BEHAVIOR_TYPES))
    assert len(lean) == len(lines)
    empty = tianchi.read_user_behavior(ub_csv, nrows=0)
    assert empty.empty
    assert empty.dtypes.equals(full.dtypes)


def test_user_behavior_accepts_its_own_header(tmp_path: Path) -> None:
    lines = user_behavior_lines()
    header = "user_id,item_id,category_id,behavior_type,timestamp"
    with_header = tianchi.read_user_behavior(write(tmp_path / "h.csv", lines, header))
    plain = tianchi.read_user_behavior(write(tmp_path / "p.csv", lines))
    pd.testing.assert_frame_equal(with_header, plain)


@pytest.mark.parametrize(
    "window",
    [
        "2017-11-25",
        ("2017-12-03", "2017-11-25"),
        ("2017-11-25", "next week"),
        ("2017-11-25 12:00", "2017-12-03"),
        ("2017-11-25",),
        (20171125, 20171203),
    ],
)
def test_user_behavior_bad_window(ub_csv: Path, window) -> None:
    with pytest.raises(BadParameterError, match="window"):
        tianchi.read_user_behavior(ub_csv, window=window)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"nrows": -1}, "nrows"),
        ({"nrows": 1.5}, "nrows"),
        ({"columns": ["user"]}, "columns"),
        ({"columns": "user_id"}, "columns"),
        ({"drop_duplicates": "yes"}, "drop_duplicates"),
        ({"block_size_bytes": 10}, "block_size_bytes"),
    ],
)
def test_user_behavior_bad_parameters(ub_csv: Path, kwargs, name) -> None:
    with pytest.raises(BadParameterError, match=name):
        tianchi.read_user_behavior(ub_csv, **kwargs)


# --------------------------------------------------------------------------- Parquet cache


def test_parquet_cache_equals_direct_read(
    ub_csv: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tianchi, "_PARQUET_ROW_GROUP_ROWS", 16)
    dest = tianchi.user_behavior_to_parquet(
        ub_csv, tmp_path / "cache" / "ub.parquet", block_size_bytes=1024
    )
    assert dest == tmp_path / "cache" / "ub.parquet"
    meta = pq.ParquetFile(dest).metadata
    assert meta.num_rows == len(user_behavior_lines())  # every row kept, cleaning on read
    assert meta.num_row_groups > 1  # written batch by batch
    assert [p.name for p in dest.parent.iterdir()] == ["ub.parquet"]
    for kwargs in ({}, {"window": None}, {"drop_duplicates": False}, {"nrows": 30}):
        direct = tianchi.read_user_behavior(ub_csv, report=True, **kwargs)
        cached = tianchi.read_user_behavior(dest, report=True, **kwargs)
        pd.testing.assert_frame_equal(cached[0], direct[0])
        assert cached[1] == direct[1]


def test_parquet_cache_failure_leaves_no_partial_file(
    ub_csv: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dest = tmp_path / "ub.parquet"
    dest.write_bytes(b"old cache")
    real = tianchi._normalise_user_behavior
    calls = []

    def fail_on_third_batch(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise OSError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(tianchi, "_normalise_user_behavior", fail_on_third_batch)
    with pytest.raises(OSError, match="disk full"):
        tianchi.user_behavior_to_parquet(ub_csv, dest, block_size_bytes=1024)
    assert len(calls) == 3
    assert dest.read_bytes() == b"old cache"  # the old file is untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["UserBehavior.csv", "ub.parquet"]


def test_parquet_cache_of_a_bad_file_writes_nothing(tmp_path: Path) -> None:
    lines = user_behavior_lines()
    lines[50] = "1,2,3,click,1511544070"  # beyond the first block
    src = write(tmp_path / "UserBehavior.csv", lines)
    with pytest.raises(WrongFileError, match="click"):
        tianchi.user_behavior_to_parquet(src, tmp_path / "ub.parquet", block_size_bytes=1024)
    assert [p.name for p in tmp_path.iterdir()] == ["UserBehavior.csv"]


def test_parquet_cache_checks_the_csv_first(tmp_path: Path) -> None:
    src = write(tmp_path / "log.csv", USER_LOG_LINES, USER_LOG_HEADER)
    with pytest.raises(WrongFileError, match="user_log_format1"):
        tianchi.user_behavior_to_parquet(src, tmp_path / "ub.parquet")
    assert [p.name for p in tmp_path.iterdir()] == ["log.csv"]
    with pytest.raises(BadParameterError, match="compression"):
        tianchi.user_behavior_to_parquet(src, tmp_path / "ub.parquet", compression="zip")
    with pytest.raises(BadParameterError, match="parquet_path"):
        tianchi.user_behavior_to_parquet(src, src)


def test_reads_a_parquet_file_saved_from_pandas(ub_csv: Path, tmp_path: Path) -> None:
    df = tianchi.read_user_behavior(ub_csv, window=None, drop_duplicates=False)
    df.to_parquet(tmp_path / "mine.parquet")
    again = tianchi.read_user_behavior(tmp_path / "mine.parquet")
    pd.testing.assert_frame_equal(again, tianchi.read_user_behavior(ub_csv))


@pytest.mark.parametrize("block_size_bytes", [1024, 1 << 20])
def test_duplicates_are_exact_and_match_pandas(
    ub_csv: Path, tmp_path: Path, block_size_bytes: int
) -> None:
    df, report = tianchi.read_user_behavior(ub_csv, report=True, block_size_bytes=block_size_bytes)
    assert user_behavior_text(df) == expected_kept(user_behavior_lines())
    assert report.dropped_duplicates == 4
    # rows that differ in exactly one column are kept; each repeat of a row is dropped
    base = [7, 70, 700, "pv", WINDOW_START + 5]
    lines = []
    for column in range(5):
        row = list(base)
        row[column] = "cart" if column == 3 else row[column] + 1
        lines += [",".join(map(str, row))] * (column + 1)
    lines += [",".join(map(str, base))] * 3
    src = write(tmp_path / "UserBehavior.csv", lines)
    got, rep = tianchi.read_user_behavior(src, report=True, block_size_bytes=1024)
    raw = tianchi.read_user_behavior(src, drop_duplicates=False)
    pd.testing.assert_frame_equal(got, raw.drop_duplicates().reset_index(drop=True))
    assert len(got) == 6
    assert rep.dropped_duplicates == len(lines) - 6


def test_the_hand_written_hash_path_is_gone() -> None:
    assert not hasattr(tianchi, "_row_hash")
    assert "duckdb" in inspect.getsource(tianchi._duplicate_positions)


def test_parquet_with_other_columns_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "other.parquet"
    pd.DataFrame({"user": [1], "clk": [0]}).to_parquet(path)
    with pytest.raises(WrongFileError, match="columns user, clk"):
        tianchi.read_user_behavior(path)


# --------------------------------------------------------------------------- wrong files

USER_LOG_HEADER = "user_id,item_id,cat_id,seller_id,brand_id,time_stamp,action_type"
USER_LOG_LINES = [
    "328862,323294,833,2882,2661,829,0",
    "328862,844400,1271,2882,2661,829,0",
    "328862,575153,1271,2882,2661,829,2",
    "234512,1,1,4,,1111,2",  # brand_id missing
    "234512,2,1,4,NULL,1111,3",
    "234512,3,1,4,5,511,1",
    "234512,3,1,4,5,1231,0",
]
USER_INFO_HEADER = "user_id,age_range,gender"
USER_INFO_LINES = [
    "376517,6,1",
    "234512,5,0",
    "344532,0,2",
    "186135,,",
    "30230,7,0",
    "272389,8,",
    "281071,,1",
    "139859,1,0",
    "198411,2,1",
    "67037,3,0",
    "149002,4,0",
]
RAW_SAMPLE_HEADER = "user,time_stamp,adgroup_id,pid,nonclk,clk"
RAW_SAMPLE_LINES = [
    "581738,1494137644,1,430548_1007,1,0",
    "449818,1494638778,3,430548_1007,1,0",
    "914836,1494650879,4,430548_1007,1,0",
    "914836,1494651029,5,430548_1007,0,1",
    "399907,1494302958,8,430548_1007,1,0",
    "628137,1494524935,9,430539_1007,1,0",
    "298139,1494462593,9,430539_1007,0,1",
]


def _wrong(reader, path, *needles):
    with pytest.raises(WrongFileError) as info:
        reader(path)
    message = str(info.value)
    assert str(path) in message
    for needle in needles:
        assert needle in message, message
    return message


def test_user_log_given_to_read_user_behavior(tmp_path: Path) -> None:
    path = write(tmp_path / "user_log_format1.csv", USER_LOG_LINES, USER_LOG_HEADER)
    _wrong(
        tianchi.read_user_behavior,
        path,
        "line 1 is 'user_id,item_id,cat_id",
        "user_log_format1",
        "read_user_log",
        f"first line like {UB_SAMPLE!r}",
    )


def test_user_behavior_given_to_read_raw_sample(ub_csv: Path) -> None:
    _wrong(
        tianchi.read_raw_sample,
        ub_csv,
        f"line 1 is {UB_SAMPLE!r}",
        "read_user_behavior",
        f"header line {RAW_SAMPLE_HEADER!r}",
    )


def test_user_behavior_given_to_read_user_log_and_info(ub_csv: Path) -> None:
    _wrong(tianchi.read_user_log, ub_csv, USER_LOG_HEADER, "read_user_behavior")
    _wrong(tianchi.read_user_info, ub_csv, USER_INFO_HEADER)


def test_unknown_behavior_type_in_first_lines(tmp_path: Path) -> None:
    path = write(tmp_path / "ub.csv", [UB_SAMPLE, "1,2,3,click,1511544070"])
    _wrong(tianchi.read_user_behavior, path, "line 2", "'behavior_type'", "'click'", UB_SAMPLE)


def test_unknown_behavior_type_beyond_first_lines(tmp_path: Path) -> None:
    lines = [f"{i},2,3,pv,1511544070" for i in range(1, 400)]
    lines[300] = "1,2,3,click,1511544070"
    path = write(tmp_path / "ub.csv", lines)
    _wrong(tianchi.read_user_behavior, path, "line 301", "'click'", "pv, cart, fav, buy")


def test_broken_row_beyond_first_lines(tmp_path: Path) -> None:
    lines = [f"{i},2,3,pv,1511544070" for i in range(1, 400)]
    lines[300] = "1,2,3,pv"
    path = write(tmp_path / "ub.csv", lines)
    _wrong(tianchi.read_user_behavior, path, "Expected 5 columns", UB_SAMPLE)
    lines[300] = "1,2,,pv,1511544070"
    _wrong(tianchi.read_user_behavior, write(path, lines), "line 301", "'category_id'", "empty")


def test_2014_mobile_log_is_named(tmp_path: Path) -> None:
    header = "user_id,item_id,behavior_type,user_geohash,item_category,time"
    path = write(tmp_path / "train_user.csv", ["10001082,285259775,1,97lk14c,4076,2014-12-08 18"],
                 header)  # fmt: skip
    _wrong(tianchi.read_user_behavior, path, "2014", "not Taobao UserBehavior")


@pytest.mark.parametrize(
    "reader",
    [
        tianchi.read_user_behavior,
        tianchi.read_user_log,
        tianchi.read_user_info,
        tianchi.read_raw_sample,
    ],
)
def test_empty_and_binary_files(tmp_path: Path, reader) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    _wrong(reader, empty, "empty (0 bytes)", "expected")
    blank = write(tmp_path / "blank.csv", ["", "  "])
    _wrong(reader, blank, "no lines")
    archive = tmp_path / "data.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("inner.csv", "1,2,3\n")
    _wrong(reader, archive, "ZIP archive", "unzip")
    binary = tmp_path / "data.bin"
    binary.write_bytes(bytes(range(256)) * 4)
    _wrong(reader, binary, "not a UTF-8 text")


@pytest.mark.parametrize(
    ("reader", "dataset"),
    [
        (tianchi.read_user_behavior, "649"),
        (tianchi.read_user_log, "42"),
        (tianchi.read_user_info, "42"),
        (tianchi.read_raw_sample, "56"),
    ],
)
def test_missing_file_says_where_to_download(tmp_path: Path, reader, dataset: str) -> None:
    with pytest.raises(FileNotFoundError) as info:
        reader(tmp_path / "nope.csv")
    assert f"Tianchi dataset {dataset}" in str(info.value)
    assert info.value.filename == str(tmp_path / "nope.csv")


def test_folder_instead_of_file(tmp_path: Path) -> None:
    write(tmp_path / "UserBehavior.csv", [UB_SAMPLE])
    with pytest.raises(IsADirectoryError, match="did you mean"):
        tianchi.read_user_behavior(tmp_path)


def test_gzip_file_is_read(tmp_path: Path) -> None:
    import gzip

    path = tmp_path / "UserBehavior.csv.gz"
    path.write_bytes(gzip.compress(("\n".join(user_behavior_lines()) + "\n").encode()))
    df = tianchi.read_user_behavior(path)
    assert user_behavior_text(df) == expected_kept(user_behavior_lines())
    misnamed = tmp_path / "UserBehavior.csv"
    misnamed.write_bytes(path.read_bytes())
    _wrong(tianchi.read_user_behavior, misnamed, "gzip")


# --------------------------------------------------------------------------- user_log


def test_user_log_types_values_and_round_trip(tmp_path: Path) -> None:
    path = write(tmp_path / "user_log_format1.csv", USER_LOG_LINES, USER_LOG_HEADER)
    df = tianchi.read_user_log(path)
    assert list(df.columns) == [
        "user_id", "item_id", "cat_id", "seller_id", "brand_id",
        "time_stamp", "date", "action_type", "action",
    ]  # fmt: skip
    assert df.dtypes.astype(str).to_dict() == {
        "user_id": "int64",
        "item_id": "int64",
        "cat_id": "int64",
        "seller_id": "int64",
        "brand_id": "Int64",
        "time_stamp": "int16",
        "date": "datetime64[ns]",
        "action_type": "int8",
        "action": "category",
    }
    assert df["brand_id"].isna().tolist() == [False, False, False, True, True, False, False]
    assert df["date"].dt.strftime("%Y-%m-%d").tolist() == [
        "2015-08-29", "2015-08-29", "2015-08-29", "2015-11-11", "2015-11-11",
        "2015-05-11", "2015-12-31",
    ]  # fmt: skip
    assert list(df["action"].cat.categories) == ["click", "cart", "buy", "fav"]
    assert df["action"].tolist() == ["click", "click", "buy", "buy", "fav", "cart", "click"]
    raw = df[list(USER_LOG_HEADER.split(","))]
    text = raw.to_csv(index=False, lineterminator="\n").splitlines()
    expected = [USER_LOG_HEADER, *(ln.replace("NULL", "") for ln in USER_LOG_LINES)]
    assert text == expected


def test_user_log_year_columns_and_nrows(tmp_path: Path) -> None:
    path = write(tmp_path / "log.csv", [*USER_LOG_LINES, "1,1,1,1,1,229,0"], USER_LOG_HEADER)
    with pytest.raises(WrongFileError, match=r"line 9: time_stamp .* is 229, not a day"):
        tianchi.read_user_log(path)  # 2015 has no 29 February
    df = tianchi.read_user_log(path, year=2016, columns=["action", "date"], nrows=8)
    assert list(df.columns) == ["action", "date"]
    assert df["date"].iloc[-1] == pd.Timestamp("2016-02-29")
    assert tianchi.read_user_log(path, year=2016, nrows=3)["user_id"].tolist() == [328862] * 3
    for year in (True, 15, "2015", 2015.0):
        with pytest.raises(BadParameterError, match="year"):
            tianchi.read_user_log(path, year=year)


def test_user_log_bad_action_type(tmp_path: Path) -> None:
    lines = [*USER_LOG_LINES] * 40
    lines[250] = "1,1,1,1,1,1111,7"
    path = write(tmp_path / "log.csv", lines, USER_LOG_HEADER)
    with pytest.raises(WrongFileError, match=r"line 252: column 'action_type'.* 7, not one of"):
        tianchi.read_user_log(path, block_size_bytes=1024)


def test_user_log_header_only(tmp_path: Path) -> None:
    df = tianchi.read_user_log(write(tmp_path / "log.csv", [], USER_LOG_HEADER))
    assert df.empty
    assert str(df["brand_id"].dtype) == "Int64"
    assert isinstance(df["action"].dtype, pd.CategoricalDtype)


# --------------------------------------------------------------------------- user_info


def test_user_info_labels_and_round_trip(tmp_path: Path) -> None:
    path = write(tmp_path / "user_info_format1.csv", USER_INFO_LINES, USER_INFO_HEADER)
    df = tianchi.read_user_info(path)
    assert df.dtypes.astype(str).to_dict() == {
        "user_id": "int64",
        "age_range": "Int64",
        "gender": "Int64",
        "age_label": "category",
        "gender_label": "category",
    }
    assert df["age_label"].tolist() == [
        "40-49", "35-39", "unknown", "unknown", "50+", "50+", "unknown",
        "under 18", "18-24", "25-29", "30-34",
    ]  # fmt: skip
    assert df["gender_label"].tolist() == [
        "male", "female", "unknown", "unknown", "female", "unknown", "male",
        "female", "male", "female", "female",
    ]  # fmt: skip
    assert list(df["age_label"].cat.categories) == list(tianchi.AGE_LABELS)
    assert set(tianchi.AGE_LABELS_ZH) == set(tianchi.AGE_LABELS)
    assert set(tianchi.GENDER_LABELS_ZH) == set(tianchi.GENDER_LABELS)
    assert df["age_range"].isna().sum() == 2 and df["gender"].isna().sum() == 2
    text = df[["user_id", "age_range", "gender"]].to_csv(index=False, lineterminator="\n")
    assert text.splitlines() == [USER_INFO_HEADER, *USER_INFO_LINES]
    only = tianchi.read_user_info(path, columns=["gender_label"])
    assert only["gender_label"].equals(df["gender_label"])


@pytest.mark.parametrize("line", ["1,9,0", "1,1,3", "1,x,0", ",1,0"])
def test_user_info_bad_codes(tmp_path: Path, line: str) -> None:
    path = write(tmp_path / "info.csv", [*USER_INFO_LINES, line], USER_INFO_HEADER)
    _wrong(tianchi.read_user_info, path, "line 13", USER_INFO_HEADER)


# --------------------------------------------------------------------------- raw_sample


def test_raw_sample_types_values_and_round_trip(tmp_path: Path) -> None:
    path = write(tmp_path / "raw_sample.csv", RAW_SAMPLE_LINES, RAW_SAMPLE_HEADER)
    df = tianchi.read_raw_sample(path)
    assert df.dtypes.astype(str).to_dict() == {
        "user": "int64",
        "time_stamp": "datetime64[ns, Asia/Shanghai]",
        "adgroup_id": "int64",
        "pid": "category",
        "nonclk": "int8",
        "clk": "int8",
    }
    assert list(df["pid"].cat.categories) == ["430539_1007", "430548_1007"]
    assert df["time_stamp"].iloc[0] == pd.Timestamp("2017-05-07 14:14:04", tz=TZ)
    assert df["clk"].mean() == pytest.approx(2 / 7)
    out = df.assign(time_stamp=unix_seconds(df["time_stamp"]))
    text = out.to_csv(index=False, lineterminator="\n").splitlines()
    assert text == [RAW_SAMPLE_HEADER, *RAW_SAMPLE_LINES]
    two = tianchi.read_raw_sample(path, columns=["clk", "pid"], nrows=2)
    assert list(two.columns) == ["clk", "pid"] and len(two) == 2


def test_raw_sample_bad_click_flag(tmp_path: Path) -> None:
    path = write(tmp_path / "raw.csv", [*RAW_SAMPLE_LINES, "1,1494137644,1,430548_1007,1,2"],
                 RAW_SAMPLE_HEADER)  # fmt: skip
    _wrong(tianchi.read_raw_sample, path, "line 9", "'clk'", RAW_SAMPLE_HEADER)


def test_crlf_and_bom_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "raw.csv"
    body = "\r\n".join([RAW_SAMPLE_HEADER, *RAW_SAMPLE_LINES]) + "\r\n"
    path.write_bytes(b"\xef\xbb\xbf" + body.encode())
    assert len(tianchi.read_raw_sample(path)) == len(RAW_SAMPLE_LINES)


def test_module_exports() -> None:
    for name in tianchi.__all__:
        assert hasattr(tianchi, name)


def test_millisecond_timestamps_are_named_with_their_line(tmp_path: Path) -> None:
    lines = user_behavior_lines()
    lines[5] = "1,2,3,pv,1511544070000"  # Unix milliseconds
    src = write(tmp_path / "UserBehavior.csv", lines)
    with pytest.raises(WrongFileError, match=r"line 6: timestamp 1511544070000 .*milliseconds"):
        tianchi.read_user_behavior(src, window=None)
