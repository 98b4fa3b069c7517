"""Parameters (schema, validation, per-student values) and `casekit assign`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from casekit.course import assign as A
from casekit.course import build as B
from casekit.course import notebooks as N
from casekit.course import params as P
from casekit.errors import BadParameterError, NotebookError, UnknownParameterError
from tests.fixtures import toy_exercise as toy

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def solution(tmp_path: Path) -> Path:
    return toy.write_solution(tmp_path / "solutions")


def test_schema_and_parameters_cell_agree(solution):
    schema = P.check_notebook(B.read_notebook(solution))
    assert set(schema) == {"seed", "brand", "budget_cny"}
    nb = B.read_notebook(solution)
    nb.cells[1].source = "seed: int = 7\nbrand: str = '美宝莲'"
    with pytest.raises(NotebookError, match=r"assigns .* but the schema declares"):
        P.check_notebook(nb)
    nb.cells[1].metadata["tags"] = []
    with pytest.raises(NotebookError, match="no cell tagged 'parameters'"):
        P.check_notebook(nb)


def test_validation_names_parameter_value_and_what_is_allowed(solution):
    schema = P.check_notebook(B.read_notebook(solution))
    assert P.validate(schema, {"seed": "42", "budget_cny": 5}) == {
        "seed": 42, "brand": "美宝莲", "budget_cny": 5.0}
    with pytest.raises(UnknownParameterError,
                       match=r"unknown parameter 'sede'.*brand, budget_cny, seed"):
        P.validate(schema, {"sede": 1})
    with pytest.raises(BadParameterError, match=r"'seed' is 'abc'; expected a int >= 1 <= 9999"):
        P.validate(schema, {"seed": "abc"})
    with pytest.raises(BadParameterError, match="'seed' is 0; expected"):
        P.validate(schema, {"seed": 0})
    with pytest.raises(BadParameterError,
                       match="'brand' is '香奈儿'; expected one of 美宝莲, 欧莱雅, 兰蔻"):
        P.validate(schema, {"brand": "香奈儿"})
    with pytest.raises(BadParameterError, match=r"'budget_cny' is -1\.0"):
        P.validate(schema, {"budget_cny": -1.0})
    with pytest.raises(BadParameterError, match="'seed' is True"):
        P.validate(schema, {"seed": True})


def test_student_parameters_are_deterministic_and_differ(solution):
    schema = P.check_notebook(B.read_notebook(solution))
    a1 = P.student_parameters(schema, "s001", toy.EXERCISE_ID)
    assert a1 == P.student_parameters(schema, "s001", toy.EXERCISE_ID)
    others = [P.student_parameters(schema, f"s{i:03d}", toy.EXERCISE_ID) for i in range(2, 30)]
    assert len({o["seed"] for o in others}) > 20
    assert {o["brand"] for o in others} == {"美宝莲", "欧莱雅", "兰蔻"}
    assert all(o["budget_cny"] == 1000.0 for o in others), "non-varying parameters keep defaults"
    assert P.student_parameters(schema, "s001", "02_other") != a1


def test_make_exercise_strips_solutions_hidden_checks_and_outputs(solution):
    exercise = A.make_exercise(B.read_notebook(solution))
    text = nbformat.writes(exercise)
    assert "BEGIN SOLUTION" not in text and "clicks / impressions" not in text
    assert "hidden-check" not in text and "解答说明" not in text
    assert A.PLACEHOLDER in text
    assert all(c.outputs == [] for c in exercise.cells if c.cell_type == "code")
    public = [q for q in exercise.metadata["casekit"]["exercise"]["questions"]]
    assert all("rel_tol" not in q and "hint_zh" not in q for q in public)
    assert "build_key" not in exercise.metadata["casekit"]


def test_solution_region_errors_are_specific(solution):
    nb = B.read_notebook(solution)
    nb.cells[4].source = "q1_ctr = None\n### BEGIN SOLUTION\nq1_ctr = 1"
    with pytest.raises(NotebookError, match="never closed"):
        A.make_exercise(nb)


def test_assign_writes_exercises_and_detects_staleness(solution, tmp_path: Path):
    solutions, exercises = solution.parent, tmp_path / "exercises"
    result = A.assign(solutions, exercises)
    assert [p.name for p in result.written] == [solution.name]
    assert A.stale_exercises(solutions, exercises) == []
    again = A.assign(solutions, exercises)
    assert again.written == [] and len(again.unchanged) == 1
    (exercises / solution.name).write_text("{}", encoding="utf-8")
    assert A.stale_exercises(solutions, exercises) == [f"{exercises / solution.name} is stale"]


def test_roster_gives_each_student_readable_personal_parameters(solution, tmp_path: Path):
    A.assign(solution.parent, tmp_path / "exercises")
    roster = tmp_path / "roster.csv"
    roster.write_text("student_id,name\ns001,张三\ns002,李四\n", encoding="utf-8-sig")
    students = A.read_roster(roster)
    written = A.assign_roster(tmp_path / "exercises", students, tmp_path / "handout")
    assert sorted(p.relative_to(tmp_path / "handout").as_posix() for p in written) == [
        "s001/01_toy.ipynb", "s002/01_toy.ipynb"]
    nb = nbformat.read(written[0], as_version=4)
    cell = nb.cells[P.parameters_cell_index(nb)].source
    values = P.student_parameters(P.schema_from_metadata(nb), "s001", toy.EXERCISE_ID)
    assert f"brand: str = {values['brand']!r}" in cell, "Chinese values stay readable"
    assert nb.metadata["casekit"]["student"] == {"id": "s001", "name": "张三"}
    bad = tmp_path / "bad.csv"
    bad.write_text("id,name\n1,x\n", encoding="utf-8")
    with pytest.raises(BadParameterError, match="student_id and name"):
        A.read_roster(bad)


def _casekit(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("casekit")
    return subprocess.run([str(exe), *args], capture_output=True, text=True, cwd=cwd)


@pytest.mark.slow
def test_run_checks_parameters_before_any_cell_and_round_trips_chinese(solution, tmp_path: Path):
    out = tmp_path / "out.ipynb"
    bad = _casekit("run", str(solution), str(out), "-p", "sede", "3", cwd=tmp_path)
    assert bad.returncode != 0 and "unknown parameter 'sede'" in bad.stderr
    assert not out.exists(), "nothing runs or is written when a parameter is wrong"
    bad = _casekit("run", str(solution), str(out), "-p", "seed", "-5", cwd=tmp_path)
    assert bad.returncode != 0 and "'seed' is -5" in bad.stderr
    ok = _casekit("run", str(solution), str(out), "-p", "brand", "兰蔻", "-p", "seed", "12",
                  cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    nb = nbformat.read(out, as_version=4)
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert injected and "brand = '兰蔻'" in injected[0].source
    no_params = tmp_path / "plain.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")]), no_params)
    res = _casekit("run", str(no_params), str(out), "-p", "seed", "1", cwd=tmp_path)
    assert res.returncode != 0 and "takes no parameters" in res.stderr


def test_committed_exercises_are_current():
    assert A.stale_exercises(ROOT / "solutions", ROOT / "exercises") == []


def test_at_least_nine_exercises_with_four_to_seven_questions():
    # issue #12: 4-7 questions per exercise; the capstone grades its written plan in parts
    # (one `check` question per part), so it may have up to ten
    solutions = N.discover(ROOT / "solutions")
    assert len(solutions) >= 9
    for path in solutions:
        nb = B.read_notebook(path)
        spec = N.exercise_spec(nb, str(path))
        quiz = spec.get("role") == "quiz"  # the course-wide pre/post quiz has 12–15 items
        most = 10 if spec["id"] == "10_capstone" else 7  # the capstone's plan has 4 parts
        assert (12 <= len(spec["questions"]) <= 15) if quiz else (
            4 <= len(spec["questions"]) <= most), path.name
        assert any(s.vary for s in P.check_notebook(nb, str(path)).values()), path.name
