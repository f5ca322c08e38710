"""Dagster metadata for a table written by an asset (row count, column schema, Markdown preview),
each week's own in a run over many (`for_each_week`), and asset checks whose result is each
week's own (`checked_per_week`), from a query of `sql/checks/` that lists offending rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import dagster as dg
import polars as pl
from dagster_duckdb import DuckDBResource

from satisfaction_pipeline import warehouse as wh
from satisfaction_pipeline.defs.resources import open_warehouse


def markdown_table(frame: pl.DataFrame, limit: int = 20) -> str:
    """A Markdown table of the first rows (pipes in cells escaped)."""
    shown = frame.head(limit)
    header = "| " + " | ".join(shown.columns) + " |"
    rule = "|" + "---|" * len(shown.columns)
    lines = [header, rule]
    for row in shown.iter_rows():
        cells = ["" if v is None else str(round(v, 2) if isinstance(v, float) else v) for v in row]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    if frame.height > limit:
        lines.append(f"\n… {frame.height - limit} more rows")
    return "\n".join(lines)


def table_metadata(
    frame: pl.DataFrame, preview: pl.DataFrame | None = None, rows: int | None = None
) -> dict:
    """`dagster/row_count`, `dagster/column_schema` and a Markdown `preview`; `rows` for a table
    too large to read, of which `frame` has the columns only."""
    schema = dg.TableSchema(
        columns=[dg.TableColumn(name, str(dtype)) for name, dtype in frame.schema.items()]
    )
    return {
        "dagster/row_count": frame.height if rows is None else rows,
        "dagster/column_schema": schema,
        "preview": dg.MetadataValue.md(markdown_table(frame if preview is None else preview)),
    }


def week_key(week: dt.date) -> str:
    """A week's partition key: its Monday (`2026-11-16`)."""
    return week.isoformat()


def for_each_week(
    context: dg.AssetExecutionContext,
    weeks: Iterable[dt.date],
    metadata_of: Callable[[dt.date], Mapping[str, Any]],
    asset_key: str | None = None,
) -> None:
    """Give each week of the run its own metadata. A run over many weeks records one
    materialization per week, and each would otherwise show the whole run's figures; what the
    step returns itself is then only what is the run's (`run_metadata`)."""
    for week in weeks:
        context.add_asset_metadata(
            dict(metadata_of(week)), asset_key=asset_key, partition_key=week_key(week)
        )


def run_metadata(weeks: Sequence[dt.date], **more: Any) -> dict[str, Any]:
    """What every week of a run is told about the run itself, each name starting `run_`."""
    span = f"{min(weeks)} to {max(weeks)}, " if len(weeks) > 1 else ""
    return {
        "run_weeks": f"{span}{len(weeks)} week(s) built in one run",
        **{f"run_{name}": value for name, value in more.items()},
    }


def of_week(frame: pl.DataFrame, week: dt.date) -> pl.DataFrame:
    """A frame's rows of one week, without its `week` column."""
    return frame.filter(pl.col("week") == week).drop("week")


def week_table_metadata(
    frame: pl.DataFrame, week: dt.date, preview: pl.DataFrame | None = None
) -> dict:
    """`table_metadata` of one week's rows of a table written for several weeks."""
    rows = frame.filter(pl.col("week") == week)
    return table_metadata(rows, of_week(rows if preview is None else preview, week))


def checked_per_week(
    context: dg.AssetCheckExecutionContext,
    warehouse: DuckDBResource,
    query: str,
    label: str,
    severity: dg.AssetCheckSeverity = dg.AssetCheckSeverity.ERROR,
) -> dg.AssetCheckResult:
    """Each week of the run passes when the named query finds no offending row of that week (a
    query without a `week` column checks what is not weekly, files: every week shares its
    result, and says so). A run of one week returns that week's result; a run over many logs
    one evaluation per week and returns the run's, which passes when every week passes."""
    weeks = [dt.date.fromisoformat(key) for key in context.partition_keys]
    results = week_results(warehouse, query, label, weeks, severity)
    if context.has_partition_key:
        return results[weeks[0]]
    [spec] = context.check_specs
    for week, result in results.items():
        context.op_execution_context.log_event(
            dg.AssetCheckEvaluation(
                asset_key=spec.asset_key,
                check_name=spec.name,
                passed=result.passed,
                metadata=result.metadata,
                severity=severity,
                blocking=spec.blocking,
                partition=week_key(week),
            )
        )
    failing = [week_key(w) for w, result in results.items() if not result.passed]
    return dg.AssetCheckResult(
        passed=not failing,
        severity=severity,
        metadata=run_metadata(weeks, weeks_failing=dg.MetadataValue.json(failing)),
    )


def week_results(
    warehouse: DuckDBResource,
    query: str,
    label: str,
    weeks: Sequence[dt.date],
    severity: dg.AssetCheckSeverity = dg.AssetCheckSeverity.ERROR,
) -> dict[dt.date, dg.AssetCheckResult]:
    """Each week's result of a check: its offending rows' count and the first ones."""
    with open_warehouse(warehouse) as conn:
        offending = wh.query(conn, query)
    weekly = "week" in offending.columns
    results = {}
    for week in weeks:
        found = of_week(offending, week) if weekly else offending
        scope = {} if weekly else {"scope": "not weekly: every file in ops.files"}
        results[week] = dg.AssetCheckResult(
            passed=found.is_empty(),
            severity=severity,
            metadata={
                label: len(found),
                "examples": dg.MetadataValue.md(markdown_table(found)),
                **scope,
            },
        )
    return results
