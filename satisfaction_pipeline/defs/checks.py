"""Checks: a report is never built on lost rows, duplicated responses or impossible scores
(blocking); an export that could not be read shows as a failed warning check until it is fixed."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from satisfaction_pipeline.defs.assets import responses, survey_files
from satisfaction_pipeline.defs.metadata import markdown_table
from satisfaction_pipeline.defs.resources import WAREHOUSE_POOL, open_warehouse
from satisfaction_pipeline.lib import warehouse as wh


def _passes_when_empty(
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


@dg.asset_check(asset=responses, blocking=True, pool=WAREHOUSE_POOL)
def response_ids_are_unique(warehouse: DuckDBResource) -> dg.AssetCheckResult:
    """Each (source, response id) appears once in `marts.responses`."""
    return _passes_when_empty(warehouse, "checks/duplicate_response_ids", "duplicated_ids")


@dg.asset_check(asset="weekly_scores", blocking=True, pool=WAREHOUSE_POOL)
def scores_in_range(warehouse: DuckDBResource) -> dg.AssetCheckResult:
    """CSAT within 0-100 %, NPS within ±100, CES within its scale, and every n positive."""
    return _passes_when_empty(warehouse, "checks/scores_out_of_range", "rows_out_of_range")


@dg.asset_check(asset=survey_files, blocking=True, pool=WAREHOUSE_POOL)
def every_row_is_accounted_for(warehouse: DuckDBResource) -> dg.AssetCheckResult:
    """For every file in `ops.files`: rows read = loaded + rejected + duplicate + excluded."""
    return _passes_when_empty(warehouse, "checks/files_not_adding_up", "files_not_adding_up")


@dg.asset_check(asset=survey_files, pool=WAREHOUSE_POOL)
def every_file_is_readable(warehouse: DuckDBResource) -> dg.AssetCheckResult:
    """No export in the inbox is left unread (undecodable, a configured column missing…).

    A warning, not a blocker: the other files load and the report is built without that one."""
    return _passes_when_empty(
        warehouse, "checks/failed_files", "failed_files", dg.AssetCheckSeverity.WARN
    )


@dg.asset_check(asset="comment_themes", blocking=True, pool=WAREHOUSE_POOL)
def evidence_is_in_its_comment(warehouse: DuckDBResource) -> dg.AssetCheckResult:
    """Every theme's evidence is the text at its span of the comment it was found in."""
    return _passes_when_empty(warehouse, "checks/evidence_off_its_comment", "rows_off_their_span")
