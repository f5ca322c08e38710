"""Why a score moved: its change since last week split per theme, and themes that spiked.

**Decomposition.** A week's score is the mean of one value per response (CSAT: 100 if
satisfied else 0; NPS: +100 promoter, 0 passive, −100 detractor; CES: the oriented answer), so
it is the sum over groups g of share s_g × group mean m_g. Each response falls in one group: its
comment's primary theme (`primary_themes`), "no_theme" for a comment no named theme explains,
"no_comment" for a response without one. The change splits exactly (midpoint shift-share):

    Δ(s·m) = Δs·(m̄ − M̄) + s̄·Δm   summed over g, with m̄, s̄ the two weeks' averages

The first term is the *volume* effect (the group grew or shrank; measured against the average
score M̄ so that a growing group scoring like everyone else moves nothing; Σ Δs = 0 makes that
free); the second the *score* effect (the group scored differently). A group absent one week
takes the other week's mean, so its score effect is 0 and its volume effect all it brought.
The parts add up to the change to rounding error, whatever the data.

**Spikes.** A theme whose share of the week's responses, or whose score among the responses
that mention it, lies beyond ±2 standard deviations of its last 8 weeks is flagged, small or not.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from satisfaction_pipeline.actions.quotes import may_quote, may_quote_as_praise, quoted_examples
from satisfaction_pipeline.scoring.scores import csat_satisfied
from satisfaction_pipeline.warehouse import conform

NO_COMMENT = "no_comment"
NO_THEME = "no_theme"
SPIKE_WEEKS = 8  # the history a week is compared with
SPIKE_MIN_WEEKS = 4  # fewer built weeks with a value: no spike is judged
SPIKE_SD = 2.0
SPIKE_MIN_ANSWERS = 3  # a theme's score is judged from this many scored mentions this week
EXAMPLES = 2

MOVEMENT_SCHEMA: dict[str, pl.DataType] = {
    "week": pl.Date(),
    "metric": pl.String(),
    "scale": pl.String(),
    "theme": pl.String(),  # a theme id, no_theme or no_comment
    "responses_before": pl.Int32(),  # the group's answers last week, and this week
    "responses": pl.Int32(),
    "share_before": pl.Float64(),  # of the metric's answers, 0-1
    "share": pl.Float64(),
    "score_before": pl.Float64(),  # the group's mean value (null: no answer that week)
    "score": pl.Float64(),
    "volume_effect": pl.Float64(),
    "score_effect": pl.Float64(),
    "contribution": pl.Float64(),  # volume + score effects
    "total_change": pl.Float64(),  # the metric's change: Σ contribution
}

SPIKE_SCHEMA: dict[str, pl.DataType] = {
    "week": pl.Date(),
    "theme": pl.String(),
    "measure": pl.String(),  # share (of responses mentioning it), or csat / nps / ces among them
    "scale": pl.String(),  # the score's scale; '' for share
    "value": pl.Float64(),  # this week: share 0-100 %, or the score
    "mean": pl.Float64(),  # over the weeks before (up to SPIKE_WEEKS)
    "sd": pl.Float64(),
    "weeks": pl.Int32(),  # how many weeks before had a value
    "z": pl.Float64(),  # (value - mean) / sd
    "direction": pl.String(),  # up or down
    "mentions": pl.Int32(),  # responses mentioning the theme this week
    "examples": pl.List(pl.String()),  # PII-redacted comments of this week on the theme
    "examples_polarity": pl.String(),  # what they say of it: complaint, or praise (good news)
}


def response_values(scored: pl.DataFrame, satisfied_from: dict[str, int]) -> pl.DataFrame:
    """One row per response × answered metric: week, response_key, metric, scale, value — the
    values whose per-week mean is marts.weekly_scores' overall score."""
    values = scored.select(
        "week",
        "response_key",
        csat=pl.struct(
            scale=pl.col("csat_scale").fill_null("1-5"),
            value=csat_satisfied(satisfied_from).cast(pl.Float64) * 100,
        ),
        nps=pl.struct(
            scale=pl.lit("0-10"),
            value=pl.when(pl.col("nps") >= 9)
            .then(100.0)
            .when(pl.col("nps") >= 7)
            .then(0.0)
            .when(pl.col("nps").is_not_null())
            .then(-100.0),
        ),
        ces=pl.struct(scale=pl.col("ces_scale"), value=pl.col("ces")),
    )
    return (
        values.unpivot(
            ["csat", "nps", "ces"], index=["week", "response_key"], variable_name="metric"
        )
        .unnest("value")
        .filter(pl.col("value").is_not_null())
    )


