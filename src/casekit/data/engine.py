"""Where event-log analyses run: DuckDB over a DataFrame or a Parquet cache, or your engine.

Every event-log analysis in casekit (``stage_counts``, ``aipl_states``, ``rfm_scores``,
``cohort_retention`` …) is written once, as SQL over a *relation* with the columns

==============  =========================================================================
``user_id``     user id (BIGINT; for a DataFrame, the rank of the id, decoded afterwards)
``b``           behaviour code: 0 pv, 1 cart, 2 fav, 3 buy
``ts``          Unix seconds (BIGINT)
``item_id``…    further columns when the analysis needs them (category_id, amount, keys)
==============  =========================================================================

plus a small pandas step on the (small) aggregated result. This module builds that relation
from what the caller passes and runs the SQL:

* a pandas DataFrame → DuckDB reads it in place (``con.register``), no copy to disk;
* a path to the raw ``UserBehavior.csv`` (or its Parquet copy) → a cleaned Parquet cache is
  built once beside it (:func:`open_events`), then DuckDB scans that;
* an :class:`EventSource` (what :func:`open_events` returns);
* a :class:`SqlTable` → your own SQL engine (e.g. Spark): casekit sends it the same SQL.

Beijing time: day and hour are computed as ``floor((ts + 8 h) / 1 day)`` and
``floor((ts + 8 h) / 1 h) mod 24``. China has kept UTC+8 without daylight saving since
1991, so for any log after that this equals the Asia/Shanghai calendar exactly, and it is
plain integer arithmetic that every SQL engine evaluates the same way.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from casekit._checks import BEHAVIOR_TYPES, event_log
from casekit.errors import BadParameterError, SchemaViolationError, WrongFileError

__all__ = [
    "BEIJING_UTC_OFFSET_S",
    "CACHE_SUFFIX",
    "DEFAULT_MEMORY_LIMIT_MB",
    "EventSource",
    "SqlTable",
    "day_sql",
    "hour_sql",
    "is_source",
    "open_events",
]

BEIJING_UTC_OFFSET_S = 8 * 3600
"""Beijing time is UTC+8 all year (no daylight saving since 1991)."""
CACHE_SUFFIX = ".casekit.parquet"
"""Name of the cache built beside a raw file: ``UserBehavior.csv.casekit.parquet``."""
DEFAULT_MEMORY_LIMIT_MB = 800
"""DuckDB's memory limit for on-disk sources; it spills to disk beyond it (slower).

