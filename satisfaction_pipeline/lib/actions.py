"""What to fix first: the points each complaint theme costs a week's CSAT, NPS and CES.

For a theme t and a metric M over the week's N scored responses (comments or not), of which n_t
mention t as a complaint:

    points at stake  ΔM = M(responses not mentioning t) − M(all)  =  (n_t / N) · (M_without − M_t)

"the points recovered if these customers scored like everyone else" (the theme-impact measure
of the text-analytics vendors, n_t · (M_t − M_all) / (N − n_t), with the sign flipped). Per
response, CSAT is 100 when satisfied and 0 when not, NPS +100 / 0 / −100 (promoter / passive /
detractor), CES 100 when the answer is "easy" (top of its scale, as in `marts.weekly_scores`):
so M is the week's CSAT %, NPS and CES % easy, and ΔM is in their points.

The 95 % interval comes from a Poisson bootstrap over respondents: each response gets a
Poisson(1) weight per resample, keeping all its theme flags together. Responses enter only
through their (score, theme flags) cell, and a sum of k Poisson(1) weights is Poisson(k), so each
resample draws one Poisson(count) weight per distinct cell — exact, and independent of the
number of responses.
"""

from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy.stats import norm

from satisfaction_pipeline.lib.formats import DIMENSION_LABELS, OWNER_LABELS
from satisfaction_pipeline.lib.redact import quotable
from satisfaction_pipeline.lib.taxonomy import Taxonomy

METRICS = ("csat", "nps", "ces")
RESAMPLES = 2_000
SEED = 20_26


@dataclass(frozen=True)
class Stake:
    """Per theme (arrays of length T): the points at stake in one metric and their interval."""

    responses: int  # N: responses with a score
    mentions: np.ndarray  # n_t
    metric_all: float  # M over all N
    metric_theme: np.ndarray  # M_t (nan without mentions)
    metric_others: np.ndarray  # M_without (nan when every response mentions it)
    points: np.ndarray  # ΔM
    low: np.ndarray  # 2.5 % and 97.5 % bootstrap percentiles of ΔM
    high: np.ndarray


def points_at_stake(
    values: np.ndarray, flags: np.ndarray, resamples: int = RESAMPLES, seed: int = SEED
) -> Stake:
    """ΔM per theme for per-response `values` (R,) and theme `flags` (R × T, bool); responses
    whose value is nan are not scored and are left out."""
    scored = ~np.isnan(values)
    values, flags = values[scored], flags[scored].astype(bool)
    cells, counts = np.unique(np.column_stack([values, flags]), axis=0, return_counts=True)
    cell_values, cell_flags = cells[:, 0], cells[:, 1:]
    estimate = _delta(counts[None, :].astype(float), cell_values, cell_flags)
    rng = np.random.default_rng(seed)
    draws = []
    for start in range(0, resamples, 500):  # bounded memory: 500 resamples × cells at a time
        weights = rng.poisson(counts, size=(min(500, resamples - start), len(counts)))
        draws.append(_delta(weights.astype(float), cell_values, cell_flags)[3])
    boot = np.vstack(draws) if draws else np.full((1, flags.shape[1]), np.nan)
    _, m_all, m_theme, points, m_others = estimate
    with warnings.catch_warnings():  # a theme nobody mentions has no interval: nan, quietly
        warnings.simplefilter("ignore", RuntimeWarning)
        low, high = np.nanpercentile(boot, [2.5, 97.5], axis=0)
    mentions = flags.sum(axis=0)
    return Stake(
        responses=int(values.size),
        mentions=mentions,
        metric_all=float(m_all[0]) if values.size else float("nan"),
        metric_theme=m_theme[0],
        metric_others=m_others[0],
        points=points[0],
        low=low,
        high=high,
    )


def _delta(weights: np.ndarray, values: np.ndarray, flags: np.ndarray):
    """For each row of `weights` (resamples × cells): N, M_all, M_t, ΔM and M_without per theme."""
    with np.errstate(all="ignore"):
        n = weights.sum(axis=1)
        total = weights @ values
        n_theme = weights @ flags
        total_theme = weights @ (flags * values[:, None])
        m_all = total / n
        m_theme = total_theme / n_theme
        m_others = (total[:, None] - total_theme) / (n[:, None] - n_theme)
        points = m_others - m_all[:, None]
    return n, m_all, m_theme, points, m_others


