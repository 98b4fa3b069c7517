"""Readers for real Alibaba Tianchi (阿里天池) downloads, typed and memory-sane.

The course's event-log code uses the public Tianchi schemas, so the same notebooks run on a
real download. These readers parse the original files with ``pyarrow.csv`` in streamed
batches (explicit column types, never pandas' ``object`` columns) and check each file's
first lines before parsing the rest, so a wrong file fails fast with a ``WrongFileError``
that says what was found and what was expected.

- ``read_user_behavior``: ``UserBehavior.csv`` (Tianchi dataset 649), Taobao user behaviour
  2017-11-25..12-03; ``user_behavior_to_parquet`` makes a Parquet cache of it;
- ``read_user_log``: ``user_log_format1.csv`` (dataset 42), Tmall repeat buyers' actions;
- ``read_user_info``: ``user_info_format1.csv`` (dataset 42), age band and gender per user;
- ``read_raw_sample``: ``raw_sample.csv`` (dataset 56), Ali display-ad impressions and clicks.

Dtype choices (the same in every reader):

- ids are numpy ``int64`` (they always fit and are never missing in these files; numpy
  integers keep group-bys fast on 100M rows); an id that *can* be missing (``brand_id``) and
  the demographic codes are nullable ``Int64``;
- small code columns keep their code (``action_type``, ``nonclk``, ``clk`` as ``int8``;
  ``time_stamp`` of the user log as ``int16``) and get a labelled ``category`` next to them
  (``action``, ``age_label``, ``gender_label``);
- Unix-second timestamps become ``datetime64[ns, Asia/Shanghai]`` (Beijing time);
- text codes (``behavior_type``, ``pid``) are ``category``.

For the full UserBehavior file (100M rows, ~3.5 GB of CSV, ~3.3 GB as a DataFrame) convert
once with ``user_behavior_to_parquet`` and read the Parquet file afterwards (same reader), or
query the Parquet file with DuckDB.
"""

from __future__ import annotations

import errno
import gzip
import os
import re
import secrets
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal, overload

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from casekit._checks import BEHAVIOR_TYPES, MAX_UNIX_SECONDS, TZ
from casekit.errors import BadParameterError, WrongFileError

__all__ = [
    "ACTION_TYPES",
    "ACTION_ZH",
    "AGE_LABELS",
    "AGE_LABELS_ZH",
    "AGE_RANGE_LABELS",
    "BEHAVIOR_ZH",
    "GENDER_LABELS",
    "GENDER_LABELS_ZH",
    "USER_BEHAVIOR_WINDOW",
    "UserBehaviorReport",
    "read_raw_sample",
    "read_user_behavior",
    "read_user_info",
    "read_user_log",
    "user_behavior_to_parquet",
]

USER_BEHAVIOR_WINDOW = ("2017-11-25", "2017-12-03")
"""The documented days of Taobao UserBehavior (Beijing calendar days, inclusive)."""

BEHAVIOR_ZH = {"pv": "浏览", "cart": "加购", "fav": "收藏", "buy": "购买"}

ACTION_TYPES = ("click", "cart", "buy", "fav")
"""Names of ``action_type`` codes 0, 1, 2, 3 in the Tmall user log (note: 2 is buy, 3 fav)."""
ACTION_ZH = {"click": "点击", "cart": "加购", "buy": "购买", "fav": "收藏"}

AGE_LABELS = ("under 18", "18-24", "25-29", "30-34", "35-39", "40-49", "50+", "unknown")
AGE_RANGE_LABELS = {
    0: "unknown",
    1: "under 18",
    2: "18-24",
    3: "25-29",
    4: "30-34",
    5: "35-39",
    6: "40-49",
    7: "50+",
    8: "50+",
}
"""``age_range`` code -> label; an empty field is also ``unknown``."""
AGE_LABELS_ZH = {
    "under 18": "18岁以下",
    "18-24": "18–24岁",
    "25-29": "25–29岁",
    "30-34": "30–34岁",
    "35-39": "35–39岁",
    "40-49": "40–49岁",
    "50+": "50岁及以上",
    "unknown": "未知",
}

GENDER_LABELS = ("female", "male", "unknown")
"""``gender`` codes 0, 1, 2 (an empty field is also ``unknown``)."""
GENDER_LABELS_ZH = {"female": "女", "male": "男", "unknown": "未知"}

DEFAULT_BLOCK_SIZE_BYTES = 4 << 20
"""CSV bytes parsed per batch; the reader reads a few dozen blocks ahead, ~100 MB."""
_PARQUET_BATCH_ROWS = 1 << 19
_PARQUET_ROW_GROUP_ROWS = 1 << 20
_COMPRESSIONS = ("zstd", "snappy", "gzip", "brotli", "lz4", "none")
_SNIFF_BYTES = 64 << 10
_SNIFF_LINES = 200
_NULLS = ("", "NULL")

_COLUMN_ZH = {
    "user_id": "用户ID",
    "user": "用户ID",
    "item_id": "商品ID",
    "category_id": "类目ID",
    "cat_id": "类目ID",
    "seller_id": "店铺ID",
    "brand_id": "品牌ID",
    "behavior_type": "行为类型",
    "action_type": "行为类型",
    "timestamp": "时间戳",
    "time_stamp": "时间戳",
    "age_range": "年龄段",
    "gender": "性别",
    "adgroup_id": "广告单元ID",
    "pid": "资源位",
    "nonclk": "未点击",
    "clk": "点击",
}


@dataclass(frozen=True)
class UserBehaviorReport:
    """What ``read_user_behavior`` dropped.

    ``rows_read = dropped_outside_window + dropped_duplicates + rows_kept``; duplicates are
    counted among the rows inside the window (the first occurrence is kept).
    """

    rows_read: int
    dropped_outside_window: int
    dropped_duplicates: int
    rows_kept: int


@dataclass(frozen=True)
class _Format:
    title: str
    file_name: str
    columns: tuple[str, ...]
    patterns: tuple[str, ...]  # regular expression per field, checked on the first lines
    types: dict[str, pa.DataType]
    has_header: bool
    example: str  # a data line in the format
    reader: str
    source: str
    nullable: frozenset[str] = frozenset()

    @property
    def header(self) -> str:
        return ",".join(self.columns)

    @property
    def expected(self) -> str:
        if self.has_header:
            first = f"a header line {self.header!r}, then rows like {self.example!r}"
        else:
            first = (
                f"no header line, {len(self.columns)} columns ({', '.join(self.columns)}), "
                f"first line like {self.example!r}"
            )
        return f"{self.title} ({self.file_name}): {first}"


