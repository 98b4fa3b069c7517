"""`casekit site` without the full course: the offline check, templates, docs pages, the
API reference and the skip when nothing changed (fast: a tiny course, no dataset pages)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from casekit.course import site as S
from casekit.course.site import apiref
from casekit.course.site.links import external_resources
from tests.fixtures.course import site_course


def _build(root: Path, dirs: dict[str, Path], **kw) -> S.SiteReport:
    return S.build_site(root / "site", **dirs, catalog={}, load=lambda name: None, **kw)


# --- the offline check ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "html",
    [
        '<img srcset="a.png 1x, https://x.example/b.png 2x">',
        '<img src="a.png" srcset="//x.example/b.png 480w">',
        '<picture><source srcset="a.webp, https://x.example/b.webp 2x"></picture>',
        '<video poster="https://x.example/p.jpg"></video>',
        '<div style="background: url(https://x.example/bg.png)"></div>',
        "<div style=\"background-image:url( 'http://x.example/bg.png' )\"></div>",
        "<style>.a { background: url(\"//x.example/a.png\") }</style>",
        "<style>@import 'https://x.example/a.css';</style>",
        '<object data="https://x.example/a.swf"></object>',
        '<svg><image href="https://x.example/i.png"/></svg>',
        '<svg><use xlink:href="https://x.example/s.svg#i"/></svg>',
        '<link rel="preload" as="image" imagesrcset="https://x.example/a.png 1x">',
        '<meta http-equiv="refresh" content="0; url=https://x.example/">',
        '<td background="https://x.example/bg.gif"></td>',
        '<img src="HTTPS://X.EXAMPLE/a.png">',
    ],
)
def test_every_loading_attribute_is_checked(html):
    assert external_resources(html), html


@pytest.mark.parametrize(
    "html",
    [
        '<img srcset="a.png 1x, b.png 2x">',
        '<a href="https://example.org/doc">a plain link loads nothing</a>',
        '<img src="data:image/png;base64,AAAA">',
        '<div style="background: url(img/a.png)"></div>',
        "<p>url(https://x.example/in-text) is just text</p>",
    ],
)
def test_local_and_plain_links_pass(html):
    assert external_resources(html) == []


def test_a_srcset_from_another_host_fails_the_build(tmp_path: Path):
    dirs = site_course(tmp_path, '<img srcset="a.png 1x, https://x.example/b.png 2x">')
    with pytest.raises(S.SiteError, match=r"01_toy.ipynb: would load 'https://x.example/b.png'"):
        _build(tmp_path, dirs)
    assert not (tmp_path / "site").exists()


# --- pages from templates ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    root = tmp_path_factory.mktemp("tiny-site")
    dirs = site_course(root, "<p>ok</p>")
    (dirs["docs_dir"] / "sources.md").write_text(
        "# Bibliography\n\n- A000 …\n", encoding="utf-8")
    (dirs["docs_dir"] / "notes.md").write_text("# 技术说明\n\n文字。\n", encoding="utf-8")
    report = _build(root, dirs)
    return root, dirs, report


def test_exercise_page_labels_every_question_kind(tiny):
    _root, _dirs, report = tiny
    page = (report.path / "exercises" / "01_toy.html").read_text(encoding="utf-8")
    for label in ("数值 number", "整数 integer", "选择 choice", "文字 text"):
        assert f"<td>{label}</td>" in page


def test_text_from_notebooks_is_escaped_by_the_templates(tiny):
    _root, _dirs, report = tiny
    home = (report.path / "index.html").read_text(encoding="utf-8")
    assert "测试 &lt;b&gt;粗&lt;/b&gt;" in home  # a heading is text, not markup
    assert "<code>x&lt;y</code>" in home  # `code` in an objective stays code, escaped


def test_docs_pages_are_linked_from_the_index_and_sources_is_named(tiny):
    _root, _dirs, report = tiny
    home = (report.path / "index.html").read_text(encoding="utf-8")
    assert '<a href="docs/sources.html">参考来源 Sources</a>' in home
    assert '<a href="docs/notes.html">技术说明</a>' in home
    assert (report.path / "docs" / "sources.html").is_file()
    note = (report.path / "instructor" / "a.html").read_text(encoding="utf-8")
    assert 'href="../docs/sources.html"' in note  # a link to docs/sources.md follows it


def test_api_reference_renders_numpydoc_sections(tiny):
    _root, _dirs, report = tiny
    page = (report.path / "api.html").read_text(encoding="utf-8")
    assert '<h2 id="casekit.fileio"><code>casekit.fileio</code></h2>' in page
    assert "<code>atomic_write_bytes(path: Path, data: bytes) -&gt; None</code>" in page
    assert "<h4>参数 Parameters</h4>" in page
    assert "<dt><code>path</code> <span class=\"en\">Path</span></dt>" in page
    home = (report.path / "index.html").read_text(encoding="utf-8")
    assert 'href="api.html"' in home


def test_numpydoc_parser():
    doc = apiref.parse_docstring(
        """Summary line.

        More text
        on two lines.

        Parameters
        ----------
        x : int
            The x, in CNY.
            Second line.
        flag

        Returns
        -------
        float
            A ratio.

        Examples
        --------
        >>> f(1)
        2.0
        """
    )
    assert [p.text for p in doc.paragraphs] == ["Summary line.", "More text on two lines."]
    params, returns, examples = doc.sections
    assert params.title == "参数 Parameters"
    assert [(i.name, i.type, i.text) for i in params.items] == [
        ("x", "int", "The x, in CNY. Second line."), ("flag", "", "")]
    assert [(i.name, i.text) for i in returns.items] == [("float", "A ratio.")]
    assert examples.text == ">>> f(1)\n2.0"


# --- skipping a build whose inputs did not change -------------------------------------------------


def test_unchanged_inputs_skip_the_build_and_a_change_rebuilds(tmp_path: Path):
    dirs = site_course(tmp_path)
    first = _build(tmp_path, dirs)
    assert not first.skipped and (first.path / S.MANIFEST).is_file()
    stamp = (first.path / "index.html").stat().st_mtime_ns
    again = _build(tmp_path, dirs)
    assert again.skipped and "up to date" in again.summary()
    assert sorted(again.files) == sorted(first.files)
    assert (first.path / "index.html").stat().st_mtime_ns == stamp  # nothing rewritten

    (dirs["docs_dir"] / "sources.md").write_text("# B\n", encoding="utf-8")  # a new document
    third = _build(tmp_path, dirs)
    assert not third.skipped and (third.path / "docs" / "sources.html").is_file()

    nb_path = dirs["notebooks_dir"] / "01_toy.ipynb"
    nb = nbformat.read(nb_path, as_version=4)
    nb.cells[0].source = nb.cells[0].source.replace("10 分钟", "20 分钟")
    nbformat.write(nb, nb_path)
    fourth = _build(tmp_path, dirs)
    assert not fourth.skipped
    assert "预计用时 20 分钟" in (fourth.path / "index.html").read_text(encoding="utf-8")

    (fourth.path / "index.html").unlink()  # a damaged site is rebuilt, not trusted
    assert not _build(tmp_path, dirs).skipped
    assert _build(tmp_path, dirs, force=True).skipped is False
