"""What to fix first as the report shows it: the ranked action list and the watch list, whose
doing low scores are, what customers appreciated, the week's themes and the customers to call
back, labelled in the report's language."""

from __future__ import annotations

from typing import Any

import polars as pl

from satisfaction_pipeline.actions.praise import QUOTED_ROWS
from satisfaction_pipeline.actions.ranking import leads_clearly
from satisfaction_pipeline.config.taxonomy import Taxonomy
from satisfaction_pipeline.formats import dimension_label, format_percent
from satisfaction_pipeline.i18n import translations
from satisfaction_pipeline.report.texts import theme_label, theme_labels


def call_backs_by_theme(
    call_backs: pl.DataFrame | None, taxonomy: Taxonomy | None, language: str
) -> list[dict[str, Any]]:
    """Customers to call back per top theme, labelled in the report's language."""
    if call_backs is None:
        return []
    labels = theme_labels(taxonomy, language)
    return [
        {"label": theme_label(labels, r["theme"]), "customers": r["customers"]}
        for r in call_backs.iter_rows(named=True)
    ]


def action_context(
    actions: pl.DataFrame | None,
    responsibility: pl.DataFrame | None,
    praise: pl.DataFrame | None,
    taxonomy: Taxonomy | None,
    language: str,
) -> dict[str, Any]:
    """The ranked action list, the watch list, the responsibility split and praise per team."""
    labels = theme_labels(taxonomy, language)
    ranked, watch = [], []
    if actions is not None and not actions.is_empty():
        for (theme,), rows in actions.group_by("theme", maintain_order=True):
            by_metric = {r["metric"]: r for r in rows.iter_rows(named=True)}
            entry = _action_entry(theme, by_metric, labels, language)
            (ranked if entry["status"] == "ranked" else watch).append(entry)
    ranked.sort(key=lambda e: e["rank"])
    split = {}
    if responsibility is not None and not responsibility.is_empty():
        rows = responsibility.filter(pl.col("kind") == "split")
        split = {r["category"]: r for r in rows.iter_rows(named=True)}
    return {
        "actions": ranked,
        "ranking": _ranking(actions, ranked, language),
        "watch": sorted(watch, key=lambda e: -e["complaints"]),
        "responsibility": {
            "n": sum(r["low_scorers"] for r in split.values()),
            **{
                k: format_percent(100 * split[k]["share"] if k in split else 0.0, language, 0)
                for k in ("service_only", "service_and_others", "others_only", "no_theme")
            },
        }
        if split
        else None,
        "praise": _praise(praise, labels),
    }


def _ranking(
    actions: pl.DataFrame | None, ranked: list[dict[str, Any]], language: str
) -> dict[str, Any]:
    """What the week's list rests on, in words: the weeks pooled ("this week" alone), the
    basis (points, share, mentions) and how sure its first place is."""
    _ = translations(language).gettext
    first = {} if actions is None or actions.is_empty() else actions.row(0, named=True)
    weeks = first.get("window_weeks") or 1
    lead = None
    if ranked:
        lead = _("clearly first") if leads_clearly(ranked) else _("likely first, to confirm")
    window = _("over the last {weeks} weeks").format(weeks=weeks) if weeks > 1 else _("this week")
    return {
        "weeks": weeks,
        "window": window,
        "no_ranked": _(
            "No complaint theme stands out clearly {window}: see the watch list."
        ).format(window=window),
        "basis": first.get("basis") or "points",
        "lead": lead,
        "leads_clearly": bool(ranked) and leads_clearly(ranked),
    }


def _action_entry(
    theme: str,
    by_metric: dict[str, dict[str, Any]],
    labels: dict[str, dict[str, str]],
    language: str,
) -> dict[str, Any]:
    """One theme of the action list: what every metric's row shares, and each metric's points
    at stake with their interval (CSAT, CES, NPS: the ranking's order of weight)."""
    first = next(iter(by_metric.values()))
    _ = translations(language).gettext
    most_in = None
    over_index = ("over_index_dimension", "over_index_segment", "over_index_rate", "rest_rate")
    if all(first.get(column) is not None for column in over_index):
        dimension = first["over_index_dimension"]
        most_in = _(
            "Most over-represented: {dimension} {segment}, {rate} of its commenters vs {rest} "
            "elsewhere."
        ).format(
            dimension=dimension_label(dimension, language),
            segment=first["over_index_segment"],
            rate=format_percent(100 * first["over_index_rate"], language, 0),
            rest=format_percent(100 * first["rest_rate"], language, 0),
        )
    goes_with = None
    if first.get("driver_label") and first.get("driver_share_theme") is not None:
        goes_with = _(
            "Goes with the question “{question}”: answered favourably by {theme} of those "
            "complaining of it, {others} of the others."
        ).format(
            question=first["driver_label"],
            theme=format_percent(100 * first["driver_share_theme"], language, 0),
            others=format_percent(100 * first["driver_share_others"], language, 0),
        )
    return {
        "theme": theme,
        "goes_with": goes_with,
        "label": theme_label(labels, theme),
        "owner": first["owner"],
        "status": first["status"],
        "rank": first["rank"],
        "complaints": first["complaints"],
        "share": _percent(first.get("share_of_responses"), language),
        "share_before": _percent(first.get("share_trailing"), language),
        "confidence": first.get("confidence"),
        "priority": first.get("priority"),
        "priority_estimate": first.get("priority_estimate"),
        "low_share": _percent(first.get("share_of_low_comments"), language),
        "low_share_range": (
            _percent(first.get("share_of_low_comments_low"), language),
            _percent(first.get("share_of_low_comments_high"), language),
        ),
        "rising": bool(first["rising"]),
        "action": labels.get(theme, {}).get("action", ""),
        "examples": list(first["examples"] or [])[:2],
        "most_in": most_in,
        "points": [
            (m.upper(), by_metric[m]["points"], by_metric[m]["points_low"],
             by_metric[m]["points_high"])
            for m in ("csat", "ces", "nps")
            if m in by_metric and by_metric[m]["points"] is not None
        ],
    }  # fmt: skip


def _percent(share: float | None, language: str) -> str | None:
    """A 0-1 share as a whole percentage, None when unknown."""
    return None if share is None else format_percent(100 * share, language, 0)


def _praise(praise: pl.DataFrame | None, labels: dict[str, dict[str, str]]) -> list[dict]:
    """What customers appreciated, per team, with a quote no other entry shows: one happy
    comment often names several themes, and the same words twice read as padding."""
    if praise is None or praise.is_empty():
        return []
    shown: set[str] = set()
    praised = []
    for row in praise.filter(pl.col("dimension") == "team").head(QUOTED_ROWS).iter_rows(named=True):
        quote = next((q for q in row["examples"] or [] if q not in shown), None)
        if quote:
            shown.add(quote)
        praised.append({**row, "label": theme_label(labels, row["theme"]), "quote": quote})
    return praised


def theme_rows(
    themes: pl.DataFrame | None, taxonomy: Taxonomy | None, language: str
) -> list[dict[str, Any]]:
    """The week's themes with their label and owner in the report's language."""
    if themes is None or taxonomy is None:
        return []
    labels = theme_labels(taxonomy, language)
    return [
        {**row, "label": theme_label(labels, row["theme"]),
         "owner": labels.get(row["theme"], {}).get("owner", "")}
        for row in themes.iter_rows(named=True)
    ]  # fmt: skip