def primary_themes(scored: pl.DataFrame, mentions: pl.DataFrame) -> pl.DataFrame:
    """response_key → group: the theme a comment is mostly about — its complaint first (what a
    low score is about), else its praise, else a neutral mention; then the theme said most
    often, then the one said first. `mentions`: marts.comment_themes rows of named themes."""
    primary = (
        mentions.with_columns(
            rank=pl.col("polarity").replace_strict(
                {"complaint": 0, "praise": 1, "neutral": 2}, default=3, return_dtype=pl.Int8
            )
        )
        .sort(
            ["response_key", "rank", "mentions", "span_start", "theme"],
            descending=[False, False, True, False, False],
        )
        .unique("response_key", keep="first")
        .select("response_key", "theme")
    )
    return (
        scored.select("response_key", "has_comment")
        .join(primary, on="response_key", how="left")
        .select(
            "response_key",
            group=pl.when(~pl.col("has_comment"))
            .then(pl.lit(NO_COMMENT))
            .otherwise(pl.col("theme").fill_null(NO_THEME)),
        )
    )


def decompose(values: pl.DataFrame, groups: pl.DataFrame, week: dt.date) -> pl.DataFrame:
    """MOVEMENT_SCHEMA rows: each metric's change from the week before `week` to `week`, split
    per group (see the module's docstring). `values`: response_values; `groups`:
    primary_themes. A metric answered in only one of the two weeks has no rows."""
    before = week - dt.timedelta(weeks=1)
    # sums in a fixed order, so that a rebuilt week gives the same bits (float addition is not
    # associative, and joins and group_by do not keep an order of their own)
    pair = values.filter(pl.col("week").is_in([before, week]))
    # the two weeks' groups first: joining a year's groups for each week of a backfill is slow
    groups = groups.join(pair.select("response_key"), on="response_key", how="semi")
    keyed = pair.join(groups, on="response_key", how="left").sort("metric", "scale", "response_key")
    per_group = (
        keyed.with_columns(group=pl.col("group").fill_null(NO_COMMENT), now=pl.col("week") == week)
        .group_by("metric", "scale", "group", "now", maintain_order=True)
        .agg(n=pl.len(), total=pl.col("value").sum())
        .with_columns(share=pl.col("n") / pl.col("n").sum().over("metric", "scale", "now"))
    )
    sides = {
        "before": per_group.filter(~pl.col("now")),
        "now": per_group.filter(pl.col("now")),
    }
    keys = ["metric", "scale", "group"]
    both_weeks = (
        sides["before"]
        .select("metric", "scale")
        .unique()
        .join(sides["now"].select("metric", "scale").unique(), on=["metric", "scale"])
    )
    table = (
        sides["before"]
        .select(*keys, n0="n", t0="total", s0="share")
        .join(
            sides["now"].select(*keys, n1="n", t1="total", s1="share"),
            on=keys,
            how="full",
            coalesce=True,
        )
        .join(both_weeks, on=["metric", "scale"])
        .sort(keys)
        .with_columns(pl.col("n0", "n1").fill_null(0), pl.col("s0", "s1").fill_null(0.0))
        .with_columns(m0=pl.col("t0") / pl.col("n0"), m1=pl.col("t1") / pl.col("n1"))
    )
    by_metric = ["metric", "scale"]
    level0 = (pl.col("s0") * pl.col("m0").fill_null(0.0)).sum().over(by_metric)
    level1 = (pl.col("s1") * pl.col("m1").fill_null(0.0)).sum().over(by_metric)
    m0 = pl.col("m0").fill_null(pl.col("m1"))  # a group absent one week: no score effect
    m1 = pl.col("m1").fill_null(pl.col("m0"))
    table = table.with_columns(
        volume_effect=(pl.col("s1") - pl.col("s0")) * ((m0 + m1) / 2 - (level0 + level1) / 2),
        score_effect=(pl.col("s0") + pl.col("s1")) / 2 * (m1 - m0),
        total_change=level1 - level0,
    )
    return conform(
        table.with_columns(contribution=pl.col("volume_effect") + pl.col("score_effect")).select(
            week=pl.lit(week),
            metric="metric",
            scale="scale",
            theme="group",
            responses_before="n0",
            responses="n1",
            share_before="s0",
            share="s1",
            score_before="m0",
            score="m1",
            volume_effect="volume_effect",
            score_effect="score_effect",
            contribution="contribution",
            total_change="total_change",
        ),
        MOVEMENT_SCHEMA,
    ).sort(
        "metric",
        "scale",
        pl.col("contribution").abs(),
        "theme",
        descending=[False, False, True, False],
    )


