"""Render the weekly report: a context from the warehouse's frames, then HTML with Jinja2 (the
PDF is made from that HTML by `lib.pdf`).

Comments are untrusted: Jinja2 escapes them (autoescape is on for every template but `.txt`) and
they are PII-redacted before they reach a template.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from satisfaction_pipeline.lib import warehouse as wh
from satisfaction_pipeline.lib.charts import Chart, nps_mix, trend
from satisfaction_pipeline.lib.config import CSAT_SATISFIED_FROM, Settings
from satisfaction_pipeline.lib.formats import (
    DIMENSION_LABELS,
    OWNER_LABELS,
    format_change,
    format_date,
    format_number,
    format_percent,
    format_score,
    french_typography,
    metric_name,
)
from satisfaction_pipeline.lib.movement import NO_COMMENT, NO_THEME, SPIKE_WEEKS
from satisfaction_pipeline.lib.redact import quotable, redact
from satisfaction_pipeline.lib.taxonomy import Taxonomy

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "report_templates"

SEGMENT_DIMENSIONS_SHOWN = ("channel", "team", "product", "touchpoint", "source")

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "title": "Customer satisfaction — weekly report",
        "week_of": "Week of",
        "to": "to",
        "csat": "CSAT",
        "nps": "NPS",
        "ces": "CES",
        "csat_hint": "% satisfied ({satisfied} of {top})",
        "nps_hint": "% promoters − % detractors",
        "ces_hint": "mean ease, scale {scale}, higher is better",
        "easy": "easy answers",
        "answers": "answers",
        "vs_last_week": "vs last week",
        "no_data": "no answers",
        "small_sample": "small sample",
        "segments": "Scores by segment",
        "themes": "What customers talk about",
        "theme": "Theme",
        "owner": "Owner",
        "complaints": "complaints",
        "praise": "praise",
        "emerging": "Emerging: complaints no theme names yet",
        "emerging_hint": "{n} this week, {mean} a week before",
        "owners": OWNER_LABELS["en"],
        "segment": "Segment",
        "verbatims": "What customers said",
        "data_quality": "Data quality",
        "since_start": "Since the first export:",
        "files_read": "files read",
        "rows_loaded": "responses loaded",
        "rows_rejected": "rows rejected",
        "rows_duplicate": "duplicates",
        "unreadable": "Could not be read (see ops.files):",
        "responses_week": "responses this week",
        "comments_week": "with a comment",
        **DIMENSION_LABELS["en"],
        "greyed": "Greyed: fewer than {n} answers, not reliable enough to compare.",
        "hidden": "–: fewer than {n} answers, not shown so that no one can be singled out.",
        "page": "page",
        "actions": "What to fix first",
        "actions_hint": "Points at stake: what the week's score would gain if the customers "
        "complaining of the theme scored like everyone else (95% interval in brackets). "
        "Ranked on CSAT and CES, then NPS at half weight.",
        "rank": "#",
        "points": "{metric} points",
        "rising": "rising for 2 weeks",
        "recommended": "Recommended action:",
        "no_ranked": "No complaint theme costs points clearly this week.",
        "responsibility_text": "Of the {n} low scorers who commented, {service_only} point to "
        "customer service alone, {both} to service and another team, {others_only} to other "
        "teams only (product, billing, logistics…), and {none} name no theme.",
        "appreciated": "What customers appreciated",
        "trends": "The last weeks",
        "summary": "In short",
        "summary_mover": "{metric} {direction} by {size} since last week: a significant change.",
        "up": "rose",
        "down": "fell",
        "summary_steady": "No headline score changed significantly since last week.",
        "summary_action": "First to fix: {theme} ({owner}), {points} {metric} points at stake.",
        "summary_responsibility": "{share} of the low scorers who commented point to customer "
        "service alone, {others} to other teams only.",
        "vs_trend": "vs the 4 weeks before",
        "interval": "95% interval:",
        "call_backs": "Customers to call back",
        "call_backs_text": "{n} low scorers left a comment: follow_up.csv, beside this report, "
        "lists them by their main complaint, with how to reach them.",
        "no_theme": "no theme",
        "no_comment": "responses without a comment",
        "response_rate": "Response rate: {rate} ({responses} responses to {invitations} "
        "invitations).",
        "unanswered": "Not answered (N/A, dismissed or skipped), so left out of the score: "
        "{rates}.",
        "superseded": "Set aside because their customer answered the same survey again that "
        "week, the {which} answer counting: {n}.",
        "which_last_in_week": "last",
        "which_first_in_week": "first",
        "rows_excluded": "excluded",
        "excluded_survey_preview": "survey previews",
        "excluded_survey_test": "survey tests",
        "excluded_spam": "spam",
        "excluded_unfinished": "unfinished",
        "excluded_unanswered": "invitations not answered",
        "findings": "Rows where the export contradicts itself (its NPS group against the NPS "
        "answer; the answer counts): {n}, see ops.findings.",
        "votes_last_in_week": "A customer who answered the same survey several times in a "
        "week counts once, by their last answer, as most survey tools count; customers are "
        "known by their customer reference, else their e-mail address.",
        "votes_first_in_week": "A customer who answered the same survey several times in a "
        "week counts once, by their first answer; customers are known by their customer "
        "reference, else their e-mail address.",
        "votes_all": "Every response counts, even several from one customer in a week.",
        "why": "Why the scores moved",
        "why_hint": "Each score's change since last week, split by what the responses' comments "
        "are mainly about: a larger or smaller share of such responses (volume), and their "
        "scoring higher or lower (score). The parts add up to the change.",
        "why_other": "other themes",
        "why_total": "change since last week",
        "volume_effect": "volume",
        "score_effect": "score",
        "contribution": "effect",
        "responses_then_now": "responses (last week → this)",
        "score_then_now": "their score",
        "summary_why": "What moved {metric} ({change}): {first}{second}.",
        "summary_why_second": " and {contributor}",
        "share_up": "a larger share",
        "share_down": "a smaller share",
        "scored_up": "scoring higher",
        "scored_down": "scoring lower",
        "spikes": "Unusual this week",
        "spikes_hint": "Themes beyond two standard deviations of their last {weeks} weeks, "
        "however small.",
        "spike_share": "{value} of responses mention it (usually {mean} ± {sd})",
        "spike_score": "{metric} among them {value} (usually {mean} ± {sd})",
        "top_rejections": "Most frequent reasons for rejected rows:",
        "comment_rate": "comment rate",
        "methodology": "Methodology",
        "significant": "significant change",
        "priorities": "First to fix",
        "segments_hint": "Under each score: its 95% interval and the change since last week, "
        "with ▲ or ▼ when the change is significant. Marked ● and explained below their row: "
        "the segments that stand out.",
        "share": "share",
        "share_hint": "Share: responses complaining of the theme this week (in brackets, over "
        "the 4 weeks before).",
        "most_in": "Most over-represented: {dimension} {segment}, {rate} of its commenters vs "
        "{rest} elsewhere.",
        "who": "Who is responsible",
        "watch_title": "To watch",
        "watch_hint": "Too few complaints to rank, or no clear cost yet.",
        "no_emerging": "No new kind of complaint this week.",
        "other_standouts": "Other segments that stand out:",
        "examples": "In their words:",
        "for_example": "e.g.",
        "range_to": "to",
        "row": "row",
        "rows": "rows",
    },
    "fr": {
        "title": "Satisfaction client — rapport hebdomadaire",
        "week_of": "Semaine du",
        "to": "au",
        "csat": "CSAT",
        "nps": "NPS",
        "ces": "CES",
        "csat_hint": "% de satisfaits ({satisfied} sur {top})",
        "nps_hint": "% promoteurs − % détracteurs",
        "ces_hint": "facilité moyenne, échelle {scale}, plus haut = mieux",
        "easy": "de réponses faciles",
        "answers": "réponses",
        "vs_last_week": "vs semaine précédente",
        "no_data": "aucune réponse",
        "small_sample": "petit échantillon",
        "segments": "Scores par segment",
        "themes": "De quoi parlent les clients",
        "theme": "Thème",
        "owner": "Responsable",
        "complaints": "plaintes",
        "praise": "éloges",
        "emerging": "Émergents : plaintes qu'aucun thème ne nomme encore",
        "emerging_hint": "{n} cette semaine, {mean} par semaine avant",
        "owners": OWNER_LABELS["fr"],
        "segment": "Segment",
        "verbatims": "Ce que disent les clients",
        "data_quality": "Qualité des données",
        "since_start": "Depuis le premier export\u202f:",
        "files_read": "fichiers lus",
        "rows_loaded": "réponses chargées",
        "rows_rejected": "lignes rejetées",
        "rows_duplicate": "doublons",
        "unreadable": "Illisibles (voir ops.files) :",
        "responses_week": "réponses cette semaine",
        "comments_week": "avec commentaire",
        **DIMENSION_LABELS["fr"],
        "greyed": "En gris : moins de {n} réponses, trop peu pour comparer.",
        "hidden": "– : moins de {n} réponses, non affiché pour que personne ne soit "
        "reconnaissable.",
        "page": "page",
        "actions": "À traiter en priorité",
        "actions_hint": "Points en jeu : ce que le score de la semaine gagnerait si les clients "
        "qui se plaignent du thème notaient comme les autres (intervalle à 95\u202f% entre "
        "parenthèses). Classement sur le CSAT et le CES, puis le NPS à demi-poids.",
        "rank": "n°",
        "points": "points de {metric}",
        "rising": "en hausse depuis 2 semaines",
        "recommended": "Action recommandée\u202f:",
        "no_ranked": "Aucun thème de plainte ne coûte clairement de points cette semaine.",
        "responsibility_text": "Sur les {n} clients insatisfaits qui ont commenté, {service_only} "
        "mettent en cause le seul service client, {both} le service et une autre équipe, "
        "{others_only} d'autres équipes seulement (produit, facturation, logistique…) et "
        "{none} aucun thème.",
        "appreciated": "Ce que les clients ont apprécié",
        "trends": "Les dernières semaines",
        "summary": "En bref",
        "summary_mover": "Le {metric} a {direction} de {size} depuis la semaine dernière\u202f: "
        "un changement significatif.",
        "up": "progressé",
        "down": "reculé",
        "summary_steady": "Aucun score principal n'a changé significativement depuis la semaine "
        "dernière.",
        "summary_action": "À traiter d'abord\u202f: {theme} ({owner}), {points} points de {metric} "
        "en jeu.",
        "summary_responsibility": "{share} des clients insatisfaits qui ont commenté mettent en "
        "cause le seul service client, {others} seulement d'autres équipes.",
        "vs_trend": "vs les 4 semaines précédentes",
        "interval": "intervalle à 95\u202f%\u202f:",
        "call_backs": "Clients à rappeler",
        "call_backs_text": "{n} clients insatisfaits ont laissé un commentaire\u202f: "
        "follow_up.csv, à côté de ce rapport, les liste par motif principal, avec de quoi les "
        "joindre.",
        "no_theme": "aucun thème",
        "no_comment": "réponses sans commentaire",
        "response_rate": "Taux de réponse : {rate} ({responses} réponses pour {invitations} "
        "invitations).",
        "unanswered": "Sans réponse (NSP, ignorée ou sautée), donc hors du score : {rates}.",
        "superseded": "Écartées parce que leur client a répondu de nouveau à la même enquête "
        "dans la semaine, sa {which} réponse comptant : {n}.",
        "which_last_in_week": "dernière",
        "which_first_in_week": "première",
        "rows_excluded": "exclues",
        "excluded_survey_preview": "aperçus d'enquête",
        "excluded_survey_test": "tests d'enquête",
        "excluded_spam": "spam",
        "excluded_unfinished": "inachevées",
        "excluded_unanswered": "invitations sans réponse",
        "findings": "Lignes où l'export se contredit (son groupe NPS contre la réponse NPS ; "
        "la réponse compte) : {n}, voir ops.findings.",
        "votes_last_in_week": "Un client qui a répondu plusieurs fois à la même enquête dans "
        "la semaine compte une fois, par sa dernière réponse, comme le font la plupart des "
        "outils d'enquête ; le client est reconnu à sa référence client, à défaut à son "
        "adresse e-mail.",
        "votes_first_in_week": "Un client qui a répondu plusieurs fois à la même enquête dans "
        "la semaine compte une fois, par sa première réponse ; le client est reconnu à sa "
        "référence client, à défaut à son adresse e-mail.",
        "votes_all": "Chaque réponse compte, même plusieurs d'un client dans la semaine.",
        "why": "Pourquoi les scores ont bougé",
        "why_hint": "La variation de chaque score depuis la semaine dernière, répartie selon le "
        "sujet principal du commentaire des réponses : une part plus ou moins grande de ces "
        "réponses (volume), et des notes plus hautes ou plus basses (note). Les parts font la "
        "variation.",
        "why_other": "autres thèmes",
        "why_total": "variation depuis la semaine dernière",
        "volume_effect": "volume",
        "score_effect": "note",
        "contribution": "effet",
        "responses_then_now": "réponses (semaine dernière → cette semaine)",
        "score_then_now": "leur score",
        "summary_why": "Ce qui a fait bouger le {metric} ({change}) : {first}{second}.",
        "summary_why_second": " et {contributor}",
        "share_up": "part en hausse",
        "share_down": "part en baisse",
        "scored_up": "notes en hausse",
        "scored_down": "notes en baisse",
        "spikes": "Inhabituel cette semaine",
        "spikes_hint": "Les thèmes au-delà de deux écarts-types de leurs {weeks} dernières "
        "semaines, même petits.",
        "spike_share": "{value} des réponses en parlent (d'habitude {mean} ± {sd})",
        "spike_score": "{metric} parmi elles {value} (d'habitude {mean} ± {sd})",
        "top_rejections": "Motifs de rejet les plus fréquents\u202f:",
        "comment_rate": "taux de commentaire",
        "methodology": "Méthodologie",
        "significant": "changement significatif",
        "priorities": "À traiter d'abord",
        "segments_hint": "Sous chaque score : son intervalle à 95\u202f% et l'évolution depuis la "
        "semaine précédente, avec ▲ ou ▼ quand elle est significative. Marqués ● et expliqués "
        "sous leur ligne : les segments qui ressortent.",
        "share": "part",
        "share_hint": "Part : réponses qui se plaignent du thème cette semaine (entre parenthèses, "
        "sur les 4 semaines précédentes).",
        "most_in": "Le plus surreprésenté : {dimension} {segment}, {rate} de ses commentateurs "
        "contre {rest} ailleurs.",
        "who": "Qui est en cause",
        "watch_title": "À surveiller",
        "watch_hint": "Trop peu de plaintes pour classer, ou coût pas encore net.",
        "no_emerging": "Aucun nouveau type de plainte cette semaine.",
        "other_standouts": "Autres segments qui ressortent :",
        "examples": "Dans leurs mots :",
        "for_example": "p. ex.",
        "range_to": "à",
        "row": "ligne",
        "rows": "lignes",
    },
}
# Every French sentence of ours with its typography (verbatims are never touched).
TEXT["fr"] = {k: french_typography(v) if isinstance(v, str) else v for k, v in TEXT["fr"].items()}


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


def _scores(
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
                easy=r.get("easy"),
                hidden=key != ("overall", "all") and r["n"] < hide_below,
            )
        )
    return result


def build_context(
    week: dt.date,
    scores: pl.DataFrame,
    comments: pl.DataFrame,
    file_counts: dict[str, Any],
    week_counts: dict[str, int],
    *,
    language: str,
    title: str | None,
    verbatims: int,
    min_sample_size: int,
    satisfied_from: dict[str, int] | None = None,
    standouts: pl.DataFrame | None = None,
    themes: pl.DataFrame | None = None,
    emerging: pl.DataFrame | None = None,
    taxonomy: Taxonomy | None = None,
    actions: pl.DataFrame | None = None,
    responsibility: pl.DataFrame | None = None,
    praise: pl.DataFrame | None = None,
    trends: pl.DataFrame | None = None,
    call_backs: pl.DataFrame | None = None,
    rejections: pl.DataFrame | None = None,
    movement: pl.DataFrame | None = None,
    spikes: pl.DataFrame | None = None,
    response_counts: pl.DataFrame | None = None,
    invitations: dict[str, int | str] | None = None,
    votes: str = "last_in_week",
    min_score_responses: int = 1,
    min_comment_responses: int = 1,
) -> dict[str, Any]:
    """Everything the templates show, already computed; templates only lay it out.
    `satisfied_from`: the CSAT rule per scale (Settings.csat_satisfied_from); `standouts`: the
    week's rows of marts.standouts, in the order shown; `themes` and `emerging`: the week's
    theme counts and emerging groups (sql/report), labelled from `taxonomy`; `actions`,
    `responsibility`, `praise`: the week's rows of the marts tables of those names; `trends`:
    the overall scores of the last 12 weeks (sql/report/trends.sql), drawn as charts;
    `call_backs`: customers to call back per theme; `rejections`: the top reasons rows were
    rejected; `movement` and `spikes`: the week's rows of marts.score_movement and
    marts.theme_spikes; `response_counts`: the week's responses and unanswered invitations
    per source (sql/report/response_counts.sql), `invitations` the sources' setting;
    `votes`: the votes_per_customer rule; `min_score_responses` and `min_comment_responses`:
    the privacy thresholds (the quotes in the frames given already respect the second)."""
    by_segment = _scores(
        scores, week, CSAT_SATISFIED_FROM | (satisfied_from or {}), min_score_responses
    )
    metric_columns = sorted(
        {(s.metric, s.scale) for values in by_segment.values() for s in values},
        key=lambda ms: ({"csat": 0, "nps": 1, "ces": 2}[ms[0]], ms[1]),
    )
    segments, other_standouts = _segment_rows(by_segment, metric_columns, standouts, language)
    quoted = comments.head(verbatims).with_columns(
        comment=pl.col("comment").map_elements(redact, return_dtype=pl.String)
    )
    action_context = _action_context(actions, responsibility, praise, taxonomy, language)
    labels = _labels(taxonomy, language)
    why = _why(movement, metric_columns, labels, language)
    return {
        "language": language,
        "t": TEXT[language],
        "title": title or TEXT[language]["title"],
        "week": week,
        "week_label": format_date(week, language),
        "week_end_label": format_date(week + dt.timedelta(days=6), language),
        "headline": by_segment.get(("overall", "all"), []),
        "metric_columns": metric_columns,
        "segments": segments,
        "verbatims": quoted.to_dicts(),
        "files": file_counts,
        "week_counts": week_counts,
        "min_sample_size": min_sample_size,
        "min_score_responses": min_score_responses,
        "min_comment_responses": min_comment_responses,
        "other_standouts": other_standouts,
        "themes": _theme_rows(themes, taxonomy, language),
        "emerging": [] if emerging is None else emerging.to_dicts(),
        **action_context,
        "charts": _charts(trends, metric_columns, language),
        "summary": _summary(by_segment.get(("overall", "all"), []), action_context, why, language),
        "why": why,
        "spikes": _spikes(spikes, labels, language),
        "spike_weeks": SPIKE_WEEKS,
        "call_backs": _call_backs(call_backs, taxonomy, language),
        "rejections": _rejections(rejections),
        "week_quality": _week_quality(
            week_counts, response_counts, invitations or {}, votes, language
        ),
        "excluded": [
            (TEXT[language].get(f"excluded_{reason}", reason), rows)
            for reason, rows in (file_counts.get("excluded") or {}).items()
        ],
        "votes_rule": TEXT[language][f"votes_{votes}"],
        "comment_rate": format_percent(
            100 * week_counts["comments"] / week_counts["responses"]
            if week_counts.get("responses")
            else None,
            language,
            0,
        ),
    }


# How a standout marks its segment's cells: `up` the question above the overall (or that rose),
# `down` the one below (or that fell). Both print in bold; the note under the row says which.
_STANDOUT_MARKS = {
    "above": ("up", None),
    "below": ("down", None),
    "diverging_levels": ("up", "down"),
    "diverging_changes": ("up", "down"),
}


def _segment_rows(
    by_segment: dict[tuple[str, str], list[Score]],
    metric_columns: list[tuple[str, str]],
    standouts: pl.DataFrame | None,
    language: str,
) -> tuple[list[dict[str, Any]], list[str]]:
    """The segments table's rows, by dimension, each with its cells in `metric_columns` order,
    the marks its standouts put on them and their explanations; and the explanations of
    standouts whose segment the table does not show."""
    notes: dict[tuple[str, str], list[str]] = {}
    marks: dict[tuple[str, str], dict[tuple[str, str], str]] = {}
    for r in () if standouts is None else standouts.iter_rows(named=True):
        key = (r["dimension"], r["segment"])
        if not _may_show(by_segment.get(key, []), r):
            continue  # its sentence gives a score the privacy threshold hides
        notes.setdefault(key, []).append(r[f"explanation_{language}"])
        first, second = _STANDOUT_MARKS.get(r["kind"], (None, None))
        cell_marks = marks.setdefault(key, {})
        if first:
            cell_marks[(r["metric"], r["scale"])] = first
        if second and r.get("other_metric"):
            cell_marks[(r["other_metric"], r["other_scale"])] = second
    rows = []
    for dimension in SEGMENT_DIMENSIONS_SHOWN:
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


def warehouse_context(
    conn: duckdb.DuckDBPyConnection, week: dt.date, settings: Settings, taxonomy: Taxonomy | None
) -> dict[str, Any]:
    """The report context of one week, read from the warehouse (the queries of sql/report/)."""

    def read(name: str, **params: Any) -> pl.DataFrame:
        return wh.query(conn, f"report/{name}", **params)

    return build_context(
        week,
        read("weekly_scores", week=week),
        read("comments", week=week),
        read("file_counts").to_dicts()[0],
        read("week_counts", week=week).to_dicts()[0],
        language=settings.report.language,
        title=settings.report.title,
        verbatims=settings.report.verbatims,
        min_sample_size=settings.min_sample_size,
        satisfied_from=settings.csat_satisfied_from(),
        standouts=read("standouts", week=week),
        themes=read("themes", week=week),
        emerging=read("emerging", week=week),
        taxonomy=taxonomy,
        actions=read("action_list", week=week),
        responsibility=read("responsibility", week=week),
        praise=read("praise", week=week),
        trends=read("trends", week=week),
        call_backs=read("call_backs", week=week),
        rejections=read("rejections"),
        movement=read("movement", week=week),
        spikes=read("spikes", week=week),
        response_counts=read("response_counts", week=week),
        invitations={s.name: s.invitations for s in settings.sources if s.invitations},
        votes=settings.votes_per_customer,
        min_score_responses=settings.privacy.min_responses_for_score,
        min_comment_responses=settings.privacy.min_responses_for_comments,
    )


def _labels(taxonomy: Taxonomy | None, language: str) -> dict[str, dict[str, str]]:
    """Theme id → its label, action and owner in the report's language (French typography on
    French ones); `no_theme` for responses no theme explains. A theme since removed from the
    taxonomy keeps its id as label."""
    polish = french_typography if language == "fr" else str
    known = {
        t.id: {
            "label": polish(getattr(t.label, language)),
            "action": polish(getattr(t.action, language)),
            "owner": t.owner,
        }
        for t in (taxonomy.themes if taxonomy else [])
    }
    for group in (NO_THEME, NO_COMMENT):
        known[group] = {"label": TEXT[language][group], "action": "", "owner": ""}
    return known


def _label(labels: dict[str, dict[str, str]], theme: str) -> str:
    return labels.get(theme, {}).get("label", theme)


def response_rate(
    counts: pl.DataFrame | None, invitations: dict[str, int | str]
) -> tuple[int, int] | None:
    """(responses, invitations) over the sources that say how many invitations they sent: a
    number a week, or their unanswered rows (`counts`: response_counts.sql). None if none do."""
    by_source = {} if counts is None else {r[0]: r[1:] for r in counts.iter_rows()}
    responses = sent = 0
    for source, setting in invitations.items():  # a source without a response this week too
        answered, unanswered = by_source.get(source, (0, 0))
        responses += answered
        sent += answered + unanswered if setting == "unanswered_rows" else int(setting)
    return (responses, sent) if sent else None


def _week_quality(
    week_counts: dict[str, int],
    response_counts: pl.DataFrame | None,
    invitations: dict[str, int | str],
    votes: str,
    language: str,
) -> list[str]:
    """The week's denominators in words: the response rate, the share of each question left
    unanswered (N/A, skipped), and the responses set aside by the one-vote rule."""
    text, lines = TEXT[language], []
    if rate := response_rate(response_counts, invitations):
        lines.append(
            text["response_rate"].format(
                rate=format_percent(100 * rate[0] / rate[1], language, 0),
                responses=format_number(rate[0], language, 0),
                invitations=format_number(rate[1], language, 0),
            )
        )
    rates = [
        f"{metric.upper()} {format_percent(100 * (1 - answered / asked), language, 0)}"
        for metric in ("csat", "nps", "ces")
        if (asked := week_counts.get(f"{metric}_asked"))
        and (answered := week_counts.get(f"{metric}_answered")) is not None
    ]
    if rates:
        lines.append(text["unanswered"].format(rates=", ".join(rates)))
    if week_counts.get("superseded") and votes != "all":
        lines.append(
            text["superseded"].format(
                n=format_number(week_counts["superseded"], language, 0),
                which=text[f"which_{votes}"],
            )
        )
    return lines


def _rejections(rejections: pl.DataFrame | None) -> list[dict[str, Any]]:
    """The top rejection reasons; their example is a customer's cell (a comment typed into a
    score column, say), so it is quoted like any customer text: redacted, on one line, short."""
    if rejections is None:
        return []
    return [
        {**r, "example": quotable(r["example"]) if r.get("example") else None}
        for r in rejections.iter_rows(named=True)
    ]


def _call_backs(
    call_backs: pl.DataFrame | None, taxonomy: Taxonomy | None, language: str
) -> list[dict[str, Any]]:
    """Customers to call back per top theme, labelled in the report's language."""
    if call_backs is None:
        return []
    labels = _labels(taxonomy, language)
    return [
        {"label": _label(labels, r["theme"]), "customers": r["customers"]}
        for r in call_backs.iter_rows(named=True)
    ]


