"""Scoring's assets and checks: `marts.responses` (each response's score categories, whether it
counts), `marts.weekly_scores` and `marts.standouts`; ids unique and scores in range."""

import datetime as dt
from functools import partial

import dagster as dg
import duckdb
import polars as pl
from dagster_duckdb import DuckDBResource

from satisfaction_pipeline import progress
from satisfaction_pipeline import warehouse as wh
from satisfaction_pipeline.config.settings import Settings
from satisfaction_pipeline.defs.ingest import survey_files
from satisfaction_pipeline.defs.metadata import (
    checked_per_week,
    for_each_week,
    of_week,
    run_metadata,
    table_metadata,
    week_table_metadata,
)
from satisfaction_pipeline.defs.partitions import WEEKLY, weekly_partitions, weeks_in
from satisfaction_pipeline.defs.resources import SurveySettings, open_warehouse
from satisfaction_pipeline.defs.warehouse_pool import WAREHOUSE_POOL
from satisfaction_pipeline.scoring.items import item_scores
from satisfaction_pipeline.scoring.responses import counted_responses, week_responses
from satisfaction_pipeline.scoring.scores import HISTORY_WEEKS, score_responses, with_changes
from satisfaction_pipeline.scoring.scores import weekly_scores as compute_scores
from satisfaction_pipeline.scoring.standouts import find_standouts


@dg.asset(deps=[survey_files], kinds={"duckdb", "polars"}, **WEEKLY)
def responses(
    context: dg.AssetExecutionContext, survey_settings: SurveySettings, warehouse: DuckDBResource
) -> dg.MaterializeResult:
    """`marts.responses`: one row per survey response of the week, with its score categories
    (CSAT satisfied, NPS promoter / passive / detractor) and whether it counts (`counted`: false
    when the same customer's later answer that week counts instead)."""
    settings = survey_settings.load()
    run_weeks = weeks_in(context.partition_time_window)
    weeks = wh.week_range(run_weeks)
    per_week, columns = [], None
    with open_warehouse(warehouse) as conn, wh.transaction(conn):
        wh.execute(conn, "marts/delete_responses", **weeks)
        # a few weeks at a time (memory: see action_list); a week's votes are its own
        for group in wh.week_groups(conn, run_weeks, 0):
            raw = week_responses(conn, settings, wh.week_range(group))
            scored = score_responses(raw, settings.csat_satisfied_from())
            wh.execute(conn, "marts/insert_responses", scored_responses=scored)
            per_week.append(_week_counts(scored))
            columns = scored.clear()
            progress.weeks_done("responses", len(group))
    counts = pl.concat(per_week).sort("week")

    def of(week: dt.date) -> dict:
        counted = of_week(counts, week)
        total = int(counted.select(pl.col("responses") + pl.col("superseded")).sum().item() or 0)
        return {
            **table_metadata(columns, counted, rows=total),
            **{name: int(counted.get_column(name).sum()) for name in counts.columns[1:]},
        }

    for_each_week(context, run_weeks, of)
    for week in run_weeks:
        if of_week(counts, week).is_empty():  # the schedule builds last week whatever it holds
            context.log.warning(
                f"week {week} has no response in raw.responses: it is built because this run "
                "asked for it, and its tables and report have no figures"
            )
    return dg.MaterializeResult(metadata=run_metadata(run_weeks))


def _week_counts(scored: pl.DataFrame) -> pl.DataFrame:
    """Per week: the responses that count, their answers and comments, and those superseded by
    the same customer's other answer."""
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
    return per_week.join(superseded, on="week", how="left").with_columns(
        pl.col("superseded").fill_null(0)
    )


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            "weekly_scores",
            deps=[responses],
            kinds={"duckdb", "polars"},
            description="`marts.weekly_scores`: CSAT (% satisfied), NPS and CES (mean, higher "
            "is better) per week, overall and per segment, with n, the 95 % interval, a "
            "small-sample flag, and the change vs the previous week and the four before with "
            "its p-value and significance; and `marts.weekly_item_scores`, the same for the "
            "items of a battery (several questions of one metric).",
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
    can_subset=True,  # either alone from the UI: the other is computed, not written
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
    with open_warehouse(warehouse) as conn:
        # a few weeks at a time (memory: see action_list), each with the weeks it looks back on
        scored = []
        for group in wh.week_groups(conn, run_weeks, look_back):
            scored.append(_scores_of(conn, settings, group, look_back))
            progress.weeks_done("weekly_scores", len(group))
        scores, items, found = (wh.stacked(tables) for tables in zip(*scored, strict=True))
        selected = {key.to_user_string() for key in context.selected_asset_keys}
        tables = {"weekly_scores": scores, "weekly_item_scores": items, "standouts": found}
        if "weekly_scores" not in selected:
            del tables["weekly_scores"], tables["weekly_item_scores"]
        if "standouts" not in selected:
            del tables["standouts"]
        with wh.transaction(conn):
            for name, table in tables.items():
                wh.execute(conn, f"marts/delete_{name}", **weeks)
                wh.execute(conn, f"marts/insert_{name}", **{name: table})
    if "weekly_scores" in selected:
        for_each_week(context, run_weeks, partial(_scores_metadata, scores), "weekly_scores")
        yield dg.MaterializeResult(asset_key="weekly_scores", metadata=run_metadata(run_weeks))
    if "standouts" in selected:
        for_each_week(context, run_weeks, partial(_standouts_metadata, found), "standouts")
        yield dg.MaterializeResult(asset_key="standouts", metadata=run_metadata(run_weeks))


