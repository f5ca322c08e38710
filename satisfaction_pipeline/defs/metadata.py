"""Dagster metadata for a table written by an asset (row count, column schema, Markdown preview),
and an asset check's result from a query of `sql/checks/` that lists offending rows."""

from __future__ import annotations

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


def passes_when_empty(
    warehouse: DuckDBResource,
    query: str,
    label: str,
    severity: dg.AssetCheckSeverity = dg.AssetCheckSeverity.ERROR,
) -> dg.AssetCheckResult:
    """Pass when the named query finds no offending row; otherwise show the first ones."""
    with open_warehouse(warehouse) as conn:
        offending = wh.query(conn, query)
    return dg.AssetCheckResult(
        passed=offending.is_empty(),
        severity=severity,
        metadata={
            label: len(offending),
            "examples": dg.MetadataValue.md(markdown_table(offending)),
        },
    )