def _summary(
    headline: list[Score], actions: dict[str, Any], why: list[dict[str, Any]], language: str
) -> list[str]:
    """Up to four sentences for the first page: the biggest significant mover, the two biggest
    contributors to its change (to the first score's when none moved significantly), the
    first thing to fix, and whose doing low scores are."""
    text = TEXT[language]
    sentences = []
    movers = [s for s in headline if s.significant_prev and s.delta is not None]
    mover = min(movers, key=lambda s: s.p_prev if s.p_prev is not None else 1.0) if movers else None
    explained = mover or (headline[0] if headline else None)
    block = next(
        (
            b
            for b in why
            if explained and (b["metric"], b["scale"]) == (explained.metric, explained.scale)
        ),
        None,
    )
    if mover:
        sentences.append(
            text["summary_mover"].format(
                metric=metric_name(mover.metric, mover.scale),
                direction=text["up" if mover.delta > 0 else "down"],
                size=format_change(mover.metric, mover.delta, language),
            )
        )
    else:
        sentences.append(text["summary_steady"])
    if block and (sentence := _why_sentence(block, language)):
        sentences.append(sentence)
    if actions["actions"]:
        first = actions["actions"][0]
        metric, points, *_ = first["points"][0] if first["points"] else ("CSAT", None)
        sentences.append(
            text["summary_action"].format(
                theme=first["label"],
                owner=text["owners"].get(first["owner"], first["owner"]),
                points=format_number(points, language, 1),
                metric=metric,
            )
        )
    else:
        sentences.append(text["no_ranked"])
    if actions["responsibility"]:
        split = actions["responsibility"]
        sentences.append(
            text["summary_responsibility"].format(
                share=split["service_only"], others=split["others_only"]
            )
        )
    return sentences


