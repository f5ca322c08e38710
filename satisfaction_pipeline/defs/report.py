"""The report's asset: `<reports>/<week>/report.html` and `report.pdf` for every week of the run."""

import datetime as dt
from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from satisfaction_pipeline import progress
from satisfaction_pipeline.config.paths import report_url
from satisfaction_pipeline.defs.actions import action_list
from satisfaction_pipeline.defs.metadata import for_each_week, run_metadata
from satisfaction_pipeline.defs.partitions import WEEKLY, weeks_in
from satisfaction_pipeline.defs.resources import (
    NameReader,
    SurveySettings,
    open_warehouse,
    writing_files,
)
from satisfaction_pipeline.report.context import warehouse_context
from satisfaction_pipeline.report.render import render_html, write_report_files


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
    context: dg.AssetExecutionContext,
    survey_settings: SurveySettings,
    warehouse: DuckDBResource,
    name_reader: NameReader,  # set up at the run's start: its quotes' names are read there
) -> dg.MaterializeResult:
    """`<reports>/<week>/report.html` and `report.pdf`: headline CSAT / NPS / CES with n and the
    change since last week, scores by segment, what to fix first (the ranked action list, the
    watch list, whose doing low scores are, what customers appreciated), themes, and verbatims
    (PII-redacted)."""
    from satisfaction_pipeline.report.pdf import render_pdfs  # slow import: only when rendering

    settings = survey_settings.load()
    taxonomy = survey_settings.taxonomy()
    weeks = weeks_in(context.partition_time_window)
    htmls: dict[dt.date, str] = {}
    written: dict[dt.date, Path] = {}
    with open_warehouse(warehouse) as conn:

        def built():  # each week's HTML, as the PDF workers ask for the next one
            for week in weeks:
                htmls[week] = render_html(warehouse_context(conn, week, settings, taxonomy))
                yield htmls[week]

        for week, pdf in zip(weeks, render_pdfs(built(), len(weeks)), strict=True):
            folder = survey_settings.report_dir(week.isoformat())
            files = {"report.html": htmls.pop(week).encode("utf-8"), "report.pdf": pdf}
            with writing_files("the report"):
                write_report_files(folder, files)
            written[week] = folder
            progress.weeks_done("weekly_report", 1)
            context.log.info(f"report for week {week}: {folder / 'report.pdf'}")
    reports = Path(survey_settings.reports)
    for_each_week(
        context,
        weeks,
        lambda week: {
            "report": dg.MetadataValue.url(report_url(reports, written[week] / "report.html")),
            "report_pdf": dg.MetadataValue.path(str(written[week] / "report.pdf")),
            "report_html": dg.MetadataValue.path(str(written[week] / "report.html")),
        },
    )
    return dg.MaterializeResult(metadata=run_metadata(weeks))
