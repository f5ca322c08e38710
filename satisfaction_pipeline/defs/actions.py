"""Actions' assets: the action list and what is written beside it (owners, responsibility,
praise, customers to call back, the two CSV files), and why the scores moved."""

import datetime as dt
from functools import partial
from pathlib import Path

import dagster as dg
import polars as pl
from dagster_duckdb import DuckDBResource

from satisfaction_pipeline import progress
from satisfaction_pipeline import warehouse as wh
from satisfaction_pipeline.actions.exports import write_csv
from satisfaction_pipeline.actions.movement import (
    MOVEMENT_SCHEMA,
    SPIKE_WEEKS,
    decompose,
    primary_themes,
    response_values,
    spikes_of_weeks,
)
from satisfaction_pipeline.actions.ranking import Ranking
from satisfaction_pipeline.actions.weekly import (
    TRAILING_WEEKS,
    WeeklyActions,
    actions_of_weeks,
    weekly_actions,
)
from satisfaction_pipeline.config.settings import Settings
from satisfaction_pipeline.defs.metadata import (
    for_each_week,
    markdown_table,
    run_metadata,
    table_metadata,
    week_table_metadata,
)
from satisfaction_pipeline.defs.partitions import WEEKLY, weeks_in
from satisfaction_pipeline.defs.resources import (
    NameReader,
    SurveySettings,
    open_warehouse,
    writing_files,
)
from satisfaction_pipeline.defs.scoring import responses
from satisfaction_pipeline.scoring.responses import counted_responses
from satisfaction_pipeline.scoring.scores import score_responses

ACTION_TABLES = ("action_list", "action_owners", "responsibility", "praise", "call_backs")
TOP_SHOWN = 10  # action-list items in a week's metadata


@dg.asset(deps=[responses, "comment_themes"], kinds={"duckdb", "polars", "csv"}, **WEEKLY)
def action_list(
    context: dg.AssetExecutionContext,
    survey_settings: SurveySettings,
    warehouse: DuckDBResource,
    name_reader: NameReader,  # set up at the run's start: its quotes' names are read there
) -> dg.MaterializeResult:
    """`marts.action_list`: each complaint theme's points at stake in CSAT, NPS and CES with a
    bootstrap interval, ranked at any volume (small weeks pool the weeks before them; shares
    when nearly everyone is unhappy or nobody scored; clear / likely / watch list, see
    actions/ranking.py); `marts.action_owners` (the same per owner),
    `marts.responsibility` (whose doing low scorers' complaints point to), `marts.praise` (per
    team and agent); `<reports>/<week>/action_list.csv` and `follow_up.csv` (low scorers who
    commented, to call back)."""
    settings = survey_settings.load()
    taxonomy = survey_settings.taxonomy()
    run_weeks = weeks_in(context.partition_time_window)
    weeks = wh.week_range(run_weeks)
    ranking = Ranking.of(settings.actions)
    before = max(TRAILING_WEEKS, ranking.windows[-1] - 1)  # for the trend and pooled windows
    with open_warehouse(warehouse) as conn:
        built = []
        # a few weeks at a time (a year's responses at once would take gigabytes), each with the
        # weeks it looks back on, scored from raw.responses: they need not have been built
        for group in wh.week_groups(conn, run_weeks, before):
            span = wh.week_range(group)
            history = {**span, "week_start": span["week_start"] - dt.timedelta(weeks=before)}
            raw = counted_responses(conn, settings, history)
            scored = score_responses(raw, settings.csat_satisfied_from())
            mentions = wh.query(conn, "marts/select_week_mentions", **history)
            items = wh.query(conn, "marts/select_item_answers", **history)
            of_week = partial(
                weekly_actions,
                scored=scored,
                mentions=mentions,
                taxonomy=taxonomy,
                ranking=ranking,
                language=settings.report.language,
                items=items,
                satisfied_from=settings.csat_satisfied_from(),
            )
            built += actions_of_weeks(group, of_week)
            progress.weeks_done("action_list", len(group))
            del raw, scored, mentions, items, of_week
        tables = {name: pl.concat([getattr(b, name) for b in built]) for name in ACTION_TABLES}
        with wh.transaction(conn):
            for name, table in tables.items():
                wh.execute(conn, f"marts/delete_{name}", **weeks)
                wh.execute(conn, f"marts/insert_{name}", **{name: table})
            # inside the transaction: files that cannot be written leave the tables as they were
            with writing_files("the action list and follow-up files"):
                for week, weekly in zip(run_weeks, built, strict=True):
                    _write_csv_files(survey_settings.report_dir(week.isoformat()), weekly, settings)
    language = settings.report.language
    labels = {t.id: t.label.in_language(language) for t in taxonomy.themes}
    follow_ups = {week: b.follow_up_csv.height for week, b in zip(run_weeks, built, strict=True)}
    for_each_week(
        context,
        run_weeks,
        lambda week: _actions_metadata(tables["action_list"], labels, follow_ups[week], week),
    )
    return dg.MaterializeResult(metadata=run_metadata(run_weeks))