WHY_ROWS = 5  # contributions shown per score; the rest are summed as "other themes"


def signed_change(metric: str, value: float, language: str) -> str:
    """A change or a part of one with its sign: CSAT and NPS `−2.1 pts`, CES `+0.12`."""
    if metric == "ces":
        return format_number(value, language, 2, sign=True)
    return f"{format_number(value, language, 1, sign=True)} pts"


def _why(
    movement: pl.DataFrame | None,
    metric_columns: list[tuple[str, str]],
    labels: dict[str, dict[str, str]],
    language: str,
) -> list[dict[str, Any]]:
    """Per headline score, its change split by theme: the WHY_ROWS biggest parts, then the
    others summed, so that the table adds up to the change."""
    blocks = []
    for metric, scale in metric_columns:
        rows = (
            pl.DataFrame() if movement is None or movement.is_empty()
            else movement.filter((pl.col("metric") == metric) & (pl.col("scale") == scale))
        )  # fmt: skip
        if rows.is_empty():
            continue
        rows = rows.sort(pl.col("contribution").abs(), "theme", descending=[True, False])
        parts = [{**r, "label": _label(labels, r["theme"])} for r in rows.iter_rows(named=True)]
        rest = parts[WHY_ROWS:]
        blocks.append(
            {
                "metric": metric,
                "scale": scale,
                "name": metric_name(metric, scale),
                "total": parts[0]["total_change"],
                "parts": parts,
                "rows": parts[:WHY_ROWS],
                "rest": {
                    "themes": len(rest),
                    **{
                        k: sum(p[k] for p in rest)
                        for k in ("volume_effect", "score_effect", "contribution")
                    },
                }
                if rest
                else None,
            }
        )
    return blocks


