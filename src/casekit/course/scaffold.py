"""``casekit new``: scaffold a course module that follows every convention from the start.

A module is a curriculum notebook ``notebooks/NN_slug.ipynb`` and, optionally, an exercise
(its single-source solution ``solutions/NN_slug.ipynb``), plus their entries in
``instructor/notes.yaml``. The scaffold passes the structural checks before any content is
written; the trainer notes carry :data:`PLACEHOLDER`, which ``casekit guide`` refuses to
publish until a maintainer replaces it.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import yaml

from casekit.course import notebooks as N
from casekit.course.answers import tolerance_zh
from casekit.errors import BadParameterError, CasekitError
from casekit.fileio import atomic_write_text

PLACEHOLDER = "【待填写】"
SLUG = re.compile(r"^\d\d_[a-z0-9]+(?:_[a-z0-9]+)*$")
ARTICLE = re.compile(r"^A\d{3}$")


def _md(text: str):
    return nbformat.v4.new_markdown_cell(text.strip("\n"))


def _code(text: str, tags: tuple[str, ...] = ()):
    cell = nbformat.v4.new_code_cell(text.strip("\n"))
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def notebook(slug: str, title_zh: str, *, role: str, summary_zh: str, minutes: int,
             source: str):
    """The curriculum notebook of a new module (opening, one worked cell, summary, discussion)."""
    number = slug[:2]
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"display_name": "Python (casekit 课程)", "language": "python",
                                 "name": "casekit"}
    nb.metadata["casekit"] = {"role": role, "summary_zh": summary_zh}
    nb.cells = [
        _md(f"""
# {number} {title_zh}

## 学习目标
- 说出本节的核心概念（core concept），并能举出一个天猫店铺里的例子
- 用 casekit 的函数在数据上算出本节的关键指标，并读懂结果
- 读懂本节的图表，说出它支持和不支持哪些结论

## 预计用时
{minutes} 分钟

## 先修要求
学完 00 课程导览，会在 JupyterLab 里按顺序运行单元格。

## English summary
{title_zh}: the core idea of this module, in the course's own words.
One worked computation with the casekit library on the course data.
One chart, and what it does and does not show.
"""),
        _code("from casekit import nb, data\n\nnb.setup()"),
        _md(f"""
## 1 背景

本节的事实和数字出自参考来源里的文章（来源：{source}）。先读一读文章讲了什么，再动手计算。
"""),
        _code("""
glossary = data.load("glossary")
nb.md(f"术语表里共有 **{nb.fmt_int(len(glossary))}** 条术语，遇到陌生名词可以先查它。")
"""),
        _code("""
import altair as alt

per_topic = glossary.groupby("topic").size().reset_index(name="terms")
alt.Chart(per_topic, title="术语表：每个主题的术语数").mark_bar().encode(
    x=alt.X("terms:Q", title="术语数 (terms)"),
    y=alt.Y("topic:N", title="主题 (topic)", sort="-x"),
)
"""),
        _md("""
## 要点回顾
- 本节的核心概念是什么、在店铺运营里解决什么问题。
- 用哪个 casekit 函数算出关键指标，结果该怎么读。
"""),
        _md("""