def find_spikes(
    values: pl.DataFrame,
    scored: pl.DataFrame,
    mentions: pl.DataFrame,
    week: dt.date,
    built_weeks: list[dt.date],
) -> pl.DataFrame:
    """SPIKE_SCHEMA rows: the themes of `week` whose share of responses, or whose score among
    the responses mentioning them, is beyond ±SPIKE_SD standard deviations of its value in
    the SPIKE_WEEKS weeks before (those of `built_weeks`, whose themes were found; at least
    SPIKE_MIN_WEEKS of them). The standard deviation is at least one response's worth of
    share, or one point of score, so that a theme never seen before that suddenly appears in
    several comments is flagged."""
    return spikes_of_weeks(values, scored, mentions, [week], built_weeks)


def spikes_of_weeks(
    values: pl.DataFrame,
    scored: pl.DataFrame,
    mentions: pl.DataFrame,
    run_weeks: list[dt.date],
    built_weeks: list[dt.date],
) -> pl.DataFrame:
    """`find_spikes` of each of `run_weeks`, the weekly measures computed once for them all: a
    week's share and score of a theme do not depend on which week they are history for."""
    windows = {
        week: [w for w in built_weeks if week - dt.timedelta(weeks=SPIKE_WEEKS) <= w < week]
        for week in run_weeks
    }
    windows = {week: h for week, h in windows.items() if len(h) >= SPIKE_MIN_WEEKS}
    read = sorted({w for week, history in windows.items() for w in [*history, week]})
    measures, mentioned = _measures(values, scored, mentions, read)
    return pl.concat(
        [pl.DataFrame(schema=SPIKE_SCHEMA)]
        + [
            _spikes(measures, mentioned, mentions, scored, week, history)
            for week, history in windows.items()
        ]
    )


