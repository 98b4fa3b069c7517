"""Every public function of the listed modules has numpydoc Parameters and Returns sections.

Add a module to ``MODULES`` once its public functions are documented; the test then keeps
them so. Public means listed in ``__all__`` (or, without ``__all__``, not starting with
``_``) and defined in that module or its subpackage.
"""

from __future__ import annotations

import importlib
import inspect
import re

import pytest

MODULES = [
    "casekit.ads",
    "casekit.campaign",
    "casekit.experiment",
    "casekit.audience",
    "casekit.compliance",
    "casekit.diagnose",
    "casekit.nb",
    "casekit._checks",
    "casekit.data.tianchi",
    "casekit.data.engine",
    "casekit.data.generators",
    "casekit.data",
    "casekit.exercise",
    "casekit.fileio",
    "casekit.funnel",
    "casekit.plan",
    "casekit.charts",
    "casekit.widgets",
]

_SECTION = {
    name: re.compile(rf"^\s*{name}\n\s*{'-' * len(name)}\s*$", re.MULTILINE)
    for name in ("Parameters", "Returns")
}


def public_functions(module_name: str) -> list:
    module = importlib.import_module(module_name)
    names = getattr(module, "__all__", None) or [n for n in vars(module) if not n[0] == "_"]
    found = []
    for name in names:
        obj = getattr(module, name)
        if inspect.isfunction(obj) and obj.__module__.startswith(module_name):
            found.append(obj)
    return found


def missing_sections(func) -> list[str]:
    """The numpydoc sections ``func``'s docstring lacks (Parameters only if it takes any)."""
    doc = inspect.getdoc(func) or ""
    wanted = ["Returns"]
    if inspect.signature(func).parameters:
        wanted.insert(0, "Parameters")
    missing = [name for name in wanted if not _SECTION[name].search(doc)]
    if "Parameters" in wanted and "Parameters" not in missing:
        documented = set(re.findall(r"^(\w+) :", doc, re.MULTILINE))
        undocumented = set(inspect.signature(func).parameters) - documented
        missing += [f"parameter {name!r}" for name in sorted(undocumented)]
    return missing


CASES = [
    pytest.param(func, id=f"{name}.{func.__name__}")
    for name in MODULES
    for func in public_functions(name)
]


@pytest.mark.parametrize("func", CASES)
def test_public_function_has_parameters_and_returns(func):
    missing = missing_sections(func)
    assert not missing, f"{func.__module__}.{func.__qualname__} docstring lacks {missing}"


def test_the_check_sees_a_missing_section():
    def documented(x):
        """Do it.

        Parameters
        ----------
        x : int
            A count.

        Returns
        -------
        int
            The count.
        """

    def bare(x, y):
        """Do it.

        Parameters
        ----------
        x : int
            A count.
        """

    assert missing_sections(documented) == []
    assert missing_sections(bare) == ["Returns", "parameter 'y'"]
    assert len(CASES) >= 70
