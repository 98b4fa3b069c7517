"""Issue #11 part 3 for articles A001-A003: every topic has a real section, plus part-4 fixes.

A topic section is found by its heading. It must sit under a level-2 section that cites the
article by bibliography id, contain a code cell (an analysis or worked example), and its
level-2 section must put a question to the learner. The fact rows behind each topic carry
the article id in `source`.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import nbformat
import pytest

from casekit import data

ROOT = Path(__file__).resolve().parents[1]

# (notebook stem, heading regex, cited article id) — one per topic
TOPICS = [
    # A002: the 2013 brand station
    ("02_flagship_history", r"^### 2013 年天猫要回答的三个问题", "A002"),
    ("02_flagship_history", r"^### 两个流量难题，两条对策", "A002"),
    ("02_flagship_history", r"^### 品牌站的 BI 后台", "A002"),
    # A003: Flagship Store 2.0
    ("02_flagship_history", r"^### 三个核心战略", "A003"),
    ("02_flagship_history", r"^### 升级后的店铺要联接的几套“矩阵”", "A003"),
    ("02_flagship_history", r"^### 向全部商家开放", "A003"),
    ("02_flagship_history", r"^### 商家怎么看", "A003"),  # followed by the debate prompt
    # A001: promotion responsibilities
    ("03_promotion_funnel", r"^### 品牌建设：", "A001"),
    ("03_promotion_funnel", r"^### 风险控制：", "A001"),
    ("03_promotion_funnel", r"^### 团队协作：", "A001"),
    ("05_creative_testing", r"^### 内容营销：", "A001"),
    ("05_creative_testing", r"^### 社交媒体：", "A001"),
    ("05_creative_testing", r"^### 达人合作：", "A001"),
    ("05_creative_testing", r"^### 创新思维：", "A001"),
    ("06_consumer_ops", r"^## 九、客户关系维护（CRM）", "A001"),
]

# (fact table, column, value, article id): the fact rows each group of topics rests on
FACT_ROWS = [
    ("tmall_2013_context", "topic", "strategic_question", "A002"),
    ("tmall_2013_context", "topic", "traffic_problem", "A002"),
    ("tmall_2013_context", "topic", "countermeasure", "A002"),
    ("tmall_2013_context", "topic", "bi_view", "A002"),
    ("flagship2_plan", "topic", "core_strategy", "A003"),
    ("flagship2_plan", "topic", "matrix", "A003"),
    ("flagship2_plan", "topic", "rollout", "A003"),
    ("flagship2_plan", "topic", "merchant_view", "A003"),
    *[
        ("promotion_practices", "resp_id", resp, "A001")
        for resp in ("brand_building", "content_marketing", "social_media", "kol_cooperation",
                     "customer_relationships", "risk_control", "teamwork", "innovation")
    ],
]

HEADING = re.compile(r"^(#{1,6}) ", re.M)
QUESTION = re.compile(r"想一想|辩论|讨论")


@cache
def _cells(stem: str, folder: str = "notebooks"):
    return nbformat.read(ROOT / folder / f"{stem}.ipynb", as_version=4).cells


def _level(cell) -> int | None:
    """Level of the first heading in a markdown cell (None if it has none)."""
    if cell.cell_type != "markdown":
        return None
    m = HEADING.search(cell.source)
    return len(m.group(1)) if m else None


def _block(cells, start: int, level: int) -> list:
    """Cells from `start` up to the next heading of the same or a higher level."""
    out = [cells[start]]
    for cell in cells[start + 1:]:
        lv = _level(cell)
        if lv is not None and lv <= level:
            break
        out.append(cell)
    return out


def _section(stem: str, pattern: str):
    cells = _cells(stem)
    hits = [i for i, c in enumerate(cells)
            if c.cell_type == "markdown" and re.search(pattern, c.source, re.M)]
    assert len(hits) == 1, f"{stem}: heading {pattern!r} found {len(hits)} times"
    start = hits[0]
    level = _level(cells[start])
    parent = start
    while level > 2 and (_level(cells[parent]) or 9) > 2:
        parent -= 1
    return _block(cells, start, level), _block(cells, parent, 2)


def _text(cells) -> str:
    return "\n".join(c.source for c in cells if c.cell_type == "markdown")


@pytest.mark.parametrize(("stem", "pattern", "source"), TOPICS, ids=[p for _, p, _ in TOPICS])
def test_each_topic_is_a_section_with_citation_analysis_and_question(stem, pattern, source):
    block, parent = _section(stem, pattern)
    assert f"（来源：{source}）" in _text(parent), f"{pattern}: its section does not cite {source}"
    assert any(c.cell_type == "code" and c.source.strip() for c in block), (
        f"{pattern}: no worked example")
    assert QUESTION.search(_text(parent)), f"{pattern}: its section asks the learner nothing"


@pytest.mark.parametrize(("name", "column", "value", "source"), FACT_ROWS,
                         ids=[f"{n}-{v}" for n, _, v, _ in FACT_ROWS])
def test_each_topic_has_fact_rows_citing_its_article(name, column, value, source):
    df = data.load(name)
    rows = df[df[column].astype(str) == value]
    assert len(rows) > 0, f"{name}: no rows with {column} == {value!r}"
    assert set(rows["source"]) == {source}


def _outputs_text(cells) -> str:
    parts = []
    for c in cells:
        for o in c.get("outputs", []):
            parts.extend(str(v) for v in o.get("data", {}).values())
            parts.append(str(o.get("text", "")))
    return "\n".join(parts)


# --- part 4 corrections ----------------------------------------------------------------

def test_nb09_says_the_recovery_story_is_the_simulated_design():
    cells = _cells("09_case_diagnosis")
    text = _text(cells)
    assert not re.search(r"200\s*回升", text), (
        "the article says visitors were raised, not recovered")
    assert "recovered" not in cells[0].source
    assert re.search(r"回升.{0,40}模拟|模拟.{0,80}回升", text, re.S)


def test_nb02_presents_the_brand_station_launch_day_as_inferred():
    out = _outputs_text(_cells("02_flagship_history"))
    sentence = next(s for s in out.split("。") if "昨天" in s or "发布日" in s)
    assert "推断" in out and "昨天" in sentence


def test_nb06_shows_alibabas_aipl_beside_the_course_rule():
    text = _text(_cells("06_consumer_ops"))
    assert "（来源：R-aipl）" in text
    assert "课程的简化规则" in text and "阿里公开的定义" in text


def test_nb03_explains_the_log_purchase_share_where_it_first_appears():
    cells = _cells("03_promotion_funnel")
    first = next(i for i, c in enumerate(cells) if "整体转化率" in _outputs_text([c]))
    assert "活跃购物者" in _outputs_text([cells[first]])


@pytest.mark.parametrize(("folder", "stem"), [("notebooks", "02_flagship_history"),
                                               ("notebooks", "08_case_maybelline"),
                                               ("solutions", "02_flagship_history")])
def test_course_readings_are_labelled_in_the_notebook(folder, stem):
    assert "课程的解读（the course's reading）" in _text(_cells(stem, folder))
