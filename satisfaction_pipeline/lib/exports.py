"""CSV files for people to open in a spreadsheet: text cells that a spreadsheet would run as a
formula are neutralised.

A cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return is a formula to Excel,
LibreOffice and Google Sheets (`=HYPERLINK(…)`, `@SUM(…)`, even `-2+3`); customer text can be
anything, so such text cells get a leading apostrophe, which spreadsheets show as text (OWASP's
advice). Numbers stay numbers. UTF-8 with a BOM, so that Excel reads accents right.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

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
