"""The curriculum notebooks: structure, charts, simulated-data labels, facts, drift.

nbval (run by `make test` over notebooks/) re-executes every cell and compares outputs
strictly; this file checks what nbval cannot: the teaching structure, that every fact typed
in prose next to an article citation agrees with the fact tables, and that the committed
notebooks are exactly what `casekit build` produces now.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from casekit import data
from casekit.course import build as b
from casekit.course import notebooks as N
from casekit.errors import NotebookError

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = N.discover([ROOT / "notebooks"])
IDS = [p.stem for p in NOTEBOOKS]
SEED = re.compile(r"(?<![A-Za-z0-9])A\d{3}(?![0-9])")  # an article id (A000–A004)
# Any citation id: an article, a public reference R-<slug>, or the course itself.
CITATION_ID = re.compile(r"(?<![A-Za-z0-9])(?:A\d{3}(?![0-9])|R-[a-z0-9]+(?:-[a-z0-9]+)*)")
CITATION = re.compile(r"来源[:：]\s*([^）)\n]*)[）)]")
VEGALITE = "application/vnd.vegalite.v5+json"


def _nb(path: Path):
    return nbformat.read(path, as_version=4)


def _markdown(nb) -> list[str]:
    return [c.source for c in nb.cells if c.cell_type == "markdown"]


def test_notebooks_are_numbered_from_00_without_gaps():
    """The list comes from the folder: numbers run 00, 01, … with no gap or duplicate."""
    assert [p.name[:2] for p in NOTEBOOKS] == [f"{i:02d}" for i in range(len(NOTEBOOKS))]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_role_and_summary_are_in_the_metadata(path):
    """The role (core, case, appendix) is a metadata field, never read from the title."""
    nb = _nb(path)
    assert N.role(nb, path) in N.ROLES
    assert nb.metadata["casekit"].get("summary_zh"), f"{path.name}: add metadata.casekit.summary_zh"


def test_a_notebook_without_a_role_gets_a_clear_error():
    nb = nbformat.v4.new_notebook()
    nb.metadata["casekit"] = {}
    with pytest.raises(NotebookError, match="role is missing; set it to one of core, case"):
        N.role(nb, "12_new.ipynb")
    nb.metadata["casekit"] = {"role": "lecture"}
    with pytest.raises(NotebookError, match="'lecture'"):
        N.role(nb, "12_new.ipynb")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_opening_has_objectives_time_prerequisites_and_english_summary(path):
    first = _markdown(_nb(path))[0]
    assert first.lstrip().startswith("# "), "the first cell is the notebook's title"
    for heading in ("## 学习目标", "## 预计用时", "## 先修要求", "## English summary"):
        assert heading in first, f"{path.name}: opening cell lacks {heading!r}"
    minutes = re.search(r"预计用时[^\n]*\n+[^\n]*?(\d+)\s*分钟", first)
    assert minutes and 10 <= int(minutes.group(1)) <= 240, "state the time as 'NN 分钟'"
    summary = first.split("## English summary", 1)[1].split("\n## ", 1)[0]
    lines = [ln for ln in summary.strip().splitlines() if ln.strip()]
    assert len(lines) == 3, f"{path.name}: the English summary has {len(lines)} lines, expected 3"
    objectives = first.split("## 学习目标", 1)[1].split("\n## ", 1)[0]
    assert len(re.findall(r"^\s*[-*\d]", objectives, flags=re.M)) >= 3


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_closing_has_takeaways_and_discussion_questions(path):
    md = _markdown(_nb(path))
    tail = "\n".join(md[-2:])
    assert "## 要点回顾" in tail and "## 讨论题" in tail
    questions = tail.split("## 讨论题", 1)[1]
    assert len(re.findall(r"^\s*\d+\.", questions, flags=re.M)) >= 2


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_committed_executed_without_errors_and_with_a_chart(path):
    nb = _nb(path)
    assert nb.metadata["kernelspec"]["name"] == "casekit"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(c.execution_count for c in code), "commit notebooks executed"
    outputs = [o for c in code for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert any(VEGALITE in o.get("data", {}) for o in outputs), f"{path.name} has no chart"
    assert path.stat().st_size < 1_000_000, f"{path.name} is over 1 MB"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_nothing_loads_from_the_network(path):
    text = path.read_text(encoding="utf-8")
    for marker in ("cdn.jsdelivr", "unpkg.com", "<script src=\"http", "require.js", "googleapis"):
        assert marker not in text, f"{path.name} references {marker}"


def _synthetic_names() -> set[str]:
    return {n for n, e in data.raw_catalog().items() if e["kind"] == "synthetic"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_simulated_data_is_labelled(path):
    nb = _nb(path)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    used = {n for n in _synthetic_names() if re.search(rf"['\"]{n}['\"]", code)}
    used_generators = "generators." in code
    if used or used_generators:
        rendered = path.read_text(encoding="utf-8")
        assert "模拟数据" in rendered, f"{path.name} uses simulated data {sorted(used)} unlabelled"


_RANDOM = re.compile(
    r"default_rng\(|np\.random\.|(?<![\w.])random\.(?:random|choice|randint|gauss)\("
)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_inline_simulated_tables_are_labelled_where_they_are_made(path):
    """A code cell that draws random numbers makes simulated data: it labels them itself."""
    for i, cell in enumerate(_nb(path).cells):
        if cell.cell_type == "code" and _RANDOM.search(cell.source):
            assert re.search(r"simulated_note\(\s*['\"]\w+['\"]\s*,\s*how=", cell.source), (
                f"{path.name} cell {i} makes random data: add "
                "nb.simulated_note(\"<table>\", how=\"<how it was made>\") in that cell"
            )


# --- facts typed in prose agree with the fact tables ----------------------------------------

# Digits not glued to Latin letters, digits or a dot; Chinese text may touch them (超过38万).
_NUMBER = re.compile(r"(?<![A-Za-z0-9_.])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s*(万|亿)?")


@cache
def _known_numbers() -> dict[str, set[float]]:
    """Every number the fact tables hold for each source article."""
    known: dict[str, set[float]] = {}
    for name, entry in data.raw_catalog().items():
        if entry["kind"] != "fact" or name == "sources":  # the bibliography states no facts
            continue
        df = data.load(name)
        for _, row in df.iterrows():
            for src in str(row["source"]).split(";"):
                bucket = known.setdefault(src.strip(), set())
                for value in row.drop(labels=["source"]).tolist():
                    if value is None or value is pd.NA:
                        continue
                    if isinstance(value, pd.Timestamp):
                        bucket.update({value.year, value.month, value.day})
                    elif isinstance(value, int | float) and not pd.isna(value):
                        bucket.add(float(value))
                    elif isinstance(value, str):
                        bucket.update(v for v, _ in _numbers(value))
    return known


def _numbers(text: str) -> list[tuple[float, str]]:
    found = []
    for m in _NUMBER.finditer(text):
        value = float(m.group(1).replace(",", ""))
        unit = m.group(2)
        value *= {"万": 1e4, "亿": 1e8}.get(unit, 1)
        found.append((value, m.group(0)))
    return found


def _cited_claims(nb) -> list[tuple[str, list[str]]]:
    """(text without citations and list markers, cited sources) for markdown citing an article."""
    out = []
    for src in _markdown(nb):
        sources = SEED.findall(src)
        if not sources:
            continue
        text = CITATION_ID.sub("", src)
        text = re.sub(r"^\s*(\d+[.)]|[-*])\s", "", text, flags=re.M)  # list markers
        text = re.sub(r"^#+ *\d*", "", text, flags=re.M)  # headings like '## 1 ...'
        text = re.sub(r"\]\([^)]*\)", "]", text)  # link targets
        out.append((text, sources))
    return out


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_numbers_next_to_a_citation_match_the_fact_tables(path):
    known = _known_numbers()
    problems = []
    for text, sources in _cited_claims(_nb(path)):
        allowed = set().union(*(known.get(s, set()) for s in sources))
        for value, shown in _numbers(text):
            if value not in allowed and value / 100 not in allowed:
                problems.append(f"{shown!r} (cites {', '.join(sorted(set(sources)))})")
    assert not problems, f"{path.name}: numbers not in the fact tables: {problems}"


def _citation_problems(markdown: list[str], known: set[str]) -> list[str]:
    """Citations that do not resolve to the bibliography, or that are not ids at all."""
    problems = []
    for src in markdown:
        for m in CITATION.finditer(src):
            parts = [p.strip() for p in re.split(r"[；;,，、]", m.group(1)) if p.strip()]
            problems += [f"（来源：{m.group(1)}）" for p in parts if p not in known]
        problems += [i for i in CITATION_ID.findall(src) if i not in known]
    return problems


NOTEBOOKS_AND_SOLUTIONS = NOTEBOOKS + sorted((ROOT / "solutions").glob("*.ipynb"))


@pytest.mark.parametrize(
    "path",
    NOTEBOOKS_AND_SOLUTIONS,
    ids=[f"{p.parent.name}/{p.stem}" for p in NOTEBOOKS_AND_SOLUTIONS],
)
def test_every_citation_resolves_to_the_bibliography(path):
    known = set(data.load("sources")["source_id"])
    problems = _citation_problems(_markdown(_nb(path)), known)
    assert not problems, f"{path.name}: citations not in datasets/facts/sources.csv: {problems}"


def test_citation_check_catches_unknown_ids_and_file_names():
    known = {"A000", "R-adlaw-art9"}
    assert not _citation_problems(["事实（来源：A000；R-adlaw-art9）"], known)
    assert _citation_problems(["事实（来源：A007）"], known)
    assert _citation_problems(["事实（来源：000_" + "4f2c0569cb3af68b.txt）"], known)
    assert _citation_problems(["见 R-no-such-ref。"], known)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_cites_at_least_one_source_article(path):
    assert _cited_claims(_nb(path)), f"{path.name} cites no source article"


@pytest.mark.slow
def test_committed_notebooks_match_a_fresh_build():
    report = b.build(NOTEBOOKS, check=True, progress=False)
    assert report.ok, "\n".join(r.message for r in report.failed)
