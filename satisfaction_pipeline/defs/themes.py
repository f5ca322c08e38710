"""Themes' assets and checks: `marts.comment_themes` and `marts.emerging_themes`; every theme's
evidence is the text at its span of its comment."""

import datetime as dt
from functools import partial

import dagster as dg
import polars as pl
from dagster_duckdb import DuckDBResource

from satisfaction_pipeline import progress
from satisfaction_pipeline import warehouse as wh
from satisfaction_pipeline.config.settings import Settings
from satisfaction_pipeline.config.taxonomy import Taxonomy, TaxonomyError
from satisfaction_pipeline.defs.metadata import (
    checked_per_week,
    for_each_week,
    of_week,
    run_metadata,
    table_metadata,
    week_key,
    week_table_metadata,
)
from satisfaction_pipeline.defs.partitions import WEEKLY, weekly_partitions, weeks_in
from satisfaction_pipeline.defs.resources import SurveySettings, open_warehouse
from satisfaction_pipeline.defs.scoring import responses
from satisfaction_pipeline.defs.warehouse_pool import WAREHOUSE_POOL
from satisfaction_pipeline.scoring.responses import counted_responses
from satisfaction_pipeline.scoring.scores import HISTORY_WEEKS
from satisfaction_pipeline.themes.detect import (
    CHANGES_SCHEMA,
    ModelThemes,
    ReadingCache,
    changes,
    coverage,
    describe_changes,
    find_themes,
    fingerprints,
)
from satisfaction_pipeline.themes.model import stop_helpers


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
    can_subset=True,  # either alone from the UI: see the end of the function
    **WEEKLY,
)
def comment_themes(
    context: dg.AssetExecutionContext, survey_settings: SurveySettings, warehouse: DuckDBResource
):
    """Emerging groups are found over each week and the four before, so the comments of that
    history are tagged too (from `raw.responses`: those weeks may never have been built). A week
    whose inputs are those of its last build (`marts.theme_builds`) keeps its rows: a re-run
    reads none of its comments again."""
    settings = survey_settings.load()
    taxonomy = survey_settings.taxonomy()
    try:
        learned = survey_settings.learned_themes(taxonomy)
    except TaxonomyError as exc:
        raise dg.Failure(description=str(exc), allow_retries=False) from None
    satisfied_from = settings.csat_satisfied_from()
    run_weeks = weeks_in(context.partition_time_window)
    weeks = wh.week_range(run_weeks)
    read_by_model, stale, changed = 0, [], []
    with open_warehouse(warehouse) as conn:
        # A few weeks at a time, each group committed with its weeks' build records: holding a
        # year's rows to the end took 13 GB at 10M responses. A run that fails keeps the
        # groups it finished (right for their inputs) and the next run starts after them.
        try:
            for group in wh.week_groups(conn, run_weeks, HISTORY_WEEKS):
                span = wh.week_range(group)
                history = {
                    **span,
                    "week_start": span["week_start"] - dt.timedelta(weeks=HISTORY_WEEKS),
                }
                answers = counted_responses(conn, settings, history)
                digests = fingerprints(
                    answers, group, taxonomy, satisfied_from, learned, HISTORY_WEEKS
                )
                built = dict(wh.query(conn, "marts/select_theme_builds", **span).iter_rows())
                if rebuild := [week for week in group if built.get(week) != digests[week]]:
                    with wh.transaction(conn):
                        read, what_changed = _rebuild(
                            conn, answers, rebuild, digests, taxonomy, settings, learned
                        )
                    read_by_model += read
                    stale += rebuild
                    changed.append(what_changed)
                progress.weeks_done("comment_themes", len(group))
        finally:
            stop_helpers()  # the model's reading processes, if a large range started them
        # the run's weeks as the warehouse now holds them, the kept ones with the rebuilt
        summary = wh.query(conn, "marts/select_theme_summary", **weeks)
        columns = wh.query(  # an empty range: the table's columns
            conn, "marts/select_theme_rows", what="comment_themes", week_start=weeks["week_end"],
            week_end=weeks["week_end"],
        )  # fmt: skip
        groups, covered = (
            wh.query(conn, "marts/select_theme_rows", what=table, **weeks)
            for table in ("emerging_themes", "theme_coverage")
        )
    context.log.info(
        f"themes of {len(stale)} of {len(run_weeks)} week(s) rebuilt; the others' inputs "
        "were those of their last build"
    )
    changed = pl.concat([pl.DataFrame(schema=CHANGES_SCHEMA), *changed])
    if lines := describe_changes(changed):
        context.log.info("what the rebuild changed:\n" + "\n".join(lines))
    weekly = {
        "comment_themes": partial(_themes_metadata, columns, summary, covered, changed),
        "emerging_themes": lambda week: week_table_metadata(
            groups, week, groups.select("week", "language", "label", "comments")
        ),
    }
    selected = {key.to_user_string() for key in context.selected_asset_keys}
    for asset, metadata_of in weekly.items():
        if asset in selected:
            for_each_week(context, run_weeks, metadata_of, asset)
            yield dg.MaterializeResult(
                asset_key=asset,
                metadata=run_metadata(
                    run_weeks,
                    weeks_rebuilt=len(stale),  # the others: same inputs as their last build
                    comments_read_by_the_model=read_by_model,  # the others: read before
                    engine=learned.engine if learned else "patterns",
                    themes_from_model=sorted(learned.themes) if learned else [],
                    # per rebuilt week built before: how many comments' themes it changed
                    theme_changes=dg.MetadataValue.json(
                        changed.with_columns(pl.col("week").cast(pl.String)).to_dicts()
                    ),
                ),
            )
        else:  # one pass writes both tables: the weeks it rebuilt changed the other one too
            for week in stale:
                context.log_event(
                    dg.AssetMaterialization(
                        asset,
                        partition=week_key(week),
                        description="rebuilt with the selected asset: one pass writes both",
                        metadata=metadata_of(week),
                    )
                )


