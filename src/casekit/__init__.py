"""casekit: a teaching kit on Tmall (天猫) e-commerce marketing.

Importing the package is cheap: submodules (``casekit.funnel``, ``casekit.data`` …) load on
first use, so ``import casekit`` does not pull in pandas, altair or jupyter.
"""

from __future__ import annotations

import importlib
import sys

__version__ = "0.1.0"

# jsonschema imports the optional ``rfc3987_syntax`` (installed with jupyter-events'
# ``jsonschema[format-nongpl]``) at import time; it compiles a grammar and costs ~1.5 s in
# every process that loads papermill, nbclient or altair (jsonschema issue 1428). Nothing in
# the kit validates the ``iri`` format it provides, so casekit's own processes opt out of it.
# Setting the module to None makes that optional import fail fast; jsonschema then simply has
# no ``iri`` format checker. Other processes (JupyterLab's server) are not affected.
if "jsonschema" not in sys.modules:
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

_SUBMODULES = frozenset(
    {
        "ads",
        "audience",
        "campaign",
        "charts",
        "compliance",
        "course",
        "data",
        "diagnose",
        "errors",
        "exercise",
        "experiment",
        "funnel",
        "nb",
        "widgets",
    }
)

__all__ = ["__version__", *sorted(_SUBMODULES)]


def __getattr__(name: str):
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'casekit' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | _SUBMODULES)
