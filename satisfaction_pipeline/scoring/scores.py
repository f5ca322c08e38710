"""Score responses with Polars: categories per response, CSAT / NPS / CES per week and segment.

Definitions (docs/methodology.md):
- CSAT = % of valid answers at or above the scale's `satisfied_from`: the top two boxes on 5 and
  7 points (4–5, 6–7), the top box on 3 points, unless configured otherwise. Each CSAT scale is
  scored apart: "satisfied" does not mean the same on 5 and 7 points.
- NPS = % promoters (9-10) - % detractors (0-6), from -100 to +100; undefined with no answers.
- CES = mean answer on its own scale, oriented so that higher is better; scales are never mixed.

Each score carries its 95 % interval (`ci_low`, `ci_high`, same unit as the score):
- CSAT: Wilson score interval for a proportion.
- NPS: adjusted Wald (MeasuringU): add 3 to n and 3/4 to promoters and to detractors, then
  NPS' ± z·√((p'+d' − (p'−d')²)/n'), clipped to ±100 and widened, if needed, to include the
  score (with a handful of answers the adjusted centre can sit beside it).
- CES: Student t interval, mean ± t(0.975, n−1)·s/√n; none for n = 1.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from scipy import special  # the distribution functions scipy.stats wraps, without its import

from satisfaction_pipeline.config.settings import CSAT_SATISFIED_FROM, SEGMENT_DIMENSIONS
from satisfaction_pipeline.ingest.scales import nps_category

WEEKLY_SCORES_SCHEMA: dict[str, pl.DataType] = {
    "week": pl.Date(),
    "dimension": pl.String(),
    "segment": pl.String(),
    "metric": pl.String(),
    "scale": pl.String(),
    "n": pl.Int32(),
    "score": pl.Float64(),
    "satisfied": pl.Int32(),
    "promoters": pl.Int32(),
    "passives": pl.Int32(),
    "detractors": pl.Int32(),
    "ci_low": pl.Float64(),
    "ci_high": pl.Float64(),
    "ces_sd": pl.Float64(),  # CES: standard deviation of the oriented answers
    "easy": pl.Int32(),  # CES: answers in the easy part of the scale (see EASY_FROM)
    "small_sample": pl.Boolean(),
}
KEYS = ["dimension", "segment", "metric", "scale"]
NPS_COUNTS = ("promoters", "passives", "detractors")
HISTORY_WEEKS = 4  # weeks before a week that its changes are measured against
ALPHA = 0.05  # a change is significant when its two-sided p-value is below this
Z = special.ndtri(0.975)  # = scipy.stats.norm.ppf(0.975), bit for bit
# CES "easy" share: oriented answers at or above min + 60 % of the range: 4–5 of 5, 5–7 of 7,
# 7–10 of 10.
EASY_FROM = 0.6


def csat_satisfied(satisfied_from: dict[str, int] | None = None) -> pl.Expr:
    """Whether a response's CSAT answer counts as satisfied on its scale (null: no answer).

    `satisfied_from` maps a scale ('1-7') to its lowest satisfied answer; CSAT_SATISFIED_FROM
    fills the scales it does not name. Rows loaded before CSAT scales existed count as 1-5."""
    thresholds = CSAT_SATISFIED_FROM | (satisfied_from or {})
    scale = pl.col("csat_scale").fill_null("1-5")
    return pl.col("csat") >= scale.replace_strict(thresholds, return_dtype=pl.Int8)


def _ces_bounds() -> tuple[pl.Expr, pl.Expr]:
    bounds = pl.col("ces_scale").str.split_exact("-", 1).struct
    return bounds.field("field_0").cast(pl.Float64), bounds.field("field_1").cast(pl.Float64)


def ces_easy() -> pl.Expr:
    """Whether a CES answer is in the easy part of its scale (EASY_FROM; null: no answer)."""
    low, high = _ces_bounds()
    return pl.col("ces") >= low + EASY_FROM * (high - low)


def low_score(satisfied_from: dict[str, int] | None = None) -> pl.Expr:
    """A low scorer: NPS detractor, CSAT in the bottom boxes (the mirror of the satisfied ones:
    1–2 of 5, 1–2 of 7, 1 of 3), or CES at the hard end (the mirror of easy: 1–2 of 5, 1–3 of
    7). Never null: a response without those answers is not a low scorer."""
    thresholds = CSAT_SATISFIED_FROM | (satisfied_from or {})
    scale = pl.col("csat_scale").fill_null("1-5")
    bounds = scale.str.split_exact("-", 1).struct
    top = bounds.field("field_0").cast(pl.Int16) + bounds.field("field_1").cast(pl.Int16)
    satisfied = scale.replace_strict(thresholds, return_dtype=pl.Int16)
    dissatisfied_to = pl.min_horizontal(top - satisfied, satisfied - 1)  # never both
    low, high = _ces_bounds()
    return (
        (pl.col("nps") <= 6)
        | (pl.col("csat") <= dissatisfied_to)
        | (pl.col("ces") <= low + (1 - EASY_FROM) * (high - low))
    ).fill_null(False)


def score_responses(
    raw: pl.DataFrame, satisfied_from: dict[str, int] | None = None
) -> pl.DataFrame:
    """Add each response's score categories: CSAT satisfied, NPS category, CES easy, low
    scorer, has a comment."""
    return raw.with_columns(
        csat_satisfied=csat_satisfied(satisfied_from),
        ces_easy=ces_easy(),
        low_score=low_score(satisfied_from),
        nps_category=pl.col("nps").replace_strict(
            {score: nps_category(score) for score in range(11)}, return_dtype=pl.String
        ),
        has_comment=pl.col("comment").is_not_null() & (pl.col("comment").str.strip_chars() != ""),
    )


def _dimensions(extra_dimensions: list[str]) -> dict[str, pl.Expr]:
    """Each dimension and the expression giving a response's segment in it."""
    dimensions: dict[str, pl.Expr] = {"overall": pl.lit("all")}
    dimensions |= {d: pl.col(d) for d in (*SEGMENT_DIMENSIONS, "source")}
    dimensions |= {
        d: pl.col("extra_segments").str.json_path_match(f"$.{d}") for d in extra_dimensions
    }
    return dimensions


