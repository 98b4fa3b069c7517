"""The reading pack docs/reading/: one page per source article with the four sections, the
fact rows it lists equal the fact rows citing it, the Maybelline handout, and the site
renders the pages."""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import pytest

from casekit.course import reading as R
from casekit.course import site as S
from casekit.data import datasets_dir, raw_catalog
from tests.fixtures.course import site_course

ROOT = Path(__file__).resolve().parents[1]
READING = ROOT / "docs" / "reading"
SECTIONS = ("## 文章讲了什么", "## 课程用到的事实", "## 观点与事实", "## 讨论题")


def _sections(text: str) -> dict[str, str]:
    parts = re.split(r"^(## .+)$", text, flags=re.M)
    return {parts[i].strip(): parts[i + 1] for i in range(1, len(parts) - 1, 2)}


@pytest.mark.parametrize("source", R.ARTICLES)
def test_every_article_has_a_page_with_the_four_sections(source):
    path = READING / f"{source}.md"
    assert path.is_file(), f"no reading page for {source}"
    text = path.read_text(encoding="utf-8")
    assert f"](../sources.md#{source})" in text, "the page cites its article by id"
    sections = _sections(text)
    for heading in SECTIONS:
        found = [k for k in sections if k.startswith(heading)]
        assert found, f"{path.name}: no section {heading!r}"
        assert len(sections[found[0]].strip()) > 80, f"{path.name}: {heading} is empty"
    questions = re.findall(r"^\d+\. ", sections[next(k for k in sections
                                                     if k.startswith("## 讨论题"))], re.M)
    assert len(questions) == 2, f"{path.name}: two discussion questions, found {len(questions)}"


def _rows_citing(source: str) -> set[tuple[str, str]]:
    """(file, primary key) of every fact row whose source column names ``source``."""
    rows = set()
    for name, entry in raw_catalog().items():
        if entry.get("kind") != "fact" or name == "sources":
            continue
        key = entry.get("primary_key")
        with (datasets_dir() / entry["file"]).open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                cited = [s.strip() for s in re.split(r"[;,]", row.get("source") or "")]
                if source in cited:
                    rows.add((f"datasets/{entry['file']}", "/".join(row[c] for c in key)))
    return rows


def _rows_listed(text: str) -> set[tuple[str, str]]:
    block = text.split("<!-- fact-rows:begin", 1)[1].split("<!-- fact-rows:end -->", 1)[0]
    listed = set()
    for line in block.splitlines():
        m = re.match(r"- `([^`]+)`（(\d+) 行）：(.*)$", line)
        if m:
            keys = re.findall(r"`([^`]+)`", m.group(3))
            assert len(keys) == int(m.group(2)), line[:80]
            listed |= {(m.group(1), k) for k in keys}
    return listed


@pytest.mark.parametrize("source", R.ARTICLES)
def test_fact_rows_listed_are_the_fact_rows_with_that_source(source):
    text = (READING / f"{source}.md").read_text(encoding="utf-8")
    expected = _rows_citing(source)
    assert expected, f"no fact row cites {source}"
    assert _rows_listed(text) == expected, (
        f"docs/reading/{source}.md lists other fact rows than the data; run "
        "`python -m casekit.course.reading`")


def test_the_check_finds_a_stale_page(tmp_path: Path):
    folder = tmp_path / "reading"
    shutil.copytree(READING, folder)
    assert R.stale_pages(folder) == []
    page = folder / "A002.md"
    page.write_text(page.read_text(encoding="utf-8").replace("`trial`、", ""), encoding="utf-8")
    assert [p for p in R.stale_pages(folder) if "A002.md" in p]
    assert R.update_pages(folder) == [page]
    assert R.stale_pages(folder) == []


def test_maybelline_handout_names_what_is_real_and_what_is_simulated():
    text = (READING / "maybelline_case.md").read_text(encoding="utf-8")
    for heading in ("## 什么是真实的", "## 什么是模拟的", "## 讲师提示"):
        assert heading in text
    # the two article figures, each by its fact row, and they are the only Maybelline rows
    with (datasets_dir() / "facts" / "key_figures.csv").open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["figure_id"].startswith("maybelline")]
    assert len(rows) == 2 and {r["source"] for r in rows} == {"A003"}
    for row in rows:
        assert f"`{row['figure_id']}`" in text
    for dataset in ("fan_day_maybelline", "member_orders"):
        assert f"`{dataset}`" in text and raw_catalog()[dataset]["kind"] == "synthetic"


def test_the_site_renders_the_reading_pack(tmp_path: Path):
    dirs = site_course(tmp_path)
    (dirs["docs_dir"] / "sources.md").write_text("# Bibliography\n\n- A000\n", encoding="utf-8")
    shutil.copytree(READING, dirs["docs_dir"] / "reading")
    report = S.build_site(tmp_path / "site", **dirs, catalog={}, load=lambda name: None)
    home = (report.path / "index.html").read_text(encoding="utf-8")
    assert 'href="docs/reading/index.html"' in home
    index = (report.path / "docs" / "reading" / "index.html").read_text(encoding="utf-8")
    for source in R.ARTICLES:
        page = report.path / "docs" / "reading" / f"{source}.html"
        assert page.is_file() and f'href="{source}.html"' in index
        html = page.read_text(encoding="utf-8")
        assert 'href="../sources.html#' in html  # the bibliography link resolves on the site
        assert "Discussion questions<a class=\"anchor-link\"" in html  # the h2 of the section
    case = (report.path / "docs" / "reading" / "maybelline_case.html").read_text(encoding="utf-8")
    assert 'href="A003.html"' in case