_DICT = pa.dictionary(pa.int32(), pa.string())

USER_BEHAVIOR = _Format(
    title="Taobao UserBehavior (淘宝用户行为数据)",
    file_name="UserBehavior.csv",
    columns=("user_id", "item_id", "category_id", "behavior_type", "timestamp"),
    patterns=(r"\d+", r"\d+", r"\d+", "|".join(BEHAVIOR_TYPES), r"-?\d+"),
    types={
        "user_id": pa.int64(),
        "item_id": pa.int64(),
        "category_id": pa.int64(),
        "behavior_type": _DICT,
        "timestamp": pa.int64(),
    },
    has_header=False,
    example="1,2268318,2520377,pv,1511544070",
    reader="read_user_behavior",
    source="Alibaba Tianchi dataset 649, 'User Behavior Data from Taobao for Recommendation' "
    "(淘宝用户购物行为数据集), as UserBehavior.csv.zip, and unzip it",
)
_USER_LOG = _Format(
    title="Tmall repeat buyers user log (天猫复购预测 user_log_format1)",
    file_name="user_log_format1.csv",
    columns=("user_id", "item_id", "cat_id", "seller_id", "brand_id", "time_stamp", "action_type"),
    patterns=(r"\d+", r"\d+", r"\d+", r"\d+", r"\d*|NULL", r"\d{3,4}", r"[0-3]"),
    types={
        "user_id": pa.int64(),
        "item_id": pa.int64(),
        "cat_id": pa.int64(),
        "seller_id": pa.int64(),
        "brand_id": pa.int64(),
        "time_stamp": pa.int16(),
        "action_type": pa.int8(),
    },
    has_header=True,
    example="328862,323294,833,2882,2661,829,0",
    reader="read_user_log",
    source="Alibaba Tianchi dataset 42, 'Repeat Buyers Prediction' (天猫复购预测), "
    "inside data_format1.zip",
    nullable=frozenset({"brand_id"}),
)
_USER_INFO = _Format(
    title="Tmall repeat buyers user profile (天猫复购预测 user_info_format1)",
    file_name="user_info_format1.csv",
    columns=("user_id", "age_range", "gender"),
    patterns=(r"\d+", r"[0-8]?|NULL", r"[0-2]?|NULL"),
    types={"user_id": pa.int64(), "age_range": pa.int8(), "gender": pa.int8()},
    has_header=True,
    example="376517,6,1",
    reader="read_user_info",
    source="Alibaba Tianchi dataset 42, 'Repeat Buyers Prediction' (天猫复购预测), "
    "inside data_format1.zip",
    nullable=frozenset({"age_range", "gender"}),
)
_RAW_SAMPLE = _Format(
    title="Ali display-ad click log (阿里展示广告 raw_sample)",
    file_name="raw_sample.csv",
    columns=("user", "time_stamp", "adgroup_id", "pid", "nonclk", "clk"),
    patterns=(r"\d+", r"-?\d+", r"\d+", r"[^,\s\"]+", r"[01]", r"[01]"),
    types={
        "user": pa.int64(),
        "time_stamp": pa.int64(),
        "adgroup_id": pa.int64(),
        "pid": _DICT,
        "nonclk": pa.int8(),
        "clk": pa.int8(),
    },
    has_header=True,
    example="581738,1494137644,1,430548_1007,1,0",
    reader="read_raw_sample",
    source="Alibaba Tianchi dataset 56, 'Ad Display/Click Data on Taobao.com' "
    "(淘宝展示广告点击率预估数据集)",
)

# Headers of files people often mix up, to say what a wrong file probably is.
_KNOWN_HEADERS: dict[tuple[str, ...], str] = {
    USER_BEHAVIOR.columns: "a Taobao UserBehavior file saved with a header line",
    _USER_LOG.columns: "Tmall repeat buyers user_log_format1.csv (read it with read_user_log)",
    _USER_INFO.columns: "Tmall repeat buyers user_info_format1.csv (read it with read_user_info)",
    _RAW_SAMPLE.columns: "the Ali display-ad raw_sample.csv (read it with read_raw_sample)",
    ("user_id", "merchant_id", "label"): "Tmall repeat buyers train_format1.csv",
    ("user_id", "merchant_id", "prob"): "Tmall repeat buyers test_format1.csv",
    ("user_id", "age_range", "gender", "merchant_id", "label", "activity_log"): (
        "Tmall repeat buyers data_format2 (use data_format1 instead)"
    ),
    ("adgroup_id", "cate_id", "campaign_id", "customer", "brand", "price"): (
        "the Ali display-ad ad_feature.csv"
    ),
    ("user", "time_stamp", "btag", "cate", "brand"): "the Ali display-ad behavior_log.csv",
    ("user_id", "item_id", "behavior_type", "user_geohash", "item_category", "time"): (
        "the older 2014 Tianchi mobile recommendation log (behavior_type 1-4), "
        "not Taobao UserBehavior"
    ),
}


# --------------------------------------------------------------------------- checks


def check_path(path: Any, fmt: _Format) -> Path:
    if not isinstance(path, str | os.PathLike):
        raise BadParameterError("path", path, "a file path (str or pathlib.Path)")
    p = Path(path).expanduser()
    hint = f"download {fmt.file_name} from {fmt.source}"
    if p.is_dir():
        inside = p / fmt.file_name
        suggestion = f"; did you mean {str(inside)!r}?" if inside.is_file() else ""
        raise IsADirectoryError(
            errno.EISDIR,
            f"is a folder, not a file; pass the path of {fmt.file_name}{suggestion}",
            str(p),
        )
    if not p.is_file():
        raise FileNotFoundError(
            errno.ENOENT, f"no such file; for {fmt.title} {hint}, then pass its path", str(p)
        )
    return p


def _check_nrows(nrows: Any) -> int | None:
    if nrows is None:
        return None
    if isinstance(nrows, bool) or not isinstance(nrows, int | np.integer) or nrows < 0:
        raise BadParameterError("nrows", nrows, "None or a whole number >= 0 (rows to read)")
    return int(nrows)


