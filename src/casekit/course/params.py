"""Exercise parameters: a declared schema, checked before any cell runs.

Each solution notebook declares its papermill parameters in ``metadata.casekit.parameters``::

    {"seed": {"type": "int", "default": 7, "min": 0, "max": 9999, "vary": true,
              "description": "random seed of the simulated data"},
     "brand": {"type": "str", "default": "美宝莲", "choices": ["美宝莲", "欧莱雅"], "vary": true}}

and has one code cell tagged ``parameters`` that assigns exactly those names with their
defaults (``seed: int = 7``). papermill itself only warns on unknown names and never checks
types, so every casekit entry point (``casekit run``, ``assign``, ``grade``) goes through
:func:`validate` first. Per-student values come from :func:`student_parameters`: a hash of
the student id and the exercise id, so each student gets different data and answers, and the
same student always gets the same ones.
"""

from __future__ import annotations

import ast
import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from casekit.errors import BadParameterError, NotebookError, UnknownParameterError

TYPES = {"int": int, "float": float, "str": str, "bool": bool}
PARAMETERS_TAG = "parameters"


@dataclass(frozen=True)
class ParamSpec:
    name: str
    type: str
    default: Any
    description: str = ""
    min: float | None = None
    max: float | None = None
    choices: tuple[Any, ...] = field(default_factory=tuple)
    vary: bool = False
    step: float | None = None

    def expected(self) -> str:
        if self.choices:
            return f"one of {', '.join(map(str, self.choices))}"
        parts = [f"a {self.type}"]
        if self.min is not None:
            parts.append(f">= {self.min}")
        if self.max is not None:
            parts.append(f"<= {self.max}")
        return " ".join(parts)


def schema_from_metadata(nb, where: str = "notebook") -> dict[str, ParamSpec]:
    """The declared parameter schema of a notebook (``metadata.casekit.parameters``)."""
    from casekit import schemas

    meta = nb.get("metadata", {}).get("casekit", {})
    raw = meta.get("parameters") if isinstance(meta, Mapping) else None
    if not isinstance(raw, Mapping) or not raw:
        raise NotebookError(f"{where}: no parameter schema in metadata.casekit.parameters")
    schemas.check_notebook_metadata(meta, where)
    schema = {}
    for name, spec in raw.items():
        kind = spec["type"]
        schema[name] = ParamSpec(
            name=name,
            type=kind,
            default=spec.get("default"),
            description=spec.get("description", ""),
            min=spec.get("min"),
            max=spec.get("max"),
            choices=tuple(spec.get("choices") or ()),
            vary=bool(spec.get("vary", False)),
            step=spec.get("step"),
        )
        validate(schema, {name: schema[name].default}, where=f"{where} (default of {name!r})")
    return schema


def parameters_cell_index(nb) -> int | None:
    """Index of the cell tagged ``parameters``, or None."""
    for i, cell in enumerate(nb.get("cells", [])):
        if PARAMETERS_TAG in cell.get("metadata", {}).get("tags", []):
            return i
    return None


def assigned_names(source: str) -> dict[str, Any]:
    """Names and literal values assigned in a parameters cell (``x: int = 3`` or ``x = 3``)."""
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise NotebookError(f"parameters cell is not valid Python: {exc}") from None
    values: dict[str, Any] = {}
    for node in tree.body:
        target, value = None, None
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            target, value = node.target.id, node.value
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(
            node.targets[0], ast.Name
        ):
            target, value = node.targets[0].id, node.value
        if target is None:
            continue
        try:
            values[target] = ast.literal_eval(value) if value is not None else None
        except ValueError:
            values[target] = None
    return values


def check_notebook(nb, where: str = "notebook") -> dict[str, ParamSpec]:
    """Schema of a notebook whose parameters cell assigns exactly the declared names."""
    schema = schema_from_metadata(nb, where)
    index = parameters_cell_index(nb)
    if index is None:
        raise NotebookError(
            f"{where}: no cell tagged 'parameters'; papermill would silently put the values "
            f"at the top. Tag the cell that assigns {', '.join(schema)} with 'parameters'."
        )
    assigned = assigned_names(nb["cells"][index]["source"])
    if set(assigned) != set(schema):
        raise NotebookError(
            f"{where}: the parameters cell assigns {sorted(assigned)} but the schema declares "
            f"{sorted(schema)}; make them the same"
        )
    own = _own_values(nb, schema)
    for name, value in assigned.items():
        if value == schema[name].default or (own is not None and value == own[name]):
            continue
        mine = f" (and {own[name]!r} in this student's variant)" if own is not None else ""
        raise NotebookError(
            f"{where}: parameter {name!r} defaults to {value!r} in the cell but "
            f"{schema[name].default!r} in the schema{mine}"
        )
    return schema


