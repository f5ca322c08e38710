"""CSV files for people to open in a spreadsheet: `action_list.csv` laid out for reading, and
every CSV written with the text cells that a spreadsheet would run as a formula neutralised.

A cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return is a formula to Excel,
LibreOffice and Google Sheets (`=HYPERLINK(…)`, `@SUM(…)`, even `-2+3`); customer text can be
anything, so such text cells get a leading apostrophe, which spreadsheets show as text (OWASP's
advice). Numbers stay numbers. UTF-8 with a BOM, so that Excel reads accents right.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
from babel.numbers import get_decimal_symbol

from satisfaction_pipeline.actions.stakes import (
    METRICS,
)
from satisfaction_pipeline.config.taxonomy import Taxonomy
from satisfaction_pipeline.formats import dimension_label, owner_label
from satisfaction_pipeline.i18n import N_, translations

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: pl.Expr) -> pl.Expr:
    return (
        pl.when(text.str.starts_with("=") | text.str.contains(r"^[+\-@\t\r]"))
        .then(pl.lit("'") + text)
        .otherwise(text)
    )


def write_csv(frame: pl.DataFrame, path: Path, language: str = "en") -> Path:
    """Write `frame` to `path` (lists joined with ' | '), every text cell neutralised. French
    spreadsheets, and those of every language whose decimal mark is a comma, take `;` between
    cells and `,` as the decimal mark."""
    text_columns = [c for c, t in frame.schema.items() if t == pl.String]
    list_columns = [c for c, t in frame.schema.items() if isinstance(t, pl.List)]
    safe = frame.with_columns(
        *(pl.col(c).list.join(" | ").alias(c) for c in list_columns)
    ).with_columns(neutralise(pl.col(c)).alias(c) for c in [*text_columns, *list_columns])
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".csv.partial")
    comma = get_decimal_symbol(language) == ","
    text = safe.write_csv(separator=";" if comma else ",", decimal_comma=comma)
    partial.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    partial.replace(path)
    return path


# Headings and words of action_list.csv, in English: printed in the report's language
HEADINGS = {"rank": N_("rank"), "status": N_("status"), "theme": N_("theme"),
            "owner": N_("owner"), "action": N_("recommended action"),
            "mentions": N_("complaints"), "share": N_("share of responses"),
            "low_share": N_("share of low scorers' comments"), "where": N_("over-represented in"),
            "examples": N_("examples"), "priority": N_("priority"),
            "trailing": N_("share over the 4 weeks before %"), "rising": N_("rising 2 weeks"),
            "among": N_("{metric} among complainers"), "others": N_("{metric} among the others"),
            "yes": N_("yes"), "no": N_("no"), "confidence": N_("confidence"),
            "weeks": N_("weeks pooled"), "points": N_("{metric} points at stake"),
            "in": N_("{dimension}: {segment}"),
            "driver": N_("question that goes with it"),
            "driver_theme": N_("answered favourably by its complainers %"),
            "driver_others": N_("answered favourably by the others %")}  # fmt: skip
CONFIDENCE = {"clear": N_("clear"), "likely": N_("likely")}
STATUS = {"ranked": N_("ranked"), "watch": N_("watch list")}


def action_list_csv(rows: pl.DataFrame, taxonomy: Taxonomy, language: str) -> pl.DataFrame:
    """`action_list.csv` for one week: a row per theme (ranked first, then the watch list),
    each metric's points at stake with their 95 % interval, rounded for reading."""
    _ = translations(language).gettext
    words = {key: _(heading) for key, heading in HEADINGS.items()}
    known = {t.id: t for t in taxonomy.themes}

    def text(theme: str, field: str) -> str:
        return getattr(known[theme], field).in_language(language) if theme in known else theme

    def where(over_index: dict) -> str | None:
        dimension, segment = over_index["over_index_dimension"], over_index["over_index_segment"]
        if dimension is None or segment is None:
            return None
        return words["in"].format(dimension=dimension_label(dimension, language), segment=segment)

    per_metric = ["points", "points_low", "points_high", "metric_theme", "metric_others"]
    wide = rows.pivot("metric", index="theme", values=per_metric).join(
        rows.filter(pl.col("metric") == "csat").drop("metric", *per_metric), on="theme"
    )
    columns = [
        pl.col("rank").alias(words["rank"]),
        pl.col("status")
        .replace_strict({k: _(v) for k, v in STATUS.items()})
        .alias(words["status"]),
        pl.col("confidence")
        .replace_strict({k: _(v) for k, v in CONFIDENCE.items()}, default=None)
        .alias(words["confidence"]),
        pl.col("window_weeks").alias(words["weeks"]),
        pl.col("theme").map_elements(lambda t: text(t, "label"), pl.String).alias(words["theme"]),
        pl.col("owner")
        .map_elements(lambda owner: owner_label(owner, language), pl.String)
        .alias(words["owner"]),
        pl.col("theme").map_elements(lambda t: text(t, "action"), pl.String).alias(words["action"]),
        pl.col("complaints").alias(words["mentions"]),
        (pl.col("share_of_responses") * 100).round(1).alias(words["share"] + " %"),
        (pl.col("share_of_low_comments") * 100).round(1).alias(words["low_share"] + " %"),
        *(
            (pl.col(f"share_of_low_comments_{end}") * 100)
            .round(1)
            .alias(f"{words['low_share']} % (95 % {end_word})")
            for end, end_word in zip(("low", "high"), ("min", "max"), strict=True)
        ),
        (pl.col("share_trailing") * 100).round(1).alias(words["trailing"]),
        pl.col("rising")
        .replace_strict({True: words["yes"], False: words["no"]}, return_dtype=pl.String)
        .alias(words["rising"]),
        pl.col("priority").round(2).alias(words["priority"]),
    ]
    # only the metrics the source has: a CSAT-only survey gets no NPS or CES columns
    answered = set(rows.filter(pl.col("responses") > 0).get_column("metric"))
    for metric in METRICS:
        if f"points_{metric}" not in wide.columns or metric not in answered:
            continue
        name = words["points"].format(metric=metric.upper())
        columns += [
            pl.col(f"points_{metric}").round(2).alias(name),
            pl.col(f"points_low_{metric}").round(2).alias(f"{name} (95 % min)"),
            pl.col(f"points_high_{metric}").round(2).alias(f"{name} (95 % max)"),
            pl.col(f"metric_theme_{metric}")
            .round(1)
            .alias(words["among"].format(metric=metric.upper())),
            pl.col(f"metric_others_{metric}")
            .round(1)
            .alias(words["others"].format(metric=metric.upper())),
        ]
    columns += [
        pl.struct("over_index_dimension", "over_index_segment")
        .map_elements(where, pl.String)
        .alias(words["where"]),
        pl.col("examples").alias(words["examples"]),
    ]
    if wide.get_column("driver_label").is_not_null().any():  # a battery's item goes with one
        columns += [
            pl.col("driver_label").alias(words["driver"]),
            (pl.col("driver_share_theme") * 100).round(1).alias(words["driver_theme"]),
            (pl.col("driver_share_others") * 100).round(1).alias(words["driver_others"]),
        ]
    return wide.sort(
        ["rank", "priority", "complaints", "theme"],
        nulls_last=True,
        descending=[False, True, True, False],
    ).select(columns)