def _why_sentence(block: dict[str, Any], language: str) -> str | None:
    """ "What moved CSAT (−4.2 pts): wait time (−2.9 pts, a larger share) and …": the two
    biggest parts pushing the way the score went."""
    text, metric, total = TEXT[language], block["metric"], block["total"]
    if total is None or abs(total) < 1e-9:
        return None
    direction = 1 if total > 0 else -1
    pushing = sorted(
        (p for p in block["parts"] if p["contribution"] * direction > 0),
        key=lambda p: -p["contribution"] * direction,
    )[:2]
    if not pushing:
        return None

    def contributor(part: dict[str, Any]) -> str:
        if abs(part["volume_effect"]) >= abs(part["score_effect"]):
            reason = "share_up" if part["share"] > part["share_before"] else "share_down"
        else:
            reason = "scored_up" if part["score_effect"] > 0 else "scored_down"
        change = signed_change(metric, part["contribution"], language)
        return f"{part['label']} ({change}, {text[reason]})"

    second = pushing[1:]
    return text["summary_why"].format(
        metric=block["name"],
        change=signed_change(metric, total, language),
        first=contributor(pushing[0]),
        second=text["summary_why_second"].format(contributor=contributor(second[0]))
        if second
        else "",
    )


def _spikes(
    spikes: pl.DataFrame | None, labels: dict[str, dict[str, str]], language: str
) -> list[dict[str, Any]]:
    """The week's spikes in words, one entry per theme (the furthest from usual first): each
    unusual measure against its usual level, ▲ or ▼, and the theme's examples."""
    text, found = TEXT[language], {}
    for r in () if spikes is None else spikes.iter_rows(named=True):
        measure = r["measure"]
        if measure == "share":
            shown = [format_percent(v, language, 1) for v in (r["value"], r["mean"], r["sd"])]
            what = text["spike_share"]
        else:
            shown = [format_score(measure, v, language) for v in (r["value"], r["mean"])]
            shown.append(format_score(measure, r["sd"], language).lstrip("+"))
            what = text["spike_score"]
        entry = found.setdefault(
            r["theme"],
            {"label": _label(labels, r["theme"]), "measures": [], "examples": r["examples"] or []},
        )
        sentence = what.format(
            metric=metric_name(measure, r["scale"]), value=shown[0], mean=shown[1], sd=shown[2]
        )
        entry["measures"].append(("▲ " if r["direction"] == "up" else "▼ ") + sentence)
    return list(found.values())