def _check_block_size(block_size_bytes: Any) -> int:
    if (
        isinstance(block_size_bytes, bool)
        or not isinstance(block_size_bytes, int | np.integer)
        or block_size_bytes < 1024
    ):
        raise BadParameterError(
            "block_size_bytes", block_size_bytes, "a whole number of bytes >= 1024"
        )
    return int(block_size_bytes)


def _check_flag(value: Any, name: str) -> bool:
    if not isinstance(value, bool | np.bool_):
        raise BadParameterError(name, value, "True or False")
    return bool(value)


def _check_choice(value: Any, name: str, allowed: Sequence[str]) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise BadParameterError(name, value, "one of " + ", ".join(allowed))
    return value


def _check_columns(columns: Any, available: Sequence[str]) -> list[str]:
    if columns is None:
        return list(available)
    if isinstance(columns, str) or not isinstance(columns, Iterable):
        raise BadParameterError("columns", columns, "None or a list of column names")
    cols = list(columns)
    unknown = [c for c in cols if c not in available]
    if unknown or not cols or len(set(cols)) != len(cols):
        raise BadParameterError(
            "columns",
            columns,
            "a non-empty list without repeats of: " + ", ".join(available),
        )
    return cols


def _read_head(path: Path, fmt: _Format) -> str:
    """The first bytes of ``path`` as text, after checking it is uncompressed UTF-8."""
    with path.open("rb") as fh:
        raw = fh.read(_SNIFF_BYTES)
    if not raw:
        raise WrongFileError(path, "the file is empty (0 bytes)", fmt.expected)
    if raw.startswith(b"PK\x03\x04"):
        raise WrongFileError(
            path, "this is a ZIP archive; unzip it first and pass the CSV inside", fmt.expected
        )
    if raw.startswith(b"PAR1"):
        raise WrongFileError(path, "this is a Parquet file, not CSV", fmt.expected)
    if raw.startswith(b"\x1f\x8b"):
        if path.suffix.lower() != ".gz":
            raise WrongFileError(
                path,
                "this file is gzip-compressed but its name does not end in .gz; "
                "rename it to *.gz or decompress it",
                fmt.expected,
            )
        with gzip.open(path, "rb") as fh:
            raw = fh.read(_SNIFF_BYTES)
        if not raw:
            raise WrongFileError(
                path, "the file is empty (no data once decompressed)", fmt.expected
            )
    complete = len(raw) < _SNIFF_BYTES
    text = raw.decode("utf-8", errors="replace")
    if "\ufffd" in text[:-4] or "\x00" in text:
        raise WrongFileError(path, "this is not a UTF-8 text (CSV) file", fmt.expected)
    if not complete:  # drop the line cut in the middle
        text = text[: text.rfind("\n") + 1] if "\n" in text else text
    return text.removeprefix("\ufeff")


def _fields(line: str) -> list[str]:
    return [f.strip().strip('"').strip() for f in line.split(",")]


def _identify(line: str) -> str:
    """A guess of what file a first line comes from, for error messages."""
    fields = tuple(f.lower() for f in _fields(line))
    if fields in _KNOWN_HEADERS:
        return f"; this looks like {_KNOWN_HEADERS[fields]}"
    if len(fields) == 5 and fields[3] in BEHAVIOR_TYPES and fields[0].isdigit():
        return "; this looks like Taobao UserBehavior data (read it with read_user_behavior)"
    if len(fields) == 7 and all(re.fullmatch(r"\d*", f) for f in fields) and fields[0]:
        return "; this looks like Tmall user_log_format1 data without its header line"
    return ""


def sniff(path: Path, fmt: _Format) -> int:
    """Check the first lines of a CSV file; return how many header lines to skip."""
    text = _read_head(path, fmt)
    lines = [(n, ln.rstrip("\r")) for n, ln in enumerate(text.split("\n"), start=1)]
    lines = [(n, ln) for n, ln in lines if ln.strip()][:_SNIFF_LINES]
    if not lines:
        raise WrongFileError(path, "the file has no lines (only blank space)", fmt.expected)
    first_no, first = lines[0]
    skip = 0
    got = tuple(_fields(first))
    if fmt.has_header:
        if got != fmt.columns:
            raise WrongFileError(
                path, f"line {first_no} is {first[:120]!r}{_identify(first)}", fmt.expected
            )
        skip = first_no
        data = lines[1:]
    elif tuple(f.lower() for f in got) == fmt.columns:
        skip = first_no  # a UserBehavior file someone saved with a header: accept it
        data = lines[1:]
    else:
        data = lines
    for n, line in data:
        fields = _fields(line)
        if len(fields) != len(fmt.columns):
            raise WrongFileError(
                path,
                f"line {n} is {line[:120]!r}, {len(fields)} fields instead of "
                f"{len(fmt.columns)}{_identify(line)}",
                fmt.expected,
            )
        for col, pattern, value in zip(fmt.columns, fmt.patterns, fields, strict=True):
            if not re.fullmatch(pattern, value):
                what = "empty" if value == "" else f"{value[:40]!r}"
                raise WrongFileError(
                    path,
                    f"line {n} is {line[:120]!r}: column {col!r} ({_COLUMN_ZH.get(col, col)}) "
                    f"is {what}{_identify(line)}",
                    fmt.expected,
                )
    return skip


# --------------------------------------------------------------------------- streaming


def _csv_batches(
    path: Path,
    fmt: _Format,
    *,
    skip_rows: int,
    include: Sequence[str],
    nrows: int | None,
    block_size_bytes: int,
) -> Iterator[tuple[int, pa.RecordBatch]]:
    """Yield ``(line number of the batch's first row, batch)`` with the format's types."""
    if nrows == 0:
        return
    read_options = pacsv.ReadOptions(
        column_names=list(fmt.columns), skip_rows=skip_rows, block_size=block_size_bytes
    )
    convert_options = pacsv.ConvertOptions(
        column_types={c: fmt.types[c] for c in include},
        include_columns=list(include),
        null_values=list(_NULLS),
        strings_can_be_null=True,
        quoted_strings_can_be_null=True,
    )
    line = skip_rows + 1
    remaining = nrows
    try:
        reader = pacsv.open_csv(path, read_options=read_options, convert_options=convert_options)
    except pa.ArrowInvalid as exc:
        raise WrongFileError(path, f"at or after line {line}: {exc}", fmt.expected) from None
    try:
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                break
            except pa.ArrowInvalid as exc:
                raise WrongFileError(
                    path, f"at or after line {line}: {exc}", fmt.expected
                ) from None
            if remaining is not None and batch.num_rows > remaining:
                batch = batch.slice(0, remaining)
            yield line, batch
            line += batch.num_rows
            if remaining is not None:
                remaining -= batch.num_rows
                if remaining <= 0:
                    break
    finally:
        reader.close()