## 讨论题
1. 本节的方法在你熟悉的品类里会遇到什么限制？
2. 如果数据只覆盖大促前后几天，结论还能推广到平时吗？为什么？
"""),
    ]
    return nb


def solution(slug: str, title_zh: str, *, minutes: int):
    """The exercise's single-source solution: parameters, four questions at four levels."""
    number = slug[:2]
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"display_name": "Python (casekit 课程)", "language": "python",
                                 "name": "casekit"}
    options = [
        {"id": "more_visitors", "zh": "访客数增加"},
        {"id": "higher_cvr", "zh": "转化率提高"},
        {"id": "higher_aov", "zh": "客单价提高"},
    ]
    plans = [
        {"id": "plan_a", "zh": "方案甲：访客数增加 20%，转化率不变"},
        {"id": "plan_b", "zh": "方案乙：访客数不变，转化率提高 `cvr_lift`"},
    ]
    nb.metadata["casekit"] = {
        "parameters": {
            "visitors": {"type": "int", "default": 10000, "min": 5000, "max": 20000,
                         "vary": True, "description": "一天的访客数"},
            "cvr": {"type": "float", "default": 0.03, "min": 0.01, "max": 0.05, "step": 0.001,
                    "vary": True, "description": "转化率（支付买家数 ÷ 访客数）"},
            "aov_cny": {"type": "float", "default": 150.0, "min": 80.0, "max": 300.0,
                        "step": 5.0, "vary": True, "description": "客单价（元）"},
            "cvr_lift": {"type": "float", "default": 0.25, "min": 0.1, "max": 0.3, "step": 0.05,
                         "vary": True, "description": "方案乙让转化率提高的比例"},
        },
        "exercise": {
            "id": slug,
            "title_zh": title_zh,
            "questions": [
                {"id": "q1", "title_zh": "一天的销售额", "kind": "number", "points": 2,
                 "answer": "q1_gmv", "decimals": 0, "level": "apply", "minutes": 3,
                 "hint_zh": "销售额 = 访客数 × 转化率 × 客单价"},
                {"id": "q2", "title_zh": "读表：销售额变化的原因", "kind": "choice",
                 "points": 2, "answer": "q2_cause", "options": options, "level": "analyse",
                 "minutes": 4},
                {"id": "q3", "title_zh": "选方案：哪个带来更多销售额", "kind": "choice",
                 "points": 2, "answer": "q3_plan", "options": plans, "level": "evaluate",
                 "minutes": 4},
                {"id": "q4", "title_zh": "说理由", "kind": "text", "points": 2,
                 "answer": "q4_why", "level": "evaluate", "minutes": 5,
                 "rubric": {
                     "criteria": [
                         {"id": "numbers", "zh": "引用了两个方案各自的销售额", "points": 1},
                         {"id": "decision", "zh": "结论与所选方案一致，并说明取舍", "points": 1},
                     ],
                     "full_example_zh": "方案乙的销售额更高，因为转化率提升的幅度大于访客增幅；"
                                        "它还不用多花引流费用。",
                     "partial_example_zh": "选方案乙，因为转化率更重要。"
                                           "（没有引用数字，只得 1 分）",
                 }},
            ],
        },
    }
    q = nb.metadata["casekit"]["exercise"]["questions"]
    nb.cells = [
        _md(f"""
# 练习 {number}：{title_zh}

本练习配合笔记本 `{slug}`。你的参数由老师按学号生成，请不要修改参数格。

**预计用时**：{minutes} 分钟
"""),
        _code("""
visitors: int = 10000  # 一天的访客数
cvr: float = 0.03  # 转化率（支付买家数 ÷ 访客数）
aov_cny: float = 150.0  # 客单价（元）
cvr_lift: float = 0.25  # 方案乙让转化率提高的比例
""", tags=("parameters",)),
        _code("from casekit import exercise as ex"),
        _md(f"""
### 问题 1（q1 · {q[0]['points']} 分）

按销售额恒等式算出一天的销售额（元）。

{tolerance_zh(q[0])}
"""),
        _code("""
q1_gmv = None
### BEGIN SOLUTION
q1_gmv = visitors * cvr * aov_cny
q1_gmv
### END SOLUTION
"""),
        _code('ex.check_number("q1", q1_gmv, minimum=0, hint="销售额 = 访客数 × 转化率 × 客单价");',
              tags=("public-check",)),
        _md(f"""
### 问题 2（q2 · {q[1]['points']} 分）

下表是同一家店两天的数据，第二天只有一个因素变了。销售额变化的原因是哪一个？

- A：{options[0]['zh']}
- B：{options[1]['zh']}
- C：{options[2]['zh']}

答案写成一个大写字母。
"""),
        _code("""
import pandas as pd

days = pd.DataFrame({"visitors": [visitors, visitors], "cvr": [cvr, cvr * (1 + cvr_lift)],
                     "aov_cny": [aov_cny, aov_cny]}, index=["第一天", "第二天"])
days.assign(gmv_cny=days["visitors"] * days["cvr"] * days["aov_cny"])
"""),
        _code("""
q2_cause = None
### BEGIN SOLUTION
q2_cause = "B"
q2_cause
### END SOLUTION
"""),
        _code('ex.check_choice("q2", q2_cause, options=["A", "B", "C"]);', tags=("public-check",)),
        _md(f"""
### 问题 3（q3 · {q[2]['points']} 分）

用你自己的参数比较两个方案一天的销售额，选销售额更高的一个：

- A：{plans[0]['zh']}
- B：{plans[1]['zh']}

答案写成一个大写字母。
"""),
        _code("""
q3_plan = None
### BEGIN SOLUTION
gmv_a = visitors * 1.2 * cvr * aov_cny
gmv_b = visitors * cvr * (1 + cvr_lift) * aov_cny
q3_plan = "A" if gmv_a > gmv_b else "B"
q3_plan
### END SOLUTION
"""),
        _code('ex.check_choice("q3", q3_plan, options=["A", "B"]);', tags=("public-check",)),
        _md(f"""
### 问题 4（q4 · {q[3]['points']} 分）

用两三句话说明你为什么选这个方案，引用你算出的数字。
"""),
        _code("""
q4_why = None
### BEGIN SOLUTION
q4_why = (f"方案{'甲' if q3_plan == 'A' else '乙'}的销售额更高：甲约 {gmv_a:,.0f} 元，"
          f"乙约 {gmv_b:,.0f} 元。提升幅度更大的因素带来的增量更多。")
q4_why
### END SOLUTION
"""),
        _code('ex.check_text("q4", q4_why);', tags=("public-check",)),
    ]
    return nb