def _charts(
    trends: pl.DataFrame | None, metric_columns: list[tuple[str, str]], language: str
) -> list[Chart]:
    """One trend chart per headline metric and scale, then the NPS mix."""
    if trends is None or trends.is_empty():
        return []
    charts = [
        trend(trends.filter((pl.col("metric") == m) & (pl.col("scale") == s)), m, s, language)
        for m, s in metric_columns
    ]
    charts.append(nps_mix(trends.filter(pl.col("metric") == "nps"), language))
    return [c for c in charts if c is not None]


def _action_context(
    actions: pl.DataFrame | None,
    responsibility: pl.DataFrame | None,
    praise: pl.DataFrame | None,
    taxonomy: Taxonomy | None,
    language: str,
) -> dict[str, Any]:
    """The ranked action list, the watch list, the responsibility split and praise per team."""
    labels = _labels(taxonomy, language)
    ranked, watch = [], []
    if actions is not None and not actions.is_empty():
        for (theme,), rows in actions.group_by("theme", maintain_order=True):
            by_metric = {r["metric"]: r for r in rows.iter_rows(named=True)}
            entry = _action_entry(theme, by_metric, labels, language)
            (ranked if entry["status"] == "ranked" else watch).append(entry)
    split = {}
    if responsibility is not None and not responsibility.is_empty():
        rows = responsibility.filter(pl.col("kind") == "split")
        split = {r["category"]: r for r in rows.iter_rows(named=True)}
    return {
        "actions": sorted(ranked, key=lambda e: e["rank"]),
        "watch": sorted(watch, key=lambda e: -e["complaints"]),
        "responsibility": {
            "n": sum(r["low_scorers"] for r in split.values()),
            **{
                k: format_percent(100 * split[k]["share"] if k in split else 0.0, language, 0)
                for k in ("service_only", "service_and_others", "others_only", "no_theme")
            },
        }
        if split
        else None,
        "praise": _praise(praise, labels),
    }