def metric_values(scored: pl.DataFrame) -> pl.DataFrame:
    """Per response (`score_responses` output plus `ces_easy`): csat, nps, ces on 0–100 / ±100
    points, null where the question was not answered."""
    return scored.select(
        "response_key",
        csat=pl.col("csat_satisfied").cast(pl.Float64) * 100,
        nps=pl.col("nps_category").replace_strict(
            {"promoter": 100.0, "passive": 0.0, "detractor": -100.0}, default=None
        ),
        ces=pl.col("ces_easy").cast(pl.Float64) * 100,
    )


@dataclass(frozen=True)
class Ranking:
    """How themes are ranked (config `actions:`)."""

    min_mentions: int = 30  # fewer: on the watch list, never ranked
    # priority = Σ weight × the cautious (low) end of ΔM; a point of NPS (a difference of two
    # shares) weighs half a point of CSAT or CES, and service controls less of it
    weights: tuple[tuple[str, float], ...] = (("csat", 1.0), ("ces", 1.0), ("nps", 0.5))
    resamples: int = RESAMPLES
    seed: int = SEED


def stakes(
    values: pl.DataFrame, groups: pl.DataFrame, ranking: Ranking = Ranking()
) -> pl.DataFrame:
    """Points at stake of each group (a theme, or an owner's themes together) in each metric.

    `values`: response_key and the METRICS columns (metric_values); `groups`: response_key,
    group — a response mentioning several themes of a group counts once for it, so an owner's
    themes are never added up. One row per group × metric: responses, mentions, metric_all,
    metric_theme, metric_others, points, points_low, points_high."""
    names = groups.get_column("group").unique().sort().to_list()
    pairs = groups.join(
        values.select("response_key").with_row_index("row"), on="response_key"
    ).select(
        "row",
        column=pl.col("group").replace_strict(
            {name: j for j, name in enumerate(names)}, return_dtype=pl.Int64
        ),
    )
    flags = np.zeros((values.height, len(names)), dtype=bool)
    flags[pairs.get_column("row").to_numpy(), pairs.get_column("column").to_numpy()] = True
    rows = []
    for metric in METRICS:
        scores = values.get_column(metric).cast(pl.Float64).fill_null(np.nan).to_numpy()
        s = points_at_stake(scores, flags, ranking.resamples, ranking.seed)
        for j, name in enumerate(names):
            rows.append(
                {
                    "group": name,
                    "metric": metric,
                    "responses": s.responses,
                    "mentions": int(s.mentions[j]),
                    "metric_all": s.metric_all,
                    "metric_theme": float(s.metric_theme[j]),
                    "metric_others": float(s.metric_others[j]),
                    "points": float(s.points[j]),
                    "points_low": float(s.low[j]),
                    "points_high": float(s.high[j]),
                }
            )
    schema = {
        "group": pl.String, "metric": pl.String, "responses": pl.Int64, "mentions": pl.Int64,
        "metric_all": pl.Float64, "metric_theme": pl.Float64, "metric_others": pl.Float64,
        "points": pl.Float64, "points_low": pl.Float64, "points_high": pl.Float64,
    }  # fmt: skip
    return pl.DataFrame(rows, schema=schema).with_columns(pl.selectors.float().fill_nan(None))


