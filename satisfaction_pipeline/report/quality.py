"""The report's data-quality lines: the response rate, the share of each question left
unanswered, responses set aside by the one-vote rule, the share of unhappy customers' comments
the themes explain, and the top reasons rows were rejected."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import polars as pl

from satisfaction_pipeline.formats import (
    format_number,
    format_percent,
)
from satisfaction_pipeline.i18n import translations
from satisfaction_pipeline.redact import quotable


def response_rate(
    counts: pl.DataFrame | None, invitations: dict[str, int | str]
) -> tuple[int, int] | None:
    """(responses, invitations) over the sources that say how many invitations they sent: a
    number a week, or their unanswered rows (`counts`: response_counts.sql). None if none do."""
    by_source = {} if counts is None else {r[0]: r[1:] for r in counts.iter_rows()}
    responses = sent = 0
    for source, setting in invitations.items():  # a source without a response this week too
        answered, unanswered = by_source.get(source, (0, 0))
        responses += answered
        sent += answered + unanswered if setting == "unanswered_rows" else int(setting)
    return (responses, sent) if sent else None


@dataclass(frozen=True)
class Coding:
    """What the themes leave to code: the shares they explained the weeks before (oldest
    first), and the comments of the last weeks no theme explains (`themes suggest`)."""

    trend: list[tuple[int, int]]  # (low scorers' comments, explained), a week each
    unexplained: int = 0
    first: dt.date | None = None
    last: dt.date | None = None


def week_quality(
    week_counts: dict[str, int],
    response_counts: pl.DataFrame | None,
    invitations: dict[str, int | str],
    votes: str,
    language: str,
    coding: Coding | None = None,
) -> list[str]:
    """The week's denominators in words: the response rate, the share of each question left
    unanswered (N/A, skipped), the responses set aside by the one-vote rule, the share of low
    scorers' comments the themes explain with its trend, and the comments worth coding."""
    _, lines = translations(language).gettext, []
    if rate := response_rate(response_counts, invitations):
        lines.append(
            _("Response rate: {rate} ({responses} responses to {invitations} invitations).").format(
                rate=format_percent(100 * rate[0] / rate[1], language, 0),
                responses=format_number(rate[0], language, 0),
                invitations=format_number(rate[1], language, 0),
            )
        )
    rates = [
        f"{metric.upper()} {format_percent(100 * (1 - answered / asked), language, 0)}"
        for metric in ("csat", "nps", "ces")
        if (asked := week_counts.get(f"{metric}_asked"))
        and (answered := week_counts.get(f"{metric}_answered")) is not None
    ]
    if rates:
        lines.append(
            _(
                "Not answered (N/A, dismissed or skipped), so left out of the score: {rates}."
            ).format(rates=", ".join(rates))
        )
    if week_counts.get("superseded") and votes != "all":
        if votes == "last_in_week":
            set_aside = _(
                "Set aside because their customer answered the same survey again that week, "
                "the last answer counting: {n}."
            )
        else:
            set_aside = _(
                "Set aside because their customer answered the same survey again that week, "
                "the first answer counting: {n}."
            )
        lines.append(set_aside.format(n=format_number(week_counts["superseded"], language, 0)))
    if said := coverage(week_counts, language):
        lines.append(said)
        if coding and coding.trend:
            shares = [format_percent(100 * e / n, language, 0) for n, e in coding.trend]
            lines.append(_("The weeks before, oldest first: {shares}.").format(
                shares=", ".join(shares)
            ))  # fmt: skip
    if coding and coding.unexplained and coding.first and coding.last:
        lines.append(_worth_coding(coding, language))
    return lines


def _worth_coding(coding: Coding, language: str) -> str:
    words = translations(language)
    weeks = (coding.last - coding.first).days // 7 + 1
    return words.ngettext(
        "{n} comment of the last {weeks} weeks is explained by no theme: worth coding, the most "
        "useful first, with satisfaction-pipeline themes suggest --weeks {first}..{last} "
        "--out to_code.xlsx",
        "{n} comments of the last {weeks} weeks are explained by no theme: worth coding, the "
        "most useful first, with satisfaction-pipeline themes suggest --weeks {first}..{last} "
        "--out to_code.xlsx",
        coding.unexplained,
    ).format(
        n=format_number(coding.unexplained, language, 0),
        weeks=weeks,
        first=coding.first.isoformat(),
        last=coding.last.isoformat(),
    )


def coverage(week_counts: dict[str, Any], language: str) -> str | None:
    """The share of unhappy customers' comments the themes explain and leave unexplained (in
    the data-quality section and the e-mail); None without any such comment."""
    _ = translations(language).gettext
    low = week_counts.get("low_comments")
    if not low:
        return None
    explained, emerging = week_counts["low_explained"], week_counts["low_emerging"]

    def share(n: int) -> str:
        return format_percent(100 * n / low, language, 0)

    return _(
        "Unhappy customers' comments explained by a theme: {share} of {n}; {unexplained} left "
        "without one{emerging}. A low share is the signal to code more comments."
    ).format(
        share=share(explained),
        n=format_number(low, language, 0),
        unexplained=share(low - explained),
        emerging=_(" ({share} in an emerging group)").format(share=share(emerging))
        if emerging
        else "",
    )


def rejection_rows(rejections: pl.DataFrame | None) -> list[dict[str, Any]]:
    """The top rejection reasons; their example is a customer's cell (a comment typed into a
    score column, say), so it is quoted like any customer text: redacted, on one line, short."""
    if rejections is None:
        return []
    return [
        {**r, "example": quotable(r["example"]) if r.get("example") else None}
        for r in rejections.iter_rows(named=True)
    ]
