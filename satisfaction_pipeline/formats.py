"""Numbers, dates, scores and segment names as the reports print them, in the report's language:
formats from CLDR through Babel (French: decimal comma, narrow no-break spaces before % and
between thousands, `16 nov. 2026`), labels from the language's catalog (`i18n`)."""

from __future__ import annotations

import datetime as dt
import functools
import re

from babel import Locale
from babel.dates import format_skeleton
from babel.numbers import format_decimal

from satisfaction_pipeline.i18n import N_, translations

# A report language is a CLDR locale for Babel: its number, date and month formats come from it.
# English dates are written day first (16 Nov 2026), as in Britain and Europe.
DATE_LOCALES = {"en": "en_GB"}


def month_day(day: dt.date, language: str) -> str:
    """`16 Nov` / `16 nov.`: a chart's week label."""
    return format_skeleton("MMMd", day, locale=DATE_LOCALES.get(language, language))


# Labels of ours, in English (the source language): `owner_label` and `dimension_label` print
# them in the report's language from its catalog.
OWNER_LABELS = {"customer_service": N_("Customer service"), "product": N_("Product"),
                "billing": N_("Billing"), "logistics": N_("Logistics"), "sales": N_("Sales"),
                "digital": N_("Digital"), "other": N_("Other")}  # fmt: skip
DIMENSION_LABELS = {"channel": N_("Channel"), "team": N_("Team"), "agent": N_("Agent"),
                    "product": N_("Product"), "touchpoint": N_("Touchpoint"),
                    "source": N_("Survey")}  # fmt: skip


def owner_label(owner: str, language: str) -> str:
    """`Customer service` / `Service client`; an owner of one's own keeps its name."""
    if owner not in OWNER_LABELS:
        return owner
    return translations(language).gettext(OWNER_LABELS[owner])


def format_date(day: dt.date, language: str) -> str:
    """`16 Nov 2026` / `16 nov. 2026` / `16. Nov. 2026`: the locale's own order and marks."""
    return format_skeleton("yMMMd", day, locale=DATE_LOCALES.get(language, language))


def format_number(value: float | None, language: str, decimals: int = 1, sign: bool = False) -> str:
    """`12.5`, `2,531` / `12,5`, `2 531` (the locale's decimal mark and grouping: a narrow
    no-break space in French), a true minus sign, `–` when missing; `sign` puts + on positive
    values (zero has none)."""
    if value is None:
        return "–"
    value = round(float(value), decimals) + 0.0  # no "−0": what rounds to zero is zero
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    if sign and value != 0:
        pattern = f"+{pattern};-{pattern}"
    return format_decimal(value, format=pattern, locale=language).replace("-", "−")


# French typography (Lexique des règles typographiques de l'Imprimerie nationale, as screens
# use it): a narrow no-break space before `: ; ! ? %` and inside « », and the curly apostrophe.
_SPACE_BEFORE_PUNCTUATION = re.compile(r"[ \u00a0\u202f]?([:;!?»])(?=\s|$|[),.])")
_SPACE_AFTER_GUILLEMET = re.compile(r"«[ \u00a0\u202f]?")
_APOSTROPHE = re.compile(r"(?<=\w)'(?=\w)")
_SPACE_BEFORE_PERCENT = re.compile(r"(?<=\d)[ \u00a0]?%")


# Left as they are: format fields (`{rate:.0%}`), HTML entities and URLs.
_UNTOUCHED = re.compile(r"(\{[^{}]*\}|&#?\w+;|\S+://\S*)")


def french_typography(text: str) -> str:
    """Our own French sentences as they should print: `Points en jeu\u202f: …`, `l’intervalle`,
    `«\u202fmot\u202f»`. Never applied to what customers wrote: verbatims are quoted as is."""
    parts = _UNTOUCHED.split(text)  # odd items are the untouched tokens
    for i in range(0, len(parts), 2):
        part = _SPACE_BEFORE_PUNCTUATION.sub("\u202f\\1", parts[i])
        part = _SPACE_AFTER_GUILLEMET.sub("«\u202f", part)
        part = _SPACE_BEFORE_PERCENT.sub("\u202f%", part)
        parts[i] = _APOSTROPHE.sub("’", part)
    return "".join(parts)


def format_percent(value: float | None, language: str, decimals: int = 1) -> str:
    """`12.5%` / `12,5 %` (narrow no-break space)."""
    if value is None:
        return "–"
    return f"{format_number(value, language, decimals)}{_percent_space(language)}%"


@functools.cache
def _percent_space(language: str) -> str:
    """The space CLDR puts before % in the language (none in English, a no-break space in French
    and German), narrow in French as its typography wants."""
    pattern = Locale.parse(language).percent_formats[None].pattern
    before = pattern[pattern.index("%") - 1] if pattern.index("%") else ""
    if not before.isspace():
        return ""
    return "\u202f" if language == "fr" else before


def format_score(metric: str, value: float | None, language: str) -> str:
    """A score in its metric's unit: CSAT `85.1%`, NPS `+12`, CES `4.25`."""
    if metric == "csat":
        return format_percent(value, language)
    if metric == "nps":
        return format_number(value, language, 0, sign=True)
    return format_number(value, language, 2)


def format_change(metric: str, change: float, language: str) -> str:
    """The size of a change, unsigned: CSAT `9.5 points`, NPS `18 points`, CES `0.45`."""
    if metric == "ces":
        return format_number(abs(change), language, 2)
    size = format_number(abs(change), language, 1 if metric == "csat" else 0)
    return translations(language).gettext("{size} points").format(size=size)


def metric_name(metric: str, scale: str) -> str:
    """`CSAT`, `NPS`, `CES 1-7`; the scale is named where a metric can have several."""
    name = metric.upper()
    if metric == "ces" or (metric == "csat" and scale != "1-5"):
        return f"{name} {scale}"
    return name


def dimension_label(dimension: str, language: str) -> str:
    """`Channel` / `Canal`; a configured dimension of one's own keeps its name."""
    if dimension not in DIMENSION_LABELS:
        return dimension.replace("_", " ").capitalize()
    return translations(language).gettext(DIMENSION_LABELS[dimension])