def rank(stake_rows: pl.DataFrame, ranking: Ranking = Ranking()) -> pl.DataFrame:
    """Each group's priority, and its rank — or the watch list when it has fewer than
    `min_mentions` mentions or no metric whose interval lies above zero."""
    weights = dict(ranking.weights)
    weight = pl.col("metric").replace_strict(weights, default=0.0)
    per_group = (
        stake_rows.with_columns(
            weighted=weight * pl.col("points_low").clip(lower_bound=0).fill_null(0)
        )
        .group_by("group")
        .agg(
            priority=pl.col("weighted").sum(),
            mentions=pl.col("mentions").max(),
            # only a metric that counts in the priority can rank a theme
            above_zero=((pl.col("points_low") > 0) & (weight > 0)).any(),
        )
        .with_columns(
            status=pl.when((pl.col("mentions") >= ranking.min_mentions) & pl.col("above_zero"))
            .then(pl.lit("ranked"))
            .otherwise(pl.lit("watch"))
        )
        .sort(["status", "priority", "mentions", "group"], descending=[False, True, True, False])
        .with_columns(
            rank=pl.when(pl.col("status") == "ranked").then(
                pl.int_range(1, pl.len() + 1).over("status")
            )
        )
    )
    return stake_rows.join(
        per_group.select("group", "priority", "status", pl.col("rank").cast(pl.Int32)),
        on="group",
        maintain_order="left",
    ).sort(["rank", "group", "metric"], nulls_last=True)


# -- the weekly action list ----------------------------------------------------------------

OVER_INDEX_DIMENSIONS = ("channel", "team", "product", "touchpoint", "source")
OVER_INDEX_MIN_MENTIONS = 5
OVER_INDEX_ALPHA = 0.05  # one-sided, Bonferroni-corrected over the segments tested
OVER_INDEX_MIN_RATIO = 1.25
EXAMPLES = 3

STAKE_COLUMNS: dict[str, pl.DataType] = {  # of a theme or an owner, per metric
    "metric_theme": pl.Float64(),
    "metric_others": pl.Float64(),
    "metric_all": pl.Float64(),
    "points": pl.Float64(),
    "points_low": pl.Float64(),
    "points_high": pl.Float64(),
    "priority": pl.Float64(),
    "status": pl.String(),
    "rank": pl.Int32(),
}
ACTION_LIST_SCHEMA: dict[str, pl.DataType] = {
    "week": pl.Date(),
    "theme": pl.String(),
    "owner": pl.String(),
    "metric": pl.String(),
    "responses": pl.Int32(),
    "mentions": pl.Int32(),
    "complaints": pl.Int32(),
    "share_of_responses": pl.Float64(),
    "share_of_low_comments": pl.Float64(),
    **STAKE_COLUMNS,
    "share_trailing": pl.Float64(),
    "trailing_weeks": pl.Int32(),
    "rising": pl.Boolean(),
    "over_index_dimension": pl.String(),
    "over_index_segment": pl.String(),
    "over_index_rate": pl.Float64(),
    "rest_rate": pl.Float64(),
    "examples": pl.List(pl.String()),
}


def answered_any() -> pl.Expr:
    """A response with at least one score (the base of the shares)."""
    return pl.any_horizontal(pl.col("csat", "nps", "ces").is_not_null())


def low_scorer() -> pl.Expr:
    """The responses `score_responses` marks as low scores (detractor, CSAT 1–2, hard effort)."""
    return pl.col("low_score")


