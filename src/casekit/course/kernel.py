"""The course's Jupyter kernelspec, installed into the active environment."""

from __future__ import annotations

import sys

KERNEL_NAME = "casekit"
DISPLAY_NAME = "Python (casekit 课程)"


def install_kernel(prefix: str | None = None) -> str:
    """Install the ``casekit`` kernelspec for this interpreter; return its folder.

    It goes into ``sys.prefix`` (the venv or conda env), not the user's home, so a notebook
    whose metadata names ``casekit`` always runs with the course's packages.
    """
    from ipykernel.kernelspec import install

    return install(
        kernel_name=KERNEL_NAME,
        display_name=DISPLAY_NAME,
        prefix=prefix or sys.prefix,
    )