def _own_values(nb, schema: Mapping[str, ParamSpec]) -> dict[str, Any] | None:
    """A personal copy's own parameter values (``metadata.casekit.student``), else None.

    ``casekit assign --roster`` writes the student's variant into the parameters cell, so a
    personal copy legitimately differs from the schema defaults: by exactly these values.
    """
    meta = nb.get("metadata", {}).get("casekit", {})
    student = meta.get("student") if isinstance(meta, Mapping) else None
    exercise = meta.get("exercise") if isinstance(meta, Mapping) else None
    if not isinstance(student, Mapping) or not isinstance(exercise, Mapping):
        return None
    if not str(student.get("id", "")).strip() or "id" not in exercise:
        return None
    return student_parameters(schema, str(student["id"]), str(exercise["id"]))


def _coerce(spec: ParamSpec, value: Any) -> Any:
    """Convert command-line text to the declared type; leave typed values as they are."""
    if isinstance(value, str) and spec.type != "str":
        text = value.strip()
        try:
            if spec.type == "int":
                return int(text)
            if spec.type == "float":
                return float(text)
            if spec.type == "bool":
                if text.lower() in {"true", "1", "yes"}:
                    return True
                if text.lower() in {"false", "0", "no"}:
                    return False
        except ValueError:
            pass
        raise BadParameterError(spec.name, value, spec.expected())
    return value


def validate(
    schema: Mapping[str, ParamSpec], given: Mapping[str, Any], *, where: str = "notebook"
) -> dict[str, Any]:
    """Check ``given`` against the schema; return the full, typed parameter set."""
    for name in given:
        if name not in schema:
            raise UnknownParameterError(name, schema, where=where)
    out = {}
    for name, spec in schema.items():
        value = _coerce(spec, given[name]) if name in given else spec.default
        kind = TYPES[spec.type]
        ok = isinstance(value, kind) and not (kind is not bool and isinstance(value, bool))
        if spec.type == "float" and isinstance(value, int) and not isinstance(value, bool):
            value, ok = float(value), True
        if not ok or (spec.type == "float" and not math.isfinite(value)):
            raise BadParameterError(name, value, spec.expected())
        if spec.choices and value not in spec.choices:
            raise BadParameterError(name, value, spec.expected())
        if spec.min is not None and value < spec.min:
            raise BadParameterError(name, value, spec.expected())
        if spec.max is not None and value > spec.max:
            raise BadParameterError(name, value, spec.expected())
        out[name] = value
    return out


def _unit(student_id: str, exercise_id: str, name: str) -> float:
    digest = hashlib.sha256(f"{exercise_id}\x1f{student_id}\x1f{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def student_parameters(
    schema: Mapping[str, ParamSpec], student_id: str, exercise_id: str
) -> dict[str, Any]:
    """Deterministic per-student values for the parameters marked ``vary``."""
    if not str(student_id).strip():
        raise BadParameterError("student_id", student_id, "a non-empty student id")
    values = {}
    for name, spec in schema.items():
        if not spec.vary:
            values[name] = spec.default
            continue
        u = _unit(str(student_id), exercise_id, name)
        if spec.choices:
            values[name] = spec.choices[int(u * len(spec.choices))]
        elif spec.type == "int":
            lo, hi = int(spec.min), int(spec.max)
            values[name] = lo + int(u * (hi - lo + 1))
        elif spec.type == "float":
            lo, hi = float(spec.min), float(spec.max)
            step = float(spec.step or (hi - lo) / 100)
            n = round((hi - lo) / step)
            values[name] = round(lo + int(u * (n + 1)) * step, 10)
        elif spec.type == "bool":
            values[name] = u >= 0.5
        else:
            values[name] = spec.default
    return validate(schema, values, where=f"student {student_id}")


def parameters_source(values: Mapping[str, Any], schema: Mapping[str, ParamSpec]) -> str:
    """Source of a parameters cell assigning ``values`` (readable Chinese strings)."""
    lines = []
    for name, value in values.items():
        spec = schema[name]
        literal = repr(value)  # repr keeps Chinese characters as they are
        comment = f"  # {spec.description}" if spec.description else ""
        lines.append(f"{name}: {spec.type} = {literal}{comment}")
    return "\n".join(lines)


def use_readable_strings() -> None:
    """Make papermill write Chinese string parameters as text, not ``\\uXXXX`` escapes.

    papermill's Python translator escapes every non-ASCII character; ``repr`` is an exact,
    readable Python literal for any string, so the injected cell shows ``brand = '兰蔻'``.
    """
    from papermill.translators import PythonTranslator, papermill_translators

    class ReadablePythonTranslator(PythonTranslator):
        @classmethod
        def translate_escaped_str(cls, str_val):
            return repr(str_val) if isinstance(str_val, str) else f'"{str_val}"'

    papermill_translators.register("python", ReadablePythonTranslator)
