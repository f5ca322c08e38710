"""The news of the week in words: the "In short" sentences of the first page, each score's
change split by theme ("why the scores moved"), and the themes that spiked."""

from __future__ import annotations

from typing import Any

import polars as pl

from satisfaction_pipeline.formats import (
    format_number,
    format_percent,
    format_score,
    metric_name,
    owner_label,
)
from satisfaction_pipeline.i18n import translations
from satisfaction_pipeline.report.news import (
    PREVIOUS_WEEK,
    change_sentences,
    signed,
    significant_changes,
)
from satisfaction_pipeline.report.scores import Score
from satisfaction_pipeline.report.texts import theme_label


def summary(
    headline: list[Score],
    actions: dict[str, Any],
    why: list[dict[str, Any]],
    language: str,
    counts: dict[str, Any] | None = None,
) -> list[str]:
    """The first page's sentences: every significant change of a headline score, the most
    important first (report.news), the two biggest contributors to the first one's change (to
    the first score's when none moved significantly), the first thing to fix, and whose doing
    low scores are. Without any score (`counts`: the week's, from sql/report/week_counts.sql),
    the volume of comments and complaints first."""
    _ = translations(language).gettext
    sentences = []
    if not headline and counts and counts.get("comments"):
        sentences.append(_volume_sentence(counts, language))
        sentences.append(_first_action(actions["actions"][0], actions["ranking"], language)
                         if actions["actions"] else
                         actions["ranking"]["no_ranked"])  # fmt: skip
        return sentences
    moved = significant_changes(headline)
    # the decomposition is of the change since last week: explain the first score that moved
    # against it, else the first that moved at all, else the first score
    explained = next(
        (changes[0].score for changes in moved if changes[0].against == PREVIOUS_WEEK),
        moved[0][0].score if moved else (headline[0] if headline else None),
    )
    block = next(
        (
            b
            for b in why
            if explained and (b["metric"], b["scale"]) == (explained.metric, explained.scale)
        ),
        None,
    )
    sentences.extend(change_sentences(headline, language))
    if block and (sentence := _why_sentence(block, language)):
        sentences.append(sentence)
    ranking = actions["ranking"]
    if actions["actions"]:
        sentences.append(_first_action(actions["actions"][0], ranking, language))
    else:
        sentences.append(ranking["no_ranked"])
    if actions["responsibility"]:
        split = actions["responsibility"]
        sentences.append(
            _(
                "{share} of the low scorers who commented point to customer service alone, "
                "{others} to other teams only, and {none} name no theme."
            ).format(
                share=split["service_only"], others=split["others_only"], none=split["no_theme"]
            )
        )
    return sentences


def _volume_sentence(counts: dict[str, Any], language: str) -> str:
    """ "This source has no score: 114 comments this week, 54% of them complaining…" """

    def share(complaining: int, comments: int | None) -> str:
        return format_percent(100 * complaining / comments, language, 0) if comments else "–"

    _ = translations(language).gettext
    return _(
        "This source has no score: {comments} comments this week, {share} of them complaining of "
        "something (last week: {before})."
    ).format(
        comments=format_number(counts["comments"], language, 0),
        share=share(counts["complaining"], counts["comments"]),
        before=share(counts.get("complaining_prev") or 0, counts.get("comments_prev")),
    )


def _first_action(first: dict[str, Any], ranking: dict[str, Any], language: str) -> str:
    """ "First to fix: wait time (customer service), 4.1 CSAT points at stake this week" — or
    the share of the unhappy who name it, when the list does not rest on points."""
    _ = translations(language).gettext
    words = {
        "theme": first["label"],
        "owner": owner_label(first["owner"], language),
        "window": ranking["window"],
        "lead": "" if ranking["leads_clearly"] else _(" (likely first, to confirm)"),
    }
    if ranking["basis"] == "points" and first["points"]:
        metric, points = first["points"][0][:2]
        return _(
            "First to fix: {theme} ({owner}), {points} {metric} points at stake {window}{lead}."
        ).format(**words, points=format_number(points, language, 1), metric=metric)
    if ranking["basis"] == "mentions":
        named = _(
            "First to fix: {theme} ({owner}), named in {share} of the complaining comments "
            "{window}{lead}."
        )
    else:
        named = _(
            "First to fix: {theme} ({owner}), named by {share} of the unhappy commenters "
            "{window}{lead}."
        )
    return named.format(**words, share=first["low_share"])