def _check_not_null(path: Path, fmt: _Format, batch: pa.RecordBatch, where: Callable) -> None:
    for name in batch.schema.names:
        col = batch.column(name)
        if name not in fmt.nullable and col.null_count:
            i = int(np.argmax(pc.is_null(col).to_numpy(zero_copy_only=False)))
            raise WrongFileError(
                path,
                f"{where(i)}: column {name!r} ({_COLUMN_ZH.get(name, name)}) is empty",
                fmt.expected,
            )


def _check_codes(
    path: Path,
    fmt: _Format,
    batch: pa.RecordBatch,
    name: str,
    allowed: Sequence[int],
    where: Callable,
) -> None:
    if name not in batch.schema.names:
        return
    values = batch.column(name)
    unknown = pc.invert(pc.is_in(values, value_set=pa.array(allowed, values.type)))
    bad = pc.and_(unknown, pc.is_valid(values))  # empty values are checked elsewhere
    if pc.any(bad).as_py():
        i = int(np.argmax(bad.to_numpy(zero_copy_only=False)))
        raise WrongFileError(
            path,
            f"{where(i)}: column {name!r} ({_COLUMN_ZH.get(name, name)}) has value "
            f"{values[i].as_py()!r}, not one of {', '.join(map(str, allowed))}",
            fmt.expected,
        )


def _line_locator(first_line: int, prefix: str = "line") -> Callable[[int], str]:
    return lambda i: f"{prefix} {first_line + i}"


def _empty_batch(schema: pa.Schema) -> pa.RecordBatch:
    return pa.RecordBatch.from_arrays([pa.array([], type=f.type) for f in schema], schema=schema)


def _to_pandas(
    batches: list[pa.RecordBatch], schema: pa.Schema, nullable: Iterable[str] = ()
) -> pd.DataFrame:
    """One DataFrame from ``batches`` (emptied on the way), freeing Arrow memory as it goes."""
    table = pa.Table.from_batches(batches or [_empty_batch(schema)], schema=schema)
    batches.clear()
    nullable = [c for c in nullable if c in schema.names]
    extra = {}
    if nullable:
        extra = {
            c: table.select([c]).to_pandas(types_mapper=_nullable_ints.get)[c] for c in nullable
        }
        table = table.drop_columns(nullable)
    df = table.to_pandas(split_blocks=True, self_destruct=True)
    del table
    for c in nullable:
        df[c] = extra[c]
    return df[list(schema.names)]


_nullable_ints = {
    pa.int8(): pd.Int64Dtype(),
    pa.int16(): pd.Int64Dtype(),
    pa.int32(): pd.Int64Dtype(),
    pa.int64(): pd.Int64Dtype(),
}


# --------------------------------------------------------------------------- UserBehavior

_BEHAVIOR_DICTIONARY = pa.array(list(BEHAVIOR_TYPES), pa.string())
_UB_BATCH_SCHEMA = pa.schema(
    [
        ("user_id", pa.int64()),
        ("item_id", pa.int64()),
        ("category_id", pa.int64()),
        ("behavior_type", pa.dictionary(pa.int8(), pa.string())),
        ("timestamp", pa.int64()),
    ]
)
_UB_PARQUET_SCHEMA = pa.schema(
    [
        *list(_UB_BATCH_SCHEMA)[:4],
        ("timestamp", pa.timestamp("ms", tz=TZ)),  # Parquet has no seconds unit
    ],
    metadata={b"casekit.format": b"tianchi-649 Taobao UserBehavior"},
)


def window_bounds(window: Any) -> tuple[int, int] | None:
    """Unix seconds ``[start, end)`` of Beijing calendar days ``window`` (inclusive)."""
    if window is None:
        return None
    expected = (
        "None or two dates (first day, last day), Beijing calendar days, inclusive, "
        "e.g. ('2017-11-25', '2017-12-03')"
    )
    if isinstance(window, str) or not isinstance(window, Sequence) or len(window) != 2:
        raise BadParameterError("window", window, expected)
    days = []
    for value in window:
        if not isinstance(value, str | date | datetime | pd.Timestamp | np.datetime64):
            raise BadParameterError("window", window, expected)
        try:
            ts = pd.Timestamp(value)
        except (ValueError, TypeError):
            raise BadParameterError("window", window, expected) from None
        if pd.isna(ts):
            raise BadParameterError("window", window, expected)
        if ts.tzinfo is not None:
            ts = ts.tz_convert(TZ).tz_localize(None)
        if ts != ts.normalize():
            raise BadParameterError("window", window, expected + " without a time of day")
        days.append(ts)
    if days[0] > days[1]:
        raise BadParameterError("window", window, "a first day on or before the last day")
    start = days[0].tz_localize(TZ)
    end = (days[1] + pd.Timedelta(days=1)).tz_localize(TZ)
    return int(start.timestamp()), int(end.timestamp())


