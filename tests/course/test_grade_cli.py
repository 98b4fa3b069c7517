"""`casekit grade` on the command line: a CasekitError is one clean message, exit 1."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from casekit.course.cli import main
from tests.fixtures import toy_exercise as toy


def _class(tmp_path: Path) -> Path:
    solution = toy.write_solution(tmp_path / "solutions")
    sub = tmp_path / "submissions" / "s01"
    sub.mkdir(parents=True)
    (sub / solution.name).write_bytes(solution.read_bytes())
    return solution


def test_broken_solution_metadata_is_a_clean_cli_error(tmp_path: Path):
    solution = _class(tmp_path)
    doc = json.loads(solution.read_text(encoding="utf-8"))
    doc["metadata"]["casekit"]["parameters"]["seed"] = "int"
    solution.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    result = CliRunner().invoke(main, [
        "grade", str(tmp_path / "submissions"), "--solutions", str(tmp_path / "solutions"),
        "--out", str(tmp_path / "out"), "--quiet",
    ])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)
    assert result.output.startswith("Error: ")
    assert "metadata.casekit.parameters.seed: 'int' is not of type 'object'" in result.output
    assert result.output.count("Error:") == 1
    assert not (tmp_path / "out" / "gradebook.sqlite").exists()


def test_bad_roster_is_a_clean_cli_error(tmp_path: Path):
    _class(tmp_path)
    roster = tmp_path / "roster.csv"
    roster.write_text("id,名字\ns01,张三\n", encoding="utf-8")
    result = CliRunner().invoke(main, [
        "grade", str(tmp_path / "submissions"), "--solutions", str(tmp_path / "solutions"),
        "--out", str(tmp_path / "out"), "--roster", str(roster), "--quiet",
    ])
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)
    assert "Error: parameter 'roster'" in result.output
    assert "student_id and name" in result.output
