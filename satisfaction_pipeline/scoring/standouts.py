"""Standouts: the segments the report highlights, each with a one-line explanation in English and
French. Three rules (configured by `standouts:`, see config.settings.Standouts and
docs/methodology.md):

- `above` / `below`: the segment's 95 % interval lies wholly above / below the overall score of
  the same question in at least `min_weeks` of the last `window_weeks` weeks (this week included),
  and this week's score is still on that side;
- `diverging_levels`: this week one question is above the overall that way while another is below
  (e.g. a team with high CSAT but poor CES);
- `diverging_changes`: one question rose significantly while another fell significantly (e.g. a
  channel whose NPS moved opposite to its CSAT), against the previous week or the trailing weeks.

A question is a metric on a scale (CES 1-5 and CES 1-7 are two). Small samples never count, the
overall row is never a standout of itself, and `skip_dimensions` (agent, by default) are left out.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from satisfaction_pipeline.config.settings import Standouts
from satisfaction_pipeline.formats import (
    dimension_label,
    format_change,
    format_score,
    metric_name,
)
from satisfaction_pipeline.i18n import N_, translations

STANDOUTS_SCHEMA: dict[str, pl.DataType] = {
    "week": pl.Date(),
    "kind": pl.String(),  # above, below, diverging_levels, diverging_changes
    "dimension": pl.String(),
    "segment": pl.String(),
    "metric": pl.String(),  # the question above / that rose (above, below: the question)
    "scale": pl.String(),
    "n": pl.Int32(),
    "score": pl.Float64(),
    "overall": pl.Float64(),  # the overall score of the same question, this week
    "change": pl.Float64(),  # diverging_changes: the rise
    "other_metric": pl.String(),  # diverging: the question below / that fell
    "other_scale": pl.String(),
    "other_n": pl.Int32(),
    "other_score": pl.Float64(),
    "other_overall": pl.Float64(),
    "other_change": pl.Float64(),
    "weeks_out": pl.Int32(),  # above, below: weeks out of the window the rule held
    "window_weeks": pl.Int32(),
    "explanation_en": pl.String(),
    "explanation_fr": pl.String(),
}
QUESTION = ["metric", "scale"]
SEGMENT = ["week", "dimension", "segment"]


def find_standouts(scores: pl.DataFrame, weeks: list[dt.date], rules: Standouts) -> pl.DataFrame:
    """The standouts of `weeks` (schema STANDOUTS_SCHEMA) from `scores`: weekly_scores rows with
    their changes (scoring.with_changes), covering `weeks` and the `window_weeks - 1` before."""
    sided = _sides(scores.filter(~pl.col("dimension").is_in(rules.skip_dimensions)))
    found = [_consistent(sided, weeks, rules)]
    current = sided.filter(pl.col("week").is_in(weeks))
    if rules.diverging_levels:
        found.append(_diverging_levels(current))
    if rules.diverging_changes != "off":
        base = "prev" if rules.diverging_changes == "previous_week" else "trail"
        found.append(_diverging_changes(current, base))
    columns = {c: t for c, t in STANDOUTS_SCHEMA.items() if not c.startswith("explanation")}
    frame = pl.concat(
        f.select(pl.col(c).cast(t) if c in f.columns else pl.lit(None, t).alias(c)
                 for c, t in columns.items())
        for f in found
    ).with_columns(
        window_weeks=pl.when(pl.col("weeks_out").is_not_null()).then(pl.lit(rules.window_weeks))
    )  # fmt: skip
    rows = frame.to_dicts()
    explained = frame.with_columns(
        pl.Series(
            f"explanation_{language}",
            [explain(r, language, rules.diverging_changes) for r in rows],
            dtype=pl.String,
        )
        for language in ("en", "fr")
    )
    return explained.sort("week", "kind", "dimension", "segment", "metric", "scale")


def _sides(scores: pl.DataFrame) -> pl.DataFrame:
    """Segment rows with the overall score of their question that week and their side of it:
    1 when the interval lies wholly above, -1 wholly below, 0 otherwise or for a small sample."""
    overall = scores.filter(pl.col("dimension") == "overall").select(
        "week", *QUESTION, overall=pl.col("score")
    )
    return (
        scores.filter(pl.col("dimension") != "overall")
        .join(overall, on=["week", *QUESTION], how="inner")
        .with_columns(
            side=pl.when(pl.col("small_sample"))
            .then(0)
            .when(pl.col("ci_low") > pl.col("overall"))
            .then(1)
            .when(pl.col("ci_high") < pl.col("overall"))
            .then(-1)
            .otherwise(0)
        )
    )


def _consistent(sided: pl.DataFrame, weeks: list[dt.date], rules: Standouts) -> pl.DataFrame:
    """Segments on the same side of the overall in at least min_weeks of the window, and still on
    that side this week (if only by the score itself)."""
    keys = ["week", "dimension", "segment", *QUESTION]
    window = pl.concat(
        sided.select(*keys, "side").with_columns(week=pl.col("week") + pl.duration(weeks=k))
        for k in range(rules.window_weeks)
    )
    counts = window.group_by(keys).agg(
        above=(pl.col("side") == 1).sum().cast(pl.Int32),
        below=(pl.col("side") == -1).sum().cast(pl.Int32),
    )
    return (
        sided.filter(pl.col("week").is_in(weeks))
        .join(counts, on=keys)
        .with_columns(
            # more often on that side than the other, and still there this week, if only by
            # its point estimate
            kind=pl.when(
                (pl.col("above") >= rules.min_weeks)
                & (pl.col("above") > pl.col("below"))
                & (pl.col("score") > pl.col("overall"))
            )
            .then(pl.lit("above"))
            .when(
                (pl.col("below") >= rules.min_weeks)
                & (pl.col("below") > pl.col("above"))
                & (pl.col("score") < pl.col("overall"))
            )
            .then(pl.lit("below")),
        )
        .filter(pl.col("kind").is_not_null())
        .with_columns(weeks_out=pl.when(pl.col("kind") == "above").then("above").otherwise("below"))
    )


def _pairs(up: pl.DataFrame, down: pl.DataFrame, kind: str) -> pl.DataFrame:
    """Each question of `up` paired with each question of `down` of the same segment and week."""
    other = down.select(
        *SEGMENT,
        *[pl.col(c).alias(f"other_{c}") for c in ("metric", "scale", "n", "score", "overall")],
        other_change=pl.col("change"),
    )
    return up.join(other, on=SEGMENT).with_columns(kind=pl.lit(kind))


def _diverging_levels(current: pl.DataFrame) -> pl.DataFrame:
    frame = current.with_columns(change=pl.lit(None, pl.Float64))
    return _pairs(
        frame.filter(pl.col("side") == 1), frame.filter(pl.col("side") == -1), "diverging_levels"
    )


def _diverging_changes(current: pl.DataFrame, base: str) -> pl.DataFrame:
    """`significant_<base>` already excludes small samples on either side."""
    frame = current.with_columns(change=pl.col(f"change_{base}"))
    moved = frame.filter(pl.col(f"significant_{base}"))
    return _pairs(
        moved.filter(pl.col("change") > 0), moved.filter(pl.col("change") < 0), "diverging_changes"
    )


# One sentence per kind of standout, in English (the source language): `explain` prints it in the
# report's language from its catalog.
TEMPLATES = {
    "above": N_("{who}: {q} above the overall in {k} of the last {w} weeks ({s} vs {o} this week)"),
    "below": N_("{who}: {q} below the overall in {k} of the last {w} weeks ({s} vs {o} this week)"),
    "diverging_levels": N_(
        "{who}: {q} above the overall ({s} vs {o}) but {q2} below ({s2} vs {o2})"
    ),
    "diverging_changes": N_("{who}: {q} up {c} {since} but {q2} down {c2}"),
}
SINCE = {
    "previous_week": N_("compared with last week"),
    "trailing_weeks": N_("compared with the four weeks before"),
}


def explain(row: dict, language: str, changes_against: str) -> str:
    """One sentence a manager can read, e.g. `Team B: CSAT above the overall (92.0% vs 85.1%) but
    CES 1-7 below (4.10 vs 4.60)`."""
    _ = translations(language).gettext
    metric, other = row["metric"], row["other_metric"]
    values = {
        "who": f"{dimension_label(row['dimension'], language)} {row['segment']}",
        "q": metric_name(metric, row["scale"]),
        "s": format_score(metric, row["score"], language),
        "o": format_score(metric, row["overall"], language),
        "k": row["weeks_out"],
        "w": row["window_weeks"],
        "since": _(SINCE[changes_against]) if changes_against in SINCE else "",
    }
    if other is not None:
        values |= {
            "q2": metric_name(other, row["other_scale"]),
            "s2": format_score(other, row["other_score"], language),
            "o2": format_score(other, row["other_overall"], language),
        }
    if row["change"] is not None and row["other_change"] is not None:
        values |= {
            "c": format_change(metric, row["change"], language),
            "c2": format_change(other, row["other_change"], language),
        }
    return _(TEMPLATES[row["kind"]]).format(**values)
