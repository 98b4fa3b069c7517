"""A small, fast exercise in the solution format, for testing assign and grade."""

from __future__ import annotations

from pathlib import Path

import nbformat

EXERCISE_ID = "01_toy"
PARAMETERS = {
    "seed": {"type": "int", "default": 7, "min": 1, "max": 9999, "vary": True,
             "description": "随机种子"},
    "brand": {"type": "str", "default": "美宝莲", "choices": ["美宝莲", "欧莱雅", "兰蔻"],
              "vary": True, "description": "品牌"},
    "budget_cny": {"type": "float", "default": 1000.0, "min": 0.0, "max": 1e6},
}
QUESTIONS = [
    {"id": "q1", "title_zh": "点击率", "points": 2, "answer": "q1_ctr", "kind": "number",
     "rel_tol": 1e-6, "hint_zh": "点击率 = 点击 / 曝光"},
    {"id": "q2", "title_zh": "品牌名长度", "points": 1, "answer": "q2_len", "kind": "integer"},
    {"id": "q3", "title_zh": "哪个更高", "points": 1, "answer": "q3_choice", "kind": "choice",
     "options": ["A", "B"]},
    {"id": "q4", "title_zh": "解读", "points": 1, "answer": "q4_text", "kind": "text"},
]


def code(source: str, *tags: str):
    cell = nbformat.v4.new_code_cell(source)
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def solution_notebook():
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "casekit", "display_name": "Python (casekit 课程)",
                                 "language": "python"}
    nb.metadata["casekit"] = {
        "parameters": PARAMETERS,
        "exercise": {"id": EXERCISE_ID, "title_zh": "玩具练习", "questions": QUESTIONS},
    }
    nb.cells = [
        nbformat.v4.new_markdown_cell("# 练习 01：玩具\n\n预计用时 10 分钟"),
        code('seed: int = 7\nbrand: str = "美宝莲"\nbudget_cny: float = 1000.0', "parameters"),
        code("import numpy as np\nfrom casekit import exercise as ex\n"
             "rng = np.random.default_rng(seed)\n"
             "impressions = int(rng.integers(1000, 5000))\nclicks = int(rng.integers(10, 200))\n"
             "a, b = rng.random(2)"),
        nbformat.v4.new_markdown_cell("### 问题 1（q1 · 2 分）点击率"),
        code("q1_ctr = None\n### BEGIN SOLUTION\nq1_ctr = clicks / impressions\n### END SOLUTION"),
        code('ex.check_number("q1", q1_ctr, minimum=0, maximum=1, hint="点击 / 曝光")',
             "public-check"),
        code("q2_len = None\n### BEGIN SOLUTION\nq2_len = len(brand)\n### END SOLUTION"),
        code('ex.check_number("q2", q2_len, minimum=0, integer=True)', "public-check"),
        code('q3_choice = None\n### BEGIN SOLUTION\nq3_choice = "A" if a > b else "B"\n'
             "### END SOLUTION"),
        code('ex.check_choice("q3", q3_choice, ["A", "B"])', "public-check"),
        code('q4_text = None\n### BEGIN SOLUTION\n'
             'q4_text = "点击率取决于创意和人群，也取决于位置。"\n'
             "### END SOLUTION"),
        code('ex.check_text("q4", q4_text, min_chars=5)', "public-check"),
        code("assert q1_ctr is not None", "hidden-check"),
        nbformat.v4.new_markdown_cell("解答说明：点击率按定义计算。", ),
    ]
    nb.cells[-1].metadata["tags"] = ["solution"]
    return nb


def write_solution(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{EXERCISE_ID}.ipynb"
    nbformat.write(solution_notebook(), path)
    return path


def answer(nb, answers: dict[str, str]):
    """Fill an exercise's placeholders: {'q1_ctr': 'clicks / impressions', ...}."""
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for variable, expression in answers.items():
            if cell.source.startswith(f"{variable} = None"):
                cell.source = f"{variable} = None\n{variable} = {expression}"
    return nb


CORRECT = {
    "q1_ctr": "clicks / impressions",
    "q2_len": "len(brand)",
    "q3_choice": '"A" if a > b else "B"',
    "q4_text": '"位置靠前、主图清楚时点击率更高。"',
}
