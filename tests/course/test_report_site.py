"""The site's instructor section links the class report when the trainer put one there
(`casekit report grading --out instructor/report.html`), and copies the notes' images."""

from __future__ import annotations

from pathlib import Path

from casekit.course import site as S
from tests.fixtures.course import site_course


def _render(dirs: dict[str, Path]) -> dict[str, bytes]:
    return S.render_site(**dirs, catalog={}, load=lambda name: None, api=False)


def test_instructor_index_links_the_class_report_when_present(tmp_path: Path):
    dirs = site_course(tmp_path)
    notes = dirs["instructor_dir"]
    files = _render(dirs)
    assert "instructor/report.html" not in files
    assert b"data-class-report" not in files["instructor/index.html"]

    (notes / "report.html").write_text("<!DOCTYPE html><title>班级学情报告</title>",
                                       encoding="utf-8")
    (notes / "report-at_risk.csv").write_bytes(b"\xef\xbb\xbfstudent_id\r\n")
    (notes / "img").mkdir()
    (notes / "img" / "class-report.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (notes / "b.md").write_text("# 笔记 B\n\n![报告](img/class-report.png)\n", encoding="utf-8")
    files = _render(dirs)
    index = files["instructor/index.html"].decode("utf-8")
    assert 'href="report.html" data-class-report' in index
    assert files["instructor/report.html"].decode("utf-8").endswith("班级学情报告</title>")
    assert "instructor/report-at_risk.csv" in files
    assert files["instructor/img/class-report.png"].startswith(b"\x89PNG")
    assert 'src="img/class-report.png"' in files["instructor/b.html"].decode("utf-8")
