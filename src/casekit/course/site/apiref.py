"""The site's API reference: every public function and class of the library, from docstrings.

Docstrings follow numpydoc: a summary, then sections such as ``Parameters`` and ``Returns``
(a title underlined with dashes; ``name : type`` lines with indented descriptions). They are
parsed into paragraphs and definition lists here and rendered by ``site/api.html.j2``.
"""

from __future__ import annotations

import importlib
import inspect
import re
from dataclasses import dataclass, field
from typing import Any

from casekit.course.site.pages import Page
from casekit.course.templating import render

MODULES = (
    "casekit.funnel", "casekit.ads", "casekit.campaign", "casekit.audience",
    "casekit.experiment", "casekit.diagnose", "casekit.compliance", "casekit.charts",
    "casekit.widgets", "casekit.nb", "casekit.exercise", "casekit.plan", "casekit.data",
    "casekit.errors", "casekit.fileio",
)
"""Library modules documented on the page, in teaching order."""
SECTION_TITLES = {
    "Parameters": "参数 Parameters",
    "Other Parameters": "其他参数 Other parameters",
    "Returns": "返回 Returns",
    "Yields": "产出 Yields",
    "Raises": "异常 Raises",
    "Warns": "警告 Warns",
    "Attributes": "属性 Attributes",
    "See Also": "参见 See also",
    "Notes": "说明 Notes",
    "References": "参考 References",
    "Examples": "示例 Examples",
}
_ITEM_SECTIONS = {"Parameters", "Other Parameters", "Returns", "Yields", "Raises", "Warns",
                  "Attributes"}
_CODE_SECTIONS = {"Examples"}


@dataclass
class Paragraph:
    text: str
    code: bool = False


@dataclass
class Item:
    name: str
    type: str
    text: str


@dataclass
class Section:
    title: str
    items: list[Item] = field(default_factory=list)
    text: str = ""


@dataclass
class Doc:
    paragraphs: list[Paragraph] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)


def _paragraphs(lines: list[str]) -> list[Paragraph]:
    out: list[Paragraph] = []
    block: list[str] = []

    def flush() -> None:
        if block:
            code = all(ln.startswith((">>>", "...", "    ")) for ln in block)
            text = "\n".join(block) if code else " ".join(ln.strip() for ln in block)
            out.append(Paragraph(text, code))
            block.clear()

    for line in lines:
        if line.strip():
            block.append(line)
        else:
            flush()
    flush()
    return out


def parse_docstring(doc: str | None) -> Doc:
    """Split a numpydoc docstring into summary paragraphs and titled sections."""
    lines = inspect.cleandoc(doc or "").splitlines()
    heads = [
        i for i in range(len(lines) - 1)
        if lines[i].strip() in SECTION_TITLES and re.fullmatch(r"\s*-{3,}\s*", lines[i + 1])
    ]
    result = Doc(_paragraphs(lines[: heads[0]] if heads else lines))
    for n, start in enumerate(heads):
        name = lines[start].strip()
        body = lines[start + 2 : heads[n + 1] if n + 1 < len(heads) else len(lines)]
        section = Section(SECTION_TITLES[name])
        if name in _ITEM_SECTIONS:
            for line in body:
                if not line.strip():
                    continue
                if not line.startswith((" ", "\t")):
                    item_name, _, item_type = line.partition(":")
                    section.items.append(Item(item_name.strip(), item_type.strip(), ""))
                elif section.items:
                    sep = " " if section.items[-1].text else ""
                    section.items[-1].text += sep + line.strip()
        else:
            text = "\n".join(body).strip("\n")
            section.text = text if name in _CODE_SECTIONS else " ".join(text.split())
        result.sections.append(section)
    return result


class _Annotation(str):
    """A postponed annotation (``from __future__ import annotations``) shown without quotes."""

    def __repr__(self) -> str:
        return str(self)


def _signature(obj: Any) -> str:
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return "(…)"

    def plain(annotation: Any) -> Any:
        return _Annotation(annotation) if isinstance(annotation, str) else annotation

    sig = sig.replace(
        parameters=[p.replace(annotation=plain(p.annotation)) for p in sig.parameters.values()],
        return_annotation=plain(sig.return_annotation),
    )
    text = str(sig)
    return re.sub(r" at 0x[0-9a-fA-F]+", "", text)  # no memory addresses: deterministic


def _public(module: Any) -> list[tuple[str, Any]]:
    names = getattr(module, "__all__", None)
    if names is None:
        names = [
            n for n, v in vars(module).items()
            if not n.startswith("_")
            and (inspect.isfunction(v) or inspect.isclass(v))
            and getattr(v, "__module__", "").startswith(module.__name__)
        ]
    out = []
    for name in sorted(names):
        obj = getattr(module, name, None)
        if inspect.isfunction(obj) or inspect.isclass(obj):
            out.append((name, obj))
    return out


def module_entries(modules: tuple[str, ...] = MODULES) -> list[dict[str, Any]]:
    """Modules → public functions and classes, each with its signature and parsed docstring."""
    entries = []
    for module_name in modules:
        module = importlib.import_module(module_name)
        functions = []
        for name, obj in _public(module):
            functions.append(
                {
                    "name": name,
                    "anchor": f"{module_name}.{name}",
                    "kind": "class" if inspect.isclass(obj) else "function",
                    "signature": _signature(obj),
                    "doc": parse_docstring(inspect.getdoc(obj)),
                }
            )
        entries.append(
            {
                "name": module_name,
                "anchor": module_name,
                "doc": parse_docstring(inspect.getdoc(module)),
                "functions": functions,
            }
        )
    return entries


def api_page(modules: tuple[str, ...] = MODULES) -> Page:
    """The ``api.html`` page."""
    body = render("site/api.html.j2", here="api.html", modules=module_entries(modules))
    return Page(path="api.html", title="接口参考 API reference", body=body, section="api",
                source="casekit (docstrings)")
