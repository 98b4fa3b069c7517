"""Adding a module is one documented path: ``casekit new`` then ``casekit check``.

The acceptance test works in a temporary copy of the repository (its tracked files), with the
copy's ``src`` first on the path, so nothing in the checkout changes.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

from casekit.course import scaffold as S
from casekit.errors import BadParameterError

ROOT = Path(__file__).resolve().parents[2]
SLUG = "12_live_commerce"


def _copy_repo(dest: Path) -> Path:
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True,
                           check=True).stdout.decode().split("\0")
    for name in filter(None, files):
        src = ROOT / name
        if src.is_file():
            target = dest / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, target)
    return dest


def _casekit(root: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(root / "src")}
    return subprocess.run([sys.executable, "-m", "casekit.course.cli", *args], cwd=root,
                          env=env, capture_output=True, text=True)


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    next_number = len(list((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")))
    assert SLUG.startswith(f"{next_number:02d}_"), "the test's module takes the next free number"
    return _copy_repo(tmp_path_factory.mktemp("course"))


def test_new_then_check_is_green_in_a_copy_of_the_repository(repo):
    made = _casekit(repo, "new", SLUG, "--title-zh", "直播电商", "--exercise", "--source", "A004",
                    "--summary-zh", "比较直播间与短视频的转化，算一场直播的销售额")
    assert made.returncode == 0, made.stdout + made.stderr
    for path in (f"notebooks/{SLUG}.ipynb", f"solutions/{SLUG}.ipynb"):
        assert (repo / path).exists(), path
    # the guide refuses to publish placeholder notes
    refused = _casekit(repo, "guide")
    assert refused.returncode != 0 and S.PLACEHOLDER in refused.stdout + refused.stderr
    # a minimal body: the maintainer writes the trainer notes
    notes = repo / "instructor" / "notes.yaml"
    notes.write_text(notes.read_text("utf-8").replace(S.PLACEHOLDER, "（已写）"), "utf-8")
    # the build is cached: only the new module and 00 (whose course map changed) run
    for step in (["index"], ["build", "notebooks", "solutions"], ["assign"], ["guide"]):
        done = _casekit(repo, *step)
        assert done.returncode == 0, (step, done.stdout + done.stderr)
    checked = _casekit(repo, "check", SLUG)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "✗" not in checked.stdout
    assert "course-wide tests" in checked.stdout and f"checks passed for {SLUG}" in checked.stdout
    readme = (repo / "README.md").read_text("utf-8")
    assert f"(notebooks/{SLUG}.ipynb)" in readme, "the course table lists the new module"


def test_check_names_the_failing_step(repo):
    broken = _casekit(repo, "check", "13_missing")
    assert broken.returncode != 0 and "notebooks/13_missing.ipynb" in broken.stderr


def test_scaffold_rejects_bad_input(tmp_path):
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "instructor").mkdir()
    (tmp_path / "instructor" / "notes.yaml").write_text("discussion: {}\nmistakes: {}\n", "utf-8")
    nbformat.write(nbformat.v4.new_notebook(), tmp_path / "notebooks" / "01_old.ipynb")
    with pytest.raises(BadParameterError, match="NN_slug"):
        S.new_module(tmp_path, "live", "直播")
    with pytest.raises(BadParameterError, match=r"01 is taken by 01_old\.ipynb"):
        S.new_module(tmp_path, "01_live", "直播")
    with pytest.raises(BadParameterError, match="one of core, case, appendix"):
        S.new_module(tmp_path, "02_live", "直播", role="lecture")
    with pytest.raises(BadParameterError, match="article id"):
        S.new_module(tmp_path, "02_live", "直播", source="R-x")


def test_scaffold_notes_keep_comments_and_add_both_entries(tmp_path):
    text = ("# trainer notes\nagenda:\n  one_day:\n    days: []\n    self_study:\n"
            "      00_a: why\ndiscussion:\n  00_a:\n    1: [x, y]\n\nmistakes:\n  00_a: []\n")
    out = S._insert_notes(text, "05_new", exercise=True)
    assert out.startswith("# trainer notes\n")
    parsed = yaml.safe_load(out)
    assert S.PLACEHOLDER in parsed["agenda"]["one_day"]["self_study"]["05_new"]
    assert set(parsed["discussion"]) == {"00_a", "05_new"}
    assert len(parsed["mistakes"]["05_new"]) == 2
    assert S.PLACEHOLDER in repr(parsed["discussion"]["05_new"])