def weekly_action_list(
    week: dt.date,
    scored: pl.DataFrame,
    complaints: pl.DataFrame,
    owners: dict[str, str],
    ranking: Ranking = Ranking(),
    trend: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """`marts.action_list` rows of one week: each complaint theme × metric, ranked.

    `scored`: the week's responses (`score_responses`), every one, commented or not;
    `complaints`: response_key, theme, evidence, mentions of the week's complaint mentions;
    `owners`: theme → owner; `trend`: `trends` of the week."""
    values = metric_values(scored)
    complaints = complaints.filter(pl.col("response_key").is_in(scored["response_key"].implode()))
    mentioned = complaints.select("response_key", group="theme").unique()
    if mentioned.is_empty():
        return pl.DataFrame(schema=ACTION_LIST_SCHEMA)
    answered = scored.filter(answered_any()).select("response_key")
    low_comments = scored.filter(low_scorer() & pl.col("has_comment")).select("response_key")

    def share_among(base: pl.DataFrame) -> pl.Expr:
        inside = pl.col("response_key").is_in(base["response_key"].implode()).sum()
        return pl.when(pl.lit(base.height > 0)).then(inside / max(base.height, 1))

    shares = mentioned.group_by("group").agg(
        complaints=pl.len(),
        share_of_responses=share_among(answered),
        share_of_low_comments=share_among(low_comments),
    )
    table = (
        rank(stakes(values, mentioned, ranking), ranking)
        .join(shares, on="group", how="left")
        .join(over_index(scored, mentioned), on="group", how="left")
        .join(examples(complaints, scored), on="group", how="left")
        .rename({"group": "theme"})
        .join(
            trend if trend is not None else pl.DataFrame(schema=TREND_SCHEMA),
            on="theme",
            how="left",
        )
        .with_columns(
            week=pl.lit(week),
            owner=pl.col("theme").replace_strict(owners, default="other"),
        )
    )
    return table.select(pl.col(c).cast(t) for c, t in ACTION_LIST_SCHEMA.items())


def over_index(scored: pl.DataFrame, mentioned: pl.DataFrame) -> pl.DataFrame:
    """Per theme, the segment (channel, team, product, touchpoint, source) where commenters
    complain of it most, among those significantly above the rest of the week's commenters.

    Rates are among commenters, since comment rates differ by segment. The one-sided
    two-proportion z-test is Bonferroni-corrected for the number of segments tested for the
    theme (at least 5 complaints in the segment), and the rate must be at least 1.25 times the
    rest's: on themes scattered at random over a demo week, a plain 5 % test flagged half of
    them somewhere."""
    commenters = scored.filter(pl.col("has_comment"))
    mentioned = mentioned.join(commenters.select("response_key"), on="response_key")
    candidates = []
    for dimension in OVER_INDEX_DIMENSIONS:
        segments = commenters.select("response_key", segment=pl.col(dimension)).drop_nulls()
        sizes = segments.group_by("segment").agg(n=pl.len())
        candidates.append(
            mentioned.join(segments, on="response_key")
            .group_by("group", "segment")
            .agg(k=pl.len())
            .join(sizes, on="segment")
            .with_columns(
                dimension=pl.lit(dimension),
                k_all=pl.col("k").sum().over("group"),
                n_all=pl.lit(sizes["n"].sum(), pl.Int64),
            )
        )
    schema = {"group": pl.String, "segment": pl.String, "k": pl.Int64, "n": pl.Int64,
              "dimension": pl.String, "k_all": pl.Int64, "n_all": pl.Int64}  # fmt: skip
    tested = (
        pl.concat([c.select(pl.col(n).cast(t) for n, t in schema.items()) for c in candidates])
        .filter((pl.col("k") >= OVER_INDEX_MIN_MENTIONS) & (pl.col("n_all") > pl.col("n")))
        .with_columns(
            rate=pl.col("k") / pl.col("n"),
            rest_rate=(pl.col("k_all") - pl.col("k")) / (pl.col("n_all") - pl.col("n")),
            pooled=pl.col("k_all") / pl.col("n_all"),
            tests=pl.len().over("group"),
        )
        .with_columns(
            z=(pl.col("rate") - pl.col("rest_rate"))
            / (
                pl.col("pooled")
                * (1 - pl.col("pooled"))
                * (1 / pl.col("n") + 1 / (pl.col("n_all") - pl.col("n")))
            ).sqrt(),
            ratio=pl.col("rate") / pl.col("rest_rate"),
        )
    )
    critical = norm.isf(OVER_INDEX_ALPHA / np.maximum(tested["tests"].to_numpy(), 1))
    return (
        tested.with_columns(critical=pl.Series(critical, dtype=pl.Float64))
        .filter(
            pl.col("z").is_finite()  # a theme every commenter names has no "rest" to beat
            & (pl.col("z") > pl.col("critical"))
            & (pl.col("ratio") >= OVER_INDEX_MIN_RATIO)
        )
        .sort(["group", "ratio", "dimension", "segment"], descending=[False, True, False, False])
        .unique("group", keep="first", maintain_order=True)
        .select(
            "group",
            over_index_dimension="dimension",
            over_index_segment="segment",
            over_index_rate="rate",
            rest_rate="rest_rate",
        )
    )


def may_quote(scored: pl.DataFrame) -> pl.DataFrame:
    """The responses whose comments may be quoted (privacy.with_quotable; all without it)."""
    return scored.filter("quotable") if "quotable" in scored.columns else scored


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
    quoted = [
        (theme, quotable(comment, ref))
        for theme, comment, ref in picked.select("theme", "comment", "customer_ref").iter_rows()
    ]
    return (
        pl.DataFrame(quoted, schema={"theme": pl.String, "example": pl.String}, orient="row")
        .unique(maintain_order=True)  # two comments may differ only in what is redacted
        .group_by("theme", maintain_order=True)
        .agg(examples="example")
    )


CSV_HEADINGS = {
    "en": {"rank": "rank", "status": "status", "theme": "theme", "owner": "owner",
           "action": "recommended action", "mentions": "complaints",
           "share": "share of responses", "low_share": "share of low scorers' comments",
           "where": "over-represented in", "examples": "examples", "priority": "priority",
           "trailing": "share over the 4 weeks before %", "rising": "rising 2 weeks",
           "among": "{metric} among complainers", "others": "{metric} among the others",
           "yes": "yes", "no": "no"},
    "fr": {"rank": "rang", "status": "statut", "theme": "thème", "owner": "responsable",
           "action": "action recommandée", "mentions": "plaintes",
           "share": "part des réponses", "low_share": "part des commentaires des insatisfaits",
           "where": "surreprésenté dans", "examples": "exemples", "priority": "priorité",
           "trailing": "part sur les 4 semaines précédentes %", "rising": "en hausse 2 semaines",
           "among": "{metric} des plaignants", "others": "{metric} des autres",
           "yes": "oui", "no": "non"},
}  # fmt: skip
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
        pl.col("theme").map_elements(lambda t: text(t, "label"), pl.String).alias(words["theme"]),
        pl.col("owner")
        .replace_strict(OWNER_LABELS[language], default=pl.col("owner"))
        .alias(words["owner"]),
        pl.col("theme").map_elements(lambda t: text(t, "action"), pl.String).alias(words["action"]),
        pl.col("complaints").alias(words["mentions"]),
        (pl.col("share_of_responses") * 100).round(1).alias(words["share"] + " %"),
        (pl.col("share_of_low_comments") * 100).round(1).alias(words["low_share"] + " %"),
        (pl.col("share_trailing") * 100).round(1).alias(words["trailing"]),
        pl.col("rising")
        .replace_strict({True: words["yes"], False: words["no"]}, return_dtype=pl.String)
        .alias(words["rising"]),
        pl.col("priority").round(2).alias(words["priority"]),
    ]
    for metric in METRICS:
        if f"points_{metric}" not in wide.columns:
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