def weekly_scores(
    responses: pl.DataFrame,
    extra_dimensions: list[str],
    min_sample_size: int,
    satisfied_from: dict[str, int] | None = None,
) -> pl.DataFrame:
    """CSAT, NPS and CES per week x dimension x segment (schema WEEKLY_SCORES_SCHEMA); CSAT and
    CES per scale. `satisfied_from` as for `csat_satisfied`.

    Each dimension is aggregated on its own, in one pass that counts all three metrics per
    week × segment × CSAT scale × CES scale, and all the passes run in one parallel Polars
    query (rather than stacking a copy of the responses per dimension). The per-metric rows are
    then summed from those counts, which add up exactly (CES through its sum and sum of
    squares)."""
    answers = responses.lazy().select(
        "week",
        pl.col("csat_scale").fill_null("1-5"),
        csat_satisfied(satisfied_from).alias("_satisfied"),
        "nps",
        "ces",
        "ces_scale",
        ces_easy().alias("_easy"),
        *SEGMENT_DIMENSIONS,
        "source",
        "extra_segments",
    )
    keys = ["week", "dimension", "segment"]

    def count(condition: pl.Expr) -> pl.Expr:
        # signed: summing booleans gives unsigned integers, and promoters - detractors < 0
        return condition.sum().cast(pl.Int64)

    passes = [
        answers.with_columns(dimension=pl.lit(name), segment=expr.cast(pl.String))
        .filter(pl.col("segment").is_not_null())
        .group_by([*keys, "csat_scale", "ces_scale"])
        .agg(
            csat_n=pl.col("_satisfied").count().cast(pl.Int64),
            satisfied=count(pl.col("_satisfied")),
            nps_n=pl.col("nps").count().cast(pl.Int64),
            # categories as in scales.nps_category
            promoters=count(pl.col("nps") >= 9),
            passives=count(pl.col("nps").is_between(7, 8)),
            detractors=count(pl.col("nps") <= 6),
            ces_n=pl.col("ces").count().cast(pl.Int64),
            ces_mean=pl.col("ces").mean(),
            # squared deviations from the group's own mean: merged below without the
            # cancellation of a sum of squares (1,000 answers of 4.1 would give sd 7e-7).
            # Summed over the group's answers in their order: Polars' var() merges its threads'
            # partial results in any order, and its last bit changed from run to run.
            deviations=((pl.col("ces") - pl.col("ces").mean()) ** 2).sum(),
            easy=count(pl.col("_easy")),
        )
        for name, expr in _dimensions(extra_dimensions).items()
    ]
    counts = pl.concat(passes).collect()
    csat = (
        counts.filter(pl.col("csat_n") > 0)
        .group_by([*keys, pl.col("csat_scale").alias("scale")])
        .agg(n=pl.col("csat_n").sum(), satisfied=pl.col("satisfied").sum())
    )
    nps_scores = (
        counts.filter(pl.col("nps_n") > 0)
        .group_by(keys)
        .agg(pl.col("nps_n").sum().alias("n"), pl.col(*NPS_COUNTS).sum())
    )
    ces_keys = [*keys, "ces_scale"]
    ces = (
        counts.filter(pl.col("ces_n") > 0)
        .with_columns(
            score=(pl.col("ces_n") * pl.col("ces_mean")).sum().over(ces_keys)
            / pl.col("ces_n").sum().over(ces_keys)
        )
        .group_by([*keys, pl.col("ces_scale").alias("scale")])
        .agg(
            pl.col("ces_n").sum().alias("n"),
            pl.col("score").first(),
            pl.col("easy").sum(),
            # Chan et al.: each part's deviations, plus its size times its mean's offset squared
            (pl.col("deviations") + pl.col("ces_n") * (pl.col("ces_mean") - pl.col("score")) ** 2)
            .sum()
            .alias("deviations"),
        )
        .with_columns(
            ces_sd=pl.when(pl.col("n") > 1).then((pl.col("deviations") / (pl.col("n") - 1)).sqrt())
        )
    )
    csat = csat.with_columns(
        metric=pl.lit("csat"),
        score=100.0 * pl.col("satisfied") / pl.col("n"),
    ).with_columns(**_wilson())
    nps_scores = nps_scores.with_columns(
        metric=pl.lit("nps"),
        scale=pl.lit("0-10"),
        score=100.0 * (pl.col("promoters") - pl.col("detractors")) / pl.col("n"),
    ).with_columns(**_adjusted_wald())
    ces = _t_interval(ces.with_columns(metric=pl.lit("ces")))
    frames = [
        f.select(
            (pl.col(c) if c in f.columns else pl.lit(None)).cast(t).alias(c)
            for c, t in WEEKLY_SCORES_SCHEMA.items()
            if c != "small_sample"
        )
        for f in (csat, nps_scores, ces)
    ]
    return (
        pl.concat(frames)
        .with_columns(small_sample=pl.col("n") < min_sample_size)
        .sort(["week", "dimension", "segment", "metric", "scale"])
    )


