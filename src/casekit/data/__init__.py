"""The dataset layer: a catalogue of fact tables and simulated data, loaded and validated.

>>> from casekit import data
>>> data.catalog()                      # every dataset, with title, rows, source
>>> stages = data.load("flagship_stages")  # a validated, correctly typed DataFrame

Fact tables come from the course's source articles (each row cites its file name in a
``source`` column); simulated tables come from the seeded generators in
``casekit.data.generators`` (listed in the catalogue with generator and seed). Readers for
real Alibaba Tianchi downloads live in ``casekit.data.tianchi``.
"""

from __future__ import annotations

import difflib
import importlib
from typing import Any

from casekit.data._catalog import datasets_dir, raw_catalog
from casekit.errors import UnknownDatasetError

__all__ = ["catalog", "datasets_dir", "describe", "generators", "load", "raw_catalog", "tianchi"]

_LAZY = {"generators", "tianchi", "schema"}


def __getattr__(name: str):
    if name in _LAZY:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'casekit.data' has no attribute {name!r}")


def describe(name: str) -> dict[str, Any]:
    """The catalogue entry of dataset ``name`` (columns, types, units, source, licence).

    Parameters
    ----------
    name : str
        Dataset name as listed in ``datasets/catalog.yaml`` (e.g. ``"store_daily"``).

    Returns
    -------
    dict
        The raw catalogue entry: ``file``, ``kind``, ``title``, ``columns`` (with dtypes and
        units), ``licence`` and ``sources`` or ``generator``. Raises ``UnknownDatasetError``
        with close names for an unknown ``name``.
    """
    entries = raw_catalog()
    if name not in entries:
        close = difflib.get_close_matches(name, list(entries), n=3, cutoff=0.5)
        if not close:
            close = [n for n in entries if name.lower() in n.lower() or n in name.lower()][:3]
        raise UnknownDatasetError(name, close)
    return entries[name]


def load(name: str):
    """Load dataset ``name`` as a validated pandas DataFrame with its documented dtypes.

    Categories become ``category``, date-times ``datetime64[ns, Asia/Shanghai]``, integers
    nullable ``Int64``. Raises ``UnknownDatasetError`` (with suggestions) for an unknown
    name and ``SchemaViolationError`` when the file does not match the catalogue.

    Parameters
    ----------
    name : str
        Dataset name as listed in ``datasets/catalog.yaml``.

    Returns
    -------
    pandas.DataFrame
        The validated dataset with the catalogue's columns and dtypes.
    """
    from casekit.data import schema

    entry = describe(name)
    path = datasets_dir() / entry["file"]
    raw = schema.read_raw(path)
    typed = schema.coerce(raw, entry, dataset=name)
    schema.validate(typed, entry, dataset=name)
    return schema.finalize(typed, entry)


def _row_count(path) -> int:
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        return pq.ParquetFile(path).metadata.num_rows
    import pandas as pd

    return len(pd.read_csv(path, dtype=str, usecols=[0]))


def catalog():
    """One row per dataset: name, titles (zh/en), kind, rows, source or generator, licence.

    Returns
    -------
    pandas.DataFrame
        Columns ``name``, ``title_zh``, ``title_en``, ``kind``, ``synthetic`` (boolean),
        ``rows`` and ``columns`` (Int64 counts), ``source`` (fact ids or
        ``generator(seed=…)``), ``licence``, ``file``.
    """
    import pandas as pd

    rows = []
    for name, entry in raw_catalog().items():
        path = datasets_dir() / entry["file"]
        if entry["kind"] == "fact":
            source = ", ".join(entry["sources"])
        else:
            gen = entry["generator"]
            source = f"{gen['function']}(seed={gen['seed']})"
        rows.append(
            {
                "name": name,
                "title_zh": entry["title"]["zh"],
                "title_en": entry["title"]["en"],
                "kind": entry["kind"],
                "synthetic": entry["kind"] == "synthetic",
                "rows": _row_count(path),
                "columns": len(entry["columns"]),
                "source": source,
                "licence": entry["licence"],
                "file": entry["file"],
            }
        )
    return pd.DataFrame(rows).astype(
        {"rows": "Int64", "columns": "Int64", "synthetic": "boolean"}
    )
