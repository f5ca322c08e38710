"""Dagster metadata for a table written by an asset: row count, column schema, Markdown preview."""

from __future__ import annotations

import dagster as dg
import polars as pl


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


def table_metadata(frame: pl.DataFrame, preview: pl.DataFrame | None = None) -> dict:
    """`dagster/row_count`, `dagster/column_schema` and a Markdown `preview`."""
    schema = dg.TableSchema(
        columns=[dg.TableColumn(name, str(dtype)) for name, dtype in frame.schema.items()]
    )
    return {
        "dagster/row_count": frame.height,
        "dagster/column_schema": schema,
        "preview": dg.MetadataValue.md(markdown_table(frame if preview is None else preview)),
    }
