"""The report's context: everything the templates show for one week, computed from the
warehouse's tables (the queries of `sql/report/`), so that templates only lay it out."""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
import polars as pl

from satisfaction_pipeline import warehouse as wh
from satisfaction_pipeline.actions.movement import SPIKE_WEEKS
from satisfaction_pipeline.config.settings import CSAT_SATISFIED_FROM, Settings
from satisfaction_pipeline.config.taxonomy import Taxonomy
from satisfaction_pipeline.formats import (
    format_date,
    format_percent,
)
from satisfaction_pipeline.i18n import N_, translations
from satisfaction_pipeline.redact import redact
from satisfaction_pipeline.report.actions import (
    action_context,
    call_backs_by_theme,
    theme_rows,
)
from satisfaction_pipeline.report.charts import Chart, nps_mix, trend
from satisfaction_pipeline.report.quality import Coding, coverage, rejection_rows, week_quality
from satisfaction_pipeline.report.scores import (
    battery_rows,
    scores_by_segment,
    segment_rows,
)
from satisfaction_pipeline.report.summary import (
    spike_entries,
    summary,
    why_blocks,
)
from satisfaction_pipeline.report.texts import theme_labels

EXCLUDED = {
    "survey_preview": N_("survey previews"),
    "survey_test": N_("survey tests"),
    "spam": N_("spam"),
    "unfinished": N_("unfinished"),
    "unanswered": N_("invitations not answered"),
}
VOTES_RULES = {
    "last_in_week": N_(
        "A customer who answered the same survey several times in a week counts once, by their "
        "last answer, as most survey tools count; customers are known by their customer "
        "reference, else their e-mail address."
    ),
    "first_in_week": N_(
        "A customer who answered the same survey several times in a week counts once, by their "
        "first answer; customers are known by their customer reference, else their e-mail "
        "address."
    ),
    "all": N_("Every response counts, even several from one customer in a week."),
}


def build_context(
    week: dt.date,
    scores: pl.DataFrame,
    comments: pl.DataFrame,
    file_counts: dict[str, Any],
    week_counts: dict[str, int],
    *,
    language: str,
    title: str | None,
    verbatims: int,
    min_sample_size: int,
    satisfied_from: dict[str, int] | None = None,
    standouts: pl.DataFrame | None = None,
    themes: pl.DataFrame | None = None,
    emerging: pl.DataFrame | None = None,
    taxonomy: Taxonomy | None = None,
    actions: pl.DataFrame | None = None,
    responsibility: pl.DataFrame | None = None,
    praise: pl.DataFrame | None = None,
    trends: pl.DataFrame | None = None,
    call_backs: pl.DataFrame | None = None,
    rejections: pl.DataFrame | None = None,
    movement: pl.DataFrame | None = None,
    spikes: pl.DataFrame | None = None,
    response_counts: pl.DataFrame | None = None,
    invitations: dict[str, int | str] | None = None,
    votes: str = "last_in_week",
    min_score_responses: int = 1,
    min_comment_responses: int = 1,
    hidden_segments: tuple[str, ...] = ("agent",),
    changes_against: str = "previous_week",
    item_scores: pl.DataFrame | None = None,
    ranking_rules: dict[str, Any] | None = None,
    coding: Coding | None = None,
    charts: bool = True,
) -> dict[str, Any]:
    """Everything the templates show, already computed; templates only lay it out.
    `satisfied_from`: the CSAT rule per scale (Settings.csat_satisfied_from); `standouts`: the
    week's rows of marts.standouts, in the order shown; `themes` and `emerging`: the week's
    theme counts and emerging groups (sql/report), labelled from `taxonomy`; `actions`,
    `responsibility`, `praise`: the week's rows of the marts tables of those names; `trends`:
    the overall scores of the last 12 weeks (sql/report/trends.sql), drawn as charts;
    `call_backs`: customers to call back per theme; `rejections`: the top reasons rows were
    rejected; `movement` and `spikes`: the week's rows of marts.score_movement and
    marts.theme_spikes; `response_counts`: the week's responses and unanswered invitations
    per source (sql/report/response_counts.sql), `invitations` the sources' setting;
    `votes`: the votes_per_customer rule; `min_score_responses` and `min_comment_responses`:
    the privacy thresholds (the quotes in the frames given already respect the second);
    `hidden_segments`: dimensions the segment table leaves out; `changes_against`: the
    standouts' diverging_changes rule; `item_scores`: the week's battery items
    (marts.weekly_item_scores); `ranking_rules`: the `actions:`
    settings the methodology states (min_mentions, min_share, windows, min_low_comments);
    `coding`: the coverage's trend and the comments worth coding (report.quality); `charts`:
    False leaves them out (the e-mail shows none; drawing them is most of the time taken)."""
    _ = translations(language).gettext
    by_segment = scores_by_segment(
        scores, week, CSAT_SATISFIED_FROM | (satisfied_from or {}), min_score_responses
    )
    metric_columns = sorted(
        {(s.metric, s.scale) for values in by_segment.values() for s in values},
        key=lambda ms: ({"csat": 0, "nps": 1, "ces": 2}[ms[0]], ms[1]),
    )
    segments, other_standouts = segment_rows(
        by_segment, metric_columns, standouts, language, hidden_segments, changes_against
    )
    quoted = comments.head(verbatims).with_columns(
        comment=pl.col("comment").map_elements(redact, return_dtype=pl.String)
    )
    actions_shown = action_context(actions, responsibility, praise, taxonomy, language)
    labels = theme_labels(taxonomy, language)
    why = why_blocks(movement, metric_columns, labels, language)
    return {
        "language": language,
        "title": title or _("Customer satisfaction — weekly report"),
        "week": week,
        "week_label": format_date(week, language),
        "week_end_label": format_date(week + dt.timedelta(days=6), language),
        "headline": by_segment.get(("overall", "all"), []),
        "metric_columns": metric_columns,
        "battery": battery_rows(item_scores, CSAT_SATISFIED_FROM | (satisfied_from or {})),
        "segments": segments,
        "verbatims": quoted.to_dicts(),
        "files": file_counts,
        "week_counts": week_counts,
        "min_sample_size": min_sample_size,
        "min_score_responses": min_score_responses,
        "min_comment_responses": min_comment_responses,
        "ranking_rules": ranking_rules
        or {"min_mentions": 10, "min_share": 0.2, "windows": [1, 4, 13], "min_low_comments": 30},
        "other_standouts": other_standouts,
        "themes": theme_rows(themes, taxonomy, language),
        # named by a customer's sentence: redacted like any quote
        "emerging": []
        if emerging is None
        else emerging.with_columns(
            label=pl.col("label").map_elements(redact, return_dtype=pl.String)
        ).to_dicts(),
        **actions_shown,
        "charts": _charts(trends, metric_columns, language) if charts else [],
        "summary": summary(
            by_segment.get(("overall", "all"), []), actions_shown, why, language, week_counts
        ),
        "why": why,
        "spikes": spike_entries(spikes, labels, language),
        "spike_weeks": SPIKE_WEEKS,
        "call_backs": call_backs_by_theme(call_backs, taxonomy, language),
        "rejections": rejection_rows(rejections),
        "coverage": coverage(week_counts, language),
        "week_quality": week_quality(
            week_counts, response_counts, invitations or {}, votes, language, coding
        ),
        "excluded": [
            (_(EXCLUDED[reason]) if reason in EXCLUDED else reason, rows)
            for reason, rows in (file_counts.get("excluded") or {}).items()
        ],
        "votes_rule": _(VOTES_RULES[votes]),
        "comment_rate": format_percent(
            100 * week_counts["comments"] / week_counts["responses"]
            if week_counts.get("responses")
            else None,
            language,
            0,
        ),
    }


