"""CONTRIBUTING.md names the test behind every rule; each named test must exist."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEXT = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
# `tests/x.py::test_a`, and `::test_b` in the same cell meaning the same file
REF = re.compile(r"`(tests/[\w/]+\.py)?::(test_\w+)`")


def _references() -> list[tuple[str, str]]:
    refs = []
    for line in TEXT.splitlines():
        current = None
        for file, name in REF.findall(line):
            current = file or current
            assert current, f"a test named without its file: {line}"
            refs.append((current, name))
    return refs


def test_every_rule_names_a_test_that_exists():
    refs = _references()
    assert len(refs) >= 20, "the rules tables are where CONTRIBUTING says what is enforced"
    for file, name in refs:
        path = ROOT / file
        assert path.is_file(), f"CONTRIBUTING.md names {file}, which does not exist"
        assert re.search(rf"^def {name}\(", path.read_text(encoding="utf-8"), re.M), (
            f"CONTRIBUTING.md names {file}::{name}, which does not exist"
        )


def test_the_module_path_uses_the_commands_that_exist():
    from click.testing import CliRunner

    from casekit.course.cli import main

    for command in ("new", "index", "build", "assign", "guide", "check"):
        assert f"casekit {command}" in TEXT
        result = CliRunner().invoke(main, [command, "--help"])
        assert result.exit_code == 0, command
