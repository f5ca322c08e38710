"""The weekly pipeline's assets: inbox → raw.responses → marts.responses → marts.weekly_scores →
report files. Every asset is partitioned by week and processes a whole range of weeks in one run
(`BackfillPolicy.single_run()`), so a UI backfill of a year is one run, not 52."""

import datetime as dt
import time

import dagster as dg
import polars as pl
from dagster_duckdb import DuckDBResource

from satisfaction_pipeline.defs.metadata import markdown_table, table_metadata
from satisfaction_pipeline.defs.partitions import weekly_partitions, weeks_in
from satisfaction_pipeline.defs.resources import WAREHOUSE_POOL, SurveySettings, open_warehouse
from satisfaction_pipeline.lib import warehouse as wh
from satisfaction_pipeline.lib.actions import TRAILING_WEEKS, weekly_actions
from satisfaction_pipeline.lib.archive import ArchiveError, archive_ingested
from satisfaction_pipeline.lib.config import Settings
from satisfaction_pipeline.lib.exports import write_csv
from satisfaction_pipeline.lib.ingest import IngestError, ingest_inbox
from satisfaction_pipeline.lib.movement import (
    MOVEMENT_SCHEMA,
    SPIKE_WEEKS,
    decompose,
    find_spikes,
    primary_themes,
    response_values,
)
from satisfaction_pipeline.lib.privacy import with_quotable
from satisfaction_pipeline.lib.report import render_html, warehouse_context, write_report_files
from satisfaction_pipeline.lib.scoring import HISTORY_WEEKS, score_responses, with_changes
from satisfaction_pipeline.lib.scoring import weekly_scores as compute_scores
from satisfaction_pipeline.lib.standouts import find_standouts
from satisfaction_pipeline.lib.taxonomy import TaxonomyError
from satisfaction_pipeline.lib.theme_pipeline import find_themes

HAND_STARTED = {"cli", "cli-backfill", "demo"}  # satisfaction/trigger of runs the CLI starts

WEEKLY = {
    "partitions_def": weekly_partitions,
    "backfill_policy": dg.BackfillPolicy.single_run(),
    "group_name": "weekly",
    "pool": WAREHOUSE_POOL,  # one step at a time opens the DuckDB file, across all runs
}


@dg.asset(kinds={"duckdb", "polars"}, **WEEKLY)
def survey_files(
    context: dg.AssetExecutionContext, survey_settings: SurveySettings, warehouse: DuckDBResource
) -> dg.MaterializeResult:
    """Every export in the inbox loaded into `raw.responses`; bad rows to `ops.rejected_rows`.

    Reads all new or changed files (known by name and content hash), so that the week being built
    sees every export dropped so far. Recorded per file in `ops.files`.
    """
    settings = survey_settings.load()
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with open_warehouse(warehouse) as conn:
        try:
            # A file modified in the last settle_seconds may still be being copied in. Not for a
            # run a person starts from the command line: they know their files are complete.
            by_hand = context.run.tags.get("satisfaction/trigger") in HAND_STARTED
            settled_before = None if by_hand else time.time() - settings.inbox.settle_seconds
            summary = ingest_inbox(conn, settings, survey_settings.inbox_dir, now, settled_before)
        except IngestError as exc:
            raise dg.Failure(description=str(exc), allow_retries=False) from None
    archived = _archive(context, settings, survey_settings, warehouse, now)
    files = summary.files
    for row in files.filter(pl.col("status") == "failed").iter_rows(named=True):
        context.log.warning(
            f"{row['file_name']} (source {row['source']!r}) could not be read and was not "
            f"loaded: {row['detail']}"
        )
    for name in summary.unsettled:
        context.log.warning(
            f"{name} changed less than {settings.inbox.settle_seconds} s ago and may still be "
            "being written: left for the next run"
        )
    for name in summary.unmatched:
        context.log.warning(f"{name}: in the inbox but matched by no source pattern; not loaded")
    run_weeks = weeks_in(context.partition_time_window)
    other_weeks = [str(w) for w in summary.new_by_week if w not in run_weeks]
    if other_weeks:
        context.log.warning(
            f"new responses were loaded for weeks outside this run ({', '.join(other_weeks)}); "
            "backfill those weeks to bring their scores and reports up to date"
        )
    totals = {c: int(files.get_column(c).sum()) for c in files.columns if c.startswith("rows_")}
    totals["rows_accounted_for"] = totals["rows_read"] == (
        totals["rows_loaded"]
        + totals["rows_rejected"]
        + totals["rows_duplicate"]
        + totals["rows_excluded"]
    )
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": totals.get("rows_loaded", 0),
            "new_files": int((files.get_column("status") == "loaded").sum()),
            "failed_files": dg.MetadataValue.json(summary.failed),
            "duplicate_files": int((files.get_column("status") == "duplicate_file").sum()),
            "unchanged_files": len(summary.skipped),
            "unmatched_files": dg.MetadataValue.json(summary.unmatched),
            "still_being_written": dg.MetadataValue.json(summary.unsettled),
            "new_responses_by_week": dg.MetadataValue.json(
                {str(week): count for week, count in summary.new_by_week.items()}
            ),
            **totals,
            "rejection_reasons": dg.MetadataValue.json(summary.rejected_reasons),
            "excluded_reasons": dg.MetadataValue.json(summary.excluded_reasons),
            "findings": dg.MetadataValue.json(summary.findings),
            "archived_files": dg.MetadataValue.json(archived),
            "preview": dg.MetadataValue.md(
                markdown_table(files.drop("file_sha256", "ingested_at", "detail"))
                if len(files)
                else "No new file."
            ),
        }
    )