def warehouse_context(
    conn: duckdb.DuckDBPyConnection,
    week: dt.date,
    settings: Settings,
    taxonomy: Taxonomy | None,
    charts: bool = True,
) -> dict[str, Any]:
    """The report context of one week, read from the warehouse (the queries of sql/report/);
    without `charts`, for the e-mail."""

    def read(name: str, **params: Any) -> pl.DataFrame:
        return wh.query(conn, f"report/{name}", **params)

    return build_context(
        week,
        read("weekly_scores", week=week),
        read("comments", week=week),
        read("file_counts").to_dicts()[0],
        read("week_counts", week=week).to_dicts()[0],
        language=settings.report.language,
        title=settings.report.title,
        verbatims=settings.report.verbatims,
        min_sample_size=settings.min_sample_size,
        satisfied_from=settings.csat_satisfied_from(),
        standouts=read("standouts", week=week),
        themes=read("themes", week=week),
        emerging=read("emerging", week=week),
        taxonomy=taxonomy,
        actions=read("action_list", week=week),
        responsibility=read("responsibility", week=week),
        praise=read("praise", week=week),
        trends=read("trends", week=week),
        call_backs=read("call_backs", week=week),
        rejections=read("rejections"),
        movement=read("movement", week=week),
        spikes=read("spikes", week=week),
        response_counts=read("response_counts", week=week),
        invitations={s.name: s.invitations for s in settings.sources if s.invitations},
        votes=settings.votes_per_customer,
        min_score_responses=settings.privacy.min_responses_for_score,
        min_comment_responses=settings.privacy.min_responses_for_comments,
        hidden_segments=tuple(settings.report.hidden_segments),
        changes_against=settings.standouts.diverging_changes,
        item_scores=read("item_scores", week=week),
        ranking_rules=settings.actions.model_dump(
            include={"min_mentions", "min_share", "windows", "min_low_comments"}
        ),
        coding=_coding(conn, week),
        charts=charts,
    )


CODING_WEEKS = 8  # the weeks whose unexplained comments the report counts as worth coding


def _coding(conn: duckdb.DuckDBPyConnection, week: dt.date) -> Coding:
    first = week - dt.timedelta(weeks=CODING_WEEKS - 1)
    nothing = pl.DataFrame(schema={"text_sha1": pl.String})  # the coding sheets are elsewhere
    unexplained, since = wh.summarise(
        conn, "marts/select_unexplained_comments", "count(*), min(week)", coded=nothing,
        week_start=first, week_end=week + dt.timedelta(weeks=1),
    )  # fmt: skip
    trend = wh.query(conn, "report/coverage_trend", week=week)
    return Coding(
        [(r["low_comments"], r["explained"]) for r in trend.iter_rows(named=True)],
        unexplained,
        since or week,
        week,
    )


def _charts(
    trends: pl.DataFrame | None, metric_columns: list[tuple[str, str]], language: str
) -> list[Chart]:
    """One trend chart per headline metric and scale, then the NPS mix."""
    if trends is None or trends.is_empty():
        return []
    charts = [
        trend(trends.filter((pl.col("metric") == m) & (pl.col("scale") == s)), m, s, language)
        for m, s in metric_columns
    ]
    charts.append(nps_mix(trends.filter(pl.col("metric") == "nps"), language))
    return [c for c in charts if c is not None]