# -- trend, owners, responsibility, praise, follow-up ---------------------------------------

TRAILING_WEEKS = 4
TREND_SCHEMA = {
    "theme": pl.String, "share_trailing": pl.Float64, "trailing_weeks": pl.Int32,
    "rising": pl.Boolean,
}  # fmt: skip


def trends(shares: pl.DataFrame, week: dt.date) -> pl.DataFrame:
    """Per theme: its mention share over the four weeks before `week` (those with responses;
    null without any), and whether it rose two weeks running (`shares`: week, theme, share,
    one row per week with responses × theme, 0 where nobody mentioned it)."""
    before = shares.filter(
        (pl.col("week") < week) & (pl.col("week") >= week - dt.timedelta(weeks=TRAILING_WEEKS))
    )
    trailing = before.group_by("theme").agg(
        share_trailing=pl.col("share").mean(), trailing_weeks=pl.len().cast(pl.Int32)
    )
    recent = {
        k: shares.filter(pl.col("week") == week - dt.timedelta(weeks=k)).select(
            "theme", pl.col("share").alias(f"share_{k}")
        )
        for k in (0, 1, 2)
    }
    rising = (
        recent[0]
        .join(recent[1], on="theme", how="left")
        .join(recent[2], on="theme", how="left")
        .select(
            "theme",
            rising=(pl.col("share_0") > pl.col("share_1"))
            & (pl.col("share_1") > pl.col("share_2")),
        )
    )
    return trailing.join(rising, on="theme", how="full", coalesce=True).cast(TREND_SCHEMA)


