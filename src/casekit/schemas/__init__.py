"""JSON Schemas of the course's declarative files, and the checks that apply them.

The schemas are package data next to this module (``casekit/schemas/*.schema.json``); the
package sits below both ``casekit.data`` and ``casekit.course`` so neither imports upward:

- ``notebook_metadata.schema.json``: ``metadata.casekit`` of a notebook, solution or
  exercise (``parameters`` with type/default/min/max/step/choices/vary, the ``exercise``
  with its questions, ``inputs``, ``build_key``, ``student``). Question specs accept extra
  keys, so a field such as ``level`` or ``rubric`` needs no schema change;
- ``catalog.schema.json``: ``datasets/catalog.yaml``.

A violation becomes one :class:`~casekit.errors.NotebookError` or
:class:`~casekit.errors.SchemaViolationError` naming the file, the cell where relevant and
the field path (``metadata.casekit.parameters.seed.min``).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping
from importlib import resources
from typing import Any

from casekit.errors import NotebookError, SchemaViolationError

__all__ = ["catalog_problems", "check_catalog", "check_notebook_metadata", "load_schema"]


@functools.cache
def load_schema(name: str) -> dict[str, Any]:
    """The parsed schema ``casekit/course/schema/<name>.schema.json``."""
    text = (resources.files("casekit.schemas") / f"{name}.schema.json").read_text(
        encoding="utf-8"
    )
    return json.loads(text)


@functools.cache
def _validator(name: str):
    from jsonschema import Draft202012Validator

    schema = load_schema(name)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def _path(prefix: str, parts: Iterable[Any]) -> str:
    out = prefix
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _describe(error) -> str:
    """A one-line, specific message for a jsonschema ``ValidationError``."""
    hint = error.schema.get("description") if isinstance(error.schema, Mapping) else None
    if error.validator == "required":
        text = error.message.replace("is a required property", "is required")
        return f"{text} ({hint})" if hint else text
    if error.validator == "additionalProperties":
        return error.message + " (check the spelling of the field)"
    if error.validator == "enum":
        return f"{error.instance!r} is not one of {error.validator_value}"
    return error.message


def _errors(name: str, document: Any):
    """Violations, most specific first (deepest path, then document order)."""
    errors = list(_validator(name).iter_errors(document))

    def leaves(err):
        if err.context:
            for sub in err.context:
                yield from leaves(sub)
        else:
            yield err

    flat = [leaf for err in errors for leaf in leaves(err)]
    return sorted(flat, key=lambda e: (-len(e.absolute_path), [str(p) for p in e.absolute_path]))


def check_notebook_metadata(meta: Any, where: str, *, cell: str | None = None) -> None:
    """Raise ``NotebookError`` if ``metadata.casekit`` breaks its schema.

    Parameters
    ----------
    meta : Mapping
        The ``metadata.casekit`` mapping.
    where : str
        The notebook's path (first part of the message).
    cell : str, optional
        The cell the fields relate to (e.g. ``"cell 3 (tagged parameters)"``), named too.
    """
    errors = _errors("notebook_metadata", _plain(meta))
    if not errors:
        return
    first = errors[0]
    field = _path("metadata.casekit", first.absolute_path)
    at = f", {cell}" if cell else ""
    more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
    raise NotebookError(f"{where}{at}: {field}: {_describe(first)}{more}")


def catalog_problems(doc: Any) -> list[str]:
    """Every schema violation of a parsed ``catalog.yaml``, as ``field.path: message``."""
    return [
        f"{_path('catalog', e.absolute_path)}: {_describe(e)}"
        for e in _errors("catalog", _plain(doc))
    ]


def check_catalog(doc: Any, where: str) -> None:
    """Raise ``SchemaViolationError`` naming the file and field if the catalogue is invalid."""
    problems = catalog_problems(doc)
    if problems:
        more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
        raise SchemaViolationError(f"{where}: {problems[0]}{more}")


def _plain(value: Any) -> Any:
    """nbformat's NotebookNode and YAML mappings as plain dicts and lists."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