def _actions_metadata(
    actions: pl.DataFrame, labels: dict[str, str], follow_ups: int, week: dt.date
) -> dict:
    """A week's action list: its top items as a table (points at stake in CSAT with their
    interval), how many themes are ranked or watched, and the customers to call back."""
    mine = actions.filter(pl.col("week") == week)
    csat = mine.filter(pl.col("metric") == "csat").sort(  # the ranked first, then the watched
        "rank", "priority", descending=[False, True], nulls_last=True
    )
    top = csat.head(TOP_SHOWN).select(
        "rank",
        pl.col("theme").replace_strict(labels, default=pl.col("theme")).alias("theme"),
        "owner",
        "mentions",
        pl.format(
            "{} [{}, {}]", *(pl.col(c).round(1) for c in ("points", "points_low", "points_high"))
        ).alias("CSAT points at stake [95 % interval]"),
        "status",
        pl.col("window_weeks").alias("weeks pooled"),
    )
    return {
        **table_metadata(mine, None),
        "preview": dg.MetadataValue.md(markdown_table(top) if top.height else "No complaint."),
        "ranked_themes": csat.filter(pl.col("status") == "ranked").height,
        "watched_themes": csat.filter(pl.col("status") == "watch").height,
        "customers_to_call_back": follow_ups,
    }


def _write_csv_files(folder: Path, weekly: WeeklyActions, settings: Settings) -> None:
    """The week's action_list.csv and follow_up.csv, each written then renamed into place."""
    language = settings.report.language
    if weekly.action_list_csv is not None:
        write_csv(weekly.action_list_csv, folder / "action_list.csv", language)
    else:  # no complaint theme now: an earlier run's file must not be e-mailed
        (folder / "action_list.csv").unlink(missing_ok=True)
    write_csv(weekly.follow_up_csv, folder / "follow_up.csv", language)


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
    can_subset=True,  # either alone from the UI: the other is computed, not written
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
    movements, spiked = [pl.DataFrame(schema=MOVEMENT_SCHEMA)], []
    with open_warehouse(warehouse) as conn:
        # a few weeks at a time, with the weeks they look back on (memory: see action_list)
        for group in wh.week_groups(conn, run_weeks, SPIKE_WEEKS):
            span = wh.week_range(group)
            history = {**span, "week_start": span["week_start"] - dt.timedelta(weeks=SPIKE_WEEKS)}
            scored = score_responses(counted_responses(conn, settings, history))
            mentions = wh.query(conn, "marts/select_theme_mentions", **history)
            values = response_values(scored, settings.csat_satisfied_from())
            groups = primary_themes(scored, mentions)
            # a week's themes are known once it was built; last week's unknown, its comments
            # would all look theme-less and the split would be wrong: better none
            built = sorted({*run_weeks, *mentions.get_column("week").unique().to_list()})
            explained = [w for w in group if w - dt.timedelta(weeks=1) in built]
            movements += [decompose(values, groups, week) for week in explained]
            spiked.append(spikes_of_weeks(values, scored, mentions, group, built))
            progress.weeks_done("score_movement", len(group))
        movement = pl.concat(movements, how="vertical")
        spikes = pl.concat(spiked, how="vertical")
        selected = {key.to_user_string() for key in context.selected_asset_keys}
        tables = {"score_movement": movement, "theme_spikes": spikes}
        with wh.transaction(conn):
            for name, table in tables.items():
                if name in selected:
                    wh.execute(conn, f"marts/delete_{name}", **weeks)
                    wh.execute(conn, f"marts/insert_{name}", **{name: table})
    biggest = (
        movement.sort(pl.col("contribution").abs(), descending=True)
        .group_by("week", "metric", "scale", maintain_order=True)
        .head(2)
        .select("week", "metric", "scale", "theme", "contribution", "total_change")
        .sort("week", "metric", "scale")
    )
    previews = {
        "score_movement": biggest,
        "theme_spikes": spikes.select("week", "theme", "measure", "value", "mean", "z"),
    }
    for name in [name for name in tables if name in selected]:
        for_each_week(
            context,
            run_weeks,
            partial(week_table_metadata, tables[name], preview=previews[name]),
            name,
        )
        yield dg.MaterializeResult(asset_key=name, metadata=run_metadata(run_weeks))
