"""The course glossary (dataset ``glossary``): coverage, cross-references, formulas, sources."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from casekit import data

ARTICLE_FILE = re.compile(r"^A\d{3}$")  # an article id from the bibliography (sources.csv)
OWN_DEFINITION = "casekit"
SLUG = re.compile(r"^[a-z0-9]+(?:_[a-z0-9]+)*$")

# Abbreviation -> words (lower case) its formula must mention; one tuple = any of these.
FORMULA_QUANTITIES = {
    "CTR": [("clicks",), ("impressions",)],
    "CVR": [("buyers", "orders", "conversions"), ("visitors", "clicks")],
    "AOV": [("gmv", "sales", "revenue"), ("buyers", "orders")],
    "ROI": [("profit",), ("cost", "spend")],
    "ROAS": [("gmv", "revenue", "sales"), ("cost", "spend")],
    "eCPM": [("ctr",), ("cpc",), ("1000",)],
}


@pytest.fixture(scope="module")
def glossary() -> pd.DataFrame:
    return data.load("glossary")


@pytest.fixture(scope="module")
def entry() -> dict:
    return data.describe("glossary")


def related_ids(df: pd.DataFrame) -> list[tuple[str, str]]:
    """(term_id, related id) pairs, one per reference."""
    pairs = []
    for term_id, related in zip(df["term_id"], df["related"], strict=True):
        if pd.isna(related):
            continue
        pairs.extend((term_id, ref) for ref in str(related).split(";"))
    return pairs


def dangling_references(df: pd.DataFrame) -> list[tuple[str, str]]:
    """References in ``related`` that are empty, point to themselves or to no term."""
    known = set(df["term_id"])
    return [(t, r) for t, r in related_ids(df) if r not in known or r == t or not r]


def bad_sources(df: pd.DataFrame, allowed_sources: list[str]) -> list[tuple[str, str]]:
    """Rows whose source is neither ``casekit`` nor a listed article file name."""
    bad = []
    for term_id, source in zip(df["term_id"], df["source"], strict=True):
        if source == OWN_DEFINITION and OWN_DEFINITION in allowed_sources:
            continue
        if not (ARTICLE_FILE.match(source) and source in allowed_sources):
            bad.append((term_id, source))
    return bad


def formula_problems(df: pd.DataFrame) -> list[str]:
    """Key metrics whose formula is missing or does not name the right quantities."""
    problems = []
    for abbr, needs in FORMULA_QUANTITIES.items():
        rows = df[df["abbreviation"] == abbr]
        if len(rows) != 1:
            problems.append(f"{abbr}: {len(rows)} rows with this abbreviation")
            continue
        formula = rows["formula"].iloc[0]
        if pd.isna(formula):
            problems.append(f"{abbr}: no formula")
            continue
        lhs, _, rhs = str(formula).partition("=")
        if lhs.strip() != abbr:
            problems.append(f"{abbr}: formula {formula!r} does not define {abbr}")
        rhs = rhs.lower()
        for options in needs:
            if not any(word in rhs for word in options):
                problems.append(f"{abbr}: formula {formula!r} mentions none of {options}")
    return problems


# --- the table itself -------------------------------------------------------------------


def test_has_at_least_80_unique_terms(glossary):
    assert glossary["term_id"].is_unique
    assert glossary["term_id"].nunique() >= 80


def test_term_ids_are_ascii_slugs(glossary):
    bad = [t for t in glossary["term_id"] if not SLUG.match(t)]
    assert not bad, f"term_id must be lower-case ascii slugs: {bad}"


def test_no_duplicate_chinese_or_english_terms(glossary):
    for column in ("term_zh", "term_en"):
        dupes = glossary.loc[glossary[column].duplicated(keep=False), column].tolist()
        assert not dupes, f"duplicate {column}: {sorted(set(dupes))}"


def test_every_related_id_exists(glossary):
    assert related_ids(glossary), "no term links to another; `related` looks empty"
    assert not dangling_references(glossary)


def test_every_topic_has_at_least_five_terms(glossary, entry):
    topics = next(c for c in entry["columns"] if c["name"] == "topic")["allowed"]
    counts = glossary["topic"].value_counts()
    thin = {t: int(counts.get(t, 0)) for t in topics if counts.get(t, 0) < 5}
    assert not thin, f"topics with fewer than 5 terms: {thin}"


def test_key_metric_formulas_name_the_right_quantities(glossary):
    assert not formula_problems(glossary)


def test_sources_are_casekit_or_listed_article_files(glossary, entry):
    assert not bad_sources(glossary, entry["sources"])


def test_casekit_pseudo_source_is_explained(entry):
    assert OWN_DEFINITION in entry["sources"]
    assert "casekit" in entry["description"]["en"]
    assert "casekit" in entry["description"]["zh"]


def test_both_sources_kinds_are_used(glossary):
    sources = set(glossary["source"])
    assert OWN_DEFINITION in sources
    assert {s for s in sources if ARTICLE_FILE.match(s)}, "no term cites an article"


def test_definitions_are_short(glossary):
    long_zh = [
        t
        for t, d in zip(glossary["term_id"], glossary["definition_zh"], strict=True)
        if len(d) > 120 or len(re.findall(r"[。！？]", d)) > 2
    ]
    long_en = [
        t
        for t, d in zip(glossary["term_id"], glossary["definition_en"], strict=True)
        if len(d) > 320 or len(re.findall(r"[.!?](?:\s|$)", d)) > 2
    ]
    assert not long_zh, f"definition_zh over two sentences or 120 characters: {long_zh}"
    assert not long_en, f"definition_en over two sentences or 320 characters: {long_en}"


def test_definitions_are_in_the_right_language(glossary):
    han = re.compile(r"[\u4e00-\u9fff]")
    no_chinese = [
        t
        for t, d in zip(glossary["term_id"], glossary["definition_zh"], strict=True)
        if not han.search(d)
    ]
    assert not no_chinese
    # English definitions may quote a Chinese name, but must be mostly English.
    mostly_chinese = [
        t
        for t, d in zip(glossary["term_id"], glossary["definition_en"], strict=True)
        if len(han.findall(d)) > len(d) / 4
    ]
    assert not mostly_chinese


def test_abbreviations_are_unique_and_trimmed(glossary):
    abbr = glossary["abbreviation"].dropna()
    assert abbr.is_unique, abbr[abbr.duplicated(keep=False)].tolist()
    assert (abbr == abbr.str.strip()).all()


def test_topic_is_categorical(glossary):
    assert isinstance(glossary["topic"].dtype, pd.CategoricalDtype)


# --- the checks catch what they should (guards against vacuous tests) -------------------


def test_dangling_reference_is_caught(glossary):
    broken = glossary.copy()
    broken.loc[0, "related"] = "no_such_term"
    broken.loc[1, "related"] = broken.loc[1, "term_id"]
    first, second = broken.loc[0, "term_id"], broken.loc[1, "term_id"]
    assert sorted(dangling_references(broken)) == sorted(
        [(first, "no_such_term"), (second, second)]
    )


def test_bad_source_is_caught(glossary, entry):
    broken = glossary.copy()
    broken.loc[0, "source"] = "A999"  # well formed, not listed
    broken.loc[1, "source"] = "wikipedia"
    assert len(bad_sources(broken, entry["sources"])) == 2
    assert bad_sources(glossary.head(3).assign(source="casekit"), ["A000"])


def test_wrong_formula_is_caught(glossary):
    broken = glossary.copy()
    broken.loc[broken["abbreviation"] == "CTR", "formula"] = "CTR = clicks / visitors"
    broken.loc[broken["abbreviation"] == "ROAS", "formula"] = pd.NA
    problems = formula_problems(broken)
    assert any(p.startswith("CTR") for p in problems)
    assert any(p.startswith("ROAS") for p in problems)


# --- one English name per term: fact tables and notebooks follow the glossary --------------

# Names that were used for a glossary term before the glossary fixed one (left: the wrong
# form, right: the glossary's term_id). Notebook prose must not use them.
ALTERNATE_NAMES = {
    "Gravity Cube": "yinli_mofang",
    "Super Interaction City": "super_interactive_city",
    "Data Bank": "databank",
    "Shengyi Canmou (Business Advisor)": "sycm",
    "Damopan DMP": "damopan",
    "Pinxiaobao brand search ads": "pinxiaobao",
    "Chaoji Tuijian recommendation ads": "super_recommend",
    "Taobaoke affiliate marketing": "taobaoke",
    "有效千次展现收益": "ecpm",
}


def _base_zh(name: str) -> str:
    """A Chinese name without its bracketed gloss: 钻展（钻石展位） → 钻展."""
    return re.sub(r"[（(].*?[)）]", "", str(name)).strip()


def naming_problems(glossary: pd.DataFrame, tables: dict[str, pd.DataFrame]) -> list[str]:
    """English names in fact tables that disagree with the glossary's for the same term.

    A row names a glossary term when its ``*_zh`` name (without a bracketed gloss) is the
    term's ``term_zh``. Proper names (the glossary's ``term_en`` starts with a capital) must be
    spelled exactly as in the glossary; a generic term must appear in the table's English name
    (case-insensitive), so "Coupons" may stand for "coupon" but "Data Bank" not for
    "Brand Databank".
    """
    terms = glossary.set_index("term_zh")["term_en"]
    problems = []
    for name, df in tables.items():
        for zh_col in [c for c in df.columns if c.endswith("_zh")]:
            en_col = zh_col[: -len("_zh")] + "_en"
            if en_col not in df.columns:
                continue
            for zh, en in zip(df[zh_col], df[en_col], strict=True):
                term_en = terms.get(_base_zh(zh))
                if term_en is None or pd.isna(en):
                    continue
                proper = term_en[:1].isupper()
                ok = en == term_en if proper else term_en.casefold() in str(en).casefold()
                if not ok:
                    problems.append(f"{name}.{en_col}: {zh} is {en!r}, glossary {term_en!r}")
    return problems


@pytest.fixture(scope="module")
def fact_tables() -> dict[str, pd.DataFrame]:
    return {
        name: data.load(name)
        for name, entry in data.raw_catalog().items()
        if entry["kind"] == "fact" and name != "glossary"
    }


def test_fact_tables_use_the_glossary_english_names(glossary, fact_tables):
    assert not naming_problems(glossary, fact_tables)


def test_naming_check_catches_a_wrong_name(glossary, fact_tables):
    tools = fact_tables["marketing_tools"].copy()
    tools.loc[tools["tool_id"] == "yinli_mofang", "name_en"] = "Yinli Mofang (Gravity Cube)"
    tools.loc[tools["tool_id"] == "coupon", "name_en"] = "Vouchers"
    problems = naming_problems(glossary, {"marketing_tools": tools})
    assert len(problems) == 2, problems


def test_glossary_names_the_alternates_it_replaces(glossary):
    ids = set(glossary["term_id"])
    assert set(ALTERNATE_NAMES.values()) <= ids
    by_id = glossary.set_index("term_id")
    for wrong, term_id in ALTERNATE_NAMES.items():
        assert wrong not in (by_id.loc[term_id, "term_en"], by_id.loc[term_id, "term_zh"]), wrong


def _notebook_sources() -> list[tuple[str, str]]:
    import nbformat

    root = Path(__file__).resolve().parents[1]
    out = []
    for folder in ("notebooks", "solutions"):
        for path in sorted((root / folder).glob("*.ipynb")):
            nb = nbformat.read(path, as_version=4)
            out.append((f"{folder}/{path.name}", "\n".join(c.source for c in nb.cells)))
    return out


def test_notebooks_use_the_glossary_english_names():
    found = [
        f"{where}: {wrong!r} (use the glossary's name for {term_id})"
        for where, text in _notebook_sources()
        for wrong, term_id in ALTERNATE_NAMES.items()
        if wrong in text
    ]
    assert not found, found
