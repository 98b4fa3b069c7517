"""Where the datasets live and what the catalogue file says about them."""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path
from typing import Any

CATALOG_FILE = "catalog.yaml"
TYPES = frozenset({"int", "float", "str", "category", "bool", "datetime", "date"})
KINDS = frozenset({"fact", "synthetic"})


def datasets_dir() -> Path:
    """The folder holding the catalogue and the data files.

    Installed from a wheel, the files are package data (``casekit/_datasets``); in a
    checkout (editable install) they are the repository's top-level ``datasets/``.
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
    entries = doc.get("datasets") if isinstance(doc, dict) else None
    if not isinstance(entries, dict) or not entries:
        raise ValueError(f"{path}: expected a top-level 'datasets:' mapping of name -> entry")
    for name, entry in entries.items():
        _check_entry(path, name, entry)
    return entries


_REQUIRED_ENTRY = ("file", "kind", "title", "description", "licence", "columns")
_REQUIRED_COLUMN = ("name", "type", "zh", "description")


def _check_entry(path: Path, name: str, entry: dict[str, Any]) -> None:
    where = f"{path}: dataset {name!r}"
    missing = [k for k in _REQUIRED_ENTRY if k not in entry]
    if missing:
        raise ValueError(f"{where} lacks {', '.join(missing)}")
    if entry["kind"] not in KINDS:
        raise ValueError(f"{where} has kind {entry['kind']!r}; expected one of {sorted(KINDS)}")
    for lang in ("zh", "en"):
        for key in ("title", "description"):
            if not entry[key].get(lang):
                raise ValueError(f"{where} lacks {key}.{lang}")
    if entry["kind"] == "fact" and not entry.get("sources"):
        raise ValueError(f"{where} is a fact table but lists no 'sources' (citation ids from facts/sources.csv)")
    if entry["kind"] == "synthetic":
        gen = entry.get("generator") or {}
        if not gen.get("function") or "seed" not in gen:
            raise ValueError(f"{where} is synthetic but lacks generator.function or generator.seed")
    names = set()
    for col in entry["columns"]:
        missing = [k for k in _REQUIRED_COLUMN if k not in col]
        if missing:
            raise ValueError(f"{where}, column {col.get('name')!r} lacks {', '.join(missing)}")
        if col["type"] not in TYPES:
            raise ValueError(
                f"{where}, column {col['name']!r} has type {col['type']!r}; "
                f"expected one of {sorted(TYPES)}"
            )
        if col["type"] == "category" and not col.get("allowed"):
            raise ValueError(f"{where}, category column {col['name']!r} lists no 'allowed' values")
        extra = set(col["description"]) - {"zh", "en"}
        if extra:
            raise ValueError(
                f"{where}, column {col['name']!r}: description has unexpected keys "
                f"{sorted(map(str, extra))}; quote texts that contain commas"
            )
        for lang in ("zh", "en"):
            if not col["description"].get(lang):
                raise ValueError(f"{where}, column {col['name']!r} lacks description.{lang}")
        if col["name"] in names:
            raise ValueError(f"{where} declares column {col['name']!r} twice")
        names.add(col["name"])
    if entry["kind"] == "fact" and "source" not in names:
        raise ValueError(f"{where} is a fact table and needs a 'source' column")
