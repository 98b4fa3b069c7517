"""Specific exceptions raised by casekit.

Every message names the thing (a dataset, a column, a parameter), the offending value and
how to fix it, with the Chinese term where that helps a learner find it. Each class also
subclasses the matching built-in (``KeyError`` or ``ValueError``) so generic handlers work.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "BadParameterError",
    "CasekitError",
    "EmptyDataError",
    "GuideError",
    "HandoutError",
    "MissingColumnError",
    "NotebookError",
    "PlanError",
    "SchemaViolationError",
    "SiteError",
    "UnknownDatasetError",
    "UnknownParameterError",
    "WrongFileError",
]


class CasekitError(Exception):
    """Base class of every error casekit raises on purpose."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:  # KeyError would otherwise wrap the message in quotes
        return self.message


class UnknownDatasetError(CasekitError, KeyError):
    """A dataset name that is not in the catalogue."""

    def __init__(self, name: str, suggestions: Iterable[str] = ()):
        self.name = name
        self.suggestions = list(suggestions)
        hint = (
            f"did you mean {', '.join(repr(s) for s in self.suggestions)}?"
            if self.suggestions
            else "see casekit.data.catalog() for the list"
        )
        super().__init__(f"unknown dataset {name!r} (数据集); {hint}")


class SchemaViolationError(CasekitError, ValueError):
    """Data that does not match its documented schema."""

    def __init__(self, message: str, *, dataset: str | None = None, column: str | None = None):
        self.dataset = dataset
        self.column = column
        prefix = f"dataset {dataset!r}: " if dataset else ""
        super().__init__(prefix + message)


class MissingColumnError(SchemaViolationError, KeyError):
    """A required column is absent from a DataFrame."""

    def __init__(
        self,
        column: str,
        *,
        available: Iterable[str] = (),
        zh: str | None = None,
        dataset: str | None = None,
        what: str = "the input",
    ):
        label = f"{column!r} ({zh})" if zh else repr(column)
        have = ", ".join(map(str, available)) or "none"
        super().__init__(
            f"{what} has no column {label}; columns present: {have}. "
            f"Rename or add the column before calling this function.",
            dataset=dataset,
            column=column,
        )


class EmptyDataError(CasekitError, ValueError):
    """An empty table where rows are needed."""


class BadParameterError(CasekitError, ValueError):
    """A parameter with a wrong type or an out-of-range value."""

    def __init__(self, name: str, value: object, expected: str, *, zh: str | None = None):
        self.name = name
        self.value = value
        label = f"{name!r} ({zh})" if zh else repr(name)
        super().__init__(f"parameter {label} is {value!r}; expected {expected}")


class UnknownParameterError(CasekitError, KeyError):
    """A parameter name the function or notebook does not declare."""

    def __init__(self, name: str, allowed: Iterable[str], *, where: str = "this call"):
        self.name = name
        self.allowed = sorted(allowed)
        super().__init__(
            f"unknown parameter {name!r} for {where}; allowed parameters: "
            f"{', '.join(self.allowed) or 'none'}"
        )


class WrongFileError(CasekitError, ValueError):
    """A file that is not in the format the reader expects."""

    def __init__(self, path: object, problem: str, expected: str):
        self.path = path
        super().__init__(f"{path}: {problem}; expected {expected}")


class NotebookError(CasekitError, ValueError):
    """A notebook that is malformed or misses a required part."""


class PlanError(CasekitError, ValueError):
    """A capstone plan without the template's shape (a missing key, a wrong type)."""


class SiteError(CasekitError, ValueError):
    """The site cannot be built (bad input, an external resource, an unsafe target folder)."""


class OutputError(CasekitError, OSError):
    """A file could not be written (full disk, read-only or forbidden folder); names the path."""


class Interrupted(KeyboardInterrupt):
    """A long command was stopped (Ctrl-C or SIGTERM); says what finished and how to resume.

    A KeyboardInterrupt, not a CasekitError, on purpose: no ``except CasekitError`` (nor
    ``except Exception``) on the way up may turn a stop into an ordinary error.
    """

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class GuideError(CasekitError, ValueError):
    """The notebooks, solutions or ``instructor/notes.yaml`` cannot make a consistent guide."""


class HandoutError(CasekitError, ValueError):
    """A printable handout cannot be made (missing input, no browser, a chart not drawn)."""


class QuizGainError(CasekitError, ValueError):
    """Two grading folders cannot be compared as a pre- and a post-test of the same quiz."""


class RuleNotInCartWarning(UserWarning):
    """A pricing rule that names a store or item the cart does not hold, so it saves nothing."""
