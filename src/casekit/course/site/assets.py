"""The site's static assets: the Vega runtime, the chart script, the stylesheet, licences.

The chart script and the stylesheet are package data (``casekit/course/templates/site/``);
vega + vega-lite + vega-embed come from the installed ``vl-convert-python`` wheel.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache

from casekit.course.templating import read_static
from casekit.errors import SiteError

VEGALITE_MINOR = "5.20"
"""Vega-Lite bundled into the site: the minor version of altair 5.5's schema (v5.20.1)."""
FONT_STACK = (
    '"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", '
    '"WenQuanYi Micro Hei", sans-serif'
)


@cache
def vega_bundle(vl_minor: str = VEGALITE_MINOR) -> tuple[str, dict[str, str]]:
    """vega + vega-lite + vega-embed as one classic ``<script>`` (globals ``vegaEmbed`` …).

    Returns the JavaScript and the versions it holds. The bundle comes from the installed
    ``vl-convert-python`` wheel: nothing is downloaded.
    """
    try:
        import vl_convert as vlc
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise SiteError(
            "casekit site needs the 'vl-convert-python' package (vega for the charts); "
            "run `pip install vl-convert-python`"
        ) from exc
    from importlib import metadata

    available = list(vlc.get_vegalite_versions())
    if vl_minor not in available:
        same_major = [v for v in available if v.split(".")[0] == vl_minor.split(".")[0]]
        if not same_major:
            raise SiteError(
                f"vl-convert-python offers Vega-Lite {', '.join(available)}, none of them "
                f"{vl_minor.split('.')[0]}.x; install a vl-convert-python that bundles {vl_minor}"
            )
        vl_minor = same_major[-1]
    js = vlc.javascript_bundle(vl_version=vl_minor)
    patch = re.search(r'"(' + re.escape(vl_minor) + r'\.\d+)"', js)
    versions = {
        "vega": vlc.get_vega_version(),
        "vega-lite": patch.group(1) if patch else vl_minor,
        "vega-embed": vlc.get_vega_embed_version(),
        "vl-convert-python": metadata.version("vl-convert-python"),
    }
    return js, versions


def chart_js() -> str:
    """The script that draws every chart with the bundled vega-embed."""
    return read_static("site/casekit.js")


def css() -> str:
    """The site's one stylesheet, with pygments' code-highlighting rules appended."""
    from pygments.formatters import HtmlFormatter

    pygments_css = HtmlFormatter(style="default").get_style_defs(".highlight")
    return (
        read_static("site/casekit.css").replace("__FONT_STACK__", FONT_STACK)
        + "\n/* code highlighting (pygments, style 'default') */\n"
        + pygments_css
        + "\n"
    )


def bundle_header(versions: Mapping[str, str]) -> str:
    """Comment line at the top of ``assets/vega/vega-bundle.js``."""
    return (
        f"/* Vega {versions['vega']}, Vega-Lite {versions['vega-lite']}, vega-embed "
        f"{versions['vega-embed']}: bundled by vl-convert-python {versions['vl-convert-python']} "
        "(BSD-3-Clause); see NOTICE.txt */\n"
    )


def notice(versions: Mapping[str, str]) -> str:
    return (
        "vega-bundle.js: Vega {vega}, Vega-Lite {vl}, vega-embed {embed} and their dependencies\n"
        "(d3 modules and others), bundled into one script by vl-convert-python {vlc}\n"
        "(vl_convert.javascript_bundle), copied from the installed Python package at build time.\n"
        "\n"
        "Vega, Vega-Lite and vega-embed: Copyright (c) the University of Washington Interactive\n"
        "Data Lab; BSD 3-Clause licence.\n"
        "vl-convert: Copyright (c) Jon Mease; BSD 3-Clause licence.\n"
        "d3 modules: Copyright Mike Bostock; ISC licence. See each project's LICENSE file.\n"
    ).format(
        vega=versions["vega"],
        vl=versions["vega-lite"],
        embed=versions["vega-embed"],
        vlc=versions["vl-convert-python"],
    )