def _action_entry(
    theme: str,
    by_metric: dict[str, dict[str, Any]],
    labels: dict[str, dict[str, str]],
    language: str,
) -> dict[str, Any]:
    """One theme of the action list: what every metric's row shares, and each metric's points
    at stake with their interval (CSAT, CES, NPS: the ranking's order of weight)."""
    first = next(iter(by_metric.values()))
    text = TEXT[language]
    most_in = None
    over_index = ("over_index_dimension", "over_index_segment", "over_index_rate", "rest_rate")
    if all(first.get(column) is not None for column in over_index):
        dimension = first["over_index_dimension"]
        most_in = text["most_in"].format(
            dimension=DIMENSION_LABELS[language].get(dimension, dimension).lower(),
            segment=first["over_index_segment"],
            rate=format_percent(100 * first["over_index_rate"], language, 0),
            rest=format_percent(100 * first["rest_rate"], language, 0),
        )
    return {
        "theme": theme,
        "label": _label(labels, theme),
        "owner": first["owner"],
        "status": first["status"],
        "rank": first["rank"],
        "complaints": first["complaints"],
        "share": _percent(first.get("share_of_responses"), language),
        "share_before": _percent(first.get("share_trailing"), language),
        "rising": bool(first["rising"]),
        "action": labels.get(theme, {}).get("action", ""),
        "examples": list(first["examples"] or [])[:2],
        "most_in": most_in,
        "points": [
            (m.upper(), by_metric[m]["points"], by_metric[m]["points_low"],
             by_metric[m]["points_high"])
            for m in ("csat", "ces", "nps")
            if m in by_metric and by_metric[m]["points"] is not None
        ],
    }  # fmt: skip


