"""`casekit handouts`: PDFs printed by headless Chromium, checked with poppler.

One module-scoped build prints a small notebook written here (Chinese text, a chart, a
table wider than the page), the real exercise 02 (worksheet + answer key at the default
parameters) and one reading-pack page; the tests read the PDFs back with pdfinfo, pdffonts
and pdftotext. A rendering of the first page goes to ``test-artifacts/handouts/``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import nbformat
import pytest

from casekit.course import handouts as H
from casekit.course import notebooks as N

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "handouts"
EXERCISE = "02_flagship_history"
LAST_COLUMN = "尾列LASTCOLUMN"
CHART_AXIS = "销售月份 month"

pytestmark = pytest.mark.skipif(
    not (H.CHROMIUM.exists() or shutil.which("chromium")) or not shutil.which("pdftotext"),
    reason="needs Chromium and poppler-utils (pdftotext, pdffonts, pdfinfo)",
)


def _toy_notebook(folder: Path) -> Path:
    """A short course notebook: opening cell, a chart, a 24-column table, code."""
    import altair as alt
    import pandas as pd

    folder.mkdir(parents=True, exist_ok=True)
    chart = alt.Chart(pd.DataFrame({"month": ["一月", "二月", "三月"], "units": [3, 5, 4]}))
    spec = chart.mark_bar().encode(x=alt.X("month", title=CHART_AXIS),
                                   y=alt.Y("units", title="销量")).to_dict()
    wide = pd.DataFrame([[f"值{r}{c}" for c in range(23)] + [f"{LAST_COLUMN}{r}"]
                         for r in range(3)],
                        columns=[f"第{c}列_column_{c}" for c in range(23)] + [LAST_COLUMN])
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.cells = [
        nbformat.v4.new_markdown_cell("# 01 打印测试\n\n## 学习目标\n- 看懂一张宽表\n\n"
                                      "## 预计用时\n10 分钟\n\n天猫旗舰店的中文段落。"),
        nbformat.v4.new_code_cell("chart_source_code = 1", outputs=[nbformat.v4.new_output(
            "display_data", data={"application/vnd.vegalite.v5+json": spec,
                                  "text/plain": "<图表 Chart fallback>"})]),
        nbformat.v4.new_code_cell("wide_table_code = 2", outputs=[nbformat.v4.new_output(
            "execute_result", data={"text/html": wide.to_html(), "text/plain": "wide"},
            execution_count=1)]),
    ]
    path = folder / "01_toy.ipynb"
    nbformat.write(nb, path)
    return path


def _text(pdf: Path, *pages: int) -> str:
    args = ["-f", str(pages[0]), "-l", str(pages[-1])] if pages else []
    return subprocess.run(["pdftotext", "-layout", *args, str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout


def _flat(text: str) -> str:
    """Text without spaces and line breaks (a wrapped cell splits across lines)."""
    return re.sub(r"\s+", "", text)


def _pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True,
                          text=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def _plan(tmp: Path, **kw):
    return H.plan(notebooks_dir=tmp / "notebooks", exercises_dir=ROOT / "exercises",
                  solutions_dir=ROOT / "solutions", reading_dir=ROOT / "docs" / "reading",
                  cache_dir=tmp / "answer-cache", **kw)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("handouts")
    _toy_notebook(tmp / "notebooks")
    out = tmp / "handouts"
    report = H.build_handouts(out, _plan(tmp, only=["01_toy", EXERCISE, "A003"]))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "1", "-singlefile",
                    str(out / "notebooks" / "01_toy.pdf"), str(ARTIFACTS / "notebook_page1")],
                   check=True)
    return tmp, out, report


def test_every_handout_is_written_under_its_fixed_name_and_has_pages(built):
    _tmp, out, report = built
    expected = ["notebooks/01_toy.pdf", f"worksheets/{EXERCISE}.pdf",
                f"answer-keys/{EXERCISE}.pdf", "reading/A003.pdf"]
    assert sorted(report.written) == sorted(expected)
    for name in expected:
        assert _pages(out / name) > 0, name
    assert (ARTIFACTS / "notebook_page1.png").stat().st_size > 5000


def test_chinese_text_comes_from_embedded_fonts(built):
    _tmp, out, _report = built
    for name in ("notebooks/01_toy.pdf", "reading/A003.pdf"):
        fonts = subprocess.run(["pdffonts", str(out / name)], check=True, capture_output=True,
                               text=True).stdout.splitlines()[2:]
        assert fonts, name
        # columns: name type encoding emb sub uni; Noto CJK is embedded (Chromium writes its
        # CFF glyphs as Type 3 fonts), every font is embedded and maps to Unicode
        assert all(re.search(r"\byes\s+(yes|no)\s+yes\s+\d+\s+\d+\s*$", f) for f in fonts), fonts
    assert "天猫旗舰店的中文段落" in _text(out / "notebooks/01_toy.pdf").replace(" ", "")
    assert "旗舰店2.0" in _text(out / "reading/A003.pdf")


def test_every_page_is_numbered(built):
    _tmp, out, _report = built
    pdf = out / f"answer-keys/{EXERCISE}.pdf"
    total = _pages(pdf)
    for page in (1, total):
        assert f"第{page}/{total}页" in _text(pdf, page).replace(" ", ""), page


def test_the_chart_is_drawn_as_vectors_not_its_fallback(built):
    _tmp, out, report = built
    assert report.charts["notebooks/01_toy.pdf"] == 1
    text = _text(out / "notebooks/01_toy.pdf")
    assert CHART_AXIS in text  # the x-axis title is text of the drawn SVG
    assert "Chart fallback" not in text


def test_a_wide_table_is_shrunk_to_the_page_and_its_last_column_printed(built):
    _tmp, out, report = built
    assert report.shrunk_tables["notebooks/01_toy.pdf"] >= 1
    assert f"{LAST_COLUMN}2" in _flat(_text(out / "notebooks/01_toy.pdf"))


def test_the_answer_key_holds_the_default_answers_and_the_student_command(built):
    from casekit.course.grade import expected_answers

    tmp, out, _report = built
    solution = ROOT / "solutions" / f"{EXERCISE}.ipynb"
    nb = N.read_notebook(solution)
    defaults = {k: v.default for k, v in H._param_schema(nb, str(solution)).items()}
    answers = expected_answers(solution, defaults, tmp / "answer-cache")  # cached by the build
    text = _text(out / f"answer-keys/{EXERCISE}.pdf")
    flat = text.replace(" ", "")
    numbers = _numeric_answers(nb, answers)
    assert numbers and all(v in flat for v in numbers), numbers
    assert "casekit handouts --student" in text
    assert "解答" in text  # the written reasoning of the solution


def test_the_worksheet_has_questions_and_boxes_but_no_answers(built):
    from casekit.course.grade import expected_answers

    tmp, out, _report = built
    solution = ROOT / "solutions" / f"{EXERCISE}.ipynb"
    nb = N.read_notebook(solution)
    defaults = {k: v.default for k, v in H._param_schema(nb, str(solution)).items()}
    answers = expected_answers(solution, defaults, tmp / "answer-cache")
    flat = _text(out / f"worksheets/{EXERCISE}.pdf").replace(" ", "")
    assert "问题1" in flat and "q6作答answer" in flat
    for value in (*_numeric_answers(nb, answers), "解答", "BEGINSOLUTION"):
        assert value not in flat, value


def _numeric_answers(nb, answers: dict) -> list[str]:
    """The default answers of the exercise's numeric questions, as the key prints them."""
    spec = N.exercise_spec(nb)
    return [f"{answers[q['id']]:.{q['decimals']}f}" for q in spec["questions"]
            if q["kind"] == "number" and "decimals" in q]


