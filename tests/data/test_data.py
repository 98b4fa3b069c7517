"""The dataset layer: catalogue, loading, validation and the errors it raises."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from casekit import data
from casekit.data import _catalog, schema
from casekit.errors import MissingColumnError, SchemaViolationError, UnknownDatasetError

NAMES = sorted(data.raw_catalog())
FACTS = [n for n in NAMES if data.describe(n)["kind"] == "fact"]
SYNTHETIC = [n for n in NAMES if data.describe(n)["kind"] == "synthetic"]
SOURCE_ID = re.compile(r"^(?:A\d{3}|R-[a-z0-9]+(?:-[a-z0-9]+)*|casekit)$")
ROOT = Path(__file__).resolve().parents[2]
# Names of things outside the repository that nothing in it may point at: the parent
# folder, the seed articles' folder and file names, the authors' private reference notes.
OUTSIDE = re.compile(r"\.\./shared|shared/seeds|REFERENCE\.md|\b\d{3}_[0-9a-f]{16}\.txt\b")


def _bibliography() -> set[str]:
    return set(data.load("sources")["source_id"])


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


@pytest.mark.parametrize("name", FACTS)
def test_every_source_id_resolves_to_the_bibliography(name):
    known = _bibliography()
    entry = data.describe(name)
    assert set(entry["sources"]) <= known, set(entry["sources"]) - known
    df = data.load(name)
    cited = {s.strip() for src in df["source"].dropna() for s in str(src).split(";")}
    for col in df.columns:  # other citing columns, e.g. marketing_tools.billing_source
        if col != "source" and col.endswith("_source"):
            cited |= {s.strip() for s in df[col].dropna() for s in str(s).split(";")}
    assert all(SOURCE_ID.match(s) for s in cited), sorted(cited)
    assert cited <= known, f"{name}: {sorted(cited - known)} not in datasets/facts/sources.csv"


def test_bibliography_rows_are_well_formed():
    src = data.load("sources")
    assert src["source_id"].map(lambda s: bool(SOURCE_ID.match(s))).all()
    assert {"A000", "A001", "A002", "A003", "A004", "casekit"} <= set(src["source_id"])
    articles = src["kind"] == "article"
    assert list(src.loc[articles, "source_id"]) == ["A000", "A001", "A002", "A003", "A004"]
    public = src["source_id"].str.startswith("R-")
    # every public reference says how sure the course is of it, and why
    assert src.loc[public, "certainty"].notna().all()
    assert src.loc[public, "certainty_note_zh"].notna().all()
    assert src.loc[public, "certainty_note_en"].notna().all()
    assert src.loc[~public, "certainty"].isna().all()
    assert (src["source"] == src["source_id"]).all()


def test_sources_page_has_one_anchored_section_per_bibliography_entry():
    page = (ROOT / "docs" / "sources.md").read_text(encoding="utf-8")
    anchors = re.findall(r'<a id="([^"]+)"></a>\s*\n### (\S+)', page)
    assert [a for a, _ in anchors] == [h for _, h in anchors], "anchor and heading id differ"
    assert sorted(a for a, _ in anchors) == sorted(_bibliography())


def _tracked_text_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files"], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    text = {".md", ".txt", ".csv", ".py", ".ipynb", ".yaml", ".yml", ".toml", ".json", ".cfg",
            ".html", ".js", ".css", ".ini", ".in"}
    return [ROOT / f for f in listed if Path(f).suffix in text or Path(f).name == "Makefile"]


def test_nothing_in_the_repository_points_outside_it():
    offenders = []
    for path in _tracked_text_files():
        if path == Path(__file__).resolve() or not path.is_file():
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines()):
            if OUTSIDE.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{n + 1}")
    assert not offenders, offenders[:20]


def test_outside_path_check_catches_each_form():
    for bad in ("see ../shared/x", "shared/seeds/a", "REFERENCE.md", "000_4f2c0569cb3af68b.txt"):
        assert OUTSIDE.search(bad), bad
    assert not OUTSIDE.search("（来源：A000）")


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