def weekly_shares(scored: pl.DataFrame, complaints: pl.DataFrame) -> pl.DataFrame:
    """week, theme, share (complainers / responses with a score), every week × theme."""
    answered = scored.filter(answered_any())
    sizes = answered.group_by("week").agg(responses=pl.len())
    mentions = (
        complaints.join(answered.select("response_key"), on="response_key")
        .group_by("week", "theme")
        .agg(mentions=pl.col("response_key").n_unique())
    )
    themes = complaints.select("theme").unique()
    return (
        sizes.join(themes, how="cross")
        .join(mentions, on=["week", "theme"], how="left")
        .select("week", "theme", share=pl.col("mentions").fill_null(0) / pl.col("responses"))
    )


OWNER_SCHEMA: dict[str, pl.DataType] = {
    "week": pl.Date(),
    "owner": pl.String(),
    "metric": pl.String(),
    "responses": pl.Int32(),
    "mentions": pl.Int32(),
    **STAKE_COLUMNS,
}


def owner_roll_up(
    week: dt.date,
    scored: pl.DataFrame,
    complaints: pl.DataFrame,
    owners: dict[str, str],
    ranking: Ranking = Ranking(),
) -> pl.DataFrame:
    """Points at stake per owner, on "complains about any theme of this owner": a response
    that names two of its themes counts once (themes overlap; never add them up)."""
    by_owner = (
        complaints.filter(pl.col("response_key").is_in(scored["response_key"].implode()))
        .select("response_key", group=pl.col("theme").replace_strict(owners, default="other"))
        .unique()
    )
    if by_owner.is_empty():
        return pl.DataFrame(schema=OWNER_SCHEMA)
    table = rank(stakes(metric_values(scored), by_owner, ranking), ranking)
    return (
        table.rename({"group": "owner"})
        .with_columns(week=pl.lit(week))
        .select(pl.col(c).cast(t) for c, t in OWNER_SCHEMA.items())
    )


RESPONSIBILITY_SCHEMA: dict[str, pl.DataType] = {
    "week": pl.Date(),
    "kind": pl.String(),  # owner: each owner a low scorer's complaints name (they may name
    # several); split: service only, service and others, others only, no theme (adds up)
    "category": pl.String(),
    "low_scorers": pl.Int32(),
    "share": pl.Float64(),
}


def responsibility(
    week: dt.date, scored: pl.DataFrame, complaints: pl.DataFrame, owners: dict[str, str]
) -> pl.DataFrame:
    """Among low scorers who left a comment: whose doing do their complaints point to?
    `complaints` may include emerging themes (no owner yet: `other`)."""
    low = scored.filter(low_scorer() & pl.col("has_comment")).select("response_key")
    if low.is_empty():
        return pl.DataFrame(schema=RESPONSIBILITY_SCHEMA)
    named = (
        complaints.join(low, on="response_key")
        .select("response_key", owner=pl.col("theme").replace_strict(owners, default="other"))
        .unique()
    )
    per_response = low.join(
        named.group_by("response_key").agg(
            service=(pl.col("owner") == "customer_service").any(),
            others=(pl.col("owner") != "customer_service").any(),
        ),
        on="response_key",
        how="left",
    ).select(
        category=pl.when(pl.col("service") & pl.col("others"))
        .then(pl.lit("service_and_others"))
        .when(pl.col("service"))
        .then(pl.lit("service_only"))
        .when(pl.col("others"))
        .then(pl.lit("others_only"))
        .otherwise(pl.lit("no_theme"))
    )
    total = low.height
    split = (
        per_response.group_by("category")
        .agg(low_scorers=pl.len())
        .with_columns(kind=pl.lit("split"))
    )
    by_owner = (
        named.group_by("owner")
        .agg(low_scorers=pl.len())
        .rename({"owner": "category"})
        .with_columns(kind=pl.lit("owner"))
    )
    return (
        pl.concat(
            [
                split.select("kind", "category", "low_scorers"),
                by_owner.select("kind", "category", "low_scorers"),
            ]
        )
        .with_columns(week=pl.lit(week), share=pl.col("low_scorers") / total)
        .sort("kind", "low_scorers", "category", descending=[True, True, False])
        .select(pl.col(c).cast(t) for c, t in RESPONSIBILITY_SCHEMA.items())
    )