def _insert_agenda(lines: list[str], slug: str) -> list[str]:
    """Place the module in every agenda's ``self_study`` with a placeholder reason."""
    out = []
    for line in lines:
        out.append(line)
        if re.match(r"^    self_study:\s*$", line):
            out.append(f"      {slug}: \"{PLACEHOLDER}为什么不进课堂；或把它排进 days\"\n")
    return out


def _insert_notes(text: str, slug: str, exercise: bool, *, scheduled: bool = True) -> str:
    """``notes.yaml`` with placeholder entries for the new module (comments kept)."""
    notes = yaml.safe_load(text) or {}
    if slug in (notes.get("discussion") or {}):
        raise CasekitError(f"instructor/notes.yaml already has discussion notes for {slug}")
    point = f"      - \"{PLACEHOLDER}讨论要点\"\n"
    discussion = f"  {slug}:\n    1:\n{point}{point}    2:\n{point}{point}"
    lines = text.splitlines(keepends=True)
    at = next((i for i, ln in enumerate(lines) if ln.startswith("mistakes:")), len(lines))
    while at > 0 and not lines[at - 1].strip():
        at -= 1
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    lines.insert(at, discussion)
    agendas = (notes.get("agenda") or {}) if scheduled else {}
    if agendas:
        lines = _insert_agenda(lines, slug)
    out = "".join(lines)
    if exercise:
        if "mistakes:" not in out:
            out += "mistakes:\n"
        out += (
            f"  {slug}:\n"
            f"    - questions: [q1]\n      mistake: \"{PLACEHOLDER}常见错误\"\n"
            f"      fix: \"{PLACEHOLDER}怎样纠正\"\n"
            f"    - questions: [q3]\n      mistake: \"{PLACEHOLDER}常见错误\"\n"
            f"      fix: \"{PLACEHOLDER}怎样纠正\"\n"
        )
    parsed = yaml.safe_load(out)
    placed = all(slug in ((a or {}).get("self_study") or {})
                 for a in (parsed.get("agenda") or {}).values()) if agendas else True
    if not placed or slug not in (parsed.get("discussion") or {}) or (
        exercise and slug not in (parsed.get("mistakes") or {})
    ):
        raise CasekitError(
            "instructor/notes.yaml: could not add the placeholder entries (expected top-level "
            "'discussion:' and 'mistakes:' mappings and a 'self_study:' in every agenda); "
            "add them by hand"
        )
    return out


def new_module(root: Path | str, slug: str, title_zh: str, *, exercise: bool = False,
               role: str = "core", summary_zh: str | None = None, minutes: int = 45,
               source: str = "A001") -> list[Path]:
    """Write a new module's notebook (and solution), and its placeholder trainer notes.

    Returns
    -------
    list of Path
        The files written or changed.

    Raises
    ------
    BadParameterError
        A malformed slug, an unknown role or source id, a taken number, bad minutes.
    """
    root = Path(root)
    if not SLUG.match(slug):
        raise BadParameterError("slug", slug, "NN_slug: two digits, '_', then a-z, 0-9 and '_'")
    if role not in N.ROLES:
        raise BadParameterError("role", role, f"one of {', '.join(N.ROLES)}")
    if not ARTICLE.match(source):
        raise BadParameterError("source", source, "an article id of the bibliography, e.g. A001")
    if not 5 <= minutes <= 240:
        raise BadParameterError("minutes", minutes, "minutes between 5 and 240")
    if not title_zh.strip():
        raise BadParameterError("title_zh", title_zh, "a Chinese title")
    taken = [p.name for p in N.discover(root / "notebooks") if p.name[:2] == slug[:2]]
    if taken:
        raise BadParameterError("slug", slug, f"a free number ({slug[:2]} is taken by {taken[0]})")
    summary = summary_zh or f"学习{title_zh}的核心概念，并用 casekit 算出关键指标"
    written = []
    nb_path = root / "notebooks" / f"{slug}.ipynb"
    N.write_notebook(nb_path, notebook(slug, title_zh, role=role, summary_zh=summary,
                                       minutes=minutes, source=source))
    written.append(nb_path)
    if exercise:
        sol_path = root / "solutions" / f"{slug}.ipynb"
        N.write_notebook(sol_path, solution(slug, title_zh, minutes=16))
        written.append(sol_path)
    notes_path = root / "instructor" / "notes.yaml"
    text = _insert_notes(notes_path.read_text(encoding="utf-8"), slug, exercise,
                         scheduled=role != "appendix")  # an appendix is never scheduled
    atomic_write_text(notes_path, text)
    written.append(notes_path)
    return written
