"""Blocking checks: a report is never built on duplicated responses or impossible scores."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from satisfaction_pipeline.defs.assets import responses, weekly_scores
from satisfaction_pipeline.defs.metadata import markdown_table
from satisfaction_pipeline.defs.resources import open_warehouse
from satisfaction_pipeline.lib import warehouse as wh


@dg.asset_check(asset=responses, blocking=True)
def response_ids_are_unique(warehouse: DuckDBResource) -> dg.AssetCheckResult:
    """Each (source, response id) appears once in `marts.responses`."""
    with open_warehouse(warehouse) as conn:
        duplicates = wh.query(conn, "checks/duplicate_response_ids")
    return dg.AssetCheckResult(
        passed=duplicates.is_empty(),
        metadata={
            "duplicated_ids": len(duplicates),
            "examples": dg.MetadataValue.md(markdown_table(duplicates)),
        },
    )


@dg.asset_check(asset=weekly_scores, blocking=True)
def scores_in_range(warehouse: DuckDBResource) -> dg.AssetCheckResult:
    """CSAT within 0-100 %, NPS within ±100, CES within its scale, and every n positive."""
    with open_warehouse(warehouse) as conn:
        bad = wh.query(conn, "checks/scores_out_of_range")
    return dg.AssetCheckResult(
        passed=bad.is_empty(),
        metadata={
            "rows_out_of_range": len(bad),
            "examples": dg.MetadataValue.md(markdown_table(bad)),
        },
    )