def _archive(
    context: dg.AssetExecutionContext,
    settings: Settings,
    survey_settings: SurveySettings,
    warehouse: DuckDBResource,
    now: dt.datetime,
) -> dict[str, str]:
    """Move the exports ingested `inbox.archive_after_days` ago out of the inbox, once the
    ingestion is committed; each move is logged. {inbox name: archived path}."""
    after_days = settings.inbox.archive_after_days
    if after_days is None:
        return {}
    with open_warehouse(warehouse) as conn:
        ingested = wh.query(conn, "ingest/archivable_files")
    try:  # the ingestion is committed: archiving trouble must not stop the week's report
        moved = archive_ingested(
            survey_settings.inbox_dir, survey_settings.archive_dir, ingested, now, after_days
        )
    except (ArchiveError, OSError) as exc:
        context.log.warning(f"exports not archived: {exc}")
        return {}
    for name, target, what in moved:
        context.log.info(f"archived {name} → {target} ({what})")
    return {name: str(target) for name, target, _ in moved}


def _counted_responses(conn, settings: Settings, weeks: dict) -> pl.DataFrame:
    """The responses that count in these weeks (one per customer per week by default: the
    `votes_per_customer` setting), read from raw.responses so that weeks never built count too."""
    return _responses(conn, settings, weeks).filter("counted").drop("counted")


def _responses(conn, settings: Settings, weeks: dict) -> pl.DataFrame:
    """Every response of these weeks, with whether it counts (`counted`) and whether its comment
    may be quoted (`quotable`: a counted response of segments above the privacy threshold)."""
    every = wh.query(conn, "marts/select_raw_responses", **weeks, votes=settings.votes_per_customer)
    threshold = settings.privacy.min_responses_for_comments
    quotable = with_quotable(every.filter("counted"), threshold, settings.extra_segments())
    return every.join(
        quotable.select("response_key", "quotable"), on="response_key", how="left",
        maintain_order="left",
    ).with_columns(pl.col("quotable").fill_null(False))  # fmt: skip