PRAISE_SCHEMA: dict[str, pl.DataType] = {
    "week": pl.Date(),
    "dimension": pl.String(),  # team or agent
    "segment": pl.String(),
    "theme": pl.String(),
    "mentions": pl.Int32(),  # responses praising the theme
    "examples": pl.List(pl.String()),  # two PII-redacted quotes
}


def praise(week: dt.date, scored: pl.DataFrame, praised: pl.DataFrame) -> pl.DataFrame:
    """What customers appreciated, per team and per agent: praise mentions per theme with two
    redacted quotes (`praised`: response_key, theme, evidence, mentions)."""
    frames = []
    for dimension in ("team", "agent"):
        rows = praised.join(
            scored.select(
                "response_key", "comment", "customer_ref", segment=pl.col(dimension)
            ).drop_nulls("segment"),
            on="response_key",
        )
        if rows.is_empty():
            continue
        counts = rows.group_by("segment", "theme").agg(mentions=pl.col("response_key").n_unique())
        quotes = (
            rows.join(may_quote(scored).select("response_key"), on="response_key", how="semi")
            .sort(["segment", "theme", pl.col("comment").str.len_chars(), "response_key"])
            .with_columns(
                comment=pl.struct("comment", "customer_ref").map_elements(
                    lambda r: quotable(r["comment"], r["customer_ref"]), pl.String
                )
            )  # quoted before choosing: two comments may differ only in what is redacted
            .unique(["segment", "theme", "comment"], keep="first", maintain_order=True)
            .group_by("segment", "theme", maintain_order=True)
            .head(2)
            .group_by("segment", "theme", maintain_order=True)
            .agg(examples="comment")
        )
        frames.append(  # praise without a quote that may be shown still counts
            counts.join(quotes, on=["segment", "theme"], how="left").with_columns(
                dimension=pl.lit(dimension), week=pl.lit(week)
            )
        )
    if not frames:
        return pl.DataFrame(schema=PRAISE_SCHEMA)
    return pl.concat(
        [f.select(pl.col(c).cast(t) for c, t in PRAISE_SCHEMA.items()) for f in frames]
    ).sort(["dimension", "mentions", "segment", "theme"], descending=[True, True, False, False])


FOLLOW_UP_HEADINGS = {
    "en": ["theme", "response id", "submitted at", "customer reference", "customer e-mail",
           "channel", "team", "agent", "CSAT", "NPS", "CES", "comment"],
    "fr": ["thème", "id réponse", "date", "référence client", "e-mail client", "canal",
           "équipe", "conseiller", "CSAT", "NPS", "CES", "commentaire"],
}  # fmt: skip
NO_THEME = {"en": "(no theme)", "fr": "(aucun thème)"}


def _to_call_back(scored: pl.DataFrame, complaints: pl.DataFrame, order: list[str]):
    """The low scorers who left a comment, each with its top complaint theme (the first of
    `order` it names; null for none) and that theme's position."""
    position = {theme: i for i, theme in enumerate(order)}
    low = scored.filter(low_scorer() & pl.col("has_comment"))
    top = (
        complaints.join(low.select("response_key"), on="response_key")
        .with_columns(
            position=pl.col("theme").replace_strict(
                position, default=len(order), return_dtype=pl.Int32
            )
        )
        .sort("response_key", "position", "theme")
        .unique("response_key", keep="first")
        .select("response_key", "theme", "position")
    )
    return low.join(top, on="response_key", how="left").with_columns(
        pl.col("position").fill_null(len(order) + 1)
    )


CALL_BACKS_SCHEMA = {"week": pl.Date(), "theme": pl.String(), "customers": pl.Int32()}


