"""The dataset layer: catalogue, loading, validation and the errors it raises."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from casekit import data
from casekit.data import _catalog, schema
from casekit.errors import MissingColumnError, SchemaViolationError, UnknownDatasetError

NAMES = sorted(data.raw_catalog())
FACTS = [n for n in NAMES if data.describe(n)["kind"] == "fact"]
SYNTHETIC = [n for n in NAMES if data.describe(n)["kind"] == "synthetic"]
SEED_FILE = re.compile(r"^\d{3}_[0-9a-f]{16}\.txt$")


@pytest.mark.parametrize("name", NAMES)
def test_every_dataset_loads_valid_with_documented_dtypes(name):
    entry = data.describe(name)
    df = data.load(name)
    assert list(df.columns) == [c["name"] for c in entry["columns"]]
    assert len(df) > 0
    for col in entry["columns"]:
        assert df[col["name"]].dtype == schema.target_dtype(col), col["name"]
        if col["type"] == "datetime":
            assert str(df[col["name"]].dt.tz) == "Asia/Shanghai"


@pytest.mark.parametrize("name", FACTS)
def test_every_fact_row_cites_a_listed_source_article(name):
    entry = data.describe(name)
    df = data.load(name)
    assert df["source"].notna().all()
    listed = set(entry["sources"])
    for src in df["source"].unique():
        parts = [s.strip() for s in str(src).split(";")]
        for part in parts:
            assert part in listed, f"{name}: source {part!r} not in the entry's sources"
            assert SEED_FILE.match(part) or part in {"casekit", "REFERENCE.md"}, part


@pytest.mark.parametrize("name", SYNTHETIC)
def test_simulated_datasets_say_so(name):
    entry = data.describe(name)
    assert "模拟" in entry["description"]["zh"]
    assert "simulat" in entry["description"]["en"].lower()
    assert entry["licence"].startswith("CC0")
    assert isinstance(entry["generator"]["seed"], int)
    assert entry["generator"]["function"].startswith("casekit.data.generators.")


def test_catalog_lists_every_dataset_with_titles_rows_and_source():
    cat = data.catalog()
    assert list(cat["name"]) == list(data.raw_catalog())
    assert cat["rows"].gt(0).all()
    assert cat["title_zh"].str.len().gt(0).all() and cat["title_en"].str.len().gt(0).all()
    assert (cat["synthetic"] == (cat["kind"] == "synthetic")).all()
    assert cat["source"].str.len().gt(0).all()


def test_every_data_file_is_described_and_every_description_has_a_file():
    root = data.datasets_dir()
    described = {data.describe(n)["file"] for n in NAMES}
    on_disk = {
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.suffix in {".csv", ".parquet"}
    }
    assert described == on_disk


def test_datasets_folder_stays_small():
    total = sum(p.stat().st_size for p in data.datasets_dir().rglob("*") if p.is_file())
    assert total < 20 * 1024 * 1024, f"datasets/ holds {total / 1e6:.1f} MB"


def test_unknown_dataset_suggests_close_names():
    with pytest.raises(UnknownDatasetError) as err:
        data.load("flagship_stage")
    assert "flagship_stages" in str(err.value)
    assert isinstance(err.value, KeyError)
    with pytest.raises(UnknownDatasetError, match="catalog"):
        data.describe("zzzz-nothing-like-it")


# --- validation errors, on a copy of a real fact table -------------------------------------

@pytest.fixture
def stages_raw() -> pd.DataFrame:
    return schema.read_raw(data.datasets_dir() / data.describe("flagship_stages")["file"])


def _check(raw: pd.DataFrame) -> None:
    entry = data.describe("flagship_stages")
    schema.validate(schema.coerce(raw, entry, "flagship_stages"), entry, "flagship_stages")


def test_unknown_category_value_names_column_value_and_allowed(stages_raw):
    stages_raw.loc[0, "channel"] = "tv"
    with pytest.raises(SchemaViolationError) as err:
        _check(stages_raw)
    msg = str(err.value)
    assert "'channel' (主要终端)" in msg and "'tv'" in msg and "PC, mobile" in msg


def test_missing_column_is_a_key_error_naming_the_column(stages_raw):
    with pytest.raises(MissingColumnError) as err:
        _check(stages_raw.drop(columns="source"))
    assert "'source' (来源)" in str(err.value)
    assert isinstance(err.value, KeyError)


def test_undeclared_column_is_rejected(stages_raw):
    with pytest.raises(SchemaViolationError, match="'extra' is not declared"):
        _check(stages_raw.assign(extra="x"))


def test_out_of_range_and_non_numeric_values(stages_raw):
    bad = stages_raw.copy()
    bad.loc[0, "start_year"] = "1999"
    with pytest.raises(SchemaViolationError,
                       match=r"'start_year' \(起始年份\) has value 1999; expected at least 2008"):
        _check(bad)
    bad = stages_raw.copy()
    bad.loc[0, "stage"] = "first"
    with pytest.raises(SchemaViolationError, match="'first'; expected whole numbers"):
        _check(bad)


def test_missing_value_and_duplicate_key(stages_raw):
    bad = stages_raw.copy()
    bad.loc[1, "name_en"] = None
    with pytest.raises(SchemaViolationError, match=r"'name_en'.*missing values"):
        _check(bad)
    bad = stages_raw.copy()
    bad.loc[1, "stage"] = "1"
    with pytest.raises(SchemaViolationError, match="repeats the value 1"):
        _check(bad)


def test_datetime_and_date_columns_parse_to_shanghai_and_midnight():
    entry = {
        "columns": [
            {"name": "t", "type": "datetime", "zh": "时间", "description": {"zh": "x", "en": "x"}},
            {"name": "u", "type": "datetime", "zh": "时间", "storage": "unix_seconds",
             "description": {"zh": "x", "en": "x"}},
            {"name": "d", "type": "date", "zh": "日期", "description": {"zh": "x", "en": "x"}},
        ]
    }
    raw = pd.DataFrame(
        {"t": ["2017-11-25T00:00:00+08:00"], "u": ["1511539200"], "d": ["2020-06-18"]}
    )
    typed = schema.coerce(raw, entry)
    assert typed.loc[0, "t"] == typed.loc[0, "u"] == pd.Timestamp("2017-11-25", tz="Asia/Shanghai")
    assert typed.loc[0, "d"] == pd.Timestamp("2020-06-18")
    stored = schema.to_storage(typed, entry)
    assert stored.loc[0, "t"] == "2017-11-25T00:00:00+08:00"
    assert stored.loc[0, "u"] == 1511539200
    with pytest.raises(SchemaViolationError, match="'d' \\(日期\\) has value '18/06/2020'"):
        schema.coerce(raw.assign(d="18/06/2020"), entry)


def test_write_is_atomic_and_validates_first(tmp_path: Path, stages_raw):
    entry = data.describe("flagship_stages")
    target = tmp_path / "stages.csv"
    target.write_text("old content", encoding="utf-8")
    typed = schema.finalize(schema.coerce(stages_raw, entry), entry)
    bad = typed.copy()
    bad["stage"] = pd.array([1, 1, 2, 3], dtype="Int64")
    with pytest.raises(SchemaViolationError):
        schema.write(bad, entry, target)
    assert target.read_text(encoding="utf-8") == "old content"
    assert [p.name for p in tmp_path.iterdir()] == ["stages.csv"], "no temp file left behind"
    schema.write(typed, entry, target)
    assert target.read_bytes() == (data.datasets_dir() / entry["file"]).read_bytes()


def test_catalogue_structure_errors_are_specific(tmp_path: Path):
    good = data.describe("flagship_stages")
    no_sources = {**good, "sources": []}
    with pytest.raises(SchemaViolationError, match=r"x\.sources: \[\] should be non-empty"):
        _catalog.check_catalog({"datasets": {"x": no_sources}}, "cat.yaml")
    columns = [{**good["columns"][0], "type": "integer"}, *good["columns"][1:]]
    bad_type = {**good, "columns": columns}
    with pytest.raises(SchemaViolationError, match="type: 'integer' is not one of"):
        _catalog.check_catalog({"datasets": {"x": bad_type}}, "cat.yaml")
    no_source_col = {**good, "columns": [c for c in good["columns"] if c["name"] != "source"]}
    with pytest.raises(SchemaViolationError, match="needs a 'source' column"):
        _catalog.check_catalog({"datasets": {"x": no_source_col}}, "cat.yaml")