def _measures(
    values: pl.DataFrame, scored: pl.DataFrame, mentions: pl.DataFrame, weeks: list[dt.date]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Each theme's share of the responses and its scores among those mentioning it, per week of
    `weeks` (a theme not mentioned in a week: share 0, no score); and who mentioned what."""
    in_weeks = pl.col("week").is_in(weeks)
    values, scored = values.filter(in_weeks), scored.filter(in_weeks)
    mentioned = (
        mentions.filter(in_weeks)
        .join(scored.select("response_key"), on="response_key", how="semi")  # counted ones
        .select("week", "response_key", "theme")
        .unique()
    )
    totals = scored.group_by("week").agg(total=pl.len())
    themes = mentioned.select("theme").unique()
    grid = themes.join(pl.DataFrame({"week": weeks}, schema={"week": pl.Date}), how="cross")
    share = (
        grid.join(
            mentioned.group_by("week", "theme").agg(mentions=pl.len()),
            on=["week", "theme"],
            how="left",
        )
        .join(totals, on="week", how="left")
        .with_columns(pl.col("mentions").fill_null(0))
        .filter(pl.col("total") > 0)
        .select(
            "week",
            "theme",
            "mentions",
            measure=pl.lit("share"),
            scale=pl.lit(""),
            value=100.0 * pl.col("mentions") / pl.col("total"),
            floor=100.0 / pl.col("total"),
            answers=pl.col("mentions"),
        )
    )
    scores = (
        # each group's values summed in the order of their response keys, whatever the threads
        # do: sorting the (fewer) mentions and keeping their order through the join costs a
        # quarter of sorting the joined rows
        mentioned.sort("response_key")
        .join(values, on=["week", "response_key"], maintain_order="left")
        .group_by("week", "theme", "metric", "scale", maintain_order=True)
        .agg(value=pl.col("value").mean(), answers=pl.len())
        .select(
            "week",
            "theme",
            measure="metric",
            scale="scale",
            value="value",
            floor=_score_floor(),
            answers="answers",
            mentions=pl.lit(None, pl.UInt32),
        )
    )
    return pl.concat([share, scores.select(share.columns)], how="vertical_relaxed"), mentioned


def _spikes(
    measures: pl.DataFrame,
    mentioned: pl.DataFrame,
    mentions: pl.DataFrame,
    scored: pl.DataFrame,
    week: dt.date,
    history: list[dt.date],
) -> pl.DataFrame:
    """SPIKE_SCHEMA rows of `week` against the weeks of `history` (see find_spikes)."""
    keys = ["theme", "measure", "scale"]
    past = (
        measures.filter(pl.col("week").is_in(history))
        .sort(*keys, "week")
        .group_by(keys, maintain_order=True)
        .agg(mean=pl.col("value").mean(), sd=pl.col("value").std(), weeks=pl.len())
    )
    now = measures.filter(pl.col("week") == week).drop("week")
    judged = (
        now.join(past, on=keys)
        .filter(
            (pl.col("weeks") >= SPIKE_MIN_WEEKS)
            & ((pl.col("measure") == "share") | (pl.col("answers") >= SPIKE_MIN_ANSWERS))
        )
        .with_columns(sd=pl.max_horizontal(pl.col("sd").fill_null(0.0), pl.col("floor")))
        .with_columns(z=(pl.col("value") - pl.col("mean")) / pl.col("sd"))
        .filter(pl.col("z").abs() > SPIKE_SD)
    )
    counts = mentioned.filter(pl.col("week") == week).group_by("theme").agg(n=pl.len())
    spikes = (
        judged.drop("mentions")
        .join(counts, on="theme", how="left")
        .select(
            week=pl.lit(week),
            theme="theme",
            measure="measure",
            scale="scale",
            value="value",
            mean="mean",
            sd="sd",
            weeks="weeks",
            z="z",
            direction=pl.when(pl.col("z") > 0).then(pl.lit("up")).otherwise(pl.lit("down")),
            mentions=pl.col("n").fill_null(0),
        )
    )
    # quoted: complaints about the theme, or its praise when all its news is good (a score up,
    # a share down) — never praise under a theme read as a problem
    good = pl.when(pl.col("measure") == "share").then(pl.col("direction") == "down")
    news = spikes.group_by("theme").agg(
        examples_polarity=pl.when(good.otherwise(pl.col("direction") == "up").all())
        .then(pl.lit("praise"))
        .otherwise(pl.lit("complaint"))
    )
    said = mentions.filter(pl.col("week") == week).join(
        news, left_on=["theme", "polarity"], right_on=["theme", "examples_polarity"], how="semi"
    )
    examples = _examples(said, scored.filter(pl.col("week") == week))
    spikes = spikes.join(news, on="theme").join(examples, on="theme", how="left")
    return conform(spikes, SPIKE_SCHEMA).sort(
        pl.col("z").abs(), "theme", "measure", descending=[True, False, False]
    )


def _score_floor() -> pl.Expr:
    """The least standard deviation a score's history is given: one point of CSAT or NPS, 5 %
    of a CES scale's range (0.3 on 1-7), so that a theme steady until now can still spike."""
    bounds = pl.col("scale").str.split_exact("-", 1).struct
    span = bounds.field("field_1").cast(pl.Float64) - bounds.field("field_0").cast(pl.Float64)
    return pl.when(pl.col("metric") == "ces").then(0.05 * span).otherwise(1.0)


def _examples(mentions: pl.DataFrame, scored: pl.DataFrame) -> pl.DataFrame:
    """theme → up to EXAMPLES redacted comments of `mentions`, the lowest scorers' first; praise
    only from those who did not score low (may_quote_as_praise)."""
    comments = may_quote(scored).select("response_key", "comment", "customer_ref", "csat", "nps")
    praisable = may_quote_as_praise(scored).get_column("response_key").implode()
    picked = (
        mentions.filter((pl.col("polarity") != "praise") | pl.col("response_key").is_in(praisable))
        .select("response_key", "theme")
        .unique()
        .join(comments, on="response_key")
        .sort(["theme", "csat", "nps", "response_key"], nulls_last=True)
        .unique(["theme", "comment"], keep="first", maintain_order=True)
        .group_by("theme", maintain_order=True)
        .head(EXAMPLES)
    )
    return quoted_examples(picked)
