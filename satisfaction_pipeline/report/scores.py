"""The scores as the report shows them: the headline cards and the segment table, each cell a
`Score` with its interval, change and significance; segments under the privacy threshold
hidden, and the standouts' marks and sentences placed on their rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import polars as pl

from satisfaction_pipeline.scoring.standouts import explain

SEGMENT_DIMENSIONS_FIRST = ("channel", "team", "product", "touchpoint", "source")


@dataclass(frozen=True)
class Score:
    metric: str
    scale: str
    n: int
    score: float | None
    previous: float | None
    small_sample: bool
    satisfied_from: int | None = None  # CSAT: the lowest satisfied answer
    ci_low: float | None = None  # 95 % interval
    ci_high: float | None = None
    significant_prev: bool = False  # the change vs last week is significant
    change_trail: float | None = None  # vs the four weeks before, pooled
    significant_trail: bool = False
    p_prev: float | None = None
    p_trail: float | None = None
    easy: int | None = None  # CES: answers in the easy part of the scale
    hidden: bool = False  # a segment below the privacy threshold: its score is not shown

    @property
    def easy_share(self) -> float | None:
        """CES: the % of answers that are easy (shown beside the mean, never instead of it)."""
        if self.metric != "ces" or self.easy is None or not self.n:
            return None
        return 100 * self.easy / self.n

    @property
    def top(self) -> int:
        return int(self.scale.split("-")[1])

    @property
    def satisfied_range(self) -> str:
        """CSAT's satisfied answers as shown: `4-5`, or `3` for the top box alone."""
        low = self.satisfied_from or self.top
        return str(low) if low == self.top else f"{low}-{self.top}"

    @property
    def delta(self) -> float | None:
        if self.score is None or self.previous is None:
            return None
        return self.score - self.previous


def scores_by_segment(
    frame: pl.DataFrame, week: dt.date, satisfied_from: dict[str, int], hide_below: int = 1
) -> dict[tuple[str, str], list[Score]]:
    """(dimension, segment) → its scores this week, with last week's for the change; a segment's
    score from fewer than `hide_below` answers is hidden (the privacy threshold)."""
    current = frame.filter(pl.col("week") == week)
    previous = {
        (r["dimension"], r["segment"], r["metric"], r["scale"]): r["score"]
        for r in frame.filter(pl.col("week") == week - dt.timedelta(days=7)).iter_rows(named=True)
    }
    order = {"csat": 0, "nps": 1, "ces": 2}
    rows = sorted(current.iter_rows(named=True), key=lambda r: (order[r["metric"]], r["scale"]))
    result: dict[tuple[str, str], list[Score]] = {}
    for r in rows:
        key = (r["dimension"], r["segment"])
        result.setdefault(key, []).append(
            Score(
                metric=r["metric"],
                scale=r["scale"],
                n=r["n"],
                score=r["score"],
                previous=previous.get((*key, r["metric"], r["scale"])),
                small_sample=r["small_sample"],
                satisfied_from=satisfied_from.get(r["scale"]) if r["metric"] == "csat" else None,
                ci_low=r.get("ci_low"),
                ci_high=r.get("ci_high"),
                significant_prev=bool(r.get("significant_prev")),
                change_trail=r.get("change_trail"),
                significant_trail=bool(r.get("significant_trail")),
                p_prev=r.get("p_prev"),
                p_trail=r.get("p_trail"),
                easy=r.get("easy"),
                hidden=key != ("overall", "all") and r["n"] < hide_below,
            )
        )
    return result