def _themes_metadata(
    columns: pl.DataFrame,
    summary: pl.DataFrame,
    covered: pl.DataFrame,
    changed: pl.DataFrame,
    week: dt.date,
) -> dict:
    """A week's theme rows per theme and method, how many of its low scorers' comments they
    explain (`coverage_pct`, plotted over the weeks), and what a rebuild changed."""
    counts = of_week(summary, week)
    low = of_week(covered, week)
    low_comments, explained = (int(low.get_column(c).sum()) for c in ("low_comments", "explained"))
    rebuilt = of_week(changed, week)
    share = {"coverage_pct": round(100 * explained / low_comments, 1)} if low_comments else {}
    return {
        **table_metadata(
            columns,
            counts.drop("all_rows", "comments"),
            rows=int(counts.get_column("all_rows").max() or 0),
        ),
        "comments_with_a_theme": int(counts.get_column("comments").max() or 0),
        "low_score_comments": low_comments,
        "low_score_comments_explained": explained,
        **share,  # none in a week without low scorers' comments: nothing to plot
        "engine": low.get_column("engine").first() or "(no comment)",
        "comments_changed_by_the_rebuild": int(rebuilt.get_column("comments_changed").sum()),
    }


def _rebuild(
    conn,
    answers: pl.DataFrame,
    weeks: list[dt.date],
    digests: dict[dt.date, str],
    taxonomy: Taxonomy,
    settings: Settings,
    learned: ModelThemes | None,
) -> tuple[int, pl.DataFrame]:
    """Tag `weeks` again from `answers` (their responses and the four weeks' before each) and
    replace their rows; returns how many comments the model read (the others were cached), and
    per week built before what the rebuild changed (marts.theme_changes)."""
    satisfied_from = settings.csat_satisfied_from()
    look_back = {w - dt.timedelta(weeks=k) for w in weeks for k in range(HISTORY_WEEKS + 1)}
    answers = answers.filter(pl.col("week").is_in(sorted(look_back)))
    cache = ReadingCache(
        lambda wanted: wh.query(conn, "marts/select_comment_readings", wanted=wanted)
    )
    try:
        themes, groups = find_themes(answers, taxonomy, satisfied_from, weeks, learned, cache)
    except TaxonomyError as exc:
        raise dg.Failure(description=str(exc), allow_retries=False) from None
    covered = coverage(answers, themes, satisfied_from, weeks, learned)
    rebuilt = pl.DataFrame(
        {"week": weeks, "fingerprint": [digests[w] for w in weeks]},
        schema={"week": pl.Date, "fingerprint": pl.String},
    )
    changed = changes(wh.query(conn, "marts/select_rebuilt_theme_rows", rebuilt=rebuilt), themes)
    for table, rows in [
        ("comment_themes", themes),
        ("emerging_themes", groups),
        ("theme_coverage", covered),
    ]:
        wh.execute(conn, f"marts/delete_{table}", rebuilt=rebuilt)
        wh.execute(conn, f"marts/insert_{table}", **{table: rows})
    wh.execute(conn, "marts/insert_comment_readings", comment_readings=cache.rows())
    wh.execute(conn, "marts/insert_theme_builds", theme_builds=rebuilt)
    wh.execute(conn, "marts/insert_theme_changes", theme_changes=changed)
    return cache.added, changed


@dg.asset_check(
    asset="comment_themes", blocking=True, pool=WAREHOUSE_POOL, partitions_def=weekly_partitions
)
def evidence_is_in_its_comment(
    context: dg.AssetCheckExecutionContext, warehouse: DuckDBResource
) -> dg.AssetCheckResult:
    """Every theme's evidence is the text at its span of the comment it was found in."""
    return checked_per_week(
        context, warehouse, "checks/evidence_off_its_comment", "rows_off_their_span"
    )