def is_parquet(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(4) == b"PAR1"


def _parquet_batches(
    path: Path, fmt: _Format, *, include: Sequence[str], nrows: int | None
) -> Iterator[tuple[int, pa.RecordBatch]]:
    try:
        pfile = pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise WrongFileError(path, f"cannot read it as Parquet ({exc})", fmt.expected) from None
    names = pfile.schema_arrow.names
    if sorted(names) != sorted(fmt.columns):
        raise WrongFileError(
            path,
            f"this Parquet file has columns {', '.join(names) or 'none'}",
            f"{fmt.title} as Parquet with columns {', '.join(fmt.columns)} "
            f"(made by user_behavior_to_parquet)",
        )
    return _parquet_rows(pfile, include, nrows)


def _parquet_rows(
    pfile: pq.ParquetFile, include: Sequence[str], nrows: int | None
) -> Iterator[tuple[int, pa.RecordBatch]]:
    if nrows == 0:
        return
    row = 1
    remaining = nrows
    for batch in pfile.iter_batches(batch_size=_PARQUET_BATCH_ROWS, columns=list(include)):
        if remaining is not None and batch.num_rows > remaining:
            batch = batch.slice(0, remaining)
        yield row, batch
        row += batch.num_rows
        if remaining is not None:
            remaining -= batch.num_rows
            if remaining <= 0:
                break


def _behavior_codes(path: Path, column: pa.Array, where: Callable) -> pa.DictionaryArray:
    """``behavior_type`` re-encoded on the fixed dictionary pv, cart, fav, buy (int8)."""
    if not pa.types.is_dictionary(column.type):
        if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
            raise WrongFileError(
                path,
                f"column 'behavior_type' (行为类型) has type {column.type}",
                "text pv, cart, fav or buy",
            )
        column = pc.dictionary_encode(column)
    seen = column.dictionary.to_pylist()
    mapping = np.array([BEHAVIOR_TYPES.index(v) if v in BEHAVIOR_TYPES else -1 for v in seen])
    indices = column.indices.to_numpy(zero_copy_only=False)
    codes = mapping[indices] if len(seen) else np.zeros(0, dtype=np.int64)
    bad = codes < 0
    if bad.any():
        i = int(np.argmax(bad))
        raise WrongFileError(
            path,
            f"{where(i)}: behavior_type (行为类型) is {seen[indices[i]]!r}",
            "behavior_type one of " + ", ".join(BEHAVIOR_TYPES) + " "
            f"(Taobao UserBehavior; a line looks like {USER_BEHAVIOR.example!r})",
        )
    return pa.DictionaryArray.from_arrays(pa.array(codes.astype(np.int8)), _BEHAVIOR_DICTIONARY)


def _normalise_user_behavior(path: Path, batch: pa.RecordBatch, where: Callable) -> pa.RecordBatch:
    """Fixed types: ids int64, behavior_type dictionary<int8>, timestamp int64 seconds."""
    fmt = USER_BEHAVIOR
    _check_not_null(path, fmt, batch, where)
    arrays, fields = [], []
    for name in batch.schema.names:
        col = batch.column(name)
        target = _UB_BATCH_SCHEMA.field(name)
        try:
            if name == "behavior_type":
                col = _behavior_codes(path, col, where)
            elif name == "timestamp" and pa.types.is_timestamp(col.type):
                col = col.cast(pa.timestamp("s", tz=col.type.tz)).cast(pa.int64())
            elif not pa.types.is_integer(col.type):
                raise WrongFileError(
                    path,
                    f"column {name!r} ({_COLUMN_ZH[name]}) has type {col.type}",
                    f"integers in column {name!r}",
                )
            else:
                col = col.cast(pa.int64())
            if name == "timestamp":
                _check_seconds(path, col, where)
        except pa.ArrowInvalid as exc:
            raise WrongFileError(
                path, f"column {name!r}: {exc}", f"whole numbers (seconds) in {name!r}"
            ) from None
        arrays.append(col)
        fields.append(target)
    return pa.RecordBatch.from_arrays(arrays, schema=pa.schema(fields))


def _check_seconds(path: Path, seconds: pa.Array, where: Callable) -> None:
    """Unix seconds pandas can hold (years 1677–2262); milliseconds fail with a clear message."""
    too_big = pc.greater(pc.abs(seconds), MAX_UNIX_SECONDS).to_numpy(zero_copy_only=False)
    if too_big.any():
        i = int(np.argmax(too_big))
        raise WrongFileError(
            path,
            f"{where(i)}: timestamp {seconds[i].as_py()} lies beyond the year 2262 as Unix "
            f"seconds; it looks like milliseconds (divide by 1000)",
            "Unix seconds in 'timestamp' (时间戳), e.g. 1511544070",
        )


def _user_behavior_batches(
    path: Path, *, include: Sequence[str], nrows: int | None, block_size_bytes: int
) -> Iterator[pa.RecordBatch]:
    """Normalised batches of a UserBehavior CSV or Parquet file; checks its start first."""
    fmt = USER_BEHAVIOR
    include = [c for c in fmt.columns if c in include]  # file order
    if is_parquet(path):
        source = _parquet_batches(path, fmt, include=include, nrows=nrows)
        prefix = "row"
    else:
        skip = sniff(path, fmt)
        source = _csv_batches(
            path,
            fmt,
            skip_rows=skip,
            include=include,
            nrows=nrows,
            block_size_bytes=block_size_bytes,
        )
        prefix = "line"
    return (
        _normalise_user_behavior(path, batch, _line_locator(first, prefix))
        for first, batch in source
    )


def _duplicate_positions(batches: list[pa.RecordBatch]) -> np.ndarray:
    """Sorted positions of the rows equal to an earlier row (all five columns), via DuckDB.

    DuckDB scans the Arrow batches in place (behavior_type by its code) plus one int64
    position column, groups the repeated rows and spills to disk when memory runs short.
    """
    import duckdb

    if sum(b.num_rows for b in batches) < 2:
        return np.empty(0, dtype=np.int64)
    chunks, offset = [], 0
    for batch in batches:
        arrays = [
            batch.column(name).indices if name == "behavior_type" else batch.column(name)
            for name in USER_BEHAVIOR.columns
        ]
        arrays.append(pa.array(np.arange(offset, offset + batch.num_rows, dtype=np.int64)))
        chunks.append(pa.RecordBatch.from_arrays(arrays, names=[*USER_BEHAVIOR.columns, "pos"]))
        offset += batch.num_rows
    keys = ", ".join(USER_BEHAVIOR.columns)
    con = duckdb.connect()
    try:
        con.execute("SET enable_progress_bar = false")
        con.register("ub_rows", pa.Table.from_batches(chunks))
        found = con.sql(
            f"WITH repeated AS (SELECT {keys}, min(pos) AS first FROM ub_rows "
            f"GROUP BY {keys} HAVING count(*) > 1) "
            f"SELECT ub_rows.pos FROM ub_rows JOIN repeated USING ({keys}) "
            f"WHERE ub_rows.pos > repeated.first ORDER BY ub_rows.pos"
        ).fetchnumpy()["pos"]
    finally:
        con.close()
    return np.asarray(found, dtype=np.int64)


def _drop_duplicates(batches: list[pa.RecordBatch]) -> int:
    """Remove exact duplicate rows (keeping the first) from ``batches`` in place."""
    dup_positions = _duplicate_positions(batches)
    offset = 0
    for i, batch in enumerate(batches):
        lo, hi = np.searchsorted(dup_positions, [offset, offset + batch.num_rows])
        if hi > lo:
            keep = np.ones(batch.num_rows, dtype=bool)
            keep[dup_positions[lo:hi] - offset] = False
            batches[i] = batch.filter(pa.array(keep))
        offset += batch.num_rows
    return int(dup_positions.size)


def _timestamps_to_datetime(batch: pa.RecordBatch, name: str) -> pa.RecordBatch:
    """Unix seconds (int64) -> timestamp[ns, Asia/Shanghai]."""
    i = batch.schema.get_field_index(name)
    if i < 0:
        return batch
    ts = batch.column(i).cast(pa.timestamp("s", tz=TZ)).cast(pa.timestamp("ns", tz=TZ))
    return batch.set_column(i, pa.field(name, ts.type), ts)


@overload
def read_user_behavior(
    path: str | os.PathLike[str],
    *,
    nrows: int | None = ...,
    columns: Sequence[str] | None = ...,
    window: tuple[Any, Any] | None = ...,
    drop_duplicates: bool = ...,
    report: Literal[False] = ...,
    block_size_bytes: int = ...,
) -> pd.DataFrame: ...


@overload
def read_user_behavior(
    path: str | os.PathLike[str],
    *,
    nrows: int | None = ...,
    columns: Sequence[str] | None = ...,
    window: tuple[Any, Any] | None = ...,
    drop_duplicates: bool = ...,
    report: Literal[True],
    block_size_bytes: int = ...,
) -> tuple[pd.DataFrame, UserBehaviorReport]: ...


def read_user_behavior(
    path,
    *,
    nrows=None,
    columns=None,
    window=USER_BEHAVIOR_WINDOW,
    drop_duplicates=True,
    report=False,
    block_size_bytes=DEFAULT_BLOCK_SIZE_BYTES,
):
    """Read Taobao UserBehavior (Tianchi dataset 649) from its CSV or a Parquet cache.

    ``path`` is ``UserBehavior.csv`` (no header: user_id, item_id, category_id,
    behavior_type, timestamp; a copy saved with exactly that header line is accepted) or a
    Parquet file made by ``user_behavior_to_parquet``. Returns ids as ``int64``,
    ``behavior_type`` as a category over pv, cart, fav, buy and ``timestamp`` (Unix seconds)
    as ``datetime64[ns, Asia/Shanghai]``, rows in file order.

    Cleaning, as documented quirks of the download: rows outside ``window`` (Beijing calendar
    days, inclusive; ``None`` keeps all) are dropped, then exact duplicate rows (first one
    kept) when ``drop_duplicates``. ``nrows`` limits the rows read from the file, before
    cleaning. ``columns`` selects output columns; cleaning still looks at the columns it needs
    (all five to find duplicates), so for a lean read of a few columns pass
    ``drop_duplicates=False``. With ``report=True`` returns ``(frame, UserBehaviorReport)``.

    Parameters
    ----------
    path : str or os.PathLike
        Path of the downloaded file (CSV or a Parquet cache).
    nrows : int or None
        Read at most this many rows (before cleaning); None: all.
    columns : sequence of str or None
        Output columns; None: all.
    window : tuple of date-like or None
        First and last Beijing day kept (inclusive); None keeps all.
    drop_duplicates : bool, optional
        True to drop exact duplicate rows (first kept).
    report : bool, optional
        True to also return a :class:`UserBehaviorReport`.
    block_size_bytes : int, optional
        Bytes read per block (memory use grows with it).

    Returns
    -------
    pandas.DataFrame or tuple
        The rows; with ``report=True`` also the cleaning report.
    """
    fmt = USER_BEHAVIOR
    p = check_path(path, fmt)
    nrows = _check_nrows(nrows)
    out_columns = _check_columns(columns, fmt.columns)
    bounds = window_bounds(window)
    drop_duplicates = _check_flag(drop_duplicates, "drop_duplicates")
    want_report = _check_flag(report, "report")
    block_size_bytes = _check_block_size(block_size_bytes)

    needed = set(out_columns)
    if bounds is not None:
        needed.add("timestamp")
    if drop_duplicates:
        needed.update(fmt.columns)

    batches: list[pa.RecordBatch] = []
    rows_read = outside = 0
    for batch in _user_behavior_batches(
        p, include=needed, nrows=nrows, block_size_bytes=block_size_bytes
    ):
        rows_read += batch.num_rows
        if bounds is not None:
            ts = batch.column("timestamp")
            inside = pc.and_(pc.greater_equal(ts, bounds[0]), pc.less(ts, bounds[1]))
            kept = batch.filter(inside)
            outside += batch.num_rows - kept.num_rows
            batch = kept
        batches.append(batch)
    duplicates = _drop_duplicates(batches) if drop_duplicates else 0

    schema = pa.schema([_UB_BATCH_SCHEMA.field(c) for c in out_columns])
    for i, batch in enumerate(batches):  # in place, so old buffers go one batch at a time
        batches[i] = _timestamps_to_datetime(batch.select(out_columns), "timestamp")
    if "timestamp" in out_columns:
        i = schema.get_field_index("timestamp")
        schema = schema.set(i, pa.field("timestamp", pa.timestamp("ns", tz=TZ)))
    df = _to_pandas(batches, schema)
    if "behavior_type" in df and list(df["behavior_type"].cat.categories) != list(
        BEHAVIOR_TYPES
    ):  # an empty result has no dictionary to take the categories from
        df["behavior_type"] = df["behavior_type"].cat.set_categories(list(BEHAVIOR_TYPES))
    if not want_report:
        return df
    return df, UserBehaviorReport(
        rows_read=rows_read,
        dropped_outside_window=outside,
        dropped_duplicates=duplicates,
        rows_kept=len(df),
    )


def user_behavior_to_parquet(
    csv_path: str | os.PathLike[str],
    parquet_path: str | os.PathLike[str],
    *,
    nrows: int | None = None,
    compression: str = "zstd",
    block_size_bytes: int = DEFAULT_BLOCK_SIZE_BYTES,
) -> Path:
    """Convert ``UserBehavior.csv`` once into a typed Parquet cache; return its path.

    Streams in blocks of ``block_size_bytes`` (memory stays around a few blocks, whatever the
    file size) and keeps every row, in order: cleaning (window, duplicates) happens when
    ``read_user_behavior`` reads the cache, so both paths give the same frame and report.
    ``timestamp`` is stored as a timestamp with time zone Asia/Shanghai (DuckDB reads it as
    TIMESTAMPTZ; ``SET TimeZone = 'Asia/Shanghai'`` shows Beijing time). The file is
    written to a temporary name beside ``parquet_path`` and moved into place at the end, so
    a failed or interrupted conversion leaves no partial file.

    Parameters
    ----------
    csv_path : str or os.PathLike
        Path of ``UserBehavior.csv``.
    parquet_path : str or os.PathLike
        Where to write the Parquet cache.
    nrows : int or None
        Read at most this many rows (before cleaning); None: all.
    compression : str, optional
        Parquet compression codec, e.g. ``'zstd'``.
    block_size_bytes : int, optional
        Bytes read per block (memory use grows with it).

    Returns
    -------
    pathlib.Path
        Path of the written Parquet file.
    """
    fmt = USER_BEHAVIOR
    src = check_path(csv_path, fmt)
    if not isinstance(parquet_path, str | os.PathLike):
        raise BadParameterError("parquet_path", parquet_path, "a file path (str or pathlib.Path)")
    dest = Path(parquet_path).expanduser()
    if dest.exists() and dest.resolve() == src.resolve():
        raise BadParameterError("parquet_path", parquet_path, "a different file from csv_path")
    if dest.is_dir():
        raise BadParameterError("parquet_path", parquet_path, "a file path, not a folder")
    nrows = _check_nrows(nrows)
    block_size_bytes = _check_block_size(block_size_bytes)
    compression = _check_choice(compression, "compression", _COMPRESSIONS)
    if is_parquet(src):
        raise WrongFileError(src, "this is already a Parquet file", fmt.expected)
    batches = _user_behavior_batches(  # checks the file's first lines now
        src, include=fmt.columns, nrows=nrows, block_size_bytes=block_size_bytes
    )
    dest.parent.mkdir(parents=True, exist_ok=True)
    # A hidden name beside the target (same file system, so os.replace is atomic), created
    # exclusively with the usual permissions (umask), unlike tempfile.mkstemp's 0600.
    tmp = dest.with_name(f".{dest.name}.{secrets.token_hex(6)}.tmp")
    tmp.touch(exist_ok=False)
    try:
        with pq.ParquetWriter(tmp, _UB_PARQUET_SCHEMA, compression=compression) as writer:
            pending: list[pa.RecordBatch] = []
            rows = 0
            for batch in batches:
                ts = batch.column("timestamp").cast(pa.timestamp("s", tz=TZ))
                pending.append(
                    batch.set_column(
                        4,
                        _UB_PARQUET_SCHEMA.field("timestamp"),
                        ts.cast(pa.timestamp("ms", tz=TZ)),
                    )
                )
                rows += batch.num_rows
                if rows >= _PARQUET_ROW_GROUP_ROWS:  # row groups of ~1M rows, not per block
                    writer.write_table(pa.Table.from_batches(pending), row_group_size=rows)
                    pending, rows = [], 0
            if pending:
                writer.write_table(pa.Table.from_batches(pending), row_group_size=rows)
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return dest


# --------------------------------------------------------------------------- other readers


def _read_csv(
    path: Any,
    fmt: _Format,
    *,
    include: Sequence[str],
    nrows: Any,
    block_size_bytes: Any,
    codes: dict[str, Sequence[int]],
    check: Callable[[Path, pa.RecordBatch, Callable], None] | None = None,
) -> list[pa.RecordBatch]:
    p = check_path(path, fmt)
    nrows = _check_nrows(nrows)
    block_size_bytes = _check_block_size(block_size_bytes)
    skip = sniff(p, fmt)
    include = [c for c in fmt.columns if c in include]
    batches = []
    for first, batch in _csv_batches(
        p, fmt, skip_rows=skip, include=include, nrows=nrows, block_size_bytes=block_size_bytes
    ):
        where = _line_locator(first)
        _check_not_null(p, fmt, batch, where)
        for name, allowed in codes.items():
            _check_codes(p, fmt, batch, name, allowed, where)
        if check is not None:
            check(p, batch, where)
        batches.append(batch)
    return batches


def _mmdd_dates(year: int) -> np.ndarray:
    """Lookup table: index ``mmdd`` (0..1231) -> that day of ``year`` (NaT if no such day)."""
    table = np.full(1232, np.datetime64("NaT"), dtype="datetime64[D]")
    days = np.arange(
        np.datetime64(f"{year}-01-01"), np.datetime64(f"{year + 1}-01-01"), dtype="datetime64[D]"
    )
    months = days.astype("datetime64[M]").astype(int) % 12 + 1
    day_of_month = (days - days.astype("datetime64[M]")).astype(int) + 1
    table[months * 100 + day_of_month] = days
    return table


def read_user_log(
    path: str | os.PathLike[str],
    *,
    year: int = 2015,
    nrows: int | None = None,
    columns: Sequence[str] | None = None,
    block_size_bytes: int = DEFAULT_BLOCK_SIZE_BYTES,
) -> pd.DataFrame:
    """Read Tmall repeat buyers ``user_log_format1.csv`` (IJCAI-15, Tianchi dataset 42).

    Columns: user_id, item_id, cat_id, seller_id (``int64``), brand_id (nullable ``Int64``;
    missing in the data), time_stamp (``int16``, the file's ``mmdd``, e.g. 1111 for
    11 November), date (``datetime64[ns]``, midnight of that day in ``year``), action_type
    (``int8`` code) and action (category click, cart, buy, fav for codes 0-3). The file has
    no year: the competition data cover the six months up to and including Double 11 (双11)
    of 2015, hence ``year=2015``. ``columns`` picks output columns (``date`` and ``action``
    included); ``nrows`` limits rows read.

    Parameters
    ----------
    path : str or os.PathLike
        Path of the downloaded file (CSV or a Parquet cache).
    year : int, optional
        Year the ``time_stamp`` (MMDD) days belong to.
    nrows : int or None
        Read at most this many rows (before cleaning); None: all.
    columns : sequence of str or None
        Output columns; None: all.
    block_size_bytes : int, optional
        Bytes read per block (memory use grows with it).

    Returns
    -------
    pandas.DataFrame
        The rows, typed as documented above.
    """
    fmt = _USER_LOG
    if (
        isinstance(year, bool)
        or not isinstance(year, int | np.integer)
        or not (1970 <= year <= 2100)
    ):
        raise BadParameterError("year", year, "a year such as 2015 (the file stores only mmdd)")
    output = ["user_id", "item_id", "cat_id", "seller_id", "brand_id", "time_stamp", "date",
              "action_type", "action"]  # fmt: skip
    out_columns = _check_columns(columns, output)
    needed = {c for c in out_columns if c in fmt.columns}
    if "date" in out_columns:
        needed.add("time_stamp")
    if "action" in out_columns:
        needed.add("action_type")
    dates = _mmdd_dates(int(year))

    def check_mmdd(p: Path, batch: pa.RecordBatch, where: Callable) -> None:
        if "time_stamp" not in batch.schema.names:
            return
        mmdd = batch.column("time_stamp").to_numpy(zero_copy_only=False)
        valid = (mmdd >= 0) & (mmdd < dates.size)
        valid[valid] = ~np.isnat(dates[mmdd[valid]])
        if not valid.all():
            i = int(np.argmin(valid))
            raise WrongFileError(
                p,
                f"{where(i)}: time_stamp (时间戳) is {int(mmdd[i])}, not a day (mmdd) of {year}",
                "time_stamp as mmdd, e.g. 1111 for 11 November (双11)",
            )

    batches = _read_csv(
        path,
        fmt,
        include=needed,
        nrows=nrows,
        block_size_bytes=block_size_bytes,
        codes={"action_type": range(len(ACTION_TYPES))},
        check=check_mmdd,
    )
    schema = pa.schema([(c, fmt.types[c]) for c in fmt.columns if c in needed])
    df = _to_pandas(batches, schema, nullable=["brand_id"])
    if "date" in out_columns:
        mmdd = df["time_stamp"].to_numpy()
        df["date"] = pd.Series(dates[mmdd].astype("datetime64[ns]"), index=df.index)
    if "action" in out_columns:
        df["action"] = pd.Categorical.from_codes(
            df["action_type"].to_numpy(), categories=list(ACTION_TYPES)
        )
    return df[out_columns]


def read_user_info(
    path: str | os.PathLike[str],
    *,
    nrows: int | None = None,
    columns: Sequence[str] | None = None,
    block_size_bytes: int = DEFAULT_BLOCK_SIZE_BYTES,
) -> pd.DataFrame:
    """Read Tmall repeat buyers ``user_info_format1.csv`` (IJCAI-15, Tianchi dataset 42).

    Columns: user_id (``int64``), age_range and gender (nullable ``Int64`` codes as in the
    file, empty -> ``<NA>``), age_label (category ``AGE_LABELS``: under 18, 18-24, …, 40-49,
    50+ for codes 7 and 8, unknown for 0 or empty) and gender_label (category female, male,
    unknown for codes 0, 1, 2 or empty). Chinese labels: ``AGE_LABELS_ZH``,
    ``GENDER_LABELS_ZH``.

    Parameters
    ----------
    path : str or os.PathLike
        Path of the downloaded file (CSV or a Parquet cache).
    nrows : int or None
        Read at most this many rows (before cleaning); None: all.
    columns : sequence of str or None
        Output columns; None: all.
    block_size_bytes : int, optional
        Bytes read per block (memory use grows with it).

    Returns
    -------
    pandas.DataFrame
        The rows, typed as documented above.
    """
    fmt = _USER_INFO
    output = ["user_id", "age_range", "gender", "age_label", "gender_label"]
    out_columns = _check_columns(columns, output)
    needed = {c for c in out_columns if c in fmt.columns}
    if "age_label" in out_columns:
        needed.add("age_range")
    if "gender_label" in out_columns:
        needed.add("gender")
    batches = _read_csv(
        path,
        fmt,
        include=needed,
        nrows=nrows,
        block_size_bytes=block_size_bytes,
        codes={"age_range": range(9), "gender": range(3)},
    )
    schema = pa.schema([(c, fmt.types[c]) for c in fmt.columns if c in needed])
    df = _to_pandas(batches, schema, nullable=["age_range", "gender"])
    if "age_label" in out_columns:
        code_of = np.array([AGE_LABELS.index(AGE_RANGE_LABELS[k]) for k in range(9)])
        codes = df["age_range"].fillna(0).to_numpy(dtype=np.int64)
        df["age_label"] = pd.Categorical.from_codes(code_of[codes], categories=list(AGE_LABELS))
    if "gender_label" in out_columns:
        codes = df["gender"].fillna(2).to_numpy(dtype=np.int64)
        df["gender_label"] = pd.Categorical.from_codes(codes, categories=list(GENDER_LABELS))
    return df[out_columns]


def read_raw_sample(
    path: str | os.PathLike[str],
    *,
    nrows: int | None = None,
    columns: Sequence[str] | None = None,
    block_size_bytes: int = DEFAULT_BLOCK_SIZE_BYTES,
) -> pd.DataFrame:
    """Read the Ali display-ad ``raw_sample.csv`` (Tianchi dataset 56).

    Columns as in the file: user and adgroup_id (``int64``), time_stamp (Unix seconds ->
    ``datetime64[ns, Asia/Shanghai]``), pid (category, the ad placement 资源位; categories
    sorted) and nonclk, clk (``int8`` 0/1, so ``df["clk"].mean()`` is the CTR and sums
    count clicks).

    Parameters
    ----------
    path : str or os.PathLike
        Path of the downloaded file (CSV or a Parquet cache).
    nrows : int or None
        Read at most this many rows (before cleaning); None: all.
    columns : sequence of str or None
        Output columns; None: all.
    block_size_bytes : int, optional
        Bytes read per block (memory use grows with it).

    Returns
    -------
    pandas.DataFrame
        The rows, typed as documented above.
    """
    fmt = _RAW_SAMPLE
    out_columns = _check_columns(columns, fmt.columns)
    batches = _read_csv(
        path,
        fmt,
        include=out_columns,
        nrows=nrows,
        block_size_bytes=block_size_bytes,
        codes={"nonclk": (0, 1), "clk": (0, 1)},
    )
    fields = []
    for c in fmt.columns:
        if c in out_columns:
            kind = pa.timestamp("ns", tz=TZ) if c == "time_stamp" else fmt.types[c]
            fields.append(pa.field(c, kind))
    batches = [_timestamps_to_datetime(b, "time_stamp") for b in batches]
    if "pid" in out_columns:  # one dictionary type for all batches
        i = [f.name for f in fields].index("pid")
        fields[i] = pa.field("pid", _DICT)
    df = _to_pandas(batches, pa.schema(fields))
    if "pid" in df:
        categories = sorted(df["pid"].cat.categories)
        df["pid"] = df["pid"].cat.reorder_categories(categories)
    return df[out_columns]
