"""Distribution: casekit works when installed from its wheel, datasets included, no repo paths."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(out), str(ROOT)],
        check=True, capture_output=True, text=True,
    )
    (whl,) = out.glob("casekit-*.whl")
    return whl


def _venv_with_wheel(wheel: Path, tmp_path: Path) -> Path:
    """A fresh venv whose casekit comes only from the wheel; returns its python."""
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    py = env_dir / "bin" / "python"
    site = subprocess.run(
        [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()
    # Dependencies come from the project's environment (a plain path entry: its editable
    # casekit .pth hooks are not processed); casekit itself only from the wheel.
    Path(site, "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "-q",
         "--target", site, str(wheel)],
        check=True, capture_output=True, text=True,
    )
    return py


def test_wheel_carries_the_datasets_and_catalogue(wheel: Path):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "casekit/_datasets/catalog.yaml" in names
    assert "casekit/_datasets/synthetic/events_618.parquet" in names
    assert "casekit/_datasets/facts/flagship_stages.csv" in names
    assert not any("catalog.d/" in n for n in names), "merge catalogue fragments before release"


def test_wheel_carries_the_schemas_and_templates(wheel: Path):
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in (
        "casekit/schemas/notebook_metadata.schema.json",
        "casekit/schemas/catalog.schema.json",
        "casekit/course/site/build.py",
        "casekit/course/templates/site/layout.html.j2",
        "casekit/course/templates/site/casekit.css",
        "casekit/course/templates/grade/feedback.html.j2",
    ):
        assert name in names, name


def test_installed_wheel_loads_every_dataset_outside_the_repo(wheel: Path, tmp_path: Path):
    py = _venv_with_wheel(wheel, tmp_path)
    code = (
        "import casekit, casekit.data as d, pathlib\n"
        "root = pathlib.Path(casekit.__file__).parent\n"
        f"assert not str(root).startswith({str(ROOT)!r}), root\n"
        "assert d.datasets_dir() == root / '_datasets', d.datasets_dir()\n"
        "names = list(d.raw_catalog())\n"
        "rows = sum(len(d.load(n)) for n in names)\n"
        "print(len(names), rows)\n"
    )
    out = subprocess.run([str(py), "-c", code], check=True, capture_output=True, text=True,
                         cwd=tmp_path)
    n_datasets, n_rows = map(int, out.stdout.split())
    assert n_datasets >= 25 and n_rows > 400_000


def test_an_exercise_runs_on_the_installed_wheel(wheel: Path, tmp_path: Path):
    """The unanswered exercise's code, run by an interpreter that only has the wheel's casekit."""
    import nbformat

    py = _venv_with_wheel(wheel, tmp_path)
    exercise = nbformat.read(ROOT / "exercises" / "04_paid_traffic.ipynb", as_version=4)
    script = "\n\n".join(
        c.source for c in exercise.cells if c.cell_type == "code" and not c.source.startswith("%")
    )
    script = (
        "import casekit, pathlib\n"
        f"assert not str(pathlib.Path(casekit.__file__)).startswith({str(ROOT)!r})\n" + script
    )
    (tmp_path / "exercise.py").write_text(script, encoding="utf-8")
    out = subprocess.run([str(py), "exercise.py"], capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "尚未作答" in out.stdout
