"""Packaging and set-up: pyproject vs environment.yml, light import, kernel, sandboxed homes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
CONDA_TO_PYPI = {"python-duckdb": "duckdb"}


def _pyproject_requirements() -> dict[str, str]:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    reqs = list(meta["dependencies"]) + list(meta["optional-dependencies"]["test"])
    out = {}
    for line in reqs:
        req = Requirement(line)
        out[req.name.lower()] = str(req.specifier)
    return out


def _conda_requirements() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    out = {}
    for item in env["dependencies"]:
        if not isinstance(item, str):
            continue
        req = Requirement(item.replace(" ", ""))
        name = CONDA_TO_PYPI.get(req.name.lower(), req.name.lower())
        if name in {"python", "pip"}:
            continue
        out[name] = str(req.specifier)
    return out


def test_environment_yml_matches_pyproject():
    pyproject, conda = _pyproject_requirements(), _conda_requirements()
    assert set(conda) == set(pyproject), (
        f"only in pyproject: {sorted(set(pyproject) - set(conda))}; "
        f"only in environment.yml: {sorted(set(conda) - set(pyproject))}"
    )
    differing = {n: (pyproject[n], conda[n]) for n in pyproject if pyproject[n] != conda[n]}
    assert not differing, f"version bounds differ (pyproject, environment.yml): {differing}"


def test_every_dependency_has_a_lower_bound():
    for name, spec in _pyproject_requirements().items():
        assert ">=" in spec or spec.startswith("=="), f"{name} has no lower bound in pyproject.toml"


def test_python_requirement_is_311_or_newer():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert meta["requires-python"] == ">=3.11"


def _fresh_python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )


def test_import_casekit_is_light():
    """Importing casekit must not pull in pandas, altair, jupyter or the data layer."""
    out = _fresh_python(
        "import sys, casekit; heavy = ['pandas', 'numpy', 'altair', 'pandera', 'papermill', "
        "'nbclient', 'ipywidgets', 'scipy', 'casekit.data']; "
        "print(','.join(m for m in heavy if m in sys.modules))"
    )
    assert out.stdout.strip() == "", f"import casekit loaded: {out.stdout.strip()}"


def test_submodules_load_lazily_on_attribute_access():
    out = _fresh_python(
        "import casekit; casekit.errors; import sys; print('casekit.errors' in sys.modules)"
    )
    assert out.stdout.strip() == "True"
    with pytest.raises(subprocess.CalledProcessError):
        _fresh_python("import casekit; casekit.no_such_module")


def test_casekit_processes_skip_rfc3987_syntax():
    """jsonschema's optional rfc3987_syntax import (~1.5 s) is skipped once casekit is loaded."""
    out = _fresh_python(
        "import casekit, jsonschema, jsonschema._format as f, sys; "
        "print(sys.modules.get('rfc3987_syntax') is None, "
        "'iri' in f.draft7_format_checker.checkers)"
    )
    assert out.stdout.split() == ["True", "False"]


def test_loading_a_dataset_does_not_import_pandas_on_spark():
    """pandera probes pyspark.pandas (seconds, and a FutureWarning under pandas 3).

    Once at import when pyspark is installed, again at the first validation when pyspark is
    loaded (a Spark user's process), hence ``pyspark.sql`` is imported first here.
    """
    pytest.importorskip("pyspark")  # installed by the test extras for tests/data/test_spark.py
    out = _fresh_python(
        "import warnings; warnings.simplefilter('error'); "
        "import casekit.data as d, sys, pyspark.sql; d.load('events_618'); "
        "print(any(m.startswith('pyspark.pandas') for m in sys.modules), "
        "'pyspark.pandas' in sys.modules)"
    )
    assert out.stdout.split() == ["False", "False"]  # not probed, and not left blocked


def test_course_kernel_is_installed_in_the_environment():
    from jupyter_client.kernelspec import KernelSpecManager

    from casekit.course.kernel import DISPLAY_NAME, KERNEL_NAME

    spec = KernelSpecManager().get_kernel_spec(KERNEL_NAME)
    assert spec.display_name == DISPLAY_NAME
    assert Path(spec.argv[0]).resolve().parent == Path(sys.executable).resolve().parent, (
        "the casekit kernel must run this environment's python; run `casekit kernel`"
    )
    assert str(Path(spec.resource_dir).resolve()).startswith(str(Path(sys.prefix).resolve()))


def test_jupyter_and_ipython_dirs_are_sandboxed(sandbox_dir):
    from IPython.paths import get_ipython_dir
    from jupyter_core.paths import jupyter_config_dir, jupyter_data_dir, jupyter_runtime_dir

    dirs = (jupyter_config_dir(), jupyter_data_dir(), jupyter_runtime_dir(), get_ipython_dir())
    for path in dirs:
        assert Path(path).resolve().is_relative_to(sandbox_dir.resolve()), path
    assert os.environ["IPYTHONDIR"].startswith(str(sandbox_dir))


def test_ci_script_calls_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make test" in ci
    assert "make test" in readme and "make course" in readme
    assert os.access(ROOT / ".ci" / "run", os.X_OK)


def test_kernel_json_names_the_course():
    kernel_json = Path(sys.prefix) / "share" / "jupyter" / "kernels" / "casekit" / "kernel.json"
    spec = json.loads(kernel_json.read_text(encoding="utf-8"))
    assert "casekit" in spec["display_name"]


def test_make_test_runs_lint_first_and_ruff_is_pinned():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    test_rule = re.search(r"^test:(.*)$", makefile, re.M)
    assert test_rule and "lint" in test_rule.group(1).split()
    assert re.search(r"^lint:.*\n\t.*ruff check src tests benchmarks", makefile, re.M)
    assert _pyproject_requirements()["ruff"].startswith("==")