800 MB lets the one-pass per-user aggregation of the full 100M-row log (~1M users) stay in
memory; at 512 MB DuckDB partitions it to disk and takes about twice as long.
"""
_CACHE_FORMAT = "casekit-events/1"
_RANGE_ROWS = 8_000_000  # rows per user-id range when de-duplicating (bounded memory)
_ROW_GROUP_ROWS = 1 << 20
_BEHAVIOR_CODE_SQL = (
    "CASE {col} WHEN 'pv' THEN 0 WHEN 'cart' THEN 1 WHEN 'fav' THEN 2 WHEN 'buy' THEN 3 END"
)


def day_sql(ts: str = "ts") -> str:
    """SQL for the Beijing calendar day of Unix seconds ``ts``: days since 1970-01-01.

    Parameters
    ----------
    ts : str
        SQL expression (usually a column name) holding Unix seconds.

    Returns
    -------
    str
        A BIGINT SQL expression: Beijing calendar days since 1970-01-01 (day 0).
    """
    return f"CAST(floor(({ts} + {BEIJING_UTC_OFFSET_S}) / 86400) AS BIGINT)"


def hour_sql(ts: str = "ts") -> str:
    """SQL for the Beijing hour of day (0–23) of Unix seconds ``ts``.

    Parameters
    ----------
    ts : str
        SQL expression (usually a column name) holding Unix seconds.

    Returns
    -------
    str
        An SQL expression for the Beijing hour of day, 0–23.
    """
    hours = f"CAST(floor(({ts} + {BEIJING_UTC_OFFSET_S}) / 3600) AS BIGINT)"
    return f"((({hours}) % 24) + 24) % 24"


def day_of_ts(seconds: int) -> int:
    """The Beijing day number (as ``day_sql`` counts them) of Unix seconds, in Python."""
    return (seconds + BEIJING_UTC_OFFSET_S) // 86_400


def select_sql(columns: dict[str, str]) -> str:
    """``expr AS name, …`` for a mapping name → SQL expression."""
    return ", ".join(f"{expr} AS {name}" for name, expr in columns.items())


def day_number(day: pd.Timestamp) -> int:
    """Days since 1970-01-01 of a naive (Beijing) midnight, as ``day_sql`` counts them."""
    return int((day - pd.Timestamp("1970-01-01")) // pd.Timedelta(days=1))


def days_to_datetimes(days: Any) -> np.ndarray:
    """Day numbers → naive midnights (datetime64[ns]); NaN/None → NaT."""
    values = pd.array(days, dtype="Float64").to_numpy(dtype="float64", na_value=np.nan)
    out = np.full(values.shape, np.datetime64("NaT"), dtype="datetime64[ns]")
    ok = ~np.isnan(values)
    out[ok] = (values[ok].astype("int64") * 86_400_000_000_000).astype("datetime64[ns]")
    return out


# --------------------------------------------------------------------------- relations


@dataclass
class Relation:
    """An event log as a SQL table expression plus the means to run SQL on it."""

    table: str
    run: Callable[[str], pd.DataFrame]
    dialect: str
    user_values: np.ndarray | None = None  # DataFrame input: user codes → original ids
    key_values: dict[str, pd.Index] = field(default_factory=dict)  # k_<name> → values
    on_close: Callable[[], None] | None = None
    # Faster max/min(ts) than a scan, e.g. from Parquet statistics; None: scan.
    last_ts: Callable[[], int | None] | None = None
    first_ts: Callable[[], int | None] | None = None

    def max_ts(self) -> int | None:
        """The latest event time (Unix seconds), None for no events."""
        if self.last_ts is not None:
            return self.last_ts()
        return self._ts("max")

    def min_ts(self) -> int | None:
        """The earliest event time (Unix seconds), None for no events."""
        if self.first_ts is not None:
            return self.first_ts()
        return self._ts("min")

    def _ts(self, how: str) -> int | None:
        value = self.query(f"SELECT {how}(ts) AS t FROM {{events}}")["t"].iloc[0]
        return None if pd.isna(value) else int(value)

    def query(self, sql: str) -> pd.DataFrame:
        return self.run(sql.replace("{events}", self.table))

    def users(self, codes: Any) -> Any:
        """User ids as the caller gave them (a DataFrame's ids are ranked for the engine)."""
        codes = np.asarray(codes, dtype="int64")
        return codes if self.user_values is None else self.user_values[codes]

    def decode(self, name: str, codes: Any) -> Any:
        """Group-key values as the caller gave them, dtype kept (e.g. a category stays one)."""
        values = self.key_values.get(name)
        codes = np.asarray(codes)
        return codes if values is None else values.take(codes.astype("int64"))

    def close(self) -> None:
        if self.on_close is not None:
            self.on_close()
            self.on_close = None

    def __enter__(self) -> Relation:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _duckdb(threads: int | None = None, memory_limit_mb: int | None = None):
    import duckdb

    config: dict[str, Any] = {}
    if threads is not None:
        config["threads"] = threads
    if memory_limit_mb is not None:
        config["memory_limit"] = f"{memory_limit_mb}MB"
    con = duckdb.connect(config=config)
    con.execute("SET enable_progress_bar = false")
    return con


def _run_duckdb(con) -> Callable[[str], pd.DataFrame]:
    return lambda sql: con.sql(sql).df()


def _factorize(values: pd.Series, name: str, what: str) -> tuple[np.ndarray, Any]:
    """Codes 0..n-1 in sorted order of the values, and the sorted values."""
    codes, uniques = pd.factorize(values, sort=True)
    if (codes < 0).any():
        raise SchemaViolationError(
            f"column {name!r} of {what} has missing values; drop or fill them first",
            column=name,
        )
    return codes.astype("int64"), uniques


def frame_relation(
    users: pd.Series,
    codes: np.ndarray,
    seconds: np.ndarray,
    extra: dict[str, pd.Series],
    amount: np.ndarray | None,
    what: str,
) -> Relation:
    """A DuckDB relation of in-memory events: user ids, behaviour codes ``b`` (0 pv … 3 buy),
    Unix seconds ``ts``, grouping keys ``k_<name>`` from ``extra`` and an optional ``amount``
    (CNY). Ids and keys are coded 0..n-1 in sorted order; ``rel.decode`` turns them back.
    """
    user_codes, user_ids = _factorize(users, "user_id", what)
    user_values = np.asarray(user_ids)  # numpy ids, as a pandas group-by index gives them
    cols: dict[str, Any] = {"user_id": user_codes, "b": codes.astype("int8"), "ts": seconds}
    key_values: dict[str, pd.Index] = {}
    for name, values in extra.items():
        cols[f"k_{name}"], uniques = _factorize(values, name, what)
        key_values[f"k_{name}"] = pd.Index(uniques)  # decoded keys keep their dtype
    if amount is not None:
        cols["amount"] = amount.astype("float64")
    frame = pd.DataFrame(cols)
    con = _duckdb()
    con.register("casekit_events", frame)
    return Relation(
        table="casekit_events",
        run=_run_duckdb(con),
        dialect="duckdb",
        user_values=user_values,
        key_values=key_values,
        on_close=con.close,
    )


def unix_seconds(ts: pd.Series) -> np.ndarray:
    """Whole Unix seconds (floored) of tz-aware date-times; missing ones are an error."""
    if ts.isna().any():
        raise SchemaViolationError(
            f"column {ts.name!r} (时间) has missing date-times; drop or fill those rows first",
            column=str(ts.name),
        )
    ns = ts.dt.tz_convert("UTC").array.asi8
    return np.floor_divide(ns, 1_000_000_000)


def is_source(events: Any) -> bool:
    """True for an on-disk or engine source (path, EventSource, SqlTable), not a DataFrame.

    Parameters
    ----------
    events : Any
        An event log in any accepted form.

    Returns
    -------
    bool
        ``True`` for a ``str``/``os.PathLike`` path, an ``EventSource`` or a ``SqlTable``;
        ``False`` otherwise (e.g. a DataFrame).
    """
    return isinstance(events, str | os.PathLike | EventSource | SqlTable)


def relation(
    events: Any,
    *,
    keys: Sequence[str] = (),
    what: str = "the event log",
) -> Relation:
    """The relation of an event log: a DataFrame, a path, an EventSource or a SqlTable.

    ``keys`` are further log columns an analysis groups by (``category_id``, ``item_id`` or,
    for a DataFrame, any column); they appear as ``k_<name>``.
    """
    if isinstance(events, SqlTable):
        return events._relation(keys)
    if isinstance(events, str | os.PathLike):
        events = open_events(events)
    if isinstance(events, EventSource):
        return events._relation(keys)
    log = event_log(events, what=what)
    extra = {name: log[name] for name in keys}
    return frame_relation(
        log["user_id"],
        log["behavior_type"].cat.codes.to_numpy(),
        unix_seconds(log["timestamp"]),
        extra,
        None,
        what,
    )


def order_relation(
    users: pd.Series, times: pd.Series, amount: np.ndarray | None, what: str
) -> Relation:
    """A relation of an order table: every row a ``buy`` (b = 3) at ``times``."""
    codes = np.full(len(users), 3, dtype="int8")
    return frame_relation(users, codes, unix_seconds(times), {}, amount, what)


# --------------------------------------------------------------------------- other engines


@dataclass(frozen=True)
class SqlTable:
    """A UserBehavior table in another SQL engine (Spark, a warehouse), queried by casekit.

    ``run`` takes a SQL string and returns a pandas DataFrame, e.g. for Spark
    ``lambda sql: spark.sql(sql).toArrow().to_pandas()`` (see docs/distributed.md).
    ``table`` names a table or view with the raw columns ``user_id, item_id, category_id,
    behavior_type`` (text) and ``timestamp`` (Unix seconds). Rows outside ``window``
    (Beijing days, inclusive; None keeps all) and exact duplicates (when
    ``drop_duplicates``) are left out inside the query, as the local cache does.
    ``dialect`` is ``"spark"`` (backtick quotes) or ``"duckdb"``.
    """

    run: Callable[[str], pd.DataFrame]
    table: str
    dialect: str = "spark"
    window: tuple[Any, Any] | None = ("2017-11-25", "2017-12-03")
    drop_duplicates: bool = True

    def __post_init__(self) -> None:
        if not callable(self.run):
            raise BadParameterError("run", self.run, "a function: SQL text -> pandas DataFrame")
        if not isinstance(self.table, str) or not self.table.strip():
            raise BadParameterError("table", self.table, "the name of a table or view")
        if self.dialect not in ("spark", "duckdb"):
            raise BadParameterError("dialect", self.dialect, "'spark' or 'duckdb'")

    def _relation(self, keys: Sequence[str]) -> Relation:
        from casekit.data.tianchi import window_bounds

        for name in keys:
            if name not in ("item_id", "category_id"):
                raise BadParameterError(
                    "by", name, "'day', 'hour', 'item_id' or 'category_id' for a SQL table"
                )
        q = "`" if self.dialect == "spark" else '"'
        ts = f"CAST({q}timestamp{q} AS BIGINT)"
        where = ""
        bounds = window_bounds(self.window)
        if bounds is not None:
            where = f" WHERE {ts} >= {bounds[0]} AND {ts} < {bounds[1]}"
        distinct = "DISTINCT " if self.drop_duplicates else ""
        code = _BEHAVIOR_CODE_SQL.format(col="behavior_type")
        table = (
            f"(SELECT {distinct}user_id, item_id, category_id, {code} AS b, {ts} AS ts"
            f"{''.join(f', {k} AS k_{k}' for k in keys)} FROM {self.table}{where}) AS ev"
        )
        return Relation(
            table=table,
            run=self.run,
            dialect=self.dialect,
        )


# --------------------------------------------------------------------------- Parquet cache


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


@dataclass(frozen=True)
class EventSource:
    """A cleaned UserBehavior log on disk (a casekit Parquet cache), made by ``open_events``.

    ``report`` says what cleaning dropped from the raw file. Columns of the file:
    ``user_id, item_id, category_id`` (int64), ``b`` (int8: 0 pv, 1 cart, 2 fav, 3 buy) and
    ``ts`` (int64 Unix seconds), sorted by user_id, ts, item_id, category_id, b.
    """

    path: Path
    rows: int
    report: Any  # casekit.data.tianchi.UserBehaviorReport
    window: tuple[str, str] | None
    threads: int | None = None
    memory_limit_mb: int = DEFAULT_MEMORY_LIMIT_MB

    def _relation(self, keys: Sequence[str]) -> Relation:
        for name in keys:
            if name not in ("item_id", "category_id"):
                raise BadParameterError(
                    "by",
                    name,
                    "'day', 'hour', 'item_id' or 'category_id' for an on-disk log",
                )
        con = _duckdb(self.threads, self.memory_limit_mb)
        extra = "".join(f", {k} AS k_{k}" for k in keys)
        table = (
            f"(SELECT user_id, item_id, category_id, b, ts{extra} "
            f"FROM read_parquet({_sql_string(str(self.path))}))"
        )
        return Relation(
            table=table,
            run=_run_duckdb(con),
            dialect="duckdb",
            on_close=con.close,
            last_ts=lambda: self._ts_stat("max"),
            first_ts=lambda: self._ts_stat("min"),
        )

    def _ts_stat(self, how: str) -> int | None:
        """max or min of ts from the Parquet row-group statistics, without reading the data."""
        import pyarrow.parquet as pq

        meta = pq.ParquetFile(self.path).metadata
        column = meta.schema.names.index("ts")
        values = []
        for i in range(meta.num_row_groups):
            stats = meta.row_group(i).column(column).statistics
            if stats is None or not stats.has_min_max:
                with self._relation(()) as rel:  # no statistics: scan the column
                    return rel._ts(how)
            values.append(stats.max if how == "max" else stats.min)
        if not values:
            return None
        return int(max(values) if how == "max" else min(values))

    def to_pandas(self, nrows: int | None = None) -> pd.DataFrame:
        """The cleaned log in the UserBehavior schema (``timestamp`` in Beijing time)."""
        import pyarrow.parquet as pq

        table = pq.read_table(self.path)
        if nrows is not None:
            table = table.slice(0, nrows)
        return _userbehavior_frame(table.to_pandas())

    def sample_users(self, per_mille: int) -> pd.DataFrame:
        """All events of about ``per_mille`` in 1,000 users, in the UserBehavior schema.

        Users are picked by a hash of ``user_id`` (the same ones on every run), and each is
        wholly in or out, so user-level statistics of the sample estimate the whole log's
        without loading it (the full Tianchi log has about 1M users and 100M rows).
        """
        from casekit._checks import number

        keep = int(number(per_mille, "per_mille", zh="每千名用户抽取数", minimum=1,
                          maximum=1000, integer=True))
        con = _duckdb(self.threads, self.memory_limit_mb)
        try:
            raw = con.sql(
                "SELECT user_id, item_id, category_id, b, ts "
                f"FROM read_parquet({_sql_string(str(self.path))}) "
                f"WHERE hash(user_id) % 1000 < {keep} ORDER BY user_id, ts, item_id, b"
            ).df()
        finally:
            con.close()
        return _userbehavior_frame(raw)


def _userbehavior_frame(raw: pd.DataFrame) -> pd.DataFrame:
    """Cache columns (user_id, item_id, category_id, b, ts) → the UserBehavior schema."""
    return pd.DataFrame(
        {
            "user_id": raw["user_id"].astype("int64"),
            "item_id": raw["item_id"].astype("int64"),
            "category_id": raw["category_id"].astype("int64"),
            "behavior_type": pd.Categorical.from_codes(
                raw["b"].astype("int8"), categories=list(BEHAVIOR_TYPES)
            ),
            "timestamp": pd.to_datetime(raw["ts"], unit="s", utc=True)
            .dt.tz_convert("Asia/Shanghai")
            .astype("datetime64[ns, Asia/Shanghai]"),
        }
    )


def _fingerprint(path: Path) -> dict[str, Any]:
    st = path.stat()
    return {"name": path.name, "bytes": st.st_size, "mtime_ns": st.st_mtime_ns}


def _read_cache(path: Path) -> tuple[dict[str, Any], int] | None:
    """The casekit metadata and row count of a cache file, or None if it is not one."""
    import pyarrow.parquet as pq

    try:
        meta = pq.ParquetFile(path).metadata
    except Exception:
        return None
    kv = meta.metadata or {}
    if kv.get(b"casekit.format") != _CACHE_FORMAT.encode():
        return None
    return json.loads(kv[b"casekit.info"]), meta.num_rows


def _source_from_cache(path: Path, info: dict[str, Any], rows: int, **opts: Any) -> EventSource:
    from casekit.data.tianchi import UserBehaviorReport

    window = tuple(info["window"]) if info["window"] is not None else None
    return EventSource(
        path=path, rows=rows, report=UserBehaviorReport(**info["report"]), window=window, **opts
    )


def open_events(
    path: str | os.PathLike[str] | EventSource,
    *,
    window: tuple[Any, Any] | None = ("2017-11-25", "2017-12-03"),
    cache_path: str | os.PathLike[str] | None = None,
    rebuild: bool = False,
    progress: bool = True,
    threads: int | None = None,
    memory_limit_mb: int = DEFAULT_MEMORY_LIMIT_MB,
) -> EventSource:
    """Open a Taobao UserBehavior log on disk for the event-log analyses.

    ``path`` is the raw ``UserBehavior.csv`` (also ``.csv.gz``, or the Parquet copy made by
    ``tianchi.user_behavior_to_parquet``) or a casekit cache. A raw file is cleaned once into
    a Parquet cache (default: beside it, ``<name>.casekit.parquet``), reused while the raw
    file's size and modification time and ``window`` stay the same (``rebuild=True`` forces
    a new one). Cleaning, as documented quirks of the download: events outside ``window``
    (Beijing calendar days, inclusive) are dropped, then exact duplicate rows; the
    counts are in ``EventSource.report``. Memory stays near ``memory_limit_mb`` (DuckDB
    spills to a temporary folder beyond it); ``progress`` shows a bar on stderr.

    Parameters
    ----------
    path : str, os.PathLike or EventSource
        Raw log, its Parquet copy, or a casekit cache; an ``EventSource`` is returned as is.
    window : tuple of two dates or None
        First and last Beijing calendar day to keep, inclusive (default the dataset's
        2017-11-25 to 2017-12-03); ``None`` keeps every day.
    cache_path : str, os.PathLike or None
        Where to write the cache; ``None`` puts it beside ``path``. Must differ from ``path``.
    rebuild : bool
        Rebuild the cache even when a matching one exists.
    progress : bool
        Show a progress bar on stderr while cleaning.
    threads : int or None
        DuckDB worker threads (≥ 1); ``None`` uses all cores.
    memory_limit_mb : int
        DuckDB memory limit in MB (≥ 64).

    Returns
    -------
    EventSource
        The cleaned log (a Parquet cache) with its row count, window and cleaning ``report``.
    """
    from casekit.data import tianchi

    if isinstance(path, EventSource):
        return path
    if not isinstance(progress, bool):
        raise BadParameterError("progress", progress, "True or False")
    if not isinstance(rebuild, bool):
        raise BadParameterError("rebuild", rebuild, "True or False")
    if (
        isinstance(memory_limit_mb, bool)
        or not isinstance(memory_limit_mb, int)
        or memory_limit_mb < 64
    ):
        raise BadParameterError("memory_limit_mb", memory_limit_mb, "a whole number >= 64 (MB)")
    if threads is not None and (
        isinstance(threads, bool) or not isinstance(threads, int) or threads < 1
    ):
        raise BadParameterError("threads", threads, "None (all cores) or a whole number >= 1")
    src = tianchi.check_path(path, tianchi.USER_BEHAVIOR)
    opts = {"threads": threads, "memory_limit_mb": memory_limit_mb}
    cached = _read_cache(src)
    if cached is not None:  # already a cache
        return _source_from_cache(src, *cached, **opts)
    bounds = tianchi.window_bounds(window)
    window_days = None if window is None else [str(pd.Timestamp(d).date()) for d in window]
    dest = Path(cache_path).expanduser() if cache_path is not None else None
    if dest is None:
        dest = src.with_name(src.name + CACHE_SUFFIX)
    if dest.exists() and dest.resolve() == src.resolve():
        raise BadParameterError("cache_path", cache_path, "a different file from path")
    if not rebuild and dest.is_file():
        cached = _read_cache(dest)
        if (
            cached is not None
            and cached[0].get("source") == _fingerprint(src)
            and cached[0].get("window") == window_days
        ):
            return _source_from_cache(dest, *cached, **opts)
    _build_cache(src, dest, bounds, window_days, progress, threads, memory_limit_mb)
    cached = _read_cache(dest)
    assert cached is not None
    return _source_from_cache(dest, *cached, **opts)


def _raw_select(src: Path) -> str:
    """SQL reading the raw file as ``user_id, item_id, category_id, b, ts`` (checked)."""
    from casekit.data import tianchi

    fmt = tianchi.USER_BEHAVIOR
    bad = (
        "error('behavior_type (行为类型) is ' || coalesce('''' || behavior_type || '''', 'empty')"
        " || '; expected pv, cart, fav or buy (Taobao UserBehavior)')"
    )
    code = _BEHAVIOR_CODE_SQL.format(col="behavior_type").replace(" END", f" ELSE {bad} END")
    if tianchi.is_parquet(src):
        import pyarrow.parquet as pq

        schema = pq.ParquetFile(src).schema_arrow
        if sorted(schema.names) != sorted(fmt.columns):
            raise WrongFileError(
                src,
                f"this Parquet file has columns {', '.join(schema.names) or 'none'}",
                f"{fmt.title} as Parquet (made by user_behavior_to_parquet) or a casekit cache",
            )
        import pyarrow as pa

        ts_type = schema.field("timestamp").type
        ts = (
            'CAST(floor(epoch_ms("timestamp") / 1000) AS BIGINT)'
            if pa.types.is_timestamp(ts_type)
            else 'CAST("timestamp" AS BIGINT)'
        )
        reader = f"read_parquet({_sql_string(str(src))})"
    else:
        skip = tianchi.sniff(src, fmt)  # a wrong file fails here, naming what it looks like
        types = ", ".join(
            f"'{c}': '{'VARCHAR' if c == 'behavior_type' else 'BIGINT'}'" for c in fmt.columns
        )
        reader = (
            f"read_csv({_sql_string(str(src))}, header = false, skip = {skip}, delim = ',', "
            f"quote = '\"', auto_detect = false, columns = {{{types}}})"
        )
        ts = '"timestamp"'
    return (
        f"SELECT CAST(user_id AS BIGINT) AS user_id, CAST(item_id AS BIGINT) AS item_id, "
        f"CAST(category_id AS BIGINT) AS category_id, CAST({code} AS TINYINT) AS b, "
        f"{ts} AS ts FROM {reader}"
    )


def _build_cache(
    src: Path,
    dest: Path,
    bounds: tuple[int, int] | None,
    window_days: list[str] | None,
    progress: bool,
    threads: int | None,
    memory_limit_mb: int,
) -> None:
    """Raw file → cleaned, sorted Parquet at ``dest`` (atomic), in bounded memory.

    Two passes: the raw rows into a typed staging Parquet file (streamed), then, one user-id
    range at a time, the rows inside the window without exact duplicates, sorted. Duplicate
    rows share their user id, so each range is de-duplicated on its own.
    """
    import duckdb
    import pyarrow as pa
    import pyarrow.parquet as pq
    from tqdm import tqdm

    from casekit.data.tianchi import UserBehaviorReport

    dest.parent.mkdir(parents=True, exist_ok=True)
    token = secrets.token_hex(6)
    staged = dest.with_name(f".{dest.name}.{token}.staged.parquet")
    tmp = dest.with_name(f".{dest.name}.{token}.tmp")
    spill = dest.with_name(f".{dest.name}.{token}.spill")
    con = _duckdb(threads, memory_limit_mb)
    con.execute(f"SET temp_directory = {_sql_string(str(spill))}")
    con.execute("SET preserve_insertion_order = false")
    bar = tqdm(
        total=2,
        desc=f"casekit: cleaning {src.name}",
        unit="step",
        disable=not progress,
        leave=True,
    )
    try:
        try:
            con.execute(
                f"COPY ({_raw_select(src)}) TO {_sql_string(str(staged))} "
                f"(FORMAT parquet, COMPRESSION zstd)"
            )
        except duckdb.Error as exc:
            message = str(exc).split("\n\n")[0].replace("Invalid Input Error: ", "")
            raise WrongFileError(
                src, f"cannot read it as UserBehavior: {message}", _expected()
            ) from None
        bar.update(1)
        inside = "TRUE" if bounds is None else f"ts >= {bounds[0]} AND ts < {bounds[1]}"
        staged_sql = f"read_parquet({_sql_string(str(staged))})"
        rows_read, kept_window, lo, hi = con.execute(
            f"SELECT count(*), count(*) FILTER (WHERE {inside}), "
            f"min(user_id) FILTER (WHERE {inside}), max(user_id) FILTER (WHERE {inside}) "
            f"FROM {staged_sql}"
        ).fetchall()[0]
        ranges = max(1, math.ceil(kept_window / _RANGE_ROWS))
        bar.total = 1 + ranges
        bar.refresh()
        schema = pa.schema(
            [
                ("user_id", pa.int64()),
                ("item_id", pa.int64()),
                ("category_id", pa.int64()),
                ("b", pa.int8()),
                ("ts", pa.int64()),
            ]
        )
        parquet = pq.ParquetWriter(
            tmp,
            schema,
            compression="zstd",
            # Sorted by user then time, ts deltas are small: delta encoding reads ~3x faster
            # than a dictionary of a million distinct seconds.
            use_dictionary=["user_id", "item_id", "category_id", "b"],
            column_encoding={"ts": "DELTA_BINARY_PACKED"},
        )
        writer = _RowGroupWriter(parquet, schema)
        edges = _edges(lo, hi, ranges)
        for a, b in itertools.pairwise(edges):
            reader = con.sql(
                f"SELECT DISTINCT user_id, item_id, category_id, b, ts FROM {staged_sql} "
                f"WHERE {inside} AND user_id >= {a} AND user_id < {b} "
                f"ORDER BY user_id, ts, item_id, category_id, b"
            ).to_arrow_reader(1 << 18)
            for batch in reader:
                writer.write(batch.cast(schema))
            bar.update(1)
        rows_kept = writer.rows
        report = UserBehaviorReport(
            rows_read=int(rows_read),
            dropped_outside_window=int(rows_read - kept_window),
            dropped_duplicates=int(kept_window - rows_kept),
            rows_kept=int(rows_kept),
        )
        info = {
            "report": report.__dict__,
            "window": window_days,
            "source": _fingerprint(src),
            "sorted_by": ["user_id", "ts", "item_id", "category_id", "b"],
        }
        writer.close(
            {
                b"casekit.format": _CACHE_FORMAT.encode(),
                b"casekit.info": json.dumps(info, sort_keys=True).encode(),
            }
        )
        os.replace(tmp, dest)
    finally:
        bar.close()
        con.close()
        for path in (staged, tmp):
            path.unlink(missing_ok=True)
        if spill.is_dir():
            for child in spill.iterdir():
                child.unlink(missing_ok=True)
            spill.rmdir()


def _expected() -> str:
    from casekit.data import tianchi

    return tianchi.USER_BEHAVIOR.expected


def _edges(lo: Any, hi: Any, ranges: int) -> list[int]:
    """``ranges`` equal-width user-id ranges [e_i, e_i+1) covering lo..hi."""
    if lo is None:
        return [0, 1]  # no rows inside the window: one empty range
    lo, hi = int(lo), int(hi) + 1
    return sorted({lo + (hi - lo) * k // ranges for k in range(ranges + 1)})


class _RowGroupWriter:
    """Writes fixed-size row groups whatever the batch sizes (a byte-stable file layout)."""

    def __init__(self, writer, schema) -> None:
        self._writer = writer
        self._schema = schema
        self._pending: list[Any] = []
        self._pending_rows = 0
        self.rows = 0

    def write(self, batch) -> None:
        self._pending.append(batch)
        self._pending_rows += batch.num_rows
        self.rows += batch.num_rows
        while self._pending_rows >= _ROW_GROUP_ROWS:
            self._flush(_ROW_GROUP_ROWS)

    def _flush(self, n: int) -> None:
        import pyarrow as pa

        table = pa.Table.from_batches(self._pending, schema=self._schema)
        self._writer.write_table(table.slice(0, n), row_group_size=n)
        rest = table.slice(n)
        self._pending = rest.to_batches()
        self._pending_rows = rest.num_rows

    def close(self, metadata: dict[bytes, bytes]) -> None:
        if self._pending_rows:
            self._flush(self._pending_rows)
        self._writer.add_key_value_metadata(metadata)
        self._writer.close()
