"""Every benchmark still runs: a tiny-size smoke run of each (no timings are asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TCP_WARNING = "Kernel is running over TCP without encryption"


def _run(script: str, *args: str, tmp_path: Path, timeout: int = 300):
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / script), *args],
        capture_output=True, text=True, cwd=tmp_path, timeout=timeout,
    )
    assert result.returncode == 0, f"{script} failed:\n{result.stdout}\n{result.stderr}"
    assert TCP_WARNING not in result.stdout + result.stderr
    return result


def test_bench_import(tmp_path):
    out = _run("bench_import.py", "--n", "1", tmp_path=tmp_path).stdout
    assert "import casekit" in out and "median s" in out


def test_bench_generators(tmp_path):
    assert _run("bench_generators.py", "--rows", "1000", tmp_path=tmp_path).stdout.strip()


def test_bench_library(tmp_path):
    out = _run("bench_library.py", "--rows", "1000", tmp_path=tmp_path).stdout
    assert "rows/s" in out


def test_bench_scale(tmp_path):
    out = _run("bench_scale.py", "--rows", "2000", "--repeat", "1", "--data-dir",
               str(tmp_path / "data"), "--json", str(tmp_path / "scale.json"), "--skip-pandas",
               tmp_path=tmp_path).stdout
    assert "scale benchmark" in out and (tmp_path / "scale.json").is_file()


@pytest.mark.slow
def test_bench_build_copies_declared_inputs(tmp_path):
    # notebook 11 reads ../benchmarks/results/scale.json (its metadata.casekit.inputs)
    out = _run("bench_build.py", "--only", "11_full_scale", "--jobs", "1",
               tmp_path=tmp_path).stdout
    assert "1 notebooks" in out and "speed-up" in out


@pytest.mark.slow
def test_bench_grade(tmp_path):
    out = _run("bench_grade.py", "--n", "1", "--jobs", "1", tmp_path=tmp_path).stdout
    assert "casekit grade" in out and "1/1 submissions" in out
