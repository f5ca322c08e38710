"""Blocking checks: a report is never built on duplicated responses or impossible scores."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from satisfaction_pipeline.defs.assets import responses, weekly_scores
from satisfaction_pipeline.defs.metadata import markdown_table
from satisfaction_pipeline.defs.resources import open_warehouse
from satisfaction_pipeline.lib import warehouse as wh


def _passes_when_empty(warehouse: DuckDBResource, query: str, label: str) -> dg.AssetCheckResult:
    """Pass when the named query finds no offending row; otherwise show the first ones."""
    with open_warehouse(warehouse) as conn:
        offending = wh.query(conn, query)
    return dg.AssetCheckResult(
        passed=offending.is_empty(),
        metadata={
            label: len(offending),
            "examples": dg.MetadataValue.md(markdown_table(offending)),
        },
    )


@dg.asset_check(asset=responses, blocking=True)
def response_ids_are_unique(warehouse: DuckDBResource) -> dg.AssetCheckResult:
    """Each (source, response id) appears once in `marts.responses`."""
    return _passes_when_empty(warehouse, "checks/duplicate_response_ids", "duplicated_ids")


@dg.asset_check(asset=weekly_scores, blocking=True)
def scores_in_range(warehouse: DuckDBResource) -> dg.AssetCheckResult:
    """CSAT within 0-100 %, NPS within ±100, CES within its scale, and every n positive."""
    return _passes_when_empty(warehouse, "checks/scores_out_of_range", "rows_out_of_range")
