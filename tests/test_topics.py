"""Issue #11 part 3 for article A004: every topic the course used to only count has a real section.

A section is the run of cells from its heading to the next heading of the same or a higher
level. Each topic needs: the heading, a citation of A004 inside the section, at least one
code cell (the fact rows or an analysis), its fact rows in `conference_618_plays` (all
citing A004), and a discussion question that names it in the notebook's closing
`## 讨论题` cell. (Topics of articles A001–A003 are checked in test_topics_h11c.py.)
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import nbformat
import pytest

from casekit import data

ROOT = Path(__file__).resolve().parents[1]
CITES_A004 = re.compile(r"（来源：[^）]*(A004|004_9f4c43ce247ab29c\.txt)[^）]*）")
HEADING = re.compile(r"^(#{1,6}) ", flags=re.M)

# (notebook, heading regex, fact-table topic, word the closing discussion question uses)
TOPICS = [
    ("07_campaign_618", r"^## .*组织升级与整合策略", "org_upgrade", "一体化"),
    ("07_campaign_618", r"^### 消费者运营：先分层", "consumer_ops", "分层运营"),
    ("07_campaign_618", r"^### 货品成长阶梯：新品 → 趋势品 → 爆款 → 超级单品", "goods_ladder",
     "货品阶梯"),
    ("07_campaign_618", r"^### 四类营销场景", "scenario_type", "四类场景"),
    ("07_campaign_618", r"^## .*激励政策：返券与新客激励", "incentive", "返券"),
    ("04_paid_traffic", r"^## \d+ 钻展升级：破圈新人群，蓄水新场景", "zuanzhan_upgrade", "破圈"),
    ("04_paid_traffic", r"^## \d+ 达摩盘与营销策略中心", "data_products", "达摩盘"),
    ("04_paid_traffic", r"^## \d+ 五大创意升级", "creative_upgrade", "创意排行榜"),
    ("07_campaign_618", r"^## .*淘宝直播", "taobao_live", "直播"),
    ("07_campaign_618", r"^### JCGP 场景营销榜", "jcgp", "JCGP"),
    ("07_campaign_618", r"^## .*淘宝联盟", "taoke_play", "淘宝客"),
    ("07_campaign_618", r"^### 营销拍档", "marketing_partner", "营销拍档"),
]
IDS = [topic for _, _, topic, _ in TOPICS]


@cache
def _cells(stem: str) -> tuple[tuple[str, str], ...]:
    nb = nbformat.read(ROOT / "notebooks" / f"{stem}.ipynb", as_version=4)
    return tuple((c.cell_type, c.source) for c in nb.cells)


def section(cells, heading: str) -> list[tuple[str, str]]:
    """The cells of the section whose heading matches ``heading`` (the heading's cell first).

    The section starts at the matching heading line (text before it in the same cell is
    dropped) and ends before the next heading of the same or a higher level.
    """
    pattern = re.compile(heading, flags=re.M)
    for start, (kind, src) in enumerate(cells):
        m = pattern.search(src) if kind == "markdown" else None
        if m is None:
            continue
        level = len(HEADING.match(src, m.start()).group(1))
        out = [(kind, src[m.start():])]
        first_rest = src[m.end():]
        for later in HEADING.finditer(first_rest):
            if len(later.group(1)) <= level:
                out[0] = (kind, src[m.start(): m.end() + later.start()])
                return out
        for kind2, src2 in cells[start + 1:]:
            if kind2 == "markdown":
                ends = [h for h in HEADING.finditer(src2) if len(h.group(1)) <= level]
                if ends:
                    if ends[0].start() > 0:
                        out.append((kind2, src2[: ends[0].start()]))
                    return out
            out.append((kind2, src2))
        return out
    raise AssertionError(f"no heading matches {heading!r}")


@pytest.mark.parametrize(("stem", "heading", "topic", "word"), TOPICS, ids=IDS)
def test_topic_has_a_cited_section_with_code(stem, heading, topic, word):
    cells = section(_cells(stem), heading)
    prose = "\n".join(src for kind, src in cells if kind == "markdown")
    assert CITES_A004.search(prose), f"{stem}: section {heading!r} does not cite A004"
    assert any(kind == "code" for kind, _ in cells), f"{stem}: section {heading!r} has no code cell"


@pytest.mark.parametrize(("stem", "heading", "topic", "word"), TOPICS, ids=IDS)
def test_topic_has_fact_rows_citing_a004(stem, heading, topic, word):
    plays = data.load("conference_618_plays")
    rows = plays[plays["topic"] == topic]
    assert len(rows) >= 1, f"no fact rows for {topic}"
    assert set(rows["source"]) == {"A004"}
    code = "\n".join(src for kind, src in section(_cells(stem), heading) if kind == "code")
    assert f'"{topic}"' in code, f"{topic}: no code cell of the section selects its fact rows"


@pytest.mark.parametrize(("stem", "heading", "topic", "word"), TOPICS, ids=IDS)
def test_topic_has_a_discussion_question(stem, heading, topic, word):
    closing = [src for kind, src in _cells(stem)
               if kind == "markdown" and src.lstrip().startswith("## 讨论题")]
    assert closing, f"{stem} has no closing discussion cell"
    questions = re.findall(r"^\d+\.\s.*$", closing[-1], flags=re.M)
    assert any(word in q for q in questions), f"{stem}: no discussion question about {word!r}"


def test_section_finder_stops_at_the_next_heading_of_the_same_level():
    cells = (
        ("markdown", "intro\n## A 一\ntext A（来源：A004）\n### A.1 sub"),
        ("code", "x = 1"),
        ("markdown", "## B 二"),
        ("code", "y = 2"),
    )
    got = section(cells, r"^## A")
    assert [kind for kind, _ in got] == ["markdown", "code"]
    assert got[0][1].startswith("## A") and "intro" not in got[0][1]
    assert section(cells, r"^### A\.1") == [("markdown", "### A.1 sub"), ("code", "x = 1")]
    with pytest.raises(AssertionError, match="no heading"):
        section(cells, r"^## C")
