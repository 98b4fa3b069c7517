"""``casekit check NN_slug``: every check about one module, in seconds, plus the course-wide ones.

A ``pytest -k NN_slug`` filter hides the tests that look at the whole course (numbering, the
course map, the guide, exercises/ being current). This runs, in order: the module's metadata,
its build drift check, nbval on it, its exercise's solution with three parameter sets and the
level rules, the exercise variants, the guide, the course map, the course-wide notebook tests
(all but the full rebuild), and, when a tool is given, the seed-overlap check.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from casekit.errors import BadParameterError, CasekitError

CLI = [sys.executable, "-m", "casekit.course.cli"]
PYTEST = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "--no-header"]
COURSE_WIDE = ("tests/test_notebooks.py", "tests/course/test_coursemap.py",
               "tests/course/test_guide.py", "tests/course/test_course_notebooks.py")


@dataclass
class Step:
    name: str
    ok: bool
    seconds: float
    detail: str = ""


def _run(cmd: list[str], root: Path) -> tuple[bool, str]:
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    proc = subprocess.run(cmd, cwd=root, capture_output=True, text=True, env=env)
    out = (proc.stdout + proc.stderr).strip().splitlines()
    return proc.returncode == 0, "\n".join(out[-12:])


def _metadata(root: Path, slug: str) -> tuple[bool, str]:
    from casekit.course import coursemap
    from casekit.course import notebooks as N
    from casekit.schemas import check_notebook_metadata

    problems = []
    for folder in ("notebooks", "solutions"):
        path = root / folder / f"{slug}.ipynb"
        if not path.exists():
            continue
        try:
            nb = N.read_notebook(path)
            check_notebook_metadata(nb.metadata.get("casekit", {}), str(path))
            if folder == "notebooks":
                N.role(nb, path)
                if N.opening(nb, path).minutes is None:
                    problems.append(f"{path.name}: no '## 预计用时' in minutes")
                if not N.discussion_questions(nb):
                    problems.append(f"{path.name}: no numbered questions under '## 讨论题'")
                if not coursemap.cited_articles(nb):
                    problems.append(f"{path.name}: cites no article (write （来源：A00x）)")
            else:
                N.exercise_spec(nb, str(path))
        except CasekitError as exc:
            problems.append(str(exc))
    return not problems, "\n".join(problems)


def run_checks(root: Path | str, slug: str, *, seed_overlap: Path | None = None,
               echo: Callable[[str], None] = print) -> list[Step]:
    """Run every check for module ``slug`` under ``root``; print one line per step."""
    root = Path(root).resolve()
    notebook = root / "notebooks" / f"{slug}.ipynb"
    if not notebook.exists():
        raise BadParameterError("module", slug, f"a notebook notebooks/{slug}.ipynb under {root}")
    solution = root / "solutions" / f"{slug}.ipynb"
    targets = [str(notebook.relative_to(root))]
    if solution.exists():
        targets.append(str(solution.relative_to(root)))
    plan: list[tuple[str, Callable[[], tuple[bool, str]]]] = [
        ("metadata and structure", lambda: _metadata(root, slug)),
        ("build drift (casekit build --check)", lambda: _run([*CLI, "build", "--check", "-q",
                                                               *targets], root)),
        ("nbval", lambda: _run([*PYTEST, str(notebook.relative_to(root))], root)),
    ]
    if solution.exists():
        exercise_tests = [t for t in ("tests/test_exercises.py", "tests/course/test_levels.py")
                          if (root / t).exists()]
        plan.append(("exercise: solution, parameter sets, level rules",
                     lambda: _run([*PYTEST, *exercise_tests,
                                   "-k", slug], root)))
    plan += [
        ("exercise variants (casekit assign --check)", lambda: _run([*CLI, "assign", "--check"],
                                                                    root)),
        ("trainer guide (casekit guide --check)", lambda: _run([*CLI, "guide", "--check"], root)),
        ("course map (casekit index --check)", lambda: _run([*CLI, "index", "--check"], root)),
        ("course-wide tests (what -k hides)",
         lambda: _run([*PYTEST, *[t for t in COURSE_WIDE if (root / t).exists()],
                       "-k", _course_wide_filter(root, slug)], root)),
    ]
    if seed_overlap is not None:
        plan.append(("seed overlap", lambda: _overlap(seed_overlap, root)))
    steps = []
    for name, fn in plan:
        start = time.perf_counter()
        ok, detail = fn()
        step = Step(name, ok, time.perf_counter() - start, detail)
        steps.append(step)
        echo(f"{'✓' if ok else '✗'} {name} ({step.seconds:.1f} s)")
        if not ok and detail:
            echo("    " + detail.replace("\n", "\n    "))
    if seed_overlap is None:
        echo("- seed overlap: skipped (give --seed-overlap TOOL to compare with the articles)")
    return steps


def _course_wide_filter(root: Path, slug: str) -> str:
    """A -k expression: the module's own tests and every test not tied to another notebook."""
    from casekit.course import notebooks as N

    others = sorted({p.stem for folder in ("notebooks", "solutions")
                     for p in N.discover(root / folder) if p.stem != slug})
    skip = " or ".join(others)
    return f"not fresh_build and not ({skip})" if skip else "not fresh_build"


def _overlap(tool: Path, root: Path) -> tuple[bool, str]:
    ok, out = _run([sys.executable, str(tool), str(root)], root)
    return ok and out.splitlines()[-1:] != [] and out.splitlines()[-1].startswith("0 "), out