def _wilson() -> dict[str, pl.Expr]:
    """Wilson score interval of the satisfied share, in %."""
    low, high = wilson_interval(pl.col("satisfied"), pl.col("n"))
    return {"ci_low": 100 * low, "ci_high": 100 * high}


def wilson_interval(successes: pl.Expr, n: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """The 95 % Wilson score interval of the share `successes` / `n` (0–1)."""
    p = successes / n
    centre = (p + Z**2 / (2 * n)) / (1 + Z**2 / n)
    half = Z / (1 + Z**2 / n) * (p * (1 - p) / n + Z**2 / (4 * n**2)).sqrt()
    return centre - half, centre + half


def _adjusted_wald() -> dict[str, pl.Expr]:
    """MeasuringU's adjusted-Wald NPS interval, in NPS points (see the module docstring)."""
    n = pl.col("n") + 3
    promoters = (pl.col("promoters") + 0.75) / n
    detractors = (pl.col("detractors") + 0.75) / n
    centre = promoters - detractors
    half = Z * ((promoters + detractors - centre**2) / n).sqrt()
    score = pl.col("score")
    low = pl.min_horizontal(100 * (centre - half), score).clip(-100, 100)
    high = pl.max_horizontal(100 * (centre + half), score).clip(-100, 100)
    return {"ci_low": low, "ci_high": high}


def _t_interval(ces: pl.DataFrame) -> pl.DataFrame:
    """Student t interval of the CES mean, clipped to the scale; none below two answers."""
    n = ces.get_column("n").to_numpy()
    t = pl.Series("_t", special.stdtrit((n - 1).clip(min=1), 0.975))
    half = pl.when(pl.col("n") > 1).then(pl.col("_t") * pl.col("ces_sd") / pl.col("n").sqrt())
    bounds = pl.col("scale").str.split_exact("-", 1).struct
    low, high = bounds.field("field_0").cast(pl.Float64), bounds.field("field_1").cast(pl.Float64)
    return (
        ces.with_columns(t)
        .with_columns(
            ci_low=(pl.col("score") - half).clip(lower_bound=low),
            ci_high=(pl.col("score") + half).clip(upper_bound=high),
        )
        .drop("_t")
    )


def with_changes(scores: pl.DataFrame, min_sample_size: int) -> pl.DataFrame:
    """Add, to each row of `scores` (several consecutive weeks, WEEKLY_SCORES_SCHEMA), its change
    vs the previous week and vs the four weeks before, with the two-sided p-value of the change:
    two-proportion z-test for CSAT, the NPS difference's standard error for NPS, Welch's t-test
    for CES. A change is `significant` when p < ALPHA and neither side is a small sample; the
    comparison is null where the earlier period has no answers."""
    stats_ = _sufficient(scores)
    previous = _shifted(stats_, 1)
    trailing = (
        pl.concat([_shifted(stats_, k) for k in range(1, HISTORY_WEEKS + 1)])
        .group_by(["week", *KEYS])
        .agg(pl.col("n", "satisfied", "promoters", "detractors", "total", "squares").sum())
    )
    result = scores
    for base, earlier in (("prev", previous), ("trail", trailing)):
        joined = stats_.join(earlier, on=["week", *KEYS], how="left", suffix="_0")
        result = result.join(
            _compare(joined, min_sample_size, base), on=["week", *KEYS], how="left"
        )
    return result


def _sufficient(scores: pl.DataFrame) -> pl.DataFrame:
    """What pools exactly across weeks: counts, and for CES the sum and sum of squares."""
    mean, sd, n = pl.col("score"), pl.col("ces_sd").fill_null(0.0), pl.col("n")
    return scores.select(
        "week",
        *KEYS,
        "n",
        "score",
        pl.col("satisfied", "promoters", "detractors").fill_null(0),
        total=pl.when(pl.col("metric") == "ces").then(mean * n),
        squares=pl.when(pl.col("metric") == "ces").then((n - 1) * sd**2 + n * mean**2),
    )


def _shifted(stats_: pl.DataFrame, weeks: int) -> pl.DataFrame:
    """The same statistics, keyed by the week `weeks` later (so they join as its history)."""
    return stats_.with_columns(week=pl.col("week") + pl.duration(weeks=weeks))


def _compare(joined: pl.DataFrame, min_sample_size: int, base: str) -> pl.DataFrame:
    """Score of the earlier period, change, p-value and significance, per row."""
    n0, n1 = pl.col("n_0").cast(pl.Float64), pl.col("n").cast(pl.Float64)
    metric = pl.col("metric")
    # CSAT: shares; NPS: per-answer mean and variance on the −1…1 scale
    p0, p1 = pl.col("satisfied_0") / n0, pl.col("satisfied") / n1
    pooled = (pl.col("satisfied") + pl.col("satisfied_0")) / (n0 + n1)
    nps0 = (pl.col("promoters_0") - pl.col("detractors_0")) / n0
    nps1 = (pl.col("promoters") - pl.col("detractors")) / n1
    var0 = (pl.col("promoters_0") + pl.col("detractors_0")) / n0 - nps0**2
    var1 = (pl.col("promoters") + pl.col("detractors")) / n1 - nps1**2
    ces0, ces1 = pl.col("total_0") / n0, pl.col("total") / n1
    ces_var0 = (pl.col("squares_0") - n0 * ces0**2) / (n0 - 1)
    ces_var1 = (pl.col("squares") - n1 * ces1**2) / (n1 - 1)
    frame = joined.with_columns(
        _score0=pl.when(metric == "csat")
        .then(100 * p0)
        .when(metric == "nps")
        .then(100 * nps0)
        .otherwise(ces0),
        _z=pl.when(metric == "csat")
        .then((p1 - p0) / (pooled * (1 - pooled) * (1 / n0 + 1 / n1)).sqrt())
        .when(metric == "nps")
        .then((nps1 - nps0) / (var0 / n0 + var1 / n1).sqrt()),
        _welch_se2a=ces_var1 / n1,
        _welch_se2b=ces_var0 / n0,
        _ces=(ces1 - ces0),
    )

    # Welch: t and its Satterthwaite degrees of freedom, p from the t distribution (stdtr is what
    # scipy.stats.t.sf computes, NaN for df <= 0 as there)
    def column(name: str) -> np.ndarray:  # nulls as NaN, which numpy and scipy carry through
        return frame.get_column(name).cast(pl.Float64).to_numpy()

    a, b = column("_welch_se2a"), column("_welch_se2b")
    with np.errstate(divide="ignore", invalid="ignore"):
        t = column("_ces") / np.sqrt(a + b)
        df = (a + b) ** 2 / (a**2 / (column("n") - 1) + b**2 / (column("n_0") - 1))
        p_welch = 2 * special.stdtr(df, -np.abs(t))
        p_z = 2 * special.ndtr(-np.abs(column("_z")))
    is_ces = (frame.get_column("metric") == "ces").to_numpy()
    p_values = pl.Series("_p", np.where(is_ces, p_welch, p_z), dtype=pl.Float64).fill_nan(None)
    small = (pl.col("n") < min_sample_size) | (pl.col("n_0") < min_sample_size)
    return frame.with_columns(p_values).select(
        "week",
        *KEYS,
        pl.col("n_0").cast(pl.Int32).alias(f"n_{base}"),
        pl.col("_score0").alias(f"score_{base}"),
        (pl.col("score") - pl.col("_score0")).alias(f"change_{base}"),
        pl.col("_p").alias(f"p_{base}"),
        ((pl.col("_p") < ALPHA) & ~small).fill_null(False).alias(f"significant_{base}"),
    )
