"""Where the datasets live and what the catalogue file says about them."""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path
from typing import Any

from casekit.errors import SchemaViolationError

CATALOG_FILE = "catalog.yaml"


def datasets_dir() -> Path:
    """The folder holding the catalogue and the data files.

    Installed from a wheel, the files are package data (``casekit/_datasets``); in a
    checkout (editable install) they are the repository's top-level ``datasets/``.

    Returns
    -------
    Path
        The datasets folder. Raises ``FileNotFoundError`` when neither location holds
        ``catalog.yaml``.
    """
    packaged = Path(str(resources.files("casekit") / "_datasets"))
    if (packaged / CATALOG_FILE).is_file():
        return packaged
    checkout = Path(__file__).resolve().parents[3] / "datasets"
    if (checkout / CATALOG_FILE).is_file():
        return checkout
    raise FileNotFoundError(
        f"casekit cannot find its datasets: neither {packaged} nor {checkout} holds "
        f"{CATALOG_FILE}. Reinstall casekit (pip install casekit or make course)."
    )


@functools.cache
def raw_catalog() -> dict[str, dict[str, Any]]:
    """The parsed ``datasets/catalog.yaml``, checked for structure once per process."""
    import yaml

    path = datasets_dir() / CATALOG_FILE
    with path.open(encoding="utf-8") as fh:
        doc = yaml.safe_load(fh)
    check_catalog(doc, str(path))
    return doc["datasets"]


def check_catalog(doc: Any, where: str = CATALOG_FILE) -> None:
    """Raise ``SchemaViolationError`` naming ``where`` and the field if ``doc`` is invalid.

    The structure is checked with the JSON Schema ``casekit/schemas/catalog.schema.json``;
    the two rules a schema cannot state (unique column names, a ``source`` column in every
    fact table) are checked here.
    """
    from casekit import schemas

    schemas.check_catalog(doc, where)
    for name, entry in doc["datasets"].items():
        _check_entry(Path(where), name, entry)


def _check_entry(path: Path, name: str, entry: dict[str, Any]) -> None:
    where = f"{path}: catalog.datasets.{name}"
    names = set()
    for i, col in enumerate(entry["columns"]):
        if col["name"] in names:
            raise SchemaViolationError(
                f"{where}.columns[{i}].name: column {col['name']!r} is declared twice"
            )
        names.add(col["name"])
    if entry["kind"] == "fact" and "source" not in names:
        raise SchemaViolationError(
            f"{where}.columns: a fact table needs a 'source' column (the cited article)"
        )