@dg.asset(deps=[survey_files], kinds={"duckdb", "polars"}, **WEEKLY)
def responses(
    context: dg.AssetExecutionContext, survey_settings: SurveySettings, warehouse: DuckDBResource
) -> dg.MaterializeResult:
    """`marts.responses`: one row per survey response of the week, with its score categories
    (CSAT satisfied, NPS promoter / passive / detractor) and whether it counts (`counted`: false
    when the same customer's later answer that week counts instead)."""
    settings = survey_settings.load()
    satisfied_from = settings.csat_satisfied_from()
    weeks = wh.week_range(weeks_in(context.partition_time_window))
    with open_warehouse(warehouse) as conn:
        raw = _responses(conn, settings, weeks)
        scored = score_responses(raw, satisfied_from)
        with wh.transaction(conn):
            wh.execute(conn, "marts/delete_responses", **weeks)
            wh.execute(conn, "marts/insert_responses", scored_responses=scored)
    per_week = (
        scored.filter("counted")
        .group_by("week")
        .agg(
            responses=pl.len(),
            csat_answers=pl.col("csat").count(),
            nps_answers=pl.col("nps").count(),
            ces_answers=pl.col("ces").count(),
            comments=pl.col("has_comment").sum(),
        )
    )
    superseded = scored.filter(~pl.col("counted")).group_by("week").agg(superseded=pl.len())
    per_week = per_week.join(superseded, on="week", how="left").with_columns(
        pl.col("superseded").fill_null(0)
    )
    return dg.MaterializeResult(metadata=table_metadata(scored, per_week.sort("week")))


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            "weekly_scores",
            deps=[responses],
            kinds={"duckdb", "polars"},
            description="`marts.weekly_scores`: CSAT (% satisfied), NPS and CES (mean, higher "
            "is better) per week, overall and per segment, with n, the 95 % interval, a "
            "small-sample flag, and the change vs the previous week and the four before with "
            "its p-value and significance.",
        ),
        dg.AssetSpec(
            "standouts",
            deps=["weekly_scores"],
            kinds={"duckdb", "polars"},
            description="`marts.standouts`: segments consistently above or below the overall "
            "score, and segments whose questions diverge (levels or changes), each with a "
            "one-line explanation in English and French.",
        ),
    ],
    **WEEKLY,
)
def weekly_scores(
    context: dg.AssetExecutionContext, survey_settings: SurveySettings, warehouse: DuckDBResource
):
    """Both tables come from one scoring pass: standouts look back over weeks that the scores'
    history already covers, and may never have been built themselves."""
    settings = survey_settings.load()
    run_weeks = weeks_in(context.partition_time_window)
    weeks = wh.week_range(run_weeks)
    look_back = max(HISTORY_WEEKS, settings.standouts.window_weeks - 1)
    history = {**weeks, "week_start": weeks["week_start"] - dt.timedelta(weeks=look_back)}
    with open_warehouse(warehouse) as conn:
        # earlier weeks are scored from raw.responses: they may never have been built
        answers = _counted_responses(conn, settings, history)
        scores = compute_scores(
            answers,
            settings.extra_segments(),
            settings.min_sample_size,
            settings.csat_satisfied_from(),
        )
        scores = with_changes(scores, settings.min_sample_size)
        found = find_standouts(scores, run_weeks, settings.standouts)
        scores = scores.filter(pl.col("week").is_in(run_weeks))
        with wh.transaction(conn):
            wh.execute(conn, "marts/delete_weekly_scores", **weeks)
            wh.execute(conn, "marts/insert_weekly_scores", weekly_scores=scores)
            wh.execute(conn, "marts/delete_standouts", **weeks)
            wh.execute(conn, "marts/insert_standouts", standouts=found)
    overall = scores.filter(pl.col("dimension") == "overall").drop("dimension", "segment")
    yield dg.MaterializeResult(asset_key="weekly_scores", metadata=table_metadata(scores, overall))
    by_kind = found.group_by("week", "kind").len().sort("week", "kind")
    yield dg.MaterializeResult(
        asset_key="standouts",
        metadata={
            **table_metadata(found, by_kind),
            "explanations": dg.MetadataValue.md(
                "\n".join(f"- {line}" for line in found.get_column("explanation_en").head(20))
                or "No standout."
            ),
        },
    )


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            "comment_themes",
            deps=[responses],
            kinds={"duckdb", "polars"},
            description="`marts.comment_themes`: the themes of every comment of the week "
            "(taxonomy patterns in French and English, a trained model if configured, and the "
            "emerging groups), each a "
            "complaint, praise or neutral, with the phrase that says it.",
        ),
        dg.AssetSpec(
            "emerging_themes",
            deps=["comment_themes"],
            kinds={"duckdb", "polars"},
            description="`marts.emerging_themes`: groups of low scorers' comments that no "
            "theme names yet, per language, with their terms, size, trend and examples.",
        ),
    ],
    **WEEKLY,
)
def comment_themes(
    context: dg.AssetExecutionContext, survey_settings: SurveySettings, warehouse: DuckDBResource
):
    """Emerging groups are found over each week and the four before, so the comments of that
    history are tagged too (from `raw.responses`: those weeks may never have been built)."""
    settings = survey_settings.load()
    taxonomy = survey_settings.taxonomy()
    try:
        learned = survey_settings.learned_themes(taxonomy)
    except TaxonomyError as exc:
        raise dg.Failure(description=str(exc), allow_retries=False) from None
    run_weeks = weeks_in(context.partition_time_window)
    weeks = wh.week_range(run_weeks)
    history = {**weeks, "week_start": weeks["week_start"] - dt.timedelta(weeks=HISTORY_WEEKS)}
    with open_warehouse(warehouse) as conn:
        answers = _counted_responses(conn, settings, history)
        try:
            themes, groups = find_themes(
                answers, taxonomy, settings.csat_satisfied_from(), run_weeks, learned
            )
        except TaxonomyError as exc:
            raise dg.Failure(description=str(exc), allow_retries=False) from None
        with wh.transaction(conn):
            wh.execute(conn, "marts/delete_comment_themes", **weeks)
            wh.execute(conn, "marts/insert_comment_themes", comment_themes=themes)
            wh.execute(conn, "marts/delete_emerging_themes", **weeks)
            wh.execute(conn, "marts/insert_emerging_themes", emerging_themes=groups)
    per_theme = (
        themes.group_by("theme", "method")
        .agg(
            complaints=(pl.col("polarity") == "complaint").sum(),
            praise=(pl.col("polarity") == "praise").sum(),
            neutral=(pl.col("polarity") == "neutral").sum(),
        )
        .sort("complaints", descending=True)
    )
    yield dg.MaterializeResult(
        asset_key="comment_themes",
        metadata={
            **table_metadata(themes, per_theme),
            "comments_with_a_theme": themes.get_column("response_key").n_unique(),
            "themes_in_taxonomy": len(taxonomy.themes),
            "themes_from_model": sorted(learned.themes) if learned else [],
        },
    )
    yield dg.MaterializeResult(
        asset_key="emerging_themes",
        metadata=table_metadata(groups, groups.select("week", "language", "label", "comments")),
    )