def _percent(share: float | None, language: str) -> str | None:
    """A 0-1 share as a whole percentage, None when unknown."""
    return None if share is None else format_percent(100 * share, language, 0)


def _praise(praise: pl.DataFrame | None, labels: dict[str, dict[str, str]]) -> list[dict]:
    """What customers appreciated, per team, with a quote no other entry shows: one happy
    comment often names several themes, and the same words twice read as padding."""
    if praise is None or praise.is_empty():
        return []
    shown: set[str] = set()
    praised = []
    for row in praise.filter(pl.col("dimension") == "team").head(8).iter_rows(named=True):
        quote = next((q for q in row["examples"] or [] if q not in shown), None)
        if quote:
            shown.add(quote)
        praised.append({**row, "label": _label(labels, row["theme"]), "quote": quote})
    return praised


def _theme_rows(
    themes: pl.DataFrame | None, taxonomy: Taxonomy | None, language: str
) -> list[dict[str, Any]]:
    """The week's themes with their label and owner in the report's language."""
    if themes is None or taxonomy is None:
        return []
    labels = _labels(taxonomy, language)
    return [
        {**row, "label": _label(labels, row["theme"]),
         "owner": labels.get(row["theme"], {}).get("owner", "")}
        for row in themes.iter_rows(named=True)
    ]  # fmt: skip


