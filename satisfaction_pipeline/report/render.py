"""The report's HTML from its context, with Jinja2, and its files written all at once.

Comments are untrusted: Jinja2 escapes them (autoescape is on for every template but `.txt`) and
they are PII-redacted before they reach a template; the one file carries its fonts and charts
as `data:` URLs.
"""

from __future__ import annotations

import base64
import functools
import os
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from satisfaction_pipeline.formats import (
    dimension_label,
    format_date,
    format_number,
    format_percent,
    owner_label,
)
from satisfaction_pipeline.i18n import translations

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "report_templates"


def _autoescape(template_name: str | None) -> bool:
    # `select_autoescape()` would not escape `*.html.j2`; escape everything but plain text.
    return not (template_name or "").endswith((".txt", ".txt.j2"))


@functools.cache
def environment(language: str) -> Environment:
    """Templates with the language's words (`_`, `ngettext`, `pgettext` and `{% trans %}` from
    Jinja2's i18n extension, fed by the language's catalog) and formats. One per language and
    process: it keeps its compiled templates (compiling the report's took 0.08 s a week)."""
    env = Environment(
        extensions=["jinja2.ext.i18n"],
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=_autoescape,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = lambda v, d=1, sign=False: format_number(v, language, d, sign)
    env.filters["pct"] = lambda v, d=1: format_percent(v, language, d)
    env.filters["date"] = lambda v: format_date(v, language)
    env.globals["font_data_uri"] = font_data_uri
    env.globals["owner_label"] = lambda owner: owner_label(owner, language)
    env.globals["dimension_label"] = lambda dimension: dimension_label(dimension, language)
    words = translations(language)
    env.install_gettext_callables(
        gettext=words.gettext,
        # counts from the warehouse may be Decimal (DuckDB's sums): a plural rule wants an int
        ngettext=lambda singular, plural, n: words.ngettext(singular, plural, int(n)),
        pgettext=words.pgettext,
        npgettext=lambda context, singular, plural, n: words.npgettext(
            context, singular, plural, int(n)
        ),
        newstyle=True,
    )
    return env


@functools.cache
def font_data_uri(name: str) -> str:
    """A font of `report_templates/fonts/` as a `data:` URL: the report's one file carries it."""
    data = (TEMPLATES_DIR / "fonts" / name).read_bytes()
    return "data:font/woff2;base64," + base64.b64encode(data).decode("ascii")


def render_html(context: dict[str, Any]) -> str:
    return environment(context["language"]).get_template("report.html.j2").render(context)


def write_report_files(folder: Path, files: dict[str, bytes]) -> None:
    """Write a week's report files so that a reader never sees a half-written or mixed set: each
    is written beside its final name, and all are renamed into place only once all are written."""
    folder.mkdir(parents=True, exist_ok=True)
    staged = {}
    for name, content in files.items():
        temporary = folder / f".{name}.partial"
        temporary.write_bytes(content)
        staged[temporary] = folder / name
    for temporary, final in staged.items():
        os.replace(temporary, final)
