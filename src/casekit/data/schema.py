"""Typed reading, validation and atomic writing of catalogue datasets.

The catalogue (``datasets/catalog.yaml``) declares each column's type, allowed values and
range. This module turns raw files into correctly typed DataFrames and checks them with
pandera (a well-kept validation library), translating its failure report into one
``SchemaViolationError`` whose message names the column, its Chinese term, the offending
value and what was expected.

Column types and the pandas dtype each becomes:

========  ======================================  =========================================
type      pandas dtype                            stored in files as
========  ======================================  =========================================
int       ``Int64`` (nullable integer)            decimal integer
float     ``float64``                             decimal number
str       ``string``                              text
category  ``category`` (categories = allowed)     text
bool      ``boolean``                             ``true`` / ``false``
datetime  ``datetime64[ns, Asia/Shanghai]``       ISO 8601 with offset, or Unix seconds
                                                  (``storage: unix_seconds``)
date      ``datetime64[ns]`` (midnight, naive)    ``YYYY-MM-DD``
========  ======================================  =========================================
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from casekit.errors import MissingColumnError, SchemaViolationError
from casekit.fileio import atomic_write_bytes

TZ = "Asia/Shanghai"
DATETIME_DTYPE = f"datetime64[ns, {TZ}]"
_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no"}


def _label(col: Mapping[str, Any]) -> str:
    return f"{col['name']!r} ({col['zh']})"


def _allowed(col: Mapping[str, Any]) -> list[Any]:
    return list(col.get("allowed") or [])


def target_dtype(col: Mapping[str, Any]):
    """The pandas dtype a catalogue column is loaded as."""
    kind = col["type"]
    if kind == "int":
        return pd.Int64Dtype()
    if kind == "float":
        return np.dtype("float64")
    if kind == "str":
        return pd.StringDtype()
    if kind == "category":
        return pd.CategoricalDtype(_allowed(col), ordered=bool(col.get("ordered", False)))
    if kind == "bool":
        return pd.BooleanDtype()
    if kind == "datetime":
        return pd.DatetimeTZDtype("ns", TZ)
    if kind == "date":
        return np.dtype("datetime64[ns]")
    raise ValueError(f"unknown column type {kind!r}")


def _bad_values(raw: pd.Series, converted: pd.Series) -> list[Any]:
    """Values that were present in ``raw`` but failed to convert."""
    failed = converted.isna() & raw.notna()
    return raw[failed].drop_duplicates().head(3).tolist()


def _coerce_column(raw: pd.Series, col: Mapping[str, Any], dataset: str | None) -> pd.Series:
    """Convert one column to its catalogue type; unparseable values raise."""
    kind = col["type"]
    expected = {
        "int": "whole numbers",
        "float": "numbers",
        "bool": "true/false",
        "datetime": "date-times",
        "date": "dates as YYYY-MM-DD",
    }.get(kind)
    if kind in ("str", "category"):
        # Categories stay strings until validated: casting first would turn an unknown
        # value into a silent NaN instead of an error.
        return raw.astype(pd.StringDtype())
    if kind in ("int", "float"):
        if pd.api.types.is_bool_dtype(raw):
            raise SchemaViolationError(
                f"column {_label(col)} holds true/false values; expected {expected}",
                dataset=dataset,
                column=col["name"],
            )
        out = pd.to_numeric(raw, errors="coerce")
        bad = _bad_values(raw, out)
        if not bad and kind == "int":
            frac = out.notna() & (out != np.floor(out.astype("float64")))
            bad = raw[frac].head(3).tolist()
        if bad:
            raise SchemaViolationError(
                f"column {_label(col)} has value {bad[0]!r}; expected {expected}",
                dataset=dataset,
                column=col["name"],
            )
        return out.astype(target_dtype(col))
    if kind == "bool":
        if pd.api.types.is_bool_dtype(raw):
            return raw.astype(pd.BooleanDtype())
        text = raw.astype(pd.StringDtype()).str.strip().str.lower()
        out = pd.Series(pd.NA, index=raw.index, dtype=pd.BooleanDtype())
        out[text.isin(_TRUE).fillna(False)] = True
        out[text.isin(_FALSE).fillna(False)] = False
        bad = _bad_values(raw, out)
        if bad:
            raise SchemaViolationError(
                f"column {_label(col)} has value {bad[0]!r}; expected {expected}",
                dataset=dataset,
                column=col["name"],
            )
        return out
    if kind == "datetime":
        if isinstance(raw.dtype, pd.DatetimeTZDtype):
            return raw.dt.tz_convert(TZ).astype(DATETIME_DTYPE)
        if pd.api.types.is_datetime64_dtype(raw):
            return raw.dt.tz_localize(TZ).astype(DATETIME_DTYPE)
        if col.get("storage") == "unix_seconds" or pd.api.types.is_numeric_dtype(raw):
            secs = pd.to_numeric(raw, errors="coerce")
            out = pd.to_datetime(secs, unit="s", utc=True)
        else:
            out = pd.to_datetime(raw, errors="coerce", format="ISO8601", utc=True)
        bad = _bad_values(raw, out)
        if bad:
            raise SchemaViolationError(
                f"column {_label(col)} has value {bad[0]!r}; expected {expected}",
                dataset=dataset,
                column=col["name"],
            )
        return out.dt.tz_convert(TZ).astype(DATETIME_DTYPE)
    if kind == "date":
        if pd.api.types.is_datetime64_any_dtype(raw):
            out = raw.dt.tz_localize(None) if isinstance(raw.dtype, pd.DatetimeTZDtype) else raw
        else:
            out = pd.to_datetime(raw, errors="coerce", format="%Y-%m-%d")
        bad = _bad_values(raw, out)
        if bad:
            raise SchemaViolationError(
                f"column {_label(col)} has value {bad[0]!r}; expected {expected}",
                dataset=dataset,
                column=col["name"],
            )
        return out.dt.normalize().astype("datetime64[ns]")
    raise ValueError(f"unknown column type {kind!r}")


def check_columns(df: pd.DataFrame, entry: Mapping[str, Any], dataset: str | None) -> None:
    """Raise if a declared column is missing or an undeclared one is present."""
    declared = [c["name"] for c in entry["columns"]]
    for col in entry["columns"]:
        if col["name"] not in df.columns:
            raise MissingColumnError(
                col["name"], available=df.columns, zh=col["zh"], dataset=dataset,
                what=f"the table for dataset {dataset!r}" if dataset else "the table",
            )
    extra = [c for c in df.columns if c not in declared]
    if extra:
        raise SchemaViolationError(
            f"column {extra[0]!r} is not declared in datasets/catalog.yaml; "
            f"declared columns: {', '.join(declared)}. Remove it or declare it in the catalogue.",
            dataset=dataset,
            column=str(extra[0]),
        )


def coerce(df: pd.DataFrame, entry: Mapping[str, Any], dataset: str | None = None) -> pd.DataFrame:
    """Return ``df`` with every column converted to its catalogue type (categories as text)."""
    check_columns(df, entry, dataset)
    out = {c["name"]: _coerce_column(df[c["name"]], c, dataset) for c in entry["columns"]}
    return pd.DataFrame(out, index=pd.RangeIndex(len(df)))


@contextlib.contextmanager
def _without_pandas_on_spark():
    """Hide ``pyspark.pandas`` from pandera's probes while the block runs.

    pandera imports ``pyspark.pandas`` when pyspark is installed (on import) or loaded (on
    its first validation). Our test extras install pyspark for tests/data/test_spark.py, and that
    import costs seconds and prints a pandas-3 FutureWarning into every notebook that loads
    a dataset. It only serves pandas-on-Spark, which casekit does not use (and which fails to
    import under pandas 3 anyway), so the probes are told the module is absent; the block is
    lifted right after, and a ``pyspark.pandas`` already loaded is left alone.
    """
    blocked = "pyspark.pandas" not in sys.modules
    if blocked:
        sys.modules["pyspark.pandas"] = None  # type: ignore[assignment]
    try:
        yield
    finally:
        if blocked and sys.modules.get("pyspark.pandas", 0) is None:
            del sys.modules["pyspark.pandas"]


def _import_pandera():
    """``pandera.pandas``, without its probe of ``pyspark.pandas``."""
    if "pandera.pandas" not in sys.modules:
        with _without_pandas_on_spark():
            import pandera.pandas  # noqa: F401
    return sys.modules["pandera.pandas"]


def _pandera_schema(entry: Mapping[str, Any]):
    pa = _import_pandera()

    columns = {}
    for col in entry["columns"]:
        checks = []
        allowed = _allowed(col)
        if allowed:
            checks.append(pa.Check.isin(allowed))
        if col.get("min") is not None:
            checks.append(pa.Check.ge(_bound(col, "min")))
        if col.get("max") is not None:
            checks.append(pa.Check.le(_bound(col, "max")))
        columns[col["name"]] = pa.Column(
            checks=checks,
            nullable=bool(col.get("nullable", False)),
            unique=bool(col.get("unique", False)),
            name=col["name"],
        )
    key = entry.get("primary_key")
    return pa.DataFrameSchema(columns, unique=list(key) if key else None, strict=False)


def _bound(col: Mapping[str, Any], which: str):
    value = col[which]
    if col["type"] == "datetime":
        return pd.Timestamp(value).tz_convert(TZ) if pd.Timestamp(value).tzinfo else pd.Timestamp(
            value, tz=TZ
        )
    if col["type"] == "date":
        return pd.Timestamp(value)
    return value


def _describe_failure(entry: Mapping[str, Any], failure: Mapping[str, Any]) -> str:
    cols = {c["name"]: c for c in entry["columns"]}
    check = str(failure.get("check"))
    column = failure.get("column")
    value = failure.get("failure_case")
    col = cols.get(column)
    label = _label(col) if col else repr(column)
    if check.startswith("isin("):
        allowed = ", ".join(map(str, _allowed(col)))
        return f"column {label} has value {value!r}; expected one of {allowed}"
    if check.startswith("greater_than_or_equal_to("):
        unit = f" {col['unit']}" if col.get("unit") else ""
        return f"column {label} has value {value!r}; expected at least {col['min']}{unit}"
    if check.startswith("less_than_or_equal_to("):
        unit = f" {col['unit']}" if col.get("unit") else ""
        return f"column {label} has value {value!r}; expected at most {col['max']}{unit}"
    if "not_nullable" in check:
        return f"column {label} has missing values; fill them in or mark the column nullable"
    if "field_uniqueness" in check:
        return f"column {label} repeats the value {value!r}; every value must be unique"
    if "multiple_fields_uniqueness" in check:
        key = ", ".join(entry.get("primary_key") or [])
        return f"the key ({key}) repeats a row; every key must be unique"
    return f"column {label} failed check {check} with value {value!r}"


def validate(df: pd.DataFrame, entry: Mapping[str, Any], dataset: str | None = None) -> None:
    """Check a typed DataFrame against its catalogue entry; raise on the first problem."""
    _import_pandera()  # first, so that the package import below skips the probe
    import pandera.errors as pa_errors

    check_columns(df, entry, dataset)
    if entry.get("min_rows") and len(df) < int(entry["min_rows"]):
        raise SchemaViolationError(
            f"has {len(df)} rows; expected at least {entry['min_rows']}", dataset=dataset
        )
    try:
        with _without_pandas_on_spark():  # the first validation registers backends
            _pandera_schema(entry).validate(df, lazy=True)
    except pa_errors.SchemaErrors as exc:
        cases = exc.failure_cases
        # Report a column-level problem before a whole-row key problem: it is more specific.
        order = (cases["schema_context"] != "Column").astype(int)
        cases = cases.assign(_order=order).sort_values(["_order", "index"], kind="stable")
        first = cases.iloc[0].to_dict()
        col = first.get("column")
        message = _describe_failure(entry, first)
        raise SchemaViolationError(
            f"{message} ({len(cases)} problem(s) in all)",
            dataset=dataset,
            column=str(col) if isinstance(col, str) else None,
        ) from None


def finalize(df: pd.DataFrame, entry: Mapping[str, Any]) -> pd.DataFrame:
    """Cast validated text columns of type ``category`` to their categorical dtype."""
    out = df.copy()
    for col in entry["columns"]:
        if col["type"] == "category":
            out[col["name"]] = out[col["name"]].astype("object").astype(target_dtype(col))
    return out


def read_raw(path: Path) -> pd.DataFrame:
    """Read a catalogue file without interpreting types (CSV as text, Parquet as stored)."""
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    return pd.read_csv(
        path, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8"
    )


def to_storage(df: pd.DataFrame, entry: Mapping[str, Any]) -> pd.DataFrame:
    """The on-disk form of a typed DataFrame (datetimes as the column's storage says)."""
    out = df.copy()
    for col in entry["columns"]:
        name = col["name"]
        if col["type"] == "datetime":
            ts = out[name].dt.tz_convert(TZ)
            if col.get("storage") == "unix_seconds":
                out[name] = (ts.astype("int64") // 10**9).astype("int64")
            else:
                out[name] = ts.dt.strftime("%Y-%m-%dT%H:%M:%S%z").str.replace(
                    r"(\+|-)(\d\d)(\d\d)$", r"\1\2:\3", regex=True
                )
        elif col["type"] == "date":
            out[name] = out[name].dt.strftime("%Y-%m-%d")
        elif col["type"] == "bool":
            out[name] = out[name].map({True: "true", False: "false"}).astype("object")
        elif col["type"] == "category":
            out[name] = out[name].astype("object")
    return out


def serialize(df: pd.DataFrame, entry: Mapping[str, Any], suffix: str) -> bytes:
    """Deterministic bytes of a typed DataFrame in the catalogue's storage form."""
    stored = to_storage(df, entry)
    if suffix == ".parquet":
        import io

        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pandas(stored, preserve_index=False)
        table = table.replace_schema_metadata(None)  # drop pandas metadata with versions
        buf = io.BytesIO()
        pq.write_table(table, buf, compression="zstd", write_statistics=True)
        return buf.getvalue()
    return stored.to_csv(index=False, lineterminator="\n").encode("utf-8")


def write(df: pd.DataFrame, entry: Mapping[str, Any], path: Path, dataset: str | None = None):
    """Validate ``df`` and write it atomically to ``path`` (CSV or Parquet by suffix)."""
    validate(df, entry, dataset)
    atomic_write_bytes(path, serialize(df, entry, path.suffix))
