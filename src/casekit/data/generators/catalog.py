"""Regenerate the catalogue's synthetic datasets (``from_catalog``, ``build_bundled``)."""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from casekit.data.generators.ab_tests import ab_test
from casekit.data.generators.events import event_log
from casekit.data.generators.fans import fan_day
from casekit.data.generators.keywords import keyword_report
from casekit.data.generators.members import member_orders
from casekit.data.generators.store import store_daily
from casekit.errors import BadParameterError, UnknownParameterError

# --------------------------------------------------------------------------------------
# Catalogue: regenerate and bundle
# --------------------------------------------------------------------------------------

GENERATORS = {
    "event_log": event_log,
    "keyword_report": keyword_report,
    "ab_test": ab_test,
    "store_daily": store_daily,
    "fan_day": fan_day,
    "member_orders": member_orders,
}


_MODULE = "casekit.data.generators"  # the package: generators are named through it


def resolve_generator(function: str):
    module, _, name = function.rpartition(".")
    if module != _MODULE or name not in GENERATORS:
        raise BadParameterError(
            "generator.function",
            function,
            "one of " + ", ".join(f"{_MODULE}.{g}" for g in GENERATORS),
        )
    return getattr(importlib.import_module(module), name)


def from_catalog(name: str) -> pd.DataFrame:
    """Generate synthetic dataset ``name`` now, from its catalogue generator, seed and params.

    Parameters
    ----------
    name : str
        Name of a synthetic dataset in the catalogue.

    Returns
    -------
    pandas.DataFrame
        The freshly generated data (not validated or written). Raises
        ``BadParameterError`` for a fact dataset.
    """
    from casekit.data import describe

    entry = describe(name)
    if entry["kind"] != "synthetic":
        raise BadParameterError("name", name, "a synthetic dataset (kind: synthetic)")
    gen = entry["generator"]
    fn = resolve_generator(gen["function"])
    params = dict(gen.get("params") or {})
    allowed = set(inspect.signature(fn).parameters) - {"seed"}
    for key in params:
        if key not in allowed:
            raise UnknownParameterError(key, allowed, where=f"{gen['function']} ({name})")
    return fn(seed=gen["seed"], **params)


def build_bundled(
    datasets_dir: str | Path | None = None, names: Iterable[str] | None = None
) -> dict[str, Path]:
    """Regenerate the synthetic files of the catalogue; return {dataset name: path written}.

    ``datasets_dir`` defaults to ``casekit.data.datasets_dir()``; ``names`` to every
    synthetic dataset. Files are validated and written atomically and byte-deterministically
    by ``casekit.data.schema.write``.

    Parameters
    ----------
    datasets_dir : str, Path or None
        Folder holding the catalogue's files; ``None`` for ``casekit.data.datasets_dir()``.
    names : iterable of str or None
        Datasets to regenerate; ``None`` for every synthetic one.

    Returns
    -------
    dict of str to Path
        Dataset name → file written.
    """
    from casekit.data import _catalog, schema

    root = Path(datasets_dir) if datasets_dir is not None else _catalog.datasets_dir()
    entries = _catalog.raw_catalog()
    wanted = (
        list(names)
        if names is not None
        else [n for n, e in entries.items() if e["kind"] == "synthetic"]
    )
    written = {}
    for name in wanted:
        df = from_catalog(name)
        path = root / entries[name]["file"]
        schema.write(df, entries[name], path, dataset=name)
        written[name] = path
    return written
