"""When a response was submitted: the submitted-at column read in whatever layout the export
uses (ISO, with an offset, day-first or month-first, an Excel serial number), in the zone the
export, the source or the configuration gives, as a naive UTC timestamp."""

from __future__ import annotations

import datetime as dt
import re

import polars as pl

from satisfaction_pipeline.config.settings import (
    Settings,
    Source,
)
from satisfaction_pipeline.ingest.readers import (
    SPREADSHEET_FORMATS,
)

# Date layouts read without configuration; day-first or month-first dates need `date_format`,
# because 03/04/2026 cannot be told apart otherwise.
NAIVE_DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
)

OFFSET_DATE_FORMATS = (
    "%Y-%m-%dT%H:%M:%S%#z",
    "%Y-%m-%dT%H:%M:%S%.f%#z",
    "%Y-%m-%d %H:%M:%S%#z",
    "%Y-%m-%dT%H:%M%#z",
)

OFFSET = re.compile(r"%[#:]?z")  # a layout that reads the time's own UTC offset
# What any value an offset layout reads contains (Z, +hh, or -hh after a time): a column with
# none of it skips those layouts, four parses of every cell that would read nothing.
MAY_HAVE_OFFSET = r"[Zz+]|\d:\d\d(?:[.,]\d+)?\s*-"

# `date_format: day_first` (French exports) or `month_first` (US exports), with or without time.
DATE_ORDERS = {
    "day_first": ("%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y"),
    "month_first": ("%m/%d/%Y",),
}

TIMES = (" %H:%M:%S", " %H:%M", " %I:%M:%S %p", " %I:%M %p", "")

EXCEL_EPOCH = dt.datetime(1899, 12, 30)  # serial day 0 in Excel's 1900 date system
# Before this, a date is a placeholder (1970-01-01, Excel's 1899-12-30 or 1900-01-01, .NET's
# 0001-01-01), not when a customer answered: loaded, it would move the derived first week decades
# back and make thousands of empty weeks.
EARLIEST = dt.datetime(2000, 1, 1)


def _date_formats(source: Source) -> tuple[str, ...]:
    """The configured layouts first, then ISO ones (what spreadsheet date cells read as)."""
    if source.date_format in DATE_ORDERS:
        configured = tuple(d + t for d in DATE_ORDERS[source.date_format] for t in TIMES)
    else:
        configured = (source.date_format,) if source.date_format else ()
    return configured + NAIVE_DATE_FORMATS


def submitted_at(
    frame: pl.DataFrame,
    source: Source,
    settings: Settings,
    table_format: str,
    now: dt.datetime,
    file_zone: str | None = None,
) -> pl.DataFrame:
    """`_utc` (naive UTC timestamp) and `_date_error` for the submitted-at column. Naive times are
    in the zone the export gives (`file_zone`: Qualtrics' ImportId row), else the source's (UTC
    for a column that says so, like Typeform's `Submit Date (UTC)`), else the configured one.

    Layouts are tried one after the other and the loop stops once every value is read, so a
    file in one layout costs one parse."""
    column = source.columns.submitted_at
    zone = file_zone or source.timezone or ("UTC" if "(UTC)" in column else settings.timezone)
    value = frame.get_column(column)
    with_offset = OFFSET_DATE_FORMATS if not source.date_format else ()
    if with_offset and not value.str.contains(MAY_HAVE_OFFSET).any():
        with_offset = ()
    utc = pl.Series(column, [None] * len(value), dtype=pl.Datetime("us"))
    naive = utc
    for layout in [*with_offset, *_date_formats(source), "excel serial"]:
        unread = utc.is_null() & naive.is_null() & (value != "")
        if not unread.any():
            break
        if layout == "excel serial":  # a date cell without date formatting shows its number
            if table_format in SPREADSHEET_FORMATS:
                naive = naive.fill_null(_excel_serial(value))
        elif layout in with_offset or OFFSET.search(layout):
            parsed = value.str.strptime(pl.Datetime("us", "UTC"), layout, strict=False)
            utc = utc.fill_null(parsed.dt.replace_time_zone(None))
        else:
            naive = naive.fill_null(value.str.strptime(pl.Datetime("us"), layout, strict=False))
    local = naive.dt.replace_time_zone(zone, ambiguous="earliest", non_existent="null")
    utc = utc.fill_null(local.dt.convert_time_zone("UTC").dt.replace_time_zone(None))
    expected = source.date_format or "YYYY-MM-DD HH:MM[:SS] (or set date_format)"
    cells = pl.DataFrame({"v": value, "naive": naive, "local": local, "utc": utc})
    v = pl.col("v")
    error = (
        pl.when(v == "")
        .then(pl.lit(f"submitted-at is empty (column {column!r})"))
        .when(pl.col("naive").is_not_null() & pl.col("utc").is_null())
        .then(pl.format(f"time '{{}}' does not exist in {zone} (clock change)", v))
        .when(pl.col("utc").is_null())
        .then(pl.format(f"cannot read date '{{}}' in column {column!r}; expected {expected}", v))
        .when(pl.col("utc") > now)
        .then(
            pl.format(
                f"date '{{}}' in column {column!r} is in the future (the load ran at "
                f"{now:%Y-%m-%d %H:%M} UTC); check the column's time zone",
                v,
            )
        )
        .when(pl.col("utc") < EARLIEST)
        .then(
            pl.format(
                f"date '{{}}' in column {column!r} is before {EARLIEST:%Y}: a placeholder "
                "rather than when the answer was given; fix the cell",
                v,
            )
        )
    )
    return cells.select(_utc=pl.col("utc"), _date_error=error)


def _excel_serial(value: pl.Series) -> pl.Series:
    """Excel's day numbers (1900 system, fractions for the time) as timestamps."""
    serial = value.cast(pl.Float64, strict=False)
    milliseconds = (serial * 86_400_000).round().cast(pl.Int64, strict=False)
    stamp = pl.lit(EXCEL_EPOCH) + pl.duration(milliseconds=pl.col("ms"))
    in_range = pl.col("s").is_between(1, 2958465)  # 1900-01-01 … 9999-12-31
    frame = pl.DataFrame({"s": serial, "ms": milliseconds})
    return frame.select(pl.when(in_range).then(stamp).cast(pl.Datetime("us"))).to_series()