ACTION_TABLES = ("action_list", "action_owners", "responsibility", "praise", "call_backs")


@dg.asset(deps=[responses, "comment_themes"], kinds={"duckdb", "polars", "csv"}, **WEEKLY)
def action_list(
    context: dg.AssetExecutionContext, survey_settings: SurveySettings, warehouse: DuckDBResource
) -> dg.MaterializeResult:
    """`marts.action_list`: each complaint theme's points at stake in CSAT, NPS and CES with a
    bootstrap interval, ranked on a priority that weighs CSAT and CES above NPS (few mentions,
    or no interval above zero: the watch list); `marts.action_owners` (the same per owner),
    `marts.responsibility` (whose doing low scorers' complaints point to), `marts.praise` (per
    team and agent); `<reports>/<week>/action_list.csv` and `follow_up.csv` (low scorers who
    commented, to call back)."""
    settings = survey_settings.load()
    taxonomy = survey_settings.taxonomy()
    run_weeks = weeks_in(context.partition_time_window)
    weeks = wh.week_range(run_weeks)
    history = {**weeks, "week_start": weeks["week_start"] - dt.timedelta(weeks=TRAILING_WEEKS)}
    with open_warehouse(warehouse) as conn:
        # scored from raw.responses, like the scores: earlier weeks need not have been built
        raw = _counted_responses(conn, settings, history)
        scored = score_responses(raw, settings.csat_satisfied_from())
        mentions = wh.query(conn, "marts/select_week_mentions", **history)
        built = [
            weekly_actions(
                week,
                scored,
                mentions,
                taxonomy,
                settings.actions.ranking(),
                settings.report.language,
            )
            for week in run_weeks
        ]
        tables = {name: pl.concat([getattr(b, name) for b in built]) for name in ACTION_TABLES}
        with wh.transaction(conn):
            for name, table in tables.items():
                wh.execute(conn, f"marts/delete_{name}", **weeks)
                wh.execute(conn, f"marts/insert_{name}", **{name: table})
    language = settings.report.language
    for week, weekly in zip(run_weeks, built, strict=True):
        folder = survey_settings.report_dir(week.isoformat())
        if weekly.action_list_csv is not None:
            write_csv(weekly.action_list_csv, folder / "action_list.csv", language)
        else:  # no complaint theme now: an earlier run's file must not be e-mailed
            (folder / "action_list.csv").unlink(missing_ok=True)
        write_csv(weekly.follow_up_csv, folder / "follow_up.csv", language)
    ranked = tables["action_list"].filter(pl.col("metric") == "csat")
    return dg.MaterializeResult(
        metadata={
            **table_metadata(
                tables["action_list"],
                ranked.select("week", "rank", "theme", "owner", "mentions", "priority", "status")
                .sort("week", "rank", nulls_last=True)
                .head(20),
            ),
            "ranked_themes": ranked.filter(pl.col("status") == "ranked").height,
            "watched_themes": ranked.filter(pl.col("status") == "watch").height,
            "customers_to_call_back": sum(b.follow_up_csv.height for b in built),
        }
    )


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            "score_movement",
            deps=[responses, "comment_themes"],
            kinds={"duckdb", "polars"},
            description="`marts.score_movement`: each overall score's change since last week "
            "split per theme (the comment's primary theme, no theme, no comment) into a "
            "volume effect and a score effect that add up exactly to the change.",
        ),
        dg.AssetSpec(
            "theme_spikes",
            deps=[responses, "comment_themes"],
            kinds={"duckdb", "polars"},
            description="`marts.theme_spikes`: themes whose share of responses, or score among "
            "those mentioning them, is beyond ±2 standard deviations of their 8 weeks before, "
            "with examples.",
        ),
    ],
    **WEEKLY,
)
def score_movement(
    context: dg.AssetExecutionContext, survey_settings: SurveySettings, warehouse: DuckDBResource
):
    """Why each score moved, and which themes spiked: from the counted responses and the named
    themes of each week and the 8 before (earlier weeks count once their themes were found; a
    week whose previous week was never built has no decomposition)."""
    settings = survey_settings.load()
    run_weeks = weeks_in(context.partition_time_window)
    weeks = wh.week_range(run_weeks)
    history = {**weeks, "week_start": weeks["week_start"] - dt.timedelta(weeks=SPIKE_WEEKS)}
    with open_warehouse(warehouse) as conn:
        scored = score_responses(_counted_responses(conn, settings, history))
        mentions = wh.query(conn, "marts/select_theme_mentions", **history)
        values = response_values(scored, settings.csat_satisfied_from())
        groups = primary_themes(scored, mentions)
        # a week's themes are known once it was built; last week's unknown, its comments would
        # all look theme-less and the split would be wrong: better none
        built = sorted({*run_weeks, *mentions.get_column("week").unique().to_list()})
        explained = [w for w in run_weeks if w - dt.timedelta(weeks=1) in built]
        movement = pl.concat(
            [decompose(values, groups, week) for week in explained],
            how="vertical",
        ) if explained else pl.DataFrame(schema=MOVEMENT_SCHEMA)  # fmt: skip
        spikes = pl.concat(
            [find_spikes(values, scored, mentions, week, built) for week in run_weeks]
        )
        with wh.transaction(conn):
            for name, table in {"score_movement": movement, "theme_spikes": spikes}.items():
                wh.execute(conn, f"marts/delete_{name}", **weeks)
                wh.execute(conn, f"marts/insert_{name}", **{name: table})
    biggest = (
        movement.sort(pl.col("contribution").abs(), descending=True)
        .group_by("week", "metric", "scale", maintain_order=True)
        .head(2)
        .select("week", "metric", "scale", "theme", "contribution", "total_change")
        .sort("week", "metric", "scale")
    )
    yield dg.MaterializeResult(
        asset_key="score_movement", metadata=table_metadata(movement, biggest)
    )
    yield dg.MaterializeResult(
        asset_key="theme_spikes",
        metadata=table_metadata(
            spikes, spikes.select("week", "theme", "measure", "value", "mean", "z")
        ),
    )