def call_backs(
    week: dt.date, scored: pl.DataFrame, complaints: pl.DataFrame, order: list[str]
) -> pl.DataFrame:
    """How many customers `follow_up.csv` lists per top theme (`no_theme` for the others):
    the report's count, without their names."""
    rows = _to_call_back(scored, complaints, order)
    return (
        rows.group_by("theme", "position")
        .agg(customers=pl.len())
        .sort("position", "theme")
        .select(pl.lit(week).alias("week"), pl.col("theme").fill_null("no_theme"), "customers")
        .cast(CALL_BACKS_SCHEMA)
    )


def follow_up(
    scored: pl.DataFrame,
    complaints: pl.DataFrame,
    order: list[str],
    labels: dict[str, str],
    language: str,
) -> pl.DataFrame:
    """`follow_up.csv`: the low scorers who left a comment, to call back, grouped by their
    top complaint theme (the first of `order`, the action list's order, that they name), then
    by time. The comment is as written: this file stays inside the company."""
    rows = _to_call_back(scored, complaints, order)
    values = [
        pl.col("theme")
        .replace_strict(labels, default=pl.col("theme"))
        .fill_null(NO_THEME[language]),
        "response_id",
        pl.col("submitted_at").dt.strftime("%Y-%m-%d %H:%M"),
        "customer_ref",
        "customer_email",
        "channel",
        "team",
        "agent",
        "csat",
        "nps",
        "ces",
        "comment",
    ]
    return rows.sort("position", "submitted_at", "response_key").select(
        expr.alias(name) if isinstance(expr, pl.Expr) else pl.col(expr).alias(name)
        for expr, name in zip(values, FOLLOW_UP_HEADINGS[language], strict=True)
    )


@dataclass(frozen=True)
class WeeklyActions:
    """Everything the action step writes for one week."""

    action_list: pl.DataFrame
    action_owners: pl.DataFrame
    responsibility: pl.DataFrame
    praise: pl.DataFrame
    call_backs: pl.DataFrame
    action_list_csv: pl.DataFrame | None  # None: no complaint theme this week
    follow_up_csv: pl.DataFrame


def weekly_actions(
    week: dt.date,
    scored: pl.DataFrame,
    mentions: pl.DataFrame,
    taxonomy: Taxonomy,
    ranking: Ranking,
    language: str,
) -> WeeklyActions:
    """The action list, owner roll-up, responsibility split, praise and the two CSV files of
    `week`, from scored responses and theme mentions (`select_week_mentions`) of that week and
    the four before it (for the trend)."""
    owners = {t.id: t.owner for t in taxonomy.themes}
    named = pl.col("method").is_in(["pattern", "model"])  # emerging groups have no owner yet
    complaints = mentions.filter((pl.col("polarity") == "complaint") & named)
    this_week = scored.filter(pl.col("week") == week)
    this_complaints = complaints.filter(pl.col("week") == week)
    # earlier weeks count in the trend only if their themes were found (the week was built)
    built = pl.col("week").is_in([week, *mentions.get_column("week").unique().to_list()])
    trend = trends(weekly_shares(scored.filter(built), complaints), week)
    table = weekly_action_list(week, this_week, this_complaints, owners, ranking, trend)
    order = (
        table.filter(pl.col("metric") == "csat")
        .sort(
            ["rank", "priority", "complaints", "theme"],
            nulls_last=True,
            descending=[False, True, True, False],
        )
        .get_column("theme")
        .to_list()
    )
    labels = {t.id: getattr(t.label, language) for t in taxonomy.themes}
    every_complaint = mentions.filter(
        (pl.col("week") == week) & (pl.col("polarity") == "complaint")
    )
    praised = mentions.filter((pl.col("week") == week) & (pl.col("polarity") == "praise") & named)
    return WeeklyActions(
        action_list=table,
        action_owners=owner_roll_up(week, this_week, this_complaints, owners, ranking),
        responsibility=responsibility(week, this_week, every_complaint, owners),
        praise=praise(week, this_week, praised),
        call_backs=call_backs(week, this_week, this_complaints, order),
        action_list_csv=None if table.is_empty() else action_list_csv(table, taxonomy, language),
        follow_up_csv=follow_up(this_week, this_complaints, order, labels, language),
    )
