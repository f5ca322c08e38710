"""Themes' assets and checks: `marts.comment_themes` and `marts.emerging_themes`; every theme's
evidence is the text at its span of its comment."""

import datetime as dt

import dagster as dg
import polars as pl
from dagster_duckdb import DuckDBResource

from satisfaction_pipeline import warehouse as wh
from satisfaction_pipeline.config.taxonomy import TaxonomyError
from satisfaction_pipeline.defs.metadata import passes_when_empty, table_metadata
from satisfaction_pipeline.defs.partitions import WEEKLY, weeks_in
from satisfaction_pipeline.defs.resources import SurveySettings, open_warehouse
from satisfaction_pipeline.defs.scoring import responses
from satisfaction_pipeline.defs.warehouse_pool import WAREHOUSE_POOL
from satisfaction_pipeline.scoring.responses import counted_responses
from satisfaction_pipeline.scoring.scores import HISTORY_WEEKS
from satisfaction_pipeline.themes.detect import ReadingCache, coverage, find_themes


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            "comment_themes",
            deps=[responses],
            kinds={"duckdb", "polars"},
            description="`marts.comment_themes`: the themes of every comment of the week "
            "(the default or a team's theme model, the patterns the configuration adds, and the "
            "emerging groups), each a complaint, praise or neutral, with the sentence that says "
            "it; and `marts.theme_coverage`: the share of low scorers' comments they explain.",
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
        answers = counted_responses(conn, settings, history)
        cache = ReadingCache(
            lambda wanted: wh.query(conn, "marts/select_comment_readings", wanted=wanted)
        )
        try:
            themes, groups = find_themes(
                answers, taxonomy, settings.csat_satisfied_from(), run_weeks, learned, cache
            )
        except TaxonomyError as exc:
            raise dg.Failure(description=str(exc), allow_retries=False) from None
        covered = coverage(answers, themes, settings.csat_satisfied_from(), run_weeks, learned)
        with wh.transaction(conn):
            wh.execute(conn, "marts/delete_comment_themes", **weeks)
            wh.execute(conn, "marts/insert_comment_themes", comment_themes=themes)
            wh.execute(conn, "marts/delete_emerging_themes", **weeks)
            wh.execute(conn, "marts/insert_emerging_themes", emerging_themes=groups)
            wh.execute(conn, "marts/delete_theme_coverage", **weeks)
            wh.execute(conn, "marts/insert_theme_coverage", theme_coverage=covered)
            wh.execute(conn, "marts/insert_comment_readings", comment_readings=cache.rows())
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
            "low_score_comments": int(covered["low_comments"].sum()),
            "low_score_comments_explained": int(covered["explained"].sum()),
            "engine": learned.engine if learned else "patterns",
            "comments_read_by_the_model": len(cache.added),  # the others: read in earlier runs
        },
    )
    yield dg.MaterializeResult(
        asset_key="emerging_themes",
        metadata=table_metadata(groups, groups.select("week", "language", "label", "comments")),
    )


@dg.asset_check(asset="comment_themes", blocking=True, pool=WAREHOUSE_POOL)
def evidence_is_in_its_comment(warehouse: DuckDBResource) -> dg.AssetCheckResult:
    """Every theme's evidence is the text at its span of the comment it was found in."""
    return passes_when_empty(warehouse, "checks/evidence_off_its_comment", "rows_off_their_span")