WHY_ROWS = 5  # contributions shown per score; the rest are summed as "other themes"


def why_blocks(
    movement: pl.DataFrame | None,
    metric_columns: list[tuple[str, str]],
    labels: dict[str, dict[str, str]],
    language: str,
) -> list[dict[str, Any]]:
    """Per headline score, its change split by theme: the WHY_ROWS biggest parts, then the
    others summed, so that the table adds up to the change."""
    blocks = []
    for metric, scale in metric_columns:
        rows = (
            pl.DataFrame() if movement is None or movement.is_empty()
            else movement.filter((pl.col("metric") == metric) & (pl.col("scale") == scale))
        )  # fmt: skip
        if rows.is_empty():
            continue
        rows = rows.sort(pl.col("contribution").abs(), "theme", descending=[True, False])
        parts = [
            {**r, "label": theme_label(labels, r["theme"])} for r in rows.iter_rows(named=True)
        ]
        rest = parts[WHY_ROWS:]
        blocks.append(
            {
                "metric": metric,
                "scale": scale,
                "name": metric_name(metric, scale),
                "total": parts[0]["total_change"],
                "parts": parts,
                "rows": parts[:WHY_ROWS],
                "rest": {
                    "themes": len(rest),
                    **{
                        k: sum(p[k] for p in rest)
                        for k in ("volume_effect", "score_effect", "contribution")
                    },
                }
                if rest
                else None,
            }
        )
    return blocks


def _why_sentence(block: dict[str, Any], language: str) -> str | None:
    """ "What moved CSAT (−4.2 pts): wait time (−2.9 pts, a larger share) and …": the two
    biggest parts pushing the way the score went."""
    _ = translations(language).gettext
    metric, total = block["metric"], block["total"]
    if total is None or abs(total) < 1e-9:
        return None
    direction = 1 if total > 0 else -1
    pushing = sorted(
        (p for p in block["parts"] if p["contribution"] * direction > 0),
        key=lambda p: -p["contribution"] * direction,
    )[:2]
    if not pushing:
        return None

    def contributor(part: dict[str, Any]) -> str:
        if abs(part["volume_effect"]) >= abs(part["score_effect"]):
            grew = part["share"] > part["share_before"]
            reason = _("a larger share") if grew else _("a smaller share")
        else:
            reason = _("scoring higher") if part["score_effect"] > 0 else _("scoring lower")
        change = signed(metric, part["contribution"], language, part=True)
        return f"{part['label']} ({change}, {reason})"

    second = pushing[1:]
    return _("What moved {metric} ({change}): {first}{second}.").format(
        metric=block["name"],
        change=signed(metric, total, language, part=True),
        first=contributor(pushing[0]),
        second=_(" and {contributor}").format(contributor=contributor(second[0])) if second else "",
    )


def spike_entries(
    spikes: pl.DataFrame | None, labels: dict[str, dict[str, str]], language: str
) -> list[dict[str, Any]]:
    """The week's spikes in words, one entry per theme (the furthest from usual first): each
    unusual measure against its usual level, ▲ or ▼, and the theme's examples: complaints
    about it, or its praise (`praised`) when all its news is good."""
    _, found = translations(language).gettext, {}
    for r in () if spikes is None else spikes.iter_rows(named=True):
        measure = r["measure"]
        if measure == "share":
            shown = [format_percent(v, language, 1) for v in (r["value"], r["mean"], r["sd"])]
            what = _("{value} of responses mention it (usually {mean} ± {sd})")
        else:
            shown = [format_score(measure, v, language) for v in (r["value"], r["mean"])]
            shown.append(format_score(measure, r["sd"], language).lstrip("+"))
            what = _("{metric} among them {value} (usually {mean} ± {sd})")
        entry = found.setdefault(
            r["theme"],
            {
                "label": theme_label(labels, r["theme"]),
                "measures": [],
                "examples": r["examples"] or [],
                "praised": r.get("examples_polarity") == "praise",
            },
        )
        sentence = what.format(
            metric=metric_name(measure, r["scale"]), value=shown[0], mean=shown[1], sd=shown[2]
        )
        entry["measures"].append(("▲ " if r["direction"] == "up" else "▼ ") + sentence)
    return list(found.values())