def _autoescape(template_name: str | None) -> bool:
    # `select_autoescape()` would not escape `*.html.j2`; escape everything but plain text.
    return not (template_name or "").endswith((".txt", ".txt.j2"))


def environment(language: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=_autoescape,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = lambda v, d=1, sign=False: format_number(v, language, d, sign)
    env.filters["pct"] = lambda v, d=1: format_percent(v, language, d)
    env.filters["date"] = lambda v: format_date(v, language)
    env.globals["font_data_uri"] = font_data_uri
    return env


@functools.cache
def font_data_uri(name: str) -> str:
    """A font of `report_templates/fonts/` as a `data:` URL: the report's one file carries it."""
    data = (TEMPLATES_DIR / "fonts" / name).read_bytes()
    return "data:font/woff2;base64," + base64.b64encode(data).decode("ascii")


def render_html(context: dict[str, Any]) -> str:
    return environment(context["language"]).get_template("report.html.j2").render(context)


def write_report_files(folder: Path, files: dict[str, bytes]) -> None:
    """Write a week's report files so that a reader never sees a half-written or mixed set: each
    is written beside its final name, and all are renamed into place only once all are written."""
    folder.mkdir(parents=True, exist_ok=True)
    staged = {}
    for name, content in files.items():
        temporary = folder / f".{name}.partial"
        temporary.write_bytes(content)
        staged[temporary] = folder / name
    for temporary, final in staged.items():
        os.replace(temporary, final)
