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

import warnings
from dataclasses import dataclass

import numpy as np
import polars as pl

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
    cell_values, cell_flags, counts = _cells(values, flags)
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


def _cells(values: np.ndarray, flags: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct (value, flags) rows, sorted as `np.unique(axis=0)` sorts them (the bootstrap
    draws depend on their order), with their counts. Each row is packed into one integer — the
    value's rank, then the flags as bits, first theme highest — since sorting rows of floats is
    most of the time the action list takes."""
    themes = flags.shape[1]
    distinct, rank = np.unique(values, return_inverse=True)
    if themes + int(distinct.size).bit_length() > 62:  # too many themes to pack: rows, slowly
        cells, counts = np.unique(np.column_stack([values, flags]), axis=0, return_counts=True)
        return cells[:, 0], cells[:, 1:], counts
    bits = np.left_shift(np.int64(1), np.arange(themes - 1, -1, -1, dtype=np.int64))
    keys = (rank.astype(np.int64) << themes) | (flags.astype(np.int64) @ bits)
    packed, counts = np.unique(keys, return_counts=True)
    cell_flags = ((packed[:, None] & bits[None, :]) != 0).astype(np.float64)
    return distinct[packed >> themes], cell_flags, counts


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


def stakes(
    values: pl.DataFrame,
    groups: pl.DataFrame,
    resamples: int = RESAMPLES,
    seed: int = SEED,
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
        s = points_at_stake(scores, flags, resamples, seed)
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


STAKE_COLUMNS: dict[str, pl.DataType] = {  # of a theme or an owner, per metric
    "metric_theme": pl.Float64(),
    "metric_others": pl.Float64(),
    "metric_all": pl.Float64(),
    "points": pl.Float64(),
    "points_low": pl.Float64(),
    "points_high": pl.Float64(),
    "priority": pl.Float64(),
    "priority_estimate": pl.Float64(),
    "status": pl.String(),
    "confidence": pl.String(),
    "rank": pl.Int32(),
    "basis": pl.String(),
    "window_weeks": pl.Int32(),
}


def answered_any() -> pl.Expr:
    """A response with at least one score (the base of the shares)."""
    return pl.any_horizontal(pl.col("csat", "nps", "ces").is_not_null())


def low_scorer() -> pl.Expr:
    """The responses `score_responses` marks as low scores (detractor, CSAT 1–2, hard effort)."""
    return pl.col("low_score")
