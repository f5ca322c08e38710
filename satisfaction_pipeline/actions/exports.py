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

from satisfaction_pipeline.actions.stakes import (
    METRICS,
)
from satisfaction_pipeline.config.taxonomy import Taxonomy
from satisfaction_pipeline.formats import DIMENSION_LABELS, OWNER_LABELS

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: pl.Expr) -> pl.Expr:
    return (
        pl.when(text.str.starts_with("=") | text.str.contains(r"^[+\-@\t\r]"))
        .then(pl.lit("'") + text)
        .otherwise(text)
    )


def write_csv(frame: pl.DataFrame, path: Path, language: str = "en") -> Path:
    """Write `frame` to `path` (lists joined with ' | '), every text cell neutralised. French
    spreadsheets take `;` between cells and `,` as the decimal mark."""
    text_columns = [c for c, t in frame.schema.items() if t == pl.String]
    list_columns = [c for c, t in frame.schema.items() if isinstance(t, pl.List)]
    safe = frame.with_columns(
        *(pl.col(c).list.join(" | ").alias(c) for c in list_columns)
    ).with_columns(neutralise(pl.col(c)).alias(c) for c in [*text_columns, *list_columns])
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".csv.partial")
    french = language == "fr"
    text = safe.write_csv(separator=";" if french else ",", decimal_comma=french)
    partial.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    partial.replace(path)
    return path


CSV_HEADINGS = {
    "en": {"rank": "rank", "status": "status", "theme": "theme", "owner": "owner",
           "action": "recommended action", "mentions": "complaints",
           "share": "share of responses", "low_share": "share of low scorers' comments",
           "where": "over-represented in", "examples": "examples", "priority": "priority",
           "trailing": "share over the 4 weeks before %", "rising": "rising 2 weeks",
           "among": "{metric} among complainers", "others": "{metric} among the others",
           "yes": "yes", "no": "no", "confidence": "confidence", "weeks": "weeks pooled"},
    "fr": {"rank": "rang", "status": "statut", "theme": "thème", "owner": "responsable",
           "action": "action recommandée", "mentions": "plaintes",
           "share": "part des réponses", "low_share": "part des commentaires des insatisfaits",
           "where": "surreprésenté dans", "examples": "exemples", "priority": "priorité",
           "trailing": "part sur les 4 semaines précédentes %", "rising": "en hausse 2 semaines",
           "among": "{metric} des plaignants", "others": "{metric} des autres",
           "yes": "oui", "no": "non", "confidence": "certitude", "weeks": "semaines regroupées"},
}  # fmt: skip

CONFIDENCE = {"en": {"clear": "clear", "likely": "likely"},
              "fr": {"clear": "net", "likely": "probable"}}  # fmt: skip

POINTS_HEADING = {"en": "{metric} points at stake", "fr": "points de {metric} en jeu"}

STATUS = {"en": {"ranked": "ranked", "watch": "watch list"},
          "fr": {"ranked": "classé", "watch": "à surveiller"}}  # fmt: skip


def action_list_csv(rows: pl.DataFrame, taxonomy: Taxonomy, language: str) -> pl.DataFrame:
    """`action_list.csv` for one week: a row per theme (ranked first, then the watch list),
    each metric's points at stake with their 95 % interval, rounded for reading."""
    words = CSV_HEADINGS[language]
    known = {t.id: t for t in taxonomy.themes}

    def text(theme: str, field: str) -> str:
        return getattr(getattr(known[theme], field), language) if theme in known else theme

    per_metric = ["points", "points_low", "points_high", "metric_theme", "metric_others"]
    wide = rows.pivot("metric", index="theme", values=per_metric).join(
        rows.filter(pl.col("metric") == "csat").drop("metric", *per_metric), on="theme"
    )
    columns = [
        pl.col("rank").alias(words["rank"]),
        pl.col("status").replace_strict(STATUS[language]).alias(words["status"]),
        pl.col("confidence")
        .replace_strict(CONFIDENCE[language], default=None)
        .alias(words["confidence"]),
        pl.col("window_weeks").alias(words["weeks"]),
        pl.col("theme").map_elements(lambda t: text(t, "label"), pl.String).alias(words["theme"]),
        pl.col("owner")
        .replace_strict(OWNER_LABELS[language], default=pl.col("owner"))
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
        name = POINTS_HEADING[language].format(metric=metric.upper())
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
        pl.concat_str(
            pl.col("over_index_dimension").replace_strict(
                DIMENSION_LABELS[language], default=pl.col("over_index_dimension")
            ),
            pl.lit(" : " if language == "fr" else ": "),
            "over_index_segment",
        ).alias(words["where"]),
        pl.col("examples").alias(words["examples"]),
    ]
    return wide.sort(
        ["rank", "priority", "complaints", "theme"],
        nulls_last=True,
        descending=[False, True, True, False],
    ).select(columns)
