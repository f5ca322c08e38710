"""What a Qualtrics export says about its own rows: responses that are not customers answering
(survey previews, tests, spam, and unfinished ones when the source excludes them), and NPS
groups that contradict their NPS answer (a data-quality finding; our category counts)."""

from __future__ import annotations

import polars as pl

from satisfaction_pipeline import warehouse
from satisfaction_pipeline.config.settings import (
    Source,
)
from satisfaction_pipeline.ingest.readers import (
    ROW,
    RawTable,
)
from satisfaction_pipeline.ingest.scales import (
    fold_label,
)

FINDING_SCHEMA: dict[str, pl.DataType] = {
    "file_name": pl.String(),
    "source": pl.String(),
    "row_number": pl.Int32(),
    "response_id": pl.String(),
    "column_name": pl.String(),
    "finding": pl.String(),  # nps_group_disagrees, nps_group_unknown
    "detail": pl.String(),
}

# Qualtrics' response types that are not customers answering (the Status column holds the
# code, or its text in a "choice text" export), and the distribution channels of the same.
QUALTRICS_STATUS = {
    "1": "survey_preview", "survey preview": "survey_preview",
    "2": "survey_test", "survey test": "survey_test",
    "8": "spam", "spam": "spam",
}  # fmt: skip

QUALTRICS_CHANNELS = {"preview": "survey_preview", "test": "survey_test"}

UNFINISHED = {"0", "false"}

# Qualtrics' NPS group column (`Q2_NPS_GROUP` beside `Q2`): its codes and texts
NPS_GROUPS = {
    "1": "detractor", "detractor": "detractor", "detracteur": "detractor",  # keys: fold_label
    "2": "passive", "passive": "passive", "passif": "passive",
    "3": "promoter", "promoter": "promoter", "promoteur": "promoter",
}  # fmt: skip


def _file_column(table: RawTable, *names: str) -> str | None:
    """The file's column called one of `names` (or having it as its question text), compared
    without case, accents or spacing; None if there is none."""
    wanted = {fold_label(n) for n in names}
    found = [c for c in table.columns if fold_label(c) in wanted]
    found += [c for alias, c in table.aliases.items() if fold_label(alias) in wanted]
    return found[0] if found else None


def exclusion_reasons(table: RawTable, source: Source) -> pl.DataFrame | None:
    """Per row of a Qualtrics export: `_excluded`, why it is not a customer's response (a survey
    preview or test, spam, or unfinished when the source excludes those; null for a response),
    and `_excluded_detail`, the cell that says so. None for other layouts."""
    if table.format != "qualtrics":
        return None
    tests: list[tuple[str, dict[str, str]]] = []
    if status := _file_column(table, "Status", "Response Type"):
        tests.append((status, QUALTRICS_STATUS))
    if channel := _file_column(table, "DistributionChannel", "Distribution Channel"):
        tests.append((channel, QUALTRICS_CHANNELS))
    if source.unfinished == "exclude" and (finished := _file_column(table, "Finished")):
        tests.append((finished, dict.fromkeys(UNFINISHED, "unfinished")))
    if not tests:
        return None
    reasons = [
        pl.col(column).str.strip_chars().str.to_lowercase().replace_strict(codes, default=None)
        for column, codes in tests
    ]
    details = [
        pl.when(reason.is_not_null()).then(pl.format(f"{column} = {{}}", pl.col(column)))
        for (column, _), reason in zip(tests, reasons, strict=True)
    ]
    return table.frame.select(_excluded=pl.coalesce(reasons), _excluded_detail=pl.coalesce(details))


def nps_group_findings(
    table: RawTable,
    source: Source,
    actual: str,
    kept: pl.LazyFrame,
    nps: pl.Expr,
    file_name: str,
    id_column: str,
) -> pl.DataFrame:
    """Loaded rows whose Qualtrics NPS group (`Q2_NPS_GROUP` beside `Q2`) disagrees with the
    category of their NPS answer: the export contradicts itself. Our category (0-6, 7-8, 9-10)
    is the one used; the row is a data-quality finding. `id_column`: where the rows' ids are."""
    group_column = _file_column(table, f"{actual}_NPS_GROUP")
    if group_column is None:
        return pl.DataFrame(schema=FINDING_SCHEMA)
    checked = kept.select("_index", ROW, pl.col(id_column).alias("id"), nps=nps).collect()
    if checked.is_empty():
        return pl.DataFrame(schema=FINDING_SCHEMA)
    said = table.frame.get_column(group_column).gather(checked.get_column("_index"))
    distinct = [v for v in said.unique().to_list() if v and v.strip()]
    folded = {v: NPS_GROUPS.get(fold_label(v), "unknown") for v in distinct}
    theirs = pl.col("said").replace_strict(folded, default=None, return_dtype=pl.String)
    ours = pl.when(pl.col("nps") >= 9).then(pl.lit("promoter"))
    ours = ours.when(pl.col("nps") >= 7).then(pl.lit("passive")).otherwise(pl.lit("detractor"))
    checked = checked.with_columns(said=said).with_columns(theirs=theirs, ours=ours)
    wrong = checked.filter(
        pl.col("nps").is_not_null()
        & pl.col("theirs").is_not_null()  # an empty group cell says nothing
        & (pl.col("theirs") != pl.col("ours"))
    )
    return warehouse.conform(
        wrong.select(
            file_name=pl.lit(file_name),
            source=pl.lit(source.name),
            row_number=ROW,
            response_id="id",
            column_name=pl.lit(group_column),
            finding=pl.when(pl.col("theirs") == "unknown")
            .then(pl.lit("nps_group_unknown"))
            .otherwise(pl.lit("nps_group_disagrees")),
            detail=pl.when(pl.col("theirs") == "unknown")
            .then(
                pl.format(
                    f"{group_column} says '{{}}', not a group (1-3, Detractor, Passive, Promoter)",
                    "said",
                )
            )
            .otherwise(
                pl.format(
                    f"{group_column} says '{{}}', but the NPS answer {{}} makes a {{}}",
                    "said",
                    pl.col("nps").cast(pl.Int64),
                    "ours",
                )
            ),
        ),
        FINDING_SCHEMA,
    )
