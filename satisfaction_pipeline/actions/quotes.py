"""Which comments may be quoted as examples of a theme, and how: only responses above the privacy
thresholds (`scoring.privacy`), PII-redacted, each wording once."""

from __future__ import annotations

import polars as pl

from satisfaction_pipeline.redact import quotable_all

EXAMPLES = 3


def may_quote(scored: pl.DataFrame) -> pl.DataFrame:
    """The responses whose comments may be quoted (privacy.with_quotable; all without it)."""
    return scored.filter("quotable") if "quotable" in scored.columns else scored


def may_quote_as_praise(scored: pl.DataFrame) -> pl.DataFrame:
    """The responses whose comments may be quoted as praise: may_quote's, less the low
    scorers'. Praise read in the comment of a customer who scored low is more often a misreading
    ("did not know the product and gave me wrong information" read as praise) than praise."""
    quotable = may_quote(scored)
    if "low_score" not in quotable.columns:
        return quotable
    return quotable.filter(~pl.col("low_score").fill_null(False))


def examples(complaints: pl.DataFrame, scored: pl.DataFrame) -> pl.DataFrame:
    """Per theme, up to three PII-redacted comments that say it in different words: the ones
    that say it most often first, then the shortest (quotable)."""
    comments = may_quote(scored).select("response_key", "comment", "customer_ref")
    picked = (
        complaints.join(comments, on="response_key")
        .with_columns(wording=pl.col("evidence").str.to_lowercase().str.strip_chars())
        .sort(
            ["theme", "mentions", pl.col("comment").str.len_chars(), "response_key"],
            descending=[False, True, False, False],
        )
        .unique(["theme", "wording"], keep="first", maintain_order=True)
        .group_by("theme", maintain_order=True)
        .head(EXAMPLES)
    )
    return quoted_examples(picked).rename({"theme": "group"})


def quoted_examples(picked: pl.DataFrame) -> pl.DataFrame:
    """theme → `examples`, the list of the picked comments (theme, comment, customer_ref, in the
    order to show) PII-redacted for quoting, each wording once."""
    themes = picked.get_column("theme").to_list()
    quotes = quotable_all(list(picked.select("comment", "customer_ref").iter_rows()))
    quoted = list(zip(themes, quotes, strict=True))
    return (
        pl.DataFrame(quoted, schema={"theme": pl.String, "example": pl.String}, orient="row")
        .unique(maintain_order=True)  # two comments may differ only in what is redacted
        .group_by("theme", maintain_order=True)
        .agg(examples="example")
    )
