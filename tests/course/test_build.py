"""`casekit build`: parallel papermill execution with cache, determinism, atomicity, --check."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from casekit.course import build as b
from casekit.course import notebooks as N
from casekit.errors import NotebookError

pytestmark = pytest.mark.slow


def _notebook(path: Path, *sources: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "casekit", "display_name": "casekit", "language": "python"}
    nb.cells = [
        nbformat.v4.new_markdown_cell(s[3:]) if s.startswith("md:")
        else nbformat.v4.new_code_cell(s)
        for s in sources
    ]
    nbformat.write(nb, path)
    return path


@pytest.fixture
def course(tmp_path: Path) -> Path:
    _notebook(
        tmp_path / "01_ok.ipynb",
        "md:# 标题",
        "import casekit, ipywidgets as w\nprint(sorted({'b', 'a'}), {'x', 'y', 'z'})",
        "w.IntSlider(3)",
    )
    _notebook(tmp_path / "02_fail.ipynb", "x = 1", "1 / 0", "print('never')")
    return tmp_path


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("casekit")
    return subprocess.run([str(exe), *args], capture_output=True, text=True, cwd=cwd)


def test_build_executes_reports_failure_and_keeps_other_notebooks(course: Path):
    failing_before = (course / "02_fail.ipynb").read_bytes()
    report = b.build(N.discover([course]), jobs=2, progress=False)
    status = {r.path.name: r for r in report.results}
    assert status["01_ok.ipynb"].status == "built"
    assert status["02_fail.ipynb"].status == "failed"
    message = status["02_fail.ipynb"].message
    assert "02_fail.ipynb: cell 2 (In [2]) raised ZeroDivisionError" in message
    assert not report.ok
    # the failed notebook is untouched and no temporary file is left next to it
    assert (course / "02_fail.ipynb").read_bytes() == failing_before
    assert sorted(p.name for p in course.iterdir()) == ["01_ok.ipynb", "02_fail.ipynb"]
    built = nbformat.read(course / "01_ok.ipynb", as_version=4)
    assert built.cells[1].outputs[0]["text"].startswith("['a', 'b']")
    assert "papermill" not in built.metadata
    assert all("papermill" not in c.metadata and "execution" not in c.metadata for c in built.cells)
    assert built.metadata["casekit"]["build_key"]


def test_rebuild_is_cached_and_forced_rebuild_is_byte_identical(course: Path):
    (course / "02_fail.ipynb").unlink()
    paths = N.discover([course])
    b.build(paths, progress=False)
    first = (course / "01_ok.ipynb").read_bytes()
    again = b.build(paths, progress=False)
    assert [r.status for r in again.results] == ["cached"]
    forced = b.build(paths, force=True, progress=False)
    assert [r.status for r in forced.results] == ["built"]
    assert (course / "01_ok.ipynb").read_bytes() == first, "two builds must be byte-identical"
    # widget model ids are renumbered deterministically, not random uuid4s
    data = json.loads(first)["cells"][2]["outputs"][0]["data"]
    view = data["application/vnd.jupyter.widget-view+json"]
    assert view["model_id"].split("-")[2].startswith("5"), "uuid5 expected"


def _model_refs(value) -> set[str]:
    if isinstance(value, str) and value.startswith("IPY_MODEL_"):
        return {value.removeprefix("IPY_MODEL_")}
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
    return set().union(*(_model_refs(v) for v in items))


def test_widget_state_is_saved_with_the_output_ids_and_only_what_is_displayed(tmp_path: Path):
    _notebook(
        tmp_path / "01_w.ipynb",
        "import ipywidgets as w\nhidden = w.Button(description='never shown')\n"
        "s = w.IntSlider(7, description='n')\ns",
        "w.VBox([w.HTML('<b>x</b>'), s])",
    )
    paths = N.discover([tmp_path])
    b.build(paths, progress=False)
    first = (tmp_path / "01_w.ipynb").read_bytes()
    b.build(paths, force=True, progress=False)
    assert (tmp_path / "01_w.ipynb").read_bytes() == first, "two builds must be byte-identical"
    nb = json.loads(first)
    saved = nb["metadata"]["widgets"]["application/vnd.jupyter.widget-state+json"]
    assert (saved["version_major"], saved["version_minor"]) == (2, 0)
    state = saved["state"]
    shown = [
        c["outputs"][0]["data"]["application/vnd.jupyter.widget-view+json"]["model_id"]
        for c in nb["cells"]
    ]
    # the displayed ids (renumbered, uuid5) are the saved models' ids
    assert all(i in state and i.split("-")[2].startswith("5") for i in shown)
    slider, box = (state[i] for i in shown)
    assert slider["model_name"] == "IntSliderModel" and slider["state"]["value"] == 7
    assert box["model_name"] == "VBoxModel"
    assert box["state"]["children"][1] == f"IPY_MODEL_{shown[0]}"
    # every reference resolves inside the saved state, and nothing else is kept: the
    # never-displayed button and its layout/style are dropped
    refs = set().union(*(_model_refs(m["state"]) for m in state.values()))
    assert refs <= set(state)
    assert set(state) == set(shown) | refs
    assert all(m["state"].get("description") != "never shown" for m in state.values())
    # slider, box and html, a layout and a style each for slider and html, the box layout
    assert len(state) == 8


def test_editing_a_cell_invalidates_the_cache(course: Path):
    (course / "02_fail.ipynb").unlink()
    paths = N.discover([course])
    b.build(paths, progress=False)
    nb = nbformat.read(course / "01_ok.ipynb", as_version=4)
    nb.cells[1].source = "import ipywidgets as w\nprint('changed')"
    nbformat.write(nb, course / "01_ok.ipynb")
    report = b.build(paths, progress=False)
    assert [r.status for r in report.results] == ["built"]
    nb = nbformat.read(course / "01_ok.ipynb", as_version=4)
    assert nb.cells[1].outputs[0]["text"] == "changed\n"


def test_declared_data_inputs_are_part_of_the_build_key(tmp_path: Path):
    data = tmp_path / "results" / "table.json"
    data.parent.mkdir()
    data.write_text('{"seconds": 4.2}')
    path = _notebook(
        tmp_path / "11_data.ipynb",
        "import json, pathlib\nprint(json.loads(pathlib.Path('results/table.json').read_text()))",
    )
    nb = nbformat.read(path, as_version=4)
    nb.metadata["casekit"] = {"inputs": ["results/table.json"]}
    nbformat.write(nb, path)
    assert [r.status for r in b.build([path], progress=False).results] == ["built"]
    assert [r.status for r in b.build([path], progress=False).results] == ["cached"]
    data.write_text('{"seconds": 3.9}')  # a new measurement: the notebook must be rebuilt
    assert [r.status for r in b.build([path], progress=False).results] == ["built"]
    assert "3.9" in nbformat.read(path, as_version=4).cells[0].outputs[0]["text"]
    nb = nbformat.read(path, as_version=4)
    nb.metadata["casekit"]["inputs"] = "results/table.json"
    nbformat.write(nb, path)
    report = b.build([path], progress=False)
    assert report.results[0].status == "failed"
    assert "list of relative file paths" in report.results[0].message


def test_check_mode_passes_when_current_and_fails_on_drift(course: Path):
    (course / "02_fail.ipynb").unlink()
    paths = N.discover([course])
    b.build(paths, progress=False)
    assert b.build(paths, check=True, progress=False).ok
    nb = json.loads((course / "01_ok.ipynb").read_text(encoding="utf-8"))
    nb["cells"][1]["outputs"][0]["text"] = ["stale output\n"]
    text = json.dumps(nb, indent=1, ensure_ascii=False)
    (course / "01_ok.ipynb").write_text(text, encoding="utf-8")
    report = b.build(paths, check=True, progress=False)
    assert [r.status for r in report.results] == ["differs"]
    assert "differs from a fresh build" in report.results[0].message


def test_cli_exit_status_and_messages(course: Path):
    proc = _cli("build", "--quiet", ".", cwd=course)
    assert proc.returncode == 1
    assert "FAILED" in proc.stderr and "ZeroDivisionError" in proc.stderr
    assert "1 built, 1 failed" in proc.stdout
    (course / "02_fail.ipynb").unlink()
    proc = _cli("build", "--quiet", ".", cwd=course)
    assert proc.returncode == 0 and "1 cached" in proc.stdout


def test_malformed_notebook_is_reported_not_crashing(tmp_path: Path):
    (tmp_path / "01_broken.ipynb").write_text("{ not json", encoding="utf-8")
    report = b.build(N.discover([tmp_path]), progress=False)
    assert report.results[0].status == "failed"
    assert "not a valid notebook file" in report.results[0].message
    with pytest.raises(NotebookError, match=r"01_broken\.ipynb"):
        b.read_notebook(tmp_path / "01_broken.ipynb")


def test_missing_kernel_gives_a_fix(tmp_path: Path):
    path = _notebook(tmp_path / "01_k.ipynb", "1")
    nb = nbformat.read(path, as_version=4)
    nb.metadata["kernelspec"]["name"] = "no-such-kernel"
    nbformat.write(nb, path)
    report = b.build([path], progress=False)
    message = report.results[0].message
    assert "kernel 'no-such-kernel' is not installed; run `casekit kernel`" in message


def test_discover_takes_only_numbered_notebooks(tmp_path: Path):
    for name in ("00_a.ipynb", "10_b.ipynb", "scratch.ipynb", "1_c.ipynb"):
        (tmp_path / name).write_text("{}", encoding="utf-8")
    assert [p.name for p in N.discover([tmp_path])] == ["00_a.ipynb", "10_b.ipynb"]


def test_written_notebook_has_normal_file_mode(course: Path):
    (course / "02_fail.ipynb").unlink()
    os.chmod(course / "01_ok.ipynb", 0o644)
    b.build(N.discover([course]), progress=False)
    assert (course / "01_ok.ipynb").stat().st_mode & 0o777 == 0o644


def test_build_output_has_no_tcp_kernel_warning(tmp_path: Path):
    # kernels are started over IPC in a private temp folder: ipykernel has nothing to warn about
    _notebook(tmp_path / "01_quiet.ipynb", "print('hi')")
    result = _cli("build", "--quiet", "--force", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Kernel is running over TCP without encryption" not in result.stderr + result.stdout
    assert "[IPKernelApp] WARNING" not in result.stderr
