"""Module boundaries of the library: no module reaches into another module's private names."""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import pytest

import casekit

SRC = Path(casekit.__file__).parent
# Every module: the analysis library, its data layer and the course tooling.
CHECKED = sorted(SRC.rglob("*.py"))


def _module_name(path: Path) -> str:
    parts = ["casekit", *path.relative_to(SRC).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


def _shared_privately(owner: str, module: str) -> bool:
    """A private module (``pkg._common``) holds helpers for the modules of its own package."""
    package, _, last = owner.rpartition(".")
    return last.startswith("_") and (module == package or module.startswith(package + "."))


def private_uses(source: str, module: str) -> list[str]:
    """``module.name`` of every private name of another casekit module used in ``source``.

    Names from a private module of the importer's own package (``casekit.data.generators.
    _common``) are the package's internals, shared on purpose, and are not reported.
    """
    tree = ast.parse(source)
    aliases: dict[str, str] = {}  # local name -> casekit module it is bound to
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("casekit"):
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                if _is_module(full):
                    aliases[alias.asname or alias.name] = full
                elif (alias.name.startswith("_") and node.module != module
                      and not _shared_privately(node.module, module)):
                    found.append(full)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("casekit") and alias.asname:
                    aliases[alias.asname] = alias.name
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in aliases
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
            and aliases[node.value.id] != module
            and not _shared_privately(aliases[node.value.id], module)
        ):
            found.append(f"{aliases[node.value.id]}.{node.attr}")
    return sorted(set(found))


@pytest.mark.parametrize("path", CHECKED, ids=lambda p: str(p.relative_to(SRC)))
def test_no_module_imports_another_modules_private_names(path: Path) -> None:
    uses = private_uses(path.read_text(encoding="utf-8"), _module_name(path))
    assert not uses, f"{path.relative_to(SRC)} uses private names {uses}; make them public"


def test_the_check_sees_both_forms_of_reaching_in() -> None:
    source = (
        "from casekit.funnel import _FLAG_SQL, ctr\n"
        "from casekit.data import engine\n"
        "x = engine._duckdb()\n"
        "y = engine.relation\n"
    )
    assert private_uses(source, "casekit.audience") == [
        "casekit.data.engine._duckdb",
        "casekit.funnel._FLAG_SQL",
    ]
    assert private_uses("from casekit.data import _catalog\n", "casekit.data.generators") == []
    shared = "from casekit.data.generators._common import _seed\n"
    assert private_uses(shared, "casekit.data.generators.events") == []
    assert private_uses(shared, "casekit.audience.rfm") == [
        "casekit.data.generators._common._seed"
    ]