def _scores_metadata(scores: pl.DataFrame, week: dt.date) -> dict:
    """A week's scores table, and its overall scores as numbers the UI plots over the weeks:
    `csat`, `nps`, `ces` and their `n_…` (a metric asked on two scales: `ces 1-5`, `ces 1-7`)."""
    overall = of_week(scores, week).filter(pl.col("dimension") == "overall")
    scales = overall.group_by("metric").len()
    several = set(scales.filter(pl.col("len") > 1).get_column("metric"))
    numbers = {}
    for row in overall.sort("metric", "scale").iter_rows(named=True):
        name = f"{row['metric']} {row['scale']}" if row["metric"] in several else row["metric"]
        if row["score"] is not None:
            numbers[name] = dg.MetadataValue.float(round(row["score"], 2))
        numbers[f"n_{name}"] = int(row["n"])
    preview = scores.filter(pl.col("dimension") == "overall").drop("dimension", "segment")
    return {**week_table_metadata(scores, week, preview), **numbers}


def _standouts_metadata(found: pl.DataFrame, week: dt.date) -> dict:
    """A week's standouts, counted per kind, with their explanations."""
    mine = found.filter(pl.col("week") == week)
    explained = mine.get_column("explanation_en").head(20)
    return {
        **table_metadata(mine, mine.group_by("kind").len().sort("kind")),
        "explanations": dg.MetadataValue.md(
            "\n".join(f"- {line}" for line in explained) or "No standout this week."
        ),
    }


def _scores_of(
    conn: duckdb.DuckDBPyConnection, settings: Settings, weeks: list[dt.date], look_back: int
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """The weekly scores, item scores and standouts of `weeks`, from the counted responses of
    those weeks and the `look_back` before (scored from raw.responses: they may never have been
    built)."""
    span = wh.week_range(weeks)
    history = {**span, "week_start": span["week_start"] - dt.timedelta(weeks=look_back)}
    answers = counted_responses(conn, settings, history)
    scores = compute_scores(
        answers, settings.extra_segments(), settings.min_sample_size, settings.csat_satisfied_from()
    )
    scores = with_changes(scores, settings.min_sample_size)
    found = find_standouts(scores, weeks, settings.standouts)
    counted = wh.query(conn, "marts/select_item_answers", **history).join(
        answers.select("response_key"), on="response_key", how="semi"
    )
    items = item_scores(counted, settings.min_sample_size, settings.csat_satisfied_from())
    in_weeks = pl.col("week").is_in(weeks)
    return scores.filter(in_weeks), items.filter(in_weeks), found


@dg.asset_check(
    asset=responses, blocking=True, pool=WAREHOUSE_POOL, partitions_def=weekly_partitions
)
def response_ids_are_unique(
    context: dg.AssetCheckExecutionContext, warehouse: DuckDBResource
) -> dg.AssetCheckResult:
    """Each (source, response id) appears once in `marts.responses`."""
    return checked_per_week(context, warehouse, "checks/duplicate_response_ids", "duplicated_ids")


@dg.asset_check(
    asset="weekly_scores", blocking=True, pool=WAREHOUSE_POOL, partitions_def=weekly_partitions
)
def scores_in_range(
    context: dg.AssetCheckExecutionContext, warehouse: DuckDBResource
) -> dg.AssetCheckResult:
    """CSAT within 0-100 %, NPS within ±100, CES within its scale, and every n positive."""
    return checked_per_week(context, warehouse, "checks/scores_out_of_range", "rows_out_of_range")
