"""The course map and the README's course table are generated from the notebooks' metadata."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner

from casekit.course import coursemap as C
from casekit.course import notebooks as N
from casekit.course.cli import main
from casekit.errors import NotebookError

ROOT = Path(__file__).resolve().parents[2]


def test_committed_course_map_and_readme_table_are_current():
    stale = C.write(ROOT, check=True)
    assert stale == [], f"run `casekit index`: stale {stale}"


def test_readme_and_course_map_list_every_notebook_from_the_folder():
    paths = N.discover(ROOT / "notebooks")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index(C.README_START):readme.index(C.README_END)]
    rows = json.loads((ROOT / "notebooks" / C.MAP_FILE).read_text(encoding="utf-8"))["notebooks"]
    assert [r["slug"] for r in rows] == [p.stem for p in paths]
    for p in paths:
        assert f"(notebooks/{p.name})" in table, p.name


def test_notebook_00_shows_the_generated_map():
    nb = N.read_notebook(ROOT / "notebooks" / "00_course_map.ipynb")
    assert C.MAP_FILE in nb.metadata["casekit"]["inputs"], "the build key must track the map"
    shown = json.dumps([c.get("outputs", []) for c in nb.cells], ensure_ascii=False)
    for row in C.entries(ROOT / "notebooks"):
        assert row["title"] in shown, row["slug"]
    prose = "\n".join(N.markdown_cells(nb))
    assert "十一本" not in prose, "no hand-kept notebook count in the prose"


def _course(tmp_path: Path) -> Path:
    (tmp_path / "notebooks").mkdir(parents=True)
    for i, (role, cite) in enumerate([("core", "A001"), ("case", "A003；A001"), ("appendix", "")]):
        nb = nbformat.v4.new_notebook()
        nb.cells = [
            nbformat.v4.new_markdown_cell(
                f"# {i:02d} 模块{i}\n\n## 学习目标\n- 甲\n\n## 预计用时\n{10 * (i + 1)} 分钟\n"
            ),
            nbformat.v4.new_markdown_cell(f"正文（来源：{cite}）。" if cite else "正文。"),
        ]
        nb.metadata["casekit"] = {"role": role, "summary_zh": f"做第{i}件事情"}
        nbformat.write(nb, tmp_path / "notebooks" / f"{i:02d}_m{i}.ipynb")
    (tmp_path / "README.md").write_text(
        f"# x\n\n{C.README_START}\nold\n{C.README_END}\n\nrest\n", encoding="utf-8"
    )
    return tmp_path


def test_write_regenerates_both_files_and_check_reports_staleness(tmp_path):
    root = _course(tmp_path)
    assert set(C.write(root, check=True)) == {root / "notebooks" / C.MAP_FILE, root / "README.md"}
    assert not (root / "notebooks" / C.MAP_FILE).exists(), "--check writes nothing"
    C.write(root)
    assert C.write(root, check=True) == []
    readme = (root / "README.md").read_text(encoding="utf-8")
    assert "old" not in readme and readme.endswith("rest\n")
    row = "| 01 | [模块1](notebooks/01_m1.ipynb) | 做第1件事情 | 20 分钟 | 案例 case | A001、A003 |"
    assert row in readme
    frame = C.frame(root / "notebooks" / C.MAP_FILE)
    assert list(frame["类型"]) == ["正课", "案例", "选学附录"]
    assert list(frame["主要源文章"]) == ["A001", "A001、A003", "—"]


def test_a_new_notebook_appears_after_casekit_index(tmp_path):
    root = _course(tmp_path)
    C.write(root)
    shutil.copy(root / "notebooks" / "01_m1.ipynb", root / "notebooks" / "03_m3.ipynb")
    result = CliRunner().invoke(main, ["index", "--root", str(root), "--check"])
    assert result.exit_code == 1 and "stale" in result.output and "casekit index" in result.output
    result = CliRunner().invoke(main, ["index", "--root", str(root)])
    assert result.exit_code == 0, result.output
    assert "03_m3.ipynb" in (root / "README.md").read_text(encoding="utf-8")


def test_missing_summary_or_markers_get_clear_errors(tmp_path):
    root = _course(tmp_path)
    nb = nbformat.read(root / "notebooks" / "00_m0.ipynb", as_version=4)
    del nb.metadata["casekit"]["summary_zh"]
    nbformat.write(nb, root / "notebooks" / "00_m0.ipynb")
    with pytest.raises(NotebookError, match="summary_zh is missing"):
        C.write(root)
    root2 = _course(tmp_path / "b")
    (root2 / "README.md").write_text("# no markers\n", encoding="utf-8")
    with pytest.raises(NotebookError, match="no course-table markers"):
        C.write(root2)
    with pytest.raises(NotebookError, match="run `casekit index`"):
        C.frame(tmp_path / "missing.json")