@dg.asset(
    deps=[
        "weekly_scores",
        "standouts",
        "comment_themes",
        "emerging_themes",
        action_list,
        "score_movement",
        "theme_spikes",
    ],
    kinds={"duckdb", "html", "pdf"},
    **WEEKLY,
)
def weekly_report(
    context: dg.AssetExecutionContext, survey_settings: SurveySettings, warehouse: DuckDBResource
) -> dg.MaterializeResult:
    """`<reports>/<week>/report.html` and `report.pdf`: headline CSAT / NPS / CES with n and the
    change since last week, scores by segment, what to fix first (the ranked action list, the
    watch list, whose doing low scores are, what customers appreciated), themes, and verbatims
    (PII-redacted)."""
    from satisfaction_pipeline.lib.pdf import render_pdf  # slow import: only when rendering

    settings = survey_settings.load()
    taxonomy = survey_settings.taxonomy()
    written = []
    with open_warehouse(warehouse) as conn:
        for week in weeks_in(context.partition_time_window):
            report = warehouse_context(conn, week, settings, taxonomy)
            folder = survey_settings.report_dir(week.isoformat())
            html = render_html(report)
            write_report_files(
                folder, {"report.html": html.encode("utf-8"), "report.pdf": render_pdf(html)}
            )
            written.append(folder)
            context.log.info(f"report for week {week}: {folder / 'report.pdf'}")
    return dg.MaterializeResult(
        metadata={
            "reports": dg.MetadataValue.json([str(f) for f in written]),
            "last_report": dg.MetadataValue.path(str(written[-1] / "report.pdf")),
        }
    )