def battery_rows(
    items: pl.DataFrame | None, satisfied_from: dict[str, int]
) -> list[dict[str, Any]]:
    """The week's battery items (marts.weekly_item_scores rows), each with its label and its
    Score, to lay out as the segment table's cells are."""
    if items is None or items.is_empty():
        return []
    sources = items.get_column("source").n_unique()
    return [
        {
            "label": r["label"] if sources == 1 else f"{r['label']} ({r['source']})",
            "score": Score(
                metric=r["metric"],
                scale=r["scale"],
                n=r["n"],
                score=r["score"],
                previous=None if r["change_prev"] is None else r["score"] - r["change_prev"],
                small_sample=r["small_sample"],
                satisfied_from=satisfied_from.get(r["scale"]) if r["metric"] == "csat" else None,
                ci_low=r["ci_low"],
                ci_high=r["ci_high"],
                significant_prev=bool(r["significant_prev"]),
                change_trail=r["change_trail"],
                significant_trail=bool(r["significant_trail"]),
                p_prev=r["p_prev"],
                easy=r["easy"],
            ),
        }
        for r in items.iter_rows(named=True)
    ]


# How a standout marks its segment's cells: `up` the question above the overall (or that rose),
# `down` the one below (or that fell). Both print in bold; the note under the row says which.
_STANDOUT_MARKS = {
    "above": ("up", None),
    "below": ("down", None),
    "diverging_levels": ("up", "down"),
    "diverging_changes": ("up", "down"),
}


def segment_rows(
    by_segment: dict[tuple[str, str], list[Score]],
    metric_columns: list[tuple[str, str]],
    standouts: pl.DataFrame | None,
    language: str,
    hidden: tuple[str, ...] = ("agent",),
    changes_against: str = "previous_week",
) -> tuple[list[dict[str, Any]], list[str]]:
    """The segments table's rows, by dimension — the standard ones, then a configuration's
    own, less the `hidden` ones —, each with its cells in `metric_columns` order, the marks its
    standouts put on them and their explanations; and the explanations of standouts whose
    segment the table does not show, in the report's language (`changes_against`: what a
    diverging change is measured against, for languages the warehouse has no explanation in)."""
    notes: dict[tuple[str, str], list[str]] = {}
    marks: dict[tuple[str, str], dict[tuple[str, str], str]] = {}
    for r in () if standouts is None else standouts.iter_rows(named=True):
        key = (r["dimension"], r["segment"])
        if r["dimension"] in hidden:
            continue  # configured out of the report: its segments are named nowhere in it
        if not _may_show(by_segment.get(key, []), r):
            continue  # its sentence gives a score the privacy threshold hides
        # stored in English and French; explained now in any other language
        note = r.get(f"explanation_{language}") or explain(r, language, changes_against)
        notes.setdefault(key, []).append(note)
        first, second = _STANDOUT_MARKS.get(r["kind"], (None, None))
        cell_marks = marks.setdefault(key, {})
        if first:
            cell_marks[(r["metric"], r["scale"])] = first
        if second and r.get("other_metric"):
            cell_marks[(r["other_metric"], r["other_scale"])] = second
    rows = []
    present = {dimension for dimension, _ in by_segment} - {"overall", *hidden}
    extra = sorted(present - set(SEGMENT_DIMENSIONS_FIRST))
    for dimension in [d for d in SEGMENT_DIMENSIONS_FIRST if d in present] + extra:
        for key in sorted(k for k in by_segment if k[0] == dimension):
            cells = {(s.metric, s.scale): s for s in by_segment[key]}
            rows.append(
                {
                    "dimension": dimension,
                    "segment": key[1],
                    "cells": [cells.get(column) for column in metric_columns],
                    "marks": [marks.get(key, {}).get(column) for column in metric_columns],
                    "notes": notes.pop(key, []),
                }
            )
    return rows, [note for left in notes.values() for note in left]


def _may_show(scores: list[Score], standout: dict[str, Any]) -> bool:
    """Whether a standout's sentence may be printed: no question it names has a score this week
    that the privacy threshold hides."""
    hidden = {(s.metric, s.scale) for s in scores if s.hidden}
    named = [(standout["metric"], standout["scale"])]
    if standout.get("other_metric"):
        named.append((standout["other_metric"], standout["other_scale"]))
    return not any(question in hidden for question in named)