def test_unchanged_inputs_are_skipped_and_a_change_or_no_code_reprints(built):
    tmp, out, _report = built
    again = H.build_handouts(out, _plan(tmp, only=["01_toy", EXERCISE, "A003"]))
    assert again.written == [] and len(again.unchanged) == 4
    before = (out / "notebooks/01_toy.pdf").stat().st_mtime_ns
    no_code = H.build_handouts(out, _plan(tmp, only=["01_toy"], code=False))
    assert no_code.written == ["notebooks/01_toy.pdf"]
    assert (out / "notebooks/01_toy.pdf").stat().st_mtime_ns != before
    text = _text(out / "notebooks/01_toy.pdf")
    assert "wide_table_code" not in text and f"{LAST_COLUMN}2" in _flat(text)
    assert not list(out.rglob(".*.tmp"))  # atomic writes leave no temporary files


def test_an_unknown_slug_is_a_clear_error(tmp_path: Path):
    _toy_notebook(tmp_path / "notebooks")
    with pytest.raises(H.HandoutError, match=r"no notebook, exercise or reading page named 99_x"):
        _plan(tmp_path, only=["99_x"])


def test_a_students_key_uses_the_parameters_assign_gives_that_student(tmp_path: Path):
    from casekit.course import params as P

    (tmp_path / "notebooks").mkdir()
    keys = _plan(tmp_path, only=[EXERCISE], student="S001")
    assert [h.name for h in keys] == [f"answer-keys/{EXERCISE}.S001.pdf"]
    solution = ROOT / "solutions" / f"{EXERCISE}.ipynb"
    nb = N.read_notebook(solution)
    values = P.student_parameters(H._param_schema(nb, str(solution)), "S001", EXERCISE)
    assert keys[0].options["values"] == {k: repr(v) for k, v in values.items()}
    with pytest.raises(H.HandoutError, match="no letters or digits"):
        _plan(tmp_path, only=[EXERCISE], student="//")


def test_the_cli_reports_an_unknown_slug_without_a_traceback(tmp_path: Path):
    from click.testing import CliRunner

    from casekit.course.cli import main

    _toy_notebook(tmp_path / "notebooks")
    result = CliRunner().invoke(main, ["handouts", "--out", str(tmp_path / "h"), "--notebooks",
                                       str(tmp_path / "notebooks"), "99_nothing"])
    assert result.exit_code == 1
    assert "no notebook, exercise or reading page named 99_nothing" in result.output
    assert not (tmp_path / "h").exists()
